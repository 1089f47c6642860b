/*  wdm_migrate: bring a database's schema up to date.

    The numbered files in sql/ are compiled into the program (see
    cmake/embed_sql.cmake).  Each is applied once, in order, in its own
    transaction, and recorded in wdmon.schema_migration with a checksum of
    its text; a file changed after it was applied is refused.  A
    PostgreSQL advisory lock keeps two migrators from running at once.  */

#ifndef WDM_MIGRATE_H_INCLUDED
#define WDM_MIGRATE_H_INCLUDED

#include "wdm_table.h"

#include <libpq-fe.h>
#include <stdio.h>

typedef struct {
    int version;       //  the file's number
    const char *name;  //  the file's name, e.g. "001_schema.sql"
    const char *sql;   //  its text
} wdm_migration_t;

//  The migrations built into this program, in order.
extern const wdm_migration_t wdm_migrate_bundle [];
extern const int wdm_migrate_bundle_size;

//  Apply every built-in migration the database has not had.  0 with
//  *applied set to how many were applied now, or -1 with the cause logged
//  (a failed migration is rolled back whole; those before it stay).
int wdm_migrate_apply (PGconn *conn, int *applied);

//  Print one row per built-in migration to out: version, name, state
//  (applied or pending) and when it was applied (UTC); as text one line
//  each ("001  001_schema.sql  applied 2025-01-10 08:03:00 UTC"), or CSV or
//  JSON as every listing.  0, or -1 with the cause logged.
int wdm_migrate_list (PGconn *conn, wdm_table_format_t format, FILE *out);

#endif
