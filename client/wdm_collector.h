/*  wdm_collector: the member unit's collector daemon.

    Intake: files dropped into the inbox (CSV in UTF-8 or GB18030, JSON
    Lines) are taken once complete — unchanged for settle_ms, and not named
    as still being written (.*, ~*, *.part, *.tmp, *.crdownload) — then
    parsed and checked against the unit's copy of the catalog;
    each good record is appended to the durable outbox, and only when the
    outbox is synced does the file move to done/.  Bad lines go to failed/
    with a line-numbered explanation; a file that cannot be read at all
    (an Excel workbook among them) goes to failed/ whole, with the reason
    beside it.  Each record carries its file and line through the outbox,
    so that a refusal from the centre names them in the rejected file.  If the outbox cannot be written (a full disk),
    intake stops with a clear log line and the file stays in the inbox.

    Delivery: batches of records from the outbox go to the centre over a
    CURVE DEALER socket, several in flight.  A reply acknowledges a batch
    after the centre's COMMIT: its records leave the outbox; those the
    centre refused are written, with the reason, to the rejected file
    first.  "Retry later", or no reply within the timeout, means backing
    off and resending everything unacknowledged (after a reconnect, for a
    timeout).  */

#ifndef WDM_COLLECTOR_H_INCLUDED
#define WDM_COLLECTOR_H_INCLUDED

#include <signal.h>
#include <stdio.h>

#include "wdm_catalog.h"
#include "wdm_outbox.h"

//  An intake other than the inbox, for a program that feeds the outbox
//  itself (wdmon-forward: a district's stored records for the city).  Called
//  in the loop's turn; it appends and syncs its records itself.  1 if it
//  took records (it is called again at once), 0 if nothing waits now
//  (again after scan_ms), -1 on a failure it has logged (again after 5 s).
typedef int (*wdm_collector_intake_fn) (wdm_outbox_t *outbox, void *arg);

#define WDM_COLLECTOR_ENDPOINTS    8    //  endpoints in one list, at most
#define WDM_COLLECTOR_ENDPOINT_MAX 256  //  one endpoint's length, with its NUL

typedef struct {
    //  The centre: one endpoint, e.g. tcp://wdmon.example:7300, or several
    //  servers sharing one database, separated by commas, used in turn.
    char endpoint [WDM_COLLECTOR_ENDPOINTS * WDM_COLLECTOR_ENDPOINT_MAX];
    char server_public_key_file [1024];
    char secret_key_file [1024];  //  the unit's (mode 0600)
    char public_key_file [1024];
    char outbox [1024];       //  directory
    char inbox [1024];        //  directory, with done/ and failed/ inside
    char catalog [1024];      //  catalog.json; "" checks without a catalog
    char rejected [1024];     //  JSON Lines file of records the centre refused
    char status_file [1024];  //  what `status` reads about the running daemon
    long batch_size;          //  records per batch
    long max_in_flight;       //  batches awaiting a reply, at most
    long timeout_ms;          //  no reply this long: reconnect and resend
    long scan_ms;             //  how often the inbox is looked at
    long settle_ms;           //  a file is taken once unchanged this long
    char log_level [16];
} wdm_collector_config_t;

//  Run the collector until *stop becomes nonzero; with once, return as
//  soon as the inbox is empty and every record is acknowledged.  0 on a
//  clean stop, -1 if it could not start (the cause is logged: keys,
//  outbox, catalog).
int wdm_collector_run (const wdm_collector_config_t *config, int once, volatile sig_atomic_t *stop);

//  The same with intake (called with arg) taking records into the outbox
//  instead of the inbox, which is then neither created nor looked at; with
//  once, return when intake has nothing and every record is acknowledged.
int wdm_collector_run_intake (const wdm_collector_config_t *config, wdm_collector_intake_fn intake, void *arg,
                              int once, volatile sig_atomic_t *stop);

//  Print what the collector has: queued, in flight, delivered, rejected.
//  Works while the daemon runs.  0, or -1 if the outbox cannot be read.
int wdm_collector_status (const wdm_collector_config_t *config, FILE *out);

//  Split an endpoint list ("tcp://a:7300, tcp://b:7301") into out, in
//  order, blanks around each trimmed.  The count, 1 to
//  WDM_COLLECTOR_ENDPOINTS, or -1 with the cause in err: an empty entry,
//  one too long or without "://", too many.
int wdm_collector_endpoints (const char *list, char (*out) [WDM_COLLECTOR_ENDPOINT_MAX], char *err,
                             size_t err_size);

//  Read catalog.json as `wdmon catalog export` writes it.  The catalog,
//  owned by the caller, or NULL with the cause logged.
wdm_catalog_t *wdm_collector_load_catalog (const char *path);

#endif
