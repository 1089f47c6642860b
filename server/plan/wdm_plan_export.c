/*  wdm_plan_export: write a plan as a plan file, with libyaml's emitter
    (it quotes what needs quoting).  See wdm_plan.h; docs/PLANS.md
    describes the format.  */

#include "wdm_plan.h"
#include "wdm_db.h"

#include <string.h>
#include <yaml.h>

static const char *s_header = "# wdmon plan file (规划文件): the plan's title, period and deadline, its\n"
                              "# domains (领域), and for each indicator the statistic (what is counted)\n"
                              "# and the plan's target on it, with the plan's own words.  Check and load:\n"
                              "#     wdmon plan import FILE --dry-run    # shows what would change\n"
                              "#     wdmon plan import FILE [--current]\n"
                              "# Written by `wdmon plan export`; docs/PLANS.md describes each field.\n";

static const char *s_plan_sql = "SELECT code, title_zh, title_en, subject, source, period_start, period_end,"
                                "       baseline_year, deadline_month, deadline_day"
                                "  FROM plan WHERE code = $1";

static const char *s_domains_sql =
    "SELECT code, ordinal, name_zh, name_en FROM domain WHERE plan_code = $1 ORDER BY ordinal, code";

//  Every target of the plan with its statistic, in the plan's order.
static const char *s_indicators_sql =
    "SELECT i.code, i.name_zh, i.name_en, i.measure_unit_code, i.value_min::text, i.value_max::text,"
    "       CASE WHEN i.by_sex THEN 'true' ELSE 'false' END, array_to_string (i.bodies, E'\\x1f'),"
    "       i.aggregation::text, i.frequency::text,"
    "       t.domain_code, t.ordinal, t.target_kind::text, t.target_value::text, t.relation_code,"
    "       t.relation_op, t.target_year, t.clause_zh, t.clause_ref, t.note_zh, t.note_en,"
    "       CASE WHEN t.active THEN NULL ELSE 'false' END,"
    "       CASE WHEN t.baseline_source = 'plan' THEN t.baseline_value::text END"
    "  FROM plan_target t JOIN indicator i ON i.code = t.indicator_code"
    "  JOIN domain d ON d.plan_code = t.plan_code AND d.code = t.domain_code"
    " WHERE t.plan_code = $1 ORDER BY d.ordinal, t.ordinal, i.code";

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

//  A scalar written as is (a number, a boolean the format means).
static int
s_plain (yaml_emitter_t *emitter, const char *text)
{
    yaml_event_t event;
    return yaml_scalar_event_initialize (&event, NULL, NULL, (yaml_char_t *)text, (int)strlen (text), 1, 1,
                                         YAML_PLAIN_SCALAR_STYLE)
            && yaml_emitter_emit (emitter, &event)
        ? 0
        : -1;
}

static int
s_map_start (yaml_emitter_t *emitter, yaml_mapping_style_t style)
{
    yaml_event_t event;
    return yaml_mapping_start_event_initialize (&event, NULL, NULL, 1, style)
            && yaml_emitter_emit (emitter, &event)
        ? 0
        : -1;
}

static int
s_map_end (yaml_emitter_t *emitter)
{
    yaml_event_t event;
    return yaml_mapping_end_event_initialize (&event) && yaml_emitter_emit (emitter, &event) ? 0 : -1;
}

static int
s_seq_start (yaml_emitter_t *emitter, yaml_sequence_style_t style)
{
    yaml_event_t event;
    return yaml_sequence_start_event_initialize (&event, NULL, NULL, 1, style)
            && yaml_emitter_emit (emitter, &event)
        ? 0
        : -1;
}

static int
s_seq_end (yaml_emitter_t *emitter)
{
    yaml_event_t event;
    return yaml_sequence_end_event_initialize (&event) && yaml_emitter_emit (emitter, &event) ? 0 : -1;
}

