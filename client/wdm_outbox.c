/*  wdm_outbox: the collector's outbox in one SQLite database (WAL,
    synchronous=FULL).  See wdm_outbox.h for the contract.  This file
    holds the API and the acknowledgements; the database's helpers are in
    wdm_outbox_db.c, recovery at open in wdm_outbox_salvage.c
    (wdm_outbox_int.h lists them).

    Files in the directory:

    outbox.db   the database (with outbox.db-wal and outbox.db-shm while
                it is open or after a crash):
        record  (seq INTEGER PRIMARY KEY, payload BLOB, crc INTEGER)
                one row a record not yet acknowledged; crc is wdm_crc32 of
                the seq (8 bytes, little-endian) followed by the payload,
                so that a flipped bit in a payload (which SQLite does not
                checksum) is found and never sent as data
        meta    (id = 1, format, epoch, next_seq, queued, acknowledged)
                next_seq is written in the transaction that syncs, so a
                seq that was synced (and may have been sent) is never
                handed out again, while seqs appended and rolled back are
        damaged (seq, payload, crc, found) rows whose CRC was wrong, set
                aside at open for study; never delivered
    lock        flock()ed by the owning process
    reserve     64 KiB of zeros, deleted to make room for an
                acknowledgement when the disk is full (else the records it
                frees could never be deleted)
    damaged/    a database file that failed PRAGMA quick_check at open,
                kept as it was; its readable rows were copied into a new
                outbox.db

    One write transaction at a time: appends open it (BEGIN IMMEDIATE),
    sync commits it.  An acknowledgement outside it is a transaction of its
    own; inside it, it is part of that transaction and is done again after
    a rollback.  Readers (`status`, wdm_outbox_peek) open the file
    read-only; WAL lets them read while the owner writes.  */
#include "wdm_outbox_int.h"
#include "wdm_crc32.h"

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
//  Acknowledgements

static bool
s_pending (const wdm_outbox_t *self, uint64_t seq)
{
    for (size_t i = 0; i < self->pending_count; i++)
        if (seq >= self->pending [i].first && seq <= self->pending [i].last)
            return true;
    return false;
}

//  Delete first..last inside the open transaction and count them.
static int
s_delete (wdm_outbox_t *self, uint64_t first, uint64_t last)
{
    sqlite3_stmt *stmt = self->delete_range;
    sqlite3_reset (stmt);
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64)first);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64)last);
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE) {
        ob_sql_error (self, "cannot delete acknowledged records", rc);
        return -1;
    }
    uint64_t gone = (uint64_t)sqlite3_changes (self->db);
    self->now.queued -= gone <= self->now.queued ? gone : self->now.queued;
    self->now.acknowledged += gone;
    return 0;
}

//  Write the acknowledgements waiting in pending and first..last (if last
//  is not 0) in one transaction of their own.  0, or -1 with a message,
//  the transaction rolled back and the counters as they were.
static int
s_ack_commit (wdm_outbox_t *self, uint64_t first, uint64_t last)
{
    int rc = ob_exec (self, "BEGIN IMMEDIATE", "cannot begin a transaction");
    for (size_t i = 0; rc == 0 && i < self->pending_count; i++)
        rc = s_delete (self, self->pending [i].first, self->pending [i].last);
    if (rc == 0 && last)
        rc = s_delete (self, first, last);
    if (rc == 0)
        rc = ob_meta_write (self, self->synced.next_seq);
    if (rc == 0)
        rc = ob_exec (self, "COMMIT", "cannot write an acknowledgement");
    if (rc) {
        ob_abort (self);
        self->now = self->synced;
        return -1;
    }
    self->synced = self->now;
    self->pending_count = 0;
    return 0;
}

//  Write the acknowledgements, making room with the reserve if the disk
//  is full.  Those that cannot be written stay pending.
static int
s_ack_write (wdm_outbox_t *self, uint64_t first, uint64_t last)
{
    int rc = s_ack_commit (self, first, last);
    if (rc && errno == ENOSPC && ob_reserve_use (self))
        rc = s_ack_commit (self, first, last);
    if (rc && last) {
        int saved = errno;
        if (self->pending_count < OB_PENDING_MAX)
            self->pending [self->pending_count++] = (ob_range_t) { first, last };
        else {
            ob_error (self, "%d acknowledgements wait to be written: no room for more", OB_PENDING_MAX);
            saved = ENOBUFS;
        }
        errno = saved;
    }
    return rc;
}

