/*  test_proto_zmq: the one receive/send pair both ends use, over a real
    ZeroMQ socket pair (a DEALER connected to a ROUTER, inproc).  A good
    message goes each way whole; every message the frames alone condemn —
    too few frames, too many, a short header, a wrong type or version, a
    claimed count or a body over the limit, a checksum that does not match
    — is refused with the code and the answer the server gives, and the
    next message on the socket is read as it was sent.  */

#include "wdm_crc32.h"
#include "wdm_proto_zmq.h"
#include "wdm_test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void *s_ctx;
static void *s_router;
static void *s_dealer;

//  A ROUTER and a DEALER connected to it, fresh for each test.
static void
s_pair (void)
{
    static int round = 0;
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://test-proto-zmq-%d", round++);
    s_router = zmq_socket (s_ctx, ZMQ_ROUTER);
    s_dealer = zmq_socket (s_ctx, ZMQ_DEALER);
    int linger = 0, one = 1;
    zmq_setsockopt (s_router, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (s_router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt (s_dealer, ZMQ_LINGER, &linger, sizeof linger);
    CU_ASSERT_EQUAL_FATAL (zmq_bind (s_router, endpoint), 0);
    CU_ASSERT_EQUAL_FATAL (zmq_connect (s_dealer, endpoint), 0);
}

static void
s_unpair (void)
{
    zmq_close (s_dealer);
    zmq_close (s_router);
}

//  Wait up to a second for a message on socket, so that a refusal is
//  never mistaken for "nothing came".
static void
s_wait (void *socket)
{
    zmq_pollitem_t items [] = { { socket, 0, ZMQ_POLLIN, 0 } };
    CU_ASSERT_EQUAL (zmq_poll (items, 1, 1000), 1);
}

//  Receive a BATCH on the ROUTER; its code, with why.
static int
s_recv_batch (wdm_proto_message_t *message, char *why)
{
    s_wait (s_router);
    return wdm_proto_recv (s_router, ZMQ_DONTWAIT, WDM_PROTO_BATCH, message, why, 256);
}

//  Raw frames from the DEALER, as a broken collector might send them.
static void
s_send_raw (const void *header, size_t header_size, const void *body, size_t body_size, int extra)
{
    zmq_send (s_dealer, header, header_size, body || extra ? ZMQ_SNDMORE : 0);
    if (body)
        zmq_send (s_dealer, body, body_size, extra ? ZMQ_SNDMORE : 0);
    if (extra)
        zmq_send (s_dealer, "x", 1, 0);
}

//  A header of type for a body, with its true checksum.
static void
s_header (uint8_t *out, int type, uint64_t batch_no, uint32_t count, const void *body, size_t size)
{
    wdm_proto_header_t head = { WDM_PROTO_VERSION, (uint8_t)type, batch_no, count,
                                wdm_crc32 (0, body, size) };
    wdm_proto_header_encode (&head, out);
}

//  After a refusal the socket still reads the next good message whole.
static void
s_expect_next_good (void)
{
    wdm_proto_header_t head = { WDM_PROTO_VERSION, WDM_PROTO_BATCH, 99, 1, 0 };
    CU_ASSERT_EQUAL (wdm_proto_send (s_dealer, NULL, &head, "next", 4, 0), 0);
    wdm_proto_message_t message;
    char why [256] = "";
    CU_ASSERT_EQUAL (s_recv_batch (&message, why), WDM_PROTO_OK);
    CU_ASSERT_EQUAL (message.header.batch_no, 99);
    CU_ASSERT_EQUAL (zmq_msg_size (&message.body), 4);
    wdm_proto_message_close (&message);
}

static void
test_good_message_both_ways (void)
{
    s_pair ();
    //  DEALER to ROUTER: a batch, its checksum filled by the sender.
    static const char body [] = "\x82\xA5"
                                "epoch\x01\xA7records\x90";
    wdm_proto_header_t head = { WDM_PROTO_VERSION, WDM_PROTO_BATCH, 4242, 3, 0xDEAD };
    CU_ASSERT_EQUAL_FATAL (wdm_proto_send (s_dealer, NULL, &head, body, sizeof body - 1, ZMQ_DONTWAIT), 0);
    wdm_proto_message_t in;
    char why [256] = "";
    CU_ASSERT_EQUAL_FATAL (s_recv_batch (&in, why), WDM_PROTO_OK);
    CU_ASSERT_EQUAL (in.frames, 2);
    CU_ASSERT (zmq_msg_size (&in.identity) > 0);
    CU_ASSERT_EQUAL (in.header.version, WDM_PROTO_VERSION);
    CU_ASSERT_EQUAL (in.header.type, WDM_PROTO_BATCH);
    CU_ASSERT_EQUAL (in.header.batch_no, 4242);
    CU_ASSERT_EQUAL (in.header.count, 3);
    CU_ASSERT_EQUAL (in.header.checksum, wdm_crc32 (0, body, sizeof body - 1));
    CU_ASSERT_EQUAL_FATAL (zmq_msg_size (&in.body), sizeof body - 1);
    CU_ASSERT_EQUAL (memcmp (zmq_msg_data (&in.body), body, sizeof body - 1), 0);
    CU_ASSERT_STRING_EQUAL (in.user_id, "");  //  no ZAP on inproc
    CU_ASSERT_STRING_EQUAL (in.key, "");

    //  ROUTER to DEALER: the reply, after the sender's routing id.
    static const char answer [] = "\x81\xA6status\xCC\xC8";
    wdm_proto_header_t back = { WDM_PROTO_VERSION, WDM_PROTO_REPLY, 4242, 0, 0 };
    CU_ASSERT_EQUAL_FATAL (wdm_proto_send (s_router, &in.identity, &back, answer, sizeof answer - 1, 0), 0);
    wdm_proto_message_close (&in);
    wdm_proto_message_close (&in);  //  twice is harmless
    s_wait (s_dealer);
    wdm_proto_message_t reply;
    CU_ASSERT_EQUAL_FATAL (wdm_proto_recv (s_dealer, 0, WDM_PROTO_REPLY, &reply, why, sizeof why),
                           WDM_PROTO_OK);
    CU_ASSERT_EQUAL (zmq_msg_size (&reply.identity), 0);
    CU_ASSERT_EQUAL (reply.frames, 2);
    CU_ASSERT_EQUAL (reply.header.type, WDM_PROTO_REPLY);
    CU_ASSERT_EQUAL (reply.header.batch_no, 4242);
    CU_ASSERT_EQUAL_FATAL (zmq_msg_size (&reply.body), sizeof answer - 1);
    CU_ASSERT_EQUAL (memcmp (zmq_msg_data (&reply.body), answer, sizeof answer - 1), 0);
    wdm_proto_message_close (&reply);

    //  Nothing waiting: -1, and the message is empty.
    CU_ASSERT_EQUAL (wdm_proto_recv (s_dealer, ZMQ_DONTWAIT, WDM_PROTO_REPLY, &reply, why, sizeof why), -1);
    CU_ASSERT_EQUAL (zmq_msg_size (&reply.body), 0);
    wdm_proto_message_close (&reply);
    s_unpair ();
}

static void
test_send_says_why_it_failed (void)
{
    s_pair ();
    //  A routing id nobody has: the mandatory ROUTER says so.
    zmq_msg_t nobody;
    zmq_msg_init_size (&nobody, 5);
    memcpy (zmq_msg_data (&nobody), "ghost", 5);
    wdm_proto_header_t head = { WDM_PROTO_VERSION, WDM_PROTO_REPLY, 1, 0, 0 };
    CU_ASSERT_EQUAL (wdm_proto_send (s_router, &nobody, &head, "b", 1, ZMQ_DONTWAIT), -1);
    CU_ASSERT_EQUAL (zmq_errno (), EHOSTUNREACH);
    zmq_msg_close (&nobody);
    //  A DEALER connected to no one cannot queue.
    void *alone = zmq_socket (s_ctx, ZMQ_DEALER);
    head.type = WDM_PROTO_BATCH;
    CU_ASSERT_EQUAL (wdm_proto_send (alone, NULL, &head, "b", 1, ZMQ_DONTWAIT), -1);
    CU_ASSERT_EQUAL (zmq_errno (), EAGAIN);
    zmq_close (alone);
    s_unpair ();
}

static void
test_too_few_frames (void)
{
    s_pair ();
    wdm_proto_message_t message;
    char why [256] = "";
    s_send_raw ("garbage", 7, NULL, 0, 0);
    CU_ASSERT_EQUAL (s_recv_batch (&message, why), WDM_PROTO_MALFORMED);
    CU_ASSERT_STRING_EQUAL (why, "消息应为两帧 / a message is two frames: header and body");
    CU_ASSERT_EQUAL (message.frames, 1);
    CU_ASSERT_EQUAL (zmq_msg_size (&message.body), 0);
    wdm_proto_message_close (&message);
    //  A good header alone is no better.
    uint8_t header [WDM_PROTO_HEADER_SIZE];
    s_header (header, WDM_PROTO_BATCH, 7, 1, "", 0);
    s_send_raw (header, sizeof header, NULL, 0, 0);
    CU_ASSERT_EQUAL (s_recv_batch (&message, why), WDM_PROTO_MALFORMED);
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "two frames"));
    CU_ASSERT_EQUAL (message.header.batch_no, 7);  //  a refusal can name its batch
    wdm_proto_message_close (&message);
    s_expect_next_good ();
    s_unpair ();
}

