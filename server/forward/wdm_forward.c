/*  wdm_forward: the district's figures taken from forward_queue into the
    forwarder's outbox.  See wdm_forward.h.  Called by the collector's loop
    (client/wdm_collector.c) in its intake's turn, one round at a time; owns
    one PostgreSQL connection to the district database, opened when first
    needed and again after it broke.  */

#include "wdm_forward.h"
#include "wdm_db.h"
#include "wdm_log.h"
#include "wdm_proto.h"
#include "wdm_record.h"

#include <inttypes.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wdm_forward {
    char *conninfo;
    char area [WDM_CODE_MAX];       //  the district's top area in its own database
    char city_area [WDM_CODE_MAX];  //  the district's area at the city
    long limit;
    bool approval;  //  only years in forward_approval go up
    PGconn *conn;
    unsigned long taken;
};

//  The waiting keys, oldest change first, each with the district's figure:
//  a year's total from indicator_value (reported, or rolled up from the
//  towns; a roll-up is final only when every part is), a breakdown from
//  what the district reported.  No figure: the row has nothing to send.
//  With approval ($3), only the years the operator approved go.  A row a
//  store holds is passed over (SKIP LOCKED): the forwarder never waits
//  on ingest, and ingest waits on it only for this short transaction.
static const char *s_take_sql =
    "WITH q AS ("
    "    SELECT ctid AS t, indicator_code, year, period_kind, period_no, body, sex, queued_at"
    "      FROM forward_queue WHERE out_seq IS NULL"
    "       AND (NOT $3::boolean OR year IN (SELECT year FROM forward_approval))"
    "     ORDER BY queued_at, indicator_code, year, period_kind, period_no, body, sex"
    "     LIMIT $2 FOR UPDATE SKIP LOCKED),"
    " v AS (SELECT * FROM indicator_value WHERE area_code = $1)"
    " SELECT q.t::text, q.indicator_code, q.year, q.period_kind::text, q.period_no, q.body, q.sex,"
    "        coalesce (v.value, c.value), coalesce (v.numerator, c.numerator),"
    "        coalesce (v.denominator, c.denominator),"
    "        CASE WHEN v.source = 'rolled_up' THEN"
    "             (SELECT CASE WHEN bool_and (p.status = 'final') THEN 'final'"
    "                          WHEN bool_or (p.status = 'estimated') THEN 'estimated'"
    "                          ELSE 'provisional' END"
    "                FROM observation_current p JOIN area a ON a.code = p.area_code"
    "               WHERE a.parent_code = $1 AND p.indicator_code = q.indicator_code"
    "                 AND p.year = q.year AND p.period_kind = 'year' AND p.body = '' AND p.sex = 'T')"
    "             ELSE coalesce (v.status, c.status::text) END,"
    "        v.parts"
    "   FROM q"
    "   LEFT JOIN v ON q.period_kind = 'year' AND q.body = '' AND q.sex = 'T'"
    "              AND v.indicator_code = q.indicator_code AND v.year = q.year"
    "   LEFT JOIN observation_current c"
    "          ON NOT (q.period_kind = 'year' AND q.body = '' AND q.sex = 'T')"
    "         AND c.indicator_code = q.indicator_code AND c.area_code = $1 AND c.year = q.year"
    "         AND c.period_kind = q.period_kind AND c.period_no = q.period_no"
    "         AND c.body = q.body AND c.sex = q.sex"
    "  ORDER BY q.queued_at, q.indicator_code, q.year, q.period_kind, q.period_no, q.body, q.sex";

wdm_forward_t *
wdm_forward_new (const char *conninfo, const char *area, const char *city_area, long limit, bool approval)
{
    wdm_forward_t *self = calloc (1, sizeof *self);
    if (!self || !(self->conninfo = strdup (conninfo))) {
        free (self);
        return NULL;
    }
    snprintf (self->area, sizeof self->area, "%s", area);
    snprintf (self->city_area, sizeof self->city_area, "%s", city_area);
    self->limit = limit > 0 ? limit : 500;
    self->approval = approval;
    return self;
}

void
wdm_forward_destroy (wdm_forward_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    wdm_forward_t *self = *self_p;
    PQfinish (self->conn);
    free (self->conninfo);
    free (self);
    *self_p = NULL;
}

unsigned long
wdm_forward_taken (const wdm_forward_t *self)
{
    return self->taken;
}

static int s_connect (wdm_forward_t *self);

int
wdm_forward_enabled (wdm_forward_t *self)
{
    if (s_connect (self))
        return -1;
    PGresult *res = wdm_db_query (self->conn, "SELECT forward_enabled ()", 0, NULL, PGRES_TUPLES_OK, NULL, 0);
    int on = res ? strcmp (PQgetvalue (res, 0, 0), "t") == 0 : -1;
    PQclear (res);
    return on;
}

