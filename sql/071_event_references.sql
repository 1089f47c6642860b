-- 071_event_references.sql: an event's warning is checked once per
-- statement, as 069 did for a warning's own references (issue 17).
--
-- warning_event's foreign key to warning ran one query per inserted
-- event: 285 ms of the 2.0 s that opening 34,023 warnings (with their
-- 34,023 'open' events) took in the first evaluation after a bulk load of
-- 1,000,000 values (auto_explain, "Trigger for constraint
-- warning_event_warning_id_fkey: calls=34023").  Checked once over the
-- statement's new events, it is one anti-join.  What holds is unchanged:
-- an event names a warning that exists, and a warning with events may not
-- go away nor change its id (nothing deletes a warning: a warning's life
-- ends resolved).  Both raise foreign_key_violation (23503), as the
-- constraint did.  Like 009's and 069's checks it takes no lock on the
-- warning named: a warning deleted by another transaction at the same
-- moment would not be seen, and nothing deletes warnings.

SET search_path = wdmon;

ALTER TABLE warning_event DROP CONSTRAINT warning_event_warning_id_fkey;

-- Per statement over its new events (an insert), or for the one row whose
-- warning_id an update changed (nothing changes it in normal work).
CREATE FUNCTION warning_event_check_reference () RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    missing bigint;
    found_missing int;
BEGIN
    EXECUTE format (
        'SELECT n.warning_id FROM %s n'
        ' WHERE NOT EXISTS (SELECT 1 FROM wdmon.warning w WHERE w.id = n.warning_id) LIMIT 1',
        CASE TG_LEVEL WHEN 'ROW' THEN '(SELECT ($1).*)' ELSE 'new_events' END)
       INTO missing USING NEW;
    GET DIAGNOSTICS found_missing = ROW_COUNT;
    IF found_missing > 0 THEN
        RAISE EXCEPTION 'warning event names warning % that does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER warning_event_reference_insert
    AFTER INSERT ON warning_event REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION warning_event_check_reference ();
CREATE TRIGGER warning_event_reference_update
    AFTER UPDATE OF warning_id ON warning_event
    FOR EACH ROW WHEN (OLD.warning_id IS DISTINCT FROM NEW.warning_id)
    EXECUTE FUNCTION warning_event_check_reference ();

-- A warning with events may not go away nor take another id.
CREATE FUNCTION warning_guard_events () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM wdmon.warning_event WHERE warning_id = OLD.id) THEN
        RAISE EXCEPTION 'warning % is named by warning events', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER warning_guard_events BEFORE DELETE OR UPDATE OF id ON warning
    FOR EACH ROW EXECUTE FUNCTION warning_guard_events ();
