/*  wdm_proto: the wire protocol between wdmon-collector and wdmon-server,
    as docs/PROTOCOL.md specifies it.

    A message is two ZeroMQ frames: a fixed 24-byte header, then a
    MessagePack body.  The collector sends BATCH messages over DEALER; the
    server (ROUTER) answers each with a REPLY after its database COMMIT.
    Decoding is strict and bounded: every container count is checked
    against the bytes that remain before msgpack-c sees them, nesting is
    limited, truncated input and trailing bytes are malformed, every string
    must be UTF-8.  Nothing here prints or keeps state.  */

#ifndef WDM_PROTO_H_INCLUDED
#define WDM_PROTO_H_INCLUDED

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "wdm_record.h"

#define WDM_PROTO_VERSION     1
#define WDM_PROTO_HEADER_SIZE 24
#define WDM_PROTO_MAX_BODY    (1024 * 1024)  //  bytes in a body frame
#define WDM_PROTO_MAX_RECORDS 4096           //  records in one batch
//  A number limit as text, for messages written as string literals.
#define WDM_PROTO_TEXT(limit)  WDM_PROTO_TEXT_ (limit)
#define WDM_PROTO_TEXT_(limit) #limit
#define WDM_PROTO_MAX_DEPTH    3    //  body map > records array > record map
#define WDM_PROTO_FIELD_MAX    32   //  room for a field name
#define WDM_PROTO_MESSAGE_MAX  256  //  room for a message

typedef enum {
    WDM_PROTO_BATCH = 1,  //  collector to server
    WDM_PROTO_REPLY = 2   //  server to collector
} wdm_proto_type_t;

//  Status of a batch and reason codes of a rejected record (sql/002).
typedef enum {
    WDM_PROTO_OK = 200,
    WDM_PROTO_MALFORMED = 400,
    WDM_PROTO_NOT_AUTHORISED = 403,
    WDM_PROTO_UNKNOWN_INDICATOR = 404,
    WDM_PROTO_UNKNOWN_AREA = 406,
    WDM_PROTO_TOO_LARGE = 413,
    WDM_PROTO_INVALID_VALUE = 422,
    WDM_PROTO_RETRY_LATER = 503,
    WDM_PROTO_UNSUPPORTED_VERSION = 505
} wdm_proto_code_t;

typedef struct {
    uint8_t version;
    uint8_t type;       //  wdm_proto_type_t
    uint64_t batch_no;  //  the collector's number, echoed in the reply
    uint32_t count;     //  records in a batch; rejections in a reply
    uint32_t checksum;  //  CRC-32 of the body frame
} wdm_proto_header_t;

//  Write the header's 24 bytes, big-endian, magic "WDMN" first.
void wdm_proto_header_encode (const wdm_proto_header_t *self, uint8_t *out);

//  Read a header frame.  WDM_PROTO_OK, WDM_PROTO_MALFORMED (wrong size,
//  magic, type or reserved bytes) or WDM_PROTO_UNSUPPORTED_VERSION; the
//  batch number is filled whenever the frame has the magic and 24 bytes,
//  so that even a refusal can name the batch.
int wdm_proto_header_decode (const void *data, size_t size, wdm_proto_header_t *self);

//  Check that data[0..size) starts with one well-formed MessagePack object
//  nested at most max_depth containers deep, with no bin, ext or reserved
//  (0xC1) types, and whose container counts fit in the bytes left.  0 and
//  *end set to the offset just past it, or -1 with *why set.
int wdm_proto_skip (const uint8_t *data, size_t size, int max_depth, size_t *end, const char **why);

//  --- Records -------------------------------------------------------------

//  A record's queued form, as the collector's outbox keeps it: one byte
//  with the number of fields, then the fields as MessagePack key/value
//  pairs, without "seq" (the outbox assigns it).  Appends to out.  0, or
//  -1 if memory is short.
int wdm_proto_record_encode (const wdm_record_t *record, msgpack_sbuffer *out);

//  Decode a queued form (for display).  0, or -1 with field and message set.
int wdm_proto_record_decode (const void *queued, size_t size, wdm_record_t *record, char *field,
                             char *message);

//  Start a batch body for count records of an epoch: the map header,
//  "epoch", and the "records" array header.
int wdm_proto_batch_begin (msgpack_packer *pk, uint64_t epoch, uint32_t count);

//  Add one record, given its queued form, to a batch begun above: a map of
//  its fields plus "seq".  0, or -1 if the queued form is empty.
int wdm_proto_batch_add (msgpack_packer *pk, uint64_t seq, const void *queued, size_t size);

//  One record of a decoded batch.
typedef struct {
    uint64_t seq;  //  0 if the record had none
    int code;      //  0 decoded, else WDM_PROTO_MALFORMED or _TOO_LARGE
    char field [WDM_PROTO_FIELD_MAX];
    char message [WDM_PROTO_MESSAGE_MAX];
    wdm_record_t record;  //  valid when code is 0
    const uint8_t *raw;   //  the record's bytes inside the body
    size_t raw_size;
} wdm_proto_item_t;

typedef struct {
    uint64_t epoch;
    uint32_t count;
    wdm_proto_item_t *items;  //  count entries, owned
} wdm_proto_batch_t;

//  Decode a BATCH body that should hold expected records.  WDM_PROTO_OK
//  (problems of single records are in their items), or WDM_PROTO_MALFORMED
//  / WDM_PROTO_TOO_LARGE for the whole batch with why set and nothing
//  allocated.  Epoch and seqs are positive and below 2^63 (PostgreSQL
//  stores them as bigint).  A record without such a "seq", or two records
//  with the same seq, make the whole batch malformed: seqs are how the
//  collector learns what happened to each record.  Items point into body: keep it
//  until wdm_proto_batch_clear.
int wdm_proto_batch_decode (const uint8_t *body, size_t size, uint32_t expected, wdm_proto_batch_t *batch,
                            char *why, size_t why_size);

//  Free what wdm_proto_batch_decode allocated; safe on a zeroed batch.
void wdm_proto_batch_clear (wdm_proto_batch_t *batch);

//  --- Replies -------------------------------------------------------------

typedef struct {
    uint64_t seq;
    uint16_t code;
    char field [WDM_PROTO_FIELD_MAX];
    char message [WDM_PROTO_MESSAGE_MAX];
} wdm_proto_rejection_t;

typedef struct {
    uint16_t status;  //  WDM_PROTO_OK or the batch's reason code
    char message [WDM_PROTO_MESSAGE_MAX];
    uint32_t accepted;
    uint32_t duplicates;
    uint32_t rejected_count;
    wdm_proto_rejection_t *rejected;  //  encode: borrowed; decode: owned
} wdm_proto_reply_t;

//  Encode a REPLY body into out (appends).  0, or -1 if memory is short.
int wdm_proto_reply_encode (const wdm_proto_reply_t *reply, msgpack_sbuffer *out);

//  Decode a REPLY body.  0, or -1 with why set (malformed); on 0 the
//  caller frees reply->rejected with wdm_proto_reply_clear.
int wdm_proto_reply_decode (const uint8_t *body, size_t size, wdm_proto_reply_t *reply, char *why,
                            size_t why_size);

void wdm_proto_reply_clear (wdm_proto_reply_t *reply);

//  The reason code a record validation error is reported with:
//  unknown indicator 404, the others 422.
int wdm_proto_code_of (wdm_record_error_t error);

//  Stable name of a code: "ok", "malformed", "not_authorised", ...
const char *wdm_proto_code_name (int code);

#endif
