/*  wdm_web_reports: the reports page — the plan's years, the annual
    monitoring report for one of them or the final evaluation of an ended
    plan made on request, and the reports made so far to view (in the
    page's frame) and download as HTML, PDF, Markdown or CSV.  A report is
    written as `wdmon report` writes it (wdm_report_write with the CLI's
    options, into memory by open_memstream), in its three forms at once,
    and kept in console_report (sql/047) with the summary's counts, so
    that reading it again never makes it again.

    A report is the district's, one member unit's or one town's or
    street's (`wdmon report --unit / --area`, a select on the form).
    Who: operators and administrators make reports (audited, action
    report_make); viewers read and download those made; a unit user makes
    and reads its own unit's reports only — the queries are scoped by its
    unit in SQL, and another unit's report is not found.  PDF: the kept
    HTML, printed to A4 by headless chromium when asked for
    (wdm_report_pdf, on a thread of wdm_web.c's; docs/CONSOLE.md).
    Contracts in wdm_web_int.h.  */

#include "wdm_web_int.h"
#include "wdm_check.h"
#include "wdm_db.h"
#include "wdm_report.h"
#include "wdm_table.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The plan's years and whether it has ended (its last year before the
//  office's current year): $1 plan, $2 zone.
static const char *s_plan_sql = "SELECT code, title_zh, title_en, period_start, period_end,"
                                "       period_end < extract (year FROM now () AT TIME ZONE $2)::int"
                                "  FROM plan WHERE code = $1";

//  The reports made of a plan, newest first: $1 plan, $2 zone, $3 the
//  unit user's unit ('' for everyone else: every report).
static const char *s_list_sql = "SELECT r.id, r.year, r.final, r.english, r.made_by, " WDM_TABLE_LOCAL_TIME (
    "r.made_at", "2") ", r.indicators, r.met, r.on_track, r.behind, r.unlikely, r.not_reported,"
                      "       r.open_red, r.open_yellow,"
                      "       coalesce (u.name_zh, a.name_zh, ''), coalesce (u.name_en, a.name_en, '')"
                      "  FROM console_report r LEFT JOIN member_unit u ON u.code = r.unit_code"
                      "  LEFT JOIN area a ON a.code = r.area_code"
                      " WHERE r.plan_code = $1 AND ($3 = '' OR r.unit_code = $3)"
                      " ORDER BY r.made_at DESC, r.id DESC LIMIT 200";

//  The unit user's unit, or "" for everyone else: what the queries scope by.
static const char *
s_scope (const wdm_web_req_t *req)
{
    return req->user.role == WDM_WEB_UNIT ? req->user.unit_code : "";
}

//  A report's forms, by the file name's ending; printed: the column's HTML
//  printed to PDF (wdm_report_pdf) when asked for.
static const struct {
    const char *ending, *column, *type;
    bool printed;
} s_forms [] = {
    { "html", "html", "text/html; charset=utf-8", false },
    { "pdf", "html", "application/pdf", true },
    { "md", "markdown", "text/markdown; charset=utf-8", false },
    { "csv", "csv", "text/csv; charset=utf-8", false },
};

//  The plan asked for (argument or field plan), resolved by wdm_check_plan,
//  and its row; NULL with the page said.
static PGresult *
s_plan (wdm_web_req_t *req, const char *asked, char *code, size_t size)
{
    char message [1024] = "";
    wdm_check_result_t rc = wdm_check_plan (req->conn, &asked, code, size, message, sizeof message);
    if (rc != WDM_CHECK_OK) {
        wdm_web_page_error (
            req, rc == WDM_CHECK_REFUSED ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_SERVICE_UNAVAILABLE,
            rc == WDM_CHECK_REFUSED ? "没有这个规划 / No such plan" : "数据库出错 / Database error", message);
        return NULL;
    }
    const char *params [] = { code, req->config->timezone };
    PGresult *res = wdm_db_query (req->conn, s_plan_sql, 2, params, PGRES_TUPLES_OK, NULL, 0);
    if (!res || PQntuples (res) != 1) {
        PQclear (res);
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error",
                            "请稍后再试。 / The database failed; try again shortly.");
        return NULL;
    }
    return res;
}

