/*  wdm_web_indicator: one indicator's page (GET /indicator/CODE) — the
    target in the plan's own words, the report's chart of its trend at full
    size (baseline to the latest year, the target line, the projection to
    the plan's end with its band, the time-progress line), its value and
    status for the district and every town and street, the revisions
    (every value received: who sent it and when) and its warnings with
    links to their history.

    The statuses are the report's (wdm_report_state): the district's is the
    annual report's own, each town's and street's the same judgement on
    its series (wdm_report_state_judge), no better than its open warnings.
    A unit user opens only the indicators its unit leads — the warnings
    page's rule — and gets 403 for another; an unknown code is 404, naming
    the nearest.  Contracts in wdm_web_int.h.  */

#include "wdm_web_int.h"
#include "wdm_check.h"
#include "wdm_db.h"
#include "wdm_judge.h"
#include "wdm_number.h"
#include "wdm_report_state.h"
#include "wdm_table.h"

#include <math.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The revisions shown at most (the count says how many there are).
#define S_REVISIONS_MAX 200

//  The warnings listed at most (the count says how many there are; the
//  warnings page filtered by the indicator lists them all).
#define S_WARNINGS_MAX 100

//  A value as the report writes it (wdm_number_text).
static void
s_number (wdm_buf_t *out, double value)
{
    char text [64];
    wdm_number_text (value, text, sizeof text);
    wdm_web_text (out, text);
}

