-- 069_cheap_transitions.sql: a warning's transition costs less, so that
-- the first evaluation after a bulk load, which opens and resolves tens of
-- thousands at once, stays short (issue 17).  Nothing a user sees changes:
-- the same notices, the same announcements, the same integrity.
--
-- 1. The notice trigger (050) ran once per warning_event row: a PL/pgSQL
--    call, a look-up of the warning and an insert, 0.63 s for the 34,023
--    events of a first evaluation even with no recipient at all.  It now
--    runs once per statement over the statement's new events, and returns
--    at once when no recipient wants changes.  Which events are told, and
--    to whom, is unchanged: an open, a reopen, and an update that turns a
--    warning red (its previous event was not red).
-- 2. The announcement's text (006, 020) is a SQL function the bulk
--    statements of wdm_warn_apply call inline with pg_notify, instead of a
--    PL/pgSQL call per transition; s_warning_announce, which the one-at-a-
--    time functions use, sends the same text.
-- 3. warning's six foreign keys were checked by one query per inserted
--    row: 1.15 s of the 4.7 s that opening 34,023 warnings took.  As 009
--    did for observation, they are checked once per statement over its
--    new rows (the rule, the area, the unit if any, and the plan's target,
--    whose own keys make the plan and the indicator exist), and a rule,
--    area, unit or target a warning names may not go away or change its
--    key.  Both raise foreign_key_violation (23503), as the constraints
--    did; what the console and the reports rely on (every warning's rule,
--    area and target exist) holds as before.

SET search_path = wdmon;

-- 1. Notices, once per statement.
DROP TRIGGER notice_on_event ON warning_event;
DROP FUNCTION s_notice_on_event ();

CREATE FUNCTION s_notice_on_events () RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = wdmon AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM notice_recipient WHERE on_change AND active) THEN
        RETURN NULL;
    END IF;
    INSERT INTO notice (recipient_id, kind, warning_id, event_id, transition, level, value, target)
    SELECT r.id, 'warning', w.id, e.id, e.told, e.level, w.value, w.target
      FROM (SELECT n.id, n.warning_id, n.level,
                   CASE WHEN n.transition IN ('open', 'reopen') THEN n.transition ELSE 'red' END AS told
              FROM new_events n
             WHERE n.transition IN ('open', 'reopen')
                OR (n.transition = 'update' AND n.level = 'red'
                    AND (SELECT p.level FROM warning_event p WHERE p.warning_id = n.warning_id AND p.id < n.id
                          ORDER BY p.id DESC LIMIT 1) IS DISTINCT FROM 'red')) e
      JOIN warning w ON w.id = e.warning_id
      JOIN notice_recipient r ON r.on_change AND notice_matches (r, w)
     ORDER BY e.id, r.id
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER notice_on_events AFTER INSERT ON warning_event
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION s_notice_on_events ();