//  The kind of a report as a person reads it; scope_zh/en: the unit's or
//  area's name ("" for the district's).
static void
s_kind (wdm_buf_t *out, const char *year, bool final, bool english, const char *scope_zh,
        const char *scope_en)
{
    if (scope_zh [0])
        wdm_web_html (out, "%s <span class=\"en\">%s</span> · ", scope_zh, scope_en);
    if (final)
        wdm_buf_printf (out, "终期监测评估报告（%s年）<span class=\"en\">Final evaluation (%s)</span>", year,
                        year);
    else
        wdm_buf_printf (out, "%s年年度监测报告<span class=\"en\">Annual monitoring report %s</span>", year,
                        year);
    wdm_web_raw (out, english ? " · English" : " · 中文");
}

//  The scope select of the form: the district, each member unit, each
//  town and street; a unit user's own unit only.  Values: "", "unit:CODE",
//  "area:CODE".
static void
s_scope_select (wdm_web_req_t *req)
{
    wdm_buf_t *out = &req->body;
    const char *params [] = { s_scope (req) };
    PGresult *res = wdm_db_query (
        req->conn,
        "SELECT 'unit:' || code, name_zh, name_en, 1 FROM member_unit WHERE active AND ($1 = '' OR code = $1)"
        " UNION ALL SELECT 'area:' || code, name_zh, name_en, 2 FROM area"
        "  WHERE level IN ('town', 'street') AND $1 = ''"
        " ORDER BY 4, 1",
        1, params, PGRES_TUPLES_OK, NULL, 0);
    wdm_web_raw (out, "<label>范围 / Scope<select name=\"scope\" id=\"f-scope\">");
    if (!s_scope (req) [0])
        wdm_web_raw (out, "<option value=\"\">全区 / the district</option>");
    for (int row = 0; res && row < PQntuples (res); row++) {
        bool unit = PQgetvalue (res, row, 0) [0] == 'u';
        wdm_web_html (out, "<option value=\"%s\">%s%s / %s</option>", PQgetvalue (res, row, 0),
                      unit ? "成员单位:" : "镇街:", PQgetvalue (res, row, 1), PQgetvalue (res, row, 2));
    }
    wdm_web_raw (out, "</select></label>");
    PQclear (res);
}

//  Whether the user may make reports: operators and administrators any,
//  a unit user its own unit's.
static bool
s_may_make (const wdm_web_req_t *req)
{
    return wdm_web_can_act (&req->user) || req->user.role == WDM_WEB_UNIT;
}

//  The form that makes a report, for those who may.
static void
s_make_form (wdm_web_req_t *req, PGresult *plan)
{
    wdm_buf_t *out = &req->body;
    int first = atoi (PQgetvalue (plan, 0, 3)), last = atoi (PQgetvalue (plan, 0, 4));
    bool ended = strcmp (PQgetvalue (plan, 0, 5), "t") == 0;
    wdm_web_raw (out,
                 "<form method=\"post\" action=\"/reports/make\" id=\"make\"><fieldset class=\"filters\">"
                 "<legend>撰写报告 / Make a report</legend>");
    wdm_web_csrf_field (req);
    wdm_web_raw (out, "<input type=\"hidden\" name=\"plan\" value=\"");
    wdm_web_text (out, PQgetvalue (plan, 0, 0));
    wdm_web_raw (out, "\"><label>报告 / Report<select name=\"year\" id=\"f-year\">");
    for (int year = last; year >= first; year--)
        wdm_buf_printf (out, "<option value=\"%d\">%d年年度监测报告 / annual %d</option>", year, year, year);
    if (ended)
        wdm_buf_printf (out, "<option value=\"final\">终期监测评估报告（%d年）/ final evaluation</option>",
                        last);
    wdm_web_raw (out, "</select></label>");
    s_scope_select (req);
    wdm_web_raw (out,
                 "<label>语言 / Language<select name=\"lang\" id=\"f-lang\">"
                 "<option value=\"zh\">中文</option><option value=\"en\">English</option></select></label>"
                 "<button type=\"submit\" class=\"go\" id=\"make-report\">撰写 / Make</button></fieldset>"
                 "</form>");
    if (!ended)
        wdm_buf_printf (
            out,
            "<p class=\"note\">规划至%d年结束，期满后（%d年起）可撰写终期评估。<span class=\"en\">The "
            "plan runs to %d; its final evaluation can be made from %d.</span></p>",
            last, last + 1, last, last + 1);
}

