/*  wdm_rules_int: INTERNAL to the warning rules (server/warn/wdm_rules*.c
    and wdm_say.c) — not for the engine, the tests or any other part,
    which use wdm_rules.h.

    The rules are split by family: wdm_rules.c (rule codes, thresholds,
    the numbers, the finding context and the series entry point),
    wdm_rules_target.c (not met, behind schedule, unlikely, minimum
    count), wdm_rules_direction.c (wrong direction, a narrowing gap, a
    relation), wdm_rules_data.c (fluctuating, implausible, missing) and
    wdm_say.c (the wording of the messages).  This header is what they
    share.  */

#ifndef WDM_RULES_INT_H_INCLUDED
#define WDM_RULES_INT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "wdm_rules.h"

//  Comparisons are the judgement's (wdm_judge_gt, _ge, _lt, _le), allowing
//  rounding: values come from decimal reports, and 9.1 - 8.5 is
//  0.59999999999999964 in binary, yet a value exactly at a threshold counts
//  as at it.

//  --- The finding context (wdm_rules.c) ------------------------------------------

//  What every rule needs: the indicator, the place, the thresholds, and
//  where its findings go.
typedef struct {
    const wdm_rule_indicator_t *indicator;
    const char *place_zh;
    const char *place_en;
    const wdm_thresholds_t *thresholds;
    const wdm_pool_t *pool;  //  the indicator's pooled changes, or NULL
    wdm_finding_t *out;
    int max;
    int count;
} wdm_rules_ctx_t;

//  A context writing at most max findings to out (none if out is NULL or
//  max <= 0); a NULL place name is "".  pool is NULL.
wdm_rules_ctx_t wdm_rules_ctx (const wdm_rule_indicator_t *indicator, wdm_place_t place,
                               const wdm_thresholds_t *thresholds, wdm_finding_t *out, int max);

//  The next finding, cleared, with its rule, level, year and value, and
//  details "{}"; NULL when max are written.
wdm_finding_t *wdm_rules_add (wdm_rules_ctx_t *self, wdm_rule_t rule, int level, int year, double value);

//  The figures behind a finding, a JSON object printf-style.  One that
//  does not fit becomes {} (a JSON object cut short is no JSON at all).
void wdm_rules_details (wdm_finding_t *finding, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

//  Sorted by year, one per year, finite values: what the rules assume.
bool wdm_rules_series_ok (const wdm_point_t *points, int count);

//  --- The rules on one series, in the order wdm_rules_series_pooled runs them ----

//  not_met, behind_schedule and unlikely (wdm_rules_target.c).
void wdm_rules_target_series (wdm_rules_ctx_t *self, const wdm_point_t *points, int count);

//  fluctuating: the latest change against what is usual (wdm_rules_data.c).
void wdm_rules_data_fluctuating (wdm_rules_ctx_t *self, const wdm_point_t *points, int count);

//  wrong_direction of an increase, decrease or curb-the-rise target
//  (wdm_rules_direction.c).
void wdm_rules_direction_series (wdm_rules_ctx_t *self, const wdm_point_t *points, int count);

//  implausible: a large revision of a final value (wdm_rules_data.c).
void wdm_rules_data_revision (wdm_rules_ctx_t *self, const wdm_point_t *points, int count);

//  --- Wording (wdm_say.c) ----------------------------------------------------------

//  A short piece of text, returned by value so that calls nest in a printf.
typedef struct {
    char text [160];
} wdm_say_t;

//  snprintf into buffer, cut to fit without splitting a UTF-8 character
//  ("" on an encoding error).
void wdm_say (char *buffer, size_t size, const char *format, ...) __attribute__ ((format (printf, 3, 4)));

//  Add to the text in buffer, cut to fit like wdm_say.
void wdm_say_append (char *buffer, size_t size, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

//  A value as people write it: two decimals at most, no trailing zeros;
//  NaN "-", infinity "∞".  _en: the same, but infinity in ASCII words.
wdm_say_t wdm_say_num (double value);
wdm_say_t wdm_say_num_en (double value);

//  A share or a score with one decimal ("12.0"), as the monitoring reports
//  write them.
wdm_say_t wdm_say_fix1 (double value);

//  A number in a details object: "%.6g", or null (JSON has no infinity).
wdm_say_t wdm_say_json (double value);

//  Text as the inside of a JSON string, cut to fit.
wdm_say_t wdm_say_json_string (const char *text);

//  A value with its unit: "9.1/10万" / "9.1 per 100,000" ("1 person").
wdm_say_t wdm_say_amount_zh (const wdm_rule_indicator_t *indicator, double value);
wdm_say_t wdm_say_amount_en (const wdm_rule_indicator_t *indicator, double value);

//  A difference in the indicator's unit (percentages differ by percentage
//  points).  signed_ puts "+" or "-" in front; otherwise the magnitude is
//  shown and the sentence says which way.
wdm_say_t wdm_say_delta_zh (const wdm_rule_indicator_t *indicator, double delta, bool signed_);
wdm_say_t wdm_say_delta_en (const wdm_rule_indicator_t *indicator, double delta, bool signed_);

//  size (a number as text) percentage points: "1 percentage point".
wdm_say_t wdm_say_points_en (const char *size);

//  The indicator's target in the plan's own sense: "控制在8.5/10万以下" /
//  "at most 8.5 per 100,000".
wdm_say_t wdm_say_target_zh (const wdm_rule_indicator_t *indicator);
wdm_say_t wdm_say_target_en (const wdm_rule_indicator_t *indicator);

//  A body the catalog names, in English; another keeps its own name, in
//  quotes.
wdm_say_t wdm_say_body_en (const char *body);

#endif
