/*  wdm_web_area: the area page (/area/CODE: the district, a town or a
    street; /areas goes to the district's) — every indicator of the plan
    with its latest value there (indicator_value: reported, or for the
    district rolled up from its towns and streets as the rules read it),
    the year, the target and a status; the areas below it; its warnings
    not resolved, by the warnings page's own query.

    The status is never worked out here: a warning about the target that
    is open (wdm_judge_floor: red 预计达标困难, yellow 进度滞后) comes
    first, as the report has it; else, for a target that is a number to
    reach or stay within, whether the latest value meets it
    (wdm_judge_meets); else that no warning is open.

    The area and the plan are checked by wdm_warnings_query_check (which
    resolves the plan with wdm_check_plan): an unknown code is a 404
    naming the nearest.  A unit user sees the indicators its unit leads
    and the warnings the warnings page shows it.  Contract in
    wdm_web_int.h.  */

#include "wdm_web_int.h"
#include "wdm_db.h"
#include "wdm_judge.h"
#include "wdm_table.h"
#include "wdm_warnings_query.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The plan's indicators in area $1 for plan $2 ($3: a unit user's unit,
//  else ''): the shown columns, then the target's kind and the open
//  warnings about it there (rule:level, comma-separated) for the status.
static const char *s_indicators_sql =
    "SELECT t.indicator_code, i.name_zh, d.name_zh, u.symbol, coalesce (v.year::text, ''),"
    "       coalesce (v.value::text, ''), coalesce (t.target_value::text, ''),"
    "       CASE v.source WHEN 'reported' THEN '报送 / reported' WHEN 'rolled_up'"
    "            THEN '由下级汇总 / rolled up' ELSE '' END,"
    "       t.target_kind::text,"
    "       coalesce ((SELECT string_agg (w.rule_code || ':' || w.level, ',') FROM warning w"
    "                   WHERE w.plan_code = t.plan_code AND w.indicator_code = t.indicator_code"
    "                     AND w.area_code = $1 AND w.state <> 'resolved'), '')"
    "  FROM plan_target t JOIN indicator i ON i.code = t.indicator_code"
    "  JOIN domain d ON d.plan_code = t.plan_code AND d.code = t.domain_code"
    "  JOIN measure_unit u ON u.code = i.measure_unit_code"
    "  LEFT JOIN LATERAL (SELECT v.year, v.value, v.source FROM indicator_value v"
    "                      WHERE v.indicator_code = t.indicator_code AND v.area_code = $1"
    "                        AND v.year <= (SELECT period_end FROM plan WHERE code = $2)"
    "                      ORDER BY v.year DESC LIMIT 1) v ON true"
    " WHERE t.plan_code = $2 AND t.active"
    "   AND ($3 = '' OR " WDM_UNIT_LEADS ("t.indicator_code", "3") ")"
                                                                   " ORDER BY d.ordinal, t.ordinal";

//  The status column, worked out per row (field 8 the kind, 9 the
//  warnings).
#define S_STATUS 8

static const wdm_web_column_t s_indicator_columns [] = {
    { "指标", "Indicator", false, NULL },      { "指标名称", "Indicator name", false, NULL },
    { "领域", "Domain", false, NULL },         { "单位", "Unit of measure", false, NULL },
    { "最新年份", "Latest year", true, NULL }, { "最新值", "Latest value", true, NULL },
    { "目标值", "Target", true, NULL },        { "来源", "Source", false, NULL },
    { "状态", "Status", false, NULL },
};

//  The areas directly below ($1).
static const char *s_children_sql =
    "SELECT a.code, a.name_zh, a.name_en, a.level::text FROM area a WHERE a.parent_code = $1"
    " ORDER BY a.level, a.code";

static const wdm_web_column_t s_children_columns [] = {
    { "地区", "Area", false, "/area/" },
    { "名称", "Name", false, NULL },
    { "英文名称", "English name", false, NULL },
    { "层级", "Level", false, NULL },
};

//  The warnings not resolved, over the warnings page's filters.
static const char *s_warnings_sql =
    "SELECT w.id, CASE w.level WHEN 'red' THEN '红色 / red' ELSE '黄色 / yellow' END,"
    "       CASE w.state WHEN 'open' THEN '未处理 / open' WHEN 'acknowledged' THEN '已确认 / acknowledged'"
    "            ELSE '已解除 / resolved' END,"
    "       (SELECT name_zh FROM rule WHERE code = w.rule_code), w.indicator_code, i.name_zh, w.year,"
    "       " WDM_TABLE_LOCAL_TIME ("w.updated_at", "5") ", w.message_zh" WDM_WARNINGS_QUERY_PAGE ("1000")
        WDM_WARNINGS_QUERY_ORDER;

