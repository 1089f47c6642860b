/*  wdm_web_warnings: the warnings page — the list under the same filters
    and the same checks as `wdmon warnings` (wdm_warnings_query), several
    acknowledged with one note, one warning with its whole history and
    follow-up notes (督办).  Changes go through wdm_warn_acknowledge, the
    CLI's way (warning_note () of sql/014), and into console_audit.

    Who sees what: viewers, operators and administrators every warning; a
    unit user only its own unit's — warnings about the unit itself
    (warning.unit_code: its missing reports) and about the indicators it
    leads (responsibility.lead), as `wdmon warnings --unit` lists them.
    That scope is a parameter of the one query, so a URL naming another
    unit's warning finds nothing.  Only operators and administrators
    acknowledge and add notes.  Contracts in wdm_web_int.h.  */

#include "wdm_web_int.h"
#include "wdm_db.h"
#include "wdm_table.h"
#include "wdm_warn.h"
#include "wdm_warnings_query.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Rows shown at most; the count says when there are more.
#define S_ROWS_MAX 1000

//  The list's columns, over the shared filters ($5: the office's zone).
static const char *s_list_sql =
    "SELECT w.id, w.level, w.state, w.rule_code, (SELECT name_zh FROM rule WHERE code = w.rule_code),"
    "       w.indicator_code, i.name_zh, w.area_code, (SELECT name_zh FROM area WHERE code = w.area_code),"
    "       w.year, coalesce (w.unit_code, ''),"
    "       " WDM_TABLE_LOCAL_TIME ("w.opened_at", "5") ", " WDM_TABLE_LOCAL_TIME (
        "w.updated_at", "5") ","
                             "       w.message_zh, w.message_en, s.total" WDM_WARNINGS_QUERY_PAGE ("1000")
                                 WDM_WARNINGS_QUERY_ORDER;

//  One warning's facts, over the same filters (for a unit user's scope).
static const char *s_one_sql =
    "SELECT w.id, w.level, w.state, w.rule_code, (SELECT name_zh || ' / ' || name_en FROM rule"
    "        WHERE code = w.rule_code),"
    "       w.indicator_code, i.name_zh || ' / ' || i.name_en, w.area_code,"
    "       (SELECT name_zh || ' / ' || name_en FROM area WHERE code = w.area_code), w.year,"
    "       coalesce (w.unit_code, ''), w.message_zh, w.message_en, coalesce (w.value::text, ''),"
    "       coalesce (w.target::text, ''), coalesce (w.acknowledged_by, ''), coalesce (w.ack_note, ''),"
    "       " WDM_TABLE_LOCAL_TIME ("w.opened_at", "5") "," WDM_TABLE_LOCAL_TIME (
        "w.updated_at", "5") ","
                             "       w.reopen_count" WDM_WARNINGS_QUERY_WHERE;

//  The words a person reads for a level or a state (transitions: false)
//  or for a transition of the history (true).
static const char *
s_word_of (const char *code, bool transition)
{
    static const char *const states [][2] = {
        { "red", "红色 / red" },
        { "yellow", "黄色 / yellow" },
        { "open", "未处理 / open" },
        { "acknowledged", "已确认 / acknowledged" },
        { "resolved", "已解除 / resolved" },
    };
    static const char *const transitions [][2] = {
        { "open", "开启 / opened" },
        { "update", "更新 / updated" },
        { "acknowledge", "确认 / acknowledged" },
        { "resolve", "解除 / resolved" },
        { "reopen", "重新开启 / reopened" },
        { "note", "督办备注 / follow-up note" },
    };
    size_t count =
        transition ? sizeof transitions / sizeof transitions [0] : sizeof states / sizeof states [0];
    for (size_t i = 0; i < count; i++)
        if (strcmp (code, transition ? transitions [i][0] : states [i][0]) == 0)
            return transition ? transitions [i][1] : states [i][1];
    return code;
}

static const char *
s_word (const char *code)
{
    return s_word_of (code, false);
}

//  A table cell holding value, escaped, with its label for the phone's
//  layout.
static void
s_cell (wdm_buf_t *out, const char *label, const char *value, const char *class_name)
{
    wdm_buf_printf (out, "<td data-label=\"%s\"%s%s%s>", label, class_name ? " class=\"" : "",
                    class_name ? class_name : "", class_name ? "\"" : "");
    wdm_web_text (out, value);
    wdm_web_raw (out, "</td>");
}

