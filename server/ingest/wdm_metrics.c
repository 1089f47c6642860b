/*  wdm_metrics: counters behind a mutex; /metrics over libmicrohttpd, with
    a database check at each scrape; the server_status row.  See
    wdm_metrics.h.  */

#include "wdm_metrics.h"
#include "wdm_log.h"
#include "wdm_proto.h"

#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define S_UNITS_MAX 1024  //  collectors tracked by name
#define S_BUCKETS   11
#define S_PING_MS   2000  //  a scrape's database check waits this long, at most

#ifndef WDM_COMMIT
#define WDM_COMMIT "unknown"
#endif

static const double s_bounds [S_BUCKETS] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };

static const int s_codes [] = { 400, 403, 404, 413, 422, 503, 505 };
#define S_CODES (int)(sizeof s_codes / sizeof s_codes [0])

typedef struct {
    char unit [WDM_CODE_MAX];
    time_t last_batch;
    time_t last_delivery;  //  last batch committed; 0: none yet
    uint64_t batches, records;
} s_unit_t;

//  A connection the ROUTER accepted, by file descriptor.
typedef enum { S_HANDSHAKING, S_UP, S_FAILED } s_peer_state_t;
typedef struct {
    int fd;
    s_peer_state_t state;
} s_peer_t;

struct wdm_metrics {
    pthread_mutex_t lock;
    struct MHD_Daemon *http;
    time_t started;
    uint64_t received, accepted, duplicates, batches;
    uint64_t rejected [S_CODES];
    uint64_t commit_buckets [S_BUCKETS];  //  cumulative counts are made when rendering
    uint64_t commit_count;
    double commit_sum, last_commit;
    int queue, red, yellow;
    bool database_ok;
    s_unit_t *units;
    int unit_count;
    s_peer_t *peers;  //  in the order they were accepted
    int peer_count, peer_max;
    int failed_fd;   //  the last event was a failed handshake,
                     //  put down to this connection; else -1
    char *conninfo;  //  what a scrape checks; NULL: no check
    PGconn *ping;    //  the HTTP thread's own connection
};

//  The database answers and takes writes (is no standby), checked now on
//  the HTTP thread's own connection within about S_PING_MS.  The result
//  becomes wdmon_database_up.  HTTP thread only: it owns self->ping.
static void
s_ping (wdm_metrics_t *self)
{
    if (!self->conninfo)
        return;
    bool ok = false;
    if (self->ping && PQstatus (self->ping) != CONNECTION_OK) {
        PQfinish (self->ping);
        self->ping = NULL;
    }
    if (!self->ping) {
        //  The server's connection string, then a short connect timeout
        //  and a name; later keywords win over the string's own.
        const char *keys [] = { "dbname", "connect_timeout", "application_name", NULL };
        const char *values [] = { self->conninfo, "2", "wdmon-server metrics", NULL };
        self->ping = PQconnectdbParams (keys, values, 1);
    }
    if (self->ping && PQstatus (self->ping) == CONNECTION_OK
        && PQsendQuery (self->ping, "SELECT NOT pg_is_in_recovery ()")) {
        struct pollfd waiting = { PQsocket (self->ping), POLLIN, 0 };
        bool alive = true;
        while (alive && PQisBusy (self->ping))
            alive = poll (&waiting, 1, S_PING_MS) == 1 && PQconsumeInput (self->ping);
        PGresult *res;
        while (alive && (res = PQgetResult (self->ping))) {
            if (PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) == 1)
                ok = PQgetvalue (res, 0, 0) [0] == 't';
            PQclear (res);
        }
    }
    if (!ok && self->ping) {
        //  Whatever went wrong, the next scrape starts from a new connection.
        PQfinish (self->ping);
        self->ping = NULL;
    }
    pthread_mutex_lock (&self->lock);
    self->database_ok = ok;
    pthread_mutex_unlock (&self->lock);
}

//  Room for more connections.  0, or -1 if there is no memory (the
//  connection is then not counted).
static int
s_grow_peers (wdm_metrics_t *self)
{
    int max = self->peer_max ? self->peer_max * 2 : 64;
    s_peer_t *peers = realloc (self->peers, (size_t)max * sizeof *peers);
    if (!peers)
        return -1;
    self->peers = peers;
    self->peer_max = max;
    return 0;
}

