/*  wdm_forward: a district's stored figures, taken for the city (逐级上报).

    wdmon-forward runs the collector's delivery (client/: the durable
    outbox, the CURVE link, acknowledgement after the city's COMMIT) with
    this module as its intake instead of an inbox.  Each round takes the
    series keys waiting in the district's forward_queue (sql/065, switched on
    by `wdmon forward enable`, sql/067: filled in
    the storing transaction of every observation), reads the district's
    own figure of each — for a year's total, indicator_value at the
    district's top area (what it reported, or its towns rolled up by the
    one judgement's aggregation); for a breakdown by sex or body, what the
    district reported — and appends it to the outbox as a record of the
    city's area for the district.  A changed figure is sent again and is a
    new revision at the city; an unchanged one the city counts as a
    duplicate.  The queue rows are marked with the seqs they get before
    the append and deleted once the outbox has synced them, so that a
    crash neither skips nor repeats a record.  One forwarder per outbox
    (the outbox's lock) and per district database.  */

#ifndef WDM_FORWARD_H_INCLUDED
#define WDM_FORWARD_H_INCLUDED

#include "wdm_outbox.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct wdm_forward wdm_forward_t;

//  A forwarder reading the district database of conninfo (libpq; "" uses
//  PG* variables).  area: the district's top area there ("" finds the one
//  area without a parent); city_area: the district's area code at the
//  city ("" the same as area); limit: records per round; approval: only
//  the years in forward_approval go up (审核后上报, `wdmon forward approve`),
//  the others wait in the queue.  Nothing is connected yet.  The
//  forwarder, or NULL if memory is short.
wdm_forward_t *wdm_forward_new (const char *conninfo, const char *area, const char *city_area, long limit,
                                bool approval);

//  Whether the district database queues its figures for the city (`wdmon
//  forward enable`, sql/067).  1 on, 0 off, -1 if the database cannot be
//  asked now (logged).
int wdm_forward_enabled (wdm_forward_t *self);

//  Close the connection, free, set *self_p to NULL.  NULL is accepted.
void wdm_forward_destroy (wdm_forward_t **self_p);

//  One round, as a wdm_collector_intake_fn (arg is the forwarder): settle
//  what the outbox synced since the last round, then take up to limit
//  waiting figures into the outbox and sync it.  1 if it took any, 0 if
//  none waited, -1 on a failure it has logged (the database or the outbox;
//  nothing is lost: the rows wait for the next round).
int wdm_forward_intake (wdm_outbox_t *outbox, void *arg);

//  Records appended to the outbox by this forwarder so far.
unsigned long wdm_forward_taken (const wdm_forward_t *self);

#endif
