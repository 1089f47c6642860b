/*  wdm_warn: evaluate the rules against the database and apply the
    warning lifecycle.  See wdm_warn.h.

    Work goes one indicator at a time, so memory follows the largest
    indicator, not the whole data set: its current values (and those of
    the indicator it is related to) are fetched, grouped into series by
    area, body and sex, rolled up to the district where needed, and handed
    to wdm_rules.  The findings of the whole evaluation are then applied in
    one transaction through the database's warning functions.  */

#include "wdm_warn.h"
#include "wdm_clock.h"
#include "wdm_date.h"
#include "wdm_db.h"
#include "wdm_judge.h"
#include "wdm_log.h"
#include "wdm_rules.h"
#include "wdm_table.h"

#include <math.h>
#include <pthread.h>
#include <zmq.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    wdm_rule_indicator_t rule;
    wdm_aggregation_t aggregation;
    double scale;                       //  0: not a ratio
    char relation [WDM_CODE_MAX];       //  the other indicator of a relation
    bool in_scope;
} s_indicator_t;

typedef struct {
    char code [WDM_CODE_MAX];
    int parent;                         //  index, -1 for the district
    bool town;                          //  a town or street: has peers
    char name_zh [128];
    char name_en [128];
} s_area_t;

typedef struct {
    char indicator [WDM_CODE_MAX];      //  "" for a rule's default
    char rule [32];
    char param [32];
    double value;
} s_threshold_t;

//  One current value, as fetched.
typedef struct {
    int area;
    int year;
    char body [WDM_CODE_MAX];
    char sex;
    double value;
    bool has_ratio;                     //  numerator and denominator both given
    double numerator, denominator;
    bool has_replaced;
    double replaced;
} s_row_t;

typedef struct {
    PGconn *conn;
    int baseline_year, first_year, last_year, deadline_month, deadline_day;
    s_indicator_t *indicators;
    int indicator_count;
    s_area_t *areas;
    int area_count;
    s_threshold_t *thresholds;
    int threshold_count;
    wdm_db_copy_t findings;             //  the findings not yet sent to wdm_findings
    int finding_count;
    bool failed;                        //  a finding could not be kept: do not apply
    int series;
} s_eval_t;

//  --- Loading the context ----------------------------------------------------------

static PGresult *
s_query (PGconn *conn, const char *sql, int count, const char *const *params)
{
    PGresult *res = PQexecParams (conn, sql, count, NULL, params, NULL, NULL, 0);
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        wdm_log_error ("warnings: %s", PQresultErrorMessage (res));
        PQclear (res);
        return NULL;
    }
    return res;
}

static void
s_copy (char *dest, size_t size, const char *text)
{
    snprintf (dest, size, "%s", text ? text : "");
}

//  Areas are loaded sorted by code: a binary search finds one.
static int
s_area_find (const s_eval_t *self, const char *code)
{
    int low = 0, high = self->area_count;
    while (low < high) {
        int mid = low + (high - low) / 2;
        int cmp = strcmp (self->areas [mid].code, code);
        if (cmp == 0)
            return mid;
        if (cmp < 0)
            low = mid + 1;
        else
            high = mid;
    }
    return -1;
}

static int
s_indicator_find (const s_eval_t *self, const char *code)
{
    for (int i = 0; i < self->indicator_count; i++)
        if (strcmp (self->indicators [i].rule.code, code) == 0)
            return i;
    return -1;
}

static int
s_load_context (s_eval_t *self)
{
    PGresult *res = s_query (self->conn,
        "SELECT baseline_year, period_start, period_end, deadline_month, deadline_day"
        "  FROM plan ORDER BY code LIMIT 1", 0, NULL);
    if (!res)
        return -1;
    if (PQntuples (res) != 1) {
        wdm_log_error ("warnings: the database holds no plan");
        PQclear (res);
        return -1;
    }
    self->baseline_year = atoi (PQgetvalue (res, 0, 0));
    self->first_year = atoi (PQgetvalue (res, 0, 1));
    self->last_year = atoi (PQgetvalue (res, 0, 2));
    self->deadline_month = atoi (PQgetvalue (res, 0, 3));
    self->deadline_day = atoi (PQgetvalue (res, 0, 4));
    PQclear (res);
    if (self->last_year - self->baseline_year + 1 > WDM_JUDGE_MAX_YEARS) {
        wdm_log_error ("warnings: the plan spans %d-%d, more than %d years",
                       self->baseline_year, self->last_year, WDM_JUDGE_MAX_YEARS);
        return -1;
    }

    res = s_query (self->conn,
        "SELECT i.code, i.name_zh, i.name_en, u.code, u.symbol, i.target_kind, i.target_value,"
        "       i.target_year, i.relation_op, i.aggregation, coalesce (u.scale, 0),"
        "       coalesce (i.relation_code, '')"
        "  FROM indicator i JOIN measure_unit u ON u.code = i.unit_code"
        " WHERE i.active ORDER BY i.code", 0, NULL);
    if (!res)
        return -1;
    self->indicator_count = PQntuples (res);
    self->indicators = calloc ((size_t) self->indicator_count + 1, sizeof *self->indicators);
    if (!self->indicators) {
        PQclear (res);
        return -1;
    }
    for (int row = 0; row < self->indicator_count; row++) {
        s_indicator_t *ind = &self->indicators [row];
        wdm_rule_indicator_t *r = &ind->rule;
        s_copy (r->code, sizeof r->code, PQgetvalue (res, row, 0));
        s_copy (r->name_zh, sizeof r->name_zh, PQgetvalue (res, row, 1));
        s_copy (r->name_en, sizeof r->name_en, PQgetvalue (res, row, 2));
        const char *unit = PQgetvalue (res, row, 3);
        s_copy (r->unit_zh, sizeof r->unit_zh, PQgetvalue (res, row, 4));
        s_copy (r->unit_en, sizeof r->unit_en,
                strcmp (unit, "percent") == 0 ? "%" : strcmp (unit, "per_mille") == 0 ? "‰"
              : strcmp (unit, "per_100k") == 0 ? " per 100,000" : strcmp (unit, "years") == 0 ? " years"
              : strcmp (unit, "count") == 0 ? " persons" : "");
        if (wdm_target_kind_parse (PQgetvalue (res, row, 5), &r->kind))
            r->kind = WDM_TARGET_MONITOR;
        r->has_target = !PQgetisnull (res, row, 6);
        r->target = r->has_target ? strtod (PQgetvalue (res, row, 6), NULL) : 0;
        r->target_year = atoi (PQgetvalue (res, row, 7));
        r->baseline_year = self->baseline_year;
        s_copy (r->relation_op, sizeof r->relation_op, PQgetvalue (res, row, 8));
        if (wdm_aggregation_parse (PQgetvalue (res, row, 9), &ind->aggregation))
            ind->aggregation = WDM_AGG_NONE;
        ind->scale = strtod (PQgetvalue (res, row, 10), NULL);
        s_copy (ind->relation, sizeof ind->relation, PQgetvalue (res, row, 11));
    }
    PQclear (res);

    res = s_query (self->conn, "SELECT code, coalesce (parent_code, ''), level, name_zh, name_en"
                               "  FROM area ORDER BY code COLLATE \"C\"", 0, NULL);
    if (!res)
        return -1;
    self->area_count = PQntuples (res);
    self->areas = calloc ((size_t) self->area_count + 1, sizeof *self->areas);
    if (!self->areas) {
        PQclear (res);
        return -1;
    }
    for (int row = 0; row < self->area_count; row++) {
        s_area_t *area = &self->areas [row];
        s_copy (area->code, sizeof area->code, PQgetvalue (res, row, 0));
        s_copy (area->name_zh, sizeof area->name_zh, PQgetvalue (res, row, 3));
        s_copy (area->name_en, sizeof area->name_en, PQgetvalue (res, row, 4));
        const char *level = PQgetvalue (res, row, 2);
        area->town = strcmp (level, "town") == 0 || strcmp (level, "street") == 0;
    }
    for (int row = 0; row < self->area_count; row++)
        self->areas [row].parent = s_area_find (self, PQgetvalue (res, row, 1));
    PQclear (res);

    res = s_query (self->conn, "SELECT coalesce (indicator_code, ''), rule_code, param, value"
                               "  FROM rule_threshold ORDER BY indicator_code NULLS FIRST", 0, NULL);
    if (!res)
        return -1;
    self->threshold_count = PQntuples (res);
    self->thresholds = calloc ((size_t) self->threshold_count + 1, sizeof *self->thresholds);
    if (!self->thresholds) {
        PQclear (res);
        return -1;
    }
    for (int row = 0; row < self->threshold_count; row++) {
        s_threshold_t *t = &self->thresholds [row];
        s_copy (t->indicator, sizeof t->indicator, PQgetvalue (res, row, 0));
        s_copy (t->rule, sizeof t->rule, PQgetvalue (res, row, 1));
        s_copy (t->param, sizeof t->param, PQgetvalue (res, row, 2));
        t->value = strtod (PQgetvalue (res, row, 3), NULL);
    }
    PQclear (res);
    return 0;
}

