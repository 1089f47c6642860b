-- 047_console_report.sql: the reports the console made (issue 15).  An
-- operator or administrator makes the annual monitoring report for a year,
-- or the final evaluation of an ended plan, on the console's reports page;
-- wdmon-web writes it as `wdmon report` does (wdm_report_write) in each of
-- its forms, keeps them here with the summary's counts, and writes who made
-- it to console_audit.  Viewers and everyone after read and download them
-- (HTML, Markdown, CSV) without making them again.
--
--   console_report  one report made: its plan, year, kind (annual or
--                   final), language, who made it and when, the three
--                   forms, and the summary's counts as the report says them

SET search_path = wdmon;

CREATE TABLE console_report (
    id              bigserial PRIMARY KEY,
    plan_code       text NOT NULL REFERENCES plan,
    year            int  NOT NULL,
    final           boolean NOT NULL DEFAULT false,     -- the final evaluation (终期评估)
    english         boolean NOT NULL DEFAULT false,
    made_by         text NOT NULL,                      -- the console login
    made_at         timestamptz NOT NULL DEFAULT now(),
    html            text NOT NULL,
    markdown        text NOT NULL,
    csv             text NOT NULL,
    indicators      int NOT NULL,                       -- the summary: indicators with a judgeable target
    met             int NOT NULL,
    on_track        int NOT NULL,
    behind          int NOT NULL,
    unlikely        int NOT NULL,
    not_reported    int NOT NULL,
    open_red        int NOT NULL,
    open_yellow     int NOT NULL
);
CREATE INDEX console_report_plan ON console_report (plan_code, made_at);

GRANT SELECT, INSERT ON console_report TO wdmon_console;
GRANT USAGE ON SEQUENCE console_report_id_seq TO wdmon_console;
GRANT ALL ON console_report TO wdmon_admin;
GRANT ALL ON SEQUENCE console_report_id_seq TO wdmon_admin;

-- What the report reads besides what 025 and 046 granted.
GRANT SELECT ON area_within, plan_baseline, rule_threshold, indicator_value, open_warnings, observation_latest
    TO wdmon_console;
