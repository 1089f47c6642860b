/*  test_outbox: what the collector sees of its outbox — records come back
    byte for byte and in order, acknowledged ones never again, seqs are
    never handed out twice, and a torn tail, a flipped bit or a full disk
    costs nothing that was synced before it.  Each test works in its own
    directory under /tmp; the full-disk test mounts a small tmpfs.  */

#include "wdm_outbox.h"
#include "wdm_crc32.h"
#include "wdm_test.h"

#include <sqlite3.h>
#if defined (__has_include)
#   if __has_include (<valgrind/valgrind.h>)
#       include <valgrind/valgrind.h>
#   endif
#endif
#ifndef RUNNING_ON_VALGRIND
#   define RUNNING_ON_VALGRIND 0
#endif

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
static void
s_fill (uint64_t n, uint8_t *buf, size_t size)
{
    for (size_t i = 0; i < size; i++)
        buf [i] = (uint8_t) (n * 131 + i * 7 + (i >> 8) + (n >> 8));
}

static bool
s_payload_is (uint64_t n, const void *payload, size_t size, size_t expected_size)
{
    static uint8_t expected [WDM_OUTBOX_PAYLOAD_MAX];
    if (size != expected_size)
        return false;
    s_fill (n, expected, size);
    return memcmp (payload, expected, size) == 0;
}

//  A new empty directory under /tmp; the caller frees the name.
static char *
s_tmpdir (void)
{
    char *dir = strdup ("/tmp/wdm_outbox_XXXXXX");
    if (!dir || !mkdtemp (dir)) {
        perror ("mkdtemp");
        exit (2);
    }
    return dir;
}

static char *
s_path (const char *dir, const char *name)
{
    size_t size = strlen (dir) + strlen (name) + 2;
    char *path = malloc (size);
    if (!path)
        exit (2);
    snprintf (path, size, "%s/%s", dir, name);
    return path;
}

//  Remove a directory and everything under it.
static void
s_remove_tree (const char *path)
{
    DIR *dir = opendir (path);
    if (dir) {
        struct dirent *entry;
        while ((entry = readdir (dir)) != NULL) {
            if (strcmp (entry->d_name, ".") == 0 || strcmp (entry->d_name, "..") == 0)
                continue;
            char *child = s_path (path, entry->d_name);
            struct stat st;
            if (lstat (child, &st) == 0 && S_ISDIR (st.st_mode))
                s_remove_tree (child);
            else
                unlink (child);
            free (child);
        }
        closedir (dir);
    }
    rmdir (path);
}

static off_t
s_file_size (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0 ? st.st_size : -1;
}

//  ---------------------------------------------------------------------
//  The database, read as the tests' own SQLite connection

