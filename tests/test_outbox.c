/*  test_outbox: what the collector sees of its outbox — records come back
    byte for byte and in order, acknowledged ones never again, seqs are
    never handed out twice, and a torn tail, a flipped bit or a full disk
    costs nothing that was synced before it.  Each test works in its own
    directory under /tmp; the full-disk test mounts a small tmpfs.  */

#include "wdm_outbox.h"
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

#define S_RECORD (20 + 100)     //  bytes on disk of a 100-byte payload

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

static int
s_compare_names (const void *a, const void *b)
{
    return strcmp ((const char *) a, (const char *) b);
}

//  Names of the segment files in dir, sorted; returns how many (at most max).
static int
s_segments (const char *dir, char names [][64], int max)
{
    DIR *d = opendir (dir);
    int count = 0;
    if (!d)
        return 0;
    struct dirent *entry;
    while ((entry = readdir (d)) != NULL && count < max) {
        size_t len = strlen (entry->d_name);
        if (len == 28 && strncmp (entry->d_name, "seg-", 4) == 0
        &&  strcmp (entry->d_name + 24, ".wdo") == 0)
            memcpy (names [count++], entry->d_name, len + 1);
    }
    closedir (d);
    qsort (names, (size_t) count, sizeof names [0], s_compare_names);
    return count;
}

static int
s_segment_count (const char *dir)
{
    char names [64][64];
    return s_segments (dir, names, 64);
}

//  Path of the last segment in dir (caller frees), or NULL.
static char *
s_last_segment (const char *dir)
{
    char names [64][64];
    int count = s_segments (dir, names, 64);
    return count ? s_path (dir, names [count - 1]) : NULL;
}

static off_t
s_file_size (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0 ? st.st_size : -1;
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

//  The bytes on disk are as documented: the collector's operators read
//  the format in the docs, and a later version must still read it.
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

    //  The first segment was deleted once acknowledged; seq 2 is in seg-2.
    char *path = s_path (dir, "seg-00000000000000000002.wdo");
    uint8_t rec [64];
    FILE *file = fopen (path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL (file);
    CU_ASSERT_EQUAL (fread (rec, 1, sizeof rec, file), 24);
    fclose (file);
    uint8_t expect [24] = { 'W', 'D', 'R', '1', 4, 0, 0, 0, 0, 0, 0, 0,
                            2, 0, 0, 0, 0, 0, 0, 0, 'd', 'e', 'f', 'g' };
    uint32_t crc = wdm_crc32 (wdm_crc32 (0, expect + 12, 8), "defg", 4);
    for (int i = 0; i < 4; i++)
        expect [8 + i] = (uint8_t) (crc >> (8 * i));
    CU_ASSERT_EQUAL (memcmp (rec, expect, 24), 0);
    free (path);

    //  State: magic, version 2, no ranges, epoch, high 2 (the last
    //  completed sync), watermark 1, acknowledged 1, CRC.
    path = s_path (dir, "state");
    uint8_t state [64];
    file = fopen (path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL (file);
    CU_ASSERT_EQUAL (fread (state, 1, sizeof state, file), 52);
    fclose (file);
    CU_ASSERT_EQUAL (memcmp (state, "WDOSTATE\2\0\0\0\0\0\0\0", 16), 0);
    uint64_t value = 0;
    for (int i = 7; i >= 0; i--)
        value = (value << 8) | state [16 + i];
    CU_ASSERT_EQUAL (value, epoch);
    CU_ASSERT_EQUAL (state [24], 2);        //  high: seq 2's sync wrote it
    CU_ASSERT_EQUAL (state [32], 1);        //  watermark
    CU_ASSERT_EQUAL (state [40], 1);        //  acknowledged
    crc = wdm_crc32 (0, state, 48);
    CU_ASSERT_EQUAL (state [48] | state [49] << 8 | state [50] << 16 | (uint32_t) state [51] << 24, crc);
    free (path);

    path = s_path (dir, "epoch");
    CU_ASSERT_EQUAL (s_file_size (path), 20);
    free (path);
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
test_segments_rotate_and_are_deleted (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    //  10,000 records of 1,000 bytes: about 10 MB, three segments.
    CU_ASSERT_EQUAL (s_append_range (box, 1, 10000, 1000), 10000);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    char names [64][64];
    int count = s_segments (dir, names, 64);
    CU_ASSERT_EQUAL (count, 3);
    for (int i = 0; i < count; i++) {
        char *path = s_path (dir, names [i]);
        CU_ASSERT_TRUE (s_file_size (path) <= (off_t) WDM_OUTBOX_SEGMENT_MAX);
        free (path);
    }
    CU_ASSERT_STRING_EQUAL (names [0], "seg-00000000000000000001.wdo");

    uint64_t seqs [4];
    CU_ASSERT_EQUAL (s_read_all (box, seqs, 4, 1000), 10000);
    //  All but the last record: only the last segment is left.
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 5000, 9999), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 1, 4999), 0);
    CU_ASSERT_EQUAL (s_segments (dir, names, 64), 1);
    wdm_outbox_rewind (box);
    count = s_read_all (box, seqs, 4, 1000);
    CU_ASSERT_TRUE (s_is_run (seqs, count, 10000, 10000));
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 10000, 10000), 0);
    CU_ASSERT_EQUAL (s_segment_count (dir), 0);
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.queued, 0);
    CU_ASSERT_EQUAL (stats.acknowledged, 10000);
    wdm_outbox_destroy (&box);
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
    CU_ASSERT_EQUAL (s_segment_count (dir), 0);
    wdm_outbox_destroy (&box);

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