//  Connections whose handshake succeeded and that are open.  Under the lock.
static int
s_connected (const wdm_metrics_t *self)
{
    int count = 0;
    for (int i = 0; i < self->peer_count; i++)
        count += self->peers [i].state == S_UP;
    return count;
}

static enum MHD_Result
s_answer (void *cls, struct MHD_Connection *connection, const char *url, const char *method,
          const char *version, const char *upload, size_t *upload_size, void **state)
{
    wdm_metrics_t *self = (wdm_metrics_t *)cls;
    if (strcmp (method, "GET") != 0)
        return MHD_NO;
    struct MHD_Response *response;
    unsigned int status = MHD_HTTP_OK;
    if (strcmp (url, "/metrics") == 0) {
        s_ping (self);
        size_t size = 65536;
        char *text = malloc (size);
        if (!text)
            return MHD_NO;
        size_t len = wdm_metrics_render (self, text, size);
        response = MHD_create_response_from_buffer (len, text, MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header (response, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    } else {
        static const char missing [] = "wdmon-server: see /metrics\n";
        status = MHD_HTTP_NOT_FOUND;
        response =
            MHD_create_response_from_buffer (sizeof missing - 1, (void *)missing, MHD_RESPMEM_PERSISTENT);
    }
    enum MHD_Result rc = MHD_queue_response (connection, status, response);
    MHD_destroy_response (response);
    return rc;
}

wdm_metrics_t *
wdm_metrics_new (const char *address, int port, const char *conninfo)
{
    wdm_metrics_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    pthread_mutex_init (&self->lock, NULL);
    self->started = time (NULL);
    self->database_ok = true;
    self->failed_fd = -1;
    self->units = calloc (S_UNITS_MAX, sizeof *self->units);
    self->conninfo = conninfo && *conninfo ? strdup (conninfo) : NULL;
    if (!self->units || (conninfo && *conninfo && !self->conninfo)) {
        wdm_metrics_destroy (&self);
        return NULL;
    }
    if (port > 0) {
        struct sockaddr_in where;
        memset (&where, 0, sizeof where);
        where.sin_family = AF_INET;
        where.sin_port = htons ((uint16_t)port);
        if (inet_pton (AF_INET, address && *address ? address : "127.0.0.1", &where.sin_addr) != 1) {
            wdm_log_error ("metrics: '%s' is not an IPv4 address", address);
            wdm_metrics_destroy (&self);
            return NULL;
        }
        self->http = MHD_start_daemon (MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)port, NULL, NULL, s_answer,
                                       self, MHD_OPTION_SOCK_ADDR, &where, MHD_OPTION_CONNECTION_LIMIT, 16,
                                       MHD_OPTION_CONNECTION_TIMEOUT, 10, MHD_OPTION_END);
        if (!self->http) {
            wdm_log_error ("metrics: cannot listen on %s:%d", address, port);
            wdm_metrics_destroy (&self);
            return NULL;
        }
        wdm_log_info ("metrics: serving http://%s:%d/metrics", address, port);
    }
    return self;
}

void
wdm_metrics_destroy (wdm_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    wdm_metrics_t *self = *self_p;
    if (self->http)
        MHD_stop_daemon (self->http);
    PQfinish (self->ping);
    pthread_mutex_destroy (&self->lock);
    free (self->conninfo);
    free (self->peers);
    free (self->units);
    free (self);
    *self_p = NULL;
}

//  The unit's slot, made if need be; NULL when the table is full or the
//  unit has no name.  Under the lock.
static s_unit_t *
s_unit (wdm_metrics_t *self, const char *unit)
{
    for (int i = 0; i < self->unit_count; i++)
        if (strcmp (self->units [i].unit, unit) == 0)
            return &self->units [i];
    if (self->unit_count == S_UNITS_MAX || !*unit)
        return NULL;
    s_unit_t *slot = &self->units [self->unit_count++];
    snprintf (slot->unit, sizeof slot->unit, "%s", unit);
    return slot;
}

void
wdm_metrics_batch (wdm_metrics_t *self, const char *unit, uint32_t received, uint32_t accepted,
                   uint32_t duplicates, double commit_seconds)
{
    pthread_mutex_lock (&self->lock);
    self->batches++;
    self->received += received;
    self->accepted += accepted;
    self->duplicates += duplicates;
    if (commit_seconds > 0) {
        self->commit_count++;
        self->commit_sum += commit_seconds;
        self->last_commit = commit_seconds;
        for (int i = 0; i < S_BUCKETS; i++)
            if (commit_seconds <= s_bounds [i]) {
                self->commit_buckets [i]++;
                break;
            }
    }
    s_unit_t *slot = s_unit (self, unit);
    if (slot) {
        slot->last_batch = time (NULL);
        slot->batches++;
        slot->records += received;
    }
    pthread_mutex_unlock (&self->lock);
}

void
wdm_metrics_delivered (wdm_metrics_t *self, const char *unit)
{
    pthread_mutex_lock (&self->lock);
    s_unit_t *slot = s_unit (self, unit);
    if (slot)
        slot->last_delivery = time (NULL);
    pthread_mutex_unlock (&self->lock);
}

void
wdm_metrics_rejected (wdm_metrics_t *self, int code, uint32_t records)
{
    pthread_mutex_lock (&self->lock);
    for (int i = 0; i < S_CODES; i++)
        if (s_codes [i] == code)
            self->rejected [i] += records;
    pthread_mutex_unlock (&self->lock);
}

void
wdm_metrics_queue (wdm_metrics_t *self, int records)
{
    pthread_mutex_lock (&self->lock);
    self->queue = records;
    pthread_mutex_unlock (&self->lock);
}

//  The oldest connection still in its handshake, or -1.
static int
s_handshaking (const wdm_metrics_t *self)
{
    for (int i = 0; i < self->peer_count; i++)
        if (self->peers [i].state == S_HANDSHAKING)
            return i;
    return -1;
}

static int
s_peer (const wdm_metrics_t *self, int fd)
{
    for (int i = 0; i < self->peer_count; i++)
        if (self->peers [i].fd == fd)
            return i;
    return -1;
}

//  libzmq 4.3 names the connection (its fd) in ACCEPTED and DISCONNECTED
//  but not in the handshake events, so a handshake's outcome is put down
//  to the oldest connection still shaking hands: one I/O thread, and the
//  ZAP handler answers in turn, so that is the usual order.  A failed
//  handshake is followed at once by its connection's DISCONNECTED when
//  the connection ends with it; if that names another connection, the two
//  swap what was put down to them.  Every guess ends with its connection,
//  so the gauge never drifts and reads 0 when nothing is connected.
void
wdm_metrics_connection_event (wdm_metrics_t *self, unsigned event, unsigned value)
{
    int fd = (int)value, failed_fd = -1, i;
    pthread_mutex_lock (&self->lock);
    switch (event) {
        case ZMQ_EVENT_ACCEPTED:
            if ((i = s_peer (self, fd)) >= 0)
                self->peers [i].state = S_HANDSHAKING;
            else if (self->peer_count < self->peer_max || s_grow_peers (self) == 0)
                self->peers [self->peer_count++] = (s_peer_t) { fd, S_HANDSHAKING };
            break;
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
            if ((i = s_handshaking (self)) >= 0)
                self->peers [i].state = S_UP;
            break;
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
            if ((i = s_handshaking (self)) >= 0) {
                self->peers [i].state = S_FAILED;
                failed_fd = self->peers [i].fd;
            }
            break;
        case ZMQ_EVENT_DISCONNECTED:
            if ((i = s_peer (self, fd)) < 0)
                break;
            int guessed = self->failed_fd >= 0 ? s_peer (self, self->failed_fd) : -1;
            if (guessed >= 0 && guessed != i)
                self->peers [guessed].state = self->peers [i].state;
            memmove (&self->peers [i], &self->peers [i + 1],
                     (size_t)(self->peer_count - i - 1) * sizeof *self->peers);
            self->peer_count--;
            break;
        default: break;
    }
    self->failed_fd = failed_fd;
    pthread_mutex_unlock (&self->lock);
}

void
wdm_metrics_database (wdm_metrics_t *self, bool ok)
{
    pthread_mutex_lock (&self->lock);
    self->database_ok = ok;
    pthread_mutex_unlock (&self->lock);
}

void
wdm_metrics_warnings (wdm_metrics_t *self, int red, int yellow)
{
    pthread_mutex_lock (&self->lock);
    self->red = red;
    self->yellow = yellow;
    pthread_mutex_unlock (&self->lock);
}

//  text as a Prometheus label value (backslash, quote and newline escaped).
static const char *
s_label (const char *text, char *out, size_t size)
{
    size_t len = 0;
    for (; *text && len + 2 < size; text++) {
        if (*text == '\\' || *text == '"' || *text == '\n')
            out [len++] = '\\';
        out [len++] = *text == '\n' ? 'n' : *text;
    }
    out [len] = '\0';
    return out;
}

size_t
wdm_metrics_render (wdm_metrics_t *self, char *buffer, size_t size)
{
    size_t len = 0;
#define S_OUT(...)                                                                                           \
    do {                                                                                                     \
        int n = snprintf (buffer + len, len < size ? size - len : 0, __VA_ARGS__);                           \
        if (n > 0)                                                                                           \
            len += (size_t)n;                                                                                \
    } while (0)
    pthread_mutex_lock (&self->lock);
    S_OUT ("# HELP wdmon_records_received_total Records received in batches.\n"
           "# TYPE wdmon_records_received_total counter\nwdmon_records_received_total %llu\n",
           (unsigned long long)self->received);
    S_OUT ("# HELP wdmon_records_accepted_total Records stored.\n"
           "# TYPE wdmon_records_accepted_total counter\nwdmon_records_accepted_total %llu\n",
           (unsigned long long)self->accepted);
    S_OUT ("# HELP wdmon_records_duplicate_total Records already stored by an earlier send.\n"
           "# TYPE wdmon_records_duplicate_total counter\nwdmon_records_duplicate_total %llu\n",
           (unsigned long long)self->duplicates);
    S_OUT ("# HELP wdmon_records_rejected_total Records refused, by reason.\n"
           "# TYPE wdmon_records_rejected_total counter\n");
    for (int i = 0; i < S_CODES; i++)
        S_OUT ("wdmon_records_rejected_total{code=\"%d\",reason=\"%s\"} %llu\n", s_codes [i],
               wdm_proto_code_name (s_codes [i]), (unsigned long long)self->rejected [i]);
    S_OUT ("# HELP wdmon_batches_total Batches answered.\n"
           "# TYPE wdmon_batches_total counter\nwdmon_batches_total %llu\n",
           (unsigned long long)self->batches);
    S_OUT ("# HELP wdmon_commit_seconds Time to store a group of batches in one transaction.\n"
           "# TYPE wdmon_commit_seconds histogram\n");
    uint64_t cumulative = 0;
    for (int i = 0; i < S_BUCKETS; i++) {
        cumulative += self->commit_buckets [i];
        S_OUT ("wdmon_commit_seconds_bucket{le=\"%g\"} %llu\n", s_bounds [i], (unsigned long long)cumulative);
    }
    S_OUT ("wdmon_commit_seconds_bucket{le=\"+Inf\"} %llu\nwdmon_commit_seconds_sum %.6f\n"
           "wdmon_commit_seconds_count %llu\n",
           (unsigned long long)self->commit_count, self->commit_sum, (unsigned long long)self->commit_count);
    S_OUT ("# HELP wdmon_queue_depth Records in the group last stored.\n"
           "# TYPE wdmon_queue_depth gauge\nwdmon_queue_depth %d\n",
           self->queue);
    S_OUT ("# HELP wdmon_connected_collectors Collector connections open whose CURVE handshake succeeded.\n"
           "# TYPE wdmon_connected_collectors gauge\nwdmon_connected_collectors %d\n",
           s_connected (self));
    S_OUT ("# HELP wdmon_database_up Whether the database answered this scrape and takes writes.\n"
           "# TYPE wdmon_database_up gauge\nwdmon_database_up %d\n",
           self->database_ok ? 1 : 0);
    S_OUT ("# HELP wdmon_open_warnings Warnings not resolved, by level.\n"
           "# TYPE wdmon_open_warnings gauge\nwdmon_open_warnings{level=\"red\"} %d\n"
           "wdmon_open_warnings{level=\"yellow\"} %d\n",
           self->red, self->yellow);
    S_OUT ("# HELP wdmon_up_seconds Seconds since the server started.\n"
           "# TYPE wdmon_up_seconds gauge\nwdmon_up_seconds %ld\n",
           (long)(time (NULL) - self->started));
    S_OUT ("# HELP wdmon_unit_last_delivery_seconds When a unit's batch was last committed (Unix time).\n"
           "# TYPE wdmon_unit_last_delivery_seconds gauge\n");
    for (int i = 0; i < self->unit_count; i++) {
        char label [2 * WDM_CODE_MAX];
        if (self->units [i].last_delivery)
            S_OUT ("wdmon_unit_last_delivery_seconds{unit=\"%s\"} %lld\n",
                   s_label (self->units [i].unit, label, sizeof label),
                   (long long)self->units [i].last_delivery);
    }
    S_OUT ("# HELP wdmon_build_info The server's version and the commit it was built from.\n"
           "# TYPE wdmon_build_info gauge\nwdmon_build_info{version=\"%s\",commit=\"%s\"} 1\n",
           WDM_VERSION, WDM_COMMIT);
    pthread_mutex_unlock (&self->lock);
#undef S_OUT
    return len < size ? len : size - 1;
}

int
wdm_metrics_publish (wdm_metrics_t *self, PGconn *conn, const char *server_id, const char *endpoint)
{
    char collectors [65536];
    size_t len = 0;
    char pid [16], started [24], connections [16], queue [16], received [24], accepted [24];
    char duplicates [24], rejected [24], batches [24], last_commit [32], database [8];
    pthread_mutex_lock (&self->lock);
    len += (size_t)snprintf (collectors, sizeof collectors, "[");
    for (int i = 0; i < self->unit_count && len < sizeof collectors - 256; i++) {
        char stamp [32];
        strftime (stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime (&self->units [i].last_batch));
        len += (size_t)snprintf (
            collectors + len, sizeof collectors - len,
            "%s{\"unit\":\"%s\",\"last_batch_at\":\"%s\",\"batches\":%llu,\"records\":%llu}", i ? "," : "",
            self->units [i].unit, stamp, (unsigned long long)self->units [i].batches,
            (unsigned long long)self->units [i].records);
    }
    snprintf (collectors + len, sizeof collectors - len, "]");
    uint64_t refused = 0;
    for (int i = 0; i < S_CODES; i++)
        refused += self->rejected [i];
    snprintf (pid, sizeof pid, "%ld", (long)getpid ());
    snprintf (started, sizeof started, "%ld", (long)self->started);
    snprintf (connections, sizeof connections, "%d", s_connected (self));
    snprintf (queue, sizeof queue, "%d", self->queue);
    snprintf (received, sizeof received, "%llu", (unsigned long long)self->received);
    snprintf (accepted, sizeof accepted, "%llu", (unsigned long long)self->accepted);
    snprintf (duplicates, sizeof duplicates, "%llu", (unsigned long long)self->duplicates);
    snprintf (rejected, sizeof rejected, "%llu", (unsigned long long)refused);
    snprintf (batches, sizeof batches, "%llu", (unsigned long long)self->batches);
    snprintf (last_commit, sizeof last_commit, "%.3f", self->last_commit * 1000);
    snprintf (database, sizeof database, "%s", self->database_ok ? "t" : "f");
    pthread_mutex_unlock (&self->lock);
    const char *params [] = { server_id, pid,        endpoint, started, connections, queue,    received,
                              accepted,  duplicates, rejected, batches, last_commit, database, collectors };
    PGresult *res = PQexecParams (
        conn,
        "INSERT INTO server_status (server_id, pid, endpoint, started_at, heartbeat_at, connections,"
        "       queue_depth, records_received, records_accepted, records_duplicate, records_rejected,"
        "       batches, last_commit_ms, database_ok, collectors)"
        " VALUES ($1, $2, $3, to_timestamp ($4), now (), $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        " ON CONFLICT (server_id) DO UPDATE SET pid = $2, endpoint = $3, started_at = to_timestamp ($4),"
        "       heartbeat_at = now (), connections = $5, queue_depth = $6, records_received = $7,"
        "       records_accepted = $8, records_duplicate = $9, records_rejected = $10, batches = $11,"
        "       last_commit_ms = $12, database_ok = $13, collectors = $14",
        14, NULL, params, NULL, NULL, 0);
    int rc = PQresultStatus (res) == PGRES_COMMAND_OK ? 0 : -1;
    if (rc)
        wdm_log_warn ("metrics: cannot write server_status: %s", PQresultErrorMessage (res));
    PQclear (res);
    return rc;
}
