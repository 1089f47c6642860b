-- 051_fast_values.sql: the district roll-up read where it is asked for
-- (issue 15, "Fast with a lot of data").
--
-- indicator_value (007) was written with its parts as WITH queries; the
-- one of reported values is read three times, so PostgreSQL computed it
-- whole — every series' current value, 1,000,000 observations in the
-- benchmark, 4.9 s — for every look-up of one indicator in one area, and
-- the console's pages and plan_baseline make hundreds of those.  The same
-- view, the same rows, written as subqueries: a condition on indicator,
-- area or year now reaches observation_current's own index.  What it
-- means is unchanged (007): the latest revision of the yearly total as
-- reported, and for the district, where it reported nothing itself, the
-- roll-up of the areas directly below it by the indicator's aggregation
-- rule.
--
-- observation_by_area: the same key as observation's unique one, area
-- first, for what is asked per area (the report's district values, an
-- area's page: every indicator in one area).

SET search_path = wdmon;

CREATE INDEX observation_by_area ON observation
    (area_code, indicator_code, year, period_kind, period_no, body, sex, revision)
    INCLUDE (value, numerator, denominator);

CREATE OR REPLACE VIEW indicator_value AS
SELECT c.indicator_code, c.area_code, c.year, c.value, c.numerator, c.denominator,
       c.status::text AS status, 'reported'::text AS source, NULL::bigint AS parts
  FROM observation_current c
 WHERE c.period_kind = 'year' AND c.body = '' AND c.sex = 'T'
UNION ALL
SELECT r.indicator_code, r.area_code, r.year, r.value, r.numerator, r.denominator,
       'rolled_up'::text, 'rolled_up'::text, r.parts
  FROM (SELECT c.indicator_code, c.area_code, c.year,
               CASE i.aggregation
                    WHEN 'ratio' THEN CASE WHEN c.with_ratio = c.parts AND c.denominator > 0
                                           THEN c.numerator / c.denominator * u.scale END
                    WHEN 'sum' THEN c.total WHEN 'min' THEN c.low WHEN 'max' THEN c.high
                    WHEN 'mean' THEN c.mean END AS value,
               CASE WHEN i.aggregation = 'ratio' THEN c.numerator END AS numerator,
               CASE WHEN i.aggregation = 'ratio' THEN c.denominator END AS denominator,
               c.parts
          FROM (SELECT o.indicator_code, p.code AS area_code, o.year,
                       count (*) AS parts,
                       count (*) FILTER (WHERE o.numerator IS NOT NULL AND o.denominator IS NOT NULL)
                           AS with_ratio,
                       sum (o.value) AS total, min (o.value) AS low, max (o.value) AS high,
                       avg (o.value) AS mean,
                       sum (o.numerator) AS numerator, sum (o.denominator) AS denominator
                  FROM area p
                  JOIN area a ON a.parent_code = p.code
                 CROSS JOIN LATERAL (
                       SELECT DISTINCT ON (l.indicator_code, l.year)
                              l.indicator_code, l.year, l.value, l.numerator, l.denominator
                         FROM observation l
                        WHERE l.area_code = a.code AND l.period_kind = 'year' AND l.period_no = 0
                          AND l.body = '' AND l.sex = 'T'
                        ORDER BY l.indicator_code DESC, l.year DESC, l.revision DESC) o
                 WHERE p.level = 'district'
                 GROUP BY o.indicator_code, p.code, o.year) c
          JOIN indicator i ON i.code = c.indicator_code
          JOIN measure_unit u ON u.code = i.measure_unit_code
         WHERE NOT EXISTS (SELECT 1 FROM observation x
                            WHERE x.indicator_code = c.indicator_code AND x.area_code = c.area_code
                              AND x.year = c.year AND x.period_kind = 'year' AND x.body = ''
                              AND x.sex = 'T')) r
 WHERE r.value IS NOT NULL;
