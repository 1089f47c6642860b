/*  wdm_source_xlsx: Excel workbooks (.xlsx) read into records — filled
    templates from `wdmon template`, and plain sheets with the CSV's
    columns.  Called by wdm_source_parse (sr_xlsx_parse).  libzip opens
    the container, expat reads each XML part as a stream; nothing here
    parses zip or XML by hand.

    The workbook is found through the relationships, as Excel and WPS
    Office both allow: _rels/.rels names the workbook part, its own .rels
    names the sheets, the shared strings and the styles (WPS may write
    none of the shared strings, using inline strings, and may name parts
    differently).  Each sheet is read row by row; its header row is the
    first row holding a column name (title rows above it, merged or not,
    are passed over); a sheet with no header in its first S_HEADER_ROWS
    rows holds no data (an instructions sheet) and is skipped.  Rows then
    go through the same fields and the same checks as a CSV line
    (sr_build, sr_deliver).

    A workbook is someone else's file: every size is capped before it is
    used.  Entry names that climb out of the archive (../x, /x, C:\x) are
    refused; a part's size is read from the zip directory and refused over
    its cap before a byte is inflated, and reading stops at the cap
    whatever the directory said; an XML part with a DOCTYPE (where entity
    expansion lives) is refused; rows, cells and string lengths are
    capped.  Memory is the shared strings (at most S_STRINGS_MAX bytes of
    part) plus one row.  Owns the archive, the strings and the row.  */

#include "wdm_source_int.h"

#include <errno.h>
#include <expat.h>
#include <limits.h>
#include <stdarg.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "wdm_buf.h"

#define S_ENTRIES_MAX 10000                     //  entries in the archive
#define S_PART_MAX    ((zip_uint64_t)64 << 20)  //  an XML part, inflated
#define S_STRINGS_MAX ((zip_uint64_t)16 << 20)  //  the shared strings part, inflated
#define S_RATIO_MAX   200                       //  inflated / compressed, for parts over 1 MiB
#define S_TEXT_MAX    32767                     //  characters in a cell, Excel's own limit
#define S_ROWS_MAX    1000000                   //  rows in a sheet (Excel's 1,048,576)
#define S_COLUMNS_MAX 16384                     //  columns (XFD)
#define S_CELLS_MAX   (4 * 1000 * 1000)         //  cells in the workbook
#define S_ROW_CELLS   64                        //  cells of a row kept; the rest are past any column
#define S_SHEETS_MAX  64
#define S_HEADER_ROWS 50  //  rows searched for a header
#define S_CHUNK       (64 * 1024)
#define S_NAME_MAX    512

//  The kinds of part the reader parses; each has its own handlers.
typedef enum { S_RELS, S_WORKBOOK, S_STRINGS, S_STYLES, S_SHEET } s_part_kind_t;

//  A relationship: its id, type's last word, and target resolved to an
//  entry name.
typedef struct {
    char id [64];
    char type [64];
    char target [S_NAME_MAX];
} s_rel_t;

typedef struct {
    char name [128];  //  the sheet's name as the user sees it
    char rid [64];
} s_sheet_ref_t;

//  One cell of the row in progress.
typedef struct {
    int column;      //  0-based
    bool is_number;  //  a number (not text): value in number
    bool is_error;   //  an Excel error (#DIV/0!): its text in text
    bool is_date;    //  a number in a date format
    double number;
    size_t offset, len;  //  its text in the row buffer
} s_cell_t;

typedef struct s_xlsx s_xlsx_t;

struct s_xlsx {
    sr_reader_t *reader;
    zip_t *zip;
    const char *part;  //  the part being read, for messages
    s_part_kind_t kind;
    XML_Parser parser;
    bool refused;  //  the workbook was refused; why is said
    long cells;    //  cells read in the workbook

    //  relationships of the part read last
    s_rel_t *rels;
    size_t rel_count, rels_size;
    char rels_base [S_NAME_MAX];  //  folder targets are relative to

    //  the workbook's sheets
    s_sheet_ref_t sheets [S_SHEETS_MAX];
    size_t sheet_count;

