/*  wdm_site: a site's areas, member units (成员单位) and responsibilities
    (who reports which indicator, leading or contributing), kept in a YAML
    file the operator owns (deploy/site/wuqing.yaml is the demo's) rather
    than in the migrations.  `wdmon site import|export` and every place
    that makes a database (the quick start, the test fixtures) call it,
    after wdm_migrate_apply.  docs/OPERATIONS.md describes the file.  */

#ifndef WDM_SITE_H_INCLUDED
#define WDM_SITE_H_INCLUDED

#include "wdm_buf.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

//  What an import came to: done (or, dry, would be done), refused (the
//  file has errors, or it would remove an area or unit that data refers
//  to), or the database failed.
typedef enum { WDM_SITE_OK = 0, WDM_SITE_REFUSED = 1, WDM_SITE_FAILED = -1 } wdm_site_result_t;

//  Make the database's areas, member units and responsibilities what the
//  file at path says, in one transaction: add, change, remove.  Each
//  difference is printed to out (NULL: not printed) one a line, then a
//  count or "无变化 / no change"; dry_run prints them and changes
//  nothing.  REFUSED with every error in the file (FILE:LINE: ...) or
//  every refused removal appended to errors, one a line, and nothing
//  changed; FAILED with the database's message in errors.
wdm_site_result_t wdm_site_import (PGconn *conn, const char *path, bool dry_run, FILE *out,
                                   wdm_buf_t *errors);

//  wdm_site_import for a program that makes a database (a test fixture):
//  import path quietly.  0, or -1 with every error logged.
int wdm_site_import_file (PGconn *conn, const char *path);

//  Write the database's areas, units and responsibilities to out as a
//  site file that imports back unchanged.  0, or -1 with the cause
//  appended to errors.
int wdm_site_export (PGconn *conn, FILE *out, wdm_buf_t *errors);

#endif
