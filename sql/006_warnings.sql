-- 006_warnings.sql: the warning lifecycle as database functions, and the
-- thresholds the rules added beyond 002.
--
-- Every transition — open, update, acknowledge, resolve, reopen — goes
-- through these functions, so that each is recorded in warning_event and
-- announced with NOTIFY on channel 'wdmon_warning' (payload: a JSON object
-- with id, transition, rule, indicator, area, year, level, state).

SET search_path = wdmon;

INSERT INTO rule_threshold (rule_code, param, value, description) VALUES
 ('fluctuating',     'limit_pct',   30,  'with few years: a change of more than this percent of last year''s value is a swing'),
 ('relation_broken', 'red_pp',       5,  'A below B by more than this many points is red (less: yellow)'),
 ('relation_broken', 'similar_pp',  10,  'for 相适应: A and B further apart than this many points'),
 ('not_met',         'balance_pp',   5,  'for 保持均衡: further than this many points from the balance'),
 ('implausible',     'peer_min',     5,  'peers needed before an area is compared with them');

CREATE FUNCTION s_warning_announce (w warning, transition text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify ('wdmon_warning', json_build_object (
        'id', w.id, 'transition', transition, 'rule', w.rule_code,
        'indicator', w.indicator_code, 'area', w.area_code, 'year', w.year,
        'body', w.body, 'unit', w.unit_code, 'level', w.level, 'state', w.state)::text);
END
$$;

-- Raise a warning whose condition holds: open it, reopen it, or update it.
-- Returns the transition made: 'open', 'reopen', 'update' or 'none'.
CREATE FUNCTION warning_raise (
    p_rule text, p_indicator text, p_area text, p_year int, p_body text, p_unit text,
    p_level warning_level, p_message_zh text, p_message_en text,
    p_value double precision, p_target double precision, p_details jsonb)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    w warning;
    transition text := 'none';
BEGIN
    SELECT * INTO w FROM warning
     WHERE rule_code = p_rule AND indicator_code = p_indicator AND area_code = p_area
       AND year = p_year AND period_kind = 'year' AND period_no = 0 AND body = p_body
       AND coalesce (unit_code, '') = coalesce (p_unit, '')
       FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO warning (rule_code, indicator_code, area_code, year, body, unit_code, level,
                             message_zh, message_en, value, target, details)
        VALUES (p_rule, p_indicator, p_area, p_year, p_body, p_unit, p_level,
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

-- Resolve a warning whose condition no longer holds; note says why.
CREATE FUNCTION warning_resolve (p_id bigint, p_note text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    w warning;
BEGIN
    UPDATE warning SET state = 'resolved', resolved_at = now (), updated_at = now ()
     WHERE id = p_id AND state <> 'resolved' RETURNING * INTO w;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    INSERT INTO warning_event (warning_id, transition, level, message_zh, message_en, note)
    VALUES (w.id, 'resolve', w.level, w.message_zh, w.message_en, p_note);
    PERFORM s_warning_announce (w, 'resolve');
    RETURN true;
END
$$;

-- The operator acknowledges a warning with a note and a name.
CREATE FUNCTION warning_acknowledge (p_id bigint, p_by text, p_note text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    w warning;
BEGIN
    IF coalesce (p_by, '') = '' OR coalesce (p_note, '') = '' THEN
        RAISE EXCEPTION 'an acknowledgement needs a name and a note';
    END IF;
    UPDATE warning SET state = 'acknowledged', acknowledged_at = now (), acknowledged_by = p_by,
           ack_note = p_note, updated_at = now ()
     WHERE id = p_id AND state = 'open' RETURNING * INTO w;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    INSERT INTO warning_event (warning_id, transition, level, message_zh, message_en, actor, note)
    VALUES (w.id, 'acknowledge', w.level, w.message_zh, w.message_en, p_by, p_note);
    PERFORM s_warning_announce (w, 'acknowledge');
    RETURN true;
END
$$;

-- Every series' current value with the value it replaced, for the rules:
-- the latest revision of each series, and the previous revision if that
-- one was final (a large change to a final value is implausible).
CREATE VIEW observation_current AS
SELECT DISTINCT ON (o.indicator_code, o.area_code, o.year, o.period_kind, o.period_no, o.body, o.sex)
       o.indicator_code, o.area_code, o.year, o.period_kind, o.period_no, o.body, o.sex,
       o.value, o.numerator, o.denominator, o.status, o.revision, o.unit_code,
       CASE WHEN p.status = 'final' THEN p.value END AS replaced_final_value
  FROM observation o
  LEFT JOIN observation p
         ON p.indicator_code = o.indicator_code AND p.area_code = o.area_code AND p.year = o.year
        AND p.period_kind = o.period_kind AND p.period_no = o.period_no AND p.body = o.body
        AND p.sex = o.sex AND p.revision = o.revision - 1
 ORDER BY o.indicator_code, o.area_code, o.year, o.period_kind, o.period_no, o.body, o.sex,
          o.revision DESC;

GRANT SELECT ON observation_current TO wdmon_reader, wdmon_writer, wdmon_admin;
GRANT EXECUTE ON FUNCTION warning_raise (text, text, text, int, text, text, warning_level, text, text,
                                         double precision, double precision, jsonb),
                          warning_resolve (bigint, text) TO wdmon_writer;
GRANT EXECUTE ON FUNCTION warning_acknowledge (bigint, text, text) TO wdmon_writer, wdmon_admin;