void
wdm_web_reports_page (wdm_web_req_t *req)
{
    char plan_code [128];
    PGresult *plan = NULL, *res = NULL;
    if (!(plan = s_plan (req, wdm_web_arg (req, "plan"), plan_code, sizeof plan_code)))
        return;
    const char *params [] = { plan_code, req->config->timezone, s_scope (req) };
    res = wdm_db_query (req->conn, s_list_sql, 3, params, PGRES_TUPLES_OK, NULL, 0);
    if (!res) {
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error",
                            "请稍后再试。 / The database failed; try again shortly.");
        goto cleanup;
    }
    if (wdm_web_page_begin (req, "监测报告 / Reports", "reports"))
        goto cleanup;
    wdm_buf_t *out = &req->body;
    wdm_web_raw (out, "<h1>监测报告<span class=\"en\">Monitoring reports</span></h1><p id=\"plan\">");
    wdm_web_text (out, PQgetvalue (plan, 0, 1));
    wdm_web_raw (out, " <span class=\"en\">");
    wdm_web_text (out, PQgetvalue (plan, 0, 2));
    wdm_buf_printf (out, "</span> · %s–%s</p>", PQgetvalue (plan, 0, 3), PQgetvalue (plan, 0, 4));
    if (s_may_make (req))
        s_make_form (req, plan);
    else
        wdm_web_raw (out,
                     "<p class=\"note\">报告由操作员撰写；您可查看和下载已撰写的报告。<span class=\"en\">"
                     "Operators make reports; you read and download those made.</span></p>");
    wdm_web_raw (out,
                 "<h2>已撰写的报告 <span class=\"en\">Reports made</span></h2>"
                 "<table id=\"reports\"><thead><tr><th>报告<br>Report</th><th>撰写人<br>By</th>"
                 "<th>时间<br>When</th><th>达标/进度正常/滞后/困难/未报送<br>Met/on track/behind/unlikely/"
                 "not reported</th><th>下载<br>Download</th></tr></thead><tbody>");
    for (int row = 0; row < PQntuples (res); row++) {
        const char *id = PQgetvalue (res, row, 0);
        wdm_web_raw (out, "<tr data-id=\"");
        wdm_web_text (out, id);
        wdm_web_raw (out, "\"><td data-label=\"报告 Report\"><a href=\"/reports/");
        wdm_web_url_arg (out, id);
        wdm_web_raw (out, "\">");
        s_kind (out, PQgetvalue (res, row, 1), strcmp (PQgetvalue (res, row, 2), "t") == 0,
                strcmp (PQgetvalue (res, row, 3), "t") == 0, PQgetvalue (res, row, 14),
                PQgetvalue (res, row, 15));
        wdm_web_raw (out, "</a></td><td data-label=\"撰写人 By\">");
        wdm_web_text (out, PQgetvalue (res, row, 4));
        wdm_web_raw (out, "</td><td data-label=\"时间 When\">");
        wdm_web_text (out, PQgetvalue (res, row, 5));
        wdm_web_raw (out, "</td><td data-label=\"摘要 Summary\" class=\"num\">");
        for (int k = 7; k <= 11; k++) {
            wdm_web_text (out, PQgetvalue (res, row, k));
            wdm_web_raw (out, k < 11 ? " / " : "");
        }
        wdm_web_raw (out, "</td><td data-label=\"下载 Download\">");
        for (size_t f = 0; f < sizeof s_forms / sizeof *s_forms; f++) {
            wdm_web_raw (out, "<a href=\"/reports/");
            wdm_web_url_arg (out, id);
            wdm_buf_printf (out, "/report.%s?download=1\">%s</a> ", s_forms [f].ending, s_forms [f].ending);
        }
        wdm_web_raw (out, "</td></tr>");
    }
    wdm_web_raw (out, "</tbody></table>");
    wdm_web_page_end (req);
