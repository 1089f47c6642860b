/*  wdm_server: receive, check, store, answer.  See wdm_server.h.  */

#include "wdm_server.h"
#include "wdm_actor.h"
#include "wdm_auth.h"
#include "wdm_clock.h"
#include "wdm_db.h"
#include "wdm_keys.h"
#include "wdm_log.h"
#include "wdm_metrics.h"
#include "wdm_monitor.h"
#include "wdm_proto.h"
#include "wdm_proto_zmq.h"
#include "wdm_store.h"
#include "wdm_warn.h"
#include "wdm_zap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93  //  draft option in libzmq 4.3
#endif

#define S_MAX_MESSAGES 64  //  batches in one transaction, at most
#define S_PEER_RCVHWM  16  //  messages queued from one collector, at most
//  Replies queued to one collector, at most: twice what one group can
//  answer, so that a collector reading its replies never makes the server
//  wait.  Sends are checked (ZMQ_ROUTER_MANDATORY): when the queue is full
//  the server waits up to S_REPLY_WAIT_MS for the collector to read.
#define S_PEER_SNDHWM   (2 * S_MAX_MESSAGES)
#define S_REPLY_WAIT_MS 1000
#define S_HANDSHAKE_MS  5000  //  a CURVE handshake not done by then is dropped
//  What CURVE adds to a frame on the wire (RFC 26 MESSAGE: command name 8
//  bytes, nonce 8, MAC 16, flags 1).  ZMQ_MAXMSGSIZE applies to the
//  encrypted frame, so this is added for the body limit to be the one
//  PROTOCOL.md states.
#define S_CURVE_OVERHEAD 33

//  One message as received, with what became of it.
typedef struct {
    wdm_proto_message_t message;  //  kept: items and refusals point into its body
    wdm_batch_t batch;
} s_incoming_t;

//  A group of messages: received and checked by the main thread, stored
//  in one transaction by the store's thread, then answered by the main
//  thread.  While the store's thread has it (from s_start to its return
//  on the pipe), the main thread touches neither the group nor the store:
//  both are handed over with the message, and handed back.
typedef struct {
    s_incoming_t in [S_MAX_MESSAGES];
    int size;
    uint64_t records;  //  decoded, in all its messages
    //  For the store: the batches with a unit (copies), and where each
    //  message's batch is among them (-1: none, it has no unit).
    wdm_batch_t *batches;
    int count;
    int slot [S_MAX_MESSAGES];
    //  The COPY text of the batches' records, written as each message is
    //  received, while the store's thread stores the group before: it
    //  then only sends it.  staged: the batches with a unit so far (each
    //  the ordinal of its text).  Not used if a batch came before the
    //  catalog or its text could not be written: the store writes it.
    wdm_buf_t text;
    int staged;
    bool text_broken;
    wdm_store_t *store;  //  the server's, lent for the commit
    int stored;          //  wdm_store_commit's answer
    double seconds;      //  how long it took
} s_group_t;

typedef struct {
    const wdm_server_config_t *config;
    void *router;
    wdm_store_t *store;
    wdm_catalog_t *catalog;
    wdm_auth_t *auth;
    time_t loaded_at;
    int db_down_logged;  //  say "retry later" once per outage
    //  Two groups: the one being received, and the one the store's thread
    //  is committing (storing; NULL when none is), which are swapped when
    //  the commit has been answered.
    s_group_t *filling, *storing, *groups;
    wdm_actor_t *committer;   //  the store's thread
    wdm_warn_worker_t *warn;  //  evaluates what each commit touched
    wdm_metrics_t *metrics;
    void *monitor;                        //  the ROUTER's connection events
    zmq_msg_t *stalled [S_MAX_MESSAGES];  //  routing ids not reading replies, this group
    int stalled_count;
    char server_id [512];
    time_t status_at;  //  when server_status was last written
} s_server_t;

