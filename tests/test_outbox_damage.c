/*  test_outbox_damage: a crash, a torn tail, a truncated file, a flipped
    bit or a full disk costs nothing that was synced before it, and an
    outbox the code cannot read with confidence is refused, not guessed
    at.  Each test works in its own directory under /tmp; the full-disk
    test mounts a small tmpfs.  */

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

//  A collector killed while taking a file in: what it appended, and even
//  flushed to disk, but never synced, is cut on reopen — the file it came
//  from is read again, and must not be taken twice.  Records of a later
//  segment are cut as well.
static void
test_unsynced_records_are_cut_after_a_crash (void)
{
    char *dir = ot_tmpdir ();
    wdm_outbox_t *box = ot_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (ot_append_range (box, 1, 10, 100), 10);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    wdm_outbox_destroy (&box);

    pid_t pid = fork ();
    if (pid == 0) {
        wdm_outbox_t *child = ot_open (dir, NULL);
        //  5 MB: more than the write buffer and past a segment's 4 MiB,
        //  so bytes reach two files; then a crash, before any sync.
        if (!child || ot_append_range (child, 11, 500, 10000) != 500)
            _exit (1);
        raise (SIGKILL);
    }
    int status;
    CU_ASSERT_EQUAL (waitpid (pid, &status, 0), pid);
    CU_ASSERT_TRUE (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
    wdm_outbox_recovery_t recovery;
    box = ot_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (recovery.damaged_records, 0);
    uint64_t seqs [32];
    int count = ot_read_all (box, seqs, 32, 100);
    CU_ASSERT_TRUE (ot_is_run (seqs, count, 1, 10));     //  the synced ten, nothing more
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.next_seq, 11);               //  never sent: free to use again
    CU_ASSERT_EQUAL (stats.queued, 10);
    wdm_outbox_destroy (&box);
    ot_remove_tree (dir);
    free (dir);
}

//  A crash while a sync was being committed leaves a torn WAL: SQLite
//  drops the transaction whose frames are not all there.  The sync never
//  returned, so those records were never sent: their seqs come again, and
//  every record synced before is intact.
static void
test_torn_wal_drops_the_unfinished_sync (void)
{
    char *dir = ot_tmpdir ();
    pid_t pid = fork ();
    CU_ASSERT_FATAL (pid >= 0);
    if (pid == 0) {
        wdm_outbox_t *child = ot_open (dir, NULL);
        if (!child || ot_append_range (child, 1, 10, 100) != 10 || wdm_outbox_sync (child)
        ||  ot_append_range (child, 11, 10, 100) != 10 || wdm_outbox_sync (child))
            _exit (1);
        raise (SIGKILL);                //  the WAL stays as it is
    }
    int status;
    CU_ASSERT_EQUAL (waitpid (pid, &status, 0), pid);
    CU_ASSERT_TRUE_FATAL (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
    char *wal = ot_path (dir, "outbox.db-wal");
    off_t size = ot_file_size (wal);
    CU_ASSERT_FATAL (size > 4096);
    CU_ASSERT_EQUAL (truncate (wal, size - 100), 0);   //  the last frame cut short

    wdm_outbox_recovery_t recovery;
    wdm_outbox_t *box = ot_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_TRUE (ot_is_clean (&recovery));
    uint64_t seqs [32];
    int count = ot_read_all (box, seqs, 32, 100);
    CU_ASSERT_TRUE (ot_is_run (seqs, count, 1, 10));
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.next_seq, 11);
    CU_ASSERT_EQUAL (stats.queued, 10);
    wdm_outbox_destroy (&box);
    free (wal);
    ot_remove_tree (dir);
    free (dir);
}

