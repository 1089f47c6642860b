/*  wdm_web_login: the login page, logging in and out.  The login form has
    no session yet, so its CSRF token is a double submit: a random token in
    a cookie of its own (HttpOnly, SameSite=Strict, for /login only) and in
    the form, which must match.  Contracts in wdm_web_int.h.  */

#include "wdm_web_int.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#define S_LOGIN_COOKIE "wdm_login"

//  The login form, with message (program text; NULL for none) above it.
static void
s_form (wdm_web_req_t *req, const char *message)
{
    char token [65];
    wdm_web_token_new (token);
    bool secure = req->config->secure_cookie || (req->config->tls_cert [0] && req->config->tls_key [0]);
    snprintf (req->cookie [1], sizeof req->cookie [1],
              S_LOGIN_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/login%s", token,
              secure ? "; Secure" : "");
    wdm_buf_t *out = &req->body;
    wdm_buf_reset (out);
    if (wdm_web_page_begin (req, "登录 / Log in", NULL))
        return;
    wdm_web_raw (out, "<section class=\"login\"><h1>登录<span class=\"en\">Log in</span></h1>");
    if (message) {
        wdm_web_raw (out, "<p class=\"error\" role=\"alert\" id=\"login-error\">");
        wdm_web_text (out, message);
        wdm_web_raw (out, "</p>");
    }
    wdm_web_raw (out,
                 "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" value=\"");
    wdm_web_text (out, token);
    wdm_web_raw (out,
                 "\"><label>账号 / Login<input name=\"login\" id=\"login\" autocomplete=\"username\" required"
                 " autofocus></label>"
                 "<label>密码 / Password<input name=\"password\" id=\"password\" type=\"password\""
                 " autocomplete=\"current-password\" required></label>"
                 "<button type=\"submit\" id=\"submit\">登录 / Log in</button></form></section>");
    wdm_web_page_end (req);
}

void
wdm_web_login_page (wdm_web_req_t *req)
{
    if (wdm_web_session_find (req) == 0 && req->user.valid)
        wdm_web_redirect (req, "/");
    else
        s_form (req, NULL);
}

void
wdm_web_login_post (wdm_web_req_t *req)
{
    const char *login = wdm_web_field (req, "login"), *password = wdm_web_field (req, "password");
    if (!wdm_web_token_equal (wdm_web_field (req, "csrf"), wdm_web_cookie (req, S_LOGIN_COOKIE))) {
        wdm_web_audit (req, login ? login : "", "csrf_refused", "/login", "");
        wdm_web_page_error (
            req, MHD_HTTP_FORBIDDEN, "请求被拒绝 / Request refused",
            "登录表单缺少有效的安全令牌（CSRF）。请重新打开登录页。 / The login form did not carry "
            "its security token (CSRF); open the login page again.");
        return;
    }
    if (!login || !*login || !password || !*password || strlen (login) > 64) {
        req->status = MHD_HTTP_UNAUTHORIZED;
        s_form (req, "请填写账号和密码。 / Give your login and password.");
        return;
    }
    char message [512];
    switch (wdm_web_session_login (req, login, password)) {
        case WDM_WEB_LOGIN_OK:
            snprintf (req->cookie [1], sizeof req->cookie [1],
                      S_LOGIN_COOKIE "=; HttpOnly; SameSite=Strict; Path=/login; Max-Age=0");
            wdm_web_redirect (req, "/");
            break;
        case WDM_WEB_LOGIN_WRONG:
            req->status = MHD_HTTP_UNAUTHORIZED;
            s_form (req, "账号或密码不正确。 / Wrong login or password.");
            break;
        case WDM_WEB_LOGIN_LOCKED:
            req->status = MHD_HTTP_TOO_MANY_REQUESTS;
            snprintf (
                message, sizeof message,
                "密码错误次数过多，登录已锁定，请 %ld 分钟后再试。 / Too many wrong passwords: logging in "
                "is locked; try again in %ld minutes.",
                req->config->lock_minutes, req->config->lock_minutes);
            s_form (req, message);
            break;
        case WDM_WEB_LOGIN_FAILED:
            wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库暂不可用 / Database unavailable",
                                "请稍后再试。 / The database failed; try again shortly.");
            break;
    }
}

void
wdm_web_logout_post (wdm_web_req_t *req)
{
    wdm_web_audit (req, NULL, "logout", "", "");
    wdm_web_session_end (req);
    wdm_web_redirect (req, "/login");
}
