/*  test_rules_fixtures: the indicators, places and helpers the
    test_rules_* suites share (test_rules.h).  */

#include "test_rules.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const wdm_place_t rt_wuqing = { "武清区", "Wuqing District" };
const wdm_place_t rt_meichang = { "梅厂镇", "Meichang Town" };
const wdm_place_t rt_health = { "区卫生健康委", "District Health Commission" };

wdm_rule_indicator_t
rt_indicator (const char *code, const char *name_zh, const char *name_en, const char *unit_zh,
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

//  The plan's indicators the tests use, as the 2021-2025 plan file has them.
wdm_rule_indicator_t
rt_he03 (void)
{
    return rt_indicator ("HE03", "孕产妇死亡率", "Maternal mortality ratio", "/10万", " per 100,000",
                         WDM_TARGET_UPPER_BOUND, true, 8.5);
}

wdm_rule_indicator_t
rt_he05 (void)
{
    return rt_indicator ("HE05", "适龄妇女宫颈癌人群筛查率", "Cervical cancer screening rate", "%", "%",
                         WDM_TARGET_LOWER_BOUND, true, 70);
}

wdm_rule_indicator_t
rt_en04 (void)
{
    return rt_indicator ("EN04", "农村无害化卫生厕所普及率", "Rural sanitary toilet coverage", "%", "%",
                         WDM_TARGET_REACH, true, 100);
}

wdm_rule_indicator_t
rt_ed01 (void)
{
    return rt_indicator ("ED01", "九年义务教育巩固率", "Nine-year compulsory education retention rate", "%",
                         "%", WDM_TARGET_KEEP_ABOVE, true, 99);
}

wdm_rule_indicator_t
rt_ed03 (void)
{
    return rt_indicator ("ED03", "高等学校在校生中女生比例",
                         "Share of women among students in higher education", "%", "%", WDM_TARGET_BALANCE,
                         true, 50);
}

wdm_rule_indicator_t
rt_ed04 (void)
{
    return rt_indicator ("ED04", "高等学校分学科门类在校生中女生比例",
                         "Share of women among higher-education students, by discipline", "%", "%",
                         WDM_TARGET_MONITOR, false, 0);
}

wdm_rule_indicator_t
rt_he06 (void)
{
    return rt_indicator ("HE06", "适龄妇女乳腺癌人群筛查率", "Breast cancer screening rate", "%", "%",
                         WDM_TARGET_INCREASE, false, 0);
}

wdm_rule_indicator_t
rt_he04 (void)
{
    return rt_indicator ("HE04", "流动人口孕产妇死亡率", "Maternal mortality ratio, migrant population",
                         "/10万", " per 100,000", WDM_TARGET_DECREASE, false, 0);
}

wdm_rule_indicator_t
rt_he12 (void)
{
    return rt_indicator ("HE12", "妇女焦虑障碍患病率", "Prevalence of anxiety disorders among women", "%",
                         "%", WDM_TARGET_CURB_RISE, false, 0);
}

wdm_rule_indicator_t
rt_fa01 (void)
{
    return rt_indicator ("FA01", "日均家务劳动时间", "Average daily time spent on housework", "分钟/日",
                         " minutes per day", WDM_TARGET_NARROW_GAP, false, 0);
}

wdm_rule_indicator_t
rt_dm01 (void)
{
    return rt_indicator ("DM01", "女党员比例", "Share of women among CPC members", "%", "%",
                         WDM_TARGET_LOWER_BOUND, true, 35);
}

wdm_rule_indicator_t
rt_dm02 (void)
{
    wdm_rule_indicator_t self =
        rt_indicator ("DM02", "党员代表大会代表中女代表比例", "Share of women among party congress delegates",
                      "%", "%", WDM_TARGET_RELATION, false, 0);
    snprintf (self.relation_op, sizeof self.relation_op, "%s", ">=");
    return self;
}

wdm_rule_indicator_t
rt_dm23 (void)
{
    wdm_rule_indicator_t self = rt_indicator ("DM23", "职工代表大会代表中的女性比例",
                                              "Share of women among workers' congress delegates", "%", "%",
                                              WDM_TARGET_RELATION, false, 0);
    snprintf (self.relation_op, sizeof self.relation_op, "%s", "~");
    return self;
}

wdm_rule_indicator_t
rt_dm24 (void)
{
    return rt_indicator ("DM24", "企事业单位职工中的女职工比例",
                         "Share of women among employees of enterprises and public institutions", "%", "%",
                         WDM_TARGET_MONITOR, false, 0);
}

wdm_rule_indicator_t
rt_dm17 (void)
{
    return rt_indicator ("DM17", "乡镇(街道)领导班子女干部人数", "Women in town and street leadership teams",
                         "人", " persons", WDM_TARGET_MIN_COUNT, true, 1);
}

wdm_thresholds_t
rt_defaults (void)
{
    wdm_thresholds_t self;
    wdm_thresholds_default (&self);
    return self;
}

//  A series of consecutive years from first, with these values.
int
rt_years (int first, const double *values, int count, wdm_point_t *points)
{
    for (int i = 0; i < count; i++) {
        memset (&points [i], 0, sizeof points [i]);
        points [i].year = first + i;
        points [i].value = values [i];
    }
    return count;
}

//  The series rules with default thresholds, into found.
int
rt_series (const wdm_rule_indicator_t *indicator, const wdm_point_t *points, int count, wdm_finding_t *found)
{
    wdm_thresholds_t thresholds = rt_defaults ();
    return wdm_rules_series (indicator, rt_wuqing, points, count, &thresholds, found, RT_MAX);
}

const wdm_finding_t *
rt_find (const wdm_finding_t *found, int count, wdm_rule_t rule)
{
    for (int i = 0; i < count; i++)
        if (found [i].rule == rule)
            return &found [i];
    return NULL;
}

//  The level of the finding of this rule: 0 if there is none.
int
rt_level (const wdm_finding_t *found, int count, wdm_rule_t rule)
{
    const wdm_finding_t *f = rt_find (found, count, rule);
    return f ? f->level : 0;
}

bool
rt_has (const char *text, const char *part)
{
    bool found = strstr (text, part) != NULL;
    if (!found)
        fprintf (stderr, "\n    expected \"%s\" in \"%s\"\n", part, text);
    return found;
}

//  A figure from a finding's details: "key":number.
double
rt_detail (const wdm_finding_t *f, const char *key)
{
    char pattern [64];
    snprintf (pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr (f->details, pattern);
    return at ? strtod (at + strlen (pattern), NULL) : NAN;
}

bool
rt_utf8_valid (const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        int more = *p < 0x80      ? 0
            : (*p & 0xE0) == 0xC0 ? 1
            : (*p & 0xF0) == 0xE0 ? 2
            : (*p & 0xF8) == 0xF0 ? 3
                                  : -1;
        if (more < 0)
            return false;
        p++;
        for (int i = 0; i < more; i++, p++)
            if ((*p & 0xC0) != 0x80)
                return false;
    }
    return true;
}

bool
rt_ascii (const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if (*p >= 0x80)
            return false;
    return true;
}

bool
rt_ends_with (const char *text, const char *end)
{
    size_t len = strlen (text), end_len = strlen (end);
    return len >= end_len && strcmp (text + len - end_len, end) == 0;
}
