/*  wdm_store: one transaction per group of batches.  See wdm_store.h.  */

#include "wdm_store.h"
#include "wdm_clock.h"
#include "wdm_db.h"
#include "wdm_log.h"
#include "wdm_utf8.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_BACKOFF_MIN_MS 100
#define S_BACKOFF_MAX_MS 10000
#define S_COLUMNS        4  //  of a group's batch rows: wdm_batches, wdm_batches_done

//  The phases of a group's transaction, timed for the debug log.
enum { S_KEYS, S_ROWS, S_TEXT, S_COPY, S_INSERT, S_COUNTS, S_COMMIT, S_PHASES };

struct wdm_store {
    char *conninfo;
    PGconn *conn;
    int64_t next_attempt_ms;  //  when to try connecting again
    int backoff_ms;
    wdm_buf_t copy;                 //  COPY text of a group, reused
    wdm_buf_t keys;                 //  the senders' keys of a group, as an array
    wdm_buf_t ids;                  //  the batches' ids of a group, as an array
    wdm_buf_t columns [S_COLUMNS];  //  a group's batch rows, a column an array
    int64_t phase_us [S_PHASES];    //  the last group's time in each S_PHASE
    char error_state [6];           //  SQLSTATE of the statement that last failed
    char error [200];               //  its message, first line
};

static const char *s_stage_sql =
    "CREATE TEMP TABLE IF NOT EXISTS wdm_stage ("
    "  batch int, indicator_code text, area_code text, year int,"
    "  period_kind wdmon.frequency, period_no smallint, body text, sex char(1),"
    "  value float8, numerator float8, denominator float8, status wdmon.obs_status, note text,"
    "  unit_code text, rec_epoch bigint, rec_seq bigint) ON COMMIT DELETE ROWS";

