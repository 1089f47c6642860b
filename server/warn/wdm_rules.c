/*  wdm_rules: the warning rules of the plan's monitoring, as pure
    functions.  See wdm_rules.h for the contracts and docs/WARNINGS.md for
    the formulas, levels and thresholds.

    This file holds what the rules share: the rule codes, the thresholds
    (as data), the median and the trend, the context a rule writes its
    findings through, and wdm_rules_series, which runs the rules of one
    series; the rules themselves are in wdm_rules_target.c,
    wdm_rules_direction.c and wdm_rules_data.c, their wording in wdm_say.c
    (wdm_rules_int.h, part-private, lists them).

    wdm_warn gathers a series from the database and calls these; nothing
    here touches the database, the clock or a global, and nothing prints.
    Findings go into the caller's array; the only memory taken is scratch
    for a median, freed before the function returns.  */

#include "wdm_rules_int.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_rule_codes [WDM_RULE_COUNT] = {
    [WDM_RULE_NOT_MET] = "not_met",
    [WDM_RULE_BEHIND] = "behind_schedule",
    [WDM_RULE_UNLIKELY] = "unlikely",
    [WDM_RULE_FLUCTUATING] = "fluctuating",
    [WDM_RULE_WRONG_DIRECTION] = "wrong_direction",
    [WDM_RULE_RELATION] = "relation_broken",
    [WDM_RULE_MIN_COUNT] = "min_count",
    [WDM_RULE_MISSING] = "missing",
    [WDM_RULE_IMPLAUSIBLE] = "implausible",
};

//  The thresholds as rule_threshold names them, and where each goes.
typedef struct {
    const char *rule;
    const char *param;
    size_t offset;
    double value;  //  the default
} s_threshold_info_t;

#define S_AT(field) offsetof (wdm_thresholds_t, field)

static const s_threshold_info_t s_thresholds [] = {
    { "behind_schedule", "yellow_pp", S_AT (behind_yellow_pp), 10 },
    { "behind_schedule", "red_pp", S_AT (behind_red_pp), 30 },
    { "unlikely", "min_years", S_AT (unlikely_min_years), 3 },
    { "unlikely", "on_track_ratio", S_AT (unlikely_on_track), 0.95 },
    { "unlikely", "limited_ratio", S_AT (unlikely_limited), 0.6 },
    { "fluctuating", "modified_z", S_AT (fluct_z), 3.5 },
    { "fluctuating", "min_years", S_AT (fluct_min_changes), 4 },
    { "fluctuating", "limit_pct", S_AT (fluct_limit_pct), 30 },
    { "fluctuating", "pool_min", S_AT (fluct_pool_min), 8 },
    { "fluctuating", "limit_pp", S_AT (fluct_limit_pp), 0 },
    { "wrong_direction", "red_consecutive", S_AT (wrong_red_consecutive), 2 },
    { "relation_broken", "red_pp", S_AT (relation_red_pp), 5 },
    { "relation_broken", "similar_pp", S_AT (relation_similar_pp), 10 },
    { "not_met", "balance_pp", S_AT (balance_pp), 5 },
    { "missing", "yellow_days_before", S_AT (missing_yellow_days), 14 },
    { "implausible", "peer_modified_z", S_AT (peer_z), 3.5 },
    { "implausible", "peer_min", S_AT (peer_min), 5 },
    { "implausible", "revision_pct", S_AT (revision_pct), 10 },
};

#define S_THRESHOLD_COUNT (int)(sizeof s_thresholds / sizeof s_thresholds [0])

const char *
wdm_rule_code (wdm_rule_t rule)
{
    if ((int)rule < 0 || rule >= WDM_RULE_COUNT)
        return "unknown";
    return s_rule_codes [rule];
}

void
wdm_thresholds_default (wdm_thresholds_t *self)
{
    memset (self, 0, sizeof *self);
    for (int i = 0; i < S_THRESHOLD_COUNT; i++)
        *(double *)((char *)self + s_thresholds [i].offset) = s_thresholds [i].value;
}

int
wdm_thresholds_set (wdm_thresholds_t *self, const char *rule, const char *param, double value)
{
    //  A NaN or infinite threshold would silently switch a rule off (every
    //  comparison with NaN is false): refuse it like an unknown name.
    if (!rule || !param || !isfinite (value))
        return -1;
    for (int i = 0; i < S_THRESHOLD_COUNT; i++)
        if (strcmp (rule, s_thresholds [i].rule) == 0 && strcmp (param, s_thresholds [i].param) == 0) {
            *(double *)((char *)self + s_thresholds [i].offset) = value;
            return 0;
        }
    return -1;
}

