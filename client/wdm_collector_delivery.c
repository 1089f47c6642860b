/*  wdm_collector_delivery: batches from the outbox to the centre, several
    in flight, and the centre's replies.  Called from wdm_collector_run's
    loop: cl_send_batches, cl_handle_reply, cl_check_timeouts.  Owns the
    flights: a reply acknowledges its batch (its records leave the outbox,
    the refused ones written to the rejected file first); "retry later",
    or no reply in time, backs off and resends everything unacknowledged.  */

#include "wdm_collector_int.h"
#include "wdm_clock.h"
#include "wdm_log.h"
#include "wdm_proto.h"
#include "wdm_proto_zmq.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define S_BODY_LIMIT     (900 * 1024)  //  stop filling a batch here (frame max 1 MiB)
#define S_BACKOFF_MAX_MS 30000

void
cl_flight_clear (cl_flight_t *flight)
{
    free (flight->seqs);
    flight->seqs = NULL;
    free (flight->lines);
    free (flight->name_at);
    msgpack_sbuffer_destroy (&flight->names);
    msgpack_sbuffer_destroy (&flight->body);
    memset (flight, 0, sizeof *flight);
}

//  Wait before the next attempt, twice as long as before the last one.
//  Once per attempt: the other batches of an attempt that was refused or
//  timed out (up to max_in_flight answers of 503 in a row) neither double
//  the wait again nor push it further out.
static void
s_back_off (cl_collector_t *self)
{
    if (self->rewind_pending)
        return;  //  this attempt has backed off already
    self->retry_at_ms = wdm_clock_ms () + self->backoff_ms;
    self->backoff_ms = self->backoff_ms * 2 > S_BACKOFF_MAX_MS ? S_BACKOFF_MAX_MS : self->backoff_ms * 2;
    self->rewind_pending = 1;
}

//  Gather up to batch_size records into scratch: [seq u64][size u32][bytes].
static uint32_t
s_gather (cl_collector_t *self)
{
    self->scratch_size = 0;
    uint32_t count = 0;
    while (count < (uint32_t)self->config->batch_size && self->scratch_size < S_BODY_LIMIT) {
        uint64_t seq;
        const void *payload;
        size_t size;
        int rc = wdm_outbox_next (self->outbox, &seq, &payload, &size);
        if (rc < 0)
            wdm_log_error ("delivery: outbox: %s", wdm_outbox_error (self->outbox));
        if (rc != 1)
            break;
        size_t need = self->scratch_size + 12 + size;
        if (need > self->scratch_capacity) {
            size_t capacity = self->scratch_capacity ? self->scratch_capacity * 2 : 65536;
            while (capacity < need)
                capacity *= 2;
            char *scratch = realloc (self->scratch, capacity);
            if (!scratch)
                break;
            self->scratch = scratch;
            self->scratch_capacity = capacity;
        }
        uint32_t size32 = (uint32_t)size;
        memcpy (self->scratch + self->scratch_size, &seq, 8);
        memcpy (self->scratch + self->scratch_size + 8, &size32, 4);
        memcpy (self->scratch + self->scratch_size + 12, payload, size);
        self->scratch_size = need;
        count++;
    }
    return count;
}

//  Keep a record's file name with its flight, once for a run of records
//  from one file.  Its offset in names, or UINT32_MAX for none.
static uint32_t
s_flight_name (cl_flight_t *flight, const char *name, size_t len)
{
    if (!name)
        return UINT32_MAX;
    const char *names = flight->names.data;
    size_t size = flight->names.size;
    if (size > 0) {
        //  The last name kept starts after the NUL before the final one.
        size_t last = size - 1;
        while (last > 0 && names [last - 1] != '\0')
            last--;
        if (size - 1 - last == len && memcmp (names + last, name, len) == 0)
            return (uint32_t)last;
    }
    if (msgpack_sbuffer_write (&flight->names, name, len) || msgpack_sbuffer_write (&flight->names, "", 1))
        return UINT32_MAX;
    return (uint32_t)size;
}

