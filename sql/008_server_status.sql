-- 008_server_status.sql: what each running server says about itself.
--
-- Every wdmon-server writes one row, every few seconds: when it started,
-- its counters, the collectors it serves.  `wdmon status` reads it; several
-- servers sharing one database each have their own row.

SET search_path = wdmon;

CREATE TABLE server_status (
    server_id           text PRIMARY KEY,       -- host name and endpoint
    pid                 int  NOT NULL,
    endpoint            text NOT NULL,
    started_at          timestamptz NOT NULL,
    heartbeat_at        timestamptz NOT NULL,
    connections         int  NOT NULL DEFAULT 0, -- CURVE connections open now
    queue_depth         int  NOT NULL DEFAULT 0, -- records in the last group stored
    records_received    bigint NOT NULL DEFAULT 0,
    records_accepted    bigint NOT NULL DEFAULT 0,
    records_duplicate   bigint NOT NULL DEFAULT 0,
    records_rejected    bigint NOT NULL DEFAULT 0,
    batches             bigint NOT NULL DEFAULT 0,
    last_commit_ms      double precision,
    database_ok         boolean NOT NULL DEFAULT true,
    collectors          jsonb NOT NULL DEFAULT '[]'  -- [{unit, last_batch_at, batches, records}]
);

GRANT SELECT ON server_status TO wdmon_reader, wdmon_writer;
GRANT INSERT, UPDATE, DELETE ON server_status TO wdmon_writer;
GRANT ALL ON server_status TO wdmon_admin;