//  A database file cut short (a torn file): quick_check fails at open;
//  the file is kept in damaged/, every record that can still be read is
//  copied into a new database, the rest are counted lost, and no seq is
//  handed out again.
static void
test_truncated_database_is_salvaged (void)
{
    char *dir = ot_tmpdir ();
    wdm_outbox_t *box = ot_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    uint64_t epoch = wdm_outbox_epoch (box);
    CU_ASSERT_EQUAL (ot_append_range (box, 1, 2000, 100), 2000);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 1, 100), 0);
    wdm_outbox_destroy (&box);
    char *path = ot_path (dir, "outbox.db");
    off_t size = ot_file_size (path);
    CU_ASSERT_EQUAL (truncate (path, size - 3 * 4096 - 1000), 0);

    wdm_outbox_recovery_t recovery;
    box = ot_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (recovery.damaged_segments, 1);
    CU_ASSERT_TRUE (recovery.damaged_records > 0 && recovery.damaged_records < 1900);
    CU_ASSERT_PTR_NOT_NULL (strstr (recovery.message, "is damaged"));
    CU_ASSERT_PTR_NOT_NULL (strstr (recovery.message, "/damaged/outbox-"));
    fprintf (stderr, "\n    %s ", recovery.message);
    CU_ASSERT_EQUAL (wdm_outbox_epoch (box), epoch);
    uint64_t seqs [2000];
    int count = ot_read_all (box, seqs, 2000, 100);       //  every one byte for byte
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
    char *damaged = ot_path (dir, "damaged");
    DIR *kept = opendir (damaged);
    CU_ASSERT_PTR_NOT_NULL_FATAL (kept);
    int files = 0;
    struct dirent *entry;
    while ((entry = readdir (kept)) != NULL)
        if (strncmp (entry->d_name, "outbox-", 7) == 0)
            files++;
    closedir (kept);
    CU_ASSERT_TRUE (files >= 1);
    box = ot_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_TRUE (ot_is_clean (&recovery));
    wdm_outbox_destroy (&box);
    free (damaged);
    free (path);
    ot_remove_tree (dir);
    free (dir);
}

//  Bits flipped in payloads (SQLite does not checksum them): the CRC
//  finds each; those records are set aside, counted, never delivered;
//  every other record is, byte for byte.
static void
test_flipped_bit_is_detected (void)
{
    char *dir = ot_tmpdir ();
    wdm_outbox_t *box = ot_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (ot_append_range (box, 1, 100, 100), 100);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 1, 10), 0);
    wdm_outbox_destroy (&box);
    ot_flip_record (dir, 30, 100, 0);            //  the first byte of a payload
    ot_flip_record (dir, 50, 100, 37);           //  the middle
    ot_flip_record (dir, 100, 100, 99);          //  the last byte of the last record

    wdm_outbox_recovery_t recovery;
    box = ot_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (recovery.damaged_records, 3);
    CU_ASSERT_EQUAL (recovery.damaged_segments, 0);
    CU_ASSERT_PTR_NOT_NULL (strstr (recovery.message, "3 records damaged (bad CRC, first seq 30)"));
    uint64_t seqs [128];
    int count = ot_read_all (box, seqs, 128, 100);
    CU_ASSERT_EQUAL_FATAL (count, 87);
    CU_ASSERT_TRUE (ot_is_run (seqs, 19, 11, 29));
    CU_ASSERT_TRUE (ot_is_run (seqs + 19, 19, 31, 49));
    CU_ASSERT_TRUE (ot_is_run (seqs + 38, 49, 51, 99));
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.queued, 87);
    CU_ASSERT_EQUAL (stats.next_seq, 101);        //  100 was synced: never again
    uint64_t seq = 0;
    CU_ASSERT_EQUAL (wdm_outbox_append (box, "y", 1, &seq), 0);
    CU_ASSERT_EQUAL (seq, 101);
    wdm_outbox_destroy (&box);

    //  Kept for study in table damaged; the outbox opens clean again.
    sqlite3 *db = ot_db (dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL (db);
    CU_ASSERT_EQUAL (ot_db_int (db, "SELECT count(*) FROM damaged"), 3);
    CU_ASSERT_EQUAL (ot_db_int (db, "SELECT min(seq) FROM damaged"), 30);
    sqlite3_close (db);
    box = ot_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_TRUE (ot_is_clean (&recovery));
    CU_ASSERT_EQUAL (ot_read_all (box, seqs, 128, 100), 87);
    wdm_outbox_destroy (&box);
    ot_remove_tree (dir);
    free (dir);
}