//  Open dir/outbox.db for a test to look at or change (read-write).
static sqlite3 *
s_db (const char *dir)
{
    char *path = s_path (dir, "outbox.db");
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
static int64_t
s_db_int (sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    int64_t value = -1;
    if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
        value = sqlite3_column_int64 (stmt, 0);
    sqlite3_finalize (stmt);
    return value;
}

//  Rows in table record of the outbox in dir (closed), -1 if unreadable.
static int64_t
s_row_count (const char *dir)
{
    sqlite3 *db = s_db (dir);
    int64_t count = db ? s_db_int (db, "SELECT count(*) FROM record") : -1;
    sqlite3_close (db);
    return count;
}

//  Offset in the file at path of the one place its bytes match needle;
//  -1 if they match nowhere or in more than one place.
static off_t
s_find (const char *path, const void *needle, size_t size)
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
static void
s_flip (const char *dir, const char *name, off_t offset)
{
    char *path = s_path (dir, name);
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
static void
s_flip_record (const char *dir, uint64_t n, size_t size, size_t at)
{
    static uint8_t payload [WDM_OUTBOX_PAYLOAD_MAX];
    s_fill (n, payload, size);
    char *path = s_path (dir, "outbox.db");
    off_t offset = s_find (path, payload, size);
    CU_ASSERT_FATAL (offset >= 0);
    free (path);
    s_flip (dir, "outbox.db", offset + (off_t) at);
}

static wdm_outbox_t *
s_open (const char *dir, wdm_outbox_recovery_t *recovery)
{
    char err [256];
    wdm_outbox_recovery_t ignored;
    wdm_outbox_t *box = wdm_outbox_new (dir, recovery ? recovery : &ignored, err, sizeof err);
    if (!box)
        fprintf (stderr, "\n    open failed: %s\n", err);
    return box;
}

//  Append records first..first+count-1 (the n of s_fill), each of size
//  bytes; they must get exactly those seqs.  Returns how many did.
static int
s_append_range (wdm_outbox_t *box, uint64_t first, int count, size_t size)
{
    static uint8_t buf [WDM_OUTBOX_PAYLOAD_MAX];
    int done = 0;
    for (int i = 0; i < count; i++) {
        uint64_t seq = 0;
        s_fill (first + (uint64_t) i, buf, size);
        if (wdm_outbox_append (box, buf, size, &seq) != 0 || seq != first + (uint64_t) i)
            break;
        done++;
    }
    return done;
}

//  Read what the cursor gives now, checking every payload is that of its
//  seq with the given size.  Fills seqs (up to max); returns how many were
//  read, -1 if a payload was wrong or next failed.
static int
s_read_all (wdm_outbox_t *box, uint64_t *seqs, int max, size_t size)
{
    int count = 0;
    uint64_t seq;
    const void *payload;
    size_t got;
    int rc;
    while ((rc = wdm_outbox_next (box, &seq, &payload, &got)) == 1) {
        if (!s_payload_is (seq, payload, got, size))
            return -1;
        if (count < max)
            seqs [count] = seq;
        count++;
    }
    return rc == 0 ? count : -1;
}

//  True if seqs[0..count) is exactly first..last, in order.
static bool
s_is_run (const uint64_t *seqs, int count, uint64_t first, uint64_t last)
{
    if ((uint64_t) count != last - first + 1)
        return false;
    for (int i = 0; i < count; i++)
        if (seqs [i] != first + (uint64_t) i)
            return false;
    return true;
}

static bool
s_is_clean (const wdm_outbox_recovery_t *recovery)
{
    return recovery->torn_bytes_cut == 0 && recovery->damaged_records == 0
        && recovery->damaged_segments == 0 && recovery->seqs_skipped == 0
        && recovery->message [0] == '\0';
}


//  ---------------------------------------------------------------------
//  Tests

static void
test_append_sync_next (void)
{
    char *tmp = s_tmpdir ();
    char *dir = s_path (tmp, "box");
    wdm_outbox_recovery_t recovery;
    wdm_outbox_t *box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_TRUE (s_is_clean (&recovery));
    struct stat st;
    CU_ASSERT_EQUAL (stat (dir, &st), 0);
    CU_ASSERT_EQUAL (st.st_mode & 0777, 0700);
    uint64_t epoch = wdm_outbox_epoch (box);
    CU_ASSERT_NOT_EQUAL (epoch, 0);
    CU_ASSERT_TRUE (epoch <= (uint64_t) INT64_MAX);

    //  Sizes from empty to the largest allowed.
    static uint8_t buf [WDM_OUTBOX_PAYLOAD_MAX + 1];
    size_t sizes [] = { 0, 1, 19, 20, 21, 300, 4096, 65535, WDM_OUTBOX_PAYLOAD_MAX, 7 };
    int count = (int) (sizeof sizes / sizeof sizes [0]);
    for (int i = 0; i < count; i++) {
        uint64_t seq = 0;
        s_fill ((uint64_t) i + 1, buf, sizes [i]);
        CU_ASSERT_EQUAL (wdm_outbox_append (box, buf, sizes [i], &seq), 0);
        CU_ASSERT_EQUAL (seq, (uint64_t) i + 1);
    }
    //  Too large: refused, and nothing else changes.
    uint64_t seq = 0;
    errno = 0;
    CU_ASSERT_EQUAL (wdm_outbox_append (box, buf, WDM_OUTBOX_PAYLOAD_MAX + 1, &seq), -1);
    CU_ASSERT_EQUAL (errno, EINVAL);
    CU_ASSERT_PTR_NOT_NULL (strstr (wdm_outbox_error (box), "65537 bytes"));

    //  Nothing is handed out before it is synced.
    const void *payload;
    size_t size;
    CU_ASSERT_EQUAL (wdm_outbox_next (box, &seq, &payload, &size), 0);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    for (int i = 0; i < count; i++) {
        CU_ASSERT_EQUAL_FATAL (wdm_outbox_next (box, &seq, &payload, &size), 1);
        CU_ASSERT_EQUAL (seq, (uint64_t) i + 1);
        CU_ASSERT_TRUE (s_payload_is (seq, payload, size, sizes [i]));
    }
    CU_ASSERT_EQUAL (wdm_outbox_next (box, &seq, &payload, &size), 0);

    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.epoch, epoch);
    CU_ASSERT_EQUAL (stats.next_seq, (uint64_t) count + 1);
    CU_ASSERT_EQUAL (stats.queued, (uint64_t) count);
    CU_ASSERT_EQUAL (stats.acknowledged, 0);
    wdm_outbox_destroy (&box);
    CU_ASSERT_PTR_NULL (box);
    wdm_outbox_destroy (&box);
    wdm_outbox_destroy (NULL);
    s_remove_tree (tmp);
    free (dir);
    free (tmp);
}

//  The database is laid out as documented: the collector's operators read
//  it in the docs (and with sqlite3), and a later version must read it.
static void
test_disk_format (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    uint64_t seq;
    CU_ASSERT_EQUAL (wdm_outbox_append (box, "abc", 3, &seq), 0);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 1, 1), 0);
    CU_ASSERT_EQUAL (wdm_outbox_append (box, "defg", 4, &seq), 0);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    uint64_t epoch = wdm_outbox_epoch (box);
    wdm_outbox_destroy (&box);

    sqlite3 *db = s_db (dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL (db);
    sqlite3_stmt *stmt = NULL;
    CU_ASSERT_EQUAL (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL), SQLITE_OK);
    CU_ASSERT_EQUAL (sqlite3_step (stmt), SQLITE_ROW);
    CU_ASSERT_STRING_EQUAL ((const char *) sqlite3_column_text (stmt, 0), "wal");
    sqlite3_finalize (stmt);
    //  Seq 1 was acknowledged: deleted.  Seq 2: its payload and CRC.
    CU_ASSERT_EQUAL (s_db_int (db, "SELECT count(*) FROM record"), 1);
    CU_ASSERT_EQUAL (sqlite3_prepare_v2 (db, "SELECT seq, payload, crc FROM record", -1, &stmt, NULL), SQLITE_OK);
    CU_ASSERT_EQUAL_FATAL (sqlite3_step (stmt), SQLITE_ROW);
    CU_ASSERT_EQUAL (sqlite3_column_int64 (stmt, 0), 2);
    CU_ASSERT_EQUAL (sqlite3_column_bytes (stmt, 1), 4);
    CU_ASSERT_EQUAL (memcmp (sqlite3_column_blob (stmt, 1), "defg", 4), 0);
    uint8_t seq_bytes [8] = { 2, 0, 0, 0, 0, 0, 0, 0 };
    uint32_t crc = wdm_crc32 (wdm_crc32 (0, seq_bytes, 8), "defg", 4);
    CU_ASSERT_EQUAL (sqlite3_column_int64 (stmt, 2), (sqlite3_int64) crc);
    sqlite3_finalize (stmt);
    CU_ASSERT_EQUAL (s_db_int (db, "SELECT format FROM meta WHERE id = 1"), 1);
    CU_ASSERT_EQUAL (s_db_int (db, "SELECT epoch FROM meta WHERE id = 1"), (int64_t) epoch);
    CU_ASSERT_EQUAL (s_db_int (db, "SELECT next_seq FROM meta WHERE id = 1"), 3);
    CU_ASSERT_EQUAL (s_db_int (db, "SELECT queued FROM meta WHERE id = 1"), 1);
    CU_ASSERT_EQUAL (s_db_int (db, "SELECT acknowledged FROM meta WHERE id = 1"), 1);
    CU_ASSERT_EQUAL (s_db_int (db, "SELECT count(*) FROM damaged"), 0);
    sqlite3_close (db);
    s_remove_tree (dir);
    free (dir);
}

