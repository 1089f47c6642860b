/*  test_rules_changes: the rules on how a series moves: fluctuating, wrong direction, curb the rise, gap, relation, minimum count.
    Each rule at its boundaries — exactly at the target or threshold, and
    a step either side — with every expected figure worked out by hand
    next to it.  */

#include "test_rules.h"
#include "wdm_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The fluctuating finding for ED04 (monitored, no target) with these
//  values from 2020 on.
static const wdm_finding_t *
s_swing (const double *values, int count, wdm_finding_t *found)
{
    wdm_rule_indicator_t ed04 = rt_ed04 ();
    wdm_point_t p [8];
    rt_years (2020, values, count, p);
    int n = rt_series (&ed04, p, count, found);
    return rt_find (found, n, WDM_RULE_FLUCTUATING);
}

static void
test_fluctuating_z (void)
{
    wdm_finding_t found [RT_MAX];
    const wdm_finding_t *f;

    //  2020..2024: 50, 51, 53, 54, 56; the four earlier changes 1, 2, 1, 2
    //  (enough for min_years 4): median 1.5, deviations 0.5 each, MAD 0.5.
    //  z = 0.6745 (d - 1.5) / 0.5 = 1.349 (d - 1.5).
    //  d = 4 (60 in 2025): z = 1.349 x 2.5 = 3.3725 <= 3.5: nothing.
    CU_ASSERT_PTR_NULL (s_swing ((double []) { 50, 51, 53, 54, 56, 60 }, 6, found));
    //  d = 5: z = 1.349 x 3.5 = 4.7215 > 3.5: yellow.
    f = s_swing ((double []) { 50, 51, 53, 54, 56, 61 }, 6, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    CU_ASSERT_EQUAL (f->year, 2025);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "z"), 4.7215, 1e-4);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "median_change"), 1.5, 1e-9);
    CU_ASSERT_EQUAL (rt_detail (f, "earlier_changes"), 4);
    CU_ASSERT_TRUE (rt_has (f->details, "\"spread_kind\":\"mad\""));
    CU_ASSERT_TRUE (rt_has (f->message_zh, "比上年上升5个百分点,而以往4次年度变化的中位数为+1.5个百分点"));
    CU_ASSERT_TRUE (rt_has (f->message_zh, "修正Z分数为4.72,超过3.5的预警线"));
    //  d = 8: z = 1.349 x 6.5 = 8.7685 > 7 (twice 3.5): red.
    f = s_swing ((double []) { 50, 51, 53, 54, 56, 64 }, 6, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    //  d = -3: z = 1.349 x -4.5 = -6.0705, |z| > 3.5: yellow, a fall.
    f = s_swing ((double []) { 50, 51, 53, 54, 56, 53 }, 6, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "z"), -6.0705, 1e-4);
    CU_ASSERT_TRUE (rt_has (f->message_zh, "比上年下降3个百分点"));

    //  MAD 0: earlier changes 1, 1, 1, 5; median 1, deviations 0, 0, 0, 4,
    //  MAD 0; mean absolute deviation 4 / 4 = 1; z = (d - 1) / 1.2533.
    //  d = 5: z = 4 / 1.2533 = 3.1916: nothing.
    CU_ASSERT_PTR_NULL (s_swing ((double []) { 50, 51, 52, 53, 58, 63 }, 6, found));
    //  d = 6: z = 5 / 1.2533 = 3.9894: yellow.
    f = s_swing ((double []) { 50, 51, 52, 53, 58, 64 }, 6, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "z"), 3.9894, 1e-4);
    CU_ASSERT_TRUE (rt_has (f->details, "\"spread_kind\":\"mean_ad\""));
    //  d = 10: z = 9 / 1.2533 = 7.1810: red.
    f = s_swing ((double []) { 50, 51, 52, 53, 58, 68 }, 6, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);

    //  Earlier changes all 1: both spreads 0.  d = 1 is no swing (z 0);
    //  d = 2 is infinitely far: red.
    CU_ASSERT_PTR_NULL (s_swing ((double []) { 50, 51, 52, 53, 54, 55 }, 6, found));
    f = s_swing ((double []) { 50, 51, 52, 53, 54, 56 }, 6, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_TRUE (rt_has (f->details, "\"z\":null"));
    CU_ASSERT_TRUE (rt_has (f->message_zh, "修正Z分数为∞"));
    //  A value that did not move is no swing, however regular the steps
    //  before it were (the demo's EN04 held at 100 % was "down 0 points",
    //  red): 波动较大 is a change, and there is none.
    CU_ASSERT_PTR_NULL (s_swing ((double []) { 96, 97, 98, 99, 100, 100 }, 6, found));
    CU_ASSERT_PTR_NULL (s_swing ((double []) { 50, 51, 53, 54, 56, 56 }, 6, found));
    //  Decimal steps of 0.1 are equal as the officer sees them, although
    //  50.2 - 50.1 and 50.6 - 50.5 differ in binary: no swing.
    CU_ASSERT_PTR_NULL (s_swing ((double []) { 50.1, 50.2, 50.3, 50.4, 50.5, 50.6 }, 6, found));

    //  A gap year before the latest (2024 missing): no year-on-year change.
    wdm_rule_indicator_t ed04 = rt_ed04 ();
    wdm_point_t p [5];
    rt_years (2020, (double []) { 50, 51, 53, 54, 90 }, 5, p);
    p [4].year = 2025;
    int n = rt_series (&ed04, p, 5, found);
    CU_ASSERT_PTR_NULL (rt_find (found, n, WDM_RULE_FLUCTUATING));
}

