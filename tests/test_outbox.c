/*  test_outbox: what the collector sees of its outbox in its ordinary
    life — records come back byte for byte and in order, acknowledged ones
    never again, seqs are never handed out twice, rollback, one owner at a
    time, peek, a million records.  Crashes, damage and a full disk are in
    test_outbox_damage.c.  Each test works in its own directory under
    /tmp.  */

#include "test_outbox.h"
#include "wdm_crc32.h"
#include "wdm_test.h"

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

static void
test_append_sync_next (void)
{
    char *tmp = ot_tmpdir ();
    char *dir = ot_path (tmp, "box");
    wdm_outbox_recovery_t recovery;
    wdm_outbox_t *box = ot_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_TRUE (ot_is_clean (&recovery));
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
        ot_fill ((uint64_t) i + 1, buf, sizes [i]);
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
        CU_ASSERT_TRUE (ot_payload_is (seq, payload, size, sizes [i]));
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
    ot_remove_tree (tmp);
    free (dir);
    free (tmp);
}

//  The database is laid out as documented: the collector's operators read
//  it in the docs (and with sqlite3), and a later version must read it.
static void
test_disk_format (void)
{
    char *dir = ot_tmpdir ();
    wdm_outbox_t *box = ot_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    uint64_t seq;
    CU_ASSERT_EQUAL (wdm_outbox_append (box, "abc", 3, &seq), 0);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 1, 1), 0);
    CU_ASSERT_EQUAL (wdm_outbox_append (box, "defg", 4, &seq), 0);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    uint64_t epoch = wdm_outbox_epoch (box);
    wdm_outbox_destroy (&box);

    sqlite3 *db = ot_db (dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL (db);
    sqlite3_stmt *stmt = NULL;
    CU_ASSERT_EQUAL (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL), SQLITE_OK);
    CU_ASSERT_EQUAL (sqlite3_step (stmt), SQLITE_ROW);
    CU_ASSERT_STRING_EQUAL ((const char *) sqlite3_column_text (stmt, 0), "wal");
    sqlite3_finalize (stmt);
    //  Seq 1 was acknowledged: deleted.  Seq 2: its payload and CRC.
    CU_ASSERT_EQUAL (ot_db_int (db, "SELECT count(*) FROM record"), 1);
    CU_ASSERT_EQUAL (sqlite3_prepare_v2 (db, "SELECT seq, payload, crc FROM record", -1, &stmt, NULL), SQLITE_OK);
    CU_ASSERT_EQUAL_FATAL (sqlite3_step (stmt), SQLITE_ROW);
    CU_ASSERT_EQUAL (sqlite3_column_int64 (stmt, 0), 2);
    CU_ASSERT_EQUAL (sqlite3_column_bytes (stmt, 1), 4);
    CU_ASSERT_EQUAL (memcmp (sqlite3_column_blob (stmt, 1), "defg", 4), 0);
    uint8_t seq_bytes [8] = { 2, 0, 0, 0, 0, 0, 0, 0 };
    uint32_t crc = wdm_crc32 (wdm_crc32 (0, seq_bytes, 8), "defg", 4);
    CU_ASSERT_EQUAL (sqlite3_column_int64 (stmt, 2), (sqlite3_int64) crc);
    sqlite3_finalize (stmt);
    CU_ASSERT_EQUAL (ot_db_int (db, "SELECT format FROM meta WHERE id = 1"), 1);
    CU_ASSERT_EQUAL (ot_db_int (db, "SELECT epoch FROM meta WHERE id = 1"), (int64_t) epoch);
    CU_ASSERT_EQUAL (ot_db_int (db, "SELECT next_seq FROM meta WHERE id = 1"), 3);
    CU_ASSERT_EQUAL (ot_db_int (db, "SELECT queued FROM meta WHERE id = 1"), 1);
    CU_ASSERT_EQUAL (ot_db_int (db, "SELECT acknowledged FROM meta WHERE id = 1"), 1);
    CU_ASSERT_EQUAL (ot_db_int (db, "SELECT count(*) FROM damaged"), 0);
    sqlite3_close (db);
    ot_remove_tree (dir);
    free (dir);
}

static void
test_reopen_keeps_records_and_epoch (void)
{
    char *dir = ot_tmpdir ();
    wdm_outbox_t *box = ot_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    uint64_t epoch = wdm_outbox_epoch (box);
    CU_ASSERT_EQUAL (ot_append_range (box, 1, 50, 100), 50);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    wdm_outbox_destroy (&box);

    wdm_outbox_recovery_t recovery;
    box = ot_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_TRUE (ot_is_clean (&recovery));
    CU_ASSERT_EQUAL (wdm_outbox_epoch (box), epoch);
    uint64_t seqs [64];
    int count = ot_read_all (box, seqs, 64, 100);
    CU_ASSERT_TRUE (ot_is_run (seqs, count, 1, 50));
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.next_seq, 51);
    CU_ASSERT_EQUAL (stats.queued, 50);
    CU_ASSERT_EQUAL (ot_append_range (box, 51, 1, 100), 1);
    wdm_outbox_destroy (&box);
    ot_remove_tree (dir);
    free (dir);
}

