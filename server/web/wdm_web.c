/*  wdm_web: the console's HTTP server — libmicrohttpd driven from one
    thread, the request's body gathered, the session found, every POST's
    CSRF token checked, the route to a page, the response sent with the
    security headers every page carries.  Owns the daemon and the one
    database connection.  A report's PDF (seconds of headless chromium)
    is printed on a thread of its own while its connection is suspended,
    so that the console answers others meanwhile; the page that asked is
    made on the console's thread as every page is, and so is the answer.
    Contracts in wdm_web.h and wdm_web_int.h.  */

#include "wdm_web_int.h"
#include "wdm_db.h"
#include "wdm_log.h"
#include "wdm_report_pdf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

//  The largest form the console takes: a few hundred warning numbers and
//  a note.
#define S_BODY_MAX (64 * 1024)
//  The largest upload (POST /entry/upload): a filled form is tens of
//  kilobytes; the workbook reader has its own caps on what it inflates.
#define S_UPLOAD_MAX (8 * 1024 * 1024)

//  PDFs printed at once; more wait their turn.  A headless chromium takes
//  what cores there are (a 45-page report: 7 s alone, 13 s each with two
//  at once on 2 cores), and wdmon-server may share them.
#define S_PRINTS_MAX 1

typedef struct {
    const wdm_web_config_t *config;
    PGconn *conn;
    int held;  //  requests for a PDF not yet completed (sent, or the client gone)
    pthread_mutex_t lock;
    pthread_cond_t turn;  //  a print ended, or a connection was suspended
    int printing;         //  prints running, under lock
} s_server_t;

//  One PDF being printed: the print thread's, until it resumes the
//  connection; the console thread's after.
typedef struct {
    s_server_t *server;
    struct MHD_Connection *connection;
    wdm_buf_t html;
    bool suspended;  //  under the server's lock: not resumed before it is suspended
    char *pdf;
    size_t pdf_size;
    int rc;
    char err [768];
} s_print_t;

//  A request's state between libmicrohttpd's calls: its body, and while
//  its PDF is printed, the request itself.
typedef struct {
    wdm_buf_t body;
    bool too_large;
    s_print_t *print;  //  not NULL while the connection is suspended for it
    wdm_web_req_t req;
    bool held;  //  counted in the server's held
} s_upload_t;

const char *
wdm_web_arg (const wdm_web_req_t *req, const char *name)
{
    const char *value = MHD_lookup_connection_value (req->connection, MHD_GET_ARGUMENT_KIND, name);
    return value && *value ? value : NULL;
}

const char *
wdm_web_field (const wdm_web_req_t *req, const char *name)
{
    for (int i = 0; i < req->form.count; i++)
        if (strcmp (req->form.keys [i], name) == 0)
            return req->form.values [i];
    return NULL;
}

const char *
wdm_web_cookie (const wdm_web_req_t *req, const char *name)
{
    return MHD_lookup_connection_value (req->connection, MHD_COOKIE_KIND, name);
}

void
wdm_web_redirect (wdm_web_req_t *req, const char *location)
{
    req->status = MHD_HTTP_SEE_OTHER;
    snprintf (req->location, sizeof req->location, "%s", location);
}

//  Decode one urlencoded piece of size bytes into a new string; NULL if it
//  is malformed (a bad %XX, a NUL) or out of memory.
static char *
s_decode (const char *text, size_t size)
{
    char *out = malloc (size + 1), *to = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < size; i++) {
        if (text [i] == '+')
            *to++ = ' ';
        else if (text [i] == '%') {
            if (i + 2 >= size || !isxdigit ((unsigned char)text [i + 1])
                || !isxdigit ((unsigned char)text [i + 2]))
                goto bad;
            char hex [3] = { text [i + 1], text [i + 2], 0 };
            int byte = (int)strtol (hex, NULL, 16);
            if (byte == 0)
                goto bad;
            *to++ = (char)byte;
            i += 2;
        } else
            *to++ = text [i];
    }
    *to = 0;
    return out;
bad:
    free (out);
    return NULL;
}

