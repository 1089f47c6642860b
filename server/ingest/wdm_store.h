/*  wdm_store: put what the server received into PostgreSQL, one
    transaction per group of batches.

    For each batch of the group it records the batch, stores every record
    that passed the server's checks — COPY into a temporary staging table,
    then one INSERT of those whose idempotency key (unit, epoch, seq) is
    not stored yet, so a record sent twice is stored once — and keeps
    every refused record with its raw bytes and reason.  Only after COMMIT are the
    counts filled in for the replies.  If PostgreSQL is away the store
    reconnects with backoff; until then commits fail fast.  */

#ifndef WDM_STORE_H_INCLUDED
#define WDM_STORE_H_INCLUDED

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "wdm_batch.h"
#include "wdm_buf.h"

typedef struct wdm_store wdm_store_t;

//  A store for the database at conninfo.  It connects on first use.
wdm_store_t *wdm_store_new (const char *conninfo);

void wdm_store_destroy (wdm_store_t **self_p);

//  True if connected, trying to (re)connect when the backoff allows.
//  The backoff doubles from 100 ms to 10 s while connecting fails.
int wdm_store_ready (wdm_store_t *self);

//  The connection, for loading the catalog and grants; NULL if not ready.
PGconn *wdm_store_conn (wdm_store_t *self);

//  Append to text the COPY text of the records of batch that passed the
//  server's checks (none if the batch was refused), the batch named by
//  ordinal: its place in the group, from 1.  Needs no connection: the
//  server writes a group's text while the one before it is being stored.
//  0, or -1 if out of memory.
int wdm_store_text (wdm_buf_t *text, int ordinal, const wdm_batch_t *batch);

//  Store a group of batches in one transaction.  text, if not NULL, holds
//  their records as wdm_store_text wrote them, batches [i] with ordinal
//  i + 1; it is emptied.  With NULL it is written here.  0 when committed,
//  with each batch's counts filled.  A batch whose own rows the database
//  refuses (a data or constraint error) is refused alone: its status set
//  to 400 with the database's reason, kept whole as a refused batch, and
//  the others stored.  -1 when nothing was stored because the database
//  itself failed (the cause is logged; the replies must say "retry later").
int wdm_store_commit (wdm_store_t *self, wdm_batch_t *batches, int count, wdm_buf_t *text);

#endif
