/*  wdm_web_entry: a member unit enters its yearly figures in the console
    (issue 16, docs/CONSOLE.md "Entry and upload").  GET /entry shows the
    form of the user's unit for a year — the rows `wdmon template` writes
    (wdm_form_rows) — filled from the unit's draft, else from what is
    stored; POST /entry checks it (action "check"), saves it as a draft
    (entry_draft, sql/056) or submits it.  What is submitted takes the
    collector's path: the checks wdmon-server makes (wdm_record_validate,
    wdm_auth_check), one batch through server/ingest's store, then the
    warnings of what it touched evaluated as the server's warn worker
    does (wdm_web_entry_store, shared with the upload).  Only a unit user
    enters, and only for its own unit: an administrator enters nothing on
    a unit's behalf (the unit's own account, or its collector, does).
    Contracts in wdm_web_int.h.  */

#include "wdm_web_entry.h"
#include "wdm_check.h"
#include "wdm_date.h"
#include "wdm_db.h"
#include "wdm_form.h"
#include "wdm_log.h"
#include "wdm_number.h"
#include "wdm_store.h"
#include "wdm_warn.h"

#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

//  Rows a form posts, at most: six fields each within WDM_WEB_FORM_MAX
//  (the largest unit of the demo site has 39).  A unit with more uploads
//  its Excel form.
#define S_ROWS_MAX      160
#define S_CHANGE_MAX    0.20  //  a change from last year above this share asks for confirmation
#define S_UNPROCESSABLE 422

//  One row of the form as typed, with what the checks found.
typedef struct {
    char indicator [WDM_CODE_MAX], area [WDM_CODE_MAX], body [WDM_CODE_MAX];
    char sex;
    const char *value, *numerator, *denominator, *note;  //  as typed, "" for empty
    bool confirmed;                                      //  "confirm" ticked for a large change
    bool filled;                                         //  anything typed
    bool error;                                          //  a check refused it: nothing can be submitted
    bool flagged;                                        //  a large change not confirmed
    bool has_stored;                                     //  a value is stored for the year already
    double stored;  //  ... this one (a change to it confirmed when it was submitted)
    char problem [640];
    wdm_record_t record;  //  when filled and without error
} s_row_t;

//  The page's state: the unit's form and what was typed into it.
typedef struct {
    char plan [WDM_CODE_MAX];
    int year;
    PGresult *form;  //  wdm_form_rows
    s_row_t *rows;   //  one per form row
    char key [72];   //  the page's nonce, part of the submission's idempotency key
    char notice [1024];
    const char *notice_class;  //  "ok", "error"
    int errors, flagged, filled;
} s_entry_t;

bool
wdm_web_entry_allowed (wdm_web_req_t *req)
{
    if (req->user.role == WDM_WEB_UNIT && req->user.unit_code [0])
        return true;
    wdm_web_audit (req, NULL, "forbidden", req->path, "");
    wdm_web_page_error (req, MHD_HTTP_FORBIDDEN, "无权填报 / Not allowed",
                        "只有成员单位的填报账号可以为本单位填报数据；查看者、操作员和管理员不能代为填报。"
                        " / Only a member unit's own account enters its figures; a viewer, operator or"
                        " administrator cannot enter them on a unit's behalf.");
    return false;
}

//  The plan and year of the request: ?plan= / ?year= on a GET, the form's
//  fields on a POST; the current plan, the last year ended.  0, or -1 with
//  the error page made.
static int
s_plan_year (wdm_web_req_t *req, s_entry_t *entry)
{
    const char *plan = req->post ? wdm_web_field (req, "plan") : wdm_web_arg (req, "plan");
    if (plan && !*plan)
        plan = NULL;
    char message [1024] = "";
    wdm_check_result_t rc =
        wdm_check_plan (req->conn, &plan, entry->plan, sizeof entry->plan, message, sizeof message);
    if (rc != WDM_CHECK_OK) {
        wdm_web_page_error (req, rc == WDM_CHECK_REFUSED ? MHD_HTTP_NOT_FOUND : MHD_HTTP_SERVICE_UNAVAILABLE,
                            "没有此规划 / No such plan", message);
        return -1;
    }
    const char *year = req->post ? wdm_web_field (req, "year") : wdm_web_arg (req, "year");
    time_t now = time (NULL);
    struct tm tm;
    gmtime_r (&now, &tm);
    entry->year = tm.tm_year + 1900 - 1;
    if (year && *year) {
        char *end = NULL;
        errno = 0;
        long value = strtol (year, &end, 10);
        if (errno || *end || value < 2000 || value > 2100) {
            wdm_web_page_error (req, MHD_HTTP_BAD_REQUEST, "年份有误 / Bad year",
                                "年份应为 2000 至 2100 之间的整数。 / The year must be a whole number from"
                                " 2000 to 2100.");
            return -1;
        }
        entry->year = (int)value;
    }
    return 0;
}

