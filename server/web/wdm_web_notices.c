/*  wdm_web_notices: the notices page (/notices) — every notice wdmon
    queued when a warning opened or turned red and every daily digest:
    sent (when), pending (attempts, next try, why the last attempt failed)
    or failed (why), filterable by state (?state=pending|sent|failed).  The
    rows are those `wdmon notices` lists, from the same query
    (wdm_notices_query.h), the newest s_rows_max of them on the page with
    the count of all (a bulk load queues tens of thousands), and every one
    in the download, as CSV or .xlsx like every table.

    Who: operators, administrators and viewers (leaders) read it; nothing
    on it changes anything.  A unit user, who sees its own unit's data
    only, gets 403: notices go to the office about every unit.  No secret
    is shown: a recipient is its name and channel, never the file its bot
    URL and signing key are read from.  Contracts in wdm_web_int.h.  */

#include "wdm_web_int.h"
#include "wdm_check.h"
#include "wdm_db.h"
#include "wdm_notices_query.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Rows the page shows at most, the newest; the count says when there are
//  more (as the warnings page's does).
static const char *s_rows_max = "1000";

//  The notices, at most $3 of them (NULL: all, for a download).
static const char *s_list_sql = WDM_NOTICES_SQL " LIMIT $3::int";

//  How many notices the filter ($1: the state, NULL: all) matches.
static const char *s_count_sql = "SELECT count (*) FROM notice WHERE ($1::text IS NULL OR state = $1)";

static const wdm_web_column_t s_columns [] = {
    { "编号", "No.", true, NULL },
    { "状态", "State", false, NULL },
    { "类型", "Kind", false, NULL },
    { "接收人", "Recipient", false, NULL },
    { "渠道", "Channel", false, NULL },
    { "级别", "Level", false, NULL },
    { "指标", "Indicator", false, "/indicator/" },
    { "地区", "Area", false, "/area/" },
    { "年份", "Year", true, NULL },
    { "事由", "What", false, NULL },
    { "尝试次数", "Attempts", true, NULL },
    { "生成时间", "Created", false, NULL },
    { "下次尝试", "Next try", false, NULL },
    { "发送时间", "Sent", false, NULL },
    { "失败原因", "Reason", false, NULL },
};

//  The states, and how the filter names them.
static const char *const s_states [] = { "pending", "sent", "failed", NULL };
static const char *const s_state_names [] = { "待发送 / pending", "已发送 / sent", "发送失败 / failed" };

//  The filter: a select of the states, the one asked for selected.
static void
s_filter (wdm_web_req_t *req, const char *state)
{
    wdm_buf_t *out = &req->body;
    wdm_web_raw (out,
                 "<form method=\"get\" action=\"/notices\" id=\"filter\"><fieldset class=\"filters\">"
                 "<label>状态 / State<select name=\"state\" id=\"f-state\">"
                 "<option value=\"\">全部 / all</option>");
    for (int k = 0; s_states [k]; k++)
        wdm_web_html (out, "<option value=\"%s\"%s>%s</option>", s_states [k],
                      state && strcmp (state, s_states [k]) == 0 ? " selected" : "", s_state_names [k]);
    wdm_web_raw (out,
                 "</select></label><button type=\"submit\" class=\"go\">筛选 / Filter</button>"
                 "</fieldset></form>");
}

void
wdm_web_notices_page (wdm_web_req_t *req)
{
    if (req->user.role == WDM_WEB_UNIT) {
        wdm_web_audit (req, NULL, "forbidden", "/notices", "");
        wdm_web_page_error (req, MHD_HTTP_FORBIDDEN, "无权查看 / Not yours to see",
                            "通知发给工委办,涉及全区各单位;成员单位用户只能查看本单位的数据。 / Notices go "
                            "to the office about every unit; a unit user reads its own unit's data only.");
        return;
    }
    const char *state = wdm_web_arg (req, "state");
    char message [1024] = "";
    if (state && wdm_check_word ("state", state, s_states, message, sizeof message) != WDM_CHECK_OK) {
        wdm_web_page_error (req, MHD_HTTP_BAD_REQUEST, "筛选有误 / Bad filter", message);
        return;
    }
    const char *params [] = { req->config->timezone, state, wdm_web_arg (req, "format") ? NULL : s_rows_max };
    PGresult *res = wdm_db_query (req->conn, s_list_sql, 3, params, PGRES_TUPLES_OK, message, sizeof message);
    PGresult *count = res
        ? wdm_db_query (req->conn, s_count_sql, 1, params + 1, PGRES_TUPLES_OK, message, sizeof message)
        : NULL;
    if (!count) {
        PQclear (res);
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error",
                            "请稍后再试。 / The database failed; try again shortly.");
        return;
    }
    if (wdm_web_page_begin (req, "通知 / Notices", "notices") == 0) {
        wdm_buf_t *out = &req->body;
        wdm_web_raw (
            out,
            "<h1>通知<span class=\"en\">Notices</span></h1>"
            "<p class=\"note\">预警产生或转为红色时、以及每日汇总时发出的邮件和工作群消息。"
            "待发送的会按时重试;失败原因不含任何密钥。与 <code>wdmon notices</code> 所列相同。"
            "<span class=\"en\">Mail and work-group messages sent when a warning opens or turns red, "
            "and the daily digests. Pending ones are retried; a reason never holds a secret. The "
            "same rows as <code>wdmon notices</code>.</span></p>");
        s_filter (req, state);
        long total = atol (PQgetvalue (count, 0, 0));
        wdm_buf_printf (out, "<p id=\"count\">共 %ld 条 <span class=\"en\">%ld notices</span>", total, total);
        if (total > PQntuples (res))
            wdm_buf_printf (out, "（显示前 %d 条 / the first %d shown）", PQntuples (res), PQntuples (res));
        wdm_buf_printf (out, "</p>");
        wdm_web_table (req,
                       &(wdm_web_table_t) { .id = "notices",
                                            .columns = s_columns,
                                            .count = (int)(sizeof s_columns / sizeof s_columns [0]),
                                            .res = res });
        wdm_web_page_end (req);
    }
    PQclear (count);
    PQclear (res);
}
