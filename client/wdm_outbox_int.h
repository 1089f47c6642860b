/*  wdm_outbox_int.h: INTERNAL to client/ — not part of wdm_outbox.h, and
    no file outside this folder includes it.  The outbox's modules share
    the outbox (struct wdm_outbox) and the helpers declared below.  Their
    names start ob_ (outbox, private) so that a call says where it comes
    from: ob_ from here, s_ from the file at hand, wdm_ from a public
    header.  The layout on disk is described in wdm_outbox.c.

    The modules:
        wdm_outbox.c          the API: append, sync, read, acknowledge, stats
        wdm_outbox_db.c       small helpers, and the database: create, open, meta
        wdm_outbox_salvage.c  recovery at open: CRCs checked, a corrupt file salvaged  */

#ifndef WDM_OUTBOX_INT_H_INCLUDED
#define WDM_OUTBOX_INT_H_INCLUDED

#include "wdm_outbox.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OB_DB_NAME      "outbox.db"
#define OB_FORMAT       1                   //  meta.format of this layout
#define OB_RESERVE_SIZE (64 * 1024)
#define OB_SEQ_MAX      ((uint64_t) INT64_MAX)  //  the server stores seqs as bigint
#define OB_PENDING_MAX  1024                //  acknowledgements waiting to be written
#define OB_PROBES_MAX   100000              //  unreadable seqs a salvage tries in a row
#define OB_AHEAD_ROWS   256                 //  records read ahead by one query, at most
#define OB_AHEAD_BYTES  (256 * 1024)        //  their payloads, at most (one is always taken)

typedef struct {
    uint64_t first, last;
} ob_range_t;

//  A record read ahead: its payload at offset in the read-ahead buffer.
typedef struct {
    uint64_t seq;
    size_t offset, size;
    bool good;                  //  its CRC matched
} ob_ahead_t;

//  What the meta row holds.
typedef struct {
    uint64_t epoch, next_seq, queued, acknowledged;
} ob_meta_t;

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
    ob_meta_t now;              //  counters including the open transaction
    ob_meta_t synced;           //  counters as of the last commit
    bool in_txn;                //  a write transaction is open (appends since the last sync)

    ob_range_t *txn_acks;       //  acknowledgements made inside the open transaction
    size_t txn_ack_count, txn_ack_cap;
    ob_range_t pending [OB_PENDING_MAX]; //  acknowledgements that could not be written yet
    size_t pending_count;
    bool have_reserve;

    uint64_t read_after;        //  the cursor: the last seq returned, 0 before the first
    bool read_failed;           //  a damaged record was met: stuck until reopen
    uint8_t *read_buf;          //  payloads read ahead, OB_AHEAD_BYTES + one payload
    ob_ahead_t ahead [OB_AHEAD_ROWS];    //  records read ahead, after read_after
    size_t ahead_count, ahead_next;
    char error [512];
};

//  --- wdm_outbox_db.c ---

//  A record's CRC: wdm_crc32 of its seq (8 bytes, little-endian) and then
//  its payload.
uint32_t ob_crc (uint64_t seq, const void *payload, size_t size);

//  dir/name, for the caller to free; NULL if memory is short.
char *ob_join (const char *dir, const char *name);

//  True if dir/name exists.
bool ob_exists (const char *dir, const char *name);

//  True if dir holds segment files of the outbox's earlier format.
bool ob_has_segments (const char *dir);

//  fsync a directory, so that entries made in it last.  0 or -1.
int ob_fsync_dir (const char *dir);

//  fsync the directory that holds path, so that a new entry in it lasts.
int ob_fsync_parent (const char *path);

//  A file: URI for path, with the characters a URI gives meaning escaped;
//  query (without '?') appended.  The caller frees it.
char *ob_uri (const char *path, const char *query);

//  A new random epoch, in 63 bits and never 0.  0, or -1 if no random
//  bytes could be had.
int ob_new_epoch (uint64_t *epoch);

//  Record the message of a failure; errno is left as it was.
void ob_error (wdm_outbox_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

//  Record a failure of SQLite doing what; errno set from it.
void ob_sql_error (wdm_outbox_t *self, const char *what, int rc);

//  Run sql (no parameters) on the connection.  0, or -1 with a message
//  naming what was being done.
int ob_exec (wdm_outbox_t *self, const char *sql, const char *what);

//  Roll back whatever transaction is open on the connection.
void ob_abort (wdm_outbox_t *self);

//  Make the reserve file, unless it is there; without room, go on
//  without it.
void ob_reserve_make (wdm_outbox_t *self);

//  Delete the reserve file to make room; true if there was one.
bool ob_reserve_use (wdm_outbox_t *self);

//  Connection settings every owner's connection has.
int ob_configure (wdm_outbox_t *self);

//  Create outbox.db holding no record, with meta as given: built as
//  outbox.db.new, then renamed into place, so that a crash leaves either
//  no database or a whole one.  0, or -1 with a message.
int ob_create (wdm_outbox_t *self, const ob_meta_t *meta);

//  Read the meta row.  0; 1 if it is missing or not sane; -1 if it could
//  not be read (rc_out set to SQLite's code).
int ob_meta_read (sqlite3 *db, ob_meta_t *meta, int *rc_out);

//  Write the current counters into meta, inside the open transaction.
int ob_meta_write (wdm_outbox_t *self, uint64_t next_seq);

//  Prepare the statements the API uses.  0, or -1 with a message.
int ob_prepare (wdm_outbox_t *self);

//  Finalize the statements and close the connection.
void ob_close_db (wdm_outbox_t *self);

//  --- wdm_outbox_salvage.c ---

//  Open outbox.db, check it, and load the counters.  0, or -1 with a
//  message.
int ob_open_db (wdm_outbox_t *self, wdm_outbox_recovery_t *recovery);

#endif