//  A number as typed: plain decimal, spaces around allowed.  0, or -1.
static int
s_number (const char *text, double *value)
{
    while (*text == ' ')
        text++;
    if (!*text)
        return -1;
    char *end = NULL;
    errno = 0;
    *value = strtod (text, &end);
    while (end && *end == ' ')
        end++;
    return errno || !end || *end || !isfinite (*value) ? -1 : 0;
}

int
wdm_web_entry_rules (wdm_web_req_t *req, wdm_catalog_t **catalog, wdm_auth_t **auth)
{
    *catalog = wdm_db_load_catalog (req->conn);
    *auth = *catalog ? wdm_auth_load (req->conn) : NULL;
    if (*auth)
        return 0;
    wdm_catalog_destroy (catalog);
    wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error",
                        "无法读取指标目录。 / The catalog could not be read.");
    return -1;
}

int
wdm_web_entry_check (wdm_web_req_t *req, const wdm_catalog_t *catalog, const struct wdm_auth *auth,
                     const wdm_record_t *record, char *why, size_t why_size)
{
    wdm_record_error_t error = wdm_record_validate (record, catalog);
    if (error != WDM_RECORD_OK) {
        snprintf (why, why_size, "%s（%s）", wdm_record_error_message (error),
                  wdm_record_error_field (error));
        return -1;
    }
    const char *field = "";
    char message [256] = "";
    if (wdm_auth_check (auth, req->user.unit_code, record->indicator, record->area, &field, message,
                        sizeof message)) {
        snprintf (why, why_size, "%s（%s）", message, field);
        return -1;
    }
    return 0;
}

//  FNV-1a over text, continuing from hash.
static uint64_t
s_hash (uint64_t hash, const void *data, size_t size)
{
    const unsigned char *bytes = data;
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ bytes [i]) * 1099511628211ULL;
    return hash;
}

//  Evaluate the indicators a stored batch touched, as the warn worker
//  does after a commit.  A failure is logged: the worker's next pass over
//  everything catches up.
static void
s_evaluate (wdm_web_req_t *req, const wdm_record_t *records, int count, wdm_web_entry_stored_t *stored)
{
    const char **codes = calloc ((size_t)count, sizeof *codes);
    int touched = 0;
    for (int i = 0; codes && i < count; i++) {
        bool seen = false;
        for (int k = 0; k < touched && !seen; k++)
            seen = strcmp (codes [k], records [i].indicator) == 0;
        if (!seen)
            codes [touched++] = records [i].indicator;
    }
    //  As the worker: the reports just received may settle missing-report
    //  warnings of the indicators touched, so deadlines are judged too.
    wdm_date_t today;
    wdm_date_today (&today);
    wdm_warn_stats_t stats;
    if (codes && wdm_warn_evaluate (req->conn, codes, touched, true, &today, 0, &stats) == 0) {
        stored->opened = stats.opened;
        stored->reopened = stats.reopened;
        stored->updated = stats.updated;
        stored->resolved = stats.resolved;
    } else
        wdm_log_warn ("web: entry of %s: the warnings were not evaluated now; the server's worker will",
                      req->user.unit_code);
    free (codes);
}

int
wdm_web_entry_store (wdm_web_req_t *req, const wdm_record_t *records, int count, uint64_t epoch,
                     wdm_web_entry_stored_t *stored, char *why, size_t why_size)
{
    int rc = -1;
    wdm_store_t *store = NULL;
    PGresult *res = NULL;
    wdm_batch_t batch;
    memset (&batch, 0, sizeof batch);
    memset (stored, 0, sizeof *stored);
    char err [512] = "";
    snprintf (why, why_size, "%s",
              "数据库暂不可用，未存储任何数据，请稍后再试。 / The database failed; nothing"
              " was stored. Try again shortly.");
    if (count <= 0) {
        rc = 0;
        goto cleanup;
    }
    batch.decoded.items = calloc ((size_t)count, sizeof *batch.decoded.items);
    store = batch.decoded.items ? wdm_store_new (req->config->conninfo) : NULL;
    PGconn *conn = store ? wdm_store_conn (store) : NULL;
    if (!conn)
        goto cleanup;
    //  Who entered it: ingest_batch.entered_by's default (sql/056), written
    //  by the store's own INSERT in its transaction.
    const char *params [] = { req->user.login };
    res = wdm_db_query (conn, "SELECT set_config ('wdmon.entered_by', $1, false)", 1, params, PGRES_TUPLES_OK,
                        err, sizeof err);
    if (!res) {
        wdm_log_error ("web: entry: %s", err);
        goto cleanup;
    }
    size_t unit_length = strnlen (req->user.unit_code, sizeof batch.unit);
    if (unit_length >= sizeof batch.unit)
        goto cleanup;  //  no unit has such a code (member_unit checks)
    memcpy (batch.unit, req->user.unit_code, unit_length + 1);
    batch.batch_no = 1;
    batch.status = WDM_PROTO_OK;
    batch.decoded.epoch = epoch;
    batch.decoded.count = (uint32_t)count;
    for (int i = 0; i < count; i++) {
        wdm_proto_item_t *item = &batch.decoded.items [i];
        item->seq = (uint64_t)i + 1;
        item->record = records [i];
        item->record.epoch = epoch;
        item->record.seq = item->seq;
    }
    if (wdm_store_commit (store, &batch, 1, NULL))
        goto cleanup;
    if (batch.status != WDM_PROTO_OK) {
        snprintf (why, why_size, "%s", batch.message);
        goto cleanup;
    }
    stored->accepted = (int)batch.accepted;
    stored->unchanged = (int)batch.duplicates;
    wdm_log_info ("web: %s entered %d records for %s: %d stored, %d unchanged", req->user.login, count,
                  req->user.unit_code, stored->accepted, stored->unchanged);
    if (stored->accepted > 0)
        s_evaluate (req, records, count, stored);
    rc = 0;
cleanup:
    PQclear (res);
    wdm_store_destroy (&store);
    free (batch.decoded.items);
    return rc;
}

