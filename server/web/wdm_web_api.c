/*  wdm_web_api: the console's read API — JSON under /api/v1/ for what the
    pages show: the plan's indicators, the values reported, the warnings
    (the same filters and checks as `wdmon warnings`, wdm_warnings_query)
    and the completeness of the reports owed (the same SQL as `wdmon
    completeness`).  Every endpoint takes plan, resolved only by
    wdm_check_plan (none given: the current plan).  A bad filter is a 400
    whose message names the bad value and the nearest valid ones, never an
    empty list.  Rows are printed by wdm_table's JSON, the CLI's, so a
    value has the same type here as in `wdmon ... --format json`.

    Who reads: a logged-in session (its cookie) or an API token
    ("Authorization: Bearer <64 hex>", api_token of sql/046, made by
    `wdmon token add`), whose account's role scopes it as the pages do: a
    unit user reads the warnings about its unit and the indicators it
    leads (the warnings page's rule), the values it reported and those of
    the indicators it leads, and its own completeness.  The API changes
    nothing: GET only (wdm_web.c answers anything else with 405).
    Contracts in wdm_web_int.h; the endpoints in docs/API.md.  */

#include "wdm_web_int.h"
#include "wdm_cmd_int.h"
#include "wdm_completeness.h"
#include "wdm_db.h"
#include "wdm_log.h"
#include "wdm_table.h"
#include "wdm_warnings_query.h"

#include <ctype.h>
#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Rows a page of values or warnings holds by default and at most.
#define S_LIMIT_DEFAULT 100
#define S_LIMIT_MAX     1000

//  The plan's indicators with their targets in the plan's words, the
//  latest district value and the open warnings ($1 plan, $2 a unit user's
//  unit or NULL, $3 domain or NULL).  The district's codes as an array,
//  not a join: a join is not carried into observation_current, which
//  then worked out every series of the indicator (issue 15).
static const char *s_indicators_sql =
    "SELECT i.code, i.name_zh, i.name_en, t.domain_code AS domain, d.name_zh AS domain_zh,"
    "       d.name_en AS domain_en, i.measure_unit_code AS measure_unit, m.name_zh AS measure_unit_zh,"
    "       m.symbol AS measure_unit_symbol, t.target_kind::text AS target_kind,"
    "       t.target_value, t.target_year, t.clause_zh AS target_zh, t.clause_ref AS target_ref,"
    "       t.baseline_value, l.year AS latest_year, l.value AS latest_value, l.status::text AS latest_value_status,"
    "       (SELECT count (*) FROM warning w WHERE w.plan_code = t.plan_code"
    "           AND w.indicator_code = i.code AND w.state <> 'resolved' AND w.level = 'red'"
    "           AND " WDM_UNIT_SCOPE (
        "w.unit_code", "w.indicator_code",
        "2") ") AS open_red,"
             "       (SELECT count (*) FROM warning w WHERE w.plan_code = t.plan_code"
             "           AND w.indicator_code = i.code AND w.state <> 'resolved' AND w.level = 'yellow'"
             "           AND " WDM_UNIT_SCOPE (
                 "w.unit_code", "w.indicator_code",
                 "2") ") AS open_yellow"
                      "  FROM plan_target t JOIN indicator i ON i.code = t.indicator_code"
                      "  JOIN domain d ON d.plan_code = t.plan_code AND d.code = t.domain_code"
                      "  JOIN measure_unit m ON m.code = i.measure_unit_code"
                      "  LEFT JOIN LATERAL (SELECT c.year, c.value, c.status FROM observation_current c"
                      "                     WHERE c.area_code = ANY (ARRAY (SELECT code FROM area WHERE level = 'district'))"
                      "                       AND c.indicator_code = i.code AND c.period_kind = 'year' AND c.sex = 'T'"
                      "                       AND c.body = '' ORDER BY c.year DESC LIMIT 1) l ON true"
                      " WHERE t.plan_code = $1 AND t.active AND ($3::text IS NULL OR t.domain_code = $3)"
                      "   AND ($2::text IS NULL OR " WDM_UNIT_LEADS ("i.code",
                                                                     "2") ")"
                                                                          " ORDER BY d.ordinal, t.ordinal";