static const wdm_web_column_t s_warning_columns [] = {
    { "编号", "No.", true, "/warnings/" },  { "级别", "Level", false, NULL },
    { "状态", "State", false, NULL },       { "规则", "Rule", false, NULL },
    { "指标", "Indicator", false, NULL },   { "指标名称", "Indicator name", false, NULL },
    { "年份", "Year", true, NULL },         { "更新时间", "Updated", false, NULL },
    { "预警信息", "Message", false, NULL },
};

//  The words of a standing.
static const char *
s_status_word (wdm_status_t status)
{
    switch (status) {
        case WDM_STATUS_MET: return "达标 / met";
        case WDM_STATUS_ON_TRACK: return "进展正常 / on track";
        case WDM_STATUS_BEHIND: return "进度滞后 / behind schedule";
        case WDM_STATUS_UNLIKELY: return "预计达标困难 / unlikely to be met";
        case WDM_STATUS_NOT_REPORTED: return "未报送 / not reported";
        default: return "仅监测 / monitored";
    }
}

//  The status of row: see the file's comment.
static const char *
s_status (const PGresult *res, int row)
{
    const char *value = PQgetvalue (res, row, 5), *target = PQgetvalue (res, row, 6);
    char warnings [2048];
    snprintf (warnings, sizeof warnings, "%s", PQgetvalue (res, row, 9));
    wdm_status_t worst = WDM_STATUS_MET;
    bool judged = false;
    char *save = NULL;
    for (char *one = strtok_r (warnings, ",", &save); one; one = strtok_r (NULL, ",", &save)) {
        char *colon = strrchr (one, ':');
        if (!colon)
            continue;
        *colon = 0;
        if (!wdm_judge_target_rule (one))
            continue;
        worst = wdm_judge_worse (worst, wdm_judge_floor (one, strcmp (colon + 1, "red") == 0 ? 2 : 1));
        judged = true;
    }
    if (judged)
        return s_status_word (worst);
    wdm_target_kind_t kind;
    bool known = wdm_target_kind_parse (PQgetvalue (res, row, 8), &kind) == 0;
    if (known && kind == WDM_TARGET_MONITOR)
        return s_status_word (WDM_STATUS_MONITOR);
    if (!*value)
        return s_status_word (WDM_STATUS_NOT_REPORTED);
    if (known && wdm_judge_bound_kind (kind) && *target)
        return wdm_judge_meets (kind, strtod (target, NULL), strtod (value, NULL))
            ? s_status_word (WDM_STATUS_MET)
            : "未达目标值，无预警 / target not met yet, no warning";
    return "无未解除预警 / no open warning";
}

static const char *
s_cell (void *context, const PGresult *res, int row, int c)
{
    (void)context;
    return c == S_STATUS ? s_status (res, row) : PQgetvalue (res, row, c);
}

//  Run sql and show it as table id; false with the page said if the
//  database failed.
static bool
s_show (wdm_web_req_t *req, const wdm_web_table_t *shape, const char *sql, int nparams,
        const char *const *params)
{
    char message [1024] = "";
    PGresult *res = wdm_db_query (req->conn, sql, nparams, params, PGRES_TUPLES_OK, message, sizeof message);
    if (!res) {
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error", message);
        return false;
    }
    wdm_web_table_t table = *shape;
    table.res = res;
    wdm_web_table (req, &table);
    PQclear (res);
    return true;
}

//  The district's code into code (for /areas).  0, or -1 with the page said.
static int
s_district (wdm_web_req_t *req, char *code, size_t size)
{
    char message [512] = "";
    PGresult *res = wdm_db_query (req->conn,
                                  "SELECT code FROM area WHERE level = 'district' ORDER BY code"
                                  " LIMIT 1",
                                  0, NULL, PGRES_TUPLES_OK, message, sizeof message);
    int rc = res && PQntuples (res) == 1 ? 0 : -1;
    if (rc == 0)
        snprintf (code, size, "%s", PQgetvalue (res, 0, 0));
    else
        wdm_web_page_error (
            req, MHD_HTTP_NOT_FOUND, "没有地区 / No areas",
            "数据库中还没有区级地区（wdmon site import）。 / The database holds no district yet "
            "(wdmon site import).");
    PQclear (res);
    return rc;
}

