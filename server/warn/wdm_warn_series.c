/*  wdm_warn_series: one indicator's series, from its current values.
    Fetches them (on the evaluation's connection, or sent ahead on a
    reader connection), groups them by area, body and sex, rolls the towns
    up to the district by the indicator's aggregation rule where the
    district reported no value of its own, and pools the year-on-year
    changes of all its areas for the fluctuation rule.  wdm_warn.c calls
    these for each indicator.  Part-private: see wdm_warn_int.h.  */

#include "wdm_warn_int.h"
#include "wdm_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Every yearly value of one indicator, each revision, in no order: a
//  bitmap scan of the indicator's rows.  wdm_warn_series_read keeps what
//  observation_current gives, each series' latest revision and the value
//  it replaced if that one was final.  Done here in SQL, with a window
//  over the rows sorted by series, the fetches of a full evaluation over
//  1,000,000 values took 2.5-3.3 s of PostgreSQL's time; read plain, 1.4-1.6
//  s (one connection, every indicator of the catalog, three runs each).
static const char *s_fetch_sql =
    "SELECT area_code, year, body, sex, revision, status = 'final', value, numerator, denominator"
    "  FROM observation WHERE indicator_code = $1 AND period_kind = 'year' AND period_no = 0";

//  Whether two fetched rows are of one series.
static bool
s_same_series (const wdm_warn_row_t *a, const wdm_warn_row_t *b)
{
    return a->area == b->area && a->year == b->year && a->sex == b->sex && strcmp (a->body, b->body) == 0;
}

//  The order of the rows handed on: area, body (bytewise), sex, year,
//  and revision within a series.
static int
s_row_compare (const wdm_warn_row_t *a, const wdm_warn_row_t *b)
{
    if (a->area != b->area)
        return a->area < b->area ? -1 : 1;
    int cmp = strcmp (a->body, b->body);
    if (cmp)
        return cmp;
    if (a->sex != b->sex)
        return a->sex < b->sex ? -1 : 1;
    if (a->year != b->year)
        return a->year < b->year ? -1 : 1;
    return (a->revision > b->revision) - (a->revision < b->revision);
}

//  Order the rows' indices into order: by area first (counting), then
//  each area's few rows by s_row_compare (insertion).  0, or -1 if
//  memory is short.
static int
s_order_rows (const wdm_warn_row_t *rows, int count, int area_count, int *order)
{
    int *start = calloc ((size_t)area_count + 1, sizeof *start);
    if (!start)
        return -1;
    for (int i = 0; i < count; i++)
        start [rows [i].area + 1]++;
    for (int a = 0; a < area_count; a++)
        start [a + 1] += start [a];
    for (int i = 0; i < count; i++)
        order [start [rows [i].area]++] = i;  //  start [a] ends as area a + 1's start
    for (int a = 0, low = 0; a < area_count; low = start [a++])
        for (int i = low + 1; i < start [a]; i++) {
            int k = order [i], j = i;
            for (; j > low && s_row_compare (&rows [order [j - 1]], &rows [k]) > 0; j--)
                order [j] = order [j - 1];
            order [j] = k;
        }
    free (start);
    return 0;
}

//  The current value of each series of a fetch's result within the plan's
//  years, sorted by area (in the areas' order), body, sex and year; the
//  result is cleared.  NULL if the fetch failed (res NULL) or memory is
//  short.  Reads self only, so a reader thread may call it.
wdm_warn_row_t *
wdm_warn_series_read (const wdm_warn_eval_t *self, PGresult *res, int *count)
{
    *count = 0;
    if (!res)
        return NULL;
    int rows = PQntuples (res), kept = 0;
    wdm_warn_row_t *all = calloc ((size_t)rows + 1, sizeof *all);
    for (int row = 0; all && row < rows; row++) {
        wdm_warn_row_t *r = &all [kept];
        r->area = wdm_warn_context_area (self, PQgetvalue (res, row, 0));
        r->year = atoi (PQgetvalue (res, row, 1));
        //  A plan judges its own years, baseline to end: a statistic the
        //  next plan also watches has values this plan never asked for.
        if (r->area < 0 || r->year < self->baseline_year || r->year > self->last_year)
            continue;
        wdm_warn_copy (r->body, sizeof r->body, PQgetvalue (res, row, 2));
        r->sex = PQgetvalue (res, row, 3) [0];
        r->revision = atoi (PQgetvalue (res, row, 4));
        r->final = PQgetvalue (res, row, 5) [0] == 't';
        r->value = strtod (PQgetvalue (res, row, 6), NULL);
        r->has_ratio = !PQgetisnull (res, row, 7) && !PQgetisnull (res, row, 8);
        if (r->has_ratio) {
            r->numerator = strtod (PQgetvalue (res, row, 7), NULL);
            r->denominator = strtod (PQgetvalue (res, row, 8), NULL);
        }
        kept++;
    }
    PQclear (res);
    int *order = all ? calloc ((size_t)kept + 1, sizeof *order) : NULL;
    wdm_warn_row_t *out = order ? calloc ((size_t)kept + 1, sizeof *out) : NULL;
    if (!out || s_order_rows (all, kept, self->area_count, order)) {
        free (out);
        out = NULL;
    }
    //  Of each series, its latest revision; the one just before it, if
    //  final and numbered just before, is the value it replaced.
    for (int i = 0; out && i < kept; i++) {
        const wdm_warn_row_t *r = &all [order [i]];
        if (i + 1 < kept && s_same_series (r, &all [order [i + 1]]))
            continue;
        const wdm_warn_row_t *before = i > 0 ? &all [order [i - 1]] : NULL;
        wdm_warn_row_t *o = &out [(*count)++];
        *o = *r;
        o->has_replaced =
            before && s_same_series (before, r) && before->final && before->revision == r->revision - 1;
        o->replaced = o->has_replaced ? before->value : 0;
    }
    free (order);
    free (all);
    return out;
}