//  --- The form -------------------------------------------------------------------

//  Fill each form row with what is stored for the year, and with what was
//  typed: the unit's draft, else the stored value (on a POST the posted
//  form fills them, s_take_posted).  0, or -1.
static int
s_fill (wdm_web_req_t *req, s_entry_t *entry, bool post)
{
    int count = PQntuples (entry->form);
    entry->rows = calloc ((size_t)(count ? count : 1), sizeof *entry->rows);
    if (!entry->rows)
        return -1;
    for (int r = 0; r < count; r++) {
        s_row_t *row = &entry->rows [r];
        snprintf (row->indicator, sizeof row->indicator, "%s", PQgetvalue (entry->form, r, WDM_FORM_CODE));
        snprintf (row->area, sizeof row->area, "%s", PQgetvalue (entry->form, r, WDM_FORM_AREA));
        snprintf (row->body, sizeof row->body, "%s", PQgetvalue (entry->form, r, WDM_FORM_BODY));
        row->sex = PQgetvalue (entry->form, r, WDM_FORM_SEX) [0];
        row->value = row->numerator = row->denominator = row->note = "";
    }
    char year [16];
    snprintf (year, sizeof year, "%d", entry->year);
    const char *params [] = { req->user.unit_code, year };
    //  What is stored, then the draft (on a GET only: a POST brings its own).
    PGresult *res = wdm_db_query (
        req->conn,
        "SELECT c.indicator_code, c.area_code, c.body, c.sex, c.value::text, coalesce (c.numerator::text, ''),"
        "       coalesce (c.denominator::text, ''), '', 0"
        "  FROM observation_current c JOIN member_unit u ON u.area_code = c.area_code"
        " WHERE u.code = $1 AND c.year = $2::int AND c.period_kind = 'year' AND c.period_no = 0"
        " UNION ALL "
        "SELECT indicator_code, area_code, body, sex, value, numerator, denominator, note, 1"
        "  FROM entry_draft WHERE unit_code = $1 AND year = $2::int"
        " ORDER BY 9",
        2, params, PGRES_TUPLES_OK, NULL, 0);
    if (!res)
        return -1;
    //  Later rows win: the drafts come last.
    for (int k = 0; k < PQntuples (res); k++)
        for (int r = 0; r < count; r++) {
            s_row_t *row = &entry->rows [r];
            if (strcmp (row->indicator, PQgetvalue (res, k, 0)) || strcmp (row->area, PQgetvalue (res, k, 1))
                || strcmp (row->body, PQgetvalue (res, k, 2)) || row->sex != PQgetvalue (res, k, 3) [0])
                continue;
            bool draft = PQgetvalue (res, k, 8) [0] == '1';
            if (!draft) {
                row->has_stored = true;
                row->stored = strtod (PQgetvalue (res, k, 4), NULL);
            }
            if (post)
                continue;
            //  Copies that live as long as the request: kept in its form.
            const char *typed [4];
            for (int f = 0; f < 4; f++)
                typed [f] = PQgetvalue (res, k, 4 + f);
            for (int f = 0; f < 4 && req->form.count < WDM_WEB_FORM_MAX; f++) {
                char *key = strdup ("_prefill"), *value = strdup (typed [f]);
                if (!key || !value) {
                    free (key);
                    free (value);
                    PQclear (res);
                    return -1;
                }
                req->form.keys [req->form.count] = key;
                req->form.values [req->form.count++] = value;
                typed [f] = value;
            }
            row->value = typed [0];
            row->numerator = typed [1];
            row->denominator = typed [2];
            row->note = typed [3];
        }
    PQclear (res);
    return 0;
}

