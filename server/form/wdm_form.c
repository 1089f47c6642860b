/*  wdm_form: the yearly Excel form of one member unit, written with
    libxlsxwriter.  See wdm_form.h.  The rows come from one query (the
    unit's responsibilities, the plan's active yearly targets, bodies and
    sexes where the indicator has them, last year's current value); the
    sheet is laid out once here:

        row 1      the title (merged)
        rows 2-3   what to do, in Chinese then English (merged)
        row 4      the header: the CSV's column names, and （参考） columns
        row 5...   one row to fill each

    Columns A-E (indicator, area, body, sex, year) are the keys, hidden;
    F-J are to read (the reader skips a column whose header starts
    （参考）); K-N are the only unlocked cells.  The sheet is protected
    without a password: protection keeps a key from being overwritten by
    mistake, it is not a secret.  */

#include "wdm_form.h"
#include "wdm_db.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define S_HEADER_ROW 3  //  0-based: Excel's row 4
#define S_FIRST_ROW  4

enum {
    S_INDICATOR,
    S_AREA,
    S_BODY,
    S_SEX,
    S_YEAR,
    S_NAME,
    S_CLAUSE,
    S_UNIT,
    S_TARGET,
    S_LAST,
    S_VALUE,
    S_NUMERATOR,
    S_DENOMINATOR,
    S_NOTE,
    S_COLUMNS
};

//  The header row: the reader's column names (wdm_source_fields.c) for
//  the keys and the cells to fill, （参考） for what is only read.
static const struct {
    const char *header;
    double width;
} s_columns [S_COLUMNS] = {
    [S_INDICATOR] = { "指标代码", 10 },
    [S_AREA] = { "地区代码", 10 },
    [S_BODY] = { "机构", 10 },
    [S_SEX] = { "性别", 6 },
    [S_YEAR] = { "年份", 6 },
    [S_NAME] = { "（参考）指标名称", 36 },
    [S_CLAUSE] = { "（参考）规划目标表述", 44 },
    [S_UNIT] = { "（参考）计量单位", 12 },
    [S_TARGET] = { "（参考）目标", 16 },
    [S_LAST] = { "（参考）上年数值", 14 },
    [S_VALUE] = { "数值", 12 },
    [S_NUMERATOR] = { "分子", 12 },
    [S_DENOMINATOR] = { "分母", 12 },
    [S_NOTE] = { "备注", 30 },
};

//  The rows: the unit's responsibilities under the plan's active yearly
//  targets, a row per body for a target counted in each body (min_count),
//  per sex for an indicator split by sex, with last year's current value
//  for the unit's area.
static const char s_rows_sql [] =
    "SELECT i.code, i.name_zh, t.clause_zh, mu.symbol, t.target_kind::text, t.target_value::text,"
    "       i.value_min::float8, i.value_max::float8, u.area_code, a.name_zh, coalesce (b.body, ''), s.sex,"
    "       c.value, t.relation_code, u.name_zh"
    "  FROM responsibility r"
    "  JOIN member_unit u ON u.code = r.unit_code"
    "  JOIN area a ON a.code = u.area_code"
    "  JOIN indicator i ON i.code = r.indicator_code AND i.frequency = 'year'"
    "  JOIN plan_target t ON t.indicator_code = i.code AND t.plan_code = $2 AND t.active"
    "  JOIN domain d ON d.plan_code = t.plan_code AND d.code = t.domain_code"
    "  JOIN measure_unit mu ON mu.code = i.measure_unit_code"
    "  LEFT JOIN LATERAL unnest (CASE WHEN t.target_kind = 'min_count' THEN i.bodies END) b (body) ON true"
    "  CROSS JOIN LATERAL unnest (CASE WHEN i.by_sex THEN ARRAY['F', 'M'] ELSE ARRAY['T'] END) s (sex)"
    "  LEFT JOIN observation_current c ON c.indicator_code = i.code AND c.area_code = u.area_code"
    "       AND c.year = $3::int - 1 AND c.period_kind = 'year' AND c.period_no = 0"
    "       AND c.body = coalesce (b.body, '') AND c.sex = s.sex"
    " WHERE r.unit_code = $1"
    " ORDER BY d.ordinal, t.ordinal, b.body, s.sex DESC";

enum {
    Q_CODE,
    Q_NAME,
    Q_CLAUSE,
    Q_SYMBOL,
    Q_KIND,
    Q_TARGET,
    Q_MIN,
    Q_MAX,
    Q_AREA,
    Q_AREA_NAME,
    Q_BODY,
    Q_SEX,
    Q_LAST,
    Q_RELATION,
    Q_UNIT_NAME
};

