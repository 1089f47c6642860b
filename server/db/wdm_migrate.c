/*  wdm_migrate: apply the built-in schema migrations.  See wdm_migrate.h.  */

#include "wdm_migrate.h"
#include "wdm_db.h"
#include "wdm_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Any fixed number will do; it only has to be the same for every migrator.
#define S_LOCK_KEY "7217045511"

static const char *s_prepare = "CREATE SCHEMA IF NOT EXISTS wdmon;"
                               "CREATE TABLE IF NOT EXISTS wdmon.schema_migration ("
                               "    version     int PRIMARY KEY,"
                               "    name        text NOT NULL,"
                               "    checksum    text NOT NULL,"
                               "    applied_at  timestamptz NOT NULL DEFAULT now())";

//  Checksums a migration's text is known to have had before a change that
//  took something out of it without changing the schema it makes; a
//  database that applied such a text is up to date.  Only for that kind
//  of change: anything else a migration should do differently is a new
//  migration.
static const struct {
    int version;
    const char *checksum;  //  md5 of the earlier text
    const char *why;
} s_earlier [] = {
    { 4, "62dc30d44086d6c471ed1491d80fc20c",
      "inserted the demo's areas, units and responsibilities; since issue 13 they are site data "
      "(deploy/site/wuqing.yaml, wdmon site import) and the rows stay where they were applied" },
    { 3, "d7c8b45b718bda4ecbcf76d082348a47",
      "inserted the 2021-2025 plan, its domains and indicators; since issue 14 a plan is a file "
      "(deploy/plans/wuqing-women-2021-2025.yaml, wdmon plan import) and the rows stay where they were applied" },
    { 12, "796c7ce41e567c387d593e8b2a7d4923",
      "also inserted the responsibilities of its new indicators; moved to the site file likewise" },
    { 12, "1dd118bcea422333cbe930e00d566890",
      "inserted the targets 003 left out and made SS03 inactive; since issue 14 they are in the plan's file" },
};

//  Whether checksum is an earlier text of the migration version.
static int
s_earlier_text (int version, const char *checksum)
{
    for (size_t i = 0; i < sizeof s_earlier / sizeof s_earlier [0]; i++)
        if (s_earlier [i].version == version && strcmp (s_earlier [i].checksum, checksum) == 0)
            return 1;
    return 0;
}

//  State of one migration in the database: 1 applied (checksum matches),
//  0 not applied, -1 applied with other text or the query failed.
static int
s_state (PGconn *conn, const wdm_migration_t *migration)
{
    char version [16];
    snprintf (version, sizeof version, "%d", migration->version);
    const char *params [] = { version, migration->sql };
    PGresult *res = PQexecParams (
        conn, "SELECT checksum = md5($2), name, checksum FROM wdmon.schema_migration WHERE version = $1", 2,
        NULL, params, NULL, NULL, 0);
    int state = -1;
    if (PQresultStatus (res) != PGRES_TUPLES_OK)
        wdm_log_error ("migrate: %s", PQresultErrorMessage (res));
    else if (PQntuples (res) == 0)
        state = 0;
    else if (PQgetvalue (res, 0, 0) [0] == 't' || s_earlier_text (migration->version, PQgetvalue (res, 0, 2)))
        state = 1;
    else
        wdm_log_error ("migrate: %s was applied as %s with other text; "
                       "a migration must never change once applied: add a new one",
                       migration->name, PQgetvalue (res, 0, 1));
    PQclear (res);
    return state;
}

//  Apply one migration and record it, in one transaction.
static int
s_apply_one (PGconn *conn, const wdm_migration_t *migration)
{
    int rc = -1;
    PGresult *res = NULL;
    if (wdm_db_exec (conn, "BEGIN"))
        return -1;
    res = PQexec (conn, migration->sql);
    if (PQresultStatus (res) != PGRES_COMMAND_OK && PQresultStatus (res) != PGRES_TUPLES_OK) {
        const char *line = PQresultErrorField (res, PG_DIAG_STATEMENT_POSITION);
        wdm_log_error ("migrate: %s failed%s%s: %s", migration->name, line ? " at character " : "",
                       line ? line : "", PQresultErrorMessage (res));
        goto cleanup;
    }
    PQclear (res);
    char version [16];
    snprintf (version, sizeof version, "%d", migration->version);
    const char *params [] = { version, migration->name, migration->sql };
    res = PQexecParams (conn,
                        "INSERT INTO wdmon.schema_migration (version, name, checksum)"
                        " VALUES ($1, $2, md5($3))",
                        3, NULL, params, NULL, NULL, 0);
    if (PQresultStatus (res) != PGRES_COMMAND_OK) {
        wdm_log_error ("migrate: cannot record %s: %s", migration->name, PQresultErrorMessage (res));
        goto cleanup;
    }
    if (wdm_db_exec (conn, "COMMIT"))
        goto cleanup;
    //  The migration's own SET search_path must not outlive it.
    rc = wdm_db_exec (conn, "SET search_path = wdmon");
cleanup:
    PQclear (res);
    if (rc && PQtransactionStatus (conn) != PQTRANS_IDLE)
        wdm_db_exec (conn, "ROLLBACK");
    return rc;
}