//  The values: each series' latest revision (observation_current's rows),
//  or every revision; $1 plan, $2 indicator, $3 area, $4 year, $5 every
//  revision ('t'/'f'), $6 a unit user's unit, $7 zone, $8 limit, $9
//  offset.  Then the same without paging, counted.
#define S_VALUES_WHERE                                                                                       \
    "  FROM observation o"                                                                                   \
    " WHERE o.indicator_code IN (SELECT indicator_code FROM plan_target WHERE plan_code = $1)"               \
    "   AND ($2::text IS NULL OR o.indicator_code = $2) AND ($3::text IS NULL OR o.area_code = $3)"          \
    "   AND ($4::int IS NULL OR o.year = $4::int)"                                                           \
    "   AND ($5::boolean OR NOT EXISTS (SELECT 1 FROM observation n"                                         \
    "         WHERE n.indicator_code = o.indicator_code AND n.area_code = o.area_code AND n.year = o.year"   \
    "           AND n.period_kind = o.period_kind AND n.period_no = o.period_no AND n.body = o.body"         \
    "           AND n.sex = o.sex AND n.revision > o.revision))"                                             \
    "   AND " WDM_UNIT_SCOPE ("o.unit_code", "o.indicator_code", "6")
static const char *s_values_sql =
    "SELECT o.indicator_code AS indicator, o.area_code AS area, o.year, o.period_kind::text AS period_kind,"
    "       o.period_no, o.body, o.sex, o.value, o.numerator, o.denominator, o.status::text AS status,"
    "       o.revision, o.unit_code AS unit, " WDM_TABLE_LOCAL_TIME (
        "o.received_at",
        "7") " AS received" S_VALUES_WHERE
             " ORDER BY o.indicator_code, o.area_code, o.year, o.period_kind, o.period_no, o.body, o.sex, o.revision"
             " LIMIT $8::int OFFSET $9::int";
static const char *s_values_count_sql = "SELECT count (*), $7::text, $8::text, $9::text" S_VALUES_WHERE;

//  The warnings, with the columns of `wdmon warnings --format json` and
//  the English message; paged by $13 limit, $14 offset.
static const char *s_warnings_sql =
    "SELECT w.id, w.level, w.state, w.rule_code AS rule, w.indicator_code AS indicator,"
    "       w.area_code AS area, w.year, coalesce (w.unit_code, '') AS unit, w.plan_code AS plan,"
    "       " WDM_TABLE_LOCAL_TIME (
        "w.opened_at", "5") " AS opened,"
                            "       " WDM_TABLE_LOCAL_TIME (
                                "w.updated_at",
                                "5") " AS updated,"
                                     "       w.message_zh AS message, w.message_en" WDM_WARNINGS_QUERY_PAGE (
                                         "$13::int OFFSET $14::int") WDM_WARNINGS_QUERY_ORDER;
static const char *s_warnings_count_sql = "SELECT count (*), $5::text" WDM_WARNINGS_QUERY_WHERE;

//  The completeness, as `wdmon completeness` selects it; $3 a unit user's
//  unit or NULL.
static const char *s_completeness_sql =
    "SELECT unit_code AS unit, unit_zh AS name, owed, received, late, missing,"
    "       to_char (deadline, 'YYYY-MM-DD') AS deadline"
    "  FROM completeness WHERE year = $1::int AND plan_code = $2 AND ($3::text IS NULL OR unit_code = $3)"
    " ORDER BY missing DESC, late DESC, unit_code";

//  The years a value may be about: any plan's, baseline to end.
//  The years values are asked for in: any plan's ($1 NULL), for a value
//  is a statistic's, whichever plans watch it, and a listing without a
//  year holds them all.
#define S_VALUE_YEARS                                                                                        \
    "SELECT min (baseline_year), max (period_end) FROM plan WHERE $1::text IS NULL OR code = $1"