//  Tell the warning worker which indicators a committed group touched.
static void
s_touch (s_server_t *self, const wdm_batch_t *batches, int count)
{
    const char *codes [256];
    int touched = 0;
    for (int b = 0; b < count; b++) {
        if (batches [b].status != WDM_PROTO_OK || batches [b].accepted == 0)
            continue;
        for (uint32_t i = 0; i < batches [b].decoded.count; i++) {
            const wdm_proto_item_t *item = &batches [b].decoded.items [i];
            int seen = item->code != 0;
            for (int k = 0; k < touched && !seen; k++)
                seen = strcmp (codes [k], item->record.indicator) == 0;
            if (!seen && touched < 256)
                codes [touched++] = item->record.indicator;
        }
    }
    if (touched && self->warn)
        wdm_warn_worker_touch (self->warn, codes, touched);
}

//  (Re)load the catalog and the grants when due and the database is there.
static void
s_reload (s_server_t *self)
{
    if (self->catalog && time (NULL) - self->loaded_at < self->config->reload_seconds)
        return;
    PGconn *conn = wdm_store_conn (self->store);
    if (!conn)
        return;
    wdm_catalog_t *catalog = wdm_db_load_catalog (conn);
    wdm_auth_t *auth = catalog ? wdm_auth_load (conn) : NULL;
    if (catalog && auth) {
        wdm_catalog_destroy (&self->catalog);
        wdm_auth_destroy (&self->auth);
        self->catalog = catalog;
        self->auth = auth;
        self->loaded_at = time (NULL);
        wdm_log_debug ("server: catalog of %d indicators loaded", wdm_catalog_size (catalog));
    } else {
        wdm_catalog_destroy (&catalog);
        wdm_auth_destroy (&auth);
    }
}

static void
s_refuse (wdm_batch_t *batch, int status, const char *message)
{
    batch->status = status;
    snprintf (batch->message, sizeof batch->message, "%s", message);
}

//  Check every decoded record: against the catalog, then the grants.
static void
s_check_records (s_server_t *self, wdm_batch_t *batch)
{
    for (uint32_t i = 0; i < batch->decoded.count; i++) {
        wdm_proto_item_t *item = &batch->decoded.items [i];
        if (item->code)
            continue;
        wdm_record_error_t error = wdm_record_validate (&item->record, self->catalog);
        if (error != WDM_RECORD_OK) {
            item->code = wdm_proto_code_of (error);
            snprintf (item->field, sizeof item->field, "%s", wdm_record_error_field (error));
            snprintf (item->message, sizeof item->message, "%s (%s)", wdm_record_error_message (error),
                      wdm_record_error_name (error));
            continue;
        }
        const char *field = "";
        int code = wdm_auth_check (self->auth, batch->unit, item->record.indicator, item->record.area, &field,
                                   item->message, sizeof item->message);
        if (code) {
            item->code = code;
            snprintf (item->field, sizeof item->field, "%s", field);
        }
    }
}

//  Copy text into out (size bytes), cut short if need be.  (snprintf
//  would do, but GCC cannot tell a group slot's fields apart.)
static void
s_copy_text (char *out, size_t size, const char *text)
{
    size_t length = strnlen (text, size - 1);
    memcpy (out, text, length);
    out [length] = '\0';
}

//  Whether the group being received takes another message: it holds
//  fewer than S_MAX_MESSAGES, and fewer records than max_group.
static bool
s_room (const s_server_t *self)
{
    return self->filling->size < S_MAX_MESSAGES && (long)self->filling->records < self->config->max_group;
}

