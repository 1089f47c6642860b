/*  wdm_web_int: internal to server/web.  The request as every page sees
    it, the session layer, the HTML layer and the pages.  A page is a
    function that reads the request (its user already checked, a POST's
    CSRF token already checked) and writes the response's body into
    req->body with the HTML layer; wdm_web.c routes to it and sends what
    it wrote.  */

#ifndef WDM_WEB_INT_H_INCLUDED
#define WDM_WEB_INT_H_INCLUDED

#include "wdm_buf.h"
#include "wdm_web.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  The roles of console_user.role.
typedef enum { WDM_WEB_VIEWER = 0, WDM_WEB_OPERATOR, WDM_WEB_ADMINISTRATOR, WDM_WEB_UNIT } wdm_web_role_t;

//  Who is logged in on this request.
typedef struct {
    bool valid;  //  false: nobody (the fields are empty)
    char login [72];
    char display_name [256];
    wdm_web_role_t role;
    char unit_code [72];   //  role unit: the member unit whose warnings it sees
    char csrf [72];        //  the session's CSRF token, hex
    char token_hash [72];  //  the session's key in console_session
} wdm_web_user_t;

//  A form's fields as sent (application/x-www-form-urlencoded), decoded.
#define WDM_WEB_FORM_MAX 1024  //  the entry form: six fields a row
typedef struct {
    int count;
    char *keys [WDM_WEB_FORM_MAX];
    char *values [WDM_WEB_FORM_MAX];
} wdm_web_form_t;

//  One request and the response being made for it.
typedef struct {
    const wdm_web_config_t *config;
    PGconn *conn;
    void *connection;  //  struct MHD_Connection, for the query string and cookies
    const char *method, *path;
    bool post;
    char address [64];  //  the client's address, for limits and the audit
    wdm_web_user_t user;
    wdm_web_form_t form;  //  a POST's fields
    //  The response.
    unsigned status;
    wdm_buf_t body;
    const char *type;        //  the body's Content-Type; NULL: HTML
    const char *csp;         //  Content-Security-Policy; NULL: the pages' own
    bool framed;             //  may be framed by the console's pages (a report)
    char disposition [256];  //  Content-Disposition, "" for none (a download)
    char location [512];     //  a redirect's target, when status is 303
    char cookie [2][256];    //  Set-Cookie values, "" for none
    //  A download a table made (wdm_web_table.c) instead of the page.
    wdm_buf_t file;
    const char *file_type;  //  its Content-Type (disposition names the file); NULL: no download made
    //  An uploaded file (POST /entry/upload, multipart; wdm_web_upload.c).
    wdm_buf_t upload;
    char upload_name [256];  //  its file name as the browser sent it
    bool upload_too_large;
    //  HTML to print to PDF as the body (the report's .pdf; data NULL:
    //  none): wdm_web.c prints it on a thread of its own and answers when
    //  it is done, so that the console answers others meanwhile.
    wdm_buf_t print;
} wdm_web_req_t;

//  --------------------------------------------------------------------
//  The request (wdm_web.c)

//  A query-string argument of a GET, or NULL; "" counts as absent.
const char *wdm_web_arg (const wdm_web_req_t *req, const char *name);

//  A field of the POSTed form (the first of that name), or NULL.
const char *wdm_web_field (const wdm_web_req_t *req, const char *name);

//  A cookie the browser sent, or NULL.
const char *wdm_web_cookie (const wdm_web_req_t *req, const char *name);

//  Parse body (urlencoded) into form, decoding %XX and '+'.  0, or -1 for
//  a malformed body or too many fields; form owns its strings (free with
//  wdm_web_form_free).
int wdm_web_form_parse (wdm_web_form_t *form, const char *body, size_t size);
void wdm_web_form_free (wdm_web_form_t *form);

//  Answer with a redirect (303 See Other) to location.
void wdm_web_redirect (wdm_web_req_t *req, const char *location);

//  --------------------------------------------------------------------
//  Accounts and sessions (wdm_web_session.c)

