/*  wdm_report_warnings: part 3 of the report, the open warnings (about
    indicators, and reports not made on time), and part 4, reporting by
    member unit.  Each reads what it lists from the database.
    s_write_document (wdm_report.c) calls it; it owns nothing beyond the
    call.  */

#include "wdm_report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_WARNINGS 500  //  warnings listed; the rest are counted

//  One warning's row: level, rule, indicator, area (and body), year,
//  message, how it is handled.
static void
s_warning_row (rp_report_t *self, const PGresult *res, int row)
{
    bool is_red = strcmp (PQgetvalue (res, row, 0), "red") == 0;
    rp_row_open (self, NULL, is_red ? "red" : "yellow");
    if (self->html)
        rp_outf (self, "<td><span class=\"lv lv-%s\">", is_red ? "red" : "yellow");
    else
        rp_cell_open (self, NULL);
    rp_esc (self, is_red ? rp_tr (self, "红色", "Red") : rp_tr (self, "黄色", "Yellow"));
    rp_out (self, self->html ? "</span></td>" : " |");
    rp_cell (self, "rule", PQgetvalue (res, row, self->english ? 3 : 2));
    rp_cell_open (self, NULL);
    rp_esc (self, PQgetvalue (res, row, self->english ? 6 : 5));
    rp_out (self, self->html ? "<span class=\"code\">" : " (");
    rp_esc (self, PQgetvalue (res, row, 4));
    rp_out (self, self->html ? "</span>" : ")");
    rp_cell_close (self);
    rp_cell_open (self, NULL);
    rp_esc (self, PQgetvalue (res, row, self->english ? 8 : 7));
    if (PQgetvalue (res, row, 10) [0]) {
        rp_out (self, self->english ? ", " : "·");
        rp_esc (self, PQgetvalue (res, row, 10));
    }
    rp_cell_close (self);
    rp_cell (self, "num", PQgetvalue (res, row, 9));
    rp_cell (self, "msg", PQgetvalue (res, row, self->english ? 12 : 11));
    rp_cell_open (self, "ack");
    if (strcmp (PQgetvalue (res, row, 1), "acknowledged") == 0) {
        rp_esc (self, rp_tr (self, "已确认(", "Acknowledged ("));
        rp_esc (self, PQgetvalue (res, row, 13));
        rp_esc (self, rp_tr (self, "):", "): "));
        rp_esc (self, PQgetvalue (res, row, 14));
    } else
        rp_esc (self, rp_tr (self, "待处理", "Open"));
    rp_cell_close (self);
    rp_row_close (self);
}

//  One table of open warnings: the findings about indicators, or (missing)
//  the reports not made on time.  Red first, then by domain, indicator,
//  area and year; at most S_MAX_WARNINGS rows.
static int
s_write_warning_table (rp_report_t *self, bool missing)
{
    char year [16], limit [16];
    snprintf (year, sizeof year, "%d", self->year);
    snprintf (limit, sizeof limit, "%d", S_MAX_WARNINGS);
    const char *params [] = { year, limit, missing ? "t" : "f", self->plan_code };
    PGresult *res = rp_query (
        self, "the open warnings",
        "SELECT w.level::text, w.state::text, w.rule_zh, w.rule_en, w.indicator_code, w.indicator_zh,"
        "       i.name_en, w.area_zh, a.name_en, w.year, w.body, w.message_zh, w.message_en,"
        "       coalesce (w.acknowledged_by, ''), coalesce (w.ack_note, ''),"
        "       count (*) OVER (), count (*) FILTER (WHERE w.level = 'red') OVER ()"
        "  FROM wdmon.open_warnings w"
        "  JOIN wdmon.indicator i ON i.code = w.indicator_code"
        "  JOIN wdmon.plan_target t ON t.plan_code = w.plan_code AND t.indicator_code = w.indicator_code"
        "  JOIN wdmon.area a ON a.code = w.area_code"
        "  JOIN wdmon.rule r ON r.code = w.rule_code"
        " WHERE w.year <= $1::int AND (w.rule_code = 'missing') = $3::boolean AND w.plan_code = $4"
        " ORDER BY w.level DESC, w.domain_ordinal, t.ordinal, a.level, w.area_code, w.year,"
        "          r.ordinal, w.body, w.id"
        " LIMIT $2::int",
        4, params);
    if (!res)
        return -1;
    int rows = PQntuples (res);
    int total = rows ? atoi (PQgetvalue (res, 0, 15)) : 0;
    int red = rows ? atoi (PQgetvalue (res, 0, 16)) : 0;
    if (missing)
        rp_heading (self, 3, "warnings-missing",
                    rp_tr (self, "(二)未按时报送预警", "3.2 Reports not made on time"));
    else
        rp_heading (self, 3, "warnings-targets",
                    rp_tr (self, "(一)指标预警", "3.1 Warnings about indicators"));
    rp_para_open (self, "fn");
    if (self->english)
        rp_outf (self, "%d unresolved: %d red, %d yellow.", total, red, total - red);
    else
        rp_outf (self, "共%d条,其中红色%d条、黄色%d条。", total, red, total - red);
    if (rows < total) {
        if (self->english)
            rp_outf (self, " The first %d are listed; `wdmon warnings --open` lists them all.", rows);
        else
            rp_outf (self, "下表列出前%d条,全部预警可用 wdmon warnings --open 查看。", rows);
    }
    if (missing && rows > 0)
        rp_esc (
            self,
            rp_tr (self, "各成员单位的报送情况见第四部分。", " Part 4 sums up reporting by member unit."));
    rp_para_close (self);
    if (rows > 0) {
        const char *heads [] = { rp_tr (self, "级别", "Level"),       rp_tr (self, "预警规则", "Rule"),
                                 rp_tr (self, "指标", "Indicator"),   rp_tr (self, "地区", "Area"),
                                 rp_tr (self, "年份", "Year"),        rp_tr (self, "预警信息", "Message"),
                                 rp_tr (self, "处理情况", "Handling") };
        const bool numeric [] = { false, false, false, false, true, false, false };
        rp_table_open (self, "warn", heads, numeric, 7);
        for (int row = 0; row < rows; row++)
            s_warning_row (self, res, row);
        rp_table_close (self);
    }
    PQclear (res);
    return 0;
}

