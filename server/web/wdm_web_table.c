/*  wdm_web_table: the console's tables — a page describes a table once
    (columns with Chinese and English headings, rows from a query) and it
    is rendered here as HTML with links to download it, or, when the
    request asks for it (?format=csv|xlsx&table=ID), as that file: CSV in
    UTF-8 with a byte order mark (so that Excel on Windows reads Chinese),
    every field quoted as RFC 4180 says (libcsv), or an .xlsx workbook
    (libxlsxwriter) whose number columns hold numbers.  Also the plan a
    page is about, resolved as everywhere by wdm_check_plan.  Contracts in
    wdm_web_int.h.  */

#include "wdm_web_int.h"
#include "wdm_check.h"
#include "wdm_log.h"

#include <csv.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

//  Cell c of row row: the page's own, else the query's.
static const char *
s_value (const wdm_web_table_t *table, int row, int c)
{
    return table->cell ? table->cell (table->context, table->res, row, c) : PQgetvalue (table->res, row, c);
}

#define S_CSV_TYPE  "text/csv; charset=utf-8"
#define S_XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

int
wdm_web_plan (wdm_web_req_t *req, char *code, size_t code_size)
{
    const char *plan = wdm_web_arg (req, "plan");
    char message [1024] = "";
    wdm_check_result_t rc = wdm_check_plan (req->conn, &plan, code, code_size, message, sizeof message);
    if (rc == WDM_CHECK_OK)
        return 0;
    if (rc == WDM_CHECK_REFUSED)
        wdm_web_page_error (req, MHD_HTTP_NOT_FOUND, "没有此规划 / No such plan", message);
    else
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error", message);
    return -1;
}

int
wdm_web_csv_record (wdm_buf_t *out, const char *const *fields, int count)
{
    for (int i = 0; i < count; i++) {
        const char *field = fields [i] ? fields [i] : "";
        size_t size = strlen (field);
        //  At most every byte a quote, doubled, and the two around it.
        if ((i > 0 && wdm_buf_add (out, ",", 1)) || wdm_buf_reserve (out, 2 * size + 2))
            return -1;
        out->size += csv_write (out->data + out->size, 2 * size + 2, field, size);
        out->data [out->size] = 0;
    }
    return wdm_buf_add (out, "\r\n", 2);
}

//  The heading of column c as one line: "中文 / English".
static void
s_heading (const wdm_web_column_t *column, char *text, size_t size)
{
    snprintf (text, size, "%s / %s", column->zh, column->en);
}

//  A CSV cell as a spreadsheet should take it: a text beginning with
//  = + - @ would be read as a formula, so it gets a leading apostrophe
//  (a new string in *made, which the caller frees); number columns are
//  left as they are.  NULL out of memory.
static const char *
s_safe (const wdm_web_column_t *column, const char *value, char **made)
{
    *made = NULL;
    if (column->number || !value [0] || !strchr ("=+-@", value [0]))
        return value;
    size_t size = strlen (value) + 2;
    *made = malloc (size);
    if (*made)
        snprintf (*made, size, "'%s", value);
    return *made;
}

//  The table as CSV into req->file.
static int
s_csv (wdm_web_req_t *req, const wdm_web_table_t *table)
{
    int rc = -1;
    const char **fields = calloc ((size_t)table->count, sizeof *fields);
    char **made = calloc ((size_t)table->count, sizeof *made);
    char (*headings) [256] = calloc ((size_t)table->count, sizeof *headings);
    if (!fields || !made || !headings || wdm_buf_add (&req->file, "\xEF\xBB\xBF", 3))
        goto cleanup;
    for (int c = 0; c < table->count; c++) {
        s_heading (&table->columns [c], headings [c], sizeof headings [c]);
        fields [c] = headings [c];
    }
    if (wdm_web_csv_record (&req->file, fields, table->count))
        goto cleanup;
    for (int row = 0; row < PQntuples (table->res); row++) {
        bool fine = true;
        for (int c = 0; c < table->count; c++) {
            free (made [c]);
            fields [c] = s_safe (&table->columns [c], s_value (table, row, c), &made [c]);
            fine = fine && fields [c];
        }
        if (!fine || wdm_web_csv_record (&req->file, fields, table->count))
            goto cleanup;
    }
    rc = 0;
cleanup:
    for (int c = 0; made && c < table->count; c++)
        free (made [c]);
    free (made);
    free (fields);
    free (headings);
    return rc;
}

