/*  wdm_warn_worker: the server's background evaluation of the warnings —
    an actor (wdm_actor) inside wdmon-server that evaluates what the
    commits touched and counts the open warnings for /metrics
    (wdm_warn_worker.c).  Its functions are for the thread that made it.
    wdm_warn.h includes this header.  */

#ifndef WDM_WARN_WORKER_H_INCLUDED
#define WDM_WARN_WORKER_H_INCLUDED

#include <stdbool.h>

#include "wdm_date.h"

typedef struct wdm_warn_worker wdm_warn_worker_t;

//  Start an actor that evaluates, with its own database connection, the
//  indicators the server reports as touched — coalesced, once none has
//  been touched for interval_ms (at most a minute after the first while
//  touches keep coming), at most every interval_ms, their report
//  deadlines included — and, while it holds the
//  periodic work's advisory lock (one server of those sharing the
//  database; tried for every interval_ms), everything every
//  deadline_seconds, each such run recorded in duty_run under server_id.
//  Evaluations run one at a time across servers (advisory lock
//  7217045512).  today NULL: the real date.  NULL if the thread
//  cannot start.
wdm_warn_worker_t *wdm_warn_worker_new (void *ctx, const char *conninfo, const char *server_id,
                                        long interval_ms, long deadline_seconds, const wdm_date_t *today);

//  Tell the worker these indicators have new data (after a COMMIT): one
//  message on its pipe.  Never waits; dropped if the pipe is full (the
//  deadline pass evaluates everything).
void wdm_warn_worker_touch (wdm_warn_worker_t *self, const char *const *indicators, int count);

//  The warnings not resolved, red and yellow, as the worker last counted
//  them (every 5 s and after each evaluation, on its own connection) and
//  sent them over its pipe: reads, without waiting, what has arrived.
//  false until a count has arrived.
bool wdm_warn_worker_open_warnings (wdm_warn_worker_t *self, int *red, int *yellow);

//  Stop the actor ("$TERM"; an evaluation in progress is finished first),
//  join its thread and free.  NULL is accepted.
void wdm_warn_worker_destroy (wdm_warn_worker_t **self_p);

#endif
