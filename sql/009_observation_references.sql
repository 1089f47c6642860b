-- 009_observation_references.sql: check observation's references once per
-- statement instead of once per row.
--
-- observation referred to indicator, area, member_unit and ingest_batch
-- through four foreign keys.  PostgreSQL checks a foreign key with one
-- query per inserted row: at 8,192 rows a group that was 224 ms of a
-- 536 ms insert (docs/PERFORMANCE.md).  The same guarantee, checked over
-- the whole statement's new rows at once, costs a few hash joins.
--
--   * inserting or updating observation: every indicator, area, unit and
--     batch named must exist (statement-level triggers over the new rows);
--   * deleting, or changing the key of, an indicator, area, member unit
--     or ingest batch that an observation names is refused.
--
-- Both raise foreign_key_violation (23503), as the constraints did.

SET search_path = wdmon;

ALTER TABLE observation
    DROP CONSTRAINT observation_indicator_code_fkey,
    DROP CONSTRAINT observation_area_code_fkey,
    DROP CONSTRAINT observation_unit_code_fkey,
    DROP CONSTRAINT observation_batch_id_fkey;

CREATE FUNCTION observation_check_references () RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT n.indicator_code, n.area_code, n.unit_code, n.batch_id,
           i.code IS NULL AS no_indicator, a.code IS NULL AS no_area,
           u.code IS NULL AS no_unit
      INTO bad
      FROM (SELECT DISTINCT indicator_code, area_code, unit_code, batch_id FROM new_rows) n
      LEFT JOIN wdmon.indicator i ON i.code = n.indicator_code
      LEFT JOIN wdmon.area a ON a.code = n.area_code
      LEFT JOIN wdmon.member_unit u ON u.code = n.unit_code
     WHERE i.code IS NULL OR a.code IS NULL OR u.code IS NULL
        OR (n.batch_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM wdmon.ingest_batch b WHERE b.id = n.batch_id))
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'observation names % that does not exist',
            CASE WHEN bad.no_indicator THEN format ('indicator %s', bad.indicator_code)
                 WHEN bad.no_area THEN format ('area %s', bad.area_code)
                 WHEN bad.no_unit THEN format ('member unit %s', bad.unit_code)
                 ELSE format ('ingest batch %s', bad.batch_id) END
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER observation_references_insert
    AFTER INSERT ON observation REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION observation_check_references ();
CREATE TRIGGER observation_references_update
    AFTER UPDATE ON observation REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION observation_check_references ();

-- A referenced row may not go away, nor change its key, while an
-- observation names it.  Catalog rows, areas, units and batches are never
-- deleted in normal work, so these checks cost nothing while ingesting.
CREATE FUNCTION observation_guard_referenced () RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    named boolean;
    key text;
BEGIN
    IF TG_TABLE_NAME = 'ingest_batch' THEN
        IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
            RETURN NEW;
        END IF;
        key := OLD.id::text;
        SELECT EXISTS (SELECT 1 FROM wdmon.observation WHERE batch_id = OLD.id) INTO named;
    ELSE
        IF TG_OP = 'UPDATE' AND NEW.code = OLD.code THEN
            RETURN NEW;
        END IF;
        key := OLD.code;
        EXECUTE format ('SELECT EXISTS (SELECT 1 FROM wdmon.observation WHERE %I = $1)', TG_ARGV [0])
           INTO named USING OLD.code;
    END IF;
    IF named THEN
        RAISE EXCEPTION '% % is named by observations', TG_TABLE_NAME, key
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER observation_guard BEFORE DELETE OR UPDATE OF code ON indicator
    FOR EACH ROW EXECUTE FUNCTION observation_guard_referenced ('indicator_code');
CREATE TRIGGER observation_guard BEFORE DELETE OR UPDATE OF code ON area
    FOR EACH ROW EXECUTE FUNCTION observation_guard_referenced ('area_code');
CREATE TRIGGER observation_guard BEFORE DELETE OR UPDATE OF code ON member_unit
    FOR EACH ROW EXECUTE FUNCTION observation_guard_referenced ('unit_code');
CREATE TRIGGER observation_guard BEFORE DELETE OR UPDATE OF id ON ingest_batch
    FOR EACH ROW EXECUTE FUNCTION observation_guard_referenced ('batch_id');
