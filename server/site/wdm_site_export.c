/*  wdm_site_export: write the database's site as a site file, with
    libyaml's emitter (it quotes what needs quoting).  See wdm_site.h.  */

#include "wdm_site.h"
#include "wdm_db.h"
#include "wdm_yaml.h"

static const char *s_header = "# wdmon site file: the district's areas, its member units (成员单位) and\n"
                              "# the indicators each reports: leads (牵头, chased for the report) and\n"
                              "# contributes (配合, may report, not chased).  The operator owns it: edit\n"
                              "# it for the real site, then\n"
                              "#     wdmon site import FILE --dry-run    # shows what would change\n"
                              "#     wdmon site import FILE\n"
                              "# Written by `wdmon site export`; docs/OPERATIONS.md describes each field.\n";

//  Areas parents first (by depth), then by code.
static const char *s_areas_sql =
    "WITH RECURSIVE t (code, depth) AS ("
    "    SELECT code, 0 FROM area WHERE parent_code IS NULL"
    "    UNION ALL SELECT a.code, t.depth + 1 FROM area a JOIN t ON a.parent_code = t.code)"
    " SELECT a.code, a.parent_code, a.level, a.name_zh, a.name_en"
    "   FROM area a LEFT JOIN t USING (code) ORDER BY t.depth NULLS LAST, a.level, a.code";

//  Units by kind, then code, each with its indicators as "A,B,C".
static const char *s_units_sql = "SELECT u.code, u.kind, u.area_code, u.name_zh, u.name_en, u.active,"
                                 "       (SELECT string_agg (r.indicator_code, ',' ORDER BY r.indicator_code)"
                                 "          FROM responsibility r WHERE r.unit_code = u.code AND r.lead),"
                                 "       (SELECT string_agg (r.indicator_code, ',' ORDER BY r.indicator_code)"
                                 "          FROM responsibility r WHERE r.unit_code = u.code AND NOT r.lead)"
                                 "  FROM member_unit u ORDER BY u.kind, u.code";

static int
s_emit_areas (wdm_yaml_out_t *out, const PGresult *res)
{
    if (wdm_yaml_out_scalar (out, "areas") || wdm_yaml_out_seq (out, false))
        return -1;
    for (int row = 0; row < PQntuples (res); row++)
        if (wdm_yaml_out_map (out, false)
            || wdm_yaml_out_field (out, "code", wdm_db_value (res, row, 0), false)
            || wdm_yaml_out_field (out, "parent", wdm_db_value (res, row, 1), false)
            || wdm_yaml_out_field (out, "level", wdm_db_value (res, row, 2), false)
            || wdm_yaml_out_field (out, "name_zh", wdm_db_value (res, row, 3), false)
            || wdm_yaml_out_field (out, "name_en", wdm_db_value (res, row, 4), false)
            || wdm_yaml_out_map_end (out))
            return -1;
    return wdm_yaml_out_seq_end (out);
}

//  Each unit: its fields, "active: false" when it is not, its indicators.
static int
s_emit_units (wdm_yaml_out_t *out, const PGresult *res)
{
    if (wdm_yaml_out_scalar (out, "units") || wdm_yaml_out_seq (out, false))
        return -1;
    for (int row = 0; row < PQntuples (res); row++)
        if (wdm_yaml_out_map (out, false)
            || wdm_yaml_out_field (out, "code", wdm_db_value (res, row, 0), false)
            || wdm_yaml_out_field (out, "kind", wdm_db_value (res, row, 1), false)
            || wdm_yaml_out_field (out, "area", wdm_db_value (res, row, 2), false)
            || wdm_yaml_out_field (out, "name_zh", wdm_db_value (res, row, 3), false)
            || wdm_yaml_out_field (out, "name_en", wdm_db_value (res, row, 4), false)
            || wdm_yaml_out_field (out, "active", PQgetvalue (res, row, 5) [0] != 't' ? "false" : NULL, false)
            || wdm_yaml_out_list (out, "leads", wdm_db_value (res, row, 6), ',')
            || wdm_yaml_out_list (out, "contributes", wdm_db_value (res, row, 7), ',')
            || wdm_yaml_out_map_end (out))
            return -1;
    return wdm_yaml_out_seq_end (out);
}

int
wdm_site_export (PGconn *conn, FILE *out, wdm_buf_t *errors)
{
    int rc = -1;
    char err [1024] = "";
    PGresult *units = NULL;
    PGresult *areas = wdm_db_query (conn, s_areas_sql, 0, NULL, PGRES_TUPLES_OK, err, sizeof err);
    if (areas)
        units = wdm_db_query (conn, s_units_sql, 0, NULL, PGRES_TUPLES_OK, err, sizeof err);
    if (!units) {
        wdm_buf_printf (errors, "%s\n", err);
        goto cleanup;
    }
    wdm_yaml_out_t *emitter = wdm_yaml_out_new (out, s_header);
    if (!emitter) {
        wdm_buf_printf (errors, "out of memory\n");
        goto cleanup;
    }
    //  The whole document: a mapping of areas and units.
    rc = wdm_yaml_out_map (emitter, false) || s_emit_areas (emitter, areas) || s_emit_units (emitter, units)
            || wdm_yaml_out_map_end (emitter) || wdm_yaml_out_end (emitter)
        ? -1
        : 0;
    if (rc)
        wdm_buf_printf (errors, "cannot write the site file: %s\n",
                        wdm_yaml_out_problem (emitter) ? wdm_yaml_out_problem (emitter) : "write error");
    wdm_yaml_out_destroy (&emitter);
    if (!rc && (fflush (out) || ferror (out))) {
        wdm_buf_printf (errors, "cannot write the site file\n");
        rc = -1;
    }
cleanup:
    PQclear (areas);
    PQclear (units);
    return rc;
}
