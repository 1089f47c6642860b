/*  wdm_outbox_salvage: recovery at open.  outbox.db is opened and checked
    (PRAGMA quick_check, every record's CRC); records that fail their CRC
    are set aside in table damaged; a file SQLite finds corrupt is moved
    to damaged/ as it was and its readable rows copied into a new
    outbox.db.  Called by wdm_outbox_new (ob_open_db); says what it found
    in the recovery report.  Owns damaged/.  */

#include "wdm_outbox_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

//  ---------------------------------------------------------------------
//  Recovery at open

//  Append the fact to the recovery message (the first problem first).
static void s_note (wdm_outbox_recovery_t *recovery, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
s_note (wdm_outbox_recovery_t *recovery, const char *format, ...)
{
    size_t len = strlen (recovery->message);
    if (len + 3 >= sizeof recovery->message)
        return;
    if (len > 0) {
        strcpy (recovery->message + len, "; ");
        len += 2;
    }
    va_list args;
    va_start (args, format);
    vsnprintf (recovery->message + len, sizeof recovery->message - len, format, args);
    va_end (args);
}

//  The seqs of the records whose CRC failed, a growable array.
typedef struct {
    uint64_t *seq;
    size_t count, cap;
} s_bad_t;

//  Read every record and check its CRC, listing those that fail in bad.
//  Counts the good records into *count and the largest seq into *max_seq.
//  0; 1 if SQLite found the file corrupt while reading (salvage it); -1
//  on another failure, with a message.
static int
s_scan_records (wdm_outbox_t *self, s_bad_t *bad, uint64_t *count, uint64_t *max_seq)
{
    int result = -1;
    sqlite3_stmt *scan = NULL;
    int rc =
        sqlite3_prepare_v2 (self->db, "SELECT seq, payload, crc FROM record ORDER BY seq", -1, &scan, NULL);
    if (rc == SQLITE_OK)
        rc = SQLITE_ROW;
    while (rc == SQLITE_ROW && (rc = sqlite3_step (scan)) == SQLITE_ROW) {
        uint64_t seq = (uint64_t)sqlite3_column_int64 (scan, 0);
        const void *payload = sqlite3_column_blob (scan, 1);
        size_t size = (size_t)sqlite3_column_bytes (scan, 1);
        sqlite3_int64 crc = sqlite3_column_int64 (scan, 2);
        if (size > WDM_OUTBOX_PAYLOAD_MAX || crc != (sqlite3_int64)ob_crc (seq, payload, size)) {
            if (bad->count == bad->cap) {
                size_t cap = bad->cap ? bad->cap * 2 : 16;
                uint64_t *grown = realloc (bad->seq, cap * sizeof *grown);
                if (!grown) {
                    ob_error (self, "out of memory");
                    goto cleanup;
                }
                bad->seq = grown;
                bad->cap = cap;
            }
            bad->seq [bad->count++] = seq;
        } else
            (*count)++;
        if (seq > *max_seq)
            *max_seq = seq;
    }
    if (rc == SQLITE_DONE)
        result = 0;
    else if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
        result = 1;
    else
        ob_sql_error (self, "cannot read the records", rc);
cleanup:
    sqlite3_finalize (scan);
    return result;
}

//  Move the bad records to table damaged in one transaction, queued set
//  to the good ones.  0, or -1 with a message and the transaction undone.
static int
s_move_damaged (wdm_outbox_t *self, const s_bad_t *bad, uint64_t queued)
{
    sqlite3_stmt *move = NULL, *drop = NULL;
    int rc = sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2 (self->db,
                                 "INSERT OR REPLACE INTO damaged SELECT seq, payload, crc,"
                                 " datetime ('now') FROM record WHERE seq = ?",
                                 -1, &move, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2 (self->db, "DELETE FROM record WHERE seq = ?", -1, &drop, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < bad->count; i++) {
        sqlite3_reset (move);
        sqlite3_bind_int64 (move, 1, (sqlite3_int64)bad->seq [i]);
        sqlite3_reset (drop);
        sqlite3_bind_int64 (drop, 1, (sqlite3_int64)bad->seq [i]);
        if (sqlite3_step (move) != SQLITE_DONE || sqlite3_step (drop) != SQLITE_DONE)
            rc = sqlite3_errcode (self->db);
    }
    sqlite3_finalize (move);
    sqlite3_finalize (drop);
    self->now.queued = queued;
    if (rc == SQLITE_OK && ob_meta_write (self, self->now.next_seq) == 0)
        rc = sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        ob_sql_error (self, "cannot set damaged records aside", rc);
        ob_abort (self);
        return -1;
    }
    return 0;
}

//  Check every record's CRC; set aside those that fail in table damaged.
//  Counts the records into *count and the largest seq into *max_seq.
//  0; 1 if SQLite found the file corrupt while reading (salvage it); -1
//  on another failure, with a message.
static int
s_check_records (wdm_outbox_t *self, wdm_outbox_recovery_t *recovery, uint64_t *count, uint64_t *max_seq)
{
    s_bad_t bad = { NULL, 0, 0 };
    *count = *max_seq = 0;
    int result = s_scan_records (self, &bad, count, max_seq);
    if (result == 0 && bad.count > 0) {
        result = s_move_damaged (self, &bad, *count);
        if (result == 0) {
            recovery->damaged_records += bad.count;
            s_note (recovery,
                    "%zu record%s damaged (bad CRC, first seq %" PRIu64 "): set aside in table"
                    " damaged of %s/%s, not delivered",
                    bad.count, bad.count == 1 ? "" : "s", bad.seq [0], self->dir, OB_DB_NAME);
        }
    }
    free (bad.seq);
    return result;
}

//  Move outbox.db (and its WAL and shared-memory files) to damaged/, as
//  damaged/outbox-<time>.db.  The new name is put in aside (a path).
static int
s_set_aside (wdm_outbox_t *self, char *aside, size_t aside_size)
{
    char *damaged = ob_join (self->dir, "damaged");
    if (!damaged || (mkdir (damaged, 0700) && errno != EEXIST)) {
        ob_error (self, "cannot make %s/damaged: %s", self->dir, strerror (errno));
        free (damaged);
        return -1;
    }
    snprintf (aside, aside_size, "%s/outbox-%lld.db", damaged, (long long)time (NULL));
    for (int i = 1; access (aside, F_OK) == 0; i++)
        snprintf (aside, aside_size, "%s/outbox-%lld-%d.db", damaged, (long long)time (NULL), i);
    int rc = 0;
    static const char *suffixes [] = { "-wal", "-shm", "" };  //  the database last
    for (int i = 0; i < 3 && rc == 0; i++) {
        char from [4096], to [4096];
        snprintf (from, sizeof from, "%s%s", self->db_path, suffixes [i]);
        snprintf (to, sizeof to, "%s%s", aside, suffixes [i]);
        if (rename (from, to) && errno != ENOENT)
            rc = -1;
    }
    if (rc || ob_fsync_dir (damaged) || ob_fsync_dir (self->dir)) {
        ob_error (self, "cannot move %s to %s: %s", self->db_path, aside, strerror (errno));
        rc = -1;
    }
    free (damaged);
    return rc;
}

//  Copy every readable record with a good CRC from the database at from
//  into the (new, empty) open database.  Rows that cannot be read are
//  stepped over one seq at a time, up to OB_PROBES_MAX in a row or limit.
//  Counts into *copied and *bad; largest seq into *max_seq.
static int
s_copy_rows (wdm_outbox_t *self, sqlite3 *from, uint64_t limit, uint64_t *copied, uint64_t *bad,
             uint64_t *max_seq)
{
    sqlite3_stmt *read = NULL;
    int rc = sqlite3_prepare_v2 (from,
                                 "SELECT seq, payload, crc FROM record WHERE seq > ?"
                                 " ORDER BY seq LIMIT 1",
                                 -1, &read, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize (read);
        return 0;  //  nothing readable: the caller reports what is lost
    }
    uint64_t after = 0, misses = 0;
    rc = sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    while (rc == SQLITE_OK && misses < OB_PROBES_MAX && after < limit) {
        sqlite3_reset (read);
        sqlite3_bind_int64 (read, 1, (sqlite3_int64)after);
        int step = sqlite3_step (read);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            after++;  //  unreadable: try past it
            misses++;
            continue;
        }
        uint64_t seq = (uint64_t)sqlite3_column_int64 (read, 0);
        if (seq <= after) {  //  a broken tree can answer out of order
            after++;
            misses++;
            continue;
        }
        misses = 0;
        const void *payload = sqlite3_column_blob (read, 1);
        size_t size = (size_t)sqlite3_column_bytes (read, 1);
        sqlite3_int64 crc = sqlite3_column_int64 (read, 2);
        after = seq;
        if (seq > *max_seq)
            *max_seq = seq;
        if (size > WDM_OUTBOX_PAYLOAD_MAX || crc != (sqlite3_int64)ob_crc (seq, payload, size)) {
            (*bad)++;
            continue;
        }
        sqlite3_reset (self->insert);
        sqlite3_bind_int64 (self->insert, 1, (sqlite3_int64)seq);
        sqlite3_bind_blob (self->insert, 2, payload, (int)size, SQLITE_TRANSIENT);
        sqlite3_bind_int64 (self->insert, 3, crc);
        if (sqlite3_step (self->insert) != SQLITE_DONE)
            rc = sqlite3_errcode (self->db);
        else
            (*copied)++;
    }
    sqlite3_reset (self->insert);
    sqlite3_finalize (read);
    self->now.queued = *copied;
    self->now.next_seq = *max_seq + 1 > self->now.next_seq ? *max_seq + 1 : self->now.next_seq;
    if (rc == SQLITE_OK && ob_meta_write (self, self->now.next_seq) == 0)
        rc = sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        ob_sql_error (self, "cannot copy the readable records", rc);
        ob_abort (self);
        return -1;
    }
    return 0;
}

