/*  wdm_site_export: write the database's site as a site file, with
    libyaml's emitter (it quotes what needs quoting).  See wdm_site.h.  */

#include "wdm_site.h"
#include "wdm_db.h"

#include <string.h>
#include <yaml.h>

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

//  Emit one scalar: plain where YAML reads it back as the same text,
//  quoted where plain would read as something else (null, a boolean).
static int
s_scalar (yaml_emitter_t *emitter, const char *text)
{
    static const char *const special [] = { "",     "~",     "null", "Null", "NULL",
                                            "true", "false", "yes",  "no",   NULL };
    yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
    for (int i = 0; special [i]; i++)
        if (strcmp (text, special [i]) == 0)
            style = YAML_SINGLE_QUOTED_SCALAR_STYLE;
    yaml_event_t event;
    return yaml_scalar_event_initialize (&event, NULL, NULL, (yaml_char_t *)text, (int)strlen (text), 1, 1,
                                         style)
            && yaml_emitter_emit (emitter, &event)
        ? 0
        : -1;
}

static int
s_event (yaml_emitter_t *emitter, yaml_event_t *event, int made)
{
    return made && yaml_emitter_emit (emitter, event) ? 0 : -1;
}

static int
s_map_start (yaml_emitter_t *emitter)
{
    yaml_event_t event;
    return s_event (emitter, &event,
                    yaml_mapping_start_event_initialize (&event, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE));
}

static int
s_map_end (yaml_emitter_t *emitter)
{
    yaml_event_t event;
    return s_event (emitter, &event, yaml_mapping_end_event_initialize (&event));
}

static int
s_seq_start (yaml_emitter_t *emitter, yaml_sequence_style_t style)
{
    yaml_event_t event;
    return s_event (emitter, &event, yaml_sequence_start_event_initialize (&event, NULL, NULL, 1, style));
}

static int
s_seq_end (yaml_emitter_t *emitter)
{
    yaml_event_t event;
    return s_event (emitter, &event, yaml_sequence_end_event_initialize (&event));
}

//  key: value, where value is column col of row (nothing when NULL).
static int
s_field (yaml_emitter_t *emitter, const char *key, PGresult *res, int row, int col)
{
    if (PQgetisnull (res, row, col))
        return 0;
    return s_scalar (emitter, key) || s_scalar (emitter, PQgetvalue (res, row, col)) ? -1 : 0;
}

//  key: [A, B, C] from "A,B,C" (nothing when NULL).
static int
s_codes (yaml_emitter_t *emitter, const char *key, PGresult *res, int row, int col)
{
    if (PQgetisnull (res, row, col))
        return 0;
    if (s_scalar (emitter, key) || s_seq_start (emitter, YAML_FLOW_SEQUENCE_STYLE))
        return -1;
    const char *codes = PQgetvalue (res, row, col);
    while (*codes) {
        char code [128];
        size_t length = strcspn (codes, ",");
        snprintf (code, sizeof code, "%.*s", (int)length, codes);
        if (s_scalar (emitter, code))
            return -1;
        codes += length + (codes [length] == ',');
    }
    return s_seq_end (emitter);
}

static int
s_emit_areas (yaml_emitter_t *emitter, PGresult *res)
{
    if (s_scalar (emitter, "areas") || s_seq_start (emitter, YAML_BLOCK_SEQUENCE_STYLE))
        return -1;
    for (int row = 0; row < PQntuples (res); row++)
        if (s_map_start (emitter) || s_field (emitter, "code", res, row, 0)
            || s_field (emitter, "parent", res, row, 1) || s_field (emitter, "level", res, row, 2)
            || s_field (emitter, "name_zh", res, row, 3) || s_field (emitter, "name_en", res, row, 4)
            || s_map_end (emitter))
            return -1;
    return s_seq_end (emitter);
}

static int
s_emit_units (yaml_emitter_t *emitter, PGresult *res)
{
    if (s_scalar (emitter, "units") || s_seq_start (emitter, YAML_BLOCK_SEQUENCE_STYLE))
        return -1;
    for (int row = 0; row < PQntuples (res); row++) {
        if (s_map_start (emitter) || s_field (emitter, "code", res, row, 0)
            || s_field (emitter, "kind", res, row, 1) || s_field (emitter, "area", res, row, 2)
            || s_field (emitter, "name_zh", res, row, 3) || s_field (emitter, "name_en", res, row, 4))
            return -1;
        if (PQgetvalue (res, row, 5) [0] != 't'
            && (s_scalar (emitter, "active") || s_scalar (emitter, "false")))
            return -1;
        if (s_codes (emitter, "leads", res, row, 6) || s_codes (emitter, "contributes", res, row, 7)
            || s_map_end (emitter))
            return -1;
    }
    return s_seq_end (emitter);
}

//  The whole document: a stream with one document, a mapping of areas
//  and units.
static int
s_emit (yaml_emitter_t *emitter, PGresult *areas, PGresult *units)
{
    yaml_event_t event;
    if (s_event (emitter, &event, yaml_stream_start_event_initialize (&event, YAML_UTF8_ENCODING))
        || s_event (emitter, &event, yaml_document_start_event_initialize (&event, NULL, NULL, NULL, 1))
        || s_map_start (emitter) || s_emit_areas (emitter, areas) || s_emit_units (emitter, units)
        || s_map_end (emitter) || s_event (emitter, &event, yaml_document_end_event_initialize (&event, 1))
        || s_event (emitter, &event, yaml_stream_end_event_initialize (&event)))
        return -1;
    return yaml_emitter_flush (emitter) ? 0 : -1;
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
    yaml_emitter_t emitter;
    if (!yaml_emitter_initialize (&emitter)) {
        wdm_buf_printf (errors, "out of memory\n");
        goto cleanup;
    }
    fputs (s_header, out);
    yaml_emitter_set_output_file (&emitter, out);
    yaml_emitter_set_unicode (&emitter, 1);
    yaml_emitter_set_width (&emitter, -1);
    yaml_emitter_set_indent (&emitter, 2);
    rc = s_emit (&emitter, areas, units);
    if (rc)
        wdm_buf_printf (errors, "cannot write the site file: %s\n",
                        emitter.problem ? emitter.problem : "write error");
    yaml_emitter_delete (&emitter);
    if (!rc && (fflush (out) || ferror (out))) {
        wdm_buf_printf (errors, "cannot write the site file\n");
        rc = -1;
    }
cleanup:
    PQclear (areas);
    PQclear (units);
    return rc;
}
