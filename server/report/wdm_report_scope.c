/*  wdm_report_scope: the report for one member unit (`wdmon report --unit
    CODE`) or one town or street (`--area CODE`).  The same load and the
    same classification as the district's report — the values read are
    the scope's area's instead of the district's (wdm_report_load reads
    self->district_code, which this module points at that area), and a
    unit's report keeps only the indicators it answers for — so that a
    figure in a unit's or a town's report is the one the district's report
    or the database gives for that indicator and area.

    The document: the cover, part 1 the summary (wdm_report_summary), part
    2 each indicator on the area, part 3 the open warnings (the area's and
    the areas within it; for a unit, those the warnings list shows that
    unit: about it, or about indicators it leads), part 4 what is owed
    (a unit: each report it owes for the year and its state, the view
    report_owed; an area: the completeness of the units there).  The CSV
    is the district's CSV form over the scope's indicators.  wdm_report.c
    and wdm_report_load.c call it; it owns self->scope (freed by
    wdm_report_write).  */

#include "wdm_report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_ROWS 500  //  warnings and owed reports listed; the rest are counted

//  The scope's row: code, name_zh, name_en, area code, area name_zh,
//  area name_en, area level.
enum { S_CODE, S_NAME_ZH, S_NAME_EN, S_AREA, S_AREA_ZH, S_AREA_EN, S_LEVEL };

static const char *
s_get (const rp_report_t *self, int column)
{
    return PQgetvalue (self->scope, 0, column);
}

int
rp_scope_load (rp_report_t *self)
{
    const char *unit = self->options->unit, *area = self->options->area;
    if (!unit && !area)
        return 0;
    if (unit && area) {
        rp_fail (self, "a report is of a unit or of an area, not both");
        return -1;
    }
    const char *params [] = { unit ? unit : area };
    self->scope = rp_query (
        self, unit ? "the member unit" : "the area",
        unit ? "SELECT u.code, u.name_zh, u.name_en, a.code, a.name_zh, a.name_en, a.level::text"
               "  FROM wdmon.member_unit u JOIN wdmon.area a ON a.code = u.area_code WHERE u.code = $1"
             : "SELECT code, name_zh, name_en, code, name_zh, name_en, level::text"
               "  FROM wdmon.area WHERE code = $1",
        1, params);
    if (!self->scope)
        return -1;
    if (PQntuples (self->scope) != 1) {
        rp_fail (self, unit ? "没有成员单位 %s / no member unit %s" : "没有地区 %s / no area %s", params [0],
                 params [0]);
        return -1;
    }
    self->district_code = s_get (self, S_AREA);
    return 0;
}

int
rp_scope_filter (rp_report_t *self)
{
    if (!self->options->unit)
        return 0;
    const char *params [] = { self->options->unit };
    PGresult *res =
        rp_query (self, "the unit's responsibilities",
                  "SELECT indicator_code, lead FROM wdmon.responsibility WHERE unit_code = $1", 1, params);
    if (!res)
        return -1;
    for (int i = 0; i < self->ind_count; i++)
        self->ind [i].hidden = true;
    for (int row = 0; row < PQntuples (res); row++)
        for (int i = 0; i < self->ind_count; i++)
            if (strcmp (self->ind [i].code, PQgetvalue (res, row, 0)) == 0) {
                self->ind [i].hidden = false;
                self->ind [i].lead = strcmp (PQgetvalue (res, row, 1), "t") == 0;
            }
    PQclear (res);
    return 0;
}

//  The warnings the scope answers for, as SQL over open_warnings w: $3
//  the unit (about it, or about an indicator it leads: the warnings
//  list's rule, wdm_warnings_query.h) or the area (it and within it).
static const char *
s_warning_scope (const rp_report_t *self)
{
    return self->options->unit
        ? "(w.unit_code = $3 OR EXISTS (SELECT 1 FROM wdmon.responsibility r"
          "  WHERE r.indicator_code = w.indicator_code AND r.unit_code = $3 AND r.lead))"
        : "w.area_code IN (SELECT within_code FROM wdmon.area_within WHERE area_code = $3)";
}

int
rp_scope_warning_counts (rp_report_t *self)
{
    char year [16], sql [1024];
    snprintf (year, sizeof year, "%d", self->year);
    snprintf (sql, sizeof sql,
              "SELECT count (*) FILTER (WHERE level = 'red'), count (*) FILTER (WHERE level = 'yellow')"
              "  FROM wdmon.open_warnings w WHERE w.year <= $1::int AND w.plan_code = $2 AND %s",
              s_warning_scope (self));
    const char *params [] = { year, self->plan_code, s_get (self, S_CODE) };
    PGresult *res = rp_query (self, "the open warnings", sql, 3, params);
    if (!res)
        return -1;
    self->sum.open_red = atoi (PQgetvalue (res, 0, 0));
    self->sum.open_yellow = atoi (PQgetvalue (res, 0, 1));
    PQclear (res);
    return 0;
}