//  The thresholds for one indicator: defaults, then its own overrides.
static void
s_thresholds_for (const s_eval_t *self, const char *indicator, wdm_thresholds_t *out)
{
    wdm_thresholds_default (out);
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < self->threshold_count; i++) {
            const s_threshold_t *t = &self->thresholds [i];
            int is_default = t->indicator [0] == '\0';
            if ((pass == 0 && is_default) || (pass == 1 && strcmp (t->indicator, indicator) == 0))
                wdm_thresholds_set (out, t->rule, t->param, t->value);
        }
}

//  --- Findings -------------------------------------------------------------------

//  Findings go to the temporary table wdm_findings, one indicator's at a
//  time: memory holds one indicator's findings, however many there are.
static const char *s_findings_table_sql =
    "CREATE TEMP TABLE IF NOT EXISTS wdm_findings (rule text, indicator text, area text,"
    "  year int, body text, unit text, level text, message_zh text, message_en text,"
    "  value float8, target float8, details jsonb)";

static void
s_collect (s_eval_t *self, const wdm_finding_t *findings, int count, const char *indicator,
           const char *area, const char *unit)
{
    wdm_db_copy_t *copy = &self->findings;
    for (int i = 0; i < count; i++) {
        const wdm_finding_t *f = &findings [i];
        int rc = wdm_db_copy_text (copy, wdm_rule_code (f->rule), '\t');
        rc |= wdm_db_copy_text (copy, indicator, '\t');
        rc |= wdm_db_copy_text (copy, area, '\t');
        rc |= wdm_db_copy_format (copy, "%d\t", f->year);
        rc |= wdm_db_copy_text (copy, f->body, '\t');
        rc |= wdm_db_copy_text (copy, unit [0] ? unit : NULL, '\t');
        rc |= wdm_db_copy_text (copy, f->level >= 2 ? "red" : "yellow", '\t');
        rc |= wdm_db_copy_text (copy, f->message_zh, '\t');
        rc |= wdm_db_copy_text (copy, f->message_en, '\t');
        rc |= f->rule == WDM_RULE_MISSING ? wdm_db_copy_text (copy, NULL, '\t')
                                          : wdm_db_copy_format (copy, "%.17g\t", f->value);
        rc |= f->has_target ? wdm_db_copy_format (copy, "%.17g\t", f->target)
                            : wdm_db_copy_text (copy, NULL, '\t');
        rc |= wdm_db_copy_text (copy, f->details [0] ? f->details : "{}", '\n');
        if (rc)
            self->failed = true;
        else
            self->finding_count++;
    }
}

//  Send the findings collected so far.
static void
s_flush (s_eval_t *self)
{
    if (wdm_db_copy_send (self->conn, "wdm_findings", &self->findings))
        self->failed = true;
}

//  --- Series ----------------------------------------------------------------------

#define S_MAX_YEARS WDM_JUDGE_MAX_YEARS
#define S_MAX_FINDINGS 16
#define S_READERS_MAX 8                 //  reader connections of a large evaluation
#define S_PARALLEL_MIN 8                //  indicators that make an evaluation large

//  The current value of each yearly series of one indicator, and the value
//  it replaced if that one was final: what observation_current gives, read
//  from observation with one scan and one sort (the view's self-join and
//  second sort took three times as long).  Codes compare bytewise.
static const char *s_fetch_sql =
    "SELECT area_code, year, body, sex, value, numerator, denominator,"
    "       CASE WHEN prev_status = 'final' AND prev_revision = revision - 1 THEN prev_value END"
    "  FROM (SELECT area_code, year, body, sex, value, numerator, denominator, revision,"
    "               row_number () OVER w AS rn, lead (value) OVER w AS prev_value,"
    "               lead (status) OVER w AS prev_status, lead (revision) OVER w AS prev_revision"
    "          FROM observation"
    "         WHERE indicator_code = $1 AND period_kind = 'year' AND period_no = 0"
    "        WINDOW w AS (PARTITION BY area_code COLLATE \"C\", body COLLATE \"C\", sex, year"
    "                     ORDER BY revision DESC)) x"
    " WHERE rn = 1"
    " ORDER BY area_code COLLATE \"C\", body COLLATE \"C\", sex, year";

