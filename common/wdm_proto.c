/*  wdm_proto: encode and decode the wire protocol.  See wdm_proto.h and
    docs/PROTOCOL.md.

    Decoding a body runs in two steps.  wdm_proto_skip walks the bytes
    first, without allocating, and proves them well-formed and bounded:
    after it, no count msgpack-c reads can ask for more objects than there
    are bytes.  Then each record's span is handed to msgpack-c, and its
    fields are checked one by one.  */

#include "wdm_proto.h"
#include "wdm_crc32.h"
#include "wdm_utf8.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t s_magic [4] = { 'W', 'D', 'M', 'N' };

//  --- Header ---------------------------------------------------------------

static void
s_put32 (uint8_t *out, uint32_t value)
{
    out [0] = (uint8_t)(value >> 24);
    out [1] = (uint8_t)(value >> 16);
    out [2] = (uint8_t)(value >> 8);
    out [3] = (uint8_t)value;
}

static uint32_t
s_get32 (const uint8_t *in)
{
    return (uint32_t)in [0] << 24 | (uint32_t)in [1] << 16 | (uint32_t)in [2] << 8 | (uint32_t)in [3];
}

static uint64_t
s_get_n (const uint8_t *in, int bytes)
{
    uint64_t value = 0;
    for (int i = 0; i < bytes; i++)
        value = value << 8 | in [i];
    return value;
}

void
wdm_proto_header_encode (const wdm_proto_header_t *self, uint8_t *out)
{
    memcpy (out, s_magic, 4);
    out [4] = self->version;
    out [5] = self->type;
    out [6] = out [7] = 0;
    s_put32 (out + 8, (uint32_t)(self->batch_no >> 32));
    s_put32 (out + 12, (uint32_t)self->batch_no);
    s_put32 (out + 16, self->count);
    s_put32 (out + 20, self->checksum);
}

int
wdm_proto_header_decode (const void *data, size_t size, wdm_proto_header_t *self)
{
    const uint8_t *in = (const uint8_t *)data;
    memset (self, 0, sizeof *self);
    if (size != WDM_PROTO_HEADER_SIZE || memcmp (in, s_magic, 4) != 0)
        return WDM_PROTO_MALFORMED;
    self->version = in [4];
    self->type = in [5];
    self->batch_no = s_get_n (in + 8, 8);
    self->count = s_get32 (in + 16);
    self->checksum = s_get32 (in + 20);
    if (self->version != WDM_PROTO_VERSION)
        return WDM_PROTO_UNSUPPORTED_VERSION;
    if ((self->type != WDM_PROTO_BATCH && self->type != WDM_PROTO_REPLY) || in [6] != 0 || in [7] != 0)
        return WDM_PROTO_MALFORMED;
    return WDM_PROTO_OK;
}

//  --- Structural walk --------------------------------------------------------

#define S_MAX_STACK 8