//  ---------------------------------------------------------------------
//  The API

//  Make the outbox's directory if need be and take its lock file, so that
//  one process at a time holds the outbox.  0, or -1 with self->error set.
static int
s_claim_dir (wdm_outbox_t *self, const char *dir, const char *lock)
{
    if (mkdir (dir, 0700) == 0) {
        if (ob_fsync_parent (dir)) {
            ob_error (self, "cannot sync the directory that holds it: %s", strerror (errno));
            return -1;
        }
    } else if (errno != EEXIST) {
        ob_error (self, "cannot create the directory: %s", strerror (errno));
        return -1;
    }
    self->lock_fd = open (lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (self->lock_fd < 0) {
        ob_error (self, "cannot open the lock file: %s", strerror (errno));
        return -1;
    }
    if (flock (self->lock_fd, LOCK_EX | LOCK_NB)) {
        if (errno == EWOULDBLOCK)
            snprintf (self->error, sizeof self->error, "outbox %s is in use by another process", dir);
        else
            ob_error (self, "cannot lock: %s", strerror (errno));
        return -1;
    }
    return 0;
}

wdm_outbox_t *
wdm_outbox_new (const char *dir, wdm_outbox_recovery_t *recovery, char *err, size_t err_size)
{
    wdm_outbox_recovery_t ignored;
    if (!recovery)
        recovery = &ignored;
    memset (recovery, 0, sizeof *recovery);
    if (err_size)
        err [0] = '\0';
    wdm_outbox_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, err_size, "outbox %s: out of memory", dir);
        return NULL;
    }
    self->lock_fd = -1;
    self->dir = strdup (dir);
    self->db_path = ob_join (dir, OB_DB_NAME);
    self->read_buf = malloc (OB_AHEAD_BYTES + WDM_OUTBOX_PAYLOAD_MAX);
    char *lock = ob_join (dir, "lock");
    if (!self->dir || !self->db_path || !self->read_buf || !lock) {
        snprintf (err, err_size, "outbox %s: out of memory", dir);
        goto failed;
    }
    if (s_claim_dir (self, dir, lock))
        goto failed_msg;
    if (ob_has_segments (dir)) {
        ob_error (self,
                  "holds records in the segment format of an earlier wdmon-collector (seg-*.wdo);"
                  " drain it with that version first (until `status` shows queued 0), or move it away");
        goto failed_msg;
    }
    if (!ob_exists (dir, OB_DB_NAME)) {
        ob_meta_t meta = { 0, 1, 0, 0 };
        if (ob_new_epoch (&meta.epoch)) {
            ob_error (self, "getrandom failed: %s", strerror (errno));
            goto failed_msg;
        }
        if (ob_create (self, &meta))
            goto failed_msg;
    }
    if (ob_open_db (self, recovery))
        goto failed_msg;
    ob_reserve_make (self);
    free (lock);
    return self;

failed_msg:
    snprintf (err, err_size, "%s", self->error);
failed:
    free (lock);
    wdm_outbox_destroy (&self);
    return NULL;
}

void
wdm_outbox_destroy (wdm_outbox_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    wdm_outbox_t *self = *self_p;
    if (self->db) {
        wdm_outbox_rollback (self);
        if (self->pending_count)
            s_ack_write (self, 0, 0);
    }
    ob_close_db (self);
    if (self->lock_fd >= 0)
        close (self->lock_fd);  //  releases the lock, after the database is closed
    free (self->txn_acks);
    free (self->read_buf);
    free (self->db_path);
    free (self->dir);
    free (self);
    *self_p = NULL;
}

uint64_t
wdm_outbox_epoch (const wdm_outbox_t *self)
{
    return self->epoch;
}

int
wdm_outbox_append (wdm_outbox_t *self, const void *payload, size_t size, uint64_t *seq)
{
    self->error [0] = '\0';
    if (size > WDM_OUTBOX_PAYLOAD_MAX) {
        ob_error (self, "a payload of %zu bytes is larger than %d", size, WDM_OUTBOX_PAYLOAD_MAX);
        errno = EINVAL;
        return -1;
    }
    if (self->now.next_seq > OB_SEQ_MAX) {
        ob_error (self, "every seq of the epoch is used");
        errno = EOVERFLOW;
        return -1;
    }
    if (!self->in_txn) {
        if (ob_exec (self, "BEGIN IMMEDIATE", "cannot begin a transaction"))
            return -1;
        self->in_txn = true;
        self->txn_ack_count = 0;
    }
    uint64_t next = self->now.next_seq;
    sqlite3_stmt *stmt = self->insert;
    sqlite3_reset (stmt);
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64)next);
    sqlite3_bind_blob (stmt, 2, size ? payload : "", (int)size, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, (sqlite3_int64)ob_crc (next, payload, size));
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
    if (rc != SQLITE_DONE) {
        ob_sql_error (self, "cannot append a record", rc);
        wdm_outbox_rollback (self);
        return -1;
    }
    self->now.next_seq++;
    self->now.queued++;
    *seq = next;
    return 0;
}

