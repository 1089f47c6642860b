/*  test_rules_reports: the rules on reporting — a missing report, an implausible value — and the text of every warning: messages, long text cut, English, max respected.
    Each rule at its boundaries — exactly at the target or threshold, and
    a step either side — with every expected figure worked out by hand
    next to it.  */

#include "test_rules.h"
#include "wdm_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  English messages read as English: one person, not "1 persons"; a
//  body's name translated; commas where a clause begins.
static void
test_english (void)
{
    wdm_rule_indicator_t dm17 = rt_dm17 ();
    wdm_thresholds_t th = rt_defaults ();
    wdm_finding_t found [RT_MAX];
    wdm_point_t p [1] = { { 2024, 0, false, 0 } };

    //  The bodies of the 2021-2025 plan file, in English.
    static const struct {
        const char *zh, *en;
    } bodies [] = {
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
        CU_ASSERT_EQUAL (wdm_rules_min_count (&dm17, rt_meichang, bodies [i].zh, p, 1, &th, found, RT_MAX),
                         1);
        CU_ASSERT_TRUE (rt_has (found [0].message_en, bodies [i].en));
        CU_ASSERT_TRUE (rt_ascii (found [0].message_en));
        CU_ASSERT_STRING_EQUAL (found [0].body, bodies [i].zh);  //  the key stays Chinese
    }
    CU_ASSERT_EQUAL (wdm_rules_min_count (&dm17, rt_meichang, "党(工)委", p, 1, &th, found, RT_MAX), 1);
    CU_ASSERT_STRING_EQUAL (
        found [0].message_en,
        "Women in town and street leadership teams in Meichang Town (Party committee (or Party working "
        "committee)): 0 persons in 2024, below the required minimum of 1.");
    //  A body the map does not know keeps its name, in quotes.
    CU_ASSERT_EQUAL (wdm_rules_min_count (&dm17, rt_meichang, "纪委", p, 1, &th, found, RT_MAX), 1);
    CU_ASSERT_TRUE (rt_has (found [0].message_en, "(body \"纪委\")"));
    //  A minimum of 2 with 1 reported: "1 person".
    dm17.target = 2;
    p [0].value = 1;
    CU_ASSERT_EQUAL (wdm_rules_min_count (&dm17, rt_meichang, "政府", p, 1, &th, found, RT_MAX), 1);
    CU_ASSERT_TRUE (rt_has (found [0].message_en, ": 1 person in 2024, below the required minimum of 2."));

    //  Two years of decline in a row, said as such.
    wdm_rule_indicator_t he06 = rt_he06 ();
    wdm_point_t q [3];
    rt_years (2022, (double []) { 62, 61, 60.5 }, 3, q);
    int n = rt_series (&he06, q, 3, found);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_STRING_EQUAL (
        found [0].message_en,
        "Breast cancer screening rate in Wuqing District was 60.5% in 2024, down 0.5 percentage points "
        "from 2023, falling for 2 years in a row, against the target of a steady increase.");

    //  A relative change: a comma before "beyond".
    wdm_rule_indicator_t ed04 = rt_ed04 ();
    rt_years (2023, (double []) { 40, 52.1 }, 2, q);
    n = rt_series (&ed04, q, 2, found);
    const wdm_finding_t *f = rt_find (found, n, WDM_RULE_FLUCTUATING);
    CU_ASSERT_PTR_NOT_NULL_FATAL (f);
    CU_ASSERT_TRUE (rt_has (f->message_en, "a relative change of 30.3%, beyond the 30% limit"));

    //  A revision: a comma before "beyond".
    wdm_point_t r [1] = { { 2024, 55.1, true, 50 } };
    n = rt_series (&ed04, r, 1, found);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_TRUE (rt_has (found [0].message_en, "a change of 10.2%, beyond the 10% limit"));

    //  One peer area is one, not "1 peer areas".
    wdm_rule_indicator_t he05 = rt_he05 ();
    wdm_thresholds_set (&th, "implausible", "peer_min", 1);
    double peers [] = { 10 };
    n = wdm_rules_peers (&he05, rt_meichang, 2024, 20, peers, 1, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_TRUE (rt_has (found [0].message_en, "far from the median of 1 peer area, 10%"));
}

//  The missing-report finding for HE05's 2024 (or year's) data owed by the
//  health commission, due on month/day of the next year, as of today.
static int
s_missing (int year, int month, int day, int ty, int tm, int td, bool reported, wdm_finding_t *found)
{
    wdm_rule_indicator_t he05 = rt_he05 ();
    wdm_thresholds_t th = rt_defaults ();
    return wdm_rules_missing (&he05, rt_health, rt_wuqing, year, month, day, ty, tm, td, reported, &th, found,
                              RT_MAX);
}

static void
test_missing (void)
{
    wdm_finding_t found [RT_MAX];

    //  2024's data, due 2025-03-31; yellow from 14 days before, 2025-03-17.
    CU_ASSERT_EQUAL (s_missing (2024, 3, 31, 2025, 3, 16, false, found), 0);  //  15 days left
    CU_ASSERT_EQUAL (s_missing (2024, 3, 31, 2025, 3, 17, false, found), 1);  //  14 days left
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_MISSING);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_EQUAL (found [0].year, 2024);
    CU_ASSERT_EQUAL (rt_detail (&found [0], "days_left"), 14);
    CU_ASSERT_STRING_EQUAL (
        found [0].message_zh,
        "区卫生健康委尚未报送武清区2024年“适龄妇女宫颈癌人群筛查率”数据,报送截止日期为2025年3月31日,还剩14天。");
    CU_ASSERT_STRING_EQUAL (
        found [0].message_en,
        "District Health Commission has not reported \"Cervical cancer screening rate\" for Wuqing District, 2024; "
        "the deadline is 2025-03-31, 14 days left.");
    CU_ASSERT_TRUE (rt_has (found [0].details, "\"deadline\":\"2025-03-31\""));
    //  On the deadline day: still yellow.
    CU_ASSERT_EQUAL (s_missing (2024, 3, 31, 2025, 3, 31, false, found), 1);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_TRUE (rt_has (found [0].message_zh, "今天截止"));
    //  The day after: red, one day overdue.
    CU_ASSERT_EQUAL (s_missing (2024, 3, 31, 2025, 4, 1, false, found), 1);
    CU_ASSERT_EQUAL (found [0].level, 2);
    CU_ASSERT_TRUE (rt_has (found [0].message_zh, "已逾期1天"));
    CU_ASSERT_TRUE (rt_has (found [0].message_en, "1 day overdue"));
    //  Reported: nothing, however late it is.
    CU_ASSERT_EQUAL (s_missing (2024, 3, 31, 2025, 4, 1, true, found), 0);
    CU_ASSERT_EQUAL (s_missing (2024, 3, 31, 2026, 1, 1, true, found), 0);

    //  Across a year end: 2023's data due 2024-01-10; 14 days before is
    //  2023-12-27 (5 days left in December after the 26th, plus 10: 15 on the 26th).
    CU_ASSERT_EQUAL (s_missing (2023, 1, 10, 2023, 12, 26, false, found), 0);
    CU_ASSERT_EQUAL (s_missing (2023, 1, 10, 2023, 12, 27, false, found), 1);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_EQUAL (rt_detail (&found [0], "days_left"), 14);
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
    CU_ASSERT_TRUE (rt_has (found [0].message_zh, "2025年2月28日,已逾期1天"));
    //  Not a date: nothing judged.
    CU_ASSERT_EQUAL (s_missing (2024, 3, 31, 2025, 2, 30, false, found), 0);
    CU_ASSERT_EQUAL (s_missing (2024, 13, 1, 2026, 1, 1, false, found), 0);
}

