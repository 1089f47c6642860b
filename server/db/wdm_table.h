/*  wdm_table: print a query's result the way the operator asked — an
    aligned table for the terminal (Chinese characters count as two
    columns), CSV for spreadsheets, or JSON for scripts.  Every `wdmon`
    listing goes through here, so all of them take --format.  */

#ifndef WDM_TABLE_H_INCLUDED
#define WDM_TABLE_H_INCLUDED

#include <libpq-fe.h>
#include <stdio.h>

typedef enum { WDM_TABLE_TEXT = 0, WDM_TABLE_CSV, WDM_TABLE_JSON } wdm_table_format_t;

//  SQL for a timestamptz as the office reads it: the local time in the
//  zone passed as parameter $n (a text parameter, never spliced) and that
//  zone's offset at that moment, e.g. "2025-01-10 16:03:00 +08:00"; NULL
//  stays NULL.  expr and n are SQL text known when compiling:
//  WDM_TABLE_LOCAL_TIME ("w.updated_at", "5").
#define WDM_TABLE_LOCAL_TIME(expr, n)                                                                        \
    "to_char ((" expr ") AT TIME ZONE $" n ", 'YYYY-MM-DD HH24:MI:SS') || ' ' ||"                            \
    " (SELECT CASE WHEN d < interval '0' THEN '-' || to_char (-d, 'HH24:MI')"                                \
    "              ELSE '+' || to_char (d, 'HH24:MI') END"                                                   \
    "    FROM (SELECT (" expr ") AT TIME ZONE $" n " - (" expr ") AT TIME ZONE 'UTC' AS d) AS s_offset)"

//  Parse "text", "csv" or "json".  0, or -1.
int wdm_table_format_parse (const char *text, wdm_table_format_t *format);

//  Print every row of res: text (aligned columns under the column names,
//  NULL as empty), CSV (RFC 4180, header line, CRLF), or JSON (an array of
//  objects, one a line, column names as keys, each value of its SQL type:
//  integers and numerics as numbers, booleans as true/false, json and
//  jsonb as themselves, NULL as null, the rest as strings).  0, or -1 if
//  writing failed.
int wdm_table_print (const PGresult *res, wdm_table_format_t format, FILE *out);

//  Run a query with text parameters and print its result.  0, or -1 with
//  the database's error logged.
int wdm_table_query (PGconn *conn, const char *sql, int count, const char *const *params,
                     wdm_table_format_t format, FILE *out);

//  One section of a listing in several parts (`wdmon status`).
typedef struct {
    const char *name;   //  JSON key; CSV's section column
    const char *title;  //  heading in text
    const char *sql;
} wdm_table_section_t;

//  Run each section's query with the same text parameters and print them
//  all, with the same content in every format: text, each title over its
//  table; CSV, one table whose first column, section, names each row's
//  section and whose other columns are the sections' columns in order of
//  first appearance (empty where a section has no such column); JSON, one
//  object with an array per section under its name.  zone, unless NULL, is
//  the zone the times are in: said first in text, "timezone" in JSON.  0,
//  or -1 with the database's error logged (nothing printed) or if writing
//  failed.
int wdm_table_sections (PGconn *conn, const wdm_table_section_t *sections, int count, int nparams,
                        const char *const *params, const char *zone, wdm_table_format_t format, FILE *out);

#endif