//  Store what is new among the staged records, in one pass over them.
//  A staged record names its batch by its place in the group (1, 2, ...);
//  $1 holds the batches' ids in that order, NULL for a batch refused
//  after its text was written (its key revoked): its records are left out.
//  A record whose key is already stored is a duplicate (it is not in
//  "fresh"); of a key staged twice, one record is kept.  A record whose
//  value, numerator, denominator, status, note and unit are those of its
//  series' latest revision — the one stored, or the one staged just before
//  it — is not a correction: it is acknowledged (as a duplicate) without
//  becoming a revision.  The others take the next revisions of their
//  series (indicator, area, period, body, sex) in the order they were
//  sent: rn counts them within the series.  Returns per batch the count
//  stored ('s') and the count unchanged ('u').
//
//  What keeps it cheap (measured on a group of 8192 records; see
//  docs/PERFORMANCE.md):
//  - fresh's duplicates are found on (seq, epoch, unit): sorted on the unit
//    first, most comparisons compared the unit's text, 17 ms against 6;
//  - rn is counted over the rows in the order the lag was taken in, so
//    the rows are sorted once, not twice;
//  - one probe of a series index gives both the latest stored value and
//    its revision;
//  - no ON CONFLICT: fresh has left out every key stored or staged twice,
//    and the store is the only writer of observation.  The arbiter's probe
//    and the confirmation it writes cost a probe and a WAL record a row;
//    a key stored meanwhile all the same breaks the unique constraint
//    (23505), and the group is stored batch by batch, where fresh sees it.
static const char *s_insert_sql =
    "WITH fresh AS ("
    "  SELECT DISTINCT ON (s.rec_seq, s.rec_epoch, s.unit_code) s.*, ($1::bigint []) [s.batch] AS batch_id"
    "    FROM wdm_stage s"
    "   WHERE ($1::bigint []) [s.batch] IS NOT NULL AND NOT EXISTS (SELECT 1 FROM observation o WHERE o.unit_code = s.unit_code"
    "                        AND o.rec_epoch = s.rec_epoch AND o.rec_seq = s.rec_seq)"
    "   ORDER BY s.rec_seq, s.rec_epoch, s.unit_code"
    "), judged AS ("
    "  SELECT j.*, count (*) FILTER (WHERE NOT j.unchanged) OVER series AS rn"
    "    FROM (SELECT f.*, l.revision AS last_revision,"
    "                 ROW (f.value, f.numerator, f.denominator, f.status, nullif (f.note, ''), f.unit_code)"
    "                   IS NOT DISTINCT FROM coalesce (lag (ROW (f.value, f.numerator, f.denominator, f.status,"
    "                                                             nullif (f.note, ''), f.unit_code)) OVER series,"
    "                                                  l.latest) AS unchanged"
    "            FROM fresh f"
    "            LEFT JOIN LATERAL (SELECT o.revision,"
    "                                      ROW (o.value, o.numerator, o.denominator, o.status, o.note, o.unit_code)"
    "                                        AS latest"
    "                                 FROM observation o"
    "                                WHERE o.indicator_code = f.indicator_code AND o.area_code = f.area_code"
    "                                  AND o.year = f.year AND o.period_kind = f.period_kind"
    "                                  AND o.period_no = f.period_no AND o.body = f.body AND o.sex = f.sex"
    "                                ORDER BY o.revision DESC LIMIT 1) l ON true"
    "          WINDOW series AS (PARTITION BY f.indicator_code, f.area_code, f.year, f.period_kind,"
    "                            f.period_no, f.body, f.sex ORDER BY f.unit_code, f.rec_epoch, f.rec_seq)) j"
    "  WINDOW series AS (PARTITION BY j.indicator_code, j.area_code, j.year, j.period_kind,"
    "                    j.period_no, j.body, j.sex ORDER BY j.unit_code, j.rec_epoch, j.rec_seq)"
    "), ins AS ("
    "  INSERT INTO observation (indicator_code, area_code, year, period_kind, period_no,"
    "         body, sex, revision, value, numerator, denominator, status, note,"
    "         unit_code, rec_epoch, rec_seq, batch_id)"
    "  SELECT n.indicator_code, n.area_code, n.year, n.period_kind, n.period_no,"
    "         n.body, n.sex, n.rn + coalesce (n.last_revision, 0),"
    "         n.value, n.numerator, n.denominator, n.status, nullif (n.note, ''),"
    "         n.unit_code, n.rec_epoch, n.rec_seq, n.batch_id"
    "    FROM judged n"
    "   WHERE NOT n.unchanged"
    "  RETURNING batch_id"
    ") SELECT batch_id, count (*), 's' FROM ins GROUP BY batch_id"
    "  UNION ALL"
    "  SELECT batch_id, count (*), 'u' FROM judged WHERE unchanged GROUP BY batch_id";

wdm_store_t *
wdm_store_new (const char *conninfo)
{
    wdm_store_t *self = calloc (1, sizeof *self);
    if (self) {
        self->conninfo = strdup (conninfo ? conninfo : "");
        self->backoff_ms = S_BACKOFF_MIN_MS;
        if (!self->conninfo) {
            free (self);
            self = NULL;
        }
    }
    return self;
}

void
wdm_store_destroy (wdm_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    PQfinish ((*self_p)->conn);
    free ((*self_p)->conninfo);
    wdm_buf_free (&(*self_p)->copy);
    wdm_buf_free (&(*self_p)->keys);
    wdm_buf_free (&(*self_p)->ids);
    for (int i = 0; i < S_COLUMNS; i++)
        wdm_buf_free (&(*self_p)->columns [i]);
    free (*self_p);
    *self_p = NULL;
}

static void
s_disconnect (wdm_store_t *self)
{
    PQfinish (self->conn);
    self->conn = NULL;
    self->next_attempt_ms = wdm_clock_ms () + self->backoff_ms;
    self->backoff_ms = self->backoff_ms * 2 > S_BACKOFF_MAX_MS ? S_BACKOFF_MAX_MS : self->backoff_ms * 2;
}

