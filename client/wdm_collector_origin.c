/*  wdm_collector_origin: a record's origin (its file and line) carried in
    its outbox payload, ahead of its queued form (the layout is in
    wdm_collector_int.h, CL_ORIGIN_MARK).  Intake writes it
    (wdm_collector_intake.c), delivery reads it back to name the file and
    line of a record the centre refuses (wdm_collector_delivery.c).  */

#include "wdm_collector_int.h"

#include <string.h>

//  Append a record's origin to a payload.  0, or -1 if memory is short.
int
cl_origin_encode (msgpack_sbuffer *out, const char *name, int line)
{
    size_t len = strlen (name);
    if (len > 255)
        len = 255;                      //  no file name is longer
    uint32_t at = line > 0 ? (uint32_t) line : 0;
    uint8_t head [6] = { CL_ORIGIN_MARK, (uint8_t) (at >> 24), (uint8_t) (at >> 16),
                         (uint8_t) (at >> 8), (uint8_t) at, (uint8_t) len };
    return msgpack_sbuffer_write (out, (const char *) head, sizeof head)
        || msgpack_sbuffer_write (out, name, len) ? -1 : 0;
}

//  Split a payload into its origin (name of *name_len bytes, not
//  NUL-terminated, and line; none: NULL and 0) and its queued form.
void
cl_origin_split (const uint8_t *payload, size_t size, const char **name, size_t *name_len,
                uint32_t *line, const uint8_t **stored, size_t *stored_size)
{
    *name = NULL;
    *name_len = 0;
    *line = 0;
    *stored = payload;
    *stored_size = size;
    if (size < 6 || payload [0] != CL_ORIGIN_MARK || size < 6 + (size_t) payload [5])
        return;
    *line = (uint32_t) payload [1] << 24 | (uint32_t) payload [2] << 16
          | (uint32_t) payload [3] << 8 | payload [4];
    *name = (const char *) payload + 6;
    *name_len = payload [5];
    *stored = payload + 6 + *name_len;
    *stored_size = size - 6 - *name_len;
}