//  An indicator of any plan, by its code or name.
#define S_INDICATORS "SELECT code, name_zh, name_en FROM indicator ORDER BY code"
//  A domain of the plan $1... checked against every plan's, as the warnings do.
#define S_DOMAINS "SELECT DISTINCT code, name_zh, name_en FROM domain ORDER BY code"

//  Set the answer: status and the JSON document (stolen).
static void
s_answer_json (wdm_web_req_t *req, unsigned status, json_t *doc)
{
    req->status = status;
    req->type = "application/json; charset=utf-8";
    wdm_buf_reset (&req->body);
    char *text = doc ? json_dumps (doc, JSON_INDENT (1) | JSON_PRESERVE_ORDER) : NULL;
    json_decref (doc);
    if (!text || wdm_buf_add (&req->body, text, strlen (text)) || wdm_buf_add (&req->body, "\n", 1)) {
        req->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        wdm_buf_free (&req->body);
    }
    free (text);
}

void
wdm_web_api_error (wdm_web_req_t *req, unsigned status, const char *title, const char *message)
{
    s_answer_json (req, status,
                   json_pack ("{s:{s:i,s:s,s:s}}", "error", "status", (int)status, "title",
                              title ? title : "", "message", message ? message : ""));
}

//  The refusal of a bad parameter: 400 naming it and the value.
static void
s_bad (wdm_web_req_t *req, const char *parameter, const char *message)
{
    json_t *doc = json_pack ("{s:{s:i,s:s,s:s}}", "error", "status", MHD_HTTP_BAD_REQUEST, "title",
                             "参数有误 / Bad parameter", "message", message);
    if (doc && parameter)
        json_object_set_new (json_object_get (doc, "error"), "parameter", json_string (parameter));
    s_answer_json (req, MHD_HTTP_BAD_REQUEST, doc);
}

//  A check's outcome said: true if OK; else the 400 or 503 is answered.
static bool
s_checked (wdm_web_req_t *req, wdm_check_result_t rc, const char *parameter, const char *message)
{
    if (rc == WDM_CHECK_OK)
        return true;
    if (rc == WDM_CHECK_REFUSED)
        s_bad (req, parameter, message);
    else
        wdm_web_api_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error", message);
    return false;
}

//  The rows of sql (run with params) as the JSON array wdm_table prints
//  for the CLI; NULL with the 503 answered.
static json_t *
s_rows (wdm_web_req_t *req, const char *sql, int count, const char *const *params)
{
    json_t *rows = NULL;
    char *text = NULL, err [512] = "";
    size_t size = 0;
    FILE *out = NULL;  //  the rows printed into text
    PGresult *res = wdm_db_query (req->conn, sql, count, params, PGRES_TUPLES_OK, err, sizeof err);
    if (!res)
        goto cleanup;
    out = open_memstream (&text, &size);
    int printed = out ? wdm_table_print (res, WDM_TABLE_JSON, out) : -1;
    if (out && fclose (out))
        printed = -1;
    out = NULL;
    if (printed) {
        snprintf (err, sizeof err, "out of memory");
        goto cleanup;
    }
    json_error_t error;
    rows = json_loadb (text, size, 0, &error);
    if (!rows || !json_is_array (rows)) {
        snprintf (err, sizeof err, "rows unreadable as JSON: %s", error.text);
        json_decref (rows);
        rows = NULL;
    }
cleanup:
    if (!rows) {
        wdm_log_error ("web: api: %s", err);
        wdm_web_api_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error",
                           "请稍后再试。 / The database failed; try again shortly.");
    }
    free (text);
    PQclear (res);
    return rows;
}

//  The count of the first column of sql's one row; -1 with the 503 answered.
static long long
s_count (wdm_web_req_t *req, const char *sql, int count, const char *const *params)
{
    PGresult *res = wdm_db_query (req->conn, sql, count, params, PGRES_TUPLES_OK, NULL, 0);
    long long total = res && PQntuples (res) == 1 ? atoll (PQgetvalue (res, 0, 0)) : -1;
    PQclear (res);
    if (total < 0)
        wdm_web_api_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error",
                           "请稍后再试。 / The database failed; try again shortly.");
    return total;
}