//  What a login came to.
typedef enum {
    WDM_WEB_LOGIN_OK = 0,  //  req->user is logged in and a new session's cookie is set
    WDM_WEB_LOGIN_WRONG,   //  unknown login, wrong password or disabled account
    WDM_WEB_LOGIN_LOCKED,  //  too many wrong passwords lately: not even tried
    WDM_WEB_LOGIN_FAILED   //  the database failed (logged)
} wdm_web_login_t;

//  Try login and password from req's address, within the limits; record
//  the attempt and audit it.
wdm_web_login_t wdm_web_session_login (wdm_web_req_t *req, const char *login, const char *password);

//  Find the session of the request's cookie and fill req->user (valid
//  false when there is none, it has expired or the account is disabled).
//  0, or -1 if the database failed.
int wdm_web_session_find (wdm_web_req_t *req);

//  End the request's session (logout) and clear the cookie.  0, or -1.
int wdm_web_session_end (wdm_web_req_t *req);

//  Write one line of console_audit as the request's user (or as login,
//  when nobody is logged in yet), from its address.  0, or -1 (logged).
int wdm_web_audit (wdm_web_req_t *req, const char *login, const char *action, const char *object,
                   const char *detail);

//  Whether a token sent with a form equals expected (in constant time).
bool wdm_web_token_equal (const char *sent, const char *expected);

//  A new random token, 32 bytes as 64 hex digits, into hex (65 bytes).
void wdm_web_token_new (char *hex);

//  The role's name in the console, Chinese and English ("操作员 / operator").
const char *wdm_web_role_name (wdm_web_role_t role);

//  Whether the user may acknowledge warnings and add notes.
bool wdm_web_can_act (const wdm_web_user_t *user);

//  --------------------------------------------------------------------
//  HTML (wdm_web_html.c): every value written into a page goes through
//  wdm_web_text (element content and quoted attributes alike) or
//  wdm_web_url_arg (a value inside a URL's query).  All return 0, or -1
//  out of memory.

//  Append text escaped for HTML: & < > " ' as entities.
int wdm_web_text (wdm_buf_t *out, const char *text);

//  Append text percent-encoded for a URL's query (then escaped as text
//  need not be: the result holds no HTML metacharacter).
int wdm_web_url_arg (wdm_buf_t *out, const char *text);

//  Append literal HTML the program wrote itself (never a value).
int wdm_web_raw (wdm_buf_t *out, const char *html);

//  Append the program's HTML format with each %s replaced by the next
//  argument (a string) escaped as wdm_web_text does, each %u by the next
//  percent-encoded as wdm_web_url_arg does; nothing else is special.
int wdm_web_html (wdm_buf_t *out, const char *format, ...);

//  Begin a page: doctype, head with the embedded stylesheet, the header
//  with the navigation (current: which link is this page's) and the user.
int wdm_web_page_begin (wdm_web_req_t *req, const char *title, const char *current);

//  End a page: the footer and the closing tags.
int wdm_web_page_end (wdm_web_req_t *req);

//  A whole page saying what went wrong, with status (403, 404, 400, 503):
//  the heading and message are program text (Chinese / English).
void wdm_web_page_error (wdm_web_req_t *req, unsigned status, const char *title, const char *message);

//  The hidden CSRF field of the user's session, for every form.
int wdm_web_csrf_field (wdm_web_req_t *req);

//  --------------------------------------------------------------------
//  Tables (wdm_web_table.c): a page describes a table once and it is
//  rendered as HTML, or, when the request says ?format=csv|xlsx&table=ID,
//  as that download instead of the page.

//  One column: its heading in both languages; number: the cells are
//  numbers (right-aligned, number cells in .xlsx); link: a path the cell
//  links to with its value appended, percent-encoded (NULL: none).
typedef struct {
    const char *zh, *en;
    bool number;
    const char *link;
} wdm_web_column_t;