int
wdm_proto_skip (const uint8_t *data, size_t size, int max_depth, size_t *end, const char **why)
{
    uint64_t left [S_MAX_STACK + 1];  //  elements still to read, per open container
    int depth = 0;
    left [0] = 1;          //  the one top-level object
    uint64_t pending = 1;  //  sum of left []: each needs >= 1 byte
    size_t pos = 0;
    if (max_depth > S_MAX_STACK)
        max_depth = S_MAX_STACK;

    while (depth >= 0) {
        if (left [depth] == 0) {
            depth--;
            continue;
        }
        left [depth]--;
        pending--;
        if (pos >= size) {
            *why = "truncated: the input ends inside an object";
            return -1;
        }
        uint8_t byte = data [pos++];
        uint64_t need = 0;   //  payload bytes after the type byte and length
        uint64_t count = 0;  //  elements of a container
        int container = 0, length_bytes = 0, map = 0;

        if (byte <= 0x7F || byte >= 0xE0 || byte == 0xC0 || byte == 0xC2 || byte == 0xC3)
            ;  //  fixint, nil, bool
        else if (byte <= 0x8F) {
            container = 1;
            map = 1;
            count = byte & 0x0F;
        } else if (byte <= 0x9F) {
            container = 1;
            count = byte & 0x0F;
        } else if (byte <= 0xBF)
            need = byte & 0x1F;
        else
            switch (byte) {
                case 0xCA: need = 4; break;
                case 0xCB: need = 8; break;
                case 0xCC:
                case 0xD0: need = 1; break;
                case 0xCD:
                case 0xD1: need = 2; break;
                case 0xCE:
                case 0xD2: need = 4; break;
                case 0xCF:
                case 0xD3: need = 8; break;
                case 0xD9: length_bytes = 1; break;
                case 0xDA: length_bytes = 2; break;
                case 0xDB: length_bytes = 4; break;
                case 0xDC:
                    container = 1;
                    length_bytes = 2;
                    break;
                case 0xDD:
                    container = 1;
                    length_bytes = 4;
                    break;
                case 0xDE:
                    container = 1;
                    map = 1;
                    length_bytes = 2;
                    break;
                case 0xDF:
                    container = 1;
                    map = 1;
                    length_bytes = 4;
                    break;
                case 0xC1: *why = "malformed: reserved type byte 0xc1"; return -1;
                default:  //  0xC4-0xC9, 0xD4-0xD8
                    *why = "malformed: bin and ext types are not part of the protocol";
                    return -1;
            }
        if (length_bytes) {
            if ((size_t)length_bytes > size - pos) {
                *why = "truncated: the input ends inside a length";
                return -1;
            }
            uint64_t length = s_get_n (data + pos, length_bytes);
            pos += (size_t)length_bytes;
            if (container)
                count = length;
            else
                need = length;
        }
        if (need > size - pos) {
            *why = "truncated: a string or number runs past the end";
            return -1;
        }
        pos += (size_t)need;
        if (container) {
            if (map)
                count *= 2;
            if (depth + 1 > max_depth) {
                *why = "malformed: nested too deep";
                return -1;
            }
            //  The allocation bomb: a header that promises more elements
            //  than there are bytes left to hold them.
            pending += count;
            if (pending > size - pos) {
                *why = "malformed: a container claims more elements than the bytes left";
                return -1;
            }
            left [++depth] = count;
        }
    }
    *end = pos;
    return 0;
}

//  --- Small readers over skip-checked bytes ------------------------------------

//  A map or array header at *pos: its count, or -1 if there is none.
static int64_t
s_read_container (const uint8_t *data, size_t size, size_t *pos, int want_map)
{
    if (*pos >= size)
        return -1;
    uint8_t byte = data [*pos];
    int64_t count = -1;
    size_t width = 0;
    if (want_map && byte >= 0x80 && byte <= 0x8F)
        count = byte & 0x0F;
    else if (!want_map && byte >= 0x90 && byte <= 0x9F)
        count = byte & 0x0F;
    else if (byte == (want_map ? 0xDE : 0xDC))
        width = 2;
    else if (byte == (want_map ? 0xDF : 0xDD))
        width = 4;
    else
        return -1;
    if (width) {
        if (size - *pos < 1 + width)
            return -1;
        count = (int64_t)s_get_n (data + *pos + 1, (int)width);
    }
    *pos += 1 + width;
    return count;
}

//  A string at *pos: 0 with *text and *len, or -1.
static int
s_read_str (const uint8_t *data, size_t size, size_t *pos, const char **text, size_t *len)
{
    if (*pos >= size)
        return -1;
    uint8_t byte = data [*pos];
    size_t width = 0;
    uint64_t length;
    if (byte >= 0xA0 && byte <= 0xBF)
        length = byte & 0x1F;
    else if (byte >= 0xD9 && byte <= 0xDB) {
        width = (size_t)1 << (byte - 0xD9);
        if (size - *pos < 1 + width)
            return -1;
        length = s_get_n (data + *pos + 1, (int)width);
    } else
        return -1;
    if (length > size - *pos - 1 - width)
        return -1;
    *text = (const char *)data + *pos + 1 + width;
    *len = (size_t)length;
    *pos += 1 + width + (size_t)length;
    return 0;
}

static int
s_key_is (const char *key, size_t len, const char *name)
{
    return len == strlen (name) && memcmp (key, name, len) == 0;
}

//  Hand exactly size skip-checked bytes to msgpack-c: 0 if they are one
//  object, -1 otherwise.
static int
s_unpack (msgpack_unpacked *unpacked, const uint8_t *data, size_t size)
{
    size_t offset = 0;
    msgpack_unpack_return rc = msgpack_unpack_next (unpacked, (const char *)data, size, &offset);
    return (rc == MSGPACK_UNPACK_SUCCESS || rc == MSGPACK_UNPACK_EXTRA_BYTES) && offset == size ? 0 : -1;
}

//  --- Records -----------------------------------------------------------------

static void
s_pack_str (msgpack_packer *pk, const char *text)
{
    size_t len = strlen (text);
    msgpack_pack_str_with_body (pk, text, len);
}

