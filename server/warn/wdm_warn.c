/*  wdm_warn: evaluate the rules against the database and apply the
    warning lifecycle.  See wdm_warn.h.

    Work goes one indicator at a time, so memory follows the largest
    indicator, not the whole data set: its current values (and those of
    the indicator it is related to) are fetched, grouped into series by
    area, body and sex, rolled up to the district where needed
    (wdm_warn_series.c), and handed to wdm_rules.  Each plan is judged in
    turn, with its own targets, years and deadline: the findings name
    their plan.  The findings of the
    whole evaluation are then applied in one transaction through the
    database's warning functions (wdm_warn_apply.c).  This file holds the
    evaluation itself: the scope, the reader threads, each indicator's
    rules, the missing reports, and the findings on their way to the
    temporary table wdm_findings.  The context it starts from is loaded by
    wdm_warn_context.c; the operator's show and acknowledge are in
    wdm_warn_operator.c, the server's worker thread in wdm_warn_worker.c.  */

#include "wdm_warn_int.h"
#include "wdm_clock.h"
#include "wdm_db.h"
#include "wdm_log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_MAX_FINDINGS 16
#define S_READERS_MAX  8  //  reader connections of a large evaluation
#define S_PARALLEL_MIN 8  //  indicators that make an evaluation large

//  --- Findings -------------------------------------------------------------------

//  Findings go to the temporary table wdm_findings, one indicator's at a
//  time: memory holds one indicator's findings, however many there are.
static const char *s_findings_table_sql =
    "CREATE TEMP TABLE IF NOT EXISTS wdm_findings (plan text, rule text, indicator text, area text,"
    "  year int, body text, unit text, level text, message_zh text, message_en text,"
    "  value float8, target float8, details jsonb)";

static void
s_collect (wdm_warn_eval_t *self, const wdm_finding_t *findings, int count, const char *indicator,
           const char *area, const char *unit)
{
    wdm_buf_t *copy = &self->findings;
    for (int i = 0; i < count; i++) {
        const wdm_finding_t *f = &findings [i];
        int rc = wdm_db_copy_text (copy, self->plan, '\t');
        rc |= wdm_db_copy_text (copy, wdm_rule_code (f->rule), '\t');
        rc |= wdm_db_copy_text (copy, indicator, '\t');
        rc |= wdm_db_copy_text (copy, area, '\t');
        rc |= wdm_buf_printf (copy, "%d\t", f->year);
        rc |= wdm_db_copy_text (copy, f->body, '\t');
        rc |= wdm_db_copy_text (copy, unit [0] ? unit : NULL, '\t');
        rc |= wdm_db_copy_text (copy, f->level >= 2 ? "red" : "yellow", '\t');
        rc |= wdm_db_copy_text (copy, f->message_zh, '\t');
        rc |= wdm_db_copy_text (copy, f->message_en, '\t');
        rc |= f->rule == WDM_RULE_MISSING ? wdm_db_copy_text (copy, NULL, '\t')
                                          : wdm_buf_printf (copy, "%.17g\t", f->value);
        rc |=
            f->has_target ? wdm_buf_printf (copy, "%.17g\t", f->target) : wdm_db_copy_text (copy, NULL, '\t');
        rc |= wdm_db_copy_text (copy, f->details [0] ? f->details : "{}", '\n');
        if (rc)
            self->failed = true;
        else
            self->finding_count++;
    }
}

//  Send the findings collected so far.
static void
s_flush (wdm_warn_eval_t *self)
{
    if (wdm_db_copy_send (self->conn, "wdm_findings", &self->findings))
        self->failed = true;
}

