/*  wdm_metrics: the server's counters, served in the Prometheus text
    format on an optional HTTP port (libmicrohttpd), and written to the
    server_status table for `wdmon status`.

    The counters are the one thing the server's threads share — the ingest
    loop adds to them, the warning worker sets the warning gauges, the
    HTTP thread reads them — so they sit behind a mutex.

    What a scrape reads is true when it is read: wdmon_database_up comes
    from a query the HTTP thread sends, on its own connection, at each
    scrape (bounded to a few seconds), not from the last commit, so it
    falls to 0 on an idle server too; wdmon_connected_collectors follows
    the ROUTER's socket monitor, connection by connection.  */

#ifndef WDM_METRICS_H_INCLUDED
#define WDM_METRICS_H_INCLUDED

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wdm_metrics wdm_metrics_t;

//  Counters, and an HTTP listener on address:port serving /metrics when
//  port > 0.  conninfo (libpq; NULL or "": none) is the database each
//  scrape checks.  NULL (logged) if the port cannot be bound.
wdm_metrics_t *wdm_metrics_new (const char *address, int port, const char *conninfo);

void wdm_metrics_destroy (wdm_metrics_t **self_p);

//  One batch answered: the sending unit, its record counts, how long the
//  group's commit took (0 if it was answered without one).
void wdm_metrics_batch (wdm_metrics_t *self, const char *unit, uint32_t received, uint32_t accepted,
                        uint32_t duplicates, double commit_seconds);

//  A batch of unit's was committed (its records stored, or refused and
//  kept): the unit's last delivery is now.
void wdm_metrics_delivered (wdm_metrics_t *self, const char *unit);

//  Records refused, by reason code (a whole batch counts its records).
void wdm_metrics_rejected (wdm_metrics_t *self, int code, uint32_t records);

//  Gauges: records in the group just stored; whether the last commit
//  reached the database (a scrape replaces it with its own check).
void wdm_metrics_queue (wdm_metrics_t *self, int records);
void wdm_metrics_database (wdm_metrics_t *self, bool ok);

//  One event from the ROUTER's socket monitor (ZMQ_EVENT_ACCEPTED,
//  _HANDSHAKE_SUCCEEDED, _HANDSHAKE_FAILED_*, _DISCONNECTED; others are
//  ignored) and its value.  wdmon_connected_collectors counts the
//  connections whose CURVE handshake succeeded and that are still open.
void wdm_metrics_connection_event (wdm_metrics_t *self, unsigned event, unsigned value);

//  Open warnings by level, as the warning worker last counted them.
void wdm_metrics_warnings (wdm_metrics_t *self, int red, int yellow);

//  The Prometheus text into buffer (cut at size).  Its length.
size_t wdm_metrics_render (wdm_metrics_t *self, char *buffer, size_t size);

//  Write this server's row of server_status.  0, or -1 (logged).
int wdm_metrics_publish (wdm_metrics_t *self, PGconn *conn, const char *server_id, const char *endpoint);

#endif
