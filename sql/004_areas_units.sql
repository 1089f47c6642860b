-- 004_areas_units.sql: no schema of its own any more.
--
-- The district's areas, its member units (成员单位) and who reports which
-- indicator (responsibility) are site data, not schema: they live in a
-- YAML file the operator owns and edits (deploy/site/wuqing.yaml for the
-- demo), loaded after the migrations with
--     wdmon site import deploy/site/wuqing.yaml
-- (docs/OPERATIONS.md).  Until issue 13 (finding 7) this file inserted the
-- demo's rows, so that an operator who edited it after applying it was
-- refused; databases that applied that text keep their rows, and
-- server/db/wdm_migrate.c accepts its checksum.  The tables are in
-- 001_schema.sql.

SET search_path = wdmon;  -- a migration runs at least one statement
