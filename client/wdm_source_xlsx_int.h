/*  wdm_source_xlsx_int.h: INTERNAL to the .xlsx reader — the two files
    that read a workbook share the workbook being read (sx_book_t), its
    caps, and the few helpers declared below.  Names start sx_.

        wdm_source_xlsx.c        the container (libzip), the XML parts
                                 (expat), relationships, the workbook's
                                 sheets, shared strings, styles
        wdm_source_xlsx_sheet.c  a sheet's rows: the header found, cells
                                 made fields, records and bad rows  */

#ifndef WDM_SOURCE_XLSX_INT_H_INCLUDED
#define WDM_SOURCE_XLSX_INT_H_INCLUDED

#include "wdm_buf.h"
#include "wdm_source_int.h"

#include <expat.h>
#include <stdbool.h>
#include <stddef.h>
#include <zip.h>

#define SX_ENTRIES_MAX 10000                     //  entries in the archive
#define SX_PART_MAX    ((zip_uint64_t)64 << 20)  //  an XML part, inflated
#define SX_STRINGS_MAX ((zip_uint64_t)16 << 20)  //  the shared strings part, inflated
#define SX_RATIO_MAX   200                       //  inflated / compressed, for parts over 1 MiB
#define SX_TEXT_MAX    32767                     //  characters in a cell, Excel's own limit
#define SX_ROWS_MAX    1000000                   //  rows in a sheet (Excel's 1,048,576)
#define SX_COLUMNS_MAX 16384                     //  columns (XFD)
#define SX_CELLS_MAX   (4 * 1000 * 1000)         //  cells in the workbook
#define SX_ROW_CELLS   64                        //  cells of a row kept; the rest are past any column
#define SX_SHEETS_MAX  64
#define SX_HEADER_ROWS 50  //  rows searched for a header
#define SX_CHUNK       (64 * 1024)
#define SX_NAME_MAX    512

//  The kinds of part the reader parses; each has its own handlers.
typedef enum { SX_RELS, SX_WORKBOOK, SX_STRINGS, SX_STYLES, SX_SHEET } sx_part_kind_t;

//  A relationship: its id, type's last word, and target resolved to an
//  entry name.
typedef struct {
    char id [64];
    char type [64];
    char target [SX_NAME_MAX];
} sx_rel_t;

typedef struct {
    char name [128];  //  the sheet's name as the user sees it
    char rid [64];
} sx_sheet_ref_t;

//  One cell of the row in progress.
typedef struct {
    int column;      //  0-based
    bool is_number;  //  a number (not text): value in number
    bool is_error;   //  an Excel error (#DIV/0!): its text in text
    bool is_date;    //  a number in a date format
    double number;
    size_t offset, len;  //  its text in the row buffer
} sx_cell_t;

struct sx_book {
    sr_reader_t *reader;
    zip_t *zip;
    const char *part;  //  the part being read, for messages
    sx_part_kind_t kind;
    XML_Parser parser;
    bool refused;  //  the workbook was refused; why is said
    long cells;    //  cells read in the workbook

    //  relationships of the part read last
    sx_rel_t *rels;
    size_t rel_count, rels_size;
    char rels_base [SX_NAME_MAX];  //  folder targets are relative to

    //  the workbook's sheets
    sx_sheet_ref_t sheets [SX_SHEETS_MAX];
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

    //  the text being gathered (a <t>, a <v>), capped at SX_TEXT_MAX chars
    wdm_buf_t text;
    size_t text_chars;  //  characters in text
    bool gathering;

    //  the sheet being read
    const char *sheet;  //  its name
    int row;            //  1-based row in progress
    int last_row;
    int next_column;  //  for cells without r=
    sx_cell_t cell;   //  cell in progress
    char cell_type [16];
    bool cell_has_value;
    sx_cell_t row_cells [SX_ROW_CELLS];
    size_t row_cell_count;
    wdm_buf_t row_text;  //  the cells' texts, NUL-terminated each
    bool have_header;
    bool is_form;                //  the header has （参考） columns: a form from wdmon template
    int columns [SX_ROW_CELLS];  //  field of each column; -1 none
    int column_count;
    char header_letters [SR_FIELD_COUNT][8];  //  column letters of each field, for messages
    bool any_header;                          //  some sheet had a header
};

typedef struct sx_book sx_book_t;

//  --- wdm_source_xlsx.c ---

//  The workbook cannot be read: say why once (Chinese, then English), and
//  stop the XML parse in progress.
void sx_refuse (sx_book_t *self, const char *format, ...) __attribute__ ((format (printf, 2, 3)));

//  An attribute's value by its local name, or NULL.
const char *sx_attr (const char **attrs, const char *name);

//  A whole number in an attribute, 0 to INT_MAX; -1 for anything else.
int sx_whole (const char *text);

//  --- wdm_source_xlsx_sheet.c ---

//  A sheet part's element starts (its local name): a row, a cell, a value.
void sx_sheet_start (sx_book_t *self, const char *name, const char **attrs);

//  A sheet part's element ends: a value, a cell, a row (made a record or
//  reported).
void sx_sheet_end (sx_book_t *self, const char *name);

#endif
