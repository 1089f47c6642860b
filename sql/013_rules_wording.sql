-- 013_rules_wording.sql: the fluctuation rule's thresholds for judging a
-- series with a short history of its own (issue 11, finding 4).
--
-- pool_min: how many year-on-year changes of the indicator in all its
-- areas, before the year judged, are needed to judge a series against
-- them when it has fewer than min_years changes of its own.
-- limit_pp: a limit on the yearly change in the indicator's own unit
-- (points for a rate), for the office to set per indicator; the default
-- row is 0, no limit.  See docs/WARNINGS.md, rule 4.

SET search_path = wdmon;

INSERT INTO rule_threshold (rule_code, param, value, description) VALUES
 ('fluctuating', 'pool_min', 8, 'with fewer than min_years changes of its own: the indicator''s changes in all areas before the year judged, needed to judge against them'),
 ('fluctuating', 'limit_pp', 0, 'a yearly change larger than this, in the indicator''s unit (points for a rate), is a swing; 0: none; set per indicator')
ON CONFLICT (rule_code, (coalesce(indicator_code, '')), param) DO NOTHING;