static void
test_fluctuating_relative (void)
{
    wdm_finding_t found [RT_MAX];
    const wdm_finding_t *f;

    //  One change only (fewer than 4 earlier): |d| / |previous| x 100 against 30.
    //  40 -> 52: 12 / 40 = 30%, not above 30: nothing.
    CU_ASSERT_PTR_NULL (s_swing ((double []) { 40, 52 }, 2, found));
    //  40 -> 52.1: 12.1 / 40 = 30.25%: yellow.
    f = s_swing ((double []) { 40, 52.1 }, 2, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    CU_ASSERT_EQUAL (f->year, 2021);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "relative_pct"), 30.25, 1e-9);
    CU_ASSERT_TRUE (rt_has (f->details, "\"method\":\"relative\""));
    CU_ASSERT_TRUE (rt_has (f->message_zh, "比上年上升12.1个百分点"));
    CU_ASSERT_TRUE (rt_has (f->message_zh, "超过30%的波动预警线"));
    //  40 -> 64: 60%, not above 60 (twice 30): yellow.
    f = s_swing ((double []) { 40, 64 }, 2, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    //  40 -> 64.1: 60.25%: red.
    f = s_swing ((double []) { 40, 64.1 }, 2, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    //  40 -> 16: a fall of 24, 60%: yellow.
    f = s_swing ((double []) { 40, 16 }, 2, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    CU_ASSERT_TRUE (rt_has (f->message_zh, "比上年下降24个百分点,相对变化60.0%"));
    //  From 0 no relative change exists: nothing.
    CU_ASSERT_PTR_NULL (s_swing ((double []) { 0, 5 }, 2, found));
    //  Three changes (two earlier) are still too few for the z-score:
    //  40, 41, 42, then 60: 18 / 42 = 42.9%: yellow by the relative path.
    f = s_swing ((double []) { 40, 41, 42, 60 }, 4, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_TRUE (rt_has (f->details, "\"method\":\"relative\""));
}

//  The fluctuating finding for ED04 with these values from first on,
//  the indicator's pooled changes (NULL: none) and thresholds th.
static const wdm_finding_t *
s_swing_pooled (int first, const double *values, int count, const double *changes, int pooled,
                const wdm_thresholds_t *th, wdm_finding_t *found)
{
    wdm_rule_indicator_t ed04 = rt_ed04 ();
    wdm_point_t p [8];
    rt_years (first, values, count, p);
    wdm_pool_t pool;
    memset (&pool, 0, sizeof pool);
    if (changes)
        CU_ASSERT_EQUAL (wdm_rules_pool (changes, pooled, &pool), 0);
    int n = wdm_rules_series_pooled (&ed04, rt_wuqing, p, count, changes ? &pool : NULL, th, found, RT_MAX);
    return rt_find (found, n, WDM_RULE_FLUCTUATING);
}

//  Within the plan period a series has at most 3 earlier changes before
//  2024: a rate that moved a fraction of a point a year and then dropped
//  several points is judged against the indicator's changes in all areas.
static void
test_fluctuating_pooled (void)
{
    wdm_thresholds_t th = rt_defaults ();
    wdm_finding_t found [RT_MAX];
    const wdm_finding_t *f;

    //  The pool: eight changes -0.6, -0.2, 0, 0.2, 0.2, 0.4, 0.6, 1.0;
    //  median (0.2 + 0.2) / 2 = 0.2; deviations 0.8, 0.4, 0.2, 0, 0, 0.2,
    //  0.4, 0.8, sorted 0, 0, 0.2, 0.2, 0.4, 0.4, 0.8, 0.8: MAD (0.2 + 0.4) / 2 = 0.3.
    static const double changes [] = { 0.2, -0.6, 1.0, 0, 0.4, -0.2, 0.6, 0.2 };
    wdm_pool_t pool;
    CU_ASSERT_EQUAL (wdm_rules_pool (changes, 8, &pool), 0);
    CU_ASSERT_EQUAL (pool.count, 8);
    CU_ASSERT_DOUBLE_EQUAL (pool.median, 0.2, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL (pool.mad, 0.3, 1e-12);
    CU_ASSERT_EQUAL (changes [0], 0.2);  //  not reordered

    //  95.1, 95.3, 95.4, 95.6 in 2020..2023, then 89.0 in 2024: own earlier
    //  changes 0.2, 0.1, 0.2 (3, fewer than min_years 4); the drop d = -6.6.
    //  Before pooling: 6.6 / 95.6 = 6.9% of last year, no swing at all.
    CU_ASSERT_PTR_NULL (
        s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 89.0 }, 5, NULL, 0, &th, found));
    //  Pooled: z = 0.6745 (d - 0.2) / 0.3 = 2.24833 (d - 0.2) = 2.24833 x -6.8
    //  = -15.2887, beyond 7 (twice 3.5): red.
    f = s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 89.0 }, 5, changes, 8, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_EQUAL (f->year, 2024);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "z"), -15.2887, 1e-4);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "median_change"), 0.2, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "spread"), 0.3, 1e-9);
    CU_ASSERT_EQUAL (rt_detail (f, "pooled_changes"), 8);
    CU_ASSERT_EQUAL (rt_detail (f, "earlier_changes"), 3);
    CU_ASSERT_TRUE (rt_has (f->details, "\"method\":\"pooled_z\""));
    CU_ASSERT_STRING_EQUAL (
        f->message_zh,
        "2024年武清区高等学校分学科门类在校生中女生比例为89%,比上年下降6.6个百分点,"
        "而本指标各地区以往8次年度变化的中位数为+0.2个百分点;修正Z分数为-15.29,超过3.5的预警线,"
        "波动较大,请核实原因。");
    CU_ASSERT_STRING_EQUAL (
        f->message_en,
        "Share of women among higher-education students, by discipline in Wuqing District was 89% in 2024, "
        "down 6.6 percentage points from the year before, against a median yearly change of "
        "+0.2 percentage points in 8 earlier changes of this indicator across its areas; "
        "modified z-score -15.29, beyond the limit of 3.5: an unusual swing, please check the cause.");
    //  Three years, two earlier changes, are enough too: 95.3, 95.4, then 89.0.
    f = s_swing_pooled (2021, (double []) { 95.3, 95.4, 89.0 }, 3, changes, 8, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    //  A drop of 2 (93.6): z = 2.24833 x -2.2 = -4.9463: yellow.
    f = s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 93.6 }, 5, changes, 8, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "z"), -4.9463, 1e-4);
    //  A drop of 1.2 (94.4): z = -3.1477: nothing; nor a normal rise of 0.3.
    CU_ASSERT_PTR_NULL (
        s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 94.4 }, 5, changes, 8, &th, found));
    CU_ASSERT_PTR_NULL (
        s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 95.9 }, 5, changes, 8, &th, found));
    //  Seven pooled changes are fewer than pool_min 8: the relative change
    //  decides, and 6.9% is no swing.  With pool_min 7 the pool speaks.
    CU_ASSERT_PTR_NULL (
        s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 89.0 }, 5, changes, 7, &th, found));
    CU_ASSERT_EQUAL (wdm_thresholds_set (&th, "fluctuating", "pool_min", 7), 0);
    f = s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 89.0 }, 5, changes, 7, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    th = rt_defaults ();
    //  With four earlier changes of its own the series' history decides, as
    //  before: 95.0 in 2019 adds 0.1; changes 0.1, 0.2, 0.1, 0.2, median
    //  0.15, MAD 0.05; z = 0.6745 x -6.75 / 0.05 = -91.0575: red.
    f = s_swing_pooled (2019, (double []) { 95.0, 95.1, 95.3, 95.4, 95.6, 89.0 }, 6, changes, 8, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_TRUE (rt_has (f->details, "\"method\":\"modified_z\""));
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (f, "z"), -91.0575, 1e-3);
}