int
rp_write_warnings (rp_report_t *self)
{
    int total = self->sum.open_red + self->sum.open_yellow;
    if (self->html)
        rp_out (self, "<section class=\"part\" id=\"warnings\">\n");
    rp_heading (self, 2, "warnings-h", rp_tr (self, "三、预警情况", "3 Open warnings"));
    rp_para_open (self, "lead");
    if (self->english)
        rp_outf (self,
                 "%d warnings about %d or earlier are unresolved (open, or acknowledged while their "
                 "condition still holds), for the district and for its towns and streets: %d red, %d "
                 "yellow. Each table lists red first.",
                 total, self->year, self->sum.open_red, self->sum.open_yellow);
    else
        rp_outf (self,
                 "%d年及以前年度的未解除预警(含已确认而条件仍然成立的)共%d条,涉及全区和各镇街,"
                 "其中红色预警%d条、黄色预警%d条。各表按红色在前排列。",
                 self->year, total, self->sum.open_red, self->sum.open_yellow);
    rp_para_close (self);
    if (s_write_warning_table (self, false) || s_write_warning_table (self, true))
        return -1;
    if (self->html)
        rp_out (self, "</section>\n");
    return 0;
}

//  The on-time rate: reports on time over those that could have been (the
//  owed, less those whose deadline passed before the unit was registered
//  and were loaded as history).  "—" where none could.
static rp_text_t
s_on_time (int on_time, int could)
{
    if (could > 0)
        return rp_share (on_time, could);
    rp_text_t t;
    snprintf (t.text, sizeof t.text, "%s", "—");
    return t;
}

//  What the table of member units counts, and how the on-time rate is
//  reckoned.
static void
s_units_lead (rp_report_t *self)
{
    rp_para_open (self, "lead");
    if (self->options->final) {
        if (self->english)
            rp_outf (self,
                     "Reports owed by each member unit as lead unit for %d–%d, those received, those "
                     "received after the deadline (%02d-%02d of the following year) and those still "
                     "missing; most missing first.",
                     self->first, self->year, self->deadline_month, self->deadline_day);
        else
            rp_outf (self,
                     "%d—%d年各成员单位作为牵头单位应报送、已报送、逾期报送(截止日期为次年%d月%d日)"
                     "和尚未报送的指标数,按未报送数从多到少排列。",
                     self->first, self->year, self->deadline_month, self->deadline_day);
    } else {
        if (self->english)
            rp_outf (self,
                     "Reports of %d data owed by each member unit as lead unit, those received, "
                     "those received after the deadline (%d-%02d-%02d) and those still missing; most "
                     "missing first.",
                     self->year, self->year + 1, self->deadline_month, self->deadline_day);
        else
            rp_outf (self,
                     "%d年度数据各成员单位作为牵头单位应报送、已报送、逾期报送(截止日期为%d年%d月%d日)"
                     "和尚未报送的指标数,按未报送数从多到少排列。",
                     self->year, self->year + 1, self->deadline_month, self->deadline_day);
    }
    rp_para_close (self);
    rp_para_open (self, "fn");
    rp_esc (
        self,
        rp_tr (
            self,
            "报送是否完成看数据本身:某一指标、地区、年度(及领导班子)的数值已由任何单位报送即为已报。按时报送率 = "
            "按时报送数 ÷(应报数 − 历史补录数);截止日期早于该单位接入监测系统的数据属历史补录,不计为逾期。",
            "A report is made when the data arrive, from whichever unit sends them. On time = reports made by the "
            "deadline ÷ (owed − loaded as history); data whose deadline passed before the unit joined the "
            "monitoring system were loaded as history and are not counted late."));
    rp_para_close (self);
}

