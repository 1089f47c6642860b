/*  test_rules: each warning rule at its boundaries — exactly at the
    target or threshold, and a step either side — with every expected
    figure worked out by hand next to it; the messages an officer would
    forward; and that no function writes past max.  */

#include "wdm_rules.h"
#include "wdm_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX 16

static const wdm_place_t s_wuqing = { "武清区", "Wuqing District" };
static const wdm_place_t s_meichang = { "梅厂镇", "Meichang Town" };
static const wdm_place_t s_health = { "区卫生健康委", "District Health Commission" };

static wdm_rule_indicator_t
s_indicator (const char *code, const char *name_zh, const char *name_en, const char *unit_zh,
             const char *unit_en, wdm_target_kind_t kind, bool has_target, double target)
{
    wdm_rule_indicator_t self;
    memset (&self, 0, sizeof self);
    snprintf (self.code, sizeof self.code, "%s", code);
    snprintf (self.name_zh, sizeof self.name_zh, "%s", name_zh);
    snprintf (self.name_en, sizeof self.name_en, "%s", name_en);
    snprintf (self.unit_zh, sizeof self.unit_zh, "%s", unit_zh);
    snprintf (self.unit_en, sizeof self.unit_en, "%s", unit_en);
    self.kind = kind;
    self.has_target = has_target;
    self.target = target;
    self.target_year = 2025;
    self.baseline_year = 2020;
    return self;
}

//  The plan's indicators the tests use, as sql/003_catalog.sql has them.
static wdm_rule_indicator_t
s_he03 (void)
{
    return s_indicator ("HE03", "孕产妇死亡率", "Maternal mortality ratio", "/10万", " per 100,000",
                        WDM_TARGET_UPPER_BOUND, true, 8.5);
}

static wdm_rule_indicator_t
s_he05 (void)
{
    return s_indicator ("HE05", "适龄妇女宫颈癌人群筛查率", "Cervical cancer screening rate", "%", "%",
                        WDM_TARGET_LOWER_BOUND, true, 70);
}

static wdm_rule_indicator_t
s_en04 (void)
{
    return s_indicator ("EN04", "农村无害化卫生厕所普及率", "Rural sanitary toilet coverage", "%", "%",
                        WDM_TARGET_REACH, true, 100);
}

static wdm_rule_indicator_t
s_ed01 (void)
{
    return s_indicator ("ED01", "九年义务教育巩固率", "Nine-year compulsory education retention rate",
                        "%", "%", WDM_TARGET_KEEP_ABOVE, true, 99);
}

static wdm_rule_indicator_t
s_ed03 (void)
{
    return s_indicator ("ED03", "高等学校在校生中女生比例", "Share of women among students in higher education",
                        "%", "%", WDM_TARGET_BALANCE, true, 50);
}

static wdm_rule_indicator_t
s_ed04 (void)
{
    return s_indicator ("ED04", "高等学校分学科门类在校生中女生比例",
                        "Share of women among higher-education students, by discipline",
                        "%", "%", WDM_TARGET_MONITOR, false, 0);
}

static wdm_rule_indicator_t
s_he06 (void)
{
    return s_indicator ("HE06", "适龄妇女乳腺癌人群筛查率", "Breast cancer screening rate", "%", "%",
                        WDM_TARGET_INCREASE, false, 0);
}

static wdm_rule_indicator_t
s_he04 (void)
{
    return s_indicator ("HE04", "流动人口孕产妇死亡率", "Maternal mortality ratio, migrant population",
                        "/10万", " per 100,000", WDM_TARGET_DECREASE, false, 0);
}

static wdm_rule_indicator_t
s_he12 (void)
{
    return s_indicator ("HE12", "妇女焦虑障碍患病率", "Prevalence of anxiety disorders among women",
                        "%", "%", WDM_TARGET_CURB_RISE, false, 0);
}

static wdm_rule_indicator_t
s_fa01 (void)
{
    return s_indicator ("FA01", "日均家务劳动时间", "Average daily time spent on housework",
                        "分钟/日", " minutes per day", WDM_TARGET_NARROW_GAP, false, 0);
}

static wdm_rule_indicator_t
s_dm01 (void)
{
    return s_indicator ("DM01", "女党员比例", "Share of women among CPC members", "%", "%",
                        WDM_TARGET_LOWER_BOUND, true, 35);
}

static wdm_rule_indicator_t
s_dm02 (void)
{
    wdm_rule_indicator_t self = s_indicator ("DM02", "党员代表大会代表中女代表比例",
        "Share of women among party congress delegates", "%", "%", WDM_TARGET_RELATION, false, 0);
    snprintf (self.relation_op, sizeof self.relation_op, "%s", ">=");
    return self;
}

static wdm_rule_indicator_t
s_dm23 (void)
{
    wdm_rule_indicator_t self = s_indicator ("DM23", "职工代表大会代表中的女性比例",
        "Share of women among workers' congress delegates", "%", "%", WDM_TARGET_RELATION, false, 0);
    snprintf (self.relation_op, sizeof self.relation_op, "%s", "~");
    return self;
}

static wdm_rule_indicator_t
s_dm24 (void)
{
    return s_indicator ("DM24", "企事业单位职工中的女职工比例",
                        "Share of women among employees of enterprises and public institutions",
                        "%", "%", WDM_TARGET_MONITOR, false, 0);
}

static wdm_rule_indicator_t
s_dm17 (void)
{
    return s_indicator ("DM17", "乡镇(街道)领导班子女干部人数", "Women in town and street leadership teams",
                        "人", " persons", WDM_TARGET_MIN_COUNT, true, 1);
}

static wdm_thresholds_t
s_defaults (void)
{
    wdm_thresholds_t self;
    wdm_thresholds_default (&self);
    return self;
}

//  A series of consecutive years from first, with these values.
static int
s_years (int first, const double *values, int count, wdm_point_t *points)
{
    for (int i = 0; i < count; i++) {
        memset (&points [i], 0, sizeof points [i]);
        points [i].year = first + i;
        points [i].value = values [i];
    }
    return count;
}

//  The series rules with default thresholds, into found.
static int
s_series (const wdm_rule_indicator_t *indicator, const wdm_point_t *points, int count,
          wdm_finding_t *found)
{
    wdm_thresholds_t thresholds = s_defaults ();
    return wdm_rules_series (indicator, s_wuqing, points, count, &thresholds, found, S_MAX);
}

static const wdm_finding_t *
s_find (const wdm_finding_t *found, int count, wdm_rule_t rule)
{
    for (int i = 0; i < count; i++)
        if (found [i].rule == rule)
            return &found [i];
    return NULL;
}

//  The level of the finding of this rule: 0 if there is none.
static int
s_level (const wdm_finding_t *found, int count, wdm_rule_t rule)
{
    const wdm_finding_t *f = s_find (found, count, rule);
    return f ? f->level : 0;
}

static bool
s_has (const char *text, const char *part)
{
    bool found = strstr (text, part) != NULL;
    if (!found)
        fprintf (stderr, "\n    expected \"%s\" in \"%s\"\n", part, text);
    return found;
}

