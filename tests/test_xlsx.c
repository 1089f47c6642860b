/*  test_xlsx: Excel workbooks read into records (wdm_source_xlsx.c) —
    Excel's shape (shared strings, styles, dates), WPS Office's (inline
    strings, no shared strings part, other part names reached through the
    relationships), title rows above the header, empty rows, numbers
    stored as text, codes typed as numbers; every bad row named by sheet,
    row and column while the good rows come through.  And hostile files —
    a zip bomb, entity expansion, a 100 MB shared-strings part, a
    path-traversal entry name — each refused saying why, in a child
    process whose peak memory and time are measured (and, without ASan,
    whose address space is capped).

    The workbooks are written here with libzip, part by part, so that each
    shape is exactly what the test says.  */

#include "wdm_source.h"
#include "wdm_test.h"
#include "wdm_test_catalog.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#define S_KEEP 32

#if defined(__SANITIZE_ADDRESS__)
#define S_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define S_ASAN 1
#endif
#endif

typedef struct {
    int line;
    char field [64];
    char message [512];
    char text [WDM_SOURCE_TEXT_MAX];
} s_bad_t;

typedef struct {
    wdm_record_t records [S_KEEP];
    int lines [S_KEEP];
    int record_count;
    s_bad_t bad [S_KEEP];
    int bad_count;
} s_sink_t;

static wdm_catalog_t *s_catalog = NULL;
static char s_dir [64];

static int
s_on_record (void *arg, const wdm_record_t *record, int line)
{
    s_sink_t *self = (s_sink_t *)arg;
    if (self->record_count < S_KEEP) {
        self->records [self->record_count] = *record;
        self->lines [self->record_count] = line;
    }
    self->record_count++;
    return 0;
}

static void
s_on_error (void *arg, int line, const char *field, const char *message, const char *text)
{
    s_sink_t *self = (s_sink_t *)arg;
    if (self->bad_count < S_KEEP) {
        s_bad_t *bad = &self->bad [self->bad_count];
        bad->line = line;
        snprintf (bad->field, sizeof bad->field, "%s", field);
        snprintf (bad->message, sizeof bad->message, "%s", message);
        snprintf (bad->text, sizeof bad->text, "%s", text);
    }
    self->bad_count++;
}

//  ---------------------------------------------------------------------
//  Writing workbooks

typedef struct {
    const char *name;
    const char *text;  //  NULL: a stream of zeros-like XML, size bytes
    zip_uint64_t size;
} s_entry_t;

//  A part made on the fly: "<sst>" then size bytes of the same shared
//  string over and over, so that a huge part costs no memory to write.
typedef struct {
    zip_uint64_t size, done;
} s_stream_t;

