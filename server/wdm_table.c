/*  wdm_table: text, CSV and JSON output of query results.  */

#include "wdm_table.h"
#include "wdm_log.h"

#include <stdlib.h>
#include <string.h>

int
wdm_table_format_parse (const char *text, wdm_table_format_t *format)
{
    static const char *names [] = { "text", "csv", "json" };
    for (int i = 0; i < 3; i++)
        if (text && strcmp (text, names [i]) == 0) {
            *format = (wdm_table_format_t) i;
            return 0;
        }
    return -1;
}

//  Terminal columns a UTF-8 string takes: East Asian wide characters
//  (CJK, fullwidth forms) count two.
static int
s_width (const char *text)
{
    int width = 0;
    const unsigned char *s = (const unsigned char *) text;
    while (*s) {
        unsigned int c = *s, len = 1;
        if (c >= 0xF0)      { c &= 0x07; len = 4; }
        else if (c >= 0xE0) { c &= 0x0F; len = 3; }
        else if (c >= 0xC0) { c &= 0x1F; len = 2; }
        for (unsigned int i = 1; i < len && s [i]; i++)
            c = (c << 6) | (s [i] & 0x3F);
        int wide = (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF)
                || (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF)
                || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60)
                || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD);
        width += wide ? 2 : 1;
        for (unsigned int i = 0; i < len && *s; i++)
            s++;
    }
    return width;
}

static void
s_pad (FILE *out, const char *text, int width, int last)
{
    fputs (text, out);
    if (!last)
        for (int i = s_width (text); i < width + 2; i++)
            fputc (' ', out);
}

static void
s_csv_field (FILE *out, const char *text)
{
    if (strpbrk (text, ",\"\r\n") == NULL) {
        fputs (text, out);
        return;
    }
    fputc ('"', out);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            fputc ('"', out);
        fputc (*p, out);
    }
    fputc ('"', out);
}

static void
s_json_string (FILE *out, const char *text)
{
    fputc ('"', out);
    for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf (out, "\\%c", *p);
        else
        if (*p < 0x20)
            fprintf (out, "\\u%04x", *p);
        else
            fputc (*p, out);
    }
    fputc ('"', out);
}

int
wdm_table_print (const PGresult *res, wdm_table_format_t format, FILE *out)
{
    int rows = PQntuples (res), cols = PQnfields (res);
    if (format == WDM_TABLE_CSV) {
        for (int c = 0; c < cols; c++) {
            if (c)
                fputc (',', out);
            s_csv_field (out, PQfname (res, c));
        }
        fputs ("\r\n", out);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                if (c)
                    fputc (',', out);
                s_csv_field (out, PQgetvalue (res, r, c));
            }
            fputs ("\r\n", out);
        }
    }
    else
    if (format == WDM_TABLE_JSON) {
        fputc ('[', out);
        for (int r = 0; r < rows; r++) {
            fputs (r ? ",\n {" : "\n {", out);
            for (int c = 0; c < cols; c++) {
                if (c)
                    fputs (", ", out);
                s_json_string (out, PQfname (res, c));
                fputs (": ", out);
                if (PQgetisnull (res, r, c))
                    fputs ("null", out);
                else
                    s_json_string (out, PQgetvalue (res, r, c));
            }
            fputc ('}', out);
        }
        fputs (rows ? "\n]\n" : "]\n", out);
    }
    else {
        int *widths = calloc ((size_t) (cols ? cols : 1), sizeof *widths);
        if (!widths)
            return -1;
        for (int c = 0; c < cols; c++) {
            widths [c] = s_width (PQfname (res, c));
            for (int r = 0; r < rows; r++) {
                int w = s_width (PQgetvalue (res, r, c));
                if (w > widths [c])
                    widths [c] = w;
            }
        }
        for (int c = 0; c < cols; c++)
            s_pad (out, PQfname (res, c), widths [c], c == cols - 1);
        fputc ('\n', out);
        for (int c = 0; c < cols; c++) {
            for (int i = 0; i < widths [c]; i++)
                fputc ('-', out);
            if (c < cols - 1)
                fputs ("  ", out);
        }
        fputc ('\n', out);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++)
                s_pad (out, PQgetvalue (res, r, c), widths [c], c == cols - 1);
            fputc ('\n', out);
        }
        fprintf (out, "(%d row%s)\n", rows, rows == 1 ? "" : "s");
        free (widths);
    }
    return ferror (out) ? -1 : 0;
}

int
wdm_table_query (PGconn *conn, const char *sql, int count, const char *const *params,
                 wdm_table_format_t format, FILE *out)
{
    PGresult *res = PQexecParams (conn, sql, count, NULL, params, NULL, NULL, 0);
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        wdm_log_error ("database: %s", PQresultErrorMessage (res));
        PQclear (res);
        return -1;
    }
    int rc = wdm_table_print (res, format, out);
    PQclear (res);
    return rc;
}
