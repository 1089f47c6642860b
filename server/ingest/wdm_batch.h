/*  wdm_batch: one batch as the server received it — who sent it, its body,
    what decoding found — and what storing it decided (the counts the reply
    carries).  The server fills the first part (wdm_server), the store the
    counts (wdm_store).  */

#ifndef WDM_BATCH_H_INCLUDED
#define WDM_BATCH_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wdm_catalog.h"
#include "wdm_proto.h"

typedef struct {
    char unit [WDM_CODE_MAX];  //  from the sender's key (ZAP User-Id)
    char key [41];             //  the sender's public key (ZAP metadata), "" if not known
    bool key_refused;          //  the key is no longer active: nothing of it is stored
    uint64_t batch_no;
    int status;  //  WDM_PROTO_OK, or why the whole batch is refused
    char message [WDM_PROTO_MESSAGE_MAX];
    const uint8_t *body;  //  the body frame, kept for a refused batch
    size_t body_size;
    wdm_proto_batch_t decoded;  //  items; a nonzero item code means refused
    //  Filled by a successful commit:
    uint32_t accepted;    //  stored now
    uint32_t duplicates;  //  stored before, by an earlier send
    uint32_t rejected;    //  refused records (a refused batch: the records decoded, if any)
} wdm_batch_t;

#endif