//  A figure from a finding's details: "key":number.
static double
s_detail (const wdm_finding_t *f, const char *key)
{
    char pattern [64];
    snprintf (pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr (f->details, pattern);
    return at ? strtod (at + strlen (pattern), NULL) : NAN;
}

static bool
s_utf8_valid (const char *text)
{
    const unsigned char *p = (const unsigned char *) text;
    while (*p) {
        int more = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2
                 : (*p & 0xF8) == 0xF0 ? 3 : -1;
        if (more < 0)
            return false;
        p++;
        for (int i = 0; i < more; i++, p++)
            if ((*p & 0xC0) != 0x80)
                return false;
    }
    return true;
}

static bool
s_ascii (const char *text)
{
    for (const unsigned char *p = (const unsigned char *) text; *p; p++)
        if (*p >= 0x80)
            return false;
    return true;
}

static bool
s_ends_with (const char *text, const char *end)
{
    size_t len = strlen (text), end_len = strlen (end);
    return len >= end_len && strcmp (text + len - end_len, end) == 0;
}

//  ---------------------------------------------------------------------

static void
test_codes_and_kinds (void)
{
    static const char *const codes [WDM_RULE_COUNT] = {
        "not_met", "behind_schedule", "unlikely", "fluctuating", "wrong_direction",
        "relation_broken", "min_count", "missing", "implausible"
    };
    for (int i = 0; i < WDM_RULE_COUNT; i++)
        CU_ASSERT_STRING_EQUAL (wdm_rule_code ((wdm_rule_t) i), codes [i]);
    CU_ASSERT_STRING_EQUAL (wdm_rule_code ((wdm_rule_t) 99), "unknown");

    static const char *const kinds [] = {
        "upper_bound", "lower_bound", "reach", "keep_above", "increase", "decrease",
        "curb_rise", "narrow_gap", "relation", "min_count", "balance", "monitor"
    };
    for (int i = 0; i < (int) (sizeof kinds / sizeof kinds [0]); i++) {
        wdm_target_kind_t kind = WDM_TARGET_MONITOR;
        CU_ASSERT_EQUAL (wdm_target_kind_parse (kinds [i], &kind), 0);
        CU_ASSERT_EQUAL ((int) kind, i);
    }
    wdm_target_kind_t kind = WDM_TARGET_REACH;
    CU_ASSERT_EQUAL (wdm_target_kind_parse ("Upper_bound", &kind), -1);   //  the enum is lower case
    CU_ASSERT_EQUAL (wdm_target_kind_parse ("", &kind), -1);
    CU_ASSERT_EQUAL (wdm_target_kind_parse (NULL, &kind), -1);
    CU_ASSERT_EQUAL (kind, WDM_TARGET_REACH);                           //  untouched on failure
}

static void
test_thresholds (void)
{
    wdm_thresholds_t th = s_defaults ();
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
    struct { const char *rule, *param; double *field; } map [] = {
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
    int count = (int) (sizeof map / sizeof map [0]);
    for (int i = 0; i < count; i++)
        CU_ASSERT_EQUAL (wdm_thresholds_set (&th, map [i].rule, map [i].param, 100 + i), 0);
    for (int i = 0; i < count; i++)
        CU_ASSERT_EQUAL (*map [i].field, 100 + i);

    th = s_defaults ();
    CU_ASSERT_EQUAL (wdm_thresholds_set (&th, "behind_schedule", "orange_pp", 1), -1);
    CU_ASSERT_EQUAL (wdm_thresholds_set (&th, "not_met", "red_pp", 1), -1);       //  another rule's param
    CU_ASSERT_EQUAL (wdm_thresholds_set (&th, "behind", "red_pp", 1), -1);        //  the code, not a nickname
    CU_ASSERT_EQUAL (wdm_thresholds_set (&th, NULL, "red_pp", 1), -1);
    CU_ASSERT_EQUAL (wdm_thresholds_set (&th, "behind_schedule", "red_pp", NAN), -1);
    CU_ASSERT_EQUAL (th.behind_red_pp, 30);                                       //  unchanged
}

static void
test_median (void)
{
    double odd [] = { 3, 1, 2 };
    CU_ASSERT_EQUAL (wdm_rules_median (odd, 3), 2);
    CU_ASSERT_EQUAL (odd [0], 1);                           //  reordered, as the contract says
    double even [] = { 4, 1, 3, 2 };
    CU_ASSERT_EQUAL (wdm_rules_median (even, 4), 2.5);      //  (2 + 3) / 2
    double one [] = { 7 };
    CU_ASSERT_EQUAL (wdm_rules_median (one, 1), 7);
    double ties [] = { 5, 5, 1, 9, 5 };
    CU_ASSERT_EQUAL (wdm_rules_median (ties, 5), 5);
    double negative [] = { -1.5, 0.5, -0.5, 1.5 };
    CU_ASSERT_EQUAL (wdm_rules_median (negative, 4), 0);    //  (-0.5 + 0.5) / 2
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
    s_years (2020, (double []) { 50, 52, 53, 55, 56 }, 5, five);
    CU_ASSERT_EQUAL (wdm_rules_trend (five, 5, &slope, &intercept), 0);
    CU_ASSERT_DOUBLE_EQUAL (slope, 1.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (intercept, -2979.8, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL (intercept + slope * 2025, 57.7, 1e-9);

    //  A flat series has slope 0.
    s_years (2020, (double []) { 7, 7, 7 }, 3, five);
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
    wdm_rule_indicator_t he03 = s_he03 ();
    wdm_finding_t found [S_MAX];
    wdm_point_t p [1] = { { 2024, 8.5, false, 0 } };

    //  控制在8.5/10万以下: 以下 includes 8.5.
    CU_ASSERT_EQUAL (s_series (&he03, p, 1, found), 0);
    p [0].value = 8.4;
    CU_ASSERT_EQUAL (s_series (&he03, p, 1, found), 0);

    //  8.6 > 8.5: red, over by 8.6 - 8.5 = 0.1.
    p [0].value = 8.6;
    CU_ASSERT_EQUAL (s_series (&he03, p, 1, found), 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_NOT_MET);
    CU_ASSERT_EQUAL (found [0].level, 2);
    CU_ASSERT_EQUAL (found [0].year, 2024);
    CU_ASSERT_EQUAL (found [0].value, 8.6);
    CU_ASSERT_TRUE (found [0].has_target);
    CU_ASSERT_EQUAL (found [0].target, 8.5);
    CU_ASSERT_STRING_EQUAL (found [0].body, "");
    CU_ASSERT_TRUE (s_has (found [0].message_zh, "超出0.1/10万"));

    //  The example of the brief, word for word: 9.1 - 8.5 = 0.6.
    p [0].value = 9.1;
    CU_ASSERT_EQUAL (s_series (&he03, p, 1, found), 1);
    CU_ASSERT_STRING_EQUAL (found [0].message_zh,
        "2024年武清区孕产妇死亡率为9.1/10万,未达到“控制在8.5/10万以下”的目标,超出0.6/10万。");
    CU_ASSERT_STRING_EQUAL (found [0].message_en,
        "Maternal mortality ratio in Wuqing District was 9.1 per 100,000 in 2024, "
        "missing the target of at most 8.5 per 100,000 by 0.6 per 100,000.");
    CU_ASSERT_DOUBLE_EQUAL (s_detail (&found [0], "target"), 8.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (&found [0], "over_by"), 0.6, 1e-9);

    //  No target in the catalog: nothing to miss.
    he03.has_target = false;
    CU_ASSERT_EQUAL (s_series (&he03, p, 1, found), 0);
}

static void
test_not_met_lower_bound_and_reach (void)
{
    wdm_rule_indicator_t he05 = s_he05 ();
    wdm_finding_t found [S_MAX];
    wdm_point_t p [1] = { { 2024, 70, false, 0 } };

    //  达到70%以上: 70 itself meets, and so does 70.1.
    CU_ASSERT_EQUAL (s_series (&he05, p, 1, found), 0);
    p [0].value = 70.1;
    CU_ASSERT_EQUAL (s_series (&he05, p, 1, found), 0);

    //  69.9 in 2024, before the target year: yellow, short by 0.1 point.
    p [0].value = 69.9;
    CU_ASSERT_EQUAL (s_series (&he05, p, 1, found), 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_NOT_MET);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_TRUE (s_has (found [0].message_zh, "距“达到70%以上”的目标还差0.1个百分点(目标年为2025年)"));
    CU_ASSERT_TRUE (s_has (found [0].message_en, "short of the target of at least 70% by 0.1 percentage points"));

    //  69.9 in 2025, the target year: red.
    p [0].year = 2025;
    CU_ASSERT_EQUAL (s_series (&he05, p, 1, found), 1);
    CU_ASSERT_EQUAL (found [0].level, 2);
    CU_ASSERT_STRING_EQUAL (found [0].message_zh,
        "2025年武清区适龄妇女宫颈癌人群筛查率为69.9%,未实现“达到70%以上”的目标,差0.1个百分点。");
    //  And after it, still red.
    p [0].year = 2026;
    CU_ASSERT_EQUAL (s_series (&he05, p, 1, found), 1);
    CU_ASSERT_EQUAL (found [0].level, 2);

    //  达到100%: 100 meets; 99.9 is yellow in 2024, red in 2025.
    wdm_rule_indicator_t en04 = s_en04 ();
    wdm_point_t q [1] = { { 2025, 100, false, 0 } };
    CU_ASSERT_EQUAL (s_series (&en04, q, 1, found), 0);
    q [0].value = 99.9;
    CU_ASSERT_EQUAL (s_series (&en04, q, 1, found), 1);
    CU_ASSERT_EQUAL (found [0].level, 2);
    CU_ASSERT_TRUE (s_has (found [0].message_zh, "未实现“达到100%”的目标,差0.1个百分点"));
    CU_ASSERT_TRUE (s_has (found [0].message_en, "missing the target of reaching 100% by 0.1 percentage points"));
    q [0].year = 2024;
    CU_ASSERT_EQUAL (s_series (&en04, q, 1, found), 1);
    CU_ASSERT_EQUAL (found [0].level, 1);
}

static void
test_not_met_keep_above (void)
{
    wdm_rule_indicator_t ed01 = s_ed01 ();
    wdm_finding_t found [S_MAX];
    wdm_point_t p [5];

    //  Every plan year at or above 99 (2021 and 2024 exactly 99): met.  The
    //  2020 baseline at 98 is before the plan and does not count.  No other
    //  rule either: the 2024 change is 99 - 99.2 = -0.2, 0.2% of 99.2.
    s_years (2020, (double []) { 98.0, 99.0, 99.5, 99.2, 99.0 }, 5, p);
    CU_ASSERT_EQUAL (s_series (&ed01, p, 5, found), 0);

    //  Dropped once, in 2022 (98.9 < 99): red about 2022, short by 0.1.
    s_years (2020, (double []) { 99.1, 99.3, 98.9, 99.5, 99.2 }, 5, p);
    int n = s_series (&ed01, p, 5, found);
    CU_ASSERT_EQUAL (n, 1);
    const wdm_finding_t *f = s_find (found, n, WDM_RULE_NOT_MET);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_EQUAL (f->year, 2022);
    CU_ASSERT_EQUAL (f->value, 98.9);
    CU_ASSERT_EQUAL (f->target, 99);
    CU_ASSERT_STRING_EQUAL (f->message_zh,
        "2022年武清区九年义务教育巩固率为98.9%,未达到“保持在99%以上”的目标,差0.1个百分点;"
        "低于目标的年份:2022年。");

    //  Dropped in 2022 and 2024: about the latest, 2024, naming both.
    s_years (2020, (double []) { 99.1, 99.3, 98.9, 99.5, 98.7 }, 5, p);
    n = s_series (&ed01, p, 5, found);
    f = s_find (found, n, WDM_RULE_NOT_MET);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->year, 2024);
    CU_ASSERT_EQUAL (f->value, 98.7);
    CU_ASSERT_TRUE (s_has (f->message_zh, "差0.3个百分点;低于目标的年份:2022年、2024年。"));
    CU_ASSERT_TRUE (s_has (f->message_en, "years below: 2022, 2024."));
    CU_ASSERT_TRUE (s_has (f->details, "\"years_below\":[2022,2024]"));
    CU_ASSERT_EQUAL (s_detail (f, "count_below"), 2);
}

static void
test_not_met_balance (void)
{
    wdm_rule_indicator_t ed03 = s_ed03 ();
    wdm_finding_t found [S_MAX];
    wdm_point_t p [1] = { { 2024, 55, false, 0 } };

    //  |55 - 50| = 5 is not more than balance_pp 5; nor is |45 - 50|.
    CU_ASSERT_EQUAL (s_series (&ed03, p, 1, found), 0);
    p [0].value = 45;
    CU_ASSERT_EQUAL (s_series (&ed03, p, 1, found), 0);

    //  |55.1 - 50| = 5.1 > 5: yellow; |44.9 - 50| = 5.1 too.
    p [0].value = 55.1;
    CU_ASSERT_EQUAL (s_series (&ed03, p, 1, found), 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_NOT_MET);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_TRUE (s_has (found [0].message_zh,
        "为55.1%,偏离“保持均衡(50%左右)”的目标5.1个百分点,超过容许的5个百分点。"));
    p [0].value = 44.9;
    CU_ASSERT_EQUAL (s_series (&ed03, p, 1, found), 1);
    CU_ASSERT_EQUAL (found [0].level, 1);

    //  A wider tolerance from rule_threshold: 5.1 within 6.
    wdm_thresholds_t th = s_defaults ();
    wdm_thresholds_set (&th, "not_met", "balance_pp", 6);
    CU_ASSERT_EQUAL (wdm_rules_series (&ed03, s_wuqing, p, 1, &th, found, S_MAX), 0);
}

//  The behind-schedule finding for HE05 (70% 以上, baseline 50 in 2020)
//  with value v in 2023: time share (2023 - 2020) / (2025 - 2020) = 0.6.
static const wdm_finding_t *
s_behind_2023 (double v, const wdm_thresholds_t *th, wdm_finding_t *found)
{
    wdm_rule_indicator_t he05 = s_he05 ();
    wdm_point_t p [] = { { 2020, 50, false, 0 }, { 2023, v, false, 0 } };
    int n = wdm_rules_series (&he05, s_wuqing, p, 2, th, found, S_MAX);
    return s_find (found, n, WDM_RULE_BEHIND);
}

static void
test_behind_schedule (void)
{
    wdm_thresholds_t th = s_defaults ();
    wdm_finding_t found [S_MAX];
    const wdm_finding_t *f;

    //  60: progress (60 - 50) / (70 - 50) = 0.5; behind (0.6 - 0.5) x 100 = 10: yellow, inclusive.
    f = s_behind_2023 (60, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    CU_ASSERT_EQUAL (f->year, 2023);
    CU_ASSERT_EQUAL (f->target, 70);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "progress"), 0.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "time_share"), 0.6, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "behind_pp"), 10, 1e-9);
    CU_ASSERT_STRING_EQUAL (f->message_zh,
        "2023年武清区适龄妇女宫颈癌人群筛查率为60%,自2020年基期(50%)起仅完成“达到70%以上”目标进度的50.0%,"
        "而规划期已过去60.0%,落后于时间进度10.0个百分点。");
    CU_ASSERT_TRUE (s_has (f->message_en, "50.0% of the way from the 2020 baseline (50%) to the target of at least 70%"));
    CU_ASSERT_TRUE (s_has (f->message_en, "60.0% of the plan period gone, 10.0 percentage points behind schedule."));

    //  60.1: progress 10.1 / 20 = 0.505; behind 9.5: nothing.
    CU_ASSERT_PTR_NULL (s_behind_2023 (60.1, &th, found));
    //  59.9: progress 0.495; behind 10.5: yellow.
    f = s_behind_2023 (59.9, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "behind_pp"), 10.5, 1e-6);

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
    th = s_defaults ();

    //  No baseline point, or the latest year is the target year: no judgement.
    wdm_rule_indicator_t he05 = s_he05 ();
    wdm_point_t no_base [] = { { 2021, 55, false, 0 }, { 2023, 56, false, 0 } };
    int n = s_series (&he05, no_base, 2, found);
    CU_ASSERT_PTR_NULL (s_find (found, n, WDM_RULE_BEHIND));
    wdm_point_t at_end [] = { { 2020, 50, false, 0 }, { 2025, 51, false, 0 } };
    n = s_series (&he05, at_end, 2, found);
    CU_ASSERT_PTR_NULL (s_find (found, n, WDM_RULE_BEHIND));

    //  An upper bound, HE03 8.5 from 12.5 in 2020; 2022 is time share 2 / 5 = 0.4.
    wdm_rule_indicator_t he03 = s_he03 ();
    wdm_point_t q [] = { { 2020, 12.5, false, 0 }, { 2022, 11, false, 0 } };
    //  11: progress (11 - 12.5) / (8.5 - 12.5) = -1.5 / -4 = 0.375; behind 2.5: nothing.
    n = s_series (&he03, q, 2, found);
    CU_ASSERT_PTR_NULL (s_find (found, n, WDM_RULE_BEHIND));
    //  11.9: progress -0.6 / -4 = 0.15; behind 25: yellow.
    q [1].value = 11.9;
    n = s_series (&he03, q, 2, found);
    CU_ASSERT_EQUAL (s_level (found, n, WDM_RULE_BEHIND), 1);
    //  12.5: progress 0; behind 40: red.
    q [1].value = 12.5;
    n = s_series (&he03, q, 2, found);
    CU_ASSERT_EQUAL (s_level (found, n, WDM_RULE_BEHIND), 2);
    //  The baseline already met the bound (8.0), 2022 slipped to 9.0:
    //  progress means nothing; not_met is red instead.
    wdm_point_t met [] = { { 2020, 8.0, false, 0 }, { 2022, 9.0, false, 0 } };
    n = s_series (&he03, met, 2, found);
    CU_ASSERT_PTR_NULL (s_find (found, n, WDM_RULE_BEHIND));
    CU_ASSERT_EQUAL (s_level (found, n, WDM_RULE_NOT_MET), 2);
}