//  A table: column i shows field i of res's rows.  id names it in the
//  page (the HTML id, ?table=ID) and in the download's file name.
//  cell, when not NULL, gives column c of row row instead (a value the
//  page works out, e.g. with wdm_judge), with context its first argument.
typedef struct {
    const char *id;
    const wdm_web_column_t *columns;
    int count;
    const PGresult *res;
    const char *(*cell) (void *context, const PGresult *res, int row, int c);
    void *context;
} wdm_web_table_t;

//  Append the table to the page with its download links; or, when the
//  request asks for this table's download, make the file instead (into
//  req->file).  0, or -1 out of memory or when the file cannot be made.
int wdm_web_table (wdm_web_req_t *req, const wdm_web_table_t *table);

//  The same for a table the page draws itself (the warnings list, with
//  its checkboxes): only the download links, or the file when asked for.
int wdm_web_table_links (wdm_web_req_t *req, const wdm_web_table_t *table);

//  After the page: a download that was asked for and not made is a 404
//  (no such table here) or a 400 (no such format).
void wdm_web_table_finish (wdm_web_req_t *req);

//  Append one CSV record (RFC 4180: every field quoted, quotes doubled,
//  CRLF) of count fields.  0, or -1 out of memory.
int wdm_web_csv_record (wdm_buf_t *out, const char *const *fields, int count);

//  --------------------------------------------------------------------
//  Downloads of what the overview and the indicator page draw themselves
//  (wdm_web_downloads.c): each writes its table's download links, or
//  makes the file when the request asks for that table.  0, or -1 (out of
//  memory, rows NULL).

//  Rows held in memory for a download (a PGresult made without a query,
//  columns text fields; PQclear frees it), or NULL out of memory; and one
//  row appended (values: one per column, NULL as "").  0, or -1.
PGresult *wdm_web_rows_new (int columns);
int wdm_web_rows_add (PGresult *rows, const char *const *values);

//  The overview's counts per domain (table overview-domains; rows: code,
//  name zh, name en, met, on track, behind, unlikely, not reported,
//  total), its warnings (overview-warnings; res: the page's query, id,
//  level, indicator code, name, area, year, message zh, en) and its
//  deadlines (overview-deadlines; rows: deadline, year, missing, units,
//  state).
int wdm_web_downloads_domains (wdm_web_req_t *req, const PGresult *rows);
int wdm_web_downloads_warnings (wdm_web_req_t *req, const PGresult *res);
int wdm_web_downloads_deadlines (wdm_web_req_t *req, const PGresult *rows);

//  An indicator's chart data (indicator-CODE-chart), read from the chart's
//  SVG as the page shows it (NULL: no chart): one row per year from the
//  baseline to the plan's last — the district's value, the target (from
//  the plan's first year), the time-progress line, the projection and its
//  band (at the year projected).
int wdm_web_downloads_chart (wdm_web_req_t *req, const char *code, const char *svg, int baseline, int first,
                             int last);

//  An indicator's areas (indicator-CODE-areas; rows: area code, name zh,
//  name en, latest year, latest value, status).
int wdm_web_downloads_areas (wdm_web_req_t *req, const char *code, const PGresult *rows);

//  --------------------------------------------------------------------
//  The assets (wdm_web_assets.c), served under /static/

//  The asset at path ("/static/wdmon.css"), with its length and type, or
//  NULL if there is none.
const char *wdm_web_asset (const char *path, size_t *size, const char **type);

//  --------------------------------------------------------------------
//  The pages, one module each

//  GET /login, POST /login, POST /logout (wdm_web_login.c).
void wdm_web_login_page (wdm_web_req_t *req);
void wdm_web_login_post (wdm_web_req_t *req);
void wdm_web_logout_post (wdm_web_req_t *req);

//  GET /: what the user's role can do (wdm_web_home.c).
void wdm_web_home_page (wdm_web_req_t *req);

//  GET /warnings, GET /warnings/ID, POST /warnings/ack, POST
//  /warnings/ID/note (wdm_web_warnings.c).
void wdm_web_warnings_page (wdm_web_req_t *req);
void wdm_web_warning_page (wdm_web_req_t *req, long long id);
void wdm_web_warnings_ack (wdm_web_req_t *req);
void wdm_web_warning_note (wdm_web_req_t *req, long long id);