static void
test_too_many_frames (void)
{
    s_pair ();
    uint8_t header [WDM_PROTO_HEADER_SIZE];
    s_header (header, WDM_PROTO_BATCH, 8, 1, "body", 4);
    s_send_raw (header, sizeof header, "body", 4, 1);
    wdm_proto_message_t message;
    char why [256] = "";
    CU_ASSERT_EQUAL (s_recv_batch (&message, why), WDM_PROTO_MALFORMED);
    CU_ASSERT_STRING_EQUAL (why, "消息应为两帧 / a message is two frames: header and body");
    CU_ASSERT_EQUAL (message.frames, 3);
    //  The body frame is kept (the server keeps a refused message's bytes).
    CU_ASSERT_EQUAL_FATAL (zmq_msg_size (&message.body), 4);
    CU_ASSERT_EQUAL (memcmp (zmq_msg_data (&message.body), "body", 4), 0);
    wdm_proto_message_close (&message);
    //  The extra frame was drained: it is not read as the next message.
    s_expect_next_good ();

    //  The same on the DEALER's side, after a reply of three frames.
    s_send_raw ("hi", 2, NULL, 0, 0);
    CU_ASSERT_EQUAL_FATAL (s_recv_batch (&message, why), WDM_PROTO_MALFORMED);
    s_header (header, WDM_PROTO_REPLY, 13, 0, "body", 4);
    zmq_msg_t identity;
    zmq_msg_init (&identity);
    zmq_msg_copy (&identity, &message.identity);
    wdm_proto_message_close (&message);
    CU_ASSERT_EQUAL (zmq_msg_send (&identity, s_router, ZMQ_SNDMORE), 5);
    zmq_send (s_router, header, sizeof header, ZMQ_SNDMORE);
    zmq_send (s_router, "body", 4, ZMQ_SNDMORE);
    zmq_send (s_router, "x", 1, 0);
    s_wait (s_dealer);
    CU_ASSERT_EQUAL (wdm_proto_recv (s_dealer, 0, WDM_PROTO_REPLY, &message, why, sizeof why),
                     WDM_PROTO_MALFORMED);
    CU_ASSERT_EQUAL (message.frames, 3);
    CU_ASSERT_EQUAL (message.header.batch_no, 13);
    CU_ASSERT_EQUAL (zmq_msg_size (&message.body), 4);
    wdm_proto_message_close (&message);
    s_send_raw ("hi", 2, NULL, 0, 0);
    CU_ASSERT_EQUAL_FATAL (s_recv_batch (&message, why), WDM_PROTO_MALFORMED);
    wdm_proto_header_t back = { WDM_PROTO_VERSION, WDM_PROTO_REPLY, 14, 0, 0 };
    CU_ASSERT_EQUAL (wdm_proto_send (s_router, &message.identity, &back, "next", 4, 0), 0);
    wdm_proto_message_close (&message);
    s_wait (s_dealer);
    CU_ASSERT_EQUAL (wdm_proto_recv (s_dealer, 0, WDM_PROTO_REPLY, &message, why, sizeof why), WDM_PROTO_OK);
    CU_ASSERT_EQUAL (message.header.batch_no, 14);
    wdm_proto_message_close (&message);
    s_unpair ();
}

