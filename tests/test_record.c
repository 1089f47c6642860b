/*  test_record: a valid record of each shape passes, and each way a record
    can be wrong is reported as its own error with its field and message.  */

#include "wdm_record.h"
#include "wdm_test.h"
#include "wdm_test_catalog.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static wdm_catalog_t *s_catalog = NULL;

//  A catalog like the plan's: a rate per 100,000, a share in percent, a
//  by-sex indicator, a count, and one reported quarterly.
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
        | wdm_test_catalog_add (s_catalog, "ED02", 100, 0, 150, false,
                                WDM_FREQ_YEAR);  //  gross enrolment ratio
}

static wdm_record_t
s_record (const char *indicator, double value)
{
    wdm_record_t record;
    wdm_record_init (&record);
    snprintf (record.indicator, sizeof record.indicator, "%s", indicator);
    snprintf (record.area, sizeof record.area, "%s", "wuqing");
    record.year = 2023;
    record.value = value;
    record.epoch = 1;
    record.seq = 1;
    return record;
}

static wdm_record_error_t
s_check (const wdm_record_t *record)
{
    return wdm_record_validate (record, s_catalog);
}

static void
test_init_defaults (void)
{
    wdm_record_t record;
    memset (&record, 0x5A, sizeof record);
    wdm_record_init (&record);
    CU_ASSERT_EQUAL (record.sex, 'T');
    CU_ASSERT_EQUAL (record.period_kind, WDM_FREQ_YEAR);
    CU_ASSERT_EQUAL (record.period_no, 0);
    CU_ASSERT_EQUAL (record.status, WDM_STATUS_PROVISIONAL);
    CU_ASSERT_FALSE (record.has_numerator);
    CU_ASSERT_STRING_EQUAL (record.note, "");
}

static void
test_valid_records (void)
{
    //  Maternal mortality 8.2 per 100,000: 3 deaths in 36,585 live births.
    wdm_record_t rate = s_record ("HE02", 8.2);
    rate.has_numerator = rate.has_denominator = true;
    rate.numerator = 3;
    rate.denominator = 36585;
    rate.status = WDM_STATUS_FINAL;
    snprintf (rate.note, sizeof rate.note, "%s", "含流动人口 / includes migrants");
    CU_ASSERT_EQUAL (s_check (&rate), WDM_RECORD_OK);

    wdm_record_t share = s_record ("DM01", 36.4);
    share.has_numerator = share.has_denominator = true;
    share.numerator = 4368;
    share.denominator = 12000;
    CU_ASSERT_EQUAL (s_check (&share), WDM_RECORD_OK);

    wdm_record_t baseline = s_record ("DM01", 33.0);
    baseline.year = 2020;  //  the baseline year is reportable
    CU_ASSERT_EQUAL (s_check (&baseline), WDM_RECORD_OK);
    baseline.year = 2025;
    CU_ASSERT_EQUAL (s_check (&baseline), WDM_RECORD_OK);

    wdm_record_t women = s_record ("FA01", 154);
    women.sex = 'F';
    CU_ASSERT_EQUAL (s_check (&women), WDM_RECORD_OK);
    women.sex = 'M';
    CU_ASSERT_EQUAL (s_check (&women), WDM_RECORD_OK);

    wdm_record_t body = s_record ("DM06", 1);
    snprintf (body.body, sizeof body.body, "%s", "区政协");
    snprintf (body.area, sizeof body.area, "%s", "meichang");
    CU_ASSERT_EQUAL (s_check (&body), WDM_RECORD_OK);

    wdm_record_t quarter = s_record ("EC90", 41);
    quarter.period_kind = WDM_FREQ_QUARTER;
    quarter.period_no = 4;
    CU_ASSERT_EQUAL (s_check (&quarter), WDM_RECORD_OK);

    //  Bounds include their ends.
    wdm_record_t edge = s_record ("DM01", 100);
    CU_ASSERT_EQUAL (s_check (&edge), WDM_RECORD_OK);
    edge.value = 0;
    CU_ASSERT_EQUAL (s_check (&edge), WDM_RECORD_OK);
}

static void
test_unknown_indicator (void)
{
    wdm_record_t record = s_record ("HE99", 1);
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_UNKNOWN_INDICATOR);
    record = s_record ("", 1);
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_UNKNOWN_INDICATOR);
    record = s_record ("he02", 1);  //  codes are case-sensitive
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_UNKNOWN_INDICATOR);
    memset (record.indicator, 'H', sizeof record.indicator);  //  unterminated
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_UNKNOWN_INDICATOR);
}

