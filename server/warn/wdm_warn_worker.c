/*  wdm_warn_worker: the server's background evaluation, a thread inside
    wdmon-server with its own database connection.  The ingest thread
    tells it, over an inproc PAIR pipe, which indicators each commit
    touched; it coalesces them and evaluates them at most every interval
    (resting longer after a long evaluation), everything every
    deadline_seconds, and counts the open warnings for /metrics.
    Contracts in wdm_warn_worker.h.  */

#include "wdm_warn_worker.h"
#include "wdm_warn.h"
#include "wdm_clock.h"
#include "wdm_db.h"
#include "wdm_log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

struct wdm_warn_worker {
    atomic_int open_red, open_yellow;   //  warnings not resolved, as last counted
    atomic_bool counted;
    void *pipe;                         //  our end (PAIR)
    void *thread_pipe;
    char *conninfo;
    long interval_ms, deadline_seconds;
    bool fixed_today;
    wdm_date_t today;
    pthread_t thread;
};

#define S_REST_FACTOR 4
#define S_COUNT_MS 5000                 //  how often the open warnings are counted

//  Count the warnings not resolved, for /metrics.  On this thread's
//  connection, not the store's: on a large warning table the count takes
//  tens of milliseconds, which ingest would wait for.
static void
s_count_open (wdm_warn_worker_t *self, PGconn *conn)
{
    PGresult *res = PQexec (conn, "SELECT count (*) FILTER (WHERE level = 'red'),"
                                  " count (*) FILTER (WHERE level = 'yellow')"
                                  " FROM warning WHERE state <> 'resolved'");
    if (PQresultStatus (res) == PGRES_TUPLES_OK) {
        atomic_store (&self->open_red, atoi (PQgetvalue (res, 0, 0)));
        atomic_store (&self->open_yellow, atoi (PQgetvalue (res, 0, 1)));
        atomic_store (&self->counted, true);
    }
    PQclear (res);
}

//  The worker's connection, made again if it was lost; NULL while the
//  database is away.
static PGconn *
s_worker_conn (wdm_warn_worker_t *self, PGconn **conn)
{
    if (!*conn || PQstatus (*conn) != CONNECTION_OK) {
        PQfinish (*conn);
        *conn = wdm_db_connect (self->conninfo);
    }
    return *conn;
}

static void *
s_worker_run (void *arg)
{
    wdm_warn_worker_t *self = (wdm_warn_worker_t *) arg;
    PGconn *conn = NULL;
    char **touched = NULL;
    int touched_count = 0, touched_capacity = 0;
    int64_t last_eval = 0, last_duration = 0, next_deadlines = 0, next_count = 0;
    while (1) {
        zmq_pollitem_t items [] = { { self->thread_pipe, 0, ZMQ_POLLIN, 0 } };
        zmq_poll (items, 1, 200);
        if (items [0].revents & ZMQ_POLLIN) {
            char buffer [WDM_CODE_MAX];
            int size = zmq_recv (self->thread_pipe, buffer, sizeof buffer - 1, 0);
            if (size == 0)
                break;                  //  an empty message: stop
            if (size > 0) {
                buffer [size] = '\0';
                int seen = 0;
                for (int i = 0; i < touched_count && !seen; i++)
                    seen = strcmp (touched [i], buffer) == 0;
                if (!seen) {
                    if (touched_count == touched_capacity) {
                        touched_capacity = touched_capacity ? touched_capacity * 2 : 32;
                        char **grown = realloc (touched, (size_t) touched_capacity * sizeof *grown);
                        if (!grown)
                            continue;
                        touched = grown;
                    }
                    touched [touched_count++] = strdup (buffer);
                }
            }
            continue;                   //  take every message waiting first
        }
        int64_t now = wdm_clock_ms ();
        if (now >= next_count) {
            if (s_worker_conn (self, &conn))
                s_count_open (self, conn);
            next_count = now + S_COUNT_MS;
        }
        bool deadlines = now >= next_deadlines;
        //  Rest at least S_REST_FACTOR times as long as the last evaluation
        //  took: under a bulk load, when every commit touches every
        //  indicator, evaluations would otherwise run back to back and take
        //  a core from ingest.  The rest bounds them to a fifth of a core.
        int64_t rest = last_duration * S_REST_FACTOR > self->interval_ms
                     ? last_duration * S_REST_FACTOR : self->interval_ms;
        if (!deadlines && (touched_count == 0 || now - last_eval < rest))
            continue;
        if (!s_worker_conn (self, &conn)) {
            next_deadlines = now + 5000;
            last_eval = now;
            continue;
        }
        wdm_date_t today = self->today;
        if (!self->fixed_today)
            wdm_date_today (&today);
        wdm_warn_stats_t stats;
        //  The reports just received may settle missing-report warnings
        //  of the indicators touched: deadlines are judged for them too.
        int rc = wdm_warn_evaluate (conn, deadlines ? NULL : (const char *const *) touched,
                                    deadlines ? 0 : touched_count, true, &today, 0, &stats);
        if (rc == 0) {
            s_count_open (self, conn);
            if (stats.opened || stats.reopened || stats.resolved || stats.updated)
                wdm_log_info ("warnings: %d series evaluated in %.3f s: %d opened, %d reopened, "
                              "%d updated, %d resolved", stats.series, stats.seconds, stats.opened,
                              stats.reopened, stats.updated, stats.resolved);
            for (int i = 0; i < touched_count; i++)
                free (touched [i]);
            touched_count = 0;
            if (deadlines)
                next_deadlines = now + self->deadline_seconds * 1000;
        }
        last_eval = wdm_clock_ms ();
        last_duration = last_eval - now;
    }
    for (int i = 0; i < touched_count; i++)
        free (touched [i]);
    free (touched);
    PQfinish (conn);
    return NULL;
}