static void
test_reopen_keeps_records_and_epoch (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    uint64_t epoch = wdm_outbox_epoch (box);
    CU_ASSERT_EQUAL (s_append_range (box, 1, 50, 100), 50);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    wdm_outbox_destroy (&box);

    wdm_outbox_recovery_t recovery;
    box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_TRUE (s_is_clean (&recovery));
    CU_ASSERT_EQUAL (wdm_outbox_epoch (box), epoch);
    uint64_t seqs [64];
    int count = s_read_all (box, seqs, 64, 100);
    CU_ASSERT_TRUE (s_is_run (seqs, count, 1, 50));
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.next_seq, 51);
    CU_ASSERT_EQUAL (stats.queued, 50);
    CU_ASSERT_EQUAL (s_append_range (box, 51, 1, 100), 1);
    wdm_outbox_destroy (&box);
    s_remove_tree (dir);
    free (dir);
}

static void
test_acks_out_of_order (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (s_append_range (box, 1, 20, 100), 20);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    uint64_t seqs [32];
    CU_ASSERT_EQUAL (s_read_all (box, seqs, 32, 100), 20);

    //  Three batches in flight come back out of order.
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 11, 15), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 1, 5), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 16, 20), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 3, 4), 0);        //  again: no harm, counted once
    wdm_outbox_rewind (box);
    int count = s_read_all (box, seqs, 32, 100);
    CU_ASSERT_TRUE (s_is_run (seqs, count, 6, 10));
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.queued, 5);
    CU_ASSERT_EQUAL (stats.acknowledged, 15);

    //  Nothing past what was synced can be acknowledged.
    errno = 0;
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 18, 21), -1);
    CU_ASSERT_EQUAL (errno, EINVAL);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 0, 3), -1);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 9, 8), -1);
    wdm_outbox_destroy (&box);

    //  After a restart: the same five, the same count.
    box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    count = s_read_all (box, seqs, 32, 100);
    CU_ASSERT_TRUE (s_is_run (seqs, count, 6, 10));
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.queued, 5);
    CU_ASSERT_EQUAL (stats.acknowledged, 15);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 6, 10), 0);
    wdm_outbox_rewind (box);
    CU_ASSERT_EQUAL (s_read_all (box, seqs, 32, 100), 0);
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.queued, 0);
    CU_ASSERT_EQUAL (stats.acknowledged, 20);
    wdm_outbox_destroy (&box);
    s_remove_tree (dir);
    free (dir);
}

static void
test_rewind_resends_unacknowledged (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (s_append_range (box, 1, 30, 100), 30);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);

    //  A reconnect after three records: they come again from the start.
    uint64_t seq;
    const void *payload;
    size_t size;
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL (wdm_outbox_next (box, &seq, &payload, &size), 1);
    wdm_outbox_rewind (box);
    CU_ASSERT_EQUAL (wdm_outbox_next (box, &seq, &payload, &size), 1);
    CU_ASSERT_EQUAL (seq, 1);

    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 2, 4), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 10, 10), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 20, 29), 0);
    wdm_outbox_rewind (box);
    uint64_t seqs [32];
    int count = s_read_all (box, seqs, 32, 100);
    uint64_t expect [32];
    int expected = 0;
    for (uint64_t s = 1; s <= 30; s++)
        if (!((s >= 2 && s <= 4) || s == 10 || (s >= 20 && s <= 29)))
            expect [expected++] = s;
    CU_ASSERT_EQUAL_FATAL (count, expected);
    CU_ASSERT_EQUAL (memcmp (seqs, expect, (size_t) count * sizeof seqs [0]), 0);
    wdm_outbox_destroy (&box);
    s_remove_tree (dir);
    free (dir);
}

