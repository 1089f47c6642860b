/*  test_rules_targets: the target rules: not met, behind schedule, unlikely; and the figures they rest on (codes, thresholds, median, trend).
    Each rule at its boundaries — exactly at the target or threshold, and
    a step either side — with every expected figure worked out by hand
    next to it.  */

#include "test_rules.h"
#include "wdm_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
test_codes_and_kinds (void)
{
    static const char *const codes [WDM_RULE_COUNT] = { "not_met",     "behind_schedule", "unlikely",
                                                        "fluctuating", "wrong_direction", "relation_broken",
                                                        "min_count",   "missing",         "implausible" };
    for (int i = 0; i < WDM_RULE_COUNT; i++)
        CU_ASSERT_STRING_EQUAL (wdm_rule_code ((wdm_rule_t)i), codes [i]);
    CU_ASSERT_STRING_EQUAL (wdm_rule_code ((wdm_rule_t)99), "unknown");

    static const char *const kinds [] = { "upper_bound", "lower_bound", "reach",     "keep_above",
                                          "increase",    "decrease",    "curb_rise", "narrow_gap",
                                          "relation",    "min_count",   "balance",   "monitor" };
    for (int i = 0; i < (int)(sizeof kinds / sizeof kinds [0]); i++) {
        wdm_target_kind_t kind = WDM_TARGET_MONITOR;
        CU_ASSERT_EQUAL (wdm_target_kind_parse (kinds [i], &kind), 0);
        CU_ASSERT_EQUAL ((int)kind, i);
    }
    wdm_target_kind_t kind = WDM_TARGET_REACH;
    CU_ASSERT_EQUAL (wdm_target_kind_parse ("Upper_bound", &kind), -1);  //  the enum is lower case
    CU_ASSERT_EQUAL (wdm_target_kind_parse ("", &kind), -1);
    CU_ASSERT_EQUAL (wdm_target_kind_parse (NULL, &kind), -1);
    CU_ASSERT_EQUAL (kind, WDM_TARGET_REACH);  //  untouched on failure
}

static void
test_thresholds (void)
{
    wdm_thresholds_t th = rt_defaults ();
    //  The defaults of sql/002_reference.sql and the header.
    CU_ASSERT_EQUAL (th.behind_yellow_pp, 10);
    CU_ASSERT_EQUAL (th.behind_red_pp, 30);
    CU_ASSERT_EQUAL (th.unlikely_min_years, 3);
    CU_ASSERT_EQUAL (th.unlikely_on_track, 0.95);
    CU_ASSERT_EQUAL (th.unlikely_limited, 0.6);
    CU_ASSERT_EQUAL (th.fluct_z, 3.5);
    CU_ASSERT_EQUAL (th.fluct_min_changes, 4);
    CU_ASSERT_EQUAL (th.fluct_limit_pct, 30);
    CU_ASSERT_EQUAL (th.fluct_pool_min, 8);
    CU_ASSERT_EQUAL (th.fluct_limit_pp, 0);
    CU_ASSERT_EQUAL (th.wrong_red_consecutive, 2);
    CU_ASSERT_EQUAL (th.relation_red_pp, 5);
    CU_ASSERT_EQUAL (th.relation_similar_pp, 10);
    CU_ASSERT_EQUAL (th.balance_pp, 5);
    CU_ASSERT_EQUAL (th.missing_yellow_days, 14);
    CU_ASSERT_EQUAL (th.peer_z, 3.5);
    CU_ASSERT_EQUAL (th.peer_min, 5);
    CU_ASSERT_EQUAL (th.revision_pct, 10);

    //  Every (rule, param) of rule_threshold lands in its own field.
    struct {
        const char *rule, *param;
        double *field;
    } map [] = {
        { "behind_schedule", "yellow_pp", &th.behind_yellow_pp },
        { "behind_schedule", "red_pp", &th.behind_red_pp },
        { "unlikely", "min_years", &th.unlikely_min_years },
        { "unlikely", "on_track_ratio", &th.unlikely_on_track },
        { "unlikely", "limited_ratio", &th.unlikely_limited },
        { "fluctuating", "modified_z", &th.fluct_z },
        { "fluctuating", "min_years", &th.fluct_min_changes },
        { "fluctuating", "limit_pct", &th.fluct_limit_pct },
        { "fluctuating", "pool_min", &th.fluct_pool_min },
        { "fluctuating", "limit_pp", &th.fluct_limit_pp },
        { "wrong_direction", "red_consecutive", &th.wrong_red_consecutive },
        { "relation_broken", "red_pp", &th.relation_red_pp },
        { "relation_broken", "similar_pp", &th.relation_similar_pp },
        { "not_met", "balance_pp", &th.balance_pp },
        { "missing", "yellow_days_before", &th.missing_yellow_days },
        { "implausible", "peer_modified_z", &th.peer_z },
        { "implausible", "peer_min", &th.peer_min },
        { "implausible", "revision_pct", &th.revision_pct },
    };
    int count = (int)(sizeof map / sizeof map [0]);
    for (int i = 0; i < count; i++)
        CU_ASSERT_EQUAL (wdm_thresholds_set (&th, map [i].rule, map [i].param, 100 + i), 0);
    for (int i = 0; i < count; i++)
        CU_ASSERT_EQUAL (*map [i].field, 100 + i);

    th = rt_defaults ();
    CU_ASSERT_EQUAL (wdm_thresholds_set (&th, "behind_schedule", "orange_pp", 1), -1);
    CU_ASSERT_EQUAL (wdm_thresholds_set (&th, "not_met", "red_pp", 1), -1);  //  another rule's param
    CU_ASSERT_EQUAL (wdm_thresholds_set (&th, "behind", "red_pp", 1), -1);   //  the code, not a nickname
    CU_ASSERT_EQUAL (wdm_thresholds_set (&th, NULL, "red_pp", 1), -1);
    CU_ASSERT_EQUAL (wdm_thresholds_set (&th, "behind_schedule", "red_pp", NAN), -1);
    CU_ASSERT_EQUAL (th.behind_red_pp, 30);  //  unchanged
}