wdm_warn_worker_t *
wdm_warn_worker_new (void *ctx, const char *conninfo, long interval_ms, long deadline_seconds,
                     const wdm_date_t *today)
{
    wdm_warn_worker_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup (conninfo ? conninfo : "");
    self->interval_ms = interval_ms;
    self->deadline_seconds = deadline_seconds;
    self->fixed_today = today != NULL;
    if (today)
        self->today = *today;
    self->pipe = zmq_socket (ctx, ZMQ_PAIR);
    self->thread_pipe = zmq_socket (ctx, ZMQ_PAIR);
    int hwm = 100000;
    if (self->pipe)
        zmq_setsockopt (self->pipe, ZMQ_SNDHWM, &hwm, sizeof hwm);
    if (self->thread_pipe)
        zmq_setsockopt (self->thread_pipe, ZMQ_RCVHWM, &hwm, sizeof hwm);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://wdm-warn-%p", (void *) self);
    if (!self->conninfo || !self->pipe || !self->thread_pipe
    ||  zmq_bind (self->pipe, endpoint) || zmq_connect (self->thread_pipe, endpoint)
    ||  pthread_create (&self->thread, NULL, s_worker_run, self)) {
        if (self->pipe) zmq_close (self->pipe);
        if (self->thread_pipe) zmq_close (self->thread_pipe);
        free (self->conninfo);
        free (self);
        return NULL;
    }
    return self;
}

bool
wdm_warn_worker_open_warnings (wdm_warn_worker_t *self, int *red, int *yellow)
{
    if (!atomic_load (&self->counted))
        return false;
    *red = atomic_load (&self->open_red);
    *yellow = atomic_load (&self->open_yellow);
    return true;
}

void
wdm_warn_worker_touch (wdm_warn_worker_t *self, const char *const *indicators, int count)
{
    for (int i = 0; i < count; i++)
        if (indicators [i] [0])             //  never blocks ingest; the timer catches up
            zmq_send (self->pipe, indicators [i], strlen (indicators [i]), ZMQ_DONTWAIT);
}

void
wdm_warn_worker_destroy (wdm_warn_worker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    wdm_warn_worker_t *self = *self_p;
    zmq_send (self->pipe, "", 0, 0);
    pthread_join (self->thread, NULL);
    zmq_close (self->pipe);
    zmq_close (self->thread_pipe);
    free (self->conninfo);
    free (self);
    *self_p = NULL;
}
