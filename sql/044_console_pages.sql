-- 044_console_pages.sql: what the console's area, member-unit and
-- completeness pages read (issue 15) — granted to the console's role
-- (025), read only.
--
--   indicator_value, observation   an area's latest values, when they came
--   report_owed, completeness      what each unit owes and has delivered
--                                  (the same view `wdmon completeness` reads)
--   ingest_batch, rejected_record, deliveries and refusals with reasons
--   reason
--   server_status                  the collectors' last contact, as each
--                                  running server last saw them
--
-- Views run with their owner's rights: granting the views is enough for
-- what lies under them.

SET search_path = wdmon;

GRANT SELECT ON indicator_value, observation, report_owed, completeness, area_within,
                ingest_batch, rejected_record, reason, server_status, measure_unit
    TO wdmon_console;
