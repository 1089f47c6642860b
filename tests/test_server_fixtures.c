/*  test_server_fixtures: what the server suites share.  See test_server.h.  */

#include "test_server.h"
#include "wdm_crc32.h"
#include "wdm_db.h"
#include "wdm_log.h"
#include "wdm_migrate.h"
#include "wdm_plan.h"
#include "wdm_site.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

char *st_conninfo;
PGconn *st_conn;
void *st_ctx;
static char st_dir [64];
char st_endpoint [64];
char st_server_key_file [128];
st_keys_t st_server, st_meichang, st_health, st_stranger;
static st_keys_t st_health2;
int st_pid = -1;
static uint64_t st_batch_no = 1;
uint64_t st_seq = 1;

int
st_register (const char *unit, st_keys_t *keys)
{
    if (wdm_keys_generate (keys->public_key, keys->secret_key))
        return -1;
    if (!unit)
        return 0;
    const char *params [] = { keys->public_key, unit };
    PGresult *res = PQexecParams (st_conn, "INSERT INTO unit_key (public_key, unit_code) VALUES ($1, $2)", 2,
                                  NULL, params, NULL, NULL, 0);
    int rc = PQresultStatus (res) == PGRES_COMMAND_OK ? 0 : -1;
    PQclear (res);
    return rc;
}

int
st_start_server (void)
{
    //  WDM_TEST_SERVER_BIN: another build of the server (to see a test
    //  fail on the code before a fix).
    char *bin = getenv ("WDM_TEST_SERVER_BIN") ? getenv ("WDM_TEST_SERVER_BIN") : WDM_SERVER_BIN;
    char *argv [] = {
        bin, "-k", st_server_key_file, "-e", st_endpoint, "-d", st_conninfo, "-l", "warn", NULL
    };
    st_pid = wdm_test_spawn (argv);
    return st_pid > 0 ? 0 : -1;
}

