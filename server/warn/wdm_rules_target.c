/*  wdm_rules_target: the rules that judge a series against its target —
    not_met (the latest value, or every year of a keep-above target),
    behind_schedule (progress since the baseline against the time gone),
    unlikely (the linear trend's projection to the target year) and
    min_count (a body's count below the minimum).  wdm_rules_series runs
    the first three (wdm_rules_target_series, wdm_rules_int.h); the engine
    calls wdm_rules_min_count (wdm_rules.h).  Pure functions, like every
    rule: no database, no clock, no global.  */

#include "wdm_rules_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

//  How many years a keep-above message lists before it adds "等" / "and more".
#define S_MAX_LISTED_YEARS 12

//  Whether a value meets a bound-like target: the judgement's answer.
static bool
s_meets (const wdm_rule_indicator_t *indicator, double value)
{
    return wdm_judge_meets (indicator->kind, indicator->target, value);
}

static bool
s_bound_kind (const wdm_rule_indicator_t *indicator)
{
    return wdm_judge_bound_kind (indicator->kind);
}

//  ---------------------------------------------------------------------
//  not_met

//  保持在 X 以上 holds in every year of the plan: the latest year that
//  dropped below speaks, naming every year that did.
static void
s_keep_above (wdm_rules_ctx_t *self, const wdm_point_t *points, int count)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    const wdm_point_t *latest = NULL;
    //  Room for S_MAX_LISTED_YEARS years of up to 11 digits and separators.
    char years_zh [256] = "", years_en [256] = "", years_json [160] = "";
    int below = 0;
    for (int i = 0; i < count; i++) {
        //  The baseline year is before the plan: a drop then is history.
        if (points [i].year <= ind->baseline_year || !wdm_judge_lt (points [i].value, ind->target))
            continue;
        latest = &points [i];
        if (below++ < S_MAX_LISTED_YEARS) {
            int year = points [i].year;
            wdm_say_append (years_zh, sizeof years_zh, "%s%d年", below > 1 ? "、" : "", year);
            wdm_say_append (years_en, sizeof years_en, "%s%d", below > 1 ? ", " : "", year);
            wdm_say_append (years_json, sizeof years_json, "%s%d", below > 1 ? "," : "", year);
        }
    }
    if (!latest)
        return;
    if (below > S_MAX_LISTED_YEARS) {
        wdm_say_append (years_zh, sizeof years_zh, "%s", "等");
        wdm_say_append (years_en, sizeof years_en, "%s", " and more");
    }
    wdm_finding_t *f = wdm_rules_add (self, WDM_RULE_NOT_MET, 2, latest->year, latest->value);
    if (!f)
        return;
    f->has_target = true;
    f->target = ind->target;
    double short_by = ind->target - latest->value;
    wdm_say (f->message_zh, sizeof f->message_zh, "%d年%s%s为%s,未达到“%s”的目标,差%s;低于目标的年份:%s。",
             latest->year, self->place_zh, ind->name_zh, wdm_say_amount_zh (ind, latest->value).text,
             wdm_say_target_zh (ind).text, wdm_say_delta_zh (ind, short_by, false).text, years_zh);
    wdm_say (f->message_en, sizeof f->message_en,
             "%s in %s was %s in %d, %s below the target of %s; years below: %s.", ind->name_en,
             self->place_en, wdm_say_amount_en (ind, latest->value).text, latest->year,
             wdm_say_delta_en (ind, short_by, false).text, wdm_say_target_en (ind).text, years_en);
    wdm_rules_details (f, "{\"target\":%s,\"short_by\":%s,\"years_below\":[%s],\"count_below\":%d}",
                       wdm_say_json (ind->target).text, wdm_say_json (short_by).text, years_json, below);
}