static void
test_torn_tail_is_cut (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (s_append_range (box, 1, 20, 100), 20);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    wdm_outbox_destroy (&box);

    //  Record 20 loses the last 50 bytes of its payload.
    char *path = s_last_segment (dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL (path);
    CU_ASSERT_EQUAL (truncate (path, 20 * S_RECORD - 50), 0);
    wdm_outbox_recovery_t recovery;
    box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (recovery.torn_bytes_cut, S_RECORD - 50);
    //  Record 20 was synced (the sync mark says so): it is counted lost.
    CU_ASSERT_EQUAL (recovery.damaged_records, 1);
    CU_ASSERT_PTR_NOT_NULL (strstr (recovery.message, "short payload"));
    CU_ASSERT_EQUAL (s_file_size (path), 19 * S_RECORD);
    uint64_t seqs [32];
    int count = s_read_all (box, seqs, 32, 100);
    CU_ASSERT_TRUE (s_is_run (seqs, count, 1, 19));
    //  Seq 20 had been synced, so it may have been sent: never again.
    uint64_t seq = 0;
    CU_ASSERT_EQUAL (wdm_outbox_append (box, "y", 1, &seq), 0);
    CU_ASSERT_TRUE (seq > 20);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.queued, 20);
    wdm_outbox_destroy (&box);

    //  A tail of half a header, then a clean reopen keeps everything.
    int fd = open (path, O_WRONLY | O_APPEND);
    CU_ASSERT_FATAL (fd >= 0);
    CU_ASSERT_EQUAL (write (fd, "WDR1\1\0\0\0\0\0", 10), 10);
    close (fd);
    box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (recovery.torn_bytes_cut, 10);
    CU_ASSERT_PTR_NOT_NULL (strstr (recovery.message, "short header"));
    count = s_read_all (box, seqs, 32, 100);
    CU_ASSERT_EQUAL (count, -1);        //  the last one is "y", of another size
    wdm_outbox_rewind (box);
    count = 0;
    const void *payload;
    size_t size;
    uint64_t last = 0;
    while (wdm_outbox_next (box, &last, &payload, &size) == 1)
        count++;
    CU_ASSERT_EQUAL (count, 20);
    CU_ASSERT_EQUAL (last, seq);
    wdm_outbox_destroy (&box);
    box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_TRUE (s_is_clean (&recovery));
    wdm_outbox_destroy (&box);
    free (path);
    s_remove_tree (dir);
    free (dir);
}

