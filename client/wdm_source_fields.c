/*  wdm_source_fields: one line's cells made into a record, field by field
    — the fields' names in English and Chinese, decimals read without the
    locale, sex and status in either language.  Called by the CSV and JSON
    Lines readers (sr_build); owns the table of fields (sr_fields).  */

#include "wdm_source_int.h"
#include "wdm_utf8.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define S_DIGITS_MAX 15         //  significant digits any double holds exactly

//  The fields in the order they are checked, which is wdm_record_t's: the
//  first fault found on a line is the one reported.
const sr_field_info_t sr_fields [SR_FIELD_COUNT] = {
    [SR_INDICATOR]   = { "indicator",   "指标代码", SR_TEXT,   true,  0, 0 },
    [SR_AREA]        = { "area",        "地区代码", SR_TEXT,   true,  0, 0 },
    [SR_BODY]        = { "body",        "机构",     SR_TEXT,   false, 0, 0 },
    [SR_YEAR]        = { "year",        "年份",     SR_WHOLE,  true,  1000, 9999 },
    [SR_QUARTER]     = { "quarter",     "季度",     SR_WHOLE,  false, 1, 4 },
    [SR_MONTH]       = { "month",       "月份",     SR_WHOLE,  false, 1, 12 },
    [SR_SEX]         = { "sex",         "性别",     SR_TEXT,   false, 0, 0 },
    [SR_VALUE]       = { "value",       "数值",     SR_NUMBER, true,  0, 0 },
    [SR_NUMERATOR]   = { "numerator",   "分子",     SR_NUMBER, false, 0, 0 },
    [SR_DENOMINATOR] = { "denominator", "分母",     SR_NUMBER, false, 0, 0 },
    [SR_STATUS]      = { "status",      "状态",     SR_TEXT,   false, 0, 0 },
    [SR_NOTE]        = { "note",        "备注",     SR_TEXT,   false, 0, 0 },
};

static const struct {
    const char *text;
    char sex;
} s_sexes [] = {
    { "T", 'T' }, { "F", 'F' }, { "M", 'M' },
    { "合计", 'T' }, { "女", 'F' }, { "男", 'M' },
};

static const struct {
    const char *text;
    wdm_status_t status;
} s_statuses [] = {
    { "provisional", WDM_STATUS_PROVISIONAL },
    { "final", WDM_STATUS_FINAL },
    { "estimated", WDM_STATUS_ESTIMATED },
    { "初步", WDM_STATUS_PROVISIONAL },
    { "最终", WDM_STATUS_FINAL },
    { "估计", WDM_STATUS_ESTIMATED },
};

//  A plain decimal: optional sign, digits, optional point and digits,
//  spaces around it allowed.  0, -1 if it is not one, -2 if it has more
//  significant digits than a double holds.  Converted by hand rather than
//  with strtod, whose decimal point follows the locale: an integer below
//  2^53 over a power of ten up to 10^22 is exact on both sides, so the
//  one division rounds correctly.
static int
s_parse_decimal (const char *text, size_t len, double *value)
{
    static const double powers [] = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
        1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
    };
    size_t i = 0;
    while (i < len && (text [i] == ' ' || text [i] == '\t'))
        i++;
    while (len > i && (text [len - 1] == ' ' || text [len - 1] == '\t'))
        len--;
    bool negative = false;
    if (i < len && (text [i] == '+' || text [i] == '-'))
        negative = text [i++] == '-';
    size_t whole = i;
    while (i < len && text [i] >= '0' && text [i] <= '9')
        i++;
    size_t whole_end = i, fraction = i, fraction_end = i;
    if (i < len && text [i] == '.') {
        fraction = ++i;
        while (i < len && text [i] >= '0' && text [i] <= '9')
            i++;
        fraction_end = i;
    }
    if (i != len || (whole == whole_end && fraction == fraction_end))
        return -1;
    while (fraction_end > fraction && text [fraction_end - 1] == '0')
        fraction_end--;             //  36.40 is 364 tenths

    uint64_t mantissa = 0;
    int significant = 0;
    const size_t from [2] = { whole, fraction }, to [2] = { whole_end, fraction_end };
    for (int part = 0; part < 2; part++)
        for (size_t k = from [part]; k < to [part]; k++) {
            int digit = text [k] - '0';
            if (mantissa == 0 && digit == 0)
                continue;           //  a leading zero
            if (++significant > S_DIGITS_MAX)
                return -2;
            mantissa = mantissa * 10 + (uint64_t) digit;
        }
    size_t decimals = fraction_end - fraction;
    if (decimals >= sizeof powers / sizeof powers [0])
        return -2;
    double number = (double) mantissa / powers [decimals];
    *value = (negative && mantissa) ? -number : number;
    return 0;
}