//  Connect if not connected, and find the district's top area once.  0, or
//  -1 logged.
static int
s_connect (wdm_forward_t *self)
{
    if (self->conn && PQstatus (self->conn) == CONNECTION_OK)
        return 0;
    PQfinish (self->conn);
    if (!(self->conn = wdm_db_connect (self->conninfo)))
        return -1;
    if (*self->area && *self->city_area)
        return 0;
    int rc = -1;
    PGresult *res = wdm_db_query (self->conn, "SELECT code FROM area WHERE parent_code IS NULL", 0, NULL,
                                  PGRES_TUPLES_OK, NULL, 0);
    if (!res)
        goto cleanup;
    if (PQntuples (res) != 1) {
        wdm_log_error ("forward: the district database holds %d areas without a parent, not one: "
                       "set [district] area",
                       PQntuples (res));
        goto cleanup;
    }
    if (!*self->area)
        snprintf (self->area, sizeof self->area, "%s", PQgetvalue (res, 0, 0));
    if (!*self->city_area)
        snprintf (self->city_area, sizeof self->city_area, "%s", self->area);
    rc = 0;
cleanup:
    PQclear (res);
    return rc;
}

//  Row i of the take query as a record for the city.  0, or -1 when the
//  database gave something a record cannot hold (logged).
static int
s_record (const wdm_forward_t *self, const PGresult *res, int i, wdm_record_t *record)
{
    wdm_record_init (record);
    snprintf (record->indicator, sizeof record->indicator, "%s", PQgetvalue (res, i, 1));
    snprintf (record->area, sizeof record->area, "%s", self->city_area);
    record->year = atoi (PQgetvalue (res, i, 2));
    const char *kind = PQgetvalue (res, i, 3);
    record->period_kind = strcmp (kind, "quarter") == 0 ? WDM_FREQ_QUARTER
        : strcmp (kind, "month") == 0                   ? WDM_FREQ_MONTH
                                                        : WDM_FREQ_YEAR;
    record->period_no = atoi (PQgetvalue (res, i, 4));
    snprintf (record->body, sizeof record->body, "%s", PQgetvalue (res, i, 5));
    record->sex = PQgetvalue (res, i, 6) [0];
    record->value = strtod (PQgetvalue (res, i, 7), NULL);
    if ((record->has_numerator = !PQgetisnull (res, i, 8)))
        record->numerator = strtod (PQgetvalue (res, i, 8), NULL);
    if ((record->has_denominator = !PQgetisnull (res, i, 9)))
        record->denominator = strtod (PQgetvalue (res, i, 9), NULL);
    if (wdm_record_status_parse (PQgetvalue (res, i, 10), &record->status)) {
        wdm_log_error ("forward: %s %d: status '%s' unknown", record->indicator, record->year,
                       PQgetvalue (res, i, 10));
        return -1;
    }
    if (!PQgetisnull (res, i, 11))
        snprintf (record->note, sizeof record->note,
                  "区汇总（%s个镇街）/ district total of %s towns and streets", PQgetvalue (res, i, 11),
                  PQgetvalue (res, i, 11));
    return 0;
}