static void
test_median (void)
{
    double odd [] = { 3, 1, 2 };
    CU_ASSERT_EQUAL (wdm_rules_median (odd, 3), 2);
    CU_ASSERT_EQUAL (odd [0], 1);  //  reordered, as the contract says
    double even [] = { 4, 1, 3, 2 };
    CU_ASSERT_EQUAL (wdm_rules_median (even, 4), 2.5);  //  (2 + 3) / 2
    double one [] = { 7 };
    CU_ASSERT_EQUAL (wdm_rules_median (one, 1), 7);
    double ties [] = { 5, 5, 1, 9, 5 };
    CU_ASSERT_EQUAL (wdm_rules_median (ties, 5), 5);
    double negative [] = { -1.5, 0.5, -0.5, 1.5 };
    CU_ASSERT_EQUAL (wdm_rules_median (negative, 4), 0);  //  (-0.5 + 0.5) / 2
}

static void
test_trend (void)
{
    double slope = 0, intercept = 0;
    //  (2020, 50), (2024, 60): slope 10 / 4 = 2.5; intercept 50 - 2.5 x 2020 = -5000.
    wdm_point_t two [] = { { 2020, 50, false, 0 }, { 2024, 60, false, 0 } };
    CU_ASSERT_EQUAL (wdm_rules_trend (two, 2, &slope, &intercept), 0);
    CU_ASSERT_DOUBLE_EQUAL (slope, 2.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (intercept, -5000, 1e-6);

    //  2020..2024: 50, 52, 53, 55, 56.  Mean year 2022, mean value 266 / 5 = 53.2.
    //  Sxy = (-2)(-3.2) + (-1)(-1.2) + 0 + (1)(1.8) + (2)(2.8) = 6.4 + 1.2 + 1.8 + 5.6 = 15;
    //  Sxx = 4 + 1 + 0 + 1 + 4 = 10; slope 1.5; intercept 53.2 - 1.5 x 2022 = -2979.8;
    //  at 2025: 53.2 + 1.5 x 3 = 57.7.
    wdm_point_t five [5];
    rt_years (2020, (double []) { 50, 52, 53, 55, 56 }, 5, five);
    CU_ASSERT_EQUAL (wdm_rules_trend (five, 5, &slope, &intercept), 0);
    CU_ASSERT_DOUBLE_EQUAL (slope, 1.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (intercept, -2979.8, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL (intercept + slope * 2025, 57.7, 1e-9);

    //  A flat series has slope 0.
    rt_years (2020, (double []) { 7, 7, 7 }, 3, five);
    CU_ASSERT_EQUAL (wdm_rules_trend (five, 3, &slope, &intercept), 0);
    CU_ASSERT_DOUBLE_EQUAL (slope, 0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL (intercept, 7, 1e-9);

    //  Fewer than two distinct years: no line.
    CU_ASSERT_EQUAL (wdm_rules_trend (two, 1, &slope, &intercept), -1);
    wdm_point_t same [] = { { 2022, 1, false, 0 }, { 2022, 2, false, 0 } };
    CU_ASSERT_EQUAL (wdm_rules_trend (same, 2, &slope, &intercept), -1);
    CU_ASSERT_EQUAL (wdm_rules_trend (two, 0, &slope, &intercept), -1);
}

static void
test_not_met_upper_bound (void)
{
    wdm_rule_indicator_t he03 = rt_he03 ();
    wdm_finding_t found [RT_MAX];
    wdm_point_t p [1] = { { 2024, 8.5, false, 0 } };

    //  控制在8.5/10万以下: 以下 includes 8.5.
    CU_ASSERT_EQUAL (rt_series (&he03, p, 1, found), 0);
    p [0].value = 8.4;
    CU_ASSERT_EQUAL (rt_series (&he03, p, 1, found), 0);

    //  8.6 > 8.5: red, over by 8.6 - 8.5 = 0.1.
    p [0].value = 8.6;
    CU_ASSERT_EQUAL (rt_series (&he03, p, 1, found), 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_NOT_MET);
    CU_ASSERT_EQUAL (found [0].level, 2);
    CU_ASSERT_EQUAL (found [0].year, 2024);
    CU_ASSERT_EQUAL (found [0].value, 8.6);
    CU_ASSERT_TRUE (found [0].has_target);
    CU_ASSERT_EQUAL (found [0].target, 8.5);
    CU_ASSERT_STRING_EQUAL (found [0].body, "");
    CU_ASSERT_TRUE (rt_has (found [0].message_zh, "超出0.1/10万"));

    //  The example of the brief, word for word: 9.1 - 8.5 = 0.6.
    p [0].value = 9.1;
    CU_ASSERT_EQUAL (rt_series (&he03, p, 1, found), 1);
    CU_ASSERT_STRING_EQUAL (
        found [0].message_zh,
        "2024年武清区孕产妇死亡率为9.1/10万,未达到“控制在8.5/10万以下”的目标,超出0.6/10万。");
    CU_ASSERT_STRING_EQUAL (found [0].message_en,
                            "Maternal mortality ratio in Wuqing District was 9.1 per 100,000 in 2024, "
                            "missing the target of at most 8.5 per 100,000 by 0.6 per 100,000.");
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (&found [0], "target"), 8.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (&found [0], "over_by"), 0.6, 1e-9);

    //  A value of the baseline year only (the next plan's first days: its
    //  baseline year's figure is stored, none of its own years yet) is
    //  before the plan: nothing is missed yet.
    wdm_point_t base [1] = { { 2020, 9.1, false, 0 } };
    CU_ASSERT_EQUAL (rt_series (&he03, base, 1, found), 0);

    //  No target in the catalog: nothing to miss.
    he03.has_target = false;
    CU_ASSERT_EQUAL (rt_series (&he03, p, 1, found), 0);
}

static void
test_not_met_lower_bound_and_reach (void)
{
    wdm_rule_indicator_t he05 = rt_he05 ();
    wdm_finding_t found [RT_MAX];
    wdm_point_t p [1] = { { 2024, 70, false, 0 } };

    //  达到70%以上: 70 itself meets, and so does 70.1.
    CU_ASSERT_EQUAL (rt_series (&he05, p, 1, found), 0);
    p [0].value = 70.1;
    CU_ASSERT_EQUAL (rt_series (&he05, p, 1, found), 0);

    //  69.9 in 2024, before the target year: yellow, short by 0.1 point.
    p [0].value = 69.9;
    CU_ASSERT_EQUAL (rt_series (&he05, p, 1, found), 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_NOT_MET);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_TRUE (rt_has (found [0].message_zh, "距“达到70%以上”的目标还差0.1个百分点(目标年为2025年)"));
    CU_ASSERT_TRUE (
        rt_has (found [0].message_en, "short of the target of at least 70% by 0.1 percentage points"));

    //  69.9 in 2025, the target year: red.
    p [0].year = 2025;
    CU_ASSERT_EQUAL (rt_series (&he05, p, 1, found), 1);
    CU_ASSERT_EQUAL (found [0].level, 2);
    CU_ASSERT_STRING_EQUAL (
        found [0].message_zh,
        "2025年武清区适龄妇女宫颈癌人群筛查率为69.9%,未实现“达到70%以上”的目标,差0.1个百分点。");
    //  And after it, still red.
    p [0].year = 2026;
    CU_ASSERT_EQUAL (rt_series (&he05, p, 1, found), 1);
    CU_ASSERT_EQUAL (found [0].level, 2);

    //  达到100%: 100 meets; 99.9 is yellow in 2024, red in 2025.
    wdm_rule_indicator_t en04 = rt_en04 ();
    wdm_point_t q [1] = { { 2025, 100, false, 0 } };
    CU_ASSERT_EQUAL (rt_series (&en04, q, 1, found), 0);
    q [0].value = 99.9;
    CU_ASSERT_EQUAL (rt_series (&en04, q, 1, found), 1);
    CU_ASSERT_EQUAL (found [0].level, 2);
    CU_ASSERT_TRUE (rt_has (found [0].message_zh, "未实现“达到100%”的目标,差0.1个百分点"));
    CU_ASSERT_TRUE (
        rt_has (found [0].message_en, "missing the target of reaching 100% by 0.1 percentage points"));
    q [0].year = 2024;
    CU_ASSERT_EQUAL (rt_series (&en04, q, 1, found), 1);
    CU_ASSERT_EQUAL (found [0].level, 1);
}

static void
test_not_met_keep_above (void)
{
    wdm_rule_indicator_t ed01 = rt_ed01 ();
    wdm_finding_t found [RT_MAX];
    wdm_point_t p [5];

    //  Every plan year at or above 99 (2021 and 2024 exactly 99): met.  The
    //  2020 baseline at 98 is before the plan and does not count.  No other
    //  rule either: the 2024 change is 99 - 99.2 = -0.2, 0.2% of 99.2.
    rt_years (2020, (double []) { 98.0, 99.0, 99.5, 99.2, 99.0 }, 5, p);
    CU_ASSERT_EQUAL (rt_series (&ed01, p, 5, found), 0);

    //  Dropped once, in 2022 (98.9 < 99): red about 2022, short by 0.1.
    rt_years (2020, (double []) { 99.1, 99.3, 98.9, 99.5, 99.2 }, 5, p);
    int n = rt_series (&ed01, p, 5, found);
    CU_ASSERT_EQUAL (n, 1);
    const wdm_finding_t *f = rt_find (found, n, WDM_RULE_NOT_MET);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_EQUAL (f->year, 2022);
    CU_ASSERT_EQUAL (f->value, 98.9);
    CU_ASSERT_EQUAL (f->target, 99);
    CU_ASSERT_STRING_EQUAL (f->message_zh,
                            "2022年武清区九年义务教育巩固率为98.9%,未达到“保持在99%以上”的目标,差0.1个百分点;"
                            "低于目标的年份:2022年。");

    //  Dropped in 2022 and 2024: about the latest, 2024, naming both.
    rt_years (2020, (double []) { 99.1, 99.3, 98.9, 99.5, 98.7 }, 5, p);
    n = rt_series (&ed01, p, 5, found);
    f = rt_find (found, n, WDM_RULE_NOT_MET);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->year, 2024);
    CU_ASSERT_EQUAL (f->value, 98.7);
    CU_ASSERT_TRUE (rt_has (f->message_zh, "差0.3个百分点;低于目标的年份:2022年、2024年。"));
    CU_ASSERT_TRUE (rt_has (f->message_en, "years below: 2022, 2024."));
    CU_ASSERT_TRUE (rt_has (f->details, "\"years_below\":[2022,2024]"));
    CU_ASSERT_EQUAL (rt_detail (f, "count_below"), 2);
}

static void
test_not_met_balance (void)
{
    wdm_rule_indicator_t ed03 = rt_ed03 ();
    wdm_finding_t found [RT_MAX];
    wdm_point_t p [1] = { { 2024, 55, false, 0 } };

    //  |55 - 50| = 5 is not more than balance_pp 5; nor is |45 - 50|.
    CU_ASSERT_EQUAL (rt_series (&ed03, p, 1, found), 0);
    p [0].value = 45;
    CU_ASSERT_EQUAL (rt_series (&ed03, p, 1, found), 0);

    //  |55.1 - 50| = 5.1 > 5: yellow; |44.9 - 50| = 5.1 too.
    p [0].value = 55.1;
    CU_ASSERT_EQUAL (rt_series (&ed03, p, 1, found), 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_NOT_MET);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_TRUE (rt_has (found [0].message_zh,
                            "为55.1%,偏离“保持均衡(50%左右)”的目标5.1个百分点,超过容许的5个百分点。"));
    p [0].value = 44.9;
    CU_ASSERT_EQUAL (rt_series (&ed03, p, 1, found), 1);
    CU_ASSERT_EQUAL (found [0].level, 1);

    //  A wider tolerance from rule_threshold: 5.1 within 6.
    wdm_thresholds_t th = rt_defaults ();
    wdm_thresholds_set (&th, "not_met", "balance_pp", 6);
    CU_ASSERT_EQUAL (wdm_rules_series (&ed03, rt_wuqing, p, 1, &th, found, RT_MAX), 0);
}

//  The behind-schedule finding for HE05 (70% 以上, baseline 50 in 2020)
//  with value v in 2023: time share (2023 - 2020) / (2025 - 2020) = 0.6.
static const wdm_finding_t *
s_behind_2023 (double v, const wdm_thresholds_t *th, wdm_finding_t *found)
{
    wdm_rule_indicator_t he05 = rt_he05 ();
    wdm_point_t p [] = { { 2020, 50, false, 0 }, { 2023, v, false, 0 } };
    int n = wdm_rules_series (&he05, rt_wuqing, p, 2, th, found, RT_MAX);
    return rt_find (found, n, WDM_RULE_BEHIND);
}

static void
test_behind_schedule (void)
{
    wdm_thresholds_t th = rt_defaults ();
    wdm_finding_t found [RT_MAX];
    const wdm_finding_t *f;

    //  60: progress (60 - 50) / (70 - 50) = 0.5; behind (0.6 - 0.5) x 100 = 10: yellow, inclusive.
    f = s_behind_2023 (60, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    CU_ASSERT_EQUAL (f->year, 2023);
    CU_ASSERT_EQUAL (f->target, 70);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "progress"), 0.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "time_share"), 0.6, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "behind_pp"), 10, 1e-9);
    CU_ASSERT_STRING_EQUAL (
        f->message_zh,
        "2023年武清区适龄妇女宫颈癌人群筛查率为60%,自2020年基期(50%)起仅完成“达到70%以上”目标进度的50.0%,"
        "而规划期已过去60.0%,落后于时间进度10.0个百分点。");
    CU_ASSERT_TRUE (rt_has (f->message_en,
                            "50.0% of the way from the 2020 baseline (50%) to the target of at least 70%"));
    CU_ASSERT_TRUE (
        rt_has (f->message_en, "60.0% of the plan period gone, 10.0 percentage points behind schedule."));

    //  60.1: progress 10.1 / 20 = 0.505; behind 9.5: nothing.
    CU_ASSERT_PTR_NULL (s_behind_2023 (60.1, &th, found));
    //  59.9: progress 0.495; behind 10.5: yellow.
    f = s_behind_2023 (59.9, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "behind_pp"), 10.5, 1e-6);

    //  56: progress 6 / 20 = 0.3; behind 30: red, inclusive.
    f = s_behind_2023 (56, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    //  56.1: progress 0.305; behind 29.5: yellow.
    f = s_behind_2023 (56.1, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    //  55.9: progress 0.295; behind 30.5: red.
    f = s_behind_2023 (55.9, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);

    //  70 meets the target: nothing is behind.
    CU_ASSERT_PTR_NULL (s_behind_2023 (70, &th, found));

    //  A lower yellow_pp for this indicator: 9.5 points behind is yellow at 5.
    wdm_thresholds_set (&th, "behind_schedule", "yellow_pp", 5);
    f = s_behind_2023 (60.1, &th, found);
    CU_ASSERT_PTR_NOT_NULL (f);
    th = rt_defaults ();

    //  No baseline point, or the latest year is the target year: no judgement.
    wdm_rule_indicator_t he05 = rt_he05 ();
    wdm_point_t no_base [] = { { 2021, 55, false, 0 }, { 2023, 56, false, 0 } };
    int n = rt_series (&he05, no_base, 2, found);
    CU_ASSERT_PTR_NULL (rt_find (found, n, WDM_RULE_BEHIND));
    wdm_point_t at_end [] = { { 2020, 50, false, 0 }, { 2025, 51, false, 0 } };
    n = rt_series (&he05, at_end, 2, found);
    CU_ASSERT_PTR_NULL (rt_find (found, n, WDM_RULE_BEHIND));

    //  An upper bound, HE03 8.5 from 12.5 in 2020; 2022 is time share 2 / 5 = 0.4.
    wdm_rule_indicator_t he03 = rt_he03 ();
    wdm_point_t q [] = { { 2020, 12.5, false, 0 }, { 2022, 11, false, 0 } };
    //  11: progress (11 - 12.5) / (8.5 - 12.5) = -1.5 / -4 = 0.375; behind 2.5: nothing.
    n = rt_series (&he03, q, 2, found);
    CU_ASSERT_PTR_NULL (rt_find (found, n, WDM_RULE_BEHIND));
    //  11.9: progress -0.6 / -4 = 0.15; behind 25: yellow.
    q [1].value = 11.9;
    n = rt_series (&he03, q, 2, found);
    CU_ASSERT_EQUAL (rt_level (found, n, WDM_RULE_BEHIND), 1);
    //  12.5: progress 0; behind 40: red.
    q [1].value = 12.5;
    n = rt_series (&he03, q, 2, found);
    CU_ASSERT_EQUAL (rt_level (found, n, WDM_RULE_BEHIND), 2);
    //  The baseline already met the bound (8.0), 2022 slipped to 9.0:
    //  progress means nothing; not_met is red instead.
    wdm_point_t met [] = { { 2020, 8.0, false, 0 }, { 2022, 9.0, false, 0 } };
    n = rt_series (&he03, met, 2, found);
    CU_ASSERT_PTR_NULL (rt_find (found, n, WDM_RULE_BEHIND));
    CU_ASSERT_EQUAL (rt_level (found, n, WDM_RULE_NOT_MET), 2);
}

//  A value that moved away from the target since the baseline: no
//  negative share of progress, no "behind by" above 100 points.
static void
test_behind_schedule_wrong_way (void)
{
    wdm_thresholds_t th = rt_defaults ();
    wdm_finding_t found [RT_MAX];
    const wdm_finding_t *f;

    //  HE05 50 in 2020, 45 in 2023: progress (45 - 50) / (70 - 50) = -0.25,
    //  behind (0.6 + 0.25) x 100 = 85: red, said as a fall of 5 points.
    f = s_behind_2023 (45, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "progress"), -0.25, 1e-9);
    CU_ASSERT_STRING_EQUAL (f->message_zh,
                            "2023年武清区适龄妇女宫颈癌人群筛查率为45%,比2020年基期(50%)下降5个百分点,"
                            "与“达到70%以上”的目标方向相反,而规划期已过去60.0%。");
    CU_ASSERT_STRING_EQUAL (
        f->message_en,
        "Cervical cancer screening rate in Wuqing District was 45% in 2023, down 5 percentage points "
        "from the 2020 baseline (50%): moving away from the target of at least 70%, "
        "with 60.0% of the plan period gone.");
    CU_ASSERT_PTR_NULL (strstr (f->message_zh, "-25.0%"));
    CU_ASSERT_PTR_NULL (strstr (f->message_zh, "85.0个百分点"));

    //  The case: HE03 (8.5 以下) 9.0 in 2020, 12.5 in 2021:
    //  progress 3.5 / -0.5 = -7, behind 20 + 700 = 720: a rise of 3.5, red.
    wdm_rule_indicator_t he03 = rt_he03 ();
    wdm_point_t q [] = { { 2020, 9.0, false, 0 }, { 2021, 12.5, false, 0 } };
    int n = wdm_rules_series (&he03, rt_wuqing, q, 2, &th, found, RT_MAX);
    f = rt_find (found, n, WDM_RULE_BEHIND);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_TRUE (
        rt_has (f->message_zh, "比2020年基期(9/10万)上升3.5/10万,与“控制在8.5/10万以下”的目标方向相反"));
    CU_ASSERT_TRUE (
        rt_has (f->message_en, "up 3.5 per 100,000 from the 2020 baseline (9 per 100,000): moving away"));
    CU_ASSERT_PTR_NULL (strstr (f->message_zh, "-700"));
    CU_ASSERT_PTR_NULL (strstr (f->message_zh, "720"));

    //  No change since the baseline: 50 in 2023, progress 0, behind 60: red,
    //  said as no progress at all.
    f = s_behind_2023 (50, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_STRING_EQUAL (
        f->message_zh,
        "2023年武清区适龄妇女宫颈癌人群筛查率为50%,与2020年基期(50%)持平,“达到70%以上”的目标尚无进展,"
        "而规划期已过去60.0%,落后于时间进度60.0个百分点。");
    CU_ASSERT_TRUE (
        rt_has (f->message_en, "unchanged from the 2020 baseline (50%): no progress toward the target"));

    //  The unlikely rule going the wrong way says so, not "-1.67 times".
    wdm_point_t up [3];
    rt_years (2020, (double []) { 10, 10.5, 11 }, 3, up);
    n = wdm_rules_series (&he03, rt_wuqing, up, 3, &th, found, RT_MAX);
    f = rt_find (found, n, WDM_RULE_UNLIKELY);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_PTR_NULL (strstr (f->message_zh, "-1.67"));
    CU_ASSERT_PTR_NULL (strstr (f->message_en, "-1.67"));
    CU_ASSERT_TRUE (
        rt_has (f->message_zh, "实际年均变化(+0.5/10万)与实现目标所需的年均变化(-0.3/10万)方向相反"));
    CU_ASSERT_TRUE (rt_has (f->message_en,
                            "the observed yearly change (+0.5 per 100,000) goes the opposite way "
                            "to the -0.3 per 100,000 a year required"));
}

static void
test_unlikely (void)
{
    wdm_rule_indicator_t he05 = rt_he05 ();
    wdm_thresholds_t th = rt_defaults ();
    wdm_finding_t found [RT_MAX];
    const wdm_finding_t *f;
    int n;

    //  Two points, 50 in 2020 and 60 in 2024: below min_years 3, no trend.
    wdm_point_t two [] = { { 2020, 50, false, 0 }, { 2024, 60, false, 0 } };
    n = wdm_rules_series (&he05, rt_wuqing, two, 2, &th, found, RT_MAX);
    CU_ASSERT_PTR_NULL (rt_find (found, n, WDM_RULE_UNLIKELY));

    //  With min_years 2: slope 10 / 4 = 2.5; projection 60 + 2.5 = 62.5 < 70.
    //  Required (70 - 50) / (2025 - 2020) = 4 a year; ratio 2.5 / 4 = 0.625,
    //  at least 0.6 and below 0.95: needs acceleration, yellow.
    wdm_thresholds_set (&th, "unlikely", "min_years", 2);
    n = wdm_rules_series (&he05, rt_wuqing, two, 2, &th, found, RT_MAX);
    f = rt_find (found, n, WDM_RULE_UNLIKELY);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    CU_ASSERT_EQUAL (f->year, 2024);
    CU_ASSERT_EQUAL (f->value, 60);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "slope"), 2.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "projection"), 62.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "required_slope"), 4, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "ratio"), 0.625, 1e-9);
    CU_ASSERT_TRUE (rt_has (f->details, "\"category\":\"accelerate\""));
    CU_ASSERT_STRING_EQUAL (
        f->message_zh,
        "按2020—2024年数据的线性趋势(每年+2.5个百分点),武清区适龄妇女宫颈癌人群筛查率到2025年预计为62.5%,"
        "难以实现“达到70%以上”的目标,预计差7.5个百分点;"
        "实际年均变化为实现目标所需年均变化(+4个百分点)的0.63倍,需加快进度。");
    CU_ASSERT_TRUE (rt_has (f->message_en,
                            "projected at 62.5% in 2025, missing the target of at least 70% "
                            "by 7.5 percentage points"));
    CU_ASSERT_TRUE (rt_has (f->message_en, "needs acceleration."));

    //  The same with on_track_ratio 0.6: 0.625 is on track, yet the
    //  projection still misses: a finding, yellow.
    wdm_thresholds_set (&th, "unlikely", "on_track_ratio", 0.6);
    n = wdm_rules_series (&he05, rt_wuqing, two, 2, &th, found, RT_MAX);
    f = rt_find (found, n, WDM_RULE_UNLIKELY);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    CU_ASSERT_TRUE (rt_has (f->details, "\"category\":\"on_track\""));
    th = rt_defaults ();

    //  Five points 2020..2024: 50, 52, 53, 55, 56 (worked out in test_trend):
    //  slope 1.5, projection 57.7, 12.3 short of 70; ratio 1.5 / 4 = 0.375
    //  below 0.6: limited progress, red.
    wdm_point_t five [5];
    rt_years (2020, (double []) { 50, 52, 53, 55, 56 }, 5, five);
    n = wdm_rules_series (&he05, rt_wuqing, five, 5, &th, found, RT_MAX);
    f = rt_find (found, n, WDM_RULE_UNLIKELY);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "slope"), 1.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "projection"), 57.7, 1e-4);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "ratio"), 0.375, 1e-9);
    CU_ASSERT_EQUAL (rt_detail (f, "points"), 5);
    CU_ASSERT_TRUE (rt_has (f->details, "\"category\":\"limited\""));
    CU_ASSERT_TRUE (rt_has (f->message_zh, "(每年+1.5个百分点)"));
    CU_ASSERT_TRUE (rt_has (f->message_zh, "2025年预计为57.7%"));
    CU_ASSERT_TRUE (rt_has (f->message_zh, "预计差12.3个百分点"));
    CU_ASSERT_TRUE (rt_has (f->message_zh, "的0.38倍,进展有限。"));

    //  Projection exactly at the target: 50, 54, 58 in 2020..2022, slope 4,
    //  54 + 4 x (2025 - 2021) = 70, which meets 70% 以上: no finding.
    wdm_point_t exact [3];
    rt_years (2020, (double []) { 50, 54, 58 }, 3, exact);
    n = wdm_rules_series (&he05, rt_wuqing, exact, 3, &th, found, RT_MAX);
    CU_ASSERT_PTR_NULL (rt_find (found, n, WDM_RULE_UNLIKELY));
    //  57.9 in 2022 instead: slope 3.95, projection 53.9667 + 3.95 x 4 = 69.77 < 70.
    exact [2].value = 57.9;
    n = wdm_rules_series (&he05, rt_wuqing, exact, 3, &th, found, RT_MAX);
    f = rt_find (found, n, WDM_RULE_UNLIKELY);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "projection"), 69.7667, 1e-4);  //  six digits in details
    //  Ratio 3.95 / 4 = 0.9875 >= 0.95: on track in pace, yellow.
    CU_ASSERT_EQUAL (f->level, 1);

    //  The wrong way: HE03 (8.5 以下) 10, 10.5, 11 in 2020..2022; slope 0.5,
    //  projection 10.5 + 0.5 x 4 = 12.5 > 8.5; required (8.5 - 10) / 5 = -0.3;
    //  ratio 0.5 / -0.3 = -1.667: red.
    wdm_rule_indicator_t he03 = rt_he03 ();
    wdm_point_t up [3];
    rt_years (2020, (double []) { 10, 10.5, 11 }, 3, up);
    n = wdm_rules_series (&he03, rt_wuqing, up, 3, &th, found, RT_MAX);
    f = rt_find (found, n, WDM_RULE_UNLIKELY);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "projection"), 12.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "ratio"), -1.66667, 1e-5);
    CU_ASSERT_TRUE (rt_has (f->details, "\"category\":\"wrong_way\""));
    CU_ASSERT_TRUE (rt_has (f->message_zh, "预计超出4/10万"));

    //  Met at the first point and falling away: 72, 70, 68 against 70%
    //  以上; slope -2, projection 70 - 2 x 4 = 62; required (70 - 72) / 5
    //  asks for nothing, so there is no ratio: the wrong way, red.
    wdm_point_t away [3];
    rt_years (2020, (double []) { 72, 70, 68 }, 3, away);
    n = wdm_rules_series (&he05, rt_wuqing, away, 3, &th, found, RT_MAX);
    f = rt_find (found, n, WDM_RULE_UNLIKELY);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_TRUE (rt_has (f->details, "\"ratio\":null"));
    CU_ASSERT_TRUE (rt_has (f->details, "\"category\":\"wrong_way\""));

    //  In the target year the value itself is judged, not a projection.
    rt_years (2021, (double []) { 50, 52, 53, 55, 56 }, 5, five);
    n = wdm_rules_series (&he05, rt_wuqing, five, 5, &th, found, RT_MAX);
    CU_ASSERT_PTR_NULL (rt_find (found, n, WDM_RULE_UNLIKELY));
    CU_ASSERT_EQUAL (rt_level (found, n, WDM_RULE_NOT_MET), 2);
}

int
main (void)
{
    static const wdm_test_case_t tests [] = {
        { "rule codes and target kinds", test_codes_and_kinds },
        { "thresholds: defaults and every rule_threshold name", test_thresholds },
        { "median", test_median },
        { "least-squares trend", test_trend },
        { "not met: upper bound, at and either side of 8.5", test_not_met_upper_bound },
        { "not met: lower bound and reach, yellow before 2025, red from it",
          test_not_met_lower_bound_and_reach },
        { "not met: keep above, once and twice below", test_not_met_keep_above },
        { "not met: balance", test_not_met_balance },
        { "behind schedule at 10 and 30 points and either side", test_behind_schedule },
        { "behind schedule the wrong way, or no progress: said in words", test_behind_schedule_wrong_way },
        { "unlikely: trend, projection and progress ratio", test_unlikely },
    };
    return wdm_test_run_suite ("rules_targets", tests, sizeof tests / sizeof tests [0]);
}
