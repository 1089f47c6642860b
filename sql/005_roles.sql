-- 005_roles.sql: the three group roles of wdmon.
--
--   wdmon_writer  the server: reads the catalog and keys, writes what it
--                 ingests and the warnings it raises
--   wdmon_reader  analysts: read everything but key material
--   wdmon_admin   administrators: everything
--
-- They are NOLOGIN groups; give people and programs LOGIN roles that are
-- members, e.g. CREATE ROLE ana LOGIN IN ROLE wdmon_reader.  Roles belong to
-- the whole cluster, so several wdmon databases share them; a concurrent
-- migrator may create one first, which is why duplicates are ignored.

SET search_path = wdmon;

DO $$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['wdmon_writer', 'wdmon_reader', 'wdmon_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
END
$$;

GRANT USAGE ON SCHEMA wdmon TO wdmon_writer, wdmon_reader, wdmon_admin;

-- Analysts read everything except the keys of the member units.
GRANT SELECT ON ALL TABLES IN SCHEMA wdmon TO wdmon_reader;
REVOKE ALL ON unit_key FROM wdmon_reader;

-- The server.
GRANT SELECT ON ALL TABLES IN SCHEMA wdmon TO wdmon_writer;
GRANT INSERT ON observation, ingest_batch, rejected_record, warning, warning_event
    TO wdmon_writer;
GRANT UPDATE ON ingest_batch, warning TO wdmon_writer;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA wdmon TO wdmon_writer;

-- Administrators.
GRANT ALL ON ALL TABLES IN SCHEMA wdmon TO wdmon_admin;
GRANT ALL ON ALL SEQUENCES IN SCHEMA wdmon TO wdmon_admin;
GRANT CREATE ON SCHEMA wdmon TO wdmon_admin;