//  A target as a person reads it in the form: the bound and its number,
//  or the direction the plan asks for.
static void
s_target_text (const PGresult *res, int row, char *text, size_t size)
{
    const char *kind = wdm_db_value (res, row, Q_KIND), *value = wdm_db_value (res, row, Q_TARGET);
    const char *symbol = wdm_db_value (res, row, Q_SYMBOL), *relation = wdm_db_value (res, row, Q_RELATION);
    static const struct {
        const char *kind, *before;
    } bounds [] = { { "upper_bound", "≤ " },     { "lower_bound", "≥ " },      { "reach", "达到 " },
                    { "keep_above", "保持 ≥ " }, { "min_count", "每个至少 " }, { "balance", "≈ " } };
    static const struct {
        const char *kind, *words;
    } directions [] = { { "increase", "逐步提高" },
                        { "decrease", "逐步降低" },
                        { "curb_rise", "遏制上升" },
                        { "narrow_gap", "缩小差距" },
                        { "monitor", "监测" } };
    snprintf (text, size, "%s", "");
    for (size_t i = 0; i < sizeof bounds / sizeof bounds [0]; i++)
        if (strcmp (kind, bounds [i].kind) == 0 && value)
            snprintf (text, size, "%s%s %s", bounds [i].before, value, symbol ? symbol : "");
    for (size_t i = 0; i < sizeof directions / sizeof directions [0]; i++)
        if (strcmp (kind, directions [i].kind) == 0)
            snprintf (text, size, "%s", directions [i].words);
    if (strcmp (kind, "relation") == 0)
        snprintf (text, size, "不低于 %s", relation ? relation : "");
}

//  The formats the sheet uses.
typedef struct {
    lxw_format *title, *note, *header, *header_fill, *read, *fill, *fill_text;
} s_formats_t;

static void
s_formats (lxw_workbook *book, s_formats_t *f)
{
    f->title = workbook_add_format (book);
    format_set_bold (f->title);
    format_set_font_size (f->title, 14);
    f->note = workbook_add_format (book);
    format_set_text_wrap (f->note);
    format_set_align (f->note, LXW_ALIGN_VERTICAL_TOP);
    f->header = workbook_add_format (book);
    format_set_bold (f->header);
    format_set_bg_color (f->header, 0xD9D9D9);
    format_set_border (f->header, LXW_BORDER_THIN);
    format_set_text_wrap (f->header);
    f->header_fill = workbook_add_format (book);
    format_set_bold (f->header_fill);
    format_set_bg_color (f->header_fill, 0xFFE699);
    format_set_border (f->header_fill, LXW_BORDER_THIN);
    f->read = workbook_add_format (book);
    format_set_text_wrap (f->read);
    format_set_border (f->read, LXW_BORDER_THIN);
    f->fill = workbook_add_format (book);
    format_set_unlocked (f->fill);
    format_set_bg_color (f->fill, 0xFFF2CC);
    format_set_border (f->fill, LXW_BORDER_THIN);
    f->fill_text = workbook_add_format (book);
    format_set_unlocked (f->fill_text);
    format_set_bg_color (f->fill_text, 0xFFF2CC);
    format_set_border (f->fill_text, LXW_BORDER_THIN);
    format_set_num_format (f->fill_text, "@");
}

//  The value cell's check: the indicator's natural range, where it has one.
static void
s_validate_value (lxw_worksheet *sheet, int row, const PGresult *res, int r)
{
    const char *min = wdm_db_value (res, r, Q_MIN), *max = wdm_db_value (res, r, Q_MAX);
    if (!min && !max)
        return;
    lxw_data_validation check = { 0 };
    check.validate = LXW_VALIDATION_TYPE_DECIMAL;
    check.ignore_blank = LXW_VALIDATION_ON;
    check.error_type = LXW_VALIDATION_ERROR_TYPE_STOP;
    char message [200];
    if (min && max) {
        check.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
        check.minimum_number = atof (min);
        check.maximum_number = atof (max);
        snprintf (message, sizeof message, "数值应在%s至%s之间。/ The value must lie between %s and %s.", min,
                  max, min, max);
    } else if (min) {
        check.criteria = LXW_VALIDATION_CRITERIA_GREATER_THAN_OR_EQUAL_TO;
        check.value_number = atof (min);
        snprintf (message, sizeof message, "数值应不小于%s。/ The value must be at least %s.", min, min);
    } else {
        check.criteria = LXW_VALIDATION_CRITERIA_LESS_THAN_OR_EQUAL_TO;
        check.value_number = atof (max);
        snprintf (message, sizeof message, "数值应不大于%s。/ The value must be at most %s.", max, max);
    }
    check.error_title = "超出范围 / Out of range";
    check.error_message = message;
    worksheet_data_validation_cell (sheet, (lxw_row_t)row, S_VALUE, &check);
}

