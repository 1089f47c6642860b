/*  wdm_rules_data: the rules that question the data rather than the
    progress — fluctuating (a year-on-year change far from what is usual:
    the series' own history, the indicator's pool across its areas, an
    office's limit, or the relative change), implausible (a final value
    revised by much, or a town far from its peers, by the robust modified
    z-score) and missing (a report owed and not made by its deadline).
    wdm_rules_series runs the fluctuation and revision checks
    (wdm_rules_int.h); the engine calls wdm_rules_peers, wdm_rules_missing
    and wdm_rules_pool (wdm_rules.h).  */

#include "wdm_rules_int.h"
#include "wdm_date.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Iglewicz and Hoaglin's constants: 0.6745 makes the MAD of a normal
//  sample estimate its standard deviation; 1.2533 (sqrt (pi / 2)) does
//  the same for the mean absolute deviation.
#define S_Z_MAD  0.6745
#define S_Z_MEAN 1.2533

//  How far x lies from a sample, robustly (Iglewicz and Hoaglin's
//  modified z-score): 0.6745 (x - median) / MAD.  Where the MAD is 0 (more
//  than half the sample at its median), (x - median) / (1.2533 x the mean
//  absolute deviation from the median); where that is 0 too, the sample
//  is one value and any x off it is infinitely far.
typedef struct {
    double z;
    double median;
    double spread;       //  MAD, or the mean absolute deviation
    const char *method;  //  "mad", "mean_ad" or "constant"
} s_robust_t;

//  A sample's median and its spreads about it.  0, or -1 if memory is short.
static int
s_spread (const double *sample, int count, wdm_pool_t *spread)
{
    double *work = malloc ((size_t)count * sizeof *work);
    if (!work)
        return -1;
    memcpy (work, sample, (size_t)count * sizeof *work);
    double median = wdm_rules_median (work, count);
    double mean_ad = 0;
    for (int i = 0; i < count; i++) {
        //  Rounding noise is no deviation: without this, changes that are
        //  all "0.2" would show a MAD of 1e-16 and any other change an
        //  enormous z.
        double deviation = fabs (sample [i] - median);
        work [i] = wdm_judge_eq (sample [i], median) ? 0 : deviation;
        mean_ad += work [i];
    }
    spread->count = count;
    spread->median = median;
    spread->mean_ad = mean_ad / count;
    spread->mad = wdm_rules_median (work, count);
    free (work);
    return 0;
}

static void
s_z (double x, const wdm_pool_t *spread, s_robust_t *result)
{
    double off = x - spread->median;
    if (wdm_judge_eq (x, spread->median))
        off = 0;
    result->median = spread->median;
    if (spread->mad > 0) {
        result->z = S_Z_MAD * off / spread->mad;
        result->spread = spread->mad;
        result->method = "mad";
    } else if (spread->mean_ad > 0) {
        result->z = off / (S_Z_MEAN * spread->mean_ad);
        result->spread = spread->mean_ad;
        result->method = "mean_ad";
    } else {
        result->z = off == 0 ? 0 : copysign (INFINITY, off);
        result->spread = 0;
        result->method = "constant";
    }
}

//  0, or -1 if memory is short.
static int
s_robust_z (double x, const double *sample, int count, s_robust_t *result)
{
    wdm_pool_t spread;
    if (s_spread (sample, count, &spread))
        return -1;
    s_z (x, &spread, result);
    return 0;
}