static void
s_not_met (wdm_rules_ctx_t *self, const wdm_point_t *points, int count)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    if (!ind->has_target)
        return;
    if (ind->kind == WDM_TARGET_KEEP_ABOVE) {
        s_keep_above (self, points, count);
        return;
    }
    const wdm_point_t *last = &points [count - 1];
    //  The baseline year is before the plan: a value then misses nothing
    //  (the next plan, before its first year's figures, has only that).
    if (last->year <= ind->baseline_year)
        return;
    double v = last->value, target = ind->target;
    int year = last->year;
    wdm_finding_t *f = NULL;

    if (ind->kind == WDM_TARGET_UPPER_BOUND) {
        if (!wdm_judge_gt (v, target) || !(f = wdm_rules_add (self, WDM_RULE_NOT_MET, 2, year, v)))
            return;
        wdm_say (f->message_zh, sizeof f->message_zh, "%d年%s%s为%s,未达到“%s”的目标,超出%s。", year,
                 self->place_zh, ind->name_zh, wdm_say_amount_zh (ind, v).text, wdm_say_target_zh (ind).text,
                 wdm_say_delta_zh (ind, v - target, false).text);
        wdm_say (f->message_en, sizeof f->message_en,
                 "%s in %s was %s in %d, missing the target of %s by %s.", ind->name_en, self->place_en,
                 wdm_say_amount_en (ind, v).text, year, wdm_say_target_en (ind).text,
                 wdm_say_delta_en (ind, v - target, false).text);
        wdm_rules_details (f, "{\"target\":%s,\"over_by\":%s}", wdm_say_json (target).text,
                           wdm_say_json (v - target).text);
    } else if (ind->kind == WDM_TARGET_LOWER_BOUND || ind->kind == WDM_TARGET_REACH) {
        //  Before the target year there is still time: yellow.  From it on
        //  the target is missed: red.
        bool due = year >= ind->target_year;
        if (!wdm_judge_lt (v, target) || !(f = wdm_rules_add (self, WDM_RULE_NOT_MET, due ? 2 : 1, year, v)))
            return;
        if (due) {
            wdm_say (f->message_zh, sizeof f->message_zh, "%d年%s%s为%s,未实现“%s”的目标,差%s。", year,
                     self->place_zh, ind->name_zh, wdm_say_amount_zh (ind, v).text,
                     wdm_say_target_zh (ind).text, wdm_say_delta_zh (ind, target - v, false).text);
            wdm_say (f->message_en, sizeof f->message_en,
                     "%s in %s was %s in %d, missing the target of %s by %s.", ind->name_en, self->place_en,
                     wdm_say_amount_en (ind, v).text, year, wdm_say_target_en (ind).text,
                     wdm_say_delta_en (ind, target - v, false).text);
        } else {
            wdm_say (f->message_zh, sizeof f->message_zh, "%d年%s%s为%s,距“%s”的目标还差%s(目标年为%d年)。",
                     year, self->place_zh, ind->name_zh, wdm_say_amount_zh (ind, v).text,
                     wdm_say_target_zh (ind).text, wdm_say_delta_zh (ind, target - v, false).text,
                     ind->target_year);
            wdm_say (f->message_en, sizeof f->message_en,
                     "%s in %s was %s in %d, short of the target of %s by %s (target year %d).", ind->name_en,
                     self->place_en, wdm_say_amount_en (ind, v).text, year, wdm_say_target_en (ind).text,
                     wdm_say_delta_en (ind, target - v, false).text, ind->target_year);
        }
        wdm_rules_details (f, "{\"target\":%s,\"short_by\":%s,\"target_year\":%d}",
                           wdm_say_json (target).text, wdm_say_json (target - v).text, ind->target_year);
    } else if (ind->kind == WDM_TARGET_BALANCE) {
        double off = fabs (v - target), allowed = self->thresholds->balance_pp;
        if (!wdm_judge_gt (off, allowed) || !(f = wdm_rules_add (self, WDM_RULE_NOT_MET, 1, year, v)))
            return;
        wdm_say (f->message_zh, sizeof f->message_zh, "%d年%s%s为%s,偏离“%s”的目标%s,超过容许的%s。", year,
                 self->place_zh, ind->name_zh, wdm_say_amount_zh (ind, v).text, wdm_say_target_zh (ind).text,
                 wdm_say_delta_zh (ind, off, false).text, wdm_say_delta_zh (ind, allowed, false).text);
        wdm_say (f->message_en, sizeof f->message_en,
                 "%s in %s was %s in %d, %s off the target of %s, beyond the %s allowed.", ind->name_en,
                 self->place_en, wdm_say_amount_en (ind, v).text, year,
                 wdm_say_delta_en (ind, off, false).text, wdm_say_target_en (ind).text,
                 wdm_say_delta_en (ind, allowed, false).text);
        wdm_rules_details (f, "{\"target\":%s,\"deviation\":%s,\"balance_pp\":%s}",
                           wdm_say_json (target).text, wdm_say_json (off).text, wdm_say_json (allowed).text);
    }
    if (f) {
        f->has_target = true;
        f->target = target;
    }
}