//  The member units' reports, most missing first, and their total.
static void
s_units_table (rp_report_t *self, const PGresult *res)
{
    const char *heads [] = {
        rp_tr (self, "成员单位", "Member unit"), rp_tr (self, "应报", "Owed"),
        rp_tr (self, "已报", "Received"),        rp_tr (self, "其中逾期", "Late"),
        rp_tr (self, "未报", "Missing"),         rp_tr (self, "历史补录", "Loaded as history"),
        rp_tr (self, "按时报送率", "On time")
    };
    const bool numeric [] = { false, true, true, true, true, true, true };
    rp_table_open (self, "units", heads, numeric, 7);
    int total [6] = { 0, 0, 0, 0, 0, 0 };
    for (int row = 0; row < PQntuples (res); row++) {
        int owed = atoi (PQgetvalue (res, row, 3));
        int received = atoi (PQgetvalue (res, row, 4));
        int late = atoi (PQgetvalue (res, row, 5));
        int missing = atoi (PQgetvalue (res, row, 6));
        int on_time = atoi (PQgetvalue (res, row, 7));
        int backfilled = atoi (PQgetvalue (res, row, 8));
        total [0] += owed;
        total [1] += received;
        total [2] += late;
        total [3] += missing;
        total [4] += backfilled;
        total [5] += on_time;
        char id [96];
        snprintf (id, sizeof id, "unit-%.64s", PQgetvalue (res, row, 0));
        rp_row_open (self, self->html ? id : NULL, NULL);
        rp_cell (self, NULL, PQgetvalue (res, row, self->english ? 2 : 1));
        rp_cell_int (self, NULL, owed);
        rp_cell_int (self, NULL, received);
        rp_cell_int (self, NULL, late);
        rp_cell_int (self, NULL, missing);
        rp_cell_int (self, NULL, backfilled);
        rp_cell (self, "num", s_on_time (on_time, owed - backfilled).text);
        rp_row_close (self);
    }
    rp_row_open (self, NULL, "total");
    rp_cell (self, NULL, rp_tr (self, "合计", "Total"));
    for (int k = 0; k < 5; k++)
        rp_cell_int (self, NULL, total [k]);
    rp_cell (self, "num", s_on_time (total [5], total [0] - total [4]).text);
    rp_row_close (self);
    rp_table_close (self);
}

int
rp_write_units (rp_report_t *self)
{
    char first [16], year [16];
    snprintf (first, sizeof first, "%d", self->options->final ? self->first : self->year);
    snprintf (year, sizeof year, "%d", self->year);
    const char *params [] = { first, year, self->plan_code };
    PGresult *res =
        rp_query (self, "the completeness of reporting",
                  "SELECT c.unit_code, max (c.unit_zh), max (u.name_en), sum (c.owed), sum (c.received),"
                  "       sum (c.late), sum (c.missing), sum (c.on_time), sum (c.backfilled)"
                  "  FROM wdmon.completeness c JOIN wdmon.member_unit u ON u.code = c.unit_code"
                  " WHERE c.year BETWEEN $1::int AND $2::int AND c.plan_code = $3"
                  " GROUP BY c.unit_code"
                  " ORDER BY sum (c.missing) DESC, sum (c.late) DESC, c.unit_code",
                  3, params);
    if (!res)
        return -1;
    if (self->html)
        rp_out (self, "<section class=\"part\" id=\"units\">\n");
    rp_heading (self, 2, "units-h", rp_tr (self, "四、成员单位报送情况", "4 Reporting by member units"));
    s_units_lead (self);
    if (PQntuples (res) > 0)
        s_units_table (self, res);
    else {
        rp_para_open (self, "fn");
        rp_esc (self,
                rp_tr (self, "暂无成员单位的报送责任。", "No member unit is responsible for a report."));
        rp_para_close (self);
    }
    if (self->html)
        rp_out (self, "</section>\n");
    PQclear (res);
    return 0;
}