//  Receive one message into the next group slot.  0, or -1 if there was
//  none waiting.
static int
s_receive (s_server_t *self)
{
    s_group_t *group = self->filling;
    s_incoming_t *in = &group->in [group->size];
    memset (&in->batch, 0, sizeof in->batch);
    char why [WDM_PROTO_MESSAGE_MAX];
    int status = wdm_proto_recv (self->router, ZMQ_DONTWAIT, WDM_PROTO_BATCH, &in->message, why, sizeof why);
    if (status < 0)
        return -1;
    group->size++;
    wdm_batch_t *batch = &in->batch;
    s_copy_text (batch->unit, sizeof batch->unit, in->message.user_id);
    s_copy_text (batch->key, sizeof batch->key, in->message.key);

    //  The counts of a batch are always those decoded, never the header's
    //  claim: a refused batch has decoded.count 0 (it went into
    //  ingest_batch.record_count, an int, and into the metrics).
    batch->batch_no = in->message.header.batch_no;
    batch->body = zmq_msg_data (&in->message.body);
    batch->body_size = zmq_msg_size (&in->message.body);
    if (status != WDM_PROTO_OK)
        s_refuse (batch, status, why);
    else {
        char detail [128];
        status = wdm_proto_batch_decode (batch->body, batch->body_size, in->message.header.count,
                                         &batch->decoded, detail, sizeof detail);
        if (status != WDM_PROTO_OK) {
            char message [WDM_PROTO_MESSAGE_MAX];
            snprintf (message, sizeof message, "消息体无效 / %s", detail);
            s_refuse (batch, status, message);
            wdm_proto_batch_clear (&batch->decoded);
        } else {
            batch->status = WDM_PROTO_OK;
            if (self->catalog)
                s_check_records (self, batch);
        }
    }
    if (batch->status != WDM_PROTO_OK)
        wdm_log_warn ("batch %llu from %s refused: %d %s: %s", (unsigned long long)batch->batch_no,
                      *batch->unit ? batch->unit : "(unknown)", batch->status,
                      wdm_proto_code_name (batch->status), batch->message);
    group->records += batch->decoded.count;
    if (batch->unit [0] && !group->text_broken
        && (!self->catalog || wdm_store_text (&group->text, ++group->staged, batch)))
        group->text_broken = true;
    return 0;
}

//  Send a reply's frames after its routing id, checked: the ROUTER is
//  mandatory, so a full queue or a closed connection is an error, not a
//  silent drop.  When the collector's queue is full, wait for it to read,
//  up to S_REPLY_WAIT_MS once per group; a collector that has not read by
//  then gets its other replies of the group only if there is room.
static void
s_send_reply (s_server_t *self, s_incoming_t *in, const wdm_proto_header_t *head, const msgpack_sbuffer *body)
{
    zmq_msg_t *identity = &in->message.identity;
    const wdm_batch_t *batch = &in->batch;
    int stalled = 0;
    for (int i = 0; i < self->stalled_count && !stalled; i++)
        stalled = zmq_msg_size (self->stalled [i]) == zmq_msg_size (identity)
            && memcmp (zmq_msg_data (self->stalled [i]), zmq_msg_data (identity), zmq_msg_size (identity))
                == 0;
    if (wdm_proto_send (self->router, identity, head, body->data, body->size, stalled ? ZMQ_DONTWAIT : 0)) {
        int error = zmq_errno ();
        if (error == EHOSTUNREACH)
            wdm_log_info ("batch %llu from %s: the connection closed before its reply",
                          (unsigned long long)batch->batch_no, batch->unit);
        else {
            wdm_log_error ("batch %llu from %s: reply not sent: the collector has not read its "
                           "last %d replies (%s)",
                           (unsigned long long)batch->batch_no, batch->unit, S_PEER_SNDHWM,
                           zmq_strerror (error));
            if (!stalled && self->stalled_count < S_MAX_MESSAGES)
                self->stalled [self->stalled_count++] = identity;
        }
    }
}

//  Answer one batch: a header and a body, after the routing id.
static void
s_reply (s_server_t *self, s_incoming_t *in, int status, const char *message)
{
    wdm_batch_t *batch = &in->batch;
    wdm_proto_rejection_t *rejected = NULL;
    uint32_t count = 0;
    if (status == WDM_PROTO_OK && batch->rejected) {
        rejected = calloc (batch->rejected, sizeof *rejected);
        for (uint32_t i = 0; rejected && i < batch->decoded.count; i++) {
            const wdm_proto_item_t *item = &batch->decoded.items [i];
            if (!item->code)
                continue;
            wdm_proto_rejection_t *r = &rejected [count++];
            r->seq = item->seq;
            r->code = (uint16_t)item->code;
            snprintf (r->field, sizeof r->field, "%s", item->field);
            snprintf (r->message, sizeof r->message, "%s", item->message);
        }
    }
    wdm_proto_reply_t reply = { (uint16_t)status, "", 0, 0, count, rejected };
    snprintf (reply.message, sizeof reply.message, "%s", message);
    if (status == WDM_PROTO_OK) {
        reply.accepted = batch->accepted;
        reply.duplicates = batch->duplicates;
    }
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    if (wdm_proto_reply_encode (&reply, &body) == 0) {
        wdm_proto_header_t head = { WDM_PROTO_VERSION, WDM_PROTO_REPLY, batch->batch_no, count, 0 };
        s_send_reply (self, in, &head, &body);
    }
    msgpack_sbuffer_destroy (&body);
    free (rejected);
}

