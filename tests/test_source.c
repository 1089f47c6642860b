/*  test_source: files that member units' systems export, read into
    records — CSV in UTF-8, with a byte-order mark and CRLF, in GB18030,
    with Chinese headers; JSON Lines.  Each bad line is reported with its
    line number and field while the good lines of the same file still come
    through; files that cannot be read are refused whole, saying why.

    Compile with WDM_TEST_DATA set to the tests/data directory.  */

#include "wdm_source.h"
#include "wdm_test.h"
#include "wdm_test_catalog.h"
#include "wdm_utf8.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef WDM_TEST_DATA
#error "compile with -DWDM_TEST_DATA=\"<repository>/tests/data\""
#endif
#define S_DATA(name) WDM_TEST_DATA "/source/" name

#define S_KEEP 64  //  records and bad lines a sink keeps

//  A bad line as the user would see it.
typedef struct {
    int line;
    char field [64];
    char message [512];
    char text [WDM_SOURCE_TEXT_MAX];
} s_bad_line_t;

//  Where a parse's records and bad lines end up.
typedef struct {
    wdm_record_t records [S_KEEP];
    int record_lines [S_KEEP];
    int record_count;
    s_bad_line_t bad [S_KEEP];
    int bad_count;
    int calls;             //  calls to s_on_record
    int stop_at;           //  the call that says stop; 0: none
    int calls_after_stop;  //  callbacks after it, of either kind
} s_sink_t;

static wdm_catalog_t *s_catalog = NULL;

static int
s_on_record (void *arg, const wdm_record_t *record, int line)
{
    s_sink_t *self = (s_sink_t *)arg;
    if (self->stop_at && self->calls >= self->stop_at)
        self->calls_after_stop++;
    self->calls++;
    if (self->stop_at && self->calls == self->stop_at)
        return -1;
    CU_ASSERT_FATAL (self->record_count < S_KEEP);
    self->records [self->record_count] = *record;
    self->record_lines [self->record_count] = line;
    self->record_count++;
    return 0;
}

static void
s_on_error (void *arg, int line, const char *field, const char *message, const char *text)
{
    s_sink_t *self = (s_sink_t *)arg;
    if (self->stop_at && self->calls >= self->stop_at)
        self->calls_after_stop++;
    //  What a log line or a report shows must be sound UTF-8 of bounded size.
    CU_ASSERT_TRUE (strlen (text) < WDM_SOURCE_TEXT_MAX);
    CU_ASSERT_TRUE (wdm_utf8_valid (text, strlen (text)));
    CU_ASSERT_TRUE (wdm_utf8_valid (message, strlen (message)));
    CU_ASSERT_FATAL (self->bad_count < S_KEEP);
    s_bad_line_t *bad = &self->bad [self->bad_count++];
    bad->line = line;
    snprintf (bad->field, sizeof bad->field, "%s", field);
    snprintf (bad->message, sizeof bad->message, "%s", message);
    snprintf (bad->text, sizeof bad->text, "%s", text);
}

static int
s_read_file (const char *path, const wdm_catalog_t *catalog, s_sink_t *sink, wdm_source_stats_t *stats,
             char *why, size_t why_size)
{
    return wdm_source_parse_file (path, catalog, s_on_record, s_on_error, sink, stats, why, why_size);
}

static int
s_read_text (const char *text, wdm_source_format_t format, const wdm_catalog_t *catalog, s_sink_t *sink,
             wdm_source_stats_t *stats, char *why, size_t why_size)
{
    return wdm_source_parse (text, strlen (text), format, catalog, s_on_record, s_on_error, sink, stats, why,
                             why_size);
}

//  The record that came from this line, or NULL.
static const wdm_record_t *
s_record_at (const s_sink_t *sink, int line)
{
    for (int i = 0; i < sink->record_count; i++)
        if (sink->record_lines [i] == line)
            return &sink->records [i];
    return NULL;
}

//  True if this line was reported bad, once, for this field, with a
//  message that contains word.  Says what it found otherwise.
static bool
s_bad (const s_sink_t *sink, int line, const char *field, const char *word)
{
    const s_bad_line_t *found = NULL;
    int times = 0;
    for (int i = 0; i < sink->bad_count; i++)
        if (sink->bad [i].line == line) {
            found = &sink->bad [i];
            times++;
        }
    if (found && times == 1 && strcmp (found->field, field) == 0 && strstr (found->message, word)
        && !s_record_at (sink, line))
        return true;
    if (found)
        fprintf (stderr, "\n  line %d: reported %d times, field '%s', message '%s'\n", line, times,
                 found->field, found->message);
    else
        fprintf (stderr, "\n  line %d: not reported\n", line);
    return false;
}

static bool
s_same_record (const wdm_record_t *a, const wdm_record_t *b)
{
    return strcmp (a->indicator, b->indicator) == 0 && strcmp (a->area, b->area) == 0
        && strcmp (a->body, b->body) == 0 && a->year == b->year && a->period_kind == b->period_kind
        && a->period_no == b->period_no && a->sex == b->sex && a->value == b->value
        && a->has_numerator == b->has_numerator && a->has_denominator == b->has_denominator
        && (!a->has_numerator || a->numerator == b->numerator)
        && (!a->has_denominator || a->denominator == b->denominator) && a->status == b->status
        && strcmp (a->note, b->note) == 0;
}

//  A small catalog like the plan's, which every good line in the sample
//  files satisfies.
static int
s_setup (void)
{
    s_catalog = wdm_catalog_new (2020, 2025);
    if (!s_catalog)
        return -1;
    return wdm_test_catalog_add (s_catalog, "HE02", 100000, 0, 1000, false,
                                 WDM_FREQ_YEAR)  //  maternal mortality
        | wdm_test_catalog_add (s_catalog, "DM01", 100, 0, 100, false,
                                WDM_FREQ_YEAR)  //  women among party members
        | wdm_test_catalog_add (s_catalog, "FA01", 0, 0, 1440, true,
                                WDM_FREQ_YEAR)  //  housework minutes a day
        | wdm_test_catalog_add_counted (s_catalog, "DM06", "区政协",
                                        "区妇联")  //  women in each body, a count
        | wdm_test_catalog_add (s_catalog, "EC90", 100, 0, 100, false, WDM_FREQ_QUARTER)
        | wdm_test_catalog_add (s_catalog, "EC91", 0, 0, 100000, false, WDM_FREQ_MONTH);
}

