/*  test_server.h: what the suites of wdmon-server as a real process
    (test_server: storing, keys, the database away; test_wire: malformed
    frames, limits, batches in flight) share — a throwaway database with
    the schema and three units' keys, the server started on it, DEALERs
    speaking CURVE to it, batch bodies, replies read and sorted, commits
    held up to make a group.  Defined in test_server_fixtures.c; names
    start st_ (server test).  */

#ifndef TEST_SERVER_H_INCLUDED
#define TEST_SERVER_H_INCLUDED

#include "wdm_keys.h"
#include "wdm_proto.h"
#include "wdm_test.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char public_key [WDM_KEY_Z85];
    char secret_key [WDM_KEY_Z85];
} st_keys_t;

extern char *st_conninfo;  //  the suite's database
extern PGconn *st_conn;    //  the tests' own connection to it
extern void *st_ctx;
extern char st_endpoint [64];  //  where the server listens
extern char st_server_key_file [128];
extern st_keys_t st_server, st_meichang, st_health, st_stranger;  //  the last registered to no unit
extern int st_pid;                                                //  the server's, -1 when stopped
extern uint64_t st_seq;                                           //  the next fresh record seq

//  Make database name with the schema, the server's and the units' keys,
//  and start the server.  0, or the exit code for main (77 without a
//  test cluster, 2 if the setting up failed).
int st_setup (const char *suite, const char *name);

//  Stop the server if it runs, and remove what st_setup made.
void st_teardown (void);

//  Make keys; with unit, register the public key for it (unit_key).  0 or -1.
int st_register (const char *unit, st_keys_t *keys);

//  Start wdmon-server on st_endpoint with st_server_key_file (or the build
//  named by WDM_TEST_SERVER_BIN); st_pid is its pid.  0 or -1.
int st_start_server (void);

//  A DEALER connecting with keys; handshake_ms bounds the CURVE handshake
//  as the collector does (0: libzmq's default).
void *st_client_bounded (const st_keys_t *keys, int handshake_ms);

//  A DEALER connecting with keys, libzmq's handshake timer.
void *st_client (const st_keys_t *keys);

//  Send two frames as they are: a header and a body.
void st_send_frames (void *socket, const void *header, size_t header_size, const void *body,
                     size_t body_size);

//  Send a body with a correct header for count records.
uint64_t st_send (void *socket, const void *body, size_t size, uint32_t count);

//  Wait for a reply.  0 with reply (and batch number) filled, -1 if none
//  came within timeout_ms.
int st_receive (void *socket, int timeout_ms, wdm_proto_reply_t *reply, uint64_t *batch_no);

//  A record of a value for indicator, area and year.
wdm_record_t st_record (const char *indicator, const char *area, int year, double value);

//  A batch body of records numbered from seq first.
void st_body_from (msgpack_sbuffer *body, uint64_t epoch, const wdm_record_t *records, int count,
                   uint64_t first);

//  A batch body of records with fresh seqs; *first gets the first seq.
void st_body (msgpack_sbuffer *body, uint64_t epoch, const wdm_record_t *records, int count, uint64_t *first);

//  The number a counting query returns, -1 if it fails.
long st_count (const char *sql);

//  The server answers a valid batch: the proof that it is (still) serving.
//  Answers "retry later" count while the database is coming back.
void st_expect_serving (void);

//  A key of the health commission registered now (the test of revoked
//  keys revoked the unit's earlier ones).
const st_keys_t *st_health_now (void);

//  Run a statement that returns no rows; a failure fails the test.
void st_exec (const char *sql);

//  Hold the server's next commit up for a second (a trigger sleeps on a
//  batch of epoch 9001), so that what is sent meanwhile waits and is
//  stored as one group.  The holding client, whose reply is still due.
void *st_hold_next_commit (void);

//  Take the holder's reply and let commits run at their speed again.
void st_release (void *holder);

//  Receive count replies on socket, each into the slot of its batch
//  number among sent.  The number of replies received.
int st_replies (void *socket, const uint64_t *sent, wdm_proto_reply_t *replies, int count);

#endif
