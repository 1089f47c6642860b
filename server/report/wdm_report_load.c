/*  wdm_report_load: what the report reads from the database — the plan,
    the district, the domains and active indicators, the thresholds the
    classification shares with the rules, the district's values (the view
    indicator_value: what the district reported, else the roll-up of its
    towns and streets; by sex for narrow_gap, by body for min_count) and
    the open warnings.  wdm_report_write calls rp_load once; the results
    it keeps (plan, district, domains, catalog) are freed there.  */

#include "wdm_report_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_find (const rp_report_t *self, const char *code)
{
    for (int i = 0; i < self->ind_count; i++)
        if (strcmp (self->ind [i].code, code) == 0)
            return i;
    return -1;
}

static int
s_load_plan (rp_report_t *self)
{
    //  The report is of the plan asked for; the caller resolved "the
    //  current plan" (wdm_check_plan), so that it is refused in one place.
    const char *params [] = { self->options->plan };
    self->plan = rp_query (self, "the plan",
                           "SELECT code, title_zh, title_en, period_start, period_end, baseline_year,"
                           "       deadline_month, deadline_day"
                           "  FROM wdmon.plan"
                           " WHERE code = $1",
                           1, params);
    if (!self->plan)
        return -1;
    if (PQntuples (self->plan) != 1) {
        rp_fail (self, "there is no plan %s", self->options->plan ? self->options->plan : "(none named)");
        return -1;
    }
    self->plan_code = PQgetvalue (self->plan, 0, 0);
    self->first = atoi (PQgetvalue (self->plan, 0, 3));
    self->last = atoi (PQgetvalue (self->plan, 0, 4));
    self->baseline = atoi (PQgetvalue (self->plan, 0, 5));
    self->deadline_month = atoi (PQgetvalue (self->plan, 0, 6));
    self->deadline_day = atoi (PQgetvalue (self->plan, 0, 7));
    self->year = self->options->year;
    if (self->year < self->first || self->year > self->last) {
        rp_fail (self, "%d is outside the plan's period %d-%d", self->year, self->first, self->last);
        return -1;
    }
    if (self->last - self->baseline + 1 > RP_MAX_YEARS) {
        rp_fail (self, "the plan spans more than %d years", RP_MAX_YEARS);
        return -1;
    }
    self->years = self->year - self->baseline + 1;

    self->district = rp_query (self, "the district",
                               "SELECT code, name_zh, name_en FROM wdmon.area WHERE level = 'district'"
                               " ORDER BY code LIMIT 1",
                               0, NULL);
    if (!self->district)
        return -1;
    if (PQntuples (self->district) != 1) {
        rp_fail (self, "the database holds no area of level 'district'");
        return -1;
    }
    self->district_code = PQgetvalue (self->district, 0, 0);
    return rp_scope_load (self);  //  a unit's or a town's report reads its own area
}