//  fluctuating.limit_pp: the office's own limit for an indicator's yearly
//  change, in its unit (points for a rate).
static void
test_fluctuating_limit (void)
{
    wdm_thresholds_t th = rt_defaults ();
    wdm_finding_t found [RT_MAX];
    const wdm_finding_t *f;
    CU_ASSERT_EQUAL (th.fluct_limit_pp, 0);  //  off unless set
    CU_ASSERT_EQUAL (th.fluct_pool_min, 8);
    CU_ASSERT_EQUAL (wdm_thresholds_set (&th, "fluctuating", "limit_pp", 3), 0);

    //  No pool, 3 earlier changes: |-6.6| > 6 (twice 3): red.
    f = s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 89.0 }, 5, NULL, 0, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_TRUE (rt_has (f->details, "\"method\":\"limit\""));
    CU_ASSERT_EQUAL (rt_detail (f, "limit_pp"), 3);
    CU_ASSERT_STRING_EQUAL (f->message_zh,
                            "2024年武清区高等学校分学科门类在校生中女生比例为89%,比上年下降6.6个百分点,"
                            "超过本指标每年3个百分点的波动预警线,请核实原因。");
    CU_ASSERT_STRING_EQUAL (
        f->message_en,
        "Share of women among higher-education students, by discipline in Wuqing District was 89% in 2024, "
        "down 6.6 percentage points from the year before, beyond this indicator's limit of "
        "3 percentage points a year: please check the cause.");
    //  A drop of 3.5 (92.1): yellow.  Exactly 3 (92.6): nothing, strict.
    f = s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 92.1 }, 5, NULL, 0, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    CU_ASSERT_PTR_NULL (
        s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 92.6 }, 5, NULL, 0, &th, found));
    //  With a pool as well the higher level wins: a drop of 3.5 is red by
    //  the pool (z = 2.24833 x -3.7 = -8.319) and yellow by the limit.
    static const double changes [] = { 0.2, -0.6, 1.0, 0, 0.4, -0.2, 0.6, 0.2 };
    f = s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 92.1 }, 5, changes, 8, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_TRUE (rt_has (f->details, "\"method\":\"pooled_z\""));
    //  Both red: the office's limit is the plainer reason.
    f = s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 89.0 }, 5, changes, 8, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_TRUE (rt_has (f->details, "\"method\":\"limit\""));
    //  A limit set, the relative fallback is not used: 40 -> 52.1 (30.25%)
    //  is within a limit of 20 points.
    wdm_thresholds_set (&th, "fluctuating", "limit_pp", 20);
    CU_ASSERT_PTR_NULL (s_swing_pooled (2023, (double []) { 40, 52.1 }, 2, NULL, 0, &th, found));
}