static zip_int64_t
s_stream (void *arg, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
    s_stream_t *self = (s_stream_t *)arg;
    static const char unit [] = "<si><t>a</t></si>";  //  17 bytes
    switch (cmd) {
        case ZIP_SOURCE_OPEN: self->done = 0; return 0;
        case ZIP_SOURCE_READ: {
            zip_uint64_t n = self->size - self->done < len ? self->size - self->done : len;
            for (zip_uint64_t i = 0; i < n; i++)
                ((char *)data) [i] = unit [(self->done + i) % (sizeof unit - 1)];
            self->done += n;
            return (zip_int64_t)n;
        }
        case ZIP_SOURCE_CLOSE: return 0;
        case ZIP_SOURCE_STAT: {
            zip_stat_t *st = (zip_stat_t *)data;
            zip_stat_init (st);
            st->size = self->size;
            st->valid |= ZIP_STAT_SIZE;
            return sizeof *st;
        }
        case ZIP_SOURCE_ERROR: return 2 * sizeof (int);
        case ZIP_SOURCE_FREE: free (self); return 0;
        case ZIP_SOURCE_SUPPORTS:
            return zip_source_make_command_bitmap (ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                                   ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
        default: return -1;
    }
}

//  Write the entries as a zip archive at path, deflated.
static void
s_write (const char *path, const s_entry_t *entries, size_t count)
{
    int error = 0;
    zip_t *zip = zip_open (path, ZIP_CREATE | ZIP_TRUNCATE, &error);
    CU_ASSERT_PTR_NOT_NULL_FATAL (zip);
    for (size_t i = 0; i < count; i++) {
        zip_source_t *source;
        if (entries [i].text)
            source = zip_source_buffer (zip, entries [i].text, strlen (entries [i].text), 0);
        else {
            s_stream_t *stream = calloc (1, sizeof *stream);
            CU_ASSERT_PTR_NOT_NULL_FATAL (stream);
            stream->size = entries [i].size;
            source = zip_source_function (zip, s_stream, stream);
        }
        CU_ASSERT_PTR_NOT_NULL_FATAL (source);
        zip_int64_t index = zip_file_add (zip, entries [i].name, source, ZIP_FL_ENC_UTF_8);
        CU_ASSERT_FATAL (index >= 0);
        zip_set_file_compression (zip, (zip_uint64_t)index, ZIP_CM_DEFLATE, 1);
    }
    CU_ASSERT_EQUAL_FATAL (zip_close (zip), 0);
}

#define S_RELS                                                                                               \
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"                                          \
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"                 \
    "<Relationship Id=\"rId1\" "                                                                             \
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "           \
    "Target=\"xl/workbook.xml\"/></Relationships>"

#define S_CONTENT_TYPES                                                                                      \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types "                                                      \
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"

#define S_WORKBOOK(sheets)                                                                                   \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                                             \
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "                         \
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>" sheets        \
    "</sheets></workbook>"

#define S_REL(id, type, target)                                                                              \
    "<Relationship Id=\"" id                                                                                 \
    "\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/" type                    \
    "\" Target=\"" target "\"/>"

#define S_WB_RELS(rels)                                                                                      \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                                             \
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" rels            \
    "</Relationships>"

#define S_SHEET(rows)                                                                                        \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                                             \
    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>" rows        \
    "</sheetData></worksheet>"

static void
s_path (char *path, size_t size, const char *name)
{
    snprintf (path, size, "%s/%s", s_dir, name);
}

static int
s_read (const char *path, s_sink_t *sink, char *why, size_t why_size)
{
    memset (sink, 0, sizeof *sink);
    return wdm_source_parse_file (path, s_catalog, s_on_record, s_on_error, sink, NULL, why, why_size);
}

//  ---------------------------------------------------------------------
//  Excel's shape

//  Shared strings, a date style, a merged title row, an empty row, a
//  number stored as text, an area typed as a number, a date in the year
//  column; two bad rows explained by sheet, row and column.
static void
test_excel_shape (void)
{
    static const char strings [] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"9\" uniqueCount=\"9\">"
        "<si><t>武清区妇女发展规划监测数据</t></si>"     /* 0 title */
        "<si><t>指标代码</t></si>"                       /* 1 */
        "<si><t>地区代码</t></si>"                       /* 2 */
        "<si><t>年份</t></si>"                           /* 3 */
        "<si><t>数值</t></si>"                           /* 4 */
        "<si><r><t>备</t></r><r><t>注</t></r></si>"      /* 5 rich text */
        "<si><t>DM01</t></si>"                           /* 6 */
        "<si><t xml:space=\"preserve\"> 36.40 </t></si>" /* 7 number as text */
        "<si><t>（参考）上年数值</t></si>"               /* 8 */
        "</sst>";
    static const char styles [] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        "<numFmts count=\"4\"><numFmt numFmtId=\"176\" formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;\"/>"
        /* LibreOffice writes General as a custom format; neither it, an
           exponent nor a duration is a date */
        "<numFmt numFmtId=\"164\" formatCode=\"General\"/><numFmt numFmtId=\"177\" formatCode=\"0.00E+00\"/>"
        "<numFmt numFmtId=\"178\" formatCode=\"[h]:mm:ss\"/></numFmts>"
        "<cellXfs count=\"6\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"176\"/>"
        "<xf numFmtId=\"164\"/><xf numFmtId=\"177\"/><xf numFmtId=\"178\"/></cellXfs>"
        "</styleSheet>";
    static const char sheet [] = S_SHEET (
        "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"
        "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>1</v></c><c r=\"B3\" t=\"s\"><v>2</v></c>"
        "<c r=\"C3\" t=\"s\"><v>3</v></c><c r=\"D3\" t=\"s\"><v>8</v></c><c r=\"E3\" t=\"s\"><v>4</v></c>"
        "<c r=\"F3\" t=\"s\"><v>5</v></c></row>"
        /* row 4: good, value as text, reference column ignored */
        "<row r=\"4\"><c r=\"A4\" t=\"s\"><v>6</v></c><c r=\"B4\" s=\"5\"><v>120114</v></c>"
        "<c r=\"C4\" s=\"3\"><v>2023</v></c><c r=\"D4\"><v>35</v></c><c r=\"E4\" t=\"s\"><v>7</v></c></row>"
        /* row 5: empty cells only */
        "<row r=\"5\"><c r=\"A5\" s=\"0\"/><c r=\"B5\"/></row>"
        /* row 6: the year as a date (2024-03-01 is serial 45352), a date in the note */
        "<row r=\"6\"><c r=\"A6\" t=\"s\"><v>6</v></c><c r=\"B6\"><v>120114</v></c>"
        "<c r=\"C6\" s=\"2\"><v>45352</v></c><c r=\"E6\" s=\"4\"><v>0.36399999999999999</v></c>"
        "<c r=\"F6\" s=\"1\"><v>45352</v></c></row>"
        /* row 7: value out of range (DM01 is 0-100) */
        "<row r=\"7\"><c r=\"A7\" t=\"s\"><v>6</v></c><c r=\"B7\"><v>120114</v></c>"
        "<c r=\"C7\"><v>2024</v></c><c r=\"E7\"><v>136.4</v></c></row>"
        /* row 9: value not a number */
        "<row r=\"9\"><c r=\"A9\" t=\"s\"><v>6</v></c><c r=\"B9\"><v>120114</v></c>"
        "<c r=\"C9\"><v>2024</v></c><c r=\"E9\" t=\"str\"><v>约36</v></c></row>"
        /* row 10: an Excel error in the value */
        "<row r=\"10\"><c r=\"A10\" t=\"s\"><v>6</v></c><c r=\"B10\"><v>120114</v></c>"
        "<c r=\"C10\"><v>2024</v></c><c r=\"E10\" t=\"e\"><v>#DIV/0!</v></c></row>");
    const s_entry_t entries [] = {
        { "[Content_Types].xml", S_CONTENT_TYPES, 0 },
        { "_rels/.rels", S_RELS, 0 },
        { "xl/workbook.xml",
          S_WORKBOOK ("<sheet name=\"说明\" sheetId=\"1\" r:id=\"rId1\"/>"
                      "<sheet name=\"填报\" sheetId=\"2\" r:id=\"rId2\"/>"),
          0 },
        { "xl/_rels/workbook.xml.rels",
          S_WB_RELS (S_REL ("rId1", "worksheet", "worksheets/sheet1.xml")
                         S_REL ("rId2", "worksheet", "worksheets/sheet2.xml")
                             S_REL ("rId3", "sharedStrings", "sharedStrings.xml")
                                 S_REL ("rId4", "styles", "styles.xml")),
          0 },
        { "xl/sharedStrings.xml", strings, 0 },
        { "xl/styles.xml", styles, 0 },
        { "xl/worksheets/sheet1.xml", S_SHEET ("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"), 0 },
        { "xl/worksheets/sheet2.xml", sheet, 0 },
    };
    char path [128], why [512];
    s_path (path, sizeof path, "excel.xlsx");
    s_write (path, entries, sizeof entries / sizeof entries [0]);
    s_sink_t sink;
    CU_ASSERT_EQUAL (s_read (path, &sink, why, sizeof why), 0);
    CU_ASSERT_STRING_EQUAL (why, "");

    CU_ASSERT_EQUAL_FATAL (sink.record_count, 2);
    CU_ASSERT_EQUAL (sink.lines [0], 4);
    CU_ASSERT_STRING_EQUAL (sink.records [0].indicator, "DM01");
    CU_ASSERT_STRING_EQUAL (sink.records [0].area, "120114");
    CU_ASSERT_EQUAL (sink.records [0].year, 2023);
    CU_ASSERT_DOUBLE_EQUAL (sink.records [0].value, 36.4, 1e-12);
    CU_ASSERT_STRING_EQUAL (sink.records [0].note, "");
    CU_ASSERT_EQUAL (sink.lines [1], 6);
    CU_ASSERT_EQUAL (sink.records [1].year, 2024);
    CU_ASSERT_DOUBLE_EQUAL (sink.records [1].value, 0.364, 1e-12);
    CU_ASSERT_STRING_EQUAL (sink.records [1].note, "2024-03-01");

    CU_ASSERT_EQUAL_FATAL (sink.bad_count, 3);
    CU_ASSERT_EQUAL (sink.bad [0].line, 7);
    CU_ASSERT_STRING_EQUAL (sink.bad [0].field, "value");
    CU_ASSERT_PTR_NOT_NULL (
        strstr (sink.bad [0].message, "工作表“填报”第7行E列 / sheet '填报' row 7 column E: "));
    CU_ASSERT_PTR_NOT_NULL (strstr (sink.bad [0].text, "E7=136.4"));
    CU_ASSERT_EQUAL (sink.bad [1].line, 9);
    CU_ASSERT_PTR_NOT_NULL (strstr (sink.bad [1].message, "第9行E列"));
    CU_ASSERT_PTR_NOT_NULL (strstr (sink.bad [1].message, "数值不是数字 / value is not a number: '约36'"));
    CU_ASSERT_EQUAL (sink.bad [2].line, 10);
    CU_ASSERT_PTR_NOT_NULL (strstr (sink.bad [2].message, "#DIV/0!"));
}

//  WPS Office's shape as documented: no shared strings part, inline
//  strings, prefixed element names, absolute targets and other part names.
static void
test_wps_shape (void)
{
    static const char rels [] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"R9\" "
        "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
        "Target=\"/book/Workbook.xml\"/></Relationships>";
    static const char sheet [] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        "<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><x:sheetData>"
        "<x:row><x:c t=\"inlineStr\"><x:is><x:t>indicator</x:t></x:is></x:c>"
        "<x:c t=\"inlineStr\"><x:is><x:t>area</x:t></x:is></x:c>"
        "<x:c t=\"inlineStr\"><x:is><x:t>year</x:t></x:is></x:c>"
        "<x:c t=\"inlineStr\"><x:is><x:t>sex</x:t></x:is></x:c>"
        "<x:c t=\"inlineStr\"><x:is><x:t>value</x:t></x:is></x:c></x:row>"
        "<x:row><x:c t=\"inlineStr\"><x:is><x:t>FA01</x:t></x:is></x:c>"
        "<x:c t=\"inlineStr\"><x:is><x:t>wuqing</x:t></x:is></x:c><x:c><x:v>2023</x:v></x:c>"
        "<x:c t=\"inlineStr\"><x:is><x:t>女</x:t></x:is></x:c><x:c><x:v>154</x:v></x:c></x:row>"
        "<x:row><x:c t=\"inlineStr\"><x:is><x:t>FA01</x:t></x:is></x:c>"
        "<x:c t=\"inlineStr\"><x:is><x:t>wuqing</x:t></x:is></x:c><x:c><x:v>2023</x:v></x:c>"
        "<x:c t=\"inlineStr\"><x:is><x:t>X</x:t></x:is></x:c><x:c><x:v>98</x:v></x:c></x:row>"
        "</x:sheetData></x:worksheet>";
    const s_entry_t entries [] = {
        { "[Content_Types].xml", S_CONTENT_TYPES, 0 },
        { "_rels/.rels", rels, 0 },
        { "book/Workbook.xml", S_WORKBOOK ("<sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"R1\"/>"), 0 },
        { "book/_rels/Workbook.xml.rels", S_WB_RELS (S_REL ("R1", "worksheet", "/book/sheets/data1.xml")),
          0 },
        { "book/sheets/data1.xml", sheet, 0 },
    };
    char path [128], why [512];
    s_path (path, sizeof path, "wps.xlsx");
    s_write (path, entries, sizeof entries / sizeof entries [0]);
    s_sink_t sink;
    CU_ASSERT_EQUAL (s_read (path, &sink, why, sizeof why), 0);
    CU_ASSERT_STRING_EQUAL (why, "");
    CU_ASSERT_EQUAL_FATAL (sink.record_count, 1);
    CU_ASSERT_EQUAL (sink.lines [0], 2);
    CU_ASSERT_EQUAL (sink.records [0].sex, 'F');
    CU_ASSERT_DOUBLE_EQUAL (sink.records [0].value, 154, 1e-12);
    CU_ASSERT_EQUAL_FATAL (sink.bad_count, 1);
    CU_ASSERT_EQUAL (sink.bad [0].line, 3);
    CU_ASSERT_STRING_EQUAL (sink.bad [0].field, "sex");
    CU_ASSERT_PTR_NOT_NULL (
        strstr (sink.bad [0].message, "工作表“Sheet1”第3行D列 / sheet 'Sheet1' row 3 column D: "));
}

//  A workbook no sheet of which names the columns is refused whole.
static void
test_no_header (void)
{
    const s_entry_t entries [] = {
        { "_rels/.rels", S_RELS, 0 },
        { "xl/workbook.xml", S_WORKBOOK ("<sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/>"), 0 },
        { "xl/_rels/workbook.xml.rels", S_WB_RELS (S_REL ("rId1", "worksheet", "worksheets/sheet1.xml")), 0 },
        { "xl/worksheets/sheet1.xml",
          S_SHEET ("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>hello</t></is></c></row>"), 0 },
    };
    char path [128], why [512];
    s_path (path, sizeof path, "noheader.xlsx");
    s_write (path, entries, sizeof entries / sizeof entries [0]);
    s_sink_t sink;
    CU_ASSERT_EQUAL (s_read (path, &sink, why, sizeof why), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "没有表头行"));
    CU_ASSERT_EQUAL (sink.record_count, 0);
}

