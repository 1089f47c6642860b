/*  wdm_buf: see the header.  Capacity doubles from 256 bytes.  */

#include "wdm_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
wdm_buf_reserve (wdm_buf_t *self, size_t more)
{
    if (more > (size_t)-1 / 2 - self->size)
        return -1;
    size_t needed = self->size + more + 1;
    if (needed <= self->capacity)
        return 0;
    size_t capacity = self->capacity ? self->capacity : 256;
    while (capacity < needed)
        capacity *= 2;
    char *data = realloc (self->data, capacity);
    if (!data)
        return -1;
    self->data = data;
    self->capacity = capacity;
    return 0;
}

int
wdm_buf_add (wdm_buf_t *self, const void *bytes, size_t size)
{
    if (wdm_buf_reserve (self, size))
        return -1;
    if (size)
        memcpy (self->data + self->size, bytes, size);
    self->size += size;
    self->data [self->size] = '\0';
    return 0;
}

int
wdm_buf_printf (wdm_buf_t *self, const char *format, ...)
{
    //  Formatted once where it fits in the room left (the usual case: the
    //  COPY text of a group formats tens of thousands of numbers), and again
    //  only after growing the buffer to the length the first try told.
    size_t room = self->capacity > self->size ? self->capacity - self->size : 0;
    va_list args;
    va_start (args, format);
    int len = vsnprintf (room ? self->data + self->size : NULL, room, format, args);
    va_end (args);
    if (len < 0)
        return -1;
    if ((size_t)len >= room) {
        if (wdm_buf_reserve (self, (size_t)len)) {
            if (room)
                self->data [self->size] = '\0';  //  what the first try wrote is not kept
            return -1;
        }
        va_start (args, format);
        vsnprintf (self->data + self->size, (size_t)len + 1, format, args);
        va_end (args);
    }
    self->size += (size_t)len;
    return 0;
}

void
wdm_buf_reset (wdm_buf_t *self)
{
    self->size = 0;
    if (self->data)
        self->data [0] = '\0';
}

void
wdm_buf_free (wdm_buf_t *self)
{
    if (!self)
        return;
    free (self->data);
    self->data = NULL;
    self->size = self->capacity = 0;
}
