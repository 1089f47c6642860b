/*  wdm_report_summary: the document's head — the title, the metadata and
    the note on sources — and part 1, the summary: how many indicators
    stand where, overall and by domain.  s_write_document (wdm_report.c)
    calls it; it owns nothing.  */

#include "wdm_report_int.h"

#include <stdio.h>

//  The name of the summary field a status is counted in, for ids.
static const char *
s_status_field (rp_status_t status)
{
    static const char *const fields [] = {
        "met", "on_track", "behind", "unlikely", "not_reported", "monitor"
    };
    return fields [status];
}

//  --- The document: HTML and Markdown --------------------------------------------

static void
s_report_name (rp_report_t *self, char *buffer, size_t size)
{
    if (self->options->final)
        snprintf (buffer, size, "%s",
                  rp_tr (self, "终期监测评估报告", "Final Monitoring and Evaluation Report"));
    else if (self->english)
        snprintf (buffer, size, "Monitoring Report %d", self->year);
    else
        snprintf (buffer, size, "%d年度监测报告", self->year);
}

void
rp_write_head (rp_report_t *self)
{
    const char *title = PQgetvalue (self->plan, 0, self->english ? 2 : 1);
    char name [128];
    s_report_name (self, name, sizeof name);
    if (self->html) {
        rp_outf (self,
                 "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                 "style-src 'unsafe-inline'; img-src data:\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
                 self->english ? "en" : "zh-CN");
        rp_esc (self, title);
        rp_out (self, self->english ? ": " : "");
        rp_esc (self, name);
        rp_outf (self,
                 "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header class=\"cover\">\n<h1>"
                 "<span class=\"plan\">",
                 rp_css);
        rp_esc (self, title);
        rp_out (self, "</span>");
        rp_esc (self, name);
        rp_out (self, "</h1>\n<p class=\"meta\">");
    } else {
        rp_out (self, "# ");
        rp_esc (self, title);
        rp_out (self, self->english ? ": " : "");
        rp_esc (self, name);
        rp_out (self, "\n\n");
    }
    rp_esc (self, rp_tr (self, "生成时间:", "Generated: "));
    rp_esc (self, self->generated);
    if (self->options->final)
        rp_outf (self, self->english ? " · Period evaluated: %d–%d" : " · 评估期:%d—%d年", self->first,
                 self->year);
    else
        rp_outf (self, self->english ? " · Data up to %d" : " · 数据截至%d年", self->year);
    rp_outf (self, self->english ? " · Baseline year: %d" : " · 基期:%d年", self->baseline);
    if (self->html)
        rp_out (self, "</p>\n<p class=\"source\">");
    else
        rp_out (self, "\n\n> ");
    rp_esc (
        self,
        rp_tr (
            self,
            "数据来源:本报告的数值由各成员单位(区级部门和各镇、街道)报送,每项数据以其最新修订版本为准。"
            "全区数值以区级报送的数值为准;全区未报送而各镇街已报送的,由镇街数值汇总得出(比例类指标按分子、"
            "分母分别相加后计算,不对百分比取平均),此类数值在表中以“†”标注。预警和报送情况取自监测系统,"
            "反映报告生成时的状态。",
            "Sources: the values in this report were reported by the member units (district departments, "
            "towns and streets); each is the latest revision. District values are those the district "
            "reported; where it reported none but its towns and streets did, the district value is rolled up "
            "from theirs (shares and rates from summed numerators and denominators, never averaged "
            "percentages) and marked † in the tables. Warnings and reporting figures are as the monitoring "
            "system held them when the report was generated."));
    rp_out (self, self->html ? "</p>\n</header>\n" : "\n\n");
}