static void
test_bad_code (void)
{
    wdm_record_t record = s_record ("DM01", 30);
    record.area [0] = '\0';
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_BAD_CODE);
    record = s_record ("DM01", 30);
    snprintf (record.area, sizeof record.area, "%s", "\xCE\xE4\xC7\xE5");  //  武清 in GBK
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_BAD_CODE);
    record = s_record ("DM01", 30);
    memset (record.body, 'b', sizeof record.body);
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_BAD_CODE);
}

static void
test_period_outside_plan (void)
{
    wdm_record_t record = s_record ("DM01", 30);
    record.year = 2019;
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_PERIOD_OUTSIDE_PLAN);
    record.year = 2026;
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_PERIOD_OUTSIDE_PLAN);
    record.year = 0;
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_PERIOD_OUTSIDE_PLAN);
}

static void
test_bad_period (void)
{
    wdm_record_t record = s_record ("DM01", 30);
    record.period_kind = WDM_FREQ_QUARTER;  //  a yearly indicator
    record.period_no = 1;
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_BAD_PERIOD);
    record = s_record ("DM01", 30);
    record.period_no = 3;  //  a year has no number
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_BAD_PERIOD);
    record = s_record ("EC90", 30);
    record.period_kind = WDM_FREQ_QUARTER;
    record.period_no = 5;
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_BAD_PERIOD);
    record.period_no = 0;
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_BAD_PERIOD);
}

static void
test_bad_sex (void)
{
    wdm_record_t record = s_record ("DM01", 30);
    record.sex = 'X';
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_BAD_SEX);
    record.sex = 'f';
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_BAD_SEX);
    record = s_record ("FA01", 120);  //  by-sex: a total is not enough
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_BAD_SEX);
}

//  Issue 12, finding 9: a row the indicator has no place for — F or M for
//  an indicator not split by sex, a body where there are none, none or an
//  unknown one where each body counts — is refused, naming the field.
static void
test_sex_and_body_the_indicator_has_not (void)
{
    wdm_record_t record = s_record ("DM01", 30);  //  women among party members: a total
    record.sex = 'F';
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_SEX_NOT_SPLIT);
    CU_ASSERT_STRING_EQUAL (wdm_record_error_field (WDM_RECORD_SEX_NOT_SPLIT), "sex");
    record.sex = 'M';
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_SEX_NOT_SPLIT);
    record = s_record ("DM01", 30);
    snprintf (record.body, sizeof record.body, "%s", "区政协");
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_BODY_NOT_EXPECTED);
    CU_ASSERT_STRING_EQUAL (wdm_record_error_field (WDM_RECORD_BODY_NOT_EXPECTED), "body");
    record = s_record ("DM06", 1);  //  counted in each of its bodies
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_BODY_REQUIRED);
    snprintf (record.body, sizeof record.body, "%s", "区政府");
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_UNKNOWN_BODY);
    snprintf (record.body, sizeof record.body, "%s", "区妇联");
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_OK);
    //  A collector's catalog.json that does not list bodies checks none.
    wdm_indicator_t unlisted = *wdm_catalog_find (s_catalog, "DM01");
    unlisted.bodies_unknown = true;
    snprintf (unlisted.code, sizeof unlisted.code, "%s", "DM99");
    CU_ASSERT_EQUAL_FATAL (wdm_catalog_add (s_catalog, &unlisted), 0);
    record = s_record ("DM99", 30);
    snprintf (record.body, sizeof record.body, "%s", "区政协");
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_OK);
}

static void
test_value_not_finite (void)
{
    wdm_record_t record = s_record ("DM01", NAN);
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_VALUE_NOT_FINITE);
    record = s_record ("DM01", INFINITY);
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_VALUE_NOT_FINITE);
    record = s_record ("DM01", 30);
    record.has_denominator = true;
    record.denominator = INFINITY;
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_VALUE_NOT_FINITE);
}

static void
test_value_out_of_bounds (void)
{
    wdm_record_t record = s_record ("DM01", 100.01);
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_VALUE_OUT_OF_BOUNDS);
    record.value = -0.5;
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_VALUE_OUT_OF_BOUNDS);
    record = s_record ("HE02", 1000.5);
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_VALUE_OUT_OF_BOUNDS);
}

