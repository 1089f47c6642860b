/*  wdm_source: CSV and JSON Lines exports read into records.  See
    wdm_source.h.

    The whole input is made UTF-8 first, so that everything after works
    on one encoding; line numbers survive the conversion because GB18030
    never uses the bytes of CR, LF, comma or quote inside a character.
    CSV goes to libcsv one physical line at a time: a row can only end at
    a line break, so when libcsv reports the end of a row we still know
    the line on which it started.  */

#include "wdm_source.h"
#include "wdm_utf8.h"

#include <assert.h>
#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define S_MESSAGE_MAX 512       //  longest bad-line message, + 1
#define S_SHOWN_MAX 64          //  longest cell or key quoted in a message, + 1
#define S_DIGITS_MAX 15         //  significant digits any double holds exactly
#define S_ROW_MAX (64 * 1024)   //  longest CSV row: past it, a quote never closed
#define S_CSV_OPTIONS (CSV_STRICT | CSV_STRICT_FINI)

typedef enum {
    S_INDICATOR, S_AREA, S_BODY, S_YEAR, S_QUARTER, S_MONTH, S_SEX,
    S_VALUE, S_NUMERATOR, S_DENOMINATOR, S_STATUS, S_NOTE,
    S_FIELD_COUNT
} s_field_t;

typedef enum {
    S_TEXT,                     //  a CSV cell or a JSON string
    S_WHOLE,                    //  a whole number in CSV text or JSON
    S_NUMBER                    //  a decimal in CSV text, any JSON number
} s_kind_t;

