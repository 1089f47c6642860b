/*  wdm_collector_status: what the running collector says about itself,
    and `wdmon-collector status`, which reads it.  The daemon writes its
    status file once a second (cl_status_write, from wdm_collector_run)
    and counts each batch's acknowledgement time (cl_status_note_ack, from
    delivery); wdm_collector_status reads that file and the outbox, from
    another process.  Owns the status file.  */

#include "wdm_collector_int.h"
#include "wdm_clock.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

//  Acknowledgement time, from sending a batch to its reply, in buckets
//  with these upper bounds (ms); the last bucket is everything above.
static const double s_ack_bounds [] = { 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000 };
_Static_assert(sizeof s_ack_bounds / sizeof s_ack_bounds [0] + 1 == CL_ACK_BUCKETS,
               "CL_ACK_BUCKETS counts the bounds and one more");

void
cl_status_note_ack (cl_collector_t *self, double ack_ms)
{
    int bucket = 0;
    while (bucket < CL_ACK_BUCKETS - 1 && ack_ms > s_ack_bounds [bucket])
        bucket++;
    self->ack_buckets [bucket]++;
    self->ack_count++;
    self->ack_sum_ms += ack_ms;
    if (ack_ms > self->ack_max_ms)
        self->ack_max_ms = ack_ms;
}

void
cl_status_write (cl_collector_t *self)
{
    char path [1100];
    snprintf (path, sizeof path, "%s.tmp", self->config->status_file);
    FILE *file = fopen (path, "w");
    if (!file)
        return;
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (self->outbox, &stats);
    uint64_t in_flight = 0;
    for (int i = 0; i < self->config->max_in_flight; i++)
        in_flight += self->flights [i].count;
    fprintf (
        file,
        "pid=%ld\nupdated=%ld\nin_flight=%llu\nqueued=%llu\ndelivered_this_run=%llu\n"
        "rejected_this_run=%llu\nlast_delivery=%ld\nlast_reply_ms_ago=%lld\nlink=%s\n"
        "endpoint=%s (%d of %d)\n",
        (long)getpid (), (long)time (NULL), (unsigned long long)in_flight, (unsigned long long)stats.queued,
        (unsigned long long)self->delivered, (unsigned long long)self->rejected, (long)self->last_delivery,
        self->last_reply_ms ? (long long)(wdm_clock_ms () - self->last_reply_ms) : -1LL, self->link_state,
        self->endpoints [self->endpoint_at], self->endpoint_at + 1, self->endpoint_count);
    fprintf (file, "ack_count=%llu\nack_sum_ms=%.3f\nack_max_ms=%.3f\nack_ms_buckets=",
             (unsigned long long)self->ack_count, self->ack_sum_ms, self->ack_max_ms);
    for (int i = 0; i < CL_ACK_BUCKETS; i++)
        fprintf (file, "%s%llu", i ? "," : "", (unsigned long long)self->ack_buckets [i]);
    fprintf (file, "\n");
    if (fclose (file) == 0)
        rename (path, self->config->status_file);
}

//  The bucket a quantile falls in, as "<= N ms" (or "> N ms" for the last).
static void
s_ack_quantile (const unsigned long long *buckets, unsigned long long count, double q, char *out, size_t size)
{
    unsigned long long want = (unsigned long long)(q * (double)count + 0.999999), seen = 0;
    int i = 0;
    for (; i < CL_ACK_BUCKETS - 1; i++) {
        seen += buckets [i];
        if (seen >= want)
            break;
    }
    if (i < CL_ACK_BUCKETS - 1)
        snprintf (out, size, "<= %g ms", s_ack_bounds [i]);
    else
        snprintf (out, size, "> %g ms", s_ack_bounds [CL_ACK_BUCKETS - 2]);
}

//  What the daemon last wrote in its status file (all zero if none).
typedef struct {
    long pid, updated, last_delivery;
    unsigned long long in_flight;
    char link [200];
    char endpoint [512];  //  the one in use, "(n of m)"
    unsigned long long ack_count, ack_buckets [CL_ACK_BUCKETS];
    double ack_max_ms;
} s_seen_t;