//  Count one answered batch into the metrics, once its counts are final.
static void
s_count (s_server_t *self, const s_incoming_t *in, int stored, double commit_seconds)
{
    if (!self->metrics)
        return;
    const wdm_batch_t *b = &in->batch;
    if (stored != 0) {
        wdm_metrics_batch (self->metrics, b->unit, b->decoded.count, 0, 0, 0);
        wdm_metrics_rejected (self->metrics, WDM_PROTO_RETRY_LATER, b->decoded.count);
        return;
    }
    if (b->status != WDM_PROTO_OK) {
        wdm_metrics_batch (self->metrics, b->unit, b->decoded.count, 0, 0, commit_seconds);
        wdm_metrics_rejected (self->metrics, b->status, b->decoded.count);
        return;
    }
    wdm_metrics_batch (self->metrics, b->unit, b->decoded.count, b->accepted, b->duplicates, commit_seconds);
    wdm_metrics_delivered (self->metrics, b->unit);
    for (uint32_t i = 0; i < b->decoded.count; i++)
        if (b->decoded.items [i].code)
            wdm_metrics_rejected (self->metrics, b->decoded.items [i].code, 1);
}

//  A connection event from the ROUTER's monitor, for the metrics to count
//  the collectors connected (wdm_metrics_connection_event).
static void
s_monitor_event (s_server_t *self)
{
    uint16_t event;
    uint32_t value;
    if (wdm_monitor_read (self->monitor, &event, &value) == 0)
        wdm_metrics_connection_event (self->metrics, event, value);
}

//  The store's thread: commits each group it is handed, one at a time,
//  and hands it back.  A message on its pipe is a group's address (the
//  thread's until it is sent back), or "$TERM".  On a machine of two
//  cores the main thread receives, decodes and checks the next group
//  while PostgreSQL stores this one: before, one waited for the other
//  (PERFORMANCE.md).
static void
s_committer (void *pipe, void *args)
{
    (void)args;
    wdm_actor_signal (pipe, 0);
    while (1) {
        s_group_t *group = NULL;
        int size = zmq_recv (pipe, &group, sizeof group, 0);
        if (size < 0 && zmq_errno () == EINTR)
            continue;
        if (size != (int)sizeof group)
            break;  //  "$TERM", or the pipe closed
        int64_t start = wdm_clock_us ();
        bool text = !group->text_broken && group->staged == group->count;
        group->stored =
            wdm_store_commit (group->store, group->batches, group->count, text ? &group->text : NULL);
        group->seconds = (double)(wdm_clock_us () - start) / 1e6;
        if (zmq_send (pipe, &group, sizeof group, 0) != (int)sizeof group)
            break;
    }
}

