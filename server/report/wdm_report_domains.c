/*  wdm_report_domains: part 2 of the report, the indicators by domain —
    one table per domain with each indicator's target, its values by year,
    the latest value and its status, and in HTML a chart of each.
    s_write_document (wdm_report.c) calls it; it owns nothing.  */

#include "wdm_report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  (一) … (十), then plain numbers.
static const char *
s_numeral_zh (int n)
{
    static const char *const numerals [] = { "一", "二", "三", "四", "五", "六", "七", "八", "九", "十" };
    return n >= 1 && n <= 10 ? numerals [n - 1] : NULL;
}

//  One value cell of the domain table.
static void
s_value_cell (rp_report_t *self, const rp_indicator_t *ind, int y, bool latest)
{
    const char *cls = latest ? "num latest" : "num";
    if (y < 0 || !ind->has [y]) {
        rp_cell (self, cls, "—");
        return;
    }
    char title [160] = "";
    bool stated = y == 0 && strcmp (ind->baseline_source, "plan") == 0;
    if (stated)
        snprintf (title, sizeof title, "%s",
                  rp_tr (self, "规划文本所列基期值", "the baseline the plan states"));
    else if (ind->parts [y])
        snprintf (title, sizeof title, self->english ? "rolled up from %d areas" : "由%d个镇街汇总",
                  ind->parts [y]);
    else if (ind->kind == WDM_TARGET_NARROW_GAP)
        snprintf (title, sizeof title, self->english ? "women %s, men %s" : "女性%s,男性%s",
                  rp_num (ind->women [y]).text, rp_num (ind->men [y]).text);
    else if (ind->kind == WDM_TARGET_MIN_COUNT)
        snprintf (title, sizeof title, self->english ? "fewest among %d bodies" : "%d个班子中的最少人数",
                  ind->bodies [y]);
    if (self->html) {
        if (title [0])
            rp_outf (self, "<td class=\"%s\" title=\"%s\">", cls, title);
        else
            rp_outf (self, "<td class=\"%s\">", cls);
    } else
        rp_cell_open (self, cls);
    rp_esc (self, latest ? rp_amount (self, ind, ind->value [y]).text : rp_num (ind->value [y]).text);
    if (latest && self->options->final)
        rp_outf (self, self->english ? " (%d)" : "(%d年)", self->baseline + y);
    if (stated)
        rp_out (self, "ᵖ");
    else if (ind->parts [y])
        rp_out (self, self->html ? "<sup class=\"r\">†</sup>" : "†");
    rp_cell_close (self);
}

//  The columns of the domain tables: indicator, target, each year from the
//  baseline, the latest value, the status.
typedef struct {
    const char *heads [RP_MAX_YEARS + 7];
    bool numeric [RP_MAX_YEARS + 7];
    char year_heads [RP_MAX_YEARS][32];
    int columns;
} s_columns_t;

static void
s_columns_init (rp_report_t *self, s_columns_t *c)
{
    c->columns = 0;
    c->heads [c->columns] = rp_tr (self, "指标", "Indicator");
    c->numeric [c->columns++] = false;
    c->heads [c->columns] = rp_tr (self, "目标", "Target");
    c->numeric [c->columns++] = false;
    for (int y = 0; y < self->years; y++) {
        if (y == 0)
            snprintf (c->year_heads [y], sizeof c->year_heads [y],
                      self->english ? "%d (baseline)" : "%d(基期)", self->baseline);
        else
            snprintf (c->year_heads [y], sizeof c->year_heads [y], "%d", self->baseline + y);
        c->heads [c->columns] = c->year_heads [y];
        c->numeric [c->columns++] = true;
    }
    if (self->options->final) {
        c->heads [c->columns] = rp_tr (self, "终期值(年份)", "Final value (year)");
        c->numeric [c->columns++] = true;
        c->heads [c->columns] = rp_tr (self, "较基期变化", "Change from baseline");
        c->numeric [c->columns++] = true;
    } else {
        c->heads [c->columns] = rp_tr (self, "最新值", "Latest");
        c->numeric [c->columns++] = true;
    }
    c->heads [c->columns] = rp_tr (self, "状态", "Status");
    c->numeric [c->columns++] = false;
}

