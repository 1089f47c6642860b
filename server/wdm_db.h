/*  wdm_db: the server side's PostgreSQL helpers — connect the way every
    wdmon program connects, and load the catalog that records are checked
    against.  Errors are logged here, where the server's answer is read.  */

#ifndef WDM_DB_H_INCLUDED
#define WDM_DB_H_INCLUDED

#include <libpq-fe.h>

#include "wdm_catalog.h"

//  Connect with a libpq connection string ("" uses the PG* environment),
//  set client_encoding to UTF8 and search_path to wdmon.  The connection,
//  which the caller closes with PQfinish, or NULL with the cause logged.
PGconn *wdm_db_connect (const char *conninfo);

//  Run one command that returns no rows.  0, or -1 with the error logged.
int wdm_db_exec (PGconn *conn, const char *sql);

//  Load the catalog of the database's one plan: its years from the
//  baseline to the end, and every active indicator.  The catalog, owned by
//  the caller, or NULL with the cause logged.
wdm_catalog_t *wdm_db_load_catalog (PGconn *conn);

#endif
