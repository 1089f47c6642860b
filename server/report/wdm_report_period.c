/*  wdm_report_period: part 3 of a final evaluation — every warning the
    plan raised about the years of its period, and how each ended:
    resolved (and when), acknowledged (by whom, with the note), or still
    open.  The findings about indicators are listed one by one; the
    reports not made on time are counted, since part 4 sums reporting up
    by member unit.  s_write_document (wdm_report.c) calls it instead of
    the annual report's open warnings; it owns nothing beyond the call.  */

#include "wdm_report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_WARNINGS 500  //  warnings listed; the rest are counted

//  How the warnings of the period ended: [0] about indicators, [1] the
//  reports not made on time.
typedef struct {
    int total, resolved, acknowledged, open;
} s_endings_t;

static int
s_count_endings (rp_report_t *self, const char *const *params, s_endings_t endings [2])
{
    PGresult *res = rp_query (self, "the warnings of the period",
                              "SELECT (rule_code = 'missing')::int, count (*),"
                              "       count (*) FILTER (WHERE state = 'resolved'),"
                              "       count (*) FILTER (WHERE state = 'acknowledged'),"
                              "       count (*) FILTER (WHERE state = 'open')"
                              "  FROM wdmon.warning"
                              " WHERE plan_code = $1 AND year BETWEEN $2::int AND $3::int"
                              " GROUP BY 1",
                              3, params);
    if (!res)
        return -1;
    memset (endings, 0, 2 * sizeof *endings);
    for (int row = 0; row < PQntuples (res); row++) {
        s_endings_t *e = &endings [atoi (PQgetvalue (res, row, 0)) ? 1 : 0];
        e->total = atoi (PQgetvalue (res, row, 1));
        e->resolved = atoi (PQgetvalue (res, row, 2));
        e->acknowledged = atoi (PQgetvalue (res, row, 3));
        e->open = atoi (PQgetvalue (res, row, 4));
    }
    PQclear (res);
    return 0;
}

//  How one warning ended, in the cell of the row's last column.
static void
s_ending_cell (rp_report_t *self, const PGresult *res, int row, const char *state)
{
    rp_cell_open (self, "ack");
    if (strcmp (state, "resolved") == 0) {
        rp_esc (self, rp_tr (self, "已解除(", "Resolved ("));
        rp_esc (self, PQgetvalue (res, row, 12));
        rp_esc (self, rp_tr (self, ")", ")"));
        //  Acknowledged before its condition cleared: the note stays.
        if (PQgetvalue (res, row, 10) [0]) {
            rp_esc (self, rp_tr (self, ";此前已确认(", "; acknowledged before by "));
            rp_esc (self, PQgetvalue (res, row, 10));
            rp_esc (self, rp_tr (self, "):", ": "));
            rp_esc (self, PQgetvalue (res, row, 11));
        }
    } else if (strcmp (state, "acknowledged") == 0) {
        rp_esc (self, rp_tr (self, "已确认(", "Acknowledged ("));
        rp_esc (self, PQgetvalue (res, row, 10));
        rp_esc (self, rp_tr (self, "):", "): "));
        rp_esc (self, PQgetvalue (res, row, 11));
    } else
        rp_esc (self, rp_tr (self, "仍未解除", "Still open"));
    rp_cell_close (self);
}

//  One warning of the period: level, rule, indicator, area (and body),
//  year, message, how it ended.  The row's id is the warning's number.
static void
s_period_row (rp_report_t *self, const PGresult *res, int row)
{
    const char *level = strcmp (PQgetvalue (res, row, 1), "red") == 0 ? "red" : "yellow";
    const char *state = PQgetvalue (res, row, 2);
    char id [32], cls [48];
    snprintf (id, sizeof id, "w-%s", PQgetvalue (res, row, 0));
    snprintf (cls, sizeof cls, "%s end-%s", level,
              strcmp (state, "resolved") == 0 || strcmp (state, "acknowledged") == 0 ? state : "open");
    rp_row_open (self, self->html ? id : NULL, cls);
    if (self->html)
        rp_outf (self, "<td><span class=\"lv lv-%s\">", level);
    else
        rp_cell_open (self, NULL);
    rp_esc (self, strcmp (level, "red") == 0 ? rp_tr (self, "红色", "Red") : rp_tr (self, "黄色", "Yellow"));
    rp_out (self, self->html ? "</span></td>" : " |");
    rp_cell (self, "rule", PQgetvalue (res, row, self->english ? 4 : 3));
    rp_cell_open (self, NULL);
    rp_esc (self, PQgetvalue (res, row, self->english ? 16 : 6));
    rp_out (self, self->html ? "<span class=\"code\">" : " (");
    rp_esc (self, PQgetvalue (res, row, 5));
    rp_out (self, self->html ? "</span>" : ")");
    rp_cell_close (self);
    rp_cell_open (self, NULL);
    rp_esc (self, PQgetvalue (res, row, self->english ? 8 : 7));
    if (PQgetvalue (res, row, 13) [0]) {
        rp_out (self, self->english ? ", " : "·");
        rp_esc (self, PQgetvalue (res, row, 13));
    }
    rp_cell_close (self);
    rp_cell (self, "num", PQgetvalue (res, row, 9));
    rp_cell (self, "msg", PQgetvalue (res, row, self->english ? 15 : 14));
    s_ending_cell (self, res, row, state);
    rp_row_close (self);
}

