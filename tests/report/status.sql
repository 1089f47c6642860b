-- tests/report/status.sql: the report's classification of indicators,
-- written a second time in SQL, for test_report.sh to hold the report's
-- numbers against.  One line per indicator with a judgeable target:
-- code|status, status one of met, on_track, behind, unlikely, not_reported
-- (the names of wdm_report_summary_t's fields).
--
--   psql -v year=2024 -v final=false -f status.sql
--
-- The rules (server/report/wdm_report_classify.c, rp_classify): the district's series —
-- indicator_value for the district, |women - men| for narrow_gap, the
-- smallest count among the bodies for min_count — from the baseline year
-- to :year.  No value in a plan year: not_reported.  The latest plan-year
-- value meets the target: met; otherwise on_track (annual), or, final,
-- unlikely (not met) or on_track (cannot be judged).  Then no better than
-- the worst open warning of a target rule: red: unlikely, yellow: behind.
-- Final: a value for :year itself, or not_reported; any such warning: unlikely.  Exact comparisons suffice
-- here: the test data are decimals that float8 carries to numeric exactly.

SET search_path = wdmon;

WITH p AS (
    SELECT code, baseline_year AS base, period_start AS first FROM plan WHERE current
), dist AS (
    SELECT code FROM area WHERE level = 'district' ORDER BY code LIMIT 1
), ind AS (
    SELECT i.indicator_code AS code, i.target_kind::text AS kind, i.target_value::numeric AS x, i.relation_code,
           i.relation_op,
           coalesce ((SELECT value FROM rule_threshold t WHERE t.rule_code = 'not_met'
                        AND t.param = 'balance_pp' AND t.indicator_code = i.indicator_code),
                     (SELECT value FROM rule_threshold t WHERE t.rule_code = 'not_met'
                        AND t.param = 'balance_pp' AND t.indicator_code IS NULL), 5)::numeric AS balance_pp,
           coalesce ((SELECT value FROM rule_threshold t WHERE t.rule_code = 'relation_broken'
                        AND t.param = 'similar_pp' AND t.indicator_code = i.indicator_code),
                     (SELECT value FROM rule_threshold t WHERE t.rule_code = 'relation_broken'
                        AND t.param = 'similar_pp' AND t.indicator_code IS NULL), 10)::numeric AS similar_pp
      FROM plan_target i WHERE i.active AND i.plan_code = (SELECT code FROM p)
), s AS (
    SELECT v.indicator_code AS code, v.year, v.value::numeric AS value
      FROM indicator_value v JOIN dist ON dist.code = v.area_code
      JOIN ind ON ind.code = v.indicator_code AND ind.kind NOT IN ('narrow_gap', 'min_count')
     WHERE v.year BETWEEN (SELECT base FROM p) AND :year
    UNION ALL
    SELECT f.indicator_code, f.year, abs (f.value - m.value)::numeric
      FROM observation_current f JOIN dist ON dist.code = f.area_code
      JOIN ind ON ind.code = f.indicator_code AND ind.kind = 'narrow_gap'
      JOIN observation_current m ON m.indicator_code = f.indicator_code AND m.area_code = f.area_code
           AND m.year = f.year AND m.period_kind = 'year' AND m.body = '' AND m.sex = 'M'
     WHERE f.period_kind = 'year' AND f.body = '' AND f.sex = 'F'
       AND f.year BETWEEN (SELECT base FROM p) AND :year
    UNION ALL
    SELECT o.indicator_code, o.year, min (o.value)::numeric
      FROM observation_current o JOIN ind ON ind.code = o.indicator_code AND ind.kind = 'min_count'
     WHERE o.period_kind = 'year' AND o.body <> '' AND o.sex = 'T'
       AND o.year BETWEEN (SELECT base FROM p) AND :year
     GROUP BY o.indicator_code, o.year
), ranked AS (
    SELECT s.*, row_number () OVER (PARTITION BY code ORDER BY year DESC) AS back,
           row_number () OVER (PARTITION BY code ORDER BY year) AS fwd
      FROM s
), latest AS (
    SELECT r.code, r.year, r.value FROM ranked r
     WHERE r.back = 1 AND r.year >= (SELECT first FROM p)
), earliest AS (
    SELECT code, year, value FROM ranked WHERE fwd = 1
), curb AS (
    SELECT code,
           (max (value) FILTER (WHERE back = 1) - max (value) FILTER (WHERE back = 2))
         / nullif (max (year) FILTER (WHERE back = 1) - max (year) FILTER (WHERE back = 2), 0) AS r1,
           (max (value) FILTER (WHERE back = 2) - max (value) FILTER (WHERE back = 3))
         / nullif (max (year) FILTER (WHERE back = 2) - max (year) FILTER (WHERE back = 3), 0) AS r0
      FROM ranked GROUP BY code
), rel AS (
    SELECT DISTINCT ON (a.code) a.code, a.value AS a, b.value AS b
      FROM ind JOIN s a ON a.code = ind.code
      JOIN s b ON b.code = ind.relation_code AND b.year = a.year
      JOIN latest l ON l.code = a.code
     WHERE ind.kind = 'relation' AND a.year >= (SELECT first FROM p) AND a.year <= l.year
     ORDER BY a.code, a.year DESC
), judged AS (
    SELECT ind.code, ind.kind, l.code IS NOT NULL AS reported,
           CASE ind.kind
               WHEN 'upper_bound' THEN l.value <= ind.x
               WHEN 'lower_bound' THEN l.value >= ind.x
               WHEN 'reach'       THEN l.value >= ind.x
               WHEN 'min_count'   THEN l.value >= ind.x
               WHEN 'balance'     THEN abs (l.value - ind.x) <= ind.balance_pp
               WHEN 'keep_above'  THEN NOT EXISTS (SELECT 1 FROM s WHERE s.code = ind.code
                                         AND s.year BETWEEN (SELECT first FROM p) AND l.year
                                         AND s.value < ind.x)
               WHEN 'increase'    THEN CASE WHEN e.year < l.year THEN l.value > e.value END
               WHEN 'decrease'    THEN CASE WHEN e.year < l.year THEN l.value < e.value END
               WHEN 'narrow_gap'  THEN CASE WHEN e.year < l.year THEN l.value < e.value END
               WHEN 'curb_rise'   THEN CASE WHEN c.r1 <= 0 THEN true
                                            WHEN c.r0 IS NULL THEN NULL
                                            ELSE c.r0 > 0 AND c.r1 < c.r0 END
               WHEN 'relation'    THEN CASE WHEN ind.relation_op = '>=' THEN r.a >= r.b
                                            ELSE abs (r.a - r.b) <= ind.similar_pp END
           END AS met,
           (SELECT coalesce (max (CASE w.level WHEN 'red' THEN 3 ELSE 2 END), 0) FROM open_warnings w
             WHERE w.indicator_code = ind.code AND w.plan_code = (SELECT code FROM p)
               AND w.year BETWEEN (SELECT base FROM p) AND :year
               AND (w.area_code = (SELECT code FROM dist) OR w.rule_code = 'min_count')
               AND w.rule_code IN ('not_met', 'behind_schedule', 'unlikely', 'wrong_direction',
                                   'relation_broken', 'min_count')) AS floor,
           l.year AS latest_year
      FROM ind
      LEFT JOIN latest l ON l.code = ind.code
      LEFT JOIN earliest e ON e.code = ind.code
      LEFT JOIN curb c ON c.code = ind.code
      LEFT JOIN rel r ON r.code = ind.code
     WHERE ind.kind <> 'monitor'
)
SELECT code || '|' ||
       CASE WHEN NOT reported OR (:final AND latest_year <> :year) THEN 'not_reported'
            ELSE (ARRAY ['met', 'on_track', 'behind', 'unlikely'])
                 [1 + greatest (CASE WHEN met THEN 0
                                     WHEN :final AND met IS NOT NULL THEN 3
                                     ELSE 1 END,
                                CASE WHEN :final AND floor > 0 THEN 3 ELSE floor END)] END
  FROM judged ORDER BY code;
