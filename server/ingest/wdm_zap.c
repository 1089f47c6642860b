/*  wdm_zap: the ZAP handler, an actor (wdm_actor).  Its thread owns its
    REP socket, bound to the ZAP endpoint, and its own database connection;
    the owner gives it the context and the conninfo, which it only reads,
    and talks to it only to stop it ("$TERM").  */

#include "wdm_zap.h"
#include "wdm_actor.h"
#include "wdm_db.h"
#include "wdm_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"

//  What the thread is given: read only, for as long as it runs.
typedef struct {
    void *ctx;
    char *conninfo;
} s_zap_args_t;

struct wdm_zap {
    s_zap_args_t args;
    wdm_actor_t *actor;
};

//  The thread's own state.
typedef struct {
    void *handler;              //  REP, bound to the ZAP endpoint
    const char *conninfo;
    PGconn *conn;               //  reconnected on failure
} s_handler_t;

//  Ask the database for the unit of an active key.  200 with unit filled,
//  400 unknown or revoked, -1 the query failed (the cause in why).
static int
s_query (PGconn *conn, const char *key, char *unit, size_t unit_size, char *why, size_t why_size)
{
    const char *params [] = { key };
    PGresult *res = PQexecParams (conn,
        "SELECT k.unit_code FROM unit_key k JOIN member_unit u ON u.code = k.unit_code"
        " WHERE k.public_key = $1 AND k.state = 'active' AND u.active",
        1, NULL, params, NULL, NULL, 0);
    int status = -1;
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        const char *message = res ? PQresultErrorMessage (res) : PQerrorMessage (conn);
        snprintf (why, why_size, "%.*s", (int) strcspn (message, "\n"), message);
    }
    else
    if (PQntuples (res) == 1) {
        snprintf (unit, unit_size, "%s", PQgetvalue (res, 0, 0));
        status = 200;
    }
    else
        status = 400;
    PQclear (res);
    return status;
}

//  Look a Z85 client key up.  200 with unit filled, 400 unknown or revoked,
//  300 the database could not be asked.  A connection that fails its
//  query is dropped and made again at once, and the key asked once more:
//  after PostgreSQL restarts, the old connection still says CONNECTION_OK
//  until it is used (and libpq may need two failed queries to say
//  otherwise), and each 300 costs the collector a handshake timeout (5 s)
//  before it reconnects.
static int
s_lookup (s_handler_t *self, const char *key, char *unit, size_t unit_size)
{
    char why [256] = "";
    int status = -1;
    for (int attempt = 0; attempt < 2 && status < 0; attempt++) {
        if (!self->conn || PQstatus (self->conn) != CONNECTION_OK || attempt > 0) {
            PQfinish (self->conn);
            self->conn = wdm_db_connect (self->conninfo);
            if (!self->conn)
                return 300;
            if (attempt > 0)
                wdm_log_info ("zap: reconnected to the database");
        }
        status = s_query (self->conn, key, unit, unit_size, why, sizeof why);
        if (status < 0)
            wdm_log_warn ("zap: key lookup failed%s: %s", attempt ? " again" : "; reconnecting", why);
    }
    return status < 0 ? 300 : status;
}

