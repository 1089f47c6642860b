/*  wdm_auth: who may write what.  A member unit may report an indicator
    only if the responsibility table assigns it, and only for its own area
    or an area below it.  Loaded from the database as a snapshot; the
    server reloads it periodically, so assignments made by the operator
    take effect without a restart.  */

#ifndef WDM_AUTH_H_INCLUDED
#define WDM_AUTH_H_INCLUDED

#include <libpq-fe.h>

typedef struct wdm_auth wdm_auth_t;

//  Load a snapshot.  NULL with the cause logged.
wdm_auth_t *wdm_auth_load (PGconn *conn);

void wdm_auth_destroy (wdm_auth_t **self_p);

//  0 if unit may write indicator for area.  Otherwise the reason code,
//  with a message in Chinese and English naming what is wrong and *field
//  set: WDM_PROTO_UNKNOWN_AREA (field "area") if no area has that code —
//  a misspelling, not a lack of rights — else WDM_PROTO_NOT_AUTHORISED
//  (field "indicator" or "area").
int wdm_auth_check (const wdm_auth_t *self, const char *unit, const char *indicator, const char *area,
                    const char **field, char *message, size_t message_size);

#endif
