/*  wdm_web_overview: the overview page (GET /overview) — the plan at a
    glance by its domains, red warnings first, what changed since the
    user's last visit, the deadlines coming — and the plan and year every
    page of the plan's judgement is about (wdm_web_plan_state).

    Every status and count is the annual report's for the same plan and
    year (wdm_report_state: the report's own load and classification), so
    the page cannot contradict `wdmon report`.  A unit user sees the
    indicators its unit leads and its own unit's warnings, deliveries and
    deadlines — the warnings page's rule (wdm_web_warnings.c): warnings
    about the unit or about the indicators it leads.  Contracts in
    wdm_web_int.h.  */

#include "wdm_web_int.h"
#include "wdm_warnings_query.h"
#include "wdm_check.h"
#include "wdm_db.h"
#include "wdm_report_state.h"
#include "wdm_table.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  The statuses the overview counts, in the report summary's order.
static const wdm_status_t s_order [] = { WDM_STATUS_MET, WDM_STATUS_ON_TRACK, WDM_STATUS_BEHIND,
                                         WDM_STATUS_UNLIKELY, WDM_STATUS_NOT_REPORTED };
#define S_STATUSES ((int)(sizeof s_order / sizeof s_order [0]))

//  Rows each list of the page shows at most; its count says how many.
#define S_LIST_MAX 10

//  The unit scope of a warning w, with the unit as parameter $n (NULL: no
//  scope): the warnings page's rule (wdm_warnings_query).
#define S_WARNING_SCOPE(n) " " WDM_UNIT_SCOPE ("w.unit_code", "w.indicator_code", n)

wdm_report_state_t *
wdm_web_plan_state (wdm_web_req_t *req, char *plan, size_t plan_size)
{
    char message [1024] = "";
    if (wdm_web_plan (req, plan, plan_size) != 0)
        return NULL;
    const char *params [] = { plan };
    PGresult *res = wdm_db_query (req->conn, "SELECT period_start, period_end FROM plan WHERE code = $1", 1,
                                  params, PGRES_TUPLES_OK, message, sizeof message);
    if (!res || PQntuples (res) != 1) {
        PQclear (res);
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error", message);
        return NULL;
    }
    int first = atoi (PQgetvalue (res, 0, 0)), last = atoi (PQgetvalue (res, 0, 1));
    PQclear (res);
    //  The year the annual report would be about now: the last year ended,
    //  within the plan's period.
    time_t now = time (NULL);
    struct tm today;
    gmtime_r (&now, &today);
    int year = today.tm_year + 1900 - 1;
    year = year < first ? first : year > last ? last : year;
    const char *asked = wdm_web_arg (req, "year");
    if (asked) {
        char *end = NULL;
        long y = strtol (asked, &end, 10);
        if (*end || y < first || y > last) {
            snprintf (
                message, sizeof message,
                "年份 %.16s 不在规划 %.64s 的期间内，有效年份为 %d 至 %d / '%.16s' is not a year of plan %.64s;"
                " valid years are %d-%d",
                asked, plan, first, last, asked, plan, first, last);
            wdm_web_page_error (req, MHD_HTTP_BAD_REQUEST, "年份有误 / Bad year", message);
            return NULL;
        }
        year = (int)y;
    }
    wdm_report_state_t *state = wdm_report_state_new (req->conn, plan, year, message, sizeof message);
    if (!state)
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error", message);
    return state;
}

bool
wdm_web_may_see (wdm_web_req_t *req, const char *indicator)
{
    if (req->user.role != WDM_WEB_UNIT)
        return true;
    const char *params [] = { indicator, req->user.unit_code };
    PGresult *res = wdm_db_query (req->conn,
                                  "SELECT 1 FROM responsibility WHERE indicator_code = $1 AND unit_code = $2"
                                  "   AND lead",
                                  2, params, PGRES_TUPLES_OK, NULL, 0);
    bool leads = res && PQntuples (res) > 0;
    PQclear (res);
    if (!leads) {
        wdm_web_audit (req, NULL, "forbidden", req->path, indicator);
        wdm_web_page_error (req, MHD_HTTP_FORBIDDEN, "无权查看 / Not yours to see",
                            "成员单位用户只能查看本单位牵头的指标。 / A unit user sees the indicators its "
                            "unit leads only.");
    }
    return leads;
}

