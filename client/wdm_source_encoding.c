/*  wdm_source_encoding: an input's encoding found (UTF-8, with or without
    a byte-order mark, or GB18030) and made UTF-8, so that everything after
    works on one encoding.  Line numbers survive the conversion because
    GB18030 never uses the bytes of CR, LF, comma or quote inside a
    character.  Called by wdm_source_parse (sr_decode); the converted copy
    is the caller's.  */

#include "wdm_source_int.h"
#include "wdm_utf8.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The first line that is not valid UTF-8.  No UTF-8 character holds a
//  line break byte, so lines can be checked one by one.
static int
s_first_bad_line (const char *data, size_t size)
{
    int line = 0;
    for (size_t pos = 0; pos < size; ) {
        size_t end = sr_line_end (data, size, pos);
        line++;
        if (!wdm_utf8_valid (data + pos, end - pos))
            return line;
        pos = end;
    }
    return line;
}

//  Convert size bytes of GB18030 to UTF-8 in a new buffer, *copy.
static int
s_from_gb18030 (sr_reader_t *self, const char *data, size_t size, char **copy, size_t *copy_size)
{
    int rc = -1;
    char *out = NULL;
    iconv_t cd = iconv_open ("UTF-8", "GB18030");
    if (cd == (iconv_t) -1) {
        sr_why (self, "本机iconv不支持GB18030 / this system's iconv cannot convert from GB18030");
        goto cleanup;
    }
    //  A GB18030 character of one byte is one in UTF-8, of two bytes
    //  three, of four bytes at most four: half as much again is enough.
    size_t out_size = size + size / 2 + 1;
    out = malloc (out_size);
    if (!out) {
        sr_why (self, "内存不足 / out of memory");
        goto cleanup;
    }
    char *in = (char *) data;       //  iconv's prototype wants it writable; it is not written
    size_t in_left = size;
    char *next = out;
    size_t out_left = out_size;
    if (iconv (cd, &in, &in_left, &next, &out_left) == (size_t) -1
    ||  iconv (cd, NULL, NULL, &next, &out_left) == (size_t) -1) {
        int utf8_line = s_first_bad_line (data, size);
        int gb_line = sr_line_at (data, size, (size_t) (in - data));
        sr_why (self, "无法识别文件编码：第%d行不是UTF-8，第%d行不是GB18030；请另存为“CSV UTF-8” / "
                     "unknown encoding: not valid UTF-8 (line %d) nor GB18030 (line %d); save the file as \"CSV UTF-8\"",
               utf8_line, gb_line, utf8_line, gb_line);
        goto cleanup;
    }
    *copy_size = out_size - out_left;
    if (!wdm_utf8_valid (out, *copy_size)) {
        sr_why (self, "GB18030转换结果不是有效的UTF-8 / GB18030 did not convert to valid UTF-8");
        goto cleanup;
    }
    *copy = out;
    out = NULL;
    rc = 0;
cleanup:
    if (cd != (iconv_t) -1)
        iconv_close (cd);
    free (out);
    return rc;
}

//  Find the input's encoding and make it UTF-8: *text is data past a
//  byte-order mark, or a converted copy in *copy for the caller to free.
int
sr_decode (sr_reader_t *self, const char *data, size_t size, wdm_source_format_t format,
          const char **text, size_t *text_size, char **copy)
{
    const unsigned char *bytes = (const unsigned char *) data;
    if (size >= 2 && ((bytes [0] == 0xFF && bytes [1] == 0xFE)
                  ||  (bytes [0] == 0xFE && bytes [1] == 0xFF))) {
        sr_why (self, "不支持UTF-16编码（Excel的“Unicode文本”）；请另存为“CSV UTF-8” / "
                     "UTF-16 (Excel's \"Unicode text\") is not supported; save the file as \"CSV UTF-8\"");
        return -1;
    }
    bool bom = size >= 3 && bytes [0] == 0xEF && bytes [1] == 0xBB && bytes [2] == 0xBF;
    if (bom) {
        data += 3;
        size -= 3;
    }
    const char *nul = size ? memchr (data, '\0', size) : NULL;
    if (nul) {
        int line = sr_line_at (data, size, (size_t) (nul - data));
        sr_why (self, "第%d行含有NUL字节，不是文本文件？ / a NUL byte at line %d: not a text file?",
               line, line);
        return -1;
    }
    if (wdm_utf8_valid (data, size)) {
        self->stats->encoding = bom ? "UTF-8 BOM" : "UTF-8";
        *text = data;
        *text_size = size;
        return 0;
    }
    //  A byte-order mark says UTF-8: a bad byte after it is damage, not
    //  another encoding.
    if (bom || format == WDM_SOURCE_JSONL) {
        int line = s_first_bad_line (data, size);
        sr_why (self, "第%d行不是有效的UTF-8%s / not valid UTF-8 at line %d%s",
               line, bom ? "（文件以UTF-8字节顺序标记开头）" : "（JSON Lines须为UTF-8）",
               line, bom ? " (the file starts with a UTF-8 byte-order mark)" : " (JSON Lines must be UTF-8)");
        return -1;
    }
    if (s_from_gb18030 (self, data, size, copy, text_size))
        return -1;
    self->stats->encoding = "GB18030";
    *text = *copy;
    return 0;
}


