/*  wdm_judge: the one judgement of a target.

    Whether a value meets its target, how the district's value is rolled
    up from its towns and streets, and what standing (达标, 进展正常,
    进度滞后, 预计达标困难, 未报送) an indicator is given — decided here and
    nowhere else.  The warning rules (wdm_rules), the warning worker
    (wdm_warn) and the report (wdm_report) all ask this module, so that a
    report cannot call "met" what a warning calls missed.  Pure functions:
    no database, no clock, nothing printed.  */

#ifndef WDM_JUDGE_H_INCLUDED
#define WDM_JUDGE_H_INCLUDED

#include <stdbool.h>

typedef enum {
    WDM_TARGET_UPPER_BOUND = 0,
    WDM_TARGET_LOWER_BOUND,
    WDM_TARGET_REACH,
    WDM_TARGET_KEEP_ABOVE,
    WDM_TARGET_INCREASE,
    WDM_TARGET_DECREASE,
    WDM_TARGET_CURB_RISE,
    WDM_TARGET_NARROW_GAP,
    WDM_TARGET_RELATION,
    WDM_TARGET_MIN_COUNT,
    WDM_TARGET_BALANCE,
    WDM_TARGET_MONITOR
} wdm_target_kind_t;

//  Parse the database's target_kind ("upper_bound", ...).  0, or -1.
int wdm_target_kind_parse (const char *text, wdm_target_kind_t *kind);

//  The kinds judged by a number against a bound: upper, lower, reach.
bool wdm_judge_bound_kind (wdm_target_kind_t kind);

//  Comparisons as an officer reads the figures: a value exactly at a
//  threshold counts as at it, although sums of decimals are not exact in
//  binary (9.1 - 8.5 is 0.59999999999999964).
bool wdm_judge_gt (double a, double b);
bool wdm_judge_ge (double a, double b);
bool wdm_judge_lt (double a, double b);
bool wdm_judge_le (double a, double b);
//  a and b equal but for rounding.
bool wdm_judge_eq (double a, double b);

//  Whether value meets a bound-like target (upper_bound: at most; lower
//  bound, reach, keep_above, min_count: at least; 以上/以下 include the
//  number).  False for other kinds.
bool wdm_judge_meets (wdm_target_kind_t kind, double target, double value);

//  The most years one series holds, from the plan's baseline year to its
//  last: the rules and the report refuse a plan that spans more.
#define WDM_JUDGE_MAX_YEARS 64

//  --- Roll-up -----------------------------------------------------------------

typedef enum {
    WDM_AGG_RATIO = 0,
    WDM_AGG_SUM,
    WDM_AGG_MIN,
    WDM_AGG_MAX,
    WDM_AGG_MEAN,
    WDM_AGG_NONE
} wdm_aggregation_t;

//  Parse the database's aggregation ("ratio", ...).  0, or -1.
int wdm_aggregation_parse (const char *text, wdm_aggregation_t *aggregation);

//  One year's roll-up of the areas directly below the district, fed one
//  area at a time.  Clear it with wdm_judge_rollup_init.
typedef struct {
    int parts;       //  areas added
    int with_ratio;  //  of them, with numerator and denominator
    double sum, numerator, denominator, low, high;
} wdm_rollup_t;

void wdm_judge_rollup_init (wdm_rollup_t *self);

//  Add one area's value; numerator and denominator where has_ratio.
void wdm_judge_rollup_add (wdm_rollup_t *self, double value, bool has_ratio, double numerator,
                           double denominator);

//  The rolled-up value by the indicator's aggregation rule: shares and
//  rates from summed numerators over summed denominators times scale,
//  never averaged percentages.  0 with *value, or -1 when there is none:
//  no area, aggregation 'none', or a ratio some area gave no numerator
//  and denominator for.
int wdm_judge_rollup_value (const wdm_rollup_t *self, wdm_aggregation_t aggregation, double scale,
                            double *value);

//  --- Standing ----------------------------------------------------------------

//  An indicator's standing, best first: the order is the severity.
typedef enum {
    WDM_STATUS_MET = 0,       //  达标
    WDM_STATUS_ON_TRACK,      //  进展正常 (final: 无法判断)
    WDM_STATUS_BEHIND,        //  进度滞后: a yellow risk
    WDM_STATUS_UNLIKELY,      //  预计达标困难 (final: 未达标): a red risk
    WDM_STATUS_NOT_REPORTED,  //  未报送: data missing, not a judgement
    WDM_STATUS_MONITOR,       //  no judgeable target
    WDM_STATUS_COUNT
} wdm_status_t;

//  What a target is judged on.
typedef struct {
    wdm_target_kind_t kind;
    bool has_target;
    double target;
    const char *relation_op;  //  ">=" or "~" for a relation
    double balance_pp;        //  not_met.balance_pp in force
    double similar_pp;        //  relation_broken.similar_pp in force
} wdm_target_t;

//  A yearly series as the judgement reads it: has [i] and value [i] for
//  year first_year + i, count years.  first_plan is the index of the plan's
//  first year (years before it are the baseline and history).  For a
//  relation, other is the other indicator's series over the same years.
typedef struct {
    int count;
    int first_plan;
    const bool *has;
    const double *value;
} wdm_series_t;

//  Whether the series' latest plan-year value, at index latest, meets the
//  target: 1 met, 0 not, -1 cannot be judged from the values there are.
//  The rules of each kind are in docs/WARNINGS.md ("One judgement").
int wdm_judge_met (const wdm_target_t *target, const wdm_series_t *series, int latest,
                   const wdm_series_t *other);

//  The best standing a row may show while a warning of this rule and
//  level (1 yellow, 2 red) is open about it: a red warning about a target
//  makes it at best 预计达标困难, a yellow one at best 进度滞后.  Warnings
//  about the data (missing, implausible, fluctuating) do not judge the
//  target: WDM_STATUS_MET.
wdm_status_t wdm_judge_floor (const char *rule, int level);

//  The worse of two standings by severity (met < on track < behind <
//  unlikely); not reported and monitored are kept as they are.
wdm_status_t wdm_judge_worse (wdm_status_t a, wdm_status_t b);

//  Whether a rule judges the target (not_met, behind_schedule, unlikely,
//  wrong_direction, relation_broken, min_count) rather than the data.
bool wdm_judge_target_rule (const char *rule);

#endif