void
rp_scope_compact (rp_report_t *self)
{
    if (!self->options->unit)
        return;
    int *to = calloc ((size_t)self->ind_count + 1, sizeof *to);
    int kept = 0;
    for (int i = 0; i < self->ind_count; i++) {
        if (to)
            to [i] = self->ind [i].hidden ? -1 : kept;
        if (!self->ind [i].hidden)
            self->ind [kept++] = self->ind [i];
    }
    //  A relation to an indicator the unit does not answer for was judged
    //  with it; only its chart loses the other line.
    for (int i = 0; i < kept; i++) {
        int other = self->ind [i].relation;
        self->ind [i].relation = other >= 0 && to ? to [other] : -1;
    }
    free (to);
    self->ind_count = kept;
}

//  --- The document ---------------------------------------------------------------

//  The scope's name in the report's language.
static const char *
s_name (const rp_report_t *self)
{
    return s_get (self, self->english ? S_NAME_EN : S_NAME_ZH);
}

static void
s_write_head (rp_report_t *self)
{
    const char *title = PQgetvalue (self->plan, 0, self->english ? 2 : 1);
    char name [160];
    if (self->options->final)
        snprintf (name, sizeof name, "%s", rp_tr (self, "终期监测评估报告", "Final Evaluation Report"));
    else if (self->english)
        snprintf (name, sizeof name, "Monitoring Report %d", self->year);
    else
        snprintf (name, sizeof name, "%d年度监测报告", self->year);
    if (self->html) {
        rp_outf (self,
                 "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                 "style-src 'unsafe-inline'; img-src data:\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
                 self->english ? "en" : "zh-CN");
        rp_esc (self, s_name (self));
        rp_out (self, self->english ? ": " : " ");
        rp_esc (self, name);
        rp_outf (self, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header class=\"cover\">\n<h1>",
                 rp_css);
        rp_out (self, "<span class=\"plan\">");
        rp_esc (self, title);
        rp_out (self, "</span><span id=\"scope\">");
        rp_esc (self, s_name (self));
        rp_out (self, "</span> ");
        rp_esc (self, name);
        rp_out (self, "</h1>\n<p class=\"meta\">");
    } else {
        rp_out (self, "# ");
        rp_esc (self, s_name (self));
        rp_out (self, " ");
        rp_esc (self, name);
        rp_out (self, "\n\n");
        rp_esc (self, title);
        rp_out (self, "\n\n");
    }
    rp_esc (self, rp_tr (self, "生成时间:", "Generated: "));
    rp_esc (self, self->generated);
    rp_outf (self, self->english ? " · Data up to %d" : " · 数据截至%d年", self->year);
    rp_esc (self, rp_tr (self, " · 评估地区:", " · Area judged: "));
    rp_esc (self, s_get (self, self->english ? S_AREA_EN : S_AREA_ZH));
    rp_out (self, self->html ? "</p>\n<p class=\"source\">" : "\n\n> ");
    if (self->options->unit)
        rp_esc (self,
                rp_tr (self,
                       "本报告列出本单位负责(牵头或参与)的指标在本单位所在地区的数值和状态、"
                       "本单位应处理的预警和应报送的数据。判断方法与全区监测报告相同。",
                       "This report gives the indicators this unit answers for (as lead or "
                       "contributor), their values and standing in the unit's area, the warnings "
                       "it is to act on and the data it owes. They are judged as in the district's "
                       "report."));
    else
        rp_esc (self,
                rp_tr (self,
                       "本报告列出本地区每项指标的数值和状态(本地区未报送而其下属地区已报送的,"
                       "由下属地区数值汇总得出,以“†”标注)、本地区及其下属地区的预警、"
                       "本地区成员单位的报送情况。判断方法与全区监测报告相同。",
                       "This report gives every indicator's value and standing in this area (rolled "
                       "up from the areas within it where it reported none, marked †), the warnings "
                       "about it and the areas within it, and its member units' reporting. They are "
                       "judged as in the district's report."));
    rp_out (self, self->html ? "</p>\n</header>\n" : "\n\n");
}