//  ---------------------------------------------------------------------
//  Hostile files

//  Read path in a child process; its refusal in why, its peak memory in
//  KiB and its time in ms.  Without ASan (which needs the address space)
//  the child also runs under a 256 MiB address-space limit.
static int
s_read_bounded (const char *path, char *why, size_t why_size, long *peak_kib, long *elapsed_ms)
{
    int fds [2];
    CU_ASSERT_FATAL (pipe (fds) == 0);
    struct timespec start, end;
    clock_gettime (CLOCK_MONOTONIC, &start);
    pid_t pid = fork ();
    CU_ASSERT_FATAL (pid >= 0);
    if (pid == 0) {
        close (fds [0]);
#ifndef S_ASAN
        struct rlimit limit = { (rlim_t)256 << 20, (rlim_t)256 << 20 };
        setrlimit (RLIMIT_AS, &limit);
#endif
        alarm (20);
        s_sink_t *sink = calloc (1, sizeof *sink);
        char reason [512] = "";
        int rc = sink ? wdm_source_parse_file (path, s_catalog, s_on_record, s_on_error, sink, NULL, reason,
                                               sizeof reason)
                      : 0;
        if (write (fds [1], reason, strlen (reason)) < 0)
            _exit (3);
        _exit (rc == -1 ? 0 : 1);
    }
    close (fds [1]);
    size_t got = 0;
    ssize_t n;
    while (got + 1 < why_size && (n = read (fds [0], why + got, why_size - 1 - got)) > 0)
        got += (size_t)n;
    why [got] = '\0';
    close (fds [0]);
    int status = 0;
    struct rusage usage;
    CU_ASSERT_FATAL (wait4 (pid, &status, 0, &usage) == pid);
    clock_gettime (CLOCK_MONOTONIC, &end);
    *peak_kib = usage.ru_maxrss;
    *elapsed_ms = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000;
    return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

//  The refusal holds the words expected, within 96 MiB of memory (the
//  refused part is far larger) and 10 seconds.
static void
s_expect_refused (const char *path, const char *words)
{
    char why [512];
    long peak, ms;
    int rc = s_read_bounded (path, why, sizeof why, &peak, &ms);
    printf ("\n    %s: exit %d, %ld KiB peak, %ld ms: %s\n", path, rc, peak, ms, why);
    CU_ASSERT_EQUAL (rc, 0);
    CU_ASSERT_PTR_NOT_NULL (strstr (why, words));
#ifdef S_ASAN
    CU_ASSERT (peak < 160 * 1024);  //  ASan's shadow memory and quarantine on top
#else
    CU_ASSERT (peak < 96 * 1024);
#endif
    CU_ASSERT (ms < 10000);
}

#define S_HOSTILE_BASE                                                                                       \
    { "_rels/.rels", S_RELS, 0 },                                                                            \
        { "xl/workbook.xml", S_WORKBOOK ("<sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/>"), 0 },            \
    {                                                                                                        \
        "xl/_rels/workbook.xml.rels",                                                                        \
            S_WB_RELS (S_REL ("rId1", "worksheet", "worksheets/sheet1.xml")                                  \
                           S_REL ("rId2", "sharedStrings", "sharedStrings.xml")),                            \
            0                                                                                                \
    }

//  A zip bomb: a sheet part that inflates to 256 MiB from well under 1 MiB.
static void
test_zip_bomb (void)
{
    const s_entry_t entries [] = {
        S_HOSTILE_BASE,
        { "xl/worksheets/sheet1.xml", NULL, (zip_uint64_t)256 << 20 },
    };
    char path [128];
    s_path (path, sizeof path, "bomb.xlsx");
    s_write (path, entries, sizeof entries / sizeof entries [0]);
    s_expect_refused (path, "压缩炸弹");
}

//  Billion laughs: entities that expand to gigabytes.
static void
test_entity_expansion (void)
{
    static const char laughs [] =
        "<?xml version=\"1.0\"?><!DOCTYPE sst [<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
        "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
        "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\"><!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">"
        "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\"><!ENTITY i \"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">]>"
        "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><si><t>&i;</t></si></sst>";
    const s_entry_t entries [] = {
        S_HOSTILE_BASE,
        { "xl/sharedStrings.xml", laughs, 0 },
        { "xl/worksheets/sheet1.xml", S_SHEET (""), 0 },
    };
    char path [128];
    s_path (path, sizeof path, "laughs.xlsx");
    s_write (path, entries, sizeof entries / sizeof entries [0]);
    s_expect_refused (path, "DOCTYPE");
}

