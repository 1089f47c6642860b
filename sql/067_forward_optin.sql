-- 067_forward_optin.sql: forwarding to the city is switched on where it is
-- used, not in every database.
--
-- 065 put the trigger that fills forward_queue on observation in every
-- database: a district that does not report up, and the city itself, paid
-- for it in each storing transaction (the inserted rows kept as a
-- transition table, the series upserted into a queue nobody reads).  Now
-- the trigger exists only between `wdmon forward enable` and `wdmon
-- forward disable` (forward_enable below, run by an administrator), and
-- wdmon-forward refuses to start in a database where it is off.
-- Enabling queues every stored series once: what was stored before goes
-- up too, and a series the city already holds unchanged is counted there
-- as a duplicate, not a revision.

SET search_path = wdmon;

DROP TRIGGER observation_forward ON observation;
DELETE FROM forward_queue;

-- on: create the trigger (if absent) and queue every stored series; off:
-- drop it and empty the queue.  The number of series queued (0 when off,
-- or when it was on already).  The table lock makes the trigger and the
-- backfill one step: no observation is stored between them unqueued.
CREATE FUNCTION forward_enable (turn_on boolean) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = wdmon, pg_temp AS $$
DECLARE
    queued bigint := 0;
    present boolean;
BEGIN
    LOCK TABLE observation IN SHARE ROW EXCLUSIVE MODE;
    SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'wdmon.observation'::regclass
                                              AND tgname = 'observation_forward') INTO present;
    IF turn_on AND NOT present THEN
        CREATE TRIGGER observation_forward AFTER INSERT ON observation
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION forward_enqueue ();
        INSERT INTO forward_queue (indicator_code, year, period_kind, period_no, body, sex)
        SELECT DISTINCT indicator_code, year, period_kind, period_no, body, sex FROM observation
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS queued = ROW_COUNT;
    ELSIF NOT turn_on AND present THEN
        DROP TRIGGER observation_forward ON observation;
        DELETE FROM forward_queue;
    END IF;
    RETURN queued;
END $$;

-- Whether forwarding is on: wdmon-forward asks before it starts.
CREATE FUNCTION forward_enabled () RETURNS boolean
LANGUAGE sql STABLE SET search_path = wdmon, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'wdmon.observation'::regclass
                                              AND tgname = 'observation_forward')
$$;

REVOKE ALL ON FUNCTION forward_enable (boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION forward_enable (boolean) TO wdmon_admin;
GRANT EXECUTE ON FUNCTION forward_enabled () TO wdmon_reader, wdmon_writer, wdmon_admin;