//  The rows of a fetch's result, which this clears.  NULL if the fetch
//  failed: the evaluation is then not applied, for an indicator whose
//  values could not be read would have every warning of it resolved.
static s_row_t *
s_rows (s_eval_t *self, PGresult *res, int *count)
{
    *count = 0;
    if (!res) {
        self->failed = true;
        return NULL;
    }
    int rows = PQntuples (res);
    s_row_t *out = calloc ((size_t) rows + 1, sizeof *out);
    if (!out)
        self->failed = true;
    for (int row = 0; out && row < rows; row++) {
        s_row_t *r = &out [*count];
        r->area = s_area_find (self, PQgetvalue (res, row, 0));
        if (r->area < 0)
            continue;
        r->year = atoi (PQgetvalue (res, row, 1));
        s_copy (r->body, sizeof r->body, PQgetvalue (res, row, 2));
        r->sex = PQgetvalue (res, row, 3) [0];
        r->value = strtod (PQgetvalue (res, row, 4), NULL);
        r->has_ratio = !PQgetisnull (res, row, 5) && !PQgetisnull (res, row, 6);
        if (r->has_ratio) {
            r->numerator = strtod (PQgetvalue (res, row, 5), NULL);
            r->denominator = strtod (PQgetvalue (res, row, 6), NULL);
        }
        r->has_replaced = !PQgetisnull (res, row, 7);
        r->replaced = r->has_replaced ? strtod (PQgetvalue (res, row, 7), NULL) : 0;
        (*count)++;
    }
    PQclear (res);
    return out;
}

//  Fetch the current yearly values of one indicator on the evaluation's
//  own connection.
static s_row_t *
s_fetch (s_eval_t *self, const char *indicator, int *count)
{
    const char *params [] = { indicator };
    return s_rows (self, s_query (self->conn, s_fetch_sql, 1, params), count);
}

//  Start fetching an indicator's values on a reader connection.
static int
s_fetch_send (PGconn *reader, const char *indicator)
{
    const char *params [] = { indicator };
    if (PQsendQueryParams (reader, s_fetch_sql, 1, NULL, params, NULL, NULL, 0))
        return 0;
    wdm_log_error ("warnings: %s", PQerrorMessage (reader));
    return -1;
}

//  The result of the fetch started on reader, or NULL with the error logged.
static PGresult *
s_fetch_receive (PGconn *reader)
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
static int
s_points (const s_row_t *rows, int count, int area, const char *body, char sex,
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
            points [n].revised_from_final = rows [i].has_replaced
                                         && rows [i].replaced != rows [i].value;
            points [n].final_value = rows [i].replaced;
            n++;
        }
    return n;
}

//  The district's series: its own values, and for each year it reported
//  none itself, the roll-up of the areas directly below it by the
//  indicator's aggregation rule (wdm_judge: shares from summed numerators
//  and denominators, never averaged).  Year by year: the district's own
//  value wins for that year only.  parts [i] is how many areas point i was
//  rolled up from, 0 for a value the district reported.
static int
s_district_points (const s_eval_t *self, const s_indicator_t *ind, const s_row_t *rows, int count,
                   int district, wdm_point_t *points, int *parts, int max)
{
    wdm_point_t own [S_MAX_YEARS];
    int own_count = s_points (rows, count, district, "", 'T', own, S_MAX_YEARS);
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
            const s_row_t *r = &rows [i];
            if (r->year == year && r->sex == 'T' && !r->body [0] && self->areas [r->area].parent == district)
                wdm_judge_rollup_add (&rollup, r->value, r->has_ratio, r->numerator, r->denominator);
        }
        double value;
        if (ind->aggregation == WDM_AGG_NONE
        ||  wdm_judge_rollup_value (&rollup, ind->aggregation, ind->scale, &value))
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
static int
s_parts_owed (const s_eval_t *self, int district)
{
    int owed = 0;
    for (int a = 0; a < self->area_count; a++)
        owed += self->areas [a].parent == district;
    return owed;
}

