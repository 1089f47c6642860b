/*  wdm_web_completeness: the completeness page (/completeness?year=Y&plan=P)
    — for one year of one plan, each member unit's reports owed, received,
    late and missing, by the very query `wdmon completeness` prints
    (wdm_completeness.h), and below it every report owed, unit by
    indicator, with when it came.  A unit user sees its own unit's rows
    only (the warnings page's rule, docs/CONSOLE.md).  Both tables
    download as CSV and .xlsx.  Contract in wdm_web_int.h.  */

#include "wdm_web_int.h"
#include "wdm_check.h"
#include "wdm_completeness.h"
#include "wdm_db.h"
#include "wdm_table.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

//  The shared query, narrowed to one unit ($3) or none ('').
static const char *s_units_sql = "SELECT * FROM (" WDM_COMPLETENESS_SQL ") c WHERE $3 = '' OR c.unit = $3"
                                 " ORDER BY missing DESC, late DESC, unit";

//  Every report owed that year for the plan ($2 among the plans watching
//  it, as the completeness view counts them), with when it first came.
static const char *s_reports_sql =
    "SELECT r.unit_code, r.unit_zh, r.indicator_code, i.name_zh, r.body,"
    "       to_char (r.deadline, 'YYYY-MM-DD'),"
    "       coalesce (" WDM_TABLE_LOCAL_TIME (
        "r.first_received",
        "4") ", ''),"
             "       CASE r.state WHEN 'on_time' THEN '按时 / on time' WHEN 'late' THEN '逾期 / late'"
             "            WHEN 'missing' THEN '缺报 / missing' WHEN 'backfill' THEN '历史补录 / loaded as history'"
             "            ELSE r.state END"
             "  FROM report_owed r JOIN indicator i ON i.code = r.indicator_code"
             " WHERE r.year = $1::int AND $2 = ANY (r.plans) AND ($3 = '' OR r.unit_code = $3)"
             " ORDER BY r.unit_code, r.indicator_code, r.body";

static const wdm_web_column_t s_unit_columns [] = {
    { "单位", "Unit", false, "/unit/" },     { "名称", "Name", false, NULL },
    { "应报", "Owed", true, NULL },          { "已报", "Received", true, NULL },
    { "逾期", "Late", true, NULL },          { "缺报", "Missing", true, NULL },
    { "截止日期", "Deadline", false, NULL },
};

static const wdm_web_column_t s_report_columns [] = {
    { "单位", "Unit", false, "/unit/" },
    { "单位名称", "Unit name", false, NULL },
    { "指标", "Indicator", false, NULL },
    { "指标名称", "Indicator name", false, NULL },
    { "机构", "Body", false, NULL },
    { "截止日期", "Deadline", false, NULL },
    { "首次报送", "First received", false, NULL },
    { "状态", "State", false, NULL },
};

#define S_COUNT(columns) ((int)(sizeof columns / sizeof columns [0]))

//  Show res as the table "name-year".
static void
s_table (wdm_web_req_t *req, const char *name, const char *year, const wdm_web_column_t *columns, int count,
         const PGresult *res)
{
    char id [64];
    snprintf (id, sizeof id, "%s-%s", name, year);
    wdm_web_table (req, &(wdm_web_table_t) { .id = id, .columns = columns, .count = count, .res = res });
}

//  The year asked for, checked against the plan's years into year_text;
//  by default the year before this one, kept within the plan.  0, or -1
//  with the error page said.
static int
s_year (wdm_web_req_t *req, const char *plan, char *year_text, size_t size)
{
    const char *asked = wdm_web_arg (req, "year");
    char message [1024] = "";
    if (!asked) {
        const char *params [] = { plan };
        PGresult *res = wdm_db_query (req->conn,
                                      "SELECT least (greatest (extract (year FROM now ())::int - 1,"
                                      " period_start), period_end) FROM plan WHERE code = $1",
                                      1, params, PGRES_TUPLES_OK, message, sizeof message);
        if (res && PQntuples (res) == 1)
            snprintf (year_text, size, "%s", PQgetvalue (res, 0, 0));
        PQclear (res);
        if (!res) {
            wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error", message);
            return -1;
        }
        return 0;
    }
    int year = 0;
    wdm_check_result_t rc =
        wdm_check_year (req->conn, WDM_COMPLETENESS_YEARS_SQL, plan, asked, &year, message, sizeof message);
    if (rc == WDM_CHECK_OK) {
        snprintf (year_text, size, "%d", year);
        return 0;
    }
    if (rc == WDM_CHECK_REFUSED)
        wdm_web_page_error (req, MHD_HTTP_NOT_FOUND, "没有此年份 / No such year", message);
    else
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error", message);
    return -1;
}

void
wdm_web_completeness_page (wdm_web_req_t *req)
{
    char plan [128], year [16] = "", message [1024] = "";
    PGresult *units = NULL, *reports = NULL;
    if (wdm_web_plan (req, plan, sizeof plan) || s_year (req, plan, year, sizeof year))
        return;
    const char *scope = req->user.role == WDM_WEB_UNIT ? req->user.unit_code : "";
    const char *params [] = { year, plan, scope, req->config->timezone };
    units = wdm_db_query (req->conn, s_units_sql, 3, params, PGRES_TUPLES_OK, message, sizeof message);
    reports = units
        ? wdm_db_query (req->conn, s_reports_sql, 4, params, PGRES_TUPLES_OK, message, sizeof message)
        : NULL;
    if (!units || !reports) {
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error", message);
        goto cleanup;
    }
    wdm_buf_t *out = &req->body;
    if (wdm_web_page_begin (req, "报送完整性 / Completeness", "completeness"))
        goto cleanup;
    wdm_buf_printf (out, "<h1>%s 年报送完整性<span class=\"en\">Completeness, %s</span></h1>", year, year);
    wdm_web_raw (out,
                 "<form method=\"get\" action=\"/completeness\" class=\"noprint\" id=\"year-form\">"
                 "<input type=\"hidden\" name=\"plan\" value=\"");
    wdm_web_text (out, plan);
    wdm_web_raw (out,
                 "\"><label>年份 / Year <input name=\"year\" id=\"year\" size=\"6\" inputmode=\"numeric\""
                 " value=\"");
    wdm_web_text (out, year);
    wdm_web_raw (out,
                 "\"></label> <button type=\"submit\" id=\"go\">查看 / Show</button></form>"
                 "<p class=\"plan\">规划 / Plan: <span id=\"plan\">");
    wdm_web_text (out, plan);
    wdm_web_raw (out,
                 "</span>。各成员单位作为牵头单位应报的年度数据：已报、逾期、缺报（与 <code>wdmon "
                 "completeness</code> 相同）。<span class=\"en\">Each member unit's yearly reports "
                 "owed as lead unit: received, late, missing (as <code>wdmon completeness</code> "
                 "prints them).</span></p><h2>按单位 <span class=\"en\">By unit</span></h2>");
    s_table (req, "completeness", year, s_unit_columns, S_COUNT (s_unit_columns), units);
    wdm_web_raw (out, "<h2>按单位和指标 <span class=\"en\">By unit and indicator</span></h2>");
    s_table (req, "reports", year, s_report_columns, S_COUNT (s_report_columns), reports);
    wdm_web_page_end (req);
cleanup:
    PQclear (units);
    PQclear (reports);
}
