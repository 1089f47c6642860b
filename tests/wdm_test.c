/*  wdm_test: helpers for the CUnit suites.  See wdm_test.h.  */

#include "wdm_test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
    return (failed || ran != (unsigned)count) ? 1 : 0;
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
    } else
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
    if (PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) >= 1 && !PQgetisnull (res, 0, 0))
        value = strdup (PQgetvalue (res, 0, 0));
    else if (PQresultStatus (res) != PGRES_TUPLES_OK)
        fprintf (stderr, "wdm_test: %s: %s", sql, PQresultErrorMessage (res));
    PQclear (res);
    return value;
}

int
wdm_test_spawn (char *const argv [])
{
    pid_t pid = fork ();
    if (pid == 0) {
        execv (argv [0], argv);
        fprintf (stderr, "wdm_test: cannot run %s\n", argv [0]);
        _exit (127);
    }
    return (int)pid;
}

int
wdm_test_wait (int pid, int timeout_ms)
{
    for (int waited = 0;; waited += 10) {
        int status = 0;
        pid_t done = waitpid ((pid_t)pid, &status, WNOHANG);
        if (done == (pid_t)pid)
            return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
        if (done < 0 || waited >= timeout_ms)
            return -1;
        struct timespec nap = { 0, 10 * 1000 * 1000 };
        nanosleep (&nap, NULL);
    }
}

int
wdm_test_stop (int pid, int signum, int timeout_ms)
{
    kill ((pid_t)pid, signum);
    int rc = wdm_test_wait (pid, timeout_ms);
    if (rc < 0) {
        kill ((pid_t)pid, SIGKILL);
        rc = wdm_test_wait (pid, 5000);
    }
    return rc;
}

int
wdm_test_shell (const char *command)
{
    int status = system (command);
    return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

int
wdm_test_port (int offset)
{
    return 10000 + (int)(getpid () % 20000) + offset;
}
