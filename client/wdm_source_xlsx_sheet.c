/*  wdm_source_xlsx_sheet: a worksheet's rows read into records — the
    header found below any title rows, each row's cells made the CSV's
    fields (numbers, text, dates, codes typed as numbers) and checked as a
    CSV line is (sr_build, sr_deliver), each bad row reported with its
    sheet, row and column.  Called by the XML handlers of
    wdm_source_xlsx.c (sx_sheet_start, sx_sheet_end) for a sheet part;
    owns the row in progress, in sx_book_t.  */

#include "wdm_source_xlsx_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  ---------------------------------------------------------------------
//  Sheets

//  A cell reference's column (0-based) and row: "AB12".  0, or -1.
static int
s_cell_ref (const char *ref, int *column, int *row)
{
    int c = 0, r = 0;
    const char *p = ref;
    for (; *p >= 'A' && *p <= 'Z'; p++) {
        c = c * 26 + (*p - 'A' + 1);
        if (c > SX_COLUMNS_MAX)
            return -1;
    }
    if (p == ref)
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        r = r * 10 + (*p - '0');
        if (r > SX_ROWS_MAX + 48576)
            return -1;
    }
    if (*p || r == 0)
        return -1;
    *column = c - 1;
    *row = r;
    return 0;
}

//  A column's letters: 0 is A, 26 is AA.
static void
s_column_letters (int column, char *letters, size_t size)
{
    char reversed [8];
    size_t n = 0;
    for (int c = column + 1; c > 0 && n < sizeof reversed; c = (c - 1) / 26)
        reversed [n++] = (char)('A' + (c - 1) % 26);
    size_t i = 0;
    for (; i < n && i + 1 < size; i++)
        letters [i] = reversed [n - 1 - i];
    letters [i] = '\0';
}

static const char *
s_row_cell_text (const sx_book_t *self, const sx_cell_t *cell)
{
    return self->row_text.data + cell->offset;
}

//  The field a header cell names, -1 for a reference column (the
//  template's 参考 columns: read by people, not by wdmon), -2 unknown.
static int
s_header_field (const char *name)
{
    for (int field = 0; field < SR_FIELD_COUNT; field++)
        if (sr_same_word (name, sr_fields [field].name) || strcmp (name, sr_fields [field].zh) == 0)
            return field;
    if (strncmp (name, "（参考）", strlen ("（参考）")) == 0
        || strncmp (name, "(参考)", strlen ("(参考)")) == 0)
        return -1;
    return -2;
}

//  The row's cells as a person would see them: "A7=HE01, B7=120114, ...".
static void
s_row_shown (const sx_book_t *self, wdm_buf_t *shown)
{
    for (size_t i = 0; i < self->row_cell_count; i++) {
        const sx_cell_t *cell = &self->row_cells [i];
        char letters [8];
        s_column_letters (cell->column, letters, sizeof letters);
        wdm_buf_printf (shown, "%s%s%d=%s", i ? ", " : "", letters, self->row, s_row_cell_text (self, cell));
    }
    if (!shown->data)
        wdm_buf_add (shown, "", 0);
}

//  Report a bad row, naming the sheet, the row and the column at fault.
static void
s_row_fault (sx_book_t *self, const sr_fault_t *fault)
{
    sr_fault_t placed = *fault;
    const char *letters = "";
    for (int field = 0; field < SR_FIELD_COUNT; field++)
        if (*fault->field && strcmp (fault->field, sr_fields [field].name) == 0)
            letters = self->header_letters [field];
    wdm_buf_t message = { 0 };
    if (*letters)
        wdm_buf_printf (&message, "工作表“%s”第%d行%s列 / sheet '%s' row %d column %s: %s", self->sheet,
                        self->row, letters, self->sheet, self->row, letters, fault->message);
    else
        wdm_buf_printf (&message, "工作表“%s”第%d行 / sheet '%s' row %d: %s", self->sheet, self->row,
                        self->sheet, self->row, fault->message);
    if (message.data)
        sr_cut (message.data, message.size, placed.message, sizeof placed.message);
    wdm_buf_free (&message);
    wdm_buf_t shown = { 0 };
    s_row_shown (self, &shown);
    sr_report (self->reader, self->row, &placed, shown.data ? shown.data : "", shown.size);
    wdm_buf_free (&shown);
}

