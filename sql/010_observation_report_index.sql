-- 010_observation_report_index.sql: what a unit has reported, by indicator
-- and year, found by an index.
--
-- The missing-report rule asks, for every report a lead unit owes (about
-- 640 for the district), whether any observation of that unit, indicator
-- and year exists.  Without this index each question scanned all areas'
-- rows of the indicator and year: 1.2 s of a full evaluation at 1,000,000
-- observations.  With it, a few milliseconds in all.

SET search_path = wdmon;

CREATE INDEX observation_report_idx ON observation (unit_code, indicator_code, year);