static void
test_acknowledged_records_are_deleted (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    //  10,000 records of 1,000 bytes: about 10 MB.
    CU_ASSERT_EQUAL (s_append_range (box, 1, 10000, 1000), 10000);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    uint64_t seqs [4];
    CU_ASSERT_EQUAL (s_read_all (box, seqs, 4, 1000), 10000);
    //  All but the last record: only it is left in the database.
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 5000, 9999), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 1, 4999), 0);
    wdm_outbox_rewind (box);
    int count = s_read_all (box, seqs, 4, 1000);
    CU_ASSERT_TRUE (s_is_run (seqs, count, 10000, 10000));
    wdm_outbox_destroy (&box);
    CU_ASSERT_EQUAL (s_row_count (dir), 1);
    box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 10000, 10000), 0);
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.queued, 0);
    CU_ASSERT_EQUAL (stats.acknowledged, 10000);
    wdm_outbox_destroy (&box);
    CU_ASSERT_EQUAL (s_row_count (dir), 0);
    s_remove_tree (dir);
    free (dir);
}

static void
test_seqs_never_reused (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (s_append_range (box, 1, 10, 100), 10);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 1, 10), 0);
    wdm_outbox_destroy (&box);
    CU_ASSERT_EQUAL (s_row_count (dir), 0);

    //  Every record acknowledged, every segment gone: still 11 next.
    wdm_outbox_recovery_t recovery;
    box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_TRUE (s_is_clean (&recovery));
    CU_ASSERT_EQUAL (s_append_range (box, 11, 1, 100), 1);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 11, 11), 0);
    wdm_outbox_destroy (&box);

    //  A crash (the process ends without destroy) after the last segment
    //  was deleted, with records appended and not synced.
    pid_t pid = fork ();
    CU_ASSERT_FATAL (pid >= 0);
    if (pid == 0) {
        wdm_outbox_t *child = s_open (dir, NULL);
        if (!child || s_append_range (child, 12, 5, 100) != 5 || wdm_outbox_sync (child)
        ||  wdm_outbox_ack (child, 12, 16) || s_append_range (child, 17, 3, 100) != 3)
            _exit (1);
        raise (SIGKILL);                //  no destroy, no flush: a crash
    }
    int status;
    CU_ASSERT_EQUAL (waitpid (pid, &status, 0), pid);
    CU_ASSERT_TRUE (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
    box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    uint64_t seq = 0;
    CU_ASSERT_EQUAL (wdm_outbox_append (box, "x", 1, &seq), 0);
    CU_ASSERT_EQUAL (seq, 17);          //  17..19 were never synced, so never sent
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.acknowledged, 16);
    wdm_outbox_destroy (&box);
    s_remove_tree (dir);
    free (dir);
}

//  A collector killed while taking a file in: what it appended, and even
//  flushed to disk, but never synced, is cut on reopen — the file it came
//  from is read again, and must not be taken twice.  Records of a later
//  segment are cut as well.
static void
test_unsynced_records_are_cut_after_a_crash (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (s_append_range (box, 1, 10, 100), 10);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    wdm_outbox_destroy (&box);

    pid_t pid = fork ();
    if (pid == 0) {
        wdm_outbox_t *child = s_open (dir, NULL);
        //  5 MB: more than the write buffer and past a segment's 4 MiB,
        //  so bytes reach two files; then a crash, before any sync.
        if (!child || s_append_range (child, 11, 500, 10000) != 500)
            _exit (1);
        raise (SIGKILL);
    }
    int status;
    CU_ASSERT_EQUAL (waitpid (pid, &status, 0), pid);
    CU_ASSERT_TRUE (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
    wdm_outbox_recovery_t recovery;
    box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (recovery.damaged_records, 0);
    uint64_t seqs [32];
    int count = s_read_all (box, seqs, 32, 100);
    CU_ASSERT_TRUE (s_is_run (seqs, count, 1, 10));     //  the synced ten, nothing more
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.next_seq, 11);               //  never sent: free to use again
    CU_ASSERT_EQUAL (stats.queued, 10);
    wdm_outbox_destroy (&box);
    s_remove_tree (dir);
    free (dir);
}

//  A crash while a sync was being committed leaves a torn WAL: SQLite
//  drops the transaction whose frames are not all there.  The sync never
//  returned, so those records were never sent: their seqs come again, and
//  every record synced before is intact.
static void
test_torn_wal_drops_the_unfinished_sync (void)
{
    char *dir = s_tmpdir ();
    pid_t pid = fork ();
    CU_ASSERT_FATAL (pid >= 0);
    if (pid == 0) {
        wdm_outbox_t *child = s_open (dir, NULL);
        if (!child || s_append_range (child, 1, 10, 100) != 10 || wdm_outbox_sync (child)
        ||  s_append_range (child, 11, 10, 100) != 10 || wdm_outbox_sync (child))
            _exit (1);
        raise (SIGKILL);                //  the WAL stays as it is
    }
    int status;
    CU_ASSERT_EQUAL (waitpid (pid, &status, 0), pid);
    CU_ASSERT_TRUE_FATAL (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
    char *wal = s_path (dir, "outbox.db-wal");
    off_t size = s_file_size (wal);
    CU_ASSERT_FATAL (size > 4096);
    CU_ASSERT_EQUAL (truncate (wal, size - 100), 0);   //  the last frame cut short

    wdm_outbox_recovery_t recovery;
    wdm_outbox_t *box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_TRUE (s_is_clean (&recovery));
    uint64_t seqs [32];
    int count = s_read_all (box, seqs, 32, 100);
    CU_ASSERT_TRUE (s_is_run (seqs, count, 1, 10));
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.next_seq, 11);
    CU_ASSERT_EQUAL (stats.queued, 10);
    wdm_outbox_destroy (&box);
    free (wal);
    s_remove_tree (dir);
    free (dir);
}