//  Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
//  days_from_civil): no time zone, no C library local time.
static long
s_days_from_civil (long year, int month, int day)
{
    year -= month <= 2;
    long era = (year >= 0 ? year : year - 399) / 400;
    long year_of_era = year - era * 400;
    long day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    long day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

//  ---------------------------------------------------------------------
//  fluctuating

//  The level of a swing of size (a z-score, or a change) against a limit:
//  beyond it yellow, beyond twice it red; exactly at it is no swing.
static int
s_swing_level (double size, double limit)
{
    return wdm_judge_gt (fabs (size), 2 * limit) ? 2 : wdm_judge_gt (fabs (size), limit) ? 1 : 0;
}

//  The finding of a swing of the latest point by change, at level (0: none),
//  or NULL.
static wdm_finding_t *
s_swing_add (wdm_rules_ctx_t *self, const wdm_point_t *last, int level)
{
    return level ? wdm_rules_add (self, WDM_RULE_FLUCTUATING, level, last->year, last->value) : NULL;
}

//  A swing beyond the office's limit of limit_pp a year.
static void
s_swing_limit (wdm_rules_ctx_t *self, const wdm_point_t *last, double change, int n, int level,
               double limit_pp)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    const char *up_zh = change > 0 ? "上升" : "下降", *up_en = change > 0 ? "up" : "down";
    wdm_finding_t *f = s_swing_add (self, last, level);
    if (!f)
        return;
    wdm_say (f->message_zh, sizeof f->message_zh,
             "%d年%s%s为%s,比上年%s%s,超过本指标每年%s的波动预警线,请核实原因。", last->year, self->place_zh,
             ind->name_zh, wdm_say_amount_zh (ind, last->value).text, up_zh,
             wdm_say_delta_zh (ind, change, false).text, wdm_say_delta_zh (ind, limit_pp, false).text);
    wdm_say (f->message_en, sizeof f->message_en,
             "%s in %s was %s in %d, %s %s from the year before, beyond this indicator's limit of "
             "%s a year: please check the cause.",
             ind->name_en, self->place_en, wdm_say_amount_en (ind, last->value).text, last->year, up_en,
             wdm_say_delta_en (ind, change, false).text, wdm_say_delta_en (ind, limit_pp, false).text);
    wdm_rules_details (f, "{\"change\":%s,\"method\":\"limit\",\"limit_pp\":%s,\"earlier_changes\":%d}",
                       wdm_say_json (change).text, wdm_say_json (limit_pp).text, n);
}

//  A swing far from what is usual by the modified z-score: the series'
//  own changes, or the indicator's pool of pooled changes.
static void
s_swing_z (wdm_rules_ctx_t *self, const wdm_point_t *last, double change, int n, int level,
           const s_robust_t *z, int pooled)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    const wdm_thresholds_t *th = self->thresholds;
    s_robust_t robust = *z;
    const char *up_zh = change > 0 ? "上升" : "下降", *up_en = change > 0 ? "up" : "down";
    wdm_finding_t *f = s_swing_add (self, last, level);
    if (!f)
        return;
    char usual_zh [160], usual_en [200];
    if (pooled) {
        wdm_say (usual_zh, sizeof usual_zh, "本指标各地区以往%d次年度变化", pooled);
        wdm_say (usual_en, sizeof usual_en, "in %d earlier changes of this indicator across its areas",
                 pooled);
    } else {
        wdm_say (usual_zh, sizeof usual_zh, "以往%d次年度变化", n);
        wdm_say (usual_en, sizeof usual_en, "in the %d years before", n);
    }
    wdm_say (f->message_zh, sizeof f->message_zh,
             "%d年%s%s为%s,比上年%s%s,而%s的中位数为%s;修正Z分数为%s,超过%s的预警线,"
             "波动较大,请核实原因。",
             last->year, self->place_zh, ind->name_zh, wdm_say_amount_zh (ind, last->value).text, up_zh,
             wdm_say_delta_zh (ind, change, false).text, usual_zh,
             wdm_say_delta_zh (ind, robust.median, true).text, wdm_say_num (robust.z).text,
             wdm_say_num (th->fluct_z).text);
    wdm_say (f->message_en, sizeof f->message_en,
             "%s in %s was %s in %d, %s %s from the year before, against a median yearly change of %s "
             "%s; modified z-score %s, beyond the limit of %s: an unusual swing, "
             "please check the cause.",
             ind->name_en, self->place_en, wdm_say_amount_en (ind, last->value).text, last->year, up_en,
             wdm_say_delta_en (ind, change, false).text, wdm_say_delta_en (ind, robust.median, true).text,
             usual_en, wdm_say_num_en (robust.z).text, wdm_say_num (th->fluct_z).text);
    if (pooled)
        wdm_rules_details (
            f,
            "{\"change\":%s,\"method\":\"pooled_z\",\"z\":%s,\"median_change\":%s,"
            "\"spread\":%s,\"spread_kind\":\"%s\",\"earlier_changes\":%d,\"pooled_changes\":%d}",
            wdm_say_json (change).text, wdm_say_json (robust.z).text, wdm_say_json (robust.median).text,
            wdm_say_json (robust.spread).text, robust.method, n, pooled);
    else
        wdm_rules_details (f,
                           "{\"change\":%s,\"method\":\"modified_z\",\"z\":%s,\"median_change\":%s,"
                           "\"spread\":%s,\"spread_kind\":\"%s\",\"earlier_changes\":%d}",
                           wdm_say_json (change).text, wdm_say_json (robust.z).text,
                           wdm_say_json (robust.median).text, wdm_say_json (robust.spread).text,
                           robust.method, n);
}

