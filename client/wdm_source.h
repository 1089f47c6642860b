/*  wdm_source: the collector's input sources — the files a member unit's
    own systems export (CSV from Excel or a database, JSON Lines from a
    script) — read into validated records.

    The collector calls it for each file it picks up.  Each good record
    goes to one callback (which puts it in the outbox); each bad line goes
    to another with its line number, the field at fault and a message in
    Chinese and English, so that the unit can correct its export.  Nothing
    is kept between calls: no state, no globals, no printing.  */

#ifndef WDM_SOURCE_H_INCLUDED
#define WDM_SOURCE_H_INCLUDED

#include <stddef.h>

#include "wdm_catalog.h"
#include "wdm_record.h"

//  Largest file wdm_source_parse_file reads: 256 MiB, whole, in memory.
#define WDM_SOURCE_FILE_MAX ((size_t)256 * 1024 * 1024)

//  Longest line text handed to a wdm_source_error_fn, + 1.
#define WDM_SOURCE_TEXT_MAX 256

typedef enum { WDM_SOURCE_CSV, WDM_SOURCE_JSONL, WDM_SOURCE_XLSX } wdm_source_format_t;

//  The format a file name's ending implies, ignoring case: ".csv" is CSV;
//  ".jsonl", ".ndjson" and ".json" are JSON Lines; ".xlsx" an Excel
//  workbook.  0, or -1 for any other name.
int wdm_source_format_from_name (const char *name, wdm_source_format_t *format);

//  Called for each good record, with the 1-based line on which it starts.
//  The record is the callee's to copy; it is gone after the call.  Return
//  0 to go on, or -1 to stop reading (e.g. the outbox is full).
typedef int (wdm_source_record_fn) (void *arg, const wdm_record_t *record, int line);

//  Called once for each bad line, for the first fault found in it: the
//  line's 1-based number; the field at fault — a record field such as
//  "value", the unknown JSON key itself, or "" when the whole line is at
//  fault; a message in Chinese then English that names that field; and
//  the line's text as UTF-8 — on one line, tabs and line breaks shown as
//  spaces, cut at a character to fewer than WDM_SOURCE_TEXT_MAX bytes
//  (ending "..." when cut).  The strings are gone after the call.
typedef void (wdm_source_error_fn) (void *arg, int line, const char *field, const char *message,
                                    const char *text);

typedef struct {
    int records;           //  records on_record took (returned 0)
    int errors;            //  bad lines reported to on_error
    const char *encoding;  //  "UTF-8", "UTF-8 BOM", "GB18030"; "" if not known
} wdm_source_stats_t;

//  Parse size bytes holding a whole CSV or JSON Lines document, calling
//  on_record for each good record and on_error (may be NULL) for each bad
//  line.  Records have epoch and seq 0: the outbox assigns them.  A record
//  is validated with wdm_record_validate when catalog is not NULL; without
//  one only what needs no catalog is checked (required fields present,
//  numbers, lengths, UTF-8, sex, status, quarter 1-4, month 1-12, year
//  1000-9999).  Returns 0 when the input was read to the end — bad lines,
//  reported and counted, do not make it fail — or -1 if on_record asked
//  to stop or the input cannot be read at all; then *why (may be NULL)
//  explains, in Chinese and English.  *stats (may be NULL) is filled
//  either way.
//
//  Encoding: a UTF-8 byte-order mark is dropped.  CSV that is not valid
//  UTF-8 is converted from GB18030 (which includes GBK and GB2312, what
//  Excel writes on Chinese Windows); if that fails too, or a UTF-8 mark
//  was present, it is -1.  JSON Lines must be UTF-8.  UTF-16 is refused.
//
//  CSV: the first line that is not empty is a header naming the columns,
//  in any order, in English (any case) or Chinese: indicator 指标代码,
//  area 地区代码, year 年份, quarter 季度, month 月份, body 机构, sex 性别,
//  value 数值, numerator 分子, denominator 分母, status 状态, note 备注.
//  indicator, area, year and value are required.  A missing required
//  column, an unknown, unnamed or repeated column, or no header at all is
//  -1 for the whole file, with *why naming the column.  Empty lines and
//  lines of empty cells are skipped; lines may end in LF or CRLF; a quoted
//  cell may hold commas, quotes ("") and line breaks, and its record's line
//  is where it starts.  A line with a different number of cells than the
//  header, a misplaced or unclosed quote, or over 64 KiB, is a bad line.
//
//  Cells and JSON values: empty (or JSON null) means absent — no
//  numerator, sex 'T' (total), status provisional, a yearly period.  Sex
//  is T, F, M or 合计, 女, 男; status provisional, final, estimated or
//  初步, 最终, 估计 (English in any case).  Numbers in CSV are plain
//  decimals with an optional sign and point, up to 15 significant digits:
//  no thousands separators, exponents, percent signs or spaces inside.
//  year, quarter and month are whole numbers.  Giving both quarter and
//  month is a bad line (field "period").  A text longer than its record
//  field (63 bytes for codes, 1023 for a note) is a bad line, never cut.
//
//  XLSX (wdm_source_xlsx.c): an Excel workbook, read through its
//  relationships (Excel's and WPS Office's part names alike), shared or
//  inline strings.  In each sheet the first row (of the first 50) naming
//  a column is the header, with the CSV's column names; rows above it
//  (titles, merged or not) are passed over, a sheet without one (an
//  instructions sheet) is skipped, and columns whose header starts
//  "（参考）" are for people only and not read; in a sheet with such
//  columns (a form from `wdmon template`) a row whose value, numerator,
//  denominator and note are all empty was not filled, and is passed over.  A row's "line" is its
//  row number; a bad row's message starts with the sheet, row and column
//  (工作表“X”第7行G列 / sheet 'X' row 7 column G), and its text lists the
//  cells (A7=..., B7=...).  Numbers are numbers, or text as in CSV; a
//  code typed as a number is its digits; a date in the year column is its
//  year, in a note its YYYY-MM-DD.  A hostile or broken workbook is -1
//  with *why: an entry name climbing out of the archive, a part over its
//  size cap (64 MiB; 16 MiB for the shared strings) or inflating more
//  than 200 times, a DOCTYPE (entity expansion), over 1,000,000 rows or
//  4,000,000 cells, a text over 32767 characters; so is a workbook no
//  sheet of which has a header, or a header with an unknown column.
//
//  JSON Lines: each line not empty is one JSON object with the English
//  column names as keys (case matters); numbers as JSON numbers (year,
//  quarter and month whole), the others as strings.  An unknown or
//  repeated key, a value of the wrong JSON type, or a line that is not a
//  JSON object is a bad line.  A file that is one JSON document instead —
//  an array of objects, or an object over several lines — is -1.
int wdm_source_parse (const char *data, size_t size, wdm_source_format_t format, const wdm_catalog_t *catalog,
                      wdm_source_record_fn *on_record, wdm_source_error_fn *on_error, void *arg,
                      wdm_source_stats_t *stats, char *why, size_t why_size);

//  Read the file at path and parse it as wdm_source_parse does, the format
//  from its name.  -1 with *why naming the path or the problem if the name
//  has no known ending, the file cannot be read, or it is larger than
//  WDM_SOURCE_FILE_MAX (*why gives its size).
int wdm_source_parse_file (const char *path, const wdm_catalog_t *catalog, wdm_source_record_fn *on_record,
                           wdm_source_error_fn *on_error, void *arg, wdm_source_stats_t *stats, char *why,
                           size_t why_size);

#endif