//  A town against the other towns, in its latest year (latest).
static void
s_evaluate_peers (wdm_warn_eval_t *self, const wdm_warn_indicator_t *ind, const wdm_warn_row_t *rows,
                  int count, int a, wdm_point_t latest, const wdm_thresholds_t *thresholds)
{
    const wdm_warn_area_t *area = &self->areas [a];
    wdm_place_t place = { area->name_zh, area->name_en };
    wdm_finding_t found [S_MAX_FINDINGS];
    int k = 0;
    double peers [512];
    int peer_count = 0, year = latest.year;
    for (int i = 0; i < count && peer_count < 512; i++) {
        const wdm_warn_row_t *r = &rows [i];
        if (r->area != a && r->year == year && r->sex == 'T' && !r->body [0] && self->areas [r->area].town)
            peers [peer_count++] = r->value;
    }
    k = wdm_rules_peers (&ind->rule, place, year, latest.value, peers, peer_count, thresholds, found,
                         S_MAX_FINDINGS);
    s_collect (self, found, k, ind->rule.code, area->code, "");
}

//  A narrow-the-gap target in area a: women's series against men's.
static void
s_evaluate_gap (wdm_warn_eval_t *self, const wdm_warn_indicator_t *ind, const wdm_warn_row_t *rows, int count,
                int a, const wdm_thresholds_t *thresholds)
{
    const wdm_warn_area_t *area = &self->areas [a];
    wdm_place_t place = { area->name_zh, area->name_en };
    wdm_finding_t found [S_MAX_FINDINGS];
    int k = 0;
    wdm_point_t points [WDM_WARN_MAX_YEARS], more [WDM_WARN_MAX_YEARS];
    int w = wdm_warn_series_points (rows, count, a, "", 'F', points, WDM_WARN_MAX_YEARS);
    int m = wdm_warn_series_points (rows, count, a, "", 'M', more, WDM_WARN_MAX_YEARS);
    if (w && m) {
        self->series++;
        k = wdm_rules_gap (&ind->rule, place, points, w, more, m, thresholds, found, S_MAX_FINDINGS);
        s_collect (self, found, k, ind->rule.code, area->code, "");
    }
}

//  A minimum-count target in area a: each body reported there, once.
static void
s_evaluate_bodies (wdm_warn_eval_t *self, const wdm_warn_indicator_t *ind, const wdm_warn_row_t *rows,
                   int count, int a, const wdm_thresholds_t *thresholds)
{
    const wdm_warn_area_t *area = &self->areas [a];
    wdm_place_t place = { area->name_zh, area->name_en };
    wdm_finding_t found [S_MAX_FINDINGS];
    int k = 0;
    wdm_point_t points [WDM_WARN_MAX_YEARS];
    for (int i = 0; i < count; i++) {
        const wdm_warn_row_t *r = &rows [i];
        if (r->area != a || !r->body [0] || r->sex != 'T'
            || (i > 0 && rows [i - 1].area == a && strcmp (rows [i - 1].body, r->body) == 0))
            continue;
        int b = wdm_warn_series_points (rows, count, a, r->body, 'T', points, WDM_WARN_MAX_YEARS);
        self->series++;
        k = wdm_rules_min_count (&ind->rule, place, r->body, points, b, thresholds, found, S_MAX_FINDINGS);
        s_collect (self, found, k, ind->rule.code, area->code, "");
    }
}

