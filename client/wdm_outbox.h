/*  wdm_outbox: the collector's durable outbox — records wait here from the
    moment the collector takes them in until the centre acknowledges them.

    The collector appends opaque payloads (one encoded record each) and
    syncs; each gets the next sequence number of the outbox's epoch, and
    (unit, epoch, seq) is the key the server deduplicates by, so a seq that
    may have been sent is never handed out again.  The delivery side reads
    synced records in seq order, resends from the first unacknowledged one
    after a reconnect, and acknowledges inclusive seq ranges in any order.

    On disk, one directory: one SQLite database, outbox.db (WAL,
    synchronous=FULL), with a row per unacknowledged record (seq, payload,
    CRC-32 of both) and the epoch, next seq and counters; a lock file, a
    small reserve file, and damaged/ for a database file that failed its
    check at open.  Records are read from disk one at a time; memory does
    not grow with their number.  One process at a time: the object holds
    an exclusive lock on the directory; `status` reads the database
    read-only meanwhile.  One thread at a time per object.  Library code:
    it reports problems through return values and messages and never
    prints.  */

#ifndef WDM_OUTBOX_H_INCLUDED
#define WDM_OUTBOX_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#define WDM_OUTBOX_PAYLOAD_MAX 65536  //  largest payload, bytes

typedef struct wdm_outbox wdm_outbox_t;

//  What opening found and repaired after a crash or damage on disk.  All
//  zero and an empty message when the outbox was clean.
typedef struct {
    uint64_t torn_bytes_cut;    //  always 0: SQLite's WAL drops a torn commit itself
    uint64_t damaged_records;   //  unacknowledged records damaged or missing: never delivered
    uint64_t damaged_segments;  //  database files set aside in damaged/ and rebuilt (0 or 1)
    uint64_t seqs_skipped;      //  always 0 (kept for the callers of the segment format)
    char message [256];         //  what was found, where, what was done
} wdm_outbox_recovery_t;

typedef struct {
    uint64_t epoch;         //  63-bit, nonzero, fixed for the directory
    uint64_t next_seq;      //  seq the next append gets
    uint64_t queued;        //  appended and not yet acknowledged
    uint64_t acknowledged;  //  acknowledged by the centre, ever (survives restarts)
} wdm_outbox_stats_t;

//  Open the outbox in dir, creating the directory (mode 0700, parent must
//  exist) and outbox.db with a new random epoch if they do not exist yet,
//  and lock it.  Checks run first: PRAGMA quick_check, then every record's
//  CRC.  A record whose CRC fails (a flipped bit SQLite does not see) is
//  moved to table damaged and counted; a database that fails quick_check
//  or cannot be read through is moved to damaged/outbox-<time>.db, and
//  every record that can still be read with a good CRC is copied into a
//  new outbox.db with the same epoch and next seq (a new epoch only if
//  they cannot be read).  Damaged bytes are never returned as data.  If
//  recovery is not NULL it is filled in (zeroed when all was clean).
//  Returns the outbox, or NULL with the cause in err; "outbox <dir> is in
//  use by another process" if another process (or another open in this
//  one) holds it.  NULL too, rather than a guess, if the meta row is
//  missing or wrong, or if dir holds segment files (seg-*.wdo) of the
//  segment format of earlier versions: drain those with that version first.
wdm_outbox_t *wdm_outbox_new (const char *dir, wdm_outbox_recovery_t *recovery, char *err, size_t err_size);

//  Drop anything appended since the last sync (as wdm_outbox_rollback),
//  write acknowledgements that could not be written before, release the
//  lock and free the outbox; set *self_p to NULL.  NULL is accepted.
void wdm_outbox_destroy (wdm_outbox_t **self_p);

//  The outbox's epoch: random, 63-bit, nonzero, the same for the
//  directory's whole life.  Sent with every record: (unit, epoch, seq).
uint64_t wdm_outbox_epoch (const wdm_outbox_t *self);

//  Append one payload of 0..WDM_OUTBOX_PAYLOAD_MAX bytes and set *seq to
//  its sequence number.  In the write transaction the first append opens:
//  the record counts as taken only when a later wdm_outbox_sync returns 0.  -1 with errno set and a message (see
//  wdm_outbox_error) if the payload is too large (EINVAL, nothing else
//  changes) or writing failed (ENOSPC, EIO, ...): then everything appended
//  since the last sync is dropped, as by wdm_outbox_rollback, and the
//  outbox works again once the cause is gone.
int wdm_outbox_append (wdm_outbox_t *self, const void *payload, size_t size, uint64_t *seq);

//  Make everything appended so far durable: commit the transaction (the
//  WAL is fsynced) with the next seq.  0 on success; -1 with errno set and
//  a message, and everything since the last sync dropped.
int wdm_outbox_sync (wdm_outbox_t *self);

//  Drop everything appended since the last successful sync: the
//  transaction is rolled back and the seqs are handed out again (they
//  were never synced, so never sent).  Acknowledgements made since then
//  are written again in a transaction of their own.
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
//  number of times: their rows are deleted in a transaction of its own
//  (when the disk is full, the reserve file makes room for it), or, after
//  appends not yet synced, in theirs, committed by the next sync.
//  Acknowledged records are never returned again, also after a reopen.
//  -1 with a message if the range is empty or reaches past what was
//  synced (EINVAL), or if the deletion could not be written: then the
//  acknowledgement holds in memory (the records still count as queued)
//  and is written with the next one; ENOBUFS when too many wait so.
int wdm_outbox_ack (wdm_outbox_t *self, uint64_t first, uint64_t last);

//  Fill *stats; queued counts records appended and not acknowledged,
//  including those not yet synced.
void wdm_outbox_stats (const wdm_outbox_t *self, wdm_outbox_stats_t *stats);

//  The message of the last failure, "" if none.  Owned by the outbox.
const char *wdm_outbox_error (const wdm_outbox_t *self);

//  Read the stats of the outbox in dir without opening it for use (for
//  `status` while the collector holds it): outbox.db is opened read-only,
//  and, when no WAL is there (nobody holds it), as immutable, so that
//  nothing is created or changed.  The figures are those of the owner's
//  last commit (sync or acknowledgement).  Damage that the next open would
//  set aside is not seen.  0, or -1 with the cause in err.
int wdm_outbox_peek (const char *dir, wdm_outbox_stats_t *stats, char *err, size_t err_size);

#endif