//  Records gone from the end at a record boundary leave no torn bytes;
//  the state file still knows they were used.
static void
test_records_missing_without_trace (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (s_append_range (box, 1, 20, 100), 20);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 1, 5), 0);
    wdm_outbox_destroy (&box);

    char *path = s_last_segment (dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL (path);
    CU_ASSERT_EQUAL (truncate (path, 10 * S_RECORD), 0);
    wdm_outbox_recovery_t recovery;
    box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (recovery.torn_bytes_cut, 0);
    CU_ASSERT_EQUAL (recovery.damaged_records, 10);
    CU_ASSERT_PTR_NOT_NULL (strstr (recovery.message, "10 records lost (the first stretch: seqs 11..20)"));
    uint64_t seqs [32];
    int count = s_read_all (box, seqs, 32, 100);
    CU_ASSERT_TRUE (s_is_run (seqs, count, 6, 10));
    uint64_t seq = 0;
    CU_ASSERT_EQUAL (wdm_outbox_append (box, "z", 1, &seq), 0);
    CU_ASSERT_EQUAL (seq, 21);
    wdm_outbox_destroy (&box);
    free (path);
    s_remove_tree (dir);
    free (dir);
}

//  Flip one bit at byte at of record 50 of 100, reopen, and check what
//  the cursor gives: every other record, exact; never record 50.
static void
s_flip_and_check (size_t at, const char *why)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (s_append_range (box, 1, 100, 100), 100);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    CU_ASSERT_EQUAL (wdm_outbox_ack (box, 1, 10), 0);
    wdm_outbox_destroy (&box);

    char *path = s_last_segment (dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL (path);
    int fd = open (path, O_RDWR);
    CU_ASSERT_FATAL (fd >= 0);
    uint8_t byte;
    off_t offset = 49 * S_RECORD + (off_t) at;
    CU_ASSERT_EQUAL (pread (fd, &byte, 1, offset), 1);
    byte ^= 0x10;
    CU_ASSERT_EQUAL (pwrite (fd, &byte, 1, offset), 1);
    close (fd);

    wdm_outbox_recovery_t recovery;
    box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (recovery.damaged_records, 1);
    CU_ASSERT_EQUAL (recovery.damaged_segments, 1);
    CU_ASSERT_EQUAL (recovery.torn_bytes_cut, 0);
    CU_ASSERT_PTR_NOT_NULL (strstr (recovery.message, why));
    CU_ASSERT_PTR_NOT_NULL (strstr (recovery.message, "damaged/seg-00000000000000000001.wdo"));
    uint64_t seqs [128];
    int count = s_read_all (box, seqs, 128, 100);
    CU_ASSERT_EQUAL_FATAL (count, 89);
    CU_ASSERT_TRUE (s_is_run (seqs, 39, 11, 49));
    CU_ASSERT_TRUE (s_is_run (seqs + 39, 50, 51, 100));
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.queued, 89);
    CU_ASSERT_EQUAL (stats.next_seq, 101);
    wdm_outbox_destroy (&box);

    //  The original is kept for study; the repaired outbox opens clean.
    char *kept = s_path (dir, "damaged/seg-00000000000000000001.wdo");
    CU_ASSERT_EQUAL (s_file_size (kept), 100 * S_RECORD);
    CU_ASSERT_EQUAL (s_file_size (path), 99 * S_RECORD);
    box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_TRUE (s_is_clean (&recovery));
    CU_ASSERT_EQUAL (s_read_all (box, seqs, 128, 100), 89);
    wdm_outbox_destroy (&box);
    free (kept);
    free (path);
    s_remove_tree (dir);
    free (dir);
}

