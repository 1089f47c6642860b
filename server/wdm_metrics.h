/*  wdm_metrics: the server's counters, served in the Prometheus text
    format on an optional HTTP port (libmicrohttpd), and written to the
    server_status table for `wdmon status`.

    The counters are the one thing the server's threads share — the ingest
    loop adds to them, the warning worker sets the warning gauges, the
    HTTP thread reads them — so they sit behind a mutex.  */

#ifndef WDM_METRICS_H_INCLUDED
#define WDM_METRICS_H_INCLUDED

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wdm_metrics wdm_metrics_t;

//  Counters, and an HTTP listener on address:port serving /metrics when
//  port > 0.  NULL (logged) if the port cannot be bound.
wdm_metrics_t *wdm_metrics_new (const char *address, int port);

void wdm_metrics_destroy (wdm_metrics_t **self_p);

//  One batch answered: the sending unit, its record counts, how long the
//  group's commit took (0 if it was answered without one).
void wdm_metrics_batch (wdm_metrics_t *self, const char *unit, uint32_t received,
                        uint32_t accepted, uint32_t duplicates, double commit_seconds);

//  Records refused, by reason code (a whole batch counts its records).
void wdm_metrics_rejected (wdm_metrics_t *self, int code, uint32_t records);

//  Gauges: records in the group just stored; connections open; database up.
void wdm_metrics_queue (wdm_metrics_t *self, int records);
void wdm_metrics_connections (wdm_metrics_t *self, int delta);
void wdm_metrics_database (wdm_metrics_t *self, bool ok);

//  Open warnings by level, as the warning worker last counted them.
void wdm_metrics_warnings (wdm_metrics_t *self, int red, int yellow);

//  The Prometheus text into buffer (cut at size).  Its length.
size_t wdm_metrics_render (wdm_metrics_t *self, char *buffer, size_t size);

//  Write this server's row of server_status.  0, or -1 (logged).
int wdm_metrics_publish (wdm_metrics_t *self, PGconn *conn, const char *server_id,
                         const char *endpoint);

#endif