int
wdm_proto_record_encode (const wdm_record_t *record, msgpack_sbuffer *out)
{
    uint8_t fields = 4;  //  indicator, area, year, value
    fields += record->body [0] != '\0';
    fields += record->period_kind != WDM_FREQ_YEAR;
    fields += record->sex != 'T';
    fields += record->has_numerator;
    fields += record->has_denominator;
    fields += record->status != WDM_STATUS_PROVISIONAL;
    fields += record->note [0] != '\0';
    size_t start = out->size;
    if (msgpack_sbuffer_write (out, (const char *)&fields, 1))
        return -1;

    msgpack_packer pk;
    msgpack_packer_init (&pk, out, msgpack_sbuffer_write);
    s_pack_str (&pk, "indicator");
    s_pack_str (&pk, record->indicator);
    s_pack_str (&pk, "area");
    s_pack_str (&pk, record->area);
    s_pack_str (&pk, "year");
    msgpack_pack_int (&pk, record->year);
    if (record->period_kind != WDM_FREQ_YEAR) {
        s_pack_str (&pk, record->period_kind == WDM_FREQ_QUARTER ? "quarter" : "month");
        msgpack_pack_int (&pk, record->period_no);
    }
    if (record->body [0]) {
        s_pack_str (&pk, "body");
        s_pack_str (&pk, record->body);
    }
    if (record->sex != 'T') {
        s_pack_str (&pk, "sex");
        msgpack_pack_str_with_body (&pk, &record->sex, 1);
    }
    s_pack_str (&pk, "value");
    msgpack_pack_double (&pk, record->value);
    if (record->has_numerator) {
        s_pack_str (&pk, "numerator");
        msgpack_pack_double (&pk, record->numerator);
    }
    if (record->has_denominator) {
        s_pack_str (&pk, "denominator");
        msgpack_pack_double (&pk, record->denominator);
    }
    if (record->status != WDM_STATUS_PROVISIONAL) {
        s_pack_str (&pk, "status");
        s_pack_str (&pk, wdm_record_status_name (record->status));
    }
    if (record->note [0]) {
        s_pack_str (&pk, "note");
        s_pack_str (&pk, record->note);
    }
    //  msgpack_sbuffer_write fails only when memory is short; the size
    //  tells whether every write went in.
    return out->size > start + 1 ? 0 : -1;
}

//  Fields a record map may hold; bit flags to find duplicates and gaps.
enum {
    S_F_SEQ = 1 << 0,
    S_F_INDICATOR = 1 << 1,
    S_F_AREA = 1 << 2,
    S_F_YEAR = 1 << 3,
    S_F_QUARTER = 1 << 4,
    S_F_MONTH = 1 << 5,
    S_F_BODY = 1 << 6,
    S_F_SEX = 1 << 7,
    S_F_VALUE = 1 << 8,
    S_F_NUMERATOR = 1 << 9,
    S_F_DENOMINATOR = 1 << 10,
    S_F_STATUS = 1 << 11,
    S_F_NOTE = 1 << 12
};

static const struct {
    const char *name;
    unsigned flag;
} s_fields [] = { { "seq", S_F_SEQ },
                  { "indicator", S_F_INDICATOR },
                  { "area", S_F_AREA },
                  { "year", S_F_YEAR },
                  { "quarter", S_F_QUARTER },
                  { "month", S_F_MONTH },
                  { "body", S_F_BODY },
                  { "sex", S_F_SEX },
                  { "value", S_F_VALUE },
                  { "numerator", S_F_NUMERATOR },
                  { "denominator", S_F_DENOMINATOR },
                  { "status", S_F_STATUS },
                  { "note", S_F_NOTE } };

typedef struct {
    wdm_record_t *record;
    uint64_t seq;
    unsigned seen;
    int code;  //  0, or the reason the record is refused
    char *field;
    char *message;
} s_decoder_t;

static int
s_fail (s_decoder_t *self, int code, const char *field, const char *format, ...)
{
    self->code = code;
    snprintf (self->field, WDM_PROTO_FIELD_MAX, "%s", field);
    va_list args;
    va_start (args, format);
    vsnprintf (self->message, WDM_PROTO_MESSAGE_MAX, format, args);
    va_end (args);
    return -1;
}

