/*  test_catalog: indicators go in once each and are found by code,
    whatever order they were added in.  */

#include "wdm_catalog.h"
#include "wdm_test.h"

#include <stdio.h>
#include <string.h>

static wdm_indicator_t
s_indicator (const char *code)
{
    wdm_indicator_t indicator = { .frequency = WDM_FREQ_YEAR };
    snprintf (indicator.code, sizeof indicator.code, "%s", code);
    return indicator;
}

static void
test_new_checks_years (void)
{
    wdm_catalog_t *catalog = wdm_catalog_new (2026, 2025);
    CU_ASSERT_PTR_NULL (catalog);
    catalog = wdm_catalog_new (2020, 2025);
    CU_ASSERT_PTR_NOT_NULL_FATAL (catalog);
    CU_ASSERT_EQUAL (wdm_catalog_first_year (catalog), 2020);
    CU_ASSERT_EQUAL (wdm_catalog_last_year (catalog), 2025);
    CU_ASSERT_EQUAL (wdm_catalog_size (catalog), 0);
    wdm_catalog_destroy (&catalog);
    CU_ASSERT_PTR_NULL (catalog);
    wdm_catalog_destroy (&catalog);  //  NULL is accepted
    wdm_catalog_destroy (NULL);
}

static void
test_add_and_find (void)
{
    wdm_catalog_t *catalog = wdm_catalog_new (2020, 2025);
    CU_ASSERT_PTR_NOT_NULL_FATAL (catalog);
    //  200 codes in a scrambled order, past the first growth of the array.
    char code [16];
    for (int i = 0; i < 200; i++) {
        snprintf (code, sizeof code, "X%03d", (i * 37) % 200);
        wdm_indicator_t indicator = s_indicator (code);
        indicator.value_max = (i * 37) % 200;
        CU_ASSERT_EQUAL (wdm_catalog_add (catalog, &indicator), 0);
    }
    CU_ASSERT_EQUAL (wdm_catalog_size (catalog), 200);
    for (int i = 0; i < 200; i++) {
        snprintf (code, sizeof code, "X%03d", i);
        const wdm_indicator_t *found = wdm_catalog_find (catalog, code);
        CU_ASSERT_PTR_NOT_NULL_FATAL (found);
        CU_ASSERT_STRING_EQUAL (found->code, code);
        CU_ASSERT_EQUAL (found->value_max, i);
    }
    CU_ASSERT_PTR_NULL (wdm_catalog_find (catalog, "X200"));
    CU_ASSERT_PTR_NULL (wdm_catalog_find (catalog, ""));
    wdm_catalog_destroy (&catalog);
}

static void
test_refuses_duplicates_and_empty (void)
{
    wdm_catalog_t *catalog = wdm_catalog_new (2020, 2025);
    CU_ASSERT_PTR_NOT_NULL_FATAL (catalog);
    wdm_indicator_t indicator = s_indicator ("HE02");
    CU_ASSERT_EQUAL (wdm_catalog_add (catalog, &indicator), 0);
    CU_ASSERT_EQUAL (wdm_catalog_add (catalog, &indicator), -1);
    wdm_indicator_t empty = s_indicator ("");
    CU_ASSERT_EQUAL (wdm_catalog_add (catalog, &empty), -1);
    wdm_indicator_t unterminated = s_indicator ("X");
    memset (unterminated.code, 'A', sizeof unterminated.code);
    CU_ASSERT_EQUAL (wdm_catalog_add (catalog, &unterminated), -1);
    CU_ASSERT_EQUAL (wdm_catalog_size (catalog), 1);
    wdm_catalog_destroy (&catalog);
}

int
main (void)
{
    static const wdm_test_case_t tests [] = {
        { "new checks its years; destroy accepts NULL", test_new_checks_years },
        { "200 indicators added in any order are all found", test_add_and_find },
        { "duplicate, empty and unterminated codes are refused", test_refuses_duplicates_and_empty },
    };
    return wdm_test_run_suite ("catalog", tests, sizeof tests / sizeof tests [0]);
}
