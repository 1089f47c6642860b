/*  test_web_csv: the console's CSV downloads quote as RFC 4180 says — a
    field with a comma, a quote or a line break stays one field, a quote
    is doubled, Chinese passes through as UTF-8 untouched, every record
    ends in CRLF — so that Excel and any CSV reader get back the cells the
    page shows.  */

#include "wdm_test.h"
#include "wdm_web_int.h"

#include <string.h>

static void
test_quoting (void)
{
    wdm_buf_t out = { 0 };
    const char *fields [] = { "a,b", "say \"hi\"", "line 1\nline 2", "妇女发展规划", "", NULL, "plain" };
    CU_ASSERT_EQUAL (wdm_web_csv_record (&out, fields, 7), 0);
    CU_ASSERT_STRING_EQUAL (
        out.data, "\"a,b\",\"say \"\"hi\"\"\",\"line 1\nline 2\",\"妇女发展规划\",\"\",\"\",\"plain\"\r\n");
    wdm_buf_free (&out);
}

static void
test_records_follow (void)
{
    wdm_buf_t out = { 0 };
    const char *first [] = { "单位 / Unit", "缺报 / Missing" }, *second [] = { "health_commission", "23" };
    CU_ASSERT_EQUAL (wdm_web_csv_record (&out, first, 2), 0);
    CU_ASSERT_EQUAL (wdm_web_csv_record (&out, second, 2), 0);
    CU_ASSERT_STRING_EQUAL (out.data,
                            "\"单位 / Unit\",\"缺报 / Missing\"\r\n\"health_commission\",\"23\"\r\n");
    CU_ASSERT_EQUAL (strlen (out.data), out.size);
    wdm_buf_free (&out);
}

static void
test_only_quotes (void)
{
    //  Every byte a quote: the most the field can grow.
    wdm_buf_t out = { 0 };
    const char *fields [] = { "\"\"\"" };
    CU_ASSERT_EQUAL (wdm_web_csv_record (&out, fields, 1), 0);
    CU_ASSERT_STRING_EQUAL (out.data, "\"\"\"\"\"\"\"\"\r\n");
    wdm_buf_free (&out);
}

int
main (void)
{
    static const wdm_test_case_t tests [] = {
        { "a comma, a quote, a line break and Chinese are quoted", test_quoting },
        { "records follow one another, each ending in CRLF", test_records_follow },
        { "a field of quotes doubles each", test_only_quotes },
    };
    return wdm_test_run_suite ("web_csv", tests, (int)(sizeof tests / sizeof tests [0]));
}
