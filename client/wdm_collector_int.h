/*  wdm_collector_int.h: INTERNAL to client/ — not part of wdm_collector.h,
    and no file outside this folder includes it.  The modules that
    together make the collector daemon share the collector's state
    (cl_collector_t) and the helpers declared below.  Their names start
    cl_ (collector, private) so that a call says where it comes from: cl_
    from here, s_ from the file at hand, wdm_ from a public header.

    The modules:
        wdm_collector.c           wdm_collector_run: start, the loop, the end
        wdm_collector_catalog.c   catalog.json read into the unit's catalog
        wdm_collector_intake.c    inbox files settled, read and taken into the outbox
        wdm_collector_journal.c   the intake journal, inbox/.taking
        wdm_collector_origin.c    a record's file and line in its outbox payload
        wdm_collector_link.c      the connection to the centre and its monitor
        wdm_collector_delivery.c  batches sent, replies handled, back-off
        wdm_collector_status.c    the status file, and `status` reading it  */

#ifndef WDM_COLLECTOR_INT_H_INCLUDED
#define WDM_COLLECTOR_INT_H_INCLUDED

#include "wdm_collector.h"
#include "wdm_keys.h"
#include "wdm_outbox.h"

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define CL_BACKOFF_MIN_MS 200
#define CL_ACK_BUCKETS    15  //  acknowledgement-time buckets (wdm_collector_status.c)

//  A batch sent and not yet answered.
typedef struct {
    uint64_t batch_no;
    uint64_t *seqs;  //  count seqs, in order
    uint32_t count;
    msgpack_sbuffer body;  //  kept to write refused records aside
    int64_t sent_ms;
    int64_t sent_us;        //  for the acknowledgement time
    uint32_t *lines;        //  count source lines; 0: not known
    uint32_t *name_at;      //  count offsets into names; UINT32_MAX: none
    msgpack_sbuffer names;  //  source file names, each NUL-terminated
} cl_flight_t;

//  A record's outbox payload: its queued form (wdm_proto_record_encode),
//  after an origin when the collector knows it — CL_ORIGIN_MARK, the line
//  (4 bytes, big-endian), the file name's length (1 byte) and the name —
//  so that a record the centre refuses can be traced to its file and line.
//  A queued form never starts with the mark (its first byte counts its
//  fields, at most 12), so payloads written before origins still read.
#define CL_ORIGIN_MARK 0xFF

//  A file in the inbox as last seen: it is taken once it has looked the
//  same for settle_ms.
typedef struct {
    char *name;
    off_t size;
    ino_t inode;
    struct timespec mtime;
    int64_t since_ms;  //  when it was first seen looking so
    bool seen;         //  at the look in progress
} cl_watch_t;

typedef struct {
    const wdm_collector_config_t *config;
    wdm_collector_intake_fn intake;  //  NULL: the inbox (cl_intake)
    void *intake_arg;
    wdm_outbox_t *outbox;
    wdm_catalog_t *catalog;
    void *ctx, *dealer;
    void *monitor;  //  the dealer's connection events
    int monitor_serial;
    char link_state [200];  //  what the last connection event said
    char endpoints [WDM_COLLECTOR_ENDPOINTS][WDM_COLLECTOR_ENDPOINT_MAX];  //  config->endpoint, split
    int endpoint_count, endpoint_at;                                       //  how many; the one delivery uses
    char server_key [WDM_KEY_Z85], public_key [WDM_KEY_Z85], secret_key [WDM_KEY_Z85];
    cl_flight_t *flights;  //  max_in_flight slots
    int flying;            //  slots in use
    uint64_t next_batch_no;
    int64_t retry_at_ms;  //  send nothing before this
    int backoff_ms;
    int rewind_pending;              //  resend from the first unacknowledged
    int64_t intake_paused_until_ms;  //  after the outbox could not be written
    int64_t intake_error_logged_ms;  //  when that was last said: once a minute is enough
    int64_t next_scan_ms, next_status_ms;
    int inbox_empty;
    uint64_t delivered, rejected, sent_batches;
    uint64_t ack_buckets [CL_ACK_BUCKETS], ack_count;
    double ack_sum_ms, ack_max_ms;
    int64_t last_reply_ms;
    time_t last_delivery;
    msgpack_sbuffer stored;  //  one record's payload, reused
    char *scratch;           //  records gathered for a batch
    size_t scratch_size, scratch_capacity;
    cl_watch_t *watches;  //  inbox files waiting to settle
    int watch_count, watch_capacity;
    int settling;  //  files seen at the last look, not yet settled
} cl_collector_t;

//  --- wdm_collector_origin.c ---

//  Append a record's origin to a payload.  0, or -1 if memory is short.
int cl_origin_encode (msgpack_sbuffer *out, const char *name, int line);

//  Split a payload into its origin (name of *name_len bytes, not
//  NUL-terminated, and line; none: NULL and 0) and its queued form.
void cl_origin_split (const uint8_t *payload, size_t size, const char **name, size_t *name_len,
                      uint32_t *line, const uint8_t **stored, size_t *stored_size);

//  --- wdm_collector_intake.c ---

//  Move inbox/name to inbox/sub/name (a suffix if that exists).
void cl_move (const char *inbox, const char *name, const char *sub);

//  Take in the oldest settled file of the inbox (by name), if any.  Sets
//  inbox_empty when there was none; settling counts the files that are
//  there but not settled yet.
void cl_intake (cl_collector_t *self);

//  --- wdm_collector_journal.c ---

//  fsync a directory, so that a rename in it is durable.  0 or -1.
int cl_fsync_dir (const char *path);

//  Name the file being taken and the first seq its records get.  0 or -1.
int cl_journal_write (cl_collector_t *self, const char *name, uint64_t first_seq);

//  The file has been settled: the journal goes.
void cl_journal_clear (cl_collector_t *self);

//  At start: finish what a crash interrupted.
void cl_journal_recover (cl_collector_t *self);

//  --- wdm_collector_link.c ---

//  (Re)create the dealer and its monitor and connect.  0, or -1 logged.
int cl_connect (cl_collector_t *self);

//  No answer from the endpoint in use (why says so): move to the next
//  one, round to the first after the last, log which and why, and
//  connect there.  With one endpoint: reconnect to it.  0, or -1 logged.
int cl_link_next (cl_collector_t *self, const char *why);

//  Read one event from the monitor; log and keep what changed.
void cl_monitor_event (cl_collector_t *self);

//  Say the link's state (once per change) at level WDM_LOG_ERROR or INFO.
void cl_link_state (cl_collector_t *self, int level, const char *state);

//  --- wdm_collector_delivery.c ---

//  Send batches while there is room in flight and records to send.
void cl_send_batches (cl_collector_t *self);

//  Take one reply from the dealer and act on it.
void cl_handle_reply (cl_collector_t *self);

//  No answer within the timeout: reconnect and resend what is unacknowledged.
void cl_check_timeouts (cl_collector_t *self);

//  Free a flight's buffers and empty its slot.
void cl_flight_clear (cl_flight_t *flight);

//  --- wdm_collector_status.c ---

//  Count one batch's acknowledgement time, in ms.
void cl_status_note_ack (cl_collector_t *self, double ack_ms);

//  Write the status file (atomically: a temporary file renamed).
void cl_status_write (cl_collector_t *self);

#endif