//  Send batches while there is room in flight and records to send.
void
cl_send_batches (cl_collector_t *self)
{
    int64_t now = wdm_clock_ms ();
    if (now < self->retry_at_ms)
        return;
    if (self->rewind_pending) {
        if (self->flying)
            return;  //  let the answers in flight come home first
        wdm_outbox_rewind (self->outbox);
        self->rewind_pending = 0;
    }
    while (self->flying < self->config->max_in_flight) {
        uint32_t count = s_gather (self);
        if (count == 0)
            return;
        cl_flight_t *flight = NULL;
        for (int i = 0; i < self->config->max_in_flight && !flight; i++)
            if (!self->flights [i].seqs)
                flight = &self->flights [i];
        flight->seqs = malloc (count * sizeof *flight->seqs);
        flight->lines = malloc (count * sizeof *flight->lines);
        flight->name_at = malloc (count * sizeof *flight->name_at);
        msgpack_sbuffer_init (&flight->body);
        msgpack_sbuffer_init (&flight->names);
        if (!flight->seqs || !flight->lines || !flight->name_at) {
            cl_flight_clear (flight);
            return;
        }
        msgpack_packer pk;
        msgpack_packer_init (&pk, &flight->body, msgpack_sbuffer_write);
        wdm_proto_batch_begin (&pk, wdm_outbox_epoch (self->outbox), count);
        size_t at = 0;
        for (uint32_t i = 0; i < count; i++) {
            uint64_t seq;
            uint32_t size;
            memcpy (&seq, self->scratch + at, 8);
            memcpy (&size, self->scratch + at + 8, 4);
            const char *name;
            size_t name_len, stored_size;
            const uint8_t *stored;
            cl_origin_split ((const uint8_t *)self->scratch + at + 12, size, &name, &name_len,
                             &flight->lines [i], &stored, &stored_size);
            wdm_proto_batch_add (&pk, seq, stored, stored_size);
            flight->seqs [i] = seq;
            flight->name_at [i] = s_flight_name (flight, name, name_len);
            at += 12 + size;
        }
        flight->count = count;
        flight->batch_no = self->next_batch_no++;
        flight->sent_ms = now;
        flight->sent_us = wdm_clock_us ();
        wdm_proto_header_t head = { WDM_PROTO_VERSION, WDM_PROTO_BATCH, flight->batch_no, count, 0 };
        if (wdm_proto_send (self->dealer, NULL, &head, flight->body.data, flight->body.size, ZMQ_DONTWAIT)) {
            //  Not connected yet (or the pipe is full): try again later.
            cl_flight_clear (flight);
            s_back_off (self);
            return;
        }
        self->flying++;
        self->sent_batches++;
    }
}

//  Acknowledge a flight's seqs, as contiguous ranges.
static int
s_ack (cl_collector_t *self, const cl_flight_t *flight)
{
    uint32_t i = 0;
    while (i < flight->count) {
        uint32_t k = i;
        while (k + 1 < flight->count && flight->seqs [k + 1] == flight->seqs [k] + 1)
            k++;
        if (wdm_outbox_ack (self->outbox, flight->seqs [i], flight->seqs [k])) {
            wdm_log_error ("delivery: outbox: %s", wdm_outbox_error (self->outbox));
            return -1;
        }
        i = k + 1;
    }
    return 0;
}