//  Part 2: one row per indicator — code, name, target, baseline, latest
//  value and its year, status (and for a unit, lead or contributing).
static void
s_write_indicators (rp_report_t *self)
{
    bool unit = self->options->unit != NULL;
    if (self->html)
        rp_out (self, "<section class=\"part\" id=\"indicators\">\n");
    rp_heading (self, 2, "indicators-h", rp_tr (self, "二、各项指标", "2 The indicators"));
    const char *heads [] = { rp_tr (self, "代码", "Code"),     rp_tr (self, "指标", "Indicator"),
                             rp_tr (self, "目标", "Target"),   rp_tr (self, "基期值", "Baseline"),
                             rp_tr (self, "最新值", "Latest"), rp_tr (self, "年份", "Year"),
                             rp_tr (self, "状态", "Status"),   rp_tr (self, "职责", "Role") };
    const bool numeric [] = { false, false, false, true, true, true, false, false };
    rp_table_open (self, "ind", heads, numeric, unit ? 8 : 7);
    for (int i = 0; i < self->ind_count; i++) {
        const rp_indicator_t *ind = &self->ind [i];
        char id [96];
        snprintf (id, sizeof id, "ind-%.64s", ind->code);
        rp_row_open (self, self->html ? id : NULL, rp_status_class (self, ind->status));
        rp_cell (self, "code", ind->code);
        rp_cell (self, NULL, self->english ? ind->name_en : ind->name_zh);
        rp_cell (self, NULL, self->english ? rp_target_en (self, ind).text : ind->clause_zh);
        rp_cell (self, "num", ind->has [0] ? rp_amount (self, ind, ind->value [0]).text : "—");
        int latest = self->options->final ? (ind->final >= 0 && ind->has [ind->final] ? ind->final : -1)
                                          : rp_latest (self, ind);
        char value [224] = "—", year [16] = "—";
        if (latest >= 0) {
            snprintf (value, sizeof value, "%s%s", rp_amount (self, ind, ind->value [latest]).text,
                      ind->parts [latest] ? "†" : "");
            snprintf (year, sizeof year, "%d", self->baseline + latest);
        }
        rp_cell (self, "num", value);
        rp_cell (self, "num", year);
        rp_cell (self, "status", rp_status_label (self, ind->status));
        if (unit)
            rp_cell (self, NULL,
                     ind->lead ? rp_tr (self, "牵头", "lead") : rp_tr (self, "参与", "contributes"));
        rp_row_close (self);
    }
    rp_table_close (self);
    if (self->html)
        rp_out (self, "</section>\n");
}

//  Part 3: the open warnings the scope answers for, red first.
static int
s_write_warnings (rp_report_t *self)
{
    char year [16], limit [16], sql [2048];
    snprintf (year, sizeof year, "%d", self->year);
    snprintf (limit, sizeof limit, "%d", S_MAX_ROWS);
    snprintf (sql, sizeof sql,
              "SELECT w.level::text, w.rule_zh, w.rule_en, w.indicator_code, w.indicator_zh, i.name_en,"
              "       w.area_zh, a.name_en, w.year, w.message_zh, w.message_en, w.id, count (*) OVER ()"
              "  FROM wdmon.open_warnings w"
              "  JOIN wdmon.indicator i ON i.code = w.indicator_code"
              "  JOIN wdmon.area a ON a.code = w.area_code"
              " WHERE w.year <= $1::int AND w.plan_code = $2 AND %s"
              " ORDER BY w.level DESC, w.domain_ordinal, w.indicator_code, w.area_code, w.year, w.id"
              " LIMIT $4::int",
              s_warning_scope (self));
    const char *params [] = { year, self->plan_code, s_get (self, S_CODE), limit };
    PGresult *res = rp_query (self, "the open warnings", sql, 4, params);
    if (!res)
        return -1;
    int rows = PQntuples (res), total = rows ? atoi (PQgetvalue (res, 0, 12)) : 0;
    if (self->html)
        rp_out (self, "<section class=\"part\" id=\"warnings\">\n");
    rp_heading (self, 2, "warnings-h", rp_tr (self, "三、预警情况", "3 Open warnings"));
    rp_para_open (self, "lead");
    if (self->english)
        rp_outf (self, "%d warnings about %d or earlier are unresolved: %d red, %d yellow.", total,
                 self->year, self->sum.open_red, self->sum.open_yellow);
    else
        rp_outf (self, "%d年及以前年度的未解除预警共%d条,其中红色%d条、黄色%d条。", self->year, total,
                 self->sum.open_red, self->sum.open_yellow);
    if (rows < total)
        rp_outf (self, self->english ? " The first %d are listed." : "下表列出前%d条。", rows);
    rp_para_close (self);
    if (rows > 0) {
        const char *heads [] = { rp_tr (self, "级别", "Level"),     rp_tr (self, "预警规则", "Rule"),
                                 rp_tr (self, "指标", "Indicator"), rp_tr (self, "地区", "Area"),
                                 rp_tr (self, "年份", "Year"),      rp_tr (self, "预警信息", "Message") };
        const bool numeric [] = { false, false, false, false, true, false };
        rp_table_open (self, "warn", heads, numeric, 6);
        for (int row = 0; row < rows; row++) {
            bool red = strcmp (PQgetvalue (res, row, 0), "red") == 0;
            char id [64];
            snprintf (id, sizeof id, "warning-%.32s", PQgetvalue (res, row, 11));
            rp_row_open (self, self->html ? id : NULL, red ? "red" : "yellow");
            rp_cell (self, NULL, red ? rp_tr (self, "红色", "Red") : rp_tr (self, "黄色", "Yellow"));
            rp_cell (self, "rule", PQgetvalue (res, row, self->english ? 2 : 1));
            rp_cell_open (self, NULL);
            rp_esc (self, PQgetvalue (res, row, self->english ? 5 : 4));
            rp_out (self, " (");
            rp_esc (self, PQgetvalue (res, row, 3));
            rp_out (self, ")");
            rp_cell_close (self);
            rp_cell (self, NULL, PQgetvalue (res, row, self->english ? 7 : 6));
            rp_cell (self, "num", PQgetvalue (res, row, 8));
            rp_cell (self, "msg", PQgetvalue (res, row, self->english ? 10 : 9));
            rp_row_close (self);
        }
        rp_table_close (self);
    }
    if (self->html)
        rp_out (self, "</section>\n");
    PQclear (res);
    return 0;
}

