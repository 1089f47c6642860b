/*  wdm_rules_direction: the rules on which way a series goes —
    wrong_direction of an increase or decrease target (how many changes in
    a row went the wrong way), of a curb-the-rise target (the yearly rise
    growing) and of a narrow-the-gap target (women's and men's series
    drawing apart), and relation_broken (an indicator below, or far from,
    the one it is compared with).  wdm_rules_series runs the first two
    (wdm_rules_direction_series, wdm_rules_int.h); the engine calls
    wdm_rules_gap and wdm_rules_relation (wdm_rules.h).  */

#include "wdm_rules_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  ---------------------------------------------------------------------
//  wrong_direction

//  How many changes in a row, ending with the latest, went against dir
//  (+1: the value should rise, -1: it should fall).  No change is not wrong.
static int
s_wrong_run (const wdm_point_t *points, int count, int dir)
{
    int run = 0;
    for (int i = count - 1; i > 0; i--) {
        double before = points [i - 1].value, after = points [i].value;
        if (dir > 0 ? !wdm_judge_lt (after, before) : !wdm_judge_gt (after, before))
            break;
        run++;
    }
    return run;
}

static int
s_run_level (const wdm_rules_ctx_t *self, int run)
{
    if (run == 0)
        return 0;
    return wdm_judge_ge (run, self->thresholds->wrong_red_consecutive) ? 2 : 1;
}

static void
s_direction (wdm_rules_ctx_t *self, const wdm_point_t *points, int count)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    if ((ind->kind != WDM_TARGET_INCREASE && ind->kind != WDM_TARGET_DECREASE) || count < 2)
        return;
    int dir = ind->kind == WDM_TARGET_INCREASE ? 1 : -1;
    int run = s_wrong_run (points, count, dir);
    int level = s_run_level (self, run);
    const wdm_point_t *last = &points [count - 1], *prev = &points [count - 2];
    wdm_finding_t *f =
        level ? wdm_rules_add (self, WDM_RULE_WRONG_DIRECTION, level, last->year, last->value) : NULL;
    if (!f)
        return;
    double change = last->value - prev->value;
    const char *way_zh = dir > 0 ? "下降" : "上升", *way_en = dir > 0 ? "down" : "up";
    char row_zh [64] = "", row_en [64] = "";
    if (run > 1) {
        snprintf (row_zh, sizeof row_zh, ",已连续%d年%s", run, way_zh);
        snprintf (row_en, sizeof row_en, ", %s for %d years in a row", dir > 0 ? "falling" : "rising", run);
    }
    wdm_say (f->message_zh, sizeof f->message_zh, "%d年%s%s为%s,比%d年%s%s%s,与“%s”的目标方向相反。",
             last->year, self->place_zh, ind->name_zh, wdm_say_amount_zh (ind, last->value).text, prev->year,
             way_zh, wdm_say_delta_zh (ind, change, false).text, row_zh, wdm_say_target_zh (ind).text);
    wdm_say (f->message_en, sizeof f->message_en,
             "%s in %s was %s in %d, %s %s from %d%s, against the target of %s.", ind->name_en,
             self->place_en, wdm_say_amount_en (ind, last->value).text, last->year, way_en,
             wdm_say_delta_en (ind, change, false).text, prev->year, row_en, wdm_say_target_en (ind).text);
    wdm_rules_details (f, "{\"change\":%s,\"previous_year\":%d,\"consecutive\":%d}",
                       wdm_say_json (change).text, prev->year, run);
}

