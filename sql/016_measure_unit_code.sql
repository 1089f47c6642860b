-- 016_measure_unit_code.sql: an indicator's unit of measure is named
-- measure_unit_code, not unit_code, which everywhere else means the member
-- unit (a reader of `indicator` took it for the reporting unit; issue 13,
-- finding 6).  The views that read it follow the rename by themselves.

SET search_path = wdmon;

ALTER TABLE indicator RENAME COLUMN unit_code TO measure_unit_code;