//  Without its meta row the outbox cannot know its epoch or which seqs
//  were used: it refuses to open rather than guess.  An outbox of the
//  segment format is refused with what to do.
static void
test_refuses_to_guess (void)
{
    char *dir = ot_tmpdir ();
    wdm_outbox_t *box = ot_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (ot_append_range (box, 1, 3, 100), 3);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    wdm_outbox_destroy (&box);
    char err [512];

    sqlite3 *db = ot_db (dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL (db);
    CU_ASSERT_EQUAL (sqlite3_exec (db, "CREATE TABLE saved AS SELECT * FROM meta; DELETE FROM meta",
                                   NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close (db);
    CU_ASSERT_PTR_NULL (wdm_outbox_new (dir, NULL, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL (strstr (err, "the meta row of outbox.db is missing or wrong"));
    db = ot_db (dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL (db);
    CU_ASSERT_EQUAL (sqlite3_exec (db, "INSERT INTO meta SELECT * FROM saved; DROP TABLE saved",
                                   NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close (db);
    box = ot_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL (box);
    wdm_outbox_destroy (&box);

    //  An outbox left by an earlier collector, records still queued.
    char *old = ot_tmpdir ();
    char *segment = ot_path (old, "seg-00000000000000000001.wdo");
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
    char *db_path = ot_path (old, "outbox.db");
    CU_ASSERT_EQUAL (ot_file_size (db_path), -1);    //  nothing created beside it
    free (db_path);
    free (segment);
    ot_remove_tree (old);
    free (old);
    ot_remove_tree (dir);
    free (dir);
}

//  A payload changed under the open outbox, its CRC not (as a bad disk
//  would, written here through SQLite so that the owner's page cache sees
//  it): the cursor stops there until a reopen sets the record aside.
static void
test_damage_while_open (void)
{
    char *dir = ot_tmpdir ();
    wdm_outbox_t *box = ot_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (ot_append_range (box, 1, 10, 100), 10);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    sqlite3 *db = ot_db (dir);
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
    box = ot_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (recovery.damaged_records, 1);
    uint64_t seqs [16];
    int count = ot_read_all (box, seqs, 16, 100);
    CU_ASSERT_EQUAL_FATAL (count, 9);
    CU_ASSERT_TRUE (ot_is_run (seqs, 4, 1, 4));
    CU_ASSERT_TRUE (ot_is_run (seqs + 4, 5, 6, 10));
    wdm_outbox_destroy (&box);
    ot_remove_tree (dir);
    free (dir);
}

static void
test_full_disk (void)
{
    char *mnt = ot_tmpdir ();
    if (mount ("tmpfs", mnt, "tmpfs", 0, "size=1m,mode=0700") != 0) {
        fprintf (stderr, "\n    SKIPPED: cannot mount a 1 MiB tmpfs on %s (%s);"
                 " the full-disk case was not tested\n", mnt, strerror (errno));
        rmdir (mnt);
        free (mnt);
        return;
    }
    char *dir = ot_path (mnt, "box");
    char *filler = ot_path (mnt, "filler");
    wdm_outbox_t *box = ot_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (ot_append_range (box, 1, 20, 1000), 20);
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
        if (ot_append_range (box, n, 10, 1000) != 10 || wdm_outbox_sync (box) != 0) {
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
    int count = ot_read_all (box, seqs, 64, 1000);
    CU_ASSERT_TRUE (ot_is_run (seqs, count, 1, synced));

    //  Acknowledgements still get written with the disk full.
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 1, 5), 0);

    //  Space comes back: the outbox works again, from seq synced + 1.
    CU_ASSERT_EQUAL (unlink (filler), 0);
    CU_ASSERT_EQUAL (ot_append_range (box, synced + 1, 10, 1000), 10);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    wdm_outbox_rewind (box);
    count = ot_read_all (box, seqs, 64, 1000);
    CU_ASSERT_TRUE (ot_is_run (seqs, count, 6, synced + 10));
    wdm_outbox_destroy (&box);

    wdm_outbox_recovery_t recovery;
    box = ot_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_TRUE (ot_is_clean (&recovery));
    count = ot_read_all (box, seqs, 64, 1000);
    CU_ASSERT_TRUE (ot_is_run (seqs, count, 6, synced + 10));
    wdm_outbox_destroy (&box);

    CU_ASSERT_EQUAL (umount (mnt), 0);
    rmdir (mnt);
    free (filler);
    free (dir);
    free (mnt);
}

int
main (void)
{
    static const wdm_test_case_t tests [] = {
        { "a torn WAL drops the unfinished sync; records before it are intact", test_torn_wal_drops_the_unfinished_sync },
        { "records appended but not synced before a crash are cut", test_unsynced_records_are_cut_after_a_crash },
        { "a truncated database is kept aside and its readable records salvaged", test_truncated_database_is_salvaged },
        { "flipped bits in payloads are detected; good records around them are intact", test_flipped_bit_is_detected },
        { "damage while open stops the cursor; reopening repairs", test_damage_while_open },
        { "a missing meta row or an outbox of the segment format stops the open", test_refuses_to_guess },
        { "full disk: sync fails with ENOSPC, synced records intact, works again", test_full_disk },
    };
    return wdm_test_run_suite ("outbox_damage", tests, sizeof tests / sizeof tests [0]);
}
