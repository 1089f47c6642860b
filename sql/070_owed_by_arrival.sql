-- 070_owed_by_arrival.sql: report_owed's first value, read the way 068
-- meant for a large area.
--
-- 068 asks for the first value of the indicator's year, in order of
-- arrival, that lies within the unit's area.  The planner made that test
-- a join, and with area_closure's estimate of three areas within an area
-- it walked the district's 1,031 areas for every report owed there: 634,055
-- index probes, 3.5-3.8 s of each evaluation with the deadlines at
-- 1,000,000 values (the worker's evaluation after a bulk load spent more
-- time there than in reading every series).  OFFSET 0 keeps the test one
-- of each value in turn, read from observation_arrival: 30-80 ms for the
-- same 905 reports.  Over a small area (64 areas or fewer within it, a
-- town's) the values are found area by area instead: where the area's
-- report is missing, reading the indicator's values from everywhere else
-- in order of arrival would pass over all of them.  What the view answers
-- is unchanged (compared row for row with 068's over the benchmark's
-- 1,072,000 values: no difference).

SET search_path = wdmon;

-- Whether an area has more than 64 areas within it (itself included): a
-- district, a town of many villages.  Within such an area, the first (or
-- latest) value of an indicator is found by reading its values in order
-- and testing each; within a smaller one, by walking its areas.  Used by
-- report_owed below and by the resolve statement (wdm_warn_apply.c).
CREATE FUNCTION area_is_large (code text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT count (*) > 64 FROM wdmon.area_closure WHERE area_code = code
$$;

CREATE OR REPLACE VIEW report_owed AS
WITH watched AS (
    SELECT t.indicator_code, t.plan_code, p.current, y AS year, t.target_kind,
           make_date (y + 1, p.deadline_month, 1)
             + (least (p.deadline_day,
                       extract (day FROM make_date (y + 1, p.deadline_month, 1)
                                         + interval '1 month - 1 day')::int) - 1) AS deadline
      FROM plan_target t
      JOIN plan p ON p.code = t.plan_code
     CROSS JOIN LATERAL generate_series (p.period_start, p.period_end) y
     WHERE t.active
), owed_for AS (
    SELECT indicator_code, year,
           (array_agg (plan_code ORDER BY deadline, current DESC, plan_code)) [1] AS plan_code,
           array_agg (plan_code ORDER BY plan_code) AS plans,
           min (deadline) AS deadline,
           bool_or (target_kind = 'min_count') AS by_body
      FROM watched
     GROUP BY indicator_code, year
), owed AS (
    SELECT r.unit_code, u.name_zh AS unit_zh, u.name_en AS unit_en, u.area_code,
           u.created_at AS registered_at, r.indicator_code, o.plan_code, o.plans, o.year,
           coalesce (b.body, '') AS body, o.deadline
      FROM responsibility r
      JOIN member_unit u ON u.code = r.unit_code AND u.active
      JOIN indicator i ON i.code = r.indicator_code
      JOIN owed_for o ON o.indicator_code = r.indicator_code
      LEFT JOIN LATERAL unnest (CASE WHEN o.by_body THEN i.bodies END) b (body) ON true
     WHERE r.lead
)
SELECT w.unit_code, w.unit_zh, w.unit_en, w.indicator_code, w.plan_code, w.area_code, w.year,
       w.body, w.deadline, f.first_received,
       CASE WHEN f.first_received IS NULL THEN 'missing'
            WHEN f.first_received < (w.deadline + 1)::timestamp AT TIME ZONE 'Asia/Shanghai' THEN 'on_time'
            WHEN (w.deadline + 1)::timestamp AT TIME ZONE 'Asia/Shanghai' <= w.registered_at THEN 'backfill'
            ELSE 'late' END AS state,
       w.plans
  FROM owed w
  LEFT JOIN LATERAL (
        --  The first value of the indicator's year within the unit's area.
        --  Over a large area (a district, a town of many villages), in
        --  order of arrival until one lies within it: the first usually
        --  does.  Over a small one, area by area: few to walk, where the
        --  indicator's values from elsewhere could be many to pass over.
        SELECT CASE WHEN area_is_large (w.area_code)
          THEN (SELECT o.received_at
                  FROM observation o
                 WHERE o.indicator_code = w.indicator_code AND o.year = w.year
                   AND o.period_kind = 'year' AND o.period_no = 0
                   AND (w.body = '' OR o.body = w.body)
                   --  OFFSET 0 keeps this a test of each value in turn: made a
                   --  join, it walked the district's 1,031 areas for every
                   --  report owed there (3.5 s of an evaluation at 1,000,000
                   --  values, against 30 ms).
                   AND EXISTS (SELECT 1 FROM area_closure a
                                WHERE a.area_code = w.area_code AND a.within_code = o.area_code OFFSET 0)
                 ORDER BY o.received_at
                 LIMIT 1)
          ELSE (SELECT min (o.received_at)
                  FROM area_closure a
                  JOIN observation o ON o.area_code = a.within_code
                 WHERE a.area_code = w.area_code
                   AND o.indicator_code = w.indicator_code AND o.year = w.year
                   AND o.period_kind = 'year' AND o.period_no = 0
                   AND (w.body = '' OR o.body = w.body)) END AS first_received
  ) f ON true;
