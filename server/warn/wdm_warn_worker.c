/*  wdm_warn_worker: the server's background evaluation, an actor
    (wdm_actor) inside wdmon-server with its own database connection.  The
    ingest thread tells it, over the actor's pipe, which indicators each
    commit touched ("TOUCH" and one frame per code); it coalesces them and
    evaluates them at most every interval (resting longer after a long
    evaluation), everything every deadline_seconds, and counts the open
    warnings for /metrics, which it sends back ("COUNTS <red> <yellow>").
    The two threads share only the settings, which neither changes.
    Contracts in wdm_warn_worker.h.  */

#include "wdm_warn_worker.h"
#include "wdm_warn.h"
#include "wdm_actor.h"
#include "wdm_clock.h"
#include "wdm_db.h"
#include "wdm_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

//  What the thread is given: read only, for as long as it runs.
typedef struct {
    char *conninfo;
    long interval_ms, deadline_seconds;
    bool fixed_today;
    wdm_date_t today;
} s_settings_t;

struct wdm_warn_worker {
    s_settings_t settings;
    wdm_actor_t *actor;
    //  The owner's: the last counts the worker sent.
    int open_red, open_yellow;          //  warnings not resolved
    bool counted;                       //  a count has arrived
};

//  The thread's own state.
typedef struct {
    const s_settings_t *settings;
    void *pipe;
    PGconn *conn;                       //  made again if lost
    char **touched;                     //  indicators to evaluate, no repeats
    int touched_count, touched_capacity;
} s_worker_t;

#define S_REST_FACTOR 4
#define S_COUNT_MS 5000                 //  how often the open warnings are counted

//  Count the warnings not resolved and send the counts to the owner, for
//  /metrics.  On this thread's connection, not the store's: on a large
//  warning table the count takes tens of milliseconds, which ingest would
//  wait for.  Never waits on the pipe: a later count replaces this one.
static void
s_count_open (s_worker_t *self)
{
    PGresult *res = PQexec (self->conn, "SELECT count (*) FILTER (WHERE level = 'red'),"
                                        " count (*) FILTER (WHERE level = 'yellow')"
                                        " FROM warning WHERE state <> 'resolved'");
    if (PQresultStatus (res) == PGRES_TUPLES_OK) {
        char counts [64];
        int size = snprintf (counts, sizeof counts, "COUNTS %d %d",
                             atoi (PQgetvalue (res, 0, 0)), atoi (PQgetvalue (res, 0, 1)));
        zmq_send (self->pipe, counts, (size_t) size, ZMQ_DONTWAIT);
    }
    PQclear (res);
}

//  The worker's connection, made again if it was lost; NULL while the
//  database is away.
static PGconn *
s_worker_conn (s_worker_t *self)
{
    if (!self->conn || PQstatus (self->conn) != CONNECTION_OK) {
        PQfinish (self->conn);
        self->conn = wdm_db_connect (self->settings->conninfo);
    }
    return self->conn;
}

//  Add one indicator code to the set to evaluate.
static void
s_add_touched (s_worker_t *self, const char *code)
{
    for (int i = 0; i < self->touched_count; i++)
        if (strcmp (self->touched [i], code) == 0)
            return;
    if (self->touched_count == self->touched_capacity) {
        int capacity = self->touched_capacity ? self->touched_capacity * 2 : 32;
        char **grown = realloc (self->touched, (size_t) capacity * sizeof *grown);
        if (!grown)
            return;                     //  the deadline pass catches up
        self->touched = grown;
        self->touched_capacity = capacity;
    }
    char *copy = strdup (code);
    if (copy)
        self->touched [self->touched_count++] = copy;
}

//  Take one message from the pipe: "$TERM" (returns 1), or "TOUCH" and
//  the codes, each its own frame.  0 otherwise.
static int
s_take_command (s_worker_t *self)
{
    char frame [WDM_CODE_MAX];
    int size = zmq_recv (self->pipe, frame, sizeof frame - 1, 0);
    if (size < 0)
        return 0;
    bool term = size == 5 && memcmp (frame, "$TERM", 5) == 0;
    bool touch = size == 5 && memcmp (frame, "TOUCH", 5) == 0;
    int more = 0;
    size_t more_size = sizeof more;
    while (zmq_getsockopt (self->pipe, ZMQ_RCVMORE, &more, &more_size) == 0 && more) {
        size = zmq_recv (self->pipe, frame, sizeof frame - 1, 0);
        if (size < 0)
            break;
        if (touch && size > 0 && size < (int) sizeof frame) {
            frame [size] = '\0';
            s_add_touched (self, frame);
        }
    }
    return term;
}

