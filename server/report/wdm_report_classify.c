/*  wdm_report_classify: each indicator's standing in the report, from the
    district's series by the one judgement (wdm_judge) and no better than
    its worst open warning.  wdm_report_write calls rp_classify once, after
    loading; the parts call rp_latest.  It owns nothing.  */

#include "wdm_report_int.h"

//  Every active indicator whose target kind is not 'monitor' is judged on
//  the district's series (baseline year to the report's year Y; see
//  wdm_report_load for narrow_gap and min_count) by the one judgement,
//  wdm_judge:
//
//  1. not reported (未报送): no value in any plan year up to Y (a baseline
//     value alone is not a report on the plan).  In the final evaluation:
//     no value for Y itself (无终期数据) — an earlier year's value does
//     not stand for the final year's.
//  2. met (达标) when wdm_judge_met says the latest plan-year value meets
//     the target (the final evaluation: Y's value); otherwise on track
//     (进展正常) in an annual report; in the final evaluation not met
//     (未达标), or cannot be judged (无法判断) where the values cannot tell
//     (a direction with one value, a relation with no common year).
//  3. Then no better than the worst open warning about it (any year up to
//     Y; the district's, or any area's for min_count): a red warning of a
//     target rule makes it 预计达标困难 / 未达标, a yellow one 进度滞后
//     (wdm_judge_floor).  Warnings about the data — missing, implausible,
//     fluctuating — are counted apart, as "data missing" and "data to
//     check", not as a judgement of the target.

wdm_target_t
rp_target (const rp_indicator_t *ind)
{
    wdm_target_t target = { .kind = ind->kind,
                            .has_target = ind->has_target,
                            .target = ind->target,
                            .relation_op = ind->relation_op,
                            .balance_pp = ind->balance_pp,
                            .similar_pp = ind->similar_pp };
    return target;
}

//  1 met, 0 not met, -1 cannot be judged from the values there are: the
//  judgement's answer (wdm_judge_met) on the district's series.
static int
s_met (const rp_report_t *self, const rp_indicator_t *ind, int latest)
{
    wdm_target_t target = rp_target (ind);
    wdm_series_t series = { self->years, self->first - self->baseline, ind->has, ind->value };
    wdm_series_t other = series;
    if (ind->relation >= 0) {
        other.has = self->ind [ind->relation].has;
        other.value = self->ind [ind->relation].value;
    }
    return wdm_judge_met (&target, &series, latest, ind->relation >= 0 ? &other : NULL);
}

//  The index of the latest plan-year value, or -1.
int
rp_latest (const rp_report_t *self, const rp_indicator_t *ind)
{
    for (int y = self->years - 1; y >= self->first - self->baseline; y--)
        if (ind->has [y])
            return y;
    return -1;
}

bool
rp_change (const rp_indicator_t *ind, int y, double *change)
{
    if (y < 0 || !ind->has [0] || !ind->has [y])
        return false;
    *change = ind->value [y] - ind->value [0];
    return true;
}

//  The year a final evaluation judges a target at: its target year, or the
//  plan's last where the target year lies outside the period.
static int
s_final_index (const rp_report_t *self, const rp_indicator_t *ind)
{
    int year = ind->target_year;
    if (year < self->first || year > self->year)
        year = self->year;
    return year - self->baseline;
}

void
rp_classify (rp_report_t *self)
{
    for (int i = 0; i < self->ind_count; i++) {
        rp_indicator_t *ind = &self->ind [i];
        int latest = rp_latest (self, ind);
        if (self->options->final) {
            //  The target year's value, and no other: an earlier year's
            //  value does not stand for it.
            int at = s_final_index (self, ind);
            ind->final = at;
            latest = ind->has [at] ? at : -1;
        }
        if (ind->kind == WDM_TARGET_MONITOR)
            ind->status = WDM_STATUS_MONITOR;
        else if (latest < 0)
            ind->status = WDM_STATUS_NOT_REPORTED;
        else {
            int met = s_met (self, ind, latest);
            if (met == 1)
                ind->status = WDM_STATUS_MET;
            else if (self->options->final)
                ind->status = met == 0 ? WDM_STATUS_UNLIKELY : WDM_STATUS_ON_TRACK;
            else
                ind->status = WDM_STATUS_ON_TRACK;
            //  A final evaluation has no "behind": an open warning about the
            //  target says it is not met as things stand.
            rp_status_t floor =
                self->options->final && ind->floor != WDM_STATUS_MET ? WDM_STATUS_UNLIKELY : ind->floor;
            ind->status = wdm_judge_worse (ind->status, floor);
        }
        if (ind->hidden)
            continue;  //  a unit's report: judged (a relation may need it), not counted
        self->by_domain [ind->domain][ind->status]++;
        switch (ind->status) {
            case WDM_STATUS_MET: self->sum.met++; break;
            case WDM_STATUS_ON_TRACK: self->sum.on_track++; break;
            case WDM_STATUS_BEHIND: self->sum.behind++; break;
            case WDM_STATUS_UNLIKELY: self->sum.unlikely++; break;
            case WDM_STATUS_NOT_REPORTED: self->sum.not_reported++; break;
            default: self->monitored++; break;
        }
        if (ind->status != WDM_STATUS_MONITOR)
            self->sum.indicators++;
    }
}
