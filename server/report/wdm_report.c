/*  wdm_report: the monitoring report — the annual report (年度监测报告) or
    the final evaluation (终期监测评估报告) — as one HTML page, as Markdown,
    or as CSV.  See wdm_report.h; `wdmon report` calls it.

    It reads the plan, its domains and active indicators, the district's
    values (the view indicator_value: what the district reported, else the
    roll-up of its towns and streets), the open warnings and the view
    completeness; classifies every indicator with a judgeable target (see
    s_classify); and writes one document.  It owns nothing beyond the call.
    Memory follows the catalog — about a hundred indicators, a few years
    each — and the lists that grow with the data (warnings, value notes)
    are capped at a fixed length, the rest only counted.

    Every text that comes from the database is escaped for the form it is
    written in: HTML entities, Markdown backslashes, RFC 4180 quotes.  */

#include "wdm_report.h"
#include "wdm_judge.h"
#include "wdm_number.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_MAX_YEARS     WDM_JUDGE_MAX_YEARS     //  baseline year to the plan's last year
#define S_MAX_WARNINGS  500     //  warnings listed; the rest are counted
#define S_MAX_NOTES     200     //  value notes listed; the rest are counted

//  An indicator's standing is the judgement's (wdm_judge_status_t): the
//  first five are what the summary counts; in a final evaluation
//  WDM_STATUS_ON_TRACK means "cannot be judged", WDM_STATUS_UNLIKELY "not
//  met" and WDM_STATUS_NOT_REPORTED "no value for the final year" (see
//  s_classify).
typedef wdm_status_t s_status_t;

typedef struct {
    //  Pointers into the catalog result, valid while the report is written.
    const char *code, *domain_code, *name_zh, *name_en, *kind_name, *unit_code,
               *symbol, *unit_name_en, *clause_zh, *relation_code, *relation_op;
    wdm_target_kind_t kind;
    bool has_target;
    double target;
    int domain;                         //  index into the domains
    int relation;                       //  the other indicator of a relation, -1
    double balance_pp, similar_pp;      //  thresholds in force for this indicator
    //  The district's series, indexed by year - baseline year.  For
    //  narrow_gap the value is |women - men|; for min_count the smallest
    //  count among the bodies reported that year.
    bool has [S_MAX_YEARS];
    double value [S_MAX_YEARS];
    int parts [S_MAX_YEARS];            //  > 0: rolled up from this many areas
    int bodies [S_MAX_YEARS];           //  min_count: bodies reported
    double women [S_MAX_YEARS], men [S_MAX_YEARS];
    wdm_status_t floor;                 //  the best standing its open warnings allow
    s_status_t status;
} s_indicator_t;

typedef struct {
    PGconn *conn;
    const wdm_report_options_t *options;
    FILE *out;
    bool html, english;
    char *err;
    size_t err_size;
    PGresult *plan, *district, *domains, *catalog;
    const char *plan_code, *district_code;
    int baseline, first, last, year, years;     //  years: baseline .. year
    int deadline_month, deadline_day;
    s_indicator_t *ind;
    int ind_count, domain_count;
    int monitored;                              //  indicators without a judgeable target
    int by_domain [64][WDM_STATUS_COUNT];
    wdm_report_summary_t sum;
    char generated [64];
} s_report_t;

//  --- Errors and queries ------------------------------------------------------