static void
test_peers (void)
{
    wdm_rule_indicator_t he05 = rt_he05 ();
    wdm_thresholds_t th = rt_defaults ();
    wdm_finding_t found [RT_MAX];
    int n;

    //  Peers 10..14: median 12; deviations 2, 1, 0, 1, 2; MAD 1.
    //  z = 0.6745 (v - 12).  v = 17: 3.3725: nothing.
    double peers [] = { 10, 11, 12, 13, 14 };
    CU_ASSERT_EQUAL (wdm_rules_peers (&he05, rt_meichang, 2024, 17, peers, 5, &th, found, RT_MAX), 0);
    //  v = 18: z = 4.047 > 3.5: yellow.
    n = wdm_rules_peers (&he05, rt_meichang, 2024, 18, peers, 5, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_IMPLAUSIBLE);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_EQUAL (found [0].year, 2024);
    CU_ASSERT_EQUAL (found [0].value, 18);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (&found [0], "z"), 4.047, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (&found [0], "peer_median"), 12, 1e-9);
    CU_ASSERT_STRING_EQUAL (found [0].message_zh,
                            "2024年梅厂镇适龄妇女宫颈癌人群筛查率为18%,与同级5个地区的中位数12%相差悬殊"
                            "(修正Z分数为4.05,超过3.5的预警线),请核实数据。");
    //  The peers are not reordered (they are the caller's).
    CU_ASSERT_EQUAL (peers [0], 10);
    //  v = 6: z = -4.047: yellow too.
    CU_ASSERT_EQUAL (wdm_rules_peers (&he05, rt_meichang, 2024, 6, peers, 5, &th, found, RT_MAX), 1);

    //  Four peers are fewer than peer_min 5: nothing however far.
    CU_ASSERT_EQUAL (wdm_rules_peers (&he05, rt_meichang, 2024, 100, peers, 4, &th, found, RT_MAX), 0);
    //  With peer_min 4: median of 10..13 is 11.5, deviations 1.5, 0.5, 0.5, 1.5,
    //  MAD 1; z = 0.6745 x 88.5 = 59.69: yellow.
    wdm_thresholds_set (&th, "implausible", "peer_min", 4);
    n = wdm_rules_peers (&he05, rt_meichang, 2024, 100, peers, 4, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (&found [0], "z"), 59.6933, 1e-3);
    th = rt_defaults ();

    //  MAD 0: 12, 12, 12, 12, 13; median 12, deviations 0, 0, 0, 0, 1; mean
    //  absolute deviation 0.2; z = (v - 12) / (1.2533 x 0.2) = (v - 12) / 0.25066.
    double flat [] = { 12, 12, 12, 12, 13 };
    //  v = 12.8: 3.1916: nothing.  v = 13: 3.9895: yellow.
    CU_ASSERT_EQUAL (wdm_rules_peers (&he05, rt_meichang, 2024, 12.8, flat, 5, &th, found, RT_MAX), 0);
    n = wdm_rules_peers (&he05, rt_meichang, 2024, 13, flat, 5, &th, found, RT_MAX);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (&found [0], "z"), 3.98947, 1e-4);
}

