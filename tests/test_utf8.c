/*  test_utf8: the strict UTF-8 validator accepts well-formed text and
    refuses each kind of malformed sequence.  */

#include "wdm_test.h"
#include "wdm_utf8.h"

#include <string.h>

static int
s_valid (const char *bytes)
{
    return wdm_utf8_valid (bytes, strlen (bytes));
}

static void
test_accepts_well_formed (void)
{
    CU_ASSERT_TRUE (s_valid (""));
    CU_ASSERT_TRUE (s_valid ("plain ASCII"));
    CU_ASSERT_TRUE (s_valid ("孕产妇死亡率控制在8.5/10万以下"));
    CU_ASSERT_TRUE (s_valid ("\xC2\xA0"));          //  U+00A0
    CU_ASSERT_TRUE (s_valid ("\xEF\xBB\xBF"));      //  BOM, U+FEFF
    CU_ASSERT_TRUE (s_valid ("\xF0\x9F\x98\x80"));  //  U+1F600
    CU_ASSERT_TRUE (s_valid ("\xF4\x8F\xBF\xBF"));  //  U+10FFFF
}

static void
test_refuses_malformed (void)
{
    CU_ASSERT_FALSE (s_valid ("\x80"));              //  stray continuation
    CU_ASSERT_FALSE (s_valid ("\xC0\x80"));          //  overlong NUL
    CU_ASSERT_FALSE (s_valid ("\xC1\xBF"));          //  overlong
    CU_ASSERT_FALSE (s_valid ("\xE0\x80\x80"));      //  overlong
    CU_ASSERT_FALSE (s_valid ("\xED\xA0\x80"));      //  surrogate U+D800
    CU_ASSERT_FALSE (s_valid ("\xF4\x90\x80\x80"));  //  above U+10FFFF
    CU_ASSERT_FALSE (s_valid ("\xF5\x80\x80\x80"));
    CU_ASSERT_FALSE (s_valid ("\xFF"));
    CU_ASSERT_FALSE (s_valid ("\xE4\xB8"));  //  truncated 中
    CU_ASSERT_FALSE (s_valid ("ab\xE4\xB8"
                              "c"));                 //  cut, then ASCII
    CU_ASSERT_FALSE (s_valid ("\xB0\xC2\xCB\xC0"));  //  GBK bytes of 孕产
    CU_ASSERT_FALSE (wdm_utf8_valid ("a\0b", 3));    //  NUL inside
}

int
main (void)
{
    static const wdm_test_case_t tests [] = {
        { "accepts well-formed UTF-8", test_accepts_well_formed },
        { "refuses each malformed form", test_refuses_malformed },
    };
    return wdm_test_run_suite ("utf8", tests, sizeof tests / sizeof tests [0]);
}