cleanup:
    PQclear (plan);
    PQclear (res);
}

//  The scope the form asks for (field scope: "" the district, "unit:CODE",
//  "area:CODE"), the code checked into unit or area (the other left "").
//  A unit user may ask for its own unit only.  0, or -1 with the page said
//  (403 audited, or 400 naming the nearest codes).
static int
s_scope_field (wdm_web_req_t *req, char *unit, size_t unit_size, char *area, size_t area_size)
{
    const char *asked = wdm_web_field (req, "scope");
    char message [1024] = "";
    asked = asked ? asked : "";
    bool is_unit = strncmp (asked, "unit:", 5) == 0, is_area = strncmp (asked, "area:", 5) == 0;
    if (req->user.role == WDM_WEB_UNIT && !(is_unit && strcmp (asked + 5, req->user.unit_code) == 0)) {
        wdm_web_audit (req, NULL, "forbidden", "/reports/make", asked);
        wdm_web_page_error (req, MHD_HTTP_FORBIDDEN, "无权撰写 / Not allowed",
                            "成员单位用户只能撰写本单位的报告。 / A unit user makes its own unit's report "
                            "only.");
        return -1;
    }
    if (!asked [0])
        return 0;
    if (!is_unit && !is_area) {
        wdm_web_page_error (req, MHD_HTTP_BAD_REQUEST, "报告有误 / Bad report",
                            "范围须为全区、成员单位或镇街。 / The scope is the district, a unit or an area.");
        return -1;
    }
    wdm_check_result_t rc = is_unit
        ? wdm_check_code (req->conn, "SELECT code, name_zh, name_en FROM member_unit ORDER BY code",
                          "成员单位", "member unit", asked + 5, unit, unit_size, message, sizeof message)
        : wdm_check_code (req->conn, "SELECT code, name_zh, name_en FROM area ORDER BY code", "地区", "area",
                          asked + 5, area, area_size, message, sizeof message);
    if (rc == WDM_CHECK_OK)
        return 0;
    wdm_web_page_error (req, rc == WDM_CHECK_REFUSED ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_SERVICE_UNAVAILABLE,
                        rc == WDM_CHECK_REFUSED ? "报告有误 / Bad report" : "数据库出错 / Database error",
                        message);
    return -1;
}

//  Write the report in form into a new string (*text, *size); 0, or -1
//  with err said.
static int
s_write (wdm_web_req_t *req, wdm_report_options_t *options, wdm_report_format_t form, char **text,
         size_t *size, wdm_report_summary_t *summary, char *err, size_t err_size)
{
    *text = NULL;
    FILE *out = open_memstream (text, size);
    if (!out) {
        snprintf (err, err_size, "out of memory");
        return -1;
    }
    options->format = form;
    int rc = wdm_report_write (req->conn, options, out, summary, err, err_size);
    if (fclose (out) && rc == 0) {
        snprintf (err, err_size, "out of memory");
        rc = -1;
    }
    return rc;
}