//  A value that moved away from the target since the baseline: no
//  negative share of progress, no "behind by" above 100 points.
static void
test_behind_schedule_wrong_way (void)
{
    wdm_thresholds_t th = s_defaults ();
    wdm_finding_t found [S_MAX];
    const wdm_finding_t *f;

    //  HE05 50 in 2020, 45 in 2023: progress (45 - 50) / (70 - 50) = -0.25,
    //  behind (0.6 + 0.25) x 100 = 85: red, said as a fall of 5 points.
    f = s_behind_2023 (45, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "progress"), -0.25, 1e-9);
    CU_ASSERT_STRING_EQUAL (f->message_zh,
        "2023年武清区适龄妇女宫颈癌人群筛查率为45%,比2020年基期(50%)下降5个百分点,"
        "与“达到70%以上”的目标方向相反,而规划期已过去60.0%。");
    CU_ASSERT_STRING_EQUAL (f->message_en,
        "Cervical cancer screening rate in Wuqing District was 45% in 2023, down 5 percentage points "
        "from the 2020 baseline (50%): moving away from the target of at least 70%, "
        "with 60.0% of the plan period gone.");
    CU_ASSERT_PTR_NULL (strstr (f->message_zh, "-25.0%"));
    CU_ASSERT_PTR_NULL (strstr (f->message_zh, "85.0个百分点"));

    //  The case: HE03 (8.5 以下) 9.0 in 2020, 12.5 in 2021:
    //  progress 3.5 / -0.5 = -7, behind 20 + 700 = 720: a rise of 3.5, red.
    wdm_rule_indicator_t he03 = s_he03 ();
    wdm_point_t q [] = { { 2020, 9.0, false, 0 }, { 2021, 12.5, false, 0 } };
    int n = wdm_rules_series (&he03, s_wuqing, q, 2, &th, found, S_MAX);
    f = s_find (found, n, WDM_RULE_BEHIND);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_TRUE (s_has (f->message_zh, "比2020年基期(9/10万)上升3.5/10万,与“控制在8.5/10万以下”的目标方向相反"));
    CU_ASSERT_TRUE (s_has (f->message_en, "up 3.5 per 100,000 from the 2020 baseline (9 per 100,000): moving away"));
    CU_ASSERT_PTR_NULL (strstr (f->message_zh, "-700"));
    CU_ASSERT_PTR_NULL (strstr (f->message_zh, "720"));

    //  No change since the baseline: 50 in 2023, progress 0, behind 60: red,
    //  said as no progress at all.
    f = s_behind_2023 (50, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_STRING_EQUAL (f->message_zh,
        "2023年武清区适龄妇女宫颈癌人群筛查率为50%,与2020年基期(50%)持平,“达到70%以上”的目标尚无进展,"
        "而规划期已过去60.0%,落后于时间进度60.0个百分点。");
    CU_ASSERT_TRUE (s_has (f->message_en, "unchanged from the 2020 baseline (50%): no progress toward the target"));

    //  The unlikely rule going the wrong way says so, not "-1.67 times".
    wdm_point_t up [3];
    s_years (2020, (double []) { 10, 10.5, 11 }, 3, up);
    n = wdm_rules_series (&he03, s_wuqing, up, 3, &th, found, S_MAX);
    f = s_find (found, n, WDM_RULE_UNLIKELY);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_PTR_NULL (strstr (f->message_zh, "-1.67"));
    CU_ASSERT_PTR_NULL (strstr (f->message_en, "-1.67"));
    CU_ASSERT_TRUE (s_has (f->message_zh, "实际年均变化(+0.5/10万)与实现目标所需的年均变化(-0.3/10万)方向相反"));
    CU_ASSERT_TRUE (s_has (f->message_en, "the observed yearly change (+0.5 per 100,000) goes the opposite way "
                                          "to the -0.3 per 100,000 a year required"));
}