//  The owed report's state in the report's language.
static const char *
s_state (const rp_report_t *self, const char *state)
{
    if (strcmp (state, "on_time") == 0)
        return rp_tr (self, "按时报送", "on time");
    if (strcmp (state, "late") == 0)
        return rp_tr (self, "逾期报送", "late");
    if (strcmp (state, "backfill") == 0)
        return rp_tr (self, "历史补录", "loaded as history");
    return rp_tr (self, "未报送", "missing");
}

//  Part 4 of a unit's report: each report it owes as lead unit for the
//  year (a final evaluation: the plan's years), missing first.
static int
s_write_owed (rp_report_t *self)
{
    char first [16], year [16], limit [16];
    snprintf (first, sizeof first, "%d", self->options->final ? self->first : self->year);
    snprintf (year, sizeof year, "%d", self->year);
    snprintf (limit, sizeof limit, "%d", S_MAX_ROWS);
    const char *params [] = { s_get (self, S_CODE), first, year, self->plan_code, limit };
    PGresult *res = rp_query (
        self, "the reports owed",
        "SELECT o.indicator_code, i.name_zh, i.name_en, a.name_zh, a.name_en, o.year, o.body,"
        "       to_char (o.deadline, 'YYYY-MM-DD'), o.state, count (*) OVER (),"
        "       count (*) FILTER (WHERE o.state = 'missing') OVER (),"
        "       count (*) FILTER (WHERE o.state = 'late') OVER ()"
        "  FROM wdmon.report_owed o"
        "  JOIN wdmon.indicator i ON i.code = o.indicator_code"
        "  JOIN wdmon.area a ON a.code = o.area_code"
        " WHERE o.unit_code = $1 AND o.year BETWEEN $2::int AND $3::int AND $4 = ANY (o.plans)"
        " ORDER BY o.state = 'missing' DESC, o.state = 'late' DESC, o.indicator_code, o.year, o.body"
        " LIMIT $5::int",
        5, params);
    if (!res)
        return -1;
    int rows = PQntuples (res);
    int owed = rows ? atoi (PQgetvalue (res, 0, 9)) : 0, missing = rows ? atoi (PQgetvalue (res, 0, 10)) : 0,
        late = rows ? atoi (PQgetvalue (res, 0, 11)) : 0;
    if (self->html)
        rp_out (self, "<section class=\"part\" id=\"owed\">\n");
    rp_heading (self, 2, "owed-h", rp_tr (self, "四、本单位报送情况", "4 What the unit owes"));
    rp_para_open (self, "lead");
    if (self->english)
        rp_outf (self, "As lead unit it owes %d reports: %d received (%d of them late), %d missing.", owed,
                 owed - missing, late, missing);
    else
        rp_outf (self, "本单位作为牵头单位应报送%d项,已报送%d项(其中逾期%d项),尚未报送%d项。", owed,
                 owed - missing, late, missing);
    rp_para_close (self);
    if (rows > 0) {
        const char *heads [] = { rp_tr (self, "指标", "Indicator"),    rp_tr (self, "地区", "Area"),
                                 rp_tr (self, "年份", "Year"),         rp_tr (self, "班子", "Body"),
                                 rp_tr (self, "截止日期", "Deadline"), rp_tr (self, "报送情况", "State") };
        const bool numeric [] = { false, false, true, false, true, false };
        rp_table_open (self, "owed", heads, numeric, 6);
        for (int row = 0; row < rows; row++) {
            const char *state = PQgetvalue (res, row, 8);
            rp_row_open (self, NULL, strcmp (state, "missing") == 0 ? "missing" : NULL);
            rp_cell_open (self, NULL);
            rp_esc (self, PQgetvalue (res, row, self->english ? 2 : 1));
            rp_out (self, " (");
            rp_esc (self, PQgetvalue (res, row, 0));
            rp_out (self, ")");
            rp_cell_close (self);
            rp_cell (self, NULL, PQgetvalue (res, row, self->english ? 4 : 3));
            rp_cell (self, "num", PQgetvalue (res, row, 5));
            rp_cell (self, NULL, PQgetvalue (res, row, 6));
            rp_cell (self, "num", PQgetvalue (res, row, 7));
            rp_cell (self, "state", s_state (self, state));
            rp_row_close (self);
        }
        rp_table_close (self);
    }
    if (self->html)
        rp_out (self, "</section>\n");
    PQclear (res);
    return 0;
}

