-- 061_duty_run.sql: the work that must run once across every server
-- sharing this database, and a record of each time it ran (issue 18).
--
-- Several wdmon-server processes may share one database.  Each evaluates
-- on arrival what its own commits touched (safe side by side: warnings are
-- applied under a transaction-level advisory lock and the warning_key
-- unique index).  The periodic full evaluation — every indicator, and the
-- report deadlines (missing and late reports) — runs on one server only:
-- the one whose warning worker holds the session-level advisory lock
-- 7217045513 on its own connection.  A server that dies, or loses its
-- connection, loses the lock with it, and another server's worker takes it
-- within its interval (warnings.interval_ms).
--
-- duty_run has one row per periodic run: which server ran it, when, and
-- what it found.  The server that takes the lock over reads the last row
-- to know when the next run is due, so that the deadlines are checked once
-- per deadline_seconds across all servers, not once per server, nor again
-- straight after a takeover.  Operators read it to see who did the work
-- (docs/OPERATIONS.md, "Several servers").  Rows older than 90 days are
-- removed by the worker as it writes.

SET search_path = wdmon;

CREATE TABLE duty_run (
    id              bigserial PRIMARY KEY,
    duty            text NOT NULL CHECK (duty IN ('deadlines')),  -- everything evaluated, deadlines included
    server_id       text NOT NULL,          -- host name and endpoint, as in server_status
    backend_pid     int NOT NULL,           -- the worker's PostgreSQL backend, the lock's holder
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz NOT NULL DEFAULT clock_timestamp (),
    series          int NOT NULL DEFAULT 0, -- series evaluated
    opened          int NOT NULL DEFAULT 0, -- warnings opened or reopened
    resolved        int NOT NULL DEFAULT 0
);
CREATE INDEX duty_run_started_idx ON duty_run (duty, started_at);

GRANT SELECT ON duty_run TO wdmon_reader, wdmon_writer, wdmon_admin;
GRANT INSERT, DELETE ON duty_run TO wdmon_writer;
GRANT USAGE ON SEQUENCE duty_run_id_seq TO wdmon_writer;