//  What a domain's rows hold, for the notes and charts below its table.
typedef struct {
    bool rolled, gap, count, relation;
    int charts;  //  indicators with a value to chart
} s_seen_t;

//  "2.3 Health" or "(三)妇女与健康": the heading of domain d.
static void
s_domain_heading (rp_report_t *self, int d)
{
    char id [32], heading [256];
    snprintf (id, sizeof id, "domain-%d", d + 1);
    int ordinal = atoi (PQgetvalue (self->domains, d, 1));
    if (self->english)
        snprintf (heading, sizeof heading, "2.%d %s", ordinal, PQgetvalue (self->domains, d, 3));
    else if (s_numeral_zh (ordinal))
        snprintf (heading, sizeof heading, "(%s)%s", s_numeral_zh (ordinal),
                  PQgetvalue (self->domains, d, 2));
    else
        snprintf (heading, sizeof heading, "(%d)%s", ordinal, PQgetvalue (self->domains, d, 2));
    rp_heading (self, 3, id, heading);
}

//  One indicator's row: name and code, target, values, latest, status;
//  what it holds is added to seen.
static void
s_indicator_row (rp_report_t *self, const rp_indicator_t *ind, s_seen_t *seen)
{
    char row_id [96];
    snprintf (row_id, sizeof row_id, "ind-%.64s", ind->code);
    rp_row_open (self, self->html ? row_id : NULL, NULL);
    rp_cell_open (self, "name");
    if (self->html) {
        rp_esc (self, self->english ? ind->name_en : ind->name_zh);
        rp_out (self, "<span class=\"code\">");
        rp_esc (self, ind->code);
        rp_out (self, "</span>");
    } else {
        rp_esc (self, ind->code);
        rp_out (self, " ");
        rp_esc (self, self->english ? ind->name_en : ind->name_zh);
    }
    rp_cell_close (self);
    if (self->english)
        rp_cell (self, "target", rp_target_en (self, ind).text);
    else
        rp_cell (self, "target", ind->clause_zh);
    bool values = false;
    for (int y = 0; y < self->years; y++) {
        s_value_cell (self, ind, y, false);
        values = values || ind->has [y];
        seen->rolled = seen->rolled || ind->parts [y];
    }
    if (self->options->final) {
        //  The value of the year judged, and the change from the baseline to it.
        s_value_cell (self, ind, ind->final, true);
        double change;
        if (rp_change (ind, ind->final, &change)) {
            rp_text_t text = rp_num (change);
            char signed_text [200];
            snprintf (signed_text, sizeof signed_text, "%s%s", change > 0 ? "+" : "", text.text);
            rp_cell (self, "num", signed_text);
        } else
            rp_cell (self, "num", "—");
    } else
        s_value_cell (self, ind, rp_latest (self, ind), true);
    if (self->html)
        rp_outf (self, "<td class=\"status\"><span class=\"st st-%s\">", rp_status_class (self, ind->status));
    else
        rp_cell_open (self, "status");
    rp_esc (self, rp_status_label (self, ind->status));
    rp_out (self, self->html ? "</span></td>" : " |");
    rp_row_close (self);
    seen->charts += values;
    seen->gap = seen->gap || (values && ind->kind == WDM_TARGET_NARROW_GAP);
    seen->count = seen->count || (values && ind->kind == WDM_TARGET_MIN_COUNT);
    seen->relation = seen->relation || (values && ind->kind == WDM_TARGET_RELATION);
}

//  The note under a domain's table, where its values need one.
static void
s_domain_note (rp_report_t *self, const s_seen_t *seen)
{
    if (!seen->rolled && !seen->gap && !seen->count)
        return;
    rp_para_open (self, "fn");
    rp_esc (self, rp_tr (self, "注:", "Note: "));
    if (seen->rolled)
        rp_esc (self,
                rp_tr (self, "†全区未报送,由各镇街报送值汇总。",
                       "† not reported by the district; rolled up from its towns and streets. "));
    if (seen->gap)
        rp_esc (self,
                rp_tr (self, "“两性差距”类指标的数值为女性与男性数值之差的绝对值。",
                       "For gap targets the value is the difference between women and men. "));
    if (seen->count)
        rp_esc (self,
                rp_tr (self, "“至少配备”类指标的数值为各领导班子中女干部人数的最少值。",
                       "For minimum-count targets the value is the fewest women in any body. "));
    rp_para_close (self);
}