static void
test_acks_out_of_order (void)
{
    char *dir = ot_tmpdir ();
    wdm_outbox_t *box = ot_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (ot_append_range (box, 1, 20, 100), 20);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    uint64_t seqs [32];
    CU_ASSERT_EQUAL (ot_read_all (box, seqs, 32, 100), 20);

    //  Three batches in flight come back out of order.
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 11, 15), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 1, 5), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 16, 20), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 3, 4), 0);        //  again: no harm, counted once
    wdm_outbox_rewind (box);
    int count = ot_read_all (box, seqs, 32, 100);
    CU_ASSERT_TRUE (ot_is_run (seqs, count, 6, 10));
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
    box = ot_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    count = ot_read_all (box, seqs, 32, 100);
    CU_ASSERT_TRUE (ot_is_run (seqs, count, 6, 10));
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.queued, 5);
    CU_ASSERT_EQUAL (stats.acknowledged, 15);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 6, 10), 0);
    wdm_outbox_rewind (box);
    CU_ASSERT_EQUAL (ot_read_all (box, seqs, 32, 100), 0);
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.queued, 0);
    CU_ASSERT_EQUAL (stats.acknowledged, 20);
    wdm_outbox_destroy (&box);
    ot_remove_tree (dir);
    free (dir);
}

static void
test_rewind_resends_unacknowledged (void)
{
    char *dir = ot_tmpdir ();
    wdm_outbox_t *box = ot_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (ot_append_range (box, 1, 30, 100), 30);
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
    int count = ot_read_all (box, seqs, 32, 100);
    uint64_t expect [32];
    int expected = 0;
    for (uint64_t s = 1; s <= 30; s++)
        if (!((s >= 2 && s <= 4) || s == 10 || (s >= 20 && s <= 29)))
            expect [expected++] = s;
    CU_ASSERT_EQUAL_FATAL (count, expected);
    CU_ASSERT_EQUAL (memcmp (seqs, expect, (size_t) count * sizeof seqs [0]), 0);
    wdm_outbox_destroy (&box);
    ot_remove_tree (dir);
    free (dir);
}

static void
test_acknowledged_records_are_deleted (void)
{
    char *dir = ot_tmpdir ();
    wdm_outbox_t *box = ot_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    //  10,000 records of 1,000 bytes: about 10 MB.
    CU_ASSERT_EQUAL (ot_append_range (box, 1, 10000, 1000), 10000);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    uint64_t seqs [4];
    CU_ASSERT_EQUAL (ot_read_all (box, seqs, 4, 1000), 10000);
    //  All but the last record: only it is left in the database.
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 5000, 9999), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 1, 4999), 0);
    wdm_outbox_rewind (box);
    int count = ot_read_all (box, seqs, 4, 1000);
    CU_ASSERT_TRUE (ot_is_run (seqs, count, 10000, 10000));
    wdm_outbox_destroy (&box);
    CU_ASSERT_EQUAL (ot_row_count (dir), 1);
    box = ot_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 10000, 10000), 0);
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.queued, 0);
    CU_ASSERT_EQUAL (stats.acknowledged, 10000);
    wdm_outbox_destroy (&box);
    CU_ASSERT_EQUAL (ot_row_count (dir), 0);
    ot_remove_tree (dir);
    free (dir);
}

static void
test_seqs_never_reused (void)
{
    char *dir = ot_tmpdir ();
    wdm_outbox_t *box = ot_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (ot_append_range (box, 1, 10, 100), 10);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 1, 10), 0);
    wdm_outbox_destroy (&box);
    CU_ASSERT_EQUAL (ot_row_count (dir), 0);

    //  Every record acknowledged, every segment gone: still 11 next.
    wdm_outbox_recovery_t recovery;
    box = ot_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_TRUE (ot_is_clean (&recovery));
    CU_ASSERT_EQUAL (ot_append_range (box, 11, 1, 100), 1);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 11, 11), 0);
    wdm_outbox_destroy (&box);

    //  A crash (the process ends without destroy) after the last segment
    //  was deleted, with records appended and not synced.
    pid_t pid = fork ();
    CU_ASSERT_FATAL (pid >= 0);
    if (pid == 0) {
        wdm_outbox_t *child = ot_open (dir, NULL);
        if (!child || ot_append_range (child, 12, 5, 100) != 5 || wdm_outbox_sync (child)
        ||  wdm_outbox_ack (child, 12, 16) || ot_append_range (child, 17, 3, 100) != 3)
            _exit (1);
        raise (SIGKILL);                //  no destroy, no flush: a crash
    }
    int status;
    CU_ASSERT_EQUAL (waitpid (pid, &status, 0), pid);
    CU_ASSERT_TRUE (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
    box = ot_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    uint64_t seq = 0;
    CU_ASSERT_EQUAL (wdm_outbox_append (box, "x", 1, &seq), 0);
    CU_ASSERT_EQUAL (seq, 17);          //  17..19 were never synced, so never sent
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.acknowledged, 16);
    wdm_outbox_destroy (&box);
    ot_remove_tree (dir);
    free (dir);
}