void
wdm_web_reports_make (wdm_web_req_t *req)
{
    char plan_code [128], err [512] = "", year_text [16], ids [64], unit [128] = "", area [128] = "";
    char *html = NULL, *markdown = NULL, *csv = NULL;
    size_t sizes [3];
    PGresult *plan = NULL, *res = NULL;
    wdm_report_summary_t summary = { 0 };
    if (!s_may_make (req)) {
        wdm_web_audit (req, NULL, "forbidden", "/reports/make", "");
        wdm_web_page_error (req, MHD_HTTP_FORBIDDEN, "无权撰写 / Not allowed",
                            "只有操作员和管理员可以撰写报告；您可查看已撰写的报告。 / Only operators and "
                            "administrators make reports; you read those made.");
        return;
    }
    const char *asked = wdm_web_field (req, "plan");
    if (!(plan = s_plan (req, asked && *asked ? asked : NULL, plan_code, sizeof plan_code)))
        return;
    const char *year = wdm_web_field (req, "year"), *lang = wdm_web_field (req, "lang");
    int first = atoi (PQgetvalue (plan, 0, 3)), last = atoi (PQgetvalue (plan, 0, 4));
    bool ended = strcmp (PQgetvalue (plan, 0, 5), "t") == 0;
    wdm_report_options_t options = { .plan = plan_code, .english = lang && strcmp (lang, "en") == 0 };
    options.final = year && strcmp (year, "final") == 0;
    options.year = options.final ? last : year ? atoi (year) : 0;
    snprintf (year_text, sizeof year_text, "%d", options.year);
    if (options.final
            ? !ended
            : (!year || strcmp (year, year_text) != 0 || options.year < first || options.year > last)) {
        char message [512];
        if (options.final)
            snprintf (message, sizeof message,
                      "规划至%d年结束，尚未期满，不能撰写终期评估。 / The plan runs to %d and has not ended: "
                      "no final evaluation yet.",
                      last, last);
        else
            snprintf (message, sizeof message,
                      "报告年份须在 %d 到 %d 之间。 / A report's year lies from %d to %d.", first, last,
                      first, last);
        wdm_web_page_error (req, MHD_HTTP_BAD_REQUEST, "报告有误 / Bad report", message);
        goto cleanup;
    }
    if (s_scope_field (req, unit, sizeof unit, area, sizeof area))
        goto cleanup;
    options.unit = unit [0] ? unit : NULL;
    options.area = area [0] ? area : NULL;
    if (s_write (req, &options, WDM_REPORT_MARKDOWN, &markdown, &sizes [1], NULL, err, sizeof err)
        || s_write (req, &options, WDM_REPORT_CSV, &csv, &sizes [2], NULL, err, sizeof err)
        || s_write (req, &options, WDM_REPORT_HTML, &html, &sizes [0], &summary, err, sizeof err)) {
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "报告未能撰写 / The report failed", err);
        goto cleanup;
    }
    char counts [8][16];
    const int values [8] = {
        summary.indicators, summary.met,          summary.on_track, summary.behind,
        summary.unlikely,   summary.not_reported, summary.open_red, summary.open_yellow
    };
    for (int i = 0; i < 8; i++)
        snprintf (counts [i], sizeof counts [i], "%d", values [i]);
    const char *params [] = { plan_code,
                              year_text,
                              options.final ? "t" : "f",
                              options.english ? "t" : "f",
                              req->user.login,
                              html,
                              markdown,
                              csv,
                              counts [0],
                              counts [1],
                              counts [2],
                              counts [3],
                              counts [4],
                              counts [5],
                              counts [6],
                              counts [7],
                              unit,
                              area };
    if (wdm_db_exec (req->conn, "BEGIN"))
        goto failed;
    res =
        wdm_db_query (req->conn,
                      "INSERT INTO console_report (plan_code, year, final, english, made_by, html, markdown,"
                      "       csv, indicators, met, on_track, behind, unlikely, not_reported, open_red,"
                      "       open_yellow, unit_code, area_code)"
                      " VALUES ($1, $2::int, $3::boolean, $4::boolean, $5, $6, $7, $8, $9::int, $10::int,"
                      "         $11::int, $12::int, $13::int, $14::int, $15::int, $16::int, nullif ($17, ''),"
                      "         nullif ($18, '')) RETURNING id",
                      18, params, PGRES_TUPLES_OK, NULL, 0);
    if (!res)
        goto failed;
    snprintf (ids, sizeof ids, "report %s", PQgetvalue (res, 0, 0));
    char detail [256];
    snprintf (detail, sizeof detail, "%s %s%s%s%.100s", plan_code, options.final ? "final " : "", year_text,
              unit [0] || area [0] ? " " : "", unit [0] ? unit : area);
    if (wdm_web_audit (req, NULL, "report_make", ids, detail) || wdm_db_exec (req->conn, "COMMIT"))
        goto failed;
    char location [96];
    snprintf (location, sizeof location, "/reports/%s", PQgetvalue (res, 0, 0));
    wdm_web_redirect (req, location);
    goto cleanup;
failed:
    if (PQtransactionStatus (req->conn) != PQTRANS_IDLE)
        wdm_db_exec (req->conn, "ROLLBACK");
    wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error",
                        "报告未能保存，请稍后再试。 / The report could not be kept; try again shortly.");
cleanup:
    free (html);
    free (markdown);
    free (csv);
    PQclear (plan);
    PQclear (res);
}