//  wdm_warn_series_read, noting a failure in self: the evaluation is then
//  not applied, for an indicator whose values could not be read would
//  have every warning of it resolved.
wdm_warn_row_t *
wdm_warn_series_rows (wdm_warn_eval_t *self, PGresult *res, int *count)
{
    wdm_warn_row_t *rows = wdm_warn_series_read (self, res, count);
    if (!rows)
        self->failed = true;
    return rows;
}

//  Fetch the current yearly values of one indicator on the evaluation's
//  own connection.
wdm_warn_row_t *
wdm_warn_series_fetch (wdm_warn_eval_t *self, const char *indicator, int *count)
{
    const char *params [] = { indicator };
    PGresult *res = wdm_db_query (self->conn, s_fetch_sql, 1, params, PGRES_TUPLES_OK, NULL, 0);
    return wdm_warn_series_rows (self, res, count);
}

//  Start fetching an indicator's values on a reader connection.
int
wdm_warn_series_send (PGconn *reader, const char *indicator)
{
    const char *params [] = { indicator };
    if (PQsendQueryParams (reader, s_fetch_sql, 1, NULL, params, NULL, NULL, 0))
        return 0;
    wdm_log_error ("warnings: %s", PQerrorMessage (reader));
    return -1;
}

//  The result of the fetch started on reader, or NULL with the error logged.
PGresult *
wdm_warn_series_receive (PGconn *reader)
{
    PGresult *res = PQgetResult (reader), *more;
    while ((more = PQgetResult (reader)))
        PQclear (more);
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        wdm_log_error ("warnings: %s", res ? PQresultErrorMessage (res) : PQerrorMessage (reader));
        PQclear (res);
        return NULL;
    }
    return res;
}

//  The points of one (area, body, sex) series of fetched rows.  Rows are
//  sorted by area (in the areas' order), so only the area's run is read.
int
wdm_warn_series_points (const wdm_warn_row_t *rows, int count, int area, const char *body, char sex,
                        wdm_point_t *points, int max)
{
    int low = 0, high = count;
    while (low < high) {
        int mid = low + (high - low) / 2;
        if (rows [mid].area < area)
            low = mid + 1;
        else
            high = mid;
    }
    int n = 0;
    for (int i = low; i < count && rows [i].area == area && n < max; i++)
        if (rows [i].area == area && rows [i].sex == sex && strcmp (rows [i].body, body) == 0) {
            points [n].year = rows [i].year;
            points [n].value = rows [i].value;
            points [n].revised_from_final = rows [i].has_replaced && rows [i].replaced != rows [i].value;
            points [n].final_value = rows [i].replaced;
            n++;
        }
    return n;
}

static int s_series_district (const wdm_warn_eval_t *self, const wdm_warn_indicator_t *ind,
                              const wdm_warn_row_t *rows, int count, int district, wdm_point_t *points,
                              int *parts, int max);

//  The district's series: its own values, and for each year it reported
//  none itself, the roll-up of the areas directly below it by the
//  indicator's aggregation rule (wdm_judge: shares from summed numerators
//  and denominators, never averaged).  Year by year: the district's own
//  value wins for that year only.  parts [i] is how many areas point i was
//  rolled up from, 0 for a value the district reported.  A baseline the
//  plan states (plan_baseline) stands for the baseline year's value.
int
wdm_warn_series_district (const wdm_warn_eval_t *self, const wdm_warn_indicator_t *ind,
                          const wdm_warn_row_t *rows, int count, int district, wdm_point_t *points,
                          int *parts, int max)
{
    int n = s_series_district (self, ind, rows, count, district, points, parts, max);
    if (!ind->stated_baseline || max < 1)
        return n;
    //  The baseline year comes first in the series, if it is there.
    if (n == 0 || points [0].year != self->baseline_year) {
        if (n == max)
            n--;
        memmove (points + 1, points, (size_t)n * sizeof *points);
        memmove (parts + 1, parts, (size_t)n * sizeof *parts);
        n++;
    }
    memset (&points [0], 0, sizeof points [0]);
    points [0].year = self->baseline_year;
    points [0].value = ind->baseline;
    parts [0] = 0;
    return n;
}