//  上升趋势减缓: the latest yearly rise must be smaller than the one
//  before — as the judgement has it (server/judge: a rise as large as the
//  one before is not met), so that a warning and the report agree.  Rises
//  are per year, so that a gap in the reports compares like with like.
static void
s_curb_rise (wdm_rules_ctx_t *self, const wdm_point_t *points, int count)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    if (ind->kind != WDM_TARGET_CURB_RISE || count < 3)
        return;
    const wdm_point_t *a = &points [count - 3], *b = &points [count - 2], *c = &points [count - 1];
    double before = (b->value - a->value) / (b->year - a->year);
    double now = (c->value - b->value) / (c->year - b->year);
    if (!wdm_judge_gt (before, 0) || !wdm_judge_gt (now, 0) || wdm_judge_lt (now, before))
        return;
    bool larger = wdm_judge_gt (now, before);
    wdm_finding_t *f = wdm_rules_add (self, WDM_RULE_WRONG_DIRECTION, 1, c->year, c->value);
    if (!f)
        return;
    wdm_say (f->message_zh, sizeof f->message_zh,
             "%d年%s%s为%s,比%d年上升%s,年均增幅(%s)%s此前(%s)%s,未体现“%s”的目标。", c->year, self->place_zh,
             ind->name_zh, wdm_say_amount_zh (ind, c->value).text, b->year,
             wdm_say_delta_zh (ind, c->value - b->value, false).text, wdm_say_delta_zh (ind, now, false).text,
             larger ? "大于" : "与", wdm_say_delta_zh (ind, before, false).text, larger ? "" : "持平",
             wdm_say_target_zh (ind).text);
    wdm_say (f->message_en, sizeof f->message_en,
             "%s in %s was %s in %d, up %s from %d: a yearly rise of %s, %s the %s before, "
             "against the target of %s.",
             ind->name_en, self->place_en, wdm_say_amount_en (ind, c->value).text, c->year,
             wdm_say_delta_en (ind, c->value - b->value, false).text, b->year,
             wdm_say_delta_en (ind, now, false).text, larger ? "larger than" : "the same as",
             wdm_say_delta_en (ind, before, false).text, wdm_say_target_en (ind).text);
    wdm_rules_details (f, "{\"rise\":%s,\"previous_rise\":%s}", wdm_say_json (now).text,
                       wdm_say_json (before).text);
}

void
wdm_rules_direction_series (wdm_rules_ctx_t *self, const wdm_point_t *points, int count)
{
    s_direction (self, points, count);
    s_curb_rise (self, points, count);
}

//  ---------------------------------------------------------------------
//  A narrowing gap and a relation, for the engine

int
wdm_rules_gap (const wdm_rule_indicator_t *indicator, wdm_place_t place, const wdm_point_t *women,
               int women_count, const wdm_point_t *men, int men_count, const wdm_thresholds_t *thresholds,
               wdm_finding_t *out, int max)
{
    wdm_rules_ctx_t self = wdm_rules_ctx (indicator, place, thresholds, out, max);
    if (!indicator || !thresholds || self.max == 0 || !wdm_rules_series_ok (women, women_count)
        || !wdm_rules_series_ok (men, men_count))
        return 0;
    int capacity = women_count < men_count ? women_count : men_count;
    wdm_point_t *gap = malloc ((size_t)capacity * sizeof *gap);
    if (!gap)
        return 0;
    //  The gap in each year both report; both series are sorted.
    int n = 0, w = 0, m = 0;
    double last_women = 0, last_men = 0;
    while (w < women_count && m < men_count) {
        if (women [w].year < men [m].year)
            w++;
        else if (men [m].year < women [w].year)
            m++;
        else {
            memset (&gap [n], 0, sizeof gap [n]);
            gap [n].year = women [w].year;
            gap [n].value = fabs (women [w].value - men [m].value);
            last_women = women [w].value;
            last_men = men [m].value;
            n++, w++, m++;
        }
    }
    int run = n >= 2 ? s_wrong_run (gap, n, -1) : 0;
    int level = s_run_level (&self, run);
    wdm_finding_t *f = level
        ? wdm_rules_add (&self, WDM_RULE_WRONG_DIRECTION, level, gap [n - 1].year, gap [n - 1].value)
        : NULL;
    if (f) {
        const wdm_point_t *last = &gap [n - 1], *prev = &gap [n - 2];
        double widened = last->value - prev->value;
        char row_zh [64] = "", row_en [64] = "";
        if (run > 1) {
            snprintf (row_zh, sizeof row_zh, ",已连续%d年扩大", run);
            snprintf (row_en, sizeof row_en, ", widening for %d years in a row", run);
        }
        wdm_say (f->message_zh, sizeof f->message_zh,
                 "%d年%s%s女性为%s、男性为%s,两性差距为%s,比%d年扩大%s%s,与“缩小差距”的目标方向相反。",
                 last->year, self.place_zh, indicator->name_zh,
                 wdm_say_amount_zh (indicator, last_women).text, wdm_say_amount_zh (indicator, last_men).text,
                 wdm_say_amount_zh (indicator, last->value).text, prev->year,
                 wdm_say_delta_zh (indicator, widened, false).text, row_zh);
        wdm_say (f->message_en, sizeof f->message_en,
                 "%s in %s was %s for women and %s for men in %d: a gap of %s, wider than in %d by %s%s, "
                 "against the target of a narrowing gap.",
                 indicator->name_en, self.place_en, wdm_say_amount_en (indicator, last_women).text,
                 wdm_say_amount_en (indicator, last_men).text, last->year,
                 wdm_say_amount_en (indicator, last->value).text, prev->year,
                 wdm_say_delta_en (indicator, widened, false).text, row_en);
        wdm_rules_details (f,
                           "{\"women\":%s,\"men\":%s,\"gap\":%s,\"previous_gap\":%s,\"previous_year\":%d,"
                           "\"consecutive\":%d}",
                           wdm_say_json (last_women).text, wdm_say_json (last_men).text,
                           wdm_say_json (last->value).text, wdm_say_json (prev->value).text, prev->year, run);
    }
    free (gap);
    return self.count;
}