//  ---------------------------------------------------------------------
//  behind_schedule

//  The message of a series that moved away from the target since the
//  baseline, or did not move at all.
static void
s_behind_no_progress (wdm_rules_ctx_t *self, wdm_finding_t *f, const wdm_point_t *base,
                      const wdm_point_t *last, double moved, wdm_say_t time_pct)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    int base_year = base->year, year = last->year;
    if (wdm_judge_gt (moved, 0) || wdm_judge_lt (moved, 0)) {
        wdm_say (f->message_zh, sizeof f->message_zh,
                 "%d年%s%s为%s,比%d年基期(%s)%s%s,与“%s”的目标方向相反,而规划期已过去%s%%。", year,
                 self->place_zh, ind->name_zh, wdm_say_amount_zh (ind, last->value).text, base_year,
                 wdm_say_amount_zh (ind, base->value).text, moved > 0 ? "上升" : "下降",
                 wdm_say_delta_zh (ind, moved, false).text, wdm_say_target_zh (ind).text, time_pct.text);
        wdm_say (f->message_en, sizeof f->message_en,
                 "%s in %s was %s in %d, %s %s from the %d baseline (%s): moving away from the target "
                 "of %s, with %s%% of the plan period gone.",
                 ind->name_en, self->place_en, wdm_say_amount_en (ind, last->value).text, year,
                 moved > 0 ? "up" : "down", wdm_say_delta_en (ind, moved, false).text, base_year,
                 wdm_say_amount_en (ind, base->value).text, wdm_say_target_en (ind).text, time_pct.text);
        return;
    }
    wdm_say (f->message_zh, sizeof f->message_zh,
             "%d年%s%s为%s,与%d年基期(%s)持平,“%s”的目标尚无进展,而规划期已过去%s%%,"
             "落后于时间进度%s个百分点。",
             year, self->place_zh, ind->name_zh, wdm_say_amount_zh (ind, last->value).text, base_year,
             wdm_say_amount_zh (ind, base->value).text, wdm_say_target_zh (ind).text, time_pct.text,
             time_pct.text);
    wdm_say (f->message_en, sizeof f->message_en,
             "%s in %s was %s in %d, unchanged from the %d baseline (%s): no progress toward the target "
             "of %s, with %s%% of the plan period gone, %s behind schedule.",
             ind->name_en, self->place_en, wdm_say_amount_en (ind, last->value).text, year, base_year,
             wdm_say_amount_en (ind, base->value).text, wdm_say_target_en (ind).text, time_pct.text,
             wdm_say_points_en (time_pct.text).text);
}