//  A shared-strings part of 100 MB.
static void
test_huge_shared_strings (void)
{
    const s_entry_t entries [] = {
        S_HOSTILE_BASE,
        { "xl/sharedStrings.xml", NULL, (zip_uint64_t)100 * 1000 * 1000 },
        { "xl/worksheets/sheet1.xml", S_SHEET (""), 0 },
    };
    char path [128];
    s_path (path, sizeof path, "strings.xlsx");
    s_write (path, entries, sizeof entries / sizeof entries [0]);
    s_expect_refused (path, "部件xl/sharedStrings.xml解压后有100000000字节，超过上限");
}

//  An entry named to climb out of wherever it might be unpacked.
static void
test_path_traversal (void)
{
    const s_entry_t entries [] = {
        S_HOSTILE_BASE,
        { "xl/worksheets/sheet1.xml", S_SHEET (""), 0 },
        { "../../x", "owned", 0 },
    };
    char path [128];
    s_path (path, sizeof path, "traversal.xlsx");
    s_write (path, entries, sizeof entries / sizeof entries [0]);
    s_expect_refused (path, "不安全的条目名“../../x”（路径穿越）");
}

//  A cell's text past Excel's 32767 characters, and a row past the cap
//  on rows, refuse the workbook: the caps hold whatever the file says.
static void
test_limits (void)
{
    size_t len = 40000;
    char *strings = malloc (2 * len + 256);
    CU_ASSERT_PTR_NOT_NULL_FATAL (strings);
    int at = snprintf (strings, 256,
                       "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><si><t>");
    for (size_t i = 0; i < len / 3; i++, at += 3)
        memcpy (strings + at, "字", 3);  //  13333 characters, 40000 bytes: within the cap
    strcpy (strings + at, "</t></si><si><t>");
    at += (int)strlen ("</t></si><si><t>");
    memset (strings + at, 'a', len);  //  40000 characters: past it
    at += (int)len;
    strcpy (strings + at, "</t></si></sst>");
    const s_entry_t long_text [] = {
        S_HOSTILE_BASE,
        { "xl/sharedStrings.xml", strings, 0 },
        { "xl/worksheets/sheet1.xml", S_SHEET (""), 0 },
    };
    char path [128], why [512];
    s_path (path, sizeof path, "long.xlsx");
    s_write (path, long_text, sizeof long_text / sizeof long_text [0]);
    free (strings);
    s_sink_t sink;
    CU_ASSERT_EQUAL (s_read (path, &sink, why, sizeof why), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "xl/sharedStrings.xml holds a text longer than 32767 characters"));

    const s_entry_t far_row [] = {
        S_HOSTILE_BASE,
        { "xl/worksheets/sheet1.xml", S_SHEET ("<row r=\"1048576\"><c r=\"A1048576\"><v>1</v></c></row>"),
          0 },
    };
    s_path (path, sizeof path, "far.xlsx");
    s_write (path, far_row, sizeof far_row / sizeof far_row [0]);
    CU_ASSERT_EQUAL (s_read (path, &sink, why, sizeof why), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "has a bad row number 1048576, or more than 1000000 rows"));
}