void
wdm_web_area_page (wdm_web_req_t *req, const char *asked)
{
    char district [72], message [1024] = "", id [160], title [512];
    PGresult *res = NULL;
    if (!asked) {
        if (s_district (req, district, sizeof district) == 0) {
            char location [128];
            snprintf (location, sizeof location, "/area/%s", district);
            wdm_web_redirect (req, location);
        }
        return;
    }
    wdm_warnings_query_t q = { .open_only = true, .area = asked, .plan = wdm_web_arg (req, "plan") };
    if (req->user.role == WDM_WEB_UNIT)
        q.unit = req->user.unit_code;
    wdm_check_result_t checked = wdm_warnings_query_check (req->conn, &q, message, sizeof message);
    if (checked != WDM_CHECK_OK) {
        wdm_web_page_error (req,
                            checked == WDM_CHECK_REFUSED ? MHD_HTTP_NOT_FOUND : MHD_HTTP_SERVICE_UNAVAILABLE,
                            checked == WDM_CHECK_REFUSED ? "没有此地区或规划 / No such area or plan"
                                                         : "数据库出错 / Database error",
                            message);
        return;
    }
    const char *params [] = { q.area, q.plan };
    res = wdm_db_query (req->conn, "SELECT name_zh, name_en, level::text FROM area WHERE code = $1", 1,
                        params, PGRES_TUPLES_OK, message, sizeof message);
    if (!res || PQntuples (res) != 1) {
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error", message);
        goto cleanup;
    }
    snprintf (title, sizeof title, "%s / %s", PQgetvalue (res, 0, 0), PQgetvalue (res, 0, 1));
    wdm_buf_t *out = &req->body;
    if (wdm_web_page_begin (req, title, "areas"))
        goto cleanup;
    wdm_web_raw (out, "<h1>");
    wdm_web_text (out, PQgetvalue (res, 0, 0));
    wdm_web_raw (out, "<span class=\"en\">");
    wdm_web_text (out, PQgetvalue (res, 0, 1));
    wdm_web_raw (out, "</span></h1><p class=\"plan\">代码 / Code: <span id=\"area\">");
    wdm_web_text (out, q.area);
    wdm_web_raw (out, "</span> · 规划 / Plan: <span id=\"plan\">");
    wdm_web_text (out, q.plan);
    wdm_web_raw (out,
                 "</span></p><h2>指标 <span class=\"en\">Indicators</span></h2>"
                 "<p class=\"note\">最新值为该地区报送的最新年度数值；区级未报送时由各镇街汇总。状态先看"
                 "未解除的目标类预警（红色：预计达标困难；黄色：进度滞后），与监测报告一致。"
                 "<span class=\"en\">The latest value is the area's latest yearly value; the district's, "
                 "where it reported none, rolled up from its towns and streets. The status follows the "
                 "open warnings about the target first (red: unlikely; yellow: behind), as the report "
                 "does.</span></p>");
    const char *scope = req->user.role == WDM_WEB_UNIT ? req->user.unit_code : "";
    const char *indicator_params [] = { q.area, q.plan, scope };
    snprintf (id, sizeof id, "area-%s-indicators", q.area);
    if (!s_show (req,
                 &(wdm_web_table_t) { .id = id,
                                      .columns = s_indicator_columns,
                                      .count = sizeof s_indicator_columns / sizeof s_indicator_columns [0],
                                      .cell = s_cell },
                 s_indicators_sql, 3, indicator_params))
        goto cleanup;
    wdm_web_raw (out,
                 "<h2>未解除的预警 <span class=\"en\">Warnings not resolved</span></h2>"
                 "<p class=\"noprint\"><a id=\"warnings-link\" href=\"/warnings?area=");
    wdm_web_url_arg (out, q.area);
    wdm_web_raw (out, "&amp;plan=");
    wdm_web_url_arg (out, q.plan);
    wdm_web_raw (out, "\">全部预警及历史 / every warning and its history</a></p>");
    const char *warning_params [WDM_WARNINGS_QUERY_PARAMS];
    wdm_warnings_query_params (&q, req->config->timezone, NULL, warning_params);
    snprintf (id, sizeof id, "area-%s-warnings", q.area);
    if (!s_show (req,
                 &(wdm_web_table_t) { .id = id,
                                      .columns = s_warning_columns,
                                      .count = sizeof s_warning_columns / sizeof s_warning_columns [0] },
                 s_warnings_sql, WDM_WARNINGS_QUERY_PARAMS, warning_params))
        goto cleanup;
    if (strcmp (PQgetvalue (res, 0, 2), "district") == 0 || strcmp (PQgetvalue (res, 0, 2), "town") == 0
        || strcmp (PQgetvalue (res, 0, 2), "street") == 0) {
        snprintf (id, sizeof id, "area-%s-areas", q.area);
        wdm_web_raw (out, "<h2>下级地区 <span class=\"en\">Areas within</span></h2>");
        if (!s_show (
                req,
                &(wdm_web_table_t) { .id = id,
                                     .columns = s_children_columns,
                                     .count = sizeof s_children_columns / sizeof s_children_columns [0] },
                s_children_sql, 1, params))
            goto cleanup;
    }
    wdm_web_page_end (req);
cleanup:
    PQclear (res);
}
