/*  wdm_crc32: CRC-32 from zlib (crc32_z), the one the wire header and the
    outbox records carry.  */

#include "wdm_crc32.h"

#include <zlib.h>

uint32_t
wdm_crc32 (uint32_t crc, const void *data, size_t size)
{
    //  zlib answers 0 for a NULL buffer, whatever crc it continues.
    if (size == 0)
        return crc;
    return (uint32_t)crc32_z (crc, data, size);
}