//  Numerator and denominator are counts: not below 0, a denominator above.
static void
s_validate_counts (lxw_worksheet *sheet, int row)
{
    lxw_data_validation check = { 0 };
    check.validate = LXW_VALIDATION_TYPE_DECIMAL;
    check.ignore_blank = LXW_VALIDATION_ON;
    check.criteria = LXW_VALIDATION_CRITERIA_GREATER_THAN_OR_EQUAL_TO;
    check.value_number = 0;
    check.error_title = "分子有误 / Bad numerator";
    check.error_message = "分子应不小于0。/ The numerator must be 0 or more.";
    worksheet_data_validation_cell (sheet, (lxw_row_t)row, S_NUMERATOR, &check);
    check.criteria = LXW_VALIDATION_CRITERIA_GREATER_THAN;
    check.error_title = "分母有误 / Bad denominator";
    check.error_message = "分母应大于0。/ The denominator must be more than 0.";
    worksheet_data_validation_cell (sheet, (lxw_row_t)row, S_DENOMINATOR, &check);
}

//  One row to fill.
static void
s_write_row (lxw_worksheet *sheet, const s_formats_t *f, int row, const PGresult *res, int r, int year)
{
    const char *sex = wdm_db_value (res, r, Q_SEX), *body = wdm_db_value (res, r, Q_BODY);
    lxw_row_t at = (lxw_row_t)row;
    worksheet_write_string (sheet, at, S_INDICATOR, wdm_db_value (res, r, Q_CODE), NULL);
    worksheet_write_string (sheet, at, S_AREA, wdm_db_value (res, r, Q_AREA), NULL);
    if (*body)
        worksheet_write_string (sheet, at, S_BODY, body, NULL);
    worksheet_write_string (sheet, at, S_SEX, sex, NULL);
    worksheet_write_number (sheet, at, S_YEAR, year, NULL);

    char name [1024];
    snprintf (name, sizeof name, "%s %s（%s）%s%s%s", wdm_db_value (res, r, Q_CODE),
              wdm_db_value (res, r, Q_NAME), wdm_db_value (res, r, Q_AREA_NAME), *body ? "——" : "", body,
              strcmp (sex, "F") == 0       ? "——女 / women"
                  : strcmp (sex, "M") == 0 ? "——男 / men"
                                           : "");
    worksheet_write_string (sheet, at, S_NAME, name, f->read);
    worksheet_write_string (sheet, at, S_CLAUSE, wdm_db_value (res, r, Q_CLAUSE), f->read);
    worksheet_write_string (sheet, at, S_UNIT, wdm_db_value (res, r, Q_SYMBOL), f->read);
    char target [256];
    s_target_text (res, r, target, sizeof target);
    worksheet_write_string (sheet, at, S_TARGET, target, f->read);
    const char *last = wdm_db_value (res, r, Q_LAST);
    if (last)
        worksheet_write_number (sheet, at, S_LAST, atof (last), f->read);
    else
        worksheet_write_string (sheet, at, S_LAST, "—", f->read);
    worksheet_write_blank (sheet, at, S_VALUE, f->fill);
    worksheet_write_blank (sheet, at, S_NUMERATOR, f->fill);
    worksheet_write_blank (sheet, at, S_DENOMINATOR, f->fill);
    worksheet_write_blank (sheet, at, S_NOTE, f->fill_text);
    s_validate_value (sheet, row, res, r);
    s_validate_counts (sheet, row);
}

