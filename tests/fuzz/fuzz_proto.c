/*  fuzz_proto: libFuzzer target for everything the server decodes from the
    network — the header frame, a batch body, a reply body, a record's
    queued form (the outbox's).  Any crash, leak, overflow or undefined behaviour is a
    finding.  The first byte picks the record count the header claims.  */

#include "wdm_proto.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    wdm_proto_header_t header;
    wdm_proto_header_decode (data, size < WDM_PROTO_HEADER_SIZE ? size : WDM_PROTO_HEADER_SIZE, &header);
    if (size == 0)
        return 0;
    uint32_t expected = data [0] % 8;
    const uint8_t *body = data + 1;
    size_t body_size = size - 1;

    wdm_proto_batch_t batch;
    char why [128];
    if (wdm_proto_batch_decode (body, body_size, expected, &batch, why, sizeof why) == WDM_PROTO_OK) {
        for (uint32_t i = 0; i < batch.count; i++)
            if (batch.items [i].raw + batch.items [i].raw_size > body + body_size)
                __builtin_trap ();  //  a record's span must stay inside the body
        wdm_proto_batch_clear (&batch);
    }
    wdm_proto_reply_t reply;
    if (wdm_proto_reply_decode (body, body_size, &reply, why, sizeof why) == 0)
        wdm_proto_reply_clear (&reply);
    wdm_record_t record;
    char field [WDM_PROTO_FIELD_MAX], message [WDM_PROTO_MESSAGE_MAX];
    wdm_proto_record_decode (body, body_size, &record, field, message);
    size_t end;
    const char *reason;
    wdm_proto_skip (body, body_size, WDM_PROTO_MAX_DEPTH, &end, &reason);
    return 0;
}
