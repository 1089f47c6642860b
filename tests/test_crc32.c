/*  test_crc32: the standard check value, incremental use, and a flipped
    bit always caught.  */

#include "wdm_crc32.h"
#include "wdm_test.h"

#include <string.h>

static void
test_check_value (void)
{
    CU_ASSERT_EQUAL (wdm_crc32 (0, "123456789", 9), 0xCBF43926u);
    CU_ASSERT_EQUAL (wdm_crc32 (0, "", 0), 0);
    CU_ASSERT_EQUAL (wdm_crc32 (0, "a", 1), 0xE8B7BE43u);
    //  Continuing over nothing keeps the CRC, even from a NULL pointer
    //  (zlib alone would answer 0).
    CU_ASSERT_EQUAL (wdm_crc32 (0xCBF43926u, NULL, 0), 0xCBF43926u);
}

static void
test_incremental_matches_whole (void)
{
    uint8_t data [300];
    for (size_t i = 0; i < sizeof data; i++)
        data [i] = (uint8_t) (i * 131 + 7);
    uint32_t whole = wdm_crc32 (0, data, sizeof data);
    for (size_t cut = 0; cut <= sizeof data; cut++) {
        uint32_t part = wdm_crc32 (0, data, cut);
        CU_ASSERT_EQUAL (wdm_crc32 (part, data + cut, sizeof data - cut), whole);
    }
    //  Any flipped bit changes the CRC.
    for (size_t bit = 0; bit < 8 * 64; bit++) {
        data [bit / 8] ^= (uint8_t) (1u << (bit % 8));
        CU_ASSERT_NOT_EQUAL (wdm_crc32 (0, data, sizeof data), whole);
        data [bit / 8] ^= (uint8_t) (1u << (bit % 8));
    }
}

int
main (void)
{
    static const wdm_test_case_t tests [] = {
        { "check value of \"123456789\" is 0xCBF43926", test_check_value },
        { "incremental CRC equals the whole; a flipped bit shows", test_incremental_matches_whole },
    };
    return wdm_test_run_suite ("crc32", tests, sizeof tests / sizeof tests [0]);
}