static void
test_wrong_direction (void)
{
    wdm_rule_indicator_t he06 = rt_he06 ();
    wdm_finding_t found [RT_MAX];
    wdm_point_t p [3];
    int n;

    //  逐步提高: 60, 61, then 60.5: fell 0.5 once: yellow.  (0.5 / 61 is 0.8%: no swing.)
    rt_years (2022, (double []) { 60, 61, 60.5 }, 3, p);
    n = rt_series (&he06, p, 3, found);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_WRONG_DIRECTION);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_EQUAL (found [0].year, 2024);
    CU_ASSERT_FALSE (found [0].has_target);
    CU_ASSERT_STRING_EQUAL (
        found [0].message_zh,
        "2024年武清区适龄妇女乳腺癌人群筛查率为60.5%,比2023年下降0.5个百分点,与“逐步提高”的目标方向相反。");
    CU_ASSERT_STRING_EQUAL (
        found [0].message_en,
        "Breast cancer screening rate in Wuqing District was 60.5% in 2024, down 0.5 percentage points "
        "from 2023, against the target of a steady increase.");

    //  62, 61, 60.5: fell two years in a row (red_consecutive 2): red.
    rt_years (2022, (double []) { 62, 61, 60.5 }, 3, p);
    n = rt_series (&he06, p, 3, found);
    CU_ASSERT_EQUAL (rt_level (found, n, WDM_RULE_WRONG_DIRECTION), 2);
    CU_ASSERT_TRUE (rt_has (found [0].message_zh, "比2023年下降0.5个百分点,已连续2年下降"));
    CU_ASSERT_EQUAL (rt_detail (&found [0], "consecutive"), 2);
    //  With red_consecutive 3 the same is yellow.
    wdm_thresholds_t th = rt_defaults ();
    wdm_thresholds_set (&th, "wrong_direction", "red_consecutive", 3);
    n = wdm_rules_series (&he06, rt_wuqing, p, 3, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (rt_level (found, n, WDM_RULE_WRONG_DIRECTION), 1);

    //  61 then 61: no change is not the wrong way.
    rt_years (2023, (double []) { 61, 61 }, 2, p);
    CU_ASSERT_EQUAL (rt_series (&he06, p, 2, found), 0);
    //  Rose after a fall: fine.
    rt_years (2022, (double []) { 62, 61, 61.5 }, 3, p);
    CU_ASSERT_EQUAL (rt_series (&he06, p, 3, found), 0);

    //  逐步降低 (HE04): 10 -> 10.5 rose: yellow.  (0.5 / 10 = 5%: no swing.)
    wdm_rule_indicator_t he04 = rt_he04 ();
    rt_years (2023, (double []) { 10, 10.5 }, 2, p);
    n = rt_series (&he04, p, 2, found);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (rt_level (found, n, WDM_RULE_WRONG_DIRECTION), 1);
    CU_ASSERT_TRUE (rt_has (found [0].message_zh, "比2023年上升0.5/10万,与“逐步降低”的目标方向相反。"));
    //  10 -> 9.5 fell, as it should: nothing.
    p [1].value = 9.5;
    CU_ASSERT_EQUAL (rt_series (&he04, p, 2, found), 0);
}