//  The unit a query is scoped to: the unit user's, or NULL for everyone.
static const char *
s_scope (const wdm_web_req_t *req)
{
    return req->user.role == WDM_WEB_UNIT ? req->user.unit_code : NULL;
}

//  One domain's counts as a stacked bar (inline SVG, 240 wide), each part
//  in the report's colour with its count as title.
static void
s_bar (wdm_buf_t *out, const int *counts, int total)
{
    wdm_web_raw (out, "<svg class=\"bar\" viewBox=\"0 0 240 16\" width=\"240\" height=\"16\" role=\"img\">");
    double x = 0;
    for (int k = 0; total > 0 && k < S_STATUSES; k++) {
        if (counts [k] == 0)
            continue;
        double width = 240.0 * counts [k] / total;
        wdm_buf_printf (out,
                        "<rect x=\"%.2f\" y=\"0\" width=\"%.2f\" height=\"16\" fill=\"%s\"><title>%s / %s: %d"
                        "</title></rect>",
                        x, width, wdm_report_status_colour (s_order [k]), wdm_report_status_zh (s_order [k]),
                        wdm_report_status_en (s_order [k]), counts [k]);
        x += width;
    }
    wdm_web_raw (out, "</svg>");
}

//  The domains' table: per domain, how many indicators have each status,
//  and the bar; a unit user's rows count the indicators its unit leads.
static void
s_domains (wdm_web_req_t *req, const wdm_report_state_t *state, const bool *mine)
{
    wdm_buf_t *out = &req->body;
    int domains = wdm_report_state_domains (state), items = wdm_report_state_items (state);
    int all [S_STATUSES] = { 0 }, all_total = 0;
    PGresult *rows = wdm_web_rows_new (3 + S_STATUSES + 1);  //  the download's (wdm_web_downloads)
    wdm_web_raw (out, "<table id=\"domains\" class=\"domains\"><thead><tr><th>领域<br>Domain</th>");
    for (int k = 0; k < S_STATUSES; k++)
        wdm_buf_printf (out, "<th class=\"num\" data-status=\"%s\">%s<br>%s</th>",
                        wdm_report_status_class (s_order [k]), wdm_report_status_zh (s_order [k]),
                        wdm_report_status_en (s_order [k]));
    wdm_web_raw (out, "<th class=\"num\">合计<br>Total</th><th>分布<br>Share</th></tr></thead><tbody>");
    for (int d = 0; d < domains; d++) {
        const char *code, *zh, *en;
        wdm_report_state_domain (state, d, &code, &zh, &en);
        //  The report's own counts where the page shows every indicator;
        //  a unit user's, of the report's statuses of its indicators.
        int counts [S_STATUSES] = { 0 }, total = 0;
        for (int k = 0; k < S_STATUSES && req->user.role != WDM_WEB_UNIT; k++)
            counts [k] = wdm_report_state_count (state, d, s_order [k]);
        for (int i = 0; i < items && req->user.role == WDM_WEB_UNIT; i++) {
            wdm_report_item_t item = wdm_report_state_item (state, i);
            for (int k = 0; k < S_STATUSES && item.domain == d && mine [i]; k++)
                counts [k] += item.status == s_order [k];
        }
        for (int k = 0; k < S_STATUSES; k++) {
            total += counts [k];
            all [k] += counts [k];
        }
        all_total += total;
        char cells [S_STATUSES + 1][16];
        const char *row [3 + S_STATUSES + 1] = { code, zh, en };
        for (int k = 0; k <= S_STATUSES; k++) {
            snprintf (cells [k], sizeof cells [k], "%d", k < S_STATUSES ? counts [k] : total);
            row [3 + k] = cells [k];
        }
        if (wdm_web_rows_add (rows, row)) {
            PQclear (rows);
            rows = NULL;
        }
        wdm_web_html (out, "<tr data-domain=\"%s\"><th scope=\"row\">%s<span class=\"en\">%s</span></th>",
                      code, zh, en);
        for (int k = 0; k < S_STATUSES; k++)
            wdm_buf_printf (out, "<td class=\"num\" data-status=\"%s\" data-label=\"%s\">%d</td>",
                            wdm_report_status_class (s_order [k]), wdm_report_status_zh (s_order [k]),
                            counts [k]);
        wdm_buf_printf (out, "<td class=\"num\" data-label=\"合计 Total\">%d</td><td>", total);
        s_bar (out, counts, total);
        wdm_web_raw (out, "</td></tr>");
    }
    wdm_web_raw (out,
                 "</tbody><tfoot><tr id=\"domains-total\"><th scope=\"row\">合计<span class=\"en\">All"
                 "</span></th>");
    for (int k = 0; k < S_STATUSES; k++)
        wdm_buf_printf (out, "<td class=\"num\" data-status=\"%s\">%d</td>",
                        wdm_report_status_class (s_order [k]), all [k]);
    wdm_buf_printf (out, "<td class=\"num\">%d</td><td>", all_total);
    s_bar (out, all, all_total);
    wdm_web_raw (out, "</td></tr></tfoot></table>");
    wdm_web_downloads_domains (req, rows);
    PQclear (rows);
}