int
wdm_rules_relation (const wdm_rule_indicator_t *indicator, const wdm_rule_indicator_t *other,
                    wdm_place_t place, const wdm_point_t *a, int a_count, const wdm_point_t *b, int b_count,
                    const wdm_thresholds_t *thresholds, wdm_finding_t *out, int max)
{
    wdm_rules_ctx_t self = wdm_rules_ctx (indicator, place, thresholds, out, max);
    if (!indicator || !other || !thresholds || self.max == 0 || !wdm_rules_series_ok (a, a_count)
        || !wdm_rules_series_ok (b, b_count))
        return 0;
    bool at_least = strcmp (indicator->relation_op, ">=") == 0;
    bool similar = strcmp (indicator->relation_op, "~") == 0;
    if (!at_least && !similar)
        return 0;
    //  The latest year both have, walking back from the ends.
    int i = a_count - 1, k = b_count - 1;
    while (i >= 0 && k >= 0 && a [i].year != b [k].year) {
        if (a [i].year > b [k].year)
            i--;
        else
            k--;
    }
    if (i < 0 || k < 0)
        return 0;
    const wdm_rule_indicator_t *ind = indicator;
    double va = a [i].value, vb = b [k].value;
    int year = a [i].year;
    double diff = fabs (va - vb);
    int level = 0;
    if (at_least && wdm_judge_lt (va, vb))
        level = wdm_judge_le (diff, thresholds->relation_red_pp) ? 1 : 2;
    else if (similar && wdm_judge_gt (diff, thresholds->relation_similar_pp))
        level = 1;
    wdm_finding_t *f = level ? wdm_rules_add (&self, WDM_RULE_RELATION, level, year, va) : NULL;
    if (!f)
        return self.count;
    f->has_target = true;
    f->target = vb;
    if (at_least) {
        wdm_say (f->message_zh, sizeof f->message_zh, "%d年%s%s为%s,低于%s(%s)%s,未达到“不低于%s”的要求。",
                 year, self.place_zh, ind->name_zh, wdm_say_amount_zh (ind, va).text, other->name_zh,
                 wdm_say_amount_zh (other, vb).text, wdm_say_delta_zh (ind, diff, false).text,
                 other->name_zh);
        wdm_say (f->message_en, sizeof f->message_en,
                 "%s in %s was %s in %d, %s below \"%s\" (%s), which it must not fall below.", ind->name_en,
                 self.place_en, wdm_say_amount_en (ind, va).text, year,
                 wdm_say_delta_en (ind, diff, false).text, other->name_en,
                 wdm_say_amount_en (other, vb).text);
    } else {
        wdm_say_t allowed_zh = wdm_say_delta_zh (ind, thresholds->relation_similar_pp, false);
        wdm_say_t allowed_en = wdm_say_delta_en (ind, thresholds->relation_similar_pp, false);
        wdm_say (f->message_zh, sizeof f->message_zh,
                 "%d年%s%s为%s,与%s(%s)相差%s,超过容许的%s,未体现“与%s相适应”的要求。", year, self.place_zh,
                 ind->name_zh, wdm_say_amount_zh (ind, va).text, other->name_zh,
                 wdm_say_amount_zh (other, vb).text, wdm_say_delta_zh (ind, diff, false).text,
                 allowed_zh.text, other->name_zh);
        wdm_say (f->message_en, sizeof f->message_en,
                 "%s in %s was %s in %d, %s away from \"%s\" (%s), beyond the %s allowed "
                 "for the two to correspond.",
                 ind->name_en, self.place_en, wdm_say_amount_en (ind, va).text, year,
                 wdm_say_delta_en (ind, diff, false).text, other->name_en, wdm_say_amount_en (other, vb).text,
                 allowed_en.text);
    }
    wdm_rules_details (f, "{\"op\":\"%s\",\"other\":\"%s\",\"other_value\":%s,\"difference\":%s}",
                       at_least ? ">=" : "~", wdm_say_json_string (other->code).text, wdm_say_json (vb).text,
                       wdm_say_json (va - vb).text);
    return self.count;
}