static void s_fail (s_report_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
s_fail (s_report_t *self, const char *format, ...)
{
    if (!self->err || self->err_size == 0)
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (self->err, self->err_size, format, args);
    va_end (args);
    size_t len = strlen (self->err);
    while (len > 0 && (self->err [len - 1] == '\n' || self->err [len - 1] == ' '))
        self->err [--len] = '\0';
}

//  Run one query that returns rows.  The result, or NULL with err set.
static PGresult *
s_query (s_report_t *self, const char *what, const char *sql, int count,
         const char *const *params)
{
    PGresult *res = PQexecParams (self->conn, sql, count, NULL, params, NULL, NULL, 0);
    if (PQresultStatus (res) == PGRES_TUPLES_OK)
        return res;
    //  The primary message only: the statement and its caret add nothing here.
    const char *message = res ? PQresultErrorField (res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!message)
        message = res ? PQresultErrorMessage (res) : PQerrorMessage (self->conn);
    s_fail (self, "reading %s: %s", what, message);
    PQclear (res);
    return NULL;
}

static const char *
s_tr (const s_report_t *self, const char *zh, const char *en)
{
    return self->english ? en : zh;
}

//  --- Numbers --------------------------------------------------------------------

typedef struct {
    char text [192];
} s_text_t;

//  A value as the warnings' messages write it: two decimals at most, no
//  trailing zeros, halves rounded away from zero.
static s_text_t
s_num (double value)
{
    s_text_t t;
    if (isfinite (value))
        wdm_number_text (value, t.text, sizeof t.text);
    else
        snprintf (t.text, sizeof t.text, "%s", "—");
    return t;
}

//  A share of a total as a percentage with one decimal.
static s_text_t
s_share (int count, int total)
{
    s_text_t t;
    snprintf (t.text, sizeof t.text, "%.1f%%", total > 0 ? round (1000.0 * count / total) / 10 : 0.0);
    return t;
}

//  Comparisons allow a slack of 1e-9 x max(1, |a|, |b|), as the rules do:
//  a value written exactly at a target in decimal is at it.
//  Comparisons are the judgement's (wdm_judge), allowing rounding.
#define s_ge wdm_judge_ge
#define s_le wdm_judge_le
#define s_gt wdm_judge_gt
#define s_lt wdm_judge_lt

//  The unit as an English text puts it after a number.
static const char *
s_unit_en (const s_indicator_t *ind)
{
    static const char *const units [][2] = {
        { "percent", "%" }, { "per_mille", "‰" }, { "per_100k", "/100,000" },
        { "years", " years" }, { "count", " persons" }, { "person_times", " person-times" },
        { "rooms", " facilities" }, { "minutes_per_day", " min/day" },
        { "yuan_per_month", " yuan/month" }, { "yuan_per_year", " yuan/year" }
    };
    for (size_t i = 0; i < sizeof units / sizeof units [0]; i++)
        if (strcmp (ind->unit_code, units [i][0]) == 0)
            return units [i][1];
    return NULL;
}

//  A value with its unit: "8.4/10万", "8.4 per 100,000".
static s_text_t
s_amount (const s_report_t *self, const s_indicator_t *ind, double value)
{
    s_text_t t;
    const char *unit = self->english ? s_unit_en (ind) : ind->symbol;
    if (unit)
        snprintf (t.text, sizeof t.text, "%.32s%.64s", s_num (value).text, unit);
    else
        snprintf (t.text, sizeof t.text, "%.32s %.64s", s_num (value).text, ind->unit_name_en);
    return t;
}

//  --- Writing ---------------------------------------------------------------------

static void s_outf (s_report_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

//  Our own markup and numbers, as they are.
static void
s_outf (s_report_t *self, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    vfprintf (self->out, format, args);
    va_end (args);
}

static void
s_out (s_report_t *self, const char *text)
{
    fputs (text, self->out);
}

//  Text from the database (or any text), escaped for HTML or Markdown.
//  Markdown: the characters that are markup get a backslash, <, > and &
//  become entities (renderers pass raw HTML through), line breaks become
//  spaces so that a table row stays one line.
static void
s_esc (s_report_t *self, const char *text)
{
    if (!text)
        return;
    for (const char *p = text; *p; p++) {
        char c = *p;
        const char *entity = NULL;
        switch (c) {
            case '&':  entity = "&amp;"; break;
            case '<':  entity = "&lt;"; break;
            case '>':  entity = "&gt;"; break;
            case '"':  entity = self->html ? "&quot;" : NULL; break;
            case '\'': entity = self->html ? "&#39;" : NULL; break;
            default: break;
        }
        if (entity)
            fputs (entity, self->out);
        else
        if (!self->html && (c == '\n' || c == '\r'))
            fputc (' ', self->out);
        else {
            if (!self->html && strchr ("\\`*_[]|#~", c))
                fputc ('\\', self->out);
            fputc (c, self->out);
        }
    }
}

static void
s_heading (s_report_t *self, int level, const char *id, const char *text)
{
    if (self->html) {
        s_outf (self, "<h%d id=\"%s\">", level, id);
        s_esc (self, text);
        s_outf (self, "</h%d>\n", level);
    }
    else {
        for (int i = 0; i < level; i++)
            s_out (self, "#");
        s_out (self, " ");
        s_esc (self, text);
        s_out (self, "\n\n");
    }
}

static void
s_para_open (s_report_t *self, const char *cls)
{
    if (self->html)
        s_outf (self, "<p class=\"%s\">", cls);
}

static void
s_para_close (s_report_t *self)
{
    s_out (self, self->html ? "</p>\n" : "\n\n");
}

static void
s_item_open (s_report_t *self)
{
    s_out (self, self->html ? "<li>" : "- ");
}

static void
s_item_close (s_report_t *self)
{
    s_out (self, self->html ? "</li>\n" : "\n");
}

//  A table: heads[i] is the column's heading, numeric columns are right
//  aligned.  Headings are escaped.
static void
s_table_open (s_report_t *self, const char *cls, const char *const *heads, const bool *numeric,
              int columns)
{
    if (self->html) {
        s_outf (self, "<table class=\"%s\">\n<thead><tr>", cls);
        for (int i = 0; i < columns; i++) {
            s_out (self, numeric [i] ? "<th class=\"num\">" : "<th>");
            s_esc (self, heads [i]);
            s_out (self, "</th>");
        }
        s_out (self, "</tr></thead>\n<tbody>\n");
    }
    else {
        s_out (self, "|");
        for (int i = 0; i < columns; i++) {
            s_out (self, " ");
            s_esc (self, heads [i]);
            s_out (self, " |");
        }
        s_out (self, "\n|");
        for (int i = 0; i < columns; i++)
            s_out (self, numeric [i] ? "---:|" : "---|");
        s_out (self, "\n");
    }
}

static void
s_table_close (s_report_t *self)
{
    s_out (self, self->html ? "</tbody>\n</table>\n" : "\n");
}

//  A row; id and cls may be NULL.
static void
s_row_open (s_report_t *self, const char *id, const char *cls)
{
    if (self->html) {
        s_out (self, "<tr");
        if (id) {
            s_out (self, " id=\"");
            s_esc (self, id);
            s_out (self, "\"");
        }
        if (cls)
            s_outf (self, " class=\"%s\"", cls);
        s_out (self, ">");
    }
    else
        s_out (self, "|");
}

static void
s_row_close (s_report_t *self)
{
    s_out (self, self->html ? "</tr>\n" : "\n");
}

static void
s_cell_open (s_report_t *self, const char *cls)
{
    if (self->html) {
        if (cls)
            s_outf (self, "<td class=\"%s\">", cls);
        else
            s_out (self, "<td>");
    }
    else
        s_out (self, " ");
}

static void
s_cell_close (s_report_t *self)
{
    s_out (self, self->html ? "</td>" : " |");
}

//  A cell holding one text, escaped.
static void
s_cell (s_report_t *self, const char *cls, const char *text)
{
    s_cell_open (self, cls);
    s_esc (self, text);
    s_cell_close (self);
}

static void
s_cell_int (s_report_t *self, const char *id, int value)
{
    if (self->html && id)
        s_outf (self, "<td class=\"num\" id=\"%s\">%d</td>", id, value);
    else {
        s_cell_open (self, "num");
        s_outf (self, "%d", value);
        s_cell_close (self);
    }
}

//  --- Labels -------------------------------------------------------------------------

static const char *
s_status_label (const s_report_t *self, s_status_t status)
{
    static const char *const zh [] = { "达标", "进展正常", "进度滞后", "预计达标困难", "未报送", "仅监测" };
    static const char *const en [] = { "Met", "On track", "Behind schedule", "Unlikely to be met",
                                       "Not reported", "Monitored" };
    static const char *const zh_final [] = { "达标", "无法判断", "进度滞后", "未达标", "无终期数据", "仅监测" };
    static const char *const en_final [] = { "Met", "Cannot be judged", "Behind schedule", "Not met",
                                             "No final value", "Monitored" };
    assert (status < WDM_STATUS_COUNT);
    if (self->options->final)
        return self->english ? en_final [status] : zh_final [status];
    return self->english ? en [status] : zh [status];
}

//  The CSS class of a status; "cannot be judged" (final) has its own.
static const char *
s_status_class (const s_report_t *self, s_status_t status)
{
    static const char *const classes [] = { "met", "track", "behind", "unlikely", "none", "monitor" };
    if (self->options->final && status == WDM_STATUS_ON_TRACK)
        return "unjudged";
    return classes [status];
}

static const char *
s_status_colour (const s_report_t *self, s_status_t status)
{
    static const char *const colours [] = { "#2e7d32", "#1565c0", "#e08600", "#c62828", "#9e9e9e", "#546e7a" };
    if (self->options->final && status == WDM_STATUS_ON_TRACK)
        return "#8d6e63";
    return colours [status];
}

//  The name of the summary field a status is counted in, for ids.
static const char *
s_status_field (s_status_t status)
{
    static const char *const fields [] = { "met", "on_track", "behind", "unlikely", "not_reported",
                                           "monitor" };
    return fields [status];
}

//  The statuses in the order the summary lists them.
static int
s_summary_order (const s_report_t *self, s_status_t *order)
{
    if (self->options->final) {
        order [0] = WDM_STATUS_MET; order [1] = WDM_STATUS_UNLIKELY; order [2] = WDM_STATUS_ON_TRACK; order [3] = WDM_STATUS_NOT_REPORTED;
        return 4;
    }
    order [0] = WDM_STATUS_MET; order [1] = WDM_STATUS_ON_TRACK; order [2] = WDM_STATUS_BEHIND; order [3] = WDM_STATUS_UNLIKELY;
    order [4] = WDM_STATUS_NOT_REPORTED;
    return 5;
}

static int
s_summary_count (const s_report_t *self, s_status_t status)
{
    switch (status) {
        case WDM_STATUS_MET:          return self->sum.met;
        case WDM_STATUS_ON_TRACK:     return self->sum.on_track;
        case WDM_STATUS_BEHIND:       return self->sum.behind;
        case WDM_STATUS_UNLIKELY:     return self->sum.unlikely;
        case WDM_STATUS_NOT_REPORTED: return self->sum.not_reported;
        default:             return 0;
    }
}

//  (一) … (十), then plain numbers.
static const char *
s_numeral_zh (int n)
{
    static const char *const numerals [] = { "一", "二", "三", "四", "五", "六", "七", "八", "九", "十" };
    return n >= 1 && n <= 10 ? numerals [n - 1] : NULL;
}

//  The target as the English report states it.
static s_text_t
s_target_en (const s_report_t *self, const s_indicator_t *ind)
{
    s_text_t t;
    s_text_t x = s_amount (self, ind, ind->target);
    const char *amount = x.text;
    switch (ind->kind) {
        case WDM_TARGET_UPPER_BOUND: snprintf (t.text, sizeof t.text, "at most %.100s", amount); break;
        case WDM_TARGET_LOWER_BOUND: snprintf (t.text, sizeof t.text, "at least %.100s", amount); break;
        case WDM_TARGET_REACH:       snprintf (t.text, sizeof t.text, "reach %.100s", amount); break;
        case WDM_TARGET_KEEP_ABOVE:  snprintf (t.text, sizeof t.text, "at least %.100s every year", amount); break;
        case WDM_TARGET_BALANCE:     snprintf (t.text, sizeof t.text, "balanced, near %.100s", amount); break;
        case WDM_TARGET_MIN_COUNT:   snprintf (t.text, sizeof t.text, "at least %.100s in each body", amount); break;
        case WDM_TARGET_INCREASE:    snprintf (t.text, sizeof t.text, "%s", "increase"); break;
        case WDM_TARGET_DECREASE:    snprintf (t.text, sizeof t.text, "%s", "decrease"); break;
        case WDM_TARGET_CURB_RISE:   snprintf (t.text, sizeof t.text, "%s", "a slowing rise"); break;
        case WDM_TARGET_NARROW_GAP:
            snprintf (t.text, sizeof t.text, "%s", "a narrowing gap between women and men");
            break;
        case WDM_TARGET_RELATION:
            snprintf (t.text, sizeof t.text, "%s %.64s", strcmp (ind->relation_op, ">=") == 0
                      ? "not below" : "in line with", ind->relation_code);
            break;
        default:            snprintf (t.text, sizeof t.text, "%s", "monitored, no numeric target"); break;
    }
    return t;
}

static bool
s_numeric_target (const s_indicator_t *ind)
{
    return ind->has_target && (ind->kind == WDM_TARGET_UPPER_BOUND || ind->kind == WDM_TARGET_LOWER_BOUND
        || ind->kind == WDM_TARGET_REACH || ind->kind == WDM_TARGET_KEEP_ABOVE || ind->kind == WDM_TARGET_BALANCE
        || ind->kind == WDM_TARGET_MIN_COUNT);
}

//  --- Loading --------------------------------------------------------------------

static int
s_find (const s_report_t *self, const char *code)
{
    for (int i = 0; i < self->ind_count; i++)
        if (strcmp (self->ind [i].code, code) == 0)
            return i;
    return -1;
}

static int
s_load_plan (s_report_t *self)
{
    self->plan = s_query (self, "the plan",
        "SELECT code, title_zh, title_en, period_start, period_end, baseline_year,"
        "       deadline_month, deadline_day"
        "  FROM wdmon.plan ORDER BY code LIMIT 1", 0, NULL);
    if (!self->plan)
        return -1;
    if (PQntuples (self->plan) != 1) {
        s_fail (self, "the database holds no plan (run wdmon migrate)");
        return -1;
    }
    self->plan_code = PQgetvalue (self->plan, 0, 0);
    self->first = atoi (PQgetvalue (self->plan, 0, 3));
    self->last = atoi (PQgetvalue (self->plan, 0, 4));
    self->baseline = atoi (PQgetvalue (self->plan, 0, 5));
    self->deadline_month = atoi (PQgetvalue (self->plan, 0, 6));
    self->deadline_day = atoi (PQgetvalue (self->plan, 0, 7));
    self->year = self->options->year;
    if (self->year < self->first || self->year > self->last) {
        s_fail (self, "%d is outside the plan's period %d-%d", self->year,
                self->first, self->last);
        return -1;
    }
    if (self->last - self->baseline + 1 > S_MAX_YEARS) {
        s_fail (self, "the plan spans more than %d years", S_MAX_YEARS);
        return -1;
    }
    self->years = self->year - self->baseline + 1;

    self->district = s_query (self, "the district",
        "SELECT code, name_zh, name_en FROM wdmon.area WHERE level = 'district'"
        " ORDER BY code LIMIT 1", 0, NULL);
    if (!self->district)
        return -1;
    if (PQntuples (self->district) != 1) {
        s_fail (self, "the database holds no area of level 'district'");
        return -1;
    }
    self->district_code = PQgetvalue (self->district, 0, 0);
    return 0;
}

static int
s_load_catalog (s_report_t *self)
{
    const char *params [] = { self->plan_code };
    self->domains = s_query (self, "the domains",
        "SELECT code, ordinal, name_zh, name_en FROM wdmon.domain WHERE plan_code = $1"
        " ORDER BY ordinal", 1, params);
    if (!self->domains)
        return -1;
    self->domain_count = PQntuples (self->domains);
    if (self->domain_count > 64) {
        s_fail (self, "the plan has more than 64 domains");
        return -1;
    }
    self->catalog = s_query (self, "the catalog",
        "SELECT i.code, i.domain_code, i.name_zh, i.name_en, i.target_kind::text, i.target_value,"
        "       u.code, u.symbol, u.name_en, i.clause_zh, coalesce (i.relation_code, ''),"
        "       coalesce (i.relation_op, '')"
        "  FROM wdmon.indicator i"
        "  JOIN wdmon.domain d ON d.code = i.domain_code"
        "  JOIN wdmon.measure_unit u ON u.code = i.measure_unit_code"
        " WHERE i.active AND i.plan_code = $1"
        " ORDER BY d.ordinal, i.ordinal", 1, params);
    if (!self->catalog)
        return -1;
    self->ind_count = PQntuples (self->catalog);
    self->ind = calloc ((size_t) self->ind_count + 1, sizeof *self->ind);
    if (!self->ind) {
        s_fail (self, "out of memory");
        return -1;
    }
    for (int row = 0; row < self->ind_count; row++) {
        s_indicator_t *ind = &self->ind [row];
        const PGresult *res = self->catalog;
        ind->code = PQgetvalue (res, row, 0);
        ind->domain_code = PQgetvalue (res, row, 1);
        ind->name_zh = PQgetvalue (res, row, 2);
        ind->name_en = PQgetvalue (res, row, 3);
        ind->kind_name = PQgetvalue (res, row, 4);
        if (wdm_target_kind_parse (ind->kind_name, &ind->kind))
            ind->kind = WDM_TARGET_MONITOR;
        ind->has_target = !PQgetisnull (res, row, 5);
        ind->target = ind->has_target ? strtod (PQgetvalue (res, row, 5), NULL) : 0;
        ind->unit_code = PQgetvalue (res, row, 6);
        ind->symbol = PQgetvalue (res, row, 7);
        ind->unit_name_en = PQgetvalue (res, row, 8);
        ind->clause_zh = PQgetvalue (res, row, 9);
        ind->relation_code = PQgetvalue (res, row, 10);
        ind->relation_op = PQgetvalue (res, row, 11);
        ind->balance_pp = 5;
        ind->similar_pp = 10;
        ind->domain = 0;
        for (int d = 0; d < self->domain_count; d++)
            if (strcmp (PQgetvalue (self->domains, d, 0), ind->domain_code) == 0)
                ind->domain = d;
    }
    for (int i = 0; i < self->ind_count; i++)
        self->ind [i].relation = self->ind [i].relation_code [0]
                               ? s_find (self, self->ind [i].relation_code) : -1;
    return 0;
}

//  The two thresholds the classification shares with the rules: how far
//  from a balance target, and how far apart for 相适应, still count as met.
static int
s_load_thresholds (s_report_t *self)
{
    PGresult *res = s_query (self, "the thresholds",
        "SELECT coalesce (indicator_code, ''), param, value FROM wdmon.rule_threshold"
        " WHERE (rule_code = 'not_met' AND param = 'balance_pp')"
        "    OR (rule_code = 'relation_broken' AND param = 'similar_pp')"
        " ORDER BY indicator_code NULLS FIRST", 0, NULL);
    if (!res)
        return -1;
    for (int row = 0; row < PQntuples (res); row++) {
        const char *code = PQgetvalue (res, row, 0);
        bool balance = strcmp (PQgetvalue (res, row, 1), "balance_pp") == 0;
        double value = strtod (PQgetvalue (res, row, 2), NULL);
        if (!isfinite (value))
            continue;
        for (int i = 0; i < self->ind_count; i++)
            if (!code [0] || strcmp (code, self->ind [i].code) == 0) {
                if (balance)
                    self->ind [i].balance_pp = value;
                else
                    self->ind [i].similar_pp = value;
            }
    }
    PQclear (res);
    return 0;
}

//  The district's values, baseline year to the report's year.
static int
s_load_values (s_report_t *self)
{
    char baseline [16], year [16];
    snprintf (baseline, sizeof baseline, "%d", self->baseline);
    snprintf (year, sizeof year, "%d", self->year);
    const char *params [] = { self->district_code, baseline, year };
    PGresult *res = s_query (self, "the district's values",
        "SELECT indicator_code, year, value, source, coalesce (parts, 0)"
        "  FROM wdmon.indicator_value"
        " WHERE area_code = $1 AND year BETWEEN $2::int AND $3::int", 3, params);
    if (!res)
        return -1;
    for (int row = 0; row < PQntuples (res); row++) {
        int i = s_find (self, PQgetvalue (res, row, 0));
        int y = atoi (PQgetvalue (res, row, 1)) - self->baseline;
        if (i < 0 || y < 0 || y >= self->years)
            continue;
        s_indicator_t *ind = &self->ind [i];
        if (ind->kind == WDM_TARGET_NARROW_GAP || ind->kind == WDM_TARGET_MIN_COUNT)
            continue;                   //  their values are by sex and by body, below
        ind->has [y] = true;
        ind->value [y] = strtod (PQgetvalue (res, row, 2), NULL);
        ind->parts [y] = strcmp (PQgetvalue (res, row, 3), "rolled_up") == 0
                       ? atoi (PQgetvalue (res, row, 4)) : 0;
        if (!isfinite (ind->value [y]))
            ind->has [y] = false;
    }
    PQclear (res);

    //  narrow_gap: the district's women and men, where both are reported.
    res = s_query (self, "the values by sex",
        "SELECT f.indicator_code, f.year, f.value, m.value"
        "  FROM wdmon.observation_current f"
        "  JOIN wdmon.indicator i ON i.code = f.indicator_code AND i.target_kind = 'narrow_gap'"
        "  JOIN wdmon.observation_current m ON m.indicator_code = f.indicator_code"
        "       AND m.area_code = f.area_code AND m.year = f.year AND m.period_kind = 'year'"
        "       AND m.period_no = 0 AND m.body = '' AND m.sex = 'M'"
        " WHERE f.area_code = $1 AND f.period_kind = 'year' AND f.period_no = 0 AND f.body = ''"
        "   AND f.sex = 'F' AND f.year BETWEEN $2::int AND $3::int", 3, params);
    if (!res)
        return -1;
    for (int row = 0; row < PQntuples (res); row++) {
        int i = s_find (self, PQgetvalue (res, row, 0));
        int y = atoi (PQgetvalue (res, row, 1)) - self->baseline;
        if (i < 0 || y < 0 || y >= self->years)
            continue;
        s_indicator_t *ind = &self->ind [i];
        ind->women [y] = strtod (PQgetvalue (res, row, 2), NULL);
        ind->men [y] = strtod (PQgetvalue (res, row, 3), NULL);
        ind->value [y] = fabs (ind->women [y] - ind->men [y]);
        ind->has [y] = isfinite (ind->value [y]);
    }
    PQclear (res);

    //  min_count: the weakest body, in whatever area it sits (the
    //  district's teams, or each town's).
    const char *years [] = { baseline, year };
    res = s_query (self, "the counts by body",
        "SELECT o.indicator_code, o.year, min (o.value), count (*)"
        "  FROM wdmon.observation_current o"
        "  JOIN wdmon.indicator i ON i.code = o.indicator_code AND i.target_kind = 'min_count'"
        " WHERE o.period_kind = 'year' AND o.period_no = 0 AND o.body <> '' AND o.sex = 'T'"
        "   AND o.year BETWEEN $1::int AND $2::int"
        " GROUP BY o.indicator_code, o.year", 2, years);
    if (!res)
        return -1;
    for (int row = 0; row < PQntuples (res); row++) {
        int i = s_find (self, PQgetvalue (res, row, 0));
        int y = atoi (PQgetvalue (res, row, 1)) - self->baseline;
        if (i < 0 || y < 0 || y >= self->years)
            continue;
        s_indicator_t *ind = &self->ind [i];
        ind->value [y] = strtod (PQgetvalue (res, row, 2), NULL);
        ind->bodies [y] = atoi (PQgetvalue (res, row, 3));
        ind->has [y] = isfinite (ind->value [y]);
    }
    PQclear (res);
    return 0;
}

//  Open warnings that speak about a target, for the district (min_count:
//  any area, since each town's teams are judged), about a year up to the
//  report's: each sets the best standing the indicator may show
//  (wdm_judge_floor), so that no row looks better than its worst open
//  warning.
static int
s_load_flags (s_report_t *self)
{
    char baseline [16], year [16];
    snprintf (baseline, sizeof baseline, "%d", self->baseline);
    snprintf (year, sizeof year, "%d", self->year);
    const char *params [] = { self->district_code, baseline, year };
    PGresult *res = s_query (self, "the open warnings",
        "SELECT indicator_code, rule_code, level::text FROM wdmon.open_warnings"
        " WHERE year BETWEEN $2::int AND $3::int"
        "   AND (area_code = $1 OR rule_code = 'min_count')", 3, params);
    if (!res)
        return -1;
    for (int row = 0; row < PQntuples (res); row++) {
        int i = s_find (self, PQgetvalue (res, row, 0));
        if (i < 0)
            continue;
        s_indicator_t *ind = &self->ind [i];
        int level = strcmp (PQgetvalue (res, row, 2), "red") == 0 ? 2 : 1;
        ind->floor = wdm_judge_worse (ind->floor, wdm_judge_floor (PQgetvalue (res, row, 1), level));
    }
    PQclear (res);
    return 0;
}

static int
s_load_warning_counts (s_report_t *self)
{
    char year [16];
    snprintf (year, sizeof year, "%d", self->year);
    const char *params [] = { year };
    PGresult *res = s_query (self, "the open warnings",
        "SELECT count (*) FILTER (WHERE level = 'red'), count (*) FILTER (WHERE level = 'yellow')"
        "  FROM wdmon.open_warnings WHERE year <= $1::int", 1, params);
    if (!res)
        return -1;
    self->sum.open_red = atoi (PQgetvalue (res, 0, 0));
    self->sum.open_yellow = atoi (PQgetvalue (res, 0, 1));
    PQclear (res);
    return 0;
}

//  --- Classification -----------------------------------------------------------
//
//  Every active indicator whose target kind is not 'monitor' is judged on
//  the district's series (baseline year to the report's year Y; see
//  s_load_values for narrow_gap and min_count) by the one judgement,
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

//  1 met, 0 not met, -1 cannot be judged from the values there are: the
//  judgement's answer (wdm_judge_met) on the district's series.
static int
s_met (const s_report_t *self, const s_indicator_t *ind, int latest)
{
    wdm_target_t target = {
        .kind = ind->kind, .has_target = ind->has_target, .target = ind->target,
        .relation_op = ind->relation_op, .balance_pp = ind->balance_pp, .similar_pp = ind->similar_pp
    };
    wdm_series_t series = { self->years, self->first - self->baseline, ind->has, ind->value };
    wdm_series_t other = series;
    if (ind->relation >= 0) {
        other.has = self->ind [ind->relation].has;
        other.value = self->ind [ind->relation].value;
    }
    return wdm_judge_met (&target, &series, latest, ind->relation >= 0 ? &other : NULL);
}

//  The index of the latest plan-year value, or -1.
static int
s_latest (const s_report_t *self, const s_indicator_t *ind)
{
    for (int y = self->years - 1; y >= self->first - self->baseline; y--)
        if (ind->has [y])
            return y;
    return -1;
}

static void
s_classify (s_report_t *self)
{
    for (int i = 0; i < self->ind_count; i++) {
        s_indicator_t *ind = &self->ind [i];
        int latest = s_latest (self, ind);
        if (ind->kind == WDM_TARGET_MONITOR)
            ind->status = WDM_STATUS_MONITOR;
        else
        if (latest < 0 || (self->options->final && latest != self->years - 1))
            ind->status = WDM_STATUS_NOT_REPORTED;
        else {
            int met = s_met (self, ind, latest);
            if (met == 1)
                ind->status = WDM_STATUS_MET;
            else
            if (self->options->final)
                ind->status = met == 0 ? WDM_STATUS_UNLIKELY : WDM_STATUS_ON_TRACK;
            else
                ind->status = WDM_STATUS_ON_TRACK;
            //  A final evaluation has no "behind": an open warning about the
            //  target says it is not met as things stand.
            s_status_t floor = self->options->final && ind->floor != WDM_STATUS_MET
                             ? WDM_STATUS_UNLIKELY : ind->floor;
            ind->status = wdm_judge_worse (ind->status, floor);
        }
        self->by_domain [ind->domain][ind->status]++;
        switch (ind->status) {
            case WDM_STATUS_MET:          self->sum.met++; break;
            case WDM_STATUS_ON_TRACK:     self->sum.on_track++; break;
            case WDM_STATUS_BEHIND:       self->sum.behind++; break;
            case WDM_STATUS_UNLIKELY:     self->sum.unlikely++; break;
            case WDM_STATUS_NOT_REPORTED: self->sum.not_reported++; break;
            default:             self->monitored++; break;
        }
        if (ind->status != WDM_STATUS_MONITOR)
            self->sum.indicators++;
    }
}

//  --- HTML pieces ---------------------------------------------------------------------

static const char *s_css =
    "@page{size:A4;margin:16mm 14mm 18mm 14mm;@bottom-center{content:counter(page) \" / \" counter(pages);"
    "font-size:8pt;color:#888}}\n"
    "html{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"Noto Sans SC\",\"PingFang SC\","
    "\"Microsoft YaHei\",\"WenQuanYi Micro Hei\",SimSun,sans-serif;font-size:10pt;color:#222;"
    "line-height:1.5;-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    "body{margin:0 auto;max-width:182mm;padding:10mm 14mm;background:#fff}\n"
    "@media screen{html{background:#e8e8e8}body{box-shadow:0 0 6px rgba(0,0,0,.25);margin:8mm auto}}\n"
    "@media print{body{padding:0;max-width:none}}\n"
    "header.cover{text-align:center;border-bottom:3px double "
    "#a11d1d;padding-bottom:8pt;margin-bottom:10pt}\n"
    "h1{font-size:19pt;line-height:1.35;margin:6pt 0 4pt;color:#a11d1d}\n"
    "h1 .plan{display:block;font-size:15pt;color:#333;font-weight:600}\n"
    ".meta{color:#555;font-size:9pt;margin:2pt 0}\n"
    ".source{text-align:left;font-size:9pt;color:#444;background:#faf6f2;border-left:3px solid #a11d1d;"
    "padding:4pt 8pt;margin:8pt 0 0}\n"
    "h2{font-size:14pt;color:#a11d1d;border-bottom:1.5px solid #a11d1d;padding-bottom:2pt;margin:16pt 0 8pt;"
    "break-after:avoid;page-break-after:avoid}\n"
    "h3{font-size:11.5pt;margin:14pt 0 5pt;break-after:avoid;page-break-after:avoid}\n"
    "section.part{break-before:page;page-break-before:always}\n"
    "section.part.first{break-before:auto;page-break-before:auto}\n"
    "table{width:100%;border-collapse:collapse;font-size:8.5pt;margin:4pt 0 6pt}\n"
    "thead{display:table-header-group}\n"
    "tr{break-inside:avoid;page-break-inside:avoid}\n"
    "th,td{border:1px solid #c9c2bc;padding:2pt 4pt;vertical-align:top;text-align:left}\n"
    "th{background:#f3ebe5;font-weight:600;text-align:center;vertical-align:middle}\n"
    "th.num,td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\n"
    "table.summary{width:60%}\n"
    "tr.total td{font-weight:600;background:#faf6f2}\n"
    "table.ind td.name{width:20%}table.ind td.target{width:22%;color:#444}\n"
    ".code{color:#888;font-size:7pt;margin-left:3pt;white-space:nowrap}\n"
    ".st{display:inline-block;padding:0 "
    "4pt;border-radius:3pt;color:#fff;font-size:7.5pt;white-space:nowrap}\n"
    ".st-met{background:#2e7d32}.st-track{background:#1565c0}.st-behind{background:#e08600}"
    ".st-unlikely{background:#c62828}.st-none{background:#9e9e9e}.st-monitor{background:#546e7a}"
    ".st-unjudged{background:#8d6e63}\n"
    ".lv{display:inline-block;padding:0 "
    "4pt;border-radius:3pt;color:#fff;font-size:7.5pt;white-space:nowrap}\n"
    ".lv-red{background:#c62828}.lv-yellow{background:#f2b705;color:#222}\n"
    "sup.r{color:#a11d1d;font-size:6.5pt}\n"
    ".fn{font-size:8pt;color:#555;margin:0 0 6pt}\n"
    ".charts{display:grid;grid-template-columns:repeat(4,1fr);gap:4pt 10pt;margin:4pt 0 8pt}\n"
    "figure.chart{margin:0;break-inside:avoid;page-break-inside:avoid;font-size:7.5pt;color:#444}\n"
    "figure.chart svg{display:block;width:100%;height:auto;border-bottom:1px solid #eee}\n"
    "figure.chart figcaption{line-height:1.3;margin-top:1pt}\n"
    ".legend{break-after:avoid;page-break-after:avoid;margin:4pt 0 2pt}\n"
    ".bar{margin:6pt 0}.bar svg{display:block;width:100%;height:auto}\n"
    "table.warn td.msg{width:40%}table.warn td.rule{white-space:nowrap}table.warn td.ack{min-width:4em}\n"
    "ul{margin:2pt 0 6pt;padding-left:16pt}li{margin:1pt 0}\n";

//  A small chart of the district's path against its target (160 x 60).
//  The dashed line is the target; for a relation the other indicator's
//  path.  Hollow points are values rolled up from the towns.
static void
s_chart (s_report_t *self, const s_indicator_t *ind)
{
    const double left = 8, right = 152, top = 6, bottom = 44;
    int latest = s_latest (self, ind);
    bool any = false;
    for (int y = 0; y < self->years; y++)
        any = any || ind->has [y];
    if (!any)
        return;
    const s_indicator_t *other = ind->relation >= 0 ? &self->ind [ind->relation] : NULL;
    double lo = INFINITY, hi = -INFINITY;
    for (int y = 0; y < self->years; y++) {
        if (ind->has [y]) {
            lo = fmin (lo, ind->value [y]);
            hi = fmax (hi, ind->value [y]);
        }
        if (other && other->has [y]) {
            lo = fmin (lo, other->value [y]);
            hi = fmax (hi, other->value [y]);
        }
    }
    bool target_line = s_numeric_target (ind);
    if (target_line) {
        lo = fmin (lo, ind->target);
        hi = fmax (hi, ind->target);
    }
    if (!isfinite (lo) || !isfinite (hi))
        return;
    double pad = hi > lo ? (hi - lo) * 0.12 : fmax (fabs (hi) * 0.1, 1.0);
    lo -= pad;
    hi += pad;
    const char *colour = s_status_colour (self, ind->status);
    s_out (self, "<figure class=\"chart\"><svg viewBox=\"0 0 160 60\""
                 " width=\"160\" height=\"60\" role=\"img\" aria-label=\"");
    s_esc (self, self->english ? ind->name_en : ind->name_zh);
    s_out (self, "\">");
    s_outf (self, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#ccc\""
                  " stroke-width=\"0.6\"/>",
            left, bottom + 2, right, bottom + 2);
    #define S_X(y) (self->years > 1 ? left + (right - left) * (y) / (self->years - 1) : (left + right) / 2)
    #define S_Y(v) (bottom - ((v) - lo) / (hi - lo) * (bottom - top))
    if (target_line)
        s_outf (self, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#a11d1d\""
                      " stroke-width=\"0.9\" stroke-dasharray=\"3 2\" opacity=\"0.8\"/>",
                left, S_Y (ind->target), right, S_Y (ind->target));
    for (int pass = 0; pass < 2; pass++) {
        const s_indicator_t *series = pass == 0 ? other : ind;
        if (!series)
            continue;
        int n = 0;
        for (int y = 0; y < self->years; y++)
            n += series->has [y];
        if (n > 1) {
            s_out (self, "<polyline fill=\"none\" points=\"");
            for (int y = 0, k = 0; y < self->years; y++)
                if (series->has [y])
                    s_outf (self, "%s%.1f,%.1f", k++ ? " " : "", S_X (y), S_Y (series->value [y]));
            if (pass == 0)
                s_out (self, "\" stroke=\"#888\" stroke-width=\"1\" stroke-dasharray=\"2 2\"/>");
            else
                s_outf (self, "\" stroke=\"%s\" stroke-width=\"1.6\"/>", colour);
        }
        if (pass == 1)
            for (int y = 0; y < self->years; y++)
                if (series->has [y])
                    s_outf (self, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"%s\" stroke=\"%s\""
                                  " stroke-width=\"1.2\"/>", S_X (y), S_Y (series->value [y]),
                            series->parts [y] ? "#fff" : colour, colour);
    }
    s_outf (self, "<text x=\"%.0f\" y=\"57\" font-size=\"8\" fill=\"#777\">%d</text>", left, self->baseline);
    if (self->years > 1)
        s_outf (self, "<text x=\"%.0f\" y=\"57\" font-size=\"8\" fill=\"#777\" text-anchor=\"end\">%d</text>",
                right, self->year);
    #undef S_X
    #undef S_Y
    s_out (self, "</svg><figcaption><span class=\"code\">");
    s_esc (self, ind->code);
    s_out (self, "</span> ");
    s_esc (self, self->english ? ind->name_en : ind->name_zh);
    if (latest >= 0) {
        s_out (self, " · ");
        s_esc (self, s_amount (self, ind, ind->value [latest]).text);
    }
    s_out (self, "</figcaption></figure>\n");
}

//  The summary as one stacked bar.
static void
s_summary_bar (s_report_t *self)
{
    s_status_t order [5];
    int n = s_summary_order (self, order);
    if (self->sum.indicators == 0)
        return;
    s_out (self, "<div class=\"bar\"><svg viewBox=\"0 0 600 26\""
                 " width=\"600\" height=\"26\" role=\"img\">");
    double x = 0;
    for (int k = 0; k < n; k++) {
        int count = s_summary_count (self, order [k]);
        if (count == 0)
            continue;
        double width = 600.0 * count / self->sum.indicators;
        s_outf (self, "<rect x=\"%.2f\" y=\"0\" width=\"%.2f\" height=\"26\" fill=\"%s\"/>",
                x, width, s_status_colour (self, order [k]));
        if (width >= 22)
            s_outf (self, "<text x=\"%.2f\" y=\"17\" font-size=\"11\" fill=\"#fff\""
                          " text-anchor=\"middle\">%d</text>",
                    x + width / 2, count);
        x += width;
    }
    s_out (self, "</svg></div>\n");
}

//  --- The document: HTML and Markdown --------------------------------------------

static void
s_report_name (s_report_t *self, char *buffer, size_t size)
{
    if (self->options->final)
        snprintf (buffer, size, "%s", s_tr (self, "终期监测评估报告", "Final Monitoring and Evaluation Report"));
    else
    if (self->english)
        snprintf (buffer, size, "Monitoring Report %d", self->year);
    else
        snprintf (buffer, size, "%d年度监测报告", self->year);
}

static void
s_write_head (s_report_t *self)
{
    const char *title = PQgetvalue (self->plan, 0, self->english ? 2 : 1);
    char name [128];
    s_report_name (self, name, sizeof name);
    if (self->html) {
        s_outf (self, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                "style-src 'unsafe-inline'; img-src data:\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
                self->english ? "en" : "zh-CN");
        s_esc (self, title);
        s_out (self, self->english ? ": " : "");
        s_esc (self, name);
        s_outf (self, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header class=\"cover\">\n<h1>"
                "<span class=\"plan\">", s_css);
        s_esc (self, title);
        s_out (self, "</span>");
        s_esc (self, name);
        s_out (self, "</h1>\n<p class=\"meta\">");
    }
    else {
        s_out (self, "# ");
        s_esc (self, title);
        s_out (self, self->english ? ": " : "");
        s_esc (self, name);
        s_out (self, "\n\n");
    }
    s_esc (self, s_tr (self, "生成时间:", "Generated: "));
    s_esc (self, self->generated);
    if (self->options->final)
        s_outf (self, self->english ? " · Period evaluated: %d–%d" : " · 评估期:%d—%d年",
                self->first, self->year);
    else
        s_outf (self, self->english ? " · Data up to %d" : " · 数据截至%d年", self->year);
    s_outf (self, self->english ? " · Baseline year: %d" : " · 基期:%d年", self->baseline);
    if (self->html)
        s_out (self, "</p>\n<p class=\"source\">");
    else
        s_out (self, "\n\n> ");
    s_esc (self, s_tr (self,
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
    s_out (self, self->html ? "</p>\n</header>\n" : "\n\n");
}

static void
s_write_summary (s_report_t *self)
{
    s_status_t order [5];
    int n = s_summary_order (self, order);
    const wdm_report_summary_t *s = &self->sum;
    if (self->html)
        s_out (self, "<section class=\"part first\" id=\"summary\">\n");
    s_heading (self, 2, "summary-h", s_tr (self, "一、总体情况", "1 Summary"));
    s_para_open (self, "lead");
    if (self->english) {
        s_outf (self, "%d indicators have a target that can be judged (%d more are monitored without "
                "one). ", s->indicators, self->monitored);
        if (self->options->final)
            s_outf (self, "Over the period %d–%d: %d met (%s), %d not met (%s), %d cannot be judged from "
                    "the data (%s), %d without a final value (%s).", self->first, self->year,
                    s->met, s_share (s->met, s->indicators).text, s->unlikely,
                    s_share (s->unlikely, s->indicators).text, s->on_track,
                    s_share (s->on_track, s->indicators).text, s->not_reported,
                    s_share (s->not_reported, s->indicators).text);
        else
            s_outf (self, "As of %d: %d met (%s), %d on track (%s), %d behind schedule (%s), %d unlikely "
                    "to be met (%s), %d not reported (%s).", self->year,
                    s->met, s_share (s->met, s->indicators).text, s->on_track,
                    s_share (s->on_track, s->indicators).text, s->behind,
                    s_share (s->behind, s->indicators).text, s->unlikely,
                    s_share (s->unlikely, s->indicators).text, s->not_reported,
                    s_share (s->not_reported, s->indicators).text);
        s_outf (self, " Unresolved warnings: %d red, %d yellow.", s->open_red, s->open_yellow);
    }
    else {
        s_outf (self, "纳入评估的有明确目标的指标共%d项(另有%d项指标仅作监测,不设可判断的目标)。",
                s->indicators, self->monitored);
        if (self->options->final)
            s_outf (self, "评估期(%d—%d年)内,达标%d项,占%s;未达标%d项,占%s;数据不足、无法判断%d项,"
                    "占%s;无终期数据%d项,占%s。", self->first, self->year,
                    s->met, s_share (s->met, s->indicators).text, s->unlikely,
                    s_share (s->unlikely, s->indicators).text, s->on_track,
                    s_share (s->on_track, s->indicators).text, s->not_reported,
                    s_share (s->not_reported, s->indicators).text);
        else
            s_outf (self, "截至%d年,已达标%d项,占%s;进展正常%d项,占%s;进度滞后%d项,占%s;"
                    "预计达标困难%d项,占%s;未报送数据%d项,占%s。", self->year,
                    s->met, s_share (s->met, s->indicators).text, s->on_track,
                    s_share (s->on_track, s->indicators).text, s->behind,
                    s_share (s->behind, s->indicators).text, s->unlikely,
                    s_share (s->unlikely, s->indicators).text, s->not_reported,
                    s_share (s->not_reported, s->indicators).text);
        s_outf (self, "目前未解除的预警中,红色预警%d条,黄色预警%d条。", s->open_red, s->open_yellow);
    }
    s_para_close (self);
    //  A final evaluation names the targets it could not evaluate.
    if (self->options->final && s->not_reported > 0) {
        s_para_open (self, "lead");
        if (self->english)
            s_outf (self, "%d targets have no %d value and are not evaluated: ", s->not_reported, self->year);
        else
            s_outf (self, "以下%d项目标没有%d年数值,未作终期评估:", s->not_reported, self->year);
        int listed = 0;
        for (int i = 0; i < self->ind_count; i++) {
            const s_indicator_t *ind = &self->ind [i];
            if (ind->status != WDM_STATUS_NOT_REPORTED)
                continue;
            s_out (self, listed++ ? (self->english ? "; " : "、") : "");
            s_esc (self, ind->code);
            s_out (self, " ");
            s_esc (self, self->english ? ind->name_en : ind->name_zh);
        }
        s_out (self, self->english ? "." : "。");
        s_para_close (self);
    }
    if (self->html)
        s_summary_bar (self);

    const char *heads [] = { s_tr (self, "状态", "Status"), s_tr (self, "指标数", "Indicators"),
                             s_tr (self, "占比", "Share") };
    const bool numeric [] = { false, true, true };
    s_table_open (self, "summary", heads, numeric, 3);
    for (int k = 0; k < n; k++) {
        int count = s_summary_count (self, order [k]);
        char id [32];
        s_row_open (self, NULL, NULL);
        if (self->html)
            s_outf (self, "<td><span class=\"st st-%s\">", s_status_class (self, order [k]));
        else
            s_cell_open (self, NULL);
        s_esc (self, s_status_label (self, order [k]));
        s_out (self, self->html ? "</span></td>" : " |");
        snprintf (id, sizeof id, "count-%s", s_status_field (order [k]));
        s_cell_int (self, id, count);
        s_cell (self, "num", s_share (count, s->indicators).text);
        s_row_close (self);
    }
    s_row_open (self, NULL, "total");
    s_cell (self, NULL, s_tr (self, "合计", "Total"));
    s_cell_int (self, "count-total", s->indicators);
    s_cell (self, "num", s->indicators ? "100.0%" : "0.0%");
    s_row_close (self);
    s_table_close (self);

    //  By domain.
    s_heading (self, 3, "summary-domains", s_tr (self, "分领域情况", "By domain"));
    const char *dheads [8];
    bool dnumeric [8];
    int columns = 0;
    dheads [columns] = s_tr (self, "领域", "Domain");
    dnumeric [columns++] = false;
    dheads [columns] = s_tr (self, "评估指标", "Judged");
    dnumeric [columns++] = true;
    for (int k = 0; k < n; k++) {
        dheads [columns] = s_status_label (self, order [k]);
        dnumeric [columns++] = true;
    }
    dheads [columns] = s_status_label (self, WDM_STATUS_MONITOR);
    dnumeric [columns++] = true;
    s_table_open (self, "domains", dheads, dnumeric, columns);
    for (int d = 0; d < self->domain_count; d++) {
        const int *c = self->by_domain [d];
        s_row_open (self, NULL, NULL);
        s_cell (self, NULL, PQgetvalue (self->domains, d, self->english ? 3 : 2));
        s_cell_int (self, NULL, c [WDM_STATUS_MET] + c [WDM_STATUS_ON_TRACK] + c [WDM_STATUS_BEHIND] + c [WDM_STATUS_UNLIKELY]
                                + c [WDM_STATUS_NOT_REPORTED]);
        for (int k = 0; k < n; k++)
            s_cell_int (self, NULL, c [order [k]]);
        s_cell_int (self, NULL, c [WDM_STATUS_MONITOR]);
        s_row_close (self);
    }
    s_table_close (self);
    if (self->html)
        s_out (self, "</section>\n");
}

//  One value cell of the domain table.
static void
s_value_cell (s_report_t *self, const s_indicator_t *ind, int y, bool latest)
{
    const char *cls = latest ? "num latest" : "num";
    if (y < 0 || !ind->has [y]) {
        s_cell (self, cls, "—");
        return;
    }
    char title [160] = "";
    if (ind->parts [y])
        snprintf (title, sizeof title, self->english ? "rolled up from %d areas" : "由%d个镇街汇总",
                  ind->parts [y]);
    else
    if (ind->kind == WDM_TARGET_NARROW_GAP)
        snprintf (title, sizeof title, self->english ? "women %s, men %s" : "女性%s,男性%s",
                  s_num (ind->women [y]).text, s_num (ind->men [y]).text);
    else
    if (ind->kind == WDM_TARGET_MIN_COUNT)
        snprintf (title, sizeof title, self->english ? "fewest among %d bodies" : "%d个班子中的最少人数",
                  ind->bodies [y]);
    if (self->html) {
        if (title [0])
            s_outf (self, "<td class=\"%s\" title=\"%s\">", cls, title);
        else
            s_outf (self, "<td class=\"%s\">", cls);
    }
    else
        s_cell_open (self, cls);
    s_esc (self, latest ? s_amount (self, ind, ind->value [y]).text : s_num (ind->value [y]).text);
    if (ind->parts [y])
        s_out (self, self->html ? "<sup class=\"r\">†</sup>" : "†");
    s_cell_close (self);
}

static void
s_write_domains (s_report_t *self)
{
    if (self->html)
        s_out (self, "<section class=\"part\" id=\"domains\">\n");
    s_heading (self, 2, "domains-h", s_tr (self, "二、分领域监测情况", "2 Indicators by domain"));
    s_para_open (self, "fn");
    if (self->english)
        s_outf (self, "Each table gives the district's value by year, %d being the baseline; the latest "
                "value is the latest of the plan years up to %d.", self->baseline, self->year);
    else
        s_outf (self, "各表列出全区各年度数值,%d年为基期;“最新值”为%d年及以前规划年度中最近一年的数值。",
                self->baseline, self->year);
    s_para_close (self);

    const char *heads [S_MAX_YEARS + 6];
    bool numeric [S_MAX_YEARS + 6];
    char year_heads [S_MAX_YEARS][32];
    int columns = 0;
    heads [columns] = s_tr (self, "指标", "Indicator");
    numeric [columns++] = false;
    heads [columns] = s_tr (self, "目标", "Target");
    numeric [columns++] = false;
    for (int y = 0; y < self->years; y++) {
        if (y == 0)
            snprintf (year_heads [y], sizeof year_heads [y], self->english ? "%d (baseline)" : "%d(基期)",
                      self->baseline);
        else
            snprintf (year_heads [y], sizeof year_heads [y], "%d", self->baseline + y);
        heads [columns] = year_heads [y];
        numeric [columns++] = true;
    }
    heads [columns] = s_tr (self, "最新值", "Latest");
    numeric [columns++] = true;
    heads [columns] = s_tr (self, "状态", "Status");
    numeric [columns++] = false;

    for (int d = 0; d < self->domain_count; d++) {
        char id [32], heading [256];
        snprintf (id, sizeof id, "domain-%d", d + 1);
        int ordinal = atoi (PQgetvalue (self->domains, d, 1));
        if (self->english)
            snprintf (heading, sizeof heading, "2.%d %s", ordinal, PQgetvalue (self->domains, d, 3));
        else
        if (s_numeral_zh (ordinal))
            snprintf (heading, sizeof heading, "(%s)%s", s_numeral_zh (ordinal),
                      PQgetvalue (self->domains, d, 2));
        else
            snprintf (heading, sizeof heading, "(%d)%s", ordinal, PQgetvalue (self->domains, d, 2));
        s_heading (self, 3, id, heading);
        bool any = false, rolled = false, gap = false, count = false, relation = false;
        int charts = 0;
        for (int i = 0; i < self->ind_count; i++) {
            const s_indicator_t *ind = &self->ind [i];
            if (ind->domain != d)
                continue;
            if (!any)
                s_table_open (self, "ind", heads, numeric, columns);
            any = true;
            char row_id [96];
            snprintf (row_id, sizeof row_id, "ind-%.64s", ind->code);
            s_row_open (self, self->html ? row_id : NULL, NULL);
            s_cell_open (self, "name");
            if (self->html) {
                s_esc (self, self->english ? ind->name_en : ind->name_zh);
                s_out (self, "<span class=\"code\">");
                s_esc (self, ind->code);
                s_out (self, "</span>");
            }
            else {
                s_esc (self, ind->code);
                s_out (self, " ");
                s_esc (self, self->english ? ind->name_en : ind->name_zh);
            }
            s_cell_close (self);
            if (self->english)
                s_cell (self, "target", s_target_en (self, ind).text);
            else
                s_cell (self, "target", ind->clause_zh);
            bool values = false;
            for (int y = 0; y < self->years; y++) {
                s_value_cell (self, ind, y, false);
                values = values || ind->has [y];
                rolled = rolled || ind->parts [y];
            }
            s_value_cell (self, ind, s_latest (self, ind), true);
            if (self->html)
                s_outf (self, "<td class=\"status\"><span class=\"st st-%s\">",
                        s_status_class (self, ind->status));
            else
                s_cell_open (self, "status");
            s_esc (self, s_status_label (self, ind->status));
            s_out (self, self->html ? "</span></td>" : " |");
            s_row_close (self);
            charts += values;
            gap = gap || (values && ind->kind == WDM_TARGET_NARROW_GAP);
            count = count || (values && ind->kind == WDM_TARGET_MIN_COUNT);
            relation = relation || (values && ind->kind == WDM_TARGET_RELATION);
        }
        if (!any) {
            s_para_open (self, "fn");
            s_esc (self, s_tr (self, "本领域暂无指标。", "No indicators in this domain."));
            s_para_close (self);
            continue;
        }
        s_table_close (self);
        if (rolled || gap || count) {
            s_para_open (self, "fn");
            s_esc (self, s_tr (self, "注:", "Note: "));
            if (rolled)
                s_esc (self, s_tr (self, "†全区未报送,由各镇街报送值汇总。",
                                   "† not reported by the district; rolled up from its towns and streets. "));
            if (gap)
                s_esc (self, s_tr (self, "“两性差距”类指标的数值为女性与男性数值之差的绝对值。",
                                   "For gap targets the value is the difference between women and men. "));
            if (count)
                s_esc (self, s_tr (self, "“至少配备”类指标的数值为各领导班子中女干部人数的最少值。",
                                   "For minimum-count targets the value is the fewest women in any body. "));
            s_para_close (self);
        }
        if (self->html && charts > 0) {
            s_out (self, "<div class=\"chartblock\"><p class=\"fn legend\">");
            s_esc (self, s_tr (self, "图:全区数值走势。虚线为目标值",
                                     "Charts: the district's path. Dashed: the target"));
            if (relation)
                s_esc (self, s_tr (self, "(关系类目标为对照指标)", " (for a relation, the other indicator)"));
            s_esc (self, s_tr (self, ";空心点为镇街汇总值。", "; hollow points are rolled-up values."));
            s_out (self, "</p>\n<div class=\"charts\">\n");
            for (int i = 0; i < self->ind_count; i++)
                if (self->ind [i].domain == d)
                    s_chart (self, &self->ind [i]);
            s_out (self, "</div></div>\n");
        }
    }
    if (self->html)
        s_out (self, "</section>\n");
}

//  One table of open warnings: the findings about indicators, or (missing)
//  the reports not made on time.  Red first, then by domain, indicator,
//  area and year; at most S_MAX_WARNINGS rows.
static int
s_write_warning_table (s_report_t *self, bool missing)
{
    char year [16], limit [16];
    snprintf (year, sizeof year, "%d", self->year);
    snprintf (limit, sizeof limit, "%d", S_MAX_WARNINGS);
    const char *params [] = { year, limit, missing ? "t" : "f" };
    PGresult *res = s_query (self, "the open warnings",
        "SELECT w.level::text, w.state::text, w.rule_zh, w.rule_en, w.indicator_code, w.indicator_zh,"
        "       i.name_en, w.area_zh, a.name_en, w.year, w.body, w.message_zh, w.message_en,"
        "       coalesce (w.acknowledged_by, ''), coalesce (w.ack_note, ''),"
        "       count (*) OVER (), count (*) FILTER (WHERE w.level = 'red') OVER ()"
        "  FROM wdmon.open_warnings w"
        "  JOIN wdmon.indicator i ON i.code = w.indicator_code"
        "  JOIN wdmon.area a ON a.code = w.area_code"
        "  JOIN wdmon.rule r ON r.code = w.rule_code"
        " WHERE w.year <= $1::int AND (w.rule_code = 'missing') = $3::boolean"
        " ORDER BY w.level DESC, w.domain_ordinal, i.ordinal, a.level, w.area_code, w.year,"
        "          r.ordinal, w.body, w.id"
        " LIMIT $2::int", 3, params);
    if (!res)
        return -1;
    int rows = PQntuples (res);
    int total = rows ? atoi (PQgetvalue (res, 0, 15)) : 0;
    int red = rows ? atoi (PQgetvalue (res, 0, 16)) : 0;
    if (missing)
        s_heading (self, 3, "warnings-missing", s_tr (self, "(二)未按时报送预警", "3.2 Reports not made on time"));
    else
        s_heading (self, 3, "warnings-targets", s_tr (self, "(一)指标预警", "3.1 Warnings about indicators"));
    s_para_open (self, "fn");
    if (self->english)
        s_outf (self, "%d unresolved: %d red, %d yellow.", total, red, total - red);
    else
        s_outf (self, "共%d条,其中红色%d条、黄色%d条。", total, red, total - red);
    if (rows < total) {
        if (self->english)
            s_outf (self, " The first %d are listed; `wdmon warnings --open` lists them all.", rows);
        else
            s_outf (self, "下表列出前%d条,全部预警可用 wdmon warnings --open 查看。", rows);
    }
    if (missing && rows > 0)
        s_esc (self, s_tr (self, "各成员单位的报送情况见第四部分。",
                                 " Part 4 sums up reporting by member unit."));
    s_para_close (self);
    if (rows > 0) {
        const char *heads [] = { s_tr (self, "级别", "Level"), s_tr (self, "预警规则", "Rule"),
                                 s_tr (self, "指标", "Indicator"), s_tr (self, "地区", "Area"),
                                 s_tr (self, "年份", "Year"), s_tr (self, "预警信息", "Message"),
                                 s_tr (self, "处理情况", "Handling") };
        const bool numeric [] = { false, false, false, false, true, false, false };
        s_table_open (self, "warn", heads, numeric, 7);
        for (int row = 0; row < rows; row++) {
            bool is_red = strcmp (PQgetvalue (res, row, 0), "red") == 0;
            s_row_open (self, NULL, is_red ? "red" : "yellow");
            if (self->html)
                s_outf (self, "<td><span class=\"lv lv-%s\">", is_red ? "red" : "yellow");
            else
                s_cell_open (self, NULL);
            s_esc (self, is_red ? s_tr (self, "红色", "Red") : s_tr (self, "黄色", "Yellow"));
            s_out (self, self->html ? "</span></td>" : " |");
            s_cell (self, "rule", PQgetvalue (res, row, self->english ? 3 : 2));
            s_cell_open (self, NULL);
            s_esc (self, PQgetvalue (res, row, self->english ? 6 : 5));
            s_out (self, self->html ? "<span class=\"code\">" : " (");
            s_esc (self, PQgetvalue (res, row, 4));
            s_out (self, self->html ? "</span>" : ")");
            s_cell_close (self);
            s_cell_open (self, NULL);
            s_esc (self, PQgetvalue (res, row, self->english ? 8 : 7));
            if (PQgetvalue (res, row, 10) [0]) {
                s_out (self, self->english ? ", " : "·");
                s_esc (self, PQgetvalue (res, row, 10));
            }
            s_cell_close (self);
            s_cell (self, "num", PQgetvalue (res, row, 9));
            s_cell (self, "msg", PQgetvalue (res, row, self->english ? 12 : 11));
            s_cell_open (self, "ack");
            if (strcmp (PQgetvalue (res, row, 1), "acknowledged") == 0) {
                s_esc (self, s_tr (self, "已确认(", "Acknowledged ("));
                s_esc (self, PQgetvalue (res, row, 13));
                s_esc (self, s_tr (self, "):", "): "));
                s_esc (self, PQgetvalue (res, row, 14));
            }
            else
                s_esc (self, s_tr (self, "待处理", "Open"));
            s_cell_close (self);
            s_row_close (self);
        }
        s_table_close (self);
    }
    PQclear (res);
    return 0;
}

static int
s_write_warnings (s_report_t *self)
{
    int total = self->sum.open_red + self->sum.open_yellow;
    if (self->html)
        s_out (self, "<section class=\"part\" id=\"warnings\">\n");
    s_heading (self, 2, "warnings-h", s_tr (self, "三、预警情况", "3 Open warnings"));
    s_para_open (self, "lead");
    if (self->english)
        s_outf (self, "%d warnings about %d or earlier are unresolved (open, or acknowledged while their "
                "condition still holds), for the district and for its towns and streets: %d red, %d "
                "yellow. Each table lists red first.", total, self->year, self->sum.open_red,
                self->sum.open_yellow);
    else
        s_outf (self, "%d年及以前年度的未解除预警(含已确认而条件仍然成立的)共%d条,涉及全区和各镇街,"
                "其中红色预警%d条、黄色预警%d条。各表按红色在前排列。", self->year, total,
                self->sum.open_red, self->sum.open_yellow);
    s_para_close (self);
    if (s_write_warning_table (self, false) || s_write_warning_table (self, true))
        return -1;
    if (self->html)
        s_out (self, "</section>\n");
    return 0;
}

//  The on-time rate: reports on time over those that could have been (the
//  owed, less those whose deadline passed before the unit was registered
//  and were loaded as history).  "—" where none could.
static s_text_t
s_on_time (int on_time, int could)
{
    if (could > 0)
        return s_share (on_time, could);
    s_text_t t;
    snprintf (t.text, sizeof t.text, "%s", "—");
    return t;
}

static int
s_write_units (s_report_t *self)
{
    char first [16], year [16];
    snprintf (first, sizeof first, "%d", self->options->final ? self->first : self->year);
    snprintf (year, sizeof year, "%d", self->year);
    const char *params [] = { first, year };
    PGresult *res = s_query (self, "the completeness of reporting",
        "SELECT c.unit_code, max (c.unit_zh), max (u.name_en), sum (c.owed), sum (c.received),"
        "       sum (c.late), sum (c.missing), sum (c.on_time), sum (c.backfilled)"
        "  FROM wdmon.completeness c JOIN wdmon.member_unit u ON u.code = c.unit_code"
        " WHERE c.year BETWEEN $1::int AND $2::int"
        " GROUP BY c.unit_code"
        " ORDER BY sum (c.missing) DESC, sum (c.late) DESC, c.unit_code", 2, params);
    if (!res)
        return -1;
    if (self->html)
        s_out (self, "<section class=\"part\" id=\"units\">\n");
    s_heading (self, 2, "units-h", s_tr (self, "四、成员单位报送情况", "4 Reporting by member units"));
    s_para_open (self, "lead");
    if (self->options->final) {
        if (self->english)
            s_outf (self, "Reports owed by each member unit as lead unit for %d–%d, those received, those "
                    "received after the deadline (%02d-%02d of the following year) and those still "
                    "missing; most missing first.", self->first, self->year, self->deadline_month,
                    self->deadline_day);
        else
            s_outf (self, "%d—%d年各成员单位作为牵头单位应报送、已报送、逾期报送(截止日期为次年%d月%d日)"
                    "和尚未报送的指标数,按未报送数从多到少排列。", self->first, self->year,
                    self->deadline_month, self->deadline_day);
    }
    else {
        if (self->english)
            s_outf (self, "Reports of %d data owed by each member unit as lead unit, those received, "
                    "those received after the deadline (%d-%02d-%02d) and those still missing; most "
                    "missing first.", self->year, self->year + 1, self->deadline_month, self->deadline_day);
        else
            s_outf (self, "%d年度数据各成员单位作为牵头单位应报送、已报送、逾期报送(截止日期为%d年%d月%d日)"
                    "和尚未报送的指标数,按未报送数从多到少排列。", self->year, self->year + 1,
                    self->deadline_month, self->deadline_day);
    }
    s_para_close (self);
    s_para_open (self, "fn");
    s_esc (self, s_tr (self,
        "报送是否完成看数据本身:某一指标、地区、年度(及领导班子)的数值已由任何单位报送即为已报。按时报送率 = "
        "按时报送数 ÷(应报数 − 历史补录数);截止日期早于该单位接入监测系统的数据属历史补录,不计为逾期。",
        "A report is made when the data arrive, from whichever unit sends them. On time = reports made by the "
        "deadline ÷ (owed − loaded as history); data whose deadline passed before the unit joined the "
        "monitoring system were loaded as history and are not counted late."));
    s_para_close (self);
    if (PQntuples (res) > 0) {
        const char *heads [] = { s_tr (self, "成员单位", "Member unit"), s_tr (self, "应报", "Owed"),
                                 s_tr (self, "已报", "Received"), s_tr (self, "其中逾期", "Late"),
                                 s_tr (self, "未报", "Missing"), s_tr (self, "历史补录", "Loaded as history"),
                                 s_tr (self, "按时报送率", "On time") };
        const bool numeric [] = { false, true, true, true, true, true, true };
        s_table_open (self, "units", heads, numeric, 7);
        int total [6] = { 0, 0, 0, 0, 0, 0 };
        for (int row = 0; row < PQntuples (res); row++) {
            int owed = atoi (PQgetvalue (res, row, 3));
            int received = atoi (PQgetvalue (res, row, 4));
            int late = atoi (PQgetvalue (res, row, 5));
            int missing = atoi (PQgetvalue (res, row, 6));
            int on_time = atoi (PQgetvalue (res, row, 7));
            int backfilled = atoi (PQgetvalue (res, row, 8));
            total [0] += owed; total [1] += received; total [2] += late; total [3] += missing;
            total [4] += backfilled; total [5] += on_time;
            char id [96];
            snprintf (id, sizeof id, "unit-%.64s", PQgetvalue (res, row, 0));
            s_row_open (self, self->html ? id : NULL, NULL);
            s_cell (self, NULL, PQgetvalue (res, row, self->english ? 2 : 1));
            s_cell_int (self, NULL, owed);
            s_cell_int (self, NULL, received);
            s_cell_int (self, NULL, late);
            s_cell_int (self, NULL, missing);
            s_cell_int (self, NULL, backfilled);
            s_cell (self, "num", s_on_time (on_time, owed - backfilled).text);
            s_row_close (self);
        }
        s_row_open (self, NULL, "total");
        s_cell (self, NULL, s_tr (self, "合计", "Total"));
        for (int k = 0; k < 5; k++)
            s_cell_int (self, NULL, total [k]);
        s_cell (self, "num", s_on_time (total [5], total [0] - total [4]).text);
        s_row_close (self);
        s_table_close (self);
    }
    else {
        s_para_open (self, "fn");
        s_esc (self, s_tr (self, "暂无成员单位的报送责任。", "No member unit is responsible for a report."));
        s_para_close (self);
    }
    if (self->html)
        s_out (self, "</section>\n");
    PQclear (res);
    return 0;
}

static void
s_write_definitions (s_report_t *self)
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
        count = (int) (sizeof final_zh / sizeof final_zh [0]);
    }
    else {
        items = self->english ? annual_en : annual_zh;
        count = (int) (sizeof annual_zh / sizeof annual_zh [0]);
    }
    if (self->html)
        s_out (self, "<ul>\n");
    for (int i = 0; i < count; i++) {
        s_item_open (self);
        s_esc (self, items [i]);
        s_item_close (self);
    }
    s_out (self, self->html ? "</ul>\n" : "\n");
}

static int
s_write_notes (s_report_t *self)
{
    if (self->html)
        s_out (self, "<section class=\"part\" id=\"notes\">\n");
    s_heading (self, 2, "notes-h", s_tr (self, "五、说明", "5 Notes"));
    s_heading (self, 3, "notes-status", s_tr (self, "(一)状态的含义", "5.1 What the statuses mean"));
    s_write_definitions (self);

    s_heading (self, 3, "notes-data", s_tr (self, "(二)数据说明", "5.2 About the data"));
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
        s_out (self, "<ul>\n");
    for (size_t i = 0; i < sizeof data_zh / sizeof data_zh [0]; i++) {
        s_item_open (self);
        s_esc (self, self->english ? data_en [i] : data_zh [i]);
        s_item_close (self);
    }
    s_out (self, self->html ? "</ul>\n" : "\n");

    //  The notes reporters attached to their values.
    char baseline [16], year [16], limit [16];
    snprintf (baseline, sizeof baseline, "%d", self->baseline);
    snprintf (year, sizeof year, "%d", self->year);
    snprintf (limit, sizeof limit, "%d", S_MAX_NOTES);
    const char *params [] = { baseline, year, limit };
    PGresult *res = s_query (self, "the notes on values",
        "SELECT o.indicator_code, i.name_zh, i.name_en, a.name_zh, a.name_en, o.year, o.note,"
        "       count (*) OVER ()"
        "  FROM wdmon.observation_latest o"
        "  JOIN wdmon.indicator i ON i.code = o.indicator_code AND i.active"
        "  JOIN wdmon.domain d ON d.code = i.domain_code"
        "  JOIN wdmon.area a ON a.code = o.area_code"
        " WHERE o.period_kind = 'year' AND o.year BETWEEN $1::int AND $2::int"
        "   AND o.note IS NOT NULL AND btrim (o.note) <> ''"
        " ORDER BY d.ordinal, i.ordinal, a.level, o.area_code, o.year, o.body, o.sex"
        " LIMIT $3::int", 3, params);
    if (!res)
        return -1;
    if (PQntuples (res) > 0) {
        s_heading (self, 3, "notes-values", s_tr (self, "(三)报送单位对数值的注释", "5.3 Reporters' notes on values"));
        int total = atoi (PQgetvalue (res, 0, 7));
        if (total > PQntuples (res)) {
            s_para_open (self, "fn");
            if (self->english)
                s_outf (self, "The first %d of %d notes.", PQntuples (res), total);
            else
                s_outf (self, "共%d条,列出前%d条。", total, PQntuples (res));
            s_para_close (self);
        }
        const char *heads [] = { s_tr (self, "指标", "Indicator"), s_tr (self, "地区", "Area"),
                                 s_tr (self, "年份", "Year"), s_tr (self, "注释", "Note") };
        const bool numeric [] = { false, false, true, false };
        s_table_open (self, "notes", heads, numeric, 4);
        for (int row = 0; row < PQntuples (res); row++) {
            s_row_open (self, NULL, NULL);
            s_cell_open (self, NULL);
            s_esc (self, PQgetvalue (res, row, self->english ? 2 : 1));
            s_out (self, self->html ? "<span class=\"code\">" : " (");
            s_esc (self, PQgetvalue (res, row, 0));
            s_out (self, self->html ? "</span>" : ")");
            s_cell_close (self);
            s_cell (self, NULL, PQgetvalue (res, row, self->english ? 4 : 3));
            s_cell (self, "num", PQgetvalue (res, row, 5));
            s_cell (self, NULL, PQgetvalue (res, row, 6));
            s_row_close (self);
        }
        s_table_close (self);
    }
    PQclear (res);
    if (self->html)
        s_out (self, "</section>\n");
    return 0;
}

static int
s_write_document (s_report_t *self)
{
    s_write_head (self);
    s_write_summary (self);
    s_write_domains (self);
    if (s_write_warnings (self) || s_write_units (self) || s_write_notes (self))
        return -1;
    if (self->html)
        s_out (self, "</body>\n</html>\n");
    return 0;
}

//  --- CSV ----------------------------------------------------------------------------

//  One field, RFC 4180: quoted when it holds a comma, a quote, a line
//  break or edge spaces, quotes doubled.  A text that a spreadsheet would
//  read as a formula (=, +, -, @ first) gets a leading apostrophe.
static void
s_csv_field (s_report_t *self, const char *text, bool is_text, bool last)
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
    s_out (self, last ? "\r\n" : ",");
}

static int
s_write_csv (s_report_t *self)
{
    s_out (self, "\xEF\xBB\xBF");
    static const char *const zh [] = { "代码", "领域", "指标", "目标类型", "目标", "单位", "基期值" };
    static const char *const en [] = { "code", "domain", "name", "target_kind", "target", "unit", "baseline" };
    for (int k = 0; k < 7; k++)
        s_csv_field (self, self->english ? en [k] : zh [k], true, false);
    for (int y = 0; y < self->years; y++)
        s_outf (self, "%d,", self->baseline + y);
    s_csv_field (self, s_tr (self, "最新值", "latest"), true, false);
    s_csv_field (self, s_tr (self, "状态", "status"), true, false);
    s_csv_field (self, s_tr (self, "汇总年份", "rolled_up_years"), true, true);
    for (int i = 0; i < self->ind_count; i++) {
        const s_indicator_t *ind = &self->ind [i];
        s_csv_field (self, ind->code, true, false);
        s_csv_field (self, PQgetvalue (self->domains, ind->domain, self->english ? 3 : 2), true, false);
        s_csv_field (self, self->english ? ind->name_en : ind->name_zh, true, false);
        s_csv_field (self, ind->kind_name, true, false);
        s_csv_field (self, self->english ? s_target_en (self, ind).text : ind->clause_zh, true, false);
        const char *unit = self->english ? s_unit_en (ind) : ind->symbol;
        s_csv_field (self, unit ? (unit [0] == ' ' ? unit + 1 : unit) : ind->unit_name_en, true, false);
        s_csv_field (self, ind->has [0] ? s_num (ind->value [0]).text : "", false, false);
        char rolled [S_MAX_YEARS * 6] = "";
        for (int y = 0; y < self->years; y++) {
            s_csv_field (self, ind->has [y] ? s_num (ind->value [y]).text : "", false, false);
            if (ind->has [y] && ind->parts [y])
                snprintf (rolled + strlen (rolled), sizeof rolled - strlen (rolled), "%s%d",
                          rolled [0] ? " " : "", self->baseline + y);
        }
        int latest = s_latest (self, ind);
        s_csv_field (self, latest >= 0 ? s_num (ind->value [latest]).text : "", false, false);
        s_csv_field (self, s_status_label (self, ind->status), true, false);
        s_csv_field (self, rolled, false, true);
    }
    return 0;
}

//  --- The report -------------------------------------------------------------------

int
wdm_report_write (PGconn *conn, const wdm_report_options_t *options, FILE *out,
                  wdm_report_summary_t *summary, char *err, size_t err_size)
{
    assert (conn && options && out);
    s_report_t self;
    memset (&self, 0, sizeof self);
    self.conn = conn;
    self.options = options;
    self.out = out;
    self.html = options->format == WDM_REPORT_HTML;
    self.english = options->english;
    self.err = err;
    self.err_size = err_size;
    if (err && err_size)
        err [0] = '\0';
    if (options->generated_at)
        snprintf (self.generated, sizeof self.generated, "%s", options->generated_at);
    else {
        //  In the office's time zone, labelled (UTC+8, no daylight saving).
        time_t now = time (NULL) + 8 * 3600;
        struct tm office;
        gmtime_r (&now, &office);
        strftime (self.generated, sizeof self.generated, "%Y-%m-%d %H:%M (北京时间 UTC+8)", &office);
    }
    int rc = -1;
    if (options->format != WDM_REPORT_HTML && options->format != WDM_REPORT_MARKDOWN
    &&  options->format != WDM_REPORT_CSV) {
        s_fail (&self, "unknown format %d", (int) options->format);
        goto cleanup;
    }
    if (s_load_plan (&self) || s_load_catalog (&self) || s_load_thresholds (&self)
    ||  s_load_values (&self) || s_load_flags (&self)
    ||  s_load_warning_counts (&self))
        goto cleanup;
    s_classify (&self);
    if (options->format == WDM_REPORT_CSV ? s_write_csv (&self) : s_write_document (&self))
        goto cleanup;
    if (fflush (out) != 0 || ferror (out)) {
        s_fail (&self, "writing the report failed");
        goto cleanup;
    }
    if (summary)
        *summary = self.sum;
    rc = 0;
cleanup:
    PQclear (self.plan);
    PQclear (self.district);
    PQclear (self.domains);
    PQclear (self.catalog);
    free (self.ind);
    return rc;
}