//  A posted field of row i ("v3"), "" when absent.
static const char *
s_posted (wdm_web_req_t *req, const char *prefix, int i)
{
    char name [16];
    snprintf (name, sizeof name, "%s%d", prefix, i);
    const char *value = wdm_web_field (req, name);
    return value ? value : "";
}

//  Take the posted rows into the form's rows.  A posted row that is not
//  one of the unit's form rows (another unit's indicator or area) makes
//  the whole post refused: entry->notice says which, 1 is returned.
static int
s_take_posted (wdm_web_req_t *req, s_entry_t *entry)
{
    const char *rows_text = wdm_web_field (req, "rows");
    int posted = rows_text ? atoi (rows_text) : 0;
    if (posted < 0 || posted > S_ROWS_MAX) {
        snprintf (
            entry->notice, sizeof entry->notice,
            "已拒绝，未存储任何数据：表单超过 %d 行，请改用上传 Excel 模板。 / Refused, nothing stored: the"
            " form has over %d rows; upload the Excel form instead.",
            S_ROWS_MAX, S_ROWS_MAX);
        return 1;
    }
    int count = PQntuples (entry->form);
    for (int i = 0; i < posted; i++) {
        const char *key = s_posted (req, "k", i);
        int found = -1;
        for (int r = 0; r < count && found < 0; r++) {
            s_row_t *row = &entry->rows [r];
            char expected [4 * WDM_CODE_MAX];
            snprintf (expected, sizeof expected, "%s|%s|%s|%c", row->indicator, row->area, row->body,
                      row->sex);
            if (strcmp (key, expected) == 0)
                found = r;
        }
        if (found < 0) {
            snprintf (entry->notice, sizeof entry->notice,
                      "已拒绝，未存储任何数据：第 %d 行（%.200s）不是本单位（%s）负责填报的指标或地区。"
                      " / Refused, nothing stored: row %d (%.200s) is not an indicator or area your unit"
                      " (%s) reports.",
                      i + 1, key, req->user.unit_code, i + 1, key, req->user.unit_code);
            return 1;
        }
        s_row_t *row = &entry->rows [found];
        row->value = s_posted (req, "v", i);
        row->numerator = s_posted (req, "n", i);
        row->denominator = s_posted (req, "d", i);
        row->note = s_posted (req, "t", i);
        row->confirmed = strcmp (s_posted (req, "c", i), "1") == 0;
    }
    return 0;
}

//  Check every filled row: numbers, wdmon-server's checks, the change
//  from last year.  Counts into entry.
static void
s_check_rows (wdm_web_req_t *req, s_entry_t *entry, const wdm_catalog_t *catalog, const wdm_auth_t *auth)
{
    for (int r = 0; r < PQntuples (entry->form); r++) {
        s_row_t *row = &entry->rows [r];
        row->filled = *row->value || *row->numerator || *row->denominator || *row->note;
        if (!row->filled)
            continue;
        entry->filled++;
        wdm_record_t *record = &row->record;
        wdm_record_init (record);
        snprintf (record->indicator, sizeof record->indicator, "%s", row->indicator);
        snprintf (record->area, sizeof record->area, "%s", row->area);
        snprintf (record->body, sizeof record->body, "%s", row->body);
        record->sex = row->sex;
        record->year = entry->year;
        if (strlen (row->note) >= sizeof record->note) {
            row->error = true;
            snprintf (row->problem, sizeof row->problem, "%s", "备注过长 / the note is too long");
        } else
            snprintf (record->note, sizeof record->note, "%s", row->note);
        if (!row->error && s_number (row->value, &record->value)) {
            row->error = true;
            snprintf (row->problem, sizeof row->problem, "%s",
                      *row->value ? "“数值”不是数字 / value is not a number"
                                  : "未填“数值” / value is missing");
        }
        if (!row->error && *row->numerator) {
            record->has_numerator = s_number (row->numerator, &record->numerator) == 0;
            row->error = !record->has_numerator;
        }
        if (!row->error && *row->denominator) {
            record->has_denominator = s_number (row->denominator, &record->denominator) == 0;
            row->error = !record->has_denominator;
        }
        if (row->error && !row->problem [0])
            snprintf (row->problem, sizeof row->problem, "%s",
                      "“分子”或“分母”不是数字 / numerator or denominator is not a number");
        if (!row->error
            && wdm_web_entry_check (req, catalog, auth, record, row->problem, sizeof row->problem))
            row->error = true;
        const char *last_text = wdm_db_value (entry->form, r, WDM_FORM_LAST);
        double last = last_text ? strtod (last_text, NULL) : 0;
        //  A value stored already was confirmed when it was submitted.
        bool as_stored = row->has_stored && row->stored == record->value;
        if (!row->error && last_text && last != 0 && !as_stored
            && fabs (record->value - last) / fabs (last) > S_CHANGE_MAX && !row->confirmed) {
            char was [32], now [32];
            wdm_number_text (last, was, sizeof was);
            wdm_number_text (record->value, now, sizeof now);
            double change = (record->value - last) / fabs (last) * 100;
            row->flagged = true;
            snprintf (row->problem, sizeof row->problem,
                      "与上年相比变化较大（上年 %s，本年 %s，%+.0f%%），请核实，无误请勾选“确认”。 / A large "
                      "change from last year (%s, now %s, %+.0f%%): check it, and tick \"confirm\" if it is "
                      "right.",
                      was, now, change, was, now, change);
        }
        entry->errors += row->error;
        entry->flagged += row->flagged;
    }
}

