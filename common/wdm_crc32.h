/*  wdm_crc32: CRC-32, computed by zlib (the ISO-HDLC polynomial of Ethernet and PNG;
    check value 0xCBF43926 for "123456789").  The wire protocol's header
    carries it for the body frame; the collector's outbox for each record.  */

#ifndef WDM_CRC32_H_INCLUDED
#define WDM_CRC32_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

//  CRC of size bytes at data.  Pass 0 as crc to start; pass an earlier
//  result to continue it over more bytes.
uint32_t wdm_crc32 (uint32_t crc, const void *data, size_t size);

#endif