int
wdm_migrate_apply (PGconn *conn, int *applied)
{
    *applied = 0;
    PGresult *res = PQexec (conn, "SELECT pg_advisory_lock(" S_LOCK_KEY ")");
    int locked = PQresultStatus (res) == PGRES_TUPLES_OK;
    if (!locked)
        wdm_log_error ("migrate: cannot take the migration lock: %s", PQresultErrorMessage (res));
    PQclear (res);
    if (!locked)
        return -1;

    int rc = -1;
    if (wdm_db_exec (conn, s_prepare))
        goto cleanup;
    for (int i = 0; i < wdm_migrate_bundle_size; i++) {
        const wdm_migration_t *migration = &wdm_migrate_bundle [i];
        int state = s_state (conn, migration);
        if (state < 0)
            goto cleanup;
        if (state == 1)
            continue;
        if (s_apply_one (conn, migration))
            goto cleanup;
        wdm_log_info ("migrate: applied %s", migration->name);
        (*applied)++;
    }
    rc = 0;
cleanup:
    res = PQexec (conn, "SELECT pg_advisory_unlock(" S_LOCK_KEY ")");
    PQclear (res);
    return rc;
}

int
wdm_migrate_list (PGconn *conn, wdm_table_format_t format, FILE *out)
{
    int rc = -1;
    PGresult *res = NULL;
    wdm_buf_t versions = { NULL, 0, 0 }, names = { NULL, 0, 0 };
    for (int i = 0; i < wdm_migrate_bundle_size; i++) {
        char version [16];
        snprintf (version, sizeof version, "%d", wdm_migrate_bundle [i].version);
        if (wdm_db_array_add (&versions, version) || wdm_db_array_add (&names, wdm_migrate_bundle [i].name))
            goto cleanup;
    }
    if (wdm_db_array_end (&versions) || wdm_db_array_end (&names))
        goto cleanup;
    res = PQexec (conn, "SELECT to_regclass('wdmon.schema_migration') IS NOT NULL");
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        wdm_log_error ("migrate: %s", PQresultErrorMessage (res));
        goto cleanup;
    }
    int have_table = PQgetvalue (res, 0, 0) [0] == 't';
    PQclear (res);
    //  One row per built-in migration, in order; applied_at in UTC, labelled.
    const char *params [] = { versions.data, names.data };
    res = PQexecParams (
        conn,
        have_table
            ? "SELECT v.version, v.name,"
              "       CASE WHEN m.version IS NULL THEN 'pending' ELSE 'applied' END AS state,"
              "       to_char (m.applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC' AS applied"
              "  FROM unnest ($1::int[], $2::text[]) WITH ORDINALITY AS v (version, name, n)"
              "  LEFT JOIN wdmon.schema_migration m ON m.version = v.version ORDER BY v.n"
            : "SELECT v.version, v.name, 'pending' AS state, NULL::text AS applied"
              "  FROM unnest ($1::int[], $2::text[]) WITH ORDINALITY AS v (version, name, n)"
              " ORDER BY v.n",
        2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        wdm_log_error ("migrate: %s", PQresultErrorMessage (res));
        goto cleanup;
    }
    if (format != WDM_TABLE_TEXT) {
        rc = wdm_table_print (res, format, out);
        goto cleanup;
    }
    for (int row = 0; row < PQntuples (res); row++)
        fprintf (out, "%03d  %-28s %s%s%s\n", atoi (PQgetvalue (res, row, 0)), PQgetvalue (res, row, 1),
                 PQgetvalue (res, row, 2), PQgetisnull (res, row, 3) ? "" : " ", PQgetvalue (res, row, 3));
    rc = ferror (out) ? -1 : 0;
cleanup:
    PQclear (res);
    wdm_buf_free (&versions);
    wdm_buf_free (&names);
    return rc;
}