static void
s_behind (wdm_rules_ctx_t *self, const wdm_point_t *points, int count)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    const wdm_thresholds_t *th = self->thresholds;
    if (!ind->has_target || !s_bound_kind (ind))
        return;
    const wdm_point_t *last = &points [count - 1];
    int base_year = ind->baseline_year, year = last->year;
    if (!(base_year < year && year < ind->target_year))
        return;
    const wdm_point_t *base = NULL;
    for (int i = 0; i < count; i++)
        if (points [i].year == base_year)
            base = &points [i];
    //  Met now: nothing is behind.  Met at the baseline: there was no way
    //  to go, so progress has no meaning; not_met speaks if it slipped.
    if (!base || s_meets (ind, last->value) || s_meets (ind, base->value))
        return;
    double need = ind->target - base->value;
    if (need == 0)
        return;
    double progress = (last->value - base->value) / need;
    double time_share = (double)(year - base_year) / (ind->target_year - base_year);
    double behind_pp = (time_share - progress) * 100;
    int level = wdm_judge_ge (behind_pp, th->behind_red_pp) ? 2
        : wdm_judge_ge (behind_pp, th->behind_yellow_pp)    ? 1
                                                            : 0;
    wdm_finding_t *f = level ? wdm_rules_add (self, WDM_RULE_BEHIND, level, year, last->value) : NULL;
    if (!f)
        return;
    f->has_target = true;
    f->target = ind->target;
    wdm_say_t progress_pct = wdm_say_fix1 (progress * 100), time_pct = wdm_say_fix1 (time_share * 100);
    wdm_say_t behind = wdm_say_fix1 (behind_pp);
    double moved = last->value - base->value;
    if (wdm_judge_le (progress, 0)) {
        //  Away from the target, or not moved: a share of progress would be
        //  negative or nil, and "behind by" above the time share.  Say
        //  what happened instead.
        s_behind_no_progress (self, f, base, last, moved, time_pct);
    } else {
        wdm_say (f->message_zh, sizeof f->message_zh,
                 "%d年%s%s为%s,自%d年基期(%s)起仅完成“%s”目标进度的%s%%,而规划期已过去%s%%,"
                 "落后于时间进度%s个百分点。",
                 year, self->place_zh, ind->name_zh, wdm_say_amount_zh (ind, last->value).text, base_year,
                 wdm_say_amount_zh (ind, base->value).text, wdm_say_target_zh (ind).text, progress_pct.text,
                 time_pct.text, behind.text);
        wdm_say (f->message_en, sizeof f->message_en,
                 "%s in %s was %s in %d: %s%% of the way from the %d baseline (%s) to the target of %s, "
                 "with %s%% of the plan period gone, %s behind schedule.",
                 ind->name_en, self->place_en, wdm_say_amount_en (ind, last->value).text, year,
                 progress_pct.text, base_year, wdm_say_amount_en (ind, base->value).text,
                 wdm_say_target_en (ind).text, time_pct.text, wdm_say_points_en (behind.text).text);
    }
    wdm_rules_details (f,
                       "{\"baseline_year\":%d,\"baseline\":%s,\"target\":%s,\"progress\":%s,"
                       "\"time_share\":%s,\"behind_pp\":%s}",
                       base_year, wdm_say_json (base->value).text, wdm_say_json (ind->target).text,
                       wdm_say_json (progress).text, wdm_say_json (time_share).text,
                       wdm_say_json (behind_pp).text);
}

//  ---------------------------------------------------------------------
//  unlikely

typedef enum { S_ON_TRACK, S_ACCELERATE, S_LIMITED, S_WRONG_WAY } s_category_t;

static const char *const s_category_code [] = { "on_track", "accelerate", "limited", "wrong_way" };
static const char *const s_category_zh [] = { "进度符合要求", "需加快进度", "进展有限", "方向相反" };
static const char *const s_category_en [] = { "on track", "needs acceleration", "limited progress",
                                              "going the wrong way" };

//  How the trend compares with the pace the target needs: the SDG
//  progress ratio, the observed yearly change over the one that would
//  have carried the first value to the target in time.
typedef struct {
    double slope;     //  observed, per year
    double required;  //  needed, per year
    bool has_ratio;   //  false: the first value met the target already
    double ratio;     //  slope / required, or NaN
    s_category_t category;
} s_pace_t;

#define S_PACE_TEXT 320

