/*  wdm_warn: turn the rules' findings into warnings with a lifecycle.

    Gathers from PostgreSQL what the rules need — the catalog, the areas,
    the thresholds, every series' current values, the reports units owe —
    builds each series (rolling towns up to the district by the
    indicator's aggregation rule where the district reported no value of
    its own), runs wdm_rules, and in one transaction raises every finding
    (open, update or reopen) and resolves every warning in scope whose
    condition no longer holds.  A warning about missing data is resolved
    only by the data arriving.  Each transition is recorded and announced
    by the database functions of sql/006.  */

#ifndef WDM_WARN_H_INCLUDED
#define WDM_WARN_H_INCLUDED

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

#include "wdm_date.h"

typedef struct {
    int series;    //  series evaluated
    int findings;  //  conditions that hold
    int opened, reopened, updated, resolved;
    double seconds;
} wdm_warn_stats_t;

//  Evaluate the rules for the given indicators (NULL and 0: all) and
//  apply the lifecycle; with deadlines, also the missing-report rule for
//  the reports due by today.  readers: further connections to read on, in
//  parallel, when many indicators are evaluated (0: conn alone; the
//  server's worker and `wdmon warnings evaluate` pass wdm_warn_readers ()).
//  0 with stats filled, or -1 with the cause logged and nothing changed.
int wdm_warn_evaluate (PGconn *conn, const char *const *indicators, int count, bool deadlines,
                       const wdm_date_t *today, int readers, wdm_warn_stats_t *stats);

//  The readers for a large evaluation on this machine: one per core, and
//  none on a single core (where they would only take turns with conn).
int wdm_warn_readers (void);

//  Print one warning with its whole history, its times in zone (a name
//  from pg_timezone_names, e.g. "Asia/Shanghai"), labelled.  0, 1 if there
//  is no such warning, -1 if the database failed.
int wdm_warn_show (PGconn *conn, long long id, const char *zone, FILE *out);

//  What acknowledging one warning came to.
typedef enum {
    WDM_WARN_ACKNOWLEDGED = 0,  //  it was open: now acknowledged with the note
    WDM_WARN_NOTED,             //  acknowledged already: the note is added to it
    WDM_WARN_RESOLVED,          //  it has resolved: nothing done
    WDM_WARN_MISSING            //  there is no such warning
} wdm_warn_ack_t;

//  Acknowledge the count warnings ids with a note and a name, in one
//  transaction; the note of one acknowledged already is kept beside the
//  first (sql/014).  results [i] says what ids [i] came to; if any is
//  MISSING nothing is changed.  0, or -1 with the cause logged and
//  nothing changed.
int wdm_warn_acknowledge (PGconn *conn, const long long *ids, int count, const char *by, const char *note,
                          wdm_warn_ack_t *results);

//  The server's background evaluation (a thread that calls
//  wdm_warn_evaluate) is wdm_warn_worker.h.
#include "wdm_warn_worker.h"

#endif