//  One <select> of the filters: its rows are (code, label) from sql (no
//  parameters), the one whose code is chosen selected.  all: the label
//  of "no filter", or NULL for none.
static void
s_select (wdm_web_req_t *req, const char *name, const char *label, const char *sql, const char *chosen,
          const char *all)
{
    wdm_buf_t *out = &req->body;
    PGresult *res = wdm_db_query (req->conn, sql, 0, NULL, PGRES_TUPLES_OK, NULL, 0);
    wdm_buf_printf (out, "<label>%s<select name=\"%s\" id=\"f-%s\">", label, name, name);
    if (all)
        wdm_buf_printf (out, "<option value=\"\">%s</option>", all);
    for (int row = 0; res && row < PQntuples (res); row++) {
        const char *code = PQgetvalue (res, row, 0);
        wdm_web_raw (out, "<option value=\"");
        wdm_web_text (out, code);
        wdm_web_raw (out, chosen && strcmp (chosen, code) == 0 ? "\" selected>" : "\">");
        wdm_web_text (out, PQgetvalue (res, row, 1));
        wdm_web_raw (out, "</option>");
    }
    wdm_web_raw (out, "</select></label>");
    PQclear (res);
}

//  The filters' form, each showing what is chosen.
static void
s_filters (wdm_web_req_t *req, const wdm_warnings_query_t *q)
{
    wdm_buf_t *out = &req->body;
    wdm_web_raw (out,
                 "<form method=\"get\" action=\"/warnings\" id=\"filters\"><fieldset class=\"filters\">"
                 "<legend>筛选 / Filter</legend>");
    s_select (req, "plan", "规划 / Plan", "SELECT code, title_zh FROM plan ORDER BY current DESC, code",
              q->plan, NULL);
    s_select (req, "level", "级别 / Level", "VALUES ('red', '红色 / red'), ('yellow', '黄色 / yellow')",
              q->level, "全部 / all");
    s_select (req, "state", "状态 / State",
              "VALUES ('open', '未处理 / open'), ('acknowledged', '已确认 / acknowledged'),"
              " ('resolved', '已解除 / resolved')",
              q->state, "全部 / all");
    s_select (req, "rule", "规则 / Rule",
              "SELECT code, name_zh || ' / ' || name_en FROM rule ORDER BY ordinal", q->rule, "全部 / all");
    s_select (req, "domain", "领域 / Domain",
              "SELECT code, name_zh || ' / ' || name_en FROM domain ORDER BY ordinal", q->domain,
              "全部 / all");
    s_select (req, "indicator", "指标 / Indicator",
              "SELECT code, code || ' ' || name_zh FROM indicator ORDER BY code", q->indicator, "全部 / all");
    s_select (req, "area", "地区 / Area", "SELECT code, name_zh FROM area ORDER BY level, code", q->area,
              "全部 / all");
    if (req->user.role == WDM_WEB_UNIT) {
        wdm_web_raw (out, "<label>成员单位 / Unit<select name=\"unit\" id=\"f-unit\"><option value=\"");
        wdm_web_text (out, req->user.unit_code);
        wdm_web_raw (out, "\" selected>");
        wdm_web_text (out, req->user.unit_code);
        wdm_web_raw (out, "</option></select></label>");
    } else
        s_select (req, "unit", "成员单位 / Unit", "SELECT code, name_zh FROM member_unit ORDER BY code",
                  q->unit, "全部 / all");
    wdm_web_raw (out,
                 "<label>年份 / Year<input name=\"year\" id=\"f-year\" inputmode=\"numeric\" size=\"6\""
                 " value=\"");
    wdm_web_text (out, q->year);
    wdm_buf_printf (
        out,
        "\"></label><label><span>未解除 / Not resolved</span><input type=\"checkbox\" name=\"open\""
        " id=\"f-open\" value=\"1\"%s></label><button type=\"submit\" class=\"go\" id=\"filter\">"
        "筛选 / Filter</button></fieldset></form>",
        q->open_only ? " checked" : "");
}