//  The findings about indicators, by domain, indicator, area and year; at
//  most S_MAX_WARNINGS rows.
static int
s_period_table (rp_report_t *self, const char *const *params, const s_endings_t *e)
{
    PGresult *res = rp_query (
        self, "the warnings of the period",
        "SELECT w.id, w.level::text, w.state::text, r.name_zh, r.name_en, w.indicator_code, i.name_zh,"
        "       a.name_zh, a.name_en, w.year, coalesce (w.acknowledged_by, ''), coalesce (w.ack_note, ''),"
        "       coalesce (to_char (w.resolved_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), ''), w.body,"
        "       w.message_zh, w.message_en, i.name_en"
        "  FROM wdmon.warning w"
        "  JOIN wdmon.rule r ON r.code = w.rule_code"
        "  JOIN wdmon.indicator i ON i.code = w.indicator_code"
        "  JOIN wdmon.plan_target t ON t.plan_code = w.plan_code AND t.indicator_code = w.indicator_code"
        "  JOIN wdmon.domain d ON d.plan_code = t.plan_code AND d.code = t.domain_code"
        "  JOIN wdmon.area a ON a.code = w.area_code"
        " WHERE w.plan_code = $1 AND w.year BETWEEN $2::int AND $3::int AND w.rule_code <> 'missing'"
        " ORDER BY d.ordinal, t.ordinal, a.level, w.area_code, w.year, r.ordinal, w.body, w.id"
        " LIMIT $4::int",
        4, params);
    if (!res)
        return -1;
    int rows = PQntuples (res);
    rp_heading (self, 3, "warnings-targets", rp_tr (self, "(一)指标预警", "3.1 Warnings about indicators"));
    rp_para_open (self, "fn");
    if (self->english)
        rp_outf (self, "%d: %d resolved, %d acknowledged, %d still open.", e->total, e->resolved,
                 e->acknowledged, e->open);
    else
        rp_outf (self, "共%d条:已解除%d条、已确认%d条、仍未解除%d条。", e->total, e->resolved,
                 e->acknowledged, e->open);
    if (rows < e->total)
        rp_outf (self,
                 self->english ? " The first %d are listed; `wdmon warnings --plan %s` lists them all."
                               : "下表列出前%d条,全部预警可用 wdmon warnings --plan %s 查看。",
                 rows, self->plan_code);
    rp_para_close (self);
    if (rows > 0) {
        const char *heads [] = { rp_tr (self, "级别", "Level"),       rp_tr (self, "预警规则", "Rule"),
                                 rp_tr (self, "指标", "Indicator"),   rp_tr (self, "地区", "Area"),
                                 rp_tr (self, "年份", "Year"),        rp_tr (self, "预警信息", "Message"),
                                 rp_tr (self, "结果", "How it ended") };
        const bool numeric [] = { false, false, false, false, true, false, false };
        rp_table_open (self, "warn", heads, numeric, 7);
        for (int row = 0; row < rows; row++)
            s_period_row (self, res, row);
        rp_table_close (self);
    }
    PQclear (res);
    return 0;
}

int
rp_write_period_warnings (rp_report_t *self)
{
    char first [16], year [16], limit [16];
    snprintf (first, sizeof first, "%d", self->first);
    snprintf (year, sizeof year, "%d", self->year);
    snprintf (limit, sizeof limit, "%d", S_MAX_WARNINGS);
    const char *params [] = { self->plan_code, first, year, limit };
    s_endings_t e [2];
    if (s_count_endings (self, params, e))
        return -1;
    int total = e [0].total + e [1].total;
    if (self->html)
        rp_out (self, "<section class=\"part\" id=\"warnings\">\n");
    rp_heading (self, 2, "warnings-h",
                rp_tr (self, "三、评估期内的预警及其结果", "3 Warnings of the period"));
    rp_para_open (self, "lead");
    if (self->english)
        rp_outf (self,
                 "%d warnings were raised over the period about the years %d–%d, for the district and for "
                 "its towns and streets: %d resolved, %d acknowledged, %d still open.",
                 total, self->first, self->year, e [0].resolved + e [1].resolved,
                 e [0].acknowledged + e [1].acknowledged, e [0].open + e [1].open);
    else
        rp_outf (
            self,
            "评估期内共产生预警%d条(涉及%d—%d年,全区和各镇街),其中已解除%d条、已确认%d条、仍未解除%d条。",
            total, self->first, self->year, e [0].resolved + e [1].resolved,
            e [0].acknowledged + e [1].acknowledged, e [0].open + e [1].open);
    rp_para_close (self);
    if (s_period_table (self, params, &e [0]))
        return -1;
    rp_heading (self, 3, "warnings-missing",
                rp_tr (self, "(二)未按时报送预警", "3.2 Reports not made on time"));
    rp_para_open (self, "fn");
    if (self->english)
        rp_outf (self,
                 "%d: %d resolved (the data came in), %d acknowledged, %d still open. Part 4 sums up "
                 "reporting by member unit.",
                 e [1].total, e [1].resolved, e [1].acknowledged, e [1].open);
    else
        rp_outf (self,
                 "共%d条:已解除(数据已报送)%d条、已确认%d条、仍未解除%d条。各成员单位的报送情况见第四部分。",
                 e [1].total, e [1].resolved, e [1].acknowledged, e [1].open);
    rp_para_close (self);
    if (self->html)
        rp_out (self, "</section>\n");
    return 0;
}