//  Copy a string value into a fixed array: too long is 413, not UTF-8 400.
static int
s_copy_str (s_decoder_t *self, const msgpack_object *value, const char *name, char *dest, size_t capacity)
{
    if (value->type != MSGPACK_OBJECT_STR)
        return s_fail (self, WDM_PROTO_MALFORMED, name, "字段类型错误 / %s must be a string", name);
    size_t len = value->via.str.size;
    if (!wdm_utf8_valid (value->via.str.ptr, len))
        return s_fail (self, WDM_PROTO_MALFORMED, name, "不是有效UTF-8 / %s is not valid UTF-8", name);
    if (len >= capacity)
        return s_fail (self, WDM_PROTO_TOO_LARGE, name, "字段过长 / %s is %zu bytes, at most %zu allowed",
                       name, len, capacity - 1);
    if (len)  //  an empty string's pointer may be NULL
        memcpy (dest, value->via.str.ptr, len);
    dest [len] = '\0';
    return 0;
}

static int
s_get_number (s_decoder_t *self, const msgpack_object *value, const char *name, double *out)
{
    switch (value->type) {
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64: *out = value->via.f64; return 0;
        case MSGPACK_OBJECT_POSITIVE_INTEGER: *out = (double)value->via.u64; return 0;
        case MSGPACK_OBJECT_NEGATIVE_INTEGER: *out = (double)value->via.i64; return 0;
        default: return s_fail (self, WDM_PROTO_MALFORMED, name, "字段类型错误 / %s must be a number", name);
    }
}

static int
s_get_int (s_decoder_t *self, const msgpack_object *value, const char *name, int *out)
{
    if (value->type == MSGPACK_OBJECT_POSITIVE_INTEGER && value->via.u64 <= 1000000) {
        *out = (int)value->via.u64;
        return 0;
    }
    if (value->type == MSGPACK_OBJECT_NEGATIVE_INTEGER && value->via.i64 >= -1000000) {
        *out = (int)value->via.i64;
        return 0;
    }
    return s_fail (self, WDM_PROTO_MALFORMED, name,
                   "字段类型错误 / %s must be a whole number within +-1000000", name);
}

//  Apply one key/value pair to the record.
static int
s_decode_field (s_decoder_t *self, const msgpack_object *key, const msgpack_object *value)
{
    if (key->type != MSGPACK_OBJECT_STR || !wdm_utf8_valid (key->via.str.ptr, key->via.str.size))
        return s_fail (self, WDM_PROTO_MALFORMED, "", "键不是有效字符串 / a key is not a UTF-8 string");
    const char *name = key->via.str.ptr;
    size_t len = key->via.str.size;
    unsigned flag = 0;
    for (size_t i = 0; i < sizeof s_fields / sizeof s_fields [0] && !flag; i++)
        if (s_key_is (name, len, s_fields [i].name))
            flag = s_fields [i].flag;
    if (!flag)
        return s_fail (self, WDM_PROTO_MALFORMED, "", "未知字段 / unknown field '%.*s'",
                       (int)(len > 40 ? 40 : len), name);
    if (self->seen & flag)
        return s_fail (self, WDM_PROTO_MALFORMED, "", "字段重复 / field '%.*s' appears twice", (int)len,
                       name);
    self->seen |= flag;
    wdm_record_t *record = self->record;
    int number = 0;
    switch (flag) {
        case S_F_SEQ:
            if (value->type != MSGPACK_OBJECT_POSITIVE_INTEGER || value->via.u64 == 0
                || value->via.u64 > INT64_MAX)
                return s_fail (self, WDM_PROTO_MALFORMED, "seq",
                               "序号无效 / seq must be a positive integer below 2^63");
            self->seq = value->via.u64;
            return 0;
        case S_F_INDICATOR:
            return s_copy_str (self, value, "indicator", record->indicator, sizeof record->indicator);
        case S_F_AREA: return s_copy_str (self, value, "area", record->area, sizeof record->area);
        case S_F_BODY: return s_copy_str (self, value, "body", record->body, sizeof record->body);
        case S_F_NOTE: return s_copy_str (self, value, "note", record->note, sizeof record->note);
        case S_F_YEAR: return s_get_int (self, value, "year", &record->year);
        case S_F_QUARTER:
        case S_F_MONTH:
            if (s_get_int (self, value, flag == S_F_QUARTER ? "quarter" : "month", &number))
                return -1;
            record->period_kind = flag == S_F_QUARTER ? WDM_FREQ_QUARTER : WDM_FREQ_MONTH;
            record->period_no = number;
            return 0;
        case S_F_SEX: {
            char sex [4];
            if (s_copy_str (self, value, "sex", sex, sizeof sex))
                return -1;
            //  Anything but one of T, F, M fails validation as bad_sex.
            record->sex = strlen (sex) == 1 ? sex [0] : '?';
            return 0;
        }
        case S_F_VALUE: return s_get_number (self, value, "value", &record->value);
        case S_F_NUMERATOR:
            record->has_numerator = true;
            return s_get_number (self, value, "numerator", &record->numerator);
        case S_F_DENOMINATOR:
            record->has_denominator = true;
            return s_get_number (self, value, "denominator", &record->denominator);
        case S_F_STATUS: {
            char status [16];
            if (s_copy_str (self, value, "status", status, sizeof status))
                return -1;
            if (wdm_record_status_parse (status, &record->status))
                record->status = (wdm_status_t)-1;  //  fails validation as bad_status
            return 0;
        }
    }
    return -1;
}

