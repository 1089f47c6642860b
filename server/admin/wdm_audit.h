/*  wdm_audit: the console's audit trail (console_audit, sql/025) — one
    line a change to an account or a warning, or a refusal, with who made
    it and from where.  The web console writes it as the logged-in user
    from the client's address, `wdmon user` as cli:<the OS user> from
    'local'; both write it here.  */

#ifndef WDM_AUDIT_H_INCLUDED
#define WDM_AUDIT_H_INCLUDED

#include <libpq-fe.h>

//  Write one line of console_audit: login did action to object (with
//  detail) from address.  object and detail NULL: empty.  0, or -1 if the
//  database refused it (logged by wdm_db_query).
int wdm_audit_write (PGconn *conn, const char *login, const char *address, const char *action,
                     const char *object, const char *detail);

#endif