//  A paging parameter: absent (fallback), or a whole number 0..max.  false
//  with the 400 answered.
static bool
s_paging (wdm_web_req_t *req, const char *name, long fallback, long min, long max, long *value, char *text,
          size_t size)
{
    const char *given = wdm_web_arg (req, name);
    *value = fallback;
    if (given) {
        char *end = NULL;
        long parsed = strtol (given, &end, 10);
        if (!isdigit ((unsigned char)given [0]) || *end || strlen (given) > 9 || parsed < min
            || parsed > max) {
            char message [256];
            snprintf (message, sizeof message,
                      "%s 须为 %ld 到 %ld 的整数，不是 %.64s / %s must be a whole number from %ld to %ld,"
                      " not '%.64s'",
                      name, min, max, given, name, min, max, given);
            s_bad (req, name, message);
            return false;
        }
        *value = parsed;
    }
    snprintf (text, size, "%ld", *value);
    return true;
}

//  A unit user's unit (NULL for the other roles); for a unit user asking
//  for another unit by name (unit=...), the 403 is answered and false.
static bool
s_scope (wdm_web_req_t *req, const char **unit)
{
    const char *asked = wdm_web_arg (req, "unit");
    *unit = NULL;
    if (req->user.role != WDM_WEB_UNIT)
        return true;
    if (asked && strcmp (asked, req->user.unit_code) != 0) {
        wdm_web_audit (req, NULL, "forbidden", req->path, asked);
        wdm_web_api_error (
            req, MHD_HTTP_FORBIDDEN, "无权查看 / Not yours to see",
            "成员单位用户只能查看本单位的数据。 / A unit user reads its own unit's data only.");
        return false;
    }
    *unit = req->user.unit_code;
    return true;
}

//  The plan argument resolved; false with the answer made.
static bool
s_plan (wdm_web_req_t *req, char *code, size_t size)
{
    char message [1024] = "";
    const char *plan = wdm_web_arg (req, "plan");
    return s_checked (req, wdm_check_plan (req->conn, &plan, code, size, message, sizeof message), "plan",
                      message);
}

//  An optional code parameter checked against sql's rows, pointed at its code.
static bool
s_code (wdm_web_req_t *req, const char *name, const char *sql, const char *what_zh, const char *what_en,
        const char **value, char *code, size_t size)
{
    char message [1024] = "";
    *value = wdm_web_arg (req, name);
    if (!*value)
        return true;
    if (!s_checked (
            req,
            wdm_check_code (req->conn, sql, what_zh, what_en, *value, code, size, message, sizeof message),
            name, message))
        return false;
    *value = code;
    return true;
}

//  An optional year parameter within the years of plan by range_sql.
static bool
s_year (wdm_web_req_t *req, const char *range_sql, const char *plan, bool required, const char **value,
        char *text, size_t size)
{
    char message [1024] = "";
    int year = 0;
    *value = wdm_web_arg (req, "year");
    if (!*value) {
        if (required)
            s_bad (req, "year", "缺少 year（年份）参数 / the year parameter is required");
        return !required;
    }
    if (!s_checked (req, wdm_check_year (req->conn, range_sql, plan, *value, &year, message, sizeof message),
                    "year", message))
        return false;
    snprintf (text, size, "%d", year);
    *value = text;
    return true;
}

//  Answer with {plan, [total, limit, offset,] items}.
static void
s_list (wdm_web_req_t *req, const char *plan, json_t *items, long long total, long limit, long offset)
{
    json_t *doc = json_object ();
    json_object_set_new (doc, "plan", json_string (plan));
    if (total >= 0) {
        json_object_set_new (doc, "total", json_integer (total));
        json_object_set_new (doc, "limit", json_integer (limit));
        json_object_set_new (doc, "offset", json_integer (offset));
    }
    json_object_set_new (doc, "items", items);
    s_answer_json (req, MHD_HTTP_OK, doc);
}