//  English messages read as English: one person, not "1 persons"; a
//  body's name translated; commas where a clause begins.
static void
test_english (void)
{
    wdm_rule_indicator_t dm17 = s_dm17 ();
    wdm_thresholds_t th = s_defaults ();
    wdm_finding_t found [S_MAX];
    wdm_point_t p [1] = { { 2024, 0, false, 0 } };

    //  The bodies of sql/003_catalog.sql, in English.
    static const struct { const char *zh, *en; } bodies [] = {
        { "党(工)委", "Party committee (or Party working committee)" },
        { "政府", "government (or street office)" },
        { "区委", "district Party committee" },
        { "区人大常委会", "Standing Committee of the district People's Congress" },
        { "区政府", "district government" },
        { "区政协", "district CPPCC committee" },
        { "区教育局", "district Education Bureau" },
        { "区科技局", "district Science and Technology Bureau" },
        { "区文化和旅游局", "district Culture and Tourism Bureau" },
        { "区卫生健康委", "district Health Commission" },
        { "区体育局", "district Sports Bureau" },
        { "区民政局", "district Civil Affairs Bureau" },
        { "区司法局", "district Justice Bureau" },
        { "区人社局", "district Human Resources and Social Security Bureau" },
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies [0]; i++) {
        CU_ASSERT_EQUAL (wdm_rules_min_count (&dm17, s_meichang, bodies [i].zh, p, 1, &th, found, S_MAX), 1);
        CU_ASSERT_TRUE (s_has (found [0].message_en, bodies [i].en));
        CU_ASSERT_TRUE (s_ascii (found [0].message_en));
        CU_ASSERT_STRING_EQUAL (found [0].body, bodies [i].zh);      //  the key stays Chinese
    }
    CU_ASSERT_EQUAL (wdm_rules_min_count (&dm17, s_meichang, "党(工)委", p, 1, &th, found, S_MAX), 1);
    CU_ASSERT_STRING_EQUAL (found [0].message_en,
        "Women in town and street leadership teams in Meichang Town (Party committee (or Party working "
        "committee)): 0 persons in 2024, below the required minimum of 1.");
    //  A body the map does not know keeps its name, in quotes.
    CU_ASSERT_EQUAL (wdm_rules_min_count (&dm17, s_meichang, "纪委", p, 1, &th, found, S_MAX), 1);
    CU_ASSERT_TRUE (s_has (found [0].message_en, "(body \"纪委\")"));
    //  A minimum of 2 with 1 reported: "1 person".
    dm17.target = 2;
    p [0].value = 1;
    CU_ASSERT_EQUAL (wdm_rules_min_count (&dm17, s_meichang, "政府", p, 1, &th, found, S_MAX), 1);
    CU_ASSERT_TRUE (s_has (found [0].message_en, ": 1 person in 2024, below the required minimum of 2."));

    //  Two years of decline in a row, said as such.
    wdm_rule_indicator_t he06 = s_he06 ();
    wdm_point_t q [3];
    s_years (2022, (double []) { 62, 61, 60.5 }, 3, q);
    int n = s_series (&he06, q, 3, found);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_STRING_EQUAL (found [0].message_en,
        "Breast cancer screening rate in Wuqing District was 60.5% in 2024, down 0.5 percentage points "
        "from 2023, falling for 2 years in a row, against the target of a steady increase.");

    //  A relative change: a comma before "beyond".
    wdm_rule_indicator_t ed04 = s_ed04 ();
    s_years (2023, (double []) { 40, 52.1 }, 2, q);
    n = s_series (&ed04, q, 2, found);
    const wdm_finding_t *f = s_find (found, n, WDM_RULE_FLUCTUATING);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_TRUE (s_has (f->message_en, "a relative change of 30.3%, beyond the 30% limit"));

    //  A revision: a comma before "beyond".
    wdm_point_t r [1] = { { 2024, 55.1, true, 50 } };
    n = s_series (&ed04, r, 1, found);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_TRUE (s_has (found [0].message_en, "a change of 10.2%, beyond the 10% limit"));

    //  One peer area is one, not "1 peer areas".
    wdm_rule_indicator_t he05 = s_he05 ();
    wdm_thresholds_set (&th, "implausible", "peer_min", 1);
    double peers [] = { 10 };
    n = wdm_rules_peers (&he05, s_meichang, 2024, 20, peers, 1, &th, found, S_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_TRUE (s_has (found [0].message_en, "far from the median of 1 peer area, 10%"));
}

static void
test_unlikely (void)
{
    wdm_rule_indicator_t he05 = s_he05 ();
    wdm_thresholds_t th = s_defaults ();
    wdm_finding_t found [S_MAX];
    const wdm_finding_t *f;
    int n;

    //  Two points, 50 in 2020 and 60 in 2024: below min_years 3, no trend.
    wdm_point_t two [] = { { 2020, 50, false, 0 }, { 2024, 60, false, 0 } };
    n = wdm_rules_series (&he05, s_wuqing, two, 2, &th, found, S_MAX);
    CU_ASSERT_PTR_NULL (s_find (found, n, WDM_RULE_UNLIKELY));

    //  With min_years 2: slope 10 / 4 = 2.5; projection 60 + 2.5 = 62.5 < 70.
    //  Required (70 - 50) / (2025 - 2020) = 4 a year; ratio 2.5 / 4 = 0.625,
    //  at least 0.6 and below 0.95: needs acceleration, yellow.
    wdm_thresholds_set (&th, "unlikely", "min_years", 2);
    n = wdm_rules_series (&he05, s_wuqing, two, 2, &th, found, S_MAX);
    f = s_find (found, n, WDM_RULE_UNLIKELY);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    CU_ASSERT_EQUAL (f->year, 2024);
    CU_ASSERT_EQUAL (f->value, 60);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "slope"), 2.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "projection"), 62.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "required_slope"), 4, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "ratio"), 0.625, 1e-9);
    CU_ASSERT_TRUE (s_has (f->details, "\"category\":\"accelerate\""));
    CU_ASSERT_STRING_EQUAL (f->message_zh,
        "按2020—2024年数据的线性趋势(每年+2.5个百分点),武清区适龄妇女宫颈癌人群筛查率到2025年预计为62.5%,"
        "难以实现“达到70%以上”的目标,预计差7.5个百分点;"
        "实际年均变化为实现目标所需年均变化(+4个百分点)的0.63倍,需加快进度。");
    CU_ASSERT_TRUE (s_has (f->message_en, "projected at 62.5% in 2025, missing the target of at least 70% "
                                          "by 7.5 percentage points"));
    CU_ASSERT_TRUE (s_has (f->message_en, "needs acceleration."));

    //  The same with on_track_ratio 0.6: 0.625 is on track, yet the
    //  projection still misses: a finding, yellow.
    wdm_thresholds_set (&th, "unlikely", "on_track_ratio", 0.6);
    n = wdm_rules_series (&he05, s_wuqing, two, 2, &th, found, S_MAX);
    f = s_find (found, n, WDM_RULE_UNLIKELY);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    CU_ASSERT_TRUE (s_has (f->details, "\"category\":\"on_track\""));
    th = s_defaults ();

    //  Five points 2020..2024: 50, 52, 53, 55, 56 (worked out in test_trend):
    //  slope 1.5, projection 57.7, 12.3 short of 70; ratio 1.5 / 4 = 0.375
    //  below 0.6: limited progress, red.
    wdm_point_t five [5];
    s_years (2020, (double []) { 50, 52, 53, 55, 56 }, 5, five);
    n = wdm_rules_series (&he05, s_wuqing, five, 5, &th, found, S_MAX);
    f = s_find (found, n, WDM_RULE_UNLIKELY);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "slope"), 1.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "projection"), 57.7, 1e-4);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "ratio"), 0.375, 1e-9);
    CU_ASSERT_EQUAL (s_detail (f, "points"), 5);
    CU_ASSERT_TRUE (s_has (f->details, "\"category\":\"limited\""));
    CU_ASSERT_TRUE (s_has (f->message_zh, "(每年+1.5个百分点)"));
    CU_ASSERT_TRUE (s_has (f->message_zh, "2025年预计为57.7%"));
    CU_ASSERT_TRUE (s_has (f->message_zh, "预计差12.3个百分点"));
    CU_ASSERT_TRUE (s_has (f->message_zh, "的0.38倍,进展有限。"));

    //  Projection exactly at the target: 50, 54, 58 in 2020..2022, slope 4,
    //  54 + 4 x (2025 - 2021) = 70, which meets 70% 以上: no finding.
    wdm_point_t exact [3];
    s_years (2020, (double []) { 50, 54, 58 }, 3, exact);
    n = wdm_rules_series (&he05, s_wuqing, exact, 3, &th, found, S_MAX);
    CU_ASSERT_PTR_NULL (s_find (found, n, WDM_RULE_UNLIKELY));
    //  57.9 in 2022 instead: slope 3.95, projection 53.9667 + 3.95 x 4 = 69.77 < 70.
    exact [2].value = 57.9;
    n = wdm_rules_series (&he05, s_wuqing, exact, 3, &th, found, S_MAX);
    f = s_find (found, n, WDM_RULE_UNLIKELY);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "projection"), 69.7667, 1e-4);     //  six digits in details
    //  Ratio 3.95 / 4 = 0.9875 >= 0.95: on track in pace, yellow.
    CU_ASSERT_EQUAL (f->level, 1);

    //  The wrong way: HE03 (8.5 以下) 10, 10.5, 11 in 2020..2022; slope 0.5,
    //  projection 10.5 + 0.5 x 4 = 12.5 > 8.5; required (8.5 - 10) / 5 = -0.3;
    //  ratio 0.5 / -0.3 = -1.667: red.
    wdm_rule_indicator_t he03 = s_he03 ();
    wdm_point_t up [3];
    s_years (2020, (double []) { 10, 10.5, 11 }, 3, up);
    n = wdm_rules_series (&he03, s_wuqing, up, 3, &th, found, S_MAX);
    f = s_find (found, n, WDM_RULE_UNLIKELY);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "projection"), 12.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "ratio"), -1.66667, 1e-5);
    CU_ASSERT_TRUE (s_has (f->details, "\"category\":\"wrong_way\""));
    CU_ASSERT_TRUE (s_has (f->message_zh, "预计超出4/10万"));

    //  Met at the first point and falling away: 72, 70, 68 against 70%
    //  以上; slope -2, projection 70 - 2 x 4 = 62; required (70 - 72) / 5
    //  asks for nothing, so there is no ratio: the wrong way, red.
    wdm_point_t away [3];
    s_years (2020, (double []) { 72, 70, 68 }, 3, away);
    n = wdm_rules_series (&he05, s_wuqing, away, 3, &th, found, S_MAX);
    f = s_find (found, n, WDM_RULE_UNLIKELY);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_TRUE (s_has (f->details, "\"ratio\":null"));
    CU_ASSERT_TRUE (s_has (f->details, "\"category\":\"wrong_way\""));

    //  In the target year the value itself is judged, not a projection.
    s_years (2021, (double []) { 50, 52, 53, 55, 56 }, 5, five);
    n = wdm_rules_series (&he05, s_wuqing, five, 5, &th, found, S_MAX);
    CU_ASSERT_PTR_NULL (s_find (found, n, WDM_RULE_UNLIKELY));
    CU_ASSERT_EQUAL (s_level (found, n, WDM_RULE_NOT_MET), 2);
}

//  The fluctuating finding for ED04 (monitored, no target) with these
//  values from 2020 on.
static const wdm_finding_t *
s_swing (const double *values, int count, wdm_finding_t *found)
{
    wdm_rule_indicator_t ed04 = s_ed04 ();
    wdm_point_t p [8];
    s_years (2020, values, count, p);
    int n = s_series (&ed04, p, count, found);
    return s_find (found, n, WDM_RULE_FLUCTUATING);
}

static void
test_fluctuating_z (void)
{
    wdm_finding_t found [S_MAX];
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
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "z"), 4.7215, 1e-4);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "median_change"), 1.5, 1e-9);
    CU_ASSERT_EQUAL (s_detail (f, "earlier_changes"), 4);
    CU_ASSERT_TRUE (s_has (f->details, "\"spread_kind\":\"mad\""));
    CU_ASSERT_TRUE (s_has (f->message_zh, "比上年上升5个百分点,而以往4次年度变化的中位数为+1.5个百分点"));
    CU_ASSERT_TRUE (s_has (f->message_zh, "修正Z分数为4.72,超过3.5的预警线"));
    //  d = 8: z = 1.349 x 6.5 = 8.7685 > 7 (twice 3.5): red.
    f = s_swing ((double []) { 50, 51, 53, 54, 56, 64 }, 6, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    //  d = -3: z = 1.349 x -4.5 = -6.0705, |z| > 3.5: yellow, a fall.
    f = s_swing ((double []) { 50, 51, 53, 54, 56, 53 }, 6, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "z"), -6.0705, 1e-4);
    CU_ASSERT_TRUE (s_has (f->message_zh, "比上年下降3个百分点"));

    //  MAD 0: earlier changes 1, 1, 1, 5; median 1, deviations 0, 0, 0, 4,
    //  MAD 0; mean absolute deviation 4 / 4 = 1; z = (d - 1) / 1.2533.
    //  d = 5: z = 4 / 1.2533 = 3.1916: nothing.
    CU_ASSERT_PTR_NULL (s_swing ((double []) { 50, 51, 52, 53, 58, 63 }, 6, found));
    //  d = 6: z = 5 / 1.2533 = 3.9894: yellow.
    f = s_swing ((double []) { 50, 51, 52, 53, 58, 64 }, 6, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "z"), 3.9894, 1e-4);
    CU_ASSERT_TRUE (s_has (f->details, "\"spread_kind\":\"mean_ad\""));
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
    CU_ASSERT_TRUE (s_has (f->details, "\"z\":null"));
    CU_ASSERT_TRUE (s_has (f->message_zh, "修正Z分数为∞"));
    //  Decimal steps of 0.1 are equal as the officer sees them, although
    //  50.2 - 50.1 and 50.6 - 50.5 differ in binary: no swing.
    CU_ASSERT_PTR_NULL (s_swing ((double []) { 50.1, 50.2, 50.3, 50.4, 50.5, 50.6 }, 6, found));

    //  A gap year before the latest (2024 missing): no year-on-year change.
    wdm_rule_indicator_t ed04 = s_ed04 ();
    wdm_point_t p [5];
    s_years (2020, (double []) { 50, 51, 53, 54, 90 }, 5, p);
    p [4].year = 2025;
    int n = s_series (&ed04, p, 5, found);
    CU_ASSERT_PTR_NULL (s_find (found, n, WDM_RULE_FLUCTUATING));
}

static void
test_fluctuating_relative (void)
{
    wdm_finding_t found [S_MAX];
    const wdm_finding_t *f;

    //  One change only (fewer than 4 earlier): |d| / |previous| x 100 against 30.
    //  40 -> 52: 12 / 40 = 30%, not above 30: nothing.
    CU_ASSERT_PTR_NULL (s_swing ((double []) { 40, 52 }, 2, found));
    //  40 -> 52.1: 12.1 / 40 = 30.25%: yellow.
    f = s_swing ((double []) { 40, 52.1 }, 2, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    CU_ASSERT_EQUAL (f->year, 2021);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "relative_pct"), 30.25, 1e-9);
    CU_ASSERT_TRUE (s_has (f->details, "\"method\":\"relative\""));
    CU_ASSERT_TRUE (s_has (f->message_zh, "比上年上升12.1个百分点"));
    CU_ASSERT_TRUE (s_has (f->message_zh, "超过30%的波动预警线"));
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
    CU_ASSERT_TRUE (s_has (f->message_zh, "比上年下降24个百分点,相对变化60.0%"));
    //  From 0 no relative change exists: nothing.
    CU_ASSERT_PTR_NULL (s_swing ((double []) { 0, 5 }, 2, found));
    //  Three changes (two earlier) are still too few for the z-score:
    //  40, 41, 42, then 60: 18 / 42 = 42.9%: yellow by the relative path.
    f = s_swing ((double []) { 40, 41, 42, 60 }, 4, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_TRUE (s_has (f->details, "\"method\":\"relative\""));
}

