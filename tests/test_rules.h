/*  test_rules.h: what the test_rules_* suites share — the plan's
    indicators as the catalog has them, places, the default thresholds,
    and helpers to build series and look into findings.  Defined in
    test_rules_fixtures.c; names start rt_ (rules test).  */

#ifndef TEST_RULES_H_INCLUDED
#define TEST_RULES_H_INCLUDED

#include "wdm_rules.h"

#include <stdbool.h>

#define RT_MAX 16                       //  findings room in every call

extern const wdm_place_t rt_wuqing, rt_meichang, rt_health;

//  An indicator as the rules see it, with its names, unit and target
//  (target year 2025, baseline 2020).
wdm_rule_indicator_t rt_indicator (const char *code, const char *name_zh, const char *name_en,
                                   const char *unit_zh, const char *unit_en,
                                   wdm_target_kind_t kind, bool has_target, double target);

//  The plan's indicators the tests use, as sql/003_catalog.sql has them.
wdm_rule_indicator_t rt_he03 (void);
wdm_rule_indicator_t rt_he04 (void);
wdm_rule_indicator_t rt_he05 (void);
wdm_rule_indicator_t rt_he06 (void);
wdm_rule_indicator_t rt_he12 (void);
wdm_rule_indicator_t rt_en04 (void);
wdm_rule_indicator_t rt_ed01 (void);
wdm_rule_indicator_t rt_ed03 (void);
wdm_rule_indicator_t rt_ed04 (void);
wdm_rule_indicator_t rt_fa01 (void);
wdm_rule_indicator_t rt_dm01 (void);
wdm_rule_indicator_t rt_dm02 (void);
wdm_rule_indicator_t rt_dm17 (void);
wdm_rule_indicator_t rt_dm23 (void);
wdm_rule_indicator_t rt_dm24 (void);

//  The default thresholds (wdm_thresholds_default).
wdm_thresholds_t rt_defaults (void);

//  A series of consecutive years from first, with these values.
int rt_years (int first, const double *values, int count, wdm_point_t *points);

//  The series rules with default thresholds, for Wuqing, into found.
int rt_series (const wdm_rule_indicator_t *indicator, const wdm_point_t *points, int count,
               wdm_finding_t *found);

//  The finding of this rule among count, or NULL.
const wdm_finding_t *rt_find (const wdm_finding_t *found, int count, wdm_rule_t rule);

//  The level of the finding of this rule: 0 if there is none.
int rt_level (const wdm_finding_t *found, int count, wdm_rule_t rule);

//  True if text holds part; if not, says so on stderr.
bool rt_has (const char *text, const char *part);

//  A figure from a finding's details: "key":number.
double rt_detail (const wdm_finding_t *f, const char *key);

//  True if text is valid UTF-8; if it is plain ASCII; if it ends with end.
bool rt_utf8_valid (const char *text);
bool rt_ascii (const char *text);
bool rt_ends_with (const char *text, const char *end);

#endif