static void
test_format_from_name (void)
{
    wdm_source_format_t format = WDM_SOURCE_JSONL;
    CU_ASSERT_EQUAL (wdm_source_format_from_name ("2023年报.csv", &format), 0);
    CU_ASSERT_EQUAL (format, WDM_SOURCE_CSV);
    CU_ASSERT_EQUAL (wdm_source_format_from_name ("/in/EXPORT.CSV", &format), 0);
    CU_ASSERT_EQUAL (format, WDM_SOURCE_CSV);
    CU_ASSERT_EQUAL (wdm_source_format_from_name ("a.jsonl", &format), 0);
    CU_ASSERT_EQUAL (format, WDM_SOURCE_JSONL);
    format = WDM_SOURCE_CSV;
    CU_ASSERT_EQUAL (wdm_source_format_from_name ("a.ndjson", &format), 0);
    CU_ASSERT_EQUAL (format, WDM_SOURCE_JSONL);
    format = WDM_SOURCE_CSV;
    CU_ASSERT_EQUAL (wdm_source_format_from_name ("a.Json", &format), 0);
    CU_ASSERT_EQUAL (format, WDM_SOURCE_JSONL);
    CU_ASSERT_EQUAL (wdm_source_format_from_name ("a.XLSX", &format), 0);
    CU_ASSERT_EQUAL (format, WDM_SOURCE_XLSX);
    CU_ASSERT_EQUAL (wdm_source_format_from_name ("a.xls", &format), -1);
    CU_ASSERT_EQUAL (wdm_source_format_from_name ("a.csv.bak", &format), -1);
    CU_ASSERT_EQUAL (wdm_source_format_from_name ("csv", &format), -1);
    CU_ASSERT_EQUAL (wdm_source_format_from_name ("", &format), -1);
}