//  The fluctuating finding for ED04 with these values from first on,
//  the indicator's pooled changes (NULL: none) and thresholds th.
static const wdm_finding_t *
s_swing_pooled (int first, const double *values, int count, const double *changes, int pooled,
                const wdm_thresholds_t *th, wdm_finding_t *found)
{
    wdm_rule_indicator_t ed04 = s_ed04 ();
    wdm_point_t p [8];
    s_years (first, values, count, p);
    wdm_pool_t pool;
    memset (&pool, 0, sizeof pool);
    if (changes)
        CU_ASSERT_EQUAL (wdm_rules_pool (changes, pooled, &pool), 0);
    int n = wdm_rules_series_pooled (&ed04, s_wuqing, p, count, changes ? &pool : NULL, th, found, S_MAX);
    return s_find (found, n, WDM_RULE_FLUCTUATING);
}

//  Within the plan period a series has at most 3 earlier changes before
//  2024: a rate that moved a fraction of a point a year and then dropped
//  several points is judged against the indicator's changes in all areas.
static void
test_fluctuating_pooled (void)
{
    wdm_thresholds_t th = s_defaults ();
    wdm_finding_t found [S_MAX];
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
    CU_ASSERT_EQUAL (changes [0], 0.2);                     //  not reordered

    //  95.1, 95.3, 95.4, 95.6 in 2020..2023, then 89.0 in 2024: own earlier
    //  changes 0.2, 0.1, 0.2 (3, fewer than min_years 4); the drop d = -6.6.
    //  Before pooling: 6.6 / 95.6 = 6.9% of last year, no swing at all.
    CU_ASSERT_PTR_NULL (s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 89.0 }, 5, NULL, 0,
                                        &th, found));
    //  Pooled: z = 0.6745 (d - 0.2) / 0.3 = 2.24833 (d - 0.2) = 2.24833 x -6.8
    //  = -15.2887, beyond 7 (twice 3.5): red.
    f = s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 89.0 }, 5, changes, 8, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_EQUAL (f->year, 2024);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "z"), -15.2887, 1e-4);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "median_change"), 0.2, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "spread"), 0.3, 1e-9);
    CU_ASSERT_EQUAL (s_detail (f, "pooled_changes"), 8);
    CU_ASSERT_EQUAL (s_detail (f, "earlier_changes"), 3);
    CU_ASSERT_TRUE (s_has (f->details, "\"method\":\"pooled_z\""));
    CU_ASSERT_STRING_EQUAL (f->message_zh,
        "2024年武清区高等学校分学科门类在校生中女生比例为89%,比上年下降6.6个百分点,"
        "而本指标各地区以往8次年度变化的中位数为+0.2个百分点;修正Z分数为-15.29,超过3.5的预警线,"
        "波动较大,请核实原因。");
    CU_ASSERT_STRING_EQUAL (f->message_en,
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
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "z"), -4.9463, 1e-4);
    //  A drop of 1.2 (94.4): z = -3.1477: nothing; nor a normal rise of 0.3.
    CU_ASSERT_PTR_NULL (s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 94.4 }, 5, changes, 8,
                                        &th, found));
    CU_ASSERT_PTR_NULL (s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 95.9 }, 5, changes, 8,
                                        &th, found));
    //  Seven pooled changes are fewer than pool_min 8: the relative change
    //  decides, and 6.9% is no swing.  With pool_min 7 the pool speaks.
    CU_ASSERT_PTR_NULL (s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 89.0 }, 5, changes, 7,
                                        &th, found));
    CU_ASSERT_EQUAL (wdm_thresholds_set (&th, "fluctuating", "pool_min", 7), 0);
    f = s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 89.0 }, 5, changes, 7, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    th = s_defaults ();
    //  With four earlier changes of its own the series' history decides, as
    //  before: 95.0 in 2019 adds 0.1; changes 0.1, 0.2, 0.1, 0.2, median
    //  0.15, MAD 0.05; z = 0.6745 x -6.75 / 0.05 = -91.0575: red.
    f = s_swing_pooled (2019, (double []) { 95.0, 95.1, 95.3, 95.4, 95.6, 89.0 }, 6, changes, 8, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_TRUE (s_has (f->details, "\"method\":\"modified_z\""));
    CU_ASSERT_DOUBLE_EQUAL (s_detail (f, "z"), -91.0575, 1e-3);
}

//  fluctuating.limit_pp: the office's own limit for an indicator's yearly
//  change, in its unit (points for a rate).
static void
test_fluctuating_limit (void)
{
    wdm_thresholds_t th = s_defaults ();
    wdm_finding_t found [S_MAX];
    const wdm_finding_t *f;
    CU_ASSERT_EQUAL (th.fluct_limit_pp, 0);                 //  off unless set
    CU_ASSERT_EQUAL (th.fluct_pool_min, 8);
    CU_ASSERT_EQUAL (wdm_thresholds_set (&th, "fluctuating", "limit_pp", 3), 0);

    //  No pool, 3 earlier changes: |-6.6| > 6 (twice 3): red.
    f = s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 89.0 }, 5, NULL, 0, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_TRUE (s_has (f->details, "\"method\":\"limit\""));
    CU_ASSERT_EQUAL (s_detail (f, "limit_pp"), 3);
    CU_ASSERT_STRING_EQUAL (f->message_zh,
        "2024年武清区高等学校分学科门类在校生中女生比例为89%,比上年下降6.6个百分点,"
        "超过本指标每年3个百分点的波动预警线,请核实原因。");
    CU_ASSERT_STRING_EQUAL (f->message_en,
        "Share of women among higher-education students, by discipline in Wuqing District was 89% in 2024, "
        "down 6.6 percentage points from the year before, beyond this indicator's limit of "
        "3 percentage points a year: please check the cause.");
    //  A drop of 3.5 (92.1): yellow.  Exactly 3 (92.6): nothing, strict.
    f = s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 92.1 }, 5, NULL, 0, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 1);
    CU_ASSERT_PTR_NULL (s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 92.6 }, 5, NULL, 0,
                                        &th, found));
    //  With a pool as well the higher level wins: a drop of 3.5 is red by
    //  the pool (z = 2.24833 x -3.7 = -8.319) and yellow by the limit.
    static const double changes [] = { 0.2, -0.6, 1.0, 0, 0.4, -0.2, 0.6, 0.2 };
    f = s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 92.1 }, 5, changes, 8, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_TRUE (s_has (f->details, "\"method\":\"pooled_z\""));
    //  Both red: the office's limit is the plainer reason.
    f = s_swing_pooled (2020, (double []) { 95.1, 95.3, 95.4, 95.6, 89.0 }, 5, changes, 8, &th, found);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_EQUAL (f->level, 2);
    CU_ASSERT_TRUE (s_has (f->details, "\"method\":\"limit\""));
    //  A limit set, the relative fallback is not used: 40 -> 52.1 (30.25%)
    //  is within a limit of 20 points.
    wdm_thresholds_set (&th, "fluctuating", "limit_pp", 20);
    CU_ASSERT_PTR_NULL (s_swing_pooled (2023, (double []) { 40, 52.1 }, 2, NULL, 0, &th, found));
}

static void
test_wrong_direction (void)
{
    wdm_rule_indicator_t he06 = s_he06 ();
    wdm_finding_t found [S_MAX];
    wdm_point_t p [3];
    int n;

    //  逐步提高: 60, 61, then 60.5: fell 0.5 once: yellow.  (0.5 / 61 is 0.8%: no swing.)
    s_years (2022, (double []) { 60, 61, 60.5 }, 3, p);
    n = s_series (&he06, p, 3, found);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_WRONG_DIRECTION);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_EQUAL (found [0].year, 2024);
    CU_ASSERT_FALSE (found [0].has_target);
    CU_ASSERT_STRING_EQUAL (found [0].message_zh,
        "2024年武清区适龄妇女乳腺癌人群筛查率为60.5%,比2023年下降0.5个百分点,与“逐步提高”的目标方向相反。");
    CU_ASSERT_STRING_EQUAL (found [0].message_en,
        "Breast cancer screening rate in Wuqing District was 60.5% in 2024, down 0.5 percentage points "
        "from 2023, against the target of a steady increase.");

    //  62, 61, 60.5: fell two years in a row (red_consecutive 2): red.
    s_years (2022, (double []) { 62, 61, 60.5 }, 3, p);
    n = s_series (&he06, p, 3, found);
    CU_ASSERT_EQUAL (s_level (found, n, WDM_RULE_WRONG_DIRECTION), 2);
    CU_ASSERT_TRUE (s_has (found [0].message_zh, "比2023年下降0.5个百分点,已连续2年下降"));
    CU_ASSERT_EQUAL (s_detail (&found [0], "consecutive"), 2);
    //  With red_consecutive 3 the same is yellow.
    wdm_thresholds_t th = s_defaults ();
    wdm_thresholds_set (&th, "wrong_direction", "red_consecutive", 3);
    n = wdm_rules_series (&he06, s_wuqing, p, 3, &th, found, S_MAX);
    CU_ASSERT_EQUAL (s_level (found, n, WDM_RULE_WRONG_DIRECTION), 1);

    //  61 then 61: no change is not the wrong way.
    s_years (2023, (double []) { 61, 61 }, 2, p);
    CU_ASSERT_EQUAL (s_series (&he06, p, 2, found), 0);
    //  Rose after a fall: fine.
    s_years (2022, (double []) { 62, 61, 61.5 }, 3, p);
    CU_ASSERT_EQUAL (s_series (&he06, p, 3, found), 0);

    //  逐步降低 (HE04): 10 -> 10.5 rose: yellow.  (0.5 / 10 = 5%: no swing.)
    wdm_rule_indicator_t he04 = s_he04 ();
    s_years (2023, (double []) { 10, 10.5 }, 2, p);
    n = s_series (&he04, p, 2, found);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (s_level (found, n, WDM_RULE_WRONG_DIRECTION), 1);
    CU_ASSERT_TRUE (s_has (found [0].message_zh, "比2023年上升0.5/10万,与“逐步降低”的目标方向相反。"));
    //  10 -> 9.5 fell, as it should: nothing.
    p [1].value = 9.5;
    CU_ASSERT_EQUAL (s_series (&he04, p, 2, found), 0);
}

