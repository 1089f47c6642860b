-- 042_console_pages.sql: what the console's overview and indicator pages
-- read (issue 15): each user's visits, for "what changed since your last
-- visit", and the read rights the report's judgement needs when the
-- console makes it (wdm_report_state: the values, baselines, thresholds,
-- open warnings) and the pages show (revisions, deadlines).
--
--   console_visit   per console login: when it last opened the overview
--                   (last_at) and the visit before that (previous_at),
--                   which is what "since your last visit" counts from.  A
--                   visit is a look at the overview after 30 minutes or
--                   more away; reloads within a visit keep previous_at.

SET search_path = wdmon;

CREATE TABLE console_visit (
    login           text PRIMARY KEY REFERENCES console_user ON DELETE CASCADE,
    previous_at     timestamptz,                    -- NULL: the first visit
    last_at         timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT, UPDATE ON console_visit TO wdmon_console;
GRANT ALL ON console_visit TO wdmon_admin;

-- The report's judgement (wdm_report_load) and the indicator page.
GRANT SELECT ON measure_unit, observation, observation_current, indicator_value, plan_baseline,
                rule_threshold, open_warnings, report_owed
   TO wdmon_console;
