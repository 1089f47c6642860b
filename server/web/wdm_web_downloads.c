/*  wdm_web_downloads: the data of the tables and charts the overview and
    the indicator page draw themselves, as CSV and .xlsx through the table
    layer (wdm_web_table.c) — the overview's counts per domain, its
    warnings not resolved and its deadlines; an indicator's chart (year,
    value, target, time progress, projection and band) and its table of
    areas.  The pages load their data as they always do and hand it here
    as they draw it, so that a download holds the numbers the page shows:
    rows the page works out (counts, statuses) are collected in a PGresult
    made in memory (wdm_web_rows_new, no query), the chart's numbers are
    read back from the data- attributes of the SVG the page shows.  Each
    builder writes the download links under its table, or, when the
    request asks for its table (?format=csv|xlsx&table=ID), makes the file
    instead.  Contracts in wdm_web_int.h.  */

#include "wdm_web_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

PGresult *
wdm_web_rows_new (int columns)
{
    PGresult *rows = PQmakeEmptyPGresult (NULL, PGRES_TUPLES_OK);
    PGresAttDesc *attrs = calloc ((size_t)columns, sizeof *attrs);
    char names [64][8];
    if (!rows || !attrs || columns > 64) {
        PQclear (rows);
        free (attrs);
        return NULL;
    }
    for (int c = 0; c < columns; c++) {
        snprintf (names [c], sizeof names [c], "c%d", c);
        attrs [c] = (PGresAttDesc) { .name = names [c], .typid = 25, .typlen = -1, .atttypmod = -1 };
    }
    int set = PQsetResultAttrs (rows, columns, attrs);
    free (attrs);
    if (!set) {
        PQclear (rows);
        return NULL;
    }
    return rows;
}

int
wdm_web_rows_add (PGresult *rows, const char *const *values)
{
    if (!rows)
        return -1;
    int row = PQntuples (rows);
    for (int c = 0; c < PQnfields (rows); c++) {
        const char *value = values [c] ? values [c] : "";
        if (!PQsetvalue (rows, row, c, (char *)value, (int)strlen (value)))
            return -1;
    }
    return 0;
}

//  A number as a download gives it: full precision, no exponent for the
//  values a plan holds ("8.4", "35", "0.125").
static void
s_number (double value, char *text, size_t size)
{
    snprintf (text, size, "%.15g", value);
}

//  --------------------------------------------------------------------
//  The overview

int
wdm_web_downloads_domains (wdm_web_req_t *req, const PGresult *rows)
{
    static const wdm_web_column_t columns [] = {
        { "领域代码", "Domain code", false, NULL },
        { "领域", "Domain", false, NULL },
        { "领域（英文）", "Domain (English)", false, NULL },
        { "达标", "Met", true, NULL },
        { "进度正常", "On track", true, NULL },
        { "进度滞后", "Behind", true, NULL },
        { "预计难以达标", "Unlikely", true, NULL },
        { "未报送", "Not reported", true, NULL },
        { "合计", "Total", true, NULL },
    };
    if (!rows)
        return -1;
    return wdm_web_table_links (req,
                                &(wdm_web_table_t) { .id = "overview-domains",
                                                     .columns = columns,
                                                     .count = (int)(sizeof columns / sizeof *columns),
                                                     .res = rows });
}

//  The overview's warnings: column c of the page's query (id, level,
//  indicator code and name, area, year, message zh, en), the level in
//  words.
static const char *
s_warning_cell (void *context, const PGresult *res, int row, int c)
{
    (void)context;
    if (c == 1)
        return strcmp (PQgetvalue (res, row, 1), "red") == 0 ? "红色 / red" : "黄色 / yellow";
    return PQgetvalue (res, row, c);
}

int
wdm_web_downloads_warnings (wdm_web_req_t *req, const PGresult *res)
{
    static const wdm_web_column_t columns [] = {
        { "编号", "No.", true, NULL },
        { "级别", "Level", false, NULL },
        { "指标代码", "Indicator", false, NULL },
        { "指标", "Indicator name", false, NULL },
        { "地区", "Area", false, NULL },
        { "年份", "Year", true, NULL },
        { "预警信息", "Message", false, NULL },
        { "预警信息（英文）", "Message (English)", false, NULL },
    };
    if (!res)
        return -1;
    return wdm_web_table_links (req,
                                &(wdm_web_table_t) { .id = "overview-warnings",
                                                     .columns = columns,
                                                     .count = (int)(sizeof columns / sizeof *columns),
                                                     .res = res,
                                                     .cell = s_warning_cell });
}

int
wdm_web_downloads_deadlines (wdm_web_req_t *req, const PGresult *rows)
{
    static const wdm_web_column_t columns [] = {
        { "期限", "Deadline", false, NULL }, { "数据年份", "Year", true, NULL },
        { "未报送", "Missing", true, NULL }, { "涉及单位", "Units", true, NULL },
        { "状态", "State", false, NULL },
    };
    if (!rows)
        return -1;
    return wdm_web_table_links (req,
                                &(wdm_web_table_t) { .id = "overview-deadlines",
                                                     .columns = columns,
                                                     .count = (int)(sizeof columns / sizeof *columns),
                                                     .res = rows });
}

//  --------------------------------------------------------------------
//  The indicator page