//  After all fields: the required ones are there, quarter and month not both.
static int
s_decode_finish (s_decoder_t *self)
{
    static const struct {
        unsigned flag;
        const char *name;
    } required [] = {
        { S_F_INDICATOR, "indicator" }, { S_F_AREA, "area" }, { S_F_YEAR, "year" }, { S_F_VALUE, "value" }
    };
    for (size_t i = 0; i < sizeof required / sizeof required [0]; i++)
        if (!(self->seen & required [i].flag))
            return s_fail (self, WDM_PROTO_MALFORMED, required [i].name,
                           "缺少必填字段 / missing required field %s", required [i].name);
    if ((self->seen & S_F_QUARTER) && (self->seen & S_F_MONTH))
        return s_fail (self, WDM_PROTO_MALFORMED, "period",
                       "季度和月份不能同时出现 / quarter and month cannot both be given");
    return 0;
}

int
wdm_proto_record_decode (const void *queued, size_t size, wdm_record_t *record, char *field, char *message)
{
    const uint8_t *data = (const uint8_t *)queued;
    wdm_record_init (record);
    s_decoder_t decoder = { record, 0, 0, 0, field, message };
    if (size < 1)
        return s_fail (&decoder, WDM_PROTO_MALFORMED, "", "空记录 / empty record");
    int pairs = data [0];
    size_t pos = 1;
    int rc = 0;
    msgpack_unpacked key, value;
    msgpack_unpacked_init (&key);
    msgpack_unpacked_init (&value);
    for (int i = 0; i < pairs && rc == 0; i++) {
        size_t end = 0;
        const char *why = NULL;
        if (wdm_proto_skip (data + pos, size - pos, 0, &end, &why) || s_unpack (&key, data + pos, end)) {
            rc = s_fail (&decoder, WDM_PROTO_MALFORMED, "", "损坏的记录 / damaged record");
            break;
        }
        pos += end;
        if (wdm_proto_skip (data + pos, size - pos, 0, &end, &why) || s_unpack (&value, data + pos, end)) {
            rc = s_fail (&decoder, WDM_PROTO_MALFORMED, "", "损坏的记录 / damaged record");
            break;
        }
        pos += end;
        rc = s_decode_field (&decoder, &key.data, &value.data);
    }
    if (rc == 0 && pos != size)
        rc = s_fail (&decoder, WDM_PROTO_MALFORMED, "", "记录后有多余字节 / trailing bytes after the record");
    if (rc == 0)
        rc = s_decode_finish (&decoder);
    msgpack_unpacked_destroy (&key);
    msgpack_unpacked_destroy (&value);
    return rc;
}

int
wdm_proto_batch_begin (msgpack_packer *pk, uint64_t epoch, uint32_t count)
{
    msgpack_pack_map (pk, 2);
    s_pack_str (pk, "epoch");
    msgpack_pack_uint64 (pk, epoch);
    s_pack_str (pk, "records");
    return msgpack_pack_array (pk, count);
}

int
wdm_proto_batch_add (msgpack_packer *pk, uint64_t seq, const void *queued, size_t size)
{
    if (size < 1)
        return -1;
    const uint8_t *data = (const uint8_t *)queued;
    msgpack_pack_map (pk, (size_t)data [0] + 1);
    s_pack_str (pk, "seq");
    msgpack_pack_uint64 (pk, seq);
    return pk->callback (pk->data, (const char *)data + 1, size - 1);
}