//  Write the form with what was typed and what the checks found.
static void
s_render (wdm_web_req_t *req, s_entry_t *entry)
{
    wdm_buf_t *out = &req->body;
    char year [16], rows [16];
    snprintf (year, sizeof year, "%d", entry->year);
    if (wdm_web_page_begin (req, "填报 / Entry", "entry"))
        return;
    wdm_web_html (out,
                  "<h1>数据填报<span class=\"en\">Entry</span></h1><p>单位 / Unit: <strong id=\"unit\">%s"
                  "</strong>　规划 / Plan: %s　年份 / Year: <strong id=\"year\">%s</strong></p>",
                  req->user.unit_code, entry->plan, year);
    wdm_web_html (
        out,
        "<form method=\"get\" action=\"/entry\"><label>年份 / Year <input type=\"number\" "
        "name=\"year\" value=\"%s\" min=\"2000\" max=\"2100\"></label> <button>打开 / Open"
        "</button></form><p><a id=\"template\" href=\"/entry/template?year=%u&amp;plan=%u\">下载本单位"
        "本年度 Excel 填报模板 / Download this year's Excel form</a></p>",
        year, year, entry->plan);
    wdm_web_raw (out,
                 "<form method=\"post\" action=\"/entry/upload\" enctype=\"multipart/form-data\" "
                 "id=\"upload\">");
    wdm_web_csrf_field (req);
    wdm_web_html (
        out,
        "<input type=\"hidden\" name=\"year\" value=\"%s\"><label>上传已填好的模板 / Upload the filled "
        "form (.xlsx, ≤ 8 MiB) <input type=\"file\" name=\"file\" accept=\".xlsx\"></label> "
        "<button>上传 / Upload</button></form>",
        year);
    if (entry->notice [0])
        wdm_web_html (out, "<p id=\"notice\" class=\"%s\" role=\"status\">%s</p>",
                      entry->notice_class ? entry->notice_class : "", entry->notice);
    int count = PQntuples (entry->form);
    if (count == 0) {
        wdm_web_raw (out,
                     "<p id=\"empty\">本单位在此规划下没有需要按年填报的指标。 / Your unit has no yearly "
                     "indicator to report under this plan.</p>");
        wdm_web_page_end (req);
        return;
    }
    snprintf (rows, sizeof rows, "%d", count);
    wdm_web_raw (out, "<form method=\"post\" action=\"/entry\" id=\"entry\">");
    wdm_web_csrf_field (req);
    wdm_web_html (out,
                  "<input type=\"hidden\" name=\"plan\" value=\"%s\"><input type=\"hidden\" name=\"year\" "
                  "value=\"%s\"><input type=\"hidden\" name=\"unit\" value=\"%s\"><input type=\"hidden\" "
                  "name=\"key\" value=\"%s\"><input type=\"hidden\" name=\"rows\" value=\"%s\">",
                  entry->plan, year, req->user.unit_code, entry->key, rows);
    wdm_web_raw (
        out,
        "<table id=\"rows\"><thead><tr><th>指标 <span class=\"en\">Indicator</span></th>"
        "<th>地区 <span class=\"en\">Area</span></th><th>规划目标 <span class=\"en\">Target</span></th>"
        "<th>上年 <span class=\"en\">Last year</span></th><th>数值 <span class=\"en\">Value</span></th>"
        "<th>分子 <span class=\"en\">Numerator</span></th><th>分母 <span class=\"en\">Denominator"
        "</span></th><th>备注 <span class=\"en\">Note</span></th><th>检查 <span class=\"en\">Checks"
        "</span></th></tr></thead><tbody>");
    for (int r = 0; r < count; r++) {
        const s_row_t *row = &entry->rows [r];
        char i [16], key [4 * WDM_CODE_MAX], target [256];
        snprintf (i, sizeof i, "%d", r);
        snprintf (key, sizeof key, "%s|%s|%s|%c", row->indicator, row->area, row->body, row->sex);
        wdm_form_target_text (entry->form, r, target, sizeof target);
        const char *last = wdm_db_value (entry->form, r, WDM_FORM_LAST);
        char last_text [32] = "—";
        if (last)
            wdm_number_text (strtod (last, NULL), last_text, sizeof last_text);
        const char *min = wdm_db_value (entry->form, r, WDM_FORM_MIN);
        const char *max = wdm_db_value (entry->form, r, WDM_FORM_MAX);
        wdm_web_html (
            out,
            "<tr id=\"row-%s\" data-key=\"%s\"><td><input type=\"hidden\" name=\"k%s\" value=\"%s\">"
            "<strong>%s</strong> %s<br><small>%s</small></td><td>%s%s%s%s%s</td><td>%s %s</td><td>%s</td>",
            i, key, i, key, row->indicator, PQgetvalue (entry->form, r, WDM_FORM_NAME),
            PQgetvalue (entry->form, r, WDM_FORM_CLAUSE), PQgetvalue (entry->form, r, WDM_FORM_AREA_NAME),
            *row->body ? " · " : "", row->body, row->sex == 'T' ? "" : " · ",
            row->sex == 'F'       ? "女"
                : row->sex == 'M' ? "男"
                                  : "",
            target, PQgetvalue (entry->form, r, WDM_FORM_SYMBOL), last_text);
        wdm_web_html (
            out,
            "<td><input name=\"v%s\" value=\"%s\" inputmode=\"decimal\" size=\"8\" title=\"%s – %s\">"
            "</td><td><input name=\"n%s\" value=\"%s\" inputmode=\"decimal\" size=\"7\"></td><td><input "
            "name=\"d%s\" value=\"%s\" inputmode=\"decimal\" size=\"7\"></td><td><input name=\"t%s\" "
            "value=\"%s\" size=\"14\"></td>",
            i, row->value, min ? min : "", max ? max : "", i, row->numerator, i, row->denominator, i,
            row->note);
        wdm_web_html (out, "<td id=\"check-%s\" class=\"%s\">%s", i,
                      row->error         ? "error"
                          : row->flagged ? "flag"
                                         : "",
                      row->problem);
        if (row->flagged || row->confirmed)
            wdm_web_html (out,
                          " <label><input type=\"checkbox\" name=\"c%s\" value=\"1\"%s> 确认 / confirm"
                          "</label>",
                          i, row->confirmed ? " checked" : "");
        wdm_web_raw (out, "</td></tr>");
    }
    wdm_web_raw (out,
                 "</tbody></table><p><button name=\"action\" value=\"check\">检查 / Check</button> "
                 "<button name=\"action\" value=\"save\">保存草稿 / Save draft</button> "
                 "<button name=\"action\" value=\"submit\" id=\"submit\">提交 / Submit</button></p></form>");
    wdm_web_page_end (req);
}