//  Each domain's indicators as links to their pages, with their status.
static void
s_indicators (wdm_web_req_t *req, const wdm_report_state_t *state, const bool *mine, const char *plan)
{
    wdm_buf_t *out = &req->body;
    int domains = wdm_report_state_domains (state), items = wdm_report_state_items (state);
    wdm_web_raw (out, "<div class=\"indicators\" id=\"indicators\">");
    for (int d = 0; d < domains; d++) {
        const char *code, *zh, *en;
        wdm_report_state_domain (state, d, &code, &zh, &en);
        wdm_web_html (out, "<details><summary>%s<span class=\"en\">%s</span></summary><ul>", zh, en);
        for (int i = 0; i < items; i++) {
            wdm_report_item_t item = wdm_report_state_item (state, i);
            if (item.domain != d || !mine [i])
                continue;
            wdm_web_html (out, "<li><a href=\"/indicator/%u?plan=%u\">%s %s", item.code, plan, item.code,
                          item.name_zh);
            wdm_buf_printf (out, "</a> <span class=\"status status-%s\">%s / %s</span></li>",
                            wdm_report_status_class (item.status), wdm_report_status_zh (item.status),
                            wdm_report_status_en (item.status));
        }
        wdm_web_raw (out, "</ul></details>");
    }
    wdm_web_raw (out, "</div>");
}

//  The open warnings of the plan, red first, a few; with the counts by
//  level and the links to the warnings page filtered.  The rows of the
//  open_warnings view, read from warning with its joins: the view's
//  search for each warning's responsible unit is not shown here and took
//  seconds over tens of thousands of warnings (issue 15).  The joins to
//  the plan's target and domain drop no warning (foreign keys, NOT NULL),
//  so warning alone is read: the counts and the newest ten from the index
//  on the plan's open warnings by level (sql/068), not from every row.
static void
s_warnings (wdm_web_req_t *req, const char *plan)
{
    wdm_buf_t *out = &req->body;
    const char *params [] = { plan, s_scope (req) };
    PGresult *counts =
        wdm_db_query (req->conn,
                      "SELECT count (*) FILTER (WHERE w.level = 'red'),"
                      "       count (*) FILTER (WHERE w.level = 'yellow')"
                      "  FROM warning w"
                      " WHERE w.state <> 'resolved' AND w.plan_code = $1 AND" S_WARNING_SCOPE ("2"),
                      2, params, PGRES_TUPLES_OK, NULL, 0);
    PGresult *res = wdm_db_query (
        req->conn,
        "SELECT w.id, w.level, w.indicator_code, i.name_zh, a.name_zh, w.year, w.message_zh, w.message_en"
        "  FROM (SELECT w.id FROM warning w"
        "         WHERE w.state <> 'resolved' AND w.plan_code = $1 AND" S_WARNING_SCOPE (
            "2") "         ORDER BY w.level DESC, w.updated_at DESC, w.id DESC LIMIT 10) s"
                 "  JOIN warning w ON w.id = s.id"
                 "  JOIN indicator i ON i.code = w.indicator_code JOIN area a ON a.code = w.area_code"
                 " ORDER BY w.level DESC, w.updated_at DESC, w.id DESC",
        2, params, PGRES_TUPLES_OK, NULL, 0);
    int rows = res ? PQntuples (res) : 0;
    const char *red = counts ? PQgetvalue (counts, 0, 0) : "0",
               *yellow = counts ? PQgetvalue (counts, 0, 1) : "0";
    //  The links list this plan's warnings, those counted here.
    wdm_web_raw (out,
                 "<section id=\"open-warnings\"><h2>未解除的预警 <span class=\"en\">Warnings not resolved"
                 "</span></h2><p><a class=\"level-red\" id=\"red-link\" href=\"/warnings?level=red&amp;open=1"
                 "&amp;plan=");
    wdm_web_url_arg (out, plan);
    wdm_web_raw (out, "\">红色 <strong id=\"red-count\">");
    wdm_web_text (out, red);
    wdm_web_raw (out,
                 "</strong> 条 / red</a> · <a class=\"level-yellow\" id=\"yellow-link\""
                 " href=\"/warnings?level=yellow&amp;open=1&amp;plan=");
    wdm_web_url_arg (out, plan);
    wdm_web_raw (out, "\">黄色 <strong id=\"yellow-count\">");
    wdm_web_text (out, yellow);
    wdm_web_raw (out, "</strong> 条 / yellow</a></p><ul class=\"warning-list\">");
    for (int row = 0; row < rows; row++) {
        wdm_buf_printf (out, "<li class=\"level-%s\" data-id=\"",
                        strcmp (PQgetvalue (res, row, 1), "red") == 0 ? "red" : "yellow");
        wdm_web_html (
            out,
            "%s\"><a href=\"/warnings/%u\">%s %s · %s · %s</a><br>%s<br><span class=\"en\">%s</span></li>",
            PQgetvalue (res, row, 0), PQgetvalue (res, row, 0), PQgetvalue (res, row, 2),
            PQgetvalue (res, row, 3), PQgetvalue (res, row, 4), PQgetvalue (res, row, 5),
            PQgetvalue (res, row, 6), PQgetvalue (res, row, 7));
    }
    if (rows == 0)
        wdm_web_raw (out, "<li>没有未解除的预警 / no warning is open</li>");
    wdm_web_raw (out, "</ul>");
    wdm_web_downloads_warnings (req, res);
    wdm_web_raw (out, "</section>");
    PQclear (counts);
    PQclear (res);
}