static void
test_numerator_and_denominator (void)
{
    wdm_record_t record = s_record ("DM01", 0);
    record.has_numerator = record.has_denominator = true;
    record.numerator = -1;
    record.denominator = 100;
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_NEGATIVE_NUMERATOR);

    record.numerator = 0;
    record.denominator = 0;
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_BAD_DENOMINATOR);
    record.denominator = -10;
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_BAD_DENOMINATOR);

    //  120 women among 100 members: a share cannot exceed its whole.
    record.value = 100;
    record.numerator = 120;
    record.denominator = 100;
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_NUMERATOR_ABOVE_DENOMINATOR);

    //  A gross enrolment ratio counts pupils of every age over the
    //  population of school age: it may pass 100%.
    wdm_record_t gross = s_record ("ED02", 102.5);
    gross.has_numerator = gross.has_denominator = true;
    gross.numerator = 4100;
    gross.denominator = 4000;
    CU_ASSERT_EQUAL (s_check (&gross), WDM_RECORD_OK);

    //  36 of 100 is 36%, not 63%.
    record.numerator = 36;
    record.value = 63;
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_VALUE_MISMATCH);
    record.value = 36.1;  //  reports round: within tolerance
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_OK);
}

static void
test_bad_status (void)
{
    wdm_record_t record = s_record ("DM01", 30);
    record.status = (wdm_status_t)7;
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_BAD_STATUS);

    wdm_status_t status;
    CU_ASSERT_EQUAL (wdm_record_status_parse ("final", &status), 0);
    CU_ASSERT_EQUAL (status, WDM_STATUS_FINAL);
    CU_ASSERT_EQUAL (wdm_record_status_parse ("estimated", &status), 0);
    CU_ASSERT_EQUAL (status, WDM_STATUS_ESTIMATED);
    CU_ASSERT_EQUAL (wdm_record_status_parse ("Final", &status), -1);
    CU_ASSERT_STRING_EQUAL (wdm_record_status_name (WDM_STATUS_PROVISIONAL), "provisional");
}

static void
test_bad_note (void)
{
    wdm_record_t record = s_record ("DM01", 30);
    snprintf (record.note, sizeof record.note, "%s", "bad \xFF byte");
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_BAD_NOTE);
    memset (record.note, 'n', sizeof record.note);  //  unterminated
    CU_ASSERT_EQUAL (s_check (&record), WDM_RECORD_BAD_NOTE);
}

static void
test_error_descriptions (void)
{
    //  Every error has its own name, a field, and a message in Chinese
    //  with English alongside.
    for (int i = 1; i < WDM_RECORD_ERROR_COUNT; i++) {
        const char *name = wdm_record_error_name ((wdm_record_error_t)i);
        CU_ASSERT_TRUE (strlen (name) > 0);
        CU_ASSERT_TRUE (strlen (wdm_record_error_field ((wdm_record_error_t)i)) > 0);
        const char *message = wdm_record_error_message ((wdm_record_error_t)i);
        CU_ASSERT_PTR_NOT_NULL (strstr (message, " / "));
        CU_ASSERT_TRUE ((unsigned char)message [0] >= 0xE0);  //  starts with a CJK character
        for (int k = 1; k < i; k++)
            CU_ASSERT_STRING_NOT_EQUAL (name, wdm_record_error_name ((wdm_record_error_t)k));
    }
    CU_ASSERT_STRING_EQUAL (wdm_record_error_name (WDM_RECORD_NUMERATOR_ABOVE_DENOMINATOR),
                            "numerator_above_denominator");
    CU_ASSERT_STRING_EQUAL (wdm_record_error_field (WDM_RECORD_VALUE_OUT_OF_BOUNDS), "value");
    CU_ASSERT_STRING_EQUAL (wdm_record_error_name ((wdm_record_error_t)99), "unknown_error");
}

int
main (void)
{
    static const wdm_test_case_t tests [] = {
        { "init gives a total, yearly, provisional record", test_init_defaults },
        { "valid records of every shape pass", test_valid_records },
        { "unknown indicator", test_unknown_indicator },
        { "bad area or body code", test_bad_code },
        { "period outside the plan", test_period_outside_plan },
        { "period wrong for the indicator", test_bad_period },
        { "bad sex code", test_bad_sex },
        { "sex and body the indicator has not", test_sex_and_body_the_indicator_has_not },
        { "value not finite", test_value_not_finite },
        { "value out of bounds", test_value_out_of_bounds },
        { "numerator and denominator checks", test_numerator_and_denominator },
        { "bad status", test_bad_status },
        { "bad note", test_bad_note },
        { "each error has a name, a field and a message", test_error_descriptions },
    };
    if (s_setup ())
        return 2;
    int rc = wdm_test_run_suite ("record", tests, sizeof tests / sizeof tests [0]);
    wdm_catalog_destroy (&s_catalog);
    return rc;
}