//  A database file cut short (a torn file): quick_check fails at open;
//  the file is kept in damaged/, every record that can still be read is
//  copied into a new database, the rest are counted lost, and no seq is
//  handed out again.
static void
test_truncated_database_is_salvaged (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    uint64_t epoch = wdm_outbox_epoch (box);
    CU_ASSERT_EQUAL (s_append_range (box, 1, 2000, 100), 2000);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 1, 100), 0);
    wdm_outbox_destroy (&box);
    char *path = s_path (dir, "outbox.db");
    off_t size = s_file_size (path);
    CU_ASSERT_EQUAL (truncate (path, size - 3 * 4096 - 1000), 0);

    wdm_outbox_recovery_t recovery;
    box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (recovery.damaged_segments, 1);
    CU_ASSERT_TRUE (recovery.damaged_records > 0 && recovery.damaged_records < 1900);
    CU_ASSERT_PTR_NOT_NULL (strstr (recovery.message, "is damaged"));
    CU_ASSERT_PTR_NOT_NULL (strstr (recovery.message, "/damaged/outbox-"));
    fprintf (stderr, "\n    %s ", recovery.message);
    CU_ASSERT_EQUAL (wdm_outbox_epoch (box), epoch);
    uint64_t seqs [2000];
    int count = s_read_all (box, seqs, 2000, 100);       //  every one byte for byte
    CU_ASSERT_EQUAL ((uint64_t) count + recovery.damaged_records, 1900);
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.queued, (uint64_t) count);
    CU_ASSERT_EQUAL (stats.acknowledged, 100);
    uint64_t seq = 0;
    CU_ASSERT_EQUAL (wdm_outbox_append (box, "z", 1, &seq), 0);
    CU_ASSERT_EQUAL (seq, 2001);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    wdm_outbox_destroy (&box);

    //  The original is kept for study; the new database opens clean.
    char *damaged = s_path (dir, "damaged");
    DIR *kept = opendir (damaged);
    CU_ASSERT_PTR_NOT_NULL_FATAL (kept);
    int files = 0;
    struct dirent *entry;
    while ((entry = readdir (kept)) != NULL)
        if (strncmp (entry->d_name, "outbox-", 7) == 0)
            files++;
    closedir (kept);
    CU_ASSERT_TRUE (files >= 1);
    box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_TRUE (s_is_clean (&recovery));
    wdm_outbox_destroy (&box);
    free (damaged);
    free (path);
    s_remove_tree (dir);
    free (dir);
}

//  Bits flipped in payloads (SQLite does not checksum them): the CRC
//  finds each; those records are set aside, counted, never delivered;
//  every other record is, byte for byte.
static void
test_flipped_bit_is_detected (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (s_append_range (box, 1, 100, 100), 100);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 1, 10), 0);
    wdm_outbox_destroy (&box);
    s_flip_record (dir, 30, 100, 0);            //  the first byte of a payload
    s_flip_record (dir, 50, 100, 37);           //  the middle
    s_flip_record (dir, 100, 100, 99);          //  the last byte of the last record

    wdm_outbox_recovery_t recovery;
    box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (recovery.damaged_records, 3);
    CU_ASSERT_EQUAL (recovery.damaged_segments, 0);
    CU_ASSERT_PTR_NOT_NULL (strstr (recovery.message, "3 records damaged (bad CRC, first seq 30)"));
    uint64_t seqs [128];
    int count = s_read_all (box, seqs, 128, 100);
    CU_ASSERT_EQUAL_FATAL (count, 87);
    CU_ASSERT_TRUE (s_is_run (seqs, 19, 11, 29));
    CU_ASSERT_TRUE (s_is_run (seqs + 19, 19, 31, 49));
    CU_ASSERT_TRUE (s_is_run (seqs + 38, 49, 51, 99));
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.queued, 87);
    CU_ASSERT_EQUAL (stats.next_seq, 101);        //  100 was synced: never again
    uint64_t seq = 0;
    CU_ASSERT_EQUAL (wdm_outbox_append (box, "y", 1, &seq), 0);
    CU_ASSERT_EQUAL (seq, 101);
    wdm_outbox_destroy (&box);

    //  Kept for study in table damaged; the outbox opens clean again.
    sqlite3 *db = s_db (dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL (db);
    CU_ASSERT_EQUAL (s_db_int (db, "SELECT count(*) FROM damaged"), 3);
    CU_ASSERT_EQUAL (s_db_int (db, "SELECT min(seq) FROM damaged"), 30);
    sqlite3_close (db);
    box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_TRUE (s_is_clean (&recovery));
    CU_ASSERT_EQUAL (s_read_all (box, seqs, 128, 100), 87);
    wdm_outbox_destroy (&box);
    s_remove_tree (dir);
    free (dir);
}