//  ---------------------------------------------------------------------
//  Numbers

static int
s_compare_doubles (const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double
wdm_rules_median (double *values, int count)
{
    if (!values || count <= 0)
        return NAN;
    qsort (values, (size_t)count, sizeof values [0], s_compare_doubles);
    if (count % 2)
        return values [count / 2];
    return (values [count / 2 - 1] + values [count / 2]) / 2;
}

int
wdm_rules_trend (const wdm_point_t *points, int count, double *slope, double *intercept)
{
    if (!points || count < 2)
        return -1;
    //  Centred on the mean year: years near 2020 squared would lose the
    //  digits that the slope is made of.
    double mean_x = 0, mean_y = 0;
    for (int i = 0; i < count; i++) {
        mean_x += points [i].year;
        mean_y += points [i].value;
    }
    mean_x /= count;
    mean_y /= count;
    double sxx = 0, sxy = 0;
    for (int i = 0; i < count; i++) {
        double dx = points [i].year - mean_x;
        sxx += dx * dx;
        sxy += dx * (points [i].value - mean_y);
    }
    if (sxx <= 0)
        return -1;  //  one distinct year: no line
    *slope = sxy / sxx;
    *intercept = mean_y - *slope * mean_x;
    return 0;
}

//  ---------------------------------------------------------------------
//  Findings and the series entry point

wdm_rules_ctx_t
wdm_rules_ctx (const wdm_rule_indicator_t *indicator, wdm_place_t place, const wdm_thresholds_t *thresholds,
               wdm_finding_t *out, int max)
{
    wdm_rules_ctx_t self = { .indicator = indicator,
                             .place_zh = place.zh ? place.zh : "",
                             .place_en = place.en ? place.en : "",
                             .thresholds = thresholds,
                             .pool = NULL,
                             .out = out,
                             .max = out && max > 0 ? max : 0,
                             .count = 0 };
    return self;
}

//  The next finding, cleared, or NULL when max are written.
wdm_finding_t *
wdm_rules_add (wdm_rules_ctx_t *self, wdm_rule_t rule, int level, int year, double value)
{
    if (self->count >= self->max)
        return NULL;
    wdm_finding_t *finding = &self->out [self->count++];
    memset (finding, 0, sizeof *finding);
    finding->rule = rule;
    finding->level = level;
    finding->year = year;
    finding->value = value;
    snprintf (finding->details, sizeof finding->details, "%s", "{}");
    return finding;
}

//  The figures behind a finding.  A JSON object cut short is no JSON at
//  all, so one that does not fit becomes {} (the message still says it).
void
wdm_rules_details (wdm_finding_t *finding, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int len = vsnprintf (finding->details, sizeof finding->details, format, args);
    va_end (args);
    if (len < 0 || (size_t)len >= sizeof finding->details)
        snprintf (finding->details, sizeof finding->details, "%s", "{}");
}

//  Sorted by year, one per year, finite values: what the rules assume.
bool
wdm_rules_series_ok (const wdm_point_t *points, int count)
{
    if (!points || count <= 0)
        return false;
    for (int i = 0; i < count; i++) {
        if (!isfinite (points [i].value))
            return false;
        if (i > 0 && points [i].year <= points [i - 1].year)
            return false;
    }
    return true;
}

int
wdm_rules_series (const wdm_rule_indicator_t *indicator, wdm_place_t place, const wdm_point_t *points,
                  int count, const wdm_thresholds_t *thresholds, wdm_finding_t *out, int max)
{
    return wdm_rules_series_pooled (indicator, place, points, count, NULL, thresholds, out, max);
}

int
wdm_rules_series_pooled (const wdm_rule_indicator_t *indicator, wdm_place_t place, const wdm_point_t *points,
                         int count, const wdm_pool_t *pool, const wdm_thresholds_t *thresholds,
                         wdm_finding_t *out, int max)
{
    wdm_rules_ctx_t self = wdm_rules_ctx (indicator, place, thresholds, out, max);
    self.pool = pool;
    if (!indicator || !thresholds || self.max == 0 || !wdm_rules_series_ok (points, count))
        return 0;
    wdm_rules_target_series (&self, points, count);
    wdm_rules_data_fluctuating (&self, points, count);
    wdm_rules_direction_series (&self, points, count);
    wdm_rules_data_revision (&self, points, count);
    return self.count;
}
