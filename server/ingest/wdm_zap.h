/*  wdm_zap: the server's ZAP handler (ZeroMQ RFC 27).

    libzmq asks it about every new CURVE connection; it answers from the
    database: a client key is let in only if it is an active key of an
    active member unit, and the unit's code becomes the connection's
    User-Id, which the server reads from every message.  Nothing is cached,
    so a revoked key is refused on its next connection, without a restart.
    If the database cannot be asked, the answer is 300 (try again later).

    A CURVE server with no ZAP handler accepts any client: the server must
    create this before it binds, and must not start if this fails.  */

#ifndef WDM_ZAP_H_INCLUDED
#define WDM_ZAP_H_INCLUDED

typedef struct wdm_zap wdm_zap_t;

//  Start the handler, an actor (wdm_actor) with its own thread, bound to
//  inproc://zeromq.zap.01 in ctx, answering from the database at conninfo.
//  Returns when it is bound.  NULL (logged) if the endpoint cannot be
//  bound — another handler holds it — or the thread cannot start.
wdm_zap_t *wdm_zap_new (void *ctx, const char *conninfo);

//  Stop the handler ("$TERM"), join its thread and free; NULL is accepted.
void wdm_zap_destroy (wdm_zap_t **self_p);

#endif