//  Append the figures of res (the rows with one) to the outbox, each at
//  the seq planned for it, and sync.  0, or -1 logged with nothing of them
//  kept in the outbox.
static int
s_append (wdm_forward_t *self, wdm_outbox_t *outbox, const PGresult *res, uint64_t first_seq)
{
    int rc = -1;
    msgpack_sbuffer payload;
    msgpack_sbuffer_init (&payload);
    uint64_t planned = first_seq;
    for (int i = 0; i < PQntuples (res); i++) {
        if (PQgetisnull (res, i, 7))
            continue;
        wdm_record_t record;
        uint64_t seq = 0;
        payload.size = 0;
        if (s_record (self, res, i, &record) || wdm_proto_record_encode (&record, &payload))
            goto cleanup;
        if (wdm_outbox_append (outbox, payload.data, payload.size, &seq)) {
            wdm_log_error ("forward: outbox: %s", wdm_outbox_error (outbox));
            goto cleanup;
        }
        if (seq != planned) {
            wdm_log_error ("forward: outbox gave seq %" PRIu64 " where %" PRIu64 " was planned", seq,
                           planned);
            goto cleanup;
        }
        planned++;
    }
    if (wdm_outbox_sync (outbox)) {
        wdm_log_error ("forward: outbox: %s", wdm_outbox_error (outbox));
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (rc)
        wdm_outbox_rollback (outbox);
    msgpack_sbuffer_destroy (&payload);
    return rc;
}

//  A tid[] literal of the rows of res with (want_figure) or without a figure.
static int
s_tids (const PGresult *res, bool want_figure, wdm_buf_t *out)
{
    if (wdm_buf_add (out, "{", 1))
        return -1;
    int n = 0;
    for (int i = 0; i < PQntuples (res); i++)
        if (PQgetisnull (res, i, 7) != want_figure
            && wdm_buf_printf (out, "%s\"%s\"", n++ ? "," : "", PQgetvalue (res, i, 0)))
            return -1;
    return wdm_buf_add (out, "}", 1);
}

//  Settle the last round: the rows whose seq the outbox has synced are on
//  their way and go; a seq it never reached (a crash between the two
//  stores, a failed sync) is taken again.  Each statement on its own, never
//  holding one row while waiting for another in an order a store does not
//  take them in (the trigger locks rows in key order): no deadlock with
//  ingest.  A row a store holds is passed over here: the store resets it,
//  or the next round settles it.  0, or -1 logged.
static int
s_settle (wdm_forward_t *self, const char *epoch, const char *next)
{
    const char *params [] = { epoch, next };
    PGresult *res = wdm_db_query (self->conn,
                                  "DELETE FROM forward_queue WHERE ctid IN ("
                                  "  SELECT ctid FROM forward_queue WHERE out_epoch = $1 AND out_seq < $2"
                                  "     FOR UPDATE SKIP LOCKED)",
                                  2, params, PGRES_COMMAND_OK, NULL, 0);
    if (!res)
        return -1;
    PQclear (res);
    res = wdm_db_query (self->conn,
                        "UPDATE forward_queue SET out_epoch = NULL, out_seq = NULL WHERE ctid IN ("
                        "  SELECT ctid FROM forward_queue"
                        "   WHERE out_seq IS NOT NULL AND NOT (out_epoch = $1 AND out_seq < $2)"
                        "   ORDER BY indicator_code, year, period_kind, period_no, body, sex FOR UPDATE)",
                        2, params, PGRES_COMMAND_OK, NULL, 0);
    int rc = res ? 0 : -1;
    PQclear (res);
    return rc;
}

int
wdm_forward_intake (wdm_outbox_t *outbox, void *arg)
{
    wdm_forward_t *self = (wdm_forward_t *)arg;
    int rc = -1;
    bool in_tx = false;
    PGresult *res = NULL, *done = NULL;
    wdm_buf_t with = { 0 }, without = { 0 };
    if (s_connect (self))
        return -1;

    wdm_outbox_stats_t stats;
    wdm_outbox_stats (outbox, &stats);
    char epoch [24], next [24], limit [24];
    snprintf (epoch, sizeof epoch, "%" PRIu64, stats.epoch);
    snprintf (next, sizeof next, "%" PRIu64, stats.next_seq);
    snprintf (limit, sizeof limit, "%ld", self->limit);
    if (s_settle (self, epoch, next) || wdm_db_exec (self->conn, "BEGIN"))
        goto cleanup;
    in_tx = true;
    const char *take [] = { self->area, limit, self->approval ? "true" : "false" };
    if (!(res = wdm_db_query (self->conn, s_take_sql, 3, take, PGRES_TUPLES_OK, NULL, 0)))
        goto cleanup;
    //  Mark each row with the seq it gets, in order; a row with nothing to
    //  send goes.
    if (s_tids (res, true, &with) || s_tids (res, false, &without))
        goto cleanup;
    const char *mark [] = { epoch, next, (const char *)with.data };
    if (!(done = wdm_db_query (self->conn,
                               "UPDATE forward_queue q SET out_epoch = $1, out_seq = $2::bigint + u.n - 1"
                               "  FROM unnest ($3::tid[]) WITH ORDINALITY AS u (t, n) WHERE q.ctid = u.t",
                               3, mark, PGRES_COMMAND_OK, NULL, 0)))
        goto cleanup;
    PQclear (done);
    const char *drop [] = { (const char *)without.data };
    if (!(done = wdm_db_query (self->conn, "DELETE FROM forward_queue WHERE ctid = ANY ($1::tid[])", 1, drop,
                               PGRES_COMMAND_OK, NULL, 0)))
        goto cleanup;
    if (wdm_db_exec (self->conn, "COMMIT"))
        goto cleanup;
    in_tx = false;
    if (s_append (self, outbox, res, stats.next_seq))
        goto cleanup;
    wdm_outbox_stats_t after;
    wdm_outbox_stats (outbox, &after);
    self->taken += after.next_seq - stats.next_seq;
    if (after.next_seq > stats.next_seq)
        wdm_log_info ("forward: %" PRIu64 " figures of %s queued for the city as %s",
                      after.next_seq - stats.next_seq, self->area, self->city_area);
    rc = PQntuples (res) > 0 ? 1 : 0;
cleanup:
    if (in_tx)
        wdm_db_exec (self->conn, "ROLLBACK");
    PQclear (res);
    PQclear (done);
    wdm_buf_free (&with);
    wdm_buf_free (&without);
    return rc;
}
