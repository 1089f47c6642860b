/*  wdm_outbox: the collector's outbox in one SQLite database (WAL,
    synchronous=FULL).  See wdm_outbox.h for the contract.

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

#include "wdm_outbox.h"
#include "wdm_crc32.h"

#include <sqlite3.h>

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

#define S_DB_NAME       "outbox.db"
#define S_FORMAT        1                   //  meta.format of this layout
#define S_RESERVE_SIZE  (64 * 1024)
#define S_SEQ_MAX       ((uint64_t) INT64_MAX)  //  the server stores seqs as bigint
#define S_PENDING_MAX   1024                //  acknowledgements waiting to be written
#define S_PROBES_MAX    100000              //  unreadable seqs a salvage tries in a row
#define S_AHEAD_ROWS    256                 //  records read ahead by one query, at most
#define S_AHEAD_BYTES   (256 * 1024)        //  their payloads, at most (one is always taken)

static const char s_schema [] =
    "PRAGMA journal_mode = WAL;"
    "CREATE TABLE record (seq INTEGER PRIMARY KEY, payload BLOB NOT NULL, crc INTEGER NOT NULL);"
    "CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), format INTEGER NOT NULL,"
    " epoch INTEGER NOT NULL, next_seq INTEGER NOT NULL, queued INTEGER NOT NULL,"
    " acknowledged INTEGER NOT NULL);"
    "CREATE TABLE damaged (seq INTEGER PRIMARY KEY, payload BLOB, crc INTEGER, found TEXT);";

typedef struct {
    uint64_t first, last;
} s_range_t;

//  A record read ahead: its payload at offset in the read-ahead buffer.
typedef struct {
    uint64_t seq;
    size_t offset, size;
    bool good;                  //  its CRC matched
} s_ahead_t;

//  What the meta row holds.
typedef struct {
    uint64_t epoch, next_seq, queued, acknowledged;
} s_meta_t;

struct wdm_outbox {
    char *dir;
    char *db_path;
    int lock_fd;
    sqlite3 *db;
    sqlite3_stmt *insert;
    sqlite3_stmt *select_next;
    sqlite3_stmt *delete_range;
    sqlite3_stmt *write_meta;

    uint64_t epoch;
    s_meta_t now;               //  counters including the open transaction
    s_meta_t synced;            //  counters as of the last commit
    bool in_txn;                //  a write transaction is open (appends since the last sync)

    s_range_t *txn_acks;        //  acknowledgements made inside the open transaction
    size_t txn_ack_count, txn_ack_cap;
    s_range_t pending [S_PENDING_MAX];  //  acknowledgements that could not be written yet
    size_t pending_count;
    bool have_reserve;

    uint64_t read_after;        //  the cursor: the last seq returned, 0 before the first
    bool read_failed;           //  a damaged record was met: stuck until reopen
    uint8_t *read_buf;          //  payloads read ahead, S_AHEAD_BYTES + one payload
    s_ahead_t ahead [S_AHEAD_ROWS];     //  records read ahead, after read_after
    size_t ahead_count, ahead_next;
    char error [512];
};


//  ---------------------------------------------------------------------
//  Small helpers

static void
s_put64 (uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p [i] = (uint8_t) (v >> (8 * i));
}

static uint32_t
s_crc (uint64_t seq, const void *payload, size_t size)
{
    uint8_t bytes [8];
    s_put64 (bytes, seq);
    return wdm_crc32 (wdm_crc32 (0, bytes, sizeof bytes), payload, size);
}

static char *
s_join (const char *dir, const char *name)
{
    size_t size = strlen (dir) + strlen (name) + 2;
    char *path = malloc (size);
    if (path)
        snprintf (path, size, "%s/%s", dir, name);
    return path;
}

static bool
s_exists (const char *dir, const char *name)
{
    char *path = s_join (dir, name);
    struct stat st;
    bool found = path && stat (path, &st) == 0;
    free (path);
    return found;
}

//  True if dir holds segment files of the outbox's earlier format.
static bool
s_has_segments (const char *dir)
{
    DIR *handle = opendir (dir);
    if (!handle)
        return false;
    bool found = false;
    struct dirent *entry;
    while (!found && (entry = readdir (handle)) != NULL) {
        size_t len = strlen (entry->d_name);
        found = strncmp (entry->d_name, "seg-", 4) == 0 && len > 8
             && strcmp (entry->d_name + len - 4, ".wdo") == 0;
    }
    closedir (handle);
    return found;
}

static int
s_fsync_dir (const char *dir)
{
    int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync (fd);
    int saved = errno;
    close (fd);
    errno = saved;
    return rc;
}

//  fsync the directory that holds path, so that a new entry in it lasts.
static int
s_fsync_parent (const char *path)
{
    char *parent = strdup (path);
    if (!parent)
        return -1;
    size_t len = strlen (parent);
    while (len > 1 && parent [len - 1] == '/')
        parent [--len] = '\0';
    char *slash = strrchr (parent, '/');
    const char *name = ".";
    if (slash == parent)
        name = "/";
    else
    if (slash) {
        *slash = '\0';
        name = parent;
    }
    int rc = s_fsync_dir (name);
    free (parent);
    return rc;
}

//  A file: URI for path, with the characters a URI gives meaning escaped;
//  query (without '?') appended.  The caller frees it.
static char *
s_uri (const char *path, const char *query)
{
    size_t size = 5 + 3 * strlen (path) + 1 + strlen (query) + 1;
    char *uri = malloc (size);
    if (!uri)
        return NULL;
    char *p = uri + sprintf (uri, "file:");
    for (const char *c = path; *c; c++)
        if (*c == '%' || *c == '?' || *c == '#')
            p += sprintf (p, "%%%02X", (unsigned) (unsigned char) *c);
        else
            *p++ = *c;
    sprintf (p, "?%s", query);
    return uri;
}

static int
s_new_epoch (uint64_t *epoch)
{
    do {
        uint8_t bytes [8];
        ssize_t n = getrandom (bytes, sizeof bytes, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t) sizeof bytes)
            return -1;
        uint64_t value = 0;
        for (int i = 0; i < 8; i++)
            value = (value << 8) | bytes [i];
        *epoch = value & S_SEQ_MAX;     //  63 bits: a positive bigint
    } while (*epoch == 0);
    return 0;
}

static void
s_error (wdm_outbox_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

//  Record the message of a failure; errno is left as it was.
static void
s_error (wdm_outbox_t *self, const char *format, ...)
{
    int saved = errno;
    int prefix = snprintf (self->error, sizeof self->error, "outbox %s: ", self->dir);
    if (prefix < 0 || (size_t) prefix >= sizeof self->error)
        prefix = 0;
    va_list args;
    va_start (args, format);
    vsnprintf (self->error + prefix, sizeof self->error - (size_t) prefix, format, args);
    va_end (args);
    errno = saved;
}

//  Set errno from what SQLite said about db, and return it.
static int
s_errno_of (sqlite3 *db, int rc)
{
    int primary = rc & 0xff;
    int sys = db ? sqlite3_system_errno (db) : 0;
    if (primary == SQLITE_FULL)
        errno = ENOSPC;
    else
    if (primary == SQLITE_NOMEM)
        errno = ENOMEM;
    else
    if (primary == SQLITE_IOERR && sys)
        errno = sys;
    else
        errno = EIO;
    return errno;
}

//  Record a failure of SQLite doing what; errno set from it.
static void
s_sql_error (wdm_outbox_t *self, const char *what, int rc)
{
    int err = s_errno_of (self->db, rc);
    s_error (self, "%s: %s (%s)", what, self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc),
             strerror (err));
    errno = err;
}

static int
s_exec (wdm_outbox_t *self, const char *sql, const char *what)
{
    int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        s_sql_error (self, what, rc);
        return -1;
    }
    return 0;
}

//  Roll back whatever transaction is open on the connection.
static void
s_abort (wdm_outbox_t *self)
{
    int saved = errno;
    if (!sqlite3_get_autocommit (self->db))
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    errno = saved;
}

//  Make the reserve file, unless it is there; without room, go on
//  without it.
static void
s_reserve_make (wdm_outbox_t *self)
{
    char *path = s_join (self->dir, "reserve");
    if (!path)
        return;
    struct stat st;
    if (stat (path, &st) == 0 && st.st_size >= S_RESERVE_SIZE) {
        self->have_reserve = true;
        free (path);
        return;
    }
    static const uint8_t zeros [S_RESERVE_SIZE];
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool made = fd >= 0 && write (fd, zeros, sizeof zeros) == (ssize_t) sizeof zeros && fsync (fd) == 0;
    if (fd >= 0)
        close (fd);
    if (!made)
        unlink (path);
    self->have_reserve = made;
    free (path);
}

//  Delete the reserve file to make room; true if there was one.
static bool
s_reserve_use (wdm_outbox_t *self)
{
    if (!self->have_reserve)
        return false;
    char *path = s_join (self->dir, "reserve");
    bool used = path && unlink (path) == 0;
    free (path);
    self->have_reserve = false;
    return used;
}


//  ---------------------------------------------------------------------
//  The database: create, open, meta

//  Connection settings every owner's connection has.
static int
s_configure (wdm_outbox_t *self)
{
    sqlite3_busy_timeout (self->db, 5000);
    return s_exec (self, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                         " PRAGMA cell_size_check = ON; PRAGMA journal_size_limit = 4194304",
                   "cannot set up the database");
}

//  Create outbox.db holding no record, with meta as given: built as
//  outbox.db.new, then renamed into place, so that a crash leaves either
//  no database or a whole one.  0, or -1 with a message.
static int
s_create (wdm_outbox_t *self, const s_meta_t *meta)
{
    int rc = -1;
    char *tmp = s_join (self->dir, S_DB_NAME ".new");
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    if (!tmp) {
        s_error (self, "out of memory");
        goto cleanup;
    }
    unlink (tmp);
    int sql_rc = sqlite3_open_v2 (tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (sql_rc == SQLITE_OK)
        sql_rc = sqlite3_exec (db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
    if (sql_rc == SQLITE_OK)
        sql_rc = sqlite3_exec (db, s_schema, NULL, NULL, NULL);
    if (sql_rc == SQLITE_OK)
        sql_rc = sqlite3_prepare_v2 (db, "INSERT INTO meta VALUES (1, ?, ?, ?, ?, ?)", -1, &stmt, NULL);
    if (sql_rc == SQLITE_OK) {
        sqlite3_bind_int64 (stmt, 1, S_FORMAT);
        sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) meta->epoch);
        sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) meta->next_seq);
        sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) meta->queued);
        sqlite3_bind_int64 (stmt, 5, (sqlite3_int64) meta->acknowledged);
        sql_rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
    }
    if (sql_rc != SQLITE_OK) {
        int err = s_errno_of (db, sql_rc);
        s_error (self, "cannot create %s: %s (%s)", tmp, db ? sqlite3_errmsg (db) : sqlite3_errstr (sql_rc),
                 strerror (err));
        goto cleanup;
    }
    sqlite3_finalize (stmt);
    stmt = NULL;
    //  Closing the only connection checkpoints the WAL into the file.
    sql_rc = sqlite3_close (db);
    db = NULL;
    char *path = s_join (self->dir, S_DB_NAME);
    int renamed = path ? rename (tmp, path) : -1;
    free (path);
    if (sql_rc != SQLITE_OK || renamed || s_fsync_dir (self->dir)) {
        s_error (self, "cannot create %s/%s: %s", self->dir, S_DB_NAME, strerror (errno));
        goto cleanup;
    }
    rc = 0;
cleanup:
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    if (rc && tmp)
        unlink (tmp);
    free (tmp);
    return rc;
}

//  Read the meta row.  0; 1 if it is missing or not sane; -1 if it could
//  not be read (rc_out set to SQLite's code).
static int
s_meta_read (sqlite3 *db, s_meta_t *meta, int *rc_out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2 (db, "SELECT format, epoch, next_seq, queued, acknowledged"
                                     " FROM meta WHERE id = 1", -1, &stmt, NULL);
    int result = -1;
    if (rc == SQLITE_OK) {
        rc = sqlite3_step (stmt);
        if (rc == SQLITE_ROW) {
            sqlite3_int64 v [5];
            for (int i = 0; i < 5; i++)
                v [i] = sqlite3_column_int64 (stmt, i);
            meta->epoch = (uint64_t) v [1];
            meta->next_seq = (uint64_t) v [2];
            meta->queued = (uint64_t) v [3];
            meta->acknowledged = (uint64_t) v [4];
            result = v [0] == S_FORMAT && v [1] > 0 && v [2] > 0 && v [3] >= 0 && v [4] >= 0 ? 0 : 1;
            rc = SQLITE_OK;
        }
        else
        if (rc == SQLITE_DONE) {
            result = 1;
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize (stmt);
    if (rc_out)
        *rc_out = rc;
    return result;
}

//  Write the current counters into meta, inside the open transaction.
static int
s_meta_write (wdm_outbox_t *self, uint64_t next_seq)
{
    sqlite3_stmt *stmt = self->write_meta;
    sqlite3_reset (stmt);
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) next_seq);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) self->now.queued);
    sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) self->now.acknowledged);
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE) {
        s_sql_error (self, "cannot write the outbox's counters", rc);
        return -1;
    }
    return 0;
}

static int
s_prepare (wdm_outbox_t *self)
{
    struct { sqlite3_stmt **stmt; const char *sql; } all [] = {
        { &self->insert, "INSERT INTO record (seq, payload, crc) VALUES (?, ?, ?)" },
        { &self->select_next, "SELECT seq, payload, crc FROM record WHERE seq > ? AND seq < ?"
                              " ORDER BY seq LIMIT ?" },
        { &self->delete_range, "DELETE FROM record WHERE seq BETWEEN ? AND ?" },
        { &self->write_meta, "UPDATE meta SET next_seq = ?, queued = ?, acknowledged = ? WHERE id = 1" },
    };
    for (size_t i = 0; i < sizeof all / sizeof all [0]; i++) {
        int rc = sqlite3_prepare_v3 (self->db, all [i].sql, -1, SQLITE_PREPARE_PERSISTENT,
                                     all [i].stmt, NULL);
        if (rc != SQLITE_OK) {
            s_sql_error (self, "cannot prepare a statement", rc);
            return -1;
        }
    }
    return 0;
}

static void
s_close_db (wdm_outbox_t *self)
{
    sqlite3_finalize (self->insert);
    sqlite3_finalize (self->select_next);
    sqlite3_finalize (self->delete_range);
    sqlite3_finalize (self->write_meta);
    self->insert = self->select_next = self->delete_range = self->write_meta = NULL;
    sqlite3_close (self->db);
    self->db = NULL;
}


//  ---------------------------------------------------------------------
//  Recovery at open

//  Append the fact to the recovery message (the first problem first).
static void
s_note (wdm_outbox_recovery_t *recovery, const char *format, ...)
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

//  Check every record's CRC; set aside those that fail in table damaged.
//  Counts the records into *count and the largest seq into *max_seq.
//  0; 1 if SQLite found the file corrupt while reading (salvage it); -1
//  on another failure, with a message.
static int
s_check_records (wdm_outbox_t *self, wdm_outbox_recovery_t *recovery,
                 uint64_t *count, uint64_t *max_seq)
{
    int result = -1;
    sqlite3_stmt *scan = NULL, *move = NULL, *drop = NULL;
    uint64_t *bad = NULL;
    size_t bad_count = 0, bad_cap = 0;
    *count = *max_seq = 0;

    int rc = sqlite3_prepare_v2 (self->db, "SELECT seq, payload, crc FROM record ORDER BY seq", -1, &scan, NULL);
    if (rc == SQLITE_OK)
        rc = SQLITE_ROW;
    while (rc == SQLITE_ROW && (rc = sqlite3_step (scan)) == SQLITE_ROW) {
        uint64_t seq = (uint64_t) sqlite3_column_int64 (scan, 0);
        const void *payload = sqlite3_column_blob (scan, 1);
        size_t size = (size_t) sqlite3_column_bytes (scan, 1);
        sqlite3_int64 crc = sqlite3_column_int64 (scan, 2);
        if (size > WDM_OUTBOX_PAYLOAD_MAX || crc != (sqlite3_int64) s_crc (seq, payload, size)) {
            if (bad_count == bad_cap) {
                size_t cap = bad_cap ? bad_cap * 2 : 16;
                uint64_t *grown = realloc (bad, cap * sizeof *grown);
                if (!grown) {
                    s_error (self, "out of memory");
                    goto cleanup;
                }
                bad = grown;
                bad_cap = cap;
            }
            bad [bad_count++] = seq;
        }
        else
            (*count)++;
        if (seq > *max_seq)
            *max_seq = seq;
    }
    if (rc != SQLITE_DONE) {
        if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
            result = 1;
        else
            s_sql_error (self, "cannot read the records", rc);
        goto cleanup;
    }
    if (bad_count == 0) {
        result = 0;
        goto cleanup;
    }
    rc = sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2 (self->db, "INSERT OR REPLACE INTO damaged SELECT seq, payload, crc,"
                                           " datetime ('now') FROM record WHERE seq = ?", -1, &move, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2 (self->db, "DELETE FROM record WHERE seq = ?", -1, &drop, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < bad_count; i++) {
        sqlite3_reset (move);
        sqlite3_bind_int64 (move, 1, (sqlite3_int64) bad [i]);
        sqlite3_reset (drop);
        sqlite3_bind_int64 (drop, 1, (sqlite3_int64) bad [i]);
        if (sqlite3_step (move) != SQLITE_DONE || sqlite3_step (drop) != SQLITE_DONE)
            rc = sqlite3_errcode (self->db);
    }
    sqlite3_finalize (move);
    sqlite3_finalize (drop);
    move = drop = NULL;
    self->now.queued = *count;
    if (rc == SQLITE_OK && s_meta_write (self, self->now.next_seq) == 0)
        rc = sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        s_sql_error (self, "cannot set damaged records aside", rc);
        s_abort (self);
        goto cleanup;
    }
    recovery->damaged_records += bad_count;
    s_note (recovery, "%zu record%s damaged (bad CRC, first seq %" PRIu64 "): set aside in table"
            " damaged of %s/%s, not delivered", bad_count, bad_count == 1 ? "" : "s", bad [0],
            self->dir, S_DB_NAME);
    result = 0;
cleanup:
    sqlite3_finalize (scan);
    sqlite3_finalize (move);
    sqlite3_finalize (drop);
    free (bad);
    return result;
}

//  Move outbox.db (and its WAL and shared-memory files) to damaged/, as
//  damaged/outbox-<time>.db.  The new name is put in aside (a path).
static int
s_set_aside (wdm_outbox_t *self, char *aside, size_t aside_size)
{
    char *damaged = s_join (self->dir, "damaged");
    if (!damaged || (mkdir (damaged, 0700) && errno != EEXIST)) {
        s_error (self, "cannot make %s/damaged: %s", self->dir, strerror (errno));
        free (damaged);
        return -1;
    }
    snprintf (aside, aside_size, "%s/outbox-%lld.db", damaged, (long long) time (NULL));
    for (int i = 1; access (aside, F_OK) == 0; i++)
        snprintf (aside, aside_size, "%s/outbox-%lld-%d.db", damaged, (long long) time (NULL), i);
    int rc = 0;
    static const char *suffixes [] = { "-wal", "-shm", "" };   //  the database last
    for (int i = 0; i < 3 && rc == 0; i++) {
        char from [4096], to [4096];
        snprintf (from, sizeof from, "%s%s", self->db_path, suffixes [i]);
        snprintf (to, sizeof to, "%s%s", aside, suffixes [i]);
        if (rename (from, to) && errno != ENOENT)
            rc = -1;
    }
    if (rc || s_fsync_dir (damaged) || s_fsync_dir (self->dir)) {
        s_error (self, "cannot move %s to %s: %s", self->db_path, aside, strerror (errno));
        rc = -1;
    }
    free (damaged);
    return rc;
}

//  Copy every readable record with a good CRC from the database at from
//  into the (new, empty) open database.  Rows that cannot be read are
//  stepped over one seq at a time, up to S_PROBES_MAX in a row or limit.
//  Counts into *copied and *bad; largest seq into *max_seq.
static int
s_copy_rows (wdm_outbox_t *self, sqlite3 *from, uint64_t limit,
             uint64_t *copied, uint64_t *bad, uint64_t *max_seq)
{
    sqlite3_stmt *read = NULL;
    int rc = sqlite3_prepare_v2 (from, "SELECT seq, payload, crc FROM record WHERE seq > ?"
                                       " ORDER BY seq LIMIT 1", -1, &read, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize (read);
        return 0;               //  nothing readable: the caller reports what is lost
    }
    uint64_t after = 0, misses = 0;
    rc = sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    while (rc == SQLITE_OK && misses < S_PROBES_MAX && after < limit) {
        sqlite3_reset (read);
        sqlite3_bind_int64 (read, 1, (sqlite3_int64) after);
        int step = sqlite3_step (read);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            after++;            //  unreadable: try past it
            misses++;
            continue;
        }
        uint64_t seq = (uint64_t) sqlite3_column_int64 (read, 0);
        if (seq <= after) {     //  a broken tree can answer out of order
            after++;
            misses++;
            continue;
        }
        misses = 0;
        const void *payload = sqlite3_column_blob (read, 1);
        size_t size = (size_t) sqlite3_column_bytes (read, 1);
        sqlite3_int64 crc = sqlite3_column_int64 (read, 2);
        after = seq;
        if (seq > *max_seq)
            *max_seq = seq;
        if (size > WDM_OUTBOX_PAYLOAD_MAX || crc != (sqlite3_int64) s_crc (seq, payload, size)) {
            (*bad)++;
            continue;
        }
        sqlite3_reset (self->insert);
        sqlite3_bind_int64 (self->insert, 1, (sqlite3_int64) seq);
        sqlite3_bind_blob (self->insert, 2, payload, (int) size, SQLITE_TRANSIENT);
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
    if (rc == SQLITE_OK && s_meta_write (self, self->now.next_seq) == 0)
        rc = sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        s_sql_error (self, "cannot copy the readable records", rc);
        s_abort (self);
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
    s_close_db (self);
    char aside [4096];
    if (s_set_aside (self, aside, sizeof aside))
        goto cleanup;
    uri = s_uri (aside, "mode=ro");
    s_meta_t meta = { 0, 1, 0, 0 };
    bool meta_known = false;
    //  writable_schema lets SQLite read a file shorter than its header
    //  says (it refuses to otherwise); the connection writes nothing.
    if (uri && sqlite3_open_v2 (uri, &from, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) == SQLITE_OK) {
        sqlite3_exec (from, "PRAGMA writable_schema = ON", NULL, NULL, NULL);
        meta_known = s_meta_read (from, &meta, NULL) == 0;
    }
    //  Without the epoch a new one is taken: the records then go out under
    //  it, and the centre may store one twice that it had before.
    if (!meta_known && s_new_epoch (&meta.epoch)) {
        s_error (self, "getrandom failed: %s", strerror (errno));
        goto cleanup;
    }
    meta.queued = 0;
    if (s_create (self, &meta))
        goto cleanup;
    if (sqlite3_open_v2 (self->db_path, &self->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK
    ||  s_configure (self) || s_prepare (self)) {
        if (!self->error [0])
            s_sql_error (self, "cannot open the rebuilt database", sqlite3_errcode (self->db));
        goto cleanup;
    }
    self->epoch = meta.epoch;
    self->now = meta;
    uint64_t copied = 0, bad = 0, max_seq = 0;
    if (from && s_copy_rows (self, from, meta_known ? meta.next_seq : UINT64_MAX, &copied, &bad, &max_seq))
        goto cleanup;
    //  meta.queued (before) is what the damaged file should have held.
    s_meta_t before = { 0, 0, 0, 0 };
    bool counted = from && s_meta_read (from, &before, NULL) == 0;
    uint64_t lost = counted && before.queued > copied ? before.queued - copied : bad;
    recovery->damaged_segments++;
    recovery->damaged_records += lost;
    s_note (recovery, "%s/%s is damaged (%s): kept as %s; %" PRIu64 " records copied to a new"
            " database, %" PRIu64 " lost%s%s", self->dir, S_DB_NAME, why, aside, copied, lost,
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
static int
s_open_db (wdm_outbox_t *self, wdm_outbox_recovery_t *recovery)
{
    char why [160] = "";
    int rc = sqlite3_open_v2 (self->db_path, &self->db, SQLITE_OPEN_READWRITE, NULL);
    if (rc != SQLITE_OK) {
        s_sql_error (self, "cannot open " S_DB_NAME, rc);
        return -1;
    }
    //  quick_check answers in rows; the first is "ok" if all is well.  A
    //  file too broken to be checked fails here as well.
    sqlite3_stmt *check = NULL;
    rc = sqlite3_prepare_v2 (self->db, "PRAGMA quick_check (1)", -1, &check, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step (check);
    if (rc == SQLITE_ROW) {
        const char *answer = (const char *) sqlite3_column_text (check, 0);
        if (!answer || strcmp (answer, "ok") != 0)
            snprintf (why, sizeof why, "quick_check: %s", answer ? answer : "no answer");
    }
    else {
        int primary = rc & 0xff;
        if (primary == SQLITE_BUSY || primary == SQLITE_NOMEM || primary == SQLITE_IOERR
        ||  primary == SQLITE_CANTOPEN || primary == SQLITE_PERM || primary == SQLITE_READONLY) {
            s_sql_error (self, "cannot check " S_DB_NAME, rc);
            sqlite3_finalize (check);
            return -1;
        }
        snprintf (why, sizeof why, "quick_check: %s", sqlite3_errmsg (self->db));
    }
    sqlite3_finalize (check);
    if (!why [0] && (s_configure (self) || s_prepare (self)))
        return -1;
    if (!why [0]) {
        int meta_rc;
        int got = s_meta_read (self->db, &self->now, &meta_rc);
        if (got == 1) {
            s_error (self, "the meta row of %s is missing or wrong: not opened, rather than guess"
                     " the epoch or the next seq", S_DB_NAME);
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
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) first);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) last);
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE) {
        s_sql_error (self, "cannot delete acknowledged records", rc);
        return -1;
    }
    uint64_t gone = (uint64_t) sqlite3_changes (self->db);
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
    int rc = s_exec (self, "BEGIN IMMEDIATE", "cannot begin a transaction");
    for (size_t i = 0; rc == 0 && i < self->pending_count; i++)
        rc = s_delete (self, self->pending [i].first, self->pending [i].last);
    if (rc == 0 && last)
        rc = s_delete (self, first, last);
    if (rc == 0)
        rc = s_meta_write (self, self->synced.next_seq);
    if (rc == 0)
        rc = s_exec (self, "COMMIT", "cannot write an acknowledgement");
    if (rc) {
        s_abort (self);
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
    if (rc && errno == ENOSPC && s_reserve_use (self))
        rc = s_ack_commit (self, first, last);
    if (rc && last) {
        int saved = errno;
        if (self->pending_count < S_PENDING_MAX)
            self->pending [self->pending_count++] = (s_range_t) { first, last };
        else {
            s_error (self, "%d acknowledgements wait to be written: no room for more",
                     S_PENDING_MAX);
            saved = ENOBUFS;
        }
        errno = saved;
    }
    return rc;
}


//  ---------------------------------------------------------------------
//  The API

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
    self->db_path = s_join (dir, S_DB_NAME);
    self->read_buf = malloc (S_AHEAD_BYTES + WDM_OUTBOX_PAYLOAD_MAX);
    char *lock = s_join (dir, "lock");
    if (!self->dir || !self->db_path || !self->read_buf || !lock) {
        snprintf (err, err_size, "outbox %s: out of memory", dir);
        goto failed;
    }
    if (mkdir (dir, 0700) == 0) {
        if (s_fsync_parent (dir)) {
            s_error (self, "cannot sync the directory that holds it: %s", strerror (errno));
            goto failed_msg;
        }
    }
    else
    if (errno != EEXIST) {
        s_error (self, "cannot create the directory: %s", strerror (errno));
        goto failed_msg;
    }
    self->lock_fd = open (lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (self->lock_fd < 0) {
        s_error (self, "cannot open the lock file: %s", strerror (errno));
        goto failed_msg;
    }
    if (flock (self->lock_fd, LOCK_EX | LOCK_NB)) {
        if (errno == EWOULDBLOCK)
            snprintf (self->error, sizeof self->error, "outbox %s is in use by another process", dir);
        else
            s_error (self, "cannot lock: %s", strerror (errno));
        goto failed_msg;
    }
    if (s_has_segments (dir)) {
        s_error (self, "holds records in the segment format of an earlier wdmon-collector (seg-*.wdo);"
                 " drain it with that version first (until `status` shows queued 0), or move it away");
        goto failed_msg;
    }
    if (!s_exists (dir, S_DB_NAME)) {
        s_meta_t meta = { 0, 1, 0, 0 };
        if (s_new_epoch (&meta.epoch)) {
            s_error (self, "getrandom failed: %s", strerror (errno));
            goto failed_msg;
        }
        if (s_create (self, &meta))
            goto failed_msg;
    }
    if (s_open_db (self, recovery))
        goto failed_msg;
    s_reserve_make (self);
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
    s_close_db (self);
    if (self->lock_fd >= 0)
        close (self->lock_fd);          //  releases the lock, after the database is closed
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
        s_error (self, "a payload of %zu bytes is larger than %d", size, WDM_OUTBOX_PAYLOAD_MAX);
        errno = EINVAL;
        return -1;
    }
    if (self->now.next_seq > S_SEQ_MAX) {
        s_error (self, "every seq of the epoch is used");
        errno = EOVERFLOW;
        return -1;
    }
    if (!self->in_txn) {
        if (s_exec (self, "BEGIN IMMEDIATE", "cannot begin a transaction"))
            return -1;
        self->in_txn = true;
        self->txn_ack_count = 0;
    }
    uint64_t next = self->now.next_seq;
    sqlite3_stmt *stmt = self->insert;
    sqlite3_reset (stmt);
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) next);
    sqlite3_bind_blob (stmt, 2, size ? payload : "", (int) size, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) s_crc (next, payload, size));
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
    if (rc != SQLITE_DONE) {
        s_sql_error (self, "cannot append a record", rc);
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
        rc = s_meta_write (self, self->now.next_seq);
    if (rc == 0)
        rc = s_exec (self, "COMMIT", "cannot sync");
    if (rc) {
        wdm_outbox_rollback (self);
        return -1;
    }
    self->in_txn = false;
    self->txn_ack_count = 0;
    self->pending_count = 0;
    self->synced = self->now;
    if (!self->have_reserve)
        s_reserve_make (self);
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
    s_abort (self);
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
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) self->read_after);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) self->synced.next_seq);
    sqlite3_bind_int64 (stmt, 3, S_AHEAD_ROWS);
    size_t used = 0;
    int rc = SQLITE_DONE;
    while (self->ahead_count < S_AHEAD_ROWS && used < S_AHEAD_BYTES
       &&  (rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        s_ahead_t *row = &self->ahead [self->ahead_count];
        row->seq = (uint64_t) sqlite3_column_int64 (stmt, 0);
        const void *bytes = sqlite3_column_blob (stmt, 1);
        row->size = (size_t) sqlite3_column_bytes (stmt, 1);
        sqlite3_int64 crc = sqlite3_column_int64 (stmt, 2);
        row->good = row->size <= WDM_OUTBOX_PAYLOAD_MAX
                 && crc == (sqlite3_int64) s_crc (row->seq, bytes, row->size);
        row->offset = used;
        if (row->good && row->size) {
            memcpy (self->read_buf + used, bytes, row->size);
            used += row->size;
        }
        self->ahead_count++;
        if (!row->good)
            break;              //  nothing past it is returned
    }
    if (self->ahead_count == 0 && rc != SQLITE_DONE) {
        s_sql_error (self, "cannot read the next record", rc);
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
        const s_ahead_t *row = &self->ahead [self->ahead_next++];
        if (!row->good) {
            self->read_failed = true;
            s_error (self, "record seq %" PRIu64 " is damaged (bad CRC): nothing past it is sent"
                     " until the outbox is opened again, which sets it aside", row->seq);
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
        s_error (self, "cannot acknowledge %" PRIu64 "..%" PRIu64 ": synced seqs are 1..%" PRIu64,
                 first, last, self->synced.next_seq - 1);
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
        s_range_t *grown = realloc (self->txn_acks, cap * sizeof *grown);
        if (!grown) {
            s_error (self, "out of memory");
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
    self->txn_acks [self->txn_ack_count++] = (s_range_t) { first, last };
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
    char *path = s_join (dir, S_DB_NAME);
    char *wal = s_join (dir, S_DB_NAME "-wal");
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
        if (s_has_segments (dir))
            snprintf (err, err_size, "outbox %s is in the segment format of an earlier wdmon-collector:"
                      " read its status with that version", dir);
        else
            snprintf (err, err_size, "%s is not an outbox (no %s)", dir, S_DB_NAME);
        goto cleanup;
    }
    //  Without a WAL nobody writes it now (an owner keeps one while open):
    //  read the file as it is, creating nothing.  With one, read through it.
    uri = s_uri (path, stat (wal, &st) == 0 ? "mode=ro" : "immutable=1");
    s_meta_t meta;
    int sql_rc = SQLITE_NOMEM;
    if (uri)
        sql_rc = sqlite3_open_v2 (uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    if (sql_rc == SQLITE_OK) {
        sqlite3_busy_timeout (db, 2000);
        int got = s_meta_read (db, &meta, &sql_rc);
        if (got == 1) {
            snprintf (err, err_size, "outbox %s: the meta row of %s is missing or wrong", dir, S_DB_NAME);
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
    snprintf (err, err_size, "outbox %s: cannot read %s: %s", dir, S_DB_NAME,
              db ? sqlite3_errmsg (db) : sqlite3_errstr (sql_rc));
cleanup:
    sqlite3_close (db);
    free (uri);
    free (wal);
    free (path);
    return rc;
}
