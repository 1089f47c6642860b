/*  test_server: wdmon-server as a real process, against a real PostgreSQL,
    spoken to over real CURVE sockets, message by message.  What a
    collector sees: batches stored once and answered after commit, resends
    answered as duplicates, every refused record named with its reason and
    kept, malformed messages refused while the server keeps serving,
    unknown and revoked keys shut out, "retry later" while the database is
    away, a clean stop on SIGTERM.  */

#include "wdm_clock.h"
#include "wdm_crc32.h"
#include "wdm_db.h"
#include "wdm_keys.h"
#include "wdm_log.h"
#include "wdm_migrate.h"
#include "wdm_plan.h"
#include "wdm_proto.h"
#include "wdm_test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

typedef struct {
    char public_key [WDM_KEY_Z85];
    char secret_key [WDM_KEY_Z85];
} s_keys_t;

static char *s_conninfo;
static PGconn *s_conn;
static void *s_ctx;
static char s_dir [64];
static char s_endpoint [64];
static char s_server_key_file [128];
static s_keys_t s_server, s_meichang, s_health, s_health2, s_stranger;
static int s_pid = -1;
static uint64_t s_batch_no = 1;
static uint64_t s_seq = 1;

static int
s_register (const char *unit, s_keys_t *keys)
{
    if (wdm_keys_generate (keys->public_key, keys->secret_key))
        return -1;
    if (!unit)
        return 0;
    const char *params [] = { keys->public_key, unit };
    PGresult *res = PQexecParams (s_conn, "INSERT INTO unit_key (public_key, unit_code) VALUES ($1, $2)", 2,
                                  NULL, params, NULL, NULL, 0);
    int rc = PQresultStatus (res) == PGRES_COMMAND_OK ? 0 : -1;
    PQclear (res);
    return rc;
}

static int
s_start_server (void)
{
    //  WDM_TEST_SERVER_BIN: another build of the server (to see a test
    //  fail on the code before a fix).
    char *bin = getenv ("WDM_TEST_SERVER_BIN") ? getenv ("WDM_TEST_SERVER_BIN") : WDM_SERVER_BIN;
    char *argv [] = { bin, "-k", s_server_key_file, "-e", s_endpoint, "-d", s_conninfo, "-l", "warn", NULL };
    s_pid = wdm_test_spawn (argv);
    return s_pid > 0 ? 0 : -1;
}