//  A finding about a year whose district value was rolled up from only
//  some of the areas says so: it is not the district's own figure.
static void
s_note_parts (wdm_finding_t *found, int k, const wdm_point_t *points, const int *parts, int n,
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

//  The year-on-year changes of one indicator in all its areas, for the
//  fluctuation rule when a series' own history is short: each (area)
//  series' change from one year to the next, by the year it ends in, and
//  the pool of those before a year, kept for the last year asked.
typedef struct {
    int year;
    double change;
} s_change_t;

typedef struct {
    s_change_t *changes;
    int count;
    int year;                           //  the year pool is for; 0: none yet
    wdm_pool_t pool;
} s_pool_t;

static int
s_change_compare (const void *a, const void *b)
{
    int x = ((const s_change_t *) a)->year, y = ((const s_change_t *) b)->year;
    return (x > y) - (x < y);
}

//  The changes of the series the rules judge (no body, both sexes), from
//  rows sorted by area, body, sex and year.  Without memory, no pool: the
//  rule then falls back as with too few changes.
static void
s_pool_changes (const s_row_t *rows, int count, s_pool_t *self)
{
    memset (self, 0, sizeof *self);
    self->changes = calloc ((size_t) count + 1, sizeof *self->changes);
    for (int i = 1; self->changes && i < count; i++) {
        const s_row_t *a = &rows [i - 1], *b = &rows [i];
        if (b->sex == 'T' && !b->body [0] && a->area == b->area && a->sex == 'T' && !a->body [0]
        &&  b->year == a->year + 1)
            self->changes [self->count++] = (s_change_t) { b->year, b->value - a->value };
    }
    if (self->count)
        qsort (self->changes, (size_t) self->count, sizeof *self->changes, s_change_compare);
}

//  The pool of the changes that end before year: none of the year judged,
//  so a shock to every area that year is judged against the years before.
static const wdm_pool_t *
s_pool_before (s_pool_t *self, int year)
{
    if (self->year != year) {
        int n = 0;
        while (n < self->count && self->changes [n].year < year)
            n++;
        double *values = malloc ((size_t) n * sizeof *values + 1);
        for (int i = 0; values && i < n; i++)
            values [i] = self->changes [i].change;
        if (!values || wdm_rules_pool (values, n, &self->pool))
            memset (&self->pool, 0, sizeof self->pool);
        free (values);
        self->year = year;
    }
    return &self->pool;
}

//  Everything for one indicator, from its rows (which this frees).
static void
s_evaluate_indicator (s_eval_t *self, const s_indicator_t *ind, s_row_t *rows, int count)
{
    int other_count = 0;
    s_row_t *other_rows = NULL;
    const s_indicator_t *other = NULL;
    if (ind->rule.kind == WDM_TARGET_RELATION && ind->relation [0]) {
        int at = s_indicator_find (self, ind->relation);
        if (at >= 0) {
            other = &self->indicators [at];
            other_rows = s_fetch (self, other->rule.code, &other_count);
        }
    }
    wdm_thresholds_t thresholds;
    s_thresholds_for (self, ind->rule.code, &thresholds);
    wdm_point_t points [S_MAX_YEARS], more [S_MAX_YEARS];
    wdm_finding_t found [S_MAX_FINDINGS];
    s_pool_t pool;
    s_pool_changes (rows, count, &pool);

    for (int a = 0; rows && a < self->area_count; a++) {
        const s_area_t *area = &self->areas [a];
        wdm_place_t place = { area->name_zh, area->name_en };
        int parts [S_MAX_YEARS] = { 0 }, more_parts [S_MAX_YEARS];
        int n = area->parent < 0
              ? s_district_points (self, ind, rows, count, a, points, parts, S_MAX_YEARS)
              : s_points (rows, count, a, "", 'T', points, S_MAX_YEARS);
        int owed = area->parent < 0 ? s_parts_owed (self, a) : 0;
        int k = 0;
        if (n > 0) {
            self->series++;
            if (ind->rule.kind != WDM_TARGET_MIN_COUNT && ind->rule.kind != WDM_TARGET_NARROW_GAP) {
                const wdm_pool_t *usual = s_pool_before (&pool, points [n - 1].year);
                k = wdm_rules_series_pooled (&ind->rule, place, points, n, usual, &thresholds,
                                             found, S_MAX_FINDINGS);
                s_note_parts (found, k, points, parts, n, owed);
                s_collect (self, found, k, ind->rule.code, area->code, "");
            }
            if (other) {
                int m = area->parent < 0
                      ? s_district_points (self, other, other_rows, other_count, a, more, more_parts,
                                           S_MAX_YEARS)
                      : s_points (other_rows, other_count, a, "", 'T', more, S_MAX_YEARS);
                k = wdm_rules_relation (&ind->rule, &other->rule, place, points, n, more, m,
                                        &thresholds, found, S_MAX_FINDINGS);
                s_note_parts (found, k, points, parts, n, owed);
                s_collect (self, found, k, ind->rule.code, area->code, "");
            }
            //  A town against the other towns in its latest year.
            if (area->town) {
                double peers [512];
                int peer_count = 0, year = points [n - 1].year;
                for (int i = 0; i < count && peer_count < 512; i++) {
                    const s_row_t *r = &rows [i];
                    if (r->area != a && r->year == year && r->sex == 'T' && !r->body [0]
                    &&  self->areas [r->area].town)
                        peers [peer_count++] = r->value;
                }
                k = wdm_rules_peers (&ind->rule, place, year, points [n - 1].value, peers,
                                     peer_count, &thresholds, found, S_MAX_FINDINGS);
                s_collect (self, found, k, ind->rule.code, area->code, "");
            }
        }
        if (ind->rule.kind == WDM_TARGET_NARROW_GAP) {
            int w = s_points (rows, count, a, "", 'F', points, S_MAX_YEARS);
            int m = s_points (rows, count, a, "", 'M', more, S_MAX_YEARS);
            if (w && m) {
                self->series++;
                k = wdm_rules_gap (&ind->rule, place, points, w, more, m, &thresholds,
                                   found, S_MAX_FINDINGS);
                s_collect (self, found, k, ind->rule.code, area->code, "");
            }
        }
        if (ind->rule.kind == WDM_TARGET_MIN_COUNT) {
            //  Each body reported in this area, once.
            for (int i = 0; i < count; i++) {
                const s_row_t *r = &rows [i];
                if (r->area != a || !r->body [0] || r->sex != 'T'
                ||  (i > 0 && rows [i - 1].area == a && strcmp (rows [i - 1].body, r->body) == 0))
                    continue;
                int b = s_points (rows, count, a, r->body, 'T', points, S_MAX_YEARS);
                self->series++;
                k = wdm_rules_min_count (&ind->rule, place, r->body, points, b, &thresholds,
                                         found, S_MAX_FINDINGS);
                s_collect (self, found, k, ind->rule.code, area->code, "");
            }
        }
    }
    free (rows);
    free (other_rows);
    free (pool.changes);
}

//  Reports owed by lead units and not made: one finding each.  What is
//  owed, and whether it came (from any unit), is the view report_owed's:
//  the completeness view counts the same rows, so the two agree.
static int
s_evaluate_deadlines (s_eval_t *self, const wdm_date_t *today)
{
    char last [16];
    //  Years whose deadline window may have opened: up to last year.
    snprintf (last, sizeof last, "%d", today->year - 1 < self->last_year ? today->year - 1 : self->last_year);
    char first [16];
    snprintf (first, sizeof first, "%d", self->first_year);
    const char *params [] = { first, last };
    PGresult *res = s_query (self->conn,
        "SELECT indicator_code, unit_code, area_code, unit_zh, unit_en, year, body,"
        "       first_received IS NOT NULL"
        "  FROM report_owed WHERE year BETWEEN $1::int AND $2::int"
        " ORDER BY indicator_code, unit_code, year, body", 2, params);
    if (!res)
        return -1;
    wdm_finding_t found [S_MAX_FINDINGS];
    for (int row = 0; row < PQntuples (res); row++) {
        int at = s_indicator_find (self, PQgetvalue (res, row, 0));
        int area = s_area_find (self, PQgetvalue (res, row, 2));
        if (at < 0 || area < 0)
            continue;
        const s_indicator_t *ind = &self->indicators [at];
        if (!ind->in_scope)
            continue;
        wdm_thresholds_t thresholds;
        s_thresholds_for (self, ind->rule.code, &thresholds);
        wdm_place_t unit = { PQgetvalue (res, row, 3), PQgetvalue (res, row, 4) };
        wdm_place_t place = { self->areas [area].name_zh, self->areas [area].name_en };
        //  A report owed per body names its body, in the message too.
        const char *body = PQgetvalue (res, row, 6);
        wdm_rule_indicator_t named = ind->rule;
        if (body [0]
        &&  (snprintf (named.name_zh, sizeof named.name_zh, "%s(%s)", ind->rule.name_zh, body)
                 >= (int) sizeof named.name_zh
         ||  snprintf (named.name_en, sizeof named.name_en, "%s (%s)", ind->rule.name_en, body)
                 >= (int) sizeof named.name_en))
            named = ind->rule;          //  too long to name: the body is in the warning's key
        int k = wdm_rules_missing (&named, unit, place, atoi (PQgetvalue (res, row, 5)),
                                   self->deadline_month, self->deadline_day,
                                   today->year, today->month, today->day,
                                   PQgetvalue (res, row, 7) [0] == 't', &thresholds,
                                   found, S_MAX_FINDINGS);
        for (int i = 0; i < k; i++)
            snprintf (found [i].body, sizeof found [i].body, "%s", body);
        s_collect (self, found, k, ind->rule.code, self->areas [area].code, PQgetvalue (res, row, 1));
    }
    PQclear (res);
    return 0;
}

//  --- Applying --------------------------------------------------------------------

//  The warning w of finding f: the same rule, indicator, area, year, body
//  and unit (a finding's unit is NULL unless it is a missing report).
#define S_SAME_KEY \
    "w.rule_code = f.rule AND w.indicator_code = f.indicator AND w.area_code = f.area" \
    " AND w.year = f.year AND w.body = f.body AND coalesce (w.unit_code, '') = coalesce (f.unit, '')"
//  Findings are yearly.
#define S_YEARLY "w.period_kind = 'year' AND w.period_no = 0"

//  Open the warnings of findings that have none: insert them, their
//  'open' events and their announcements, as warning_raise does one at a
//  time.  Returns how many were opened.
static const char *s_open_sql =
    "WITH opened AS ("
    "  INSERT INTO warning (rule_code, indicator_code, area_code, year, body, unit_code, level,"
    "         message_zh, message_en, value, target, details)"
    "  SELECT f.rule, f.indicator, f.area, f.year, f.body, nullif (f.unit, ''),"
    "         f.level::warning_level, f.message_zh, f.message_en, f.value, f.target, f.details"
    "    FROM wdm_findings f"
    "   WHERE NOT EXISTS (SELECT 1 FROM warning w WHERE " S_SAME_KEY " AND " S_YEARLY ")"
    "   ORDER BY f.rule, f.indicator, f.area, f.year"
    "  ON CONFLICT DO NOTHING"
    "  RETURNING *"
    "), events AS ("
    "  INSERT INTO warning_event (warning_id, transition, level, message_zh, message_en)"
    "  SELECT id, 'open', level, message_zh, message_en FROM opened"
    ") SELECT count (*) FROM opened f, LATERAL s_warning_announce (f::warning, 'open') a";

//  Resolve, in one statement, the warnings of the rules and indicators
//  evaluated ($2; $1: NULL for all) whose condition no longer holds, with
//  their events and announcements, as warning_resolve does one at a time.
//  Each event's note says why, as far as the data tell, looking at what
//  arrived since the warning's last open, update or reopen: the missing
//  report arrived; the indicator was retired; a later year's data (of the
//  area or the areas below it) superseded it; the year's value was revised
//  (and now meets the target); other data it depends on arrived; or, with
//  no new data, the thresholds or target changed.
static const char *s_resolve_sql =
    "WITH gone AS ("
    "  UPDATE warning w SET state = 'resolved', resolved_at = now (), updated_at = now ()"
    "   WHERE w.state <> 'resolved' AND w.rule_code = ANY ($2::text [])"
    "     AND ($1::text [] IS NULL OR w.indicator_code = ANY ($1::text []))"
    "     AND NOT EXISTS (SELECT 1 FROM wdm_findings f WHERE " S_SAME_KEY ")"
    "  RETURNING w.*"
    "), why AS ("
    "  SELECT g.id, CASE"
    "    WHEN g.rule_code = 'missing' AND EXISTS (SELECT 1 FROM observation o"
    "           JOIN area_within aw ON aw.within_code = o.area_code AND aw.area_code = g.area_code"
    "           WHERE o.indicator_code = g.indicator_code AND o.year = g.year"
    "             AND (g.body = '' OR o.body = g.body))"
    "      THEN '报送已收到 / the report has arrived'"
    "    WHEN NOT i.active THEN '指标已停用,不再评估 / the indicator is no longer active'"
    "    WHEN g.rule_code = 'missing'"
    "      THEN '不再需要报送(报送责任或截止日期已变更) / the report is no longer owed"
    " (the responsibility or the deadline changed)'"
    "    WHEN later.year IS NOT NULL"
    "      THEN format ('已有更新年份(%s年)的数据 / superseded by %s''s data', later.year, later.year)"
    "    WHEN revised.value IS NOT NULL AND revised.value IS DISTINCT FROM g.value"
    "      THEN format ('数据已修订:%s年的值由%s改为%s%s / the %s value was revised from %s to %s%s',"
    "             g.year, g.value, revised.value, CASE WHEN g.rule_code = 'not_met' THEN ',已达到目标' ELSE '' END,"
    "             g.year, g.value, revised.value,"
    "             CASE WHEN g.rule_code = 'not_met' THEN ' and now meets the target' ELSE '' END)"
    "    WHEN EXISTS (SELECT 1 FROM observation o WHERE o.indicator_code IN (g.indicator_code, i.relation_code)"
    "                   AND o.received_at > since.at)"
    "      THEN '本指标或关联指标的其他数据有更新 / other data of this indicator, or of the one it is"
    " compared with, were received'"
    "    ELSE '数据未变,在现行阈值和目标下条件已不成立 / no new data: the condition no longer holds"
    " under the current thresholds and target' END AS note"
    "    FROM gone g JOIN indicator i ON i.code = g.indicator_code"
    "    CROSS JOIN LATERAL (SELECT coalesce (max (e.at), g.opened_at) AS at FROM warning_event e"
    "                         WHERE e.warning_id = g.id AND e.transition IN ('open', 'update', 'reopen')) since"
    "    CROSS JOIN LATERAL (SELECT max (o.year) AS year FROM observation o"
    "                         WHERE o.indicator_code = g.indicator_code AND o.year > g.year"
    "                           AND o.received_at > since.at"
    "                           AND o.area_code IN (SELECT within_code FROM area_within aw"
    "                                                WHERE aw.area_code = g.area_code)) later"
    "    LEFT JOIN LATERAL (SELECT o.value FROM observation o"
    "                        WHERE o.indicator_code = g.indicator_code AND o.area_code = g.area_code"
    "                          AND o.year = g.year AND o.period_kind = 'year' AND o.period_no = 0"
    "                          AND o.body = g.body AND o.sex = 'T' AND o.received_at > since.at"
    "                        ORDER BY o.revision DESC LIMIT 1) revised ON true"
    "), events AS ("
    "  INSERT INTO warning_event (warning_id, transition, level, message_zh, message_en, note)"
    "  SELECT g.id, 'resolve', g.level, g.message_zh, g.message_en, why.note"
    "    FROM gone g JOIN why ON why.id = g.id"
    ") SELECT count (*) FROM gone g, LATERAL s_warning_announce (g::warning, 'resolve') a";

static int
s_apply (s_eval_t *self, const char *scope, bool deadlines, wdm_warn_stats_t *stats)
{
    int rc = -1;
    PGresult *res = NULL;
    if (wdm_db_exec (self->conn, "BEGIN"))
        goto cleanup;
    //  Evaluations by several servers, or by a server and `wdmon warnings
    //  evaluate`, apply one at a time: two could otherwise both open the
    //  same warning.
    res = PQexec (self->conn, "SELECT pg_advisory_xact_lock (7217045512)");
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        wdm_log_error ("warnings: %s", PQresultErrorMessage (res));
        goto cleanup;
    }
    PQclear (res);
    //  Findings with no warning yet are opened in one statement, with
    //  their events and announcements as warning_raise makes them: after a
    //  bulk load they are tens of thousands, and one function call each
    //  took most of the evaluation.
    res = PQexec (self->conn, s_open_sql);
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        wdm_log_error ("warnings: %s", PQresultErrorMessage (res));
        goto cleanup;
    }
    stats->opened += atoi (PQgetvalue (res, 0, 0));
    PQclear (res);
    //  The others that differ from their warning as it stands go through
    //  warning_raise: a steady state costs one index probe per finding.
    res = PQexec (self->conn,
        "SELECT t, count (*) FROM (SELECT warning_raise (rule, indicator, area, year, body,"
        "        nullif (unit, ''), level::warning_level, message_zh, message_en, value, target,"
        "        details) AS t FROM wdm_findings f"
        "  WHERE NOT EXISTS (SELECT 1 FROM warning w WHERE " S_SAME_KEY " AND " S_YEARLY
        "          AND w.state <> 'resolved' AND w.level = f.level::warning_level"
        "          AND w.value IS NOT DISTINCT FROM f.value AND w.message_zh = f.message_zh)"
        "  ORDER BY rule, indicator, area, year) x GROUP BY t");
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        wdm_log_error ("warnings: %s", PQresultErrorMessage (res));
        goto cleanup;
    }
    for (int row = 0; row < PQntuples (res); row++) {
        const char *t = PQgetvalue (res, row, 0);
        int n = atoi (PQgetvalue (res, row, 1));
        if (strcmp (t, "open") == 0) stats->opened += n;
        else if (strcmp (t, "reopen") == 0) stats->reopened += n;
        else if (strcmp (t, "update") == 0) stats->updated += n;
    }
    PQclear (res);
    const char *rules = deadlines
        ? "{not_met,behind_schedule,unlikely,fluctuating,wrong_direction,relation_broken,min_count,implausible,missing}"
        : "{not_met,behind_schedule,unlikely,fluctuating,wrong_direction,relation_broken,min_count,implausible}";
    const char *params [] = { scope, rules };
    res = PQexecParams (self->conn, s_resolve_sql, 2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        wdm_log_error ("warnings: %s", PQresultErrorMessage (res));
        goto cleanup;
    }
    stats->resolved += atoi (PQgetvalue (res, 0, 0));
    PQclear (res);
    res = NULL;
    if (wdm_db_exec (self->conn, "COMMIT"))
        goto cleanup;
    rc = 0;