static int
s_prepare (PGconn *conn, const char *name, const char *sql)
{
    PGresult *res = PQprepare (conn, name, sql, 0, NULL);
    int rc = PQresultStatus (res) == PGRES_COMMAND_OK ? 0 : -1;
    if (rc)
        wdm_log_error ("store: cannot prepare %s: %s", name, PQresultErrorMessage (res));
    PQclear (res);
    return rc;
}

int
wdm_store_ready (wdm_store_t *self)
{
    if (self->conn && PQstatus (self->conn) == CONNECTION_OK)
        return 1;
    if (self->conn) {
        wdm_log_warn ("store: lost the database connection");
        s_disconnect (self);
    }
    if (wdm_clock_ms () < self->next_attempt_ms)
        return 0;
    self->conn = wdm_db_connect (self->conninfo);
    if (!self->conn || wdm_db_exec (self->conn, s_stage_sql)
        || s_prepare (self->conn, "wdm_keys",
                      "SELECT k.public_key FROM unit_key k JOIN member_unit u ON u.code = k.unit_code"
                      " WHERE k.public_key = ANY ($1::text []) AND k.state = 'active' AND u.active")
        //  A group's batch rows, in one statement each way.  Their ids
        //  are taken from the sequence in the order the rows are
        //  inserted, the batches' order: in ascending order, they are the
        //  batches' ids in turn.
        || s_prepare (
            self->conn, "wdm_batches",
            "WITH b AS (INSERT INTO ingest_batch (unit_code, epoch, batch_no, record_count)"
            "  SELECT u, e, n, c FROM unnest ($1::text [], $2::bigint [], $3::bigint [], $4::int [])"
            "         WITH ORDINALITY AS x (u, e, n, c, k) ORDER BY k RETURNING id)"
            " SELECT id FROM b ORDER BY id")
        || s_prepare (self->conn, "wdm_batches_done",
                      "UPDATE ingest_batch b SET accepted = x.a, duplicates = x.d, rejected = x.r,"
                      " committed_at = clock_timestamp ()"
                      " FROM unnest ($1::bigint [], $2::int [], $3::int [], $4::int []) AS x (id, a, d, r)"
                      " WHERE b.id = x.id")
        || s_prepare (self->conn, "wdm_reject",
                      "INSERT INTO rejected_record (batch_id, unit_code, rec_epoch, rec_seq, raw,"
                      " reason_code, field, message) VALUES ($1, $2, $3, $4, $5, $6, nullif ($7, ''), $8)")) {
        s_disconnect (self);
        return 0;
    }
    wdm_log_info ("store: connected to the database");
    self->backoff_ms = S_BACKOFF_MIN_MS;
    return 1;
}

PGconn *
wdm_store_conn (wdm_store_t *self)
{
    return wdm_store_ready (self) ? self->conn : NULL;
}

//  --- COPY text ---------------------------------------------------------------

static const char *s_period_names [] = { "year", "quarter", "month" };

static int
s_copy_record (wdm_buf_t *copy, int ordinal, const char *unit, uint64_t epoch, uint64_t seq,
               const wdm_record_t *r)
{
    char sex [2] = { r->sex, '\0' };
    int rc = wdm_buf_printf (copy, "%d\t", ordinal);
    rc |= wdm_db_copy_text (copy, r->indicator, '\t');
    rc |= wdm_db_copy_text (copy, r->area, '\t');
    rc |= wdm_buf_printf (copy, "%d\t%s\t%d\t", r->year, s_period_names [r->period_kind], r->period_no);
    rc |= wdm_db_copy_text (copy, r->body, '\t');
    rc |= wdm_db_copy_text (copy, sex, '\t');
    rc |= wdm_buf_printf (copy, "%.17g\t", r->value);
    rc |= r->has_numerator ? wdm_buf_printf (copy, "%.17g\t", r->numerator)
                           : wdm_db_copy_text (copy, NULL, '\t');
    rc |= r->has_denominator ? wdm_buf_printf (copy, "%.17g\t", r->denominator)
                             : wdm_db_copy_text (copy, NULL, '\t');
    rc |= wdm_db_copy_text (copy, wdm_record_status_name (r->status), '\t');
    rc |= wdm_db_copy_text (copy, r->note, '\t');
    rc |= wdm_db_copy_text (copy, unit, '\t');
    rc |= wdm_buf_printf (copy, "%" PRIu64 "\t%" PRIu64 "\n", epoch, seq);
    return rc ? -1 : 0;
}

