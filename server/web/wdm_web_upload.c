/*  wdm_web_upload: a member unit uploads its filled Excel form in the
    console (POST /entry/upload, issue 16).  The multipart body is read by
    libmicrohttpd's post processor; the workbook by the collector's own
    reader (client/wdm_source, wdm_source_parse: libzip and expat, its
    limits on hostile files), validated against the catalog as the
    collector does; each good row is checked for the user's unit as
    wdmon-server checks a collector's (wdm_web_entry_check) and all of
    them stored as one batch (wdm_web_entry_store: the collector's store
    path and evaluation).  Every bad row is listed on the page in the
    reader's line-by-line form: sheet, row, column, reason, Chinese and
    English.  Contracts in wdm_web_int.h.  */

#include "wdm_web_entry.h"
#include "wdm_db.h"
#include "wdm_log.h"
#include "wdm_source.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_UNPROCESSABLE_UPLOAD 422
#define S_BAD_SHOWN            500  //  bad rows listed on the page, at most (all are counted)

//  libmicrohttpd's post processor calls this for each piece of a field or
//  the file, in order.
static enum MHD_Result
s_iterate (void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
           const char *content_type, const char *transfer_encoding, const char *data, uint64_t off,
           size_t size)
{
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    wdm_web_req_t *req = cls;
    if (filename) {
        if (strcmp (key, "file") != 0)
            return MHD_YES;  //  another file field: not ours
        if (off == 0)
            snprintf (req->upload_name, sizeof req->upload_name, "%s", filename);
        return size == 0 || wdm_buf_add (&req->upload, data, size) == 0 ? MHD_YES : MHD_NO;
    }
    wdm_web_form_t *form = &req->form;
    if (off > 0 && form->count > 0 && strcmp (form->keys [form->count - 1], key) == 0) {
        //  A field's next piece.
        char *last = form->values [form->count - 1];
        size_t had = strlen (last);
        if (had + size > 4096)
            return MHD_NO;
        char *grown = realloc (last, had + size + 1);
        if (!grown)
            return MHD_NO;
        memcpy (grown + had, data, size);
        grown [had + size] = '\0';
        form->values [form->count - 1] = grown;
        return MHD_YES;
    }
    if (form->count == WDM_WEB_FORM_MAX || size > 4096 || memchr (data, '\0', size))
        return MHD_NO;
    char *name = strdup (key), *value = malloc (size + 1);
    if (!name || !value) {
        free (name);
        free (value);
        return MHD_NO;
    }
    memcpy (value, data, size);
    value [size] = '\0';
    form->keys [form->count] = name;
    form->values [form->count++] = value;
    return MHD_YES;
}

int
wdm_web_upload_parse (wdm_web_req_t *req, const char *body, size_t size)
{
    struct MHD_PostProcessor *pp = MHD_create_post_processor (req->connection, 64 * 1024, s_iterate, req);
    if (!pp)
        return -1;  //  not multipart/form-data (nor urlencoded)
    enum MHD_Result rc = size ? MHD_post_process (pp, body, size) : MHD_YES;
    MHD_destroy_post_processor (pp);
    return rc == MHD_YES ? 0 : -1;
}

//  What reading the workbook came to.
typedef struct {
    wdm_web_req_t *req;
    const wdm_auth_t *auth;
    const wdm_catalog_t *catalog;
    wdm_record_t *records;
    int count, capacity;
    int bad;
    wdm_buf_t rows;  //  the bad rows' HTML table rows
    bool out_of_memory;
} s_upload_t;

//  One bad row into the page's list.
static void
s_bad (s_upload_t *self, int line, const char *field, const char *message, const char *text)
{
    self->bad++;
    if (self->bad > S_BAD_SHOWN)
        return;
    char line_text [16];
    snprintf (line_text, sizeof line_text, "%d", line);
    if (wdm_web_html (&self->rows, "<tr><td>%s</td><td>%s</td><td>%s</td><td><small>%s</small></td></tr>",
                      line_text, field, message, text))
        self->out_of_memory = true;
}

static void
s_on_error (void *arg, int line, const char *field, const char *message, const char *text)
{
    s_bad (arg, line, field, message, text);
}

//  A good row of the workbook: checked for the user's unit, kept.
static int
s_on_record (void *arg, const wdm_record_t *record, int line)
{
    s_upload_t *self = arg;
    char why [512];
    if (wdm_web_entry_check (self->req, self->catalog, self->auth, record, why, sizeof why)) {
        char message [640];
        snprintf (message, sizeof message, "第%d行 / row %d: %s", line, line, why);
        char text [256];
        snprintf (text, sizeof text, "%s %s %d %s", record->indicator, record->area, record->year,
                  record->body);
        s_bad (self, line, "", message, text);
        return 0;
    }
    if (self->count == self->capacity) {
        int capacity = self->capacity ? self->capacity * 2 : 64;
        wdm_record_t *grown = realloc (self->records, (size_t)capacity * sizeof *grown);
        if (!grown) {
            self->out_of_memory = true;
            return -1;
        }
        self->records = grown;
        self->capacity = capacity;
    }
    self->records [self->count++] = *record;
    return 0;
}

