/*  wdm_source: CSV and JSON Lines exports read into records.  See
    wdm_source.h.  This file holds the public functions (a file read, its
    format told from its name, the parse dispatched) and the helpers every
    format shares: faults, lines, the text shown, a record checked and
    handed on.  The formats are in wdm_source_csv.c and wdm_source_jsonl.c,
    the encodings in wdm_source_encoding.c, the fields in
    wdm_source_fields.c; wdm_source_int.h lists them.

    The whole input is made UTF-8 first, so that everything after works
    on one encoding; line numbers survive the conversion because GB18030
    never uses the bytes of CR, LF, comma or quote inside a character.
    CSV goes to libcsv one physical line at a time: a row can only end at
    a line break, so when libcsv reports the end of a row we still know
    the line on which it started.  */

#include "wdm_source_int.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

//  The input cannot be read, or the caller stopped it: say why, and read
//  no further.
void
sr_why (sr_reader_t *self, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    vsnprintf (self->why, self->why_size, format, args);
    va_end (args);
    self->stopped = true;
}

void
sr_fault (sr_fault_t *self, const char *field, const char *format, ...)
{
    self->field = field;
    va_list args;
    va_start (args, format);
    vsnprintf (self->message, sizeof self->message, format, args);
    va_end (args);
}

//  Text to show a person: len bytes of UTF-8 in a buffer of size bytes,
//  on one line — tabs and line breaks, which would garble a log line or
//  a report, become spaces — and if too long cut at a character boundary,
//  ending "...".
void
sr_cut (const char *text, size_t len, char *buffer, size_t size)
{
    assert (size > 4);
    size_t keep = len;
    if (len >= size) {
        keep = size - 4;
        while (keep > 0 && ((unsigned char)text [keep] & 0xC0) == 0x80)
            keep--;
    }
    for (size_t i = 0; i < keep; i++)
        buffer [i] = ((unsigned char)text [i] < 0x20 || text [i] == 0x7F) ? ' ' : text [i];
    if (keep < len)
        memcpy (buffer + keep, "...", 4);
    else
        buffer [keep] = '\0';
}

//  Equal, ignoring the case of ASCII letters only: the locale's idea of
//  case has no business in column names.
bool
sr_same_word (const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

//  Offset just past the line starting at pos, its break included.  A line
//  ends at LF, CRLF, or a CR alone, as libcsv sees it.
size_t
sr_line_end (const char *data, size_t size, size_t pos)
{
    while (pos < size) {
        char c = data [pos++];
        if (c == '\n')
            break;
        if (c == '\r') {
            if (pos < size && data [pos] == '\n')
                pos++;
            break;
        }
    }
    return pos;
}

//  The 1-based line holding the byte at offset.
int
sr_line_at (const char *data, size_t size, size_t offset)
{
    int line = 1;
    for (size_t end = sr_line_end (data, size, 0); end <= offset && end < size;
         end = sr_line_end (data, size, end))
        line++;
    return line;
}

//  Length of a line without its break.
size_t
sr_unbroken (const char *text, size_t len)
{
    while (len > 0 && (text [len - 1] == '\n' || text [len - 1] == '\r'))
        len--;
    return len;
}

//  Nothing but spaces, tabs and line breaks: what libcsv skips as no row.
bool
sr_blank (const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text [i] != ' ' && text [i] != '\t' && text [i] != '\r' && text [i] != '\n')
            return false;
    return true;
}

//  Report a bad line.
void
sr_report (sr_reader_t *self, int line, const sr_fault_t *fault, const char *text, size_t len)
{
    self->stats->errors++;
    if (self->on_error) {
        char shown [WDM_SOURCE_TEXT_MAX];
        sr_cut (text, sr_unbroken (text, len), shown, sizeof shown);
        self->on_error (self->arg, line, fault->field, fault->message, shown);
    }
}

//  Check a record built from a line against the catalog, if there is
//  one, and hand it on; or report the line.
void
sr_deliver (sr_reader_t *self, int line, const wdm_record_t *record, const char *text, size_t len)
{
    if (self->catalog) {
        wdm_record_error_t error = wdm_record_validate (record, self->catalog);
        if (error != WDM_RECORD_OK) {
            sr_fault_t fault;
            sr_fault (&fault, wdm_record_error_field (error), "%s", wdm_record_error_message (error));
            sr_report (self, line, &fault, text, len);
            return;
        }
    }
    if (self->on_record (self->arg, record, line) == 0)
        self->stats->records++;
    else
        sr_why (self, "应调用方要求在第%d行停止读取 / stopped at line %d, as the caller asked", line, line);
}

//  ---------------------------------------------------------------------
//  Public functions

int
wdm_source_format_from_name (const char *name, wdm_source_format_t *format)
{
    static const struct {
        const char *ending;
        wdm_source_format_t format;
    } endings [] = {
        { ".csv", WDM_SOURCE_CSV },    { ".jsonl", WDM_SOURCE_JSONL }, { ".ndjson", WDM_SOURCE_JSONL },
        { ".json", WDM_SOURCE_JSONL }, { ".xlsx", WDM_SOURCE_XLSX },
    };
    size_t len = strlen (name);
    for (size_t i = 0; i < sizeof endings / sizeof endings [0]; i++) {
        size_t ending_len = strlen (endings [i].ending);
        if (len > ending_len && sr_same_word (name + len - ending_len, endings [i].ending)) {
            *format = endings [i].format;
            return 0;
        }
    }
    return -1;
}

