-- 014_warning_notes.sql: several notes on one warning (issue 12, finding 1).
--
-- The operator acknowledges a warning with a note, and later adds
-- follow-up notes — 已督促整改, 已上报分管领导 — to a warning already
-- acknowledged.  Each note is a warning_event with transition 'note'
-- (who, when, what), so the history keeps every one; warning.ack_note
-- keeps the acknowledgement's own note, so the views and the console
-- read as before.  warning_note () is the one way in: it acknowledges an
-- open warning, adds a note to an acknowledged one, and leaves a resolved
-- one alone, saying which it did.

SET search_path = wdmon;

ALTER TABLE warning_event DROP CONSTRAINT warning_event_transition_check;
ALTER TABLE warning_event ADD CONSTRAINT warning_event_transition_check
    CHECK (transition IN ('open', 'update', 'acknowledge', 'resolve', 'reopen', 'note'));

-- Acknowledge warning p_id with a note, or add the note to it if it is
-- acknowledged already.  Returns what it did: 'acknowledged', 'noted'
-- (already acknowledged: the note is appended), 'resolved' (nothing done:
-- the warning has resolved) or 'missing' (no such warning).
CREATE FUNCTION warning_note (p_id bigint, p_by text, p_note text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    w warning;
BEGIN
    IF coalesce (p_by, '') = '' OR coalesce (p_note, '') = '' THEN
        RAISE EXCEPTION 'a note needs a name and a text';
    END IF;
    SELECT * INTO w FROM warning WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'missing';
    ELSIF w.state = 'resolved' THEN
        RETURN 'resolved';
    ELSIF w.state = 'open' THEN
        PERFORM warning_acknowledge (p_id, p_by, p_note);
        RETURN 'acknowledged';
    END IF;
    INSERT INTO warning_event (warning_id, transition, level, message_zh, message_en, actor, note)
    VALUES (w.id, 'note', w.level, w.message_zh, w.message_en, p_by, p_note);
    PERFORM s_warning_announce (w, 'note');
    RETURN 'noted';
END
$$;

GRANT EXECUTE ON FUNCTION warning_note (bigint, text, text) TO wdmon_writer, wdmon_admin;