//  GET /api/v1/indicators [plan, domain]
static void
s_indicators (wdm_web_req_t *req)
{
    char plan [128], domain_code [128];
    const char *unit = NULL, *domain = NULL;
    if (!s_scope (req, &unit) || !s_plan (req, plan, sizeof plan)
        || !s_code (req, "domain", S_DOMAINS, "领域", "domain", &domain, domain_code, sizeof domain_code))
        return;
    const char *params [] = { plan, unit, domain };
    json_t *items = s_rows (req, s_indicators_sql, 3, params);
    if (items)
        s_list (req, plan, items, -1, 0, 0);
}

//  GET /api/v1/values [plan, indicator, area, year, revisions, limit, offset]
static void
s_values (wdm_web_req_t *req)
{
    char plan [128], indicator_code [128], area_code [128], year_text [16], limit_text [16], offset_text [24];
    const char *unit = NULL, *indicator = NULL, *area = NULL, *year = NULL;
    long limit = 0, offset = 0;
    const char *revisions = wdm_web_arg (req, "revisions");
    if (revisions && strcmp (revisions, "0") != 0 && strcmp (revisions, "1") != 0) {
        s_bad (req, "revisions", "revisions 须为 0 或 1 / revisions is 0 (the latest only) or 1 (every one)");
        return;
    }
    if (!s_scope (req, &unit) || !s_plan (req, plan, sizeof plan)
        || !s_code (req, "indicator", S_INDICATORS, "指标", "indicator", &indicator, indicator_code,
                    sizeof indicator_code)
        || !s_code (req, "area", WDM_CMD_AREAS_SQL, "地区", "area", &area, area_code, sizeof area_code)
        || !s_year (req, S_VALUE_YEARS, NULL, false, &year, year_text, sizeof year_text)
        || !s_paging (req, "limit", S_LIMIT_DEFAULT, 1, S_LIMIT_MAX, &limit, limit_text, sizeof limit_text)
        || !s_paging (req, "offset", 0, 0, 999999999, &offset, offset_text, sizeof offset_text))
        return;
    const char *params [] = { plan,
                              indicator,
                              area,
                              year,
                              revisions && strcmp (revisions, "1") == 0 ? "t" : "f",
                              unit,
                              req->config->timezone,
                              limit_text,
                              offset_text };
    long long total = s_count (req, s_values_count_sql, 9, params);
    if (total < 0)
        return;
    json_t *items = s_rows (req, s_values_sql, 9, params);
    if (items)
        s_list (req, plan, items, total, limit, offset);
}

//  GET /api/v1/warnings [plan, level, state, rule, domain, indicator, area,
//  unit, year, open, limit, offset]
static void
s_warnings (wdm_web_req_t *req)
{
    wdm_warnings_query_t q = { 0 };
    char message [1024] = "", limit_text [16], offset_text [24];
    long limit = 0, offset = 0;
    const char *unit = NULL;
    if (!s_scope (req, &unit))
        return;
    const char *open = wdm_web_arg (req, "open");
    if (open && strcmp (open, "0") != 0 && strcmp (open, "1") != 0) {
        s_bad (req, "open", "open 须为 0 或 1 / open is 0 (every state) or 1 (not resolved)");
        return;
    }
    q.open_only = open && strcmp (open, "1") == 0;
    q.level = wdm_web_arg (req, "level");
    q.state = wdm_web_arg (req, "state");
    q.rule = wdm_web_arg (req, "rule");
    q.domain = wdm_web_arg (req, "domain");
    q.indicator = wdm_web_arg (req, "indicator");
    q.area = wdm_web_arg (req, "area");
    q.unit = unit ? unit : wdm_web_arg (req, "unit");
    q.year = wdm_web_arg (req, "year");
    q.plan = wdm_web_arg (req, "plan");
    if (!s_checked (req, wdm_warnings_query_check (req->conn, &q, message, sizeof message), NULL, message)
        || !s_paging (req, "limit", S_LIMIT_DEFAULT, 1, S_LIMIT_MAX, &limit, limit_text, sizeof limit_text)
        || !s_paging (req, "offset", 0, 0, 999999999, &offset, offset_text, sizeof offset_text))
        return;
    const char *params [WDM_WARNINGS_QUERY_PARAMS + 2];
    wdm_warnings_query_params (&q, req->config->timezone, NULL, params);
    params [WDM_WARNINGS_QUERY_PARAMS] = limit_text;
    params [WDM_WARNINGS_QUERY_PARAMS + 1] = offset_text;
    long long total = s_count (req, s_warnings_count_sql, WDM_WARNINGS_QUERY_PARAMS, params);
    if (total < 0)
        return;
    json_t *items = s_rows (req, s_warnings_sql, WDM_WARNINGS_QUERY_PARAMS + 2, params);
    if (items)
        s_list (req, q.plan_code, items, total, limit, offset);
}

