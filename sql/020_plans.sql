-- 020_plans.sql: several plans at once (issue 14, part 1).
--
-- Until now indicator held both the statistic (what is counted: its code,
-- names, unit of measure, range, sex split, bodies, aggregation and
-- frequency) and the one plan's target for it (domain, order, kind,
-- value, year, relation, the plan's wording, notes, active).  The next
-- women's plan (2026-2030) and the children's plan watch many of the same
-- statistics with targets of their own, so the two come apart:
--
--   indicator     the statistic, stored once; observations name it;
--   plan_target   one row per (plan, indicator): that plan's target on it;
--   domain        per plan: (plan_code, code), so the next plan may reuse
--                 the codes health, education, ...;
--   plan          gains subject (women / children), current (at most one:
--                 the plan a command shows unless told --plan) and version;
--   warning       names its plan: one observation is judged against each
--                 plan's own target, baseline and period, and each plan's
--                 verdict is a warning of its own.
--
-- A report owed (report_owed) is owed for the years of the plans that
-- have an active target on the indicator; a statistic two plans watch in
-- the same year is owed once, by the earlier of their deadlines, and
-- counted in each of those plans' completeness.  docs/SCHEMA.md.

SET search_path = wdmon;

-- ---------------------------------------------------------------------------
-- plan
-- ---------------------------------------------------------------------------

ALTER TABLE plan
    ADD COLUMN subject text NOT NULL DEFAULT 'women' CHECK (subject IN ('women', 'children')),
    ADD COLUMN current boolean NOT NULL DEFAULT false,
    ADD COLUMN version int NOT NULL DEFAULT 1 CHECK (version >= 1);
CREATE UNIQUE INDEX plan_current ON plan (current) WHERE current;
-- The plan there is (003) becomes the current one.
UPDATE plan SET current = true WHERE (SELECT count (*) FROM plan) = 1;

-- ---------------------------------------------------------------------------
-- plan_target, filled from indicator
-- ---------------------------------------------------------------------------

CREATE TABLE plan_target (
    plan_code       text NOT NULL REFERENCES plan,
    indicator_code  text NOT NULL REFERENCES indicator,
    domain_code     text NOT NULL,
    ordinal         int  NOT NULL,              -- order within its domain
    target_kind     target_kind NOT NULL,
    target_value    numeric,                    -- X for bounds, reach, keep, balance, min_count
    target_year     int  NOT NULL,
    relation_code   text,                       -- for 'relation': the other indicator, of this plan
    relation_op     text CHECK (relation_op IN ('>=', '~')),
    clause_zh       text NOT NULL,              -- the plan's own words (typesetting spaces removed)
    clause_ref      text NOT NULL,              -- where: 二(一)主要目标2, 二(一)策略措施7 …
    note_zh         text,
    note_en         text,
    active          boolean NOT NULL DEFAULT true,
    baseline_value  numeric,                    -- the plan's baseline for this target, if known
    baseline_source text CHECK (baseline_source IN ('plan', 'stored')),  -- where it came from
    PRIMARY KEY (plan_code, indicator_code),
    UNIQUE (plan_code, domain_code, ordinal),
    CHECK (target_kind NOT IN ('upper_bound', 'lower_bound', 'reach', 'keep_above',
                               'balance', 'min_count') OR target_value IS NOT NULL),
    CHECK ((target_kind = 'relation') = (relation_code IS NOT NULL AND relation_op IS NOT NULL)),
    CHECK ((baseline_value IS NULL) = (baseline_source IS NULL))
);
CREATE INDEX plan_target_indicator_idx ON plan_target (indicator_code);

INSERT INTO plan_target (plan_code, indicator_code, domain_code, ordinal, target_kind, target_value,
                         target_year, relation_code, relation_op, clause_zh, clause_ref, note_zh,
                         note_en, active)
SELECT plan_code, code, domain_code, ordinal, target_kind, target_value, target_year,
       relation_code, relation_op, clause_zh, clause_ref, note_zh, note_en, active
  FROM indicator;

-- The checks that tied a target to its statistic (a count of bodies needs
-- bodies; narrowing the gap needs values by sex) span the two tables now.
CREATE FUNCTION plan_target_check_statistic () RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    i wdmon.indicator;
BEGIN
    SELECT * INTO i FROM wdmon.indicator WHERE code = NEW.indicator_code;
    IF NEW.target_kind = 'min_count' AND coalesce (cardinality (i.bodies), 0) = 0 THEN
        RAISE EXCEPTION 'plan % target on %: min_count needs the indicator''s bodies',
            NEW.plan_code, NEW.indicator_code USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.target_kind = 'narrow_gap' AND NOT i.by_sex THEN
        RAISE EXCEPTION 'plan % target on %: narrow_gap needs an indicator reported by sex',
            NEW.plan_code, NEW.indicator_code USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER plan_target_statistic BEFORE INSERT OR UPDATE ON plan_target
    FOR EACH ROW EXECUTE FUNCTION plan_target_check_statistic ();