    //  shared strings: their text, NUL-separated, and where each starts
    wdm_buf_t strings;
    size_t *string_at;
    size_t string_count, string_at_size;
    bool in_si, in_rph;  //  inside <si>, and in phonetic text to skip

    //  styles: which cell formats show dates
    bool *date_style;
    size_t style_count;
    int custom_dates [64];  //  numFmtIds of custom date formats
    size_t custom_date_count;
    bool in_cellxfs;

    //  the text being gathered (a <t>, a <v>), capped at S_TEXT_MAX chars
    wdm_buf_t text;
    size_t text_chars;  //  characters in text
    bool gathering;

    //  the sheet being read
    const char *sheet;  //  its name
    int row;            //  1-based row in progress
    int last_row;
    int next_column;  //  for cells without r=
    s_cell_t cell;    //  cell in progress
    char cell_type [16];
    bool cell_has_value;
    s_cell_t row_cells [S_ROW_CELLS];
    size_t row_cell_count;
    wdm_buf_t row_text;  //  the cells' texts, NUL-terminated each
    bool have_header;
    bool is_form;               //  the header has （参考） columns: a form from wdmon template
    int columns [S_ROW_CELLS];  //  field of each column; -1 none
    int column_count;
    char header_letters [SR_FIELD_COUNT][8];  //  column letters of each field, for messages
    bool any_header;                          //  some sheet had a header
};

//  ---------------------------------------------------------------------
//  Refusing the workbook

//  The workbook cannot be read: say why once, and stop the XML parse in
//  progress.
static void s_refuse (s_xlsx_t *self, const char *format, ...) __attribute__ ((format (printf, 2, 3)));
static void
s_refuse (s_xlsx_t *self, const char *format, ...)
{
    if (!self->refused) {
        char message [SR_MESSAGE_MAX];
        va_list args;
        va_start (args, format);
        vsnprintf (message, sizeof message, format, args);
        va_end (args);
        sr_why (self->reader, "%s", message);
        self->refused = true;
    }
    if (self->parser)
        XML_StopParser (self->parser, XML_FALSE);
}

//  An element's local name: expat, made namespace-aware, gives "uri name".
static const char *
s_local (const char *name)
{
    const char *space = strrchr (name, ' ');
    return space ? space + 1 : name;
}

//  An attribute's value by local name, or NULL.
static const char *
s_attr (const char **attrs, const char *name)
{
    for (size_t i = 0; attrs [i]; i += 2)
        if (strcmp (s_local (attrs [i]), name) == 0)
            return attrs [i + 1];
    return NULL;
}

//  A whole number in an attribute, 0 to INT_MAX; -1 for anything else
//  (atoi's overflow would be undefined).
static int
s_whole (const char *text)
{
    char *end;
    errno = 0;
    long value = strtol (text, &end, 10);
    if (end == text || *end || errno || value < 0 || value > INT_MAX)
        return -1;
    return (int)value;
}

//  ---------------------------------------------------------------------
//  Entry names