//  The title, the instructions and the header.
static void
s_write_top (lxw_worksheet *sheet, const s_formats_t *f, const char *unit, const char *unit_name,
             const char *plan, int year)
{
    char text [1024];
    snprintf (text, sizeof text, "%s（%s）%d年度监测数据填报表 / Monitoring data form, %d — plan %s",
              unit_name, unit, year, year, plan);
    worksheet_merge_range (sheet, 0, S_NAME, 0, S_NOTE, text, f->title);
    worksheet_merge_range (
        sheet, 1, S_NAME, 1, S_NOTE,
        "填表说明：只填黄色单元格——数值（必填）、分子、分母（指标为比率时填写，分母大于0）、备注；"
        "其余各列供参考，已锁定。数值须在该指标的合理范围内，超出范围Excel会提示。不填数值的行不会上报。"
        "请勿增删列或改动隐藏列。填好后保存为.xlsx，放入本单位采集程序的收件箱（inbox），"
        "或交给统计部门；有问题的行会逐行说明原因（见inbox/failed/）。",
        f->note);
    worksheet_merge_range (
        sheet, 2, S_NAME, 2, S_NOTE,
        "How to fill: only the yellow cells — value (required), numerator and denominator (for a rate; the "
        "denominator above 0), note; the other columns are for reference and locked. A value must lie in the "
        "indicator's natural range (Excel warns otherwise). A row without a value is not reported. Do not add, "
        "remove or change columns, hidden ones included. Save as .xlsx and drop it into your collector's inbox, "
        "or hand it to the statistics office; each bad row is explained (inbox/failed/).",
        f->note);
    worksheet_set_row (sheet, 1, 62, NULL);
    worksheet_set_row (sheet, 2, 62, NULL);
    for (int c = 0; c < S_COLUMNS; c++) {
        bool fill = c >= S_VALUE;
        worksheet_write_string (sheet, S_HEADER_ROW, (lxw_col_t)c, s_columns [c].header,
                                fill ? f->header_fill : f->header);
        lxw_row_col_options hidden = { .hidden = 1 };
        worksheet_set_column_opt (sheet, (lxw_col_t)c, (lxw_col_t)c, s_columns [c].width, NULL,
                                  c <= S_YEAR ? &hidden : NULL);
    }
    worksheet_freeze_panes (sheet, S_FIRST_ROW, S_NAME + 1);
}

_Static_assert((int)Q_UNIT_NAME == (int)WDM_FORM_UNIT_NAME && (int)Q_LAST == (int)WDM_FORM_LAST,
               "wdm_form.h names the columns");

PGresult *
wdm_form_rows (PGconn *conn, const char *unit, const char *plan, int year, char *err, size_t err_size)
{
    char year_text [16];
    snprintf (year_text, sizeof year_text, "%d", year);
    const char *params [] = { unit, plan, year_text };
    return wdm_db_query (conn, s_rows_sql, 3, params, PGRES_TUPLES_OK, err, err_size);
}

void
wdm_form_target_text (const PGresult *res, int row, char *text, size_t size)
{
    s_target_text (res, row, text, size);
}

int
wdm_form_write (PGconn *conn, const char *unit, const char *plan, int year, const char *path, int *rows,
                char *message, size_t message_size)
{
    int rc = -1;
    PGresult *res = NULL;
    lxw_workbook *book = NULL;
    char temp [4096] = "", err [512] = "", year_text [16];
    snprintf (year_text, sizeof year_text, "%d", year);
    const char *params [] = { unit, plan, year_text };
    res = wdm_db_query (conn, s_rows_sql, 3, params, PGRES_TUPLES_OK, err, sizeof err);
    if (!res) {
        snprintf (message, message_size, "数据库错误 / database error: %s", err);
        goto cleanup;
    }
    int count = PQntuples (res);
    const char *unit_name = unit;
    if (count > 0)
        unit_name = wdm_db_value (res, 0, Q_UNIT_NAME);

    snprintf (temp, sizeof temp, "%s.tmp-%ld", path, (long)getpid ());
    book = workbook_new (temp);
    lxw_worksheet *sheet = book ? workbook_add_worksheet (book, "填报") : NULL;
    if (!sheet) {
        snprintf (message, message_size, "无法写入%s / cannot write %s", temp, temp);
        goto cleanup;
    }
    s_formats_t formats;
    s_formats (book, &formats);
    s_write_top (sheet, &formats, unit, unit_name, plan, year);
    for (int r = 0; r < count; r++)
        s_write_row (sheet, &formats, S_FIRST_ROW + r, res, r, year);
    lxw_protection protection = { .format_columns = 1, .format_rows = 1 };
    worksheet_protect (sheet, NULL, &protection);
    lxw_error error = workbook_close (book);
    book = NULL;
    if (error != LXW_NO_ERROR) {
        snprintf (message, message_size, "无法写入%s：%s / cannot write %s: %s", temp, lxw_strerror (error),
                  temp, lxw_strerror (error));
        goto cleanup;
    }
    if (rename (temp, path)) {
        snprintf (message, message_size, "无法写入%s / cannot write %s", path, path);
        goto cleanup;
    }
    temp [0] = '\0';
    if (rows)
        *rows = count;
    rc = 0;
cleanup:
    if (book)
        workbook_close (book);
    if (*temp)
        unlink (temp);
    PQclear (res);
    return rc;
}
