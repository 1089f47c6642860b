/*  wdm_outbox_db: the outbox's small helpers (paths, fsync, errors, the
    reserve) and its database: created, configured, its statements
    prepared, the meta row read and written, closed.  Called by the API
    (wdm_outbox.c) and by recovery (wdm_outbox_salvage.c); owns nothing of
    its own — the connection is the outbox's.  */

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

static const char s_schema [] =
    "PRAGMA journal_mode = WAL;"
    "CREATE TABLE record (seq INTEGER PRIMARY KEY, payload BLOB NOT NULL, crc INTEGER NOT NULL);"
    "CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), format INTEGER NOT NULL,"
    " epoch INTEGER NOT NULL, next_seq INTEGER NOT NULL, queued INTEGER NOT NULL,"
    " acknowledged INTEGER NOT NULL);"
    "CREATE TABLE damaged (seq INTEGER PRIMARY KEY, payload BLOB, crc INTEGER, found TEXT);";

//  ---------------------------------------------------------------------
//  Small helpers

static void
s_put64 (uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p [i] = (uint8_t) (v >> (8 * i));
}

uint32_t
ob_crc (uint64_t seq, const void *payload, size_t size)
{
    uint8_t bytes [8];
    s_put64 (bytes, seq);
    return wdm_crc32 (wdm_crc32 (0, bytes, sizeof bytes), payload, size);
}

char *
ob_join (const char *dir, const char *name)
{
    size_t size = strlen (dir) + strlen (name) + 2;
    char *path = malloc (size);
    if (path)
        snprintf (path, size, "%s/%s", dir, name);
    return path;
}

bool
ob_exists (const char *dir, const char *name)
{
    char *path = ob_join (dir, name);
    struct stat st;
    bool found = path && stat (path, &st) == 0;
    free (path);
    return found;
}

//  True if dir holds segment files of the outbox's earlier format.
bool
ob_has_segments (const char *dir)
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

int
ob_fsync_dir (const char *dir)
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
int
ob_fsync_parent (const char *path)
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
    int rc = ob_fsync_dir (name);
    free (parent);
    return rc;
}

//  A file: URI for path, with the characters a URI gives meaning escaped;
//  query (without '?') appended.  The caller frees it.
char *
ob_uri (const char *path, const char *query)
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

int
ob_new_epoch (uint64_t *epoch)
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
        *epoch = value & OB_SEQ_MAX;     //  63 bits: a positive bigint
    } while (*epoch == 0);
    return 0;
}

//  Record the message of a failure; errno is left as it was.
void
ob_error (wdm_outbox_t *self, const char *format, ...)
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
void
ob_sql_error (wdm_outbox_t *self, const char *what, int rc)
{
    int err = s_errno_of (self->db, rc);
    ob_error (self, "%s: %s (%s)", what, self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc),
             strerror (err));
    errno = err;
}

int
ob_exec (wdm_outbox_t *self, const char *sql, const char *what)
{
    int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        ob_sql_error (self, what, rc);
        return -1;
    }
    return 0;
}

//  Roll back whatever transaction is open on the connection.
void
ob_abort (wdm_outbox_t *self)
{
    int saved = errno;
    if (!sqlite3_get_autocommit (self->db))
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    errno = saved;
}

//  Make the reserve file, unless it is there; without room, go on
//  without it.
void
ob_reserve_make (wdm_outbox_t *self)
{
    char *path = ob_join (self->dir, "reserve");
    if (!path)
        return;
    struct stat st;
    if (stat (path, &st) == 0 && st.st_size >= OB_RESERVE_SIZE) {
        self->have_reserve = true;
        free (path);
        return;
    }
    static const uint8_t zeros [OB_RESERVE_SIZE];
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
bool
ob_reserve_use (wdm_outbox_t *self)
{
    if (!self->have_reserve)
        return false;
    char *path = ob_join (self->dir, "reserve");
    bool used = path && unlink (path) == 0;
    free (path);
    self->have_reserve = false;
    return used;
}


//  ---------------------------------------------------------------------
//  The database: create, open, meta

//  Connection settings every owner's connection has.
int
ob_configure (wdm_outbox_t *self)
{
    sqlite3_busy_timeout (self->db, 5000);
    return ob_exec (self, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                         " PRAGMA cell_size_check = ON; PRAGMA journal_size_limit = 4194304",
                   "cannot set up the database");
}

//  Create outbox.db holding no record, with meta as given: built as
//  outbox.db.new, then renamed into place, so that a crash leaves either
//  no database or a whole one.  0, or -1 with a message.
int
ob_create (wdm_outbox_t *self, const ob_meta_t *meta)
{
    int rc = -1;
    char *tmp = ob_join (self->dir, OB_DB_NAME ".new");
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    if (!tmp) {
        ob_error (self, "out of memory");
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
        sqlite3_bind_int64 (stmt, 1, OB_FORMAT);
        sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) meta->epoch);
        sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) meta->next_seq);
        sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) meta->queued);
        sqlite3_bind_int64 (stmt, 5, (sqlite3_int64) meta->acknowledged);
        sql_rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
    }
    if (sql_rc != SQLITE_OK) {
        int err = s_errno_of (db, sql_rc);
        ob_error (self, "cannot create %s: %s (%s)", tmp, db ? sqlite3_errmsg (db) : sqlite3_errstr (sql_rc),
                 strerror (err));
        goto cleanup;
    }
    sqlite3_finalize (stmt);
    stmt = NULL;
    //  Closing the only connection checkpoints the WAL into the file.
    sql_rc = sqlite3_close (db);
    db = NULL;
    char *path = ob_join (self->dir, OB_DB_NAME);
    int renamed = path ? rename (tmp, path) : -1;
    free (path);
    if (sql_rc != SQLITE_OK || renamed || ob_fsync_dir (self->dir)) {
        ob_error (self, "cannot create %s/%s: %s", self->dir, OB_DB_NAME, strerror (errno));
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
int
ob_meta_read (sqlite3 *db, ob_meta_t *meta, int *rc_out)
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
            result = v [0] == OB_FORMAT && v [1] > 0 && v [2] > 0 && v [3] >= 0 && v [4] >= 0 ? 0 : 1;
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
int
ob_meta_write (wdm_outbox_t *self, uint64_t next_seq)
{
    sqlite3_stmt *stmt = self->write_meta;
    sqlite3_reset (stmt);
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) next_seq);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) self->now.queued);
    sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) self->now.acknowledged);
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE) {
        ob_sql_error (self, "cannot write the outbox's counters", rc);
        return -1;
    }
    return 0;
}

int
ob_prepare (wdm_outbox_t *self)
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
            ob_sql_error (self, "cannot prepare a statement", rc);
            return -1;
        }
    }
    return 0;
}

void
ob_close_db (wdm_outbox_t *self)
{
    sqlite3_finalize (self->insert);
    sqlite3_finalize (self->select_next);
    sqlite3_finalize (self->delete_range);
    sqlite3_finalize (self->write_meta);
    self->insert = self->select_next = self->delete_range = self->write_meta = NULL;
    sqlite3_close (self->db);
    self->db = NULL;
}


