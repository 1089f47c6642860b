/*  wdm_db: the server side's PostgreSQL helpers — connect the way every
    wdmon program connects, and load the catalog that records are checked
    against.  Errors are logged here, where the server's answer is read.  */

#ifndef WDM_DB_H_INCLUDED
#define WDM_DB_H_INCLUDED

#include <libpq-fe.h>

#include "wdm_buf.h"

#include "wdm_catalog.h"

//  Connect with a libpq connection string ("" uses the PG* environment),
//  set client_encoding to UTF8 and search_path to wdmon.  The connection,
//  which the caller closes with PQfinish, or NULL with the cause logged.
PGconn *wdm_db_connect (const char *conninfo);

//  A second connection with the same parameters as conn, set up alike.
//  NULL with the cause logged.
PGconn *wdm_db_connect_like (PGconn *conn);

//  Whether conn is still connected: a connection the server closed
//  (PostgreSQL stopped, its host killed and the standby promoted, the
//  backend terminated) is found out here and reads CONNECTION_BAD after,
//  instead of failing the next statement.  No round trip unless the server
//  sent the idle connection something (notices, notifications, its last
//  words), which is consumed; then one empty query.  1 or 0.
int wdm_db_alive (PGconn *conn);

//  Run one command that returns no rows.  0, or -1 with the error logged.
int wdm_db_exec (PGconn *conn, const char *sql);

//  The words of a column (codes, the labels of an enum), to check a file's
//  values against: NULL-terminated, pointing into res.
typedef struct {
    PGresult *res;
    const char **words;
    size_t count;
} wdm_db_words_t;

//  Run sql, which returns one column, into words: 0, or -1 with the
//  database's message (or "out of memory") appended to errors as a line.
//  words is freed with wdm_db_words_free either way.
int wdm_db_words (PGconn *conn, const char *sql, wdm_db_words_t *words, wdm_buf_t *errors);
void wdm_db_words_free (wdm_db_words_t *words);

//  Column col of row of res as text, NULL when it is NULL.
const char *wdm_db_value (const PGresult *res, int row, int col);

//  Run a parameterised statement: the result, which the caller clears, if
//  its status is expect (PGRES_TUPLES_OK, PGRES_COMMAND_OK ...); else NULL
//  and the database's message, one line: in err for a caller that tells a
//  person, or logged when err is NULL (the daemons and the warning engine).
//  The one query helper of the server: parts add their context around it.
PGresult *wdm_db_query (PGconn *conn, const char *sql, int count, const char *const *params,
                        ExecStatusType expect, char *err, size_t err_size);

//  Rows for COPY, in its text format, are built up in a wdm_buf_t (fields
//  that need no escaping, such as numbers, with wdm_buf_printf) and then
//  sent in one COPY.

//  Append a field escaped for COPY's text format (NULL: \N), then sep
//  ('\t' between fields, '\n' after the last).
//  0, or -1 out of memory.
int wdm_db_copy_text (wdm_buf_t *rows, const char *text, char sep);

//  COPY the rows into table (a name, or "table (columns)") and empty the
//  buffer.  Nothing to send is success.  0, or -1 with the error logged.
int wdm_db_copy_send (PGconn *conn, const char *table, wdm_buf_t *rows);

//  A PostgreSQL array literal of identifiers (codes, Z85 keys: nothing
//  that needs escaping in double quotes), built in a buffer: add each
//  item, then end.  Both 0, or -1 out of memory.  An ended array is
//  array->data, "{}" when empty; wdm_buf_reset it to reuse it.
int wdm_db_array_add (wdm_buf_t *array, const char *item);
int wdm_db_array_end (wdm_buf_t *array);

//  Load the catalog records are checked against: the years of every plan,
//  each from its baseline to its end (they must join into one run of
//  years), and every indicator an active target of some plan watches.
//  The catalog, owned by the caller, or NULL with the cause logged.
wdm_catalog_t *wdm_db_load_catalog (PGconn *conn);

#endif