//  Answer every message of a group stored (group->stored 0) or not, count
//  it, and empty the group.
static void
s_answer (s_server_t *self, s_group_t *group)
{
    wdm_batch_t *batches = group->batches;
    int stored = group->stored;
    if (self->metrics) {
        wdm_metrics_database (self->metrics, stored == 0);
        wdm_metrics_queue (self->metrics, (int)group->records);
    }
    if (stored == 0 && group->count)
        s_touch (self, batches, group->count);
    if (stored == 0) {
        if (self->db_down_logged)
            wdm_log_info ("server: the database is back; storing again");
        self->db_down_logged = 0;
    } else if (!self->db_down_logged) {
        wdm_log_error ("server: the database is unavailable; answering \"retry later\"");
        self->db_down_logged = 1;
    }
    for (int i = 0; i < group->size; i++) {
        s_incoming_t *in = &group->in [i];
        if (batches && group->slot [i] < 0)
            s_reply (self, in, WDM_PROTO_NOT_AUTHORISED, "发送方身份不明 / the sender has no unit");
        else if (stored == 0) {
            in->batch = batches [group->slot [i]];
            const wdm_batch_t *b = &in->batch;
            if (b->status == WDM_PROTO_OK)
                s_reply (self, in, WDM_PROTO_OK, "ok");
            else
                s_reply (self, in, b->status, b->message);
            if (b->status == WDM_PROTO_OK && b->rejected) {
                const wdm_proto_item_t *first = NULL;
                for (uint32_t k = 0; k < b->decoded.count && !first; k++)
                    if (b->decoded.items [k].code)
                        first = &b->decoded.items [k];
                wdm_log_warn ("batch %llu from %s: %u of %u records refused; first: seq %llu, "
                              "%d %s, field %s: %s",
                              (unsigned long long)b->batch_no, b->unit, b->rejected, b->decoded.count,
                              (unsigned long long)first->seq, first->code, wdm_proto_code_name (first->code),
                              first->field, first->message);
            }
            wdm_log_debug ("batch %llu from %s: %u accepted, %u duplicates, %u refused",
                           (unsigned long long)b->batch_no, b->unit, b->accepted, b->duplicates, b->rejected);
        } else
            s_reply (self, in, WDM_PROTO_RETRY_LATER,
                     "数据库暂不可用,请稍后重试 / database unavailable, retry later");
        s_count (self, in, stored, group->seconds);
        wdm_proto_batch_clear (&in->batch.decoded);
        wdm_proto_message_close (&in->message);
    }
    free (batches);
    group->batches = NULL;
    group->size = group->count = 0;
    group->records = 0;
    wdm_buf_reset (&group->text);
    group->staged = 0;
    group->text_broken = false;
    self->stalled_count = 0;
}

//  Store the group being received: hand it to the store's thread, and
//  receive into the other.  A group with nothing to store (no catalog
//  yet, no batch with a unit, no memory) is answered at once.
static void
s_start (s_server_t *self)
{
    s_group_t *group = self->filling;
    if (group->size == 0 || self->storing)
        return;
    //  A batch with no unit cannot be recorded (ZAP always names one; this
    //  is a guard, not a path): it is answered, never stored.
    group->batches = calloc ((size_t)group->size, sizeof *group->batches);
    group->count = 0;
    for (int i = 0; group->batches && i < group->size; i++)
        if (group->in [i].batch.unit [0]) {
            group->slot [i] = group->count;
            group->batches [group->count++] = group->in [i].batch;
        } else
            group->slot [i] = -1;
    //  Without a catalog yet nothing is stored ("retry later"); a group
    //  with no batch to store is stored as it is.
    bool ready = group->batches && self->catalog;
    group->stored = ready ? 0 : -1;
    group->seconds = 0;
    group->store = self->store;
    if (ready && group->count) {
        void *pipe = wdm_actor_pipe (self->committer);
        if (zmq_send (pipe, &group, sizeof group, 0) == (int)sizeof group) {
            self->storing = group;
            self->filling = group == &self->groups [0] ? &self->groups [1] : &self->groups [0];
            return;
        }
        wdm_log_error ("server: cannot hand a group to the store's thread: %s", zmq_strerror (zmq_errno ()));
    }
    s_answer (self, group);
}

//  The store's thread has handed the group back: answer it.  Waits for
//  it if wait is set.
static void
s_finish (s_server_t *self, bool wait)
{
    s_group_t *group = NULL;
    void *pipe = wdm_actor_pipe (self->committer);
    int size;
    do
        size = zmq_recv (pipe, &group, sizeof group, wait ? 0 : ZMQ_DONTWAIT);
    while (size < 0 && zmq_errno () == EINTR);
    if (size != (int)sizeof group || group != self->storing)
        return;
    self->storing = NULL;
    s_answer (self, group);
}

//  Let go of what a group holds without answering (at the end: the
//  collectors send again what was not answered).
static void
s_drop (s_group_t *group)
{
    for (int i = 0; i < group->size; i++) {
        wdm_proto_batch_clear (&group->in [i].batch.decoded);
        wdm_proto_message_close (&group->in [i].message);
    }
    free (group->batches);
    group->batches = NULL;
    group->size = 0;
    wdm_buf_free (&group->text);
}