//  GET /area/CODE (wdm_web_area.c), GET /units and /unit/CODE
//  (wdm_web_unit.c), GET /completeness (wdm_web_completeness.c); each
//  takes ?plan=CODE.
void wdm_web_area_page (wdm_web_req_t *req, const char *code);
void wdm_web_units_page (wdm_web_req_t *req);
void wdm_web_unit_page (wdm_web_req_t *req, const char *code);
void wdm_web_completeness_page (wdm_web_req_t *req);

//  The plan a page is about: ?plan=, else the current plan, through
//  wdm_check_plan into code (wdm_web_table.c).  0, or -1 with the error page said (naming
//  the bad value and the nearest).
int wdm_web_plan (wdm_web_req_t *req, char *code, size_t code_size);

//  GET /overview, GET /indicator/CODE (wdm_web_overview.c,
//  wdm_web_indicator.c): the plan's state from the report's judgement.
void wdm_web_overview_page (wdm_web_req_t *req);
void wdm_web_indicator_page (wdm_web_req_t *req, const char *code);

//  The report's judgement of the plan (?plan=, resolved only by
//  wdm_check_plan) for the year (?year=, else the last year ended, within
//  the plan): the state (the caller destroys it), or NULL with the error
//  page made (an unknown plan: 404 naming the nearest).  plan gets its code.
struct wdm_report_state;
struct wdm_report_state *wdm_web_plan_state (wdm_web_req_t *req, char *plan, size_t plan_size);

//  Whether the user may see indicator's data: a unit user only those its
//  unit leads (the warnings page's rule); everyone else every one.  On
//  false the 403 page is made and the refusal audited.
bool wdm_web_may_see (wdm_web_req_t *req, const char *indicator);

//  GET /reports, POST /reports/make, GET /reports/ID and its forms
//  /reports/ID/report.html|md|csv (wdm_web_reports.c).
void wdm_web_reports_page (wdm_web_req_t *req);
void wdm_web_reports_make (wdm_web_req_t *req);
void wdm_web_report_page (wdm_web_req_t *req, long long id, const char *rest);

//  GET /entry (?year=), POST /entry (check, save a draft, submit), GET
//  /entry/template (the unit's .xlsx form): a unit user enters its own
//  figures (wdm_web_entry.c, docs/CONSOLE.md "Entry and upload").
void wdm_web_entry_page (wdm_web_req_t *req);
void wdm_web_entry_post (wdm_web_req_t *req);
void wdm_web_entry_template (wdm_web_req_t *req);

//  Parse the multipart body of POST /entry/upload with libmicrohttpd's
//  post processor: its fields into req->form, its file into req->upload
//  (wdm_web_upload.c).  0, or -1 for a body that cannot be read.
int wdm_web_upload_parse (wdm_web_req_t *req, const char *body, size_t size);

//  POST /entry/upload: read the workbook with the collector's reader
//  (client/wdm_source, the same limits), store the good rows as an entry
//  is stored, explain every bad row (wdm_web_upload.c).
void wdm_web_upload_post (wdm_web_req_t *req);

//  GET /notices[?state=pending|sent|failed]: the notices, as `wdmon
//  notices` lists them (wdm_web_notices.c).
void wdm_web_notices_page (wdm_web_req_t *req);

//  GET /api/v1/...: the read API, JSON (wdm_web_api.c, docs/API.md).
void wdm_web_api (wdm_web_req_t *req);

//  Find the account of an API token ("Bearer <64 hex>", sql/046) not
//  revoked, and fill req->user (valid false for none); mark it used.  0,
//  or -1 if the database failed.
int wdm_web_api_token_find (wdm_web_req_t *req, const char *authorization);

//  Answer an API request with a JSON error {"error": {status, title,
//  message}}; wdm_web_page_error does this for every path under /api/.
void wdm_web_api_error (wdm_web_req_t *req, unsigned status, const char *title, const char *message);

#endif