//  The list's table; with act, a box before each warning not resolved,
//  and the note and button to acknowledge the ones ticked.
static void
s_table (wdm_web_req_t *req, PGresult *res, bool act)
{
    wdm_buf_t *out = &req->body;
    int rows = PQntuples (res);
    const char *total = rows > 0 ? PQgetvalue (res, 0, 15) : "0";
    wdm_web_raw (out, "<p class=\"count\" id=\"count\">共 <strong>");
    wdm_web_text (out, total);
    wdm_web_raw (out, "</strong> 条预警 / ");
    wdm_web_text (out, total);
    wdm_web_raw (out, " warnings");
    if (atoi (total) > rows)
        wdm_buf_printf (out, "（显示前 %d 条 / the first %d shown）", rows, rows);
    wdm_web_raw (out, "</p>");
    if (act) {
        wdm_web_raw (out, "<form method=\"post\" action=\"/warnings/ack\" id=\"ack-form\">");
        wdm_web_csrf_field (req);
    }
    wdm_web_raw (out, "<table class=\"warnings\" id=\"warnings\"><thead><tr>");
    if (act)
        wdm_web_raw (out, "<th><input type=\"checkbox\" id=\"select-all\" hidden title=\"全选 / all\"></th>");
    wdm_web_raw (out,
                 "<th>编号<br>No.</th><th>级别<br>Level</th><th>状态<br>State</th><th>规则<br>Rule</th>"
                 "<th>指标<br>Indicator</th><th>地区<br>Area</th><th>年份<br>Year</th><th>单位<br>Unit</th>"
                 "<th>更新时间<br>Updated</th><th>预警信息<br>Message</th></tr></thead><tbody>");
    for (int row = 0; row < rows; row++) {
        const char *id = PQgetvalue (res, row, 0), *level = PQgetvalue (res, row, 1);
        const char *state = PQgetvalue (res, row, 2);
        char level_class [32], state_class [32], indicator [512], area [256], rule [256];
        snprintf (level_class, sizeof level_class, "level-%s", level);
        snprintf (state_class, sizeof state_class, "state-%s", state);
        snprintf (rule, sizeof rule, "%s", PQgetvalue (res, row, 4));
        snprintf (indicator, sizeof indicator, "%s %s", PQgetvalue (res, row, 5), PQgetvalue (res, row, 6));
        snprintf (area, sizeof area, "%s", PQgetvalue (res, row, 8));
        wdm_web_raw (out, "<tr data-id=\"");
        wdm_web_text (out, id);
        wdm_web_raw (out, "\">");
        if (act && strcmp (state, "resolved") != 0) {
            wdm_web_raw (out, "<td><input type=\"checkbox\" name=\"id\" value=\"");
            wdm_web_text (out, id);
            wdm_web_raw (out, "\" aria-label=\"选择 / select\"></td>");
        } else if (act)
            wdm_web_raw (out, "<td></td>");
        wdm_web_raw (out, "<td data-label=\"编号 No.\"><a href=\"/warnings/");
        wdm_web_url_arg (out, id);
        wdm_web_raw (out, "\">");
        wdm_web_text (out, id);
        wdm_web_raw (out, "</a></td>");
        s_cell (out, "级别 Level", s_word (level), level_class);
        s_cell (out, "状态 State", s_word (state), state_class);
        s_cell (out, "规则 Rule", rule, NULL);
        s_cell (out, "指标 Indicator", indicator, NULL);
        s_cell (out, "地区 Area", area, NULL);
        s_cell (out, "年份 Year", PQgetvalue (res, row, 9), "num");
        s_cell (out, "单位 Unit", PQgetvalue (res, row, 10), NULL);
        s_cell (out, "更新 Updated", PQgetvalue (res, row, 12), NULL);
        wdm_web_raw (out, "<td data-label=\"信息 Message\">");
        wdm_web_text (out, PQgetvalue (res, row, 13));
        wdm_web_raw (out, "<br><span class=\"en\">");
        wdm_web_text (out, PQgetvalue (res, row, 14));
        wdm_web_raw (out, "</span></td></tr>");
    }
    wdm_web_raw (out, "</tbody></table>");
    if (act)
        wdm_web_raw (
            out,
            "<div class=\"act\"><label for=\"note\">确认所选预警，附同一说明（已确认的将追加为督办备注）"
            "<span class=\"en\">Acknowledge the warnings ticked with one note (one acknowledged "
            "already gets it as a follow-up note)</span></label><textarea name=\"note\" id=\"note\""
            " required maxlength=\"4000\"></textarea><button type=\"submit\" id=\"ack\">确认所选 / "
            "Acknowledge selected</button></div></form>");
}