static void
test_flipped_bit_is_detected (void)
{
    s_flip_and_check (20 + 37, "bad CRC");      //  in the payload
    s_flip_and_check (14, "bad CRC");           //  in the seq
    s_flip_and_check (9, "bad CRC");            //  in the CRC
    s_flip_and_check (6, "bad length");         //  length now above 64 KiB
    s_flip_and_check (5, "bad CRC");            //  length 4196: framing lost, found again
    s_flip_and_check (4, "bad CRC");            //  length 116
    s_flip_and_check (1, "bad magic");
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

static void
test_damage_in_earlier_segments (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (s_append_range (box, 1, 10000, 1000), 10000);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    wdm_outbox_destroy (&box);
    char names [64][64];
    CU_ASSERT_EQUAL_FATAL (s_segments (dir, names, 64), 3);
    //  The very last record of the first segment, so nothing good follows
    //  it there, and one in the middle of the second.
    char *path = s_path (dir, names [0]);
    off_t size = s_file_size (path);
    uint64_t last_of_first = (uint64_t) size / 1020;
    free (path);
    s_flip (dir, names [0], size - 1);
    s_flip (dir, names [1], 1020 * 100 + 500);
    uint64_t second = 0;
    sscanf (names [1], "seg-%20" SCNu64, &second);
    uint64_t broken [2] = { last_of_first, second + 100 };

    wdm_outbox_recovery_t recovery;
    box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (recovery.damaged_records, 2);
    CU_ASSERT_EQUAL (recovery.damaged_segments, 2);
    CU_ASSERT_EQUAL (recovery.torn_bytes_cut, 0);
    CU_ASSERT_EQUAL (s_segment_count (dir), 3);
    uint64_t seq, expect = 1;
    const void *payload;
    size_t got;
    int good = 0, wrong = 0;
    while (wdm_outbox_next (box, &seq, &payload, &got) == 1) {
        if (expect == broken [0] || expect == broken [1])
            expect++;
        if (seq == expect && s_payload_is (seq, payload, got, 1000))
            good++;
        else
            wrong++;
        expect = seq + 1;
    }
    CU_ASSERT_EQUAL (good, 9998);
    CU_ASSERT_EQUAL (wrong, 0);
    wdm_outbox_destroy (&box);

    //  The same segment damaged again: a second original is kept beside
    //  the first.
    s_flip (dir, names [1], 10);
    box = s_open (dir, &recovery);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (recovery.damaged_records, 1);
    char kept [128];
    snprintf (kept, sizeof kept, "damaged/%s.1", names [1]);
    CU_ASSERT_PTR_NOT_NULL (strstr (recovery.message, kept));
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.queued, 9997);
    wdm_outbox_destroy (&box);
    s_remove_tree (dir);
    free (dir);
}