void
wdm_web_upload_post (wdm_web_req_t *req)
{
    s_upload_t self;
    memset (&self, 0, sizeof self);
    self.req = req;
    wdm_catalog_t *catalog = NULL;
    wdm_auth_t *auth = NULL;
    wdm_buf_t *out = &req->body;
    if (!wdm_web_entry_allowed (req))
        goto cleanup;
    if (req->upload.size == 0) {
        wdm_web_page_error (
            req, MHD_HTTP_BAD_REQUEST, "没有文件 / No file",
            "请选择已填好的 .xlsx 填报表再上传。 / Choose the filled .xlsx form, then upload.");
        goto cleanup;
    }
    if (wdm_web_entry_rules (req, &catalog, &auth))
        goto cleanup;
    self.catalog = catalog;
    self.auth = auth;
    char why [1024] = "";
    wdm_source_stats_t stats;
    int read = wdm_source_parse (req->upload.data, req->upload.size, WDM_SOURCE_XLSX, catalog, s_on_record,
                                 s_on_error, &self, &stats, why, sizeof why);
    if (self.out_of_memory) {
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "内存不足 / Out of memory",
                            "文件未能读完，未存储任何数据。 / The file could not be read; nothing stored.");
        goto cleanup;
    }
    if (read) {
        wdm_web_audit (req, NULL, "entry_upload_refused", req->upload_name, why);
        req->status = S_UNPROCESSABLE_UPLOAD;
        if (wdm_web_page_begin (req, "上传 / Upload", "entry") == 0) {
            wdm_web_html (
                out,
                "<h1>上传被拒绝<span class=\"en\">Upload refused</span></h1><p id=\"upload-refused\" "
                "class=\"error\">%s：%s</p><p>未存储任何数据。 / Nothing was stored.</p><p><a "
                "href=\"/entry\">返回填报 / Back to entry</a></p>",
                req->upload_name, why);
            wdm_web_page_end (req);
        }
        goto cleanup;
    }
    //  The file's bytes and the unit are the key: the same file uploaded
    //  twice is stored once.
    uint64_t epoch = 14695981039346656037ULL;
    const unsigned char *bytes = (const unsigned char *)req->user.unit_code;
    for (size_t i = 0; bytes [i]; i++)
        epoch = (epoch ^ bytes [i]) * 1099511628211ULL;
    bytes = (const unsigned char *)req->upload.data;
    for (size_t i = 0; i < req->upload.size; i++)
        epoch = (epoch ^ bytes [i]) * 1099511628211ULL;
    epoch &= 0x7FFFFFFFFFFFFFFFULL;
    if (epoch == 0)
        epoch = 1;
    wdm_web_entry_stored_t stored;
    memset (&stored, 0, sizeof stored);
    char store_why [512] = "";
    if (self.count > 0
        && wdm_web_entry_store (req, self.records, self.count, epoch, &stored, store_why, sizeof store_why)) {
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "未能存储 / Not stored", store_why);
        goto cleanup;
    }
    char detail [256];
    snprintf (detail, sizeof detail, "%d good rows: %d stored, %d unchanged; %d bad rows", self.count,
              stored.accepted, stored.unchanged, self.bad);
    wdm_web_audit (req, NULL, "entry_upload", req->upload_name, detail);
    if (wdm_web_page_begin (req, "上传 / Upload", "entry"))
        goto cleanup;
    char good [16], accepted [16], unchanged [16], bad [16], opened [16], resolved [16];
    snprintf (good, sizeof good, "%d", self.count);
    snprintf (accepted, sizeof accepted, "%d", stored.accepted);
    snprintf (unchanged, sizeof unchanged, "%d", stored.unchanged);
    snprintf (bad, sizeof bad, "%d", self.bad);
    snprintf (opened, sizeof opened, "%d", stored.opened + stored.reopened);
    snprintf (resolved, sizeof resolved, "%d", stored.resolved);
    wdm_web_html (
        out,
        "<h1>上传结果<span class=\"en\">Upload</span></h1><p>文件 / File: %s</p><p id=\"upload-result\" "
        "class=\"%s\">正确的行 <span id=\"good\">%s</span> 行：新存储 <span id=\"accepted\">%s</span> 条，"
        "与已存数据相同 %s 条；有误的行 <span id=\"bad\">%s</span> 行（未存储）。预警：新开或重开 %s，解除 %s。"
        " / %s good rows: %s stored, %s the same as stored; %s bad rows (not stored). Warnings: %s "
        "opened or reopened, %s resolved.</p>",
        req->upload_name, self.bad ? "error" : "ok", good, accepted, unchanged, bad, opened, resolved, good,
        accepted, unchanged, bad, opened, resolved);
    if (self.bad) {
        wdm_web_raw (
            out,
            "<h2>有误的行 <span class=\"en\">Bad rows</span></h2><table id=\"upload-errors\"><thead>"
            "<tr><th>行 <span class=\"en\">Row</span></th><th>字段 <span class=\"en\">Field</span></th>"
            "<th>原因 <span class=\"en\">Reason</span></th><th>内容 <span class=\"en\">Cells</span></th>"
            "</tr></thead><tbody>");
        wdm_buf_add (out, self.rows.data ? self.rows.data : "", self.rows.size);
        wdm_web_raw (out, "</tbody></table>");
        if (self.bad > S_BAD_SHOWN)
            wdm_web_raw (out, "<p>只列出前 500 行。 / Only the first 500 are listed.</p>");
    }
    wdm_web_raw (out, "<p><a href=\"/entry\">返回填报 / Back to entry</a></p>");
    wdm_web_page_end (req);
cleanup:
    wdm_auth_destroy (&auth);
    wdm_catalog_destroy (&catalog);
    free (self.records);
    wdm_buf_free (&self.rows);
}