static int
s_open_router (s_server_t *self, void *ctx)
{
    char secret [WDM_KEY_Z85], err [512];
    if (wdm_keys_load (self->config->secret_key_file, true, secret, err, sizeof err)) {
        wdm_log_error ("server: %s", err);
        return -1;
    }
    self->router = zmq_socket (ctx, ZMQ_ROUTER);
    int one = 1, rcvhwm = S_PEER_RCVHWM, sndhwm = S_PEER_SNDHWM, linger = 2000;
    int reply_wait = S_REPLY_WAIT_MS;
    int heartbeat_ivl = 10000, heartbeat_timeout = 30000;
    //  While the database is away the ZAP handler answers 300 (try again),
    //  after which libzmq 4.3 may keep the connection half-open until the
    //  handshake timer ends it; bounded, the collector reconnects soon
    //  after the database is back instead of after libzmq's default 30 s.
    int handshake = S_HANDSHAKE_MS;
    int64_t max_size = WDM_PROTO_MAX_BODY + S_CURVE_OVERHEAD;
    if (zmq_setsockopt (self->router, ZMQ_CURVE_SERVER, &one, sizeof one)
        || zmq_setsockopt (self->router, ZMQ_CURVE_SECRETKEY, secret, 40)
        || zmq_setsockopt (self->router, ZMQ_ZAP_DOMAIN, "wdmon", 5)
        || zmq_setsockopt (self->router, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size)
        || zmq_setsockopt (self->router, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm)
        || zmq_setsockopt (self->router, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm)
        || zmq_setsockopt (self->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one)
        || zmq_setsockopt (self->router, ZMQ_SNDTIMEO, &reply_wait, sizeof reply_wait)
        || zmq_setsockopt (self->router, ZMQ_LINGER, &linger, sizeof linger)
        || zmq_setsockopt (self->router, ZMQ_HEARTBEAT_IVL, &heartbeat_ivl, sizeof heartbeat_ivl)
        || zmq_setsockopt (self->router, ZMQ_HEARTBEAT_TIMEOUT, &heartbeat_timeout, sizeof heartbeat_timeout)
        || zmq_setsockopt (self->router, ZMQ_HANDSHAKE_IVL, &handshake, sizeof handshake)) {
        wdm_log_error ("server: cannot set socket options: %s", zmq_strerror (zmq_errno ()));
        return -1;
    }
    //  Belt and braces: with this libzmq refuses CURVE clients outright
    //  when no ZAP handler answers, instead of letting them in.
    if (zmq_setsockopt (self->router, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof one))
        wdm_log_warn ("server: this libzmq cannot enforce the ZAP domain; relying on our handler");
    if (zmq_bind (self->router, self->config->endpoint)) {
        wdm_log_error ("server: cannot bind %s: %s", self->config->endpoint, zmq_strerror (zmq_errno ()));
        return -1;
    }
    return 0;
}

