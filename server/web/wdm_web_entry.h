/*  wdm_web_entry: what the entry form (wdm_web_entry.c) and the upload
    (wdm_web_upload.c) share — the collector's checks and store path for
    records a console user entered.  Apart from wdm_web_int.h because it
    needs the record model (wdm_record.h), which the pages that include
    the report's judgement (wdm_judge.h) must not see.  */

#ifndef WDM_WEB_ENTRY_H_INCLUDED
#define WDM_WEB_ENTRY_H_INCLUDED

#include "wdm_auth.h"
#include "wdm_record.h"
#include "wdm_web_int.h"

#include <stdint.h>

//  Whether the request's user may enter figures: a unit user only (an
//  administrator does not enter on a unit's behalf).  On false the 403
//  page is made and the refusal audited.
bool wdm_web_entry_allowed (wdm_web_req_t *req);

//  Load the catalog and the grants, as wdmon-server holds them, for
//  wdm_web_entry_check.  0 (the caller destroys both), or -1 with the
//  error page made and nothing to destroy.
int wdm_web_entry_rules (wdm_web_req_t *req, wdm_catalog_t **catalog, wdm_auth_t **auth);

//  What storing entered records came to.
typedef struct {
    int accepted;                             //  new revisions stored
    int unchanged;                            //  the same as stored already (or sent before): no new revision
    int opened, reopened, updated, resolved;  //  what evaluating them did to warnings
} wdm_web_entry_stored_t;

//  Store count records of the user's unit as a collector's batch is
//  stored — one batch through server/ingest's wdm_store (idempotency key
//  (unit, epoch, seq 1..count), revisions, observation history),
//  ingest_batch.entered_by the user — then evaluate the warnings of the
//  indicators touched (wdm_warn_evaluate), as wdmon-server's warn worker
//  does after a commit.  The records must have passed wdm_web_entry_check.
//  0 with *stored filled, or -1 with why (Chinese / English) and nothing
//  stored.
int wdm_web_entry_store (wdm_web_req_t *req, const wdm_record_t *records, int count, uint64_t epoch,
                         wdm_web_entry_stored_t *stored, char *why, size_t why_size);

//  Check one record as wdmon-server checks a collector's (wdm_record_validate
//  against catalog, then wdm_auth_check for the user's unit).  0, or -1
//  with why (Chinese / English, naming the field).
int wdm_web_entry_check (wdm_web_req_t *req, const wdm_catalog_t *catalog, const wdm_auth_t *auth,
                         const wdm_record_t *record, char *why, size_t why_size);

#endif
