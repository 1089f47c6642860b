-- 053_fast_owed.sql: whether a report owed has arrived, looked up from the
-- unit's own area down (issue 15, "Fast with a lot of data").
--
-- report_owed (020) asked, for every report owed, for the first value
-- from the unit's area or an area within it through area_within, the
-- recursive view of every area with all the areas within it: PostgreSQL
-- built the whole closure again for each of the reports owed (30-44 s for
-- the overview's deadlines with 1,000,000 observations).  The same
-- areas, found from the unit's area downwards, and the values of the
-- indicator and year read from an index in that order.  What the view
-- answers is unchanged (011, 020).

SET search_path = wdmon;

CREATE INDEX observation_first_received ON observation (indicator_code, year, area_code)
    INCLUDE (received_at, body) WHERE period_kind = 'year' AND period_no = 0;

CREATE OR REPLACE VIEW report_owed AS
WITH within AS MATERIALIZED (
    SELECT area_code, within_code FROM area_within
), watched AS (
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
        SELECT min (o.received_at) AS first_received
          FROM observation o
         WHERE o.indicator_code = w.indicator_code AND o.year = w.year
           AND o.period_kind = 'year' AND o.period_no = 0
           AND (w.body = '' OR o.body = w.body)
           AND o.area_code IN (SELECT a.within_code FROM within a WHERE a.area_code = w.area_code)
  ) f ON true;
