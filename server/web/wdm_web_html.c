/*  wdm_web_html: the console's HTML — the one escaping function for
    values, percent-encoding for values in URLs, and the layout every page
    shares (head with the embedded stylesheet, navigation, the user, the
    footer), the error page and the CSRF field.  Contracts in
    wdm_web_int.h.  */

#include "wdm_web_int.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
wdm_web_text (wdm_buf_t *out, const char *text)
{
    if (!text)
        return 0;
    const char *start = text;
    for (const char *at = text; *at; at++) {
        const char *entity = *at == '&' ? "&amp;"
            : *at == '<'                ? "&lt;"
            : *at == '>'                ? "&gt;"
            : *at == '"'                ? "&quot;"
            : *at == '\''               ? "&#39;"
                                        : NULL;
        if (!entity)
            continue;
        if (wdm_buf_add (out, start, (size_t)(at - start)) || wdm_buf_add (out, entity, strlen (entity)))
            return -1;
        start = at + 1;
    }
    return wdm_buf_add (out, start, strlen (start));
}

int
wdm_web_url_arg (wdm_buf_t *out, const char *text)
{
    static const char hex [] = "0123456789ABCDEF";
    for (const unsigned char *at = (const unsigned char *)text; at && *at; at++) {
        bool plain = (*at >= 'a' && *at <= 'z') || (*at >= 'A' && *at <= 'Z') || (*at >= '0' && *at <= '9')
            || *at == '-' || *at == '_' || *at == '.' || *at == '~';
        char escaped [3] = { '%', hex [*at >> 4], hex [*at & 15] };
        if (plain ? wdm_buf_add (out, at, 1) : wdm_buf_add (out, escaped, 3))
            return -1;
    }
    return 0;
}

int
wdm_web_raw (wdm_buf_t *out, const char *html)
{
    return wdm_buf_add (out, html, strlen (html));
}

int
wdm_web_html (wdm_buf_t *out, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int rc = 0;
    const char *start = format, *at = format;
    for (; rc == 0 && *at; at++) {
        if (*at != '%' || (at [1] != 's' && at [1] != 'u'))
            continue;
        const char *value = va_arg (args, const char *);
        rc = wdm_buf_add (out, start, (size_t)(at - start))
            || (at [1] == 's' ? wdm_web_text (out, value) : wdm_web_url_arg (out, value));
        start = ++at + 1;
    }
    va_end (args);
    return rc || wdm_buf_add (out, start, strlen (start));
}

int
wdm_web_csrf_field (wdm_web_req_t *req)
{
    return wdm_web_raw (&req->body, "<input type=\"hidden\" name=\"csrf\" value=\"")
        || wdm_web_text (&req->body, req->user.csrf) || wdm_web_raw (&req->body, "\">");
}

//  One link of the navigation, marked when it is the current page.
static int
s_nav (wdm_buf_t *out, const char *href, const char *label, const char *key, const char *current)
{
    bool here = current && strcmp (key, current) == 0;
    return wdm_buf_printf (out, "<a href=\"%s\"%s>%s</a>", href, here ? " aria-current=\"page\"" : "", label);
}

int
wdm_web_page_begin (wdm_web_req_t *req, const char *title, const char *current)
{
    wdm_buf_t *out = &req->body;
    int rc = wdm_web_raw (out,
                          "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                          "<title>")
        || wdm_web_text (out, title)
        || wdm_web_raw (out,
                        " · wdmon</title>"
                        "<link rel=\"stylesheet\" href=\"/static/wdmon.css\">"
                        "<link rel=\"stylesheet\" href=\"/static/pages.css\">"
                        "<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">"
                        "<script src=\"/static/wdmon.js\" defer></script></head><body>"
                        "<header class=\"top\"><div class=\"brand\">武清区妇女发展规划监测预警"
                        "<span class=\"en\">Wuqing women's plan monitoring</span></div>");
    if (rc == 0 && req->user.valid) {
        rc = wdm_web_raw (out, "<nav>")
            || s_nav (out, "/", "首页 <span class=\"en\">Home</span>", "home", current)
            || s_nav (out, "/overview", "总览 <span class=\"en\">Overview</span>", "overview", current)
            || s_nav (out, "/warnings", "预警 <span class=\"en\">Warnings</span>", "warnings", current)
            || s_nav (out, "/areas", "地区 <span class=\"en\">Areas</span>", "areas", current)
            || s_nav (out, "/units", "成员单位 <span class=\"en\">Units</span>", "units", current)
            || s_nav (out, "/completeness", "完整性 <span class=\"en\">Completeness</span>", "completeness",
                      current)
            || s_nav (out, "/reports", "报告 <span class=\"en\">Reports</span>", "reports", current)
            || (req->user.role == WDM_WEB_UNIT
                && s_nav (out, "/entry", "填报 <span class=\"en\">Entry</span>", "entry", current))
            || (req->user.role != WDM_WEB_UNIT
                && s_nav (out, "/notices", "通知 <span class=\"en\">Notices</span>", "notices", current))
            || wdm_web_raw (out, "</nav><div class=\"who\"><span class=\"user\">")
            || wdm_web_text (out, req->user.display_name) || wdm_web_raw (out, " (")
            || wdm_web_text (out, req->user.login) || wdm_web_raw (out, ") · ")
            || wdm_web_text (out, wdm_web_role_name (req->user.role));
        if (rc == 0 && req->user.role == WDM_WEB_UNIT)
            rc = wdm_web_raw (out, " · ") || wdm_web_text (out, req->user.unit_code);
        rc = rc || wdm_web_raw (out, "</span><form method=\"post\" action=\"/logout\" class=\"inline\">")
            || wdm_web_csrf_field (req)
            || wdm_web_raw (out,
                            "<button type=\"submit\" id=\"logout\">退出 / Log out</button></form></div>");
    }
    //  Every page prints (the print rules of wdmon.css); the link is shown
    //  by wdmon.js, which prints on it.
    return rc
        || wdm_web_raw (out,
                        "</header><main><p class=\"print-link noprint\"><a href=\"#print\" id=\"print\""
                        " hidden>打印 / Print</a></p>");
}

int
wdm_web_page_end (wdm_web_req_t *req)
{
    return wdm_buf_printf (&req->body,
                           "</main><footer>wdmon %s · 时间为 %s 时间 / times in %s</footer></body></html>\n",
                           WDM_VERSION, req->config->timezone, req->config->timezone);
}

void
wdm_web_page_error (wdm_web_req_t *req, unsigned status, const char *title, const char *message)
{
    if (strncmp (req->path, "/api/", 5) == 0) {
        wdm_web_api_error (req, status, title, message);
        return;
    }
    req->status = status;
    wdm_buf_reset (&req->body);
    if (wdm_web_page_begin (req, title, NULL) == 0 && wdm_buf_printf (&req->body, "<h1>%u ", status) == 0
        && wdm_web_text (&req->body, title) == 0
        && wdm_web_raw (&req->body, "</h1><p class=\"error\" role=\"alert\">") == 0
        && wdm_web_text (&req->body, message) == 0
        && wdm_web_raw (&req->body, "</p><p><a href=\"/\">返回首页 / Back to the home page</a></p>") == 0)
        wdm_web_page_end (req);
}