//  Not a zip at all.
static void
test_not_a_zip (void)
{
    char path [128], why [512];
    s_path (path, sizeof path, "fake.xlsx");
    FILE *file = fopen (path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL (file);
    fputs ("indicator,area,year,value\n", file);
    fclose (file);
    s_sink_t sink;
    CU_ASSERT_EQUAL (s_read (path, &sink, why, sizeof why), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "不是有效的.xlsx文件"));
}

//  A part whose deflated bytes are damaged: refused, naming the part and
//  zlib's complaint.  (libzip makes that complaint's text anew at each
//  call, freeing the last: asked twice for one message, the first was
//  read after it was freed — found by fuzz_source under ASan.)
static void
test_damaged_part (void)
{
    const s_entry_t entries [] = {
        S_HOSTILE_BASE,
        { "xl/worksheets/sheet1.xml",
          S_SHEET ("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>indicator</t></is></c></row>"), 0 },
    };
    char path [128], why [512];
    s_path (path, sizeof path, "damaged.xlsx");
    s_write (path, entries, sizeof entries / sizeof entries [0]);
    //  The sheet's data starts after its local header (30 bytes, the name,
    //  the extra field); a first byte of 0xff is a deflate block of the
    //  reserved type, which zlib refuses.
    FILE *file = fopen (path, "r+b");
    CU_ASSERT_PTR_NOT_NULL_FATAL (file);
    unsigned char bytes [4096];
    size_t size = fread (bytes, 1, sizeof bytes, file);
    const char *name = "xl/worksheets/sheet1.xml";
    size_t at = 0;
    for (size_t i = 0; i + 30 + strlen (name) <= size && !at; i++)
        if (memcmp (bytes + i, "PK\003\004", 4) == 0 && memcmp (bytes + i + 30, name, strlen (name)) == 0)
            at = i + 30 + strlen (name) + (size_t)(bytes [i + 28] | bytes [i + 29] << 8);
    CU_ASSERT_FATAL (at > 0 && at < size);
    CU_ASSERT_EQUAL_FATAL (fseek (file, (long)at, SEEK_SET), 0);
    CU_ASSERT_EQUAL_FATAL (fputc (0xff, file), 0xff);
    fclose (file);
    s_sink_t sink;
    CU_ASSERT_EQUAL (s_read (path, &sink, why, sizeof why), -1);
    printf ("\n    %s\n", why);
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "部件xl/worksheets/sheet1.xml已损坏"));
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "the part xl/worksheets/sheet1.xml is damaged: "));
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "Zlib error"));
}