int
wdm_store_text (wdm_buf_t *text, int ordinal, const wdm_batch_t *batch)
{
    if (batch->status != WDM_PROTO_OK)
        return 0;
    for (uint32_t i = 0; i < batch->decoded.count; i++) {
        const wdm_proto_item_t *item = &batch->decoded.items [i];
        if (!item->code
            && s_copy_record (text, ordinal, batch->unit, batch->decoded.epoch, item->seq, &item->record))
            return -1;
    }
    return 0;
}

//  --- The transaction -----------------------------------------------------------

//  Add the time since *since to a phase, and start the next from now.
static void
s_lap (wdm_store_t *self, int phase, int64_t *since)
{
    int64_t now = wdm_clock_us ();
    self->phase_us [phase] += now - *since;
    *since = now;
}

//  Note why a statement failed (res may be NULL: then the connection says).
static void
s_failed (wdm_store_t *self, const PGresult *res)
{
    const char *state = res ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;
    const char *message = res ? PQresultErrorField (res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!message)
        message = res ? PQresultErrorMessage (res) : PQerrorMessage (self->conn);
    snprintf (self->error_state, sizeof self->error_state, "%s", state ? state : "");
    //  The first line, cut whole at a character: it goes into a reply and
    //  into rejected_record, both UTF-8.
    size_t len = strcspn (message, "\n");
    if (len >= sizeof self->error)
        len = sizeof self->error - 1;
    while (len > 0 && len < strlen (message) && ((uint8_t)message [len] & 0xC0) == 0x80)
        len--;
    memcpy (self->error, message, len);
    self->error [len] = '\0';
}

//  Whether the failure noted last is the fault of the rows being stored —
//  a data exception (class 22) or a broken constraint (23) — with the
//  database still there.  Anything else (the connection lost, a shutdown,
//  no room, no privilege) is the database's, and the group is retried.
static bool
s_rows_at_fault (wdm_store_t *self)
{
    return PQstatus (self->conn) == CONNECTION_OK
        && (strncmp (self->error_state, "22", 2) == 0 || strncmp (self->error_state, "23", 2) == 0);
}

//  Run a prepared statement with text parameters (raw, if given, as the
//  one binary parameter at raw_index).  The result, checked for status.
static PGresult *
s_run (wdm_store_t *self, const char *name, int count, const char *const *params, int raw_index,
       const uint8_t *raw, size_t raw_size, ExecStatusType expect)
{
    int lengths [8] = { 0 }, formats [8] = { 0 };
    const char *values [8];
    for (int i = 0; i < count; i++)
        values [i] = params [i];
    if (raw_index >= 0) {
        values [raw_index] = (const char *)raw;
        lengths [raw_index] = (int)raw_size;
        formats [raw_index] = 1;
    }
    PGresult *res = PQexecPrepared (self->conn, name, count, values, lengths, formats, 0);
    if (PQresultStatus (res) != expect) {
        wdm_log_error ("store: %s: %s", name, PQresultErrorMessage (res));
        s_failed (self, res);
        PQclear (res);
        return NULL;
    }
    return res;
}

//  Keep one refused record (or a whole refused batch: seq 0).
static int
s_reject (wdm_store_t *self, const char *batch_id, const char *unit, uint64_t epoch, uint64_t seq,
          const uint8_t *raw, size_t raw_size, int code, const char *field, const char *message)
{
    char epoch_text [24], seq_text [24], code_text [8];
    snprintf (epoch_text, sizeof epoch_text, "%" PRIu64, epoch);
    snprintf (seq_text, sizeof seq_text, "%" PRIu64, seq);
    snprintf (code_text, sizeof code_text, "%d", code);
    const char *params [] = {
        batch_id, unit, epoch ? epoch_text : NULL, seq ? seq_text : NULL, NULL, code_text, field, message
    };
    PGresult *res = s_run (self, "wdm_reject", 8, params, 4, raw, raw_size, PGRES_COMMAND_OK);
    PQclear (res);
    return res ? 0 : -1;
}

