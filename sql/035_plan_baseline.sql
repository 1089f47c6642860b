-- 035_plan_baseline.sql: where each target's baseline comes from (issue 14,
-- plans in succession).
--
-- A plan may state a target's baseline (plan_target.baseline_value, with
-- baseline_source 'plan': the plan's own text gives it).  Where it does
-- not, the baseline is the value stored for the plan's baseline year: the
-- district's value as the report and the rules read it (indicator_value,
-- the district's own figure or the roll-up of its towns and streets; for a
-- narrowing gap |women - men|; for a minimum count the fewest in any
-- body) — 2025 for a 2026-2030 plan, carried over from the plan before.
-- It is computed when read, never copied: a 2025 figure corrected later
-- is the baseline from then on.  Where neither is there, there is none.
--
-- This view is the one place that decides it: the report, the warning
-- rules (behind schedule measures progress from it) and any listing read
-- it.  source is 'plan', 'stored' or NULL (none).  docs/WARNINGS.md.

SET search_path = wdmon;

CREATE VIEW plan_baseline AS
SELECT t.plan_code, t.indicator_code, p.baseline_year,
       coalesce (t.baseline_value::float8, s.value) AS value,
       CASE WHEN t.baseline_value IS NOT NULL THEN t.baseline_source
            WHEN s.value IS NOT NULL THEN 'stored' END AS source
  FROM plan_target t
  JOIN plan p ON p.code = t.plan_code
  -- The stored value, read where the plan states none (a plan's own
  -- baseline needs no look-up: the rules ask for those alone).
  LEFT JOIN LATERAL (
        SELECT CASE t.target_kind
                   WHEN 'narrow_gap' THEN
                       (SELECT abs (f.value - m.value)::float8
                          FROM observation_current f
                          JOIN observation_current m ON m.indicator_code = f.indicator_code
                               AND m.area_code = f.area_code AND m.year = f.year
                               AND m.period_kind = 'year' AND m.period_no = 0 AND m.body = ''
                               AND m.sex = 'M'
                         WHERE f.indicator_code = t.indicator_code AND f.year = p.baseline_year
                           AND f.period_kind = 'year' AND f.period_no = 0 AND f.body = ''
                           AND f.sex = 'F'
                           AND f.area_code = (SELECT code FROM area WHERE level = 'district'
                                               ORDER BY code LIMIT 1))
                   WHEN 'min_count' THEN
                       (SELECT min (o.value)::float8 FROM observation_current o
                         WHERE o.indicator_code = t.indicator_code AND o.year = p.baseline_year
                           AND o.period_kind = 'year' AND o.period_no = 0 AND o.body <> ''
                           AND o.sex = 'T')
                   ELSE
                       (SELECT v.value::float8 FROM indicator_value v
                         WHERE v.indicator_code = t.indicator_code AND v.year = p.baseline_year
                           AND v.area_code = (SELECT code FROM area WHERE level = 'district'
                                               ORDER BY code LIMIT 1))
               END AS value
         WHERE t.baseline_value IS NULL
  ) s ON true;

GRANT SELECT ON plan_baseline TO wdmon_reader, wdmon_writer, wdmon_admin;