static void
test_curb_rise (void)
{
    wdm_rule_indicator_t he12 = s_he12 ();
    wdm_finding_t found [S_MAX];
    wdm_point_t p [3];
    int n;

    //  4.0, 4.2, 4.5: rises 0.2 then 0.3, larger: yellow.
    s_years (2022, (double []) { 4.0, 4.2, 4.5 }, 3, p);
    n = s_series (&he12, p, 3, found);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_WRONG_DIRECTION);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_STRING_EQUAL (found [0].message_zh,
        "2024年武清区妇女焦虑障碍患病率为4.5%,比2023年上升0.3个百分点,年均增幅(0.3个百分点)大于此前(0.2个百分点),"
        "未体现“上升趋势减缓”的目标。");
    CU_ASSERT_DOUBLE_EQUAL (s_detail (&found [0], "rise"), 0.3, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (&found [0], "previous_rise"), 0.2, 1e-9);

    //  4.0, 4.3, 4.5: rises 0.3 then 0.2, slowing: nothing.
    s_years (2022, (double []) { 4.0, 4.3, 4.5 }, 3, p);
    CU_ASSERT_EQUAL (s_series (&he12, p, 3, found), 0);
    //  4.0, 4.2, 4.4: equal rises of 0.2 (not larger): nothing.
    s_years (2022, (double []) { 4.0, 4.2, 4.4 }, 3, p);
    CU_ASSERT_EQUAL (s_series (&he12, p, 3, found), 0);
    //  4.2, 4.0, 4.3: a fall, then a rise: not two rises, nothing.
    s_years (2022, (double []) { 4.2, 4.0, 4.3 }, 3, p);
    CU_ASSERT_EQUAL (s_series (&he12, p, 3, found), 0);
}

static void
test_gap (void)
{
    wdm_rule_indicator_t fa01 = s_fa01 ();
    wdm_thresholds_t th = s_defaults ();
    wdm_finding_t found [S_MAX];
    wdm_point_t women [3], men [3];
    int n;

    //  Women 130, 125, 128; men 80 each year: gaps 50, 45, 48; widened by 3: yellow.
    s_years (2022, (double []) { 130, 125, 128 }, 3, women);
    s_years (2022, (double []) { 80, 80, 80 }, 3, men);
    n = wdm_rules_gap (&fa01, s_wuqing, women, 3, men, 3, &th, found, S_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_WRONG_DIRECTION);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_EQUAL (found [0].year, 2024);
    CU_ASSERT_EQUAL (found [0].value, 48);
    CU_ASSERT_STRING_EQUAL (found [0].message_zh,
        "2024年武清区日均家务劳动时间女性为128分钟/日、男性为80分钟/日,两性差距为48分钟/日,"
        "比2023年扩大3分钟/日,与“缩小差距”的目标方向相反。");
    CU_ASSERT_TRUE (s_has (found [0].message_en, "a gap of 48 minutes per day, wider than in 2023 by 3 minutes per day"));

    //  Women 130, 125, 120: gaps 50, 45, 40, narrowing: nothing.
    s_years (2022, (double []) { 130, 125, 120 }, 3, women);
    CU_ASSERT_EQUAL (wdm_rules_gap (&fa01, s_wuqing, women, 3, men, 3, &th, found, S_MAX), 0);
    //  Women 120, 125, 130: gaps 40, 45, 50, widening twice: red.
    s_years (2022, (double []) { 120, 125, 130 }, 3, women);
    n = wdm_rules_gap (&fa01, s_wuqing, women, 3, men, 3, &th, found, S_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].level, 2);
    CU_ASSERT_TRUE (s_has (found [0].message_zh, "比2023年扩大5分钟/日,已连续2年扩大"));
    //  Gaps 50, 50: unchanged, nothing.
    s_years (2023, (double []) { 130, 130 }, 2, women);
    s_years (2023, (double []) { 80, 80 }, 2, men);
    CU_ASSERT_EQUAL (wdm_rules_gap (&fa01, s_wuqing, women, 2, men, 2, &th, found, S_MAX), 0);

    //  Men above women: |80 - 120| = 40, then |80 - 125| = 45: widened, yellow.
    s_years (2023, (double []) { 80, 80 }, 2, women);
    s_years (2023, (double []) { 120, 125 }, 2, men);
    n = wdm_rules_gap (&fa01, s_wuqing, women, 2, men, 2, &th, found, S_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].value, 45);

    //  Only the years both report count: women 2022..2024, men 2022 and
    //  2024; gaps 2022 50, 2024 58 (128 - 70): widened by 8 since 2022.
    s_years (2022, (double []) { 130, 125, 128 }, 3, women);
    wdm_point_t men_gap [] = { { 2022, 80, false, 0 }, { 2024, 70, false, 0 } };
    n = wdm_rules_gap (&fa01, s_wuqing, women, 3, men_gap, 2, &th, found, S_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_TRUE (s_has (found [0].message_zh, "比2022年扩大8分钟/日"));
    //  One common year: no change to judge.
    n = wdm_rules_gap (&fa01, s_wuqing, women, 1, men_gap, 2, &th, found, S_MAX);
    CU_ASSERT_EQUAL (n, 0);
}

static void
test_relation (void)
{
    wdm_rule_indicator_t dm02 = s_dm02 (), dm01 = s_dm01 ();
    wdm_thresholds_t th = s_defaults ();
    wdm_finding_t found [S_MAX];
    wdm_point_t a [2] = { { 2024, 33, false, 0 } }, b [2] = { { 2024, 35, false, 0 } };
    int n;

    //  不少于 (>=): 33 below 35 by 2, within red_pp 5: yellow.
    n = wdm_rules_relation (&dm02, &dm01, s_wuqing, a, 1, b, 1, &th, found, S_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_RELATION);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_EQUAL (found [0].value, 33);
    CU_ASSERT_TRUE (found [0].has_target);
    CU_ASSERT_EQUAL (found [0].target, 35);
    CU_ASSERT_STRING_EQUAL (found [0].message_zh,
        "2024年武清区党员代表大会代表中女代表比例为33%,低于女党员比例(35%)2个百分点,"
        "未达到“不低于女党员比例”的要求。");
    CU_ASSERT_STRING_EQUAL (found [0].message_en,
        "Share of women among party congress delegates in Wuqing District was 33% in 2024, "
        "2 percentage points below \"Share of women among CPC members\" (35%), which it must not fall below.");
    CU_ASSERT_TRUE (s_has (found [0].details, "\"other\":\"DM01\""));
    CU_ASSERT_DOUBLE_EQUAL (s_detail (&found [0], "difference"), -2, 1e-9);
    //  30 vs 35: exactly 5 below: still yellow.
    a [0].value = 30;
    n = wdm_rules_relation (&dm02, &dm01, s_wuqing, a, 1, b, 1, &th, found, S_MAX);
    CU_ASSERT_EQUAL (found [0].level, 1);
    //  29.9 vs 35: 5.1 below: red.
    a [0].value = 29.9;
    n = wdm_rules_relation (&dm02, &dm01, s_wuqing, a, 1, b, 1, &th, found, S_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].level, 2);
    //  35 vs 35 and 36 vs 35 hold.
    a [0].value = 35;
    CU_ASSERT_EQUAL (wdm_rules_relation (&dm02, &dm01, s_wuqing, a, 1, b, 1, &th, found, S_MAX), 0);
    a [0].value = 36;
    CU_ASSERT_EQUAL (wdm_rules_relation (&dm02, &dm01, s_wuqing, a, 1, b, 1, &th, found, S_MAX), 0);

    //  The latest year both have: a 2023 30, 2024 36; b 2022 35, 2023 35 -> 2023, 30 < 35.
    wdm_point_t a2 [] = { { 2023, 30, false, 0 }, { 2024, 36, false, 0 } };
    wdm_point_t b2 [] = { { 2022, 35, false, 0 }, { 2023, 35, false, 0 } };
    n = wdm_rules_relation (&dm02, &dm01, s_wuqing, a2, 2, b2, 2, &th, found, S_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].year, 2023);
    //  No year in common: nothing.
    n = wdm_rules_relation (&dm02, &dm01, s_wuqing, a2 + 1, 1, b2, 2, &th, found, S_MAX);
    CU_ASSERT_EQUAL (n, 0);

    //  相适应 (~), DM23 against DM24: |40 - 50| = 10, not above 10: nothing.
    wdm_rule_indicator_t dm23 = s_dm23 (), dm24 = s_dm24 ();
    a [0].value = 40;
    b [0].value = 50;
    CU_ASSERT_EQUAL (wdm_rules_relation (&dm23, &dm24, s_wuqing, a, 1, b, 1, &th, found, S_MAX), 0);
    //  |39.9 - 50| = 10.1: yellow; so is |60.1 - 50| = 10.1, above is as far as below.
    a [0].value = 39.9;
    n = wdm_rules_relation (&dm23, &dm24, s_wuqing, a, 1, b, 1, &th, found, S_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_TRUE (s_has (found [0].message_zh,
        "与企事业单位职工中的女职工比例(50%)相差10.1个百分点,超过容许的10个百分点"));
    a [0].value = 60.1;
    n = wdm_rules_relation (&dm23, &dm24, s_wuqing, a, 1, b, 1, &th, found, S_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].level, 1);
}

static void
test_min_count (void)
{
    wdm_rule_indicator_t dm17 = s_dm17 ();
    wdm_thresholds_t th = s_defaults ();
    wdm_finding_t found [S_MAX];
    wdm_point_t p [2] = { { 2024, 0, false, 0 } };
    int n;

    //  0 women in the body, at least 1 required: red, for that body.
    n = wdm_rules_min_count (&dm17, s_meichang, "党(工)委", p, 1, &th, found, S_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_MIN_COUNT);
    CU_ASSERT_EQUAL (found [0].level, 2);
    CU_ASSERT_STRING_EQUAL (found [0].body, "党(工)委");
    CU_ASSERT_EQUAL (found [0].value, 0);
    CU_ASSERT_EQUAL (found [0].target, 1);
    CU_ASSERT_STRING_EQUAL (found [0].message_zh,
        "2024年梅厂镇乡镇(街道)领导班子女干部人数(党(工)委)为0人,未达到“至少配备1人”的要求。");
    CU_ASSERT_STRING_EQUAL (found [0].message_en,
        "Women in town and street leadership teams in Meichang Town (Party committee (or Party working "
        "committee)): 0 persons in 2024, below the required minimum of 1.");

    //  1 meets it.
    p [0].value = 1;
    CU_ASSERT_EQUAL (wdm_rules_min_count (&dm17, s_meichang, "政府", p, 1, &th, found, S_MAX), 0);
    //  The latest year counts: 0 in 2023, 1 in 2024 is fine; the other way round is not.
    s_years (2023, (double []) { 0, 1 }, 2, p);
    CU_ASSERT_EQUAL (wdm_rules_min_count (&dm17, s_meichang, "政府", p, 2, &th, found, S_MAX), 0);
    s_years (2023, (double []) { 1, 0 }, 2, p);
    n = wdm_rules_min_count (&dm17, s_meichang, "政府", p, 2, &th, found, S_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].year, 2024);
    CU_ASSERT_STRING_EQUAL (found [0].body, "政府");
    //  No body named: the finding's body is empty.
    n = wdm_rules_min_count (&dm17, s_meichang, NULL, p, 2, &th, found, S_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_STRING_EQUAL (found [0].body, "");
}

//  The missing-report finding for HE05's 2024 (or year's) data owed by the
//  health commission, due on month/day of the next year, as of today.
static int
s_missing (int year, int month, int day, int ty, int tm, int td, bool reported, wdm_finding_t *found)
{
    wdm_rule_indicator_t he05 = s_he05 ();
    wdm_thresholds_t th = s_defaults ();
    return wdm_rules_missing (&he05, s_health, s_wuqing, year, month, day, ty, tm, td, reported,
                              &th, found, S_MAX);
}

