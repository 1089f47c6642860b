/*  wdm_buf: one growable byte buffer for the whole code base (in the
    manner of curl's dynbuf): COPY rows, array literals, texts built up
    piece by piece.  Its bytes are always followed by a NUL, so a buffer of
    text is a C string.  Zero-initialise one ({ 0 }) to start; free it with
    wdm_buf_free.  */

#ifndef WDM_BUF_H_INCLUDED
#define WDM_BUF_H_INCLUDED

#include <stddef.h>

typedef struct {
    char *data;                     //  NULL until the first byte; then NUL-terminated
    size_t size;                    //  bytes held, not counting the NUL
    size_t capacity;                //  bytes allocated
} wdm_buf_t;

//  Make room for more bytes (and the NUL) without adding them.  0, or -1
//  out of memory (the buffer is as it was).
int wdm_buf_reserve (wdm_buf_t *self, size_t more);

//  Append size bytes.  0, or -1 out of memory (nothing appended).
int wdm_buf_add (wdm_buf_t *self, const void *bytes, size_t size);

//  Append text formatted printf-style, of any length.  0, or -1 out of
//  memory or on a bad format (nothing appended).
int wdm_buf_printf (wdm_buf_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

//  Empty the buffer, keeping its memory for reuse.
void wdm_buf_reset (wdm_buf_t *self);

//  Free the memory; the buffer is empty and reusable.  NULL is accepted.
void wdm_buf_free (wdm_buf_t *self);

#endif