static int
s_series_district (const wdm_warn_eval_t *self, const wdm_warn_indicator_t *ind, const wdm_warn_row_t *rows,
                   int count, int district, wdm_point_t *points, int *parts, int max)
{
    wdm_point_t own [WDM_WARN_MAX_YEARS];
    int own_count = wdm_warn_series_points (rows, count, district, "", 'T', own, WDM_WARN_MAX_YEARS);
    int n = 0, k = 0;
    for (int year = self->baseline_year; year <= self->last_year && n < max; year++) {
        while (k < own_count && own [k].year < year && n < max)
            points [n] = own [k++], parts [n++] = 0;
        if (n >= max)
            break;
        if (k < own_count && own [k].year == year) {
            points [n] = own [k++];
            parts [n++] = 0;
            continue;
        }
        wdm_rollup_t rollup;
        wdm_judge_rollup_init (&rollup);
        for (int i = 0; i < count; i++) {
            const wdm_warn_row_t *r = &rows [i];
            if (r->year == year && r->sex == 'T' && !r->body [0] && self->areas [r->area].parent == district)
                wdm_judge_rollup_add (&rollup, r->value, r->has_ratio, r->numerator, r->denominator);
        }
        double value;
        if (ind->aggregation == WDM_AGG_NONE
            || wdm_judge_rollup_value (&rollup, ind->aggregation, ind->scale, &value))
            continue;
        memset (&points [n], 0, sizeof points [n]);
        points [n].year = year;
        points [n].value = value;
        parts [n++] = rollup.parts;
    }
    while (k < own_count && n < max)
        points [n] = own [k++], parts [n++] = 0;
    return n;
}

//  How many areas lie directly below the district: the parts a roll-up owes.
int
wdm_warn_series_parts_owed (const wdm_warn_eval_t *self, int district)
{
    int owed = 0;
    for (int a = 0; a < self->area_count; a++)
        owed += self->areas [a].parent == district;
    return owed;
}

//  A finding about a year whose district value was rolled up from only
//  some of the areas says so: it is not the district's own figure.
void
wdm_warn_series_note_parts (wdm_finding_t *found, int k, const wdm_point_t *points, const int *parts, int n,
                            int owed)
{
    for (int i = 0; i < k; i++)
        for (int p = 0; p < n; p++) {
            if (points [p].year != found [i].year || parts [p] == 0)
                continue;
            char zh [160], en [160];
            snprintf (zh, sizeof zh, "(全区数值由%d个镇街中的%d个汇总%s)", owed, parts [p],
                      parts [p] < owed ? ",并非全区完整数据" : "");
            snprintf (en, sizeof en, " (the district value is rolled up from %d of %d towns and streets%s)",
                      parts [p], owed, parts [p] < owed ? ", not the whole district" : "");
            size_t zl = strlen (found [i].message_zh), el = strlen (found [i].message_en);
            if (zl + strlen (zh) < sizeof found [i].message_zh)
                memcpy (found [i].message_zh + zl, zh, strlen (zh) + 1);
            if (el + strlen (en) < sizeof found [i].message_en)
                memcpy (found [i].message_en + el, en, strlen (en) + 1);
        }
}

static int
s_change_compare (const void *a, const void *b)
{
    int x = ((const wdm_warn_change_t *)a)->year, y = ((const wdm_warn_change_t *)b)->year;
    return (x > y) - (x < y);
}

//  The changes of the series the rules judge (no body, both sexes), from
//  rows sorted by area, body, sex and year.  Without memory, no pool: the
//  rule then falls back as with too few changes.
void
wdm_warn_series_pool (const wdm_warn_row_t *rows, int count, wdm_warn_pool_t *self)
{
    memset (self, 0, sizeof *self);
    self->changes = calloc ((size_t)count + 1, sizeof *self->changes);
    for (int i = 1; self->changes && i < count; i++) {
        const wdm_warn_row_t *a = &rows [i - 1], *b = &rows [i];
        if (b->sex == 'T' && !b->body [0] && a->area == b->area && a->sex == 'T' && !a->body [0]
            && b->year == a->year + 1)
            self->changes [self->count++] = (wdm_warn_change_t) { b->year, b->value - a->value };
    }
    if (self->count)
        qsort (self->changes, (size_t)self->count, sizeof *self->changes, s_change_compare);
}

//  The pool of the changes that end before year: none of the year judged,
//  so a shock to every area that year is judged against the years before.
const wdm_pool_t *
wdm_warn_series_pool_before (wdm_warn_pool_t *self, int year)
{
    if (self->year != year) {
        int n = 0;
        while (n < self->count && self->changes [n].year < year)
            n++;
        double *values = malloc ((size_t)n * sizeof *values + 1);
        for (int i = 0; values && i < n; i++)
            values [i] = self->changes [i].change;
        if (!values || wdm_rules_pool (values, n, &self->pool))
            memset (&self->pool, 0, sizeof self->pool);
        free (values);
        self->year = year;
    }
    return &self->pool;
}