//  The list as a download (wdm_web_table_links): its columns, and the
//  fields of s_list_sql each shows, levels and states in words.
static const wdm_web_column_t s_download_columns [] = {
    { "编号", "No.", true, NULL },
    { "级别", "Level", false, NULL },
    { "状态", "State", false, NULL },
    { "规则", "Rule", false, NULL },
    { "指标", "Indicator", false, NULL },
    { "指标名称", "Indicator name", false, NULL },
    { "地区", "Area", false, NULL },
    { "年份", "Year", true, NULL },
    { "单位", "Unit", false, NULL },
    { "开启时间", "Opened", false, NULL },
    { "更新时间", "Updated", false, NULL },
    { "预警信息", "Message", false, NULL },
    { "Message", "Message (English)", false, NULL },
};

static const char *
s_download_cell (void *context, const PGresult *res, int row, int c)
{
    static const int fields [] = { 0, 1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14 };
    (void)context;
    const char *value = PQgetvalue (res, row, fields [c]);
    return c == 1 || c == 2 ? s_word (value) : value;
}

//  Fill the query from the request's arguments.  A unit user's is scoped
//  to its unit; false (with the page said) if it asked for another's.
static bool
s_query_from_args (wdm_web_req_t *req, wdm_warnings_query_t *q)
{
    q->open_only = wdm_web_arg (req, "open") != NULL;
    q->level = wdm_web_arg (req, "level");
    q->state = wdm_web_arg (req, "state");
    q->rule = wdm_web_arg (req, "rule");
    q->domain = wdm_web_arg (req, "domain");
    q->indicator = wdm_web_arg (req, "indicator");
    q->area = wdm_web_arg (req, "area");
    q->unit = wdm_web_arg (req, "unit");
    q->year = wdm_web_arg (req, "year");
    q->plan = wdm_web_arg (req, "plan");  //  NULL: the current plan
    if (req->user.role != WDM_WEB_UNIT)
        return true;
    if (q->unit && strcmp (q->unit, req->user.unit_code) != 0) {
        wdm_web_audit (req, NULL, "forbidden", "/warnings", q->unit);
        wdm_web_page_error (
            req, MHD_HTTP_FORBIDDEN, "无权查看 / Not yours to see",
            "成员单位用户只能查看本单位的预警。 / A unit user sees its own unit's warnings only.");
        return false;
    }
    q->unit = req->user.unit_code;
    return true;
}

void
wdm_web_warnings_page (wdm_web_req_t *req)
{
    wdm_warnings_query_t q = { 0 };
    PGresult *res = NULL;
    char message [1024] = "";
    if (!s_query_from_args (req, &q))
        return;
    wdm_check_result_t checked = wdm_warnings_query_check (req->conn, &q, message, sizeof message);
    if (checked == WDM_CHECK_FAILED) {
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error", message);
        return;
    }
    if (checked == WDM_CHECK_OK) {
        const char *params [WDM_WARNINGS_QUERY_PARAMS];
        wdm_warnings_query_params (&q, req->config->timezone, NULL, params);
        res = wdm_db_query (req->conn, s_list_sql, WDM_WARNINGS_QUERY_PARAMS, params, PGRES_TUPLES_OK,
                            message, sizeof message);
        if (!res) {
            wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error", message);
            return;
        }
    }
    if (wdm_web_page_begin (req, "预警 / Warnings", "warnings") == 0) {
        wdm_web_raw (&req->body, "<h1>预警<span class=\"en\">Warnings</span></h1>");
        s_filters (req, &q);
        if (checked == WDM_CHECK_REFUSED) {
            req->status = MHD_HTTP_BAD_REQUEST;
            wdm_web_raw (&req->body, "<p class=\"error\" role=\"alert\" id=\"filter-error\">");
            wdm_web_text (&req->body, message);
            wdm_web_raw (&req->body, "</p>");
        } else {
            s_table (req, res, wdm_web_can_act (&req->user));
            wdm_web_table_links (
                req,
                &(wdm_web_table_t) { .id = "warnings",
                                     .columns = s_download_columns,
                                     .count = sizeof s_download_columns / sizeof s_download_columns [0],
                                     .res = res,
                                     .cell = s_download_cell });
        }
        wdm_web_page_end (req);
    }
    PQclear (res);
}