//  How the lead paragraph names each status it counts, [final][status]
//  [english]: an annual report's words, then a final evaluation's.
static const char *const s_lead_words [2][WDM_STATUS_COUNT][2] = {
    {
        [WDM_STATUS_MET] = { "已达标", "met" },
        [WDM_STATUS_ON_TRACK] = { "进展正常", "on track" },
        [WDM_STATUS_BEHIND] = { "进度滞后", "behind schedule" },
        [WDM_STATUS_UNLIKELY] = { "预计达标困难", "unlikely to be met" },
        [WDM_STATUS_NOT_REPORTED] = { "未报送数据", "not reported" },
    },
    {
        [WDM_STATUS_MET] = { "达标", "met" },
        [WDM_STATUS_ON_TRACK] = { "数据不足、无法判断", "cannot be judged from the data" },
        [WDM_STATUS_UNLIKELY] = { "未达标", "not met" },
        [WDM_STATUS_NOT_REPORTED] = { "无终期数据", "without a final value" },
    },
};

//  The lead paragraph's sentences: how many are judged, how many stand
//  where (in the summary's order, each with its share), how many warnings
//  are open.  One sentence shape for both languages; the words come from
//  s_lead_words.
static void
s_summary_lead (rp_report_t *self)
{
    const wdm_report_summary_t *s = &self->sum;
    const bool en = self->english, final = self->options->final;
    rp_outf (self,
             en ? "%d indicators have a target that can be judged (%d more are monitored without one). "
                : "纳入评估的有明确目标的指标共%d项(另有%d项指标仅作监测,不设可判断的目标)。",
             s->indicators, self->monitored);
    if (final)
        rp_outf (self, en ? "Over the period %d–%d: " : "评估期(%d—%d年)内,", self->first, self->year);
    else
        rp_outf (self, en ? "As of %d: " : "截至%d年,", self->year);
    rp_status_t order [5];
    int n = rp_summary_order (self, order);
    for (int k = 0; k < n; k++) {
        int count = rp_summary_count (self, order [k]);
        const char *words = s_lead_words [final][order [k]][en];
        rp_text_t share = rp_share (count, s->indicators);
        if (en)
            rp_outf (self, "%s%d %s (%s)", k ? ", " : "", count, words, share.text);
        else
            rp_outf (self, "%s%s%d项,占%s", k ? ";" : "", words, count, share.text);
    }
    rp_out (self, en ? "." : "。");
    rp_outf (self,
             en ? " Unresolved warnings: %d red, %d yellow."
                : "目前未解除的预警中,红色预警%d条,黄色预警%d条。",
             s->open_red, s->open_yellow);
}

//  The targets of one status, code and name, after what the lead wrote.
static void
s_list_status (rp_report_t *self, rp_status_t status)
{
    int listed = 0;
    for (int i = 0; i < self->ind_count; i++) {
        const rp_indicator_t *ind = &self->ind [i];
        if (ind->status != status)
            continue;
        rp_out (self, listed++ ? (self->english ? "; " : "、") : "");
        rp_esc (self, ind->code);
        rp_out (self, " ");
        rp_esc (self, self->english ? ind->name_en : ind->name_zh);
    }
    rp_out (self, self->english ? "." : "。");
}

//  A final evaluation names the targets not met, those the values cannot
//  judge, and those it could not evaluate for want of a final value.
static void
s_unevaluated (rp_report_t *self)
{
    const wdm_report_summary_t *s = &self->sum;
    if (!self->options->final)
        return;
    if (s->unlikely > 0) {
        rp_para_open (self, "lead");
        rp_esc (self, rp_tr (self, "未达标的目标:", "Targets not met: "));
        s_list_status (self, WDM_STATUS_UNLIKELY);
        rp_para_close (self);
    }
    if (s->on_track > 0) {
        rp_para_open (self, "lead");
        rp_esc (self, rp_tr (self, "数据不足、无法判断的目标:", "Targets the values cannot judge: "));
        s_list_status (self, WDM_STATUS_ON_TRACK);
        rp_para_close (self);
    }
    if (s->not_reported == 0)
        return;
    rp_para_open (self, "lead");
    if (self->english)
        rp_outf (self,
                 "%d targets have no value for their target year (%d), are not evaluated and not counted "
                 "as met: ",
                 s->not_reported, self->year);
    else
        rp_outf (self, "以下%d项目标没有目标年(%d年)数值,未作终期评估,不计为达标:", s->not_reported,
                 self->year);
    s_list_status (self, WDM_STATUS_NOT_REPORTED);
    rp_para_close (self);
}