int
main (void)
{
    static const wdm_test_case_t tests [] = {
        { "Excel: shared strings, dates, titles, empty rows, bad rows placed", test_excel_shape },
        { "WPS: inline strings, no shared strings, other part names", test_wps_shape },
        { "no sheet with a header refuses the workbook", test_no_header },
        { "a zip bomb is refused in bounded memory and time", test_zip_bomb },
        { "entity expansion is refused in bounded memory and time", test_entity_expansion },
        { "a 100 MB shared-strings part is refused in bounded memory and time", test_huge_shared_strings },
        { "a path-traversal entry name is refused", test_path_traversal },
        { "a text past 32767 characters, a row past the cap: refused", test_limits },
        { "a file that is not a zip is refused", test_not_a_zip },
        { "a part with damaged compressed bytes is refused, naming it", test_damaged_part },
    };
    snprintf (s_dir, sizeof s_dir, "/tmp/test_xlsx.XXXXXX");
    if (!mkdtemp (s_dir))
        return 2;
    s_catalog = wdm_catalog_new (2020, 2025);
    if (!s_catalog
        || (wdm_test_catalog_add (s_catalog, "DM01", 100, 0, 100, false, WDM_FREQ_YEAR)
            | wdm_test_catalog_add (s_catalog, "FA01", 0, 0, 1440, true, WDM_FREQ_YEAR)))
        return 2;
    int rc = wdm_test_run_suite ("xlsx", tests, sizeof tests / sizeof tests [0]);
    wdm_catalog_destroy (&s_catalog);
    char command [128];
    snprintf (command, sizeof command, "rm -rf %s", s_dir);
    if (system (command) != 0)
        rc = rc ? rc : 1;
    return rc;
}
