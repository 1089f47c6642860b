/*  wdm_report_leaders: the one-page summary for leaders (领导摘要) at the
    front of the district's report — the few things that need a decision
    this year: the targets unlikely to be met (a final evaluation: those
    not met), the red warnings open, the member units that owe data.

    Every line is the body's: the targets are those the classification
    gave that status (part 2), the red warnings those part 3 lists (the
    same view, the same year and plan), the units those part 4 counts (the
    completeness view).  Each list is cut short so that the page stays one
    printed A4 page; what is cut is counted and pointed to in the body.
    s_write_document (wdm_report.c) calls it; it owns nothing.  */

#include "wdm_report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_TARGETS  8  //  targets named; the rest counted
#define S_MAX_WARNINGS 6  //  red warnings named
#define S_MAX_UNITS    6  //  units named

//  "另有N项,见第X部分" after a list cut short; noun_zh counts them (项, 条, 个单位).
static void
s_more (rp_report_t *self, int more, const char *noun_zh, const char *part_zh, const char *part_en)
{
    if (more <= 0)
        return;
    rp_para_open (self, "more");
    if (self->english)
        rp_outf (self, "%d more: see %s.", more, part_en);
    else
        rp_outf (self, "另有%d%s,见%s。", more, noun_zh, part_zh);
    rp_para_close (self);
}

//  An item carrying the key (data-key, HTML) the test holds against the body.
static void
s_item_open (rp_report_t *self, const char *key)
{
    if (self->html) {
        rp_out (self, "<li data-key=\"");
        rp_esc (self, key);
        rp_out (self, "\">");
    } else
        rp_item_open (self);
}

//  The targets unlikely to be met (final: not met), with their latest
//  value and the target in the plan's words.
static void
s_targets (rp_report_t *self)
{
    bool final = self->options->final;
    int count = self->sum.unlikely, listed = 0;
    rp_heading (self, 3, "leaders-targets",
                final ? rp_tr (self, "一、未达标的目标", "1 Targets not met")
                      : rp_tr (self, "一、预计难以达标的目标", "1 Targets unlikely to be met"));
    if (count == 0) {
        rp_para_open (self, "none");
        rp_esc (self, rp_tr (self, "无。", "None."));
        rp_para_close (self);
        return;
    }
    if (self->html)
        rp_out (self, "<ul id=\"leaders-targets-list\">");
    for (int i = 0; i < self->ind_count && listed < S_MAX_TARGETS; i++) {
        const rp_indicator_t *ind = &self->ind [i];
        if (ind->status != WDM_STATUS_UNLIKELY)
            continue;
        listed++;
        s_item_open (self, ind->code);
        rp_esc (self, self->english ? ind->name_en : ind->name_zh);
        rp_out (self, " (");
        rp_esc (self, ind->code);
        rp_out (self, self->english ? "): " : "):");
        int at = final ? ind->final : rp_latest (self, ind);
        if (at >= 0 && ind->has [at]) {
            if (self->english)
                rp_outf (self, "%s in %d", rp_amount (self, ind, ind->value [at]).text, self->baseline + at);
            else
                rp_outf (self, "%d年为%s", self->baseline + at, rp_amount (self, ind, ind->value [at]).text);
        } else
            rp_esc (self, rp_tr (self, "无数值", "no value"));
        rp_esc (self, rp_tr (self, ";目标:", "; target: "));
        rp_esc (self, self->english ? rp_target_en (self, ind).text : ind->clause_zh);
        rp_item_close (self);
    }
    if (self->html)
        rp_out (self, "</ul>\n");
    else
        rp_out (self, "\n");
    s_more (self, count - listed, "项", "第二部分", "part 2");
}

//  The red warnings open about indicators, as part 3.1 lists them (red
//  first there too): a report not made is a unit's debt, listed below.
//  A final evaluation's part 3 is the period's warnings; those still open
//  at its writing are the ones to decide on.  The result, or NULL.
static PGresult *
s_red_query (rp_report_t *self)
{
    char year [16], limit [16];
    snprintf (year, sizeof year, "%d", self->year);
    snprintf (limit, sizeof limit, "%d", S_MAX_WARNINGS);
    const char *params [] = { year, self->plan_code, limit };
    return rp_query (self, "the red warnings",
                     "SELECT w.id, w.indicator_zh, i.name_en, w.area_zh, a.name_en, w.year,"
                     "       w.message_zh, w.message_en, count (*) OVER ()"
                     "  FROM wdmon.open_warnings w"
                     "  JOIN wdmon.indicator i ON i.code = w.indicator_code"
                     "  JOIN wdmon.plan_target t ON t.plan_code = w.plan_code"
                     "       AND t.indicator_code = w.indicator_code"
                     "  JOIN wdmon.area a ON a.code = w.area_code"
                     " WHERE w.level = 'red' AND w.year <= $1::int AND w.plan_code = $2"
                     "   AND w.rule_code <> 'missing'"
                     " ORDER BY w.domain_ordinal, t.ordinal, a.level, w.area_code, w.year, w.id"
                     " LIMIT $3::int",
                     3, params);
}

