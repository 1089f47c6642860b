/*  wdm_outbox: the collector's durable outbox — records wait here from the
    moment the collector takes them in until the centre acknowledges them.

    The collector appends opaque payloads (one encoded record each) and
    syncs; each gets the next sequence number of the outbox's epoch, and
    (unit, epoch, seq) is the key the server deduplicates by, so a seq that
    may have been sent is never handed out again.  The delivery side reads
    synced records in seq order, resends from the first unacknowledged one
    after a reconnect, and acknowledges inclusive seq ranges in any order.

    On disk, one directory: segment files of records (rotated at about
    4 MiB, deleted once every record in them is acknowledged), a state file
    (acknowledged seqs, highest seq used), an epoch file, a lock file, a
    small reserve file, and damaged/ for segments that recovery repaired.
    Records are streamed from disk; memory does not grow with their number.
    One process at a time: the object holds an exclusive lock on the
    directory.  One thread at a time per object.  Library code: it reports
    problems through return values and messages and never prints.  */

#ifndef WDM_OUTBOX_H_INCLUDED
#define WDM_OUTBOX_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#define WDM_OUTBOX_PAYLOAD_MAX  65536               //  largest payload, bytes
#define WDM_OUTBOX_SEGMENT_MAX  (4u * 1024 * 1024)  //  a segment rotates before passing this

typedef struct wdm_outbox wdm_outbox_t;

//  What opening found and repaired after a crash or damage on disk.  All
//  zero and an empty message when the outbox was clean.
typedef struct {
    uint64_t torn_bytes_cut;    //  bytes cut from the end of the last segment
    uint64_t damaged_records;   //  unacknowledged records damaged or missing: never delivered
    uint64_t damaged_segments;  //  segments rewritten without their damaged bytes
    uint64_t seqs_skipped;      //  seqs passed over after a cut, so none is used twice
    char message [256];         //  the first problem, where it was, what was done
} wdm_outbox_recovery_t;

typedef struct {
    uint64_t epoch;             //  63-bit, nonzero, fixed for the directory
    uint64_t next_seq;          //  seq the next append gets
    uint64_t queued;            //  appended and not yet acknowledged
    uint64_t acknowledged;      //  acknowledged by the centre, ever (survives restarts)
} wdm_outbox_stats_t;

//  Open the outbox in dir, creating the directory (mode 0700, parent must
//  exist) with a new random epoch if it does not exist yet, and lock it.
//  Recovery runs first: a torn tail of the last segment (short header,
//  short payload or bad CRC, with no good record after it) is cut off, and
//  the seqs the cut bytes could have held are skipped, never reused.  A
//  damaged stretch elsewhere (a good record follows it in the segment, or
//  it ends a segment that is not the last) is detected by the CRC: the
//  segment is rewritten with every good record, before and after the
//  damage, the original is kept as damaged/<name>, and the seqs lost are
//  marked done so delivery moves past them.  Damaged bytes are never
//  returned as data.  If recovery is not NULL it is filled in (zeroed when
//  all was clean).
//  Returns the outbox, or NULL with the cause in err; "outbox <dir> is in
//  use by another process" if another process (or another open in this
//  one) holds it.  NULL too, rather than a guess, if the state file is
//  missing or corrupt, or the epoch file while segments exist.
wdm_outbox_t *wdm_outbox_new (const char *dir, wdm_outbox_recovery_t *recovery,
                              char *err, size_t err_size);

//  Drop anything appended since the last sync (as wdm_outbox_rollback),
//  write acknowledgements that could not be written before, release the
//  lock and free the outbox; set *self_p to NULL.  NULL is accepted.
void wdm_outbox_destroy (wdm_outbox_t **self_p);

//  The outbox's epoch: random, 63-bit, nonzero, the same for the
//  directory's whole life.  Sent with every record: (unit, epoch, seq).
uint64_t wdm_outbox_epoch (const wdm_outbox_t *self);

//  Append one payload of 0..WDM_OUTBOX_PAYLOAD_MAX bytes and set *seq to
//  its sequence number.  Buffered: the record counts as taken only when a
//  later wdm_outbox_sync returns 0.  -1 with errno set and a message (see
//  wdm_outbox_error) if the payload is too large (EINVAL, nothing else
//  changes) or writing failed (ENOSPC, EIO, ...): then everything appended
//  since the last sync is dropped, as by wdm_outbox_rollback, and the
//  outbox works again once the cause is gone.
int wdm_outbox_append (wdm_outbox_t *self, const void *payload, size_t size, uint64_t *seq);

//  Make everything appended so far durable: write, fsync the segment, and
//  fsync the directory if a segment was created.  0 on success; -1 with
//  errno set and a message, and everything since the last sync dropped.
int wdm_outbox_sync (wdm_outbox_t *self);

//  Drop everything appended since the last successful sync: the segment
//  is cut back to its synced length and the seqs are handed out again
//  (they were never synced, so never sent).
void wdm_outbox_rollback (wdm_outbox_t *self);

//  The next synced, unacknowledged record in seq order: 1 and *seq,
//  *payload, *size set (the bytes, owned by the outbox, stay valid until
//  the next wdm_outbox_next or destroy); 0 if there is none now; -1 with a
//  message if reading failed, or if a record was damaged on disk after the
//  outbox was opened: then nothing past it is returned until the outbox is
//  reopened, which repairs it.
int wdm_outbox_next (wdm_outbox_t *self, uint64_t *seq, const void **payload, size_t *size);

//  Move the read position back to the first unacknowledged record, so
//  that wdm_outbox_next returns every unacknowledged record again.
void wdm_outbox_rewind (wdm_outbox_t *self);

//  Mark seqs first..last (inclusive) delivered, in any order and any
//  number of times; persist this (state file replaced atomically) and
//  delete segments whose records are all acknowledged.  Acknowledged
//  records are never returned again, also after a reopen.  -1 with a
//  message if the range is empty or reaches past what was synced (EINVAL),
//  if too many separate ranges are open above the first unacknowledged
//  seq (ENOBUFS), or if the state file could not be written: then the
//  acknowledgement holds in memory and is written with the next one.
int wdm_outbox_ack (wdm_outbox_t *self, uint64_t first, uint64_t last);

//  Fill *stats; queued counts records appended and not acknowledged,
//  including those not yet synced.
void wdm_outbox_stats (const wdm_outbox_t *self, wdm_outbox_stats_t *stats);

//  The message of the last failure, "" if none.  Owned by the outbox.
const char *wdm_outbox_error (const wdm_outbox_t *self);

//  Read the stats of the outbox in dir without opening it for use (for
//  `status` while the collector holds it); creates and changes nothing.
//  epoch and acknowledged are exact as of the last acknowledgement
//  written; next_seq and queued count the records the owner has written
//  to its last segment so far, which may include appended records not yet
//  synced and omits those still in its memory buffer.  Damage that the
//  next open would repair is not seen.  0, or -1 with the cause in err.
int wdm_outbox_peek (const char *dir, wdm_outbox_stats_t *stats, char *err, size_t err_size);

#endif
