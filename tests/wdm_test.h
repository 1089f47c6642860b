/*  wdm_test: what the CUnit suites share — running a suite, and making a
    fresh database in the throwaway PostgreSQL cluster that tests/run.sh
    starts (its connection string is in WDM_TEST_PGURI).  */

#ifndef WDM_TEST_H_INCLUDED
#define WDM_TEST_H_INCLUDED

#include <CUnit/Basic.h>
#include <libpq-fe.h>

//  One test: a name and a function.
typedef struct {
    const char *name;
    void (*run) (void);
} wdm_test_case_t;

//  Run the tests as one suite and return the process exit code: 0 if all
//  passed, 1 if any failed, 2 if CUnit itself failed.
int wdm_test_run_suite (const char *suite, const wdm_test_case_t *tests, int count);

//  The exit code ctest reads as "skipped" (SKIP_RETURN_CODE).
#define WDM_TEST_SKIP 77

//  The test cluster's connection string, or NULL if WDM_TEST_PGURI is unset.
const char *wdm_test_pguri (void);

//  Drop and create database `name` in the test cluster.  Its connection
//  string, which the caller frees, or NULL with the cause on stderr.
char *wdm_test_db_new (const char *name);

//  Connect to a database made by wdm_test_db_new; aborts the test program
//  if that fails, since nothing after it could run.
PGconn *wdm_test_connect (const char *conninfo);

//  Run a query that returns one value and return it as a new string
//  (caller frees), or NULL if it failed or returned no row.
char *wdm_test_scalar (PGconn *conn, const char *sql);

//  Start a program as a child process: argv [0] is its path; its output
//  goes to ours.  The pid, or -1.
int wdm_test_spawn (char *const argv []);

//  Wait up to timeout_ms for a child to exit.  Its exit code (128 + the
//  signal if killed), or -1 if it is still running.
int wdm_test_wait (int pid, int timeout_ms);

//  Send signum to a child and wait up to timeout_ms for it to exit; kill
//  it if it does not.  Its exit code as wdm_test_wait gives it.
int wdm_test_stop (int pid, int signum, int timeout_ms);

//  Run a shell command; its exit code.
int wdm_test_shell (const char *command);

//  A port for a test server on 127.0.0.1, different for each test
//  process so that suites running side by side do not collide, and below
//  Linux's range for outgoing connections (32768 up; see tests/lib.sh).
int wdm_test_port (int offset);

#endif