static void
test_revision (void)
{
    wdm_rule_indicator_t ed04 = rt_ed04 ();
    wdm_finding_t found [RT_MAX];
    wdm_point_t p [2] = { { 2024, 55, true, 50 } };
    int n;

    //  Final 50 revised to 55: |55 - 50| / 50 = 10%, not above 10: nothing.
    CU_ASSERT_EQUAL (rt_series (&ed04, p, 1, found), 0);
    //  To 55.1: 5.1 / 50 = 10.2%: yellow.
    p [0].value = 55.1;
    n = rt_series (&ed04, p, 1, found);
    CU_ASSERT_EQUAL (n, 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_IMPLAUSIBLE);
    CU_ASSERT_EQUAL (found [0].level, 1);
    CU_ASSERT_DOUBLE_EQUAL (rt_detail (&found [0], "change_pct"), 10.2, 1e-9);
    CU_ASSERT_STRING_EQUAL (
        found [0].message_zh,
        "2024年武清区高等学校分学科门类在校生中女生比例已定稿的数值50%被修订为55.1%,变动10.2%,"
        "超过10%的界限,请核实修订原因。");
    //  Down to 44.9: 10.2% as well.
    p [0].value = 44.9;
    CU_ASSERT_EQUAL (rt_series (&ed04, p, 1, found), 1);
    //  A value never final, revised freely: nothing.
    p [0].revised_from_final = false;
    CU_ASSERT_EQUAL (rt_series (&ed04, p, 1, found), 0);
    //  From a final 0 any change is infinitely large: yellow.
    p [0].revised_from_final = true;
    p [0].final_value = 0;
    p [0].value = 1;
    CU_ASSERT_EQUAL (rt_series (&ed04, p, 1, found), 1);
    CU_ASSERT_TRUE (rt_has (found [0].details, "\"change_pct\":null"));
    //  Only the latest year is judged: a revision of 2023 with 2024 after it.
    wdm_point_t q [] = { { 2023, 55.1, true, 50 }, { 2024, 56, false, 0 } };
    n = rt_series (&ed04, q, 2, found);
    CU_ASSERT_PTR_NULL (rt_find (found, n, WDM_RULE_IMPLAUSIBLE));
}

