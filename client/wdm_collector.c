/*  wdm_collector: the collector daemon's run — start, the loop, the end.
    See wdm_collector.h.  One thread; the ZeroMQ socket is polled between
    pieces of intake so replies are never left waiting for long.  The
    parts it runs are in wdm_collector_intake.c, wdm_collector_delivery.c,
    wdm_collector_link.c and wdm_collector_status.c (wdm_collector_int.h
    lists them all).  */

#include "wdm_collector_int.h"
#include "wdm_clock.h"
#include "wdm_keys.h"
#include "wdm_log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

static int
s_load_keys (cl_collector_t *self)
{
    char err [1200];
    if (wdm_keys_load (self->config->server_public_key_file, false, self->server_key, err, sizeof err)
        || wdm_keys_load (self->config->public_key_file, false, self->public_key, err, sizeof err)
        || wdm_keys_load (self->config->secret_key_file, true, self->secret_key, err, sizeof err)) {
        wdm_log_error ("collector: %s", err);
        return -1;
    }
    return 0;
}

static int
s_make_dirs (const wdm_collector_config_t *config)
{
    char path [1100];
    const char *subs [] = { "", "/done", "/failed" };
    for (int i = 0; i < 3; i++) {
        snprintf (path, sizeof path, "%s%s", config->inbox, subs [i]);
        if (mkdir (path, 0750) && errno != EEXIST) {
            wdm_log_error ("collector: cannot create %s: %s", path, strerror (errno));
            return -1;
        }
    }
    return 0;
}

//  The loop: intake, sending, replies, timeouts and the status file, in
//  turn, until *stop (or, with once, until there is nothing left to do).
static void
s_loop (cl_collector_t *self, int once, volatile sig_atomic_t *stop)
{
    wdm_outbox_stats_t stats;
    while (!*stop) {
        int64_t now = wdm_clock_ms ();
        if (now >= self->intake_paused_until_ms && (now >= self->next_scan_ms || !self->inbox_empty)) {
            if (self->intake) {
                int took = self->intake (self->outbox, self->intake_arg);
                self->inbox_empty = took <= 0;
                if (took < 0)
                    self->intake_paused_until_ms = now + 5000;
            } else
                cl_intake (self);
            if (self->inbox_empty)
                self->next_scan_ms = now + self->config->scan_ms;
        }
        cl_send_batches (self);
        zmq_pollitem_t items [] = { { self->dealer, 0, ZMQ_POLLIN, 0 }, { self->monitor, 0, ZMQ_POLLIN, 0 } };
        long wait = self->inbox_empty ? 100 : 0;
        if (zmq_poll (items, self->monitor ? 2 : 1, wait) > 0 && self->monitor
            && (items [1].revents & ZMQ_POLLIN))
            cl_monitor_event (self);
        if (items [0].revents & ZMQ_POLLIN) {
            //  Take every reply waiting before doing anything else.
            do
                cl_handle_reply (self);
            while (zmq_poll (items, 1, 0) > 0 && (items [0].revents & ZMQ_POLLIN));
        }
        cl_check_timeouts (self);
        if (now >= self->next_status_ms) {
            cl_status_write (self);
            self->next_status_ms = now + 1000;
        }
        if (once && self->inbox_empty && self->settling == 0 && self->flying == 0 && !self->rewind_pending) {
            wdm_outbox_stats (self->outbox, &stats);
            if (stats.queued == 0)
                break;
        }
    }
}

int
wdm_collector_run (const wdm_collector_config_t *config, int once, volatile sig_atomic_t *stop)
{
    return wdm_collector_run_intake (config, NULL, NULL, once, stop);
}

int
wdm_collector_run_intake (const wdm_collector_config_t *config, wdm_collector_intake_fn intake, void *arg,
                          int once, volatile sig_atomic_t *stop)
{
    cl_collector_t self;
    memset (&self, 0, sizeof self);
    self.config = config;
    self.intake = intake;
    self.intake_arg = arg;
    self.backoff_ms = CL_BACKOFF_MIN_MS;
    self.next_batch_no = 1;
    msgpack_sbuffer_init (&self.stored);
    int rc = -1;

    //  Everything is checked before the outbox is touched: a bad config
    //  or key must leave it as it is.
    if (s_load_keys (&self) || (!intake && s_make_dirs (config)))
        goto cleanup;
    if (*config->catalog && !(self.catalog = wdm_collector_load_catalog (config->catalog)))
        goto cleanup;
    if (!*config->catalog)
        wdm_log_warn ("collector: no catalog configured: records are checked by the centre only");
    wdm_outbox_recovery_t recovery;
    char err [512];
    self.outbox = wdm_outbox_new (config->outbox, &recovery, err, sizeof err);
    if (!self.outbox) {
        wdm_log_error ("collector: %s", err);
        goto cleanup;
    }
    if (recovery.torn_bytes_cut || recovery.damaged_records || recovery.damaged_segments)
        wdm_log_warn ("collector: outbox recovered: %s", recovery.message);
    if (!intake)
        cl_journal_recover (&self);
    self.endpoint_count = wdm_collector_endpoints (config->endpoint, self.endpoints, err, sizeof err);
    if (self.endpoint_count < 1) {
        wdm_log_error ("collector: server.endpoint: %s", err);
        goto cleanup;
    }
    self.flights = calloc ((size_t)config->max_in_flight, sizeof *self.flights);
    self.ctx = zmq_ctx_new ();
    if (!self.flights || !self.ctx || cl_connect (&self))
        goto cleanup;
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (self.outbox, &stats);
    wdm_log_info ("collector: delivering to %s; outbox epoch %llu holds %llu records", self.endpoints [0],
                  (unsigned long long)stats.epoch, (unsigned long long)stats.queued);

    s_loop (&self, once, stop);
    cl_status_write (&self);
    wdm_outbox_stats (self.outbox, &stats);
    wdm_log_info ("collector: stopping; %llu records delivered this run, %llu still queued",
                  (unsigned long long)self.delivered, (unsigned long long)stats.queued);
    rc = 0;
cleanup:
    for (int i = 0; self.flights && i < config->max_in_flight; i++)
        cl_flight_clear (&self.flights [i]);
    free (self.flights);
    if (self.dealer) {
        zmq_socket_monitor (self.dealer, NULL, 0);
        zmq_close (self.dealer);
    }
    if (self.monitor)
        zmq_close (self.monitor);
    if (self.ctx)
        zmq_ctx_term (self.ctx);
    wdm_outbox_destroy (&self.outbox);
    wdm_catalog_destroy (&self.catalog);
    msgpack_sbuffer_destroy (&self.stored);
    free (self.scratch);
    for (int i = 0; i < self.watch_count; i++)
        free (self.watches [i].name);
    free (self.watches);
    memset (self.secret_key, 0, sizeof self.secret_key);
    return rc;
}