//  A key revoked (or its unit deactivated) after its connection was
//  authorised: its batches are refused from the next group on, in the same
//  transaction that would store them, and nothing of them is stored, as
//  for a key refused at the handshake; the collector keeps its records.
//  Batches with no key known pass.
static int
s_check_keys (wdm_store_t *self, wdm_batch_t *batches, int count)
{
    wdm_buf_reset (&self->keys);
    for (int b = 0; b < count; b++)
        if (batches [b].key [0] && batches [b].status == WDM_PROTO_OK
            && wdm_db_array_add (&self->keys, batches [b].key))
            return -1;
    if (self->keys.size == 0)
        return 0;
    if (wdm_db_array_end (&self->keys))
        return -1;
    const char *params [] = { self->keys.data };
    PGresult *res = s_run (self, "wdm_keys", 1, params, -1, NULL, 0, PGRES_TUPLES_OK);
    if (!res)
        return -1;
    for (int b = 0; b < count; b++) {
        wdm_batch_t *batch = &batches [b];
        if (!batch->key [0] || batch->status != WDM_PROTO_OK)
            continue;
        bool active = false;
        for (int row = 0; row < PQntuples (res) && !active; row++)
            active = strcmp (PQgetvalue (res, row, 0), batch->key) == 0;
        if (!active) {
            batch->status = WDM_PROTO_NOT_AUTHORISED;
            batch->key_refused = true;
            snprintf (batch->message, sizeof batch->message, "%s",
                      "密钥已吊销或单位已停用 / the key was revoked or the unit deactivated");
            wdm_log_warn ("store: batch %llu from %s refused: its key %s is no longer active",
                          (unsigned long long)batch->batch_no, batch->unit, batch->key);
        }
    }
    PQclear (res);
    return 0;
}

//  Run a statement of the group's batch rows (wdm_batches, or
//  wdm_batches_done) with the four columns in self->columns, ended here.
static PGresult *
s_run_columns (wdm_store_t *self, const char *name, ExecStatusType expect)
{
    for (int i = 0; i < S_COLUMNS; i++)
        if (wdm_db_array_end (&self->columns [i])) {
            snprintf (self->error, sizeof self->error, "%s", "out of memory");
            return NULL;
        }
    const char *params [] = { self->columns [0].data, self->columns [1].data, self->columns [2].data,
                              self->columns [3].data };
    return s_run (self, name, S_COLUMNS, params, -1, NULL, 0, expect);
}

//  Add a row of four numbers (or a code and three) to self->columns.
static int
s_add_row (wdm_store_t *self, const char *first, uint64_t second, uint64_t third, uint64_t fourth)
{
    char text [3][24];
    snprintf (text [0], sizeof text [0], "%" PRIu64, second);
    snprintf (text [1], sizeof text [1], "%" PRIu64, third);
    snprintf (text [2], sizeof text [2], "%" PRIu64, fourth);
    return wdm_db_array_add (&self->columns [0], first) | wdm_db_array_add (&self->columns [1], text [0])
        | wdm_db_array_add (&self->columns [2], text [1]) | wdm_db_array_add (&self->columns [3], text [2]);
}