//  The header row: which field each column holds.  Unknown names refuse
//  the sheet as they refuse a CSV file; empty and 参考 columns are not read.
static void
s_sheet_header (sx_book_t *self)
{
    int column_of [SR_FIELD_COUNT] = { 0 };
    for (size_t i = 0; i < SX_ROW_CELLS; i++)
        self->columns [i] = -1;
    for (size_t i = 0; i < self->row_cell_count; i++) {
        const sx_cell_t *cell = &self->row_cells [i];
        const char *name = s_row_cell_text (self, cell);
        char letters [8];
        s_column_letters (cell->column, letters, sizeof letters);
        int field = s_header_field (name);
        if (field == -2 && *name) {
            char shown [SR_SHOWN_MAX];
            sr_cut (name, cell->len, shown, sizeof shown);
            sx_refuse (
                self,
                "工作表“%s”表头（第%d行）有未知列名“%s”（%s列） / unknown column '%s' in the header of sheet '%s' "
                "(row %d, column %s)",
                self->sheet, self->row, shown, letters, shown, self->sheet, self->row, letters);
            return;
        }
        if (field == -1)
            self->is_form = true;
        if (field < 0)
            continue;
        if (column_of [field]) {
            sx_refuse (
                self,
                "工作表“%s”表头（第%d行）中“%s”列出现两次 / column '%s' appears twice in the header of sheet '%s' (row %d)",
                self->sheet, self->row, sr_fields [field].zh, sr_fields [field].name, self->sheet, self->row);
            return;
        }
        column_of [field] = cell->column + 1;
        self->columns [cell->column] = field;
        snprintf (self->header_letters [field], sizeof self->header_letters [field], "%s", letters);
    }
    for (int field = 0; field < SR_FIELD_COUNT; field++)
        if (sr_fields [field].required && !column_of [field]) {
            sx_refuse (
                self,
                "工作表“%s”表头（第%d行）缺少必填列“%s” / the header of sheet '%s' (row %d) lacks the required column '%s'",
                self->sheet, self->row, sr_fields [field].zh, self->sheet, self->row, sr_fields [field].name);
            return;
        }
    self->have_header = true;
    self->any_header = true;
}

//  A date's days since 1899-12-30 (Excel's 1900 system) to its year,
//  month and day.
static void
s_serial_date (double serial, int *year, int *month_out, int *day)
{
    long days = (long)floor (serial);
    //  civil-from-days (H. Hinnant), from 1970-01-01 = serial 25569
    long z = days - 25569 + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long month = mp < 10 ? mp + 3 : mp - 9;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month_out = (int)month;
    *year = (int)(yoe + era * 400 + (month <= 2));
}

//  A data row: cells to fields, as a CSV line's are.
static void
s_sheet_record (sx_book_t *self)
{
    sr_cell_t cells [SR_FIELD_COUNT] = { { false } };
    char numbers [SR_FIELD_COUNT][32];
    sr_fault_t fault;
    for (size_t i = 0; i < self->row_cell_count; i++) {
        const sx_cell_t *cell = &self->row_cells [i];
        int field = self->columns [cell->column];
        if (field < 0)
            continue;
        sr_cell_t *into = &cells [field];
        into->text = s_row_cell_text (self, cell);
        into->len = cell->len;
        into->present = cell->len > 0;
        if (cell->is_error) {
            sr_fault (&fault, sr_fields [field].name, "%s是Excel错误值%s / %s holds the Excel error %s",
                      sr_fields [field].zh, into->text, sr_fields [field].name, into->text);
            s_row_fault (self, &fault);
            return;
        }
        if (!cell->is_number)
            continue;
        double number = cell->number;
        if (cell->is_date) {
            int year, month, day;
            s_serial_date (number, &year, &month, &day);
            if (sr_fields [field].kind == SR_TEXT) {
                //  A date in a note: written as people read it.
                snprintf (numbers [field], sizeof numbers [field], "%04d-%02d-%02d", year, month, day);
                into->text = numbers [field];
                into->len = strlen (numbers [field]);
                continue;
            }
            if (field != SR_YEAR) {
                sr_fault (&fault, sr_fields [field].name,
                          "%s是日期，应为数字 / %s holds a date, not a number", sr_fields [field].zh,
                          sr_fields [field].name);
                s_row_fault (self, &fault);
                return;
            }
            number = year;  //  a date in the year column: its year
        }
        if (sr_fields [field].kind == SR_TEXT) {
            //  A code typed as a number (an area 120114): its digits.
            snprintf (numbers [field], sizeof numbers [field], "%.15g", number);
            into->text = numbers [field];
            into->len = strlen (numbers [field]);
        } else {
            into->text = NULL;
            into->number = number;
        }
    }
    //  A form's row left unfilled is not reported: the form lists every
    //  row the unit may fill, not every row it must.
    if (self->is_form && !cells [SR_VALUE].present && !cells [SR_NUMERATOR].present
        && !cells [SR_DENOMINATOR].present && !cells [SR_NOTE].present)
        return;
    wdm_record_t record;
    if (sr_build (cells, &record, &fault) != 0) {
        s_row_fault (self, &fault);
        return;
    }
    //  sr_deliver reports a catalog fault with the row's text: place it.
    if (self->reader->catalog) {
        wdm_record_error_t error = wdm_record_validate (&record, self->reader->catalog);
        if (error != WDM_RECORD_OK) {
            sr_fault (&fault, wdm_record_error_field (error), "%s", wdm_record_error_message (error));
            s_row_fault (self, &fault);
            return;
        }
    }
    sr_deliver (self->reader, self->row, &record, "", 0);
}