static void
test_curb_rise (void)
{
    wdm_rule_indicator_t he12 = rt_he12 ();
    wdm_finding_t found [RT_MAX];
    wdm_point_t p [3];
    int n;

    //  4.0, 4.2, 4.5: rises 0.2 then 0.3, larger: yellow.
    rt_years (2022, (double []) { 4.0, 4.2, 4.5 }, 3, p);
    n = rt_series (&he12, p, 3, found);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_WRONG_DIRECTION);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_STRING_EQUAL (
        found [0].message_zh,
        "2024年武清区妇女焦虑障碍患病率为4.5%,比2023年上升0.3个百分点,年均增幅(0.3个百分点)大于此前(0.2个百分点),"
        "未体现“上升趋势减缓”的目标。");
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (&found [0], "rise"), 0.3, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (&found [0], "previous_rise"), 0.2, 1e-9);

    //  4.0, 4.3, 4.5: rises 0.3 then 0.2, slowing: nothing.
    rt_years (2022, (double []) { 4.0, 4.3, 4.5 }, 3, p);
    CU_ASSERT_EQUAL (rt_series (&he12, p, 3, found), 0);
    //  4.0, 4.2, 4.4: equal rises of 0.2: the rise has not slowed, which is
    //  what the judgement (server/judge) calls not met: yellow, as the
    //  final evaluation and the report say.
    rt_years (2022, (double []) { 4.0, 4.2, 4.4 }, 3, p);
    n = rt_series (&he12, p, 3, found);
    CU_ASSERT_EQUAL (n, 1);
    if (n == 1) {
        CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_WRONG_DIRECTION);
        CU_ASSERT_EQUAL (found [0].level, 1);
        CU_ASSERT_STRING_EQUAL (
            found [0].message_zh,
            "2024年武清区妇女焦虑障碍患病率为4.4%,比2023年上升0.2个百分点,年均增幅(0.2个百分点)与此前(0.2个百分点)持平,"
            "未体现“上升趋势减缓”的目标。");
        CU_ASSERT_STRING_EQUAL (
            found [0].message_en,
            "Prevalence of anxiety disorders among women in Wuqing District was 4.4% in 2024, up 0.2 "
            "percentage points from 2023: a yearly rise of 0.2 percentage points, the same as the 0.2 "
            "percentage points before, against the target of a slowing rise.");
    }
    //  4.2, 4.0, 4.3: a fall, then a rise: not two rises, nothing.
    rt_years (2022, (double []) { 4.2, 4.0, 4.3 }, 3, p);
    CU_ASSERT_EQUAL (rt_series (&he12, p, 3, found), 0);
}