//  The history of warning id: every transition with who and the note.
static void
s_history (wdm_web_req_t *req, const char *id)
{
    wdm_buf_t *out = &req->body;
    const char *params [] = { id, req->config->timezone };
    PGresult *res =
        wdm_db_query (req->conn,
                      "SELECT " WDM_TABLE_LOCAL_TIME (
                          "at", "2") ", transition, level,"
                                     "       coalesce (actor, ''), coalesce (note, ''), message_zh"
                                     "  FROM warning_event WHERE warning_id = $1::bigint ORDER BY at, id",
                      2, params, PGRES_TUPLES_OK, NULL, 0);
    wdm_web_raw (out,
                 "<h2 id=\"history\">历史 <span class=\"en\">History</span></h2><table id=\"events\">"
                 "<thead><tr><th>时间<br>When</th><th>变化<br>What</th><th>级别<br>Level</th><th>操作人<br>By"
                 "</th><th>备注或信息<br>Note or message</th></tr></thead><tbody>");
    for (int row = 0; res && row < PQntuples (res); row++) {
        const char *note = PQgetvalue (res, row, 4);
        wdm_web_raw (out, "<tr>");
        s_cell (out, "时间 When", PQgetvalue (res, row, 0), NULL);
        s_cell (out, "变化 What", s_word_of (PQgetvalue (res, row, 1), true), NULL);
        s_cell (out, "级别 Level", s_word (PQgetvalue (res, row, 2)), NULL);
        s_cell (out, "操作人 By", PQgetvalue (res, row, 3), NULL);
        s_cell (out, "备注 Note", *note ? note : PQgetvalue (res, row, 5), *note ? "note" : NULL);
        wdm_web_raw (out, "</tr>");
    }
    wdm_web_raw (out, "</tbody></table>");
    PQclear (res);
}

//  One fact of a warning: term, then value escaped.
static void
s_fact (wdm_buf_t *out, const char *term, const char *value)
{
    wdm_buf_printf (out, "<dt>%s</dt><dd>", term);
    wdm_web_text (out, value);
    wdm_web_raw (out, "</dd>");
}

//  Find warning id within the user's scope.  The row (the caller clears
//  it), or NULL with the page said (none: 404; the database: 503).
static PGresult *
s_find_one (wdm_web_req_t *req, long long id, const char *query)
{
    wdm_warnings_query_t q = { 0 };
    if (req->user.role == WDM_WEB_UNIT)
        q.unit = req->user.unit_code;
    char id_text [24], message [512] = "";
    snprintf (id_text, sizeof id_text, "%lld", id);
    const char *params [WDM_WARNINGS_QUERY_PARAMS];
    wdm_warnings_query_params (&q, req->config->timezone, id_text, params);
    PGresult *res = wdm_db_query (req->conn, query, WDM_WARNINGS_QUERY_PARAMS, params, PGRES_TUPLES_OK,
                                  message, sizeof message);
    if (!res)
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error", message);
    else if (PQntuples (res) != 1) {
        PQclear (res);
        res = NULL;
        wdm_web_page_error (
            req, MHD_HTTP_NOT_FOUND, "没有此预警 / No such warning",
            "没有这个编号的预警，或您无权查看。 / There is no warning of that number that you may see.");
    }
    return res;
}

