-- 059_console_report_scope.sql: a report the console made may be one
-- member unit's (unit_code) or one town's or street's (area_code) as well
-- as the district's (both NULL) — `wdmon report --unit / --area` (issue
-- 16).  A unit user makes and reads its own unit's reports only; the
-- console's queries say so in SQL (server/web/wdm_web_reports.c).

SET search_path = wdmon;

ALTER TABLE console_report
    ADD COLUMN unit_code text REFERENCES member_unit,
    ADD COLUMN area_code text REFERENCES area,
    ADD CONSTRAINT console_report_one_scope CHECK (unit_code IS NULL OR area_code IS NULL);
CREATE INDEX console_report_unit ON console_report (unit_code) WHERE unit_code IS NOT NULL;