static int
s_u64_compare (const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

//  Decode one record map at data[0..size): fills item; never fails the batch.
static void
s_decode_item (const uint8_t *data, size_t size, wdm_proto_item_t *item)
{
    wdm_record_init (&item->record);
    s_decoder_t decoder = { &item->record, 0, 0, 0, item->field, item->message };
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    if (s_unpack (&unpacked, data, size))
        s_fail (&decoder, WDM_PROTO_MALFORMED, "", "无法解码 / cannot be decoded");
    else if (unpacked.data.type != MSGPACK_OBJECT_MAP)
        s_fail (&decoder, WDM_PROTO_MALFORMED, "", "记录不是映射 / a record must be a map");
    else {
        const msgpack_object_map *map = &unpacked.data.via.map;
        int rc = 0;
        for (uint32_t i = 0; i < map->size && rc == 0; i++)
            rc = s_decode_field (&decoder, &map->ptr [i].key, &map->ptr [i].val);
        //  seq is read even when another field failed, so that the
        //  rejection can name the record.
        for (uint32_t i = 0; i < map->size && decoder.seq == 0; i++) {
            const msgpack_object *key = &map->ptr [i].key, *val = &map->ptr [i].val;
            if (key->type == MSGPACK_OBJECT_STR && s_key_is (key->via.str.ptr, key->via.str.size, "seq")
                && val->type == MSGPACK_OBJECT_POSITIVE_INTEGER && val->via.u64 <= INT64_MAX)
                decoder.seq = val->via.u64;
        }
        if (rc == 0)
            s_decode_finish (&decoder);
    }
    item->seq = decoder.seq;
    item->code = decoder.code;
    msgpack_unpacked_destroy (&unpacked);
}

int
wdm_proto_batch_decode (const uint8_t *body, size_t size, uint32_t expected, wdm_proto_batch_t *batch,
                        char *why, size_t why_size)
{
    memset (batch, 0, sizeof *batch);
    const char *reason = NULL;
    int code = WDM_PROTO_MALFORMED;
    size_t end = 0, pos = 0;
    uint64_t *seqs = NULL;

    if (size > WDM_PROTO_MAX_BODY) {
        code = WDM_PROTO_TOO_LARGE;
        reason = "body larger than 1 MiB";
        goto failed;
    }
    if (expected > WDM_PROTO_MAX_RECORDS) {
        code = WDM_PROTO_TOO_LARGE;
        reason = "more than " WDM_PROTO_TEXT (WDM_PROTO_MAX_RECORDS) " records in one batch";
        goto failed;
    }
    if (wdm_proto_skip (body, size, WDM_PROTO_MAX_DEPTH, &end, &reason))
        goto failed;
    if (end != size) {
        reason = "malformed: trailing bytes after the body";
        goto failed;
    }
    int64_t keys = s_read_container (body, size, &pos, 1);
    if (keys != 2) {
        reason = "malformed: the body must be a map of epoch and records";
        goto failed;
    }
    int have_epoch = 0;
    size_t records_at = 0;
    for (int i = 0; i < 2; i++) {
        const char *key;
        size_t len;
        if (s_read_str (body, size, &pos, &key, &len)) {
            reason = "malformed: a key of the body is not a string";
            goto failed;
        }
        if (s_key_is (key, len, "epoch") && !have_epoch) {
            uint8_t byte = body [pos];
            //  skip() has proved the bytes are there.
            if (byte >= 0x01 && byte <= 0x7F)
                batch->epoch = byte;
            else if (byte >= 0xCC && byte <= 0xCF)
                batch->epoch = s_get_n (body + pos + 1, 1 << (byte - 0xCC));
            if (batch->epoch == 0 || batch->epoch > INT64_MAX) {
                reason = "malformed: epoch must be a positive integer below 2^63";
                goto failed;
            }
            have_epoch = 1;
        } else if (s_key_is (key, len, "records") && !records_at)
            records_at = pos;
        else {
            reason = "malformed: the body's keys must be epoch and records, once each";
            goto failed;
        }
        if (wdm_proto_skip (body + pos, size - pos, WDM_PROTO_MAX_DEPTH, &end, &reason))
            goto failed;
        pos += end;
    }
    pos = records_at;
    int64_t count = s_read_container (body, size, &pos, 0);
    if (count < 0) {
        reason = "malformed: records must be an array";
        goto failed;
    }
    if ((uint64_t)count != expected) {
        reason = "malformed: the number of records differs from the header's count";
        goto failed;
    }
    batch->count = (uint32_t)count;
    batch->items = calloc (count ? (size_t)count : 1, sizeof *batch->items);
    seqs = malloc ((count ? (size_t)count : 1) * sizeof *seqs);
    if (!batch->items || !seqs) {
        code = WDM_PROTO_RETRY_LATER;
        reason = "out of memory";
        goto failed;
    }
    for (int64_t i = 0; i < count; i++) {
        wdm_proto_item_t *item = &batch->items [i];
        if (wdm_proto_skip (body + pos, size - pos, 1, &end, &reason))
            goto failed;
        item->raw = body + pos;
        item->raw_size = end;
        s_decode_item (item->raw, end, item);
        pos += end;
        if (item->seq == 0) {
            reason = "malformed: a record has no positive seq";
            goto failed;
        }
        seqs [i] = item->seq;
    }
    qsort (seqs, (size_t)count, sizeof *seqs, s_u64_compare);
    for (int64_t i = 1; i < count; i++)
        if (seqs [i] == seqs [i - 1]) {
            reason = "malformed: two records have the same seq";
            goto failed;
        }
    free (seqs);
    return WDM_PROTO_OK;

failed:
    free (seqs);
    wdm_proto_batch_clear (batch);
    snprintf (why, why_size, "%s", reason ? reason : "malformed");
    return code;
}

void
wdm_proto_batch_clear (wdm_proto_batch_t *batch)
{
    free (batch->items);
    memset (batch, 0, sizeof *batch);
}

//  --- Replies -----------------------------------------------------------------

int
wdm_proto_reply_encode (const wdm_proto_reply_t *reply, msgpack_sbuffer *out)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, out, msgpack_sbuffer_write);
    size_t start = out->size;
    msgpack_pack_map (&pk, 5);
    s_pack_str (&pk, "status");
    msgpack_pack_uint16 (&pk, reply->status);
    s_pack_str (&pk, "message");
    s_pack_str (&pk, reply->message);
    s_pack_str (&pk, "accepted");
    msgpack_pack_uint32 (&pk, reply->accepted);
    s_pack_str (&pk, "duplicates");
    msgpack_pack_uint32 (&pk, reply->duplicates);
    s_pack_str (&pk, "rejected");
    msgpack_pack_array (&pk, reply->rejected_count);
    for (uint32_t i = 0; i < reply->rejected_count; i++) {
        const wdm_proto_rejection_t *r = &reply->rejected [i];
        msgpack_pack_map (&pk, 4);
        s_pack_str (&pk, "seq");
        msgpack_pack_uint64 (&pk, r->seq);
        s_pack_str (&pk, "code");
        msgpack_pack_uint16 (&pk, r->code);
        s_pack_str (&pk, "field");
        s_pack_str (&pk, r->field);
        s_pack_str (&pk, "message");
        s_pack_str (&pk, r->message);
    }
    return out->size > start ? 0 : -1;
}

