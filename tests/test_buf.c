/*  test_buf: the growable buffer keeps every byte, stays NUL-terminated,
    formats text of any length, and is reusable after reset and free.  */

#include "wdm_buf.h"
#include "wdm_test.h"

#include <string.h>

static void
test_add_and_grow (void)
{
    wdm_buf_t buf = { 0 };
    char chunk [1000];
    for (size_t i = 0; i < sizeof chunk; i++)
        chunk [i] = (char) ('a' + i % 26);
    for (int i = 0; i < 100; i++)
        CU_ASSERT_EQUAL (wdm_buf_add (&buf, chunk, sizeof chunk), 0);
    CU_ASSERT_EQUAL (buf.size, 100000);
    CU_ASSERT_EQUAL (buf.data [buf.size], '\0');
    CU_ASSERT_EQUAL (memcmp (buf.data + 99000, chunk, sizeof chunk), 0);
    CU_ASSERT (buf.capacity > buf.size);
    wdm_buf_free (&buf);
    CU_ASSERT_PTR_NULL (buf.data);
    CU_ASSERT_EQUAL (buf.size, 0);
    wdm_buf_free (NULL);
}

static void
test_printf_any_length (void)
{
    wdm_buf_t buf = { 0 };
    CU_ASSERT_EQUAL (wdm_buf_printf (&buf, "%s=%d", "seq", 42), 0);
    CU_ASSERT_STRING_EQUAL (buf.data, "seq=42");
    //  Longer than any fixed scratch size (COPY's was 512 bytes).
    char long_text [5000];
    memset (long_text, 'x', sizeof long_text - 1);
    long_text [sizeof long_text - 1] = '\0';
    CU_ASSERT_EQUAL (wdm_buf_printf (&buf, ",%s", long_text), 0);
    CU_ASSERT_EQUAL (buf.size, 6 + 1 + 4999);
    CU_ASSERT_EQUAL (strlen (buf.data), buf.size);
    wdm_buf_reset (&buf);
    CU_ASSERT_EQUAL (buf.size, 0);
    CU_ASSERT_STRING_EQUAL (buf.data, "");
    CU_ASSERT_EQUAL (wdm_buf_add (&buf, "ab", 2), 0);
    CU_ASSERT_STRING_EQUAL (buf.data, "ab");
    wdm_buf_free (&buf);
}

static void
test_empty_add (void)
{
    wdm_buf_t buf = { 0 };
    CU_ASSERT_EQUAL (wdm_buf_add (&buf, NULL, 0), 0);
    CU_ASSERT_PTR_NOT_NULL (buf.data);
    CU_ASSERT_STRING_EQUAL (buf.data, "");
    wdm_buf_free (&buf);
}

int
main (void)
{
    static const wdm_test_case_t tests [] = {
        { "adding keeps every byte and grows", test_add_and_grow },
        { "printf of any length, reset keeps a string", test_printf_any_length },
        { "adding nothing gives an empty string", test_empty_add },
    };
    return wdm_test_run_suite ("buf", tests, (int) (sizeof tests / sizeof tests [0]));
}