//  Insert the batch rows of the group (but those whose key was refused)
//  in one statement; their ids into ids, 0 for those left out.  0, or -1
//  with the cause noted.
static int
s_insert_batches (wdm_store_t *self, const wdm_batch_t *batches, int count, int64_t *ids)
{
    int rows = 0;
    for (int i = 0; i < S_COLUMNS; i++)
        wdm_buf_reset (&self->columns [i]);
    for (int b = 0; b < count; b++) {
        ids [b] = 0;
        if (batches [b].key_refused)
            continue;
        if (s_add_row (self, batches [b].unit, batches [b].decoded.epoch, batches [b].batch_no,
                       batches [b].decoded.count))
            return -1;
        rows++;
    }
    if (rows == 0)
        return 0;
    PGresult *res = s_run_columns (self, "wdm_batches", PGRES_TUPLES_OK);
    if (!res)
        return -1;
    if (PQntuples (res) != rows) {
        wdm_log_error ("store: %d batch rows inserted, %d returned", rows, PQntuples (res));
        PQclear (res);
        return -1;
    }
    for (int b = 0, row = 0; b < count; b++)
        if (!batches [b].key_refused)
            ids [b] = strtoll (PQgetvalue (res, row++, 0), NULL, 10);
    PQclear (res);
    return 0;
}

//  The batches' ids as an array for the insert's $1, in the batches'
//  order: NULL for a batch with no row (its key refused).
static int
s_ids_array (wdm_store_t *self, const int64_t *ids, int count)
{
    wdm_buf_reset (&self->ids);
    int rc = wdm_buf_printf (&self->ids, "{");
    for (int b = 0; b < count; b++)
        rc |= ids [b] ? wdm_buf_printf (&self->ids, "%s%" PRId64, b ? "," : "", ids [b])
                      : wdm_buf_printf (&self->ids, "%sNULL", b ? "," : "");
    rc |= wdm_buf_printf (&self->ids, "}");
    if (rc)
        snprintf (self->error, sizeof self->error, "%s", "out of memory");
    return rc ? -1 : 0;
}

