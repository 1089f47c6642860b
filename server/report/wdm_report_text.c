/*  wdm_report_text: the report's words and numbers — a value as the
    warnings write it, shares, units, the labels, CSS classes and colours
    of the statuses, the target in English — in the report's language.
    Every part calls it; it writes nothing and owns nothing.  */

#include "wdm_report_int.h"
#include "wdm_number.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

const char *
rp_tr (const rp_report_t *self, const char *zh, const char *en)
{
    return self->english ? en : zh;
}

//  --- Numbers --------------------------------------------------------------------

//  A value as the warnings' messages write it: two decimals at most, no
//  trailing zeros, halves rounded away from zero.
rp_text_t
rp_num (double value)
{
    rp_text_t t;
    if (isfinite (value))
        wdm_number_text (value, t.text, sizeof t.text);
    else
        snprintf (t.text, sizeof t.text, "%s", "—");
    return t;
}

//  A share of a total as a percentage with one decimal.
rp_text_t
rp_share (int count, int total)
{
    rp_text_t t;
    snprintf (t.text, sizeof t.text, "%.1f%%", total > 0 ? round (1000.0 * count / total) / 10 : 0.0);
    return t;
}
//  The unit as an English text puts it after a number.
const char *
rp_unit_en (const rp_indicator_t *ind)
{
    static const char *const units [][2] = { { "percent", "%" },
                                             { "per_mille", "‰" },
                                             { "per_100k", "/100,000" },
                                             { "years", " years" },
                                             { "count", " persons" },
                                             { "person_times", " person-times" },
                                             { "rooms", " facilities" },
                                             { "minutes_per_day", " min/day" },
                                             { "yuan_per_month", " yuan/month" },
                                             { "yuan_per_year", " yuan/year" } };
    for (size_t i = 0; i < sizeof units / sizeof units [0]; i++)
        if (strcmp (ind->unit_code, units [i][0]) == 0)
            return units [i][1];
    return NULL;
}

//  A value with its unit: "8.4/10万", "8.4 per 100,000".
rp_text_t
rp_amount (const rp_report_t *self, const rp_indicator_t *ind, double value)
{
    rp_text_t t;
    const char *unit = self->english ? rp_unit_en (ind) : ind->symbol;
    if (unit)
        snprintf (t.text, sizeof t.text, "%.32s%.64s", rp_num (value).text, unit);
    else
        snprintf (t.text, sizeof t.text, "%.32s %.64s", rp_num (value).text, ind->unit_name_en);
    return t;
}

//  --- Labels -------------------------------------------------------------------------

const char *
rp_status_label (const rp_report_t *self, rp_status_t status)
{
    static const char *const zh [] = { "达标", "进展正常", "进度滞后", "预计达标困难", "未报送", "仅监测" };
    static const char *const en [] = { "Met",          "On track", "Behind schedule", "Unlikely to be met",
                                       "Not reported", "Monitored" };
    static const char *const zh_final [] = {
        "达标", "无法判断", "进度滞后", "未达标", "无终期数据", "仅监测"
    };
    static const char *const en_final [] = { "Met",     "Cannot be judged", "Behind schedule",
                                             "Not met", "No final value",   "Monitored" };
    assert (status < WDM_STATUS_COUNT);
    if (self->options->final)
        return self->english ? en_final [status] : zh_final [status];
    return self->english ? en [status] : zh [status];
}

const char *
rp_baseline_source (const rp_report_t *self, const rp_indicator_t *ind)
{
    if (strcmp (ind->baseline_source, "plan") == 0)
        return rp_tr (self, "规划文本", "plan");
    if (strcmp (ind->baseline_source, "stored") == 0)
        return rp_tr (self, "存储值", "stored");
    return rp_tr (self, "无", "none");
}

//  The CSS class of a status; "cannot be judged" (final) has its own.
const char *
rp_status_class (const rp_report_t *self, rp_status_t status)
{
    static const char *const classes [] = { "met", "track", "behind", "unlikely", "none", "monitor" };
    if (self->options->final && status == WDM_STATUS_ON_TRACK)
        return "unjudged";
    return classes [status];
}

const char *
rp_status_colour (const rp_report_t *self, rp_status_t status)
{
    static const char *const colours [] = {
        "#2e7d32", "#1565c0", "#e08600", "#c62828", "#9e9e9e", "#546e7a"
    };
    if (self->options->final && status == WDM_STATUS_ON_TRACK)
        return "#8d6e63";
    return colours [status];
}

//  The statuses in the order the summary lists them.
int
rp_summary_order (const rp_report_t *self, rp_status_t *order)
{
    if (self->options->final) {
        order [0] = WDM_STATUS_MET;
        order [1] = WDM_STATUS_UNLIKELY;
        order [2] = WDM_STATUS_ON_TRACK;
        order [3] = WDM_STATUS_NOT_REPORTED;
        return 4;
    }
    order [0] = WDM_STATUS_MET;
    order [1] = WDM_STATUS_ON_TRACK;
    order [2] = WDM_STATUS_BEHIND;
    order [3] = WDM_STATUS_UNLIKELY;
    order [4] = WDM_STATUS_NOT_REPORTED;
    return 5;
}

int
rp_summary_count (const rp_report_t *self, rp_status_t status)
{
    switch (status) {
        case WDM_STATUS_MET: return self->sum.met;
        case WDM_STATUS_ON_TRACK: return self->sum.on_track;
        case WDM_STATUS_BEHIND: return self->sum.behind;
        case WDM_STATUS_UNLIKELY: return self->sum.unlikely;
        case WDM_STATUS_NOT_REPORTED: return self->sum.not_reported;
        default: return 0;
    }
}

//  The target as the English report states it.
rp_text_t
rp_target_en (const rp_report_t *self, const rp_indicator_t *ind)
{
    rp_text_t t;
    rp_text_t x = rp_amount (self, ind, ind->target);
    const char *amount = x.text;
    switch (ind->kind) {
        case WDM_TARGET_UPPER_BOUND: snprintf (t.text, sizeof t.text, "at most %.100s", amount); break;
        case WDM_TARGET_LOWER_BOUND: snprintf (t.text, sizeof t.text, "at least %.100s", amount); break;
        case WDM_TARGET_REACH: snprintf (t.text, sizeof t.text, "reach %.100s", amount); break;
        case WDM_TARGET_KEEP_ABOVE:
            snprintf (t.text, sizeof t.text, "at least %.100s every year", amount);
            break;
        case WDM_TARGET_BALANCE: snprintf (t.text, sizeof t.text, "balanced, near %.100s", amount); break;
        case WDM_TARGET_MIN_COUNT:
            snprintf (t.text, sizeof t.text, "at least %.100s in each body", amount);
            break;
        case WDM_TARGET_INCREASE: snprintf (t.text, sizeof t.text, "%s", "increase"); break;
        case WDM_TARGET_DECREASE: snprintf (t.text, sizeof t.text, "%s", "decrease"); break;
        case WDM_TARGET_CURB_RISE: snprintf (t.text, sizeof t.text, "%s", "a slowing rise"); break;
        case WDM_TARGET_NARROW_GAP:
            snprintf (t.text, sizeof t.text, "%s", "a narrowing gap between women and men");
            break;
        case WDM_TARGET_RELATION:
            snprintf (t.text, sizeof t.text, "%s %.64s",
                      strcmp (ind->relation_op, ">=") == 0 ? "not below" : "in line with",
                      ind->relation_code);
            break;
        default: snprintf (t.text, sizeof t.text, "%s", "monitored, no numeric target"); break;
    }
    return t;
}