//  Record this visit and return when the previous one was (the database's
//  "since" as UTC text with microseconds, and as the office reads it);
//  the first visit counts the last 7 days.  false if the database failed.
static bool
s_visit (wdm_web_req_t *req, char *since, size_t since_size, char *local, size_t local_size, bool *first)
{
    const char *params [] = { req->user.login, req->config->timezone };
    PGresult *res = wdm_db_query (
        req->conn,
        "WITH up AS ("
        "  INSERT INTO console_visit (login) VALUES ($1)"
        "  ON CONFLICT (login) DO UPDATE SET"
        "     previous_at = CASE WHEN console_visit.last_at < now () - interval '30 minutes'"
        "                        THEN console_visit.last_at ELSE console_visit.previous_at END,"
        "     last_at = now ()"
        "  RETURNING previous_at)"
        " SELECT to_char (s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
        "        " WDM_TABLE_LOCAL_TIME (
            "s",
            "2") ", first"
                 "   FROM (SELECT coalesce (previous_at, now () - interval '7 days') AS s, previous_at IS NULL AS first"
                 "           FROM up) v",
        2, params, PGRES_TUPLES_OK, NULL, 0);
    bool ok = res && PQntuples (res) == 1;
    if (ok) {
        snprintf (since, since_size, "%s", PQgetvalue (res, 0, 0));
        snprintf (local, local_size, "%s", PQgetvalue (res, 0, 1));
        *first = strcmp (PQgetvalue (res, 0, 2), "t") == 0;
    }
    PQclear (res);
    return ok;
}

//  How many rows each "since" list counts at most: past it the heading says
//  "1000+" (counting a million values received took 450 ms; issue 15).
#define S_SINCE_COUNT_MAX 1000
#define S_STR_(x)         #x
#define S_STR(x)          S_STR_ (x)

//  The count of a "since" list's rows (from: its FROM and WHERE), up to
//  one past S_SINCE_COUNT_MAX.
#define S_SINCE_COUNTED(from)                                                                                \
    "SELECT count (*) FROM (SELECT 1" from " LIMIT " S_STR (S_SINCE_COUNT_MAX) " + 1) s"

