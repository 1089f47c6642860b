-- 065_forward.sql: a district reporting up to the city (逐级上报).
--
-- wdmon-forward (server/forward/) sends the district's own figure of every
-- series to a city-level wdmon as a member unit of the city.  What waits to
-- go is a series key in forward_queue: the trigger below puts it there in
-- the storing transaction of every observation (a town's or the district's:
-- either may change the district's figure), one row per series however
-- often it changes, so the queue never outgrows the catalog.  The forwarder
-- takes rows in its own transaction and marks each with the outbox seq it
-- will get (out_epoch, out_seq) before it appends them to its outbox; at
-- its next round a row whose seq the outbox has synced is deleted, one whose
-- seq the outbox never reached is taken again.  So a crash between the two
-- stores neither skips nor repeats a record.  docs/OPERATIONS.md, "Reporting
-- to the city (逐级上报)".
--
-- At the city, the districts are areas of the level county (区县) under the
-- city's one top area (level district: the top of the tree, whatever it is
-- called), so that indicator_value rolls the districts up to the city as a
-- district rolls up its towns.

SET search_path = wdmon;

ALTER TYPE area_level ADD VALUE IF NOT EXISTS 'county' BEFORE 'town';

CREATE TABLE forward_queue (
    indicator_code  text NOT NULL REFERENCES indicator,
    year            int  NOT NULL,
    period_kind     frequency NOT NULL,
    period_no       smallint NOT NULL,
    body            text NOT NULL,
    sex             char(1) NOT NULL,
    queued_at       timestamptz NOT NULL DEFAULT now(),   -- last changed
    out_epoch       bigint,         -- the forwarder's outbox, once taken
    out_seq         bigint,         -- the seq it gets there; NULL: waiting
    PRIMARY KEY (indicator_code, year, period_kind, period_no, body, sex),
    CHECK ((out_epoch IS NULL) = (out_seq IS NULL))
);
CREATE INDEX forward_queue_waiting_idx ON forward_queue (queued_at) WHERE out_seq IS NULL;

-- Every series an insert touched waits (again) to go up.  Statement-level,
-- keys in order, so that concurrent stores take the rows' locks alike.
CREATE FUNCTION forward_enqueue () RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = wdmon, pg_temp AS $$
BEGIN
    INSERT INTO forward_queue (indicator_code, year, period_kind, period_no, body, sex)
    SELECT DISTINCT n.indicator_code, n.year, n.period_kind, n.period_no, n.body, n.sex
      FROM new_rows n
     ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (indicator_code, year, period_kind, period_no, body, sex)
    DO UPDATE SET queued_at = now (), out_epoch = NULL, out_seq = NULL;
    RETURN NULL;
END $$;

CREATE TRIGGER observation_forward AFTER INSERT ON observation
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION forward_enqueue ();

-- What was stored before forwarding existed goes up too.
INSERT INTO forward_queue (indicator_code, year, period_kind, period_no, body, sex)
SELECT DISTINCT indicator_code, year, period_kind, period_no, body, sex FROM observation
ON CONFLICT DO NOTHING;

GRANT SELECT ON forward_queue TO wdmon_reader;
GRANT SELECT, UPDATE, DELETE ON forward_queue TO wdmon_writer;  -- wdmon-forward logs in as one
GRANT ALL ON forward_queue TO wdmon_admin;
