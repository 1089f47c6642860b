/*  wdm_source_int.h: INTERNAL to client/ — not part of wdm_source.h, and
    no file outside this folder includes it.  The modules that together
    read a file into records share the parse in progress (sr_reader_t),
    one line's cells and fault, the table of fields, and the helpers
    declared below.  Their names start sr_ (source, private) so that a
    call says where it comes from: sr_ from here, s_ from the file at
    hand, wdm_ from a public header.

    The modules, in the order a file is read:
        wdm_source.c           the public functions, and the helpers every format shares
        wdm_source_encoding.c  UTF-8 or GB18030, made UTF-8
        wdm_source_csv.c       CSV rows, by libcsv, a physical line at a time
        wdm_source_jsonl.c     JSON Lines, one object a line
        wdm_source_xlsx.c      Excel workbooks, by libzip and expat (wdm_source_xlsx_int.h)
        wdm_source_xlsx_sheet.c  ... and their sheets' rows, a row at a time
        wdm_source_fields.c    one line's cells made into a record  */

#ifndef WDM_SOURCE_INT_H_INCLUDED
#define WDM_SOURCE_INT_H_INCLUDED

#include "wdm_source.h"

#include <stdbool.h>
#include <stddef.h>

#define SR_MESSAGE_MAX 512  //  longest bad-line message, + 1
#define SR_SHOWN_MAX   64   //  longest cell or key quoted in a message, + 1

typedef enum {
    SR_INDICATOR,
    SR_AREA,
    SR_BODY,
    SR_YEAR,
    SR_QUARTER,
    SR_MONTH,
    SR_SEX,
    SR_VALUE,
    SR_NUMERATOR,
    SR_DENOMINATOR,
    SR_STATUS,
    SR_NOTE,
    SR_FIELD_COUNT
} sr_field_t;

typedef enum {
    SR_TEXT,   //  a CSV cell or a JSON string
    SR_WHOLE,  //  a whole number in CSV text or JSON
    SR_NUMBER  //  a decimal in CSV text, any JSON number
} sr_kind_t;

//  The fields in the order they are checked, which is wdm_record_t's: the
//  first fault found on a line is the one reported (wdm_source_fields.c).
typedef struct {
    const char *name;  //  CSV column, JSON key, and field reported
    const char *zh;    //  Chinese CSV column, and name in messages
    sr_kind_t kind;
    bool required;
    int min, max;  //  range of a whole number
} sr_field_info_t;
extern const sr_field_info_t sr_fields [SR_FIELD_COUNT];

//  One field's input on one line: the text of a CSV cell or JSON string,
//  or a JSON number.
typedef struct {
    bool present;      //  neither empty nor null
    const char *text;  //  NUL-terminated; NULL for a JSON number
    size_t len;
    double number;
} sr_cell_t;

//  What is wrong with a line.
typedef struct {
    const char *field;  //  "" when the whole line is at fault
    char message [SR_MESSAGE_MAX];
    char key [SR_SHOWN_MAX];  //  the field, when it is an unknown JSON key
} sr_fault_t;

//  One parse: where records and faults go, and how it went.
typedef struct {
    const wdm_catalog_t *catalog;
    wdm_source_record_fn *on_record;
    wdm_source_error_fn *on_error;
    void *arg;
    wdm_source_stats_t *stats;
    char *why;
    size_t why_size;
    bool stopped;  //  on_record said stop, or the input is unreadable
} sr_reader_t;

//  --- wdm_source.c: the helpers every format shares ---

//  The input cannot be read, or the caller stopped it: say why, and read
//  no further.
void sr_why (sr_reader_t *self, const char *format, ...) __attribute__ ((format (printf, 2, 3)));

//  Say what is wrong with a line, and in which field ("" for the line).
void sr_fault (sr_fault_t *self, const char *field, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

//  Text to show a person: len bytes of UTF-8 in a buffer of size bytes,
//  on one line, cut at a character boundary with "..." if too long.
void sr_cut (const char *text, size_t len, char *buffer, size_t size);

//  Equal, ignoring the case of ASCII letters only.
bool sr_same_word (const char *a, const char *b);

//  Offset just past the line starting at pos, its break included (LF,
//  CRLF, or a CR alone).
size_t sr_line_end (const char *data, size_t size, size_t pos);

//  The 1-based line holding the byte at offset.
int sr_line_at (const char *data, size_t size, size_t offset);

//  Length of a line without its break.
size_t sr_unbroken (const char *text, size_t len);

//  Nothing but spaces, tabs and line breaks: what libcsv skips as no row.
bool sr_blank (const char *text, size_t len);

//  Report a bad line.
void sr_report (sr_reader_t *self, int line, const sr_fault_t *fault, const char *text, size_t len);

//  Check a record built from a line against the catalog, if there is
//  one, and hand it on; or report the line.
void sr_deliver (sr_reader_t *self, int line, const wdm_record_t *record, const char *text, size_t len);

//  --- wdm_source_fields.c ---

//  Build a record from one line's cells, field by field in sr_fields'
//  order.  0, or -1 with the first fault found.
int sr_build (const sr_cell_t *cells, wdm_record_t *record, sr_fault_t *fault);

//  --- wdm_source_encoding.c ---

//  Find the input's encoding and make it UTF-8: *text is data past a
//  byte-order mark, or a converted copy in *copy for the caller to free.
//  0, or -1 with the reader stopped and why said.
int sr_decode (sr_reader_t *self, const char *data, size_t size, wdm_source_format_t format,
               const char **text, size_t *text_size, char **copy);

//  --- wdm_source_csv.c and wdm_source_jsonl.c ---

//  Read a CSV document (UTF-8) into records, faults and stats.
void sr_csv_parse (sr_reader_t *reader, const char *data, size_t size);

//  Read a JSON Lines document (UTF-8) into records, faults and stats.
void sr_jsonl_parse (sr_reader_t *reader, const char *data, size_t size);

//  --- wdm_source_xlsx.c ---

//  Read an Excel workbook (the .xlsx file's bytes) into records, faults
//  and stats; a hostile or broken one stops the reader, saying why.
void sr_xlsx_parse (sr_reader_t *reader, const char *data, size_t size);

#endif