//  One list of "since": its heading with the count (id), a few rows.
//  count_sql counts them (S_SINCE_COUNTED); sql lists the newest
//  S_LIST_MAX: link, its text, the facts.  $1 since, $2 the unit scope, $3
//  the office's zone.
static void
s_since_list (wdm_web_req_t *req, const char *id, const char *title, const char *count_sql, const char *sql,
              const char *since, bool warning_links)
{
    wdm_buf_t *out = &req->body;
    const char *params [] = { since, s_scope (req), req->config->timezone };
    PGresult *counted = wdm_db_query (req->conn, count_sql, 2, params, PGRES_TUPLES_OK, NULL, 0);
    PGresult *res = wdm_db_query (req->conn, sql, 3, params, PGRES_TUPLES_OK, NULL, 0);
    long count = counted ? atol (PQgetvalue (counted, 0, 0)) : 0;
    int rows = res ? PQntuples (res) : 0;
    wdm_buf_printf (out, "<div class=\"since\" id=\"%s\"><h3>%s <strong class=\"count\"", id, title);
    if (count > S_SINCE_COUNT_MAX)
        wdm_buf_printf (out, " title=\"超过 %d 条 / over %d\">%d+", S_SINCE_COUNT_MAX, S_SINCE_COUNT_MAX,
                        S_SINCE_COUNT_MAX);
    else
        wdm_buf_printf (out, ">%ld", count);
    wdm_web_raw (out, "</strong></h3><ul>");
    for (int row = 0; row < rows; row++) {
        //  A link to the warning's page or the indicator's, then the facts.
        wdm_buf_printf (out, "<li><a href=\"/%s/", warning_links ? "warnings" : "indicator");
        wdm_web_html (out, "%u\">%s</a> %s</li>", PQgetvalue (res, row, 0), PQgetvalue (res, row, 1),
                      PQgetvalue (res, row, 2));
    }
    wdm_web_raw (out, "</ul></div>");
    PQclear (counted);
    PQclear (res);
}

//  The warning events of one kind since $1, in the unit scope $2.
#define S_EVENTS_SINCE(transitions)                                                                          \
    "  FROM warning_event e JOIN warning w ON w.id = e.warning_id"                                           \
    " WHERE e.transition IN (" transitions ") AND e.at > $1::timestamptz AND" S_WARNING_SCOPE ("2")

//  The newest ten of those events, chosen on the narrow rows: the
//  warning's number and indicator, then facts (SQL over e and w).
#define S_EVENTS_NEWEST(transitions, facts)                                                                  \
    "SELECT w.id, w.indicator_code || ' ' || i.name_zh, " facts                                              \
    "  FROM (SELECT e.id, e.warning_id, e.at, e.level" S_EVENTS_SINCE (                                      \
        transitions) "         ORDER BY e.at DESC, e.id DESC LIMIT 10) e"                                    \
                     "  JOIN warning w ON w.id = e.warning_id JOIN indicator i ON i.code = w.indicator_code" \
                     " ORDER BY e.at DESC, e.id DESC"

//  The values received since $1, in the unit scope $2.
#define S_VALUES_SINCE                                                                                       \
    "  FROM observation o WHERE o.received_at > $1::timestamptz"                                             \
    "   AND " WDM_UNIT_SCOPE ("o.unit_code", "o.indicator_code", "2")