static int
s_load_catalog (rp_report_t *self)
{
    const char *params [] = { self->plan_code };
    self->domains = rp_query (self, "the domains",
                              "SELECT code, ordinal, name_zh, name_en FROM wdmon.domain WHERE plan_code = $1"
                              " ORDER BY ordinal",
                              1, params);
    if (!self->domains)
        return -1;
    self->domain_count = PQntuples (self->domains);
    if (self->domain_count > 64) {
        rp_fail (self, "the plan has more than 64 domains");
        return -1;
    }
    self->catalog = rp_query (
        self, "the catalog",
        "SELECT i.code, t.domain_code, i.name_zh, i.name_en, t.target_kind::text, t.target_value,"
        "       u.code, u.symbol, u.name_en, t.clause_zh, coalesce (t.relation_code, ''),"
        "       coalesce (t.relation_op, ''), t.target_year, b.value, coalesce (b.source, '')"
        "  FROM wdmon.plan_target t"
        "  JOIN wdmon.indicator i ON i.code = t.indicator_code"
        "  JOIN wdmon.plan_baseline b ON b.plan_code = t.plan_code AND b.indicator_code = t.indicator_code"
        "  JOIN wdmon.domain d ON d.plan_code = t.plan_code AND d.code = t.domain_code"
        "  JOIN wdmon.measure_unit u ON u.code = i.measure_unit_code"
        " WHERE t.active AND t.plan_code = $1"
        " ORDER BY d.ordinal, t.ordinal",
        1, params);
    if (!self->catalog)
        return -1;
    self->ind_count = PQntuples (self->catalog);
    self->ind = calloc ((size_t)self->ind_count + 1, sizeof *self->ind);
    if (!self->ind) {
        rp_fail (self, "out of memory");
        return -1;
    }
    for (int row = 0; row < self->ind_count; row++) {
        rp_indicator_t *ind = &self->ind [row];
        const PGresult *res = self->catalog;
        ind->code = PQgetvalue (res, row, 0);
        ind->domain_code = PQgetvalue (res, row, 1);
        ind->name_zh = PQgetvalue (res, row, 2);
        ind->name_en = PQgetvalue (res, row, 3);
        ind->kind_name = PQgetvalue (res, row, 4);
        if (wdm_target_kind_parse (ind->kind_name, &ind->kind))
            ind->kind = WDM_TARGET_MONITOR;
        ind->has_target = !PQgetisnull (res, row, 5);
        ind->target = ind->has_target ? strtod (PQgetvalue (res, row, 5), NULL) : 0;
        ind->unit_code = PQgetvalue (res, row, 6);
        ind->symbol = PQgetvalue (res, row, 7);
        ind->unit_name_en = PQgetvalue (res, row, 8);
        ind->clause_zh = PQgetvalue (res, row, 9);
        ind->relation_code = PQgetvalue (res, row, 10);
        ind->relation_op = PQgetvalue (res, row, 11);
        ind->target_year = atoi (PQgetvalue (res, row, 12));
        ind->baseline_source = PQgetvalue (res, row, 14);
        ind->final = -1;
        ind->balance_pp = 5;
        ind->similar_pp = 10;
        ind->domain = 0;
        for (int d = 0; d < self->domain_count; d++)
            if (strcmp (PQgetvalue (self->domains, d, 0), ind->domain_code) == 0)
                ind->domain = d;
    }
    for (int i = 0; i < self->ind_count; i++)
        self->ind [i].relation =
            self->ind [i].relation_code [0] ? s_find (self, self->ind [i].relation_code) : -1;
    return 0;
}

//  Run one query and hand each row of its result to take.  0, or -1 with
//  the error set.
typedef void (s_take_fn) (rp_report_t *self, const PGresult *res, int row);

static int
s_load_rows (rp_report_t *self, const char *what, const char *sql, int count, const char *const *params,
             s_take_fn *take)
{
    PGresult *res = rp_query (self, what, sql, count, params);
    if (!res)
        return -1;
    for (int row = 0; row < PQntuples (res); row++)
        take (self, res, row);
    PQclear (res);
    return 0;
}

//  The indicator a value row (indicator code, year, ...) is about, with the
//  year's index in *y; NULL when the indicator is not in the catalog or the
//  year outside the report's years.
static rp_indicator_t *
s_row_indicator (rp_report_t *self, const PGresult *res, int row, int *y)
{
    int i = s_find (self, PQgetvalue (res, row, 0));
    *y = atoi (PQgetvalue (res, row, 1)) - self->baseline;
    if (i < 0 || *y < 0 || *y >= self->years)
        return NULL;
    return &self->ind [i];
}

//  The span the values and warnings are read for, as query parameters:
//  $1 the district, $2 the baseline year, $3 the report's year, $4 the
//  plan.  The
//  parameters point into the span, which stays where it is.
typedef struct {
    char baseline [16], year [16];
    const char *params [4];
} s_span_t;

static void
s_span_init (const rp_report_t *self, s_span_t *span)
{
    snprintf (span->baseline, sizeof span->baseline, "%d", self->baseline);
    snprintf (span->year, sizeof span->year, "%d", self->year);
    span->params [0] = self->district_code;
    span->params [1] = span->baseline;
    span->params [2] = span->year;
    span->params [3] = self->plan_code;
}

//  The two thresholds the classification shares with the rules: how far
//  from a balance target, and how far apart for 相适应, still count as met.
static void
s_take_threshold (rp_report_t *self, const PGresult *res, int row)
{
    const char *code = PQgetvalue (res, row, 0);
    bool balance = strcmp (PQgetvalue (res, row, 1), "balance_pp") == 0;
    double value = strtod (PQgetvalue (res, row, 2), NULL);
    if (!isfinite (value))
        return;
    for (int i = 0; i < self->ind_count; i++)
        if (!code [0] || strcmp (code, self->ind [i].code) == 0) {
            if (balance)
                self->ind [i].balance_pp = value;
            else
                self->ind [i].similar_pp = value;
        }
}

