/*  wdm_report_notes: part 5 of the report — what the statuses mean
    (annual or final), notes on the data, and the notes reporters attached
    to their values.  s_write_document (wdm_report.c) calls it; it owns
    nothing beyond the call.  */

#include "wdm_report_int.h"

#include <stdio.h>
#include <stdlib.h>

#define S_MAX_NOTES 200  //  value notes listed; the rest are counted

static void
s_write_definitions (rp_report_t *self)
{
    static const char *const annual_zh [] = {
        "评估范围:目标类型为“仅监测”(保持适当比例等)以外的全部在用指标,依据全区数值(区级报送值,或由镇街汇总"
        "的值)判断。",
        "未报送:规划期内截至报告年度没有任何全区数值(仅有基期值不算报送)。",
        "达标:最近一个规划年度的数值达到目标——“以下”“以上”含本数;“保持在…以上”要求规划期内每一年都达到;“保"
        "持均衡”为与目标值相差不超过容许偏离;“至少配备”为每个领导班子都达到;关系类目标取两项指标都有数值的"
        "最近一年比较;“逐步提高”“降低”类为最新值高于(低于)基期值(无基期值时为最早的数值);“缩小差距”为两性差"
        "距小于基期;“上升趋势减缓”为最近一年的增幅不大于此前或不再上升。",
        "预计达标困难:有未解除的红色目标预警(未达标、进度滞后、预计达标困难、方向相反、关系目标未满足或未配"
        "备女性),即使最新数值已达到目标。",
        "进度滞后:有未解除的黄色目标预警,且没有红色目标预警。",
        "进展正常:已报送、尚未达标,且没有未解除的目标预警。",
        "一项指标的状态不会好于它最严重的未解除目标预警。缺报、数据异常、波动较大等预警针对数据本身,不改变目标"
        "的判断,在第三部分分列为“数据缺失”和“数据待核实”。",
        "预警由监测系统按规则自动判断,各项规则和阈值由监测工作组设定;“未解除”包括已确认而条件仍然成立的预警。",
    };
    static const char *const annual_en [] = {
        "Scope: every active indicator whose target is not 'monitored' (such as 'an appropriate share'), "
        "judged on the district's values (reported by the district, or rolled up from its towns).",
        "Not reported: no district value in any plan year up to the report's year (a baseline value alone "
        "is not a report).",
        "Met: the latest plan-year value meets the target. Bounds include the number; 'at least X every "
        "year' needs every plan year; a balance target allows the configured distance; a minimum count "
        "needs every body; a relation compares the latest year both indicators have; increase/decrease "
        "targets compare the latest value with the baseline (or the earliest value); a gap must be "
        "narrower than at the baseline; a slowing rise needs the last yearly rise no larger than the one "
        "before, or no rise.",
        "Unlikely to be met: an unresolved red warning about the target (not met, behind schedule, "
        "unlikely to be met, wrong direction, relation broken, no woman in a body), even where the latest "
        "value meets the target.",
        "Behind schedule: an unresolved yellow warning about the target, and no red one.",
        "On track: reported, not yet met, and no unresolved warning about the target.",
        "No indicator's status is better than its worst unresolved warning about the target. Warnings "
        "about the data itself (missing reports, implausible values, unusual swings) do not change the "
        "judgement of the target; part 3 counts them apart as data missing and data to check.",
        "Warnings are raised automatically by the monitoring system's rules, whose thresholds the "
        "monitoring group sets; unresolved includes acknowledged warnings whose condition still holds.",
    };
    static const char *const final_zh [] = {
        "评估范围:目标类型为“仅监测”以外的全部在用指标,依据全区数值判断,评估整个规划期。",
        "无终期数据:没有评估期最后一年的全区数值(此前年份的数值不能代替终期数值),无法作终期评估。",
        "达标:评估期最后一年的数值达到目标(判断方法同年度报告;“保持在…以上”要求评估期内每一年都达到)。",
        "未达标:终期数值未达到目标,或仍有未解除的目标预警。",
        "无法判断:数值不足以判断方向类目标(只有一个数值,或关系类目标的两项指标没有共同年份)。",
        "达标的指标不能有未解除的目标预警;预警情况另列于第三部分。",
    };
    static const char *const final_en [] = {
        "Scope: every active indicator whose target is not 'monitored', judged on the district's values "
        "over the whole period.",
        "No final value: no district value for the last year of the period (an earlier year's value does "
        "not stand for it), so the target cannot be evaluated.",
        "Met: the value of the period's last year meets the target (as in the annual report; 'at least X "
        "every year' needs every year of the period).",
        "Not met: the final value misses the target, or a warning about the target is still unresolved.",
        "Cannot be judged: too few values for a direction target (a single value), or no year that both "
        "indicators of a relation report.",
        "A met target has no unresolved warning about it; the warnings are listed in part 3.",
    };
    const char *const *items;
    int count;
    if (self->options->final) {
        items = self->english ? final_en : final_zh;
        count = (int)(sizeof final_zh / sizeof final_zh [0]);
    } else {
        items = self->english ? annual_en : annual_zh;
        count = (int)(sizeof annual_zh / sizeof annual_zh [0]);
    }
    if (self->html)
        rp_out (self, "<ul>\n");
    for (int i = 0; i < count; i++) {
        rp_item_open (self);
        rp_esc (self, items [i]);
        rp_item_close (self);
    }
    rp_out (self, self->html ? "</ul>\n" : "\n");
}