int
wdm_source_parse (const char *data, size_t size, wdm_source_format_t format, const wdm_catalog_t *catalog,
                  wdm_source_record_fn *on_record, wdm_source_error_fn *on_error, void *arg,
                  wdm_source_stats_t *stats, char *why, size_t why_size)
{
    assert (on_record);
    assert (data || size == 0);
    wdm_source_stats_t ignored;
    sr_reader_t reader = { .catalog = catalog,
                           .on_record = on_record,
                           .on_error = on_error,
                           .arg = arg,
                           .stats = stats ? stats : &ignored,
                           .why = why,
                           .why_size = why ? why_size : 0 };
    *reader.stats = (wdm_source_stats_t) { .records = 0, .errors = 0, .encoding = "" };
    if (reader.why_size)
        why [0] = '\0';
    if (!data)
        data = "";

    const char *text = NULL;
    size_t text_size = 0;
    char *copy = NULL;
    if (format != WDM_SOURCE_CSV && format != WDM_SOURCE_JSONL && format != WDM_SOURCE_XLSX)
        sr_why (&reader, "未知的文件格式 / unknown format %d", (int)format);
    else if (format == WDM_SOURCE_XLSX) {
        reader.stats->encoding = "XLSX";
        sr_xlsx_parse (&reader, data, size);
    } else if (sr_decode (&reader, data, size, format, &text, &text_size, &copy) == 0) {
        if (format == WDM_SOURCE_CSV)
            sr_csv_parse (&reader, text, text_size);
        else
            sr_jsonl_parse (&reader, text, text_size);
    }
    free (copy);
    return reader.stopped ? -1 : 0;
}

//  Read an open file to its end, starting with capacity bytes, into a
//  buffer the caller frees; its length in *size.  Reads to the end rather
//  than trust a size: a file may still grow, and a pipe has none.  Stops
//  one byte over WDM_SOURCE_FILE_MAX, which tells the file is too large.
//  NULL out of memory; a read error is ferror (file)'s.
static char *
s_read_all (FILE *file, size_t capacity, size_t *size)
{
    *size = 0;
    char *data = malloc (capacity);
    while (data) {
        if (*size == capacity) {
            if (capacity > WDM_SOURCE_FILE_MAX)
                break;
            size_t larger = capacity * 2 > WDM_SOURCE_FILE_MAX + 1 ? WDM_SOURCE_FILE_MAX + 1 : capacity * 2;
            char *grown = realloc (data, larger);
            if (!grown) {
                free (data);
                return NULL;
            }
            data = grown;
            capacity = larger;
        }
        size_t got = fread (data + *size, 1, capacity - *size, file);
        *size += got;
        if (got == 0)
            break;
    }
    return data;
}

int
wdm_source_parse_file (const char *path, const wdm_catalog_t *catalog, wdm_source_record_fn *on_record,
                       wdm_source_error_fn *on_error, void *arg, wdm_source_stats_t *stats, char *why,
                       size_t why_size)
{
    int rc = -1;
    FILE *file = NULL;
    char *data = NULL;
    sr_reader_t reader = { .why = why, .why_size = why ? why_size : 0 };
    if (stats)
        *stats = (wdm_source_stats_t) { .records = 0, .errors = 0, .encoding = "" };

    wdm_source_format_t format;
    if (wdm_source_format_from_name (path, &format)) {
        sr_why (&reader,
                "不支持的文件类型：%s（应为.csv、.xlsx、.jsonl、.ndjson或.json） / "
                "unknown kind of file: %s (expected .csv, .xlsx, .jsonl, .ndjson or .json)",
                path, path);
        goto cleanup;
    }
    file = fopen (path, "rb");
    if (!file) {
        const char *cause = strerror (errno);
        sr_why (&reader, "无法打开%s：%s / cannot open %s: %s", path, cause, path, cause);
        goto cleanup;
    }
    struct stat status;
    bool regular = fstat (fileno (file), &status) == 0 && S_ISREG (status.st_mode);
    if (regular && (uintmax_t)status.st_size > WDM_SOURCE_FILE_MAX) {
        sr_why (&reader,
                "文件过大：%jd字节，最多%zu字节（256 MiB）：%s / "
                "file too large: %jd bytes, at most %zu (256 MiB): %s",
                (intmax_t)status.st_size, WDM_SOURCE_FILE_MAX, path, (intmax_t)status.st_size,
                WDM_SOURCE_FILE_MAX, path);
        goto cleanup;
    }
    size_t size = 0;
    data = s_read_all (file, regular ? (size_t)status.st_size + 1 : 64 * 1024, &size);
    if (!data) {
        sr_why (&reader, "内存不足，无法读取%s / out of memory reading %s", path, path);
        goto cleanup;
    }
    if (ferror (file)) {
        const char *cause = strerror (errno);
        sr_why (&reader, "无法读取%s：%s / cannot read %s: %s", path, cause, path, cause);
        goto cleanup;
    }
    if (size > WDM_SOURCE_FILE_MAX) {
        sr_why (&reader,
                "文件过大：超过%zu字节（256 MiB）：%s / file too large: more than %zu bytes (256 MiB): %s",
                WDM_SOURCE_FILE_MAX, path, WDM_SOURCE_FILE_MAX, path);
        goto cleanup;
    }
    rc = wdm_source_parse (data, size, format, catalog, on_record, on_error, arg, stats, why, why_size);
cleanup:
    if (file)
        fclose (file);
    free (data);
    return rc;
}
