/*  wdm_collector_link: the collector's connection to the centre, a CURVE
    DEALER socket, and what its monitor says about it.  wdm_collector_run
    connects at start and polls the monitor; delivery reconnects after a
    timeout and reports a key revoked while connected.  Owns the dealer
    and monitor sockets (closed by wdm_collector_run at the end).  */

#include "wdm_collector_int.h"
#include "wdm_log.h"
#include "wdm_monitor.h"
#include "wdm_proto.h"

#include <stdio.h>
#include <string.h>
#include <zmq.h>

#define S_HANDSHAKE_MS 5000             //  a CURVE handshake not done by then is dropped

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
                          | ZMQ_EVENT_DISCONNECTED) == 0) {
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
        return;                         //  said once per change
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
        else
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
            snprintf (state, sizeof state, "the centre refused this unit's key (ZAP %u): %s", value,
                      value == 300 ? "its database is unavailable; retrying"
                                   : "the key is unknown or revoked; ask the centre for a new bundle");
            cl_link_state (self, WDM_LOG_ERROR, state);
        }
        else
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL || event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
            cl_link_state (self, WDM_LOG_ERROR, "the CURVE handshake with the centre failed "
                          "(its database may be unavailable, or server.pub is not the centre's "
                          "public key); retrying");
        else
        if (event == ZMQ_EVENT_DISCONNECTED && strcmp (self->link_state, "connected to the centre") == 0)
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
    if (!self->dealer
    ||  zmq_setsockopt (self->dealer, ZMQ_LINGER, &linger, sizeof linger)
    ||  zmq_setsockopt (self->dealer, ZMQ_CURVE_SERVERKEY, self->server_key, 40)
    ||  zmq_setsockopt (self->dealer, ZMQ_CURVE_PUBLICKEY, self->public_key, 40)
    ||  zmq_setsockopt (self->dealer, ZMQ_CURVE_SECRETKEY, self->secret_key, 40)
    ||  zmq_setsockopt (self->dealer, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size)
    ||  zmq_setsockopt (self->dealer, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl)
    ||  zmq_setsockopt (self->dealer, ZMQ_HEARTBEAT_TIMEOUT, &timeout, sizeof timeout)
    ||  zmq_setsockopt (self->dealer, ZMQ_RECONNECT_IVL, &reconnect, sizeof reconnect)
    ||  zmq_setsockopt (self->dealer, ZMQ_RECONNECT_IVL_MAX, &reconnect_max, sizeof reconnect_max)
    ||  zmq_setsockopt (self->dealer, ZMQ_HANDSHAKE_IVL, &handshake, sizeof handshake)) {
        wdm_log_error ("delivery: cannot set up the socket: %s", zmq_strerror (zmq_errno ()));
        return -1;
    }
    s_monitor (self);                   //  before connecting: see the first handshake too
    if (zmq_connect (self->dealer, self->config->endpoint)) {
        wdm_log_error ("delivery: cannot connect to %s: %s", self->config->endpoint,
                       zmq_strerror (zmq_errno ()));
        return -1;
    }
    return 0;
}