//  Write refused records aside, with their reasons, durably: after this
//  they leave the outbox.  code/message apply to all when rejections is NULL.
static int
s_write_rejected (cl_collector_t *self, const cl_flight_t *flight, const wdm_proto_reply_t *reply)
{
    FILE *file = fopen (self->config->rejected, "a");
    if (!file) {
        wdm_log_error ("delivery: cannot write %s: %s", self->config->rejected, strerror (errno));
        return -1;
    }
    wdm_proto_batch_t batch;
    char why [128];
    int decoded = wdm_proto_batch_decode ((const uint8_t *)flight->body.data, flight->body.size,
                                          flight->count, &batch, why, sizeof why)
        == WDM_PROTO_OK;
    time_t now = time (NULL);
    char stamp [32];
    strftime (stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime (&now));
    for (uint32_t i = 0; decoded && i < batch.count; i++) {
        const wdm_proto_item_t *item = &batch.items [i];
        const wdm_proto_rejection_t *rejection = NULL;
        for (uint32_t k = 0; reply->status == WDM_PROTO_OK && k < reply->rejected_count; k++)
            if (reply->rejected [k].seq == item->seq)
                rejection = &reply->rejected [k];
        if (reply->status == WDM_PROTO_OK && !rejection)
            continue;
        const wdm_record_t *r = &item->record;
        json_t *line = json_pack ("{s:s, s:I, s:I, s:i, s:s, s:s, s:s, s:{s:s, s:s, s:i, s:f}}", "time",
                                  stamp, "epoch", (json_int_t)batch.epoch, "seq", (json_int_t)item->seq,
                                  "code", rejection ? rejection->code : reply->status, "reason",
                                  wdm_proto_code_name (rejection ? rejection->code : reply->status), "field",
                                  rejection ? rejection->field : "", "message",
                                  rejection ? rejection->message : reply->message, "record", "indicator",
                                  r->indicator, "area", r->area, "year", r->year, "value", r->value);
        if (line) {
            json_t *record = json_object_get (line, "record");
            if (r->body [0])
                json_object_set_new (record, "body", json_string (r->body));
            if (r->sex != 'T')
                json_object_set_new (record, "sex", json_stringn (&r->sex, 1));
            if (r->note [0])
                json_object_set_new (record, "note", json_string (r->note));
            //  Where the record came from, for the unit to correct it there.
            if (i < flight->count && flight->name_at [i] != UINT32_MAX) {
                json_object_set_new (line, "file", json_string (flight->names.data + flight->name_at [i]));
                json_object_set_new (line, "line", json_integer (flight->lines [i]));
            }
            char *text = json_dumps (line, JSON_COMPACT);
            if (text) {
                fprintf (file, "%s\n", text);
                free (text);
            }
            json_decref (line);
        }
        self->rejected++;
    }
    if (decoded)
        wdm_proto_batch_clear (&batch);
    int rc = (fflush (file) == 0 && fsync (fileno (file)) == 0) ? 0 : -1;
    if (fclose (file))
        rc = -1;
    if (rc)
        wdm_log_error ("delivery: cannot write %s: %s", self->config->rejected, strerror (errno));
    return rc;
}

//  Receive one reply (wdm_proto_recv: its frames, header and checksum)
//  and decode it.  0 with head and reply filled (the caller clears reply),
//  or -1 for a reply that could not be read (logged).
static int
s_receive_reply (cl_collector_t *self, wdm_proto_header_t *head_out, wdm_proto_reply_t *reply_out)
{
    wdm_proto_message_t message;
    char why [WDM_PROTO_MESSAGE_MAX];
    int rc = -1;
    int status = wdm_proto_recv (self->dealer, 0, WDM_PROTO_REPLY, &message, why, sizeof why);
    if (status == WDM_PROTO_OK) {
        *head_out = message.header;
        rc = wdm_proto_reply_decode (zmq_msg_data (&message.body), zmq_msg_size (&message.body), reply_out,
                                     why, sizeof why);
    }
    if (rc && status >= 0)
        wdm_log_warn ("delivery: ignored a reply that could not be read: %s", why);
    wdm_proto_message_close (&message);
    return rc ? -1 : 0;
}

