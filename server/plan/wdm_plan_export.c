/*  wdm_plan_export: write a plan as a plan file, with libyaml's emitter
    (it quotes what needs quoting).  See wdm_plan.h; docs/PLANS.md
    describes the format.  */

#include "wdm_plan.h"
#include "wdm_db.h"
#include "wdm_yaml.h"

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

//  key: value from column col of row; nothing when NULL.  plain: a number
//  or boolean, written unquoted.
static int
s_field (wdm_yaml_out_t *out, const char *key, const PGresult *res, int row, int col, bool plain)
{
    return wdm_yaml_out_field (out, key, wdm_db_value (res, row, col), plain);
}

//  key: {a: column ca, b: column cb}, the two present ones; nothing when
//  both are NULL.
static int
s_pair (wdm_yaml_out_t *emitter, const char *key, const PGresult *res, int row, const char *a, int ca,
        const char *b, int cb, bool plain)
{
    if (PQgetisnull (res, row, ca) && PQgetisnull (res, row, cb))
        return 0;
    return wdm_yaml_out_scalar (emitter, key) || wdm_yaml_out_map (emitter, true)
            || s_field (emitter, a, res, row, ca, plain) || s_field (emitter, b, res, row, cb, plain)
            || wdm_yaml_out_map_end (emitter)
        ? -1
        : 0;
}

static int
s_emit_plan (wdm_yaml_out_t *emitter, const PGresult *res)
{
    return wdm_yaml_out_scalar (emitter, "plan") || wdm_yaml_out_map (emitter, false)
            || s_field (emitter, "code", res, 0, 0, false) || s_field (emitter, "title_zh", res, 0, 1, false)
            || s_field (emitter, "title_en", res, 0, 2, false)
            || s_field (emitter, "subject", res, 0, 3, false) || s_field (emitter, "source", res, 0, 4, false)
            || s_pair (emitter, "period", res, 0, "start", 5, "end", 6, true)
            || s_field (emitter, "baseline_year", res, 0, 7, true)
            || s_pair (emitter, "report_deadline", res, 0, "month", 8, "day", 9, true)
            || wdm_yaml_out_map_end (emitter)
        ? -1
        : 0;
}

static int
s_emit_domains (wdm_yaml_out_t *emitter, const PGresult *res)
{
    if (wdm_yaml_out_scalar (emitter, "domains") || wdm_yaml_out_seq (emitter, false))
        return -1;
    for (int row = 0; row < PQntuples (res); row++)
        if (wdm_yaml_out_map (emitter, true) || s_field (emitter, "code", res, row, 0, false)
            || s_field (emitter, "ordinal", res, row, 1, true)
            || s_field (emitter, "name_zh", res, row, 2, false)
            || s_field (emitter, "name_en", res, row, 3, false) || wdm_yaml_out_map_end (emitter))
            return -1;
    return wdm_yaml_out_seq_end (emitter);
}

//  One indicator: its statistic, then the plan's target on it.
static int
s_emit_indicator (wdm_yaml_out_t *emitter, const PGresult *res, int row)
{
    if (wdm_yaml_out_map (emitter, false) || s_field (emitter, "code", res, row, 0, false)
        || s_field (emitter, "name_zh", res, row, 1, false)
        || s_field (emitter, "name_en", res, row, 2, false)
        || s_field (emitter, "measure_unit", res, row, 3, false)
        || s_pair (emitter, "range", res, row, "min", 4, "max", 5, true)
        || s_field (emitter, "by_sex", res, row, 6, true)
        || wdm_yaml_out_list (emitter, "bodies", wdm_db_value (res, row, 7), '\x1f')
        || s_field (emitter, "aggregation", res, row, 8, false)
        || s_field (emitter, "frequency", res, row, 9, false))
        return -1;
    if (wdm_yaml_out_scalar (emitter, "target") || wdm_yaml_out_map (emitter, false)
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
        || s_field (emitter, "baseline", res, row, 22, true) || wdm_yaml_out_map_end (emitter))
        return -1;
    return wdm_yaml_out_map_end (emitter);
}

//  The whole document: a mapping of the plan, its domains, its indicators.
static int
s_emit (wdm_yaml_out_t *emitter, const PGresult *plan, const PGresult *domains, const PGresult *indicators)
{
    if (wdm_yaml_out_map (emitter, false) || s_emit_plan (emitter, plan) || s_emit_domains (emitter, domains)
        || wdm_yaml_out_scalar (emitter, "indicators") || wdm_yaml_out_seq (emitter, false))
        return -1;
    for (int row = 0; row < PQntuples (indicators); row++)
        if (s_emit_indicator (emitter, indicators, row))
            return -1;
    return wdm_yaml_out_seq_end (emitter) || wdm_yaml_out_map_end (emitter) || wdm_yaml_out_end (emitter) ? -1
                                                                                                          : 0;
}

int
wdm_plan_export (PGconn *conn, const char *code, FILE *out, wdm_buf_t *errors)
{
    int rc = -1;
    char err [512] = "";
    const char *params [] = { code };
    PGresult *plan = NULL, *domains = NULL, *indicators = NULL;
    wdm_yaml_out_t *emitter = NULL;
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
    if (!(emitter = wdm_yaml_out_new (out, s_header))) {
        wdm_buf_printf (errors, "out of memory\n");
        goto cleanup;
    }
    if (s_emit (emitter, plan, domains, indicators)) {
        wdm_buf_printf (errors, "cannot write the plan file: %s\n",
                        wdm_yaml_out_problem (emitter) ? wdm_yaml_out_problem (emitter) : "write failed");
        goto cleanup;
    }
    rc = 0;
cleanup:
    wdm_yaml_out_destroy (&emitter);
    PQclear (plan);
    PQclear (domains);
    PQclear (indicators);
    return rc;
}
