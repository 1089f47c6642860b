/*  wdm_collector_link: the collector's connection to the centre, a CURVE
    DEALER socket, and what its monitor says about it.  wdm_collector_run
    connects at start and polls the monitor; delivery reconnects after a
    timeout and reports a key revoked while connected.  The centre may be
    several servers sharing one database (issue 18): the config lists
    their endpoints, the dealer connects to one at a time, and a timeout
    moves it to the next (cl_link_next).  Owns the dealer and monitor
    sockets (closed by wdm_collector_run at the end).  */

#include "wdm_collector_int.h"
#include "wdm_log.h"
#include "wdm_monitor.h"
#include "wdm_proto.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#define S_HANDSHAKE_MS 5000  //  a CURVE handshake not done by then is dropped

//  Watch the dealer's connections: a key the centre refuses, or a wrong
//  server key, must be said in the log and in `status`, not left silent.
static void
s_monitor (cl_collector_t *self)
{
    if (self->monitor)
        zmq_close (self->monitor);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://wdm-collector-monitor-%d", ++self->monitor_serial);
    self->monitor = NULL;
    if (zmq_socket_monitor (self->dealer, endpoint,
                            ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                                | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                                | ZMQ_EVENT_DISCONNECTED)
        == 0) {
        self->monitor = zmq_socket (self->ctx, ZMQ_PAIR);
        if (self->monitor && zmq_connect (self->monitor, endpoint)) {
            zmq_close (self->monitor);
            self->monitor = NULL;
        }
    }
}

void
cl_link_state (cl_collector_t *self, int level, const char *state)
{
    if (strcmp (self->link_state, state) == 0)
        return;  //  said once per change
    snprintf (self->link_state, sizeof self->link_state, "%s", state);
    if (level == WDM_LOG_ERROR)
        wdm_log_error ("delivery: %s", state);
    else
        wdm_log_info ("delivery: %s", state);
}

void
cl_monitor_event (cl_collector_t *self)
{
    uint16_t event;
    uint32_t value;
    if (wdm_monitor_read (self->monitor, &event, &value) == 0) {
        char state [200];
        if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
            cl_link_state (self, WDM_LOG_INFO, "connected to the centre");
        else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
            snprintf (state, sizeof state, "the centre refused this unit's key (ZAP %u): %s", value,
                      value == 300 ? "its database is unavailable; retrying"
                                   : "the key is unknown or revoked; ask the centre for a new bundle");
            cl_link_state (self, WDM_LOG_ERROR, state);
        } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                   || event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
            cl_link_state (self, WDM_LOG_ERROR,
                           "the CURVE handshake with the centre failed "
                           "(its database may be unavailable, or server.pub is not the centre's "
                           "public key); retrying");
        else if (event == ZMQ_EVENT_DISCONNECTED && strcmp (self->link_state, "connected to the centre") == 0)
            cl_link_state (self, WDM_LOG_INFO, "disconnected from the centre; reconnecting");
    }
}

int
cl_connect (cl_collector_t *self)
{
    if (self->dealer) {
        zmq_socket_monitor (self->dealer, NULL, 0);
        zmq_close (self->dealer);
    }
    self->dealer = zmq_socket (self->ctx, ZMQ_DEALER);
    //  The handshake is bounded: while the centre's database is away its
    //  ZAP handler answers 300, and libzmq 4.3 then may leave the connection
    //  half-open, neither refused nor closed, until this timer ends it and
    //  the socket reconnects (its default, 30 s, stalled delivery that long
    //  after the database was back).
    int linger = 0, ivl = 10000, timeout = 30000, reconnect = 500, reconnect_max = 10000;
    int handshake = S_HANDSHAKE_MS;
    int64_t max_size = WDM_PROTO_MAX_BODY;
    if (!self->dealer || zmq_setsockopt (self->dealer, ZMQ_LINGER, &linger, sizeof linger)
        || zmq_setsockopt (self->dealer, ZMQ_CURVE_SERVERKEY, self->server_key, 40)
        || zmq_setsockopt (self->dealer, ZMQ_CURVE_PUBLICKEY, self->public_key, 40)
        || zmq_setsockopt (self->dealer, ZMQ_CURVE_SECRETKEY, self->secret_key, 40)
        || zmq_setsockopt (self->dealer, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size)
        || zmq_setsockopt (self->dealer, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl)
        || zmq_setsockopt (self->dealer, ZMQ_HEARTBEAT_TIMEOUT, &timeout, sizeof timeout)
        || zmq_setsockopt (self->dealer, ZMQ_RECONNECT_IVL, &reconnect, sizeof reconnect)
        || zmq_setsockopt (self->dealer, ZMQ_RECONNECT_IVL_MAX, &reconnect_max, sizeof reconnect_max)
        || zmq_setsockopt (self->dealer, ZMQ_HANDSHAKE_IVL, &handshake, sizeof handshake)) {
        wdm_log_error ("delivery: cannot set up the socket: %s", zmq_strerror (zmq_errno ()));
        return -1;
    }
    s_monitor (self);  //  before connecting: see the first handshake too
    const char *endpoint = self->endpoints [self->endpoint_at];
    if (zmq_connect (self->dealer, endpoint)) {
        wdm_log_error ("delivery: cannot connect to %s: %s", endpoint, zmq_strerror (zmq_errno ()));
        return -1;
    }
    return 0;
}

int
cl_link_next (cl_collector_t *self, const char *why)
{
    if (self->endpoint_count > 1) {
        self->endpoint_at = (self->endpoint_at + 1) % self->endpoint_count;
        wdm_log_warn ("delivery: %s; moving to %s (endpoint %d of %d) and resending there", why,
                      self->endpoints [self->endpoint_at], self->endpoint_at + 1, self->endpoint_count);
        //  Another server, a new connection: not the previous one's state.
        cl_link_state (self, WDM_LOG_INFO, "connecting to the next server");
        //  Told now, not at the next second's write: 'status' reads the
        //  outbox itself, and showed every record answered by the new
        //  server while still naming the old one.
        cl_status_write (self);
    } else
        wdm_log_warn ("delivery: %s; reconnecting and resending", why);
    return cl_connect (self);
}

int
wdm_collector_endpoints (const char *list, char (*out) [WDM_COLLECTOR_ENDPOINT_MAX], char *err,
                         size_t err_size)
{
    int count = 0;
    const char *at = list;
    while (1) {
        const char *end = strchr (at, ',');
        size_t length = end ? (size_t)(end - at) : strlen (at);
        while (length && isspace ((unsigned char)*at))
            at++, length--;
        while (length && isspace ((unsigned char)at [length - 1]))
            length--;
        if (length == 0) {
            snprintf (err, err_size, "endpoint %d of '%s' is empty", count + 1, list);
            return -1;
        }
        if (count == WDM_COLLECTOR_ENDPOINTS) {
            snprintf (err, err_size, "more than %d endpoints in '%s'", WDM_COLLECTOR_ENDPOINTS, list);
            return -1;
        }
        if (length >= WDM_COLLECTOR_ENDPOINT_MAX) {
            snprintf (err, err_size, "endpoint %d is longer than %d bytes", count + 1,
                      WDM_COLLECTOR_ENDPOINT_MAX - 1);
            return -1;
        }
        memcpy (out [count], at, length);
        out [count][length] = '\0';
        if (!strstr (out [count], "://") || strpbrk (out [count], " \t")) {
            snprintf (err, err_size, "'%s' is not an endpoint like tcp://host:7300", out [count]);
            return -1;
        }
        count++;
        if (!end)
            return count;
        at = end + 1;
    }
}