//  Read the whole file at path into out.  0, or -1.
static int
s_slurp (const char *path, wdm_buf_t *out)
{
    FILE *file = fopen (path, "rb");
    char chunk [8192];
    size_t got;
    int rc = file ? 0 : -1;
    while (file && (got = fread (chunk, 1, sizeof chunk, file)) > 0)
        if (wdm_buf_add (out, chunk, got))
            rc = -1;
    if (file && ferror (file))
        rc = -1;
    if (file)
        fclose (file);
    return rc;
}

//  Write one row of cells of the worksheet; number columns as numbers
//  where the text is one.  A string cell is never read as a formula, so
//  it is written as the page shows it.
static void
s_xlsx_row (lxw_worksheet *sheet, const wdm_web_table_t *table, int row)
{
    for (int c = 0; c < table->count; c++) {
        const char *value = s_value (table, row, c);
        char *end = NULL;
        double number = table->columns [c].number && *value ? strtod (value, &end) : 0;
        if (end && !*end)
            worksheet_write_number (sheet, (lxw_row_t)row + 1, (lxw_col_t)c, number, NULL);
        else if (*value)
            worksheet_write_string (sheet, (lxw_row_t)row + 1, (lxw_col_t)c, value, NULL);
    }
}

//  The table as an .xlsx workbook into req->file.  libxlsxwriter 1.1
//  writes to a file only: a private temporary file, read back and removed.
static int
s_xlsx (wdm_web_req_t *req, const wdm_web_table_t *table)
{
    int rc = -1;
    const char *dir = getenv ("TMPDIR");
    char path [512], heading [256];
    snprintf (path, sizeof path, "%s/wdmon-web-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp (path);
    if (fd < 0) {
        wdm_log_error ("web: cannot make a temporary file in %s: %s", path, strerror (errno));
        return -1;
    }
    close (fd);
    lxw_workbook *book = workbook_new (path);
    lxw_worksheet *sheet = book ? workbook_add_worksheet (book, NULL) : NULL;
    if (!sheet)
        goto cleanup;
    lxw_format *bold = workbook_add_format (book);
    format_set_bold (bold);
    worksheet_set_column (sheet, 0, (lxw_col_t)(table->count - 1), 18, NULL);
    for (int c = 0; c < table->count; c++) {
        s_heading (&table->columns [c], heading, sizeof heading);
        worksheet_write_string (sheet, 0, (lxw_col_t)c, heading, bold);
    }
    for (int row = 0; row < PQntuples (table->res); row++)
        s_xlsx_row (sheet, table, row);
    worksheet_freeze_panes (sheet, 1, 0);
    lxw_error closed = workbook_close (book);
    book = NULL;
    if (closed != LXW_NO_ERROR) {
        wdm_log_error ("web: cannot write the workbook: %s", lxw_strerror (closed));
        goto cleanup;
    }
    rc = s_slurp (path, &req->file);
cleanup:
    if (book)
        workbook_close (book);
    unlink (path);
    return rc;
}

//  One query argument, for the download links: "&name=value" (format and
//  table left out, the links set them).
static enum MHD_Result
s_link_arg (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    wdm_buf_t *out = cls;
    if (strcmp (key, "format") == 0 || strcmp (key, "table") == 0 || !value)
        return MHD_YES;
    wdm_web_url_arg (out, key);
    wdm_web_raw (out, "=");
    wdm_web_url_arg (out, value);
    wdm_web_raw (out, "&amp;");
    return MHD_YES;
}

//  The links to download the table, each the page's own URL with format
//  and table.
static int
s_links (wdm_web_req_t *req, const wdm_web_table_t *table)
{
    wdm_buf_t args = { 0 };
    int rc = wdm_web_raw (&args, "?");
    MHD_get_connection_values (req->connection, MHD_GET_ARGUMENT_KIND, s_link_arg, &args);
    static const char *const formats [][2] = { { "csv", "CSV" }, { "xlsx", "Excel (.xlsx)" } };
    rc = rc || wdm_web_raw (&req->body, "<p class=\"downloads noprint\">下载 / Download: ");
    for (int f = 0; rc == 0 && f < 2; f++)
        rc = wdm_buf_printf (&req->body, "%s<a href=\"", f ? " · " : "")
            || wdm_web_text (&req->body, req->path) || wdm_web_raw (&req->body, args.data)
            || wdm_buf_printf (&req->body, "format=%s&amp;table=", formats [f][0])
            || wdm_web_url_arg (&req->body, table->id) || wdm_web_raw (&req->body, "\" id=\"")
            || wdm_web_text (&req->body, table->id)
            || wdm_buf_printf (&req->body, "-%s\" download>%s</a>", formats [f][0], formats [f][1]);
    wdm_buf_free (&args);
    return rc || wdm_web_raw (&req->body, "</p>");
}

//  The table as HTML: headings in both languages, each cell labelled for
//  the phone's layout.
static int
s_html (wdm_web_req_t *req, const wdm_web_table_t *table)
{
    wdm_buf_t *out = &req->body;
    int rc = wdm_web_raw (out, "<div class=\"table-wrap\"><table class=\"data\" id=\"")
        || wdm_web_text (out, table->id) || wdm_web_raw (out, "\"><thead><tr>");
    for (int c = 0; rc == 0 && c < table->count; c++)
        rc = wdm_buf_printf (out, "<th%s>%s<br><span class=\"en\">%s</span></th>",
                             table->columns [c].number ? " class=\"num\"" : "", table->columns [c].zh,
                             table->columns [c].en);
    rc = rc || wdm_web_raw (out, "</tr></thead><tbody>");
    for (int row = 0; rc == 0 && row < PQntuples (table->res); row++) {
        rc = wdm_web_raw (out, "<tr>");
        for (int c = 0; rc == 0 && c < table->count; c++) {
            const wdm_web_column_t *column = &table->columns [c];
            const char *value = s_value (table, row, c);
            rc = wdm_buf_printf (out, "<td data-label=\"%s %s\"%s>", column->zh, column->en,
                                 column->number ? " class=\"num\"" : "");
            if (rc == 0 && column->link && *value)
                rc = wdm_web_raw (out, "<a href=\"") || wdm_web_raw (out, column->link)
                    || wdm_web_url_arg (out, value) || wdm_web_raw (out, "\">") || wdm_web_text (out, value)
                    || wdm_web_raw (out, "</a>");
            else
                rc = rc || wdm_web_text (out, value);
            rc = rc || wdm_web_raw (out, "</td>");
        }
        rc = rc || wdm_web_raw (out, "</tr>");
    }
    if (rc == 0 && PQntuples (table->res) == 0)
        rc = wdm_buf_printf (out, "<tr><td colspan=\"%d\" class=\"empty\">无 / none</td></tr>", table->count);
    return rc || wdm_web_raw (out, "</tbody></table></div>") || s_links (req, table);
}

//  Make the table's file if the request asks for it: 1 made (or made
//  already), 0 not asked, -1 it could not be made.
static int
s_download (wdm_web_req_t *req, const wdm_web_table_t *table)
{
    const char *format = wdm_web_arg (req, "format"), *wanted = wdm_web_arg (req, "table");
    bool csv = format && strcmp (format, "csv") == 0, xlsx = format && strcmp (format, "xlsx") == 0;
    if (!(csv || xlsx) || !wanted || strcmp (wanted, table->id) != 0)
        return 0;
    if (req->file_type)
        return 1;
    wdm_buf_reset (&req->file);
    if (csv ? s_csv (req, table) : s_xlsx (req, table))
        return -1;
    req->file_type = csv ? S_CSV_TYPE : S_XLSX_TYPE;
    snprintf (req->disposition, sizeof req->disposition, "attachment; filename=\"wdmon-%s.%s\"", table->id,
              csv ? "csv" : "xlsx");
    return 1;
}

int
wdm_web_table (wdm_web_req_t *req, const wdm_web_table_t *table)
{
    int made = s_download (req, table);
    return made ? (made < 0 ? -1 : 0) : s_html (req, table);
}

int
wdm_web_table_links (wdm_web_req_t *req, const wdm_web_table_t *table)
{
    int made = s_download (req, table);
    return made ? (made < 0 ? -1 : 0) : s_links (req, table);
}

void
wdm_web_table_finish (wdm_web_req_t *req)
{
    const char *format = wdm_web_arg (req, "format");
    if (!format || req->file_type || req->status != MHD_HTTP_OK || strcmp (format, "html") == 0)
        return;
    if (strcmp (format, "csv") != 0 && strcmp (format, "xlsx") != 0)
        wdm_web_page_error (req, MHD_HTTP_BAD_REQUEST, "没有此格式 / No such format",
                            "下载格式为 csv 或 xlsx。 / A download is format=csv or format=xlsx.");
    else
        wdm_web_page_error (req, MHD_HTTP_NOT_FOUND, "没有此表格 / No such table",
                            "本页没有这个表格可下载。 / This page has no table of that name to download.");
}