cleanup:
    PQclear (res);
    if (rc && PQtransactionStatus (self->conn) != PQTRANS_IDLE)
        wdm_db_exec (self->conn, "ROLLBACK");
    return rc;
}

int
wdm_warn_evaluate (PGconn *conn, const char *const *indicators, int count,
                   bool deadlines, const wdm_date_t *today, int readers,
                   wdm_warn_stats_t *stats)
{
    int64_t start = wdm_clock_us ();
    memset (stats, 0, sizeof *stats);
    s_eval_t self;
    memset (&self, 0, sizeof self);
    self.conn = conn;
    int rc = -1;
    wdm_db_copy_t scope = { NULL, 0, 0 };   //  the indicators as an array literal
    if (s_load_context (&self)
    ||  wdm_db_exec (conn, s_findings_table_sql)
    ||  wdm_db_exec (conn, "TRUNCATE wdm_findings"))
        goto cleanup;
    //  The scope, widened to the indicators related to those in it.
    for (int i = 0; i < self.indicator_count; i++) {
        s_indicator_t *ind = &self.indicators [i];
        for (int k = 0; k < count && !ind->in_scope; k++)
            ind->in_scope = strcmp (ind->rule.code, indicators [k]) == 0
                         || strcmp (ind->relation, indicators [k]) == 0;
        if (!indicators)
            ind->in_scope = true;
    }
    int *order = calloc ((size_t) self.indicator_count + 1, sizeof *order);
    if (!order)
        goto cleanup;
    int in_scope = 0;
    for (int i = 0; i < self.indicator_count; i++) {
        if (!self.indicators [i].in_scope)
            continue;
        if (indicators && wdm_db_array_add (&scope, self.indicators [i].rule.code)) {
            free (order);
            goto cleanup;
        }
        order [in_scope++] = i;
    }
    //  A large evaluation may read on further connections, each an
    //  indicator ahead, so that PostgreSQL reads on as many cores while
    //  this thread judges.  Without them, it reads on its own connection.
    PGconn *reader [S_READERS_MAX] = { NULL };
    if (readers > S_READERS_MAX)
        readers = S_READERS_MAX;
    bool parallel = readers > 0 && in_scope >= S_PARALLEL_MIN;
    for (int r = 0; parallel && r < readers; r++)
        parallel = (reader [r] = wdm_db_connect_like (conn)) != NULL;
    for (int k = 0; parallel && k < readers && k < in_scope; k++)
        if (s_fetch_send (reader [k], self.indicators [order [k]].rule.code))
            parallel = false;
    for (int k = 0; k < in_scope && !self.failed; k++) {
        const s_indicator_t *ind = &self.indicators [order [k]];
        int rows_count = 0;
        s_row_t *rows;
        if (parallel) {
            PGconn *next = reader [k % readers];
            rows = s_rows (&self, s_fetch_receive (next), &rows_count);
            if (k + readers < in_scope
            &&  s_fetch_send (next, self.indicators [order [k + readers]].rule.code))
                self.failed = true;
        }
        else
            rows = s_fetch (&self, ind->rule.code, &rows_count);
        s_evaluate_indicator (&self, ind, rows, rows_count);
        s_flush (&self);
    }
    for (int r = 0; r < S_READERS_MAX; r++)
        PQfinish (reader [r]);           //  also drops a fetch in flight
    free (order);
    int64_t mid = wdm_clock_us ();
    if (deadlines && s_evaluate_deadlines (&self, today))
        goto cleanup;
    s_flush (&self);
    if (self.failed) {
        wdm_log_error ("warnings: the findings could not be kept; nothing applied");
        goto cleanup;
    }
    int64_t due = wdm_clock_us ();
    wdm_log_debug ("warnings: series read and judged in %.3f s, deadlines in %.3f s",
                   (double) (mid - start) / 1e6, (double) (due - mid) / 1e6);
    stats->series = self.series;
    stats->findings = self.finding_count;
    if (indicators && wdm_db_array_end (&scope))
        goto cleanup;
    if (s_apply (&self, indicators ? scope.data : NULL, deadlines, stats))
        goto cleanup;
    wdm_log_debug ("warnings: %d findings applied in %.3f s", self.finding_count,
                   (double) (wdm_clock_us () - due) / 1e6);
    rc = 0;
cleanup:
    stats->seconds = (double) (wdm_clock_us () - start) / 1e6;
    free (self.indicators);
    free (self.areas);
    free (self.thresholds);
    wdm_db_copy_free (&self.findings);
    wdm_db_copy_free (&scope);
    return rc;
}

