/*  wdm_web_home: the home page — who is logged in, what the role can do,
    and a link to each page open to it (the plan's overview is
    /overview, wdm_web_overview.c).  Contract in wdm_web_int.h.  */

#include "wdm_web_int.h"

void
wdm_web_home_page (wdm_web_req_t *req)
{
    wdm_buf_t *out = &req->body;
    const wdm_web_user_t *user = &req->user;
    if (wdm_web_page_begin (req, "首页 / Home", "home"))
        return;
    wdm_web_raw (out, "<h1>监测预警控制台<span class=\"en\">Monitoring console</span></h1><p>您好，");
    wdm_web_text (out, user->display_name);
    wdm_web_raw (out, "。您的角色是 / Your role: <strong id=\"role\">");
    wdm_web_text (out, wdm_web_role_name (user->role));
    wdm_web_raw (out,
                 "</strong></p><h2>您可以 <span class=\"en\">What you can do</span></h2><ul id=\"can\">");
    switch (user->role) {
        case WDM_WEB_VIEWER:
            wdm_web_raw (out,
                         "<li>查看全部预警及其历史 <span class=\"en\">read every warning and its "
                         "history</span></li>");
            break;
        case WDM_WEB_UNIT:
            wdm_web_raw (out, "<li>查看本单位的预警（本单位缺报的，及本单位牵头指标的）：");
            wdm_web_text (out, user->unit_code);
            wdm_web_raw (
                out,
                " <span class=\"en\">read your unit's warnings: its missing reports and the "
                "indicators it leads</span></li><li><a href=\"/entry\">填报本单位的年度数据，或上传填好的"
                " Excel 模板</a> <span class=\"en\">enter your unit's yearly figures, or upload its "
                "filled Excel form</span></li>");
            break;
        case WDM_WEB_OPERATOR:
        case WDM_WEB_ADMINISTRATOR:
            wdm_web_raw (
                out,
                "<li>查看全部预警及其历史 <span class=\"en\">read every warning and its "
                "history</span></li><li>确认预警（可多条一并确认，附同一说明），为已确认的预警追加督办"
                "备注 <span class=\"en\">acknowledge warnings, several with one note; add follow-up "
                "notes to acknowledged ones</span></li>");
            if (user->role == WDM_WEB_ADMINISTRATOR)
                wdm_web_raw (out,
                             "<li>管理账号：在服务器上运行 <code>wdmon user add|passwd|disable|list</code>"
                             " <span class=\"en\">manage accounts with <code>wdmon user</code> on the "
                             "server</span></li>");
            break;
    }
    wdm_web_raw (
        out,
        "</ul><div class=\"cards\"><div class=\"card\"><h2><a href=\"/overview\">总览"
        "<span class=\"en\">Overview</span></a></h2><p>各领域目标状态、红色预警、上次访问以来的变化、"
        "报送期限。<span class=\"en\">Targets by domain, red warnings, changes since your last "
        "visit, deadlines.</span></p></div><div class=\"card\"><h2><a href=\"/warnings?open=1\">预警"
        "<span class=\"en\">Warnings</span></a></h2><p>未解除的预警，红色在前。<span class=\"en\">"
        "Warnings not resolved, red first.</span></p></div></div>");
    wdm_web_page_end (req);
}