static s_pace_t
s_pace (const wdm_rule_indicator_t *ind, const wdm_thresholds_t *th, const wdm_point_t *first, double slope,
        int dir)
{
    s_pace_t pace = { .slope = slope };
    pace.required = (ind->target - first->value) / (ind->target_year - first->year);
    pace.has_ratio = pace.required * dir > 0;
    pace.ratio = pace.has_ratio ? slope / pace.required : NAN;
    if (pace.has_ratio)
        pace.category = wdm_judge_ge (pace.ratio, th->unlikely_on_track) ? S_ON_TRACK
            : wdm_judge_ge (pace.ratio, th->unlikely_limited)            ? S_ACCELERATE
            : wdm_judge_ge (pace.ratio, 0)                               ? S_LIMITED
                                                                         : S_WRONG_WAY;
    else
        //  The first value already met the target, so the required change
        //  is none and the ratio has no value; read it as the ratio's
        //  limit for a vanishing requirement: toward the target is ample,
        //  flat is limited, away is the wrong way.
        pace.category = slope * dir > 0 ? S_ON_TRACK : slope == 0 ? S_LIMITED : S_WRONG_WAY;
    return pace;
}

//  The pace in words, the end of an unlikely message.
static void
s_pace_words (const wdm_rule_indicator_t *ind, const s_pace_t *pace, int first_year,
              char ratio_zh [S_PACE_TEXT], char ratio_en [S_PACE_TEXT])
{
    s_category_t category = pace->category;
    double slope = pace->slope, required = pace->required, ratio = pace->ratio;
    if (pace->has_ratio && category == S_WRONG_WAY) {
        //  A negative multiple reads as nonsense: say the two go opposite ways.
        wdm_say (ratio_zh, S_PACE_TEXT, "实际年均变化(%s)与实现目标所需的年均变化(%s)方向相反",
                 wdm_say_delta_zh (ind, slope, true).text, wdm_say_delta_zh (ind, required, true).text);
        wdm_say (ratio_en, S_PACE_TEXT,
                 "the observed yearly change (%s) goes the opposite way to the %s a year required: %s",
                 wdm_say_delta_en (ind, slope, true).text, wdm_say_delta_en (ind, required, true).text,
                 s_category_en [category]);
    } else if (pace->has_ratio) {
        wdm_say (ratio_zh, S_PACE_TEXT, "实际年均变化为实现目标所需年均变化(%s)的%s倍,%s",
                 wdm_say_delta_zh (ind, required, true).text, wdm_say_num (ratio).text,
                 s_category_zh [category]);
        wdm_say (ratio_en, S_PACE_TEXT, "the observed yearly change is %s times the %s a year required: %s",
                 wdm_say_num (ratio).text, wdm_say_delta_en (ind, required, true).text,
                 s_category_en [category]);
    } else {
        wdm_say (ratio_zh, S_PACE_TEXT, "%d年已达到目标,但按当前趋势将偏离目标,%s", first_year,
                 s_category_zh [category]);
        wdm_say (ratio_en, S_PACE_TEXT, "the target was met in %d but the trend leads away from it: %s",
                 first_year, s_category_en [category]);
    }
}