//  The database is corrupt: set it aside in damaged/, make a new one with
//  the same epoch and counters (as far as they can be read), and copy in
//  every record that can still be read.  0, or -1 with a message.
static int
s_salvage (wdm_outbox_t *self, wdm_outbox_recovery_t *recovery, const char *why)
{
    int rc = -1;
    sqlite3 *from = NULL;
    char *uri = NULL;
    ob_close_db (self);
    char aside [4096];
    if (s_set_aside (self, aside, sizeof aside))
        goto cleanup;
    uri = ob_uri (aside, "mode=ro");
    ob_meta_t meta = { 0, 1, 0, 0 };
    bool meta_known = false;
    //  writable_schema lets SQLite read a file shorter than its header
    //  says (it refuses to otherwise); the connection writes nothing.
    if (uri && sqlite3_open_v2 (uri, &from, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) == SQLITE_OK) {
        sqlite3_exec (from, "PRAGMA writable_schema = ON", NULL, NULL, NULL);
        meta_known = ob_meta_read (from, &meta, NULL) == 0;
    }
    //  Without the epoch a new one is taken: the records then go out under
    //  it, and the centre may store one twice that it had before.
    if (!meta_known && ob_new_epoch (&meta.epoch)) {
        ob_error (self, "getrandom failed: %s", strerror (errno));
        goto cleanup;
    }
    meta.queued = 0;
    if (ob_create (self, &meta))
        goto cleanup;
    if (sqlite3_open_v2 (self->db_path, &self->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK
        || ob_configure (self) || ob_prepare (self)) {
        if (!self->error [0])
            ob_sql_error (self, "cannot open the rebuilt database", sqlite3_errcode (self->db));
        goto cleanup;
    }
    self->epoch = meta.epoch;
    self->now = meta;
    uint64_t copied = 0, bad = 0, max_seq = 0;
    if (from && s_copy_rows (self, from, meta_known ? meta.next_seq : UINT64_MAX, &copied, &bad, &max_seq))
        goto cleanup;
    //  meta.queued (before) is what the damaged file should have held.
    ob_meta_t before = { 0, 0, 0, 0 };
    bool counted = from && ob_meta_read (from, &before, NULL) == 0;
    uint64_t lost = counted && before.queued > copied ? before.queued - copied : bad;
    recovery->damaged_segments++;
    recovery->damaged_records += lost;
    s_note (recovery,
            "%s/%s is damaged (%s): kept as %s; %" PRIu64 " records copied to a new"
            " database, %" PRIu64 " lost%s%s",
            self->dir, OB_DB_NAME, why, aside, copied, lost,
            counted ? "" : " (the count of records it held could not be read)",
            meta_known ? "" : "; its epoch could not be read: a new one was taken");
    rc = 0;
cleanup:
    sqlite3_close (from);
    free (uri);
    return rc;
}

//  Open outbox.db, check it, and load the counters.  0, or -1 with a
//  message.
int
ob_open_db (wdm_outbox_t *self, wdm_outbox_recovery_t *recovery)
{
    char why [160] = "";
    int rc = sqlite3_open_v2 (self->db_path, &self->db, SQLITE_OPEN_READWRITE, NULL);
    if (rc != SQLITE_OK) {
        ob_sql_error (self, "cannot open " OB_DB_NAME, rc);
        return -1;
    }
    //  quick_check answers in rows; the first is "ok" if all is well.  A
    //  file too broken to be checked fails here as well.
    sqlite3_stmt *check = NULL;
    rc = sqlite3_prepare_v2 (self->db, "PRAGMA quick_check (1)", -1, &check, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step (check);
    if (rc == SQLITE_ROW) {
        const char *answer = (const char *)sqlite3_column_text (check, 0);
        if (!answer || strcmp (answer, "ok") != 0)
            snprintf (why, sizeof why, "quick_check: %s", answer ? answer : "no answer");
    } else {
        int primary = rc & 0xff;
        if (primary == SQLITE_BUSY || primary == SQLITE_NOMEM || primary == SQLITE_IOERR
            || primary == SQLITE_CANTOPEN || primary == SQLITE_PERM || primary == SQLITE_READONLY) {
            ob_sql_error (self, "cannot check " OB_DB_NAME, rc);
            sqlite3_finalize (check);
            return -1;
        }
        snprintf (why, sizeof why, "quick_check: %s", sqlite3_errmsg (self->db));
    }
    sqlite3_finalize (check);
    if (!why [0] && (ob_configure (self) || ob_prepare (self)))
        return -1;
    if (!why [0]) {
        int meta_rc;
        int got = ob_meta_read (self->db, &self->now, &meta_rc);
        if (got == 1) {
            ob_error (self,
                      "the meta row of %s is missing or wrong: not opened, rather than guess"
                      " the epoch or the next seq",
                      OB_DB_NAME);
            return -1;
        }
        if (got < 0)
            snprintf (why, sizeof why, "meta: %s", sqlite3_errstr (meta_rc));
    }
    if (!why [0]) {
        self->epoch = self->now.epoch;
        uint64_t count, max_seq;
        int checked = s_check_records (self, recovery, &count, &max_seq);
        if (checked < 0)
            return -1;
        if (checked > 0)
            snprintf (why, sizeof why, "reading the records: %s", sqlite3_errmsg (self->db));
        else {
            self->now.queued = count;
            if (max_seq >= self->now.next_seq)
                self->now.next_seq = max_seq + 1;
        }
    }
    if (why [0] && s_salvage (self, recovery, why))
        return -1;
    self->synced = self->now;
    return 0;
}