//  Too little history for what is usual: the change relative to the
//  year before's value (not 0).
static void
s_swing_relative (wdm_rules_ctx_t *self, const wdm_point_t *last, double change, int n, double prev_value)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    const char *up_zh = change > 0 ? "上升" : "下降", *up_en = change > 0 ? "up" : "down";
    double limit = self->thresholds->fluct_limit_pct;
    double relative = fabs (change) / fabs (prev_value) * 100;
    int level = s_swing_level (relative, limit);
    wdm_finding_t *f = s_swing_add (self, last, level);
    if (!f)
        return;
    wdm_say (f->message_zh, sizeof f->message_zh,
             "%d年%s%s为%s,比上年%s%s,相对变化%s%%,超过%s%%的波动预警线,请核实原因。", last->year,
             self->place_zh, ind->name_zh, wdm_say_amount_zh (ind, last->value).text, up_zh,
             wdm_say_delta_zh (ind, change, false).text, wdm_say_fix1 (relative).text,
             wdm_say_num (limit).text);
    wdm_say (f->message_en, sizeof f->message_en,
             "%s in %s was %s in %d, %s %s from the year before, a relative change of %s%%, "
             "beyond the %s%% limit: please check the cause.",
             ind->name_en, self->place_en, wdm_say_amount_en (ind, last->value).text, last->year, up_en,
             wdm_say_delta_en (ind, change, false).text, wdm_say_fix1 (relative).text,
             wdm_say_num (limit).text);
    wdm_rules_details (f,
                       "{\"change\":%s,\"method\":\"relative\",\"relative_pct\":%s,\"limit_pct\":%s,"
                       "\"earlier_changes\":%d}",
                       wdm_say_json (change).text, wdm_say_json (relative).text, wdm_say_json (limit).text,
                       n);
}

//  The latest year-on-year change d against what is usual: the series'
//  own earlier changes when it has min_years of them, else the changes of
//  the indicator in all areas (the pool) when there are pool_min; and the
//  office's limit in points (limit_pp) where one is set.  The higher level
//  speaks, the limit on a tie.  Only where none of these is available,
//  the change relative to last year's value.  No change is no swing.
void
wdm_rules_data_fluctuating (wdm_rules_ctx_t *self, const wdm_point_t *points, int count)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    const wdm_thresholds_t *th = self->thresholds;
    //  Counts of a few people in a body swing by nature; min_count judges them.
    if (ind->kind == WDM_TARGET_MIN_COUNT || count < 2)
        return;
    const wdm_point_t *last = &points [count - 1], *prev = &points [count - 2];
    if (prev->year != last->year - 1)
        return;
    double change = last->value - prev->value;
    //  A value that did not move is no swing (波动较大 is a change), however
    //  regular the steps before it: a rate held at its ceiling is not red.
    if (wdm_judge_eq (last->value, prev->value))
        return;
    double *earlier = count > 2 ? malloc ((size_t)(count - 2) * sizeof *earlier) : NULL;
    if (count > 2 && !earlier)
        return;
    int n = 0;
    for (int i = 1; i < count - 1; i++)
        if (points [i].year == points [i - 1].year + 1)
            earlier [n++] = points [i].value - points [i - 1].value;

    s_robust_t robust;
    int pooled = 0;  //  changes pooled, when the pool is used
    bool has_z = false;
    if (n > 0 && wdm_judge_ge (n, th->fluct_min_changes)) {
        if (s_robust_z (change, earlier, n, &robust))
            goto cleanup;
        has_z = true;
    } else if (self->pool && self->pool->count > 0 && wdm_judge_ge (self->pool->count, th->fluct_pool_min)) {
        s_z (change, self->pool, &robust);
        pooled = self->pool->count;
        has_z = true;
    }
    double limit_pp = th->fluct_limit_pp;
    bool has_limit = limit_pp > 0;
    int z_level = has_z ? s_swing_level (robust.z, th->fluct_z) : 0;
    int limit_level = has_limit ? s_swing_level (change, limit_pp) : 0;

    if (has_limit && limit_level >= z_level)
        s_swing_limit (self, last, change, n, limit_level, limit_pp);
    else if (has_z)
        s_swing_z (self, last, change, n, z_level, &robust, pooled);
    else if (prev->value != 0)
        s_swing_relative (self, last, change, n, prev->value);
