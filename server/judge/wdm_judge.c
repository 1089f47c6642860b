/*  wdm_judge: the one judgement of a target.  See wdm_judge.h; the rules
    of each kind are written out in docs/WARNINGS.md ("One judgement").  */

#include "wdm_judge.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

//  Comparisons allow this relative slack (see wdm_judge_gt).
#define S_SLACK 1e-9

static const char *const s_kind_names [] = {
    [WDM_TARGET_UPPER_BOUND] = "upper_bound",
    [WDM_TARGET_LOWER_BOUND] = "lower_bound",
    [WDM_TARGET_REACH] = "reach",
    [WDM_TARGET_KEEP_ABOVE] = "keep_above",
    [WDM_TARGET_INCREASE] = "increase",
    [WDM_TARGET_DECREASE] = "decrease",
    [WDM_TARGET_CURB_RISE] = "curb_rise",
    [WDM_TARGET_NARROW_GAP] = "narrow_gap",
    [WDM_TARGET_RELATION] = "relation",
    [WDM_TARGET_MIN_COUNT] = "min_count",
    [WDM_TARGET_BALANCE] = "balance",
    [WDM_TARGET_MONITOR] = "monitor",
};

static const char *const s_aggregation_names [] = {
    [WDM_AGG_RATIO] = "ratio", [WDM_AGG_SUM] = "sum",   [WDM_AGG_MIN] = "min",
    [WDM_AGG_MAX] = "max",     [WDM_AGG_MEAN] = "mean", [WDM_AGG_NONE] = "none",
};

//  The rules whose warnings speak about the target, not the data.
static const char *const s_target_rules [] = { "not_met",         "behind_schedule", "unlikely",
                                               "wrong_direction", "relation_broken", "min_count" };

int
wdm_target_kind_parse (const char *text, wdm_target_kind_t *kind)
{
    if (!text)
        return -1;
    for (size_t i = 0; i < sizeof s_kind_names / sizeof s_kind_names [0]; i++)
        if (strcmp (text, s_kind_names [i]) == 0) {
            *kind = (wdm_target_kind_t)i;
            return 0;
        }
    return -1;
}

int
wdm_aggregation_parse (const char *text, wdm_aggregation_t *aggregation)
{
    if (!text)
        return -1;
    for (size_t i = 0; i < sizeof s_aggregation_names / sizeof s_aggregation_names [0]; i++)
        if (strcmp (text, s_aggregation_names [i]) == 0) {
            *aggregation = (wdm_aggregation_t)i;
            return 0;
        }
    return -1;
}

bool
wdm_judge_bound_kind (wdm_target_kind_t kind)
{
    return kind == WDM_TARGET_UPPER_BOUND || kind == WDM_TARGET_LOWER_BOUND || kind == WDM_TARGET_REACH;
}

//  --- Comparisons ---------------------------------------------------------------

static double
s_slack (double a, double b)
{
    if (!isfinite (a) || !isfinite (b))
        return 0;
    return S_SLACK * fmax (1.0, fmax (fabs (a), fabs (b)));
}

bool
wdm_judge_gt (double a, double b)
{
    return a - b > s_slack (a, b);
}

bool
wdm_judge_ge (double a, double b)
{
    return a - b >= -s_slack (a, b);
}

bool
wdm_judge_lt (double a, double b)
{
    return wdm_judge_gt (b, a);
}

bool
wdm_judge_le (double a, double b)
{
    return wdm_judge_ge (b, a);
}

bool
wdm_judge_eq (double a, double b)
{
    return fabs (a - b) <= s_slack (a, b);
}

bool
wdm_judge_meets (wdm_target_kind_t kind, double target, double value)
{
    switch (kind) {
        case WDM_TARGET_UPPER_BOUND: return wdm_judge_le (value, target);
        case WDM_TARGET_LOWER_BOUND:
        case WDM_TARGET_REACH:
        case WDM_TARGET_KEEP_ABOVE:
        case WDM_TARGET_MIN_COUNT: return wdm_judge_ge (value, target);
        default: return false;
    }
}

//  --- Roll-up ---------------------------------------------------------------------

void
wdm_judge_rollup_init (wdm_rollup_t *self)
{
    memset (self, 0, sizeof *self);
    self->low = INFINITY;
    self->high = -INFINITY;
}

void
wdm_judge_rollup_add (wdm_rollup_t *self, double value, bool has_ratio, double numerator, double denominator)
{
    self->parts++;
    self->sum += value;
    self->low = fmin (self->low, value);
    self->high = fmax (self->high, value);
    if (has_ratio) {
        self->with_ratio++;
        self->numerator += numerator;
        self->denominator += denominator;
    }
}