void
wdm_web_warning_page (wdm_web_req_t *req, long long id)
{
    PGresult *res = s_find_one (req, id, s_one_sql);
    if (!res)
        return;
    wdm_buf_t *out = &req->body;
    const char *state = PQgetvalue (res, 0, 2);
    char title [64], place [512];
    snprintf (title, sizeof title, "预警 %lld / Warning %lld", id, id);
    if (wdm_web_page_begin (req, title, "warnings") == 0) {
        wdm_buf_printf (out,
                        "<h1>%s</h1><p><a href=\"/warnings\">← 全部预警 / all warnings</a></p>"
                        "<dl class=\"facts\" id=\"facts\">",
                        title);
        s_fact (out, "级别 / Level", s_word (PQgetvalue (res, 0, 1)));
        s_fact (out, "状态 / State", s_word (state));
        s_fact (out, "规则 / Rule", PQgetvalue (res, 0, 4));
        snprintf (place, sizeof place, "%s %s", PQgetvalue (res, 0, 5), PQgetvalue (res, 0, 6));
        s_fact (out, "指标 / Indicator", place);
        s_fact (out, "地区 / Area", PQgetvalue (res, 0, 8));
        s_fact (out, "年份 / Year", PQgetvalue (res, 0, 9));
        if (*PQgetvalue (res, 0, 10))
            s_fact (out, "成员单位 / Unit", PQgetvalue (res, 0, 10));
        s_fact (out, "信息 / Message", PQgetvalue (res, 0, 11));
        s_fact (out, "Message", PQgetvalue (res, 0, 12));
        if (*PQgetvalue (res, 0, 13))
            s_fact (out, "数值 / Value", PQgetvalue (res, 0, 13));
        if (*PQgetvalue (res, 0, 14))
            s_fact (out, "目标 / Target", PQgetvalue (res, 0, 14));
        s_fact (out, "开启 / Opened", PQgetvalue (res, 0, 17));
        s_fact (out, "更新 / Updated", PQgetvalue (res, 0, 18));
        if (*PQgetvalue (res, 0, 15)) {
            snprintf (place, sizeof place, "%s：%s", PQgetvalue (res, 0, 15), PQgetvalue (res, 0, 16));
            s_fact (out, "确认 / Acknowledged", place);
        }
        wdm_web_raw (out, "</dl>");
        if (wdm_web_can_act (&req->user) && strcmp (state, "resolved") != 0) {
            bool open = strcmp (state, "open") == 0;
            wdm_buf_printf (
                out, "<form method=\"post\" action=\"/warnings/%lld/note\" class=\"act\" id=\"note-form\">",
                id);
            wdm_web_csrf_field (req);
            wdm_buf_printf (
                out,
                "<label for=\"note\">%s</label><textarea name=\"note\" id=\"note\" required"
                " maxlength=\"4000\"></textarea><button type=\"submit\" id=\"add-note\">%s</button>"
                "</form>",
                open ? "确认此预警并附说明 <span class=\"en\">Acknowledge with a note</span>"
                     : "追加督办备注 <span class=\"en\">Add a follow-up note</span>",
                open ? "确认 / Acknowledge" : "追加备注 / Add note");
        }
        s_history (req, PQgetvalue (res, 0, 0));
        wdm_web_page_end (req);
    }
    PQclear (res);
}

//  Refuse a change to one who may not make it (viewer, unit user).
static bool
s_may_act (wdm_web_req_t *req)
{
    if (wdm_web_can_act (&req->user))
        return true;
    wdm_web_audit (req, NULL, "forbidden", req->path, "");
    wdm_web_page_error (
        req, MHD_HTTP_FORBIDDEN, "无权操作 / Not allowed",
        "您的角色不能确认预警或添加备注，未作任何更改。 / Your role cannot acknowledge warnings or "
        "add notes; nothing was changed.");
    return false;
}

//  The name a change is made in: "display name (login)".
static void
s_by (const wdm_web_req_t *req, char *by, size_t size)
{
    snprintf (by, size, "%s (%s)", req->user.display_name, req->user.login);
}

//  The note of the form, or NULL with the page said.
static const char *
s_note (wdm_web_req_t *req)
{
    const char *note = wdm_web_field (req, "note");
    if (note && *note && strlen (note) <= 4000)
        return note;
    wdm_web_page_error (
        req, MHD_HTTP_BAD_REQUEST, "需要说明 / A note is needed",
        "确认或督办须附说明（不超过4000字）。 / An acknowledgement or a follow-up note needs a note "
        "(at most 4000 characters).");
    return NULL;
}

//  Audit what acknowledging ids came to.
static void
s_audit_acks (wdm_web_req_t *req, const long long *ids, const wdm_warn_ack_t *results, int count,
              const char *note)
{
    for (int i = 0; i < count; i++) {
        char object [48];
        snprintf (object, sizeof object, "warning %lld", ids [i]);
        if (results [i] == WDM_WARN_ACKNOWLEDGED || results [i] == WDM_WARN_NOTED)
            wdm_web_audit (req, NULL, results [i] == WDM_WARN_ACKNOWLEDGED ? "acknowledge" : "note", object,
                           note);
    }
}