int
wdm_web_form_parse (wdm_web_form_t *form, const char *body, size_t size)
{
    const char *at = body, *end = body + size;
    while (at < end) {
        const char *amp = memchr (at, '&', (size_t)(end - at));
        const char *stop = amp ? amp : end;
        const char *eq = memchr (at, '=', (size_t)(stop - at));
        if (stop > at) {
            if (form->count == WDM_WEB_FORM_MAX)
                return -1;
            const char *key_end = eq ? eq : stop;
            char *key = s_decode (at, (size_t)(key_end - at));
            char *value = s_decode (eq ? eq + 1 : stop, eq ? (size_t)(stop - eq - 1) : 0);
            if (!key || !value) {
                free (key);
                free (value);
                return -1;
            }
            form->keys [form->count] = key;
            form->values [form->count++] = value;
        }
        at = stop + 1;
    }
    return 0;
}

void
wdm_web_form_free (wdm_web_form_t *form)
{
    for (int i = 0; i < form->count; i++) {
        free (form->keys [i]);
        free (form->values [i]);
    }
    form->count = 0;
}

//  The client's address: the peer's, or X-Real-IP when a proxy on this
//  machine is trusted to set it.
static void
s_address (wdm_web_req_t *req)
{
    snprintf (req->address, sizeof req->address, "unknown");
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info (req->connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr)
        return;
    bool loopback = false;
    if (info->client_addr->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)info->client_addr;
        inet_ntop (AF_INET, &in->sin_addr, req->address, sizeof req->address);
        loopback = (ntohl (in->sin_addr.s_addr) >> 24) == 127;
    } else if (info->client_addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)info->client_addr;
        inet_ntop (AF_INET6, &in6->sin6_addr, req->address, sizeof req->address);
        loopback = IN6_IS_ADDR_LOOPBACK (&in6->sin6_addr);
    }
    const char *real = MHD_lookup_connection_value (req->connection, MHD_HEADER_KIND, "X-Real-IP");
    if (req->config->trust_proxy && loopback && real && *real && strlen (real) < sizeof req->address)
        snprintf (req->address, sizeof req->address, "%s", real);
}

//  A warning's number in a path after prefix ("/warnings/12" → 12), with
//  what follows it in *rest; 0 if the path is not that.
static long long
s_path_id (const char *path, const char *prefix, const char **rest)
{
    size_t len = strlen (prefix);
    if (strncmp (path, prefix, len) != 0 || !isdigit ((unsigned char)path [len]))
        return 0;
    char *end = NULL;
    errno = 0;
    long long id = strtoll (path + len, &end, 10);
    if (errno || id <= 0)
        return 0;
    *rest = end;
    return id;
}

//  The console's session settings: no JIT, no parallel workers.  The
//  pages' queries are short, but the planner's estimates for the
//  recursive area views ran to tens of millions, past jit_above_cost, and
//  compiling them took 2-6 s of a completeness page that runs in 0.7 s;
//  starting two workers for an index scan that finds nothing took 30 ms
//  of 35 (issue 15, at 1,000,000 observations).  0, or -1 logged.
static int
s_session (PGconn *conn)
{
    return wdm_db_exec (conn, "SET jit = off; SET max_parallel_workers_per_gather = 0");
}

//  Whether the database is there; one reset is tried.  A connection the
//  server closed (a failover, a restart) is found before the page's query
//  fails on it; the reset then follows the conninfo's hosts to the new
//  primary (target_session_attrs=read-write).
static bool
s_database_ok (wdm_web_req_t *req)
{
    if (wdm_db_alive (req->conn) && PQtransactionStatus (req->conn) == PQTRANS_IDLE)
        return true;
    PQreset (req->conn);
    if (PQstatus (req->conn) != CONNECTION_OK) {
        wdm_log_error ("web: the database is unreachable: %s", PQerrorMessage (req->conn));
        return false;
    }
    return wdm_db_exec (req->conn, "SET search_path = wdmon") == 0
        && wdm_db_exec (req->conn, "SET client_encoding = 'UTF8'") == 0 && s_session (req->conn) == 0;
}