//  How the values were made: roll-ups, gaps, minimum counts, revisions.
static void
s_write_data_notes (rp_report_t *self)
{
    static const char *const data_zh [] = {
        "全区数值:区级部门报送的全区数值优先;全区未报送时,由直属各镇街的数值按指标的汇总规则得出(比例类分子"
        "、分母分别相加,人数类相加),表中以“†”标注。",
        "“缩小差距”类指标的数值为全区女性与男性数值之差的绝对值,只用女性、男性都已报送的年份。",
        "“至少配备”类指标的数值为各领导班子(区级或各镇街)报送的女干部人数中的最少值。",
        "数值为各项数据的最新修订版本,可能含尚未定稿的初步数据;数值最多保留两位小数。",
        "预警和报送情况为报告生成时监测系统中的状态;历史年度的报告中,已被更新年份数据替代而解除的预警不再计"
        "入。",
    };
    static const char *const data_en [] = {
        "District values: the value the district reported wins; where it reported none, the towns' and "
        "streets' values are combined by the indicator's rule (numerators and denominators summed for "
        "shares and rates, counts added), marked †.",
        "For gap targets the value is the absolute difference between the district's women and men, in "
        "years both are reported.",
        "For minimum-count targets the value is the fewest women reported in any of the bodies (district "
        "or town teams).",
        "Values are the latest revision of each figure and may include provisional data; at most two "
        "decimals are shown.",
        "Warnings and reporting figures are as they stood when the report was generated; a report on an "
        "earlier year no longer counts warnings that later data resolved.",
    };
    if (self->html)
        rp_out (self, "<ul>\n");
    for (size_t i = 0; i < sizeof data_zh / sizeof data_zh [0]; i++) {
        rp_item_open (self);
        rp_esc (self, self->english ? data_en [i] : data_zh [i]);
        rp_item_close (self);
    }
    rp_out (self, self->html ? "</ul>\n" : "\n");
}

//  The notes reporters attached to their values (at most S_MAX_NOTES, the
//  rest counted).  0, or -1 with the error set.
static int
s_write_value_notes (rp_report_t *self)
{
    char baseline [16], year [16], limit [16];
    snprintf (baseline, sizeof baseline, "%d", self->baseline);
    snprintf (year, sizeof year, "%d", self->year);
    snprintf (limit, sizeof limit, "%d", S_MAX_NOTES);
    const char *params [] = { baseline, year, limit, self->plan_code };
    PGresult *res =
        rp_query (self, "the notes on values",
                  "SELECT o.indicator_code, i.name_zh, i.name_en, a.name_zh, a.name_en, o.year, o.note,"
                  "       count (*) OVER ()"
                  "  FROM wdmon.observation_latest o"
                  "  JOIN wdmon.indicator i ON i.code = o.indicator_code"
                  "  JOIN wdmon.plan_target t ON t.indicator_code = o.indicator_code AND t.active"
                  "       AND t.plan_code = $4"
                  "  JOIN wdmon.domain d ON d.plan_code = t.plan_code AND d.code = t.domain_code"
                  "  JOIN wdmon.area a ON a.code = o.area_code"
                  " WHERE o.period_kind = 'year' AND o.year BETWEEN $1::int AND $2::int"
                  "   AND o.note IS NOT NULL AND btrim (o.note) <> ''"
                  " ORDER BY d.ordinal, t.ordinal, a.level, o.area_code, o.year, o.body, o.sex"
                  " LIMIT $3::int",
                  4, params);
    if (!res)
        return -1;
    if (PQntuples (res) > 0) {
        rp_heading (self, 3, "notes-values",
                    rp_tr (self, "(三)报送单位对数值的注释", "5.3 Reporters' notes on values"));
        int total = atoi (PQgetvalue (res, 0, 7));
        if (total > PQntuples (res)) {
            rp_para_open (self, "fn");
            if (self->english)
                rp_outf (self, "The first %d of %d notes.", PQntuples (res), total);
            else
                rp_outf (self, "共%d条,列出前%d条。", total, PQntuples (res));
            rp_para_close (self);
        }
        const char *heads [] = { rp_tr (self, "指标", "Indicator"), rp_tr (self, "地区", "Area"),
                                 rp_tr (self, "年份", "Year"), rp_tr (self, "注释", "Note") };
        const bool numeric [] = { false, false, true, false };
        rp_table_open (self, "notes", heads, numeric, 4);
        for (int row = 0; row < PQntuples (res); row++) {
            rp_row_open (self, NULL, NULL);
            rp_cell_open (self, NULL);
            rp_esc (self, PQgetvalue (res, row, self->english ? 2 : 1));
            rp_out (self, self->html ? "<span class=\"code\">" : " (");
            rp_esc (self, PQgetvalue (res, row, 0));
            rp_out (self, self->html ? "</span>" : ")");
            rp_cell_close (self);
            rp_cell (self, NULL, PQgetvalue (res, row, self->english ? 4 : 3));
            rp_cell (self, "num", PQgetvalue (res, row, 5));
            rp_cell (self, NULL, PQgetvalue (res, row, 6));
            rp_row_close (self);
        }
        rp_table_close (self);
    }
    PQclear (res);
    return 0;
}

int
rp_write_notes (rp_report_t *self)
{
    if (self->html)
        rp_out (self, "<section class=\"part\" id=\"notes\">\n");
    rp_heading (self, 2, "notes-h", rp_tr (self, "五、说明", "5 Notes"));
    rp_heading (self, 3, "notes-status", rp_tr (self, "(一)状态的含义", "5.1 What the statuses mean"));
    s_write_definitions (self);

    rp_heading (self, 3, "notes-data", rp_tr (self, "(二)数据说明", "5.2 About the data"));
    s_write_data_notes (self);
    if (s_write_value_notes (self))
        return -1;
    if (self->html)
        rp_out (self, "</section>\n");
    return 0;
}