static void
s_unlikely (wdm_rules_ctx_t *self, const wdm_point_t *points, int count)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    const wdm_thresholds_t *th = self->thresholds;
    if (!ind->has_target || !s_bound_kind (ind) || wdm_judge_lt (count, th->unlikely_min_years))
        return;
    const wdm_point_t *first = &points [0], *last = &points [count - 1];
    //  At or after the target year the value itself is judged (not_met).
    if (last->year >= ind->target_year)
        return;
    double slope, intercept;
    if (wdm_rules_trend (points, count, &slope, &intercept))
        return;
    double projection = intercept + slope * ind->target_year;
    if (s_meets (ind, projection))
        return;

    int dir = ind->kind == WDM_TARGET_UPPER_BOUND ? -1 : 1;
    s_pace_t pace = s_pace (ind, th, first, slope, dir);
    int level = pace.category == S_LIMITED || pace.category == S_WRONG_WAY ? 2 : 1;
    wdm_finding_t *f = wdm_rules_add (self, WDM_RULE_UNLIKELY, level, last->year, last->value);
    if (!f)
        return;
    f->has_target = true;
    f->target = ind->target;
    double miss = fabs (projection - ind->target);
    char ratio_zh [S_PACE_TEXT], ratio_en [S_PACE_TEXT];
    s_pace_words (ind, &pace, first->year, ratio_zh, ratio_en);
    wdm_say (f->message_zh, sizeof f->message_zh,
             "按%d—%d年数据的线性趋势(每年%s),%s%s到%d年预计为%s,难以实现“%s”的目标,预计%s%s;%s。",
             first->year, last->year, wdm_say_delta_zh (ind, slope, true).text, self->place_zh, ind->name_zh,
             ind->target_year, wdm_say_amount_zh (ind, projection).text, wdm_say_target_zh (ind).text,
             dir > 0 ? "差" : "超出", wdm_say_delta_zh (ind, miss, false).text, ratio_zh);
    wdm_say (f->message_en, sizeof f->message_en,
             "On the %d-%d linear trend (%s a year), %s in %s is projected at %s in %d, "
             "missing the target of %s by %s; %s.",
             first->year, last->year, wdm_say_delta_en (ind, slope, true).text, ind->name_en, self->place_en,
             wdm_say_amount_en (ind, projection).text, ind->target_year, wdm_say_target_en (ind).text,
             wdm_say_delta_en (ind, miss, false).text, ratio_en);
    wdm_rules_details (f,
                       "{\"points\":%d,\"slope\":%s,\"projection\":%s,\"target_year\":%d,"
                       "\"required_slope\":%s,\"ratio\":%s,\"category\":\"%s\"}",
                       count, wdm_say_json (slope).text, wdm_say_json (projection).text, ind->target_year,
                       wdm_say_json (pace.required).text, wdm_say_json (pace.ratio).text,
                       s_category_code [pace.category]);
}

//  ---------------------------------------------------------------------
//  The series rules of this family, in their order

void
wdm_rules_target_series (wdm_rules_ctx_t *self, const wdm_point_t *points, int count)
{
    s_not_met (self, points, count);
    s_behind (self, points, count);
    s_unlikely (self, points, count);
}

//  ---------------------------------------------------------------------
//  min_count

int
wdm_rules_min_count (const wdm_rule_indicator_t *indicator, wdm_place_t place, const char *body,
                     const wdm_point_t *points, int count, const wdm_thresholds_t *thresholds,
                     wdm_finding_t *out, int max)
{
    wdm_rules_ctx_t self = wdm_rules_ctx (indicator, place, thresholds, out, max);
    if (!indicator || !thresholds || self.max == 0 || !indicator->has_target
        || !wdm_rules_series_ok (points, count))
        return 0;
    const wdm_rule_indicator_t *ind = indicator;
    const wdm_point_t *last = &points [count - 1];
    if (!wdm_judge_lt (last->value, ind->target))
        return 0;
    wdm_finding_t *f = wdm_rules_add (&self, WDM_RULE_MIN_COUNT, 2, last->year, last->value);
    if (!f)
        return 0;
    f->has_target = true;
    f->target = ind->target;
    wdm_say (f->body, sizeof f->body, "%s", body ? body : "");
    wdm_say (f->message_zh, sizeof f->message_zh, "%d年%s%s(%s)为%s,未达到“%s”的要求。", last->year,
             self.place_zh, ind->name_zh, f->body, wdm_say_amount_zh (ind, last->value).text,
             wdm_say_target_zh (ind).text);
    wdm_say (f->message_en, sizeof f->message_en,
             "%s in %s (%s): %s in %d, below the required minimum of %s.", ind->name_en, self.place_en,
             wdm_say_body_en (f->body).text, wdm_say_amount_en (ind, last->value).text, last->year,
             wdm_say_num (ind->target).text);
    wdm_rules_details (f, "{\"count\":%s,\"minimum\":%s}", wdm_say_json (last->value).text,
                       wdm_say_json (ind->target).text);
    return self.count;
}