//  Receive one ZAP request (up to 7 frames; more are drained) and answer.
static void
s_handle (s_handler_t *self)
{
    zmq_msg_t frames [7];
    int count = 0, more = 1;
    while (more) {
        zmq_msg_t frame;
        zmq_msg_init (&frame);
        if (zmq_msg_recv (&frame, self->handler, 0) < 0) {
            zmq_msg_close (&frame);
            break;
        }
        more = zmq_msg_more (&frame);
        if (count < 7)
            frames [count++] = frame;
        else
            zmq_msg_close (&frame);
    }
    //  version, request id, domain, address, identity, mechanism, key
    const char *status_code = "400", *status_text = "unknown key";
    char unit [64] = "", key [41] = "", address [64] = "";
    if (count >= 6) {
        size_t len = zmq_msg_size (&frames [3]);
        snprintf (address, sizeof address, "%.*s", (int) (len < 63 ? len : 63),
                  (const char *) zmq_msg_data (&frames [3]));
    }
    if (count == 7 && zmq_msg_size (&frames [5]) == 5
    &&  memcmp (zmq_msg_data (&frames [5]), "CURVE", 5) == 0
    &&  zmq_msg_size (&frames [6]) == 32) {
        zmq_z85_encode (key, (const uint8_t *) zmq_msg_data (&frames [6]), 32);
        int status = s_lookup (self, key, unit, sizeof unit);
        if (status == 200) {
            status_code = "200";
            status_text = "OK";
            wdm_log_info ("zap: %s connected from %s", unit, address);
        }
        else
        if (status == 300) {
            status_code = "300";
            status_text = "database unavailable";
            wdm_log_warn ("zap: cannot check key %s from %s: database unavailable", key, address);
        }
        else
            wdm_log_warn ("zap: refused unknown or revoked key %s from %s", key, address);
    }
    else {
        status_text = "CURVE required";
        wdm_log_warn ("zap: refused a connection from %s that is not CURVE", address);
    }
    //  version, request id, status code, status text, user id, metadata
    if (count >= 2) {
        zmq_send (self->handler, "1.0", 3, ZMQ_SNDMORE);
        zmq_send (self->handler, zmq_msg_data (&frames [1]), zmq_msg_size (&frames [1]), ZMQ_SNDMORE);
        zmq_send (self->handler, status_code, 3, ZMQ_SNDMORE);
        zmq_send (self->handler, status_text, strlen (status_text), ZMQ_SNDMORE);
        zmq_send (self->handler, unit, strlen (unit), ZMQ_SNDMORE);
        //  Metadata: the key itself ("Key", as ZMTP properties encode it),
        //  so that the server can check it is still active for every
        //  group it stores, not only when the connection is made.
        uint8_t metadata [1 + 3 + 4 + 40];
        size_t metadata_size = 0;
        if (status_code [0] == '2') {
            metadata [0] = 3;
            memcpy (metadata + 1, "Key", 3);
            metadata [4] = metadata [5] = metadata [6] = 0;
            metadata [7] = 40;
            memcpy (metadata + 8, key, 40);
            metadata_size = sizeof metadata;
        }
        zmq_send (self->handler, metadata, metadata_size, 0);
    }
    for (int i = 0; i < count; i++)
        zmq_msg_close (&frames [i]);
}

//  The actor: bind the ZAP endpoint (signal -1 if it cannot), then answer
//  requests until "$TERM".
static void
s_actor (void *pipe, void *args)
{
    const s_zap_args_t *zap = (const s_zap_args_t *) args;
    s_handler_t self = { .conninfo = zap->conninfo };
    int linger = 0;
    self.handler = zmq_socket (zap->ctx, ZMQ_REP);
    if (!self.handler
    ||  zmq_setsockopt (self.handler, ZMQ_LINGER, &linger, sizeof linger)
    ||  zmq_bind (self.handler, S_ZAP_ENDPOINT)) {
        wdm_log_error ("zap: cannot bind %s: %s", S_ZAP_ENDPOINT, zmq_strerror (zmq_errno ()));
        wdm_actor_signal (pipe, -1);
        goto cleanup;
    }
    wdm_actor_signal (pipe, 0);
    zmq_pollitem_t items [] = {
        { self.handler, 0, ZMQ_POLLIN, 0 },
        { pipe, 0, ZMQ_POLLIN, 0 },
    };
    while (1) {
        if (zmq_poll (items, 2, -1) < 0) {
            if (zmq_errno () == EINTR)
                continue;           //  a signal for the main thread
            wdm_log_error ("zap: poll: %s", zmq_strerror (zmq_errno ()));
            break;
        }
        if (items [1].revents & ZMQ_POLLIN) {
            char command [8];
            int size = zmq_recv (pipe, command, sizeof command, 0);
            if (size == 5 && memcmp (command, "$TERM", 5) == 0)
                break;
        }
        if (items [0].revents & ZMQ_POLLIN)
            s_handle (&self);
    }
cleanup:
    if (self.handler)
        zmq_close (self.handler);
    PQfinish (self.conn);
}

wdm_zap_t *
wdm_zap_new (void *ctx, const char *conninfo)
{
    wdm_zap_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->args.ctx = ctx;
    self->args.conninfo = strdup (conninfo ? conninfo : "");
    if (self->args.conninfo)
        self->actor = wdm_actor_new (ctx, s_actor, &self->args);
    if (!self->actor) {
        wdm_log_error ("zap: cannot start the handler");
        free (self->args.conninfo);
        free (self);
        return NULL;
    }
    return self;
}

void
wdm_zap_destroy (wdm_zap_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    wdm_zap_t *self = *self_p;
    wdm_actor_destroy (&self->actor);
    free (self->args.conninfo);
    free (self);
    *self_p = NULL;
}
