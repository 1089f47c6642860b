/*  wdm_table: text, CSV and JSON output of query results.  */

#include "wdm_table.h"
#include "wdm_db.h"
#include "wdm_log.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int
wdm_table_format_parse (const char *text, wdm_table_format_t *format)
{
    static const char *names [] = { "text", "csv", "json" };
    for (int i = 0; i < 3; i++)
        if (text && strcmp (text, names [i]) == 0) {
            *format = (wdm_table_format_t)i;
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
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        unsigned int c = *s, len = 1;
        if (c >= 0xF0) {
            c &= 0x07;
            len = 4;
        } else if (c >= 0xE0) {
            c &= 0x0F;
            len = 3;
        } else if (c >= 0xC0) {
            c &= 0x1F;
            len = 2;
        }
        for (unsigned int i = 1; i < len && s [i]; i++)
            c = (c << 6) | (s [i] & 0x3F);
        int wide = (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF)
            || (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F)
            || (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD);
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

//  PostgreSQL's type oids (pg_type.h, stable across releases) that JSON
//  has a type for.
#define S_OID_BOOL    16
#define S_OID_INT8    20
#define S_OID_INT2    21
#define S_OID_INT4    23
#define S_OID_OID     26
#define S_OID_JSON    114
#define S_OID_FLOAT4  700
#define S_OID_FLOAT8  701
#define S_OID_NUMERIC 1700
#define S_OID_JSONB   3802

//  One value of res as JSON of its SQL type; a new reference, or NULL if
//  the text is not valid UTF-8.
static json_t *
s_json_value (const PGresult *res, int row, int col)
{
    if (PQgetisnull (res, row, col))
        return json_null ();
    const char *text = PQgetvalue (res, row, col);
    char *end = NULL;
    switch (PQftype (res, col)) {
        case S_OID_BOOL: return json_boolean (text [0] == 't');
        case S_OID_INT2:
        case S_OID_INT4:
        case S_OID_INT8:
        case S_OID_OID: return json_integer (strtoll (text, NULL, 10));
        case S_OID_FLOAT4:
        case S_OID_FLOAT8:
        case S_OID_NUMERIC: {
            //  NaN and Infinity have no JSON number: they stay strings.
            if (!strpbrk (text, ".eE")) {
                errno = 0;
                long long whole = strtoll (text, &end, 10);
                if (*end == 0 && errno == 0)
                    return json_integer (whole);
            }
            double real = strtod (text, &end);
            if (*end == 0 && isfinite (real))
                return json_real (real);
            break;
        }
        case S_OID_JSON:
        case S_OID_JSONB: {
            json_t *value = json_loads (text, JSON_DECODE_ANY, NULL);
            if (value)
                return value;
            break;
        }
        default: break;
    }
    return json_string (text);
}

//  Row r of res as a JSON object, the column names as keys in their
//  order; NULL if a value is not valid UTF-8 (logged).
static json_t *
s_json_row (const PGresult *res, int row)
{
    json_t *object = json_object ();
    for (int col = 0; object && col < PQnfields (res); col++) {
        json_t *value = s_json_value (res, row, col);
        if (!value || json_object_set_new (object, PQfname (res, col), value)) {
            wdm_log_error ("listing: column %s of row %d is not valid UTF-8", PQfname (res, col), row + 1);
            json_decref (object);
            object = NULL;
        }
    }
    return object;
}

//  Every row of res as a JSON array of objects; NULL if one failed.
static json_t *
s_json_rows (const PGresult *res)
{
    json_t *array = json_array ();
    for (int row = 0; array && row < PQntuples (res); row++) {
        json_t *object = s_json_row (res, row);
        if (!object || json_array_append_new (array, object)) {
            json_decref (array);
            array = NULL;
        }
    }
    return array;
}

#define S_JSON_FLAGS (JSON_PRESERVE_ORDER | JSON_REAL_PRECISION (15))

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
    } else if (format == WDM_TABLE_JSON) {
        //  One object a line, as a person reads it and grep finds it.
        fputc ('[', out);
        for (int r = 0; r < rows; r++) {
            json_t *object = s_json_row (res, r);
            if (!object)
                return -1;
            fputs (r ? ",\n " : "\n ", out);
            int rc = json_dumpf (object, out, S_JSON_FLAGS);
            json_decref (object);
            if (rc)
                return -1;
        }
        fputs (rows ? "\n]\n" : "]\n", out);
    } else {
        int *widths = calloc ((size_t)(cols ? cols : 1), sizeof *widths);
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
    PGresult *res = wdm_db_query (conn, sql, count, params, PGRES_TUPLES_OK, NULL, 0);
    if (!res)
        return -1;
    int rc = wdm_table_print (res, format, out);
    PQclear (res);
    return rc;
}

//  CSV of several results as one table: a section column, then every
//  column of every result in order of first appearance.
static int
s_sections_csv (PGresult **results, const wdm_table_section_t *sections, int count, FILE *out)
{
    int total = 0;
    for (int i = 0; i < count; i++)
        total += PQnfields (results [i]);
    const char **columns = calloc ((size_t)(total ? total : 1), sizeof *columns);
    if (!columns)
        return -1;
    int ncolumns = 0;
    for (int i = 0; i < count; i++)
        for (int c = 0; c < PQnfields (results [i]); c++) {
            int known = 0;
            for (int k = 0; k < ncolumns && !known; k++)
                known = strcmp (columns [k], PQfname (results [i], c)) == 0;
            if (!known)
                columns [ncolumns++] = PQfname (results [i], c);
        }
    fputs ("section", out);
    for (int k = 0; k < ncolumns; k++) {
        fputc (',', out);
        s_csv_field (out, columns [k]);
    }
    fputs ("\r\n", out);
    for (int i = 0; i < count; i++)
        for (int r = 0; r < PQntuples (results [i]); r++) {
            s_csv_field (out, sections [i].name);
            for (int k = 0; k < ncolumns; k++) {
                fputc (',', out);
                for (int c = 0; c < PQnfields (results [i]); c++)
                    if (strcmp (columns [k], PQfname (results [i], c)) == 0) {
                        s_csv_field (out, PQgetvalue (results [i], r, c));
                        break;
                    }
            }
            fputs ("\r\n", out);
        }
    free (columns);
    return 0;
}

//  JSON of several results as one object, a key per section.
static int
s_sections_json (PGresult **results, const wdm_table_section_t *sections, int count, const char *zone,
                 FILE *out)
{
    int rc = -1;
    json_t *object = json_object ();
    for (int i = 0; object && i < count; i++) {
        json_t *rows = s_json_rows (results [i]);
        if (!rows || json_object_set_new (object, sections [i].name, rows))
            goto cleanup;
    }
    if (!object || (zone && json_object_set_new (object, "timezone", json_string (zone))))
        goto cleanup;
    if (json_dumpf (object, out, S_JSON_FLAGS))
        goto cleanup;
    fputc ('\n', out);
    rc = 0;
cleanup:
    json_decref (object);
    return rc;
}

int
wdm_table_sections (PGconn *conn, const wdm_table_section_t *sections, int count, int nparams,
                    const char *const *params, const char *zone, wdm_table_format_t format, FILE *out)
{
    //  Every parameter is sent as text (pg_type's OID 25), so that a section
    //  need not use them all: PostgreSQL cannot infer the type of a
    //  parameter a query does not mention.
    enum { S_PARAMS_MAX = 8 };
    Oid types [S_PARAMS_MAX];
    if (nparams < 0 || nparams > S_PARAMS_MAX)
        return -1;
    for (int i = 0; i < nparams; i++)
        types [i] = 25;
    int rc = -1, done = 0;
    PGresult **results = calloc ((size_t)(count ? count : 1), sizeof *results);
    if (!results)
        return -1;
    //  Every query first: a failure prints nothing rather than half.
    for (done = 0; done < count; done++) {
        results [done] = PQexecParams (conn, sections [done].sql, nparams, types, params, NULL, NULL, 0);
        if (PQresultStatus (results [done]) != PGRES_TUPLES_OK) {
            wdm_log_error ("database: %s: %s", sections [done].name, PQresultErrorMessage (results [done]));
            done++;
            goto cleanup;
        }
    }
    if (format == WDM_TABLE_CSV)
        rc = s_sections_csv (results, sections, count, out);
    else if (format == WDM_TABLE_JSON)
        rc = s_sections_json (results, sections, count, zone, out);
    else {
        rc = 0;
        if (zone)
            fprintf (out, "时间为 %s 时区 / times in %s\n\n", zone, zone);
        for (int i = 0; i < count && rc == 0; i++) {
            fprintf (out, "%s%s\n", i ? "\n" : "", sections [i].title);
            rc = wdm_table_print (results [i], format, out);
        }
    }
    if (ferror (out))
        rc = -1;
cleanup:
    for (int i = 0; i < done; i++)
        PQclear (results [i]);
    free (results);
    return rc;
}