//  The indicators by status, in the summary's order, and their total.
static void
s_status_table (rp_report_t *self, const rp_status_t *order, int n)
{
    const wdm_report_summary_t *s = &self->sum;
    const char *heads [] = { rp_tr (self, "状态", "Status"), rp_tr (self, "指标数", "Indicators"),
                             rp_tr (self, "占比", "Share") };
    const bool numeric [] = { false, true, true };
    rp_table_open (self, "summary", heads, numeric, 3);
    for (int k = 0; k < n; k++) {
        int count = rp_summary_count (self, order [k]);
        char id [32];
        rp_row_open (self, NULL, NULL);
        if (self->html)
            rp_outf (self, "<td><span class=\"st st-%s\">", rp_status_class (self, order [k]));
        else
            rp_cell_open (self, NULL);
        rp_esc (self, rp_status_label (self, order [k]));
        rp_out (self, self->html ? "</span></td>" : " |");
        snprintf (id, sizeof id, "count-%s", s_status_field (order [k]));
        rp_cell_int (self, id, count);
        rp_cell (self, "num", rp_share (count, s->indicators).text);
        rp_row_close (self);
    }
    rp_row_open (self, NULL, "total");
    rp_cell (self, NULL, rp_tr (self, "合计", "Total"));
    rp_cell_int (self, "count-total", s->indicators);
    rp_cell (self, "num", s->indicators ? "100.0%" : "0.0%");
    rp_row_close (self);
    rp_table_close (self);
}

//  The judged and monitored indicators of each domain, by status.
static void
s_domain_table (rp_report_t *self, const rp_status_t *order, int n)
{
    rp_heading (self, 3, "summary-domains", rp_tr (self, "分领域情况", "By domain"));
    const char *dheads [8];
    bool dnumeric [8];
    int columns = 0;
    dheads [columns] = rp_tr (self, "领域", "Domain");
    dnumeric [columns++] = false;
    dheads [columns] = rp_tr (self, "评估指标", "Judged");
    dnumeric [columns++] = true;
    for (int k = 0; k < n; k++) {
        dheads [columns] = rp_status_label (self, order [k]);
        dnumeric [columns++] = true;
    }
    dheads [columns] = rp_status_label (self, WDM_STATUS_MONITOR);
    dnumeric [columns++] = true;
    rp_table_open (self, "domains", dheads, dnumeric, columns);
    for (int d = 0; d < self->domain_count; d++) {
        const int *c = self->by_domain [d];
        rp_row_open (self, NULL, NULL);
        rp_cell (self, NULL, PQgetvalue (self->domains, d, self->english ? 3 : 2));
        rp_cell_int (self, NULL,
                     c [WDM_STATUS_MET] + c [WDM_STATUS_ON_TRACK] + c [WDM_STATUS_BEHIND]
                         + c [WDM_STATUS_UNLIKELY] + c [WDM_STATUS_NOT_REPORTED]);
        for (int k = 0; k < n; k++)
            rp_cell_int (self, NULL, c [order [k]]);
        rp_cell_int (self, NULL, c [WDM_STATUS_MONITOR]);
        rp_row_close (self);
    }
    rp_table_close (self);
}

void
rp_write_summary (rp_report_t *self)
{
    rp_status_t order [5];
    int n = rp_summary_order (self, order);
    if (self->html)
        rp_out (self, "<section class=\"part first\" id=\"summary\">\n");
    rp_heading (self, 2, "summary-h", rp_tr (self, "一、总体情况", "1 Summary"));
    rp_para_open (self, "lead");
    s_summary_lead (self);
    rp_para_close (self);
    s_unevaluated (self);
    if (self->html)
        rp_summary_bar (self);
    s_status_table (self, order, n);
    s_domain_table (self, order, n);
    if (self->html)
        rp_out (self, "</section>\n");
}