static void
test_missing (void)
{
    wdm_finding_t found [S_MAX];

    //  2024's data, due 2025-03-31; yellow from 14 days before, 2025-03-17.
    CU_ASSERT_EQUAL (s_missing (2024, 3, 31, 2025, 3, 16, false, found), 0);    //  15 days left
    CU_ASSERT_EQUAL (s_missing (2024, 3, 31, 2025, 3, 17, false, found), 1);    //  14 days left
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_MISSING);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_EQUAL (found [0].year, 2024);
    CU_ASSERT_EQUAL (s_detail (&found [0], "days_left"), 14);
    CU_ASSERT_STRING_EQUAL (found [0].message_zh,
        "区卫生健康委尚未报送武清区2024年“适龄妇女宫颈癌人群筛查率”数据,报送截止日期为2025年3月31日,还剩14天。");
    CU_ASSERT_STRING_EQUAL (found [0].message_en,
        "District Health Commission has not reported \"Cervical cancer screening rate\" for Wuqing District, 2024; "
        "the deadline is 2025-03-31, 14 days left.");
    CU_ASSERT_TRUE (s_has (found [0].details, "\"deadline\":\"2025-03-31\""));
    //  On the deadline day: still yellow.
    CU_ASSERT_EQUAL (s_missing (2024, 3, 31, 2025, 3, 31, false, found), 1);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_TRUE (s_has (found [0].message_zh, "今天截止"));
    //  The day after: red, one day overdue.
    CU_ASSERT_EQUAL (s_missing (2024, 3, 31, 2025, 4, 1, false, found), 1);
    CU_ASSERT_EQUAL (found [0].level, 2);
    CU_ASSERT_TRUE (s_has (found [0].message_zh, "已逾期1天"));
    CU_ASSERT_TRUE (s_has (found [0].message_en, "1 day overdue"));
    //  Reported: nothing, however late it is.
    CU_ASSERT_EQUAL (s_missing (2024, 3, 31, 2025, 4, 1, true, found), 0);
    CU_ASSERT_EQUAL (s_missing (2024, 3, 31, 2026, 1, 1, true, found), 0);

    //  Across a year end: 2023's data due 2024-01-10; 14 days before is
    //  2023-12-27 (5 days left in December after the 26th, plus 10: 15 on the 26th).
    CU_ASSERT_EQUAL (s_missing (2023, 1, 10, 2023, 12, 26, false, found), 0);
    CU_ASSERT_EQUAL (s_missing (2023, 1, 10, 2023, 12, 27, false, found), 1);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_EQUAL (s_detail (&found [0], "days_left"), 14);
    CU_ASSERT_EQUAL (s_missing (2023, 1, 10, 2024, 1, 10, false, found), 1);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_EQUAL (s_missing (2023, 1, 10, 2024, 1, 11, false, found), 1);
    CU_ASSERT_EQUAL (found [0].level, 2);

    //  Leap years: due 2024-03-01, February 2024 has 29 days, so 02-16 is
    //  14 days before (13 left in February + 1); due 2025-03-01, 02-15 is.
    CU_ASSERT_EQUAL (s_missing (2023, 3, 1, 2024, 2, 15, false, found), 0);
    CU_ASSERT_EQUAL (s_missing (2023, 3, 1, 2024, 2, 16, false, found), 1);
    CU_ASSERT_EQUAL (s_missing (2024, 3, 1, 2025, 2, 14, false, found), 0);
    CU_ASSERT_EQUAL (s_missing (2024, 3, 1, 2025, 2, 15, false, found), 1);

    //  A deadline day past the month's end (the schema allows 31 in any
    //  month) is the month's last day: 2/31 -> 2025-02-28.
    CU_ASSERT_EQUAL (s_missing (2024, 2, 31, 2025, 3, 1, false, found), 1);
    CU_ASSERT_EQUAL (found [0].level, 2);
    CU_ASSERT_TRUE (s_has (found [0].message_zh, "2025年2月28日,已逾期1天"));
    //  Not a date: nothing judged.
    CU_ASSERT_EQUAL (s_missing (2024, 3, 31, 2025, 2, 30, false, found), 0);
    CU_ASSERT_EQUAL (s_missing (2024, 13, 1, 2026, 1, 1, false, found), 0);
}

static void
test_peers (void)
{
    wdm_rule_indicator_t he05 = s_he05 ();
    wdm_thresholds_t th = s_defaults ();
    wdm_finding_t found [S_MAX];
    int n;

    //  Peers 10..14: median 12; deviations 2, 1, 0, 1, 2; MAD 1.
    //  z = 0.6745 (v - 12).  v = 17: 3.3725: nothing.
    double peers [] = { 10, 11, 12, 13, 14 };
    CU_ASSERT_EQUAL (wdm_rules_peers (&he05, s_meichang, 2024, 17, peers, 5, &th, found, S_MAX), 0);
    //  v = 18: z = 4.047 > 3.5: yellow.
    n = wdm_rules_peers (&he05, s_meichang, 2024, 18, peers, 5, &th, found, S_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_IMPLAUSIBLE);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_EQUAL (found [0].year, 2024);
    CU_ASSERT_EQUAL (found [0].value, 18);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (&found [0], "z"), 4.047, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (&found [0], "peer_median"), 12, 1e-9);
    CU_ASSERT_STRING_EQUAL (found [0].message_zh,
        "2024年梅厂镇适龄妇女宫颈癌人群筛查率为18%,与同级5个地区的中位数12%相差悬殊"
        "(修正Z分数为4.05,超过3.5的预警线),请核实数据。");
    //  The peers are not reordered (they are the caller's).
    CU_ASSERT_EQUAL (peers [0], 10);
    //  v = 6: z = -4.047: yellow too.
    CU_ASSERT_EQUAL (wdm_rules_peers (&he05, s_meichang, 2024, 6, peers, 5, &th, found, S_MAX), 1);

    //  Four peers are fewer than peer_min 5: nothing however far.
    CU_ASSERT_EQUAL (wdm_rules_peers (&he05, s_meichang, 2024, 100, peers, 4, &th, found, S_MAX), 0);
    //  With peer_min 4: median of 10..13 is 11.5, deviations 1.5, 0.5, 0.5, 1.5,
    //  MAD 1; z = 0.6745 x 88.5 = 59.69: yellow.
    wdm_thresholds_set (&th, "implausible", "peer_min", 4);
    n = wdm_rules_peers (&he05, s_meichang, 2024, 100, peers, 4, &th, found, S_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (&found [0], "z"), 59.6933, 1e-3);
    th = s_defaults ();

    //  MAD 0: 12, 12, 12, 12, 13; median 12, deviations 0, 0, 0, 0, 1; mean
    //  absolute deviation 0.2; z = (v - 12) / (1.2533 x 0.2) = (v - 12) / 0.25066.
    double flat [] = { 12, 12, 12, 12, 13 };
    //  v = 12.8: 3.1916: nothing.  v = 13: 3.9895: yellow.
    CU_ASSERT_EQUAL (wdm_rules_peers (&he05, s_meichang, 2024, 12.8, flat, 5, &th, found, S_MAX), 0);
    n = wdm_rules_peers (&he05, s_meichang, 2024, 13, flat, 5, &th, found, S_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (&found [0], "z"), 3.98947, 1e-4);
}

static void
test_revision (void)
{
    wdm_rule_indicator_t ed04 = s_ed04 ();
    wdm_finding_t found [S_MAX];
    wdm_point_t p [2] = { { 2024, 55, true, 50 } };
    int n;

    //  Final 50 revised to 55: |55 - 50| / 50 = 10%, not above 10: nothing.
    CU_ASSERT_EQUAL (s_series (&ed04, p, 1, found), 0);
    //  To 55.1: 5.1 / 50 = 10.2%: yellow.
    p [0].value = 55.1;
    n = s_series (&ed04, p, 1, found);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_IMPLAUSIBLE);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_DOUBLE_EQUAL (s_detail (&found [0], "change_pct"), 10.2, 1e-9);
    CU_ASSERT_STRING_EQUAL (found [0].message_zh,
        "2024年武清区高等学校分学科门类在校生中女生比例已定稿的数值50%被修订为55.1%,变动10.2%,"
        "超过10%的界限,请核实修订原因。");
    //  Down to 44.9: 10.2% as well.
    p [0].value = 44.9;
    CU_ASSERT_EQUAL (s_series (&ed04, p, 1, found), 1);
    //  A value never final, revised freely: nothing.
    p [0].revised_from_final = false;
    CU_ASSERT_EQUAL (s_series (&ed04, p, 1, found), 0);
    //  From a final 0 any change is infinitely large: yellow.
    p [0].revised_from_final = true;
    p [0].final_value = 0;
    p [0].value = 1;
    CU_ASSERT_EQUAL (s_series (&ed04, p, 1, found), 1);
    CU_ASSERT_TRUE (s_has (found [0].details, "\"change_pct\":null"));
    //  Only the latest year is judged: a revision of 2023 with 2024 after it.
    wdm_point_t q [] = { { 2023, 55.1, true, 50 }, { 2024, 56, false, 0 } };
    n = s_series (&ed04, q, 2, found);
    CU_ASSERT_PTR_NULL (s_find (found, n, WDM_RULE_IMPLAUSIBLE));
}