//  Copy a UTF-8 string object into dest (truncating at a character
//  boundary is not needed: the sender's limits are the same as ours).
static int
s_reply_str (const msgpack_object *value, char *dest, size_t capacity)
{
    if (value->type != MSGPACK_OBJECT_STR || value->via.str.size >= capacity
        || !wdm_utf8_valid (value->via.str.ptr, value->via.str.size))
        return -1;
    if (value->via.str.size)  //  an empty string's pointer may be NULL
        memcpy (dest, value->via.str.ptr, value->via.str.size);
    dest [value->via.str.size] = '\0';
    return 0;
}

static int
s_reply_uint (const msgpack_object *value, uint64_t max, uint64_t *out)
{
    if (value->type != MSGPACK_OBJECT_POSITIVE_INTEGER || value->via.u64 > max)
        return -1;
    *out = value->via.u64;
    return 0;
}

static int
s_decode_rejection (const msgpack_object *object, wdm_proto_rejection_t *r)
{
    if (object->type != MSGPACK_OBJECT_MAP || object->via.map.size != 4)
        return -1;
    unsigned seen = 0;
    for (uint32_t i = 0; i < 4; i++) {
        const msgpack_object *key = &object->via.map.ptr [i].key;
        const msgpack_object *val = &object->via.map.ptr [i].val;
        uint64_t number = 0;
        if (key->type != MSGPACK_OBJECT_STR)
            return -1;
        const char *name = key->via.str.ptr;
        size_t len = key->via.str.size;
        if (s_key_is (name, len, "seq") && !(seen & 1) && !s_reply_uint (val, UINT64_MAX, &number)) {
            r->seq = number;
            seen |= 1;
        } else if (s_key_is (name, len, "code") && !(seen & 2) && !s_reply_uint (val, 999, &number)) {
            r->code = (uint16_t)number;
            seen |= 2;
        } else if (s_key_is (name, len, "field") && !(seen & 4)
                   && !s_reply_str (val, r->field, sizeof r->field))
            seen |= 4;
        else if (s_key_is (name, len, "message") && !(seen & 8)
                 && !s_reply_str (val, r->message, sizeof r->message))
            seen |= 8;
        else
            return -1;
    }
    return 0;
}