//  A batch the centre answered for good — stored, or refused whole:
//  refused records are written aside, then the batch is acknowledged; if
//  either fails the records stay and delivery backs off.
static void
s_settle_batch (cl_collector_t *self, const cl_flight_t *flight, const wdm_proto_reply_t *reply)
{
    //  Refused records are set aside before they leave the outbox.
    int aside = 0;
    if (reply->status != WDM_PROTO_OK || reply->rejected_count)
        aside = s_write_rejected (self, flight, reply);
    if (reply->status != WDM_PROTO_OK)
        wdm_log_error ("delivery: batch %llu of %u records refused whole: %d %s: %s",
                       (unsigned long long)flight->batch_no, flight->count, reply->status,
                       wdm_proto_code_name (reply->status), reply->message);
    else if (reply->rejected_count)
        wdm_log_warn ("delivery: batch %llu: %u records refused by the centre (see %s); "
                      "first: seq %llu, %u %s, field %s: %s",
                      (unsigned long long)flight->batch_no, reply->rejected_count, self->config->rejected,
                      (unsigned long long)reply->rejected [0].seq, reply->rejected [0].code,
                      wdm_proto_code_name (reply->rejected [0].code), reply->rejected [0].field,
                      reply->rejected [0].message);
    if (aside == 0 && s_ack (self, flight) == 0) {
        if (reply->status == WDM_PROTO_OK) {
            self->delivered += reply->accepted + reply->duplicates;
            self->last_delivery = time (NULL);
        }
        self->backoff_ms = CL_BACKOFF_MIN_MS;
    } else
        s_back_off (self);  //  keep the records; try again
    wdm_log_debug ("delivery: batch %llu: %u accepted, %u duplicates, %u refused",
                   (unsigned long long)flight->batch_no, reply->accepted, reply->duplicates,
                   reply->rejected_count);
}

void
cl_handle_reply (cl_collector_t *self)
{
    wdm_proto_header_t head;
    wdm_proto_reply_t reply;
    if (s_receive_reply (self, &head, &reply))
        return;
    self->last_reply_ms = wdm_clock_ms ();
    cl_flight_t *flight = NULL;
    for (int i = 0; i < self->config->max_in_flight && !flight; i++)
        if (self->flights [i].seqs && self->flights [i].batch_no == head.batch_no)
            flight = &self->flights [i];
    if (!flight) {
        wdm_log_debug ("delivery: reply to batch %llu, which is no longer in flight",
                       (unsigned long long)head.batch_no);
        wdm_proto_reply_clear (&reply);
        return;
    }
    double ack_ms = (double)(wdm_clock_us () - flight->sent_us) / 1000.0;
    cl_status_note_ack (self, ack_ms);
    if (reply.status == WDM_PROTO_RETRY_LATER) {
        wdm_log_warn ("delivery: the centre says retry later: %s", reply.message);
        s_back_off (self);
    } else if (reply.status == WDM_PROTO_OK || reply.status == WDM_PROTO_MALFORMED
               || reply.status == WDM_PROTO_TOO_LARGE || reply.status == WDM_PROTO_UNSUPPORTED_VERSION) {
        s_settle_batch (self, flight, &reply);
    } else if (reply.status == WDM_PROTO_NOT_AUTHORISED) {
        //  The whole batch: this unit's key is no longer accepted (revoked
        //  while connected).  Nothing was stored; the records stay in the
        //  outbox until the unit has a key the centre accepts.
        cl_link_state (self, WDM_LOG_ERROR,
                       "the centre refused this unit's key while connected "
                       "(revoked?); keeping the records and retrying");
        wdm_log_error ("delivery: batch %llu refused: %s", (unsigned long long)flight->batch_no,
                       reply.message);
        s_back_off (self);
    } else {
        wdm_log_error ("delivery: unexpected status %d from the centre: %s", reply.status, reply.message);
        s_back_off (self);
    }
    cl_flight_clear (flight);
    self->flying--;
    wdm_proto_reply_clear (&reply);
}

//  No answer within the timeout: reconnect and resend what is unacknowledged.
void
cl_check_timeouts (cl_collector_t *self)
{
    int64_t now = wdm_clock_ms ();
    int expired = 0;
    for (int i = 0; i < self->config->max_in_flight; i++)
        if (self->flights [i].seqs && now - self->flights [i].sent_ms > self->config->timeout_ms)
            expired = 1;
    if (!expired)
        return;
    char why [WDM_COLLECTOR_ENDPOINT_MAX + 64];
    snprintf (why, sizeof why, "no answer from %s within %ld ms", self->endpoints [self->endpoint_at],
              self->config->timeout_ms);
    for (int i = 0; i < self->config->max_in_flight; i++)
        if (self->flights [i].seqs)
            cl_flight_clear (&self->flights [i]);
    self->flying = 0;
    cl_link_next (self, why);
    s_back_off (self);
}