//  A table cell holding text, of CSS class cls (NULL: none).
static void
s_td (wdm_buf_t *out, const char *cls, const char *text)
{
    wdm_buf_printf (out, "<td%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    wdm_web_text (out, text);
    wdm_web_raw (out, "</td>");
}

//  The page for a code that the plan does not judge: 404, naming the
//  nearest codes (or saying it is another plan's).
static void
s_unknown (wdm_web_req_t *req, const char *code, const char *plan)
{
    char message [1024] = "", found [128];
    wdm_check_result_t checked =
        wdm_check_code (req->conn, "SELECT code, name_zh, name_en FROM indicator ORDER BY code", "指标",
                        "indicator", code, found, sizeof found, message, sizeof message);
    if (checked == WDM_CHECK_OK)
        snprintf (message, sizeof message,
                  "指标 %.64s 不是规划 %.64s 的目标 / indicator %.64s is not a target of plan %.64s", code,
                  plan, code, plan);
    if (checked == WDM_CHECK_FAILED)
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error", message);
    else
        wdm_web_page_error (req, MHD_HTTP_NOT_FOUND, "没有这个指标 / No such indicator", message);
}

//  The chart: the report's, written into the page.
static void
s_chart (wdm_web_req_t *req, wdm_report_state_t *state, int i)
{
    wdm_buf_t *out = &req->body;
    char *svg = NULL;
    size_t size = 0;
    FILE *file = open_memstream (&svg, &size);
    int rc = file ? wdm_report_state_chart (state, i, file) : -1;
    if (file)
        fclose (file);
    wdm_web_raw (out, "<h2>趋势 <span class=\"en\">Trend</span></h2>");
    if (rc == 0 && svg)
        wdm_buf_add (out, svg, size);
    else
        wdm_web_raw (out, "<p id=\"no-chart\">尚无数据 / no value yet</p>");
    wdm_web_raw (
        out,
        "<p class=\"legend\">实线：区级数值（空心点为各镇街汇总）；红色虚线：规划目标；紫色点线：时间进度"
        "（时间过半任务过半，基期值至目标年的目标值）；彩色虚线及阴影：按线性趋势至规划末年的预计值"
        "及其一个标准误差的范围。<span class=\"en\">Solid: the district's values (hollow: rolled up "
        "from the towns and streets); red dashes: the target; purple dots: time progress, the even "
        "path from the baseline to the target in its year; coloured dashes and band: the linear "
        "trend projected to the plan's last year, with one standard error.</span></p>");
    wdm_web_downloads_chart (req, wdm_report_state_item (state, i).code, rc == 0 ? svg : NULL,
                             wdm_report_state_baseline (state), wdm_report_state_first (state),
                             wdm_report_state_last (state));
    free (svg);
}

//  One area's row of the download as the page shows it (year 0: no value;
//  status NULL: judged for the district only); *rows NULL after a failure.
static void
s_row (PGresult **rows, const PGresult *areas, int row, int year, double value, const wdm_status_t *status)
{
    char year_text [16] = "", value_text [40] = "", status_text [128];
    if (year) {
        snprintf (year_text, sizeof year_text, "%d", year);
        snprintf (value_text, sizeof value_text, "%.15g", value);
    }
    if (status)
        snprintf (status_text, sizeof status_text, "%s / %s", wdm_report_status_zh (*status),
                  wdm_report_status_en (*status));
    else
        snprintf (status_text, sizeof status_text, "仅判断区级 / judged for the district only");
    const char *cells [] = { PQgetvalue (areas, row, 0),
                             PQgetvalue (areas, row, 1),
                             PQgetvalue (areas, row, 2),
                             year_text,
                             value_text,
                             status_text };
    if (*rows && wdm_web_rows_add (*rows, cells)) {
        PQclear (*rows);
        *rows = NULL;
    }
}

//  The value and status for the district and each town and street (the
//  areas directly within it, as the plan monitors them): the district's
//  is the report's own; each other area's the same judgement on its
//  series, no better than its open warnings ($1 indicator, $2 plan, $3
//  baseline year, $4 year).  One grouped query each for the values and
//  the warnings (the open_warnings view's rows, from warning: its
//  responsible unit is not needed here), not a subquery per area.  The
//  villages and communities below (1,000 in the benchmark, which made the
//  page 0.8 MB) are on their town's or street's page, and the page says so.
static void
s_areas (wdm_web_req_t *req, const wdm_report_state_t *state, int i, const char *plan)
{
    wdm_buf_t *out = &req->body;
    wdm_report_item_t item = wdm_report_state_item (state, i);
    int baseline = wdm_report_state_baseline (state), year = wdm_report_state_year (state);
    int years = year - baseline + 1;
    char from [16], to [16];
    snprintf (from, sizeof from, "%d", baseline);
    snprintf (to, sizeof to, "%d", year);
    wdm_web_raw (out,
                 "<h2>各地区 <span class=\"en\">By area</span></h2><table id=\"areas\"><thead><tr>"
                 "<th>地区<br>Area</th><th class=\"num\">最新年份<br>Latest year</th>"
                 "<th class=\"num\">最新值<br>Latest value</th><th>状态<br>Status</th></tr></thead><tbody>");
    const char *params [] = { item.code, plan, from, to };
    PGresult *rows = wdm_web_rows_new (6);  //  the download's (wdm_web_downloads)
    PGresult *areas = wdm_db_query (
        req->conn,
        "WITH district AS (SELECT code FROM area WHERE level = 'district' ORDER BY code LIMIT 1),"
        "     shown AS (SELECT within_code AS code FROM area_within"
        "                WHERE area_code = (TABLE district) AND depth <= 1)"
        "SELECT a.code, a.name_zh, a.name_en, a.level::text, v.series, f.flags,"
        "       (SELECT count (*) FROM area_within WHERE area_code = (TABLE district) AND depth > 1)"
        "  FROM shown s JOIN area a ON a.code = s.code"
        "  LEFT JOIN (SELECT v.area_code, string_agg (v.year || '=' || v.value, ' ' ORDER BY v.year) AS series"
        "               FROM indicator_value v"
        "              WHERE v.indicator_code = $1 AND v.year BETWEEN $3::int AND $4::int"
        "                AND v.area_code IN (SELECT code FROM shown)"
        "              GROUP BY v.area_code) v ON v.area_code = a.code"
        "  LEFT JOIN (SELECT w.area_code, string_agg (w.rule_code || '=' || w.level::text, ' ') AS flags"
        "               FROM warning w"
        "              WHERE w.state <> 'resolved' AND w.indicator_code = $1 AND w.plan_code = $2"
        "                AND w.year BETWEEN $3::int AND $4::int AND w.area_code IN (SELECT code FROM shown)"
        "              GROUP BY w.area_code) f ON f.area_code = a.code"
        " ORDER BY a.level, a.code",
        4, params, PGRES_TUPLES_OK, NULL, 0);
    for (int row = 0; areas && row < PQntuples (areas); row++) {
        bool has [WDM_JUDGE_MAX_YEARS] = { false };
        double value [WDM_JUDGE_MAX_YEARS] = { 0 };
        int latest = -1;
        //  "2021=8.4 2022=8.3": the series, in years.
        for (char *at = PQgetvalue (areas, row, 4); at && *at;) {
            char *end = NULL;
            long y = strtol (at, &end, 10) - baseline;
            if (*end != '=')
                break;
            double v = strtod (end + 1, &end);
            if (y >= 0 && y < years && isfinite (v)) {
                has [y] = true;
                value [y] = v;
                latest = y > latest ? (int)y : latest;
            }
            at = *end ? end + 1 : end;
        }
        wdm_status_t floor = WDM_STATUS_MET;
        char flags [1024];
        snprintf (flags, sizeof flags, "%s", PQgetvalue (areas, row, 5));
        char *save = NULL;
        for (char *flag = strtok_r (flags, " ", &save); flag; flag = strtok_r (NULL, " ", &save)) {
            char *eq = strchr (flag, '=');
            if (!eq)
                continue;
            *eq = '\0';
            floor = wdm_judge_worse (floor, wdm_judge_floor (flag, strcmp (eq + 1, "red") == 0 ? 2 : 1));
        }
        bool district = strcmp (PQgetvalue (areas, row, 3), "district") == 0;
        wdm_status_t status = district ? item.status : wdm_report_state_judge (state, i, has, value, floor);
        if (!district && latest < 0 && status == WDM_STATUS_MONITOR)
            continue;  //  nothing reported and not judged here: no row
        s_row (&rows, areas, row,
               district && item.latest_year ? item.latest_year
                   : latest >= 0            ? baseline + latest
                                            : 0,
               district && item.latest_year ? item.latest
                   : latest >= 0            ? value [latest]
                                            : 0,
               status == WDM_STATUS_MONITOR && item.status != WDM_STATUS_MONITOR ? NULL : &status);
        wdm_web_html (out,
                      "<tr data-area=\"%s\" data-status=\"%s\"><td>%s<span class=\"en\">%s</span></td>"
                      "<td class=\"num\">",
                      PQgetvalue (areas, row, 0), wdm_report_status_class (status),
                      PQgetvalue (areas, row, 1), PQgetvalue (areas, row, 2));
        //  The district's latest is the report's (its value for narrow_gap
        //  and min_count is theirs, not the total's).
        if (district && item.latest_year) {
            wdm_buf_printf (out, "%d</td><td class=\"num\" data-value=\"%.17g\">", item.latest_year,
                            item.latest);
            s_number (out, item.latest);
        } else if (latest >= 0) {
            wdm_buf_printf (out, "%d</td><td class=\"num\" data-value=\"%.17g\">", baseline + latest,
                            value [latest]);
            s_number (out, value [latest]);
        } else
            wdm_web_raw (out, "—</td><td class=\"num\">—");
        if (status == WDM_STATUS_MONITOR && item.status != WDM_STATUS_MONITOR)
            wdm_web_raw (out,
                         "</td><td>— <span class=\"en\">judged for the district only / 仅判断区级"
                         "</span></td></tr>");
        else
            wdm_buf_printf (out, "</td><td><span class=\"status status-%s\">%s / %s</span></td></tr>",
                            wdm_report_status_class (status), wdm_report_status_zh (status),
                            wdm_report_status_en (status));
    }
    wdm_web_raw (out, "</tbody></table>");
    //  The villages and communities below the towns and streets: how many.
    const char *below = areas && PQntuples (areas) > 0 ? PQgetvalue (areas, 0, 6) : "0";
    if (strcmp (below, "0") != 0)
        wdm_web_html (out,
                      "<p id=\"areas-below\">另有 %s 个村、社区，其数值见所在镇街页面 <span class=\"en\">%s"
                      " villages and communities more: on their town's or street's page</span></p>",
                      below, below);
    wdm_web_downloads_areas (req, item.code, rows);
    PQclear (rows);
    PQclear (areas);
}

//  Every value received for the indicator, newest first: the revisions,
//  who sent each (the member unit) and when.  Counted, and the newest
//  S_REVISIONS_MAX chosen on the narrow rows, and only those worded and
//  joined (counting and wording each of 9,000 values in one query took
//  150-580 ms at 1,000,000 observations; issue 15).
static void
s_revisions (wdm_web_req_t *req, const char *code)
{
    wdm_buf_t *out = &req->body;
    const char *params [] = { code, req->config->timezone };
    PGresult *counted =
        wdm_db_query (req->conn, "SELECT count (*) FROM observation WHERE indicator_code = $1", 1, params,
                      PGRES_TUPLES_OK, NULL, 0);
    //  The newest S_REVISIONS_MAX (200).
    PGresult *res = wdm_db_query (
        req->conn,
        "SELECT o.area_code, a.name_zh, o.year, o.period_kind::text || CASE WHEN o.period_no > 0"
        "       THEN ' ' || o.period_no ELSE '' END, o.sex::text, o.body, o.revision, o.value::text,"
        "       o.status::text, o.unit_code, u.name_zh, " WDM_TABLE_LOCAL_TIME (
            "o.received_at", "2") ","
                                  "       coalesce (o.note, '')"
                                  "  FROM (SELECT id FROM observation WHERE indicator_code = $1"
                                  "         ORDER BY received_at DESC, id DESC LIMIT 200) s"
                                  "  JOIN observation o ON o.id = s.id JOIN area a ON a.code = o.area_code"
                                  "  JOIN member_unit u ON u.code = o.unit_code"
                                  " ORDER BY o.received_at DESC, o.id DESC",
        2, params, PGRES_TUPLES_OK, NULL, 0);
    const char *count = counted ? PQgetvalue (counted, 0, 0) : "0";
    int rows = res ? PQntuples (res) : 0;
    wdm_buf_printf (
        out,
        "<h2>修订记录 <span class=\"en\">Revisions</span></h2><p id=\"revisions-count\">共 %s 条 / "
        "%s values received%s</p><table id=\"revisions\"><thead><tr><th>地区<br>Area</th>"
        "<th class=\"num\">年份<br>Year</th><th>期<br>Period</th><th>性别<br>Sex</th><th>班子<br>"
        "Body</th><th class=\"num\">修订<br>Rev.</th><th class=\"num\">数值<br>Value</th><th>状态<br>"
        "Status</th><th>报送单位<br>Sent by</th><th>收到时间<br>Received</th><th>说明<br>Note</th>"
        "</tr></thead><tbody>",
        count, count, rows == S_REVISIONS_MAX ? "（显示最新 200 条 / the latest 200 shown）" : "");
    //  Columns: area name, year, period, sex, body, revision, value,
    //  status; the unit (its name, its code); received; note.
    static const char *const classes [] = { NULL, "num", NULL, NULL, NULL, "num", "num", NULL };
    for (int row = 0; row < rows; row++) {
        wdm_web_raw (out, "<tr>");
        for (int col = 1; col <= 8; col++)
            s_td (out, classes [col - 1], PQgetvalue (res, row, col));
        wdm_web_html (out, "<td data-unit=\"%s\">%s <span class=\"en\">%s</span></td>",
                      PQgetvalue (res, row, 9), PQgetvalue (res, row, 10), PQgetvalue (res, row, 9));
        s_td (out, NULL, PQgetvalue (res, row, 11));
        s_td (out, NULL, PQgetvalue (res, row, 12));
        wdm_web_raw (out, "</tr>");
    }
    wdm_web_raw (out, "</tbody></table>");
    PQclear (counted);
    PQclear (res);
}

//  The indicator's warnings of the plan, in every state, each linking to
//  its history on the warnings page: the open first, at most
//  S_WARNINGS_MAX, chosen on the narrow rows and only those worded (an
//  indicator has a warning in each of 1,031 areas in the benchmark); the
//  count says how many, the warnings page lists them all.
static void
s_warnings (wdm_web_req_t *req, const char *code, const char *plan)
{
    wdm_buf_t *out = &req->body;
    const char *params [] = { code, plan, req->config->timezone };
    PGresult *res = wdm_db_query (
        req->conn,
        "SELECT w.id, w.level::text, w.state, (SELECT name_zh FROM rule WHERE code = w.rule_code),"
        "       a.name_zh, w.year, " WDM_TABLE_LOCAL_TIME (
            "w.updated_at",
            "3") ", w.message_zh,"
                 "       (SELECT count (*) FROM warning_event e WHERE e.warning_id = w.id), s.total"
                 "  FROM (SELECT id, count (*) OVER () AS total FROM warning"
                 "         WHERE indicator_code = $1 AND plan_code = $2"
                 "         ORDER BY state = 'resolved', level DESC, updated_at DESC, id DESC LIMIT 100) s"
                 "  JOIN warning w ON w.id = s.id JOIN area a ON a.code = w.area_code"
                 " ORDER BY w.state = 'resolved', w.level DESC, w.updated_at DESC, w.id DESC",
        3, params, PGRES_TUPLES_OK, NULL, 0);
    int rows = res ? PQntuples (res) : 0;
    wdm_web_raw (out,
                 "<h2>预警 <span class=\"en\">Warnings</span></h2><p><a id=\"warnings-link\" "
                 "href=\"/warnings?indicator=");
    wdm_web_url_arg (out, code);
    wdm_web_raw (out, "&amp;plan=");
    wdm_web_url_arg (out, plan);
    wdm_web_raw (out, "\">在预警页查看 / on the warnings page</a>");
    if (rows == S_WARNINGS_MAX) {
        long total = atol (PQgetvalue (res, 0, 9));
        wdm_buf_printf (out,
                        " <span id=\"indicator-warnings-count\">共 %ld 条，此处显示前 %d 条 / %ld warnings,"
                        " the first %d here</span>",
                        total, S_WARNINGS_MAX, total, S_WARNINGS_MAX);
    }
    wdm_web_raw (out,
                 "</p><table id=\"indicator-warnings\"><thead>"
                 "<tr><th>编号<br>No.</th><th>级别<br>Level</th><th>状态<br>State</th><th>规则<br>Rule"
                 "</th><th>地区<br>Area</th><th class=\"num\">年份<br>Year</th><th>更新时间<br>Updated</th>"
                 "<th>历史<br>History</th><th>预警信息<br>Message</th></tr></thead><tbody>");
    for (int row = 0; row < rows; row++) {
        const char *id = PQgetvalue (res, row, 0);
        bool red = strcmp (PQgetvalue (res, row, 1), "red") == 0;
        wdm_web_html (
            out, "<tr data-id=\"%s\"><td><a href=\"/warnings/%u\">%s</a></td><td class=\"level-%s\">%s</td>",
            id, id, id, red ? "red" : "yellow", red ? "红色 / red" : "黄色 / yellow");
        for (int col = 2; col <= 6; col++)
            s_td (out, col == 5 ? "num" : NULL, PQgetvalue (res, row, col));
        wdm_web_html (out, "<td><a href=\"/warnings/%u#history\">%s 条 / events</a></td>", id,
                      PQgetvalue (res, row, 8));
        s_td (out, NULL, PQgetvalue (res, row, 7));
        wdm_web_raw (out, "</tr>");
    }
    if (rows == 0)
        wdm_web_raw (out, "<tr><td colspan=\"9\">没有预警 / no warning</td></tr>");
    wdm_web_raw (out, "</tbody></table>");
    PQclear (res);
}

void
wdm_web_indicator_page (wdm_web_req_t *req, const char *code)
{
    char plan [128];
    wdm_report_state_t *state = wdm_web_plan_state (req, plan, sizeof plan);
    if (!state)
        return;
    int i = wdm_report_state_find (state, code);
    if (i < 0) {
        s_unknown (req, code, plan);
        goto cleanup;
    }
    if (!wdm_web_may_see (req, code))
        goto cleanup;
    wdm_report_item_t item = wdm_report_state_item (state, i);
    char years [16];
    snprintf (years, sizeof years, "%d", wdm_report_state_year (state));
    if (wdm_web_page_begin (req, item.name_zh, "overview"))
        goto cleanup;
    wdm_buf_t *out = &req->body;
    wdm_web_html (
        out,
        "<h1 id=\"indicator\" data-code=\"%s\" data-status=\"%s\" data-year=\"%s\"><span class=\"code\">"
        "%s</span> %s<span class=\"en\">%s</span></h1><p>%s 年度判断 / as judged for %s: <span"
        " class=\"status status-%s\" id=\"status\">%s / %s</span> · 规划 / plan %s · <a"
        " href=\"/overview?plan=%u&amp;year=%s\">总览 / overview</a></p><h2>规划目标 <span"
        " class=\"en\">The target in the plan's words</span></h2><blockquote id=\"plan-target\">%s",
        item.code, wdm_report_status_class (item.status), years, item.code, item.name_zh, item.name_en, years,
        years, wdm_report_status_class (item.status), wdm_report_status_zh (item.status),
        wdm_report_status_en (item.status), plan, plan, years, item.clause_zh);
    wdm_buf_printf (out, "</blockquote><p class=\"target\">目标年份 / target year %d", item.target_year);
    if (item.has_target) {
        wdm_web_raw (out, " · 目标值 / target value <span id=\"target-value\">");
        s_number (out, item.target);
        wdm_web_text (out, item.symbol);
        wdm_web_raw (out, "</span>");
    }
    wdm_web_raw (out, "</p>");
    s_chart (req, state, i);
    s_areas (req, state, i, plan);
    s_revisions (req, item.code);
    s_warnings (req, item.code, plan);
    wdm_web_page_end (req);
cleanup:
    wdm_report_state_destroy (&state);
}
