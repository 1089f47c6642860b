-- 052_fast_warnings.sql: the unit answerable for an open warning, found
-- from the warning's area up (issue 15, "Fast with a lot of data").
--
-- open_warnings (020) finds the responsible unit of a warning that names
-- none by joining area_within, the recursive view of every area with all
-- the areas within it, inside a lateral subquery: PostgreSQL built the
-- whole closure again for every warning (34,319 warnings in the
-- benchmark: 8.8-11 s for a count).  The same answer, read from the
-- warning's own area upwards: the areas that contain it, each with how
-- many levels above it they sit, which is area_within's depth for that
-- pair.  The lead unit of the nearest such area (then by code) is
-- answerable, as before; a warning naming its unit keeps that unit.
--
-- warning_plan_open: the open warnings of a plan, by indicator and area,
-- as the pages count and list them.

SET search_path = wdmon;

CREATE INDEX warning_plan_open ON warning (plan_code, indicator_code, area_code)
    WHERE state <> 'resolved';

CREATE OR REPLACE VIEW open_warnings AS
SELECT w.id, w.level, w.state, w.rule_code, r.name_zh AS rule_zh, r.name_en AS rule_en,
       w.indicator_code, i.name_zh AS indicator_zh, d.ordinal AS domain_ordinal,
       d.name_zh AS domain_zh, w.area_code, a.name_zh AS area_zh, w.year, w.body,
       w.unit_code, w.value, w.target, w.message_zh, w.message_en, w.opened_at, w.updated_at,
       w.acknowledged_by, w.ack_note,
       ru.code AS responsible_unit_code, ru.name_zh AS responsible_unit_zh,
       ru.name_en AS responsible_unit_en,
       w.plan_code
  FROM warning w
  JOIN rule r ON r.code = w.rule_code
  JOIN indicator i ON i.code = w.indicator_code
  JOIN plan_target t ON t.plan_code = w.plan_code AND t.indicator_code = w.indicator_code
  JOIN domain d ON d.plan_code = t.plan_code AND d.code = t.domain_code
  JOIN area a ON a.code = w.area_code
  LEFT JOIN LATERAL (
        SELECT u.code, u.name_zh, u.name_en
          FROM member_unit u
         WHERE u.code = w.unit_code
        UNION ALL
        (WITH RECURSIVE up (code, depth) AS (
               SELECT w.area_code, 0
                WHERE w.unit_code IS NULL
               UNION ALL
               SELECT (SELECT x.parent_code FROM area x WHERE x.code = up.code), up.depth + 1
                 FROM up
                WHERE up.code IS NOT NULL)
         SELECT u.code, u.name_zh, u.name_en
           FROM up
           JOIN member_unit u ON u.area_code = up.code AND u.active
           JOIN responsibility rs ON rs.unit_code = u.code AND rs.indicator_code = w.indicator_code
                                 AND rs.lead
          ORDER BY up.depth, u.code)
        LIMIT 1
  ) ru ON true
 WHERE w.state <> 'resolved';
