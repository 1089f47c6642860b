/*  wdm_warn_operator: what the operator does with one warning through
    `wdmon warnings`: show it with its whole history, and acknowledge it
    with a note.  Contracts in wdm_warn.h.  */

#include "wdm_warn_int.h"
#include "wdm_db.h"
#include "wdm_table.h"

#include <stdio.h>
#include <string.h>

int
wdm_warn_show (PGconn *conn, long long id, const char *zone, FILE *out)
{
    char id_text [24];
    snprintf (id_text, sizeof id_text, "%lld", id);
    const char *params [] = { id_text, zone };
    PGresult *res = wdm_db_query (
        conn,
        "SELECT w.id, w.level, w.state, w.rule_code, r.name_zh, r.name_en, w.indicator_code,"
        "       i.name_zh, w.area_code, a.name_zh, w.year, coalesce (w.body, ''),"
        "       coalesce (w.unit_code, ''), w.message_zh, w.message_en, coalesce (w.details::text, ''),"
        "       coalesce (w.acknowledged_by, ''), coalesce (w.ack_note, ''), w.reopen_count, w.plan_code,"
        "       p.title_zh"
        "  FROM warning w JOIN rule r ON r.code = w.rule_code"
        "  JOIN indicator i ON i.code = w.indicator_code JOIN area a ON a.code = w.area_code"
        "  JOIN plan p ON p.code = w.plan_code"
        " WHERE w.id = $1::bigint",
        1, params, PGRES_TUPLES_OK, NULL, 0);
    if (!res)
        return -1;
    if (PQntuples (res) != 1) {
        PQclear (res);
        return 1;
    }
    fprintf (out, "warning %s: %s, %s\n", PQgetvalue (res, 0, 0), PQgetvalue (res, 0, 1),
             PQgetvalue (res, 0, 2));
    fprintf (out, "  rule       %s %s / %s\n", PQgetvalue (res, 0, 3), PQgetvalue (res, 0, 4),
             PQgetvalue (res, 0, 5));
    fprintf (out, "  plan       %s %s\n", PQgetvalue (res, 0, 19), PQgetvalue (res, 0, 20));
    fprintf (out, "  indicator  %s %s\n", PQgetvalue (res, 0, 6), PQgetvalue (res, 0, 7));
    fprintf (out, "  area       %s %s, year %s%s%s%s%s\n", PQgetvalue (res, 0, 8), PQgetvalue (res, 0, 9),
             PQgetvalue (res, 0, 10), *PQgetvalue (res, 0, 11) ? ", body " : "", PQgetvalue (res, 0, 11),
             *PQgetvalue (res, 0, 12) ? ", unit " : "", PQgetvalue (res, 0, 12));
    fprintf (out, "  message    %s\n             %s\n", PQgetvalue (res, 0, 13), PQgetvalue (res, 0, 14));
    fprintf (out, "  figures    %s\n", PQgetvalue (res, 0, 15));
    if (*PQgetvalue (res, 0, 16))
        fprintf (out, "  acknowledged by %s: %s\n", PQgetvalue (res, 0, 16), PQgetvalue (res, 0, 17));
    PQclear (res);
    res = wdm_db_query (conn,
                        "SELECT " WDM_TABLE_LOCAL_TIME (
                            "at", "2") ", transition, level,"
                                       "       coalesce (actor, ''), coalesce (note, ''), message_zh"
                                       "  FROM warning_event WHERE warning_id = $1::bigint ORDER BY at, id",
                        2, params, PGRES_TUPLES_OK, NULL, 0);
    if (!res)
        return -1;
    fprintf (out, "  history (%s):\n", zone);
    for (int row = 0; row < PQntuples (res); row++)
        fprintf (out, "    %s  %-11s  %-6s  %s%s%s%s\n", PQgetvalue (res, row, 0), PQgetvalue (res, row, 1),
                 PQgetvalue (res, row, 2), *PQgetvalue (res, row, 3) ? PQgetvalue (res, row, 3) : "",
                 *PQgetvalue (res, row, 3) ? ": " : "",
                 *PQgetvalue (res, row, 4) ? PQgetvalue (res, row, 4) : PQgetvalue (res, row, 5), "");
    PQclear (res);
    return 0;
}

int
wdm_warn_acknowledge (PGconn *conn, const long long *ids, int count, const char *by, const char *note,
                      wdm_warn_ack_t *results)
{
    int rc = -1;
    bool missing = false;
    PGresult *res = NULL;
    if (wdm_db_exec (conn, "BEGIN"))
        return -1;
    for (int i = 0; i < count; i++) {
        char id_text [24];
        snprintf (id_text, sizeof id_text, "%lld", ids [i]);
        const char *params [] = { id_text, by, note };
        res = wdm_db_query (conn, "SELECT warning_note ($1::bigint, $2, $3)", 3, params, PGRES_TUPLES_OK,
                            NULL, 0);
        if (!res)
            goto cleanup;
        const char *done = PQgetvalue (res, 0, 0);
        results [i] = strcmp (done, "acknowledged") == 0 ? WDM_WARN_ACKNOWLEDGED
            : strcmp (done, "noted") == 0                ? WDM_WARN_NOTED
            : strcmp (done, "resolved") == 0             ? WDM_WARN_RESOLVED
                                                         : WDM_WARN_MISSING;
        missing |= results [i] == WDM_WARN_MISSING;
        PQclear (res);
        res = NULL;
    }
    //  A number that names no warning is a typo: nothing is changed.
    if (wdm_db_exec (conn, missing ? "ROLLBACK" : "COMMIT") == 0)
        rc = 0;
cleanup:
    PQclear (res);
    if (rc && PQtransactionStatus (conn) != PQTRANS_IDLE)
        PQclear (PQexec (conn, "ROLLBACK"));
    return rc;
}