//  What changed since the user's last visit: warnings opened (or
//  reopened) and resolved, values received.  Each list is counted up to
//  S_SINCE_COUNT_MAX and its newest ten read from an index on the time
//  (sql/068).
static void
s_changes (wdm_web_req_t *req)
{
    wdm_buf_t *out = &req->body;
    char since [64], local [96];
    bool first = false;
    if (!s_visit (req, since, sizeof since, local, sizeof local, &first))
        return;
    wdm_web_html (
        out,
        "<section id=\"changes\" data-since=\"%s\"><h2>上次访问以来 <span class=\"en\">Since your last"
        " visit</span></h2><p>%s%s",
        since, first ? "首次访问：以下为最近 7 天，自 " : "上次访问：", local);
    wdm_web_raw (out,
                 first ? " <span class=\"en\">First visit: the last 7 days</span>"
                       : " <span class=\"en\">Your last visit</span>");
    wdm_web_raw (out, "</p><div class=\"cards\">");
    s_since_list (req, "since-opened", "新开启的预警 / warnings opened",
                  S_SINCE_COUNTED (S_EVENTS_SINCE ("'open', 'reopen'")),
                  S_EVENTS_NEWEST ("'open', 'reopen'",
                                   "e.level::text || ' · ' || w.area_code || ' · ' || w.year"
                                   " || ' · ' || " WDM_TABLE_LOCAL_TIME ("e.at", "3")),
                  since, true);
    s_since_list (
        req, "since-resolved", "已解除的预警 / warnings resolved",
        S_SINCE_COUNTED (S_EVENTS_SINCE ("'resolve'")),
        S_EVENTS_NEWEST ("'resolve'",
                         "w.area_code || ' · ' || w.year || ' · ' || " WDM_TABLE_LOCAL_TIME ("e.at", "3")),
        since, true);
    //  The values: the newest ten chosen on the narrow rows, and only those
    //  ten worded (wording each of 1,000,000 values received took seconds).
    s_since_list (req, "since-values", "收到的数据 / values received", S_SINCE_COUNTED (S_VALUES_SINCE),
                  "SELECT o.indicator_code, o.indicator_code || ' ' || i.name_zh,"
                  "       o.area_code || ' · ' || o.year || ' · ' || o.value || ' · ' || o.unit_code || ' · '"
                  "       || " WDM_TABLE_LOCAL_TIME (
                      "o.received_at",
                      "3") "  FROM (SELECT o.id" S_VALUES_SINCE
                           " ORDER BY o.received_at DESC, o.id DESC LIMIT 10) s"
                           "  JOIN observation o ON o.id = s.id JOIN indicator i ON i.code = o.indicator_code"
                           " ORDER BY o.received_at DESC, o.id DESC",
                  since, false);
    wdm_web_raw (out, "</div></section>");
}

//  The reports still owed for the plan (report_owed, as `wdmon
//  completeness` counts them): the next deadlines with how many are
//  missing, and how many are overdue.
static void
s_deadlines (wdm_web_req_t *req, const char *plan)
{
    wdm_buf_t *out = &req->body;
    const char *params [] = { plan, s_scope (req), req->config->timezone };
    PGresult *res =
        wdm_db_query (req->conn,
                      "SELECT to_char (deadline, 'YYYY-MM-DD'), year, count (*), count (DISTINCT unit_code),"
                      "       deadline >= (now () AT TIME ZONE $3)::date"
                      "  FROM report_owed"
                      " WHERE $1 = ANY (plans) AND state = 'missing' AND ($2::text IS NULL OR unit_code = $2)"
                      " GROUP BY deadline, year ORDER BY deadline",
                      3, params, PGRES_TUPLES_OK, NULL, 0);
    int rows = res ? PQntuples (res) : 0, overdue = 0, coming = 0;
    PGresult *shown = wdm_web_rows_new (5);  //  the download's (wdm_web_downloads)
    wdm_web_raw (out,
                 "<section id=\"deadlines\"><h2>报送期限 <span class=\"en\">Deadlines</span></h2>"
                 "<table><thead><tr><th>期限<br>Deadline</th><th class=\"num\">数据年份<br>Year</th>"
                 "<th class=\"num\">未报送<br>Missing</th><th class=\"num\">涉及单位<br>Units</th>"
                 "<th>状态<br>State</th></tr></thead><tbody>");
    for (int row = 0; row < rows; row++) {
        bool ahead = strcmp (PQgetvalue (res, row, 4), "t") == 0;
        if (ahead ? coming++ >= 3 : false)
            continue;
        if (!ahead)
            overdue += atoi (PQgetvalue (res, row, 2));
        const char *cells [] = { PQgetvalue (res, row, 0), PQgetvalue (res, row, 1), PQgetvalue (res, row, 2),
                                 PQgetvalue (res, row, 3), ahead ? "即将到期 / coming" : "已逾期 / overdue" };
        if (wdm_web_rows_add (shown, cells)) {
            PQclear (shown);
            shown = NULL;
        }
        wdm_buf_printf (out, "<tr class=\"%s\" data-year=\"", ahead ? "coming" : "overdue");
        wdm_web_html (out,
                      "%s\" data-missing=\"%s\"><td>%s</td><td class=\"num\">%s</td><td class=\"num\">%s"
                      "</td><td class=\"num\">%s",
                      PQgetvalue (res, row, 1), PQgetvalue (res, row, 2), PQgetvalue (res, row, 0),
                      PQgetvalue (res, row, 1), PQgetvalue (res, row, 2), PQgetvalue (res, row, 3));
        wdm_web_raw (out,
                     ahead ? "</td><td>即将到期 / coming</td></tr>"
                           : "</td><td class=\"level-red\">已逾期 / overdue</td></tr>");
    }
    if (rows == 0)
        wdm_web_raw (out, "<tr><td colspan=\"5\">没有未报送的数据 / nothing is owed</td></tr>");
    wdm_web_raw (out, "</tbody></table>");
    wdm_web_downloads_deadlines (req, shown);
    PQclear (shown);
    wdm_buf_printf (out,
                    "<p id=\"overdue\">逾期未报 <strong>%d</strong> 项 / %d reports overdue"
                    "（按 <code>wdmon completeness</code> 的口径 / as wdmon completeness counts them）</p>"
                    "</section>",
                    overdue, overdue);
    PQclear (res);
}

