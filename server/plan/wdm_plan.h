/*  wdm_plan: a plan (规划) — its title, period, baseline year, deadline,
    domains, and each indicator's statistic and the plan's target on it —
    kept in a YAML file (docs/PLANS.md; deploy/plans/ holds the shipped
    ones) rather than in the migrations.  `wdmon plan import|export|use`
    and every place that makes a database call it, after
    wdm_migrate_apply and before the site file.  */

#ifndef WDM_PLAN_H_INCLUDED
#define WDM_PLAN_H_INCLUDED

#include "wdm_buf.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

//  What an import came to: done (or, dry, would be done), refused (the
//  file has errors), or the database failed.
typedef enum { WDM_PLAN_OK = 0, WDM_PLAN_REFUSED = 1, WDM_PLAN_FAILED = -1 } wdm_plan_result_t;

//  Make the plan the file at path describes what the database holds, in
//  one transaction: a new plan is added (version 1); a plan whose file
//  changed becomes its next version.  Each difference is printed to out
//  (NULL: not printed) one a line, then a count, or "无变化 / no change";
//  dry_run prints them and changes nothing.  make_current makes the plan
//  the current one (so does importing when no plan is current).  REFUSED
//  with every error in the file (FILE:LINE: ...) appended to errors and
//  nothing changed; FAILED with the database's message in errors.
wdm_plan_result_t wdm_plan_import (PGconn *conn, const char *path, bool dry_run, bool make_current, FILE *out,
                                   wdm_buf_t *errors);

//  wdm_plan_import for a program that makes a database (a test fixture):
//  import path quietly, making it current when none is.  0, or -1 with
//  every error logged.
int wdm_plan_import_file (PGconn *conn, const char *path);

//  Write the plan code as a plan file to out, one that imports back
//  unchanged.  0, or -1 with the cause appended to errors.
int wdm_plan_export (PGconn *conn, const char *code, FILE *out, wdm_buf_t *errors);

#endif