//  A DEALER connecting with keys; handshake_ms bounds the CURVE handshake
//  as the collector does (0: libzmq's default).
void *
st_client_bounded (const st_keys_t *keys, int handshake_ms)
{
    void *socket = zmq_socket (st_ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt (socket, ZMQ_LINGER, &linger, sizeof linger);
    if (handshake_ms)
        zmq_setsockopt (socket, ZMQ_HANDSHAKE_IVL, &handshake_ms, sizeof handshake_ms);
    zmq_setsockopt (socket, ZMQ_CURVE_SERVERKEY, st_server.public_key, 40);
    zmq_setsockopt (socket, ZMQ_CURVE_PUBLICKEY, keys->public_key, 40);
    zmq_setsockopt (socket, ZMQ_CURVE_SECRETKEY, keys->secret_key, 40);
    zmq_connect (socket, st_endpoint);
    return socket;
}

void *
st_client (const st_keys_t *keys)
{
    return st_client_bounded (keys, 0);
}

void
st_send_frames (void *socket, const void *header, size_t header_size, const void *body, size_t body_size)
{
    zmq_send (socket, header, header_size, ZMQ_SNDMORE);
    zmq_send (socket, body, body_size, 0);
}

//  Send a body with a correct header for count records.
uint64_t
st_send (void *socket, const void *body, size_t size, uint32_t count)
{
    uint64_t batch_no = st_batch_no++;
    wdm_proto_header_t head = { WDM_PROTO_VERSION, WDM_PROTO_BATCH, batch_no, count,
                                wdm_crc32 (0, body, size) };
    uint8_t header [WDM_PROTO_HEADER_SIZE];
    wdm_proto_header_encode (&head, header);
    st_send_frames (socket, header, sizeof header, body, size);
    return batch_no;
}

//  Wait for a reply.  0 with reply (and batch number) filled, -1 if none
//  came within timeout_ms.
int
st_receive (void *socket, int timeout_ms, wdm_proto_reply_t *reply, uint64_t *batch_no)
{
    zmq_pollitem_t items [] = { { socket, 0, ZMQ_POLLIN, 0 } };
    if (zmq_poll (items, 1, timeout_ms) <= 0)
        return -1;
    uint8_t header [64];
    int header_size = zmq_recv (socket, header, sizeof header, 0);
    zmq_msg_t body;
    zmq_msg_init (&body);
    zmq_msg_recv (&body, socket, 0);
    wdm_proto_header_t head;
    int rc = -1;
    char why [128];
    if (header_size == WDM_PROTO_HEADER_SIZE
        && wdm_proto_header_decode (header, (size_t)header_size, &head) == WDM_PROTO_OK
        && head.type == WDM_PROTO_REPLY
        && head.checksum == wdm_crc32 (0, zmq_msg_data (&body), zmq_msg_size (&body))
        && wdm_proto_reply_decode (zmq_msg_data (&body), zmq_msg_size (&body), reply, why, sizeof why) == 0
        && head.count == reply->rejected_count) {
        if (batch_no)
            *batch_no = head.batch_no;
        rc = 0;
    }
    zmq_msg_close (&body);
    return rc;
}

wdm_record_t
st_record (const char *indicator, const char *area, int year, double value)
{
    wdm_record_t record;
    wdm_record_init (&record);
    snprintf (record.indicator, sizeof record.indicator, "%s", indicator);
    snprintf (record.area, sizeof record.area, "%s", area);
    record.year = year;
    record.value = value;
    return record;
}

//  A batch body of records numbered from seq first.
void
st_body_from (msgpack_sbuffer *body, uint64_t epoch, const wdm_record_t *records, int count, uint64_t first)
{
    msgpack_sbuffer_init (body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, body, msgpack_sbuffer_write);
    wdm_proto_batch_begin (&pk, epoch, (uint32_t)count);
    for (int i = 0; i < count; i++) {
        msgpack_sbuffer stored;
        msgpack_sbuffer_init (&stored);
        wdm_proto_record_encode (&records [i], &stored);
        wdm_proto_batch_add (&pk, first + (uint64_t)i, stored.data, stored.size);
        msgpack_sbuffer_destroy (&stored);
    }
}

//  A batch body of records with fresh seqs; *first gets the first seq.
void
st_body (msgpack_sbuffer *body, uint64_t epoch, const wdm_record_t *records, int count, uint64_t *first)
{
    *first = st_seq;
    st_body_from (body, epoch, records, count, st_seq);
    st_seq += (uint64_t)count;
}

long
st_count (const char *sql)
{
    char *value = wdm_test_scalar (st_conn, sql);
    long count = value ? atol (value) : -1;
    free (value);
    return count;
}

//  The server answers a valid batch: the proof that it is (still) serving.
//  Answers "retry later" count while the database is coming back.
void
st_expect_serving (void)
{
    static int calls = 0;
    void *client = st_client (&st_meichang);
    //  A new value each time: the same one again would be acknowledged as
    //  unchanged, not accepted.
    wdm_record_t record = st_record ("DM27", "meichang", 2024, 31.5 + 0.1 * calls++);
    msgpack_sbuffer body;
    uint64_t first;
    st_body (&body, 77, &record, 1, &first);
    wdm_proto_reply_t reply = { 0 };
    for (int attempt = 0; attempt < 20; attempt++) {
        st_send (client, body.data, body.size, 1);
        CU_ASSERT_EQUAL_FATAL (st_receive (client, 10000, &reply, NULL), 0);
        if (reply.status != 503)
            break;
        wdm_proto_reply_clear (&reply);
        usleep (250 * 1000);
    }
    CU_ASSERT_EQUAL (reply.status, 200);
    CU_ASSERT_EQUAL (reply.accepted, 1);
    wdm_proto_reply_clear (&reply);
    msgpack_sbuffer_destroy (&body);
    zmq_close (client);
}

//  A key of the health commission registered now (the test of revoked
//  keys revoked the unit's earlier ones).
const st_keys_t *
st_health_now (void)
{
    static int registered = 0;
    if (!registered)
        CU_ASSERT_EQUAL (st_register ("health_commission", &st_health2), 0);
    registered = 1;
    return &st_health2;
}

void
st_exec (const char *sql)
{
    PGresult *res = PQexec (st_conn, sql);
    if (PQresultStatus (res) != PGRES_COMMAND_OK)
        fprintf (stderr, "st_exec: %s: %s", sql, PQresultErrorMessage (res));
    CU_ASSERT_EQUAL (PQresultStatus (res), PGRES_COMMAND_OK);
    PQclear (res);
}

//  Hold the server's next commit up for a second (a trigger sleeps on a
//  batch of epoch 9001), so that what is sent meanwhile waits and is
//  stored as one group.  The holding client, whose reply is still due.
void *
st_hold_next_commit (void)
{
    st_exec ("CREATE OR REPLACE FUNCTION wdm_test_slow () RETURNS trigger LANGUAGE plpgsql AS"
             " $$ BEGIN IF NEW.epoch = 9001 THEN PERFORM pg_sleep (1); END IF; RETURN NEW; END $$");
    st_exec ("CREATE OR REPLACE TRIGGER wdm_test_slow BEFORE INSERT ON ingest_batch"
             " FOR EACH ROW EXECUTE FUNCTION wdm_test_slow ()");
    void *holder = st_client (&st_meichang);
    wdm_record_t record = st_record ("DM27", "meichang", 2021, 27.0);
    msgpack_sbuffer body;
    uint64_t first;
    st_body (&body, 9001, &record, 1, &first);
    st_send (holder, body.data, body.size, 1);
    msgpack_sbuffer_destroy (&body);
    usleep (300 * 1000);
    return holder;
}

void
st_release (void *holder)
{
    wdm_proto_reply_t reply;
    CU_ASSERT_EQUAL (st_receive (holder, 10000, &reply, NULL), 0);
    wdm_proto_reply_clear (&reply);
    zmq_close (holder);
    st_exec ("DROP TRIGGER wdm_test_slow ON ingest_batch");
}

//  Receive count replies on socket, each into the slot of its batch
//  number among sent.  The number of replies received.
int
st_replies (void *socket, const uint64_t *sent, wdm_proto_reply_t *replies, int count)
{
    int got = 0;
    while (got < count) {
        wdm_proto_reply_t reply;
        uint64_t batch_no = 0;
        if (st_receive (socket, 10000, &reply, &batch_no))
            break;
        got++;
        int slot = -1;
        for (int i = 0; i < count; i++)
            if (sent [i] == batch_no)
                slot = i;
        CU_ASSERT (slot >= 0);
        if (slot >= 0 && replies [slot].status == 0)
            replies [slot] = reply;
        else {
            CU_FAIL ("a reply for a batch not sent, or a second reply");
            wdm_proto_reply_clear (&reply);
        }
    }
    return got;
}

int
st_setup (const char *suite, const char *name)
{
    if (!wdm_test_pguri ()) {
        fprintf (stderr, "WDM_TEST_PGURI is not set: run tests/run.sh\n");
        return WDM_TEST_SKIP;
    }
    wdm_log_init (suite, WDM_LOG_WARN, NULL);
    st_conninfo = wdm_test_db_new (name);
    if (!st_conninfo)
        return 2;
    st_conn = wdm_test_connect (st_conninfo);
    PGconn *conn = wdm_db_connect (st_conninfo);
    int applied = 0;
    if (!conn || wdm_migrate_apply (conn, &applied) || wdm_plan_import_file (conn, WDM_PLAN_FILE)
        || wdm_site_import_file (conn, WDM_SITE_FILE))
        return 2;
    PQfinish (conn);
    snprintf (st_dir, sizeof st_dir, "/tmp/wdm_test_server_XXXXXX");
    char err [256];
    if (!mkdtemp (st_dir) || wdm_keys_generate (st_server.public_key, st_server.secret_key))
        return 2;
    snprintf (st_server_key_file, sizeof st_server_key_file, "%s/server.key", st_dir);
    if (wdm_keys_write (st_server_key_file, st_server.secret_key, true, err, sizeof err)
        || st_register ("town_meichang", &st_meichang) || st_register ("health_commission", &st_health)
        || st_register (NULL, &st_stranger))
        return 2;
    snprintf (st_endpoint, sizeof st_endpoint, "tcp://127.0.0.1:%d", wdm_test_port (0));
    st_ctx = zmq_ctx_new ();
    if (st_start_server ())
        return 2;
    return 0;
}

void
st_teardown (void)
{
    if (st_pid > 0)
        wdm_test_stop (st_pid, SIGKILL, 5000);
    zmq_ctx_term (st_ctx);
    PQfinish (st_conn);
    free (st_conninfo);
    unlink (st_server_key_file);
    rmdir (st_dir);
}