int
wdm_judge_rollup_value (const wdm_rollup_t *self, wdm_aggregation_t aggregation, double scale, double *value)
{
    if (self->parts == 0)
        return -1;
    switch (aggregation) {
        case WDM_AGG_RATIO:
            if (self->with_ratio < self->parts || self->denominator <= 0 || scale <= 0)
                return -1;
            *value = self->numerator / self->denominator * scale;
            return 0;
        case WDM_AGG_SUM: *value = self->sum; return 0;
        case WDM_AGG_MIN: *value = self->low; return 0;
        case WDM_AGG_MAX: *value = self->high; return 0;
        case WDM_AGG_MEAN: *value = self->sum / self->parts; return 0;
        default: return -1;
    }
}

//  --- Standing --------------------------------------------------------------------

//  A curb-the-rise target: the last yearly rise no larger than the one
//  before, or no rise at all.
static int
s_curb_rise_met (const wdm_series_t *series, int latest)
{
    int at [3], n = 0;
    for (int y = latest; y >= 0 && n < 3; y--)
        if (series->has [y])
            at [n++] = y;
    if (n < 2)
        return -1;
    const double *v = series->value;
    double r1 = (v [at [0]] - v [at [1]]) / (at [0] - at [1]);
    if (wdm_judge_le (r1, 0))
        return 1;
    if (n < 3)
        return -1;
    double r0 = (v [at [1]] - v [at [2]]) / (at [1] - at [2]);
    return wdm_judge_gt (r0, 0) && wdm_judge_lt (r1, r0);
}

//  A relation, in the latest plan year both indicators have.
static int
s_relation_met (const wdm_target_t *target, const wdm_series_t *series, int latest, const wdm_series_t *other)
{
    if (!other || !target->relation_op)
        return -1;
    for (int y = latest; y >= series->first_plan; y--)
        if (series->has [y] && y < other->count && other->has [y]) {
            double a = series->value [y], b = other->value [y];
            if (strcmp (target->relation_op, ">=") == 0)
                return wdm_judge_ge (a, b);
            return wdm_judge_le (fabs (a - b), target->similar_pp);
        }
    return -1;
}

int
wdm_judge_met (const wdm_target_t *target, const wdm_series_t *series, int latest, const wdm_series_t *other)
{
    if (!target || !series || latest < 0 || latest >= series->count || !series->has [latest])
        return -1;
    double v = series->value [latest];
    int first = 0;
    while (first < latest && !series->has [first])
        first++;
    switch (target->kind) {
        case WDM_TARGET_UPPER_BOUND:
        case WDM_TARGET_LOWER_BOUND:
        case WDM_TARGET_REACH:
        case WDM_TARGET_MIN_COUNT:
            return target->has_target ? wdm_judge_meets (target->kind, target->target, v) : -1;
        case WDM_TARGET_BALANCE:
            return target->has_target ? wdm_judge_le (fabs (v - target->target), target->balance_pp) : -1;
        case WDM_TARGET_KEEP_ABOVE:
            //  保持 holds in every plan year, not only the latest.
            if (!target->has_target)
                return -1;
            for (int y = series->first_plan; y <= latest; y++)
                if (y >= 0 && series->has [y] && wdm_judge_lt (series->value [y], target->target))
                    return 0;
            return 1;
        case WDM_TARGET_INCREASE: return first == latest ? -1 : wdm_judge_gt (v, series->value [first]);
        case WDM_TARGET_DECREASE:
        case WDM_TARGET_NARROW_GAP: return first == latest ? -1 : wdm_judge_lt (v, series->value [first]);
        case WDM_TARGET_CURB_RISE: return s_curb_rise_met (series, latest);
        case WDM_TARGET_RELATION: return s_relation_met (target, series, latest, other);
        default: return -1;
    }
}

bool
wdm_judge_target_rule (const char *rule)
{
    for (size_t i = 0; rule && i < sizeof s_target_rules / sizeof s_target_rules [0]; i++)
        if (strcmp (rule, s_target_rules [i]) == 0)
            return true;
    return false;
}

wdm_status_t
wdm_judge_floor (const char *rule, int level)
{
    if (!wdm_judge_target_rule (rule))
        return WDM_STATUS_MET;
    return level >= 2 ? WDM_STATUS_UNLIKELY : WDM_STATUS_BEHIND;
}

wdm_status_t
wdm_judge_worse (wdm_status_t a, wdm_status_t b)
{
    if (a > WDM_STATUS_UNLIKELY || b > WDM_STATUS_UNLIKELY)
        return a > WDM_STATUS_UNLIKELY ? a : b;
    return a > b ? a : b;
}