static void
s_red_warnings (rp_report_t *self, const PGresult *res)
{
    rp_heading (self, 3, "leaders-red",
                rp_tr (self, "二、未解除的指标红色预警", "2 Red warnings about indicators open"));
    int rows = PQntuples (res), total = rows ? atoi (PQgetvalue (res, 0, 8)) : 0;
    if (rows == 0) {
        rp_para_open (self, "none");
        rp_esc (self, rp_tr (self, "无。", "None."));
        rp_para_close (self);
    } else {
        if (self->html)
            rp_out (self, "<ul id=\"leaders-red-list\">");
        for (int row = 0; row < rows; row++) {
            char key [64];
            snprintf (key, sizeof key, "%.32s", PQgetvalue (res, row, 0));
            s_item_open (self, key);
            rp_esc (self, PQgetvalue (res, row, self->english ? 2 : 1));
            rp_out (self, self->english ? ", " : "·");
            rp_esc (self, PQgetvalue (res, row, self->english ? 4 : 3));
            rp_outf (self, self->english ? " (%s): " : "(%s年):", PQgetvalue (res, row, 5));
            rp_esc (self, PQgetvalue (res, row, self->english ? 7 : 6));
            rp_item_close (self);
        }
        if (self->html)
            rp_out (self, "</ul>\n");
        else
            rp_out (self, "\n");
    }
    s_more (self, total - rows, "条", "第三部分(一)", "part 3.1");
}

//  The member units with reports missing (part 4's rows with any
//  missing), most first.  The result, or NULL.
static PGresult *
s_units_query (rp_report_t *self)
{
    char first [16], year [16];
    snprintf (first, sizeof first, "%d", self->options->final ? self->first : self->year);
    snprintf (year, sizeof year, "%d", self->year);
    const char *params [] = { first, year, self->plan_code };
    return rp_query (self, "the units owing data",
                     "SELECT c.unit_code, max (c.unit_zh), max (u.name_en), sum (c.missing)"
                     "  FROM wdmon.completeness c JOIN wdmon.member_unit u ON u.code = c.unit_code"
                     " WHERE c.year BETWEEN $1::int AND $2::int AND c.plan_code = $3"
                     " GROUP BY c.unit_code HAVING sum (c.missing) > 0"
                     " ORDER BY sum (c.missing) DESC, sum (c.late) DESC, c.unit_code",
                     3, params);
}

static void
s_units (rp_report_t *self, const PGresult *res)
{
    rp_heading (self, 3, "leaders-units",
                rp_tr (self, "三、尚有数据未报送的成员单位", "3 Units that owe data"));
    int rows = PQntuples (res), listed = rows < S_MAX_UNITS ? rows : S_MAX_UNITS;
    if (rows == 0) {
        rp_para_open (self, "none");
        rp_esc (self, rp_tr (self, "无。", "None."));
        rp_para_close (self);
    } else {
        if (self->html)
            rp_out (self, "<ul id=\"leaders-units-list\">");
        for (int row = 0; row < listed; row++) {
            s_item_open (self, PQgetvalue (res, row, 0));
            rp_esc (self, PQgetvalue (res, row, self->english ? 2 : 1));
            rp_outf (self, self->english ? ": %s reports missing" : ":未报送%s项", PQgetvalue (res, row, 3));
            rp_item_close (self);
        }
        if (self->html)
            rp_out (self, "</ul>\n");
        else
            rp_out (self, "\n");
    }
    s_more (self, rows - listed, "个单位", "第四部分", "part 4");
}

int
rp_write_leaders (rp_report_t *self)
{
    int rc = -1;
    PGresult *red = s_red_query (self), *units = red ? s_units_query (self) : NULL;
    if (!units)
        goto cleanup;
    int reds = PQntuples (red) ? atoi (PQgetvalue (red, 0, 8)) : 0, owing = PQntuples (units);
    if (self->html)
        rp_out (self, "<section class=\"leaders\" id=\"leaders\">\n");
    rp_heading (self, 2, "leaders-h", rp_tr (self, "领导摘要", "Summary for leaders"));
    rp_para_open (self, "lead");
    if (self->english)
        rp_outf (self,
                 "What needs a decision as of %d: %d targets %s, %d red warnings about indicators open, "
                 "%d member units owing data. Each line below is the report's body.",
                 self->year, self->sum.unlikely, self->options->final ? "not met" : "unlikely to be met",
                 reds, owing);
    else
        rp_outf (self,
                 "截至%d年,需要研究决策的事项:%d项目标%s,%d条指标红色预警未解除,%d个成员单位尚有数据未报送。"
                 "以下各项均与报告正文一致。",
                 self->year, self->sum.unlikely, self->options->final ? "未达标" : "预计难以达标", reds,
                 owing);
    rp_para_close (self);
    s_targets (self);
    s_red_warnings (self, red);
    s_units (self, units);
    if (self->html)
        rp_out (self, "</section>\n");
    rc = 0;
cleanup:
    PQclear (red);
    PQclear (units);
    return rc;
}