static void
s_read_status (const char *path, s_seen_t *seen)
{
    memset (seen, 0, sizeof *seen);
    FILE *file = fopen (path, "r");
    if (file) {
        char line [512];
        while (fgets (line, sizeof line, file)) {
            sscanf (line, "ack_count=%llu", &seen->ack_count);
            sscanf (line, "ack_max_ms=%lf", &seen->ack_max_ms);
            if (strncmp (line, "ack_ms_buckets=", 15) == 0) {
                char *at = line + 15;
                for (int i = 0; i < CL_ACK_BUCKETS && *at; i++) {
                    seen->ack_buckets [i] = strtoull (at, &at, 10);
                    if (*at == ',')
                        at++;
                }
            }
            sscanf (line, "pid=%ld", &seen->pid);
            sscanf (line, "updated=%ld", &seen->updated);
            sscanf (line, "in_flight=%llu", &seen->in_flight);
            sscanf (line, "last_delivery=%ld", &seen->last_delivery);
            if (strncmp (line, "endpoint=", 9) == 0) {
                snprintf (seen->endpoint, sizeof seen->endpoint, "%s", line + 9);
                seen->endpoint [strcspn (seen->endpoint, "\n")] = '\0';
            }
            if (strncmp (line, "link=", 5) == 0) {
                snprintf (seen->link, sizeof seen->link, "%.199s", line + 5);
                seen->link [strcspn (seen->link, "\n")] = '\0';
            }
        }
        fclose (file);
    }
}

int
wdm_collector_status (const wdm_collector_config_t *config, FILE *out)
{
    wdm_outbox_stats_t stats;
    char err [512];
    if (wdm_outbox_peek (config->outbox, &stats, err, sizeof err)) {
        fprintf (stderr, "wdmon-collector status: %s\n", err);
        return -1;
    }
    long rejected = 0;
    FILE *file = fopen (config->rejected, "r");
    if (file) {
        int c;
        while ((c = getc (file)) != EOF)
            rejected += c == '\n';
        fclose (file);
    }
    s_seen_t seen;
    s_read_status (config->status_file, &seen);
    int running = seen.pid > 0 && kill ((pid_t)seen.pid, 0) == 0 && time (NULL) - seen.updated < 10;
    fprintf (out, "outbox     %s (epoch %llu)\n", config->outbox, (unsigned long long)stats.epoch);
    fprintf (out, "collector  %s\n", running ? "running" : "not running");
    if (running)
        fprintf (out, "  pid %ld, status written %ld s ago\n", seen.pid, (long)(time (NULL) - seen.updated));
    if (running && *seen.endpoint)
        fprintf (out, "endpoint   %s\n", seen.endpoint);
    else
        fprintf (out, "endpoint   %s (configured)\n", config->endpoint);
    if (running && *seen.link)
        fprintf (out, "link       %s\n", seen.link);
    fprintf (out, "queued     %llu records waiting to be delivered\n", (unsigned long long)stats.queued);
    fprintf (out, "in flight  %llu records sent, awaiting the centre's answer\n",
             running ? seen.in_flight : 0ULL);
    fprintf (out, "answered   %llu records acknowledged by the centre (stored or refused)\n",
             (unsigned long long)stats.acknowledged);
    fprintf (out, "rejected   %ld records refused by the centre (see %s)\n", rejected, config->rejected);
    if (seen.ack_count > 0) {
        char p50 [24], p99 [24];
        s_ack_quantile (seen.ack_buckets, seen.ack_count, 0.50, p50, sizeof p50);
        s_ack_quantile (seen.ack_buckets, seen.ack_count, 0.99, p99, sizeof p99);
        fprintf (out, "ack time   p50 %s, p99 %s, max %.1f ms, over %llu batches %s\n", p50, p99,
                 seen.ack_max_ms, seen.ack_count, running ? "this run" : "in its last run");
    }
    if (seen.last_delivery > 0) {
        char stamp [32];
        time_t when = (time_t)seen.last_delivery;
        strftime (stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S UTC", gmtime (&when));
        fprintf (out, "last delivery %s\n", stamp);
    }
    return 0;
}