//  Load the form of the user's unit for entry's plan and year.  0, or -1
//  with the error page made.
static int
s_load (wdm_web_req_t *req, s_entry_t *entry, bool post)
{
    char err [512] = "";
    entry->form = wdm_form_rows (req->conn, req->user.unit_code, entry->plan, entry->year, err, sizeof err);
    if (!entry->form || s_fill (req, entry, post)) {
        wdm_log_error ("web: entry form of %s: %s", req->user.unit_code, err);
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error",
                            "无法读取填报表。 / The form could not be read.");
        return -1;
    }
    return 0;
}

static void
s_entry_free (s_entry_t *entry)
{
    PQclear (entry->form);
    free (entry->rows);
}

void
wdm_web_entry_page (wdm_web_req_t *req)
{
    s_entry_t entry;
    memset (&entry, 0, sizeof entry);
    if (wdm_web_entry_allowed (req) && s_plan_year (req, &entry) == 0 && s_load (req, &entry, false) == 0) {
        wdm_web_token_new (entry.key);
        s_render (req, &entry);
    }
    s_entry_free (&entry);
}

//  Save the filled rows as the unit's draft for the year (replacing it).
static int
s_save_draft (wdm_web_req_t *req, s_entry_t *entry)
{
    char year [16];
    snprintf (year, sizeof year, "%d", entry->year);
    const char *params [10] = { req->user.unit_code, year };
    PGresult *res = wdm_db_query (req->conn, "BEGIN", 0, NULL, PGRES_COMMAND_OK, NULL, 0);
    int rc = res ? 0 : -1;
    PQclear (res);
    if (rc == 0) {
        res = wdm_db_query (req->conn, "DELETE FROM entry_draft WHERE unit_code = $1 AND year = $2::int", 2,
                            params, PGRES_COMMAND_OK, NULL, 0);
        rc = res ? 0 : -1;
        PQclear (res);
    }
    for (int r = 0; rc == 0 && r < PQntuples (entry->form); r++) {
        const s_row_t *row = &entry->rows [r];
        if (!(*row->value || *row->numerator || *row->denominator || *row->note))
            continue;
        char sex [2] = { row->sex, 0 };
        const char *values [] = { req->user.unit_code, year,      row->indicator, row->area,
                                  row->body,           sex,       row->value,     row->numerator,
                                  row->denominator,    row->note, req->user.login };
        res = wdm_db_query (
            req->conn,
            "INSERT INTO entry_draft (unit_code, year, indicator_code, area_code, body, sex, value,"
            " numerator, denominator, note, saved_by)"
            " VALUES ($1, $2::int, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            11, values, PGRES_COMMAND_OK, NULL, 0);
        rc = res ? 0 : -1;
        PQclear (res);
    }
    res = wdm_db_query (req->conn, rc == 0 ? "COMMIT" : "ROLLBACK", 0, NULL, PGRES_COMMAND_OK, NULL, 0);
    if (!res)
        rc = -1;
    PQclear (res);
    return rc;
}

//  Submit the checked rows: one batch, as a collector's.
static void
s_submit (wdm_web_req_t *req, s_entry_t *entry)
{
    int count = 0;
    wdm_record_t *records = calloc ((size_t)entry->filled + 1, sizeof *records);
    uint64_t epoch = 14695981039346656037ULL;
    epoch = s_hash (epoch, req->user.unit_code, strlen (req->user.unit_code) + 1);
    epoch = s_hash (epoch, entry->key, strlen (entry->key) + 1);
    for (int r = 0; records && r < PQntuples (entry->form); r++) {
        const s_row_t *row = &entry->rows [r];
        if (!row->filled)
            continue;
        records [count++] = row->record;
        //  What was typed is part of the key: the same page sent twice is
        //  stored once, a correction sent from it is a new revision.
        const char *typed [] = { row->indicator, row->area,        row->body, row->value,
                                 row->numerator, row->denominator, row->note };
        for (size_t f = 0; f < sizeof typed / sizeof typed [0]; f++)
            epoch = s_hash (epoch, typed [f], strlen (typed [f]) + 1);
        epoch = s_hash (epoch, &row->sex, 1);
    }
    epoch &= 0x7FFFFFFFFFFFFFFFULL;
    if (epoch == 0)
        epoch = 1;
    wdm_web_entry_stored_t stored;
    char why [512], object [128], detail [256];
    snprintf (object, sizeof object, "%s/%d", req->user.unit_code, entry->year);
    if (!records || wdm_web_entry_store (req, records, count, epoch, &stored, why, sizeof why)) {
        entry->notice_class = "error";
        snprintf (entry->notice, sizeof entry->notice, "%s", records ? why : "内存不足 / out of memory");
        req->status = MHD_HTTP_SERVICE_UNAVAILABLE;
        free (records);
        return;
    }
    free (records);
    char year [16];
    snprintf (year, sizeof year, "%d", entry->year);
    const char *params [] = { req->user.unit_code, year };
    PQclear (wdm_db_query (req->conn, "DELETE FROM entry_draft WHERE unit_code = $1 AND year = $2::int", 2,
                           params, PGRES_COMMAND_OK, NULL, 0));
    snprintf (detail, sizeof detail,
              "%d rows: %d stored, %d unchanged; warnings %d opened, %d reopened, %d resolved", count,
              stored.accepted, stored.unchanged, stored.opened, stored.reopened, stored.resolved);
    wdm_web_audit (req, NULL, "entry_submit", object, detail);
    entry->notice_class = "ok";
    snprintf (entry->notice, sizeof entry->notice,
              "已提交 %d 行：新存储 %d 条，与已存数据相同 %d 条；预警：新开 %d，重开 %d，更新 %d，解除 %d。"
              " / Submitted %d rows: %d stored, %d the same as stored; warnings: %d opened, %d reopened, "
              "%d updated, %d resolved.",
              count, stored.accepted, stored.unchanged, stored.opened, stored.reopened, stored.updated,
              stored.resolved, count, stored.accepted, stored.unchanged, stored.opened, stored.reopened,
              stored.updated, stored.resolved);
}

void
wdm_web_entry_post (wdm_web_req_t *req)
{
    s_entry_t entry;
    memset (&entry, 0, sizeof entry);
    wdm_catalog_t *catalog = NULL;
    wdm_auth_t *auth = NULL;
    if (!wdm_web_entry_allowed (req))
        goto cleanup;
    const char *unit = wdm_web_field (req, "unit");
    if (!unit || strcmp (unit, req->user.unit_code) != 0) {
        wdm_web_audit (req, NULL, "entry_refused", unit ? unit : "", "a form for another unit");
        wdm_web_page_error (
            req, MHD_HTTP_FORBIDDEN, "不能为其他单位填报 / Not your unit",
            "这份表单属于其他单位，已拒绝，未存储任何数据。您只能为本单位填报。 / This form is"
            " for another unit: refused, nothing stored. You can enter figures only for your"
            " own unit.");
        goto cleanup;
    }
    if (s_plan_year (req, &entry) || s_load (req, &entry, true))
        goto cleanup;
    const char *key = wdm_web_field (req, "key");
    if (key && strlen (key) < sizeof entry.key && strspn (key, "0123456789abcdef") == strlen (key) && *key)
        snprintf (entry.key, sizeof entry.key, "%s", key);
    else
        wdm_web_token_new (entry.key);
    const char *action = wdm_web_field (req, "action");
    if (!action)
        action = "check";
    if (s_take_posted (req, &entry)) {
        wdm_web_audit (req, NULL, "entry_refused", req->user.unit_code, entry.notice);
        entry.notice_class = "error";
        req->status = MHD_HTTP_FORBIDDEN;
        s_render (req, &entry);
        goto cleanup;
    }
    if (wdm_web_entry_rules (req, &catalog, &auth))
        goto cleanup;
    s_check_rows (req, &entry, catalog, auth);
    if (strcmp (action, "save") == 0) {
        if (s_save_draft (req, &entry)) {
            wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error",
                                "草稿未能保存。 / The draft was not saved.");
            goto cleanup;
        }
        char object [128], detail [64];
        snprintf (object, sizeof object, "%s/%d", req->user.unit_code, entry.year);
        snprintf (detail, sizeof detail, "%d rows", entry.filled);
        wdm_web_audit (req, NULL, "entry_draft", object, detail);
        entry.notice_class = "ok";
        snprintf (entry.notice, sizeof entry.notice,
                  "草稿已保存（%d 行），尚未提交。 / Draft saved (%d rows); not submitted yet.", entry.filled,
                  entry.filled);
    } else if (entry.errors || entry.flagged) {
        entry.notice_class = "error";
        snprintf (
            entry.notice, sizeof entry.notice,
            "%s%d 行有误、%d 行变化较大待确认，见“检查”一栏。 / %s%d rows with errors, %d with a large change"
            " to confirm: see the Checks column.",
            strcmp (action, "submit") == 0 ? "未提交，未存储任何数据：" : "", entry.errors, entry.flagged,
            strcmp (action, "submit") == 0 ? "Not submitted, nothing stored: " : "", entry.errors,
            entry.flagged);
        if (strcmp (action, "submit") == 0)
            req->status = S_UNPROCESSABLE;
    } else if (strcmp (action, "submit") == 0) {
        if (entry.filled == 0) {
            entry.notice_class = "error";
            snprintf (entry.notice, sizeof entry.notice, "%s",
                      "没有填写任何一行，未提交。 / No row is filled in: nothing submitted.");
        } else {
            s_submit (req, &entry);
            if (req->status == MHD_HTTP_OK)
                wdm_web_token_new (entry.key);  //  the next submission from this page is a new one
        }
    } else {
        entry.notice_class = "ok";
        snprintf (entry.notice, sizeof entry.notice,
                  "检查通过：%d 行已填，可以提交。 / Checks passed: %d rows filled, ready to submit.",
                  entry.filled, entry.filled);
    }
    s_render (req, &entry);
cleanup:
    wdm_auth_destroy (&auth);
    wdm_catalog_destroy (&catalog);
    s_entry_free (&entry);
}