static void
test_bad_header (void)
{
    s_pair ();
    wdm_proto_message_t message;
    char why [256] = "";
    uint8_t header [WDM_PROTO_HEADER_SIZE];
    //  One byte short.
    s_header (header, WDM_PROTO_BATCH, 9, 1, "body", 4);
    s_send_raw (header, sizeof header - 1, "body", 4, 0);
    CU_ASSERT_EQUAL (s_recv_batch (&message, why), WDM_PROTO_MALFORMED);
    CU_ASSERT_STRING_EQUAL (why, "报头无效 / invalid header frame");
    wdm_proto_message_close (&message);
    //  A reply where a batch is due.
    s_header (header, WDM_PROTO_REPLY, 10, 0, "body", 4);
    s_send_raw (header, sizeof header, "body", 4, 0);
    CU_ASSERT_EQUAL (s_recv_batch (&message, why), WDM_PROTO_MALFORMED);
    CU_ASSERT_STRING_EQUAL (why, "报头无效 / invalid header frame");
    CU_ASSERT_EQUAL (message.header.batch_no, 10);
    wdm_proto_message_close (&message);
    //  A version from the future.
    s_header (header, WDM_PROTO_BATCH, 11, 1, "body", 4);
    header [4] = 9;
    s_send_raw (header, sizeof header, "body", 4, 0);
    CU_ASSERT_EQUAL (s_recv_batch (&message, why), WDM_PROTO_UNSUPPORTED_VERSION);
    CU_ASSERT_STRING_EQUAL (why, "协议版本不受支持 / unsupported protocol version");
    CU_ASSERT_EQUAL (message.header.batch_no, 11);
    wdm_proto_message_close (&message);
    s_expect_next_good ();
    s_unpair ();
}