static void
test_rollback (void)
{
    char *dir = ot_tmpdir ();
    wdm_outbox_t *box = ot_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (ot_append_range (box, 1, 5, 100), 5);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    CU_ASSERT_EQUAL (ot_append_range (box, 6, 3, 100), 3);
    wdm_outbox_rollback (box);
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.next_seq, 6);
    CU_ASSERT_EQUAL (stats.queued, 5);
    uint64_t seqs [64];
    int count = ot_read_all (box, seqs, 64, 100);
    CU_ASSERT_TRUE (ot_is_run (seqs, count, 1, 5));

    //  Past a segment boundary, unsynced, and back.  Most of it is on
    //  disk already (written through the buffer), none of it is sent.
    CU_ASSERT_EQUAL (ot_append_range (box, 6, 5000, 1000), 5000);
    uint64_t seq;
    const void *payload;
    size_t size;
    CU_ASSERT_EQUAL (wdm_outbox_next (box, &seq, &payload, &size), 0);
    wdm_outbox_rewind (box);
    count = ot_read_all (box, seqs, 64, 100);
    CU_ASSERT_TRUE (ot_is_run (seqs, count, 1, 5));
    wdm_outbox_rollback (box);
    count = ot_read_all (box, seqs, 64, 100);
    CU_ASSERT_EQUAL (count, 0);

    //  Seq 6 again, with new bytes (record 6 of size 200, not 100).
    static uint8_t buf [200];
    ot_fill (6, buf, sizeof buf);
    seq = 0;
    CU_ASSERT_EQUAL (wdm_outbox_append (box, buf, sizeof buf, &seq), 0);
    CU_ASSERT_EQUAL (seq, 6);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    CU_ASSERT_EQUAL (wdm_outbox_next (box, &seq, &payload, &size), 1);
    CU_ASSERT_EQUAL (seq, 6);
    CU_ASSERT_TRUE (ot_payload_is (6, payload, size, 200));
    CU_ASSERT_EQUAL (wdm_outbox_next (box, &seq, &payload, &size), 0);
    //  Destroy drops what is not synced, as a rollback does.
    CU_ASSERT_EQUAL (ot_append_range (box, 7, 2, 100), 2);
    wdm_outbox_destroy (&box);

    wdm_outbox_recovery_t recovery;
    box = ot_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_TRUE (ot_is_clean (&recovery));
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.next_seq, 7);
    count = 0;
    while (wdm_outbox_next (box, &seq, &payload, &size) == 1)
        count++;
    CU_ASSERT_EQUAL (count, 6);
    CU_ASSERT_EQUAL (seq, 6);
    CU_ASSERT_TRUE (ot_payload_is (6, payload, size, 200));
    wdm_outbox_destroy (&box);
    ot_remove_tree (dir);
    free (dir);
}

static void
test_second_open_fails (void)
{
    char *dir = ot_tmpdir ();
    wdm_outbox_t *box = ot_open (dir, NULL);
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
    box = ot_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL (box);
    wdm_outbox_destroy (&box);
    ot_remove_tree (dir);
    free (dir);
}

static void
test_peek (void)
{
    char *dir = ot_tmpdir ();
    wdm_outbox_t *box = ot_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (ot_append_range (box, 1, 10, 100), 10);
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

    char *missing = ot_path (dir, "nothing");
    CU_ASSERT_EQUAL (wdm_outbox_peek (missing, &peeked, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (err, "no outbox at"));
    CU_ASSERT_EQUAL (wdm_outbox_peek ("/tmp", &peeked, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (err, "not an outbox"));
    free (missing);
    ot_remove_tree (dir);
    free (dir);
}

//  A long outage: a million records in, all out again, memory bounded by
//  the outbox's buffers (not asserted here: this checks it completes).
static void
test_million_records (void)
{
    char *dir = ot_tmpdir ();
    wdm_outbox_t *box = ot_open (dir, NULL);
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
        ot_fill ((uint64_t) i, buf, size);
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

    box = ot_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    uint64_t seq, expect = 1;
    const void *payload;
    size_t size;
    int good = 0;
    while (wdm_outbox_next (box, &seq, &payload, &size) == 1) {
        if (seq == expect && ot_payload_is (seq, payload, size, 16 + seq % 25))
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
    ot_remove_tree (dir);
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
        { "rollback drops what was appended since the last sync", test_rollback },
        { "a second open of the same outbox fails while the first holds it", test_second_open_fails },
        { "peek reads the stats of an outbox in use", test_peek },
        { "a million records in and out", test_million_records },
    };
    return wdm_test_run_suite ("outbox", tests, sizeof tests / sizeof tests [0]);
}
