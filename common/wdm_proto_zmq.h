/*  wdm_proto_zmq: one wdm_proto message on a ZeroMQ socket, sent and
    received the one way both ends do it.  The collector's DEALER sends
    BATCHes and receives REPLYs; the server's ROUTER receives BATCHes and
    sends each REPLY after the sender's routing id.

    The receiver checks everything the frames can tell before a body is
    decoded: two frames after the routing id (any more are drained and
    refused), the header (size, magic, version, type), the count it claims,
    the body's size and its CRC-32.  Decoding the body stays with the caller
    (wdm_proto_batch_decode, wdm_proto_reply_decode).  Nothing here prints
    or keeps state.  */

#ifndef WDM_PROTO_ZMQ_H_INCLUDED
#define WDM_PROTO_ZMQ_H_INCLUDED

#include <stddef.h>
#include <zmq.h>

#include "wdm_proto.h"

#define WDM_PROTO_USER_ID_MAX 64  //  room for the sender's ZAP User-Id
#define WDM_PROTO_KEY_MAX     41  //  room for a Z85 public key

//  One message as received.  Refused or not, it holds what came: the
//  server keeps a refused message's body frame with its reason.
typedef struct {
    zmq_msg_t identity;         //  the sender's routing id (ROUTER); empty on other sockets
    zmq_msg_t body;             //  the second frame after the routing id, empty if none
    wdm_proto_header_t header;  //  decoded; batch_no set whenever the frame had the magic and 24 bytes
    int frames;                 //  frames after the routing id
    char user_id [WDM_PROTO_USER_ID_MAX];  //  the ZAP User-Id of the sender (its unit), "" if none
    char key [WDM_PROTO_KEY_MAX];          //  the ZAP "Key" of the sender, "" if none
} wdm_proto_message_t;

//  Send one message: identity's routing id first when not NULL (a copy is
//  sent; identity stays the caller's, non-const only because zmq_msg_copy
//  counts references in it), then the header with its checksum set to the CRC-32 of the body
//  (header->checksum is ignored), then the body.  flags (ZMQ_DONTWAIT) apply
//  to every frame; once the first is queued ZeroMQ takes the message
//  whole.  0, or -1 with zmq_errno () saying why (EAGAIN: no room, or not
//  connected yet; EHOSTUNREACH: a ROUTER_MANDATORY socket's peer is gone).
int wdm_proto_send (void *socket, zmq_msg_t *identity, const wdm_proto_header_t *header, const void *body,
                    size_t size, int flags);

//  Receive one message that should be of type (WDM_PROTO_BATCH or
//  WDM_PROTO_REPLY); on a ROUTER socket the routing id comes first.  -1 if
//  nothing could be received (ZMQ_DONTWAIT in flags and nothing waiting,
//  an interrupt, a closed socket), with message empty.  Otherwise message
//  holds what came, for the caller to close with wdm_proto_message_close,
//  and the result is WDM_PROTO_OK, or the code the whole message is
//  refused with and why set to the answer the server gives:
//  WDM_PROTO_MALFORMED (not two frames, a bad header or type, a checksum
//  that does not match), WDM_PROTO_UNSUPPORTED_VERSION, or
//  WDM_PROTO_TOO_LARGE (a count above WDM_PROTO_MAX_RECORDS, a body above
//  WDM_PROTO_MAX_BODY).
int wdm_proto_recv (void *socket, int flags, int type, wdm_proto_message_t *message, char *why,
                    size_t why_size);

//  Free a received message's frames and leave it empty; safe to call
//  again, and on a message wdm_proto_recv answered -1 for.
void wdm_proto_message_close (wdm_proto_message_t *message);

#endif