int
wdm_outbox_sync (wdm_outbox_t *self)
{
    self->error [0] = '\0';
    if (!self->in_txn)
        return self->pending_count ? s_ack_write (self, 0, 0) : 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < self->pending_count; i++)
        rc = s_delete (self, self->pending [i].first, self->pending [i].last);
    if (rc == 0)
        rc = ob_meta_write (self, self->now.next_seq);
    if (rc == 0)
        rc = ob_exec (self, "COMMIT", "cannot sync");
    if (rc) {
        wdm_outbox_rollback (self);
        return -1;
    }
    self->in_txn = false;
    self->txn_ack_count = 0;
    self->pending_count = 0;
    self->synced = self->now;
    if (!self->have_reserve)
        ob_reserve_make (self);
    return 0;
}

void
wdm_outbox_rollback (wdm_outbox_t *self)
{
    if (!self->in_txn)
        return;
    int saved = errno;
    char error [sizeof self->error];
    memcpy (error, self->error, sizeof error);
    ob_abort (self);
    self->in_txn = false;
    self->now = self->synced;
    //  Acknowledgements made inside the transaction went with it: again.
    for (size_t i = 0; i < self->txn_ack_count; i++)
        s_ack_write (self, self->txn_acks [i].first, self->txn_acks [i].last);
    self->txn_ack_count = 0;
    memcpy (self->error, error, sizeof error);
    errno = saved;
}

//  Read the next synced records after read_after into the read-ahead
//  buffer, checking each CRC.  0 (none if ahead_count is 0), or -1 with a
//  message.
static int
s_read_ahead (wdm_outbox_t *self)
{
    self->ahead_count = self->ahead_next = 0;
    sqlite3_stmt *stmt = self->select_next;
    sqlite3_reset (stmt);
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64)self->read_after);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64)self->synced.next_seq);
    sqlite3_bind_int64 (stmt, 3, OB_AHEAD_ROWS);
    size_t used = 0;
    int rc = SQLITE_DONE;
    while (self->ahead_count < OB_AHEAD_ROWS && used < OB_AHEAD_BYTES
           && (rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        ob_ahead_t *row = &self->ahead [self->ahead_count];
        row->seq = (uint64_t)sqlite3_column_int64 (stmt, 0);
        const void *bytes = sqlite3_column_blob (stmt, 1);
        row->size = (size_t)sqlite3_column_bytes (stmt, 1);
        sqlite3_int64 crc = sqlite3_column_int64 (stmt, 2);
        row->good =
            row->size <= WDM_OUTBOX_PAYLOAD_MAX && crc == (sqlite3_int64)ob_crc (row->seq, bytes, row->size);
        row->offset = used;
        if (row->good && row->size) {
            memcpy (self->read_buf + used, bytes, row->size);
            used += row->size;
        }
        self->ahead_count++;
        if (!row->good)
            break;  //  nothing past it is returned
    }
    if (self->ahead_count == 0 && rc != SQLITE_DONE) {
        ob_sql_error (self, "cannot read the next record", rc);
        sqlite3_reset (stmt);
        return -1;
    }
    sqlite3_reset (stmt);
    return 0;
}

int
wdm_outbox_next (wdm_outbox_t *self, uint64_t *seq, const void **payload, size_t *size)
{
    if (self->read_failed)
        return -1;
    for (;;) {
        if (self->ahead_next == self->ahead_count) {
            if (s_read_ahead (self))
                return -1;
            if (self->ahead_count == 0)
                return 0;
        }
        const ob_ahead_t *row = &self->ahead [self->ahead_next++];
        if (!row->good) {
            self->read_failed = true;
            ob_error (self,
                      "record seq %" PRIu64 " is damaged (bad CRC): nothing past it is sent"
                      " until the outbox is opened again, which sets it aside",
                      row->seq);
            errno = EIO;
            return -1;
        }
        self->read_after = row->seq;
        if (s_pending (self, row->seq))
            continue;
        *seq = row->seq;
        *payload = self->read_buf + row->offset;
        *size = row->size;
        return 1;
    }
}