//  Every kind of finding about Meichang Town in 2024: the message names
//  the indicator, the place and the year, in Chinese with full-width
//  punctuation, and in plain ASCII English.
static void
test_messages (void)
{
    wdm_thresholds_t th = s_defaults ();
    wdm_thresholds_set (&th, "unlikely", "min_years", 2);
    wdm_finding_t all [64];
    int count = 0;

    wdm_rule_indicator_t he03 = s_he03 (), he05 = s_he05 (), ed01 = s_ed01 (), ed03 = s_ed03 ();
    wdm_rule_indicator_t ed04 = s_ed04 (), he06 = s_he06 (), he12 = s_he12 (), fa01 = s_fa01 ();
    wdm_rule_indicator_t dm02 = s_dm02 (), dm01 = s_dm01 (), dm23 = s_dm23 (), dm24 = s_dm24 ();
    wdm_rule_indicator_t dm17 = s_dm17 ();
    const wdm_rule_indicator_t *about [64];
    wdm_point_t p [6], q [6];

#define S_COLLECT(indicator, call) do {                     \
        int k_ = (call);                                    \
        for (int i_ = 0; i_ < k_; i_++)                     \
            about [count + i_] = (indicator);               \
        count += k_;                                        \
    } while (0)

    s_years (2020, (double []) { 12.5, 12.0, 11.8, 11.7, 9.1 }, 5, p);
    S_COLLECT (&he03, wdm_rules_series (&he03, s_meichang, p, 5, &th, all + count, 64 - count));
    s_years (2020, (double []) { 50, 52, 53, 55, 56 }, 5, p);
    S_COLLECT (&he05, wdm_rules_series (&he05, s_meichang, p, 5, &th, all + count, 64 - count));
    s_years (2022, (double []) { 98, 99, 98.5 }, 3, p);
    S_COLLECT (&ed01, wdm_rules_series (&ed01, s_meichang, p, 3, &th, all + count, 64 - count));
    s_years (2024, (double []) { 58 }, 1, p);
    S_COLLECT (&ed03, wdm_rules_series (&ed03, s_meichang, p, 1, &th, all + count, 64 - count));
    s_years (2019, (double []) { 50, 51, 53, 54, 56, 64 }, 6, p);
    p [5].revised_from_final = true;
    p [5].final_value = 56;
    S_COLLECT (&ed04, wdm_rules_series (&ed04, s_meichang, p, 6, &th, all + count, 64 - count));
    s_years (2022, (double []) { 62, 61, 60.5 }, 3, p);
    S_COLLECT (&he06, wdm_rules_series (&he06, s_meichang, p, 3, &th, all + count, 64 - count));
    s_years (2022, (double []) { 4.0, 4.2, 4.5 }, 3, p);
    S_COLLECT (&he12, wdm_rules_series (&he12, s_meichang, p, 3, &th, all + count, 64 - count));
    s_years (2023, (double []) { 125, 128 }, 2, p);
    s_years (2023, (double []) { 80, 80 }, 2, q);
    S_COLLECT (&fa01, wdm_rules_gap (&fa01, s_meichang, p, 2, q, 2, &th, all + count, 64 - count));
    s_years (2024, (double []) { 20 }, 1, p);
    s_years (2024, (double []) { 35 }, 1, q);
    S_COLLECT (&dm02, wdm_rules_relation (&dm02, &dm01, s_meichang, p, 1, q, 1, &th, all + count, 64 - count));
    S_COLLECT (&dm23, wdm_rules_relation (&dm23, &dm24, s_meichang, p, 1, q, 1, &th, all + count, 64 - count));
    s_years (2024, (double []) { 0 }, 1, p);
    S_COLLECT (&dm17, wdm_rules_min_count (&dm17, s_meichang, "政府", p, 1, &th, all + count, 64 - count));
    S_COLLECT (&he05, wdm_rules_missing (&he05, s_health, s_meichang, 2024, 3, 31, 2025, 4, 2, false,
                                         &th, all + count, 64 - count));
    double peers [] = { 60, 61, 62, 63, 64 };
    S_COLLECT (&he05, wdm_rules_peers (&he05, s_meichang, 2024, 90, peers, 5, &th, all + count, 64 - count));
#undef S_COLLECT

    //  Every rule is among them.
    bool seen [WDM_RULE_COUNT] = { false };
    for (int i = 0; i < count; i++)
        seen [all [i].rule] = true;
    for (int r = 0; r < WDM_RULE_COUNT; r++)
        CU_ASSERT_TRUE (seen [r]);
    CU_ASSERT_TRUE (count >= 15);

    for (int i = 0; i < count; i++) {
        const wdm_finding_t *f = &all [i];
        CU_ASSERT_TRUE (f->level == 1 || f->level == 2);
        CU_ASSERT_TRUE (s_has (f->message_zh, about [i]->name_zh));
        CU_ASSERT_TRUE (s_has (f->message_zh, "梅厂镇"));
        CU_ASSERT_TRUE (s_has (f->message_zh, "2024年"));
        CU_ASSERT_TRUE (s_has (f->message_zh, ","));                   //  full-width comma
        CU_ASSERT_TRUE (s_ends_with (f->message_zh, "。"));
        CU_ASSERT_PTR_NULL (strstr (f->message_zh, "%%"));
        CU_ASSERT_PTR_NULL (strstr (f->message_zh, "(null)"));
        CU_ASSERT_TRUE (s_utf8_valid (f->message_zh));
        CU_ASSERT_TRUE (s_has (f->message_en, about [i]->name_en));
        CU_ASSERT_TRUE (s_has (f->message_en, "Meichang Town"));
        CU_ASSERT_TRUE (s_has (f->message_en, "2024"));
        CU_ASSERT_TRUE (s_has (f->message_en, ", "));
        CU_ASSERT_TRUE (s_ends_with (f->message_en, "."));
        //  English but for a body's name, which has none.
        char english [WDM_FINDING_TEXT];
        snprintf (english, sizeof english, "%s", f->message_en);
        char *body = f->body [0] ? strstr (english, f->body) : NULL;
        if (body)
            memmove (body, body + strlen (f->body), strlen (body + strlen (f->body)) + 1);
        CU_ASSERT_TRUE (s_ascii (english));
        CU_ASSERT_PTR_NULL (strstr (f->message_en, "(null)"));
        //  Details: one JSON object, no figure JSON cannot carry.
        CU_ASSERT_EQUAL (f->details [0], '{');
        CU_ASSERT_TRUE (s_ends_with (f->details, "}"));
        CU_ASSERT_PTR_NULL (strstr (f->details, "nan"));
        CU_ASSERT_PTR_NULL (strstr (f->details, "inf"));
    }
}

//  A place name longer than a message: cut at a character boundary,
//  never past the buffer.
static void
test_long_text (void)
{
    char long_zh [1200] = "", long_en [1200] = "";
    for (int i = 0; i < 390; i++)
        strcat (long_zh, "镇");                                  //  3 bytes each: 1170
    memset (long_en, 'x', 1100);
    wdm_place_t place = { long_zh, long_en };
    wdm_rule_indicator_t he03 = s_he03 ();
    wdm_thresholds_t th = s_defaults ();
    wdm_finding_t found [2];
    wdm_point_t p [1] = { { 2024, 9.1, false, 0 } };
    CU_ASSERT_EQUAL (wdm_rules_series (&he03, place, p, 1, &th, found, 2), 1);
    CU_ASSERT_TRUE (strlen (found [0].message_zh) < WDM_FINDING_TEXT);
    CU_ASSERT_TRUE (strlen (found [0].message_zh) > WDM_FINDING_TEXT - 4);
    CU_ASSERT_TRUE (s_utf8_valid (found [0].message_zh));
    CU_ASSERT_TRUE (strlen (found [0].message_en) == WDM_FINDING_TEXT - 1);
    CU_ASSERT_TRUE (s_ends_with (found [0].details, "}"));

    //  A NULL place is empty, not a crash.
    wdm_place_t none = { NULL, NULL };
    CU_ASSERT_EQUAL (wdm_rules_series (&he03, none, p, 1, &th, found, 2), 1);
    CU_ASSERT_TRUE (s_has (found [0].message_zh, "2024年孕产妇死亡率为9.1/10万"));
}

static void
test_max (void)
{
    wdm_rule_indicator_t he05 = s_he05 (), he03 = s_he03 (), fa01 = s_fa01 ();
    wdm_rule_indicator_t dm02 = s_dm02 (), dm01 = s_dm01 (), dm17 = s_dm17 ();
    wdm_thresholds_t th = s_defaults ();
    wdm_finding_t found [3];

    //  HE05 50 in 2020, 56 in 2023: not met (yellow) and behind (red): two findings.
    wdm_point_t p [] = { { 2020, 50, false, 0 }, { 2023, 56, false, 0 } };
    CU_ASSERT_EQUAL (wdm_rules_series (&he05, s_wuqing, p, 2, &th, found, 3), 2);
    //  Room for one: one written, the next slot untouched.
    memset (found, 0x5A, sizeof found);
    CU_ASSERT_EQUAL (wdm_rules_series (&he05, s_wuqing, p, 2, &th, found, 1), 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_NOT_MET);
    CU_ASSERT_EQUAL (((unsigned char *) &found [1]) [0], 0x5A);

    //  max 0: nothing written, by any function.
    memset (found, 0x5A, sizeof found);
    wdm_point_t one [] = { { 2024, 0, false, 0 } }, two [] = { { 2024, 35, false, 0 } };
    wdm_point_t women [] = { { 2023, 120, false, 0 }, { 2024, 130, false, 0 } };
    wdm_point_t men [] = { { 2023, 80, false, 0 }, { 2024, 80, false, 0 } };
    double peers [] = { 10, 11, 12, 13, 14 };
    wdm_point_t high [] = { { 2024, 9.1, false, 0 } };
    CU_ASSERT_EQUAL (wdm_rules_series (&he03, s_wuqing, high, 1, &th, found, 0), 0);
    CU_ASSERT_EQUAL (wdm_rules_gap (&fa01, s_wuqing, women, 2, men, 2, &th, found, 0), 0);
    CU_ASSERT_EQUAL (wdm_rules_relation (&dm02, &dm01, s_wuqing, one, 1, two, 1, &th, found, 0), 0);
    CU_ASSERT_EQUAL (wdm_rules_min_count (&dm17, s_wuqing, "政府", one, 1, &th, found, 0), 0);
    CU_ASSERT_EQUAL (wdm_rules_peers (&he05, s_meichang, 2024, 90, peers, 5, &th, found, 0), 0);
    CU_ASSERT_EQUAL (wdm_rules_missing (&he05, s_health, s_wuqing, 2024, 3, 31, 2025, 4, 2, false,
                                        &th, found, 0), 0);
    for (size_t i = 0; i < sizeof found; i++)
        CU_ASSERT_EQUAL_FATAL (((unsigned char *) found) [i], 0x5A);
    //  And a NULL array with max 0, or a negative max.
    CU_ASSERT_EQUAL (wdm_rules_series (&he03, s_wuqing, high, 1, &th, NULL, 0), 0);
    CU_ASSERT_EQUAL (wdm_rules_series (&he03, s_wuqing, high, 1, &th, found, -1), 0);

    //  Points out of order are not a series: nothing judged.
    wdm_point_t unsorted [] = { { 2024, 9.1, false, 0 }, { 2023, 9.0, false, 0 } };
    CU_ASSERT_EQUAL (wdm_rules_series (&he03, s_wuqing, unsorted, 2, &th, found, 3), 0);
    CU_ASSERT_EQUAL (wdm_rules_series (&he03, s_wuqing, high, 0, &th, found, 3), 0);
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
        { "not met: lower bound and reach, yellow before 2025, red from it", test_not_met_lower_bound_and_reach },
        { "not met: keep above, once and twice below", test_not_met_keep_above },
        { "not met: balance", test_not_met_balance },
        { "behind schedule at 10 and 30 points and either side", test_behind_schedule },
        { "behind schedule the wrong way, or no progress: said in words", test_behind_schedule_wrong_way },
        { "unlikely: trend, projection and progress ratio", test_unlikely },
        { "fluctuating: modified z-score, MAD 0, constant", test_fluctuating_z },
        { "fluctuating: relative change with little history", test_fluctuating_relative },
        { "fluctuating: pooled changes of all areas when history is short", test_fluctuating_pooled },
        { "fluctuating: the office's limit in points", test_fluctuating_limit },
        { "wrong direction: one year, two years, unchanged", test_wrong_direction },
        { "curb the rise", test_curb_rise },
        { "gap widening and narrowing", test_gap },
        { "relation: not below, and corresponding", test_relation },
        { "minimum count in a body", test_min_count },
        { "missing report: windows, deadline, year end, leap year", test_missing },
        { "implausible: far off the peers", test_peers },
        { "implausible: large revision of a final value", test_revision },
        { "messages name indicator, place and year", test_messages },
        { "long text is cut at a character boundary", test_long_text },
        { "English: singulars, body names, commas", test_english },
        { "max is respected", test_max },
    };
    return wdm_test_run_suite ("rules", tests, sizeof tests / sizeof tests [0]);
}