static void
test_gap (void)
{
    wdm_rule_indicator_t fa01 = rt_fa01 ();
    wdm_thresholds_t th = rt_defaults ();
    wdm_finding_t found [RT_MAX];
    wdm_point_t women [3], men [3];
    int n;

    //  Women 130, 125, 128; men 80 each year: gaps 50, 45, 48; widened by 3: yellow.
    rt_years (2022, (double []) { 130, 125, 128 }, 3, women);
    rt_years (2022, (double []) { 80, 80, 80 }, 3, men);
    n = wdm_rules_gap (&fa01, rt_wuqing, women, 3, men, 3, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_WRONG_DIRECTION);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_EQUAL (found [0].year, 2024);
    CU_ASSERT_EQUAL (found [0].value, 48);
    CU_ASSERT_STRING_EQUAL (
        found [0].message_zh,
        "2024年武清区日均家务劳动时间女性为128分钟/日、男性为80分钟/日,两性差距为48分钟/日,"
        "比2023年扩大3分钟/日,与“缩小差距”的目标方向相反。");
    CU_ASSERT_TRUE (rt_has (found [0].message_en,
                            "a gap of 48 minutes per day, wider than in 2023 by 3 minutes per day"));

    //  Women 130, 125, 120: gaps 50, 45, 40, narrowing: nothing.
    rt_years (2022, (double []) { 130, 125, 120 }, 3, women);
    CU_ASSERT_EQUAL (wdm_rules_gap (&fa01, rt_wuqing, women, 3, men, 3, &th, found, RT_MAX), 0);
    //  Women 120, 125, 130: gaps 40, 45, 50, widening twice: red.
    rt_years (2022, (double []) { 120, 125, 130 }, 3, women);
    n = wdm_rules_gap (&fa01, rt_wuqing, women, 3, men, 3, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].level, 2);
    CU_ASSERT_TRUE (rt_has (found [0].message_zh, "比2023年扩大5分钟/日,已连续2年扩大"));
    //  Gaps 50, 50: unchanged, nothing.
    rt_years (2023, (double []) { 130, 130 }, 2, women);
    rt_years (2023, (double []) { 80, 80 }, 2, men);
    CU_ASSERT_EQUAL (wdm_rules_gap (&fa01, rt_wuqing, women, 2, men, 2, &th, found, RT_MAX), 0);

    //  Men above women: |80 - 120| = 40, then |80 - 125| = 45: widened, yellow.
    rt_years (2023, (double []) { 80, 80 }, 2, women);
    rt_years (2023, (double []) { 120, 125 }, 2, men);
    n = wdm_rules_gap (&fa01, rt_wuqing, women, 2, men, 2, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].value, 45);

    //  Only the years both report count: women 2022..2024, men 2022 and
    //  2024; gaps 2022 50, 2024 58 (128 - 70): widened by 8 since 2022.
    rt_years (2022, (double []) { 130, 125, 128 }, 3, women);
    wdm_point_t men_gap [] = { { 2022, 80, false, 0 }, { 2024, 70, false, 0 } };
    n = wdm_rules_gap (&fa01, rt_wuqing, women, 3, men_gap, 2, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_TRUE (rt_has (found [0].message_zh, "比2022年扩大8分钟/日"));
    //  One common year: no change to judge.
    n = wdm_rules_gap (&fa01, rt_wuqing, women, 1, men_gap, 2, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (n, 0);
}

static void
test_relation (void)
{
    wdm_rule_indicator_t dm02 = rt_dm02 (), dm01 = rt_dm01 ();
    wdm_thresholds_t th = rt_defaults ();
    wdm_finding_t found [RT_MAX];
    wdm_point_t a [2] = { { 2024, 33, false, 0 } }, b [2] = { { 2024, 35, false, 0 } };
    int n;

    //  不少于 (>=): 33 below 35 by 2, within red_pp 5: yellow.
    n = wdm_rules_relation (&dm02, &dm01, rt_wuqing, a, 1, b, 1, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_RELATION);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_EQUAL (found [0].value, 33);
    CU_ASSERT_TRUE (found [0].has_target);
    CU_ASSERT_EQUAL (found [0].target, 35);
    CU_ASSERT_STRING_EQUAL (found [0].message_zh,
                            "2024年武清区党员代表大会代表中女代表比例为33%,低于女党员比例(35%)2个百分点,"
                            "未达到“不低于女党员比例”的要求。");
    CU_ASSERT_STRING_EQUAL (
        found [0].message_en,
        "Share of women among party congress delegates in Wuqing District was 33% in 2024, "
        "2 percentage points below \"Share of women among CPC members\" (35%), which it must not fall below.");
    CU_ASSERT_TRUE (rt_has (found [0].details, "\"other\":\"DM01\""));
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (&found [0], "difference"), -2, 1e-9);
    //  30 vs 35: exactly 5 below: still yellow.
    a [0].value = 30;
    n = wdm_rules_relation (&dm02, &dm01, rt_wuqing, a, 1, b, 1, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (found [0].level, 1);
    //  29.9 vs 35: 5.1 below: red.
    a [0].value = 29.9;
    n = wdm_rules_relation (&dm02, &dm01, rt_wuqing, a, 1, b, 1, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].level, 2);
    //  35 vs 35 and 36 vs 35 hold.
    a [0].value = 35;
    CU_ASSERT_EQUAL (wdm_rules_relation (&dm02, &dm01, rt_wuqing, a, 1, b, 1, &th, found, RT_MAX), 0);
    a [0].value = 36;
    CU_ASSERT_EQUAL (wdm_rules_relation (&dm02, &dm01, rt_wuqing, a, 1, b, 1, &th, found, RT_MAX), 0);

    //  The latest year both have: a 2023 30, 2024 36; b 2022 35, 2023 35 -> 2023, 30 < 35.
    wdm_point_t a2 [] = { { 2023, 30, false, 0 }, { 2024, 36, false, 0 } };
    wdm_point_t b2 [] = { { 2022, 35, false, 0 }, { 2023, 35, false, 0 } };
    n = wdm_rules_relation (&dm02, &dm01, rt_wuqing, a2, 2, b2, 2, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].year, 2023);
    //  No year in common: nothing.
    n = wdm_rules_relation (&dm02, &dm01, rt_wuqing, a2 + 1, 1, b2, 2, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (n, 0);

    //  相适应 (~), DM23 against DM24: |40 - 50| = 10, not above 10: nothing.
    wdm_rule_indicator_t dm23 = rt_dm23 (), dm24 = rt_dm24 ();
    a [0].value = 40;
    b [0].value = 50;
    CU_ASSERT_EQUAL (wdm_rules_relation (&dm23, &dm24, rt_wuqing, a, 1, b, 1, &th, found, RT_MAX), 0);
    //  |39.9 - 50| = 10.1: yellow; so is |60.1 - 50| = 10.1, above is as far as below.
    a [0].value = 39.9;
    n = wdm_rules_relation (&dm23, &dm24, rt_wuqing, a, 1, b, 1, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_TRUE (rt_has (found [0].message_zh,
                            "与企事业单位职工中的女职工比例(50%)相差10.1个百分点,超过容许的10个百分点"));
    a [0].value = 60.1;
    n = wdm_rules_relation (&dm23, &dm24, rt_wuqing, a, 1, b, 1, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].level, 1);
}