//  How a cell reads in a message: its text, cut short, or its number.
static void
s_shown (const sr_cell_t *cell, char *buffer, size_t size)
{
    if (cell->text)
        sr_cut (cell->text, cell->len, buffer, size);
    else
        snprintf (buffer, size, "%.15g", cell->number);
}

//  A code or a note: copied whole, never cut.
static int
s_set_text (sr_fault_t *fault, sr_field_t field, const sr_cell_t *cell,
            char *target, size_t size)
{
    const char *name = sr_fields [field].name, *zh = sr_fields [field].zh;
    if (cell->len >= size) {
        sr_fault (fault, name, "%s过长：%zu字节，最多%zu字节 / %s is too long: %zu bytes, at most %zu",
                 zh, cell->len, size - 1, name, cell->len, size - 1);
        return -1;
    }
    if (!wdm_utf8_valid (cell->text, cell->len)) {
        sr_fault (fault, name, "%s不是有效的UTF-8文本 / %s is not valid UTF-8", zh, name);
        return -1;
    }
    //  A line break or tab inside a code is a cell gone wrong; in a note
    //  it is just text.
    if (field != SR_NOTE)
        for (size_t i = 0; i < cell->len; i++)
            if ((unsigned char) cell->text [i] < 0x20 || cell->text [i] == 0x7F) {
                sr_fault (fault, name, "%s含有控制字符（如换行） / %s contains a control character such as a line break",
                         zh, name);
                return -1;
            }
    memcpy (target, cell->text, cell->len);
    target [cell->len] = '\0';
    return 0;
}

static int
s_set_number (sr_fault_t *fault, sr_field_t field, const sr_cell_t *cell, double *target)
{
    if (!cell->text) {
        *target = cell->number;
        return 0;
    }
    int rc = s_parse_decimal (cell->text, cell->len, target);
    if (rc == 0)
        return 0;
    const char *name = sr_fields [field].name, *zh = sr_fields [field].zh;
    char shown [SR_SHOWN_MAX];
    s_shown (cell, shown, sizeof shown);
    if (rc == -2)
        sr_fault (fault, name, "%s的有效数字超过%d位 / %s has more than %d significant digits: '%s'",
                 zh, S_DIGITS_MAX, name, S_DIGITS_MAX, shown);
    else
    if (memchr (cell->text, ',', cell->len))
        sr_fault (fault, name, "%s不是数字（不要用千位分隔符） / %s is not a number (write it without thousands separators): '%s'",
                 zh, name, shown);
    else
        sr_fault (fault, name, "%s不是数字 / %s is not a number: '%s'", zh, name, shown);
    return -1;
}

static int
s_set_whole (sr_fault_t *fault, sr_field_t field, const sr_cell_t *cell, int *target)
{
    int min = sr_fields [field].min, max = sr_fields [field].max;
    double number = cell->number;
    if ((!cell->text || s_parse_decimal (cell->text, cell->len, &number) == 0)
    &&  number >= min && number <= max && number == floor (number)) {
        *target = (int) number;
        return 0;
    }
    const char *name = sr_fields [field].name, *zh = sr_fields [field].zh;
    char shown [SR_SHOWN_MAX];
    s_shown (cell, shown, sizeof shown);
    sr_fault (fault, name, "%s应为%d至%d的整数 / %s must be a whole number from %d to %d: '%s'",
             zh, min, max, name, min, max, shown);
    return -1;
}