//  Which indicators the page shows: all, or those a unit user's unit
//  leads.  A new array of items flags (the caller frees it), or NULL.
static bool *
s_mine (wdm_web_req_t *req, const wdm_report_state_t *state)
{
    int items = wdm_report_state_items (state);
    bool *mine = calloc ((size_t)items + 1, sizeof *mine);
    if (!mine)
        return NULL;
    PGresult *res = NULL;
    if (req->user.role == WDM_WEB_UNIT) {
        const char *params [] = { req->user.unit_code };
        res = wdm_db_query (req->conn,
                            "SELECT indicator_code FROM responsibility WHERE unit_code = $1 AND lead", 1,
                            params, PGRES_TUPLES_OK, NULL, 0);
    }
    for (int i = 0; i < items; i++)
        mine [i] = req->user.role != WDM_WEB_UNIT;
    for (int row = 0; res && row < PQntuples (res); row++) {
        int i = wdm_report_state_find (state, PQgetvalue (res, row, 0));
        if (i >= 0)
            mine [i] = true;
    }
    PQclear (res);
    return mine;
}

void
wdm_web_overview_page (wdm_web_req_t *req)
{
    char plan [128];
    bool *mine = NULL;
    wdm_report_state_t *state = wdm_web_plan_state (req, plan, sizeof plan);
    if (!state)
        return;
    mine = s_mine (req, state);
    if (!mine) {
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "内存不足 / Out of memory",
                            "请稍后再试。 / Try again.");
        goto cleanup;
    }
    if (wdm_web_page_begin (req, "总览 / Overview", "overview"))
        goto cleanup;
    wdm_buf_t *out = &req->body;
    int year = wdm_report_state_year (state);
    char years [16];
    snprintf (years, sizeof years, "%d", year);
    wdm_web_html (
        out,
        "<h1>规划总览<span class=\"en\">Overview</span></h1><p id=\"about\" data-plan=\"%s\""
        " data-year=\"%s\">规划 <strong>%s</strong> · %s 年度监测（与 <code>wdmon report --year %s</code>"
        " 的判断相同）<span class=\"en\">the annual judgement of %s, as the report makes it</span></p>"
        "<form method=\"get\" action=\"/overview\" class=\"inline\"><input type=\"hidden\""
        " name=\"plan\" value=\"%s\"><label>年份 / Year <select name=\"year\" id=\"f-year\">",
        plan, years, plan, years, years, years, plan);
    for (int y = wdm_report_state_first (state); y <= wdm_report_state_last (state); y++)
        wdm_buf_printf (out, "<option%s>%d</option>", y == year ? " selected" : "", y);
    wdm_web_raw (out, "</select></label> <button type=\"submit\" id=\"go-year\">查看 / Show</button></form>");
    if (req->user.role == WDM_WEB_UNIT)
        wdm_web_html (out, "<p class=\"scope\">本单位牵头的指标 / the indicators your unit leads: %s</p>",
                      req->user.unit_code);
    wdm_web_raw (out, "<h2>各领域目标状态 <span class=\"en\">Targets by domain</span></h2>");
    s_domains (req, state, mine);
    s_indicators (req, state, mine, plan);
    s_warnings (req, plan);
    if (!wdm_web_arg (req, "format"))  //  a download is no visit
        s_changes (req);
    s_deadlines (req, plan);
    wdm_web_page_end (req);
cleanup:
    free (mine);
    wdm_report_state_destroy (&state);
}
