/*  wdm_proto_zmq: one receive/send pair for the wire, both ends.  See
    wdm_proto_zmq.h.  */

#include "wdm_proto_zmq.h"
#include "wdm_crc32.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int
wdm_proto_send (void *socket, zmq_msg_t *identity, const wdm_proto_header_t *header, const void *body,
                size_t size, int flags)
{
    wdm_proto_header_t head = *header;
    head.checksum = wdm_crc32 (0, body, size);
    uint8_t frame [WDM_PROTO_HEADER_SIZE];
    wdm_proto_header_encode (&head, frame);
    if (identity) {
        zmq_msg_t copy;
        zmq_msg_init (&copy);
        if (zmq_msg_copy (&copy, identity) || zmq_msg_send (&copy, socket, ZMQ_SNDMORE | flags) < 0) {
            int error = zmq_errno ();
            zmq_msg_close (&copy);
            errno = error;  //  zmq_errno () is errno
            return -1;
        }
    }
    //  Once the first frame is queued the rest of the message cannot fail
    //  for room: ZeroMQ takes a multipart message whole or not at all.
    if (zmq_send (socket, frame, sizeof frame, ZMQ_SNDMORE | flags) < 0
        || zmq_send (socket, body, size, flags) < 0)
        return -1;
    return 0;
}

//  Copy a metadata property of frame ("User-Id", "Key") into out, "" if
//  the connection has none (no ZAP handler, inproc).
static void
s_property (zmq_msg_t *frame, const char *name, char *out, size_t out_size)
{
    const char *value = zmq_msg_gets (frame, name);
    snprintf (out, out_size, "%s", value ? value : "");
}

//  Read the rest of a message (more: whether there is any): the next frame
//  into first, the one after into second when it is not NULL, any more
//  drained.  The number of frames read.
static int
s_read_frames (void *socket, int more, zmq_msg_t *first, zmq_msg_t *second)
{
    int frames = 0;
    while (more) {
        zmq_msg_t frame;
        zmq_msg_init (&frame);
        if (zmq_msg_recv (&frame, socket, 0) < 0) {
            zmq_msg_close (&frame);
            break;
        }
        more = zmq_msg_more (&frame);
        frames++;
        if (frames == 1)
            zmq_msg_move (first, &frame);
        else if (frames == 2 && second)
            zmq_msg_move (second, &frame);
        zmq_msg_close (&frame);
    }
    return frames;
}

//  The checks on a received message, in the order the server has always
//  made them.  WDM_PROTO_OK or the refusal's code, with why set.
static int
s_check (wdm_proto_message_t *message, int status, int type, char *why, size_t why_size)
{
    size_t size = zmq_msg_size (&message->body);
    const wdm_proto_header_t *head = &message->header;
    if (message->frames != 2) {
        snprintf (why, why_size, "消息应为两帧 / a message is two frames: header and body");
        return WDM_PROTO_MALFORMED;
    }
    if (status == WDM_PROTO_UNSUPPORTED_VERSION) {
        snprintf (why, why_size, "协议版本不受支持 / unsupported protocol version");
        return status;
    }
    if (status != WDM_PROTO_OK || head->type != type) {
        snprintf (why, why_size, "报头无效 / invalid header frame");
        return WDM_PROTO_MALFORMED;
    }
    if (head->count > WDM_PROTO_MAX_RECORDS) {
        snprintf (why, why_size,
                  "批次记录过多:报头称 %lu 条,上限 %d / the header "
                  "claims %lu records, more than %d in one batch",
                  (unsigned long)head->count, WDM_PROTO_MAX_RECORDS, (unsigned long)head->count,
                  WDM_PROTO_MAX_RECORDS);
        return WDM_PROTO_TOO_LARGE;
    }
    //  The sockets' ZMQ_MAXMSGSIZE drops a larger frame on TCP; this holds
    //  the rule on any socket.
    if (size > WDM_PROTO_MAX_BODY) {
        snprintf (why, why_size, "消息体过大:%zu 字节,上限 %d / the body is %zu bytes, more than %d", size,
                  WDM_PROTO_MAX_BODY, size, WDM_PROTO_MAX_BODY);
        return WDM_PROTO_TOO_LARGE;
    }
    if (wdm_crc32 (0, zmq_msg_data (&message->body), size) != head->checksum) {
        snprintf (why, why_size, "校验和不符 / body checksum does not match the header");
        return WDM_PROTO_MALFORMED;
    }
    return WDM_PROTO_OK;
}

int
wdm_proto_recv (void *socket, int flags, int type, wdm_proto_message_t *message, char *why, size_t why_size)
{
    memset (message, 0, sizeof *message);
    zmq_msg_init (&message->identity);
    zmq_msg_init (&message->body);
    if (why_size)
        *why = '\0';
    int socket_type = 0;
    size_t type_size = sizeof socket_type;
    if (zmq_getsockopt (socket, ZMQ_TYPE, &socket_type, &type_size))
        return -1;

    //  The first frame decides whether a message came at all: on a ROUTER
    //  the routing id, elsewhere the header.
    zmq_msg_t header;
    zmq_msg_init (&header);
    if (socket_type == ZMQ_ROUTER) {
        if (zmq_msg_recv (&message->identity, socket, flags) < 0) {
            zmq_msg_close (&header);
            return -1;
        }
        message->frames = s_read_frames (socket, zmq_msg_more (&message->identity), &header, &message->body);
    } else {
        if (zmq_msg_recv (&header, socket, flags) < 0) {
            zmq_msg_close (&header);
            return -1;
        }
        message->frames = 1 + s_read_frames (socket, zmq_msg_more (&header), &message->body, NULL);
    }
    if (message->frames >= 1) {
        s_property (&header, "User-Id", message->user_id, sizeof message->user_id);
        s_property (&header, "Key", message->key, sizeof message->key);
    }
    int status = wdm_proto_header_decode (zmq_msg_data (&header), zmq_msg_size (&header), &message->header);
    zmq_msg_close (&header);
    char spare [8];
    return s_check (message, status, type, why_size ? why : spare, why_size ? why_size : sizeof spare);
}

void
wdm_proto_message_close (wdm_proto_message_t *message)
{
    zmq_msg_close (&message->identity);
    zmq_msg_init (&message->identity);
    zmq_msg_close (&message->body);
    zmq_msg_init (&message->body);
}
