/*  wdm_metrics: counters behind a mutex; /metrics over libmicrohttpd; the
    server_status row.  See wdm_metrics.h.  */

#include "wdm_metrics.h"
#include "wdm_log.h"
#include "wdm_proto.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_UNITS_MAX 1024                //  collectors tracked by name
#define S_BUCKETS 11

static const double s_bounds [S_BUCKETS] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };

static const int s_codes [] = { 400, 403, 404, 413, 422, 503, 505 };
#define S_CODES (int) (sizeof s_codes / sizeof s_codes [0])

typedef struct {
    char unit [WDM_CODE_MAX];
    time_t last_batch;
    uint64_t batches, records;
} s_unit_t;

struct wdm_metrics {
    pthread_mutex_t lock;
    struct MHD_Daemon *http;
    time_t started;
    uint64_t received, accepted, duplicates, batches;
    uint64_t rejected [S_CODES];
    uint64_t commit_buckets [S_BUCKETS];    //  cumulative counts are made when rendering
    uint64_t commit_count;
    double commit_sum, last_commit;
    int queue, connections, red, yellow;
    bool database_ok;
    s_unit_t *units;
    int unit_count;
};

static enum MHD_Result
s_answer (void *cls, struct MHD_Connection *connection, const char *url, const char *method,
          const char *version, const char *upload, size_t *upload_size, void **state)
{
    wdm_metrics_t *self = (wdm_metrics_t *) cls;
    if (strcmp (method, "GET") != 0)
        return MHD_NO;
    struct MHD_Response *response;
    unsigned int status = MHD_HTTP_OK;
    if (strcmp (url, "/metrics") == 0) {
        size_t size = 65536;
        char *text = malloc (size);
        if (!text)
            return MHD_NO;
        size_t len = wdm_metrics_render (self, text, size);
        response = MHD_create_response_from_buffer (len, text, MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header (response, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    }
    else {
        static const char missing [] = "wdmon-server: see /metrics\n";
        status = MHD_HTTP_NOT_FOUND;
        response = MHD_create_response_from_buffer (sizeof missing - 1, (void *) missing,
                                                    MHD_RESPMEM_PERSISTENT);
    }
    enum MHD_Result rc = MHD_queue_response (connection, status, response);
    MHD_destroy_response (response);
    return rc;
}

wdm_metrics_t *
wdm_metrics_new (const char *address, int port)
{
    wdm_metrics_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    pthread_mutex_init (&self->lock, NULL);
    self->started = time (NULL);
    self->database_ok = true;
    self->units = calloc (S_UNITS_MAX, sizeof *self->units);
    if (!self->units) {
        wdm_metrics_destroy (&self);
        return NULL;
    }
    if (port > 0) {
        struct sockaddr_in where;
        memset (&where, 0, sizeof where);
        where.sin_family = AF_INET;
        where.sin_port = htons ((uint16_t) port);
        if (inet_pton (AF_INET, address && *address ? address : "127.0.0.1", &where.sin_addr) != 1) {
            wdm_log_error ("metrics: '%s' is not an IPv4 address", address);
            wdm_metrics_destroy (&self);
            return NULL;
        }
        self->http = MHD_start_daemon (MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t) port, NULL, NULL,
                                       s_answer, self, MHD_OPTION_SOCK_ADDR, &where,
                                       MHD_OPTION_CONNECTION_LIMIT, 16,
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
    pthread_mutex_destroy (&self->lock);
    free (self->units);
    free (self);
    *self_p = NULL;
}

void
wdm_metrics_batch (wdm_metrics_t *self, const char *unit, uint32_t received,
                   uint32_t accepted, uint32_t duplicates, double commit_seconds)
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
    s_unit_t *slot = NULL;
    for (int i = 0; i < self->unit_count && !slot; i++)
        if (strcmp (self->units [i].unit, unit) == 0)
            slot = &self->units [i];
    if (!slot && self->unit_count < S_UNITS_MAX && *unit) {
        slot = &self->units [self->unit_count++];
        snprintf (slot->unit, sizeof slot->unit, "%s", unit);
    }
    if (slot) {
        slot->last_batch = time (NULL);
        slot->batches++;
        slot->records += received;
    }
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

void
wdm_metrics_connections (wdm_metrics_t *self, int delta)
{
    pthread_mutex_lock (&self->lock);
    self->connections += delta;
    if (self->connections < 0)
        self->connections = 0;
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

size_t
wdm_metrics_render (wdm_metrics_t *self, char *buffer, size_t size)
{
    size_t len = 0;
#define S_OUT(...) do { \
        int n = snprintf (buffer + len, len < size ? size - len : 0, __VA_ARGS__); \
        if (n > 0) len += (size_t) n; \
    } while (0)
    pthread_mutex_lock (&self->lock);
    S_OUT ("# HELP wdmon_records_received_total Records received in batches.\n"
           "# TYPE wdmon_records_received_total counter\nwdmon_records_received_total %llu\n",
           (unsigned long long) self->received);
    S_OUT ("# HELP wdmon_records_accepted_total Records stored.\n"
           "# TYPE wdmon_records_accepted_total counter\nwdmon_records_accepted_total %llu\n",
           (unsigned long long) self->accepted);
    S_OUT ("# HELP wdmon_records_duplicate_total Records already stored by an earlier send.\n"
           "# TYPE wdmon_records_duplicate_total counter\nwdmon_records_duplicate_total %llu\n",
           (unsigned long long) self->duplicates);
    S_OUT ("# HELP wdmon_records_rejected_total Records refused, by reason.\n"
           "# TYPE wdmon_records_rejected_total counter\n");
    for (int i = 0; i < S_CODES; i++)
        S_OUT ("wdmon_records_rejected_total{code=\"%d\",reason=\"%s\"} %llu\n", s_codes [i],
               wdm_proto_code_name (s_codes [i]), (unsigned long long) self->rejected [i]);
    S_OUT ("# HELP wdmon_batches_total Batches answered.\n"
           "# TYPE wdmon_batches_total counter\nwdmon_batches_total %llu\n",
           (unsigned long long) self->batches);
    S_OUT ("# HELP wdmon_commit_seconds Time to store a group of batches in one transaction.\n"
           "# TYPE wdmon_commit_seconds histogram\n");
    uint64_t cumulative = 0;
    for (int i = 0; i < S_BUCKETS; i++) {
        cumulative += self->commit_buckets [i];
        S_OUT ("wdmon_commit_seconds_bucket{le=\"%g\"} %llu\n", s_bounds [i],
               (unsigned long long) cumulative);
    }
    S_OUT ("wdmon_commit_seconds_bucket{le=\"+Inf\"} %llu\nwdmon_commit_seconds_sum %.6f\n"
           "wdmon_commit_seconds_count %llu\n", (unsigned long long) self->commit_count,
           self->commit_sum, (unsigned long long) self->commit_count);
    S_OUT ("# HELP wdmon_queue_depth Records in the group last stored.\n"
           "# TYPE wdmon_queue_depth gauge\nwdmon_queue_depth %d\n", self->queue);
    S_OUT ("# HELP wdmon_connected_collectors CURVE connections open.\n"
           "# TYPE wdmon_connected_collectors gauge\nwdmon_connected_collectors %d\n", self->connections);
    S_OUT ("# HELP wdmon_database_up Whether the last commit reached the database.\n"
           "# TYPE wdmon_database_up gauge\nwdmon_database_up %d\n", self->database_ok ? 1 : 0);
    S_OUT ("# HELP wdmon_open_warnings Warnings not resolved, by level.\n"
           "# TYPE wdmon_open_warnings gauge\nwdmon_open_warnings{level=\"red\"} %d\n"
           "wdmon_open_warnings{level=\"yellow\"} %d\n", self->red, self->yellow);
    S_OUT ("# HELP wdmon_up_seconds Seconds since the server started.\n"
           "# TYPE wdmon_up_seconds gauge\nwdmon_up_seconds %ld\n", (long) (time (NULL) - self->started));
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
    len += (size_t) snprintf (collectors, sizeof collectors, "[");
    for (int i = 0; i < self->unit_count && len < sizeof collectors - 256; i++) {
        char stamp [32];
        strftime (stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime (&self->units [i].last_batch));
        len += (size_t) snprintf (collectors + len, sizeof collectors - len,
                                  "%s{\"unit\":\"%s\",\"last_batch_at\":\"%s\",\"batches\":%llu,\"records\":%llu}",
                                  i ? "," : "", self->units [i].unit, stamp,
                                  (unsigned long long) self->units [i].batches,
                                  (unsigned long long) self->units [i].records);
    }
    snprintf (collectors + len, sizeof collectors - len, "]");
    uint64_t refused = 0;
    for (int i = 0; i < S_CODES; i++)
        refused += self->rejected [i];
    snprintf (pid, sizeof pid, "%ld", (long) getpid ());
    snprintf (started, sizeof started, "%ld", (long) self->started);
    snprintf (connections, sizeof connections, "%d", self->connections);
    snprintf (queue, sizeof queue, "%d", self->queue);
    snprintf (received, sizeof received, "%llu", (unsigned long long) self->received);
    snprintf (accepted, sizeof accepted, "%llu", (unsigned long long) self->accepted);
    snprintf (duplicates, sizeof duplicates, "%llu", (unsigned long long) self->duplicates);
    snprintf (rejected, sizeof rejected, "%llu", (unsigned long long) refused);
    snprintf (batches, sizeof batches, "%llu", (unsigned long long) self->batches);
    snprintf (last_commit, sizeof last_commit, "%.3f", self->last_commit * 1000);
    snprintf (database, sizeof database, "%s", self->database_ok ? "t" : "f");
    pthread_mutex_unlock (&self->lock);
    const char *params [] = { server_id, pid, endpoint, started, connections, queue, received,
                              accepted, duplicates, rejected, batches, last_commit, database,
                              collectors };
    PGresult *res = PQexecParams (conn,
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
