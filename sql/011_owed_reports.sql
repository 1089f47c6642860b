-- 011_owed_reports.sql: what a member unit owes, judged by the data, not
-- by who sent it; the views that answer "who has not reported" from it;
-- and the unit answerable for every open warning.
--
-- Before this, a report counted as made only if the unit chased for it had
-- sent it itself: the organisation department sends the leadership teams
-- (DM17) of every town, so every town, which leads for its own area, was
-- chased for values already stored.  Now a report is owed as data — the
-- indicator, the area the unit answers for, the year, and the body where
-- the indicator counts bodies — and it is made when a value for it has
-- arrived from anyone, for that area or an area within it.  Who is chased
-- stays the responsibility table's lead.  The missing-report rule (the
-- warning worker) and the completeness view both read report_owed, so
-- the two cannot disagree.

SET search_path = wdmon;

-- Each area with itself and every area within it, and how many levels down.
CREATE VIEW area_within AS
WITH RECURSIVE t (area_code, within_code, depth) AS (
    SELECT code, code, 0 FROM area
    UNION ALL
    SELECT t.area_code, a.code, t.depth + 1 FROM t JOIN area a ON a.parent_code = t.within_code
)
SELECT area_code, within_code, depth FROM t;

-- One row per report a lead unit owes: indicator, the unit's area, plan
-- year, and body (for an indicator that counts bodies, one row each).
-- deadline: the plan's deadline day in the following year, clamped to the
-- month's last day (as the rule does).  first_received: when a value for
-- it first arrived, from whichever unit.  state:
--   on_time   arrived by the end of the deadline day (office time, UTC+8);
--   late      arrived after it;
--   backfill  arrived after it, but the deadline had passed before the unit
--             was registered in wdmon: history loaded at installation, not
--             a late report;
--   missing   not arrived.
CREATE VIEW report_owed AS
WITH owed AS (
    SELECT r.unit_code, u.name_zh AS unit_zh, u.name_en AS unit_en, u.area_code,
           u.created_at AS registered_at, r.indicator_code, i.plan_code, y AS year,
           coalesce (b.body, '') AS body,
           make_date (y + 1, p.deadline_month, 1)
             + (least (p.deadline_day,
                       extract (day FROM make_date (y + 1, p.deadline_month, 1)
                                         + interval '1 month - 1 day')::int) - 1) AS deadline
      FROM responsibility r
      JOIN member_unit u ON u.code = r.unit_code AND u.active
      JOIN indicator i ON i.code = r.indicator_code AND i.active
      JOIN plan p ON p.code = i.plan_code
     CROSS JOIN LATERAL generate_series (p.period_start, p.period_end) y
      LEFT JOIN LATERAL unnest (CASE WHEN i.target_kind = 'min_count' THEN i.bodies END) b (body) ON true
     WHERE r.lead
)
SELECT w.unit_code, w.unit_zh, w.unit_en, w.indicator_code, w.plan_code, w.area_code, w.year,
       w.body, w.deadline, f.first_received,
       CASE WHEN f.first_received IS NULL THEN 'missing'
            WHEN f.first_received < (w.deadline + 1)::timestamp AT TIME ZONE 'Asia/Shanghai' THEN 'on_time'
            WHEN (w.deadline + 1)::timestamp AT TIME ZONE 'Asia/Shanghai' <= w.registered_at THEN 'backfill'
            ELSE 'late' END AS state
  FROM owed w
  LEFT JOIN LATERAL (
        SELECT min (o.received_at) AS first_received
          FROM observation o
         WHERE o.indicator_code = w.indicator_code AND o.year = w.year
           AND o.period_kind = 'year' AND o.period_no = 0
           AND (w.body = '' OR o.body = w.body)
           AND o.area_code IN (SELECT within_code FROM area_within a WHERE a.area_code = w.area_code)
  ) f ON true;

-- Per member unit and plan year: the reports it owes (as lead), those
-- received (from anyone), on time, late, loaded as history, and missing.
DROP VIEW completeness;
CREATE VIEW completeness AS
SELECT unit_code, unit_zh, year,
       count (*) AS owed,
       count (first_received) AS received,
       count (*) FILTER (WHERE state = 'late') AS late,
       count (*) FILTER (WHERE state = 'missing') AS missing,
       min (deadline) AS deadline,
       count (*) FILTER (WHERE state = 'on_time') AS on_time,
       count (*) FILTER (WHERE state = 'backfill') AS backfilled
  FROM report_owed
 GROUP BY unit_code, unit_zh, year;

-- The open warnings name the unit answerable for each: for a missing
-- report the unit chased; otherwise the lead unit of the indicator that
-- answers for the warning's area, the nearest one above it if none
-- answers for the area itself.
CREATE OR REPLACE VIEW open_warnings AS
SELECT w.id, w.level, w.state, w.rule_code, r.name_zh AS rule_zh, r.name_en AS rule_en,
       w.indicator_code, i.name_zh AS indicator_zh, d.ordinal AS domain_ordinal,
       d.name_zh AS domain_zh, w.area_code, a.name_zh AS area_zh, w.year, w.body,
       w.unit_code, w.value, w.target, w.message_zh, w.message_en, w.opened_at, w.updated_at,
       w.acknowledged_by, w.ack_note,
       ru.code AS responsible_unit_code, ru.name_zh AS responsible_unit_zh,
       ru.name_en AS responsible_unit_en
  FROM warning w
  JOIN rule r ON r.code = w.rule_code
  JOIN indicator i ON i.code = w.indicator_code
  JOIN domain d ON d.code = i.domain_code
  JOIN area a ON a.code = w.area_code
  LEFT JOIN LATERAL (
        SELECT u.code, u.name_zh, u.name_en
          FROM member_unit u
         WHERE u.code = w.unit_code
        UNION ALL
        (SELECT u.code, u.name_zh, u.name_en
           FROM responsibility rs
           JOIN member_unit u ON u.code = rs.unit_code AND u.active
           JOIN area_within aw ON aw.area_code = u.area_code AND aw.within_code = w.area_code
          WHERE w.unit_code IS NULL AND rs.indicator_code = w.indicator_code AND rs.lead
          ORDER BY aw.depth, u.code)
        LIMIT 1
  ) ru ON true
 WHERE w.state <> 'resolved';

GRANT SELECT ON area_within, report_owed, completeness, open_warnings
   TO wdmon_reader, wdmon_writer, wdmon_admin;
