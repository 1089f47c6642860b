/*  test_outbox_fixtures: the helpers the outbox suites share
    (test_outbox.h).  */

#include "test_outbox.h"
#include "wdm_crc32.h"
#include "wdm_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

//  ---------------------------------------------------------------------
//  Helpers

//  The payload of record n: size bytes that differ from record to record.
void
ot_fill (uint64_t n, uint8_t *buf, size_t size)
{
    for (size_t i = 0; i < size; i++)
        buf [i] = (uint8_t) (n * 131 + i * 7 + (i >> 8) + (n >> 8));
}

bool
ot_payload_is (uint64_t n, const void *payload, size_t size, size_t expected_size)
{
    static uint8_t expected [WDM_OUTBOX_PAYLOAD_MAX];
    if (size != expected_size)
        return false;
    ot_fill (n, expected, size);
    return memcmp (payload, expected, size) == 0;
}

//  A new empty directory under /tmp; the caller frees the name.
char *
ot_tmpdir (void)
{
    char *dir = strdup ("/tmp/wdm_outbox_XXXXXX");
    if (!dir || !mkdtemp (dir)) {
        perror ("mkdtemp");
        exit (2);
    }
    return dir;
}

char *
ot_path (const char *dir, const char *name)
{
    size_t size = strlen (dir) + strlen (name) + 2;
    char *path = malloc (size);
    if (!path)
        exit (2);
    snprintf (path, size, "%s/%s", dir, name);
    return path;
}

//  Remove a directory and everything under it.
void
ot_remove_tree (const char *path)
{
    DIR *dir = opendir (path);
    if (dir) {
        struct dirent *entry;
        while ((entry = readdir (dir)) != NULL) {
            if (strcmp (entry->d_name, ".") == 0 || strcmp (entry->d_name, "..") == 0)
                continue;
            char *child = ot_path (path, entry->d_name);
            struct stat st;
            if (lstat (child, &st) == 0 && S_ISDIR (st.st_mode))
                ot_remove_tree (child);
            else
                unlink (child);
            free (child);
        }
        closedir (dir);
    }
    rmdir (path);
}

off_t
ot_file_size (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0 ? st.st_size : -1;
}

//  ---------------------------------------------------------------------
//  The database, read as the tests' own SQLite connection

//  Open dir/outbox.db for a test to look at or change (read-write).
sqlite3 *
ot_db (const char *dir)
{
    char *path = ot_path (dir, "outbox.db");
    sqlite3 *db = NULL;
    if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        fprintf (stderr, "\n    cannot open %s: %s\n", path, sqlite3_errmsg (db));
        sqlite3_close (db);
        db = NULL;
    }
    free (path);
    return db;
}

//  The first column of the first row of sql, as an integer; -1 if none.
int64_t
ot_db_int (sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    int64_t value = -1;
    if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
        value = sqlite3_column_int64 (stmt, 0);
    sqlite3_finalize (stmt);
    return value;
}

//  Rows in table record of the outbox in dir (closed), -1 if unreadable.
int64_t
ot_row_count (const char *dir)
{
    sqlite3 *db = ot_db (dir);
    int64_t count = db ? ot_db_int (db, "SELECT count(*) FROM record") : -1;
    sqlite3_close (db);
    return count;
}

//  Offset in the file at path of the one place its bytes match needle;
//  -1 if they match nowhere or in more than one place.
off_t
ot_find (const char *path, const void *needle, size_t size)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return -1;
    fseek (file, 0, SEEK_END);
    long length = ftell (file);
    rewind (file);
    uint8_t *bytes = malloc ((size_t) length + 1);
    off_t found = -1;
    int matches = 0;
    if (bytes && fread (bytes, 1, (size_t) length, file) == (size_t) length)
        for (long i = 0; i + (long) size <= length; i++)
            if (memcmp (bytes + i, needle, size) == 0) {
                found = i;
                matches++;
            }
    free (bytes);
    fclose (file);
    return matches == 1 ? found : -1;
}

//  Flip one bit at offset of the file dir/name.
void
ot_flip (const char *dir, const char *name, off_t offset)
{
    char *path = ot_path (dir, name);
    int fd = open (path, O_RDWR);
    CU_ASSERT_FATAL (fd >= 0);
    uint8_t byte;
    CU_ASSERT_EQUAL (pread (fd, &byte, 1, offset), 1);
    byte ^= 0x01;
    CU_ASSERT_EQUAL (pwrite (fd, &byte, 1, offset), 1);
    close (fd);
    free (path);
}

//  Flip a bit at byte at of record n's payload (of size bytes) in
//  dir/outbox.db; the outbox must be closed (its WAL written back).
void
ot_flip_record (const char *dir, uint64_t n, size_t size, size_t at)
{
    static uint8_t payload [WDM_OUTBOX_PAYLOAD_MAX];
    ot_fill (n, payload, size);
    char *path = ot_path (dir, "outbox.db");
    off_t offset = ot_find (path, payload, size);
    CU_ASSERT_FATAL (offset >= 0);
    free (path);
    ot_flip (dir, "outbox.db", offset + (off_t) at);
}

wdm_outbox_t *
ot_open (const char *dir, wdm_outbox_recovery_t *recovery)
{
    char err [256];
    wdm_outbox_recovery_t ignored;
    wdm_outbox_t *box = wdm_outbox_new (dir, recovery ? recovery : &ignored, err, sizeof err);
    if (!box)
        fprintf (stderr, "\n    open failed: %s\n", err);
    return box;
}

//  Append records first..first+count-1 (the n of ot_fill), each of size
//  bytes; they must get exactly those seqs.  Returns how many did.
int
ot_append_range (wdm_outbox_t *box, uint64_t first, int count, size_t size)
{
    static uint8_t buf [WDM_OUTBOX_PAYLOAD_MAX];
    int done = 0;
    for (int i = 0; i < count; i++) {
        uint64_t seq = 0;
        ot_fill (first + (uint64_t) i, buf, size);
        if (wdm_outbox_append (box, buf, size, &seq) != 0 || seq != first + (uint64_t) i)
            break;
        done++;
    }
    return done;
}

//  Read what the cursor gives now, checking every payload is that of its
//  seq with the given size.  Fills seqs (up to max); returns how many were
//  read, -1 if a payload was wrong or next failed.
int
ot_read_all (wdm_outbox_t *box, uint64_t *seqs, int max, size_t size)
{
    int count = 0;
    uint64_t seq;
    const void *payload;
    size_t got;
    int rc;
    while ((rc = wdm_outbox_next (box, &seq, &payload, &got)) == 1) {
        if (!ot_payload_is (seq, payload, got, size))
            return -1;
        if (count < max)
            seqs [count] = seq;
        count++;
    }
    return rc == 0 ? count : -1;
}

//  True if seqs[0..count) is exactly first..last, in order.
bool
ot_is_run (const uint64_t *seqs, int count, uint64_t first, uint64_t last)
{
    if ((uint64_t) count != last - first + 1)
        return false;
    for (int i = 0; i < count; i++)
        if (seqs [i] != first + (uint64_t) i)
            return false;
    return true;
}

bool
ot_is_clean (const wdm_outbox_recovery_t *recovery)
{
    return recovery->torn_bytes_cut == 0 && recovery->damaged_records == 0
        && recovery->damaged_segments == 0 && recovery->seqs_skipped == 0
        && recovery->message [0] == '\0';
}

