/*  wdm_rules: the warning rules of the plan's monitoring, as pure
    functions — no database, no clock, no state.

    Each function looks at one series (an indicator in one area, year by
    year, as of its latest reported year) and returns the findings that
    hold: which rule, which level, about which year, with a message in
    plain Chinese that a monitoring officer can forward as is, and the same
    in English.  wdm_warn (the database side) gathers the series, calls
    these, and turns findings into warnings with a lifecycle.  The formulas
    and thresholds are in docs/WARNINGS.md.  */

#ifndef WDM_RULES_H_INCLUDED
#define WDM_RULES_H_INCLUDED

#include <stdbool.h>

#include "wdm_catalog.h"
#include "wdm_judge.h"

typedef enum {
    WDM_RULE_NOT_MET = 0,      //  "not_met"
    WDM_RULE_BEHIND,           //  "behind_schedule"
    WDM_RULE_UNLIKELY,         //  "unlikely"
    WDM_RULE_FLUCTUATING,      //  "fluctuating"
    WDM_RULE_WRONG_DIRECTION,  //  "wrong_direction"
    WDM_RULE_RELATION,         //  "relation_broken"
    WDM_RULE_MIN_COUNT,        //  "min_count"
    WDM_RULE_MISSING,          //  "missing"
    WDM_RULE_IMPLAUSIBLE,      //  "implausible"
    WDM_RULE_COUNT
} wdm_rule_t;

//  The rule's code in the database's rule table, e.g. "behind_schedule".
const char *wdm_rule_code (wdm_rule_t rule);

//  What the rules need to know of an indicator.
typedef struct {
    char code [WDM_CODE_MAX];
    char name_zh [160];
    char name_en [200];
    char unit_zh [24];  //  symbol in messages: "%", "/10万", "年"
    char unit_en [24];  //  "%", " per 100,000", " years"
    wdm_target_kind_t kind;
    bool has_target;
    double target;
    int target_year;       //  2025
    int baseline_year;     //  2020
    char relation_op [3];  //  ">=" or "~", for WDM_TARGET_RELATION
} wdm_rule_indicator_t;

//  Thresholds, as data: rule_threshold rows (a row for one indicator
//  overrides the rule's default).  Names follow the table's param column.
typedef struct {
    double behind_yellow_pp;       //  behind_schedule.yellow_pp, default 10
    double behind_red_pp;          //  behind_schedule.red_pp, default 30
    double unlikely_min_years;     //  unlikely.min_years, default 3
    double unlikely_on_track;      //  unlikely.on_track_ratio, default 0.95
    double unlikely_limited;       //  unlikely.limited_ratio, default 0.6
    double fluct_z;                //  fluctuating.modified_z, default 3.5
    double fluct_min_changes;      //  fluctuating.min_years, default 4
    double fluct_limit_pct;        //  fluctuating.limit_pct, default 30
    double fluct_pool_min;         //  fluctuating.pool_min, default 8
    double fluct_limit_pp;         //  fluctuating.limit_pp, default 0 (none)
    double wrong_red_consecutive;  //  wrong_direction.red_consecutive, default 2
    double relation_red_pp;        //  relation_broken.red_pp, default 5
    double relation_similar_pp;    //  relation_broken.similar_pp, default 10
    double balance_pp;             //  not_met.balance_pp, default 5
    double missing_yellow_days;    //  missing.yellow_days_before, default 14
    double peer_z;                 //  implausible.peer_modified_z, default 3.5
    double peer_min;               //  implausible.peer_min, default 5
    double revision_pct;           //  implausible.revision_pct, default 10
} wdm_thresholds_t;

//  The defaults above.
void wdm_thresholds_default (wdm_thresholds_t *self);

//  Set one threshold by its rule and param ("behind_schedule", "red_pp").
//  0, or -1 if there is no such threshold.
int wdm_thresholds_set (wdm_thresholds_t *self, const char *rule, const char *param, double value);

//  One year of a series: its current value, and whether a value marked
//  final was revised to it (for the large-revision check).
typedef struct {
    int year;
    double value;
    bool revised_from_final;
    double final_value;  //  the final value before the revision
} wdm_point_t;

//  A place in a message: the area's name, e.g. "梅厂镇" / "Meichang Town".
typedef struct {
    const char *zh;
    const char *en;
} wdm_place_t;