//  Every kind of finding about Meichang Town in 2024: the message names
//  the indicator, the place and the year, in Chinese with full-width
//  punctuation, and in plain ASCII English.
static void
test_messages (void)
{
    wdm_thresholds_t th = rt_defaults ();
    wdm_thresholds_set (&th, "unlikely", "min_years", 2);
    wdm_finding_t all [64];
    int count = 0;

    wdm_rule_indicator_t he03 = rt_he03 (), he05 = rt_he05 (), ed01 = rt_ed01 (), ed03 = rt_ed03 ();
    wdm_rule_indicator_t ed04 = rt_ed04 (), he06 = rt_he06 (), he12 = rt_he12 (), fa01 = rt_fa01 ();
    wdm_rule_indicator_t dm02 = rt_dm02 (), dm01 = rt_dm01 (), dm23 = rt_dm23 (), dm24 = rt_dm24 ();
    wdm_rule_indicator_t dm17 = rt_dm17 ();
    const wdm_rule_indicator_t *about [64];
    wdm_point_t p [6], q [6];

#define S_COLLECT(indicator, call)                                                                           \
    do {                                                                                                     \
        int k_ = (call);                                                                                     \
        for (int i_ = 0; i_ < k_; i_++)                                                                      \
            about [count + i_] = (indicator);                                                                \
        count += k_;                                                                                         \
    } while (0)

    rt_years (2020, (double []) { 12.5, 12.0, 11.8, 11.7, 9.1 }, 5, p);
    S_COLLECT (&he03, wdm_rules_series (&he03, rt_meichang, p, 5, &th, all + count, 64 - count));
    rt_years (2020, (double []) { 50, 52, 53, 55, 56 }, 5, p);
    S_COLLECT (&he05, wdm_rules_series (&he05, rt_meichang, p, 5, &th, all + count, 64 - count));
    rt_years (2022, (double []) { 98, 99, 98.5 }, 3, p);
    S_COLLECT (&ed01, wdm_rules_series (&ed01, rt_meichang, p, 3, &th, all + count, 64 - count));
    rt_years (2024, (double []) { 58 }, 1, p);
    S_COLLECT (&ed03, wdm_rules_series (&ed03, rt_meichang, p, 1, &th, all + count, 64 - count));
    rt_years (2019, (double []) { 50, 51, 53, 54, 56, 64 }, 6, p);
    p [5].revised_from_final = true;
    p [5].final_value = 56;
    S_COLLECT (&ed04, wdm_rules_series (&ed04, rt_meichang, p, 6, &th, all + count, 64 - count));
    rt_years (2022, (double []) { 62, 61, 60.5 }, 3, p);
    S_COLLECT (&he06, wdm_rules_series (&he06, rt_meichang, p, 3, &th, all + count, 64 - count));
    rt_years (2022, (double []) { 4.0, 4.2, 4.5 }, 3, p);
    S_COLLECT (&he12, wdm_rules_series (&he12, rt_meichang, p, 3, &th, all + count, 64 - count));
    rt_years (2023, (double []) { 125, 128 }, 2, p);
    rt_years (2023, (double []) { 80, 80 }, 2, q);
    S_COLLECT (&fa01, wdm_rules_gap (&fa01, rt_meichang, p, 2, q, 2, &th, all + count, 64 - count));
    rt_years (2024, (double []) { 20 }, 1, p);
    rt_years (2024, (double []) { 35 }, 1, q);
    S_COLLECT (&dm02,
               wdm_rules_relation (&dm02, &dm01, rt_meichang, p, 1, q, 1, &th, all + count, 64 - count));
    S_COLLECT (&dm23,
               wdm_rules_relation (&dm23, &dm24, rt_meichang, p, 1, q, 1, &th, all + count, 64 - count));
    rt_years (2024, (double []) { 0 }, 1, p);
    S_COLLECT (&dm17, wdm_rules_min_count (&dm17, rt_meichang, "政府", p, 1, &th, all + count, 64 - count));
    S_COLLECT (&he05,
               wdm_rules_missing (&he05, rt_health, rt_meichang, 2024, 3, 31, 2025, 4, 2, false, &th,
                                  all + count, 64 - count));
    double peers [] = { 60, 61, 62, 63, 64 };
    S_COLLECT (&he05, wdm_rules_peers (&he05, rt_meichang, 2024, 90, peers, 5, &th, all + count, 64 - count));
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
        CU_ASSERT_TRUE (rt_has (f->message_zh, about [i]->name_zh));
        CU_ASSERT_TRUE (rt_has (f->message_zh, "梅厂镇"));
        CU_ASSERT_TRUE (rt_has (f->message_zh, "2024年"));
        CU_ASSERT_TRUE (rt_has (f->message_zh, ","));  //  full-width comma
        CU_ASSERT_TRUE (rt_ends_with (f->message_zh, "。"));
        CU_ASSERT_PTR_NULL (strstr (f->message_zh, "%%"));
        CU_ASSERT_PTR_NULL (strstr (f->message_zh, "(null)"));
        CU_ASSERT_TRUE (rt_utf8_valid (f->message_zh));
        CU_ASSERT_TRUE (rt_has (f->message_en, about [i]->name_en));
        CU_ASSERT_TRUE (rt_has (f->message_en, "Meichang Town"));
        CU_ASSERT_TRUE (rt_has (f->message_en, "2024"));
        CU_ASSERT_TRUE (rt_has (f->message_en, ", "));
        CU_ASSERT_TRUE (rt_ends_with (f->message_en, "."));
        //  English but for a body's name, which has none.
        char english [WDM_FINDING_TEXT];
        snprintf (english, sizeof english, "%s", f->message_en);
        char *body = f->body [0] ? strstr (english, f->body) : NULL;
        if (body)
            memmove (body, body + strlen (f->body), strlen (body + strlen (f->body)) + 1);
        CU_ASSERT_TRUE (rt_ascii (english));
        CU_ASSERT_PTR_NULL (strstr (f->message_en, "(null)"));
        //  Details: one JSON object, no figure JSON cannot carry.
        CU_ASSERT_EQUAL (f->details [0], '{');
        CU_ASSERT_TRUE (rt_ends_with (f->details, "}"));
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
        strcat (long_zh, "镇");  //  3 bytes each: 1170
    memset (long_en, 'x', 1100);
    wdm_place_t place = { long_zh, long_en };
    wdm_rule_indicator_t he03 = rt_he03 ();
    wdm_thresholds_t th = rt_defaults ();
    wdm_finding_t found [2];
    wdm_point_t p [1] = { { 2024, 9.1, false, 0 } };
    CU_ASSERT_EQUAL (wdm_rules_series (&he03, place, p, 1, &th, found, 2), 1);
    CU_ASSERT_TRUE (strlen (found [0].message_zh) < WDM_FINDING_TEXT);
    CU_ASSERT_TRUE (strlen (found [0].message_zh) > WDM_FINDING_TEXT - 4);
    CU_ASSERT_TRUE (rt_utf8_valid (found [0].message_zh));
    CU_ASSERT_TRUE (strlen (found [0].message_en) == WDM_FINDING_TEXT - 1);
    CU_ASSERT_TRUE (rt_ends_with (found [0].details, "}"));

    //  A NULL place is empty, not a crash.
    wdm_place_t none = { NULL, NULL };
    CU_ASSERT_EQUAL (wdm_rules_series (&he03, none, p, 1, &th, found, 2), 1);
    CU_ASSERT_TRUE (rt_has (found [0].message_zh, "2024年孕产妇死亡率为9.1/10万"));
}

