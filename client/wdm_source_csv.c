/*  wdm_source_csv: CSV read into records, UTF-8 by now (see
    wdm_source_encoding.c).  Called by wdm_source_parse (sr_csv_parse).
    libcsv is fed one physical line at a time: a row can only end at a
    line break, so when libcsv reports the end of a row we still know the
    line on which it started.  The header row names the columns, in
    English or Chinese.  Owns the parser and the row being read.  */

#include "wdm_source_int.h"

#include <assert.h>
#include <csv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_ROW_MAX (64 * 1024)   //  longest CSV row: past it, a quote never closed
#define S_CSV_OPTIONS (CSV_STRICT | CSV_STRICT_FINI)

//  A row's cell, in s_csv_t's buffer.
typedef struct {
    size_t offset, len;
} s_span_t;

//  A CSV document being read.
typedef struct {
    sr_reader_t *reader;
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
    sr_field_t columns [SR_FIELD_COUNT];  //  field of each column, left to right
    size_t column_count;
} s_csv_t;

//  The field a CSV column name stands for, or -1.
static int
s_field_by_column (const char *name)
{
    for (int field = 0; field < SR_FIELD_COUNT; field++)
        if (sr_same_word (name, sr_fields [field].name) || strcmp (name, sr_fields [field].zh) == 0)
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
    *len = sr_unbroken (self->data + self->row_start, self->fed_end - self->row_start);
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
    sr_reader_t *reader = self->reader;
    int line = self->row_line;
    char shown [SR_SHOWN_MAX];

    bool any_known = false;
    for (size_t i = 0; i < self->cell_count; i++)
        if (s_field_by_column (s_csv_cell_text (self, i)) >= 0)
            any_known = true;
    if (!any_known) {
        sr_cut (s_csv_cell_text (self, 0), self->cells [0].len, shown, sizeof shown);
        sr_why (reader, "没有表头行：第%d行应列出列名，如指标代码,地区代码,年份,数值 / "
                       "no header line: line %d should name the columns, e.g. indicator,area,year,value; it starts '%s'",
               line, line, shown);
        return;
    }
    int column_of [SR_FIELD_COUNT];
    for (int field = 0; field < SR_FIELD_COUNT; field++)
        column_of [field] = 0;
    for (size_t i = 0; i < self->cell_count; i++) {
        const char *name = s_csv_cell_text (self, i);
        sr_cut (name, self->cells [i].len, shown, sizeof shown);
        int field = s_field_by_column (name);
        if (self->cells [i].len == 0) {
            sr_why (reader, "表头（第%d行）第%zu列没有列名 / the header (line %d) has no name for column %zu",
                   line, i + 1, line, i + 1);
            return;
        }
        if (field < 0) {
            sr_why (reader, "表头（第%d行）有未知列名“%s”（第%zu列） / unknown column '%s' in the header (line %d, column %zu)",
                   line, shown, i + 1, shown, line, i + 1);
            return;
        }
        if (column_of [field]) {
            sr_why (reader, "表头（第%d行）中“%s”列出现两次（第%d列和第%zu列） / column '%s' appears twice in the header (line %d, columns %d and %zu)",
                   line, sr_fields [field].zh, column_of [field], i + 1,
                   sr_fields [field].name, line, column_of [field], i + 1);
            return;
        }
        //  Twelve distinct known names at most: columns [] cannot overflow.
        assert (i < SR_FIELD_COUNT);
        column_of [field] = (int) i + 1;
        self->columns [i] = (sr_field_t) field;
    }
    for (int field = 0; field < SR_FIELD_COUNT; field++)
        if (sr_fields [field].required && !column_of [field]) {
            sr_why (reader, "表头（第%d行）缺少必填列“%s” / the header (line %d) lacks the required column '%s'",
                   line, sr_fields [field].zh, line, sr_fields [field].name);
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
    sr_fault_t fault;
    if (self->cell_count != self->column_count) {
        sr_fault (&fault, "", "单元格个数不对：%zu个，表头有%zu列 / wrong number of cells: %zu, the header has %zu",
                 self->cell_count, self->column_count, self->cell_count, self->column_count);
        sr_report (self->reader, self->row_line, &fault, text, len);
        return;
    }
    sr_cell_t cells [SR_FIELD_COUNT] = { { false } };
    for (size_t i = 0; i < self->column_count; i++) {
        sr_cell_t *cell = &cells [self->columns [i]];
        cell->text = s_csv_cell_text (self, i);
        cell->len = self->cells [i].len;
        cell->present = cell->len > 0;
    }
    wdm_record_t record;
    if (sr_build (cells, &record, &fault) == 0)
        sr_deliver (self->reader, self->row_line, &record, text, len);
    else
        sr_report (self->reader, self->row_line, &fault, text, len);
}

//  libcsv's end-of-row callback.  A row of empty cells is what Excel
//  writes for a row once formatted and then cleared: no row at all.
static void
s_csv_row (int terminator, void *arg)
{
    s_csv_t *self = (s_csv_t *) arg;
    if (self->out_of_memory)
        sr_why (self->reader, "内存不足 / out of memory");
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
        sr_fault_t fault;
        sr_fault (&fault, "", "%s", message);
        sr_report (self->reader, self->row_line, &fault, text, len);
    }
    else
        sr_why (self->reader, "表头行（第%d行）有误 / the header line (line %d) is broken: %s",
               self->row_line, self->row_line, message);
    csv_free (&self->parser);
    csv_init (&self->parser, S_CSV_OPTIONS);
    s_csv_clear_row (self);
}

void
sr_csv_parse (sr_reader_t *reader, const char *data, size_t size)
{
    s_csv_t self = { .reader = reader, .data = data };
    csv_init (&self.parser, S_CSV_OPTIONS);

    int line = 0;
    size_t pos = 0;
    while (pos < size && !reader->stopped) {
        size_t end = sr_line_end (data, size, pos);
        line++;
        if (self.row_line == 0) {
            if (sr_blank (data + pos, end - pos)) {
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
                sr_why (reader, "内存不足 / out of memory");
        }
        pos = end;
    }
    //  The last row, if no line break ends it.
    if (!reader->stopped && self.row_line
    &&  csv_fini (&self.parser, s_csv_cell, s_csv_row, &self) != 0)
        s_csv_abandon (&self, "引号未闭合 / a quoted cell is never closed");
    if (!reader->stopped && !self.have_header)
        sr_why (reader, "没有表头行：文件是空的 / no header line: the file is empty");

    csv_free (&self.parser);
    free (self.buffer);
    free (self.cells);
}