static void
test_bad_checksum (void)
{
    s_pair ();
    wdm_proto_header_t head = { WDM_PROTO_VERSION, WDM_PROTO_BATCH, 4243, 1, 12345 };
    uint8_t header [WDM_PROTO_HEADER_SIZE];
    wdm_proto_header_encode (&head, header);
    s_send_raw (header, sizeof header, "body", 4, 0);
    wdm_proto_message_t message;
    char why [256] = "";
    CU_ASSERT_EQUAL (s_recv_batch (&message, why), WDM_PROTO_MALFORMED);
    CU_ASSERT_STRING_EQUAL (why, "校验和不符 / body checksum does not match the header");
    CU_ASSERT_EQUAL (message.header.batch_no, 4243);
    wdm_proto_message_close (&message);
    //  One bit of the body flipped on the way.
    s_header (header, WDM_PROTO_BATCH, 4244, 1, "body", 4);
    s_send_raw (header, sizeof header, "bodx", 4, 0);
    CU_ASSERT_EQUAL (s_recv_batch (&message, why), WDM_PROTO_MALFORMED);
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "checksum"));
    wdm_proto_message_close (&message);
    s_expect_next_good ();
    s_unpair ();
}

static void
test_too_large (void)
{
    s_pair ();
    wdm_proto_message_t message;
    char why [256] = "";
    //  A claimed count over the limit.
    wdm_proto_header_t head = { WDM_PROTO_VERSION, WDM_PROTO_BATCH, 12, WDM_PROTO_MAX_RECORDS + 1, 0 };
    CU_ASSERT_EQUAL (wdm_proto_send (s_dealer, NULL, &head, "body", 4, 0), 0);
    CU_ASSERT_EQUAL (s_recv_batch (&message, why), WDM_PROTO_TOO_LARGE);
    CU_ASSERT_STRING_EQUAL (why,
                            "批次记录过多:报头称 4097 条,上限 4096 / the header claims 4097 records, "
                            "more than 4096 in one batch");
    wdm_proto_message_close (&message);
    //  A body of exactly the limit passes; one byte more does not (a
    //  socket without ZMQ_MAXMSGSIZE, such as inproc, lets it through).
    size_t size = WDM_PROTO_MAX_BODY + 1;
    char *big = malloc (size);
    CU_ASSERT_PTR_NOT_NULL_FATAL (big);
    memset (big, 'x', size);
    head.count = 1;
    CU_ASSERT_EQUAL (wdm_proto_send (s_dealer, NULL, &head, big, size - 1, 0), 0);
    CU_ASSERT_EQUAL (s_recv_batch (&message, why), WDM_PROTO_OK);
    CU_ASSERT_EQUAL (zmq_msg_size (&message.body), WDM_PROTO_MAX_BODY);
    wdm_proto_message_close (&message);
    CU_ASSERT_EQUAL (wdm_proto_send (s_dealer, NULL, &head, big, size, 0), 0);
    CU_ASSERT_EQUAL (s_recv_batch (&message, why), WDM_PROTO_TOO_LARGE);
    CU_ASSERT_STRING_EQUAL (why,
                            "消息体过大:1048577 字节,上限 1048576 / the body is 1048577 bytes, "
                            "more than 1048576");
    wdm_proto_message_close (&message);
    free (big);
    s_expect_next_good ();
    s_unpair ();
}

int
main (void)
{
    s_ctx = zmq_ctx_new ();
    static const wdm_test_case_t tests [] = {
        { "a good message goes whole, DEALER to ROUTER and back", test_good_message_both_ways },
        { "a send that cannot go says why", test_send_says_why_it_failed },
        { "too few frames are refused 400", test_too_few_frames },
        { "too many frames are drained and refused 400", test_too_many_frames },
        { "a short header, a wrong type are refused 400; a new version 505", test_bad_header },
        { "a checksum that does not match is refused 400", test_bad_checksum },
        { "a count or a body over the limit is refused 413", test_too_large },
    };
    int rc = wdm_test_run_suite ("proto_zmq", tests, sizeof tests / sizeof tests [0]);
    zmq_ctx_term (s_ctx);
    return rc;
}