static void
test_max (void)
{
    wdm_rule_indicator_t he05 = rt_he05 (), he03 = rt_he03 (), fa01 = rt_fa01 ();
    wdm_rule_indicator_t dm02 = rt_dm02 (), dm01 = rt_dm01 (), dm17 = rt_dm17 ();
    wdm_thresholds_t th = rt_defaults ();
    wdm_finding_t found [3];

    //  HE05 50 in 2020, 56 in 2023: not met (yellow) and behind (red): two findings.
    wdm_point_t p [] = { { 2020, 50, false, 0 }, { 2023, 56, false, 0 } };
    CU_ASSERT_EQUAL (wdm_rules_series (&he05, rt_wuqing, p, 2, &th, found, 3), 2);
    //  Room for one: one written, the next slot untouched.
    memset (found, 0x5A, sizeof found);
    CU_ASSERT_EQUAL (wdm_rules_series (&he05, rt_wuqing, p, 2, &th, found, 1), 1);
    CU_ASSERT_EQUAL (found [0].rule, WDM_RULE_NOT_MET);
    CU_ASSERT_EQUAL (((unsigned char *)&found [1]) [0], 0x5A);

    //  max 0: nothing written, by any function.
    memset (found, 0x5A, sizeof found);
    wdm_point_t one [] = { { 2024, 0, false, 0 } }, two [] = { { 2024, 35, false, 0 } };
    wdm_point_t women [] = { { 2023, 120, false, 0 }, { 2024, 130, false, 0 } };
    wdm_point_t men [] = { { 2023, 80, false, 0 }, { 2024, 80, false, 0 } };
    double peers [] = { 10, 11, 12, 13, 14 };
    wdm_point_t high [] = { { 2024, 9.1, false, 0 } };
    CU_ASSERT_EQUAL (wdm_rules_series (&he03, rt_wuqing, high, 1, &th, found, 0), 0);
    CU_ASSERT_EQUAL (wdm_rules_gap (&fa01, rt_wuqing, women, 2, men, 2, &th, found, 0), 0);
    CU_ASSERT_EQUAL (wdm_rules_relation (&dm02, &dm01, rt_wuqing, one, 1, two, 1, &th, found, 0), 0);
    CU_ASSERT_EQUAL (wdm_rules_min_count (&dm17, rt_wuqing, "政府", one, 1, &th, found, 0), 0);
    CU_ASSERT_EQUAL (wdm_rules_peers (&he05, rt_meichang, 2024, 90, peers, 5, &th, found, 0), 0);
    CU_ASSERT_EQUAL (
        wdm_rules_missing (&he05, rt_health, rt_wuqing, 2024, 3, 31, 2025, 4, 2, false, &th, found, 0), 0);
    for (size_t i = 0; i < sizeof found; i++)
        CU_ASSERT_EQUAL_FATAL (((unsigned char *)found) [i], 0x5A);
    //  And a NULL array with max 0, or a negative max.
    CU_ASSERT_EQUAL (wdm_rules_series (&he03, rt_wuqing, high, 1, &th, NULL, 0), 0);
    CU_ASSERT_EQUAL (wdm_rules_series (&he03, rt_wuqing, high, 1, &th, found, -1), 0);

    //  Points out of order are not a series: nothing judged.
    wdm_point_t unsorted [] = { { 2024, 9.1, false, 0 }, { 2023, 9.0, false, 0 } };
    CU_ASSERT_EQUAL (wdm_rules_series (&he03, rt_wuqing, unsorted, 2, &th, found, 3), 0);
    CU_ASSERT_EQUAL (wdm_rules_series (&he03, rt_wuqing, high, 0, &th, found, 3), 0);
}

int
main (void)
{
    static const wdm_test_case_t tests [] = {
        { "missing report: windows, deadline, year end, leap year", test_missing },
        { "implausible: far off the peers", test_peers },
        { "implausible: large revision of a final value", test_revision },
        { "messages name indicator, place and year", test_messages },
        { "long text is cut at a character boundary", test_long_text },
        { "English: singulars, body names, commas", test_english },
        { "max is respected", test_max },
    };
    return wdm_test_run_suite ("rules_reports", tests, sizeof tests / sizeof tests [0]);
}
