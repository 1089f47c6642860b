/*  wdm_notice: claim, send and mark the notices that sql/050 queued.

    The delivery guarantee is at least once, chosen on purpose: a notice
    is marked sent in the transaction that claimed it (FOR UPDATE SKIP
    LOCKED), after the channel took it.  If the sender dies, or loses the
    database, between the channel's "taken" and the COMMIT, the row is
    still pending and is sent again on the next round: a duplicate, never
    a loss.  That window is one round trip; a mail carries Message-ID
    <notice-ID@wdmon> so that a mail client folds the two.  Outside that
    window a notice is never sent twice: the claim skips rows another
    sender holds, and a row once sent is no longer pending.  */

#include "wdm_notice.h"

#include "wdm_db.h"
#include "wdm_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The due notice with the oldest try first, locked; skipped if another
//  sender holds it.
#define S_CLAIM_SQL                                                                                          \
    "SELECT n.id, r.channel, r.target, r.name FROM notice n"                                                 \
    "  JOIN notice_recipient r ON r.id = n.recipient_id"                                                     \
    " WHERE n.state = 'pending' AND n.next_try_at <= now () AND r.active"                                    \
    " ORDER BY n.next_try_at, n.id LIMIT 1 FOR UPDATE OF n SKIP LOCKED"

#define S_SENT_SQL                                                                                           \
    "UPDATE notice SET state = 'sent', sent_at = now (), attempts = attempts + 1, last_error = NULL"         \
    " WHERE id = $1"

//  A failed try: counted, the reason kept, the next try after a wait that
//  doubles from retry_base_s up to retry_max_s; failed after max_attempts.
#define S_RETRY_SQL                                                                                              \
    "UPDATE notice SET attempts = attempts + 1, last_error = $2,"                                                \
    "       state = CASE WHEN attempts + 1 >= $5::int THEN 'failed' ELSE 'pending' END,"                         \
    "       next_try_at = now () + make_interval (secs => least ($3::float8 * power (2, attempts), $4::float8))" \
    " WHERE id = $1"

#define S_DIGEST_SQL                                                                                         \
    "SELECT CASE WHEN $2::int >= 0 AND extract (hour FROM now () AT TIME ZONE $1) >= $2::int"                \
    "            THEN notice_digest_queue ((now () AT TIME ZONE $1)::date) ELSE 0 END"

//  Send notice id (its text from notice_text) to its recipient.  0, or -1
//  with why.
static int
s_send (PGconn *conn, const wdm_notice_config_t *config, const char *id, const char *channel,
        const char *target, char *why, size_t why_size)
{
    const char *params [] = { id, config->base_url };
    PGresult *res = wdm_db_query (conn, "SELECT subject, body, fields::text FROM notice_text ($1, $2)", 2,
                                  params, PGRES_TUPLES_OK, why, why_size);
    if (!res)
        return -1;
    int rc = -1;
    if (PQntuples (res) != 1) {
        snprintf (why, why_size, "no text for notice %s", id);
        goto cleanup;
    }
    wdm_notice_text_t text = { atoll (id), PQgetvalue (res, 0, 0), PQgetvalue (res, 0, 1),
                               PQgetvalue (res, 0, 2) };
    if (strcmp (channel, "mail") == 0) {
        if (!*config->smtp.url) {
            snprintf (why, why_size, "没有配置邮件服务器 / no [smtp] url configured");
            goto cleanup;
        }
        rc = wdm_notice_channel_mail (&config->smtp, target, &text, why, why_size);
    } else {
        wdm_notice_hook_t hook;
        rc = wdm_notice_hook_read (target, &hook, why, why_size)
            ? -1
            : wdm_notice_channel_hook (channel, &hook, &text, config->timeout_s, why, why_size);
        memset (&hook, 0, sizeof hook);
    }
cleanup:
    PQclear (res);
    return rc;
}

//  Claim one due notice, send it and mark it, in one transaction.  1 if
//  there was one, 0 if none was due, -1 if the database failed.
static int
s_one (PGconn *conn, const wdm_notice_config_t *config, int *sent, int *retried)
{
    int rc = -1;
    PGresult *claim = NULL, *mark = NULL;
    char why [512] = "";
    if (wdm_db_exec (conn, "BEGIN"))
        return -1;
    claim = wdm_db_query (conn, S_CLAIM_SQL, 0, NULL, PGRES_TUPLES_OK, NULL, 0);
    if (!claim)
        goto cleanup;
    if (PQntuples (claim) == 0) {
        rc = 0;
        goto cleanup;
    }
    const char *id = PQgetvalue (claim, 0, 0), *channel = PQgetvalue (claim, 0, 1);
    const char *target = PQgetvalue (claim, 0, 2), *name = PQgetvalue (claim, 0, 3);
    if (s_send (conn, config, id, channel, target, why, sizeof why) == 0) {
        const char *params [] = { id };
        mark = wdm_db_query (conn, S_SENT_SQL, 1, params, PGRES_COMMAND_OK, NULL, 0);
        if (mark) {
            wdm_log_info ("notice %s sent to %s (%s)", id, name, channel);
            (*sent)++;
        }
    } else {
        char base [32], max [32], attempts [32];
        snprintf (base, sizeof base, "%ld", config->retry_base_s);
        snprintf (max, sizeof max, "%ld", config->retry_max_s);
        snprintf (attempts, sizeof attempts, "%ld", config->max_attempts);
        const char *params [] = { id, why, base, max, attempts };
        mark = wdm_db_query (conn, S_RETRY_SQL, 5, params, PGRES_COMMAND_OK, NULL, 0);
        if (mark) {
            wdm_log_warn ("notice %s to %s (%s) not sent, will retry: %s", id, name, channel, why);
            (*retried)++;
        }
    }
    if (mark)
        rc = 1;
cleanup:
    PQclear (claim);
    PQclear (mark);
    if (wdm_db_exec (conn, rc == 1 ? "COMMIT" : "ROLLBACK") && rc == 1)
        rc = -1;
    return rc;
}

int
wdm_notice_round (PGconn *conn, const wdm_notice_config_t *config, int *sent, int *retried)
{
    char hour [32];
    snprintf (hour, sizeof hour, "%ld", config->digest_hour);
    const char *params [] = { config->timezone, hour };
    PGresult *res = wdm_db_query (conn, S_DIGEST_SQL, 2, params, PGRES_TUPLES_OK, NULL, 0);
    if (!res)
        return -1;
    if (atoi (PQgetvalue (res, 0, 0)) > 0)
        wdm_log_info ("queued %s daily digest(s)", PQgetvalue (res, 0, 0));
    PQclear (res);
    int rc;
    while ((rc = s_one (conn, config, sent, retried)) == 1)
        ;
    return rc;
}