//  Part 4 of an area's report: the member units in it and within it, and
//  their reports owed for the year (the completeness view).
static int
s_write_area_units (rp_report_t *self)
{
    char first [16], year [16];
    snprintf (first, sizeof first, "%d", self->options->final ? self->first : self->year);
    snprintf (year, sizeof year, "%d", self->year);
    const char *params [] = { s_get (self, S_AREA), first, year, self->plan_code };
    PGresult *res =
        rp_query (self, "the completeness of reporting",
                  "SELECT c.unit_code, max (c.unit_zh), max (u.name_en), sum (c.owed), sum (c.received),"
                  "       sum (c.late), sum (c.missing)"
                  "  FROM wdmon.completeness c JOIN wdmon.member_unit u ON u.code = c.unit_code"
                  " WHERE u.area_code IN (SELECT within_code FROM wdmon.area_within WHERE area_code = $1)"
                  "   AND c.year BETWEEN $2::int AND $3::int AND c.plan_code = $4"
                  " GROUP BY c.unit_code ORDER BY sum (c.missing) DESC, c.unit_code",
                  4, params);
    if (!res)
        return -1;
    if (self->html)
        rp_out (self, "<section class=\"part\" id=\"owed\">\n");
    rp_heading (self, 2, "owed-h",
                rp_tr (self, "四、本地区成员单位报送情况", "4 Reporting by its member units"));
    if (PQntuples (res) == 0) {
        rp_para_open (self, "fn");
        rp_esc (
            self,
            rp_tr (self, "本地区没有负有报送责任的成员单位。", "No member unit of this area owes a report."));
        rp_para_close (self);
    } else {
        const char *heads [] = { rp_tr (self, "成员单位", "Member unit"), rp_tr (self, "应报", "Owed"),
                                 rp_tr (self, "已报", "Received"), rp_tr (self, "其中逾期", "Late"),
                                 rp_tr (self, "未报", "Missing") };
        const bool numeric [] = { false, true, true, true, true };
        rp_table_open (self, "units", heads, numeric, 5);
        for (int row = 0; row < PQntuples (res); row++) {
            char id [96];
            snprintf (id, sizeof id, "unit-%.64s", PQgetvalue (res, row, 0));
            rp_row_open (self, self->html ? id : NULL, NULL);
            rp_cell (self, NULL, PQgetvalue (res, row, self->english ? 2 : 1));
            for (int k = 3; k <= 6; k++)
                rp_cell (self, "num", PQgetvalue (res, row, k));
            rp_row_close (self);
        }
        rp_table_close (self);
    }
    if (self->html)
        rp_out (self, "</section>\n");
    PQclear (res);
    return 0;
}

int
rp_scope_write_document (rp_report_t *self)
{
    s_write_head (self);
    rp_write_summary (self);
    s_write_indicators (self);
    if (s_write_warnings (self) || (self->options->unit ? s_write_owed (self) : s_write_area_units (self)))
        return -1;
    if (self->html)
        rp_out (self, "</body>\n</html>\n");
    return 0;
}