//  Everything for one indicator, from its rows (which this frees).
static void
s_evaluate_indicator (wdm_warn_eval_t *self, const wdm_warn_indicator_t *ind, wdm_warn_row_t *rows, int count)
{
    int other_count = 0;
    wdm_warn_row_t *other_rows = NULL;
    const wdm_warn_indicator_t *other = NULL;
    if (ind->rule.kind == WDM_TARGET_RELATION && ind->relation [0]) {
        int at = wdm_warn_context_indicator (self, ind->relation);
        if (at >= 0) {
            other = &self->indicators [at];
            other_rows = wdm_warn_series_fetch (self, other->rule.code, &other_count);
        }
    }
    wdm_thresholds_t thresholds;
    wdm_warn_context_thresholds (self, ind->rule.code, &thresholds);
    wdm_point_t points [WDM_WARN_MAX_YEARS], more [WDM_WARN_MAX_YEARS];
    wdm_finding_t found [S_MAX_FINDINGS];
    wdm_warn_pool_t pool;
    wdm_warn_series_pool (rows, count, &pool);

    for (int a = 0; rows && a < self->area_count; a++) {
        const wdm_warn_area_t *area = &self->areas [a];
        wdm_place_t place = { area->name_zh, area->name_en };
        int parts [WDM_WARN_MAX_YEARS] = { 0 }, more_parts [WDM_WARN_MAX_YEARS];
        int n = area->parent < 0
            ? wdm_warn_series_district (self, ind, rows, count, a, points, parts, WDM_WARN_MAX_YEARS)
            : wdm_warn_series_points (rows, count, a, "", 'T', points, WDM_WARN_MAX_YEARS);
        int owed = area->parent < 0 ? wdm_warn_series_parts_owed (self, a) : 0;
        int k = 0;
        if (n > 0) {
            self->series++;
            if (ind->rule.kind != WDM_TARGET_MIN_COUNT && ind->rule.kind != WDM_TARGET_NARROW_GAP) {
                const wdm_pool_t *usual = wdm_warn_series_pool_before (&pool, points [n - 1].year);
                k = wdm_rules_series_pooled (&ind->rule, place, points, n, usual, &thresholds, found,
                                             S_MAX_FINDINGS);
                wdm_warn_series_note_parts (found, k, points, parts, n, owed);
                s_collect (self, found, k, ind->rule.code, area->code, "");
            }
            if (other) {
                int m = area->parent < 0
                    ? wdm_warn_series_district (self, other, other_rows, other_count, a, more, more_parts,
                                                WDM_WARN_MAX_YEARS)
                    : wdm_warn_series_points (other_rows, other_count, a, "", 'T', more, WDM_WARN_MAX_YEARS);
                k = wdm_rules_relation (&ind->rule, &other->rule, place, points, n, more, m, &thresholds,
                                        found, S_MAX_FINDINGS);
                wdm_warn_series_note_parts (found, k, points, parts, n, owed);
                s_collect (self, found, k, ind->rule.code, area->code, "");
            }
            if (area->town)
                s_evaluate_peers (self, ind, rows, count, a, points [n - 1], &thresholds);
        }
        if (ind->rule.kind == WDM_TARGET_NARROW_GAP)
            s_evaluate_gap (self, ind, rows, count, a, &thresholds);
        if (ind->rule.kind == WDM_TARGET_MIN_COUNT)
            s_evaluate_bodies (self, ind, rows, count, a, &thresholds);
    }
    free (rows);
    free (other_rows);
    free (pool.changes);
}