void
wdm_web_entry_template (wdm_web_req_t *req)
{
    s_entry_t entry;
    memset (&entry, 0, sizeof entry);
    char dir [] = "/tmp/wdmon-web-form.XXXXXX", path [64] = "", message [1024] = "";
    if (!wdm_web_entry_allowed (req) || s_plan_year (req, &entry))
        return;
    if (!mkdtemp (dir)) {
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "无法生成模板 / Cannot make the form",
                            "临时目录不可用。 / No temporary directory.");
        return;
    }
    snprintf (path, sizeof path, "%s/form.xlsx", dir);
    FILE *file = NULL;
    if (wdm_form_write (req->conn, req->user.unit_code, entry.plan, entry.year, path, NULL, message,
                        sizeof message)
        || !(file = fopen (path, "rb"))) {
        wdm_log_error ("web: template of %s: %s", req->user.unit_code, message);
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "无法生成模板 / Cannot make the form",
                            "模板未能生成，请稍后再试。 / The form could not be made; try again shortly.");
    } else {
        char chunk [8192];
        size_t got;
        int rc = 0;
        while (rc == 0 && (got = fread (chunk, 1, sizeof chunk, file)) > 0)
            rc = wdm_buf_add (&req->file, chunk, got);
        if (rc == 0) {
            req->file_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            snprintf (req->disposition, sizeof req->disposition, "attachment; filename=\"wdmon-%s-%d.xlsx\"",
                      req->user.unit_code, entry.year);
        }
    }
    if (file)
        fclose (file);
    unlink (path);
    rmdir (dir);
}
