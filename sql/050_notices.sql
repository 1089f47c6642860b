-- 050_notices.sql: notices when a warning opens or turns red, and a daily
-- digest (issue 16, "Notices"; docs/OPERATIONS.md, "Notices").
--
-- notice_recipient says who gets what: a channel (mail, the group bots of
-- 企业微信 / 钉钉 / 飞书, a generic JSON webhook), where to (a mail address,
-- or the path of a file holding a webhook's URL and secret: no secret is
-- ever stored here), and filters by domain, responsible unit and level.
-- notice is the durable queue: one row per recipient and warning change
-- (or per recipient and day for the digest), pending until wdmon-notify
-- sends it, with the attempts, the next try and the last failure's reason.
--
-- The rows are written by a trigger on warning_event, so they commit or
-- roll back with the warning change itself, whoever makes it (the server's
-- warning worker, `wdmon warnings evaluate`, a future console action):
-- every transition goes through the warning_* functions of 006, and each
-- writes exactly one warning_event.  A unique key per (recipient, event)
-- and per (recipient, day) makes a second notice for the same change
-- impossible.

SET search_path = wdmon;

CREATE TABLE notice_recipient (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL CHECK (name ~ '^[A-Za-z0-9_.@-]{1,64}$'),
    channel         text NOT NULL CHECK (channel IN ('mail', 'wecom', 'dingtalk', 'feishu', 'webhook')),
    target          text NOT NULL,          -- mail: the address; a bot: the path of its url/secret file
    role            text NOT NULL DEFAULT 'office' CHECK (role IN ('office', 'leader', 'unit')),
    domain_code     text,                           -- NULL: every domain; a domain's code in any plan
    unit_code       text REFERENCES member_unit,    -- NULL: every unit; else the warnings it is responsible for
    min_level       warning_level NOT NULL DEFAULT 'red',
    on_change       boolean NOT NULL DEFAULT true,  -- a notice when a warning opens or turns red
    digest          boolean NOT NULL DEFAULT false, -- the daily digest
    active          boolean NOT NULL DEFAULT true,  -- false: removed (its notices stay for the record)
    created_at      timestamptz NOT NULL DEFAULT now (),
    CHECK (role <> 'unit' OR unit_code IS NOT NULL),
    CHECK (channel <> 'mail' OR target ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    CHECK (channel = 'mail' OR target ~ '^/')
);
CREATE UNIQUE INDEX notice_recipient_name ON notice_recipient (name) WHERE active;

CREATE TABLE notice (
    id              bigserial PRIMARY KEY,
    recipient_id    bigint NOT NULL REFERENCES notice_recipient,
    kind            text NOT NULL CHECK (kind IN ('warning', 'digest')),
    warning_id      bigint REFERENCES warning,
    event_id        bigint REFERENCES warning_event,    -- the change told (kind warning)
    transition      text,                               -- open, reopen, red (turned red)
    level           warning_level,
    value           double precision,                   -- the warning's value and target at the change
    target          double precision,
    digest_day      date,                               -- the office's day (kind digest)
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts        int NOT NULL DEFAULT 0,
    next_try_at     timestamptz NOT NULL DEFAULT now (),
    last_error      text,                               -- why the last attempt failed
    created_at      timestamptz NOT NULL DEFAULT now (),
    sent_at         timestamptz,
    UNIQUE (recipient_id, event_id),
    UNIQUE (recipient_id, digest_day),
    CHECK ((kind = 'warning') = (event_id IS NOT NULL AND warning_id IS NOT NULL)),
    CHECK ((kind = 'digest') = (digest_day IS NOT NULL))
);
CREATE INDEX notice_due_idx ON notice (next_try_at) WHERE state = 'pending';

-- Whether recipient r is told about warning w: active, w at or above its
-- level, in its domain, and, with a unit, a warning that unit answers for
-- (the unit the warning names, or the indicator's lead unit — for a town
-- or street, only in its own area).
CREATE FUNCTION notice_matches (r notice_recipient, w warning) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT r.active AND w.level >= r.min_level
       AND (r.domain_code IS NULL
            OR r.domain_code = (SELECT domain_code FROM plan_target
                                 WHERE plan_code = w.plan_code AND indicator_code = w.indicator_code))
       AND (r.unit_code IS NULL OR r.unit_code = w.unit_code
            OR EXISTS (SELECT 1 FROM responsibility p JOIN member_unit u ON u.code = p.unit_code
                                JOIN area a ON a.code = u.area_code
                        WHERE p.indicator_code = w.indicator_code AND p.unit_code = r.unit_code
                          AND p.lead AND (a.level = 'district' OR u.area_code = w.area_code)))
$$;

-- The trigger: a notice for each matching recipient when a warning opens,
-- reopens, or an update turns it red (its previous event was not red).
CREATE FUNCTION s_notice_on_event () RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = wdmon AS $$
DECLARE
    w warning;
    told text;
BEGIN
    IF NEW.transition IN ('open', 'reopen') THEN
        told := NEW.transition;
    ELSIF NEW.transition = 'update' AND NEW.level = 'red'
          AND (SELECT level FROM warning_event WHERE warning_id = NEW.warning_id AND id < NEW.id
                ORDER BY id DESC LIMIT 1) IS DISTINCT FROM 'red' THEN
        told := 'red';
    ELSE
        RETURN NULL;
    END IF;
    SELECT * INTO w FROM warning WHERE id = NEW.warning_id;
    INSERT INTO notice (recipient_id, kind, warning_id, event_id, transition, level, value, target)
    SELECT r.id, 'warning', w.id, NEW.id, told, NEW.level, w.value, w.target
      FROM notice_recipient r
     WHERE r.on_change AND notice_matches (r, w)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER notice_on_event AFTER INSERT ON warning_event
    FOR EACH ROW EXECUTE FUNCTION s_notice_on_event ();

-- Queue the digest of day p_day (the office's date) for every digest
-- recipient, once: a second call for the same day adds nothing.  Returns
-- how many were queued.
CREATE FUNCTION notice_digest_queue (p_day date) RETURNS int
LANGUAGE sql SECURITY DEFINER SET search_path = wdmon AS $$
    WITH queued AS (
        INSERT INTO notice (recipient_id, kind, digest_day)
        SELECT id, 'digest', p_day FROM notice_recipient WHERE active AND digest
        ON CONFLICT DO NOTHING RETURNING 1)
    SELECT count (*)::int FROM queued
$$;

-- A number as people read it: at most two decimals, no trailing zeros.
CREATE FUNCTION s_notice_number (v double precision) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT trim_scale (round (v::numeric, 2))::text
$$;

-- The text of notice p_id, with links under p_base (the console's base
-- URL, no trailing slash): a subject line and a body, short plain Chinese
-- with English alongside, and the fields a generic webhook sends.  No row
-- for an unknown notice.
CREATE FUNCTION notice_text (p_id bigint, p_base text)
RETURNS TABLE (subject text, body text, fields jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    n notice;
    r notice_recipient;
    w warning;
    i indicator;
    a area;
    m measure_unit;
    units text;
    level_zh text;
    what_zh text;
    what_en text;
    head text;
    line text;
    open_red int;
    open_yellow int;
    opened int;
BEGIN
    SELECT * INTO n FROM notice WHERE id = p_id;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT * INTO r FROM notice_recipient WHERE id = n.recipient_id;
    IF n.kind = 'digest' THEN
        SELECT count (*) FILTER (WHERE x.level = 'red'), count (*) FILTER (WHERE x.level = 'yellow'),
               count (*) FILTER (WHERE x.opened_at > now () - interval '1 day')
          INTO open_red, open_yellow, opened
          FROM warning x WHERE x.state <> 'resolved' AND notice_matches (r, x);
        subject := format ('【每日预警摘要】%s 未解决红色预警 %s 项、黄色 %s 项 / Daily digest: %s red, %s yellow open',
                           n.digest_day, open_red, open_yellow, open_red, open_yellow);
        body := format (E'每日预警摘要（%s）：未解决红色预警 %s 项、黄色预警 %s 项，近一天新出现 %s 项。',
                        n.digest_day, open_red, open_yellow, opened);
        FOR line IN
            SELECT format ('- %s（%s，%s年）%s %s/warnings/%s', ind.name_zh, ar.name_zh, x.year,
                           CASE x.level WHEN 'red' THEN '红色' ELSE '黄色' END, p_base, x.id)
              FROM warning x JOIN indicator ind ON ind.code = x.indicator_code
              JOIN area ar ON ar.code = x.area_code
             WHERE x.state <> 'resolved' AND notice_matches (r, x)
             ORDER BY x.level DESC, x.opened_at DESC, x.id LIMIT 20
        LOOP
            body := body || E'\n' || line;
        END LOOP;
        body := body || format (E'\n全部预警：%s/warnings', p_base)
             || format (E'\nDaily digest (%s): %s red and %s yellow warnings open, %s new in the last day.',
                        n.digest_day, open_red, open_yellow, opened);
        fields := jsonb_build_object ('kind', 'digest', 'day', n.digest_day, 'open_red', open_red,
                                      'open_yellow', open_yellow, 'new', opened,
                                      'url', p_base || '/warnings');
        RETURN NEXT;
        RETURN;
    END IF;
    SELECT * INTO w FROM warning WHERE id = n.warning_id;
    SELECT * INTO i FROM indicator WHERE code = w.indicator_code;
    SELECT * INTO a FROM area WHERE code = w.area_code;
    SELECT * INTO m FROM measure_unit WHERE code = i.measure_unit_code;
    SELECT string_agg (u.name_zh, '、' ORDER BY u.code) INTO units
      FROM member_unit u
     WHERE u.code = w.unit_code
        OR (w.unit_code IS NULL
            AND u.code IN (SELECT unit_code FROM responsibility WHERE indicator_code = w.indicator_code AND lead));
    level_zh := CASE n.level WHEN 'red' THEN '红色预警' ELSE '黄色预警' END;
    what_zh := CASE n.transition WHEN 'open' THEN '新出现' WHEN 'reopen' THEN '再次出现' ELSE '升为红色' END;
    what_en := CASE n.transition WHEN 'open' THEN 'opened' WHEN 'reopen' THEN 'reopened' ELSE 'turned red' END;
    head := format ('%s（%s，%s年）', i.name_zh, a.name_zh, w.year);
    subject := format ('【%s·%s】%s / %s warning %s: %s, %s, %s', level_zh, what_zh, head,
                       initcap (n.level::text), what_en, i.name_en, a.name_en, w.year);
    body := format ('【%s·%s】%s', level_zh, what_zh, head);
    IF n.value IS NOT NULL THEN
        line := format (E'\n数值 %s%s', s_notice_number (n.value), m.symbol);
        IF n.target IS NOT NULL THEN
            line := line || format ('，目标 %s%s，相差 %s%s', s_notice_number (n.target), m.symbol,
                                    s_notice_number (abs (n.value - n.target)),
                                    CASE WHEN m.symbol = '%' THEN '个百分点' ELSE m.symbol END);
        END IF;
        body := body || line;
    END IF;
    body := body || format (E'\n责任单位：%s', coalesce (units, '未指定'))
         || E'\n' || w.message_zh
         || format (E'\n查看指标：%s/indicator/%s', p_base, w.indicator_code)
         || format (E'\n预警历史：%s/warnings/%s', p_base, w.id)
         || format (E'\n%s warning %s: %s', initcap (n.level::text), what_en, w.message_en);
    fields := jsonb_build_object (
        'kind', 'warning', 'notice', n.id, 'warning', w.id, 'transition', n.transition,
        'level', n.level, 'rule', w.rule_code, 'indicator', w.indicator_code,
        'indicator_zh', i.name_zh, 'area', w.area_code, 'area_zh', a.name_zh, 'year', w.year,
        'value', n.value, 'target', n.target, 'unit_of_measure', m.symbol,
        'responsible_units', units, 'message_zh', w.message_zh, 'message_en', w.message_en,
        'url', format ('%s/warnings/%s', p_base, w.id),
        'indicator_url', format ('%s/indicator/%s', p_base, w.indicator_code));
    RETURN NEXT;
END
$$;

-- The console shows the notices (sent / pending / failed with the reason);
-- there is no secret in either table to hide from it.
GRANT SELECT ON notice, notice_recipient TO wdmon_reader, wdmon_writer, wdmon_console;
GRANT EXECUTE ON FUNCTION notice_text (bigint, text) TO wdmon_writer, wdmon_console, wdmon_admin;
GRANT SELECT, INSERT, UPDATE ON notice, notice_recipient TO wdmon_admin;
GRANT UPDATE ON notice TO wdmon_writer;
GRANT USAGE ON SEQUENCE notice_id_seq, notice_recipient_id_seq TO wdmon_admin;
GRANT EXECUTE ON FUNCTION notice_digest_queue (date) TO wdmon_writer, wdmon_admin;