cleanup:
    free (earlier);
}

//  ---------------------------------------------------------------------
//  implausible: a large revision of a final value

void
wdm_rules_data_revision (wdm_rules_ctx_t *self, const wdm_point_t *points, int count)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    const wdm_point_t *last = &points [count - 1];
    if (!last->revised_from_final || !isfinite (last->final_value))
        return;
    double change = fabs (last->value - last->final_value);
    double pct = last->final_value != 0 ? change / fabs (last->final_value) * 100 : change > 0 ? INFINITY : 0;
    if (!wdm_judge_gt (pct, self->thresholds->revision_pct))
        return;
    wdm_finding_t *f = wdm_rules_add (self, WDM_RULE_IMPLAUSIBLE, 1, last->year, last->value);
    if (!f)
        return;
    wdm_say_t limit = wdm_say_num (self->thresholds->revision_pct);
    //  From a final 0 a change has no percentage: say so in words.
    char change_zh [64], change_en [64];
    if (isinf (pct)) {
        snprintf (change_zh, sizeof change_zh, "%s", "由0变为非0");
        snprintf (change_en, sizeof change_en, "%s", "a change from 0");
    } else {
        wdm_say (change_zh, sizeof change_zh, "变动%s%%", wdm_say_fix1 (pct).text);
        wdm_say (change_en, sizeof change_en, "a change of %s%%", wdm_say_fix1 (pct).text);
    }
    wdm_say (f->message_zh, sizeof f->message_zh,
             "%d年%s%s已定稿的数值%s被修订为%s,%s,超过%s%%的界限,请核实修订原因。", last->year,
             self->place_zh, ind->name_zh, wdm_say_amount_zh (ind, last->final_value).text,
             wdm_say_amount_zh (ind, last->value).text, change_zh, limit.text);
    wdm_say (f->message_en, sizeof f->message_en,
             "%s in %s for %d, already final at %s, was revised to %s, %s, beyond the %s%% limit: "
             "please check why.",
             ind->name_en, self->place_en, last->year, wdm_say_amount_en (ind, last->final_value).text,
             wdm_say_amount_en (ind, last->value).text, change_en, limit.text);
    wdm_rules_details (f, "{\"check\":\"revision\",\"final_value\":%s,\"change_pct\":%s,\"revision_pct\":%s}",
                       wdm_say_json (last->final_value).text, wdm_say_json (pct).text,
                       wdm_say_json (self->thresholds->revision_pct).text);
}

int
wdm_rules_peers (const wdm_rule_indicator_t *indicator, wdm_place_t place, int year, double value,
                 const double *peers, int peer_count, const wdm_thresholds_t *thresholds, wdm_finding_t *out,
                 int max)
{
    wdm_rules_ctx_t self = wdm_rules_ctx (indicator, place, thresholds, out, max);
    if (!indicator || !thresholds || self.max == 0 || !peers || peer_count <= 0
        || wdm_judge_lt (peer_count, thresholds->peer_min) || !isfinite (value))
        return 0;
    for (int i = 0; i < peer_count; i++)
        if (!isfinite (peers [i]))
            return 0;
    s_robust_t robust;
    if (s_robust_z (value, peers, peer_count, &robust) || !wdm_judge_gt (fabs (robust.z), thresholds->peer_z))
        return 0;
    const wdm_rule_indicator_t *ind = indicator;
    wdm_finding_t *f = wdm_rules_add (&self, WDM_RULE_IMPLAUSIBLE, 1, year, value);
    if (!f)
        return 0;
    wdm_say (f->message_zh, sizeof f->message_zh,
             "%d年%s%s为%s,与同级%d个地区的中位数%s相差悬殊(修正Z分数为%s,超过%s的预警线),请核实数据。", year,
             self.place_zh, ind->name_zh, wdm_say_amount_zh (ind, value).text, peer_count,
             wdm_say_amount_zh (ind, robust.median).text, wdm_say_num (robust.z).text,
             wdm_say_num (thresholds->peer_z).text);
    wdm_say (f->message_en, sizeof f->message_en,
             "%s in %s was %s in %d, far from the median of %d peer area%s, %s (modified z-score %s, "
             "beyond the limit of %s): please check the data.",
             ind->name_en, self.place_en, wdm_say_amount_en (ind, value).text, year, peer_count,
             peer_count == 1 ? "" : "s", wdm_say_amount_en (ind, robust.median).text,
             wdm_say_num_en (robust.z).text, wdm_say_num (thresholds->peer_z).text);
    wdm_rules_details (
        f,
        "{\"check\":\"peers\",\"peer_median\":%s,\"z\":%s,\"spread\":%s,\"spread_kind\":\"%s\","
        "\"peers\":%d}",
        wdm_say_json (robust.median).text, wdm_say_json (robust.z).text, wdm_say_json (robust.spread).text,
        robust.method, peer_count);
    return self.count;
}