//  Route a request whose user is known to its page.
static void
s_route (wdm_web_req_t *req)
{
    const char *rest = NULL;
    long long id = 0;
    if (req->post && strcmp (req->path, "/logout") == 0)
        wdm_web_logout_post (req);
    else if (!req->post && strcmp (req->path, "/") == 0)
        wdm_web_home_page (req);
    else if (!req->post && strcmp (req->path, "/warnings") == 0)
        wdm_web_warnings_page (req);
    else if (!req->post && strcmp (req->path, "/overview") == 0)
        wdm_web_overview_page (req);
    else if (!req->post && strncmp (req->path, "/indicator/", 11) == 0)
        wdm_web_indicator_page (req, req->path + 11);
    else if (req->post && strcmp (req->path, "/warnings/ack") == 0)
        wdm_web_warnings_ack (req);
    else if ((id = s_path_id (req->path, "/warnings/", &rest)) > 0 && !req->post && !*rest)
        wdm_web_warning_page (req, id);
    else if (id > 0 && req->post && strcmp (rest, "/note") == 0)
        wdm_web_warning_note (req, id);
    else if (!req->post && strcmp (req->path, "/areas") == 0)
        wdm_web_area_page (req, NULL);
    else if (!req->post && strncmp (req->path, "/area/", 6) == 0 && req->path [6])
        wdm_web_area_page (req, req->path + 6);
    else if (!req->post && strcmp (req->path, "/units") == 0)
        wdm_web_units_page (req);
    else if (!req->post && strncmp (req->path, "/unit/", 6) == 0 && req->path [6])
        wdm_web_unit_page (req, req->path + 6);
    else if (!req->post && strcmp (req->path, "/completeness") == 0)
        wdm_web_completeness_page (req);
    else if (!req->post && strcmp (req->path, "/entry") == 0)
        wdm_web_entry_page (req);
    else if (req->post && strcmp (req->path, "/entry") == 0)
        wdm_web_entry_post (req);
    else if (!req->post && strcmp (req->path, "/entry/template") == 0)
        wdm_web_entry_template (req);
    else if (req->post && strcmp (req->path, "/entry/upload") == 0)
        wdm_web_upload_post (req);
    else if (!req->post && strcmp (req->path, "/notices") == 0)
        wdm_web_notices_page (req);
    else if (!req->post && strcmp (req->path, "/reports") == 0)
        wdm_web_reports_page (req);
    else if (req->post && strcmp (req->path, "/reports/make") == 0)
        wdm_web_reports_make (req);
    else if (!req->post && (id = s_path_id (req->path, "/reports/", &rest)) > 0)
        wdm_web_report_page (req, id, rest);
    else
        wdm_web_page_error (req, MHD_HTTP_NOT_FOUND, "没有这个页面 / Not found",
                            "请从首页进入。 / There is no such page; start from the home page.");
}

//  Serve one request whose body is in upload: the session, the CSRF check
//  of a POST, the page.
static void
s_serve (wdm_web_req_t *req, s_upload_t *upload)
{
    bool multipart = req->post && strcmp (req->path, "/entry/upload") == 0;
    if (upload->too_large) {
        wdm_web_page_error (req, MHD_HTTP_CONTENT_TOO_LARGE, "表单过大 / Form too large",
                            multipart ? "上传的文件超过 8 MiB。 / The file uploaded is over 8 MiB."
                                      : "提交的内容过多。 / The form sent was too large.");
        return;
    }
    const char *body = upload->body.data ? upload->body.data : "";
    int parsed = 0;
    if (multipart)
        parsed = wdm_web_upload_parse (req, body, upload->body.size);
    else if (req->post)
        parsed = wdm_web_form_parse (&req->form, body, upload->body.size);
    if (parsed) {
        wdm_web_page_error (req, MHD_HTTP_BAD_REQUEST, "表单有误 / Bad form",
                            "无法读取提交的表单。 / The form sent could not be read.");
        return;
    }
    if (!s_database_ok (req)) {
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库暂不可用 / Database unavailable",
                            "请稍后再试。 / The database cannot be reached; try again shortly.");
        return;
    }
    if (strcmp (req->path, "/login") == 0) {
        if (req->post)
            wdm_web_login_post (req);
        else
            wdm_web_login_page (req);
        return;
    }
    //  The API reads by a session or by an API token (sql/046), the
    //  token alone when one is sent.
    bool api = strncmp (req->path, "/api/", 5) == 0;
    const char *bearer =
        api ? MHD_lookup_connection_value (req->connection, MHD_HEADER_KIND, "Authorization") : NULL;
    if (bearer ? wdm_web_api_token_find (req, bearer) : wdm_web_session_find (req)) {
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库暂不可用 / Database unavailable",
                            "请稍后再试。 / The database failed; try again shortly.");
        return;
    }
    if (!req->user.valid) {
        if (api)
            wdm_web_api_error (req, MHD_HTTP_UNAUTHORIZED, "未认证 / Unauthorized",
                               "请登录，或以 Authorization: Bearer 发送有效的 API 令牌。 / Log in, or send a"
                               " valid API token as Authorization: Bearer (docs/API.md).");
        else if (req->post)
            wdm_web_page_error (req, MHD_HTTP_FORBIDDEN, "未登录 / Not logged in",
                                "会话已结束，请重新登录。 / Your session has ended; log in again.");
        else
            wdm_web_redirect (req, "/login");
        return;
    }
    if (req->post && !wdm_web_token_equal (wdm_web_field (req, "csrf"), req->user.csrf)) {
        wdm_web_audit (req, NULL, "csrf_refused", req->path, "");
        wdm_web_page_error (req, MHD_HTTP_FORBIDDEN, "请求被拒绝 / Request refused",
                            "表单缺少有效的安全令牌（CSRF），未作任何更改。请从页面重新提交。 / "
                            "The form did not carry this session's security token (CSRF); nothing was "
                            "changed. Submit it again from the page.");
        return;
    }
    if (api)
        wdm_web_api (req);
    else {
        s_route (req);
        wdm_web_table_finish (req);
    }
}