-- 2. The announcement's text, one place.
CREATE FUNCTION warning_announcement (w warning, transition text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT json_build_object (
        'id', w.id, 'transition', transition, 'plan', w.plan_code, 'rule', w.rule_code,
        'indicator', w.indicator_code, 'area', w.area_code, 'year', w.year,
        'body', w.body, 'unit', w.unit_code, 'level', w.level, 'state', w.state)::text
$$;

CREATE OR REPLACE FUNCTION s_warning_announce (w warning, transition text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify ('wdmon_warning', warning_announcement (w, transition));
END
$$;

-- 3. The references, once per statement.
ALTER TABLE warning
    DROP CONSTRAINT warning_plan_code_fkey,
    DROP CONSTRAINT warning_indicator_code_fkey,
    DROP CONSTRAINT warning_plan_code_indicator_code_fkey,
    DROP CONSTRAINT warning_rule_code_fkey,
    DROP CONSTRAINT warning_area_code_fkey,
    DROP CONSTRAINT warning_unit_code_fkey;

-- Per statement over its new rows (an insert), or for the one row whose
-- key a statement changed (an update: a trigger with a column list cannot
-- have transition tables, and raising, acknowledging and resolving change
-- no key, so it never fires in normal work).
CREATE FUNCTION warning_check_references () RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
    found_bad int;
BEGIN
    EXECUTE format (
        'SELECT n.plan_code, n.indicator_code, n.rule_code, n.area_code, n.unit_code,'
        '       r.code IS NULL AS no_rule, a.code IS NULL AS no_area,'
        '       n.unit_code IS NOT NULL AND u.code IS NULL AS no_unit'
        '  FROM (SELECT DISTINCT plan_code, indicator_code, rule_code, area_code, unit_code FROM %s) n'
        '  LEFT JOIN wdmon.rule r ON r.code = n.rule_code'
        '  LEFT JOIN wdmon.area a ON a.code = n.area_code'
        '  LEFT JOIN wdmon.member_unit u ON u.code = n.unit_code'
        ' WHERE r.code IS NULL OR a.code IS NULL OR (n.unit_code IS NOT NULL AND u.code IS NULL)'
        '    OR NOT EXISTS (SELECT 1 FROM wdmon.plan_target t'
        '                    WHERE t.plan_code = n.plan_code AND t.indicator_code = n.indicator_code)'
        ' LIMIT 1',
        CASE TG_LEVEL WHEN 'ROW' THEN '(SELECT ($1).*) x' ELSE 'new_rows' END)
       INTO bad USING NEW;
    GET DIAGNOSTICS found_bad = ROW_COUNT;
    IF found_bad > 0 THEN
        RAISE EXCEPTION 'warning names % that does not exist',
            CASE WHEN bad.no_rule THEN format ('rule %s', bad.rule_code)
                 WHEN bad.no_area THEN format ('area %s', bad.area_code)
                 WHEN bad.no_unit THEN format ('member unit %s', bad.unit_code)
                 ELSE format ('target %s of plan %s', bad.indicator_code, bad.plan_code) END
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER warning_references_insert
    AFTER INSERT ON warning REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION warning_check_references ();
CREATE TRIGGER warning_references_update
    AFTER UPDATE OF plan_code, indicator_code, rule_code, area_code, unit_code ON warning
    FOR EACH ROW
    WHEN ((OLD.plan_code, OLD.indicator_code, OLD.rule_code, OLD.area_code, OLD.unit_code)
          IS DISTINCT FROM (NEW.plan_code, NEW.indicator_code, NEW.rule_code, NEW.area_code, NEW.unit_code))
    EXECUTE FUNCTION warning_check_references ();

-- A rule, area, unit or target may not go away, nor change its key, while
-- a warning names it.  TG_ARGV: warning's columns, the referenced
-- table's, pairwise.
CREATE FUNCTION warning_guard_referenced () RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    named boolean;
    old_key text [] := '{}';
    new_key text [] := '{}';
    test text := 'true';
BEGIN
    FOR i IN 0 .. TG_NARGS / 2 - 1 LOOP
        old_key := old_key || (to_jsonb (OLD) ->> TG_ARGV [2 * i + 1]);
        IF TG_OP = 'UPDATE' THEN
            new_key := new_key || (to_jsonb (NEW) ->> TG_ARGV [2 * i + 1]);
        END IF;
        test := test || format (' AND %I = $1 [%s]', TG_ARGV [2 * i], i + 1);
    END LOOP;
    IF TG_OP = 'UPDATE' AND new_key = old_key THEN
        RETURN NEW;
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM wdmon.warning WHERE ' || test || ')' INTO named USING old_key;
    IF named THEN
        RAISE EXCEPTION '% % is named by warnings', TG_TABLE_NAME, array_to_string (old_key, ' ')
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER warning_guard BEFORE DELETE OR UPDATE OF code ON rule
    FOR EACH ROW EXECUTE FUNCTION warning_guard_referenced ('rule_code', 'code');
CREATE TRIGGER warning_guard BEFORE DELETE OR UPDATE OF code ON area
    FOR EACH ROW EXECUTE FUNCTION warning_guard_referenced ('area_code', 'code');
CREATE TRIGGER warning_guard BEFORE DELETE OR UPDATE OF code ON member_unit
    FOR EACH ROW EXECUTE FUNCTION warning_guard_referenced ('unit_code', 'code');
CREATE TRIGGER warning_guard BEFORE DELETE OR UPDATE OF plan_code, indicator_code ON plan_target
    FOR EACH ROW EXECUTE FUNCTION warning_guard_referenced ('plan_code', 'plan_code',
                                                            'indicator_code', 'indicator_code');