static int
s_load_thresholds (rp_report_t *self)
{
    return s_load_rows (self, "the thresholds",
                        "SELECT coalesce (indicator_code, ''), param, value FROM wdmon.rule_threshold"
                        " WHERE (rule_code = 'not_met' AND param = 'balance_pp')"
                        "    OR (rule_code = 'relation_broken' AND param = 'similar_pp')"
                        " ORDER BY indicator_code NULLS FIRST",
                        0, NULL, s_take_threshold);
}

//  The district's values, baseline year to the report's year.
static void
s_take_value (rp_report_t *self, const PGresult *res, int row)
{
    int y;
    rp_indicator_t *ind = s_row_indicator (self, res, row, &y);
    if (!ind)
        return;
    if (ind->kind == WDM_TARGET_NARROW_GAP || ind->kind == WDM_TARGET_MIN_COUNT)
        return;  //  their values are by sex and by body, below
    ind->has [y] = true;
    ind->value [y] = strtod (PQgetvalue (res, row, 2), NULL);
    ind->parts [y] =
        strcmp (PQgetvalue (res, row, 3), "rolled_up") == 0 ? atoi (PQgetvalue (res, row, 4)) : 0;
    if (!isfinite (ind->value [y]))
        ind->has [y] = false;
}

static int
s_load_values (rp_report_t *self, const s_span_t *span)
{
    return s_load_rows (self, "the district's values",
                        "SELECT indicator_code, year, value, source, coalesce (parts, 0)"
                        "  FROM wdmon.indicator_value"
                        " WHERE area_code = $1 AND year BETWEEN $2::int AND $3::int",
                        3, span->params, s_take_value);
}

//  narrow_gap: the district's women and men, where both are reported.
static void
s_take_by_sex (rp_report_t *self, const PGresult *res, int row)
{
    int y;
    rp_indicator_t *ind = s_row_indicator (self, res, row, &y);
    if (!ind)
        return;
    ind->women [y] = strtod (PQgetvalue (res, row, 2), NULL);
    ind->men [y] = strtod (PQgetvalue (res, row, 3), NULL);
    ind->value [y] = fabs (ind->women [y] - ind->men [y]);
    ind->has [y] = isfinite (ind->value [y]);
}

static int
s_load_values_by_sex (rp_report_t *self, const s_span_t *span)
{
    return s_load_rows (
        self, "the values by sex",
        "SELECT f.indicator_code, f.year, f.value, m.value"
        "  FROM wdmon.observation_current f"
        "  JOIN wdmon.plan_target t ON t.indicator_code = f.indicator_code AND t.plan_code = $4"
        "       AND t.target_kind = 'narrow_gap'"
        "  JOIN wdmon.observation_current m ON m.indicator_code = f.indicator_code"
        "       AND m.area_code = f.area_code AND m.year = f.year AND m.period_kind = 'year'"
        "       AND m.period_no = 0 AND m.body = '' AND m.sex = 'M'"
        " WHERE f.area_code = $1 AND f.period_kind = 'year' AND f.period_no = 0 AND f.body = ''"
        "   AND f.sex = 'F' AND f.year BETWEEN $2::int AND $3::int",
        4, span->params, s_take_by_sex);
}

//  min_count: the weakest body, in whatever area it sits (the district's
//  teams, or each town's).  The indicators also as an array: a join alone
//  is not carried into observation_current, which then worked out every
//  series (issue 15).
static void
s_take_by_body (rp_report_t *self, const PGresult *res, int row)
{
    int y;
    rp_indicator_t *ind = s_row_indicator (self, res, row, &y);
    if (!ind)
        return;
    ind->value [y] = strtod (PQgetvalue (res, row, 2), NULL);
    ind->bodies [y] = atoi (PQgetvalue (res, row, 3));
    ind->has [y] = isfinite (ind->value [y]);
}

static int
s_load_counts_by_body (rp_report_t *self, const s_span_t *span)
{
    return s_load_rows (
        self, "the counts by body",
        "SELECT o.indicator_code, o.year, min (o.value), count (*)"
        "  FROM wdmon.observation_current o"
        "  JOIN wdmon.plan_target t ON t.indicator_code = o.indicator_code AND t.plan_code = $4"
        "       AND t.target_kind = 'min_count'"
        " WHERE o.period_kind = 'year' AND o.period_no = 0 AND o.body <> '' AND o.sex = 'T'"
        "   AND o.year BETWEEN $2::int AND $3::int"
        "   AND o.indicator_code = ANY (ARRAY (SELECT indicator_code FROM wdmon.plan_target"
        "                                       WHERE plan_code = $4 AND target_kind = 'min_count'))"
        "   AND o.area_code IN (SELECT within_code FROM wdmon.area_within WHERE area_code = $1)"
        " GROUP BY o.indicator_code, o.year",
        4, span->params, s_take_by_body);
}