//  --- Listing and acknowledging ------------------------------------------------------

int
wdm_warn_show (PGconn *conn, long long id, const char *zone, FILE *out)
{
    char id_text [24];
    snprintf (id_text, sizeof id_text, "%lld", id);
    const char *params [] = { id_text, zone };
    PGresult *res = s_query (conn,
        "SELECT w.id, w.level, w.state, w.rule_code, r.name_zh, r.name_en, w.indicator_code,"
        "       i.name_zh, w.area_code, a.name_zh, w.year, coalesce (w.body, ''),"
        "       coalesce (w.unit_code, ''), w.message_zh, w.message_en, coalesce (w.details::text, ''),"
        "       coalesce (w.acknowledged_by, ''), coalesce (w.ack_note, ''), w.reopen_count"
        "  FROM warning w JOIN rule r ON r.code = w.rule_code"
        "  JOIN indicator i ON i.code = w.indicator_code JOIN area a ON a.code = w.area_code"
        " WHERE w.id = $1::bigint", 1, params);
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
    fprintf (out, "  indicator  %s %s\n", PQgetvalue (res, 0, 6), PQgetvalue (res, 0, 7));
    fprintf (out, "  area       %s %s, year %s%s%s%s%s\n", PQgetvalue (res, 0, 8), PQgetvalue (res, 0, 9),
             PQgetvalue (res, 0, 10), *PQgetvalue (res, 0, 11) ? ", body " : "", PQgetvalue (res, 0, 11),
             *PQgetvalue (res, 0, 12) ? ", unit " : "", PQgetvalue (res, 0, 12));
    fprintf (out, "  message    %s\n             %s\n", PQgetvalue (res, 0, 13), PQgetvalue (res, 0, 14));
    fprintf (out, "  figures    %s\n", PQgetvalue (res, 0, 15));
    if (*PQgetvalue (res, 0, 16))
        fprintf (out, "  acknowledged by %s: %s\n", PQgetvalue (res, 0, 16), PQgetvalue (res, 0, 17));
    PQclear (res);
    res = s_query (conn,
        "SELECT " WDM_TABLE_LOCAL_TIME ("at", "2") ", transition, level,"
        "       coalesce (actor, ''), coalesce (note, ''), message_zh"
        "  FROM warning_event WHERE warning_id = $1::bigint ORDER BY at, id", 2, params);
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
wdm_warn_acknowledge (PGconn *conn, const long long *ids, int count, const char *by,
                      const char *note, wdm_warn_ack_t *results)
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
        res = s_query (conn, "SELECT warning_note ($1::bigint, $2, $3)", 3, params);
        if (!res)
            goto cleanup;
        const char *done = PQgetvalue (res, 0, 0);
        results [i] = strcmp (done, "acknowledged") == 0 ? WDM_WARN_ACKNOWLEDGED
                    : strcmp (done, "noted") == 0 ? WDM_WARN_NOTED
                    : strcmp (done, "resolved") == 0 ? WDM_WARN_RESOLVED
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

//  --- Worker ----------------------------------------------------------------------

struct wdm_warn_worker {
    atomic_int open_red, open_yellow;   //  warnings not resolved, as last counted
    atomic_bool counted;
    void *pipe;                         //  our end (PAIR)
    void *thread_pipe;
    char *conninfo;
    long interval_ms, deadline_seconds;
    bool fixed_today;
    wdm_date_t today;
    pthread_t thread;
};

#define S_REST_FACTOR 4
#define S_COUNT_MS 5000                 //  how often the open warnings are counted

//  Count the warnings not resolved, for /metrics.  On this thread's
//  connection, not the store's: on a large warning table the count takes
//  tens of milliseconds, which ingest would wait for.
static void
s_count_open (wdm_warn_worker_t *self, PGconn *conn)
{
    PGresult *res = PQexec (conn, "SELECT count (*) FILTER (WHERE level = 'red'),"
                                  " count (*) FILTER (WHERE level = 'yellow')"
                                  " FROM warning WHERE state <> 'resolved'");
    if (PQresultStatus (res) == PGRES_TUPLES_OK) {
        atomic_store (&self->open_red, atoi (PQgetvalue (res, 0, 0)));
        atomic_store (&self->open_yellow, atoi (PQgetvalue (res, 0, 1)));
        atomic_store (&self->counted, true);
    }
    PQclear (res);
}

//  The worker's connection, made again if it was lost; NULL while the
//  database is away.
static PGconn *
s_worker_conn (wdm_warn_worker_t *self, PGconn **conn)
{
    if (!*conn || PQstatus (*conn) != CONNECTION_OK) {
        PQfinish (*conn);
        *conn = wdm_db_connect (self->conninfo);
    }
    return *conn;
}

static void *
s_worker_run (void *arg)
{
    wdm_warn_worker_t *self = (wdm_warn_worker_t *) arg;
    PGconn *conn = NULL;
    char **touched = NULL;
    int touched_count = 0, touched_capacity = 0;
    int64_t last_eval = 0, last_duration = 0, next_deadlines = 0, next_count = 0;
    while (1) {
        zmq_pollitem_t items [] = { { self->thread_pipe, 0, ZMQ_POLLIN, 0 } };
        zmq_poll (items, 1, 200);
        if (items [0].revents & ZMQ_POLLIN) {
            char buffer [WDM_CODE_MAX];
            int size = zmq_recv (self->thread_pipe, buffer, sizeof buffer - 1, 0);
            if (size == 0)
                break;                  //  an empty message: stop
            if (size > 0) {
                buffer [size] = '\0';
                int seen = 0;
                for (int i = 0; i < touched_count && !seen; i++)
                    seen = strcmp (touched [i], buffer) == 0;
                if (!seen) {
                    if (touched_count == touched_capacity) {
                        touched_capacity = touched_capacity ? touched_capacity * 2 : 32;
                        char **grown = realloc (touched, (size_t) touched_capacity * sizeof *grown);
                        if (!grown)
                            continue;
                        touched = grown;
                    }
                    touched [touched_count++] = strdup (buffer);
                }
            }
            continue;                   //  take every message waiting first
        }
        int64_t now = wdm_clock_ms ();
        if (now >= next_count) {
            if (s_worker_conn (self, &conn))
                s_count_open (self, conn);
            next_count = now + S_COUNT_MS;
        }
        bool deadlines = now >= next_deadlines;
        //  Rest at least S_REST_FACTOR times as long as the last evaluation
        //  took: under a bulk load, when every commit touches every
        //  indicator, evaluations would otherwise run back to back and take
        //  a core from ingest.  The rest bounds them to a fifth of a core.
        int64_t rest = last_duration * S_REST_FACTOR > self->interval_ms
                     ? last_duration * S_REST_FACTOR : self->interval_ms;
        if (!deadlines && (touched_count == 0 || now - last_eval < rest))
            continue;
        if (!s_worker_conn (self, &conn)) {
            next_deadlines = now + 5000;
            last_eval = now;
            continue;
        }
        wdm_date_t today = self->today;
        if (!self->fixed_today)
            wdm_date_today (&today);
        wdm_warn_stats_t stats;
        //  The reports just received may settle missing-report warnings
        //  of the indicators touched: deadlines are judged for them too.
        int rc = wdm_warn_evaluate (conn, deadlines ? NULL : (const char *const *) touched,
                                    deadlines ? 0 : touched_count, true, &today, 0, &stats);
        if (rc == 0) {
            s_count_open (self, conn);
            if (stats.opened || stats.reopened || stats.resolved || stats.updated)
                wdm_log_info ("warnings: %d series evaluated in %.3f s: %d opened, %d reopened, "
                              "%d updated, %d resolved", stats.series, stats.seconds, stats.opened,
                              stats.reopened, stats.updated, stats.resolved);
            for (int i = 0; i < touched_count; i++)
                free (touched [i]);
            touched_count = 0;
            if (deadlines)
                next_deadlines = now + self->deadline_seconds * 1000;
        }
        last_eval = wdm_clock_ms ();
        last_duration = last_eval - now;
    }
    for (int i = 0; i < touched_count; i++)
        free (touched [i]);
    free (touched);
    PQfinish (conn);
    return NULL;
}

wdm_warn_worker_t *
wdm_warn_worker_new (void *ctx, const char *conninfo, long interval_ms, long deadline_seconds,
                     const wdm_date_t *today)
{
    wdm_warn_worker_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup (conninfo ? conninfo : "");
    self->interval_ms = interval_ms;
    self->deadline_seconds = deadline_seconds;
    self->fixed_today = today != NULL;
    if (today)
        self->today = *today;
    self->pipe = zmq_socket (ctx, ZMQ_PAIR);
    self->thread_pipe = zmq_socket (ctx, ZMQ_PAIR);
    int hwm = 100000;
    if (self->pipe)
        zmq_setsockopt (self->pipe, ZMQ_SNDHWM, &hwm, sizeof hwm);
    if (self->thread_pipe)
        zmq_setsockopt (self->thread_pipe, ZMQ_RCVHWM, &hwm, sizeof hwm);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://wdm-warn-%p", (void *) self);
    if (!self->conninfo || !self->pipe || !self->thread_pipe
    ||  zmq_bind (self->pipe, endpoint) || zmq_connect (self->thread_pipe, endpoint)
    ||  pthread_create (&self->thread, NULL, s_worker_run, self)) {
        if (self->pipe) zmq_close (self->pipe);
        if (self->thread_pipe) zmq_close (self->thread_pipe);
        free (self->conninfo);
        free (self);
        return NULL;
    }
    return self;
}

bool
wdm_warn_worker_open_warnings (wdm_warn_worker_t *self, int *red, int *yellow)
{
    if (!atomic_load (&self->counted))
        return false;
    *red = atomic_load (&self->open_red);
    *yellow = atomic_load (&self->open_yellow);
    return true;
}

void
wdm_warn_worker_touch (wdm_warn_worker_t *self, const char *const *indicators, int count)
{
    for (int i = 0; i < count; i++)
        if (indicators [i] [0])             //  never blocks ingest; the timer catches up
            zmq_send (self->pipe, indicators [i], strlen (indicators [i]), ZMQ_DONTWAIT);
}

void
wdm_warn_worker_destroy (wdm_warn_worker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    wdm_warn_worker_t *self = *self_p;
    zmq_send (self->pipe, "", 0, 0);
    pthread_join (self->thread, NULL);
    zmq_close (self->pipe);
    zmq_close (self->thread_pipe);
    free (self->conninfo);
    free (self);
    *self_p = NULL;
}