//  Without its meta row the outbox cannot know its epoch or which seqs
//  were used: it refuses to open rather than guess.  An outbox of the
//  segment format is refused with what to do.
static void
test_refuses_to_guess (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (s_append_range (box, 1, 3, 100), 3);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    wdm_outbox_destroy (&box);
    char err [512];

    sqlite3 *db = s_db (dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL (db);
    CU_ASSERT_EQUAL (sqlite3_exec (db, "CREATE TABLE saved AS SELECT * FROM meta; DELETE FROM meta",
                                   NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close (db);
    CU_ASSERT_PTR_NULL (wdm_outbox_new (dir, NULL, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL (strstr (err, "the meta row of outbox.db is missing or wrong"));
    db = s_db (dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL (db);
    CU_ASSERT_EQUAL (sqlite3_exec (db, "INSERT INTO meta SELECT * FROM saved; DROP TABLE saved",
                                   NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close (db);
    box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL (box);
    wdm_outbox_destroy (&box);

    //  An outbox left by an earlier collector, records still queued.
    char *old = s_tmpdir ();
    char *segment = s_path (old, "seg-00000000000000000001.wdo");
    FILE *file = fopen (segment, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL (file);
    fputs ("WDR1", file);
    fclose (file);
    CU_ASSERT_PTR_NULL (wdm_outbox_new (old, NULL, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL (strstr (err, old));
    CU_ASSERT_PTR_NOT_NULL (strstr (err, "drain it with that version first"));
    wdm_outbox_stats_t stats;
    CU_ASSERT_EQUAL (wdm_outbox_peek (old, &stats, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (err, "segment format"));
    char *db_path = s_path (old, "outbox.db");
    CU_ASSERT_EQUAL (s_file_size (db_path), -1);    //  nothing created beside it
    free (db_path);
    free (segment);
    s_remove_tree (old);
    free (old);
    s_remove_tree (dir);
    free (dir);
}

//  A payload changed under the open outbox, its CRC not (as a bad disk
//  would, written here through SQLite so that the owner's page cache sees
//  it): the cursor stops there until a reopen sets the record aside.
static void
test_damage_while_open (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (s_append_range (box, 1, 10, 100), 10);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    sqlite3 *db = s_db (dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL (db);
    CU_ASSERT_EQUAL (sqlite3_exec (db, "UPDATE record SET payload = zeroblob (100) WHERE seq = 5",
                                   NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close (db);

    uint64_t seq;
    const void *payload;
    size_t size;
    for (uint64_t s = 1; s <= 4; s++) {
        CU_ASSERT_EQUAL (wdm_outbox_next (box, &seq, &payload, &size), 1);
        CU_ASSERT_EQUAL (seq, s);
    }
    CU_ASSERT_EQUAL (wdm_outbox_next (box, &seq, &payload, &size), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (wdm_outbox_error (box), "record seq 5 is damaged (bad CRC)"));
    CU_ASSERT_PTR_NOT_NULL (strstr (wdm_outbox_error (box), "opened again"));
    CU_ASSERT_EQUAL (wdm_outbox_next (box, &seq, &payload, &size), -1);
    wdm_outbox_destroy (&box);

    wdm_outbox_recovery_t recovery;
    box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (recovery.damaged_records, 1);
    uint64_t seqs [16];
    int count = s_read_all (box, seqs, 16, 100);
    CU_ASSERT_EQUAL_FATAL (count, 9);
    CU_ASSERT_TRUE (s_is_run (seqs, 4, 1, 4));
    CU_ASSERT_TRUE (s_is_run (seqs + 4, 5, 6, 10));
    wdm_outbox_destroy (&box);
    s_remove_tree (dir);
    free (dir);
}

static void
test_rollback (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (s_append_range (box, 1, 5, 100), 5);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    CU_ASSERT_EQUAL (s_append_range (box, 6, 3, 100), 3);
    wdm_outbox_rollback (box);
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.next_seq, 6);
    CU_ASSERT_EQUAL (stats.queued, 5);
    uint64_t seqs [64];
    int count = s_read_all (box, seqs, 64, 100);
    CU_ASSERT_TRUE (s_is_run (seqs, count, 1, 5));

    //  Past a segment boundary, unsynced, and back.  Most of it is on
    //  disk already (written through the buffer), none of it is sent.
    CU_ASSERT_EQUAL (s_append_range (box, 6, 5000, 1000), 5000);
    uint64_t seq;
    const void *payload;
    size_t size;
    CU_ASSERT_EQUAL (wdm_outbox_next (box, &seq, &payload, &size), 0);
    wdm_outbox_rewind (box);
    count = s_read_all (box, seqs, 64, 100);
    CU_ASSERT_TRUE (s_is_run (seqs, count, 1, 5));
    wdm_outbox_rollback (box);
    count = s_read_all (box, seqs, 64, 100);
    CU_ASSERT_EQUAL (count, 0);

    //  Seq 6 again, with new bytes (record 6 of size 200, not 100).
    static uint8_t buf [200];
    s_fill (6, buf, sizeof buf);
    seq = 0;
    CU_ASSERT_EQUAL (wdm_outbox_append (box, buf, sizeof buf, &seq), 0);
    CU_ASSERT_EQUAL (seq, 6);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    CU_ASSERT_EQUAL (wdm_outbox_next (box, &seq, &payload, &size), 1);
    CU_ASSERT_EQUAL (seq, 6);
    CU_ASSERT_TRUE (s_payload_is (6, payload, size, 200));
    CU_ASSERT_EQUAL (wdm_outbox_next (box, &seq, &payload, &size), 0);
    //  Destroy drops what is not synced, as a rollback does.
    CU_ASSERT_EQUAL (s_append_range (box, 7, 2, 100), 2);
    wdm_outbox_destroy (&box);

    wdm_outbox_recovery_t recovery;
    box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_TRUE (s_is_clean (&recovery));
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.next_seq, 7);
    count = 0;
    while (wdm_outbox_next (box, &seq, &payload, &size) == 1)
        count++;
    CU_ASSERT_EQUAL (count, 6);
    CU_ASSERT_EQUAL (seq, 6);
    CU_ASSERT_TRUE (s_payload_is (6, payload, size, 200));
    wdm_outbox_destroy (&box);
    s_remove_tree (dir);
    free (dir);
}

static void
test_full_disk (void)
{
    char *mnt = s_tmpdir ();
    if (mount ("tmpfs", mnt, "tmpfs", 0, "size=1m,mode=0700") != 0) {
        fprintf (stderr, "\n    SKIPPED: cannot mount a 1 MiB tmpfs on %s (%s);"
                 " the full-disk case was not tested\n", mnt, strerror (errno));
        rmdir (mnt);
        free (mnt);
        return;
    }
    char *dir = s_path (mnt, "box");
    char *filler = s_path (mnt, "filler");
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (s_append_range (box, 1, 20, 1000), 20);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);

    //  Something else fills the disk.
    int fd = open (filler, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CU_ASSERT_FATAL (fd >= 0);
    static uint8_t block [4096];
    while (write (fd, block, sizeof block) > 0)
        ;
    close (fd);

    //  The collector goes on taking records in until the outbox refuses.
    uint64_t synced = 20;
    int failed = 0, err = 0;
    for (uint64_t n = 21; n < 2000 && !failed; n += 10) {
        if (s_append_range (box, n, 10, 1000) != 10 || wdm_outbox_sync (box) != 0) {
            failed = 1;
            err = errno;
        }
        else
            synced = n + 9;
    }
    CU_ASSERT_TRUE_FATAL (failed);
    CU_ASSERT_EQUAL (err, ENOSPC);
    CU_ASSERT_PTR_NOT_NULL (strstr (wdm_outbox_error (box), strerror (ENOSPC)));
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.next_seq, synced + 1);
    CU_ASSERT_EQUAL (stats.queued, synced);
    uint64_t seqs [64];
    int count = s_read_all (box, seqs, 64, 1000);
    CU_ASSERT_TRUE (s_is_run (seqs, count, 1, synced));

    //  Acknowledgements still get written with the disk full.
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 1, 5), 0);

    //  Space comes back: the outbox works again, from seq synced + 1.
    CU_ASSERT_EQUAL (unlink (filler), 0);
    CU_ASSERT_EQUAL (s_append_range (box, synced + 1, 10, 1000), 10);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    wdm_outbox_rewind (box);
    count = s_read_all (box, seqs, 64, 1000);
    CU_ASSERT_TRUE (s_is_run (seqs, count, 6, synced + 10));
    wdm_outbox_destroy (&box);

    wdm_outbox_recovery_t recovery;
    box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_TRUE (s_is_clean (&recovery));
    count = s_read_all (box, seqs, 64, 1000);
    CU_ASSERT_TRUE (s_is_run (seqs, count, 6, synced + 10));
    wdm_outbox_destroy (&box);

    CU_ASSERT_EQUAL (umount (mnt), 0);
    rmdir (mnt);
    free (filler);
    free (dir);
    free (mnt);
}

static void
test_second_open_fails (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    char err [256];
    wdm_outbox_t *again = wdm_outbox_new (dir, NULL, err, sizeof err);
    CU_ASSERT_PTR_NULL (again);
    char expect [256];
    snprintf (expect, sizeof expect, "outbox %s is in use by another process", dir);
    CU_ASSERT_STRING_EQUAL (err, expect);

    //  Another process: the same answer.
    pid_t pid = fork ();
    CU_ASSERT_FATAL (pid >= 0);
    if (pid == 0) {
        char child_err [256];
        wdm_outbox_t *child = wdm_outbox_new (dir, NULL, child_err, sizeof child_err);
        _exit (child == NULL && strstr (child_err, "in use by another process") ? 0 : 1);
    }
    int status;
    CU_ASSERT_EQUAL (waitpid (pid, &status, 0), pid);
    CU_ASSERT_TRUE (WIFEXITED (status) && WEXITSTATUS (status) == 0);

    wdm_outbox_destroy (&box);
    box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL (box);
    wdm_outbox_destroy (&box);
    s_remove_tree (dir);
    free (dir);
}

static void
test_peek (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (s_append_range (box, 1, 10, 100), 10);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 1, 3), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 7, 7), 0);

    //  While the owner holds it, as `status` would.
    wdm_outbox_stats_t peeked, own;
    char err [256];
    CU_ASSERT_EQUAL (wdm_outbox_peek (dir, &peeked, err, sizeof err), 0);
    wdm_outbox_stats (box, &own);
    CU_ASSERT_EQUAL (peeked.epoch, own.epoch);
    CU_ASSERT_EQUAL (peeked.next_seq, 11);
    CU_ASSERT_EQUAL (peeked.queued, 6);
    CU_ASSERT_EQUAL (peeked.acknowledged, 4);
    CU_ASSERT_EQUAL (own.queued, 6);
    wdm_outbox_destroy (&box);
    CU_ASSERT_EQUAL (wdm_outbox_peek (dir, &peeked, err, sizeof err), 0);
    CU_ASSERT_EQUAL (peeked.next_seq, 11);
    CU_ASSERT_EQUAL (peeked.queued, 6);

    char *missing = s_path (dir, "nothing");
    CU_ASSERT_EQUAL (wdm_outbox_peek (missing, &peeked, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (err, "no outbox at"));
    CU_ASSERT_EQUAL (wdm_outbox_peek ("/tmp", &peeked, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (err, "not an outbox"));
    free (missing);
    s_remove_tree (dir);
    free (dir);
}

//  A long outage: a million records in, all out again, memory bounded by
//  the outbox's buffers (not asserted here: this checks it completes).
static void
test_million_records (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    struct timespec start, middle, end;
    clock_gettime (CLOCK_MONOTONIC, &start);
    //  Under valgrind (tests/valgrind.sh) SQLite runs some 20 times slower:
    //  a tenth of the records, and no time limit.
    const int total = RUNNING_ON_VALGRIND ? 100000 : 1000000;
    uint8_t buf [64];
    int appended = 0;
    for (int i = 1; i <= total; i++) {
        size_t size = 16 + (size_t) (i % 25);
        s_fill ((uint64_t) i, buf, size);
        uint64_t seq;
        if (wdm_outbox_append (box, buf, size, &seq) != 0 || seq != (uint64_t) i)
            break;
        appended++;
        if (i % 10000 == 0 && wdm_outbox_sync (box) != 0)
            break;
    }
    CU_ASSERT_EQUAL_FATAL (appended, total);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    clock_gettime (CLOCK_MONOTONIC, &middle);
    wdm_outbox_destroy (&box);

    box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    uint64_t seq, expect = 1;
    const void *payload;
    size_t size;
    int good = 0;
    while (wdm_outbox_next (box, &seq, &payload, &size) == 1) {
        if (seq == expect && s_payload_is (seq, payload, size, 16 + seq % 25))
            good++;
        if (seq % 10000 == 0)
            wdm_outbox_ack (box, seq - 9999, seq);
        expect = seq + 1;
    }
    CU_ASSERT_EQUAL (good, total);
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.queued, 0);
    CU_ASSERT_EQUAL (stats.acknowledged, (uint64_t) total);
    clock_gettime (CLOCK_MONOTONIC, &end);
    double in = (double) (middle.tv_sec - start.tv_sec) + (double) (middle.tv_nsec - start.tv_nsec) / 1e9;
    double out = (double) (end.tv_sec - middle.tv_sec) + (double) (end.tv_nsec - middle.tv_nsec) / 1e9;
    fprintf (stderr, "\n    %d records: %.2f s in, %.2f s reopen and out ", total, in, out);
    CU_ASSERT_TRUE (RUNNING_ON_VALGRIND || in + out < 40);
    wdm_outbox_destroy (&box);
    s_remove_tree (dir);
    free (dir);
}

int
main (void)
{
    static const wdm_test_case_t tests [] = {
        { "appended and synced records come back byte for byte, in order", test_append_sync_next },
        { "the database is laid out as documented", test_disk_format },
        { "a reopened outbox keeps its records and epoch", test_reopen_keeps_records_and_epoch },
        { "acks out of order: acknowledged records never return, also after reopen", test_acks_out_of_order },
        { "rewind resends exactly the unacknowledged records", test_rewind_resends_unacknowledged },
        { "acknowledged records are deleted from the database", test_acknowledged_records_are_deleted },
        { "seqs are never reused: all acknowledged, reopened, crashed", test_seqs_never_reused },
        { "a torn WAL drops the unfinished sync; records before it are intact", test_torn_wal_drops_the_unfinished_sync },
        { "records appended but not synced before a crash are cut", test_unsynced_records_are_cut_after_a_crash },
        { "a truncated database is kept aside and its readable records salvaged", test_truncated_database_is_salvaged },
        { "flipped bits in payloads are detected; good records around them are intact", test_flipped_bit_is_detected },
        { "damage while open stops the cursor; reopening repairs", test_damage_while_open },
        { "a missing meta row or an outbox of the segment format stops the open", test_refuses_to_guess },
        { "rollback drops what was appended since the last sync", test_rollback },
        { "full disk: sync fails with ENOSPC, synced records intact, works again", test_full_disk },
        { "a second open of the same outbox fails while the first holds it", test_second_open_fails },
        { "peek reads the stats of an outbox in use", test_peek },
        { "a million records in and out", test_million_records },
    };
    return wdm_test_run_suite ("outbox", tests, sizeof tests / sizeof tests [0]);
}
