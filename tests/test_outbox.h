/*  test_outbox.h: what the outbox suites (test_outbox, test_outbox_damage)
    share — payloads that differ from record to record, directories under
    /tmp, the database read through the tests' own SQLite connection, bits
    flipped on disk.  Defined in test_outbox_fixtures.c; names start ot_
    (outbox test).  */

#ifndef TEST_OUTBOX_H_INCLUDED
#define TEST_OUTBOX_H_INCLUDED

#include "wdm_outbox.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

//  The payload of record n: size bytes that differ from record to record.
void ot_fill (uint64_t n, uint8_t *buf, size_t size);

//  True if payload is record n's, of expected_size bytes.
bool ot_payload_is (uint64_t n, const void *payload, size_t size, size_t expected_size);

//  A new empty directory under /tmp; the caller frees the name.
char *ot_tmpdir (void);

//  dir/name, for the caller to free.
char *ot_path (const char *dir, const char *name);

//  Remove a directory and everything under it.
void ot_remove_tree (const char *path);

//  The size of the file at path, -1 if there is none.
off_t ot_file_size (const char *path);

//  Open dir/outbox.db for a test to look at or change (read-write).
sqlite3 *ot_db (const char *dir);

//  The first column of the first row of sql, as an integer; -1 if none.
int64_t ot_db_int (sqlite3 *db, const char *sql);

//  Rows in table record of the outbox in dir (closed), -1 if unreadable.
int64_t ot_row_count (const char *dir);

//  Offset in the file at path of the one place its bytes match needle;
//  -1 if they match nowhere or in more than one place.
off_t ot_find (const char *path, const void *needle, size_t size);

//  Flip one bit at offset of the file dir/name.
void ot_flip (const char *dir, const char *name, off_t offset);

//  Flip a bit at byte at of record n's payload (of size bytes) in
//  dir/outbox.db; the outbox must be closed (its WAL written back).
void ot_flip_record (const char *dir, uint64_t n, size_t size, size_t at);

//  Open the outbox in dir (wdm_outbox_new), saying why on stderr if not.
wdm_outbox_t *ot_open (const char *dir, wdm_outbox_recovery_t *recovery);

//  Append records first..first+count-1 (the n of ot_fill), each of size
//  bytes; they must get exactly those seqs.  Returns how many did.
int ot_append_range (wdm_outbox_t *box, uint64_t first, int count, size_t size);

//  Read what the cursor gives now, checking every payload is that of its
//  seq with the given size.  Fills seqs (up to max); returns how many were
//  read, -1 if a payload was wrong or next failed.
int ot_read_all (wdm_outbox_t *box, uint64_t *seqs, int max, size_t size);

//  True if seqs[0..count) is exactly first..last, in order.
bool ot_is_run (const uint64_t *seqs, int count, uint64_t first, uint64_t last);

//  True if the recovery at open found nothing to report.
bool ot_is_clean (const wdm_outbox_recovery_t *recovery);

#endif
