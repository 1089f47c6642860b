/*  wdm_notices_query: the one query of the notices — sent, pending
    (attempts, next try, why the last failed) or failed — that `wdmon
    notices` prints and the console's notices page shows, so that the two
    list the same rows.  It names the recipient and its channel, never the
    target a bot's URL and secret are read from, nor anything in it.  */

#ifndef WDM_NOTICES_QUERY_H_INCLUDED
#define WDM_NOTICES_QUERY_H_INCLUDED

#include "wdm_table.h"

//  $1 the office's zone, $2 the state (pending, sent, failed; NULL: all):
//  id, state, kind, recipient, channel, level, indicator, area, year,
//  what (the change told, or the digest's day), attempts, created,
//  next_try (pending only), sent, reason; newest first.
#define WDM_NOTICES_SQL                                                                                      \
    "SELECT n.id, n.state, n.kind, r.name AS recipient, r.channel, coalesce (n.level::text, '') AS level,"   \
    "       coalesce (w.indicator_code, '') AS indicator, coalesce (w.area_code, '') AS area, w.year,"       \
    "       coalesce (n.transition, n.digest_day::text) AS what, n.attempts,"                                \
    "       " WDM_TABLE_LOCAL_TIME (                                                                         \
        "n.created_at",                                                                                      \
        "1") " AS created,"                                                                                  \
             "       CASE WHEN n.state = 'pending' THEN " WDM_TABLE_LOCAL_TIME (                             \
                 "n.next_try_at",                                                                            \
                 "1") " END AS next_try,"                                                                    \
                      "       " WDM_TABLE_LOCAL_TIME (                                                       \
                          "n.sent_at",                                                                       \
                          "1") " AS sent,"                                                                   \
                               "       coalesce (n.last_error, '') AS reason"                                \
                               "  FROM notice n JOIN notice_recipient r ON r.id = n.recipient_id"            \
                               "  LEFT JOIN warning w ON w.id = n.warning_id"                                \
                               " WHERE ($2::text IS NULL OR n.state = $2) ORDER BY n.id DESC"

#endif