//  One report made, $1 its number, $2 the office's zone: what its page
//  shows.
static const char *s_report_sql = "SELECT r.year, r.final, r.english, r.made_by, " WDM_TABLE_LOCAL_TIME (
    "r.made_at",
    "2") ", r.indicators, r.met, r.on_track, r.behind, r.unlikely, r.not_reported,"
         "       r.open_red, r.open_yellow, p.title_zh, p.code,"
         "       coalesce (u.name_zh, a.name_zh, ''), coalesce (u.name_en, a.name_en, '')"
         "  FROM console_report r JOIN plan p ON p.code = r.plan_code"
         "  LEFT JOIN member_unit u ON u.code = r.unit_code LEFT JOIN area a ON a.code = r.area_code"
         " WHERE r.id = $1::bigint AND ($3 = '' OR r.unit_code = $3)";

//  The one row of report id that sql ($1 id, $2 the zone, $3 the unit
//  user's unit or '') selects; NULL with the page said (404 for no such
//  report, and for another unit's).
static PGresult *
s_report_row (wdm_web_req_t *req, const char *sql, const char *id)
{
    const char *params [] = { id, req->config->timezone, s_scope (req) };
    PGresult *res = wdm_db_query (req->conn, sql, 3, params, PGRES_TUPLES_OK, NULL, 0);
    if (res && PQntuples (res) == 1)
        return res;
    char message [256];
    snprintf (message, sizeof message,
              "没有第 %s 号报告，请从报告页进入。 / There is no report %s; start from the reports page.", id,
              id);
    wdm_web_page_error (req, res ? MHD_HTTP_NOT_FOUND : MHD_HTTP_SERVICE_UNAVAILABLE,
                        res ? "没有这份报告 / No such report" : "数据库出错 / Database error",
                        res ? message : "请稍后再试。 / Try again.");
    PQclear (res);
    return NULL;
}

//  Hand report id's HTML (res's first field) to wdm_web.c to print to PDF
//  as the body (a few seconds; docs/CONSOLE.md).  0, or -1 with the 503
//  page said.
static int
s_print (wdm_web_req_t *req, const PGresult *res)
{
    size_t size = (size_t)PQgetlength (res, 0, 0);
    //  Reserved first: an empty page too is a page to print.
    if (wdm_buf_reserve (&req->print, size) || wdm_buf_add (&req->print, PQgetvalue (res, 0, 0), size)) {
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "PDF 未能生成 / The PDF failed",
                            "内存不足 / out of memory");
        return -1;
    }
    wdm_buf_reset (&req->body);
    return 0;
}

//  One form of report id, as a document of its own (rest "/report.html",
//  ".md", ".csv"), to frame or, with ?download=1, to download; ".pdf" its HTML printed.
static void
s_file (wdm_web_req_t *req, const char *id, const char *rest)
{
    size_t form = sizeof s_forms / sizeof *s_forms;
    for (size_t f = 0; f < sizeof s_forms / sizeof *s_forms; f++) {
        char name [32];
        snprintf (name, sizeof name, "/report.%s", s_forms [f].ending);
        if (strcmp (rest, name) == 0)
            form = f;
    }
    if (form == sizeof s_forms / sizeof *s_forms) {
        wdm_web_page_error (
            req, MHD_HTTP_NOT_FOUND, "没有这个页面 / Not found",
            "报告有 report.html、report.pdf、report.md、report.csv。 / A report is report.html, .pdf, .md "
            "or .csv.");
        return;
    }
    char sql [256];
    snprintf (sql, sizeof sql,
              "SELECT %s, plan_code, year, final, english, $2::text FROM console_report"
              " WHERE id = $1::bigint AND ($3 = '' OR unit_code = $3)",
              s_forms [form].column);
    PGresult *res = s_report_row (req, sql, id);
    if (!res)
        return;
    if (s_forms [form].printed) {
        if (s_print (req, res))
            goto cleanup;
        //  Not sandboxed: a sandboxed document cannot be shown by the
        //  browser's PDF viewer.
        req->csp = "default-src 'none'; frame-ancestors 'self'";
    } else {
        wdm_buf_reset (&req->body);
        wdm_buf_add (&req->body, PQgetvalue (res, 0, 0), (size_t)PQgetlength (res, 0, 0));
        //  The report is one self-contained page: its own <style> and SVG,
        //  no script; framed by the console's report page only, sandboxed.
        req->csp =
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox";
    }
    req->type = s_forms [form].type;
    req->framed = true;
    if (wdm_web_arg (req, "download"))
        snprintf (req->disposition, sizeof req->disposition,
                  "attachment; filename=\"wdmon-report-%s-%s%s-%s.%s\"", PQgetvalue (res, 0, 1),
                  strcmp (PQgetvalue (res, 0, 3), "t") == 0 ? "final-" : "", PQgetvalue (res, 0, 2),
                  strcmp (PQgetvalue (res, 0, 4), "t") == 0 ? "en" : "zh", s_forms [form].ending);
cleanup:
    PQclear (res);
}