//  Send what the page made, with the headers every answer carries.
static enum MHD_Result
s_send (struct MHD_Connection *connection, wdm_web_req_t *req, const char *data, size_t size,
        const char *type, bool cache)
{
    struct MHD_Response *response = MHD_create_response_from_buffer (
        size, (void *)data, cache ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_COPY);
    if (!response)
        return MHD_NO;
    MHD_add_response_header (response, "Content-Type", type);
    MHD_add_response_header (response, "Cache-Control", cache ? "public, max-age=3600" : "no-store");
    MHD_add_response_header (response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header (response, "X-Frame-Options", req && req->framed ? "SAMEORIGIN" : "DENY");
    MHD_add_response_header (response, "Referrer-Policy", "same-origin");
    if (req && req->disposition [0])
        MHD_add_response_header (response, "Content-Disposition", req->disposition);
    MHD_add_response_header (response, "Content-Security-Policy",
                             req && req->csp
                                 ? req->csp
                                 : "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self';"
                                   " form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    if (req && req->status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header (response, "WWW-Authenticate", "Bearer realm=\"wdmon\"");
    if (req && req->status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header (response, "Allow",
                                 strncmp (req->path, "/api/", 5) == 0 ? "GET, HEAD" : "GET, HEAD, POST");
    if (req && req->status == MHD_HTTP_SEE_OTHER)
        MHD_add_response_header (response, "Location", req->location);
    for (int i = 0; req && i < 2; i++)
        if (req->cookie [i][0])
            MHD_add_response_header (response, "Set-Cookie", req->cookie [i]);
    enum MHD_Result rc = MHD_queue_response (connection, req ? req->status : MHD_HTTP_OK, response);
    MHD_destroy_response (response);
    return rc;
}

//  Free what req holds.
static void
s_req_free (wdm_web_req_t *req)
{
    wdm_buf_free (&req->body);
    wdm_buf_free (&req->file);
    wdm_buf_free (&req->upload);
    wdm_buf_free (&req->print);
    wdm_web_form_free (&req->form);
}

//  Send req's page or download, and free what it holds.
static enum MHD_Result
s_respond (struct MHD_Connection *connection, wdm_web_req_t *req)
{
    if (req->status != MHD_HTTP_OK) {  //  an error page, never half a download
        req->file_type = NULL;
        req->disposition [0] = '\0';
    }
    wdm_buf_t *sent = req->file_type ? &req->file : &req->body;
    enum MHD_Result rc = s_send (connection, req, sent->data ? sent->data : "", sent->size,
                                 req->file_type  ? req->file_type
                                     : req->type ? req->type
                                                 : "text/html; charset=utf-8",
                                 false);
    s_req_free (req);
    return rc;
}

//  A print thread: wait for its connection to be suspended and for a
//  turn, print, and resume the connection (the last it does with print,
//  which the console's thread then owns).
static void *
s_print_run (void *arg)
{
    s_print_t *print = arg;
    s_server_t *server = print->server;
    pthread_mutex_lock (&server->lock);
    while (!print->suspended || server->printing >= S_PRINTS_MAX)
        pthread_cond_wait (&server->turn, &server->lock);
    server->printing++;
    pthread_mutex_unlock (&server->lock);
    print->rc = wdm_report_pdf_render (print->html.data, print->html.size, &print->pdf, &print->pdf_size,
                                       print->err, sizeof print->err);
    pthread_mutex_lock (&server->lock);
    server->printing--;
    pthread_cond_broadcast (&server->turn);
    pthread_mutex_unlock (&server->lock);
    MHD_resume_connection (print->connection);
    return NULL;
}

static void
s_print_free (s_print_t *print)
{
    if (print) {
        wdm_buf_free (&print->html);
        free (print->pdf);
        free (print);
    }
}

//  Print req's HTML on a thread of its own and suspend the connection;
//  the request is kept in upload until it is resumed.  0, or -1 if no
//  thread could be started (req unchanged).
static int
s_print_start (s_server_t *server, struct MHD_Connection *connection, s_upload_t *upload, wdm_web_req_t *req)
{
    s_print_t *print = calloc (1, sizeof *print);
    pthread_attr_t attr;
    pthread_t thread;
    if (!print || pthread_attr_init (&attr)) {
        free (print);
        return -1;
    }
    pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
    print->server = server;
    print->connection = connection;
    print->html = req->print;
    int rc = pthread_create (&thread, &attr, s_print_run, print);
    pthread_attr_destroy (&attr);
    if (rc) {
        free (print);
        return -1;
    }
    req->print = (wdm_buf_t) { 0 };  //  the print's now
    upload->req = *req;
    upload->print = print;
    upload->held = true;
    server->held++;
    MHD_suspend_connection (connection);
    pthread_mutex_lock (&server->lock);
    print->suspended = true;
    pthread_cond_broadcast (&server->turn);
    pthread_mutex_unlock (&server->lock);
    return 0;
}

//  The printed PDF (or the 503 page naming what failed) into req's body.
static void
s_print_end (wdm_web_req_t *req, s_print_t *print)
{
    if (print->rc == 0 && wdm_buf_add (&req->body, print->pdf, print->pdf_size) == 0)
        return;
    if (print->rc == 0)
        snprintf (print->err, sizeof print->err, "内存不足 / out of memory");
    wdm_log_error ("web: %s as PDF: %s", req->path, print->err);
    req->type = NULL;  //  the page's own, not the PDF's
    req->csp = NULL;
    req->framed = false;
    wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "PDF 未能生成 / The PDF failed", print->err);
}

static enum MHD_Result
s_answer (void *cls, struct MHD_Connection *connection, const char *url, const char *method,
          const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    s_server_t *server = cls;
    s_upload_t *upload = *con_cls;
    if (!upload) {
        upload = calloc (1, sizeof *upload);
        *con_cls = upload;
        return upload ? MHD_YES : MHD_NO;
    }
    if (upload->print) {  //  resumed: its PDF is printed
        wdm_web_req_t req = upload->req;
        s_print_end (&req, upload->print);
        s_print_free (upload->print);
        upload->print = NULL;
        return s_respond (connection, &req);
    }
    if (*upload_data_size > 0) {
        size_t most = strcmp (url, "/entry/upload") == 0 ? S_UPLOAD_MAX : S_BODY_MAX;
        if (upload->body.size + *upload_data_size > most
            || wdm_buf_add (&upload->body, upload_data, *upload_data_size))
            upload->too_large = true;
        *upload_data_size = 0;
        return MHD_YES;
    }
    bool get = strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0;
    if (get) {
        size_t size = 0;
        const char *type = NULL;
        const char *asset = wdm_web_asset (url, &size, &type);
        if (asset)
            return s_send (connection, NULL, asset, size, type, true);
    }
    wdm_web_req_t req = { .config = server->config,
                          .conn = server->conn,
                          .connection = connection,
                          .method = method,
                          .path = url,
                          .post = strcmp (method, "POST") == 0,
                          .status = MHD_HTTP_OK };
    s_address (&req);
    if (!get && (!req.post || strncmp (url, "/api/", 5) == 0))
        wdm_web_page_error (&req, MHD_HTTP_METHOD_NOT_ALLOWED, "不支持的请求 / Method not allowed",
                            strncmp (url, "/api/", 5) == 0
                                ? "接口只读，只接受 GET。 / The API only reads: GET only."
                                : "只接受 GET 和 POST。 / Only GET and POST are accepted.");
    else
        s_serve (&req, upload);
    if (req.print.data && req.status == MHD_HTTP_OK && s_print_start (server, connection, upload, &req) == 0)
        return MHD_YES;
    if (req.print.data && req.status == MHD_HTTP_OK) {  //  no thread: printed here, the console waiting
        s_print_t print = { 0 };
        print.rc = wdm_report_pdf_render (req.print.data, req.print.size, &print.pdf, &print.pdf_size,
                                          print.err, sizeof print.err);
        s_print_end (&req, &print);
        free (print.pdf);
    }
    return s_respond (connection, &req);
}

static void
s_completed (void *cls, struct MHD_Connection *connection, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    s_server_t *server = cls;
    s_upload_t *upload = *con_cls;
    if (upload && upload->held)
        server->held--;
    if (upload && upload->print) {  //  gone before its PDF was sent
        s_print_free (upload->print);
        s_req_free (&upload->req);
    }
    if (upload) {
        wdm_buf_free (&upload->body);
        free (upload);
        *con_cls = NULL;
    }
}

//  Read a whole PEM file into a new string; NULL with the cause logged.
static char *
s_read_file (const char *path)
{
    FILE *file = fopen (path, "rb");
    wdm_buf_t text = { 0 };
    char chunk [4096];
    size_t got;
    if (!file) {
        wdm_log_error ("web: cannot read %s: %s", path, strerror (errno));
        return NULL;
    }
    while ((got = fread (chunk, 1, sizeof chunk, file)) > 0)
        if (wdm_buf_add (&text, chunk, got)) {
            wdm_buf_free (&text);
            break;
        }
    fclose (file);
    return text.data;
}

int
wdm_web_run (const wdm_web_config_t *config, volatile sig_atomic_t *stop)
{
    int rc = -1;
    struct MHD_Daemon *daemon = NULL;
    char *cert = NULL, *key = NULL;
    s_server_t server = { .config = config };
    pthread_mutex_init (&server.lock, NULL);
    pthread_cond_init (&server.turn, NULL);
    struct sockaddr_in where;
    memset (&where, 0, sizeof where);
    where.sin_family = AF_INET;
    where.sin_port = htons ((uint16_t)config->port);
    if (inet_pton (AF_INET, config->address, &where.sin_addr) != 1) {
        wdm_log_error ("web: [web] address '%s' is not an IPv4 address", config->address);
        goto cleanup;
    }
    bool tls = config->tls_cert [0] && config->tls_key [0];
    if (tls && !MHD_is_feature_supported (MHD_FEATURE_TLS)) {
        wdm_log_error ("web: this libmicrohttpd has no TLS: put nginx in front (docs/CONSOLE.md)");
        goto cleanup;
    }
    if (tls && (!(cert = s_read_file (config->tls_cert)) || !(key = s_read_file (config->tls_key))))
        goto cleanup;
    server.conn = wdm_db_connect (config->conninfo);
    if (!server.conn || s_session (server.conn) != 0)
        goto cleanup;
    unsigned int flags = MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME | (tls ? MHD_USE_TLS : 0);
    if (tls)
        daemon =
            MHD_start_daemon (flags, (uint16_t)config->port, NULL, NULL, s_answer, &server,
                              MHD_OPTION_SOCK_ADDR, &where, MHD_OPTION_NOTIFY_COMPLETED, s_completed, &server,
                              MHD_OPTION_CONNECTION_LIMIT, 64, MHD_OPTION_CONNECTION_TIMEOUT, 30,
                              MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_END);
    else
        daemon = MHD_start_daemon (flags, (uint16_t)config->port, NULL, NULL, s_answer, &server,
                                   MHD_OPTION_SOCK_ADDR, &where, MHD_OPTION_NOTIFY_COMPLETED, s_completed,
                                   &server, MHD_OPTION_CONNECTION_LIMIT, 64, MHD_OPTION_CONNECTION_TIMEOUT,
                                   30, MHD_OPTION_END);
    if (!daemon) {
        wdm_log_error ("web: cannot listen on %s:%ld", config->address, config->port);
        goto cleanup;
    }
    wdm_log_info ("web: serving %s://%s:%ld/", tls ? "https" : "http", config->address, config->port);
    while (!*stop)
        if (MHD_run_wait (daemon, 500) == MHD_NO)
            break;
    rc = *stop ? 0 : -1;
    //  A suspended connection would outlive the daemon: the PDFs being
    //  printed are sent first (each within the engine's time limit), to
    //  their last byte.
    if (server.held > 0)
        wdm_log_info ("web: stopping once the %d PDF(s) being printed are sent", server.held);
    while (server.held > 0)
        if (MHD_run_wait (daemon, 500) == MHD_NO) {  //  only on a select error
            wdm_log_error ("web: stopping with %d PDF(s) unsent", server.held);
            break;
        }
cleanup:
    if (daemon)
        MHD_stop_daemon (daemon);
    PQfinish (server.conn);
    pthread_cond_destroy (&server.turn);
    pthread_mutex_destroy (&server.lock);
    free (cert);
    free (key);
    return rc;
}