//  A DEALER connecting with keys; handshake_ms bounds the CURVE handshake
//  as the collector does (0: libzmq's default).
static void *
s_client_bounded (const s_keys_t *keys, int handshake_ms)
{
    void *socket = zmq_socket (s_ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt (socket, ZMQ_LINGER, &linger, sizeof linger);
    if (handshake_ms)
        zmq_setsockopt (socket, ZMQ_HANDSHAKE_IVL, &handshake_ms, sizeof handshake_ms);
    zmq_setsockopt (socket, ZMQ_CURVE_SERVERKEY, s_server.public_key, 40);
    zmq_setsockopt (socket, ZMQ_CURVE_PUBLICKEY, keys->public_key, 40);
    zmq_setsockopt (socket, ZMQ_CURVE_SECRETKEY, keys->secret_key, 40);
    zmq_connect (socket, s_endpoint);
    return socket;
}

static void *
s_client (const s_keys_t *keys)
{
    return s_client_bounded (keys, 0);
}

static void
s_send_frames (void *socket, const void *header, size_t header_size, const void *body, size_t body_size)
{
    zmq_send (socket, header, header_size, ZMQ_SNDMORE);
    zmq_send (socket, body, body_size, 0);
}

//  Send a body with a correct header for count records.
static uint64_t
s_send (void *socket, const void *body, size_t size, uint32_t count)
{
    uint64_t batch_no = s_batch_no++;
    wdm_proto_header_t head = { WDM_PROTO_VERSION, WDM_PROTO_BATCH, batch_no, count,
                                wdm_crc32 (0, body, size) };
    uint8_t header [WDM_PROTO_HEADER_SIZE];
    wdm_proto_header_encode (&head, header);
    s_send_frames (socket, header, sizeof header, body, size);
    return batch_no;
}

//  Wait for a reply.  0 with reply (and batch number) filled, -1 if none
//  came within timeout_ms.
static int
s_receive (void *socket, int timeout_ms, wdm_proto_reply_t *reply, uint64_t *batch_no)
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

static wdm_record_t
s_record (const char *indicator, const char *area, int year, double value)
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
static void
s_body_from (msgpack_sbuffer *body, uint64_t epoch, const wdm_record_t *records, int count, uint64_t first)
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
static void
s_body (msgpack_sbuffer *body, uint64_t epoch, const wdm_record_t *records, int count, uint64_t *first)
{
    *first = s_seq;
    s_body_from (body, epoch, records, count, s_seq);
    s_seq += (uint64_t)count;
}

static long
s_count (const char *sql)
{
    char *value = wdm_test_scalar (s_conn, sql);
    long count = value ? atol (value) : -1;
    free (value);
    return count;
}

//  The server answers a valid batch: the proof that it is (still) serving.
//  Answers "retry later" count while the database is coming back.
static void
s_expect_serving (void)
{
    static int calls = 0;
    void *client = s_client (&s_meichang);
    //  A new value each time: the same one again would be acknowledged as
    //  unchanged, not accepted.
    wdm_record_t record = s_record ("DM27", "meichang", 2024, 31.5 + 0.1 * calls++);
    msgpack_sbuffer body;
    uint64_t first;
    s_body (&body, 77, &record, 1, &first);
    wdm_proto_reply_t reply = { 0 };
    for (int attempt = 0; attempt < 20; attempt++) {
        s_send (client, body.data, body.size, 1);
        CU_ASSERT_EQUAL_FATAL (s_receive (client, 10000, &reply, NULL), 0);
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

static void
test_batch_stored_once (void)
{
    void *client = s_client (&s_meichang);
    wdm_record_t records [3] = { s_record ("DM27", "meichang", 2021, 28.0),
                                 s_record ("DM27", "meichang", 2022, 29.5),
                                 s_record ("DM27", "meichang", 2023, 30.2) };
    records [2].status = WDM_STATUS_FINAL;
    snprintf (records [2].note, sizeof records [2].note, "%s", "含新增村 <script>'; DROP TABLE x;--");
    msgpack_sbuffer body;
    uint64_t first;
    s_body (&body, 1001, records, 3, &first);
    uint64_t sent = s_send (client, body.data, body.size, 3), answered = 0;
    wdm_proto_reply_t reply;
    CU_ASSERT_EQUAL_FATAL (s_receive (client, 10000, &reply, &answered), 0);
    CU_ASSERT_EQUAL (answered, sent);
    CU_ASSERT_EQUAL (reply.status, 200);
    CU_ASSERT_EQUAL (reply.accepted, 3);
    CU_ASSERT_EQUAL (reply.duplicates, 0);
    CU_ASSERT_EQUAL (reply.rejected_count, 0);
    wdm_proto_reply_clear (&reply);
    //  In the table exactly once, with the unit from the key.
    CU_ASSERT_EQUAL (s_count ("SELECT count(*) FROM observation WHERE rec_epoch = 1001"
                              " AND unit_code = 'town_meichang' AND indicator_code = 'DM27'"),
                     3);
    char *note =
        wdm_test_scalar (s_conn, "SELECT note FROM observation WHERE rec_epoch = 1001 AND year = 2023");
    CU_ASSERT_PTR_NOT_NULL_FATAL (note);
    CU_ASSERT_STRING_EQUAL (note, records [2].note);  //  stored verbatim
    free (note);

    //  The same batch again: stored once, answered as duplicates.
    s_send (client, body.data, body.size, 3);
    CU_ASSERT_EQUAL_FATAL (s_receive (client, 10000, &reply, NULL), 0);
    CU_ASSERT_EQUAL (reply.status, 200);
    CU_ASSERT_EQUAL (reply.accepted, 0);
    CU_ASSERT_EQUAL (reply.duplicates, 3);
    wdm_proto_reply_clear (&reply);
    CU_ASSERT_EQUAL (s_count ("SELECT count(*) FROM observation WHERE rec_epoch = 1001"), 3);
    CU_ASSERT_EQUAL (s_count ("SELECT count(*) FROM ingest_batch WHERE epoch = 1001"
                              " AND unit_code = 'town_meichang' AND committed_at IS NOT NULL"),
                     2);
    CU_ASSERT_EQUAL (
        s_count ("SELECT duplicates FROM ingest_batch WHERE epoch = 1001 ORDER BY id DESC LIMIT 1"), 3);
    msgpack_sbuffer_destroy (&body);

    //  A correction is a new revision; the old value stays.
    wdm_record_t correction = s_record ("DM27", "meichang", 2022, 29.9);
    s_body (&body, 1001, &correction, 1, &first);
    s_send (client, body.data, body.size, 1);
    CU_ASSERT_EQUAL_FATAL (s_receive (client, 10000, &reply, NULL), 0);
    CU_ASSERT_EQUAL (reply.accepted, 1);
    wdm_proto_reply_clear (&reply);
    CU_ASSERT_EQUAL (s_count ("SELECT max(revision) FROM observation WHERE area_code = 'meichang'"
                              " AND indicator_code = 'DM27' AND year = 2022"),
                     2);
    char *latest = wdm_test_scalar (s_conn,
                                    "SELECT value FROM observation_latest WHERE"
                                    " area_code = 'meichang' AND indicator_code = 'DM27' AND year = 2022");
    CU_ASSERT_PTR_NOT_NULL_FATAL (latest);
    CU_ASSERT_STRING_EQUAL (latest, "29.9");
    free (latest);
    msgpack_sbuffer_destroy (&body);
    zmq_close (client);
}

static void
test_invalid_records_come_back_with_reasons (void)
{
    void *client = s_client (&s_meichang);
    wdm_record_t records [7] = {
        s_record ("DM27", "meichang", 2024, 32.0),   //  fine
        s_record ("DM27", "meichang", 2024, 150.0),  //  422 value
        s_record ("HE03", "meichang", 2024, 8.0),    //  403 indicator: the health commission's
        s_record ("DM27", "yangcun", 2024, 30.0),    //  403 area: another town
        s_record ("XX99", "meichang", 2024, 1.0),    //  404
        s_record ("DM27", "meichang", 2030, 30.0),   //  422 year
        s_record ("DM27", "meichang", 2023, 30.0),   //  400 note: not UTF-8
    };
    snprintf (records [6].note, sizeof records [6].note, "%s", "bad \xC3\x28 byte");
    records [5].year = 2030;
    //  The encoder does not check UTF-8; the server must.
    msgpack_sbuffer body;
    uint64_t first;
    s_body (&body, 1002, records, 7, &first);
    s_send (client, body.data, body.size, 7);
    wdm_proto_reply_t reply;
    CU_ASSERT_EQUAL_FATAL (s_receive (client, 10000, &reply, NULL), 0);
    CU_ASSERT_EQUAL (reply.status, 200);
    CU_ASSERT_EQUAL (reply.accepted, 1);
    CU_ASSERT_EQUAL_FATAL (reply.rejected_count, 6);
    static const struct {
        int code;
        const char *field;
    } expected [6] = { { 422, "value" },     { 403, "indicator" }, { 403, "area" },
                       { 404, "indicator" }, { 422, "year" },      { 400, "note" } };
    for (int i = 0; i < 6; i++) {
        CU_ASSERT_EQUAL (reply.rejected [i].seq, first + 1 + (uint64_t)i);
        CU_ASSERT_EQUAL (reply.rejected [i].code, expected [i].code);
        CU_ASSERT_STRING_EQUAL (reply.rejected [i].field, expected [i].field);
        CU_ASSERT_PTR_NOT_NULL (strstr (reply.rejected [i].message, " / "));
    }
    wdm_proto_reply_clear (&reply);
    //  Every refused record is kept, with its reason and its exact bytes.
    CU_ASSERT_EQUAL (s_count ("SELECT count(*) FROM rejected_record WHERE rec_epoch = 1002"), 6);
    CU_ASSERT_EQUAL (s_count ("SELECT count(*) FROM rejected_record WHERE rec_epoch = 1002"
                              " AND reason_code = 403 AND unit_code = 'town_meichang'"),
                     2);
    wdm_proto_batch_t decoded;
    char why [128];
    CU_ASSERT_EQUAL_FATAL (
        wdm_proto_batch_decode ((const uint8_t *)body.data, body.size, 7, &decoded, why, sizeof why),
        WDM_PROTO_OK);
    char sql [160];
    snprintf (sql, sizeof sql,
              "SELECT encode(raw, 'hex') FROM rejected_record"
              " WHERE rec_epoch = 1002 AND rec_seq = %llu",
              (unsigned long long)(first + 1));
    char *raw = wdm_test_scalar (s_conn, sql);
    CU_ASSERT_PTR_NOT_NULL_FATAL (raw);
    char hex [4096] = "";
    for (size_t i = 0; i < decoded.items [1].raw_size && i < 2000; i++)
        snprintf (hex + 2 * i, 3, "%02x", decoded.items [1].raw [i]);
    CU_ASSERT_STRING_EQUAL (raw, hex);
    free (raw);
    wdm_proto_batch_clear (&decoded);
    msgpack_sbuffer_destroy (&body);
    zmq_close (client);
}

static void
test_malformed_messages (void)
{
    void *client = s_client (&s_meichang);
    long kept_before = s_count ("SELECT count(*) FROM rejected_record WHERE rec_seq IS NULL");
    wdm_record_t record = s_record ("DM27", "meichang", 2021, 28.0);
    msgpack_sbuffer body;
    uint64_t first;
    s_body (&body, 1003, &record, 1, &first);
    wdm_proto_reply_t reply;

    //  Truncated, with a checksum that matches what was sent.
    s_send (client, body.data, body.size - 3, 1);
    CU_ASSERT_EQUAL_FATAL (s_receive (client, 10000, &reply, NULL), 0);
    CU_ASSERT_EQUAL (reply.status, 400);
    wdm_proto_reply_clear (&reply);
    //  Trailing bytes.
    msgpack_sbuffer_write (&body, "\xC0\xC0", 2);
    s_send (client, body.data, body.size, 1);
    CU_ASSERT_EQUAL_FATAL (s_receive (client, 10000, &reply, NULL), 0);
    CU_ASSERT_EQUAL (reply.status, 400);
    CU_ASSERT_PTR_NOT_NULL (strstr (reply.message, "trailing"));
    wdm_proto_reply_clear (&reply);
    //  Five bytes asking for four billion elements.
    s_send (client, "\xDD\xFF\xFF\xFF\xFF", 5, 1);
    CU_ASSERT_EQUAL_FATAL (s_receive (client, 10000, &reply, NULL), 0);
    CU_ASSERT_EQUAL (reply.status, 400);
    wdm_proto_reply_clear (&reply);
    //  Deep nesting.
    uint8_t deep [4001];
    memset (deep, 0x91, 4000);
    deep [4000] = 0xC0;
    s_send (client, deep, sizeof deep, 1);
    CU_ASSERT_EQUAL_FATAL (s_receive (client, 10000, &reply, NULL), 0);
    CU_ASSERT_EQUAL (reply.status, 400);
    CU_ASSERT_PTR_NOT_NULL (strstr (reply.message, "nested too deep"));
    wdm_proto_reply_clear (&reply);
    //  A checksum that does not match.
    wdm_proto_header_t head = { WDM_PROTO_VERSION, WDM_PROTO_BATCH, 4242, 1, 12345 };
    uint8_t header [WDM_PROTO_HEADER_SIZE];
    wdm_proto_header_encode (&head, header);
    s_send_frames (client, header, sizeof header, body.data, body.size - 2);
    uint64_t answered = 0;
    CU_ASSERT_EQUAL_FATAL (s_receive (client, 10000, &reply, &answered), 0);
    CU_ASSERT_EQUAL (reply.status, 400);
    CU_ASSERT_EQUAL (answered, 4242);
    CU_ASSERT_PTR_NOT_NULL (strstr (reply.message, "checksum"));
    wdm_proto_reply_clear (&reply);
    //  A version from the future.
    head.checksum = wdm_crc32 (0, body.data, body.size - 2);
    wdm_proto_header_encode (&head, header);
    header [4] = 9;
    s_send_frames (client, header, sizeof header, body.data, body.size - 2);
    CU_ASSERT_EQUAL_FATAL (s_receive (client, 10000, &reply, &answered), 0);
    CU_ASSERT_EQUAL (reply.status, 505);
    CU_ASSERT_EQUAL (answered, 4242);
    wdm_proto_reply_clear (&reply);
    //  Three frames; and one.
    header [4] = WDM_PROTO_VERSION;
    zmq_send (client, header, sizeof header, ZMQ_SNDMORE);
    zmq_send (client, body.data, body.size - 2, ZMQ_SNDMORE);
    zmq_send (client, "x", 1, 0);
    CU_ASSERT_EQUAL_FATAL (s_receive (client, 10000, &reply, NULL), 0);
    CU_ASSERT_EQUAL (reply.status, 400);
    wdm_proto_reply_clear (&reply);
    zmq_send (client, "garbage", 7, 0);
    CU_ASSERT_EQUAL_FATAL (s_receive (client, 10000, &reply, NULL), 0);
    CU_ASSERT_EQUAL (reply.status, 400);
    wdm_proto_reply_clear (&reply);
    msgpack_sbuffer_destroy (&body);
    zmq_close (client);

    //  Each refused message is kept whole, with its reason; none stored.
    CU_ASSERT_EQUAL (s_count ("SELECT count(*) FROM rejected_record WHERE rec_seq IS NULL") - kept_before, 8);
    CU_ASSERT_EQUAL (s_count ("SELECT count(*) FROM observation WHERE rec_epoch = 1003"), 0);
    CU_ASSERT_EQUAL (kill ((pid_t)s_pid, 0), 0);
    s_expect_serving ();
}

static void
test_unknown_and_revoked_keys (void)
{
    wdm_record_t record = s_record ("HE03", "wuqing", 2024, 8.1);
    msgpack_sbuffer body;
    uint64_t first;
    s_body (&body, 1004, &record, 1, &first);
    wdm_proto_reply_t reply;

    //  A key nobody registered: the handshake fails, nothing comes back.
    void *stranger = s_client (&s_stranger);
    s_send (stranger, body.data, body.size, 1);
    CU_ASSERT_EQUAL (s_receive (stranger, 1500, &reply, NULL), -1);
    zmq_close (stranger);

    //  The health commission's key works.  Revoked while it is connected,
    //  its next batch on the same connection is refused whole (403) and
    //  nothing of it is kept; a new connection is refused at the
    //  handshake.  No restart of the server.
    void *health = s_client (&s_health);
    s_send (health, body.data, body.size, 1);
    CU_ASSERT_EQUAL_FATAL (s_receive (health, 10000, &reply, NULL), 0);
    CU_ASSERT_EQUAL (reply.accepted, 1);
    wdm_proto_reply_clear (&reply);
    PQclear (PQexec (s_conn,
                     "UPDATE unit_key SET state = 'revoked', revoked_at = now()"
                     " WHERE unit_code = 'health_commission'"));
    wdm_record_t later = s_record ("HE03", "wuqing", 2023, 8.2);
    msgpack_sbuffer after;
    s_body (&after, 1005, &later, 1, &first);
    s_send (health, after.data, after.size, 1);
    CU_ASSERT_EQUAL_FATAL (s_receive (health, 10000, &reply, NULL), 0);
    CU_ASSERT_EQUAL (reply.status, WDM_PROTO_NOT_AUTHORISED);
    CU_ASSERT_EQUAL (reply.accepted, 0);
    CU_ASSERT_PTR_NOT_NULL (strstr (reply.message, "revoked"));
    wdm_proto_reply_clear (&reply);
    msgpack_sbuffer_destroy (&after);
    CU_ASSERT_EQUAL (s_count ("SELECT count(*) FROM observation WHERE rec_epoch = 1005"), 0);
    CU_ASSERT_EQUAL (s_count ("SELECT count(*) FROM rejected_record WHERE rec_epoch = 1005"), 0);
    CU_ASSERT_EQUAL (s_count ("SELECT count(*) FROM ingest_batch WHERE epoch = 1005"), 0);
    zmq_close (health);
    health = s_client (&s_health);
    s_send (health, body.data, body.size, 1);
    CU_ASSERT_EQUAL (s_receive (health, 1500, &reply, NULL), -1);
    zmq_close (health);
    msgpack_sbuffer_destroy (&body);
    CU_ASSERT_EQUAL (s_count ("SELECT count(*) FROM observation WHERE rec_epoch = 1004"), 1);
    s_expect_serving ();
}

static void
test_null_mechanism_and_idle_connections (void)
{
    //  A client without CURVE: the handshake cannot succeed; no answer.
    void *plain = zmq_socket (s_ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt (plain, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect (plain, s_endpoint);
    wdm_record_t record = s_record ("DM27", "meichang", 2021, 28.0);
    msgpack_sbuffer body;
    uint64_t first;
    s_body (&body, 1007, &record, 1, &first);
    s_send (plain, body.data, body.size, 1);
    wdm_proto_reply_t reply;
    CU_ASSERT_EQUAL (s_receive (plain, 1500, &reply, NULL), -1);
    zmq_close (plain);
    msgpack_sbuffer_destroy (&body);
    CU_ASSERT_EQUAL (s_count ("SELECT count(*) FROM observation WHERE rec_epoch = 1007"), 0);

    //  A hundred raw TCP connections that say nothing, held open while a
    //  real collector delivers.
    int port = 0;
    sscanf (s_endpoint, "tcp://127.0.0.1:%d", &port);
    int fds [100];
    int opened = 0;
    for (int i = 0; i < 100; i++) {
        fds [i] = socket (AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in where = { .sin_family = AF_INET, .sin_port = htons ((uint16_t)port) };
        inet_pton (AF_INET, "127.0.0.1", &where.sin_addr);
        if (fds [i] >= 0 && connect (fds [i], (struct sockaddr *)&where, sizeof where) == 0)
            opened++;
    }
    CU_ASSERT_EQUAL (opened, 100);
    s_expect_serving ();
    for (int i = 0; i < 100; i++)
        if (fds [i] >= 0)
            close (fds [i]);
    CU_ASSERT_EQUAL (kill ((pid_t)s_pid, 0), 0);
}

static void
test_database_away (void)
{
    //  A collector connected before the outage (a new connection cannot
    //  be authorised while the database is away: ZAP answers 300).
    void *client = s_client (&s_meichang);
    wdm_record_t records [2] = { s_record ("DM25", "meichang", 2023, 18.0),
                                 s_record ("DM25", "meichang", 2024, 19.0) };
    msgpack_sbuffer body;
    uint64_t first;
    s_body (&body, 1005, records, 1, &first);
    s_send (client, body.data, body.size, 1);
    wdm_proto_reply_t reply;
    CU_ASSERT_EQUAL_FATAL (s_receive (client, 10000, &reply, NULL), 0);
    CU_ASSERT_EQUAL (reply.status, 200);
    wdm_proto_reply_clear (&reply);
    msgpack_sbuffer_destroy (&body);

    CU_ASSERT_EQUAL_FATAL (wdm_test_shell (WDM_PGCTL " stop"), 0);
    records [0].value = 18.5;  //  a correction: the same value again is no revision
    s_body (&body, 1006, records, 2, &first);
    s_send (client, body.data, body.size, 2);
    int got = s_receive (client, 10000, &reply, NULL);
    CU_ASSERT_EQUAL (got, 0);
    if (got == 0) {
        CU_ASSERT_EQUAL (reply.status, 503);
        CU_ASSERT_EQUAL (reply.accepted, 0);
        wdm_proto_reply_clear (&reply);
    }
    CU_ASSERT_EQUAL_FATAL (wdm_test_shell (WDM_PGCTL " start"), 0);
    PQfinish (s_conn);
    s_conn = wdm_test_connect (s_conninfo);
    //  The collector resends the same records until they are stored.
    int stored = 0;
    for (int attempt = 0; attempt < 40 && !stored; attempt++) {
        s_send (client, body.data, body.size, 2);
        if (s_receive (client, 10000, &reply, NULL) == 0) {
            stored = reply.status == 200;
            if (stored)
                CU_ASSERT_EQUAL (reply.accepted + reply.duplicates, 2);
            wdm_proto_reply_clear (&reply);
        }
        if (!stored)
            usleep (250 * 1000);
    }
    CU_ASSERT_TRUE (stored);
    CU_ASSERT_EQUAL (s_count ("SELECT count(*) FROM observation WHERE rec_epoch = 1006"), 2);
    msgpack_sbuffer_destroy (&body);
    zmq_close (client);
}

//  A key of the health commission registered now (the test of revoked
//  keys revoked the unit's earlier ones).
static const s_keys_t *
s_health_now (void)
{
    static int registered = 0;
    if (!registered)
        CU_ASSERT_EQUAL (s_register ("health_commission", &s_health2), 0);
    registered = 1;
    return &s_health2;
}

static void
s_exec (const char *sql)
{
    PGresult *res = PQexec (s_conn, sql);
    if (PQresultStatus (res) != PGRES_COMMAND_OK)
        fprintf (stderr, "test_server: %s: %s", sql, PQresultErrorMessage (res));
    CU_ASSERT_EQUAL (PQresultStatus (res), PGRES_COMMAND_OK);
    PQclear (res);
}

//  Hold the server's next commit up for a second (a trigger sleeps on a
//  batch of epoch 9001), so that what is sent meanwhile waits and is
//  stored as one group.  The holding client, whose reply is still due.
static void *
s_hold_next_commit (void)
{
    s_exec ("CREATE OR REPLACE FUNCTION wdm_test_slow () RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN IF NEW.epoch = 9001 THEN PERFORM pg_sleep (1); END IF; RETURN NEW; END $$");
    s_exec ("CREATE OR REPLACE TRIGGER wdm_test_slow BEFORE INSERT ON ingest_batch"
            " FOR EACH ROW EXECUTE FUNCTION wdm_test_slow ()");
    void *holder = s_client (&s_meichang);
    wdm_record_t record = s_record ("DM27", "meichang", 2021, 27.0);
    msgpack_sbuffer body;
    uint64_t first;
    s_body (&body, 9001, &record, 1, &first);
    s_send (holder, body.data, body.size, 1);
    msgpack_sbuffer_destroy (&body);
    usleep (300 * 1000);
    return holder;
}

static void
s_release (void *holder)
{
    wdm_proto_reply_t reply;
    CU_ASSERT_EQUAL (s_receive (holder, 10000, &reply, NULL), 0);
    wdm_proto_reply_clear (&reply);
    zmq_close (holder);
    s_exec ("DROP TRIGGER wdm_test_slow ON ingest_batch");
}

//  Receive count replies on socket, each into the slot of its batch
//  number among sent.  The number of replies received.
static int
s_replies (void *socket, const uint64_t *sent, wdm_proto_reply_t *replies, int count)
{
    int got = 0;
    while (got < count) {
        wdm_proto_reply_t reply;
        uint64_t batch_no = 0;
        if (s_receive (socket, 10000, &reply, &batch_no))
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

//  Issue 12, finding 5: a header claiming 2^31 records or more was stored
//  as claimed (ingest_batch.record_count is an int): the SQL error made
//  the whole group "database unavailable" (503), other units' valid
//  batches with it, and the metrics counted billions of records.
static void
test_claimed_counts_poison_nothing (void)
{
    void *meichang = s_client (&s_meichang), *health = s_client (s_health_now ());
    wdm_record_t town = s_record ("DM27", "meichang", 2022, 30.0);
    wdm_record_t district = s_record ("HE03", "wuqing", 2022, 7.9);
    msgpack_sbuffer bad, good;
    uint64_t first;
    s_body (&bad, 9002, &town, 1, &first);
    s_body (&good, 9003, &district, 1, &first);
    void *holder = s_hold_next_commit ();
    //  One group: three batches of the health commission around three of
    //  the town whose headers claim 0xFFFFFFFF, 0x80000000 and 2^31 - 1
    //  records for a body of one.
    uint64_t health_sent [3], town_sent [3];
    static const uint32_t claimed [3] = { 0xFFFFFFFFu, 0x80000000u, 0x7FFFFFFFu };
    for (int i = 0; i < 3; i++) {
        health_sent [i] = s_send (health, good.data, good.size, 1);
        town_sent [i] = s_send (meichang, bad.data, bad.size, claimed [i]);
    }
    s_release (holder);
    wdm_proto_reply_t health_replies [3] = { { 0 } }, town_replies [3] = { { 0 } };
    CU_ASSERT_EQUAL (s_replies (health, health_sent, health_replies, 3), 3);
    CU_ASSERT_EQUAL (s_replies (meichang, town_sent, town_replies, 3), 3);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL (health_replies [i].status, 200);
        CU_ASSERT_EQUAL (health_replies [i].accepted + health_replies [i].duplicates, 1);
        CU_ASSERT_EQUAL (town_replies [i].status, 413);
        CU_ASSERT_PTR_NOT_NULL (strstr (town_replies [i].message, "4096"));
        wdm_proto_reply_clear (&health_replies [i]);
        wdm_proto_reply_clear (&town_replies [i]);
    }
    //  Each refused batch is kept whole, and its count is what was
    //  decoded (nothing), not what its header claimed.
    char sql [512];
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM rejected_record r JOIN ingest_batch b"
              " ON b.id = r.batch_id WHERE b.batch_no IN (%llu, %llu, %llu) AND r.reason_code = 413"
              " AND r.rec_seq IS NULL AND r.unit_code = 'town_meichang' AND b.record_count = 0",
              (unsigned long long)town_sent [0], (unsigned long long)town_sent [1],
              (unsigned long long)town_sent [2]);
    CU_ASSERT_EQUAL (s_count (sql), 3);
    CU_ASSERT_EQUAL (s_count ("SELECT count(*) FROM ingest_batch WHERE record_count > 4096"), 0);
    //  The counters (`wdmon status` reads server_status) count decoded
    //  records: a few dozen so far, not billions.
    char *now = wdm_test_scalar (s_conn, "SELECT now()");
    CU_ASSERT_PTR_NOT_NULL_FATAL (now);
    snprintf (sql, sizeof sql, "SELECT count(*) FROM server_status WHERE heartbeat_at > '%s'", now);
    for (int i = 0; i < 80 && s_count (sql) < 1; i++)
        usleep (100 * 1000);
    free (now);
    CU_ASSERT_EQUAL (s_count (sql), 1);
    long received = s_count ("SELECT records_received FROM server_status");
    long refused = s_count ("SELECT records_rejected FROM server_status");
    CU_ASSERT (received > 0 && received < 100000);
    CU_ASSERT (refused >= 0 && refused < 100000);
    msgpack_sbuffer_destroy (&bad);
    msgpack_sbuffer_destroy (&good);
    zmq_close (meichang);
    zmq_close (health);
}

//  Issue 12, finding 5: an error in one batch's rows is that batch's
//  error.  A row the database refuses (a trigger here stands for any
//  constraint) refuses its own batch, kept whole; the other units' batches
//  of the same group are stored, and nobody is told "retry later".
static void
test_one_batch_refused_by_the_database (void)
{
    s_exec ("CREATE OR REPLACE FUNCTION wdm_test_poison () RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN IF NEW.note = 'poison' THEN RAISE EXCEPTION 'test: this row is refused'"
            " USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$");
    s_exec ("CREATE TRIGGER wdm_test_poison BEFORE INSERT ON observation"
            " FOR EACH ROW EXECUTE FUNCTION wdm_test_poison ()");
    void *meichang = s_client (&s_meichang), *health = s_client (s_health_now ());
    wdm_record_t poisoned [2] = { s_record ("DM27", "meichang", 2023, 30.5),
                                  s_record ("DM27", "meichang", 2024, 31.0) };
    snprintf (poisoned [1].note, sizeof poisoned [1].note, "%s", "poison");
    wdm_record_t district [2] = { s_record ("HE03", "wuqing", 2021, 8.4),
                                  s_record ("HE03", "wuqing", 2020, 8.6) };
    msgpack_sbuffer bad, good [2];
    uint64_t first;
    s_body (&bad, 9004, poisoned, 2, &first);
    s_body (&good [0], 9005, &district [0], 1, &first);
    s_body (&good [1], 9005, &district [1], 1, &first);
    void *holder = s_hold_next_commit ();
    uint64_t health_sent [2], town_sent;
    health_sent [0] = s_send (health, good [0].data, good [0].size, 1);
    town_sent = s_send (meichang, bad.data, bad.size, 2);
    health_sent [1] = s_send (health, good [1].data, good [1].size, 1);
    s_release (holder);
    wdm_proto_reply_t health_replies [2] = { { 0 } }, town_reply [1] = { { 0 } };
    CU_ASSERT_EQUAL (s_replies (health, health_sent, health_replies, 2), 2);
    CU_ASSERT_EQUAL (s_replies (meichang, &town_sent, town_reply, 1), 1);
    s_exec ("DROP TRIGGER wdm_test_poison ON observation");
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL (health_replies [i].status, 200);
        CU_ASSERT_EQUAL (health_replies [i].accepted, 1);
        wdm_proto_reply_clear (&health_replies [i]);
    }
    CU_ASSERT_EQUAL (town_reply [0].status, 400);
    CU_ASSERT_PTR_NOT_NULL (strstr (town_reply [0].message, "this row is refused"));
    wdm_proto_reply_clear (&town_reply [0]);
    CU_ASSERT_EQUAL (s_count ("SELECT count(*) FROM observation WHERE rec_epoch = 9005"), 2);
    CU_ASSERT_EQUAL (s_count ("SELECT count(*) FROM observation WHERE rec_epoch = 9004"), 0);
    char sql [256];
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM rejected_record r JOIN ingest_batch b"
              " ON b.id = r.batch_id WHERE b.batch_no = %llu AND r.reason_code = 400"
              " AND r.rec_seq IS NULL AND r.message LIKE '%%this row is refused%%'",
              (unsigned long long)town_sent);
    CU_ASSERT_EQUAL (s_count (sql), 1);
    msgpack_sbuffer_destroy (&bad);
    msgpack_sbuffer_destroy (&good [0]);
    msgpack_sbuffer_destroy (&good [1]);
    zmq_close (meichang);
    zmq_close (health);
}

//  Issue 12, finding 6: with 16 or more batches in flight on one
//  connection, replies went missing.  A client keeps 64 in flight, three
//  times over: exactly 64 replies each time, one per batch.
static void
test_sixty_four_in_flight (void)
{
    void *client = s_client (&s_meichang);
    for (int round = 0; round < 3; round++) {
        //  Sent while the server's commit is held up, they come in at once.
        void *holder = s_hold_next_commit ();
        uint64_t sent [64];
        for (int i = 0; i < 64; i++) {
            //  One record stored and 15 refused (404): replies of about
            //  3 KB, as a collector meets them, take the server's I/O
            //  thread a while to send.
            wdm_record_t records [16];
            records [0] = s_record ("DM27", "meichang", 2020 + i % 6, 20.0 + i / 8.0);
            for (int k = 1; k < 16; k++)
                records [k] = s_record ("XX99", "meichang", 2024, 1.0);
            msgpack_sbuffer body;
            uint64_t first;
            s_body (&body, 9100 + (uint64_t)round, records, 16, &first);
            sent [i] = s_send (client, body.data, body.size, 16);
            msgpack_sbuffer_destroy (&body);
        }
        s_release (holder);
        wdm_proto_reply_t replies [64];
        memset (replies, 0, sizeof replies);
        int got = s_replies (client, sent, replies, 64);
        if (got != 64)
            fprintf (stderr, "test_server: round %d: %d replies to 64 batches in flight\n", round, got);
        CU_ASSERT_EQUAL (got, 64);
        int stored = 0;
        for (int i = 0; i < 64; i++) {
            stored +=
                replies [i].status == 200 && replies [i].accepted == 1 && replies [i].rejected_count == 15;
            wdm_proto_reply_clear (&replies [i]);
        }
        CU_ASSERT_EQUAL (stored, got);
        wdm_proto_reply_t extra;
        CU_ASSERT_EQUAL (s_receive (client, 500, &extra, NULL), -1);
    }
    zmq_close (client);
    CU_ASSERT_EQUAL (s_count ("SELECT count(*) FROM observation WHERE rec_epoch BETWEEN 9100 AND 9102"), 192);
}

//  A batch body of valid records of exactly size bytes (notes pad it).
//  The number of records.
static uint32_t
s_body_of_size (msgpack_sbuffer *body, uint64_t epoch, size_t size)
{
    static wdm_record_t records [1200];
    int count = 0;
    size_t built = 0;
    //  Notes of 1000 bytes to begin with; then up to 23 more each.
    while (count < 1200) {
        //  Each a new value: one equal to the latest revision is not stored again.
        records [count] = s_record ("DM27", "meichang", 2020 + count % 6, 20.0 + count * 0.01);
        memset (records [count].note, 'x', 1000);
        records [count].note [1000] = '\0';
        count++;
        s_body_from (body, epoch, records, count, s_seq);
        built = body->size;
        msgpack_sbuffer_destroy (body);
        if (built + 1100 > size)
            break;
    }
    size_t missing = size - built;
    for (int i = 0; i < count && missing; i++) {
        size_t more = missing > 23 ? 23 : missing;
        memset (records [i].note + 1000, 'y', more);
        records [i].note [1000 + more] = '\0';
        missing -= more;
    }
    s_body_from (body, epoch, records, count, s_seq);
    s_seq += (uint64_t)count;
    return (uint32_t)count;
}

//  Issue 12, finding 7: a body of 1 MiB (1,048,576 bytes), the documented
//  limit, was dropped (the limit applied to the encrypted frame).  It is
//  stored; one byte more drops the connection, without a reply.
static void
test_frame_limit (void)
{
    msgpack_sbuffer body;
    uint32_t count = s_body_of_size (&body, 9200, 1048576);
    CU_ASSERT_EQUAL_FATAL (body.size, 1048576);
    void *client = s_client (&s_meichang);
    s_send (client, body.data, body.size, count);
    wdm_proto_reply_t reply;
    int got = s_receive (client, 10000, &reply, NULL);
    CU_ASSERT_EQUAL (got, 0);
    if (got == 0) {
        CU_ASSERT_EQUAL (reply.status, 200);
        CU_ASSERT_EQUAL (reply.accepted, count);
        wdm_proto_reply_clear (&reply);
    }
    msgpack_sbuffer_destroy (&body);
    zmq_close (client);
    char sql [128];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM observation WHERE rec_epoch = 9200");
    CU_ASSERT_EQUAL (s_count (sql), count);

    count = s_body_of_size (&body, 9201, 1048577);
    CU_ASSERT_EQUAL_FATAL (body.size, 1048577);
    client = s_client (&s_meichang);
    s_send (client, body.data, body.size, count);
    CU_ASSERT_EQUAL (s_receive (client, 3000, &reply, NULL), -1);
    msgpack_sbuffer_destroy (&body);
    zmq_close (client);
    CU_ASSERT_EQUAL (s_count ("SELECT count(*) FROM observation WHERE rec_epoch = 9201"), 0);
    s_expect_serving ();
}

//  Issue 12, finding 8: after PostgreSQL stopped (immediate) and came
//  back, the key check kept its dead connection and refused new
//  connections (ZAP 300) for about 10 s: each refusal costs a collector
//  the 5 s handshake timer before libzmq reconnects.  Measured as a
//  collector meets it: one new DEALER, connecting as soon as the database
//  is back, with the collector's handshake bound; the time from the
//  database's return to the reply (of any kind: the connection was
//  admitted) must be under 1 s.  WDM_TEST_DB_ROUNDS sets the rounds (2).
static void
test_admitted_soon_after_the_database_returns (void)
{
    const char *env = getenv ("WDM_TEST_DB_ROUNDS");
    int rounds = env && atoi (env) > 0 ? atoi (env) : 2;
    wdm_record_t record = s_record ("DM27", "meichang", 2025, 33.0);
    msgpack_sbuffer body;
    uint64_t first;
    s_body (&body, 9300, &record, 1, &first);
    for (int round = 0; round < rounds; round++) {
        s_expect_serving ();  //  the key check has a connection, alive
        CU_ASSERT_EQUAL_FATAL (wdm_test_shell (WDM_PGCTL " stop"), 0);
        usleep (500 * 1000);
        CU_ASSERT_EQUAL_FATAL (wdm_test_shell (WDM_PGCTL " start"), 0);
        int64_t back = wdm_clock_ms (), admitted = -1;
        void *client = s_client_bounded (&s_meichang, 5000);
        s_send (client, body.data, body.size, 1);
        wdm_proto_reply_t reply;
        if (s_receive (client, 20000, &reply, NULL) == 0) {
            admitted = wdm_clock_ms () - back;
            wdm_proto_reply_clear (&reply);
        }
        zmq_close (client);
        printf ("\n    round %d: the first new connection admitted %lld ms after the database was back\n",
                round + 1, (long long)admitted);
        CU_ASSERT (admitted >= 0 && admitted < 1000);
    }
    PQfinish (s_conn);
    s_conn = wdm_test_connect (s_conninfo);
    msgpack_sbuffer_destroy (&body);
    s_expect_serving ();
}

static void
test_sigterm_stops_cleanly (void)
{
    CU_ASSERT_EQUAL (wdm_test_stop (s_pid, SIGTERM, 10000), 0);
    s_pid = -1;
}

static void
test_refuses_a_readable_secret_key (void)
{
    chmod (s_server_key_file, 0644);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", wdm_test_port (1));
    char *argv [] = { WDM_SERVER_BIN, "-k", s_server_key_file, "-e", endpoint, "-d",
                      s_conninfo,     "-l", "error",           NULL };
    int pid = wdm_test_spawn (argv);
    CU_ASSERT_EQUAL (wdm_test_wait (pid, 10000), 1);
    chmod (s_server_key_file, 0600);
}

int
main (void)
{
    if (!wdm_test_pguri ()) {
        fprintf (stderr, "WDM_TEST_PGURI is not set: run tests/run.sh\n");
        return WDM_TEST_SKIP;
    }
    wdm_log_init ("test_server", WDM_LOG_WARN, NULL);
    s_conninfo = wdm_test_db_new ("wdm_test_server");
    if (!s_conninfo)
        return 2;
    s_conn = wdm_test_connect (s_conninfo);
    PGconn *conn = wdm_db_connect (s_conninfo);
    int applied = 0;
    if (!conn || wdm_migrate_apply (conn, &applied) || wdm_plan_import_file (conn, WDM_PLAN_FILE))
        return 2;
    PQfinish (conn);
    snprintf (s_dir, sizeof s_dir, "/tmp/wdm_test_server_XXXXXX");
    char err [256];
    if (!mkdtemp (s_dir) || wdm_keys_generate (s_server.public_key, s_server.secret_key))
        return 2;
    snprintf (s_server_key_file, sizeof s_server_key_file, "%s/server.key", s_dir);
    if (wdm_keys_write (s_server_key_file, s_server.secret_key, true, err, sizeof err)
        || s_register ("town_meichang", &s_meichang) || s_register ("health_commission", &s_health)
        || s_register (NULL, &s_stranger))
        return 2;
    snprintf (s_endpoint, sizeof s_endpoint, "tcp://127.0.0.1:%d", wdm_test_port (0));
    s_ctx = zmq_ctx_new ();
    if (s_start_server ())
        return 2;

    static const wdm_test_case_t tests [] = {
        { "a batch is stored once; a resend is a duplicate; a correction a revision",
          test_batch_stored_once },
        { "invalid records come back with reason, field; kept with raw bytes",
          test_invalid_records_come_back_with_reasons },
        { "malformed messages are refused and kept; the server keeps serving", test_malformed_messages },
        { "unknown and revoked keys get nothing; others keep working", test_unknown_and_revoked_keys },
        { "a client without CURVE gets nothing; 100 idle TCP connections change nothing",
          test_null_mechanism_and_idle_connections },
        { "claimed counts (2^31 and more) are refused 413, kept, and fail no other batch",
          test_claimed_counts_poison_nothing },
        { "a batch the database refuses is its own error; the group's others are stored",
          test_one_batch_refused_by_the_database },
        { "64 batches in flight on one connection: exactly 64 replies", test_sixty_four_in_flight },
        { "a 1 MiB body is stored; one byte more drops the connection", test_frame_limit },
        { "database away: retry later, then stored exactly once", test_database_away },
        { "fault: the database back, a new connection is admitted within 1 s",
          test_admitted_soon_after_the_database_returns },
        { "SIGTERM stops the server cleanly", test_sigterm_stops_cleanly },
        { "a secret key readable by others is refused at start", test_refuses_a_readable_secret_key },
    };
    int rc = wdm_test_run_suite ("server", tests, sizeof tests / sizeof tests [0]);
    if (s_pid > 0)
        wdm_test_stop (s_pid, SIGKILL, 5000);
    zmq_ctx_term (s_ctx);
    PQfinish (s_conn);
    free (s_conninfo);
    unlink (s_server_key_file);
    rmdir (s_dir);
    return rc;
}