int
wdm_server_run (const wdm_server_config_t *config, volatile sig_atomic_t *stop)
{
    int rc = -1;
    s_server_t self = { .config = config };
    void *ctx = zmq_ctx_new ();
    wdm_zap_t *zap = NULL;
    if (!ctx || !zmq_has ("curve")) {
        wdm_log_error ("server: this libzmq has no CURVE support; refusing to start");
        goto cleanup;
    }
    //  The ZAP handler first: a CURVE server without one would accept any
    //  client.  If it cannot be had, the server does not start.
    zap = wdm_zap_new (ctx, config->conninfo);
    if (!zap) {
        wdm_log_error ("server: no ZAP handler, so no way to authorise keys; refusing to start");
        goto cleanup;
    }
    if (s_open_router (&self, ctx))
        goto cleanup;
    self.store = wdm_store_new (config->conninfo);
    if (!self.store)
        goto cleanup;
    wdm_date_t today;
    if (*config->today && wdm_date_parse (config->today, &today)) {
        wdm_log_error ("server: today: '%s' is not a date YYYY-MM-DD", config->today);
        goto cleanup;
    }
    self.metrics = wdm_metrics_new (config->metrics_address, (int)config->metrics_port, config->conninfo);
    if (!self.metrics)
        goto cleanup;
    char host [256] = "";
    gethostname (host, sizeof host - 1);
    snprintf (self.server_id, sizeof self.server_id, "%s %s", host, config->endpoint);
    self.monitor = zmq_socket (ctx, ZMQ_PAIR);
    if (zmq_socket_monitor (self.router, "inproc://wdm-server-monitor",
                            ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                                | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                                | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_DISCONNECTED)
        || zmq_connect (self.monitor, "inproc://wdm-server-monitor")) {
        wdm_log_error ("server: cannot monitor connections: %s", zmq_strerror (zmq_errno ()));
        goto cleanup;
    }
    self.warn = wdm_warn_worker_new (ctx, config->conninfo, self.server_id, config->warn_interval_ms,
                                     config->deadline_seconds, *config->today ? &today : NULL);
    if (!self.warn) {
        wdm_log_error ("server: cannot start the warning worker");
        goto cleanup;
    }
    self.groups = calloc (2, sizeof *self.groups);
    self.committer = self.groups ? wdm_actor_new (ctx, s_committer, NULL) : NULL;
    if (!self.committer) {
        wdm_log_error ("server: cannot start the store's thread");
        goto cleanup;
    }
    self.filling = &self.groups [0];
    s_reload (&self);
    if (!self.catalog)
        wdm_log_warn ("server: the database is not ready yet; answering \"retry later\" until it is");
    wdm_log_info ("server: listening on %s", config->endpoint);

    zmq_pollitem_t items [] = { { self.router, 0, ZMQ_POLLIN, 0 },
                                { self.monitor, 0, ZMQ_POLLIN, 0 },
                                { wdm_actor_pipe (self.committer), 0, ZMQ_POLLIN, 0 } };
    while (!*stop) {
        //  What arrives beyond a group's worth waits in the ROUTER's queues.
        items [0].events = s_room (&self) ? ZMQ_POLLIN : 0;
        if (zmq_poll (items, 3, 500) < 0) {
            if (zmq_errno () == EINTR)
                continue;
            wdm_log_error ("server: poll: %s", zmq_strerror (zmq_errno ()));
            break;
        }
        if (items [1].revents & ZMQ_POLLIN)
            s_monitor_event (&self);
        if (items [2].revents & ZMQ_POLLIN)
            s_finish (&self, false);
        //  Between commits, the store's connection is this thread's: the
        //  catalog and the status use it.
        if (!self.storing) {
            s_reload (&self);
            if (time (NULL) - self.status_at >= config->status_seconds) {
                //  The open warnings are counted by the warning worker, on its
                //  own connection: the count would hold up ingest here.
                int red, yellow;
                if (wdm_warn_worker_open_warnings (self.warn, &red, &yellow))
                    wdm_metrics_warnings (self.metrics, red, yellow);
                PGconn *conn = wdm_store_conn (self.store);
                if (conn)
                    wdm_metrics_publish (self.metrics, conn, self.server_id, config->endpoint);
                self.status_at = time (NULL);
            }
        }
        //  Take what has arrived, up to a group's worth, and store it once
        //  the store's thread is free.
        while (s_room (&self) && s_receive (&self) == 0)
            ;
        s_start (&self);
    }
    //  A group in the store's hands is answered before the end.
    if (self.storing)
        s_finish (&self, true);
    wdm_log_info ("server: stopping");
    rc = 0;
cleanup:
    wdm_actor_destroy (&self.committer);
    for (int g = 0; self.groups && g < 2; g++)
        s_drop (&self.groups [g]);
    free (self.groups);
    wdm_warn_worker_destroy (&self.warn);
    if (self.router && self.monitor)
        zmq_socket_monitor (self.router, NULL, 0);
    if (self.monitor)
        zmq_close (self.monitor);
    if (self.router)
        zmq_close (self.router);
    wdm_metrics_destroy (&self.metrics);
    wdm_zap_destroy (&zap);
    wdm_store_destroy (&self.store);
    wdm_catalog_destroy (&self.catalog);
    wdm_auth_destroy (&self.auth);
    if (ctx)
        zmq_ctx_term (ctx);
    return rc;
}