//  Reports owed by lead units and not made: one finding each.  What is
//  owed, and whether it came (from any unit), is the view report_owed's:
//  the completeness view counts the same rows, so the two agree.
static int
s_evaluate_deadlines (wdm_warn_eval_t *self, const wdm_date_t *today)
{
    char last [16];
    //  Years whose deadline window may have opened: up to last year.
    snprintf (last, sizeof last, "%d", today->year - 1 < self->last_year ? today->year - 1 : self->last_year);
    char first [16];
    snprintf (first, sizeof first, "%d", self->first_year);
    const char *params [] = { first, last, self->plan };
    //  A report two plans watch is owed once, for the plan whose deadline
    //  comes first (report_owed.plan_code): its warning names that plan.
    PGresult *res =
        wdm_db_query (self->conn,
                      "SELECT indicator_code, unit_code, area_code, unit_zh, unit_en, year, body,"
                      "       first_received IS NOT NULL"
                      "  FROM report_owed WHERE year BETWEEN $1::int AND $2::int AND plan_code = $3"
                      " ORDER BY indicator_code, unit_code, year, body",
                      3, params, PGRES_TUPLES_OK, NULL, 0);
    if (!res)
        return -1;
    wdm_finding_t found [S_MAX_FINDINGS];
    for (int row = 0; row < PQntuples (res); row++) {
        int at = wdm_warn_context_indicator (self, PQgetvalue (res, row, 0));
        int area = wdm_warn_context_area (self, PQgetvalue (res, row, 2));
        if (at < 0 || area < 0)
            continue;
        const wdm_warn_indicator_t *ind = &self->indicators [at];
        if (!ind->in_scope)
            continue;
        wdm_thresholds_t thresholds;
        wdm_warn_context_thresholds (self, ind->rule.code, &thresholds);
        wdm_place_t unit = { PQgetvalue (res, row, 3), PQgetvalue (res, row, 4) };
        wdm_place_t place = { self->areas [area].name_zh, self->areas [area].name_en };
        //  A report owed per body names its body, in the message too.
        const char *body = PQgetvalue (res, row, 6);
        wdm_rule_indicator_t named = ind->rule;
        if (body [0]
            && (snprintf (named.name_zh, sizeof named.name_zh, "%s(%s)", ind->rule.name_zh, body)
                    >= (int)sizeof named.name_zh
                || snprintf (named.name_en, sizeof named.name_en, "%s (%s)", ind->rule.name_en, body)
                    >= (int)sizeof named.name_en))
            named = ind->rule;  //  too long to name: the body is in the warning's key
        int k = wdm_rules_missing (&named, unit, place, atoi (PQgetvalue (res, row, 5)), self->deadline_month,
                                   self->deadline_day, today->year, today->month, today->day,
                                   PQgetvalue (res, row, 7) [0] == 't', &thresholds, found, S_MAX_FINDINGS);
        for (int i = 0; i < k; i++)
            snprintf (found [i].body, sizeof found [i].body, "%s", body);
        s_collect (self, found, k, ind->rule.code, self->areas [area].code, PQgetvalue (res, row, 1));
    }
    PQclear (res);
    return 0;
}

//  --- The evaluation ------------------------------------------------------------

//  Mark the indicators in scope (all when indicators is NULL; else those
//  named and those related to them), list them in order (the caller frees
//  *order) and, when indicators are named, add their codes to scope (an
//  array literal).  The number in scope, or -1 out of memory.
static int
s_scope (wdm_warn_eval_t *self, const char *const *indicators, int count, int **order, wdm_buf_t *scope)
{
    for (int i = 0; i < self->indicator_count; i++) {
        wdm_warn_indicator_t *ind = &self->indicators [i];
        for (int k = 0; k < count && !ind->in_scope; k++)
            ind->in_scope =
                strcmp (ind->rule.code, indicators [k]) == 0 || strcmp (ind->relation, indicators [k]) == 0;
        if (!indicators)
            ind->in_scope = true;
    }
    *order = calloc ((size_t)self->indicator_count + 1, sizeof **order);
    if (!*order)
        return -1;
    int in_scope = 0;
    for (int i = 0; i < self->indicator_count; i++) {
        if (!self->indicators [i].in_scope)
            continue;
        if (indicators && wdm_db_array_add (scope, self->indicators [i].rule.code)) {
            free (*order);
            *order = NULL;
            return -1;
        }
        (*order) [in_scope++] = i;
    }
    return in_scope;
}

//  A reader: a thread with its own connection that fetches and reads the
//  series of every step-th indicator listed in order, from first on, and
//  hands each over to the evaluation's thread, one at a time.  It runs
//  ahead while the evaluation judges: a fetch's result is larger than the
//  socket holds, and when the evaluation's thread read it, each fetch
//  waited for the judging of the one before (the readers' backends spent
//  3.9 s of a 2.3 s judging phase blocked in sending, over 1,000,000 values).
typedef struct {
    const wdm_warn_eval_t *self;  //  read only while readers run
    PGconn *conn;
    const int *order;
    int first, step, in_scope;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    //  Under lock: the indicator handed over (-1: none), its rows (NULL:
    //  its fetch failed, and the reader ended), whether to stop.
    int ready;
    wdm_warn_row_t *rows;
    int count;
    bool stop;
} s_reader_t;