//  key: value from column col of row; nothing when NULL.  plain: a number
//  or boolean, written unquoted.
static int
s_field (yaml_emitter_t *emitter, const char *key, const PGresult *res, int row, int col, bool plain)
{
    if (PQgetisnull (res, row, col))
        return 0;
    const char *value = PQgetvalue (res, row, col);
    return s_scalar (emitter, key) || (plain ? s_plain (emitter, value) : s_scalar (emitter, value)) ? -1 : 0;
}

//  key: {a: column ca, b: column cb}, the two present ones; nothing when
//  both are NULL.
static int
s_pair (yaml_emitter_t *emitter, const char *key, const PGresult *res, int row, const char *a, int ca,
        const char *b, int cb, bool plain)
{
    if (PQgetisnull (res, row, ca) && PQgetisnull (res, row, cb))
        return 0;
    return s_scalar (emitter, key) || s_map_start (emitter, YAML_FLOW_MAPPING_STYLE)
            || s_field (emitter, a, res, row, ca, plain) || s_field (emitter, b, res, row, cb, plain)
            || s_map_end (emitter)
        ? -1
        : 0;
}

static int
s_emit_plan (yaml_emitter_t *emitter, const PGresult *res)
{
    return s_scalar (emitter, "plan") || s_map_start (emitter, YAML_BLOCK_MAPPING_STYLE)
            || s_field (emitter, "code", res, 0, 0, false) || s_field (emitter, "title_zh", res, 0, 1, false)
            || s_field (emitter, "title_en", res, 0, 2, false)
            || s_field (emitter, "subject", res, 0, 3, false) || s_field (emitter, "source", res, 0, 4, false)
            || s_pair (emitter, "period", res, 0, "start", 5, "end", 6, true)
            || s_field (emitter, "baseline_year", res, 0, 7, true)
            || s_pair (emitter, "report_deadline", res, 0, "month", 8, "day", 9, true) || s_map_end (emitter)
        ? -1
        : 0;
}

static int
s_emit_domains (yaml_emitter_t *emitter, const PGresult *res)
{
    if (s_scalar (emitter, "domains") || s_seq_start (emitter, YAML_BLOCK_SEQUENCE_STYLE))
        return -1;
    for (int row = 0; row < PQntuples (res); row++)
        if (s_map_start (emitter, YAML_FLOW_MAPPING_STYLE) || s_field (emitter, "code", res, row, 0, false)
            || s_field (emitter, "ordinal", res, row, 1, true)
            || s_field (emitter, "name_zh", res, row, 2, false)
            || s_field (emitter, "name_en", res, row, 3, false) || s_map_end (emitter))
            return -1;
    return s_seq_end (emitter);
}

//  bodies: [A, B] from column col, the names joined by U+001F.
static int
s_bodies (yaml_emitter_t *emitter, const PGresult *res, int row, int col)
{
    if (PQgetisnull (res, row, col))
        return 0;
    if (s_scalar (emitter, "bodies") || s_seq_start (emitter, YAML_FLOW_SEQUENCE_STYLE))
        return -1;
    const char *bodies = PQgetvalue (res, row, col);
    while (*bodies) {
        char body [256];
        size_t length = strcspn (bodies, "\x1f");
        snprintf (body, sizeof body, "%.*s", (int)length, bodies);
        if (s_scalar (emitter, body))
            return -1;
        bodies += length + (bodies [length] == '\x1f');
    }
    return s_seq_end (emitter);
}