//  Store batches (their keys checked) in the open transaction, their
//  records' COPY text in text if given (written by wdm_store_text, batch b
//  with ordinal b + 1; emptied), else written here.  0, or -1 with the
//  cause noted (s_failed): the transaction is then aborted.
static int
s_store_batches (wdm_store_t *self, wdm_batch_t *batches, int count, int64_t *ids, wdm_buf_t *text)
{
    PGresult *res = NULL;
    int64_t lap = wdm_clock_us ();
    self->error_state [0] = '\0';  //  a failure not noted is never the rows'
    wdm_buf_t *copy = text ? text : &self->copy;
    if (!text)
        wdm_buf_reset (&self->copy);
    if (s_insert_batches (self, batches, count, ids))
        return -1;
    s_lap (self, S_ROWS, &lap);
    for (int b = 0; b < count; b++) {
        wdm_batch_t *batch = &batches [b];
        if (batch->key_refused)
            continue;
        char id_text [24];
        snprintf (id_text, sizeof id_text, "%" PRId64, ids [b]);

        batch->accepted = batch->duplicates = batch->rejected = 0;
        if (batch->status != WDM_PROTO_OK) {
            if (s_reject (self, id_text, batch->unit, 0, 0, batch->body, batch->body_size, batch->status, "",
                          batch->message))
                return -1;
            continue;
        }
        for (uint32_t i = 0; i < batch->decoded.count; i++) {
            const wdm_proto_item_t *item = &batch->decoded.items [i];
            if (item->code) {
                batch->rejected++;
                if (s_reject (self, id_text, batch->unit, batch->decoded.epoch, item->seq, item->raw,
                              item->raw_size, item->code, item->field, item->message))
                    return -1;
            }
        }
        if (!text && wdm_store_text (&self->copy, b + 1, batch))
            return -1;
    }
    s_lap (self, S_TEXT, &lap);
    if (copy->size) {
        if (s_ids_array (self, ids, count))
            return -1;
        if (wdm_db_copy_send (self->conn, "wdm_stage", copy)) {
            //  Logged there.  COPY into the staging table fails on the
            //  rows' text, or with the connection (s_rows_at_fault asks).
            snprintf (self->error_state, sizeof self->error_state, "22000");
            snprintf (self->error, sizeof self->error, "%s", "COPY of the batch's rows failed");
            return -1;
        }
        //  Not prepared: a prepared statement may keep a generic plan
        //  made while observation was small (a scan and a sort of the
        //  whole table on every commit once it is not).  Unnamed, it is
        //  planned for each group: 0.6-1.0 ms on a connection that has
        //  planned it before (EXPLAIN ANALYZE, 500 records staged over
        //  1,070,000 stored; 2.8-3.3 ms the first time on a connection,
        //  which is what the 4-5 ms measured before was), against 20-35
        //  ms to run it.
        s_lap (self, S_COPY, &lap);
        const char *params [] = { self->ids.data };
        res = PQexecParams (self->conn, s_insert_sql, 1, NULL, params, NULL, NULL, 0);
        if (PQresultStatus (res) != PGRES_TUPLES_OK) {
            wdm_log_error ("store: insert: %s", PQresultErrorMessage (res));
            s_failed (self, res);
            PQclear (res);
            return -1;
        }
        for (int row = 0; row < PQntuples (res); row++) {
            int64_t id = strtoll (PQgetvalue (res, row, 0), NULL, 10);
            uint32_t n = (uint32_t)strtoul (PQgetvalue (res, row, 1), NULL, 10);
            bool stored = *PQgetvalue (res, row, 2) == 's';
            for (int b = 0; b < count; b++)
                if (ids [b] == id && stored)
                    batches [b].accepted = n;
                else if (ids [b] == id && n)  //  counted among the duplicates below
                    wdm_log_info ("store: batch %llu from %s: %u unchanged (the same as the latest "
                                  "revision), acknowledged without a new revision",
                                  (unsigned long long)batches [b].batch_no, batches [b].unit, n);
        }
        PQclear (res);
        res = NULL;
        s_lap (self, S_INSERT, &lap);
    }
    int rows = 0;
    for (int i = 0; i < S_COLUMNS; i++)
        wdm_buf_reset (&self->columns [i]);
    for (int b = 0; b < count; b++) {
        wdm_batch_t *batch = &batches [b];
        if (batch->key_refused) {
            batch->rejected = batch->decoded.count;
            continue;
        }
        if (batch->status != WDM_PROTO_OK)
            batch->rejected = batch->decoded.count;
        else
            batch->duplicates = batch->decoded.count - batch->rejected - batch->accepted;
        char id [24];
        snprintf (id, sizeof id, "%" PRId64, ids [b]);
        if (s_add_row (self, id, batch->accepted, batch->duplicates, batch->rejected))
            return -1;
        rows++;
    }
    if (rows && !(res = s_run_columns (self, "wdm_batches_done", PGRES_COMMAND_OK)))
        return -1;
    PQclear (res);
    s_lap (self, S_COUNTS, &lap);
    return 0;
}

//  Run one statement without parameters; 0, or -1 with the cause noted.
static int
s_exec (wdm_store_t *self, const char *sql)
{
    PGresult *res = PQexec (self->conn, sql);
    int rc = PQresultStatus (res) == PGRES_COMMAND_OK ? 0 : -1;
    if (rc) {
        //  No result at all (libpq could not send it): the connection says why.
        s_failed (self, res);
        wdm_log_error ("store: %s: %s", sql, *self->error ? self->error : "no answer");
    }
    PQclear (res);
    return rc;
}

