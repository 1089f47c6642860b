/*  wdm_resp: the operator's work on responsibilities — which member unit
    reports which indicator, as its lead (chased for missing reports) or as
    a contributor (may report, is not chased).  `wdmon responsibility`
    calls it.  Every change is one transaction; every active indicator
    keeps a lead unless the operator forces it.  The server's grants follow
    within its reload_seconds.  */

#ifndef WDM_RESP_H_INCLUDED
#define WDM_RESP_H_INCLUDED

#include "wdm_check.h"
#include "wdm_table.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

//  Each call comes to what a check of the operator's values does
//  (wdm_check_result_t): OK, done; REFUSED because of what the operator
//  asked (an unknown code, a pair that does not exist, the last lead); or
//  FAILED in the database.

//  Print the responsibilities, of one indicator and/or one unit (NULL:
//  all): indicator, its name, unit, its name, role (lead or contributes),
//  the area the unit answers for and its name.  REFUSED with message if a
//  filter names an unknown code, FAILED with message if the database
//  failed.
wdm_check_result_t wdm_resp_list (PGconn *conn, const char *indicator, const char *unit,
                                  wdm_table_format_t format, FILE *out, char *message, size_t message_size);

//  Make unit the indicator's lead (lead true) or a contributor, creating
//  the pair or changing its role.  Turning an active indicator's last lead
//  into a contributor is refused unless force.  message says what was done
//  (created, changed from, already so) or why not; unknown codes are named
//  with the nearest valid ones.
wdm_check_result_t wdm_resp_assign (PGconn *conn, const char *indicator, const char *unit, bool lead,
                                    bool force, char *message, size_t message_size);

//  Remove the pair.  Refused if it does not exist, or if it is an active
//  indicator's last lead and not force.  message as for assign.
wdm_check_result_t wdm_resp_drop (PGconn *conn, const char *indicator, const char *unit, bool force,
                                  char *message, size_t message_size);

#endif