//  The fields in the order they are checked, which is wdm_record_t's: the
//  first fault found on a line is the one reported.
static const struct {
    const char *name;           //  CSV column, JSON key, and field reported
    const char *zh;             //  Chinese CSV column, and name in messages
    s_kind_t kind;
    bool required;
    int min, max;               //  range of a whole number
} s_fields [S_FIELD_COUNT] = {
    [S_INDICATOR]   = { "indicator",   "指标代码", S_TEXT,   true,  0, 0 },
    [S_AREA]        = { "area",        "地区代码", S_TEXT,   true,  0, 0 },
    [S_BODY]        = { "body",        "机构",     S_TEXT,   false, 0, 0 },
    [S_YEAR]        = { "year",        "年份",     S_WHOLE,  true,  1000, 9999 },
    [S_QUARTER]     = { "quarter",     "季度",     S_WHOLE,  false, 1, 4 },
    [S_MONTH]       = { "month",       "月份",     S_WHOLE,  false, 1, 12 },
    [S_SEX]         = { "sex",         "性别",     S_TEXT,   false, 0, 0 },
    [S_VALUE]       = { "value",       "数值",     S_NUMBER, true,  0, 0 },
    [S_NUMERATOR]   = { "numerator",   "分子",     S_NUMBER, false, 0, 0 },
    [S_DENOMINATOR] = { "denominator", "分母",     S_NUMBER, false, 0, 0 },
    [S_STATUS]      = { "status",      "状态",     S_TEXT,   false, 0, 0 },
    [S_NOTE]        = { "note",        "备注",     S_TEXT,   false, 0, 0 },
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

//  One field's input on one line: the text of a CSV cell or JSON string,
//  or a JSON number.
typedef struct {
    bool present;               //  neither empty nor null
    const char *text;           //  NUL-terminated; NULL for a JSON number
    size_t len;
    double number;
} s_cell_t;

//  What is wrong with a line.
typedef struct {
    const char *field;          //  "" when the whole line is at fault
    char message [S_MESSAGE_MAX];
    char key [S_SHOWN_MAX];     //  the field, when it is an unknown JSON key
} s_fault_t;

//  One parse: where records and faults go, and how it went.
typedef struct {
    const wdm_catalog_t *catalog;
    wdm_source_record_fn *on_record;
    wdm_source_error_fn *on_error;
    void *arg;
    wdm_source_stats_t *stats;
    char *why;
    size_t why_size;
    bool stopped;               //  on_record said stop, or the input is unreadable
} s_reader_t;

//  A row's cell, in s_csv_t's buffer.
typedef struct {
    size_t offset, len;
} s_span_t;

//  A CSV document being read.
typedef struct {
    s_reader_t *reader;
    const char *data;           //  the document, as UTF-8
    struct csv_parser parser;
    char *buffer;               //  the row's cells, each NUL-terminated
    size_t used, buffer_size;
    s_span_t *cells;
    size_t cell_count, cells_size;
    bool out_of_memory;         //  a cell could not be kept
    int row_line;               //  line where the row in progress starts; 0: none
    size_t row_start;           //  offset of that line in data
    size_t fed_end;             //  offset just past what libcsv has been given
    bool have_header;
    s_field_t columns [S_FIELD_COUNT];  //  field of each column, left to right
    size_t column_count;
} s_csv_t;

//  The input cannot be read, or the caller stopped it: say why, and read
//  no further.
static void
s_why (s_reader_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
s_why (s_reader_t *self, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    vsnprintf (self->why, self->why_size, format, args);
    va_end (args);
    self->stopped = true;
}

static void
s_fault (s_fault_t *self, const char *field, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

static void
s_fault (s_fault_t *self, const char *field, const char *format, ...)
{
    self->field = field;
    va_list args;
    va_start (args, format);
    vsnprintf (self->message, sizeof self->message, format, args);
    va_end (args);
}

//  Text to show a person: len bytes of UTF-8 in a buffer of size bytes,
//  on one line — tabs and line breaks, which would garble a log line or
//  a report, become spaces — and if too long cut at a character boundary,
//  ending "...".
static void
s_cut (const char *text, size_t len, char *buffer, size_t size)
{
    assert (size > 4);
    size_t keep = len;
    if (len >= size) {
        keep = size - 4;
        while (keep > 0 && ((unsigned char) text [keep] & 0xC0) == 0x80)
            keep--;
    }
    for (size_t i = 0; i < keep; i++)
        buffer [i] = ((unsigned char) text [i] < 0x20 || text [i] == 0x7F) ? ' ' : text [i];
    if (keep < len)
        memcpy (buffer + keep, "...", 4);
    else
        buffer [keep] = '\0';
}

//  Equal, ignoring the case of ASCII letters only: the locale's idea of
//  case has no business in column names.
static bool
s_same_word (const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char) (*a - 'A' + 'a') : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char) (*b - 'A' + 'a') : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

//  Offset just past the line starting at pos, its break included.  A line
//  ends at LF, CRLF, or a CR alone, as libcsv sees it.
static size_t
s_line_end (const char *data, size_t size, size_t pos)
{
    while (pos < size) {
        char c = data [pos++];
        if (c == '\n')
            break;
        if (c == '\r') {
            if (pos < size && data [pos] == '\n')
                pos++;
            break;
        }
    }
    return pos;
}

//  The 1-based line holding the byte at offset.
static int
s_line_at (const char *data, size_t size, size_t offset)
{
    int line = 1;
    for (size_t end = s_line_end (data, size, 0); end <= offset && end < size;
         end = s_line_end (data, size, end))
        line++;
    return line;
}

//  Length of a line without its break.
static size_t
s_unbroken (const char *text, size_t len)
{
    while (len > 0 && (text [len - 1] == '\n' || text [len - 1] == '\r'))
        len--;
    return len;
}

//  Nothing but spaces, tabs and line breaks: what libcsv skips as no row.
static bool
s_blank (const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text [i] != ' ' && text [i] != '\t' && text [i] != '\r' && text [i] != '\n')
            return false;
    return true;
}

//  Report a bad line.
static void
s_report (s_reader_t *self, int line, const s_fault_t *fault, const char *text, size_t len)
{
    self->stats->errors++;
    if (self->on_error) {
        char shown [WDM_SOURCE_TEXT_MAX];
        s_cut (text, s_unbroken (text, len), shown, sizeof shown);
        self->on_error (self->arg, line, fault->field, fault->message, shown);
    }
}

//  Check a record built from a line against the catalog, if there is
//  one, and hand it on; or report the line.
static void
s_deliver (s_reader_t *self, int line, const wdm_record_t *record,
           const char *text, size_t len)
{
    if (self->catalog) {
        wdm_record_error_t error = wdm_record_validate (record, self->catalog);
        if (error != WDM_RECORD_OK) {
            s_fault_t fault;
            s_fault (&fault, wdm_record_error_field (error), "%s",
                     wdm_record_error_message (error));
            s_report (self, line, &fault, text, len);
            return;
        }
    }
    if (self->on_record (self->arg, record, line) == 0)
        self->stats->records++;
    else
        s_why (self, "应调用方要求在第%d行停止读取 / stopped at line %d, as the caller asked",
               line, line);
}


//  ---------------------------------------------------------------------
//  From cells to a record

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
s_shown (const s_cell_t *cell, char *buffer, size_t size)
{
    if (cell->text)
        s_cut (cell->text, cell->len, buffer, size);
    else
        snprintf (buffer, size, "%.15g", cell->number);
}

//  A code or a note: copied whole, never cut.
static int
s_set_text (s_fault_t *fault, s_field_t field, const s_cell_t *cell,
            char *target, size_t size)
{
    const char *name = s_fields [field].name, *zh = s_fields [field].zh;
    if (cell->len >= size) {
        s_fault (fault, name, "%s过长：%zu字节，最多%zu字节 / %s is too long: %zu bytes, at most %zu",
                 zh, cell->len, size - 1, name, cell->len, size - 1);
        return -1;
    }
    if (!wdm_utf8_valid (cell->text, cell->len)) {
        s_fault (fault, name, "%s不是有效的UTF-8文本 / %s is not valid UTF-8", zh, name);
        return -1;
    }
    //  A line break or tab inside a code is a cell gone wrong; in a note
    //  it is just text.
    if (field != S_NOTE)
        for (size_t i = 0; i < cell->len; i++)
            if ((unsigned char) cell->text [i] < 0x20 || cell->text [i] == 0x7F) {
                s_fault (fault, name, "%s含有控制字符（如换行） / %s contains a control character such as a line break",
                         zh, name);
                return -1;
            }
    memcpy (target, cell->text, cell->len);
    target [cell->len] = '\0';
    return 0;
}

static int
s_set_number (s_fault_t *fault, s_field_t field, const s_cell_t *cell, double *target)
{
    if (!cell->text) {
        *target = cell->number;
        return 0;
    }
    int rc = s_parse_decimal (cell->text, cell->len, target);
    if (rc == 0)
        return 0;
    const char *name = s_fields [field].name, *zh = s_fields [field].zh;
    char shown [S_SHOWN_MAX];
    s_shown (cell, shown, sizeof shown);
    if (rc == -2)
        s_fault (fault, name, "%s的有效数字超过%d位 / %s has more than %d significant digits: '%s'",
                 zh, S_DIGITS_MAX, name, S_DIGITS_MAX, shown);
    else
    if (memchr (cell->text, ',', cell->len))
        s_fault (fault, name, "%s不是数字（不要用千位分隔符） / %s is not a number (write it without thousands separators): '%s'",
                 zh, name, shown);
    else
        s_fault (fault, name, "%s不是数字 / %s is not a number: '%s'", zh, name, shown);
    return -1;
}

static int
s_set_whole (s_fault_t *fault, s_field_t field, const s_cell_t *cell, int *target)
{
    int min = s_fields [field].min, max = s_fields [field].max;
    double number = cell->number;
    if ((!cell->text || s_parse_decimal (cell->text, cell->len, &number) == 0)
    &&  number >= min && number <= max && number == floor (number)) {
        *target = (int) number;
        return 0;
    }
    const char *name = s_fields [field].name, *zh = s_fields [field].zh;
    char shown [S_SHOWN_MAX];
    s_shown (cell, shown, sizeof shown);
    s_fault (fault, name, "%s应为%d至%d的整数 / %s must be a whole number from %d to %d: '%s'",
             zh, min, max, name, min, max, shown);
    return -1;
}

static int
s_set_sex (s_fault_t *fault, const s_cell_t *cell, char *target)
{
    for (size_t i = 0; i < sizeof s_sexes / sizeof s_sexes [0]; i++)
        if (s_same_word (cell->text, s_sexes [i].text)) {
            *target = s_sexes [i].sex;
            return 0;
        }
    char shown [S_SHOWN_MAX];
    s_shown (cell, shown, sizeof shown);
    s_fault (fault, "sex", "性别应为合计、女、男（T、F、M） / sex must be T, F or M (合计, 女, 男): '%s'",
             shown);
    return -1;
}

static int
s_set_status (s_fault_t *fault, const s_cell_t *cell, wdm_status_t *target)
{
    for (size_t i = 0; i < sizeof s_statuses / sizeof s_statuses [0]; i++)
        if (s_same_word (cell->text, s_statuses [i].text)) {
            *target = s_statuses [i].status;
            return 0;
        }
    char shown [S_SHOWN_MAX];
    s_shown (cell, shown, sizeof shown);
    s_fault (fault, "status",
             "状态应为初步、最终或估计 / status must be provisional, final or estimated (初步, 最终, 估计): '%s'",
             shown);
    return -1;
}

//  Build a record from one line's cells, field by field in s_fields'
//  order.  0, or -1 with the first fault found.
static int
s_build (const s_cell_t *cells, wdm_record_t *record, s_fault_t *fault)
{
    wdm_record_init (record);
    for (s_field_t field = 0; field < S_FIELD_COUNT; field++) {
        const s_cell_t *cell = &cells [field];
        if (!cell->present) {
            if (s_fields [field].required) {
                s_fault (fault, s_fields [field].name,
                         "缺少必填字段“%s” / missing required field '%s'",
                         s_fields [field].zh, s_fields [field].name);
                return -1;
            }
            continue;
        }
        int rc = 0;
        switch (field) {
            case S_INDICATOR:
                rc = s_set_text (fault, field, cell, record->indicator, sizeof record->indicator);
                break;
            case S_AREA:
                rc = s_set_text (fault, field, cell, record->area, sizeof record->area);
                break;
            case S_BODY:
                rc = s_set_text (fault, field, cell, record->body, sizeof record->body);
                break;
            case S_YEAR:
                rc = s_set_whole (fault, field, cell, &record->year);
                break;
            case S_QUARTER:
                record->period_kind = WDM_FREQ_QUARTER;
                rc = s_set_whole (fault, field, cell, &record->period_no);
                break;
            case S_MONTH:
                if (cells [S_QUARTER].present) {
                    s_fault (fault, "period",
                             "季度和月份只能填一项 / quarter and month are both given; a record has one period");
                    return -1;
                }
                record->period_kind = WDM_FREQ_MONTH;
                rc = s_set_whole (fault, field, cell, &record->period_no);
                break;
            case S_SEX:
                rc = s_set_sex (fault, cell, &record->sex);
                break;
            case S_VALUE:
                rc = s_set_number (fault, field, cell, &record->value);
                break;
            case S_NUMERATOR:
                record->has_numerator = true;
                rc = s_set_number (fault, field, cell, &record->numerator);
                break;
            case S_DENOMINATOR:
                record->has_denominator = true;
                rc = s_set_number (fault, field, cell, &record->denominator);
                break;
            case S_STATUS:
                rc = s_set_status (fault, cell, &record->status);
                break;
            case S_NOTE:
                rc = s_set_text (fault, field, cell, record->note, sizeof record->note);
                break;
            case S_FIELD_COUNT:
                break;
        }
        if (rc)
            return -1;
    }
    return 0;
}


//  ---------------------------------------------------------------------
//  CSV

//  The field a CSV column name stands for, or -1.
static int
s_field_by_column (const char *name)
{
    for (int field = 0; field < S_FIELD_COUNT; field++)
        if (s_same_word (name, s_fields [field].name) || strcmp (name, s_fields [field].zh) == 0)
            return field;
    return -1;
}

static void
s_csv_clear_row (s_csv_t *self)
{
    self->cell_count = 0;
    self->used = 0;
    self->row_line = 0;
}

//  The text of the row in progress, its final line break left off.
static const char *
s_csv_row_text (const s_csv_t *self, size_t *len)
{
    *len = s_unbroken (self->data + self->row_start, self->fed_end - self->row_start);
    return self->data + self->row_start;
}

static const char *
s_csv_cell_text (const s_csv_t *self, size_t index)
{
    return self->buffer + self->cells [index].offset;
}

//  libcsv's end-of-cell callback: keep the cell until the row ends.
static void
s_csv_cell (void *cell, size_t len, void *arg)
{
    s_csv_t *self = (s_csv_t *) arg;
    if (self->out_of_memory)
        return;
    if (self->cell_count == self->cells_size) {
        size_t size = self->cells_size ? self->cells_size * 2 : 16;
        s_span_t *cells = realloc (self->cells, size * sizeof *cells);
        if (!cells) {
            self->out_of_memory = true;
            return;
        }
        self->cells = cells;
        self->cells_size = size;
    }
    if (self->used + len + 1 > self->buffer_size) {
        size_t size = self->buffer_size ? self->buffer_size * 2 : 256;
        if (size < self->used + len + 1)
            size = self->used + len + 1;
        char *buffer = realloc (self->buffer, size);
        if (!buffer) {
            self->out_of_memory = true;
            return;
        }
        self->buffer = buffer;
        self->buffer_size = size;
    }
    if (len)
        memcpy (self->buffer + self->used, cell, len);
    self->buffer [self->used + len] = '\0';
    self->cells [self->cell_count++] = (s_span_t) { self->used, len };
    self->used += len + 1;
}

//  The first row names the columns.  Anything wrong with it makes the
//  whole file unreadable: without the header no cell means anything.
static void
s_csv_header (s_csv_t *self)
{
    s_reader_t *reader = self->reader;
    int line = self->row_line;
    char shown [S_SHOWN_MAX];

    bool any_known = false;
    for (size_t i = 0; i < self->cell_count; i++)
        if (s_field_by_column (s_csv_cell_text (self, i)) >= 0)
            any_known = true;
    if (!any_known) {
        s_cut (s_csv_cell_text (self, 0), self->cells [0].len, shown, sizeof shown);
        s_why (reader, "没有表头行：第%d行应列出列名，如指标代码,地区代码,年份,数值 / "
                       "no header line: line %d should name the columns, e.g. indicator,area,year,value; it starts '%s'",
               line, line, shown);
        return;
    }
    int column_of [S_FIELD_COUNT];
    for (int field = 0; field < S_FIELD_COUNT; field++)
        column_of [field] = 0;
    for (size_t i = 0; i < self->cell_count; i++) {
        const char *name = s_csv_cell_text (self, i);
        s_cut (name, self->cells [i].len, shown, sizeof shown);
        int field = s_field_by_column (name);
        if (self->cells [i].len == 0) {
            s_why (reader, "表头（第%d行）第%zu列没有列名 / the header (line %d) has no name for column %zu",
                   line, i + 1, line, i + 1);
            return;
        }
        if (field < 0) {
            s_why (reader, "表头（第%d行）有未知列名“%s”（第%zu列） / unknown column '%s' in the header (line %d, column %zu)",
                   line, shown, i + 1, shown, line, i + 1);
            return;
        }
        if (column_of [field]) {
            s_why (reader, "表头（第%d行）中“%s”列出现两次（第%d列和第%zu列） / column '%s' appears twice in the header (line %d, columns %d and %zu)",
                   line, s_fields [field].zh, column_of [field], i + 1,
                   s_fields [field].name, line, column_of [field], i + 1);
            return;
        }
        //  Twelve distinct known names at most: columns [] cannot overflow.
        assert (i < S_FIELD_COUNT);
        column_of [field] = (int) i + 1;
        self->columns [i] = (s_field_t) field;
    }
    for (int field = 0; field < S_FIELD_COUNT; field++)
        if (s_fields [field].required && !column_of [field]) {
            s_why (reader, "表头（第%d行）缺少必填列“%s” / the header (line %d) lacks the required column '%s'",
                   line, s_fields [field].zh, line, s_fields [field].name);
            return;
        }
    self->column_count = self->cell_count;
    self->have_header = true;
}

static void
s_csv_record (s_csv_t *self)
{
    size_t len;
    const char *text = s_csv_row_text (self, &len);
    s_fault_t fault;
    if (self->cell_count != self->column_count) {
        s_fault (&fault, "", "单元格个数不对：%zu个，表头有%zu列 / wrong number of cells: %zu, the header has %zu",
                 self->cell_count, self->column_count, self->cell_count, self->column_count);
        s_report (self->reader, self->row_line, &fault, text, len);
        return;
    }
    s_cell_t cells [S_FIELD_COUNT] = { { false } };
    for (size_t i = 0; i < self->column_count; i++) {
        s_cell_t *cell = &cells [self->columns [i]];
        cell->text = s_csv_cell_text (self, i);
        cell->len = self->cells [i].len;
        cell->present = cell->len > 0;
    }
    wdm_record_t record;
    if (s_build (cells, &record, &fault) == 0)
        s_deliver (self->reader, self->row_line, &record, text, len);
    else
        s_report (self->reader, self->row_line, &fault, text, len);
}

//  libcsv's end-of-row callback.  A row of empty cells is what Excel
//  writes for a row once formatted and then cleared: no row at all.
static void
s_csv_row (int terminator, void *arg)
{
    s_csv_t *self = (s_csv_t *) arg;
    if (self->out_of_memory)
        s_why (self->reader, "内存不足 / out of memory");
    bool empty = true;
    for (size_t i = 0; i < self->cell_count; i++)
        if (self->cells [i].len)
            empty = false;
    if (!self->reader->stopped && !empty) {
        if (self->have_header)
            s_csv_record (self);
        else
            s_csv_header (self);
    }
    s_csv_clear_row (self);
}

//  Give up on the row in progress — a quote out of place, never closed,
//  or a row too long — and start afresh on the next line: libcsv cannot
//  resume inside a broken row.
static void
s_csv_abandon (s_csv_t *self, const char *message)
{
    if (self->have_header) {
        size_t len;
        const char *text = s_csv_row_text (self, &len);
        s_fault_t fault;
        s_fault (&fault, "", "%s", message);
        s_report (self->reader, self->row_line, &fault, text, len);
    }
    else
        s_why (self->reader, "表头行（第%d行）有误 / the header line (line %d) is broken: %s",
               self->row_line, self->row_line, message);
    csv_free (&self->parser);
    csv_init (&self->parser, S_CSV_OPTIONS);
    s_csv_clear_row (self);
}

static void
s_csv_parse (s_reader_t *reader, const char *data, size_t size)
{
    s_csv_t self = { .reader = reader, .data = data };
    csv_init (&self.parser, S_CSV_OPTIONS);

    int line = 0;
    size_t pos = 0;
    while (pos < size && !reader->stopped) {
        size_t end = s_line_end (data, size, pos);
        line++;
        if (self.row_line == 0) {
            if (s_blank (data + pos, end - pos)) {
                pos = end;
                continue;
            }
            self.row_line = line;
            self.row_start = pos;
        }
        self.fed_end = end;
        if (end - self.row_start > S_ROW_MAX)
            s_csv_abandon (&self, "行超过64 KiB，或引号未闭合 / line longer than 64 KiB, or a quote never closed");
        else
        if (csv_parse (&self.parser, data + pos, end - pos, s_csv_cell, s_csv_row, &self) < end - pos) {
            if (csv_error (&self.parser) == CSV_EPARSE)
                s_csv_abandon (&self, "引号位置不对：含逗号、引号或换行的单元格须整体加引号，其中的引号写两遍 / "
                                      "misplaced quote: a cell holding commas, quotes or line breaks must be quoted whole, its quotes doubled");
            else
                s_why (reader, "内存不足 / out of memory");
        }
        pos = end;
    }
    //  The last row, if no line break ends it.
    if (!reader->stopped && self.row_line
    &&  csv_fini (&self.parser, s_csv_cell, s_csv_row, &self) != 0)
        s_csv_abandon (&self, "引号未闭合 / a quoted cell is never closed");
    if (!reader->stopped && !self.have_header)
        s_why (reader, "没有表头行：文件是空的 / no header line: the file is empty");

    csv_free (&self.parser);
    free (self.buffer);
    free (self.cells);
}


//  ---------------------------------------------------------------------
//  JSON Lines

static int
s_field_by_key (const char *key)
{
    for (int field = 0; field < S_FIELD_COUNT; field++)
        if (strcmp (key, s_fields [field].name) == 0)
            return field;
    return -1;
}

static void
s_json_type (const json_t *value, const char **zh, const char **en)
{
    switch (json_typeof (value)) {
        case JSON_STRING:  *zh = "字符串"; *en = "a string"; break;
        case JSON_INTEGER:
        case JSON_REAL:    *zh = "数字"; *en = "a number"; break;
        case JSON_OBJECT:  *zh = "对象"; *en = "an object"; break;
        case JSON_ARRAY:   *zh = "数组"; *en = "an array"; break;
        default:           *zh = "布尔值"; *en = "true or false"; break;
    }
}

//  One line's cells from its object.  Unknown keys come first: a
//  misspelt key would otherwise surface as a missing field.
static int
s_jsonl_cells (json_t *object, s_cell_t *cells, s_fault_t *fault)
{
    const char *key;
    json_t *value;
    json_object_foreach (object, key, value) {
        if (s_field_by_key (key) < 0) {
            s_cut (key, strlen (key), fault->key, sizeof fault->key);
            s_fault (fault, fault->key, "未知字段“%s” / unknown key '%s'", fault->key, fault->key);
            return -1;
        }
    }
    for (s_field_t field = 0; field < S_FIELD_COUNT; field++) {
        const char *name = s_fields [field].name, *zh = s_fields [field].zh;
        s_cell_t *cell = &cells [field];
        value = json_object_get (object, name);
        if (!value || json_is_null (value))
            continue;
        const char *type_zh, *type_en;
        s_json_type (value, &type_zh, &type_en);
        if (s_fields [field].kind == S_TEXT) {
            if (!json_is_string (value)) {
                s_fault (fault, name, "%s应为JSON字符串，不应为%s / %s must be a JSON string, not %s",
                         zh, type_zh, name, type_en);
                return -1;
            }
            cell->text = json_string_value (value);
            cell->len = json_string_length (value);
            cell->present = cell->len > 0;
        }
        else {
            if (json_is_string (value)) {
                char shown [S_SHOWN_MAX];
                s_cut (json_string_value (value), json_string_length (value), shown, sizeof shown);
                s_fault (fault, name, "%s应为JSON数字，不应为字符串 / %s must be a JSON number, not a string: \"%s\"",
                         zh, name, shown);
                return -1;
            }
            if (!json_is_number (value)) {
                s_fault (fault, name, "%s应为JSON数字，不应为%s / %s must be a JSON number, not %s",
                         zh, type_zh, name, type_en);
                return -1;
            }
            cell->number = json_number_value (value);
            cell->present = true;
        }
    }
    return 0;
}

static void
s_jsonl_line (s_reader_t *reader, const char *text, size_t len, int line)
{
    s_fault_t fault;
    json_error_t error;
    json_t *root = json_loadb (text, len, JSON_REJECT_DUPLICATES, &error);
    if (!root)
        s_fault (&fault, "", "不是有效的JSON：%s（第%d列） / not valid JSON: %s (column %d)",
                 error.text, error.column, error.text, error.column);
    else
    if (!json_is_object (root))
        s_fault (&fault, "", "每行应为一个JSON对象 / a line must hold one JSON object");
    else {
        s_cell_t cells [S_FIELD_COUNT] = { { false } };
        wdm_record_t record;
        if (s_jsonl_cells (root, cells, &fault) == 0
        &&  s_build (cells, &record, &fault) == 0) {
            s_deliver (reader, line, &record, text, len);
            json_decref (root);
            return;
        }
    }
    s_report (reader, line, &fault, text, len);
    json_decref (root);
}

//  A ".json" file is often one JSON document — an array of objects, or an
//  object spread over lines — which would read as nothing but bad lines.
//  True, with why said, if the first line is no object but the whole is
//  JSON.
static bool
s_jsonl_is_document (s_reader_t *reader, const char *data, size_t size)
{
    size_t pos = 0, end = 0;
    for (; pos < size; pos = end) {
        end = s_line_end (data, size, pos);
        if (!s_blank (data + pos, end - pos))
            break;
    }
    if (pos == size)
        return false;
    json_t *first = json_loadb (data + pos, s_unbroken (data + pos, end - pos), 0, NULL);
    bool object = json_is_object (first);
    json_decref (first);
    if (object)
        return false;
    json_t *whole = json_loadb (data, size, 0, NULL);
    bool document = whole != NULL;
    json_decref (whole);
    if (document)
        s_why (reader, "文件是一个完整的JSON文档，不是JSON Lines：请每行写一个JSON对象 / "
                       "the file is one JSON document, not JSON Lines: write one JSON object per line");
    return document;
}

static void
s_jsonl_parse (s_reader_t *reader, const char *data, size_t size)
{
    if (s_jsonl_is_document (reader, data, size))
        return;
    int line = 0;
    size_t pos = 0;
    while (pos < size && !reader->stopped) {
        size_t end = s_line_end (data, size, pos);
        line++;
        size_t len = s_unbroken (data + pos, end - pos);
        if (!s_blank (data + pos, len))
            s_jsonl_line (reader, data + pos, len, line);
        pos = end;
    }
}


//  ---------------------------------------------------------------------
//  Encodings

//  The first line that is not valid UTF-8.  No UTF-8 character holds a
//  line break byte, so lines can be checked one by one.
static int
s_first_bad_line (const char *data, size_t size)
{
    int line = 0;
    for (size_t pos = 0; pos < size; ) {
        size_t end = s_line_end (data, size, pos);
        line++;
        if (!wdm_utf8_valid (data + pos, end - pos))
            return line;
        pos = end;
    }
    return line;
}

//  Convert size bytes of GB18030 to UTF-8 in a new buffer, *copy.
static int
s_from_gb18030 (s_reader_t *self, const char *data, size_t size, char **copy, size_t *copy_size)
{
    int rc = -1;
    char *out = NULL;
    iconv_t cd = iconv_open ("UTF-8", "GB18030");
    if (cd == (iconv_t) -1) {
        s_why (self, "本机iconv不支持GB18030 / this system's iconv cannot convert from GB18030");
        goto cleanup;
    }
    //  A GB18030 character of one byte is one in UTF-8, of two bytes
    //  three, of four bytes at most four: half as much again is enough.
    size_t out_size = size + size / 2 + 1;
    out = malloc (out_size);
    if (!out) {
        s_why (self, "内存不足 / out of memory");
        goto cleanup;
    }
    char *in = (char *) data;       //  iconv's prototype wants it writable; it is not written
    size_t in_left = size;
    char *next = out;
    size_t out_left = out_size;
    if (iconv (cd, &in, &in_left, &next, &out_left) == (size_t) -1
    ||  iconv (cd, NULL, NULL, &next, &out_left) == (size_t) -1) {
        int utf8_line = s_first_bad_line (data, size);
        int gb_line = s_line_at (data, size, (size_t) (in - data));
        s_why (self, "无法识别文件编码：第%d行不是UTF-8，第%d行不是GB18030；请另存为“CSV UTF-8” / "
                     "unknown encoding: not valid UTF-8 (line %d) nor GB18030 (line %d); save the file as \"CSV UTF-8\"",
               utf8_line, gb_line, utf8_line, gb_line);
        goto cleanup;
    }
    *copy_size = out_size - out_left;
    if (!wdm_utf8_valid (out, *copy_size)) {
        s_why (self, "GB18030转换结果不是有效的UTF-8 / GB18030 did not convert to valid UTF-8");
        goto cleanup;
    }
    *copy = out;
    out = NULL;
    rc = 0;
cleanup:
    if (cd != (iconv_t) -1)
        iconv_close (cd);
    free (out);
    return rc;
}

//  Find the input's encoding and make it UTF-8: *text is data past a
//  byte-order mark, or a converted copy in *copy for the caller to free.
static int
s_decode (s_reader_t *self, const char *data, size_t size, wdm_source_format_t format,
          const char **text, size_t *text_size, char **copy)
{
    const unsigned char *bytes = (const unsigned char *) data;
    if (size >= 2 && ((bytes [0] == 0xFF && bytes [1] == 0xFE)
                  ||  (bytes [0] == 0xFE && bytes [1] == 0xFF))) {
        s_why (self, "不支持UTF-16编码（Excel的“Unicode文本”）；请另存为“CSV UTF-8” / "
                     "UTF-16 (Excel's \"Unicode text\") is not supported; save the file as \"CSV UTF-8\"");
        return -1;
    }
    bool bom = size >= 3 && bytes [0] == 0xEF && bytes [1] == 0xBB && bytes [2] == 0xBF;
    if (bom) {
        data += 3;
        size -= 3;
    }
    const char *nul = size ? memchr (data, '\0', size) : NULL;
    if (nul) {
        int line = s_line_at (data, size, (size_t) (nul - data));
        s_why (self, "第%d行含有NUL字节，不是文本文件？ / a NUL byte at line %d: not a text file?",
               line, line);
        return -1;
    }
    if (wdm_utf8_valid (data, size)) {
        self->stats->encoding = bom ? "UTF-8 BOM" : "UTF-8";
        *text = data;
        *text_size = size;
        return 0;
    }
    //  A byte-order mark says UTF-8: a bad byte after it is damage, not
    //  another encoding.
    if (bom || format == WDM_SOURCE_JSONL) {
        int line = s_first_bad_line (data, size);
        s_why (self, "第%d行不是有效的UTF-8%s / not valid UTF-8 at line %d%s",
               line, bom ? "（文件以UTF-8字节顺序标记开头）" : "（JSON Lines须为UTF-8）",
               line, bom ? " (the file starts with a UTF-8 byte-order mark)" : " (JSON Lines must be UTF-8)");
        return -1;
    }
    if (s_from_gb18030 (self, data, size, copy, text_size))
        return -1;
    self->stats->encoding = "GB18030";
    *text = *copy;
    return 0;
}


//  ---------------------------------------------------------------------
//  Public functions

int
wdm_source_format_from_name (const char *name, wdm_source_format_t *format)
{
    static const struct {
        const char *ending;
        wdm_source_format_t format;
    } endings [] = {
        { ".csv", WDM_SOURCE_CSV },
        { ".jsonl", WDM_SOURCE_JSONL },
        { ".ndjson", WDM_SOURCE_JSONL },
        { ".json", WDM_SOURCE_JSONL },
    };
    size_t len = strlen (name);
    for (size_t i = 0; i < sizeof endings / sizeof endings [0]; i++) {
        size_t ending_len = strlen (endings [i].ending);
        if (len > ending_len && s_same_word (name + len - ending_len, endings [i].ending)) {
            *format = endings [i].format;
            return 0;
        }
    }
    return -1;
}

int
wdm_source_parse (const char *data, size_t size, wdm_source_format_t format,
                  const wdm_catalog_t *catalog,
                  wdm_source_record_fn *on_record, wdm_source_error_fn *on_error,
                  void *arg, wdm_source_stats_t *stats, char *why, size_t why_size)
{
    assert (on_record);
    assert (data || size == 0);
    wdm_source_stats_t ignored;
    s_reader_t reader = {
        .catalog = catalog, .on_record = on_record, .on_error = on_error, .arg = arg,
        .stats = stats ? stats : &ignored,
        .why = why, .why_size = why ? why_size : 0
    };
    *reader.stats = (wdm_source_stats_t) { .records = 0, .errors = 0, .encoding = "" };
    if (reader.why_size)
        why [0] = '\0';
    if (!data)
        data = "";

    const char *text = NULL;
    size_t text_size = 0;
    char *copy = NULL;
    if (format != WDM_SOURCE_CSV && format != WDM_SOURCE_JSONL)
        s_why (&reader, "未知的文件格式 / unknown format %d", (int) format);
    else
    if (s_decode (&reader, data, size, format, &text, &text_size, &copy) == 0) {
        if (format == WDM_SOURCE_CSV)
            s_csv_parse (&reader, text, text_size);
        else
            s_jsonl_parse (&reader, text, text_size);
    }
    free (copy);
    return reader.stopped ? -1 : 0;
}

int
wdm_source_parse_file (const char *path, const wdm_catalog_t *catalog,
                       wdm_source_record_fn *on_record, wdm_source_error_fn *on_error,
                       void *arg, wdm_source_stats_t *stats, char *why, size_t why_size)
{
    int rc = -1;
    FILE *file = NULL;
    char *data = NULL;
    s_reader_t reader = { .why = why, .why_size = why ? why_size : 0 };
    if (stats)
        *stats = (wdm_source_stats_t) { .records = 0, .errors = 0, .encoding = "" };

    wdm_source_format_t format;
    if (wdm_source_format_from_name (path, &format)) {
        s_why (&reader, "不支持的文件类型：%s（应为.csv、.jsonl、.ndjson或.json） / "
                        "unknown kind of file: %s (expected .csv, .jsonl, .ndjson or .json)", path, path);
        goto cleanup;
    }
    file = fopen (path, "rb");
    if (!file) {
        const char *cause = strerror (errno);
        s_why (&reader, "无法打开%s：%s / cannot open %s: %s", path, cause, path, cause);
        goto cleanup;
    }
    struct stat status;
    bool regular = fstat (fileno (file), &status) == 0 && S_ISREG (status.st_mode);
    if (regular && (uintmax_t) status.st_size > WDM_SOURCE_FILE_MAX) {
        s_why (&reader, "文件过大：%jd字节，最多%zu字节（256 MiB）：%s / "
                        "file too large: %jd bytes, at most %zu (256 MiB): %s",
               (intmax_t) status.st_size, WDM_SOURCE_FILE_MAX, path,
               (intmax_t) status.st_size, WDM_SOURCE_FILE_MAX, path);
        goto cleanup;
    }
    //  Read to the end rather than trust the size: a file may still grow,
    //  and a pipe has none.  One byte over the limit tells it is too large.
    size_t capacity = regular ? (size_t) status.st_size + 1 : 64 * 1024;
    size_t size = 0;
    data = malloc (capacity);
    while (data) {
        if (size == capacity) {
            if (capacity > WDM_SOURCE_FILE_MAX)
                break;
            size_t larger = capacity * 2 > WDM_SOURCE_FILE_MAX + 1
                          ? WDM_SOURCE_FILE_MAX + 1 : capacity * 2;
            char *grown = realloc (data, larger);
            if (!grown) {
                free (data);
                data = NULL;
                break;
            }
            data = grown;
            capacity = larger;
        }
        size_t got = fread (data + size, 1, capacity - size, file);
        size += got;
        if (got == 0)
            break;
    }
    if (!data) {
        s_why (&reader, "内存不足，无法读取%s / out of memory reading %s", path, path);
        goto cleanup;
    }
    if (ferror (file)) {
        const char *cause = strerror (errno);
        s_why (&reader, "无法读取%s：%s / cannot read %s: %s", path, cause, path, cause);
        goto cleanup;
    }
    if (size > WDM_SOURCE_FILE_MAX) {
        s_why (&reader, "文件过大：超过%zu字节（256 MiB）：%s / file too large: more than %zu bytes (256 MiB): %s",
               WDM_SOURCE_FILE_MAX, path, WDM_SOURCE_FILE_MAX, path);
        goto cleanup;
    }
    rc = wdm_source_parse (data, size, format, catalog, on_record, on_error, arg,
                           stats, why, why_size);
cleanup:
    if (file)
        fclose (file);
    free (data);
    return rc;
}