//  One indicator: its statistic, then the plan's target on it.
static int
s_emit_indicator (yaml_emitter_t *emitter, const PGresult *res, int row)
{
    if (s_map_start (emitter, YAML_BLOCK_MAPPING_STYLE) || s_field (emitter, "code", res, row, 0, false)
        || s_field (emitter, "name_zh", res, row, 1, false)
        || s_field (emitter, "name_en", res, row, 2, false)
        || s_field (emitter, "measure_unit", res, row, 3, false)
        || s_pair (emitter, "range", res, row, "min", 4, "max", 5, true)
        || s_field (emitter, "by_sex", res, row, 6, true) || s_bodies (emitter, res, row, 7)
        || s_field (emitter, "aggregation", res, row, 8, false)
        || s_field (emitter, "frequency", res, row, 9, false))
        return -1;
    if (s_scalar (emitter, "target") || s_map_start (emitter, YAML_BLOCK_MAPPING_STYLE)
        || s_field (emitter, "domain", res, row, 10, false)
        || s_field (emitter, "ordinal", res, row, 11, true) || s_field (emitter, "kind", res, row, 12, false)
        || s_field (emitter, "value", res, row, 13, true)
        || s_pair (emitter, "relation", res, row, "indicator", 14, "op", 15, false)
        || s_field (emitter, "year", res, row, 16, true)
        || s_field (emitter, "clause_zh", res, row, 17, false)
        || s_field (emitter, "clause_ref", res, row, 18, false)
        || s_field (emitter, "note_zh", res, row, 19, false)
        || s_field (emitter, "note_en", res, row, 20, false)
        || s_field (emitter, "active", res, row, 21, true)
        || s_field (emitter, "baseline", res, row, 22, true) || s_map_end (emitter))
        return -1;
    return s_map_end (emitter);
}

static int
s_emit (yaml_emitter_t *emitter, const PGresult *plan, const PGresult *domains, const PGresult *indicators)
{
    yaml_event_t event;
    if (!yaml_stream_start_event_initialize (&event, YAML_UTF8_ENCODING)
        || !yaml_emitter_emit (emitter, &event)
        || !yaml_document_start_event_initialize (&event, NULL, NULL, NULL, 1)
        || !yaml_emitter_emit (emitter, &event) || s_map_start (emitter, YAML_BLOCK_MAPPING_STYLE)
        || s_emit_plan (emitter, plan) || s_emit_domains (emitter, domains)
        || s_scalar (emitter, "indicators") || s_seq_start (emitter, YAML_BLOCK_SEQUENCE_STYLE))
        return -1;
    for (int row = 0; row < PQntuples (indicators); row++)
        if (s_emit_indicator (emitter, indicators, row))
            return -1;
    return s_seq_end (emitter) || s_map_end (emitter) || !yaml_document_end_event_initialize (&event, 1)
            || !yaml_emitter_emit (emitter, &event) || !yaml_stream_end_event_initialize (&event)
            || !yaml_emitter_emit (emitter, &event) || !yaml_emitter_flush (emitter)
        ? -1
        : 0;
}

int
wdm_plan_export (PGconn *conn, const char *code, FILE *out, wdm_buf_t *errors)
{
    int rc = -1;
    char err [512] = "";
    const char *params [] = { code };
    PGresult *plan = NULL, *domains = NULL, *indicators = NULL;
    yaml_emitter_t emitter;
    bool emitter_made = false;
    if (!(plan = wdm_db_query (conn, s_plan_sql, 1, params, PGRES_TUPLES_OK, err, sizeof err))
        || !(domains = wdm_db_query (conn, s_domains_sql, 1, params, PGRES_TUPLES_OK, err, sizeof err))
        || !(indicators =
                 wdm_db_query (conn, s_indicators_sql, 1, params, PGRES_TUPLES_OK, err, sizeof err))) {
        wdm_buf_printf (errors, "%s\n", err);
        goto cleanup;
    }
    if (PQntuples (plan) != 1) {
        wdm_buf_printf (errors, "没有规划 %s / no plan '%s'\n", code, code);
        goto cleanup;
    }
    if (!yaml_emitter_initialize (&emitter)) {
        wdm_buf_printf (errors, "out of memory\n");
        goto cleanup;
    }
    emitter_made = true;
    yaml_emitter_set_output_file (&emitter, out);
    yaml_emitter_set_unicode (&emitter, 1);
    yaml_emitter_set_width (&emitter, -1);  //  a clause on one line, as the plan has it
    yaml_emitter_set_indent (&emitter, 2);
    fputs (s_header, out);
    if (s_emit (&emitter, plan, domains, indicators)) {
        wdm_buf_printf (errors, "cannot write the plan file: %s\n",
                        emitter.problem ? emitter.problem : "write failed");
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (emitter_made)
        yaml_emitter_delete (&emitter);
    PQclear (plan);
    PQclear (domains);
    PQclear (indicators);
    return rc;
}
