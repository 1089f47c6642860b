/*  wdm_report_csv: the report as CSV, one row per indicator with its
    values by year, latest value and status — UTF-8 with a BOM, CRLF, RFC
    4180 quotes, formulas defused — for a spreadsheet.  wdm_report_write
    calls it for WDM_REPORT_CSV; it owns nothing.  */

#include "wdm_report_int.h"

#include <stdio.h>
#include <string.h>

//  One field, RFC 4180: quoted when it holds a comma, a quote, a line
//  break or edge spaces, quotes doubled.  A text that a spreadsheet would
//  read as a formula (=, +, -, @ first) gets a leading apostrophe.
static void
s_csv_field (rp_report_t *self, const char *text, bool is_text, bool last)
{
    bool formula = is_text && text [0] && strchr ("=+-@\t\r", text [0]);
    size_t len = strlen (text);
    bool quote = formula || strpbrk (text, ",\"\r\n") != NULL
        || (len > 0 && (text [0] == ' ' || text [len - 1] == ' '));
    if (quote)
        fputc ('"', self->out);
    if (formula)
        fputc ('\'', self->out);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            fputc ('"', self->out);
        fputc (*p, self->out);
    }
    if (quote)
        fputc ('"', self->out);
    rp_out (self, last ? "\r\n" : ",");
}

int
rp_write_csv (rp_report_t *self)
{
    rp_out (self, "\xEF\xBB\xBF");
    static const char *const zh [] = { "代码", "领域", "指标",   "目标类型",
                                       "目标", "单位", "基期值", "基期值来源" };
    static const char *const en [] = { "code",   "domain", "name",     "target_kind",
                                       "target", "unit",   "baseline", "baseline_source" };
    const bool final = self->options->final;
    for (int k = 0; k < 8; k++)
        s_csv_field (self, self->english ? en [k] : zh [k], true, false);
    for (int y = 0; y < self->years; y++)
        rp_outf (self, "%d,", self->baseline + y);
    s_csv_field (self, rp_tr (self, "最新值", "latest"), true, false);
    if (final) {
        s_csv_field (self, rp_tr (self, "终期年份", "final_year"), true, false);
        s_csv_field (self, rp_tr (self, "终期值", "final_value"), true, false);
        s_csv_field (self, rp_tr (self, "较基期变化", "change"), true, false);
    }
    s_csv_field (self, rp_tr (self, "状态", "status"), true, false);
    s_csv_field (self, rp_tr (self, "汇总年份", "rolled_up_years"), true, true);
    for (int i = 0; i < self->ind_count; i++) {
        const rp_indicator_t *ind = &self->ind [i];
        s_csv_field (self, ind->code, true, false);
        s_csv_field (self, PQgetvalue (self->domains, ind->domain, self->english ? 3 : 2), true, false);
        s_csv_field (self, self->english ? ind->name_en : ind->name_zh, true, false);
        s_csv_field (self, ind->kind_name, true, false);
        s_csv_field (self, self->english ? rp_target_en (self, ind).text : ind->clause_zh, true, false);
        const char *unit = self->english ? rp_unit_en (ind) : ind->symbol;
        s_csv_field (self, unit ? (unit [0] == ' ' ? unit + 1 : unit) : ind->unit_name_en, true, false);
        s_csv_field (self, ind->has [0] ? rp_num (ind->value [0]).text : "", false, false);
        s_csv_field (self, rp_baseline_source (self, ind), true, false);
        char rolled [RP_MAX_YEARS * 6] = "";
        for (int y = 0; y < self->years; y++) {
            s_csv_field (self, ind->has [y] ? rp_num (ind->value [y]).text : "", false, false);
            if (ind->has [y] && ind->parts [y])
                snprintf (rolled + strlen (rolled), sizeof rolled - strlen (rolled), "%s%d",
                          rolled [0] ? " " : "", self->baseline + y);
        }
        int latest = rp_latest (self, ind);
        s_csv_field (self, latest >= 0 ? rp_num (ind->value [latest]).text : "", false, false);
        if (final) {
            //  The year judged and its value, where there is one; the change
            //  from the baseline to it.
            bool has = ind->final >= 0 && ind->has [ind->final];
            char year [16] = "";
            double change;
            if (has)
                snprintf (year, sizeof year, "%d", self->baseline + ind->final);
            s_csv_field (self, year, false, false);
            s_csv_field (self, has ? rp_num (ind->value [ind->final]).text : "", false, false);
            s_csv_field (self, rp_change (ind, ind->final, &change) ? rp_num (change).text : "", false,
                         false);
        }
        s_csv_field (self, rp_status_label (self, ind->status), true, false);
        s_csv_field (self, rolled, false, true);
    }
    return 0;
}