//  The actor: take the pipe's messages, and between them count and
//  evaluate when due, until "$TERM".
static void
s_worker_actor (void *pipe, void *args)
{
    s_worker_t self = { .settings = (const s_settings_t *) args, .pipe = pipe };
    const s_settings_t *settings = self.settings;
    int64_t last_eval = 0, last_duration = 0, next_deadlines = 0, next_count = 0;
    wdm_actor_signal (pipe, 0);
    while (1) {
        zmq_pollitem_t items [] = { { pipe, 0, ZMQ_POLLIN, 0 } };
        if (zmq_poll (items, 1, 200) < 0 && zmq_errno () != EINTR)
            break;
        if (items [0].revents & ZMQ_POLLIN) {
            if (s_take_command (&self))
                break;
            continue;                   //  take every message waiting first
        }
        int64_t now = wdm_clock_ms ();
        if (now >= next_count) {
            if (s_worker_conn (&self))
                s_count_open (&self);
            next_count = now + S_COUNT_MS;
        }
        bool deadlines = now >= next_deadlines;
        //  Rest at least S_REST_FACTOR times as long as the last evaluation
        //  took: under a bulk load, when every commit touches every
        //  indicator, evaluations would otherwise run back to back and take
        //  a core from ingest.  The rest bounds them to a fifth of a core.
        int64_t rest = last_duration * S_REST_FACTOR > settings->interval_ms
                     ? last_duration * S_REST_FACTOR : settings->interval_ms;
        if (!deadlines && (self.touched_count == 0 || now - last_eval < rest))
            continue;
        if (!s_worker_conn (&self)) {
            next_deadlines = now + 5000;
            last_eval = now;
            continue;
        }
        wdm_date_t today = settings->today;
        if (!settings->fixed_today)
            wdm_date_today (&today);
        wdm_warn_stats_t stats;
        //  The reports just received may settle missing-report warnings
        //  of the indicators touched: deadlines are judged for them too.
        int rc = wdm_warn_evaluate (self.conn, deadlines ? NULL : (const char *const *) self.touched,
                                    deadlines ? 0 : self.touched_count, true, &today, 0, &stats);
        if (rc == 0) {
            s_count_open (&self);
            if (stats.opened || stats.reopened || stats.resolved || stats.updated)
                wdm_log_info ("warnings: %d series evaluated in %.3f s: %d opened, %d reopened, "
                              "%d updated, %d resolved", stats.series, stats.seconds, stats.opened,
                              stats.reopened, stats.updated, stats.resolved);
            for (int i = 0; i < self.touched_count; i++)
                free (self.touched [i]);
            self.touched_count = 0;
            if (deadlines)
                next_deadlines = now + settings->deadline_seconds * 1000;
        }
        last_eval = wdm_clock_ms ();
        last_duration = last_eval - now;
    }
    for (int i = 0; i < self.touched_count; i++)
        free (self.touched [i]);
    free (self.touched);
    PQfinish (self.conn);
}

wdm_warn_worker_t *
wdm_warn_worker_new (void *ctx, const char *conninfo, long interval_ms, long deadline_seconds,
                     const wdm_date_t *today)
{
    wdm_warn_worker_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->settings.conninfo = strdup (conninfo ? conninfo : "");
    self->settings.interval_ms = interval_ms;
    self->settings.deadline_seconds = deadline_seconds;
    self->settings.fixed_today = today != NULL;
    if (today)
        self->settings.today = *today;
    if (self->settings.conninfo)
        self->actor = wdm_actor_new (ctx, s_worker_actor, &self->settings);
    if (!self->actor) {
        free (self->settings.conninfo);
        free (self);
        return NULL;
    }
    return self;
}

//  Read what the worker has sent (without waiting) and keep the last
//  counts.
static void
s_take_counts (wdm_warn_worker_t *self)
{
    void *pipe = wdm_actor_pipe (self->actor);
    while (1) {
        char message [64];
        int size = zmq_recv (pipe, message, sizeof message - 1, ZMQ_DONTWAIT);
        if (size < 0) {
            if (zmq_errno () == EINTR)
                continue;
            break;                      //  EAGAIN: nothing more
        }
        message [size < (int) sizeof message - 1 ? size : (int) sizeof message - 1] = '\0';
        int red, yellow;
        if (sscanf (message, "COUNTS %d %d", &red, &yellow) == 2) {
            self->open_red = red;
            self->open_yellow = yellow;
            self->counted = true;
        }
    }
}

bool
wdm_warn_worker_open_warnings (wdm_warn_worker_t *self, int *red, int *yellow)
{
    s_take_counts (self);
    if (!self->counted)
        return false;
    *red = self->open_red;
    *yellow = self->open_yellow;
    return true;
}

//  One message per commit: "TOUCH", then each code in its own frame.  A
//  full pipe drops it rather than block ingest: the deadline pass, which
//  evaluates everything, catches up.  (A multipart message goes into the
//  pipe whole or not at all.)
void
wdm_warn_worker_touch (wdm_warn_worker_t *self, const char *const *indicators, int count)
{
    void *pipe = wdm_actor_pipe (self->actor);
    int codes = 0;
    for (int i = 0; i < count; i++)
        codes += indicators [i] [0] != '\0';
    if (codes == 0)
        return;
    if (zmq_send (pipe, "TOUCH", 5, ZMQ_DONTWAIT | ZMQ_SNDMORE) != 5)
        return;
    for (int i = 0; i < count; i++)
        if (indicators [i] [0])
            zmq_send (pipe, indicators [i], strlen (indicators [i]), --codes ? ZMQ_SNDMORE : 0);
}

void
wdm_warn_worker_destroy (wdm_warn_worker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    wdm_warn_worker_t *self = *self_p;
    wdm_actor_destroy (&self->actor);
    free (self->settings.conninfo);
    free (self);
    *self_p = NULL;
}