//  The group failed on some batch's rows: store each batch alone, under
//  its own savepoint.  A batch whose rows the database refuses is refused
//  whole (400, with the database's reason) and kept as a refused batch;
//  the others are stored.  0, or -1 if the database itself failed.
static int
s_store_one_by_one (wdm_store_t *self, wdm_batch_t *batches, int count, int64_t *ids)
{
    for (int b = 0; b < count; b++) {
        wdm_batch_t *batch = &batches [b];
        if (s_exec (self, "SAVEPOINT wdm_batch") || s_exec (self, "DELETE FROM wdm_stage"))
            return -1;
        if (s_store_batches (self, batch, 1, &ids [b], NULL) == 0)
            ;
        else if (!s_rows_at_fault (self) || s_exec (self, "ROLLBACK TO SAVEPOINT wdm_batch"))
            return -1;
        else {
            wdm_log_error ("store: batch %llu from %s refused: the database refused its rows: %s",
                           (unsigned long long)batch->batch_no, batch->unit, self->error);
            batch->status = WDM_PROTO_MALFORMED;
            snprintf (batch->message, sizeof batch->message,
                      "数据库拒绝了本批次 / the database "
                      "refused this batch: %.150s",
                      self->error);
            //  Cut whole at a character, as s_failed does.
            size_t len = strlen (batch->message);
            while (len > 0 && !wdm_utf8_valid (batch->message, len))
                batch->message [--len] = '\0';
            if (s_store_batches (self, batch, 1, &ids [b], NULL)) {
                if (!s_rows_at_fault (self) || s_exec (self, "ROLLBACK TO SAVEPOINT wdm_batch"))
                    return -1;
                wdm_log_error ("store: batch %llu from %s: cannot keep it either: %s",
                               (unsigned long long)batch->batch_no, batch->unit, self->error);
            }
        }
        if (s_exec (self, "RELEASE SAVEPOINT wdm_batch"))
            return -1;
    }
    return 0;
}

int
wdm_store_commit (wdm_store_t *self, wdm_batch_t *batches, int count, wdm_buf_t *text)
{
    if (!wdm_store_ready (self))
        return -1;
    int64_t *ids = calloc ((size_t)(count ? count : 1), sizeof *ids);
    if (!ids)
        return -1;
    //  All batches at once; only if their rows fail, one by one, so that
    //  one unit's bad batch never fails another's.
    int rc = -1;
    int64_t lap = wdm_clock_us ();
    memset (self->phase_us, 0, sizeof self->phase_us);
    if (s_exec (self, "BEGIN") == 0 && s_check_keys (self, batches, count) == 0
        && s_exec (self, "SAVEPOINT wdm_group") == 0) {
        s_lap (self, S_KEYS, &lap);
        if (s_store_batches (self, batches, count, ids, text) == 0)
            rc = 0;
        else if (s_rows_at_fault (self) && s_exec (self, "ROLLBACK TO SAVEPOINT wdm_group") == 0)
            rc = s_store_one_by_one (self, batches, count, ids);
    }
    if (rc == 0) {
        lap = wdm_clock_us ();
        rc = s_exec (self, "COMMIT");
        s_lap (self, S_COMMIT, &lap);
    }
    //  Formatted only when debug lines are written (the macro asks first).
    const int64_t *us = self->phase_us;
    if (rc == 0)
        wdm_log_debug ("store: a group of %d batches committed, in ms: keys %.1f, rows %.1f, text %.1f,"
                       " copy %.1f, insert %.1f, counts %.1f, commit %.1f",
                       count, us [S_KEYS] / 1e3, us [S_ROWS] / 1e3, us [S_TEXT] / 1e3, us [S_COPY] / 1e3,
                       us [S_INSERT] / 1e3, us [S_COUNTS] / 1e3, us [S_COMMIT] / 1e3);
    free (ids);
    if (rc) {
        //  A connection lost, or one libpq still thinks busy with a command
        //  it could not finish (a ROLLBACK would wait for that command's
        //  answer for ever), is dropped: the database rolls back what it
        //  held.  Only an open transaction on a sound connection is rolled
        //  back here.
        PGTransactionStatusType state = PQtransactionStatus (self->conn);
        if (PQstatus (self->conn) != CONNECTION_OK || state == PQTRANS_ACTIVE || state == PQTRANS_UNKNOWN) {
            wdm_log_warn ("store: dropping the database connection after the failure");
            s_disconnect (self);
        } else if (state != PQTRANS_IDLE && wdm_db_exec (self->conn, "ROLLBACK"))
            s_disconnect (self);
        //  The counts of a failed commit must not be used.
        for (int b = 0; b < count; b++)
            batches [b].accepted = batches [b].duplicates = batches [b].rejected = 0;
    }
    return rc;
}