void
wdm_web_report_page (wdm_web_req_t *req, long long number, const char *rest)
{
    char id [32];
    snprintf (id, sizeof id, "%lld", number);
    if (*rest) {
        s_file (req, id, rest);
        return;
    }
    PGresult *res = s_report_row (req, s_report_sql, id);
    if (!res)
        return;
    req->csp = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; frame-src 'self';"
               " form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    if (wdm_web_page_begin (req, "监测报告 / Report", "reports") == 0) {
        wdm_buf_t *out = &req->body;
        wdm_web_raw (out, "<h1 id=\"report-title\">");
        s_kind (out, PQgetvalue (res, 0, 0), strcmp (PQgetvalue (res, 0, 1), "t") == 0,
                strcmp (PQgetvalue (res, 0, 2), "t") == 0, PQgetvalue (res, 0, 15), PQgetvalue (res, 0, 16));
        wdm_web_raw (out, "</h1><p>");
        wdm_web_text (out, PQgetvalue (res, 0, 13));
        wdm_web_raw (out, " · 撰写人 / made by ");
        wdm_web_text (out, PQgetvalue (res, 0, 3));
        wdm_web_raw (out, " · ");
        wdm_web_text (out, PQgetvalue (res, 0, 4));
        wdm_web_raw (out, "</p><dl class=\"summary\" id=\"summary\">");
        static const char *const labels [] = { "有可判断目标的指标 / indicators with targets",
                                               "已达标 / met",
                                               "进度正常 / on track",
                                               "进度滞后 / behind",
                                               "预计难以达标 / unlikely",
                                               "未报送 / not reported",
                                               "红色预警 / red warnings open",
                                               "黄色预警 / yellow warnings open" };
        static const char *const keys [] = { "indicators", "met",          "on_track", "behind",
                                             "unlikely",   "not_reported", "open_red", "open_yellow" };
        for (int k = 0; k < 8; k++) {
            wdm_buf_printf (out, "<dt>%s</dt><dd data-key=\"%s\">", labels [k], keys [k]);
            wdm_web_text (out, PQgetvalue (res, 0, 5 + k));
            wdm_web_raw (out, "</dd>");
        }
        wdm_web_raw (out, "</dl><p class=\"downloads\">下载 / Download:");
        for (size_t f = 0; f < sizeof s_forms / sizeof *s_forms; f++)
            wdm_buf_printf (out, " <a href=\"/reports/%s/report.%s?download=1\" id=\"download-%s\">%s</a>",
                            id, s_forms [f].ending, s_forms [f].ending, s_forms [f].ending);
        wdm_buf_printf (
            out,
            "</p><p class=\"note\">PDF 由服务器以无头 Chromium 按 A4 打印报告生成，需数秒。"
            "<span class=\"en\">The PDF is the report printed to A4 by the server's headless Chromium; "
            "it takes a few seconds.</span> <a href=\"/reports/%s/report.html\" "
            "target=\"_blank\" rel=\"noopener\">打开 / Open</a></p>"
            "<iframe class=\"report\" id=\"report-frame\" src=\"/reports/%s/report.html\""
            " title=\"报告 / report\" width=\"100%%\" height=\"900\"></iframe>",
            id, id);
        wdm_web_page_end (req);
    }
    PQclear (res);
}
