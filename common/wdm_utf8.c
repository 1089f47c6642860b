/*  wdm_utf8: a table-free strict UTF-8 validator (RFC 3629, Unicode 3.9
    table 3-7 of well-formed byte sequences).  */

#include "wdm_utf8.h"

bool
wdm_utf8_valid (const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s [i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t extra;
        unsigned char low = 0x80, high = 0xBF;  //  range of the second byte
        if (c >= 0xC2 && c <= 0xDF)
            extra = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            if (c == 0xE0)
                low = 0xA0;  //  no overlongs
            if (c == 0xED)
                high = 0x9F;  //  no surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            if (c == 0xF0)
                low = 0x90;  //  no overlongs
            if (c == 0xF4)
                high = 0x8F;  //  nothing above U+10FFFF
        } else
            return false;  //  C0, C1, F5..FF, stray continuation
        if (len - i <= extra)
            return false;  //  truncated sequence
        if (s [i + 1] < low || s [i + 1] > high)
            return false;
        for (size_t k = 2; k <= extra; k++)
            if (s [i + k] < 0x80 || s [i + k] > 0xBF)
                return false;
        i += extra + 1;
    }
    return true;
}
