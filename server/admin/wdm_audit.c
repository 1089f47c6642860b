/*  wdm_audit: one line of console_audit.  See wdm_audit.h.  */

#include "wdm_audit.h"
#include "wdm_db.h"

int
wdm_audit_write (PGconn *conn, const char *login, const char *address, const char *action, const char *object,
                 const char *detail)
{
    const char *params [] = { login, address, action, object ? object : "", detail ? detail : "" };
    PGresult *res = wdm_db_query (conn,
                                  "INSERT INTO console_audit (login, address, action, object, detail)"
                                  " VALUES ($1, $2, $3, $4, $5)",
                                  5, params, PGRES_COMMAND_OK, NULL, 0);
    PQclear (res);
    return res ? 0 : -1;
}