//  The value of attribute name in the element that starts at tag (up to
//  its '>'), as a number into *value: true if it is there.
static bool
s_attr (const char *tag, const char *name, double *value)
{
    const char *end = strchr (tag, '>');
    char key [64];
    snprintf (key, sizeof key, " %s=\"", name);
    const char *at = strstr (tag, key);
    if (!at || (end && at > end))
        return false;
    char *stop = NULL;
    *value = strtod (at + strlen (key), &stop);
    return stop && *stop == '"' && isfinite (*value);
}

//  The first element of the SVG beginning with start ("<line class=\"target\""),
//  or NULL.
static const char *
s_element (const char *svg, const char *start)
{
    return strstr (svg, start);
}

//  What the chart plots, read from its data- attributes.
typedef struct {
    bool has [64];
    double value [64];  //  the district's values by year from the baseline
    bool target;
    double target_value;
    bool progress;  //  the time-progress line from (baseline, from) to (to_year, to)
    double from, to, to_year;
    bool projected;  //  the projection to projection_year, ± error
    double projection_year, projection, error;
} s_chart_t;

static void
s_chart_read (const char *svg, int baseline, s_chart_t *chart)
{
    memset (chart, 0, sizeof *chart);
    for (const char *at = svg; (at = strstr (at, "<circle class=\"point\"")); at++) {
        double year, value;
        if (s_attr (at, "data-year", &year) && s_attr (at, "data-value", &value) && year >= baseline
            && year < baseline + 64) {
            chart->has [(int)year - baseline] = true;
            chart->value [(int)year - baseline] = value;
        }
    }
    const char *target = s_element (svg, "<line class=\"target\"");
    chart->target = target && s_attr (target, "data-target", &chart->target_value);
    const char *progress = s_element (svg, "<line class=\"progress\"");
    chart->progress = progress && s_attr (progress, "data-from", &chart->from)
        && s_attr (progress, "data-to", &chart->to) && s_attr (progress, "data-to-year", &chart->to_year)
        && chart->to_year > baseline;
    const char *projection = s_element (svg, "<line class=\"projection\"");
    chart->projected = projection && s_attr (projection, "data-year", &chart->projection_year)
        && s_attr (projection, "data-value", &chart->projection)
        && s_attr (projection, "data-error", &chart->error);
}

int
wdm_web_downloads_chart (wdm_web_req_t *req, const char *code, const char *svg, int baseline, int first,
                         int last)
{
    static const wdm_web_column_t columns [] = {
        { "年份", "Year", true, NULL },
        { "区级数值", "District value", true, NULL },
        { "规划目标", "Target", true, NULL },
        { "时间进度", "Time progress", true, NULL },
        { "趋势预计", "Projection", true, NULL },
        { "预计区间下限", "Band low", true, NULL },
        { "预计区间上限", "Band high", true, NULL },
    };
    enum { S_COLUMNS = sizeof columns / sizeof *columns };
    int rc = -1;
    s_chart_t chart;
    s_chart_read (svg ? svg : "", baseline, &chart);
    PGresult *rows = wdm_web_rows_new (S_COLUMNS);
    char id [160];
    snprintf (id, sizeof id, "indicator-%s-chart", code);
    for (int year = baseline; rows && year <= last && year < baseline + 64; year++) {
        char cells [S_COLUMNS][40] = { { 0 } };
        const char *values [S_COLUMNS];
        snprintf (cells [0], sizeof cells [0], "%d", year);
        if (chart.has [year - baseline])
            s_number (chart.value [year - baseline], cells [1], sizeof cells [1]);
        if (chart.target && year >= first)
            s_number (chart.target_value, cells [2], sizeof cells [2]);
        //  The line from the baseline's value to the target in its year:
        //  where the value should be for the task to keep pace with time.
        if (chart.progress && year <= chart.to_year)
            s_number (chart.from + (chart.to - chart.from) * (year - baseline) / (chart.to_year - baseline),
                      cells [3], sizeof cells [3]);
        if (chart.projected && year == (int)chart.projection_year) {
            s_number (chart.projection, cells [4], sizeof cells [4]);
            s_number (chart.projection - chart.error, cells [5], sizeof cells [5]);
            s_number (chart.projection + chart.error, cells [6], sizeof cells [6]);
        }
        for (int c = 0; c < S_COLUMNS; c++)
            values [c] = cells [c];
        if (wdm_web_rows_add (rows, values))
            goto cleanup;
    }
    if (rows)
        rc = wdm_web_table_links (
            req, &(wdm_web_table_t) { .id = id, .columns = columns, .count = S_COLUMNS, .res = rows });
cleanup:
    PQclear (rows);
    return rc;
}

int
wdm_web_downloads_areas (wdm_web_req_t *req, const char *code, const PGresult *rows)
{
    static const wdm_web_column_t columns [] = {
        { "地区代码", "Area code", false, NULL },          { "地区", "Area", false, NULL },
        { "地区（英文）", "Area (English)", false, NULL }, { "最新年份", "Latest year", true, NULL },
        { "最新值", "Latest value", true, NULL },          { "状态", "Status", false, NULL },
    };
    if (!rows)
        return -1;
    char id [160];
    snprintf (id, sizeof id, "indicator-%s-areas", code);
    return wdm_web_table_links (
        req,
        &(wdm_web_table_t) {
            .id = id, .columns = columns, .count = (int)(sizeof columns / sizeof *columns), .res = rows });
}
