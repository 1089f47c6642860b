/*  wdm_table: print a query's result the way the operator asked — an
    aligned table for the terminal (Chinese characters count as two
    columns), CSV for spreadsheets, or JSON for scripts.  Every `wdmon`
    listing goes through here, so all of them take --format.  */

#ifndef WDM_TABLE_H_INCLUDED
#define WDM_TABLE_H_INCLUDED

#include <libpq-fe.h>
#include <stdio.h>

typedef enum {
    WDM_TABLE_TEXT = 0,
    WDM_TABLE_CSV,
    WDM_TABLE_JSON
} wdm_table_format_t;

//  SQL for a timestamptz as the office reads it: the local time in the
//  zone passed as parameter $n (a text parameter, never spliced) and that
//  zone's offset at that moment, e.g. "2025-01-10 16:03:00 +08:00"; NULL
//  stays NULL.  expr and n are SQL text known when compiling:
//  WDM_TABLE_LOCAL_TIME ("w.updated_at", "5").
#define WDM_TABLE_LOCAL_TIME(expr, n) \
    "to_char ((" expr ") AT TIME ZONE $" n ", 'YYYY-MM-DD HH24:MI:SS') || ' ' ||" \
    " (SELECT CASE WHEN d < interval '0' THEN '-' || to_char (-d, 'HH24:MI')" \
    "              ELSE '+' || to_char (d, 'HH24:MI') END" \
    "    FROM (SELECT (" expr ") AT TIME ZONE $" n " - (" expr ") AT TIME ZONE 'UTC' AS d) AS s_offset)"

//  Parse "text", "csv" or "json".  0, or -1.
int wdm_table_format_parse (const char *text, wdm_table_format_t *format);

//  Print every row of res: text (aligned columns under the column names,
//  NULL as empty), CSV (RFC 4180, header line, CRLF), or JSON (an array of
//  objects, column names as keys, NULL as null, every value a string but
//  for NULL).  0, or -1 if writing failed.
int wdm_table_print (const PGresult *res, wdm_table_format_t format, FILE *out);

//  Run a query with text parameters and print its result.  0, or -1 with
//  the database's error logged.
int wdm_table_query (PGconn *conn, const char *sql, int count, const char *const *params,
                     wdm_table_format_t format, FILE *out);

#endif