-- ---------------------------------------------------------------------------
-- The views that read the target columns go, the columns go, the views
-- come back reading plan_target.
-- ---------------------------------------------------------------------------

DROP VIEW catalog;
DROP VIEW completeness;
DROP VIEW report_owed;
DROP VIEW open_warnings;

ALTER TABLE indicator
    DROP COLUMN plan_code,
    DROP COLUMN domain_code,
    DROP COLUMN ordinal,
    DROP COLUMN target_kind,
    DROP COLUMN target_value,
    DROP COLUMN target_year,
    DROP COLUMN relation_code,
    DROP COLUMN relation_op,
    DROP COLUMN clause_zh,
    DROP COLUMN clause_ref,
    DROP COLUMN note_zh,
    DROP COLUMN note_en,
    DROP COLUMN active;

-- domain is per plan.
ALTER TABLE domain DROP CONSTRAINT domain_pkey;
ALTER TABLE domain ADD PRIMARY KEY (plan_code, code);

ALTER TABLE plan_target
    ADD FOREIGN KEY (plan_code, domain_code) REFERENCES domain (plan_code, code),
    ADD FOREIGN KEY (plan_code, relation_code) REFERENCES plan_target (plan_code, indicator_code);

-- ---------------------------------------------------------------------------
-- warning names its plan
-- ---------------------------------------------------------------------------

ALTER TABLE warning ADD COLUMN plan_code text REFERENCES plan;
UPDATE warning SET plan_code = (SELECT code FROM plan WHERE current);
ALTER TABLE warning ALTER COLUMN plan_code SET NOT NULL,
    ADD FOREIGN KEY (plan_code, indicator_code) REFERENCES plan_target (plan_code, indicator_code);
DROP INDEX warning_key;
CREATE UNIQUE INDEX warning_key ON warning
    (plan_code, rule_code, indicator_code, area_code, year, period_kind, period_no, body,
     coalesce(unit_code, ''));