void
wdm_outbox_rewind (wdm_outbox_t *self)
{
    self->read_after = 0;
    self->ahead_count = self->ahead_next = 0;
}

int
wdm_outbox_ack (wdm_outbox_t *self, uint64_t first, uint64_t last)
{
    self->error [0] = '\0';
    if (first == 0 || first > last || last >= self->synced.next_seq) {
        ob_error (self, "cannot acknowledge %" PRIu64 "..%" PRIu64 ": synced seqs are 1..%" PRIu64, first,
                  last, self->synced.next_seq - 1);
        errno = EINVAL;
        return -1;
    }
    //  Records read ahead may be among them: read them again.
    self->ahead_count = self->ahead_next = 0;
    if (!self->in_txn)
        return s_ack_write (self, first, last);
    //  Inside the appends' transaction: written with them at sync.
    if (self->txn_ack_count == self->txn_ack_cap) {
        size_t cap = self->txn_ack_cap ? self->txn_ack_cap * 2 : 16;
        ob_range_t *grown = realloc (self->txn_acks, cap * sizeof *grown);
        if (!grown) {
            ob_error (self, "out of memory");
            errno = ENOMEM;
            return -1;
        }
        self->txn_acks = grown;
        self->txn_ack_cap = cap;
    }
    if (s_delete (self, first, last)) {
        wdm_outbox_rollback (self);
        return -1;
    }
    self->txn_acks [self->txn_ack_count++] = (ob_range_t) { first, last };
    return 0;
}

void
wdm_outbox_stats (const wdm_outbox_t *self, wdm_outbox_stats_t *stats)
{
    stats->epoch = self->epoch;
    stats->next_seq = self->now.next_seq;
    stats->queued = self->now.queued;
    stats->acknowledged = self->now.acknowledged;
}

const char *
wdm_outbox_error (const wdm_outbox_t *self)
{
    return self->error;
}

int
wdm_outbox_peek (const char *dir, wdm_outbox_stats_t *stats, char *err, size_t err_size)
{
    int rc = -1;
    sqlite3 *db = NULL;
    char *path = ob_join (dir, OB_DB_NAME);
    char *wal = ob_join (dir, OB_DB_NAME "-wal");
    char *uri = NULL;
    struct stat st;
    if (!path || !wal) {
        snprintf (err, err_size, "outbox %s: out of memory", dir);
        goto cleanup;
    }
    if (stat (dir, &st) != 0 || !S_ISDIR (st.st_mode)) {
        snprintf (err, err_size, "no outbox at %s", dir);
        goto cleanup;
    }
    if (stat (path, &st) != 0) {
        if (ob_has_segments (dir))
            snprintf (err, err_size,
                      "outbox %s is in the segment format of an earlier wdmon-collector:"
                      " read its status with that version",
                      dir);
        else
            snprintf (err, err_size, "%s is not an outbox (no %s)", dir, OB_DB_NAME);
        goto cleanup;
    }
    //  Without a WAL nobody writes it now (an owner keeps one while open):
    //  read the file as it is, creating nothing.  With one, read through it.
    uri = ob_uri (path, stat (wal, &st) == 0 ? "mode=ro" : "immutable=1");
    ob_meta_t meta;
    int sql_rc = SQLITE_NOMEM;
    if (uri)
        sql_rc = sqlite3_open_v2 (uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    if (sql_rc == SQLITE_OK) {
        sqlite3_busy_timeout (db, 2000);
        int got = ob_meta_read (db, &meta, &sql_rc);
        if (got == 1) {
            snprintf (err, err_size, "outbox %s: the meta row of %s is missing or wrong", dir, OB_DB_NAME);
            goto cleanup;
        }
        if (got == 0) {
            stats->epoch = meta.epoch;
            stats->next_seq = meta.next_seq;
            stats->queued = meta.queued;
            stats->acknowledged = meta.acknowledged;
            rc = 0;
            goto cleanup;
        }
    }
    snprintf (err, err_size, "outbox %s: cannot read %s: %s", dir, OB_DB_NAME,
              db ? sqlite3_errmsg (db) : sqlite3_errstr (sql_rc));
cleanup:
    sqlite3_close (db);
    free (uri);
    free (wal);
    free (path);
    return rc;
}