static int
s_set_sex (sr_fault_t *fault, const sr_cell_t *cell, char *target)
{
    for (size_t i = 0; i < sizeof s_sexes / sizeof s_sexes [0]; i++)
        if (sr_same_word (cell->text, s_sexes [i].text)) {
            *target = s_sexes [i].sex;
            return 0;
        }
    char shown [SR_SHOWN_MAX];
    s_shown (cell, shown, sizeof shown);
    sr_fault (fault, "sex", "性别应为合计、女、男（T、F、M） / sex must be T, F or M (合计, 女, 男): '%s'",
             shown);
    return -1;
}

static int
s_set_status (sr_fault_t *fault, const sr_cell_t *cell, wdm_status_t *target)
{
    for (size_t i = 0; i < sizeof s_statuses / sizeof s_statuses [0]; i++)
        if (sr_same_word (cell->text, s_statuses [i].text)) {
            *target = s_statuses [i].status;
            return 0;
        }
    char shown [SR_SHOWN_MAX];
    s_shown (cell, shown, sizeof shown);
    sr_fault (fault, "status",
             "状态应为初步、最终或估计 / status must be provisional, final or estimated (初步, 最终, 估计): '%s'",
             shown);
    return -1;
}

//  Build a record from one line's cells, field by field in sr_fields'
//  order.  0, or -1 with the first fault found.
int
sr_build (const sr_cell_t *cells, wdm_record_t *record, sr_fault_t *fault)
{
    wdm_record_init (record);
    for (sr_field_t field = 0; field < SR_FIELD_COUNT; field++) {
        const sr_cell_t *cell = &cells [field];
        if (!cell->present) {
            if (sr_fields [field].required) {
                sr_fault (fault, sr_fields [field].name,
                         "缺少必填字段“%s” / missing required field '%s'",
                         sr_fields [field].zh, sr_fields [field].name);
                return -1;
            }
            continue;
        }
        int rc = 0;
        switch (field) {
            case SR_INDICATOR:
                rc = s_set_text (fault, field, cell, record->indicator, sizeof record->indicator);
                break;
            case SR_AREA:
                rc = s_set_text (fault, field, cell, record->area, sizeof record->area);
                break;
            case SR_BODY:
                rc = s_set_text (fault, field, cell, record->body, sizeof record->body);
                break;
            case SR_YEAR:
                rc = s_set_whole (fault, field, cell, &record->year);
                break;
            case SR_QUARTER:
                record->period_kind = WDM_FREQ_QUARTER;
                rc = s_set_whole (fault, field, cell, &record->period_no);
                break;
            case SR_MONTH:
                if (cells [SR_QUARTER].present) {
                    sr_fault (fault, "period",
                             "季度和月份只能填一项 / quarter and month are both given; a record has one period");
                    return -1;
                }
                record->period_kind = WDM_FREQ_MONTH;
                rc = s_set_whole (fault, field, cell, &record->period_no);
                break;
            case SR_SEX:
                rc = s_set_sex (fault, cell, &record->sex);
                break;
            case SR_VALUE:
                rc = s_set_number (fault, field, cell, &record->value);
                break;
            case SR_NUMERATOR:
                record->has_numerator = true;
                rc = s_set_number (fault, field, cell, &record->numerator);
                break;
            case SR_DENOMINATOR:
                record->has_denominator = true;
                rc = s_set_number (fault, field, cell, &record->denominator);
                break;
            case SR_STATUS:
                rc = s_set_status (fault, cell, &record->status);
                break;
            case SR_NOTE:
                rc = s_set_text (fault, field, cell, record->note, sizeof record->note);
                break;
            case SR_FIELD_COUNT:
                break;
        }
        if (rc)
            return -1;
    }
    return 0;
}