static void *
s_reader_run (void *arg)
{
    s_reader_t *reader = arg;
    for (int k = reader->first; k < reader->in_scope; k += reader->step) {
        int count = 0;
        wdm_warn_row_t *rows = NULL;
        if (wdm_warn_series_send (reader->conn, reader->self->indicators [reader->order [k]].rule.code) == 0)
            rows = wdm_warn_series_read (reader->self, wdm_warn_series_receive (reader->conn), &count);
        pthread_mutex_lock (&reader->lock);
        while (reader->ready >= 0 && !reader->stop)
            pthread_cond_wait (&reader->changed, &reader->lock);
        bool stop = reader->stop;
        if (!stop) {
            reader->ready = k;
            reader->rows = rows;
            reader->count = count;
            pthread_cond_signal (&reader->changed);
        }
        pthread_mutex_unlock (&reader->lock);
        if (stop)
            free (rows);
        if (stop || !rows)
            break;
    }
    return NULL;
}

//  The rows of indicator k from its reader, once it has them; NULL if its
//  fetch failed.
static wdm_warn_row_t *
s_reader_take (s_reader_t *reader, int k, int *count)
{
    pthread_mutex_lock (&reader->lock);
    while (reader->ready != k)
        pthread_cond_wait (&reader->changed, &reader->lock);
    wdm_warn_row_t *rows = reader->rows;
    *count = reader->count;
    reader->ready = -1;
    reader->rows = NULL;
    pthread_cond_signal (&reader->changed);
    pthread_mutex_unlock (&reader->lock);
    return rows;
}

//  Stop a started reader, wait for it (at most the fetch it is in), and
//  free what it held.
static void
s_reader_end (s_reader_t *reader)
{
    pthread_mutex_lock (&reader->lock);
    reader->stop = true;
    pthread_cond_signal (&reader->changed);
    pthread_mutex_unlock (&reader->lock);
    pthread_join (reader->thread, NULL);
    free (reader->rows);
    pthread_cond_destroy (&reader->changed);
    pthread_mutex_destroy (&reader->lock);
}

//  Read and judge the series of the in_scope indicators listed in order,
//  their findings on their way to wdm_findings; a failure sets
//  self->failed.  A large evaluation reads on reader threads, each with
//  its own connection, so that PostgreSQL reads on as many cores while
//  this thread judges.  Without them, it reads on its own connection.
static void
s_judge_series (wdm_warn_eval_t *self, const int *order, int in_scope, int readers)
{
    s_reader_t reader [S_READERS_MAX];
    PGconn *conn [S_READERS_MAX] = { NULL };
    int started = 0;
    if (readers > S_READERS_MAX)
        readers = S_READERS_MAX;
    bool parallel = readers > 0 && in_scope >= S_PARALLEL_MIN;
    for (int r = 0; parallel && r < readers; r++)
        parallel = (conn [r] = wdm_db_connect_like (self->conn)) != NULL;
    for (; parallel && started < readers; started++) {
        s_reader_t *one = &reader [started];
        *one = (s_reader_t) { .self = self,
                              .conn = conn [started],
                              .order = order,
                              .first = started,
                              .step = readers,
                              .in_scope = in_scope,
                              .ready = -1 };
        pthread_mutex_init (&one->lock, NULL);
        pthread_cond_init (&one->changed, NULL);
        if (pthread_create (&one->thread, NULL, s_reader_run, one)) {
            wdm_log_warn ("warnings: cannot start a reader thread; reading on one connection");
            pthread_cond_destroy (&one->changed);
            pthread_mutex_destroy (&one->lock);
            parallel = false;
            break;
        }
    }
    if (!parallel) {  //  those started read ahead for nothing
        for (int r = 0; r < started; r++)
            s_reader_end (&reader [r]);
        started = 0;
    }
    for (int k = 0; k < in_scope && !self->failed; k++) {
        const wdm_warn_indicator_t *ind = &self->indicators [order [k]];
        int rows_count = 0;
        wdm_warn_row_t *rows = parallel ? s_reader_take (&reader [k % readers], k, &rows_count)
                                        : wdm_warn_series_fetch (self, ind->rule.code, &rows_count);
        if (!rows)
            self->failed = true;
        s_evaluate_indicator (self, ind, rows, rows_count);
        s_flush (self);
    }
    for (int r = 0; r < started; r++)
        s_reader_end (&reader [r]);
    for (int r = 0; r < S_READERS_MAX; r++)
        PQfinish (conn [r]);
}

