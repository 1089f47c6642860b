/*  wdm_crc32: table-driven, eight bytes per step ("slicing-by-8"), with
    the tables computed once on first use.  */

#include "wdm_crc32.h"

#include <pthread.h>
#include <string.h>

static uint32_t s_table [8][256];
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

static void
s_init (void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t crc = i;
        for (int bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
        s_table [0][i] = crc;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int k = 1; k < 8; k++)
            s_table [k][i] = (s_table [k - 1][i] >> 8) ^ s_table [0][s_table [k - 1][i] & 0xFF];
}

uint32_t
wdm_crc32 (uint32_t crc, const void *data, size_t size)
{
    pthread_once (&s_once, s_init);
    const uint8_t *p = (const uint8_t *) data;
    crc = ~crc;
    while (size >= 8) {
        uint32_t low, high;
        memcpy (&low, p, 4);
        memcpy (&high, p + 4, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        low = __builtin_bswap32 (low);
        high = __builtin_bswap32 (high);
#endif
        low ^= crc;
        crc = s_table [7][low & 0xFF] ^ s_table [6][(low >> 8) & 0xFF]
            ^ s_table [5][(low >> 16) & 0xFF] ^ s_table [4][low >> 24]
            ^ s_table [3][high & 0xFF] ^ s_table [2][(high >> 8) & 0xFF]
            ^ s_table [1][(high >> 16) & 0xFF] ^ s_table [0][high >> 24];
        p += 8;
        size -= 8;
    }
    while (size--)
        crc = (crc >> 8) ^ s_table [0][(crc ^ *p++) & 0xFF];
    return ~crc;
}