void
wdm_web_warnings_ack (wdm_web_req_t *req)
{
    if (!s_may_act (req))
        return;
    const char *note = s_note (req);
    if (!note)
        return;
    long long ids [WDM_WEB_FORM_MAX];
    wdm_warn_ack_t results [WDM_WEB_FORM_MAX];
    int count = 0;
    for (int i = 0; i < req->form.count; i++) {
        if (strcmp (req->form.keys [i], "id") != 0)
            continue;
        char *end = NULL;
        long long id = strtoll (req->form.values [i], &end, 10);
        bool seen = false;
        for (int j = 0; j < count && !seen; j++)
            seen = ids [j] == id;
        if (*end || id <= 0) {
            wdm_web_page_error (
                req, MHD_HTTP_BAD_REQUEST, "编号有误 / Bad number",
                "所选预警编号无效，未作任何更改。 / A warning's number was not valid; nothing was "
                "changed.");
            return;
        }
        if (!seen)
            ids [count++] = id;
    }
    if (count == 0) {
        wdm_web_page_error (req, MHD_HTTP_BAD_REQUEST, "未选择预警 / Nothing selected",
                            "请先勾选要确认的预警。 / Tick the warnings to acknowledge first.");
        return;
    }
    char by [400];
    s_by (req, by, sizeof by);
    if (wdm_warn_acknowledge (req->conn, ids, count, by, note, results)) {
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error",
                            "未作任何更改，请稍后再试。 / Nothing was changed; try again shortly.");
        return;
    }
    for (int i = 0; i < count; i++)
        if (results [i] == WDM_WARN_MISSING) {
            wdm_web_page_error (
                req, MHD_HTTP_NOT_FOUND, "没有此预警 / No such warning",
                "所选预警中有不存在的编号，未作任何更改。 / A warning selected does not exist; "
                "nothing was changed.");
            return;
        }
    s_audit_acks (req, ids, results, count, note);
    wdm_buf_t *out = &req->body;
    if (wdm_web_page_begin (req, "确认结果 / Acknowledged", "warnings"))
        return;
    wdm_web_raw (out, "<h1>确认结果<span class=\"en\">What was done</span></h1><ul id=\"results\">");
    for (int i = 0; i < count; i++) {
        const char *what = results [i] == WDM_WARN_ACKNOWLEDGED ? "已确认 / acknowledged"
            : results [i] == WDM_WARN_NOTED ? "此前已确认，已追加备注 / was acknowledged already: note added"
                                            : "已解除，未作更改 / resolved: not changed";
        wdm_buf_printf (out,
                        "<li class=\"%s\"><a href=\"/warnings/%lld\">预警 %lld / warning %lld</a>：%s</li>",
                        results [i] == WDM_WARN_RESOLVED ? "error" : "done", ids [i], ids [i], ids [i], what);
    }
    wdm_web_raw (out, "</ul><p><a href=\"/warnings\">← 全部预警 / all warnings</a></p>");
    wdm_web_page_end (req);
}

void
wdm_web_warning_note (wdm_web_req_t *req, long long id)
{
    if (!s_may_act (req))
        return;
    const char *note = s_note (req);
    if (!note)
        return;
    char by [400], location [64];
    wdm_warn_ack_t result;
    s_by (req, by, sizeof by);
    if (wdm_warn_acknowledge (req->conn, &id, 1, by, note, &result)) {
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error",
                            "未作任何更改，请稍后再试。 / Nothing was changed; try again shortly.");
        return;
    }
    if (result == WDM_WARN_MISSING)
        wdm_web_page_error (req, MHD_HTTP_NOT_FOUND, "没有此预警 / No such warning",
                            "没有这个编号的预警。 / There is no warning of that number.");
    else if (result == WDM_WARN_RESOLVED)
        wdm_web_page_error (
            req, MHD_HTTP_CONFLICT, "预警已解除 / Warning resolved",
            "该预警已解除，未作更改。 / The warning has resolved (its condition no longer holds); "
            "nothing was changed.");
    else {
        s_audit_acks (req, &id, &result, 1, note);
        snprintf (location, sizeof location, "/warnings/%lld#history", id);
        wdm_web_redirect (req, location);
    }
}
