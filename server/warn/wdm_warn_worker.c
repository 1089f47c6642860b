/*  wdm_warn_worker: the server's background evaluation, an actor
    (wdm_actor) inside wdmon-server with its own database connection.  The
    ingest thread tells it, over the actor's pipe, which indicators each
    commit touched ("TOUCH" and one frame per code); it coalesces them and
    evaluates them once no touch has come for an interval (at most a
    minute after the first while touches keep coming), at most every
    interval (resting longer after a long evaluation), everything every
    deadline_seconds, and counts the open
    warnings for /metrics, which it sends back ("COUNTS <red> <yellow>").
    The two threads share only the settings, which neither changes.

    Several servers may share one database.  What a commit touched is
    evaluated by the server that made the commit, one evaluation at a time
    across servers (S_EVAL_LOCK, from its first read to its COMMIT: one
    that read before a correction arrived never applies after the
    correction's; warning_key is unique besides).  The full evaluation with the deadlines runs once
    across all servers: only on the worker that holds the session-level
    advisory lock S_DUTY_LOCK on its own connection.  The others try to
    take it every interval; a server that dies or loses its connection
    loses the lock with it, and the next to take it reads from duty_run
    when the last run was, so that runs stay deadline_seconds apart.
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
    char *server_id;  //  recorded in duty_run: host name and endpoint
    long interval_ms, deadline_seconds;
    bool fixed_today;
    wdm_date_t today;
} s_settings_t;

struct wdm_warn_worker {
    s_settings_t settings;
    wdm_actor_t *actor;
    //  The owner's: the last counts the worker sent.
    int open_red, open_yellow;  //  warnings not resolved
    bool counted;               //  a count has arrived
};

//  The thread's own state.
typedef struct {
    const s_settings_t *settings;
    void *pipe;
    PGconn *conn;    //  made again if lost
    bool leading;    //  conn holds S_DUTY_LOCK: this server runs the full evaluations
    char **touched;  //  indicators to evaluate, no repeats
    int touched_count, touched_capacity;
    int64_t first_touch, last_touch;  //  when the oldest and newest touches came
} s_worker_t;

//  The periodic work's advisory lock (sql/061; 7217045511 is the
//  migrations', 7217045512 wdm_warn_apply's).  In pg_locks: classid 1,
//  objid 2922078217.
#define S_DUTY_LOCK "7217045513"
//  An evaluation, read and applied, one at a time across servers: the key
//  wdm_warn_apply takes for its transaction (a session holding a key is
//  granted it again at either level).
#define S_EVAL_LOCK "7217045512"

#define S_REST_FACTOR 4
//  Touched indicators are judged once their data have settled (no touch
//  for interval_ms), but a stream that never pauses no later than this.
#define S_SETTLE_MAX_MS 60000
#define S_COUNT_MS      5000  //  how often the open warnings are counted

//  Count the warnings not resolved and send the counts to the owner, for
//  /metrics.  On this thread's connection, not the store's: on a large
//  warning table the count takes tens of milliseconds, which ingest would
//  wait for.  Never waits on the pipe: a later count replaces this one.
static void
s_count_open (s_worker_t *self)
{
    PGresult *res = PQexec (self->conn,
                            "SELECT count (*) FILTER (WHERE level = 'red'),"
                            " count (*) FILTER (WHERE level = 'yellow')"
                            " FROM warning WHERE state <> 'resolved'");
    if (PQresultStatus (res) == PGRES_TUPLES_OK) {
        char counts [64];
        int size = snprintf (counts, sizeof counts, "COUNTS %d %d", atoi (PQgetvalue (res, 0, 0)),
                             atoi (PQgetvalue (res, 0, 1)));
        zmq_send (self->pipe, counts, (size_t)size, ZMQ_DONTWAIT);
    }
    PQclear (res);
}

//  The worker's connection, made again if it was lost; NULL while the
//  database is away.
static PGconn *
s_worker_conn (s_worker_t *self)
{
    if (!self->conn || PQstatus (self->conn) != CONNECTION_OK) {
        if (self->leading)
            wdm_log_warn ("warnings: 数据库连接中断,定期工作交由其他服务器 / the connection is lost, and "
                          "the periodic work's lock with it; another server takes it over");
        self->leading = false;
        PQfinish (self->conn);
        self->conn = wdm_db_connect (self->settings->conninfo);
        if (self->conn) {
            //  Named in pg_stat_activity, so that the lock's holder is
            //  seen: "wdmon-server warnings <host> <endpoint>".
            char name [64];
            snprintf (name, sizeof name, "wdmon-server warnings %s", self->settings->server_id);
            const char *params [] = { name };
            PQclear (wdm_db_query (self->conn, "SELECT set_config ('application_name', $1, false)", 1, params,
                                   PGRES_TUPLES_OK, NULL, 0));
            //  A server killed while this connection waits for a lock or
            //  runs a long query: its backend, and S_DUTY_LOCK with it, go
            //  within a second, not when the query ends (PostgreSQL 14 on;
            //  an older one refuses the setting, and waits).
            PQclear (PQexec (self->conn, "SET client_connection_check_interval = 1000"));
        }
    }
    return self->conn;
}

//  Try to take the periodic work's lock.  On taking it, *due_ms says how
//  long until the next full evaluation: deadline_seconds after the last
//  recorded in duty_run, by whichever server (0 if overdue or none).
//  true if this worker holds the lock now.
static bool
s_take_lead (s_worker_t *self, int64_t *due_ms)
{
    PGresult *res = wdm_db_query (self->conn, "SELECT pg_try_advisory_lock (" S_DUTY_LOCK ")", 0, NULL,
                                  PGRES_TUPLES_OK, NULL, 0);
    bool taken = res && strcmp (PQgetvalue (res, 0, 0), "t") == 0;
    PQclear (res);
    if (!taken)
        return false;
    char seconds [32];
    snprintf (seconds, sizeof seconds, "%ld", self->settings->deadline_seconds);
    const char *params [] = { seconds };
    res = wdm_db_query (
        self->conn,
        "SELECT coalesce (greatest (0, extract (epoch FROM max (started_at)"
        "        + make_interval (secs => $1::float8) - clock_timestamp ()) * 1000), 0)::bigint,"
        "       coalesce ((array_agg (server_id ORDER BY started_at DESC)) [1], '')"
        "  FROM duty_run WHERE duty = 'deadlines'",
        1, params, PGRES_TUPLES_OK, NULL, 0);
    *due_ms = res ? atoll (PQgetvalue (res, 0, 0)) : 0;
    wdm_log_info ("warnings: 本服务器接手定期工作(截止检查和全面评估) / this server takes over the "
                  "periodic work (deadlines, full evaluation): advisory lock %s taken; last run by "
                  "'%s', next in %.1f s",
                  S_DUTY_LOCK, res && *PQgetvalue (res, 0, 1) ? PQgetvalue (res, 0, 1) : "none",
                  (double)*due_ms / 1000.0);
    PQclear (res);
    self->leading = true;
    return true;
}

//  Run a query that returns rows, for its effect.  0, or -1 logged.
static int
s_select (PGconn *conn, const char *sql)
{
    PGresult *res = wdm_db_query (conn, sql, 0, NULL, PGRES_TUPLES_OK, NULL, 0);
    PQclear (res);
    return res ? 0 : -1;
}

//  Record a full evaluation in duty_run (sql/061): who ran it, when, what
//  it found; and forget runs older than 90 days.  Logged, never fatal.
static void
s_record_run (s_worker_t *self, int64_t started_ms, const wdm_warn_stats_t *stats)
{
    char ago [32], series [16], opened [16], resolved [16];
    snprintf (ago, sizeof ago, "%.3f", (double)(wdm_clock_ms () - started_ms) / 1000.0);
    snprintf (series, sizeof series, "%d", stats->series);
    snprintf (opened, sizeof opened, "%d", stats->opened + stats->reopened);
    snprintf (resolved, sizeof resolved, "%d", stats->resolved);
    const char *params [] = { self->settings->server_id, ago, series, opened, resolved };
    PGresult *res =
        wdm_db_query (self->conn,
                      "WITH old AS (DELETE FROM duty_run WHERE started_at < now () - interval '90 days')"
                      " INSERT INTO duty_run (duty, server_id, backend_pid, started_at, series,"
                      "        opened, resolved)"
                      " VALUES ('deadlines', $1, pg_backend_pid (),"
                      "         clock_timestamp () - make_interval (secs => $2::float8), $3, $4, $5)",
                      5, params, PGRES_COMMAND_OK, NULL, 0);
    PQclear (res);
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
        char **grown = realloc (self->touched, (size_t)capacity * sizeof *grown);
        if (!grown)
            return;  //  the deadline pass catches up
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
    if (touch) {
        self->last_touch = wdm_clock_ms ();
        if (self->touched_count == 0)
            self->first_touch = self->last_touch;
    }
    int more = 0;
    size_t more_size = sizeof more;
    while (zmq_getsockopt (self->pipe, ZMQ_RCVMORE, &more, &more_size) == 0 && more) {
        size = zmq_recv (self->pipe, frame, sizeof frame - 1, 0);
        if (size < 0)
            break;
        if (touch && size > 0 && size < (int)sizeof frame) {
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
    s_worker_t self = { .settings = (const s_settings_t *)args, .pipe = pipe };
    const s_settings_t *settings = self.settings;
    int64_t last_eval = 0, last_duration = 0, next_deadlines = 0, next_count = 0, next_lead = 0;
    int readers = wdm_warn_readers ();
    wdm_actor_signal (pipe, 0);
    while (1) {
        zmq_pollitem_t items [] = { { pipe, 0, ZMQ_POLLIN, 0 } };
        if (zmq_poll (items, 1, 200) < 0 && zmq_errno () != EINTR)
            break;
        if (items [0].revents & ZMQ_POLLIN) {
            if (s_take_command (&self))
                break;
            continue;  //  take every message waiting first
        }
        int64_t now = wdm_clock_ms ();
        if (now >= next_count) {
            if (s_worker_conn (&self))
                s_count_open (&self);
            next_count = now + S_COUNT_MS;
        }
        //  Not leading: try for the lock every interval (a lost
        //  connection is noticed, and the lock dropped, by s_worker_conn).
        //  While the database is away, every 5 s is enough.
        if (now >= next_lead) {
            bool connected = s_worker_conn (&self) != NULL;
            int64_t due_ms = 0;
            if (connected && !self.leading && s_take_lead (&self, &due_ms))
                next_deadlines = now + due_ms;
            next_lead = now + (connected || settings->interval_ms > 5000 ? settings->interval_ms : 5000);
        }
        bool deadlines = self.leading && now >= next_deadlines;
        //  Rest at least S_REST_FACTOR times as long as the last evaluation
        //  took: under a bulk load, when every commit touches every
        //  indicator, evaluations would otherwise run back to back and take
        //  a core from ingest.  The rest bounds them to a fifth of a core.
        int64_t rest = last_duration * S_REST_FACTOR > settings->interval_ms ? last_duration * S_REST_FACTOR
                                                                             : settings->interval_ms;
        //  And wait until what was touched has settled: a bulk load or a
        //  backlog arrives over many commits, and judging it half-arrived
        //  opens warnings (and sends notices) that the rest of it then
        //  resolves — 80,000 such transitions in a 1,000,000-record load.
        //  A report of a few batches settles interval_ms after its last.
        bool settled = self.touched_count > 0
            && (now - self.last_touch >= settings->interval_ms || now - self.first_touch >= S_SETTLE_MAX_MS);
        if (!deadlines && (!settled || now - last_eval < rest))
            continue;
        if (!s_worker_conn (&self)) {
            last_eval = now;
            continue;
        }
        deadlines = deadlines && self.leading;  //  still: the connection may have been made again
        wdm_date_t today = settings->today;
        if (!settings->fixed_today)
            wdm_date_today (&today);
        wdm_warn_stats_t stats;
        //  The reports just received may settle missing-report warnings
        //  of the indicators touched: deadlines are judged for them too.
        //  Under S_EVAL_LOCK from the first read to the COMMIT: another
        //  server's evaluation that read before this one's data arrived
        //  must not apply its findings after ours.
        //  Read on as many connections as the machine has cores, as
        //  `wdmon warnings evaluate` does (wdm_warn_evaluate opens them
        //  only for an evaluation of many indicators): over a settled
        //  load of 1,000,000 records, reading and judging took 2.1-2.8 s
        //  against 3.1-4.2 s on this connection alone (PERFORMANCE.md).
        int rc = -1;
        if (s_select (self.conn, "SELECT pg_advisory_lock (" S_EVAL_LOCK ")") == 0) {
            rc = wdm_warn_evaluate (self.conn, deadlines ? NULL : (const char *const *)self.touched,
                                    deadlines ? 0 : self.touched_count, true, &today, readers, &stats);
            s_select (self.conn, "SELECT pg_advisory_unlock (" S_EVAL_LOCK ")");
        }
        if (rc == 0) {
            s_count_open (&self);
            //  A line for an evaluation that changed something, or that took
            //  a second or more (what an operator watching the load wants
            //  to see); the quick ones that changed nothing, at debug.
            bool worth =
                stats.opened || stats.reopened || stats.resolved || stats.updated || stats.seconds >= 1.0;
            WDM_LOG_AT (
                worth ? WDM_LOG_INFO : WDM_LOG_DEBUG,
                "warnings: %d series evaluated in %.3f s: %d opened, %d reopened, %d updated, %d resolved",
                stats.series, stats.seconds, stats.opened, stats.reopened, stats.updated, stats.resolved);
            for (int i = 0; i < self.touched_count; i++)
                free (self.touched [i]);
            self.touched_count = 0;
            if (deadlines) {
                s_record_run (&self, now, &stats);
                wdm_log_info ("warnings: deadlines checked and everything evaluated (%d series in %.3f s)",
                              stats.series, stats.seconds);
                next_deadlines = now + settings->deadline_seconds * 1000;
            }
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
wdm_warn_worker_new (void *ctx, const char *conninfo, const char *server_id, long interval_ms,
                     long deadline_seconds, const wdm_date_t *today)
{
    wdm_warn_worker_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->settings.conninfo = strdup (conninfo ? conninfo : "");
    self->settings.server_id = strdup (server_id ? server_id : "");
    self->settings.interval_ms = interval_ms;
    self->settings.deadline_seconds = deadline_seconds;
    self->settings.fixed_today = today != NULL;
    if (today)
        self->settings.today = *today;
    if (self->settings.conninfo && self->settings.server_id)
        self->actor = wdm_actor_new (ctx, s_worker_actor, &self->settings);
    if (!self->actor) {
        free (self->settings.conninfo);
        free (self->settings.server_id);
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
            break;  //  EAGAIN: nothing more
        }
        message [size < (int)sizeof message - 1 ? size : (int)sizeof message - 1] = '\0';
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
        codes += indicators [i][0] != '\0';
    if (codes == 0)
        return;
    if (zmq_send (pipe, "TOUCH", 5, ZMQ_DONTWAIT | ZMQ_SNDMORE) != 5)
        return;
    for (int i = 0; i < count; i++)
        if (indicators [i][0])
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
    free (self->settings.server_id);
    free (self);
    *self_p = NULL;
}