static void
test_csv_utf8 (void)
{
    s_sink_t sink = { .record_count = 0 };
    wdm_source_stats_t stats;
    char why [256];
    CU_ASSERT_EQUAL (s_read_file (S_DATA ("utf8.csv"), s_catalog, &sink, &stats, why, sizeof why), 0);
    CU_ASSERT_STRING_EQUAL (why, "");
    CU_ASSERT_STRING_EQUAL (stats.encoding, "UTF-8");
    CU_ASSERT_EQUAL (stats.records, 6);
    CU_ASSERT_EQUAL (stats.errors, 0);
    CU_ASSERT_EQUAL (sink.bad_count, 0);
    CU_ASSERT_EQUAL (sink.record_count, 6);

    const wdm_record_t *rate = s_record_at (&sink, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL (rate);
    CU_ASSERT_STRING_EQUAL (rate->indicator, "HE02");
    CU_ASSERT_STRING_EQUAL (rate->area, "wuqing");
    CU_ASSERT_STRING_EQUAL (rate->body, "");
    CU_ASSERT_EQUAL (rate->year, 2023);
    CU_ASSERT_EQUAL (rate->period_kind, WDM_FREQ_YEAR);
    CU_ASSERT_EQUAL (rate->period_no, 0);
    CU_ASSERT_EQUAL (rate->sex, 'T');  //  empty cell: a total
    CU_ASSERT_EQUAL (rate->value, 8.2);
    CU_ASSERT_TRUE (rate->has_numerator && rate->has_denominator);
    CU_ASSERT_EQUAL (rate->numerator, 3);
    CU_ASSERT_EQUAL (rate->denominator, 36585);
    CU_ASSERT_EQUAL (rate->status, WDM_STATUS_FINAL);
    CU_ASSERT_STRING_EQUAL (rate->note, "includes migrants");
    CU_ASSERT_EQUAL (rate->epoch, 0);  //  the outbox numbers records
    CU_ASSERT_EQUAL (rate->seq, 0);

    const wdm_record_t *share = s_record_at (&sink, 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL (share);
    CU_ASSERT_EQUAL (share->value, 36.4);                     //  "36.40", exactly
    CU_ASSERT_EQUAL (share->status, WDM_STATUS_PROVISIONAL);  //  empty cell
    CU_ASSERT_STRING_EQUAL (share->note, "women among members, 2023");

    const wdm_record_t *quarter = s_record_at (&sink, 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL (quarter);
    CU_ASSERT_EQUAL (quarter->period_kind, WDM_FREQ_QUARTER);
    CU_ASSERT_EQUAL (quarter->period_no, 4);
    CU_ASSERT_FALSE (quarter->has_numerator);  //  empty cell: absent
    CU_ASSERT_FALSE (quarter->has_denominator);
    CU_ASSERT_EQUAL (quarter->status, WDM_STATUS_ESTIMATED);
    CU_ASSERT_STRING_EQUAL (quarter->note, "");

    //  A quoted note over two lines: the record is on the line it starts.
    const wdm_record_t *women = s_record_at (&sink, 5);
    CU_ASSERT_PTR_NOT_NULL_FATAL (women);
    CU_ASSERT_EQUAL (women->sex, 'F');
    CU_ASSERT_STRING_EQUAL (women->note, "survey of 1,200 households\nsecond line of the note");

    //  After the note's second line and an empty one, line 8.
    const wdm_record_t *month = s_record_at (&sink, 8);
    CU_ASSERT_PTR_NOT_NULL_FATAL (month);
    CU_ASSERT_EQUAL (month->period_kind, WDM_FREQ_MONTH);
    CU_ASSERT_EQUAL (month->period_no, 7);
    CU_ASSERT_EQUAL (month->value, 1250);

    //  Line 9 is all empty cells, skipped; line 10 has no line break.
    CU_ASSERT_PTR_NULL (s_record_at (&sink, 9));
    const wdm_record_t *body = s_record_at (&sink, 10);
    CU_ASSERT_PTR_NOT_NULL_FATAL (body);
    CU_ASSERT_STRING_EQUAL (body->body, "区政协");
    CU_ASSERT_EQUAL (body->value, 1);
}

static void
test_csv_bom_crlf (void)
{
    s_sink_t sink = { .record_count = 0 };
    wdm_source_stats_t stats;
    char why [256];
    CU_ASSERT_EQUAL (s_read_file (S_DATA ("bom_crlf.csv"), s_catalog, &sink, &stats, why, sizeof why), 0);
    CU_ASSERT_STRING_EQUAL (stats.encoding, "UTF-8 BOM");
    CU_ASSERT_EQUAL (stats.records, 3);
    CU_ASSERT_EQUAL (stats.errors, 0);

    //  The first column, "Area" right after the mark, was recognised, and
    //  no cell keeps a CR.
    const wdm_record_t *share = s_record_at (&sink, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL (share);
    CU_ASSERT_STRING_EQUAL (share->area, "wuqing");
    CU_ASSERT_STRING_EQUAL (share->indicator, "DM01");
    CU_ASSERT_EQUAL (share->value, 35.5);
    CU_ASSERT_STRING_EQUAL (share->note, "");
    CU_ASSERT_EQUAL (share->sex, 'T');

    const wdm_record_t *women = s_record_at (&sink, 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL (women);
    CU_ASSERT_STRING_EQUAL (women->note, "line one\nline two");  //  Alt+Enter in Excel
    CU_ASSERT_EQUAL (women->sex, 'F');

    const wdm_record_t *rate = s_record_at (&sink, 6);
    CU_ASSERT_PTR_NOT_NULL_FATAL (rate);
    CU_ASSERT_STRING_EQUAL (rate->note, "plain");
    CU_ASSERT_EQUAL (rate->year, 2022);
}

//  The five records of chinese.csv, in either of its encodings.
static void
s_check_chinese (const s_sink_t *sink)
{
    CU_ASSERT_EQUAL (sink->record_count, 5);
    CU_ASSERT_EQUAL (sink->bad_count, 0);
    const wdm_record_t *share = s_record_at (sink, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL (share);
    CU_ASSERT_STRING_EQUAL (share->indicator, "DM01");
    CU_ASSERT_EQUAL (share->sex, 'T');                  //  合计
    CU_ASSERT_EQUAL (share->status, WDM_STATUS_FINAL);  //  最终
    CU_ASSERT_EQUAL (share->numerator, 4368);
    CU_ASSERT_STRING_EQUAL (share->note, "含流动党员");

    const wdm_record_t *women = s_record_at (sink, 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL (women);
    CU_ASSERT_EQUAL (women->sex, 'F');                        //  女
    CU_ASSERT_EQUAL (women->status, WDM_STATUS_PROVISIONAL);  //  初步
    CU_ASSERT_STRING_EQUAL (women->note, "时间利用调查,抽样1200户");

    const wdm_record_t *men = s_record_at (sink, 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL (men);
    CU_ASSERT_EQUAL (men->sex, 'M');                      //  男
    CU_ASSERT_EQUAL (men->status, WDM_STATUS_ESTIMATED);  //  估计
    CU_ASSERT_STRING_EQUAL (men->note, "“家务劳动”每日分钟数");

    const wdm_record_t *quarter = s_record_at (sink, 5);
    CU_ASSERT_PTR_NOT_NULL_FATAL (quarter);
    CU_ASSERT_EQUAL (quarter->period_kind, WDM_FREQ_QUARTER);
    CU_ASSERT_EQUAL (quarter->period_no, 2);
    CU_ASSERT_EQUAL (quarter->value, 41.5);
    CU_ASSERT_STRING_EQUAL (quarter->note, "第二季度（含𠮷字地名）");  //  four bytes in GB18030

    const wdm_record_t *body = s_record_at (sink, 6);
    CU_ASSERT_PTR_NOT_NULL_FATAL (body);
    CU_ASSERT_STRING_EQUAL (body->body, "区妇联");
}

static void
test_csv_chinese_headers (void)
{
    s_sink_t sink = { .record_count = 0 };
    wdm_source_stats_t stats;
    char why [256];
    CU_ASSERT_EQUAL (s_read_file (S_DATA ("chinese.csv"), s_catalog, &sink, &stats, why, sizeof why), 0);
    CU_ASSERT_STRING_EQUAL (stats.encoding, "UTF-8");
    s_check_chinese (&sink);
}

static void
test_csv_gb18030 (void)
{
    //  What Excel on Chinese Windows saves as "CSV (逗号分隔)".
    s_sink_t *gb = calloc (1, sizeof *gb);
    s_sink_t *utf8 = calloc (1, sizeof *utf8);
    CU_ASSERT_FATAL (gb && utf8);
    wdm_source_stats_t stats;
    char why [256];
    CU_ASSERT_EQUAL (s_read_file (S_DATA ("chinese.gb18030.csv"), s_catalog, gb, &stats, why, sizeof why), 0);
    CU_ASSERT_STRING_EQUAL (why, "");
    CU_ASSERT_STRING_EQUAL (stats.encoding, "GB18030");
    CU_ASSERT_EQUAL (stats.records, 5);
    s_check_chinese (gb);

    //  The same records as from the UTF-8 file it was converted from.
    CU_ASSERT_EQUAL (s_read_file (S_DATA ("chinese.csv"), s_catalog, utf8, NULL, NULL, 0), 0);
    CU_ASSERT_EQUAL_FATAL (gb->record_count, utf8->record_count);
    for (int i = 0; i < gb->record_count; i++) {
        CU_ASSERT_EQUAL (gb->record_lines [i], utf8->record_lines [i]);
        CU_ASSERT_TRUE (s_same_record (&gb->records [i], &utf8->records [i]));
    }
    free (gb);
    free (utf8);
}

static void
test_jsonl (void)
{
    s_sink_t sink = { .record_count = 0 };
    wdm_source_stats_t stats;
    char why [256];
    CU_ASSERT_EQUAL (s_read_file (S_DATA ("good.jsonl"), s_catalog, &sink, &stats, why, sizeof why), 0);
    CU_ASSERT_STRING_EQUAL (stats.encoding, "UTF-8");
    CU_ASSERT_EQUAL (stats.records, 4);
    CU_ASSERT_EQUAL (stats.errors, 0);

    const wdm_record_t *rate = s_record_at (&sink, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL (rate);
    CU_ASSERT_STRING_EQUAL (rate->indicator, "HE02");
    CU_ASSERT_EQUAL (rate->value, 8.2);
    CU_ASSERT_TRUE (rate->has_numerator && rate->has_denominator);
    CU_ASSERT_EQUAL (rate->denominator, 36585);
    CU_ASSERT_EQUAL (rate->status, WDM_STATUS_FINAL);
    CU_ASSERT_STRING_EQUAL (rate->note, "含流动人口");

    //  Line 2 is empty; null means absent.
    const wdm_record_t *quarter = s_record_at (&sink, 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL (quarter);
    CU_ASSERT_EQUAL (quarter->period_kind, WDM_FREQ_QUARTER);
    CU_ASSERT_EQUAL (quarter->period_no, 3);
    CU_ASSERT_EQUAL (quarter->value, 40.25);
    CU_ASSERT_STRING_EQUAL (quarter->body, "");

    //  Keys in any order; a year written 2023.0 is still a whole number.
    const wdm_record_t *women = s_record_at (&sink, 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL (women);
    CU_ASSERT_EQUAL (women->year, 2023);
    CU_ASSERT_EQUAL (women->sex, 'F');
    CU_ASSERT_EQUAL (women->status, WDM_STATUS_ESTIMATED);

    const wdm_record_t *month = s_record_at (&sink, 5);
    CU_ASSERT_PTR_NOT_NULL_FATAL (month);
    CU_ASSERT_EQUAL (month->period_kind, WDM_FREQ_MONTH);
    CU_ASSERT_EQUAL (month->period_no, 12);
    CU_ASSERT_STRING_EQUAL (month->note, "十二月，\"新增\"就业");

    //  A byte-order mark and CRLF are taken in stride.
    s_sink_t marked = { .record_count = 0 };
    const char *text =
        "\xEF\xBB\xBF{\"indicator\":\"DM01\",\"area\":\"wuqing\",\"year\":2023,\"value\":30}\r\n"
        "\r\n"
        "{\"indicator\":\"DM01\",\"area\":\"yangcun\",\"year\":2023,\"value\":31}\r\n";
    CU_ASSERT_EQUAL (s_read_text (text, WDM_SOURCE_JSONL, s_catalog, &marked, &stats, why, sizeof why), 0);
    CU_ASSERT_STRING_EQUAL (stats.encoding, "UTF-8 BOM");
    CU_ASSERT_EQUAL (marked.record_count, 2);
    CU_ASSERT_PTR_NOT_NULL (s_record_at (&marked, 1));
    CU_ASSERT_PTR_NOT_NULL (s_record_at (&marked, 3));
}

static void
test_csv_bad_lines (void)
{
    s_sink_t sink = { .record_count = 0 };
    wdm_source_stats_t stats;
    char why [256];
    //  Bad lines do not fail the file.
    CU_ASSERT_EQUAL (s_read_file (S_DATA ("bad_lines.csv"), NULL, &sink, &stats, why, sizeof why), 0);
    CU_ASSERT_STRING_EQUAL (why, "");
    CU_ASSERT_EQUAL (stats.records, 2);
    CU_ASSERT_EQUAL (stats.errors, 10);
    CU_ASSERT_EQUAL (sink.bad_count, 10);

    //  The good lines around them still come through.
    CU_ASSERT_PTR_NOT_NULL (s_record_at (&sink, 2));
    const wdm_record_t *last = s_record_at (&sink, 13);
    CU_ASSERT_PTR_NOT_NULL_FATAL (last);
    CU_ASSERT_EQUAL (last->sex, 'F');
    CU_ASSERT_EQUAL (last->status, WDM_STATUS_ESTIMATED);

    CU_ASSERT_TRUE (s_bad (&sink, 3, "value", "value is not a number: 'abc'"));
    CU_ASSERT_TRUE (s_bad (&sink, 4, "area", "missing required field 'area'"));
    CU_ASSERT_TRUE (s_bad (&sink, 5, "sex", "sex must be"));
    CU_ASSERT_TRUE (s_bad (&sink, 6, "status", "status must be"));
    CU_ASSERT_TRUE (s_bad (&sink, 7, "period", "quarter and month"));
    CU_ASSERT_TRUE (s_bad (&sink, 8, "", "wrong number of cells: 8, the header has 9"));
    CU_ASSERT_TRUE (s_bad (&sink, 9, "area", "area is too long: 70 bytes, at most 63"));
    CU_ASSERT_TRUE (s_bad (&sink, 10, "value", "thousands separators"));
    CU_ASSERT_TRUE (s_bad (&sink, 11, "year", "year must be a whole number"));
    CU_ASSERT_TRUE (s_bad (&sink, 12, "quarter", "quarter must be a whole number from 1 to 4: '5'"));

    //  Messages are Chinese first, then English; the line's own text
    //  comes with them.
    CU_ASSERT_PTR_NOT_NULL (strstr (sink.bad [0].message, "数值不是数字 / "));
    CU_ASSERT_STRING_EQUAL (sink.bad [0].text, "DM01,wuqing,2023,,,,abc,final,value is not a number");
}

static void
test_jsonl_bad_lines (void)
{
    s_sink_t sink = { .record_count = 0 };
    wdm_source_stats_t stats;
    char why [256];
    CU_ASSERT_EQUAL (s_read_file (S_DATA ("bad_lines.jsonl"), s_catalog, &sink, &stats, why, sizeof why), 0);
    CU_ASSERT_EQUAL (stats.records, 2);
    CU_ASSERT_EQUAL (stats.errors, 9);
    CU_ASSERT_PTR_NOT_NULL (s_record_at (&sink, 1));
    const wdm_record_t *last = s_record_at (&sink, 11);
    CU_ASSERT_PTR_NOT_NULL_FATAL (last);
    CU_ASSERT_EQUAL (last->sex, 'F');

    CU_ASSERT_TRUE (s_bad (&sink, 2, "colour", "unknown key 'colour'"));
    CU_ASSERT_TRUE (s_bad (&sink, 3, "value", "value must be a JSON number, not a string: \"36.4\""));
    CU_ASSERT_TRUE (s_bad (&sink, 4, "year", "year must be a JSON number"));
    CU_ASSERT_TRUE (s_bad (&sink, 5, "", "not valid JSON"));
    CU_ASSERT_TRUE (s_bad (&sink, 6, "", "JSON object"));
    CU_ASSERT_TRUE (s_bad (&sink, 7, "area", "missing required field 'area'"));
    CU_ASSERT_TRUE (s_bad (&sink, 8, "area", "area must be a JSON string, not a number"));
    CU_ASSERT_TRUE (s_bad (&sink, 9, "", "duplicate"));
    CU_ASSERT_TRUE (s_bad (&sink, 10, "period", "quarter and month"));
    CU_ASSERT_STRING_EQUAL (
        sink.bad [0].text,
        "{\"indicator\":\"DM01\",\"area\":\"wuqing\",\"year\":2023,\"value\":36.4,\"colour\":\"red\"}");
}

//  Issue 12, findings 2 and 9: a women-only or total indicator's F/M
//  rows, and bodies where the indicator has none (or none where it counts
//  each), are bad lines naming the field, not records stored and ignored.
static void
test_sex_and_body_rows_the_indicator_has_not (void)
{
    const char *text = "指标代码,地区代码,机构,年份,性别,数值\n"
                       "DM01,meichang,,2023,女,40\n"
                       "DM01,meichang,,2023,男,60\n"
                       "DM01,meichang,,2023,合计,40\n"
                       "DM01,meichang,区政协,2023,,40\n"
                       "DM06,meichang,,2023,,1\n"
                       "DM06,meichang,区政府,2023,,1\n"
                       "DM06,meichang,区政协,2023,,1\n";
    s_sink_t sink = { .record_count = 0 };
    wdm_source_stats_t stats;
    char why [256];
    CU_ASSERT_EQUAL (s_read_text (text, WDM_SOURCE_CSV, s_catalog, &sink, &stats, why, sizeof why), 0);
    CU_ASSERT_EQUAL (stats.records, 2);
    CU_ASSERT_EQUAL (stats.errors, 5);
    CU_ASSERT_PTR_NOT_NULL (s_record_at (&sink, 4));
    CU_ASSERT_PTR_NOT_NULL (s_record_at (&sink, 8));
    CU_ASSERT_TRUE (s_bad (&sink, 2, "sex", "not reported by sex"));
    CU_ASSERT_TRUE (s_bad (&sink, 3, "sex", "not reported by sex"));
    CU_ASSERT_TRUE (s_bad (&sink, 5, "body", "body must be empty"));
    CU_ASSERT_TRUE (s_bad (&sink, 6, "body", "body is required"));
    CU_ASSERT_TRUE (s_bad (&sink, 7, "body", "not one of the indicator's bodies"));
}

static void
test_catalog_errors (void)
{
    const char *text = "indicator,area,year,value,numerator,denominator,sex\n"
                       "DM01,wuqing,2023,36.4,4368,12000,\n"
                       "HE99,wuqing,2023,1,,,\n"
                       "DM01,wuqing,2023,120,,,\n"
                       "DM01,wuqing,2019,30,,,\n"
                       "FA01,wuqing,2023,154,,,\n"
                       "DM01,wuqing,2023,63,36,100,\n"
                       "FA01,wuqing,2023,154,,,F\n";
    s_sink_t sink = { .record_count = 0 };
    wdm_source_stats_t stats;
    char why [256];
    CU_ASSERT_EQUAL (s_read_text (text, WDM_SOURCE_CSV, s_catalog, &sink, &stats, why, sizeof why), 0);
    CU_ASSERT_EQUAL (stats.records, 2);
    CU_ASSERT_EQUAL (stats.errors, 5);
    CU_ASSERT_PTR_NOT_NULL (s_record_at (&sink, 2));
    CU_ASSERT_PTR_NOT_NULL (s_record_at (&sink, 8));
    CU_ASSERT_TRUE (s_bad (&sink, 3, "indicator", "indicator code is not in the plan's catalog"));
    CU_ASSERT_TRUE (s_bad (&sink, 4, "value", "value is outside the indicator's plausible range"));
    CU_ASSERT_TRUE (s_bad (&sink, 5, "year", "year is outside"));
    CU_ASSERT_TRUE (s_bad (&sink, 6, "sex", "sex must be"));
    CU_ASSERT_TRUE (s_bad (&sink, 7, "value", "value does not equal numerator / denominator"));
    //  The catalog's own wording, as wdm_record gives it.
    CU_ASSERT_STRING_EQUAL (sink.bad [0].message, wdm_record_error_message (WDM_RECORD_UNKNOWN_INDICATOR));

    //  Without a catalog only what needs none is checked: all pass.
    s_sink_t unchecked = { .record_count = 0 };
    CU_ASSERT_EQUAL (s_read_text (text, WDM_SOURCE_CSV, NULL, &unchecked, &stats, why, sizeof why), 0);
    CU_ASSERT_EQUAL (stats.records, 7);
    CU_ASSERT_EQUAL (stats.errors, 0);
}

static void
test_numbers (void)
{
    const char *text = "indicator,area,year,value\n"
                       "DM01,wuqing,2023,+8.5\n"
                       "DM01,wuqing,2023,.5\n"
                       "DM01,wuqing,2023,  12  \n"
                       "DM01,wuqing,2023,-0\n"
                       "DM01,wuqing,2023,007.250\n"
                       "DM01,wuqing,2023,1e3\n"
                       "DM01,wuqing,2023,8.5%\n"
                       "DM01,wuqing,2023,1234567890.1234567\n"
                       "DM01,wuqing,2023,0.1\n"
                       "DM01,wuqing,2023,-\n"
                       "DM01,wuqing,2023,1.2.3\n"
                       "DM01,wuqing,2023.0,-36.4\n"
                       "DM01,wuqing,2023.5,1\n";
    s_sink_t sink = { .record_count = 0 };
    wdm_source_stats_t stats;
    CU_ASSERT_EQUAL (s_read_text (text, WDM_SOURCE_CSV, NULL, &sink, &stats, NULL, 0), 0);
    double expected [] = { 0, 0, 8.5, 0.5, 12, 0, 7.25 };
    for (int line = 2; line <= 6; line++) {
        const wdm_record_t *record = s_record_at (&sink, line);
        CU_ASSERT_PTR_NOT_NULL_FATAL (record);
        CU_ASSERT_EQUAL (record->value, expected [line]);
    }
    CU_ASSERT_FALSE (signbit (s_record_at (&sink, 5)->value));  //  "-0" is 0
    CU_ASSERT_TRUE (s_bad (&sink, 7, "value", "'1e3'"));
    CU_ASSERT_TRUE (s_bad (&sink, 8, "value", "'8.5%'"));
    CU_ASSERT_TRUE (s_bad (&sink, 9, "value", "more than 15 significant digits"));
    CU_ASSERT_EQUAL (s_record_at (&sink, 10)->value, 0.1);
    CU_ASSERT_TRUE (s_bad (&sink, 11, "value", "value is not a number: '-'"));
    CU_ASSERT_TRUE (s_bad (&sink, 12, "value", "'1.2.3'"));
    const wdm_record_t *negative = s_record_at (&sink, 13);
    CU_ASSERT_PTR_NOT_NULL_FATAL (negative);
    CU_ASSERT_EQUAL (negative->year, 2023);
    CU_ASSERT_EQUAL (negative->value, -36.4);
    CU_ASSERT_TRUE (s_bad (&sink, 14, "year", "'2023.5'"));
    CU_ASSERT_EQUAL (stats.records, 7);
    CU_ASSERT_EQUAL (stats.errors, 6);
}

static void
test_header_errors (void)
{
    static const struct {
        const char *text;
        const char *words [2];  //  what why must say
    } cases [] = {
        { "indicator,area,year,value,colour\nDM01,wuqing,2023,30,red\n",
          { "unknown column 'colour'", "column 5" } },
        { "指标代码,地区,年份,数值\nDM01,wuqing,2023,30\n", { "“地区”", "unknown column '地区'" } },
        { "indicator,area,value\nDM01,wuqing,30\n", { "required column 'year'", "line 1" } },
        { "indicator,area,year,value,数值\n", { "column 'value' appears twice", "columns 4 and 5" } },
        { "indicator,area,,year,value\n", { "no name for column 3", "line 1" } },
        { "DM01,wuqing,2023,30\nDM01,wuqing,2024,31\n", { "no header line", "'DM01'" } },
        { "", { "no header line", "empty" } },
        { "\n\r\n  \n", { "no header line", "empty" } },
        { "\nindicator,area,year,\"value\n", { "header line (line 2)", "never closed" } },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        s_sink_t sink = { .record_count = 0 };
        wdm_source_stats_t stats;
        char why [512];
        CU_ASSERT_EQUAL (s_read_text (cases [i].text, WDM_SOURCE_CSV, NULL, &sink, &stats, why, sizeof why),
                         -1);
        for (int k = 0; k < 2; k++)
            if (!strstr (why, cases [i].words [k])) {
                fprintf (stderr, "\n  case %zu: why '%s' lacks '%s'\n", i, why, cases [i].words [k]);
                CU_FAIL ("why does not name the problem");
            }
        CU_ASSERT_EQUAL (sink.calls, 0);
        CU_ASSERT_EQUAL (sink.bad_count, 0);
        CU_ASSERT_EQUAL (stats.records, 0);
    }
}

static void
test_bad_encoding (void)
{
    s_sink_t sink = { .record_count = 0 };
    wdm_source_stats_t stats;
    char why [512];
    //  Neither UTF-8 nor GB18030: nothing of the file is taken.
    CU_ASSERT_EQUAL (s_read_file (S_DATA ("bad_encoding.csv"), NULL, &sink, &stats, why, sizeof why), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "not valid UTF-8 (line 3) nor GB18030 (line 3)"));
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "CSV UTF-8"));
    CU_ASSERT_EQUAL (sink.calls, 0);
    CU_ASSERT_EQUAL (sink.bad_count, 0);
    CU_ASSERT_STRING_EQUAL (stats.encoding, "");

    //  Text and size, for the cases with a NUL inside.
#define S_BYTES(text) text, sizeof text - 1
    static const struct {
        const char *text;
        size_t size;
        wdm_source_format_t format;
        const char *word;
    } cases [] = {
        //  Excel's "Unicode text"
        { S_BYTES ("\xFF\xFEi\0n\0d\0"), WDM_SOURCE_CSV, "UTF-16" },
        //  A UTF-8 mark, then GBK: damage, not GB18030.
        { S_BYTES ("\xEF\xBB\xBFindicator,area,year,value,note\nDM01,wuqing,2023,30,\xCE\xE4\xC7\xE5\n"),
          WDM_SOURCE_CSV, "not valid UTF-8 at line 2" },
        //  JSON Lines are UTF-8 or nothing.
        { S_BYTES (
              "{\"indicator\":\"DM01\",\"area\":\"wuqing\",\"year\":2023,\"value\":1}\n{\"note\":\"\xCE\xE4\xC7\xE5\"}\n"),
          WDM_SOURCE_JSONL, "JSON Lines must be UTF-8" },
        { S_BYTES ("indicator,area,year,value\nDM01,wuqing,2023,3\0\n"), WDM_SOURCE_CSV,
          "NUL byte at line 2" },
    };
#undef S_BYTES
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        s_sink_t other = { .record_count = 0 };
        CU_ASSERT_EQUAL (wdm_source_parse (cases [i].text, cases [i].size, cases [i].format, NULL,
                                           s_on_record, s_on_error, &other, &stats, why, sizeof why),
                         -1);
        if (!strstr (why, cases [i].word)) {
            fprintf (stderr, "\n  case %zu: why '%s' lacks '%s'\n", i, why, cases [i].word);
            CU_FAIL ("why does not name the problem");
        }
        CU_ASSERT_EQUAL (other.calls, 0);
    }
}

static void
test_json_document (void)
{
    //  What a ".json" export often is: refused whole, not as bad lines.
    static const char *documents [] = {
        "[{\"indicator\":\"DM01\",\"area\":\"wuqing\",\"year\":2023,\"value\":30}]\n",
        "\n{\n  \"indicator\": \"DM01\",\n  \"area\": \"wuqing\",\n  \"year\": 2023,\n  \"value\": 30\n}\n",
    };
    for (size_t i = 0; i < sizeof documents / sizeof documents [0]; i++) {
        s_sink_t sink = { .record_count = 0 };
        wdm_source_stats_t stats;
        char why [512];
        CU_ASSERT_EQUAL (s_read_text (documents [i], WDM_SOURCE_JSONL, NULL, &sink, &stats, why, sizeof why),
                         -1);
        CU_ASSERT_PTR_NOT_NULL (strstr (why, "one JSON document, not JSON Lines"));
        CU_ASSERT_EQUAL (sink.calls + sink.bad_count, 0);
    }
    //  A first line that is simply broken is one bad line among others.
    s_sink_t sink = { .record_count = 0 };
    wdm_source_stats_t stats;
    CU_ASSERT_EQUAL (
        s_read_text (
            "{\"indicator\":\n{\"indicator\":\"DM01\",\"area\":\"wuqing\",\"year\":2023,\"value\":30}\n",
            WDM_SOURCE_JSONL, NULL, &sink, &stats, NULL, 0),
        0);
    CU_ASSERT_TRUE (s_bad (&sink, 1, "", "not valid JSON"));
    CU_ASSERT_PTR_NOT_NULL (s_record_at (&sink, 2));
}

static void
test_stop (void)
{
    //  The outbox is full at the second record: reading stops there.
    s_sink_t sink = { .stop_at = 2 };
    wdm_source_stats_t stats;
    char why [256];
    CU_ASSERT_EQUAL (s_read_file (S_DATA ("utf8.csv"), NULL, &sink, &stats, why, sizeof why), -1);
    CU_ASSERT_EQUAL (sink.calls, 2);
    CU_ASSERT_EQUAL (sink.calls_after_stop, 0);
    CU_ASSERT_EQUAL (stats.records, 1);  //  only the one it took
    CU_ASSERT_EQUAL (sink.record_count, 1);
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "stopped at line 3"));

    s_sink_t lines = { .stop_at = 1 };
    CU_ASSERT_EQUAL (s_read_file (S_DATA ("bad_lines.jsonl"), NULL, &lines, &stats, why, sizeof why), -1);
    CU_ASSERT_EQUAL (lines.calls, 1);
    CU_ASSERT_EQUAL (lines.bad_count, 0);  //  the bad lines after it are not read
    CU_ASSERT_EQUAL (stats.records, 0);
}

static void
test_quotes_and_long_lines (void)
{
    //  A 400-character Chinese note is 1200 bytes: too long, and the line
    //  shown is cut between characters, not inside one.
    size_t size = 64 * 1024 + 4096;
    char *text = malloc (size);
    CU_ASSERT_PTR_NOT_NULL_FATAL (text);
    int at = snprintf (text, size, "indicator,area,year,value,note\nDM01,wuqing,2023,30,");
    for (int i = 0; i < 400; i++)
        at += snprintf (text + at, size - (size_t)at, "妇");
    at += snprintf (text + at, size - (size_t)at,
                    "\n"
                    "DM01,wuqing,2023,30,say \"hi\" to all\n"          //  a quote inside a bare cell
                    "DM01,wuqing,2023,31,\"quoted\" then more\n"       //  text after a closing quote
                    "DM01,wuqing,2023,32,\"a \"\"quoted\"\" word\"\n"  //  done right
                    "DM01,wuqing,2023,33,\"never closed\n");
    s_sink_t sink = { .record_count = 0 };
    wdm_source_stats_t stats;
    CU_ASSERT_EQUAL (wdm_source_parse (text, (size_t)at, WDM_SOURCE_CSV, NULL, s_on_record, s_on_error, &sink,
                                       &stats, NULL, 0),
                     0);
    CU_ASSERT_TRUE (s_bad (&sink, 2, "note", "note is too long: 1200 bytes, at most 1023"));
    const char *shown = sink.bad [0].text;
    CU_ASSERT_EQUAL (strncmp (shown, "DM01,wuqing,2023,30,妇妇", strlen ("DM01,wuqing,2023,30,妇妇")), 0);
    CU_ASSERT_TRUE (strlen (shown) > WDM_SOURCE_TEXT_MAX - 8);
    CU_ASSERT_STRING_EQUAL (shown + strlen (shown) - 3, "...");
    CU_ASSERT_TRUE (s_bad (&sink, 3, "", "misplaced quote"));
    CU_ASSERT_TRUE (s_bad (&sink, 4, "", "misplaced quote"));
    const wdm_record_t *right = s_record_at (&sink, 5);
    CU_ASSERT_PTR_NOT_NULL_FATAL (right);
    CU_ASSERT_STRING_EQUAL (right->note, "a \"quoted\" word");
    CU_ASSERT_TRUE (s_bad (&sink, 6, "", "never closed"));
    CU_ASSERT_EQUAL (stats.records, 1);
    CU_ASSERT_EQUAL (stats.errors, 4);

    //  A bad record over two lines is shown on one, for a log or a report.
    s_sink_t two = { .record_count = 0 };
    CU_ASSERT_EQUAL (s_read_text ("indicator,area,year,value,note\n"
                                  "DM01,wuqing,2023,abc,\"two\nlines\"\n"
                                  "DM01,wuqing,2023,\"1\n2\",\tx\n",
                                  WDM_SOURCE_CSV, NULL, &two, &stats, NULL, 0),
                     0);
    CU_ASSERT_TRUE (s_bad (&two, 2, "value", "'abc'"));
    CU_ASSERT_STRING_EQUAL (two.bad [0].text, "DM01,wuqing,2023,abc,\"two lines\"");
    CU_ASSERT_TRUE (s_bad (&two, 4, "value", "value is not a number: '1 2'"));
    CU_ASSERT_PTR_NULL (strchr (two.bad [1].message, '\n'));

    //  A line over 64 KiB is refused without reading it into a cell, and
    //  the next line is read as usual.
    at = snprintf (text, size, "indicator,area,year,value,note\nDM01,wuqing,2023,30,\"");
    memset (text + at, 'x', 64 * 1024);
    at += 64 * 1024;
    snprintf (text + at, size - (size_t)at, "\nDM01,wuqing,2023,31,after\n");
    s_sink_t longer = { .record_count = 0 };
    CU_ASSERT_EQUAL (wdm_source_parse (text, strlen (text), WDM_SOURCE_CSV, NULL, s_on_record, s_on_error,
                                       &longer, &stats, NULL, 0),
                     0);
    CU_ASSERT_TRUE (s_bad (&longer, 2, "", "longer than 64 KiB"));
    const wdm_record_t *after = s_record_at (&longer, 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL (after);
    CU_ASSERT_STRING_EQUAL (after->note, "after");
    free (text);
}

static void
test_parse_file_errors (void)
{
    s_sink_t sink = { .record_count = 0 };
    wdm_source_stats_t stats = { .records = 99 };
    char why [512];
    CU_ASSERT_EQUAL (s_read_file ("/in/report.xls", NULL, &sink, &stats, why, sizeof why), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "unknown kind of file: /in/report.xls"));
    CU_ASSERT_EQUAL (stats.records, 0);

    CU_ASSERT_EQUAL (s_read_file (S_DATA ("no-such-file.csv"), NULL, &sink, &stats, why, sizeof why), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "cannot open " S_DATA ("no-such-file.csv")));

    //  A sparse file one byte over 256 MiB: refused before it is read.
    char path [] = "/tmp/test_source_XXXXXX.csv";
    int fd = mkstemps (path, 4);
    CU_ASSERT_FATAL (fd >= 0);
    CU_ASSERT_EQUAL (ftruncate (fd, (off_t)WDM_SOURCE_FILE_MAX + 1), 0);
    close (fd);
    CU_ASSERT_EQUAL (s_read_file (path, NULL, &sink, &stats, why, sizeof why), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "file too large: 268435457 bytes"));
    unlink (path);
    CU_ASSERT_EQUAL (sink.calls, 0);

    //  Callers that want neither stats, reasons nor bad lines.
    CU_ASSERT_EQUAL (
        wdm_source_parse_file (S_DATA ("bad_lines.csv"), NULL, s_on_record, NULL, &sink, NULL, NULL, 0), 0);
    CU_ASSERT_EQUAL (sink.record_count, 2);
}

int
main (void)
{
    static const wdm_test_case_t tests [] = {
        { "format from a file name's ending", test_format_from_name },
        { "CSV in UTF-8, quoted line breaks, empty lines and cells", test_csv_utf8 },
        { "CSV with a UTF-8 byte-order mark and CRLF", test_csv_bom_crlf },
        { "CSV with Chinese headers, sexes and statuses", test_csv_chinese_headers },
        { "CSV in GB18030 reads as its UTF-8 original", test_csv_gb18030 },
        { "JSON Lines", test_jsonl },
        { "CSV bad lines: line, field, message; good lines pass", test_csv_bad_lines },
        { "JSON Lines bad lines: line, field, message; good lines pass", test_jsonl_bad_lines },
        { "catalog errors use wdm_record's field and message", test_catalog_errors },
        { "F/M and bodies the indicator has not are bad lines",
          test_sex_and_body_rows_the_indicator_has_not },
        { "numbers are plain decimals, read exactly", test_numbers },
        { "a bad or missing header refuses the file", test_header_errors },
        { "an unknown encoding refuses the file", test_bad_encoding },
        { "a JSON document is not JSON Lines", test_json_document },
        { "on_record returning -1 stops reading", test_stop },
        { "quotes out of place, long fields, long lines", test_quotes_and_long_lines },
        { "files: unknown ending, missing, too large", test_parse_file_errors },
    };
    if (s_setup ())
        return 2;
    int rc = wdm_test_run_suite ("source", tests, sizeof tests / sizeof tests [0]);
    wdm_catalog_destroy (&s_catalog);
    return rc;
}
