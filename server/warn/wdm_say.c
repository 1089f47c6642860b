/*  wdm_say: how the warning rules say things — numbers as people write
    them, amounts with their unit, differences (percentage points for a
    share), a target in the plan's own words, a body's English name — in
    Chinese and in English, each cut to fit its buffer without splitting a
    UTF-8 character.  The rules (wdm_rules*.c) call these; nothing here
    knows a rule.  Part-private: see wdm_rules_int.h.  */

#include "wdm_rules_int.h"
#include "wdm_number.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

//  A cut in the middle of a UTF-8 character would make text PostgreSQL
//  refuses: drop a trailing incomplete character.
static void
s_utf8_trim (char *text)
{
    size_t len = strlen (text);
    if (len == 0)
        return;
    size_t lead = len - 1;
    while (lead > 0 && ((unsigned char)text [lead] & 0xC0) == 0x80)
        lead--;
    unsigned char byte = (unsigned char)text [lead];
    size_t need = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1;
    if (lead + need > len)
        text [lead] = '\0';
}

void
wdm_say (char *buffer, size_t size, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int len = vsnprintf (buffer, size, format, args);
    va_end (args);
    if (len < 0)
        buffer [0] = '\0';
    else if ((size_t)len >= size)
        s_utf8_trim (buffer);
}

//  Add to the text in buffer, cut to fit like wdm_say.
void
wdm_say_append (char *buffer, size_t size, const char *format, ...)
{
    size_t used = strlen (buffer);
    if (used + 1 >= size)
        return;
    va_list args;
    va_start (args, format);
    int len = vsnprintf (buffer + used, size - used, format, args);
    va_end (args);
    if (len < 0)
        buffer [used] = '\0';
    else if ((size_t)len >= size - used)
        s_utf8_trim (buffer);
}

//  A value as people write it: two decimals at most, no trailing zeros.
wdm_say_t
wdm_say_num (double value)
{
    wdm_say_t t;
    if (isnan (value))
        snprintf (t.text, sizeof t.text, "%s", "-");
    else if (isinf (value))
        snprintf (t.text, sizeof t.text, "%s", value > 0 ? "∞" : "-∞");
    else
        wdm_number_text (value, t.text, sizeof t.text);
    return t;
}

//  The same for an English message, which stays ASCII.
wdm_say_t
wdm_say_num_en (double value)
{
    wdm_say_t t;
    if (isinf (value)) {
        snprintf (t.text, sizeof t.text, "%s", value > 0 ? "infinite" : "-infinite");
        return t;
    }
    return wdm_say_num (value);
}

//  A share or a score with one decimal, as the monitoring reports write
//  them ("落后于时间进度12.0个百分点").
wdm_say_t
wdm_say_fix1 (double value)
{
    wdm_say_t t;
    if (!isfinite (value))
        return wdm_say_num (value);
    snprintf (t.text, sizeof t.text, "%.1f", round (value * 10) / 10);
    if (strcmp (t.text, "-0.0") == 0)
        snprintf (t.text, sizeof t.text, "%s", "0.0");
    return t;
}

//  A number in the details object; JSON has no infinity.
wdm_say_t
wdm_say_json (double value)
{
    wdm_say_t t;
    if (isfinite (value))
        snprintf (t.text, sizeof t.text, "%.6g", value);
    else
        snprintf (t.text, sizeof t.text, "%s", "null");
    return t;
}

static bool
s_percent (const wdm_rule_indicator_t *indicator)
{
    return strcmp (indicator->unit_zh, "%") == 0;
}

//  A value with its unit: "9.1/10万" / "9.1 per 100,000".
wdm_say_t
wdm_say_amount_zh (const wdm_rule_indicator_t *indicator, double value)
{
    wdm_say_t t;
    wdm_say (t.text, sizeof t.text, "%s%s", wdm_say_num (value).text, indicator->unit_zh);
    return t;
}

//  The English unit after a number: one of a counted unit is singular
//  ("1 person", "1 minute per day"), so its first word loses its "s".
static wdm_say_t
s_unit_en (const wdm_rule_indicator_t *indicator, const char *number)
{
    wdm_say_t t;
    wdm_say (t.text, sizeof t.text, "%s", indicator->unit_en);
    if (strcmp (number, "1") != 0)
        return t;
    char *word = t.text + strspn (t.text, " ");
    size_t len = strcspn (word, " ");
    if (len > 1 && word [len - 1] == 's')
        memmove (word + len - 1, word + len, strlen (word + len) + 1);
    return t;
}

wdm_say_t
wdm_say_amount_en (const wdm_rule_indicator_t *indicator, double value)
{
    wdm_say_t t;
    wdm_say_t number = wdm_say_num (value);
    wdm_say (t.text, sizeof t.text, "%s%s", number.text, s_unit_en (indicator, number.text).text);
    return t;
}

//  Percentage points, the unit of the behind-schedule and balance rules.
wdm_say_t
wdm_say_points_en (const char *size)
{
    wdm_say_t t;
    wdm_say (t.text, sizeof t.text, "%s percentage point%s", size, strcmp (size, "1") == 0 ? "" : "s");
    return t;
}