CREATE OR REPLACE FUNCTION s_warning_announce (w warning, transition text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify ('wdmon_warning', json_build_object (
        'id', w.id, 'transition', transition, 'plan', w.plan_code, 'rule', w.rule_code,
        'indicator', w.indicator_code, 'area', w.area_code, 'year', w.year,
        'body', w.body, 'unit', w.unit_code, 'level', w.level, 'state', w.state)::text);
END
$$;

-- warning_raise (006) with the plan first: the warning of that plan's
-- target.  Otherwise as before.
DROP FUNCTION warning_raise (text, text, text, int, text, text, warning_level, text, text,
                             double precision, double precision, jsonb);
CREATE FUNCTION warning_raise (
    p_plan text, p_rule text, p_indicator text, p_area text, p_year int, p_body text, p_unit text,
    p_level warning_level, p_message_zh text, p_message_en text,
    p_value double precision, p_target double precision, p_details jsonb)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    w warning;
    transition text := 'none';
BEGIN
    SELECT * INTO w FROM warning
     WHERE plan_code = p_plan AND rule_code = p_rule AND indicator_code = p_indicator
       AND area_code = p_area AND year = p_year AND period_kind = 'year' AND period_no = 0
       AND body = p_body AND coalesce (unit_code, '') = coalesce (p_unit, '')
       FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO warning (plan_code, rule_code, indicator_code, area_code, year, body, unit_code,
                             level, message_zh, message_en, value, target, details)
        VALUES (p_plan, p_rule, p_indicator, p_area, p_year, p_body, p_unit, p_level,
                p_message_zh, p_message_en, p_value, p_target, p_details)
        RETURNING * INTO w;
        transition := 'open';
    ELSIF w.state = 'resolved' THEN
        UPDATE warning SET state = 'open', level = p_level, message_zh = p_message_zh,
               message_en = p_message_en, value = p_value, target = p_target, details = p_details,
               updated_at = now (), resolved_at = NULL, acknowledged_at = NULL,
               acknowledged_by = NULL, ack_note = NULL, reopen_count = reopen_count + 1
         WHERE id = w.id RETURNING * INTO w;
        transition := 'reopen';
    ELSIF w.level IS DISTINCT FROM p_level OR w.value IS DISTINCT FROM p_value THEN
        -- An acknowledged warning stays acknowledged unless it gets worse.
        UPDATE warning SET level = p_level, message_zh = p_message_zh, message_en = p_message_en,
               value = p_value, target = p_target, details = p_details, updated_at = now (),
               state = CASE WHEN w.state = 'acknowledged' AND p_level > w.level
                            THEN 'open'::warning_state ELSE w.state END
         WHERE id = w.id RETURNING * INTO w;
        transition := 'update';
    ELSIF w.message_zh IS DISTINCT FROM p_message_zh THEN
        -- Same level, same value, new words (e.g. one more day overdue):
        -- refreshed quietly, not a transition.
        UPDATE warning SET message_zh = p_message_zh, message_en = p_message_en,
               details = p_details, updated_at = now ()
         WHERE id = w.id;
    END IF;
    IF transition <> 'none' THEN
        INSERT INTO warning_event (warning_id, transition, level, message_zh, message_en)
        VALUES (w.id, transition, w.level, w.message_zh, w.message_en);
        PERFORM s_warning_announce (w, transition);
    END IF;
    RETURN transition;
END
$$;

-- ---------------------------------------------------------------------------
-- The views again
-- ---------------------------------------------------------------------------

-- The catalog as an analyst reads it: one row per plan and target, in
-- plan order.
CREATE VIEW catalog AS
SELECT t.plan_code, d.ordinal AS domain_ordinal, d.name_zh AS domain_zh, d.name_en AS domain_en,
       t.ordinal, i.code, i.name_zh, i.name_en, t.target_kind, t.target_value,
       u.symbol AS unit, t.relation_op, t.relation_code, i.bodies, i.by_sex,
       i.aggregation, t.clause_ref, t.clause_zh
  FROM plan_target t
  JOIN indicator i ON i.code = t.indicator_code
  JOIN domain d ON d.plan_code = t.plan_code AND d.code = t.domain_code
  JOIN measure_unit u ON u.code = i.measure_unit_code
 WHERE t.active
 ORDER BY t.plan_code, d.ordinal, t.ordinal;

-- One row per report a lead unit owes: indicator, the unit's area, year,
-- and body (for an indicator a plan judges by counting bodies, one row
-- each) — as in 011, for every year of every plan with an active target
-- on the indicator.  A year two plans both watch is owed once: plans
-- lists them, plan_code is the one whose deadline comes first (the
-- current plan, then the code, where they fall on the same day), and
-- deadline is that plan's.  state as in 011.
CREATE VIEW report_owed AS
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
        SELECT min (o.received_at) AS first_received
          FROM observation o
         WHERE o.indicator_code = w.indicator_code AND o.year = w.year
           AND o.period_kind = 'year' AND o.period_no = 0
           AND (w.body = '' OR o.body = w.body)
           AND o.area_code IN (SELECT within_code FROM area_within a WHERE a.area_code = w.area_code)
  ) f ON true;

-- Per plan, member unit and year: the reports it owes (as lead) for the
-- plan, those received (from anyone), on time, late, loaded as history,
-- and missing.  A report two plans watch counts in each plan's rows, once.
CREATE VIEW completeness AS
SELECT p.plan_code, r.unit_code, r.unit_zh, r.year,
       count (*) AS owed,
       count (r.first_received) AS received,
       count (*) FILTER (WHERE r.state = 'late') AS late,
       count (*) FILTER (WHERE r.state = 'missing') AS missing,
       min (r.deadline) AS deadline,
       count (*) FILTER (WHERE r.state = 'on_time') AS on_time,
       count (*) FILTER (WHERE r.state = 'backfill') AS backfilled
  FROM report_owed r
 CROSS JOIN LATERAL unnest (r.plans) p (plan_code)
 GROUP BY p.plan_code, r.unit_code, r.unit_zh, r.year;

-- The open warnings, with their plan and the domain of its target, and
-- the unit answerable for each (as in 011).
CREATE VIEW open_warnings AS
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
        (SELECT u.code, u.name_zh, u.name_en
           FROM responsibility rs
           JOIN member_unit u ON u.code = rs.unit_code AND u.active
           JOIN area_within aw ON aw.area_code = u.area_code AND aw.within_code = w.area_code
          WHERE w.unit_code IS NULL AND rs.indicator_code = w.indicator_code AND rs.lead
          ORDER BY aw.depth, u.code)
        LIMIT 1
  ) ru ON true
 WHERE w.state <> 'resolved';

-- ---------------------------------------------------------------------------
-- Rights, as 005 gives them for the catalog and 006 for the functions.
-- ---------------------------------------------------------------------------

GRANT SELECT ON plan_target, catalog, report_owed, completeness, open_warnings
   TO wdmon_reader, wdmon_writer, wdmon_admin;
GRANT ALL ON plan_target TO wdmon_admin;
GRANT EXECUTE ON FUNCTION warning_raise (text, text, text, text, int, text, text, warning_level, text,
                                         text, double precision, double precision, jsonb)
   TO wdmon_writer;
