-- 007_views.sql: the views administrators and analysts query, and the
-- monitoring report reads.  docs/SQL.md documents them.

SET search_path = wdmon;

-- Every indicator's value per area and year: what was reported (the latest
-- revision of the total), and for the district, where it reported nothing
-- itself, the roll-up of the areas directly below it by the indicator's
-- aggregation rule — numerators and denominators summed for shares and
-- rates, never percentages averaged.
CREATE VIEW indicator_value AS
WITH reported AS (
    SELECT c.indicator_code, c.area_code, c.year, c.value, c.numerator, c.denominator,
           c.status::text AS status
      FROM observation_current c
     WHERE c.period_kind = 'year' AND c.body = '' AND c.sex = 'T'
), children AS (
    SELECT r.indicator_code, a.parent_code AS area_code, r.year,
           count (*) AS parts,
           count (*) FILTER (WHERE r.numerator IS NOT NULL AND r.denominator IS NOT NULL) AS with_ratio,
           sum (r.value) AS total, min (r.value) AS low, max (r.value) AS high, avg (r.value) AS mean,
           sum (r.numerator) AS numerator, sum (r.denominator) AS denominator
      FROM reported r JOIN area a ON a.code = r.area_code
     WHERE a.parent_code IS NOT NULL
     GROUP BY r.indicator_code, a.parent_code, r.year
), rolled AS (
    SELECT c.indicator_code, c.area_code, c.year,
           CASE i.aggregation
                WHEN 'ratio' THEN CASE WHEN c.with_ratio = c.parts AND c.denominator > 0
                                       THEN c.numerator / c.denominator * u.scale END
                WHEN 'sum' THEN c.total WHEN 'min' THEN c.low WHEN 'max' THEN c.high
                WHEN 'mean' THEN c.mean END AS value,
           CASE WHEN i.aggregation = 'ratio' THEN c.numerator END AS numerator,
           CASE WHEN i.aggregation = 'ratio' THEN c.denominator END AS denominator,
           'rolled_up' AS status, c.parts
      FROM children c
      JOIN indicator i ON i.code = c.indicator_code
      JOIN measure_unit u ON u.code = i.unit_code
      JOIN area p ON p.code = c.area_code AND p.level = 'district'
     WHERE NOT EXISTS (SELECT 1 FROM reported r WHERE r.indicator_code = c.indicator_code
                         AND r.area_code = c.area_code AND r.year = c.year)
)
SELECT indicator_code, area_code, year, value, numerator, denominator, status,
       'reported' AS source, NULL::bigint AS parts
  FROM reported
UNION ALL
SELECT indicator_code, area_code, year, value, numerator, denominator, status,
       'rolled_up', parts
  FROM rolled WHERE value IS NOT NULL;

-- The warnings that are not resolved, with names to read them by.
CREATE VIEW open_warnings AS
SELECT w.id, w.level, w.state, w.rule_code, r.name_zh AS rule_zh, r.name_en AS rule_en,
       w.indicator_code, i.name_zh AS indicator_zh, d.ordinal AS domain_ordinal,
       d.name_zh AS domain_zh, w.area_code, a.name_zh AS area_zh, w.year, w.body,
       w.unit_code, w.value, w.target, w.message_zh, w.message_en, w.opened_at, w.updated_at,
       w.acknowledged_by, w.ack_note
  FROM warning w
  JOIN rule r ON r.code = w.rule_code
  JOIN indicator i ON i.code = w.indicator_code
  JOIN domain d ON d.code = i.domain_code
  JOIN area a ON a.code = w.area_code
 WHERE w.state <> 'resolved';

-- Per member unit and plan year: the reports it owes (as lead), those
-- received, received after the deadline, and still missing.
CREATE VIEW completeness AS
WITH owed AS (
    SELECT r.unit_code, r.indicator_code, y AS year,
           make_date (y + 1, p.deadline_month, 1) + (p.deadline_day - 1) AS deadline
      FROM responsibility r
      JOIN member_unit u ON u.code = r.unit_code AND u.active
      JOIN indicator i ON i.code = r.indicator_code AND i.active
      JOIN plan p ON p.code = i.plan_code
     CROSS JOIN LATERAL generate_series (p.period_start, p.period_end) y
     WHERE r.lead
), got AS (
    SELECT o.unit_code, o.indicator_code, o.year, min (o.received_at) AS first_received
      FROM observation o
     GROUP BY o.unit_code, o.indicator_code, o.year
)
SELECT w.unit_code, u.name_zh AS unit_zh, w.year,
       count (*) AS owed,
       count (g.first_received) AS received,
       count (*) FILTER (WHERE g.first_received >= (w.deadline + 1)::timestamp AT TIME ZONE 'UTC') AS late,
       count (*) FILTER (WHERE g.first_received IS NULL) AS missing,
       min (w.deadline) AS deadline
  FROM owed w
  JOIN member_unit u ON u.code = w.unit_code
  LEFT JOIN got g ON g.unit_code = w.unit_code AND g.indicator_code = w.indicator_code AND g.year = w.year
 GROUP BY w.unit_code, u.name_zh, w.year;

GRANT SELECT ON indicator_value, open_warnings, completeness TO wdmon_reader, wdmon_writer, wdmon_admin;