//  A difference in the indicator's unit: percentages differ by percentage
//  points, not by percent.  signed_ puts "+" or "-" in front; otherwise
//  the magnitude is shown and the sentence says which way.
static wdm_say_t
s_delta (const wdm_rule_indicator_t *indicator, double delta, bool signed_, bool english)
{
    wdm_say_t t;
    const char *sign = !signed_ ? "" : delta > 0 ? "+" : delta < 0 ? "-" : "";
    wdm_say_t size = wdm_say_num (fabs (delta));
    if (english && s_percent (indicator))
        wdm_say (t.text, sizeof t.text, "%s%s", sign, wdm_say_points_en (size.text).text);
    else
        wdm_say (t.text, sizeof t.text, "%s%s%s", sign, size.text,
                 english                     ? s_unit_en (indicator, size.text).text
                     : s_percent (indicator) ? "个百分点"
                                             : indicator->unit_zh);
    return t;
}

wdm_say_t
wdm_say_delta_zh (const wdm_rule_indicator_t *indicator, double delta, bool signed_)
{
    return s_delta (indicator, delta, signed_, false);
}

wdm_say_t
wdm_say_delta_en (const wdm_rule_indicator_t *indicator, double delta, bool signed_)
{
    return s_delta (indicator, delta, signed_, true);
}

//  A target in the plan's own words, by kind: the Chinese and the English
//  around the amount ("控制在" 8.5/10万 "以下"), or, for a kind with no
//  amount, the words alone (after NULL).  Any other kind is "the plan's
//  target".
typedef struct {
    const char *zh [2];  //  before and after the amount
    const char *en [2];
} s_target_words_t;

static const s_target_words_t s_target_words [] = {
    [WDM_TARGET_UPPER_BOUND] = { { "控制在", "以下" }, { "at most ", "" } },
    [WDM_TARGET_LOWER_BOUND] = { { "达到", "以上" }, { "at least ", "" } },
    [WDM_TARGET_REACH] = { { "达到", "" }, { "reaching ", "" } },
    [WDM_TARGET_KEEP_ABOVE] = { { "保持在", "以上" }, { "staying at or above ", " every year" } },
    [WDM_TARGET_BALANCE] = { { "保持均衡(", "左右)" }, { "a balance near ", "" } },
    [WDM_TARGET_MIN_COUNT] = { { "至少配备", "" }, { "at least ", "" } },
    [WDM_TARGET_INCREASE] = { { "逐步提高", NULL }, { "a steady increase", NULL } },
    [WDM_TARGET_DECREASE] = { { "逐步降低", NULL }, { "a steady decrease", NULL } },
    [WDM_TARGET_CURB_RISE] = { { "上升趋势减缓", NULL }, { "a slowing rise", NULL } },
    [WDM_TARGET_NARROW_GAP] = { { "缩小差距", NULL }, { "a narrowing gap", NULL } },
};

static const s_target_words_t s_plan_target = { { "规划目标", NULL }, { "the plan's target", NULL } };

//  The words of words [0] and [1] around amount, or words [0] alone.
static wdm_say_t
s_target (const char *const words [2], wdm_say_t amount)
{
    wdm_say_t t;
    if (words [1])
        wdm_say (t.text, sizeof t.text, "%s%s%s", words [0], amount.text, words [1]);
    else
        wdm_say (t.text, sizeof t.text, "%s", words [0]);
    return t;
}

static const s_target_words_t *
s_target_words_of (const wdm_rule_indicator_t *indicator)
{
    size_t kind = (size_t)indicator->kind;
    if (kind < sizeof s_target_words / sizeof s_target_words [0] && s_target_words [kind].zh [0])
        return &s_target_words [kind];
    return &s_plan_target;
}

wdm_say_t
wdm_say_target_zh (const wdm_rule_indicator_t *indicator)
{
    return s_target (s_target_words_of (indicator)->zh, wdm_say_amount_zh (indicator, indicator->target));
}

wdm_say_t
wdm_say_target_en (const wdm_rule_indicator_t *indicator)
{
    return s_target (s_target_words_of (indicator)->en, wdm_say_amount_en (indicator, indicator->target));
}

//  Text as the inside of a JSON string, cut to fit.
wdm_say_t
wdm_say_json_string (const char *text)
{
    wdm_say_t t;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p && n + 7 < sizeof t.text; p++) {
        if (*p == '"' || *p == '\\') {
            t.text [n++] = '\\';
            t.text [n++] = (char)*p;
        } else if (*p < 0x20)
            n += (size_t)snprintf (t.text + n, sizeof t.text - n, "\\u%04x", *p);
        else
            t.text [n++] = (char)*p;
    }
    t.text [n] = '\0';
    s_utf8_trim (t.text);
    return t;
}

//  The bodies the catalog names (indicator.bodies, from the plan file
//  deploy/plans/wuqing-women-2021-2025.yaml), in English; another keeps
//  its own name, in quotes.
wdm_say_t
wdm_say_body_en (const char *body)
{
    static const struct {
        const char *zh, *en;
    } names [] = {
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
    wdm_say_t t;
    for (size_t i = 0; i < sizeof names / sizeof names [0]; i++)
        if (strcmp (body, names [i].zh) == 0) {
            wdm_say (t.text, sizeof t.text, "%s", names [i].en);
            return t;
        }
    wdm_say (t.text, sizeof t.text, "body \"%s\"", body);
    return t;
}