//  The warnings open_warnings lists (not resolved, about a target of
//  their plan), read from warning itself: the view's lateral search for
//  each one's responsible unit, which these counts do not need, costs
//  seconds with tens of thousands of warnings (issue 15).  The view's
//  joins (rule, indicator, area, the plan's target and its domain) are
//  the warning's foreign keys, NOT NULL, and drop none: warning alone is
//  read, the counts from its index of open warnings (sql/068).  Continue
//  with " AND ...".
#define S_OPEN_WARNINGS "wdmon.warning w WHERE w.state <> 'resolved'"

//  Open warnings that speak about a target, for the district (min_count:
//  any area, since each town's teams are judged), about a year up to the
//  report's: each sets the best standing the indicator may show
//  (wdm_judge_floor), so that no row looks better than its worst open
//  warning.
static void
s_take_flag (rp_report_t *self, const PGresult *res, int row)
{
    int i = s_find (self, PQgetvalue (res, row, 0));
    if (i < 0)
        return;
    rp_indicator_t *ind = &self->ind [i];
    int level = strcmp (PQgetvalue (res, row, 2), "red") == 0 ? 2 : 1;
    ind->floor = wdm_judge_worse (ind->floor, wdm_judge_floor (PQgetvalue (res, row, 1), level));
}

static int
s_load_flags (rp_report_t *self, const s_span_t *span)
{
    return s_load_rows (self, "the open warnings",
                        "SELECT w.indicator_code, w.rule_code, w.level::text FROM " S_OPEN_WARNINGS
                        "   AND w.year BETWEEN $2::int AND $3::int AND w.plan_code = $4"
                        "   AND (w.area_code = $1 OR (w.rule_code = 'min_count' AND w.area_code IN"
                        "        (SELECT within_code FROM wdmon.area_within WHERE area_code = $1)))",
                        4, span->params, s_take_flag);
}

static int
s_load_warning_counts (rp_report_t *self, const s_span_t *span)
{
    if (self->scope)
        return rp_scope_warning_counts (self);
    PGresult *res = rp_query (
        self, "the open warnings",
        "SELECT count (*) FILTER (WHERE w.level = 'red'), count (*) FILTER (WHERE w.level = 'yellow')"
        "  FROM " S_OPEN_WARNINGS " AND w.year <= $1::int AND w.plan_code = $2",
        2, span->params + 2);
    if (!res)
        return -1;
    self->sum.open_red = atoi (PQgetvalue (res, 0, 0));
    self->sum.open_yellow = atoi (PQgetvalue (res, 0, 1));
    PQclear (res);
    return 0;
}

//  The baseline is the view's (plan_baseline: the plan's stated value,
//  else the stored value of the baseline year), whatever the values read
//  above hold for that year.
static void
s_apply_baselines (rp_report_t *self)
{
    for (int row = 0; row < self->ind_count; row++) {
        rp_indicator_t *ind = &self->ind [row];
        ind->has [0] = !PQgetisnull (self->catalog, row, 13);
        ind->value [0] = ind->has [0] ? strtod (PQgetvalue (self->catalog, row, 13), NULL) : 0;
        if (strcmp (ind->baseline_source, "plan") == 0) {
            ind->parts [0] = 0;
            ind->bodies [0] = 0;
        }
        if (!isfinite (ind->value [0]))
            ind->has [0] = false;
    }
}

int
rp_load (rp_report_t *self)
{
    if (s_load_plan (self) || s_load_catalog (self) || rp_scope_filter (self) || s_load_thresholds (self))
        return -1;
    s_span_t span;
    s_span_init (self, &span);
    if (s_load_values (self, &span) || s_load_values_by_sex (self, &span)
        || s_load_counts_by_body (self, &span) || s_load_flags (self, &span)
        || s_load_warning_counts (self, &span))
        return -1;
    //  The plan's baselines are the district's; a town's is its own stored
    //  value of the baseline year, read with the values above.
    if (strcmp (self->district_code, PQgetvalue (self->district, 0, 0)) == 0)
        s_apply_baselines (self);
    else
        for (int i = 0; i < self->ind_count; i++)
            self->ind [i].baseline_source = self->ind [i].has [0] ? "stored" : "";
    return 0;
}