int
wdm_rules_missing (const wdm_rule_indicator_t *indicator, wdm_place_t unit, wdm_place_t area, int year,
                   int deadline_month, int deadline_day, int today_year, int today_month, int today_day,
                   bool reported, const wdm_thresholds_t *thresholds, wdm_finding_t *out, int max)
{
    wdm_rules_ctx_t self = wdm_rules_ctx (indicator, area, thresholds, out, max);
    if (!indicator || !thresholds || self.max == 0 || reported)
        return 0;
    //  Plain calendar years only: no overflow in year + 1, no odd eras.
    if (year < 1 || year > 9998 || today_year < 1 || today_year > 9999 || deadline_month < 1
        || deadline_month > 12 || deadline_day < 1 || today_month < 1 || today_month > 12 || today_day < 1
        || today_day > wdm_date_days_in_month (today_year, today_month))
        return 0;
    //  The schema allows a deadline day up to 31 in any month: past the
    //  month's end it means the month's last day.
    int due_year = year + 1;
    int due_day = deadline_day;
    if (due_day > wdm_date_days_in_month (due_year, deadline_month))
        due_day = wdm_date_days_in_month (due_year, deadline_month);
    long days_left = s_days_from_civil (due_year, deadline_month, due_day)
        - s_days_from_civil (today_year, today_month, today_day);
    int level = days_left < 0 ? 2 : wdm_judge_le ((double)days_left, thresholds->missing_yellow_days) ? 1 : 0;
    wdm_finding_t *f = level ? wdm_rules_add (&self, WDM_RULE_MISSING, level, year, 0) : NULL;
    if (!f)
        return 0;
    const char *unit_zh = unit.zh ? unit.zh : "", *unit_en = unit.en ? unit.en : "";
    char when_zh [96], when_en [96];
    if (days_left > 0) {
        snprintf (when_zh, sizeof when_zh, "还剩%ld天", days_left);
        snprintf (when_en, sizeof when_en, "%ld day%s left", days_left, days_left == 1 ? "" : "s");
    } else if (days_left == 0) {
        snprintf (when_zh, sizeof when_zh, "%s", "今天截止");
        snprintf (when_en, sizeof when_en, "%s", "due today");
    } else {
        snprintf (when_zh, sizeof when_zh, "已逾期%ld天", -days_left);
        snprintf (when_en, sizeof when_en, "%ld day%s overdue", -days_left, days_left == -1 ? "" : "s");
    }
    wdm_say (f->message_zh, sizeof f->message_zh, "%s尚未报送%s%d年“%s”数据,报送截止日期为%d年%d月%d日,%s。",
             unit_zh, self.place_zh, year, indicator->name_zh, due_year, deadline_month, due_day, when_zh);
    wdm_say (f->message_en, sizeof f->message_en,
             "%s has not reported \"%s\" for %s, %d; the deadline is %04d-%02d-%02d, %s.", unit_en,
             indicator->name_en, self.place_en, year, due_year, deadline_month, due_day, when_en);
    wdm_rules_details (f, "{\"deadline\":\"%04d-%02d-%02d\",\"days_left\":%ld}", due_year, deadline_month,
                       due_day, days_left);
    return self.count;
}

int
wdm_rules_pool (const double *changes, int count, wdm_pool_t *pool)
{
    memset (pool, 0, sizeof *pool);
    if (!changes || count <= 0)
        return 0;
    for (int i = 0; i < count; i++)
        if (!isfinite (changes [i]))
            return -1;
    if (s_spread (changes, count, pool)) {
        memset (pool, 0, sizeof *pool);
        return -1;
    }
    return 0;
}
