/*  wdm_test: helpers for the CUnit suites.  See wdm_test.h.  */

#include "wdm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
wdm_test_run_suite (const char *suite_name, const wdm_test_case_t *tests, int count)
{
    if (CU_initialize_registry () != CUE_SUCCESS)
        return 2;
    CU_pSuite suite = CU_add_suite (suite_name, NULL, NULL);
    if (!suite)
        return 2;
    for (int i = 0; i < count; i++)
        if (!CU_add_test (suite, tests [i].name, tests [i].run))
            return 2;
    CU_basic_set_mode (CU_BRM_VERBOSE);
    CU_basic_run_tests ();
    unsigned failed = CU_get_number_of_failures () + CU_get_number_of_tests_failed ();
    unsigned ran = CU_get_number_of_tests_run ();
    CU_cleanup_registry ();
    return (failed || ran != (unsigned) count) ? 1 : 0;
}

const char *
wdm_test_pguri (void)
{
    const char *uri = getenv ("WDM_TEST_PGURI");
    return uri && *uri ? uri : NULL;
}

char *
wdm_test_db_new (const char *name)
{
    const char *uri = wdm_test_pguri ();
    if (!uri)
        return NULL;
    PGconn *conn = PQconnectdb (uri);
    if (PQstatus (conn) != CONNECTION_OK) {
        fprintf (stderr, "wdm_test: cannot connect to %s: %s", uri, PQerrorMessage (conn));
        PQfinish (conn);
        return NULL;
    }
    char sql [256];
    char *result = NULL;
    snprintf (sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", name);
    PGresult *res = PQexec (conn, sql);
    if (PQresultStatus (res) == PGRES_COMMAND_OK) {
        PQclear (res);
        snprintf (sql, sizeof sql, "CREATE DATABASE \"%s\" ENCODING 'UTF8' TEMPLATE template0", name);
        res = PQexec (conn, sql);
    }
    if (PQresultStatus (res) == PGRES_COMMAND_OK) {
        size_t size = strlen (uri) + strlen (name) + 16;
        result = malloc (size);
        if (result)
            snprintf (result, size, "%s dbname=%s", uri, name);
    }
    else
        fprintf (stderr, "wdm_test: %s: %s", sql, PQresultErrorMessage (res));
    PQclear (res);
    PQfinish (conn);
    return result;
}

PGconn *
wdm_test_connect (const char *conninfo)
{
    PGconn *conn = PQconnectdb (conninfo);
    if (PQstatus (conn) != CONNECTION_OK) {
        fprintf (stderr, "wdm_test: cannot connect: %s", PQerrorMessage (conn));
        exit (1);
    }
    PQclear (PQexec (conn, "SET search_path = wdmon"));
    return conn;
}

char *
wdm_test_scalar (PGconn *conn, const char *sql)
{
    PGresult *res = PQexec (conn, sql);
    char *value = NULL;
    if (PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) >= 1
    &&  !PQgetisnull (res, 0, 0))
        value = strdup (PQgetvalue (res, 0, 0));
    else
    if (PQresultStatus (res) != PGRES_TUPLES_OK)
        fprintf (stderr, "wdm_test: %s: %s", sql, PQresultErrorMessage (res));
    PQclear (res);
    return value;
}