static void
test_min_count (void)
{
    wdm_rule_indicator_t dm17 = rt_dm17 ();
    wdm_thresholds_t th = rt_defaults ();
    wdm_finding_t found [RT_MAX];
    wdm_point_t p [2] = { { 2024, 0, false, 0 } };
    int n;

    //  0 women in the body, at least 1 required: red, for that body.
    n = wdm_rules_min_count (&dm17, rt_meichang, "党(工)委", p, 1, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_MIN_COUNT);
    CU_ASSERT_EQUAL (found [0].level, 2);
    CU_ASSERT_STRING_EQUAL (found [0].body, "党(工)委");
    CU_ASSERT_EQUAL (found [0].value, 0);
    CU_ASSERT_EQUAL (found [0].target, 1);
    CU_ASSERT_STRING_EQUAL (
        found [0].message_zh,
        "2024年梅厂镇乡镇(街道)领导班子女干部人数(党(工)委)为0人,未达到“至少配备1人”的要求。");
    CU_ASSERT_STRING_EQUAL (
        found [0].message_en,
        "Women in town and street leadership teams in Meichang Town (Party committee (or Party working "
        "committee)): 0 persons in 2024, below the required minimum of 1.");

    //  1 meets it.
    p [0].value = 1;
    CU_ASSERT_EQUAL (wdm_rules_min_count (&dm17, rt_meichang, "政府", p, 1, &th, found, RT_MAX), 0);
    //  The latest year counts: 0 in 2023, 1 in 2024 is fine; the other way round is not.
    rt_years (2023, (double []) { 0, 1 }, 2, p);
    CU_ASSERT_EQUAL (wdm_rules_min_count (&dm17, rt_meichang, "政府", p, 2, &th, found, RT_MAX), 0);
    rt_years (2023, (double []) { 1, 0 }, 2, p);
    n = wdm_rules_min_count (&dm17, rt_meichang, "政府", p, 2, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].year, 2024);
    CU_ASSERT_STRING_EQUAL (found [0].body, "政府");
    //  No body named: the finding's body is empty.
    n = wdm_rules_min_count (&dm17, rt_meichang, NULL, p, 2, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_STRING_EQUAL (found [0].body, "");
}

int
main (void)
{
    static const wdm_test_case_t tests [] = {
        { "fluctuating: modified z-score, MAD 0, constant", test_fluctuating_z },
        { "fluctuating: relative change with little history", test_fluctuating_relative },
        { "fluctuating: pooled changes of all areas when history is short", test_fluctuating_pooled },
        { "fluctuating: the office's limit in points", test_fluctuating_limit },
        { "wrong direction: one year, two years, unchanged", test_wrong_direction },
        { "curb the rise", test_curb_rise },
        { "gap widening and narrowing", test_gap },
        { "relation: not below, and corresponding", test_relation },
        { "minimum count in a body", test_min_count },
    };
    return wdm_test_run_suite ("rules_changes", tests, sizeof tests / sizeof tests [0]);
}
