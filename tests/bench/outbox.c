/*  tests/bench/outbox.c: the outbox alone, as the collector uses it — not
    a test, it prints figures.  Intake: files of F records (72-byte
    payloads, the size of a stored record) appended and synced one file at
    a time; delivery: every record read in order and acknowledged in
    batches of B (the collector's replies); then a reopen.  Built by hand
    against a build tree (docs/PERFORMANCE.md, "The outbox on SQLite"):

    cc -O2 -Iclient -Icommon tests/bench/outbox.c build/client/libwdm_client.a \
       build/common/libwdm_common.a -lsqlite3 -ljansson -lcsv -lz -o /tmp/outbox-bench
    /tmp/outbox-bench DIR [N [F [B]]]   (DIR must not exist; on the same disk as an outbox)  */

#include "wdm_outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main (int argc, char **argv)
{
    if (argc < 2) {
        fprintf (stderr, "usage: %s DIR [N [F [B]]]\n", argv [0]);
        return 2;
    }
    const char *dir = argv [1];
    long n = argc > 2 ? atol (argv [2]) : 200000;
    long per_file = argc > 3 ? atol (argv [3]) : 1000;
    long per_batch = argc > 4 ? atol (argv [4]) : 1000;
    char err [512];
    wdm_outbox_t *box = wdm_outbox_new (dir, NULL, err, sizeof err);
    if (!box) {
        fprintf (stderr, "%s\n", err);
        return 1;
    }
    unsigned char payload [72];
    double start = s_now ();
    for (long i = 1; i <= n; i++) {
        uint64_t seq;
        memset (payload, (int)(i & 0xff), sizeof payload);
        memcpy (payload, &i, sizeof i);
        if (wdm_outbox_append (box, payload, sizeof payload, &seq)
            || ((i % per_file == 0 || i == n) && wdm_outbox_sync (box))) {
            fprintf (stderr, "intake: %s\n", wdm_outbox_error (box));
            return 1;
        }
    }
    double intake = s_now () - start;
    start = s_now ();
    uint64_t seq, first = 0;
    const void *bytes;
    size_t size;
    long read = 0;
    int rc;
    while ((rc = wdm_outbox_next (box, &seq, &bytes, &size)) == 1) {
        if (!first)
            first = seq;
        if (++read % per_batch == 0) {
            if (wdm_outbox_ack (box, first, seq)) {
                fprintf (stderr, "ack: %s\n", wdm_outbox_error (box));
                return 1;
            }
            first = 0;
        }
    }
    if (rc < 0 || (first && wdm_outbox_ack (box, first, seq))) {
        fprintf (stderr, "delivery: %s\n", wdm_outbox_error (box));
        return 1;
    }
    double delivery = s_now () - start;
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    wdm_outbox_destroy (&box);
    start = s_now ();
    box = wdm_outbox_new (dir, NULL, err, sizeof err);
    double reopen = s_now () - start;
    wdm_outbox_destroy (&box);
    struct rusage usage;
    getrusage (RUSAGE_SELF, &usage);
    printf ("records %ld  intake %.0f records/s  delivery %.0f records/s  reopen %.3f s"
            "  queued %llu  acknowledged %llu  peak RSS %.1f MiB\n",
            n, (double)n / intake, (double)read / delivery, reopen, (unsigned long long)stats.queued,
            (unsigned long long)stats.acknowledged, (double)usage.ru_maxrss / 1024.0);
    return read == n && stats.queued == 0 ? 0 : 1;
}