static void
s_sheet_row_end (sx_book_t *self)
{
    bool empty = true;
    for (size_t i = 0; i < self->row_cell_count; i++)
        if (self->row_cells [i].len)
            empty = false;
    if (!empty && !self->reader->stopped) {
        if (self->have_header)
            s_sheet_record (self);
        else if (self->row <= SX_HEADER_ROWS) {
            bool names_a_column = false;
            for (size_t i = 0; i < self->row_cell_count; i++)
                if (s_header_field (s_row_cell_text (self, &self->row_cells [i])) >= 0)
                    names_a_column = true;
            if (names_a_column)
                s_sheet_header (self);
        }
    }
    self->row_cell_count = 0;
    wdm_buf_reset (&self->row_text);
}

void
sx_sheet_start (sx_book_t *self, const char *name, const char **attrs)
{
    if (strcmp (name, "row") == 0) {
        const char *r = sx_attr (attrs, "r");
        int row = r ? sx_whole (r) : self->last_row + 1;
        if (row <= self->last_row || row > SX_ROWS_MAX) {
            sx_refuse (
                self,
                "工作表“%s”的行号%d无效或超过%d行 / sheet '%s' has a bad row number %d, or more than %d rows",
                self->sheet, row, SX_ROWS_MAX, self->sheet, row, SX_ROWS_MAX);
            return;
        }
        self->row = self->last_row = row;
        self->next_column = 0;
        self->row_cell_count = 0;
        wdm_buf_reset (&self->row_text);
    } else if (strcmp (name, "c") == 0) {
        if (++self->cells > SX_CELLS_MAX) {
            sx_refuse (self, "工作簿超过%d个单元格 / the workbook has more than %d cells", SX_CELLS_MAX,
                       SX_CELLS_MAX);
            return;
        }
        const char *r = sx_attr (attrs, "r"), *t = sx_attr (attrs, "t"), *s = sx_attr (attrs, "s");
        int column = self->next_column, row = self->row;
        if (r && s_cell_ref (r, &column, &row)) {
            sx_refuse (self,
                       "工作表“%s”有无效的单元格引用“%.16s” / sheet '%s' has a bad cell reference '%.16s'",
                       self->sheet, r, self->sheet, r);
            return;
        }
        self->next_column = column + 1;
        int style = s ? sx_whole (s) : 0;
        self->cell = (sx_cell_t) { .column = column };
        self->cell.is_date = style >= 0 && (size_t)style < self->style_count && self->date_style [style];
        snprintf (self->cell_type, sizeof self->cell_type, "%s", t ? t : "n");
        self->cell_has_value = false;
        wdm_buf_reset (&self->text);
        self->text_chars = 0;
    } else if (strcmp (name, "v") == 0 || (strcmp (name, "t") == 0 && !self->in_rph)) {
        self->gathering = true;  //  <v>, or an inline string's <is><t>
        self->cell_has_value = true;
    } else if (strcmp (name, "rPh") == 0)
        self->in_rph = true;
}

//  A cell ends: its value made text (and number), kept if its column
//  can matter.
static void
s_sheet_cell_end (sx_book_t *self)
{
    sx_cell_t *cell = &self->cell;
    const char *type = self->cell_type;
    const char *value = self->text.data ? self->text.data : "";
    const char *text = value;
    char number_text [32];
    if (!self->cell_has_value || cell->column >= SX_ROW_CELLS)
        return;
    if (strcmp (type, "s") == 0) {
        char *end;
        unsigned long index = strtoul (value, &end, 10);
        if (end == value || *end || index >= self->string_count) {
            sx_refuse (
                self,
                "工作表“%s”引用了不存在的共享字符串%.16s / sheet '%s' refers to a shared string %.16s that does not exist",
                self->sheet, value, self->sheet, value);
            return;
        }
        text = self->strings.data + self->string_at [index];
    } else if (strcmp (type, "n") == 0) {
        char *end;
        double number = strtod (value, &end);
        if (end == value || *end || !isfinite (number)) {
            sx_refuse (self, "工作表“%s”有无效的数字“%.32s” / sheet '%s' has a bad number '%.32s'",
                       self->sheet, value, self->sheet, value);
            return;
        }
        cell->is_number = true;
        cell->number = number;
        snprintf (number_text, sizeof number_text, "%.15g", number);
        text = number_text;
    } else if (strcmp (type, "e") == 0)
        cell->is_error = true;
    //  "str" (a formula's text), "inlineStr", "b" (0 or 1), "d" (ISO
    //  date) are their text.
    cell->offset = self->row_text.size;
    cell->len = strlen (text);
    if (wdm_buf_add (&self->row_text, text, cell->len + 1)) {
        sx_refuse (self, "内存不足 / out of memory");
        return;
    }
    if (self->row_cell_count < SX_ROW_CELLS)
        self->row_cells [self->row_cell_count++] = *cell;
}

void
sx_sheet_end (sx_book_t *self, const char *name)
{
    if (strcmp (name, "v") == 0 || strcmp (name, "t") == 0)
        self->gathering = false;
    else if (strcmp (name, "rPh") == 0)
        self->in_rph = false;
    else if (strcmp (name, "c") == 0)
        s_sheet_cell_end (self);
    else if (strcmp (name, "row") == 0)
        s_sheet_row_end (self);
}