//  An entry name a workbook may hold: no climbing out (..), no absolute
//  path or drive, no backslash, not empty.
static bool
s_safe_name (const char *name)
{
    if (!*name || name [0] == '/' || strchr (name, '\\') || strchr (name, ':'))
        return false;
    for (const char *p = name; *p;) {
        const char *slash = strchr (p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen (p);
        if (len == 2 && p [0] == '.' && p [1] == '.')
            return false;
        p += len + (slash ? 1 : 0);
    }
    return true;
}

//  Resolve a relationship's target against the folder base (no trailing
//  slash; "" for the root): "/x" is from the root, "." and ".." are
//  folded.  0, or -1 if it climbs out of the archive or is too long.
static int
s_resolve (const char *base, const char *target, char *name, size_t size)
{
    char joined [S_NAME_MAX * 2];
    if (target [0] == '/')
        snprintf (joined, sizeof joined, "%s", target + 1);
    else if (*base)
        snprintf (joined, sizeof joined, "%s/%s", base, target);
    else
        snprintf (joined, sizeof joined, "%s", target);
    size_t used = 0;
    name [0] = '\0';
    for (char *p = joined; *p;) {
        char *slash = strchr (p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen (p);
        if (len == 2 && p [0] == '.' && p [1] == '.') {
            if (used == 0)
                return -1;
            while (used > 0 && name [used - 1] != '/')
                used--;
            if (used > 0)
                used--;
            name [used] = '\0';
        } else if (len > 0 && !(len == 1 && p [0] == '.')) {
            if (used + len + 2 > size)
                return -1;
            if (used)
                name [used++] = '/';
            memcpy (name + used, p, len);
            used += len;
            name [used] = '\0';
        }
        p += len + (slash ? 1 : 0);
    }
    return used ? 0 : -1;
}

//  ---------------------------------------------------------------------
//  Text gathered between tags

static void XMLCALL
s_on_text (void *arg, const XML_Char *text, int len)
{
    s_xlsx_t *self = (s_xlsx_t *)arg;
    if (!self->gathering || self->refused)
        return;
    for (int i = 0; i < len; i++)
        if (((unsigned char)text [i] & 0xC0) != 0x80)
            self->text_chars++;
    if (self->text_chars > S_TEXT_MAX) {
        s_refuse (self,
                  "%s中有文本超过%d个字符（Excel单元格的上限） / %s holds a text longer than %d characters "
                  "(an Excel cell's limit)",
                  self->part, S_TEXT_MAX, self->part, S_TEXT_MAX);
        return;
    }
    if (wdm_buf_add (&self->text, text, (size_t)len))
        s_refuse (self, "内存不足 / out of memory");
}

//  Refuse a DOCTYPE: no workbook needs one, and entity expansion (the
//  "billion laughs") lives in it.
static void XMLCALL
s_on_doctype (void *arg, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid, int internal)
{
    s_xlsx_t *self = (s_xlsx_t *)arg;
    s_refuse (self,
              "%s含有DOCTYPE声明（可能是实体膨胀攻击），拒绝读取 / %s has a DOCTYPE declaration "
              "(where entity expansion attacks live): refused",
              self->part, self->part);
}

//  ---------------------------------------------------------------------
//  Relationships (_rels/.rels, xl/_rels/workbook.xml.rels)

static void
s_rels_start (s_xlsx_t *self, const char *name, const char **attrs)
{
    if (strcmp (name, "Relationship") != 0)
        return;
    const char *id = s_attr (attrs, "Id"), *type = s_attr (attrs, "Type"), *target = s_attr (attrs, "Target");
    const char *mode = s_attr (attrs, "TargetMode");
    if (!id || !type || !target || (mode && strcmp (mode, "External") == 0))
        return;
    if (self->rel_count == self->rels_size) {
        if (self->rels_size >= 1024)
            return;  //  no workbook has more; the rest cannot matter
        size_t size = self->rels_size ? self->rels_size * 2 : 16;
        s_rel_t *rels = realloc (self->rels, size * sizeof *rels);
        if (!rels) {
            s_refuse (self, "内存不足 / out of memory");
            return;
        }
        self->rels = rels;
        self->rels_size = size;
    }
    s_rel_t *rel = &self->rels [self->rel_count];
    snprintf (rel->id, sizeof rel->id, "%s", id);
    const char *word = strrchr (type, '/');
    snprintf (rel->type, sizeof rel->type, "%s", word ? word + 1 : type);
    if (s_resolve (self->rels_base, target, rel->target, sizeof rel->target)) {
        s_refuse (
            self,
            "%s中的目标“%.64s”指向压缩包之外，拒绝读取 / %s has a target '%.64s' outside the archive: refused",
            self->part, target, self->part, target);
        return;
    }
    self->rel_count++;
}

//  The target of the first relationship of a type (its last word), or
//  of the id when id is not NULL.
static const char *
s_rel_find (const s_xlsx_t *self, const char *type, const char *id)
{
    for (size_t i = 0; i < self->rel_count; i++)
        if (id ? strcmp (self->rels [i].id, id) == 0 : strcmp (self->rels [i].type, type) == 0)
            return self->rels [i].target;
    return NULL;
}

//  ---------------------------------------------------------------------
//  The workbook part: the sheets, in order

static void
s_workbook_start (s_xlsx_t *self, const char *name, const char **attrs)
{
    if (strcmp (name, "sheet") != 0)
        return;
    if (self->sheet_count == S_SHEETS_MAX) {
        s_refuse (self, "工作表超过%d个 / more than %d sheets", S_SHEETS_MAX, S_SHEETS_MAX);
        return;
    }
    const char *sheet = s_attr (attrs, "name"), *rid = s_attr (attrs, "id");
    if (!rid)
        return;
    s_sheet_ref_t *ref = &self->sheets [self->sheet_count++];
    snprintf (ref->name, sizeof ref->name, "%s", sheet ? sheet : "?");
    snprintf (ref->rid, sizeof ref->rid, "%s", rid);
}

//  ---------------------------------------------------------------------
//  Shared strings: <si> holds a <t>, or rich runs <r><t>; <rPh> is
//  phonetic guidance not part of the text

static void
s_strings_start (s_xlsx_t *self, const char *name)
{
    if (strcmp (name, "si") == 0) {
        self->in_si = true;
        wdm_buf_reset (&self->text);
        self->text_chars = 0;
    } else if (strcmp (name, "rPh") == 0)
        self->in_rph = true;
    else if (strcmp (name, "t") == 0 && self->in_si && !self->in_rph)
        self->gathering = true;
}

static void
s_strings_end (s_xlsx_t *self, const char *name)
{
    if (strcmp (name, "t") == 0)
        self->gathering = false;
    else if (strcmp (name, "rPh") == 0)
        self->in_rph = false;
    else if (strcmp (name, "si") == 0 && self->in_si) {
        self->in_si = false;
        if (self->string_count == self->string_at_size) {
            size_t size = self->string_at_size ? self->string_at_size * 2 : 256;
            size_t *at = realloc (self->string_at, size * sizeof *at);
            if (!at) {
                s_refuse (self, "内存不足 / out of memory");
                return;
            }
            self->string_at = at;
            self->string_at_size = size;
        }
        self->string_at [self->string_count++] = self->strings.size;
        if (wdm_buf_add (&self->strings, self->text.data ? self->text.data : "", self->text.size + 1))
            s_refuse (self, "内存不足 / out of memory");
    }
}

//  ---------------------------------------------------------------------
//  Styles: a number shown as a date is a date

//  Whether text starts with word (lower case), ignoring ASCII case.
static bool
s_starts_word (const char *text, const char *word)
{
    for (; *word; text++, word++) {
        char c = (*text >= 'A' && *text <= 'Z') ? (char)(*text - 'A' + 'a') : *text;
        if (c != *word)
            return false;
    }
    return true;
}

//  A custom number format that shows a date: a year or day (y, d), or a
//  month (m) without hours or seconds, outside quotes, brackets and
//  escapes.  "General" (LibreOffice writes it as a custom format), an
//  exponent (0.00E+00) and a duration ([h]:mm:ss) are not dates.
static bool
s_date_format (const char *code)
{
    bool quoted = false, bracket = false, year_or_day = false, month = false, time = false;
    for (const char *p = code; *p; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (quoted)
            continue;
        else if (s_starts_word (p, "general"))
            p += strlen ("general") - 1;
        else if ((*p == '\\' || *p == '_' || *p == '*') && p [1])
            p++;  //  an escaped character, a space as wide as it, a fill
        else if (*p == '[')
            bracket = true;
        else if (*p == ']')
            bracket = false;
        else if (bracket)
            time = time || strchr ("hHsS", *p);
        else if (strchr ("yYdD", *p))
            year_or_day = true;
        else if (*p == 'm' || *p == 'M')
            month = true;
        else if (strchr ("hHsS", *p))
            time = true;
    }
    return year_or_day || (month && !time);
}

static bool
s_date_id (const s_xlsx_t *self, int id)
{
    if ((id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 36) || (id >= 50 && id <= 58))
        return true;  //  the built-in date formats, Chinese ones included
    for (size_t i = 0; i < self->custom_date_count; i++)
        if (self->custom_dates [i] == id)
            return true;
    return false;
}

static void
s_styles_start (s_xlsx_t *self, const char *name, const char **attrs)
{
    if (strcmp (name, "numFmt") == 0) {
        const char *id = s_attr (attrs, "numFmtId"), *code = s_attr (attrs, "formatCode");
        if (id && code && s_date_format (code)
            && self->custom_date_count < sizeof self->custom_dates / sizeof self->custom_dates [0])
            self->custom_dates [self->custom_date_count++] = s_whole (id);
    } else if (strcmp (name, "cellXfs") == 0)
        self->in_cellxfs = true;
    else if (strcmp (name, "xf") == 0 && self->in_cellxfs) {
        if (self->style_count >= 65536)
            return;
        bool *styles = realloc (self->date_style, (self->style_count + 1) * sizeof *styles);
        if (!styles) {
            s_refuse (self, "内存不足 / out of memory");
            return;
        }
        self->date_style = styles;
        const char *id = s_attr (attrs, "numFmtId");
        self->date_style [self->style_count++] = id && s_date_id (self, s_whole (id));
    }
}

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
        if (c > S_COLUMNS_MAX)
            return -1;
    }
    if (p == ref)
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        r = r * 10 + (*p - '0');
        if (r > S_ROWS_MAX + 48576)
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
s_row_cell_text (const s_xlsx_t *self, const s_cell_t *cell)
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
s_row_shown (const s_xlsx_t *self, wdm_buf_t *shown)
{
    for (size_t i = 0; i < self->row_cell_count; i++) {
        const s_cell_t *cell = &self->row_cells [i];
        char letters [8];
        s_column_letters (cell->column, letters, sizeof letters);
        wdm_buf_printf (shown, "%s%s%d=%s", i ? ", " : "", letters, self->row, s_row_cell_text (self, cell));
    }
    if (!shown->data)
        wdm_buf_add (shown, "", 0);
}

//  Report a bad row, naming the sheet, the row and the column at fault.
static void
s_row_fault (s_xlsx_t *self, const sr_fault_t *fault)
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
s_sheet_header (s_xlsx_t *self)
{
    int column_of [SR_FIELD_COUNT] = { 0 };
    for (size_t i = 0; i < S_ROW_CELLS; i++)
        self->columns [i] = -1;
    for (size_t i = 0; i < self->row_cell_count; i++) {
        const s_cell_t *cell = &self->row_cells [i];
        const char *name = s_row_cell_text (self, cell);
        char letters [8];
        s_column_letters (cell->column, letters, sizeof letters);
        int field = s_header_field (name);
        if (field == -2 && *name) {
            char shown [SR_SHOWN_MAX];
            sr_cut (name, cell->len, shown, sizeof shown);
            s_refuse (
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
            s_refuse (
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
            s_refuse (
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
s_sheet_record (s_xlsx_t *self)
{
    sr_cell_t cells [SR_FIELD_COUNT] = { { false } };
    char numbers [SR_FIELD_COUNT][32];
    sr_fault_t fault;
    for (size_t i = 0; i < self->row_cell_count; i++) {
        const s_cell_t *cell = &self->row_cells [i];
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
s_sheet_row_end (s_xlsx_t *self)
{
    bool empty = true;
    for (size_t i = 0; i < self->row_cell_count; i++)
        if (self->row_cells [i].len)
            empty = false;
    if (!empty && !self->reader->stopped) {
        if (self->have_header)
            s_sheet_record (self);
        else if (self->row <= S_HEADER_ROWS) {
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

static void
s_sheet_start (s_xlsx_t *self, const char *name, const char **attrs)
{
    if (strcmp (name, "row") == 0) {
        const char *r = s_attr (attrs, "r");
        int row = r ? s_whole (r) : self->last_row + 1;
        if (row <= self->last_row || row > S_ROWS_MAX) {
            s_refuse (
                self,
                "工作表“%s”的行号%d无效或超过%d行 / sheet '%s' has a bad row number %d, or more than %d rows",
                self->sheet, row, S_ROWS_MAX, self->sheet, row, S_ROWS_MAX);
            return;
        }
        self->row = self->last_row = row;
        self->next_column = 0;
        self->row_cell_count = 0;
        wdm_buf_reset (&self->row_text);
    } else if (strcmp (name, "c") == 0) {
        if (++self->cells > S_CELLS_MAX) {
            s_refuse (self, "工作簿超过%d个单元格 / the workbook has more than %d cells", S_CELLS_MAX,
                      S_CELLS_MAX);
            return;
        }
        const char *r = s_attr (attrs, "r"), *t = s_attr (attrs, "t"), *s = s_attr (attrs, "s");
        int column = self->next_column, row = self->row;
        if (r && s_cell_ref (r, &column, &row)) {
            s_refuse (self,
                      "工作表“%s”有无效的单元格引用“%.16s” / sheet '%s' has a bad cell reference '%.16s'",
                      self->sheet, r, self->sheet, r);
            return;
        }
        self->next_column = column + 1;
        int style = s ? s_whole (s) : 0;
        self->cell = (s_cell_t) { .column = column };
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
s_sheet_cell_end (s_xlsx_t *self)
{
    s_cell_t *cell = &self->cell;
    const char *type = self->cell_type;
    const char *value = self->text.data ? self->text.data : "";
    const char *text = value;
    char number_text [32];
    if (!self->cell_has_value || cell->column >= S_ROW_CELLS)
        return;
    if (strcmp (type, "s") == 0) {
        char *end;
        unsigned long index = strtoul (value, &end, 10);
        if (end == value || *end || index >= self->string_count) {
            s_refuse (
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
            s_refuse (self, "工作表“%s”有无效的数字“%.32s” / sheet '%s' has a bad number '%.32s'",
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
        s_refuse (self, "内存不足 / out of memory");
        return;
    }
    if (self->row_cell_count < S_ROW_CELLS)
        self->row_cells [self->row_cell_count++] = *cell;
}

static void
s_sheet_end (s_xlsx_t *self, const char *name)
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

//  ---------------------------------------------------------------------
//  Parts through expat

static void XMLCALL
s_on_start (void *arg, const XML_Char *qname, const XML_Char **attrs)
{
    s_xlsx_t *self = (s_xlsx_t *)arg;
    if (self->refused)
        return;
    const char *name = s_local (qname);
    switch (self->kind) {
        case S_RELS: s_rels_start (self, name, attrs); break;
        case S_WORKBOOK: s_workbook_start (self, name, attrs); break;
        case S_STRINGS: s_strings_start (self, name); break;
        case S_STYLES: s_styles_start (self, name, attrs); break;
        case S_SHEET: s_sheet_start (self, name, attrs); break;
    }
}

static void XMLCALL
s_on_end (void *arg, const XML_Char *qname)
{
    s_xlsx_t *self = (s_xlsx_t *)arg;
    if (self->refused)
        return;
    const char *name = s_local (qname);
    if (self->kind == S_STRINGS)
        s_strings_end (self, name);
    else if (self->kind == S_SHEET)
        s_sheet_end (self, name);
    else if (self->kind == S_STYLES && strcmp (name, "cellXfs") == 0)
        self->in_cellxfs = false;
}

//  Read the part named entry as kind.  0; 1 if there is no such part
//  and it is optional; -1 refused (why said).
static int
s_part (s_xlsx_t *self, const char *entry, s_part_kind_t kind, bool optional)
{
    int rc = -1;
    zip_file_t *file = NULL;
    char *chunk = NULL;
    self->part = entry;
    self->kind = kind;
    self->in_si = self->in_rph = self->gathering = false;
    zip_int64_t index = zip_name_locate (self->zip, entry, 0);
    if (index < 0)
        index = zip_name_locate (self->zip, entry, ZIP_FL_NOCASE);
    if (index < 0) {
        if (optional)
            return 1;
        s_refuse (self, "不是Excel工作簿：缺少部件%s / not an Excel workbook: the part %s is missing", entry,
                  entry);
        return -1;
    }
    //  The sizes the directory gives, checked before a byte is inflated.
    zip_stat_t st;
    zip_stat_init (&st);
    if (zip_stat_index (self->zip, (zip_uint64_t)index, 0, &st) || !(st.valid & ZIP_STAT_SIZE)) {
        s_refuse (self, "无法读取部件%s的大小 / cannot read the size of the part %s", entry, entry);
        return -1;
    }
    zip_uint64_t cap = kind == S_STRINGS ? S_STRINGS_MAX : S_PART_MAX;
    if (st.size > cap) {
        s_refuse (
            self,
            "部件%s解压后有%llu字节，超过上限%llu字节（可能是压缩炸弹），拒绝读取 / the part %s is %llu bytes "
            "uncompressed, over the limit of %llu (a zip bomb?): refused",
            entry, (unsigned long long)st.size, (unsigned long long)cap, entry, (unsigned long long)st.size,
            (unsigned long long)cap);
        return -1;
    }
    if ((st.valid & ZIP_STAT_COMP_SIZE) && st.size > ((zip_uint64_t)1 << 20)
        && st.size / (st.comp_size ? st.comp_size : 1) > S_RATIO_MAX) {
        s_refuse (
            self,
            "部件%s的压缩比超过%d:1（可能是压缩炸弹），拒绝读取 / the part %s inflates more than %d times "
            "(a zip bomb?): refused",
            entry, S_RATIO_MAX, entry, S_RATIO_MAX);
        return -1;
    }
    file = zip_fopen_index (self->zip, (zip_uint64_t)index, 0);
    chunk = malloc (S_CHUNK);
    self->parser = XML_ParserCreateNS (NULL, ' ');
    if (!file || !chunk || !self->parser) {
        s_refuse (self, "无法打开部件%s：%s / cannot open the part %s: %s", entry, zip_strerror (self->zip),
                  entry, zip_strerror (self->zip));
        goto cleanup;
    }
    XML_SetUserData (self->parser, self);
    XML_SetElementHandler (self->parser, s_on_start, s_on_end);
    XML_SetCharacterDataHandler (self->parser, s_on_text);
    XML_SetStartDoctypeDeclHandler (self->parser, s_on_doctype);
    XML_SetParamEntityParsing (self->parser, XML_PARAM_ENTITY_PARSING_NEVER);
    zip_uint64_t total = 0;
    for (;;) {
        zip_int64_t got = zip_fread (file, chunk, S_CHUNK);
        if (got < 0) {
            s_refuse (self, "部件%s已损坏：%s / the part %s is damaged: %s", entry, zip_file_strerror (file),
                      entry, zip_file_strerror (file));
            goto cleanup;
        }
        total += (zip_uint64_t)got;
        if (total > cap) {  //  the directory lied
            s_refuse (
                self,
                "部件%s解压后超过上限%llu字节，拒绝读取 / the part %s inflates past the limit of %llu bytes: refused",
                entry, (unsigned long long)cap, entry, (unsigned long long)cap);
            goto cleanup;
        }
        if (XML_Parse (self->parser, chunk, (int)got, got == 0) != XML_STATUS_OK) {
            if (!self->refused)
                s_refuse (
                    self,
                    "部件%s的XML有误（第%lu行）：%s / the part %s is not well-formed XML (line %lu): %s",
                    entry, (unsigned long)XML_GetCurrentLineNumber (self->parser),
                    XML_ErrorString (XML_GetErrorCode (self->parser)), entry,
                    (unsigned long)XML_GetCurrentLineNumber (self->parser),
                    XML_ErrorString (XML_GetErrorCode (self->parser)));
            goto cleanup;
        }
        if (self->refused || self->reader->stopped)
            goto cleanup;
        if (got == 0)
            break;
    }
    rc = 0;
cleanup:
    if (self->parser)
        XML_ParserFree (self->parser);
    self->parser = NULL;
    if (file)
        zip_fclose (file);
    free (chunk);
    self->gathering = false;
    return self->refused || self->reader->stopped ? -1 : rc;
}

//  Read the relationships of the part named source ("" for the package).
static int
s_rels (s_xlsx_t *self, const char *source)
{
    char entry [S_NAME_MAX + 16];
    const char *slash = strrchr (source, '/');
    size_t dir = slash ? (size_t)(slash - source) : 0;
    snprintf (entry, sizeof entry, "%.*s%s_rels/%s.rels", (int)dir, source, dir ? "/" : "",
              slash ? slash + 1 : source);
    snprintf (self->rels_base, sizeof self->rels_base, "%.*s", (int)dir, source);
    self->rel_count = 0;
    return s_part (self, entry, S_RELS, false);
}

//  Every entry's name is checked before anything is read.
static int
s_check_entries (s_xlsx_t *self)
{
    zip_int64_t count = zip_get_num_entries (self->zip, 0);
    if (count > S_ENTRIES_MAX) {
        s_refuse (self, "压缩包条目超过%d个 / the archive has more than %d entries", S_ENTRIES_MAX,
                  S_ENTRIES_MAX);
        return -1;
    }
    for (zip_int64_t i = 0; i < count; i++) {
        const char *name = zip_get_name (self->zip, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        if (!name || !s_safe_name (name)) {
            char shown [SR_SHOWN_MAX];
            sr_cut (name ? name : "?", name ? strlen (name) : 1, shown, sizeof shown);
            s_refuse (
                self,
                "压缩包含有不安全的条目名“%s”（路径穿越），拒绝读取 / the archive has an unsafe entry name '%s' "
                "(path traversal): refused",
                shown, shown);
            return -1;
        }
    }
    return 0;
}

//  Read each sheet of the workbook.
static void
s_read (s_xlsx_t *self)
{
    if (s_check_entries (self) || s_rels (self, ""))
        return;
    const char *found = s_rel_find (self, "officeDocument", NULL);
    if (!found) {
        s_refuse (self,
                  "不是Excel工作簿：没有主文档关系 / not an Excel workbook: no officeDocument relationship");
        return;
    }
    char workbook [S_NAME_MAX];
    snprintf (workbook, sizeof workbook, "%s", found);
    if (s_rels (self, workbook))
        return;
    char strings [S_NAME_MAX] = "", styles [S_NAME_MAX] = "";
    if ((found = s_rel_find (self, "sharedStrings", NULL)))
        snprintf (strings, sizeof strings, "%s", found);
    if ((found = s_rel_find (self, "styles", NULL)))
        snprintf (styles, sizeof styles, "%s", found);
    if (s_part (self, workbook, S_WORKBOOK, false) < 0)
        return;
    if (*strings && s_part (self, strings, S_STRINGS, true) < 0)
        return;
    if (*styles && s_part (self, styles, S_STYLES, true) < 0)
        return;
    for (size_t i = 0; i < self->sheet_count; i++) {
        const char *target = s_rel_find (self, NULL, self->sheets [i].rid);
        if (!target)
            continue;
        char part [S_NAME_MAX];
        snprintf (part, sizeof part, "%s", target);
        self->sheet = self->sheets [i].name;
        self->have_header = false;
        self->is_form = false;
        self->row = self->last_row = 0;
        memset (self->header_letters, 0, sizeof self->header_letters);
        if (s_part (self, part, S_SHEET, false) < 0)
            return;
    }
    if (!self->any_header)
        s_refuse (
            self,
            "没有表头行：没有哪个工作表的前%d行列出列名，如指标代码、地区代码、年份、数值 / no header row: no sheet "
            "names the columns (e.g. indicator, area, year, value) in its first %d rows",
            S_HEADER_ROWS, S_HEADER_ROWS);
}

void
sr_xlsx_parse (sr_reader_t *reader, const char *data, size_t size)
{
    s_xlsx_t self = { .reader = reader };
    zip_error_t error;
    zip_error_init (&error);
    zip_source_t *source = zip_source_buffer_create (data, size, 0, &error);
    if (source)
        self.zip = zip_open_from_source (source, ZIP_RDONLY, &error);
    if (!self.zip) {
        s_refuse (&self, "不是有效的.xlsx文件（%s） / not a valid .xlsx file (%s)",
                  zip_error_strerror (&error), zip_error_strerror (&error));
        if (source)
            zip_source_free (source);
    } else
        s_read (&self);
    if (self.zip)
        zip_discard (self.zip);  //  frees the source
    zip_error_fini (&error);
    free (self.rels);
    free (self.string_at);
    free (self.date_style);
    wdm_buf_free (&self.strings);
    wdm_buf_free (&self.text);
    wdm_buf_free (&self.row_text);
}