//  GET /api/v1/completeness year [plan]
static void
s_completeness (wdm_web_req_t *req)
{
    char plan [128], year_text [16];
    const char *unit = NULL, *year = NULL;
    if (!s_scope (req, &unit) || !s_plan (req, plan, sizeof plan)
        || !s_year (req, WDM_COMPLETENESS_YEARS_SQL, plan, true, &year, year_text, sizeof year_text))
        return;
    const char *params [] = { year, plan, unit };
    json_t *items = s_rows (req, s_completeness_sql, 3, params);
    if (items)
        s_list (req, plan, items, -1, 0, 0);
}

void
wdm_web_api (wdm_web_req_t *req)
{
    static const struct {
        const char *path;
        void (*serve) (wdm_web_req_t *req);
    } endpoints [] = { { "/api/v1/indicators", s_indicators },
                       { "/api/v1/values", s_values },
                       { "/api/v1/warnings", s_warnings },
                       { "/api/v1/completeness", s_completeness } };
    for (size_t i = 0; i < sizeof endpoints / sizeof *endpoints; i++)
        if (strcmp (req->path, endpoints [i].path) == 0) {
            endpoints [i].serve (req);
            return;
        }
    wdm_web_api_error (req, MHD_HTTP_NOT_FOUND, "没有这个接口 / Not found",
                       "接口见 docs/API.md：/api/v1/indicators、values、warnings、completeness。 / The"
                       " endpoints are /api/v1/indicators, values, warnings and completeness (docs/API.md).");
}

int
wdm_web_api_token_find (wdm_web_req_t *req, const char *authorization)
{
    memset (&req->user, 0, sizeof req->user);
    static const char bearer [] = "Bearer ";
    if (strncmp (authorization, bearer, sizeof bearer - 1) != 0)
        return 0;
    const char *token = authorization + sizeof bearer - 1;
    if (strlen (token) != 64)
        return 0;
    unsigned char digest [32];
    char hash [65];
    crypto_generichash (digest, sizeof digest, (const unsigned char *)token, 64, NULL, 0);
    sodium_bin2hex (hash, sizeof hash, digest, sizeof digest);
    const char *params [] = { hash };
    PGresult *res =
        wdm_db_query (req->conn,
                      "UPDATE api_token t SET last_used_at = now ()"
                      "  FROM console_user u"
                      " WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.login = t.login"
                      "   AND NOT u.disabled"
                      " RETURNING u.login, u.display_name, u.role::text, coalesce (u.unit_code, '')",
                      1, params, PGRES_TUPLES_OK, NULL, 0);
    if (!res)
        return -1;
    if (PQntuples (res) == 1) {
        wdm_web_user_t *user = &req->user;
        const char *role = PQgetvalue (res, 0, 2);
        user->valid = true;
        snprintf (user->login, sizeof user->login, "%s", PQgetvalue (res, 0, 0));
        snprintf (user->display_name, sizeof user->display_name, "%s", PQgetvalue (res, 0, 1));
        user->role = strcmp (role, "operator") == 0 ? WDM_WEB_OPERATOR
            : strcmp (role, "administrator") == 0   ? WDM_WEB_ADMINISTRATOR
            : strcmp (role, "unit") == 0            ? WDM_WEB_UNIT
                                                    : WDM_WEB_VIEWER;
        snprintf (user->unit_code, sizeof user->unit_code, "%s", PQgetvalue (res, 0, 3));
    }
    PQclear (res);
    return 0;
}