//  HTML: a chart of each indicator of domain d that has a value.
static void
s_domain_charts (rp_report_t *self, int d, const s_seen_t *seen)
{
    if (!self->html || seen->charts == 0)
        return;
    rp_out (self, "<div class=\"chartblock\"><p class=\"fn legend\">");
    rp_esc (self,
            rp_tr (self, "图:全区数值走势。虚线为目标值", "Charts: the district's path. Dashed: the target"));
    if (seen->relation)
        rp_esc (self, rp_tr (self, "(关系类目标为对照指标)", " (for a relation, the other indicator)"));
    rp_esc (self, rp_tr (self, ";空心点为镇街汇总值。", "; hollow points are rolled-up values."));
    rp_out (self, "</p>\n<div class=\"charts\">\n");
    for (int i = 0; i < self->ind_count; i++)
        if (self->ind [i].domain == d)
            rp_chart (self, &self->ind [i]);
    rp_out (self, "</div></div>\n");
}

//  Domain d: its heading, its table (or a line saying it has no
//  indicator), the note and the charts.
static void
s_write_domain (rp_report_t *self, int d, const s_columns_t *columns)
{
    s_domain_heading (self, d);
    bool any = false;
    s_seen_t seen = { false, false, false, false, 0 };
    for (int i = 0; i < self->ind_count; i++) {
        const rp_indicator_t *ind = &self->ind [i];
        if (ind->domain != d)
            continue;
        if (!any)
            rp_table_open (self, "ind", columns->heads, columns->numeric, columns->columns);
        any = true;
        s_indicator_row (self, ind, &seen);
    }
    if (!any) {
        rp_para_open (self, "fn");
        rp_esc (self, rp_tr (self, "本领域暂无指标。", "No indicators in this domain."));
        rp_para_close (self);
        return;
    }
    rp_table_close (self);
    s_domain_note (self, &seen);
    s_domain_charts (self, d, &seen);
}

void
rp_write_domains (rp_report_t *self)
{
    if (self->html)
        rp_out (self, "<section class=\"part\" id=\"domains\">\n");
    rp_heading (self, 2, "domains-h", rp_tr (self, "二、分领域监测情况", "2 Indicators by domain"));
    rp_para_open (self, "fn");
    if (self->options->final && self->english)
        rp_outf (self,
                 "Each table gives the district's value by year, %d being the baseline; each target is "
                 "judged on its value for its target year (%d) and no other year's, and its change is "
                 "from the baseline to that value.",
                 self->baseline, self->year);
    else if (self->options->final)
        rp_outf (
            self,
            "各表列出全区各年度数值,%d年为基期;每项目标按其目标年(%d年)的数值评估,不以其他年份的数值代替,"
            "“较基期变化”为该数值与基期值之差。",
            self->baseline, self->year);
    else if (self->english)
        rp_outf (self,
                 "Each table gives the district's value by year, %d being the baseline; the latest "
                 "value is the latest of the plan years up to %d.",
                 self->baseline, self->year);
    else
        rp_outf (self, "各表列出全区各年度数值,%d年为基期;“最新值”为%d年及以前规划年度中最近一年的数值。",
                 self->baseline, self->year);
    if (self->english)
        rp_outf (self,
                 " Where each baseline came from: marked ᵖ, the plan's text states it; otherwise it is the "
                 "district's value stored for %d; — where there is none.",
                 self->baseline);
    else
        rp_outf (self,
                 "基期值来源:标“ᵖ”的为规划文本所列基期值,其余为系统中存储的%d年全区数值,“—”为无基期值。",
                 self->baseline);
    rp_para_close (self);
    s_columns_t columns;
    s_columns_init (self, &columns);
    for (int d = 0; d < self->domain_count; d++)
        s_write_domain (self, d, &columns);
    if (self->html)
        rp_out (self, "</section>\n");
}