//  Evaluate the plan loaded in self (wdm_warn_context_plan): the series
//  of its targets in the scope (indicators, count; NULL: all), each
//  widened to the indicator it is related to, whose codes are added to
//  scope; and with deadlines its missing reports.  0, or -1 (logged).
static int
s_evaluate_plan (wdm_warn_eval_t *self, const char *const *indicators, int count, bool deadlines,
                 const wdm_date_t *today, int readers, wdm_buf_t *scope)
{
    int *order = NULL;
    int in_scope = s_scope (self, indicators, count, &order, scope);
    if (in_scope < 0)
        return -1;
    s_judge_series (self, order, in_scope, readers);
    free (order);
    if (deadlines && s_evaluate_deadlines (self, today))
        return -1;
    s_flush (self);
    return 0;
}

int
wdm_warn_readers (void)
{
    long cores = sysconf (_SC_NPROCESSORS_ONLN);
    return cores > 1 ? (int)cores : 0;
}

int
wdm_warn_evaluate (PGconn *conn, const char *const *indicators, int count, bool deadlines,
                   const wdm_date_t *today, int readers, wdm_warn_stats_t *stats)
{
    int64_t start = wdm_clock_us ();
    memset (stats, 0, sizeof *stats);
    wdm_warn_eval_t self;
    memset (&self, 0, sizeof self);
    self.conn = conn;
    int rc = -1;
    PGresult *plans = NULL;
    wdm_buf_t scope = { NULL, 0, 0 };  //  the indicators as an array literal
    if (wdm_warn_context_load (&self) || wdm_db_exec (conn, s_findings_table_sql)
        || wdm_db_exec (conn, "TRUNCATE wdm_findings"))
        goto cleanup;
    //  Every plan is judged: one observation against each plan's own
    //  target, baseline and period, each plan's findings its own.
    plans = wdm_db_query (conn, "SELECT code FROM plan ORDER BY code", 0, NULL, PGRES_TUPLES_OK, NULL, 0);
    if (!plans)
        goto cleanup;
    for (int p = 0; p < PQntuples (plans) && !self.failed; p++)
        if (wdm_warn_context_plan (&self, PQgetvalue (plans, p, 0))
            || s_evaluate_plan (&self, indicators, count, deadlines, today, readers, &scope))
            goto cleanup;
    if (self.failed) {
        wdm_log_error ("warnings: the findings could not be kept; nothing applied");
        goto cleanup;
    }
    int64_t due = wdm_clock_us ();
    wdm_log_debug ("warnings: %d plans read and judged in %.3f s", PQntuples (plans),
                   (double)(due - start) / 1e6);
    stats->series = self.series;
    stats->findings = self.finding_count;
    if (indicators && wdm_db_array_end (&scope))
        goto cleanup;
    if (wdm_warn_apply (&self, indicators ? scope.data : NULL, deadlines, stats))
        goto cleanup;
    wdm_log_debug ("warnings: %d findings applied in %.3f s", self.finding_count,
                   (double)(wdm_clock_us () - due) / 1e6);
    rc = 0;
cleanup:
    stats->seconds = (double)(wdm_clock_us () - start) / 1e6;
    PQclear (plans);
    free (self.indicators);
    free (self.areas);
    free (self.thresholds);
    wdm_buf_free (&self.findings);
    wdm_buf_free (&scope);
    return rc;
}