#define WDM_FINDING_TEXT 640

typedef struct {
    wdm_rule_t rule;
    int level;                 //  1 yellow, 2 red
    int year;                  //  the year it is about
    char body [WDM_CODE_MAX];  //  for min_count; "" otherwise
    double value;
    bool has_target;
    double target;
    char message_zh [WDM_FINDING_TEXT];
    char message_en [WDM_FINDING_TEXT];
    char details [256];  //  a JSON object of the figures behind it
} wdm_finding_t;

//  The rules on one series, as of its latest year: not met, behind
//  schedule, unlikely to be met, fluctuating, wrong direction (increase,
//  decrease and curb-the-rise targets) and the large revision of a final
//  value.  points are sorted by year, one per year.  Writes at most max
//  findings; returns how many.
int wdm_rules_series (const wdm_rule_indicator_t *indicator, wdm_place_t place, const wdm_point_t *points,
                      int count, const wdm_thresholds_t *thresholds, wdm_finding_t *out, int max);

//  What is usual for an indicator's year-on-year changes across all its
//  series (every area), for the fluctuation rule when a series' own history
//  is short: how many changes, their median and spread.
typedef struct {
    int count;  //  changes pooled; 0: no pool
    double median;
    double mad;      //  median absolute deviation from the median
    double mean_ad;  //  mean absolute deviation from the median
} wdm_pool_t;

//  Fill pool from count changes (which are not reordered).  0, or -1 if
//  memory is short or a change is not finite; pool->count is then 0.
int wdm_rules_pool (const double *changes, int count, wdm_pool_t *pool);

//  wdm_rules_series, with the indicator's pooled changes before the
//  series' latest year (NULL: none) for the fluctuation rule.
int wdm_rules_series_pooled (const wdm_rule_indicator_t *indicator, wdm_place_t place,
                             const wdm_point_t *points, int count, const wdm_pool_t *pool,
                             const wdm_thresholds_t *thresholds, wdm_finding_t *out, int max);

//  A narrow-the-gap target: women's and men's series; the gap |F − M|
//  widening is a wrong direction.  Returns findings written.
int wdm_rules_gap (const wdm_rule_indicator_t *indicator, wdm_place_t place, const wdm_point_t *women,
                   int women_count, const wdm_point_t *men, int men_count, const wdm_thresholds_t *thresholds,
                   wdm_finding_t *out, int max);

//  A relation target: this indicator (a) against the other (b), in the
//  latest year both have.  ">=": a below b; "~": a far from b.
int wdm_rules_relation (const wdm_rule_indicator_t *indicator, const wdm_rule_indicator_t *other,
                        wdm_place_t place, const wdm_point_t *a, int a_count, const wdm_point_t *b,
                        int b_count, const wdm_thresholds_t *thresholds, wdm_finding_t *out, int max);

//  A minimum-count target for one body: its latest count below the target.
int wdm_rules_min_count (const wdm_rule_indicator_t *indicator, wdm_place_t place, const char *body,
                         const wdm_point_t *points, int count, const wdm_thresholds_t *thresholds,
                         wdm_finding_t *out, int max);

//  An area's value in a year against its peers' (the other towns): far
//  off by the modified z-score.  Needs peer_min peers.
int wdm_rules_peers (const wdm_rule_indicator_t *indicator, wdm_place_t place, int year, double value,
                     const double *peers, int peer_count, const wdm_thresholds_t *thresholds,
                     wdm_finding_t *out, int max);

//  A report a unit owes: indicator for area and year, due on the
//  deadline day (month/day of the following year).  Not reported: yellow
//  from yellow_days_before the deadline, red after it.  today is a date as
//  year, month, day.  The place names the unit.
int wdm_rules_missing (const wdm_rule_indicator_t *indicator, wdm_place_t unit, wdm_place_t area, int year,
                       int deadline_month, int deadline_day, int today_year, int today_month, int today_day,
                       bool reported, const wdm_thresholds_t *thresholds, wdm_finding_t *out, int max);

//  Least squares through (year, value): 0 with slope and intercept, or -1
//  with fewer than two distinct years.
int wdm_rules_trend (const wdm_point_t *points, int count, double *slope, double *intercept);

//  Median of count values (reorders them).  count > 0.
double wdm_rules_median (double *values, int count);

#endif