int
wdm_proto_reply_decode (const uint8_t *body, size_t size, wdm_proto_reply_t *reply, char *why,
                        size_t why_size)
{
    memset (reply, 0, sizeof *reply);
    const char *reason = NULL;
    size_t end = 0;
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    if (size > WDM_PROTO_MAX_BODY) {
        reason = "reply larger than 1 MiB";
        goto failed;
    }
    if (wdm_proto_skip (body, size, WDM_PROTO_MAX_DEPTH, &end, &reason))
        goto failed;
    if (end != size) {
        reason = "malformed: trailing bytes after the reply";
        goto failed;
    }
    if (s_unpack (&unpacked, body, size) || unpacked.data.type != MSGPACK_OBJECT_MAP
        || unpacked.data.via.map.size != 5) {
        reason = "malformed: a reply is a map of five fields";
        goto failed;
    }
    const msgpack_object_map *map = &unpacked.data.via.map;
    unsigned seen = 0;
    for (uint32_t i = 0; i < 5; i++) {
        const msgpack_object *key = &map->ptr [i].key, *val = &map->ptr [i].val;
        uint64_t number = 0;
        if (key->type != MSGPACK_OBJECT_STR) {
            reason = "malformed: a key of the reply is not a string";
            goto failed;
        }
        const char *name = key->via.str.ptr;
        size_t len = key->via.str.size;
        if (s_key_is (name, len, "status") && !(seen & 1) && !s_reply_uint (val, 999, &number)) {
            reply->status = (uint16_t)number;
            seen |= 1;
        } else if (s_key_is (name, len, "message") && !(seen & 2)
                   && !s_reply_str (val, reply->message, sizeof reply->message))
            seen |= 2;
        else if (s_key_is (name, len, "accepted") && !(seen & 4)
                 && !s_reply_uint (val, UINT32_MAX, &number)) {
            reply->accepted = (uint32_t)number;
            seen |= 4;
        } else if (s_key_is (name, len, "duplicates") && !(seen & 8)
                   && !s_reply_uint (val, UINT32_MAX, &number)) {
            reply->duplicates = (uint32_t)number;
            seen |= 8;
        } else if (s_key_is (name, len, "rejected") && !(seen & 16) && val->type == MSGPACK_OBJECT_ARRAY
                   && val->via.array.size <= WDM_PROTO_MAX_RECORDS) {
            seen |= 16;
            reply->rejected_count = val->via.array.size;
            reply->rejected = calloc (val->via.array.size ? val->via.array.size : 1, sizeof *reply->rejected);
            if (!reply->rejected) {
                reason = "out of memory";
                goto failed;
            }
            for (uint32_t k = 0; k < val->via.array.size; k++)
                if (s_decode_rejection (&val->via.array.ptr [k], &reply->rejected [k])) {
                    reason = "malformed: a rejection is not a map of seq, code, field, message";
                    goto failed;
                }
        } else {
            reason = "malformed: unknown, repeated or mistyped field in the reply";
            goto failed;
        }
    }
    msgpack_unpacked_destroy (&unpacked);
    return 0;

failed:
    msgpack_unpacked_destroy (&unpacked);
    wdm_proto_reply_clear (reply);
    snprintf (why, why_size, "%s", reason ? reason : "malformed");
    return -1;
}

void
wdm_proto_reply_clear (wdm_proto_reply_t *reply)
{
    free (reply->rejected);
    reply->rejected = NULL;
    reply->rejected_count = 0;
}

int
wdm_proto_code_of (wdm_record_error_t error)
{
    return error == WDM_RECORD_UNKNOWN_INDICATOR ? WDM_PROTO_UNKNOWN_INDICATOR : WDM_PROTO_INVALID_VALUE;
}

const char *
wdm_proto_code_name (int code)
{
    switch (code) {
        case WDM_PROTO_OK: return "ok";
        case WDM_PROTO_MALFORMED: return "malformed";
        case WDM_PROTO_NOT_AUTHORISED: return "not_authorised";
        case WDM_PROTO_UNKNOWN_INDICATOR: return "unknown_indicator";
        case WDM_PROTO_UNKNOWN_AREA: return "unknown_area";
        case WDM_PROTO_TOO_LARGE: return "too_large";
        case WDM_PROTO_INVALID_VALUE: return "invalid_value";
        case WDM_PROTO_RETRY_LATER: return "retry_later";
        case WDM_PROTO_UNSUPPORTED_VERSION: return "unsupported_version";
        default: return "unknown";
    }
}