//  Without its state the outbox cannot know which seqs were used: it
//  refuses to open rather than guess, and never starts a new epoch over
//  old records.
static void
test_refuses_to_guess (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (s_append_range (box, 1, 3, 100), 3);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    wdm_outbox_destroy (&box);
    char err [256];
    char *state = s_path (dir, "state");
    char *moved = s_path (dir, "state.away");
    char *epoch = s_path (dir, "epoch");

    CU_ASSERT_EQUAL (rename (state, moved), 0);
    CU_ASSERT_PTR_NULL (wdm_outbox_new (dir, NULL, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL (strstr (err, "state file is missing"));
    CU_ASSERT_EQUAL (rename (moved, state), 0);

    s_flip (dir, "state", 30);
    CU_ASSERT_PTR_NULL (wdm_outbox_new (dir, NULL, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL (strstr (err, "state file is unreadable (bad length or CRC)"));
    s_flip (dir, "state", 30);

    CU_ASSERT_EQUAL (rename (epoch, moved), 0);
    CU_ASSERT_PTR_NULL (wdm_outbox_new (dir, NULL, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL (strstr (err, "no epoch file"));
    CU_ASSERT_EQUAL (rename (moved, epoch), 0);

    //  Put back, it is whole again.
    box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL (box);
    wdm_outbox_destroy (&box);
    free (state);
    free (moved);
    free (epoch);
    s_remove_tree (dir);
    free (dir);
}

static void
test_damage_while_open (void)
{
    char *dir = s_tmpdir ();
    wdm_outbox_t *box = s_open (dir, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (box);
    CU_ASSERT_EQUAL (s_append_range (box, 1, 10, 100), 10);
    CU_ASSERT_EQUAL (wdm_outbox_sync (box), 0);
    char *path = s_last_segment (dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL (path);
    int fd = open (path, O_RDWR);
    CU_ASSERT_FATAL (fd >= 0);
    CU_ASSERT_EQUAL (pwrite (fd, "\xff", 1, 4 * S_RECORD + 60), 1);
    close (fd);

    uint64_t seq;
    const void *payload;
    size_t size;
    for (uint64_t s = 1; s <= 4; s++) {
        CU_ASSERT_EQUAL (wdm_outbox_next (box, &seq, &payload, &size), 1);
        CU_ASSERT_EQUAL (seq, s);
    }
    CU_ASSERT_EQUAL (wdm_outbox_next (box, &seq, &payload, &size), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (wdm_outbox_error (box), "bad CRC"));
    CU_ASSERT_PTR_NOT_NULL (strstr (wdm_outbox_error (box), "reopen"));
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
    free (path);
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
    CU_ASSERT_EQUAL (s_segment_count (dir), 2);
    uint64_t seq;
    const void *payload;
    size_t size;
    CU_ASSERT_EQUAL (wdm_outbox_next (box, &seq, &payload, &size), 0);
    wdm_outbox_rewind (box);
    count = s_read_all (box, seqs, 64, 100);
    CU_ASSERT_TRUE (s_is_run (seqs, count, 1, 5));
    wdm_outbox_rollback (box);
    CU_ASSERT_EQUAL (s_segment_count (dir), 1);
    char *path = s_last_segment (dir);
    CU_ASSERT_EQUAL (s_file_size (path), 5 * S_RECORD);
    free (path);

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
    const int total = 1000000;
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
    CU_ASSERT_EQUAL (s_segment_count (dir), 0);
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (box, &stats);
    CU_ASSERT_EQUAL (stats.queued, 0);
    CU_ASSERT_EQUAL (stats.acknowledged, (uint64_t) total);
    clock_gettime (CLOCK_MONOTONIC, &end);
    double in = (double) (middle.tv_sec - start.tv_sec) + (double) (middle.tv_nsec - start.tv_nsec) / 1e9;
    double out = (double) (end.tv_sec - middle.tv_sec) + (double) (end.tv_nsec - middle.tv_nsec) / 1e9;
    fprintf (stderr, "\n    1,000,000 records: %.2f s in, %.2f s reopen and out ", in, out);
    CU_ASSERT_TRUE (in + out < 40);
    wdm_outbox_destroy (&box);
    s_remove_tree (dir);
    free (dir);
}

int
main (void)
{
    static const wdm_test_case_t tests [] = {
        { "appended and synced records come back byte for byte, in order", test_append_sync_next },
        { "records and state files are laid out as documented", test_disk_format },
        { "a reopened outbox keeps its records and epoch", test_reopen_keeps_records_and_epoch },
        { "acks out of order: acknowledged records never return, also after reopen", test_acks_out_of_order },
        { "rewind resends exactly the unacknowledged records", test_rewind_resends_unacknowledged },
        { "segments rotate at 4 MiB; fully acknowledged ones are deleted", test_segments_rotate_and_are_deleted },
        { "seqs are never reused: all acknowledged, reopened, crashed", test_seqs_never_reused },
        { "a torn tail is cut; records before it are intact", test_torn_tail_is_cut },
        { "records appended but not synced before a crash are cut", test_unsynced_records_are_cut_after_a_crash },
        { "records missing from the end: counted lost, their seqs not reused", test_records_missing_without_trace },
        { "a flipped bit is detected; good records around it are intact", test_flipped_bit_is_detected },
        { "damage in earlier segments, also at a segment's end, is repaired", test_damage_in_earlier_segments },
        { "damage while open stops the cursor; reopening repairs", test_damage_while_open },
        { "a missing or corrupt state or epoch file stops the open", test_refuses_to_guess },
        { "rollback drops what was appended since the last sync", test_rollback },
        { "full disk: sync fails with ENOSPC, synced records intact, works again", test_full_disk },
        { "a second open of the same outbox fails while the first holds it", test_second_open_fails },
        { "peek reads the stats of an outbox in use", test_peek },
        { "a million records in and out", test_million_records },
    };
    return wdm_test_run_suite ("outbox", tests, sizeof tests / sizeof tests [0]);
}
