/*  test_proto: the wire protocol round-trips, and every kind of bad input
    — truncation, trailing bytes, allocation bombs, deep nesting, invalid
    UTF-8, wrong types — is refused as malformed without a crash.  */

#include "wdm_crc32.h"
#include "wdm_proto.h"
#include "wdm_test.h"

#include <stdlib.h>
#include <string.h>

static wdm_record_t
s_record (const char *indicator, double value)
{
    wdm_record_t record;
    wdm_record_init (&record);
    snprintf (record.indicator, sizeof record.indicator, "%s", indicator);
    snprintf (record.area, sizeof record.area, "%s", "meichang");
    record.year = 2023;
    record.value = value;
    return record;
}

//  A batch body of the given records, seqs first_seq, first_seq+1, ...
static void
s_batch (msgpack_sbuffer *body, uint64_t epoch, const wdm_record_t *records, int count, uint64_t first_seq)
{
    msgpack_sbuffer_init (body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, body, msgpack_sbuffer_write);
    wdm_proto_batch_begin (&pk, epoch, (uint32_t)count);
    for (int i = 0; i < count; i++) {
        msgpack_sbuffer stored;
        msgpack_sbuffer_init (&stored);
        CU_ASSERT_EQUAL (wdm_proto_record_encode (&records [i], &stored), 0);
        CU_ASSERT_EQUAL (wdm_proto_batch_add (&pk, first_seq + (uint64_t)i, stored.data, stored.size), 0);
        msgpack_sbuffer_destroy (&stored);
    }
}

//  Decode raw bytes as a batch of expected records; returns the status.
static int
s_decode (const void *bytes, size_t size, uint32_t expected, wdm_proto_batch_t *batch, char *why)
{
    return wdm_proto_batch_decode ((const uint8_t *)bytes, size, expected, batch, why, 128);
}

static void
test_header (void)
{
    wdm_proto_header_t header = { WDM_PROTO_VERSION, WDM_PROTO_BATCH, 0x0102030405060708ull, 500,
                                  0xCAFEBABE };
    uint8_t bytes [WDM_PROTO_HEADER_SIZE];
    wdm_proto_header_encode (&header, bytes);
    static const uint8_t expected [WDM_PROTO_HEADER_SIZE] = { 'W', 'D', 'M',  'N',  1,    1,    0,    0,
                                                              1,   2,   3,    4,    5,    6,    7,    8,
                                                              0,   0,   0x01, 0xF4, 0xCA, 0xFE, 0xBA, 0xBE };
    CU_ASSERT_EQUAL (memcmp (bytes, expected, sizeof bytes), 0);
    wdm_proto_header_t back;
    CU_ASSERT_EQUAL (wdm_proto_header_decode (bytes, sizeof bytes, &back), WDM_PROTO_OK);
    CU_ASSERT_EQUAL (back.batch_no, header.batch_no);
    CU_ASSERT_EQUAL (back.count, 500);
    CU_ASSERT_EQUAL (back.checksum, 0xCAFEBABE);

    CU_ASSERT_EQUAL (wdm_proto_header_decode (bytes, 23, &back), WDM_PROTO_MALFORMED);
    bytes [4] = 2;  //  a future version
    CU_ASSERT_EQUAL (wdm_proto_header_decode (bytes, sizeof bytes, &back), WDM_PROTO_UNSUPPORTED_VERSION);
    CU_ASSERT_EQUAL (back.batch_no, header.batch_no);  //  the refusal can name the batch
    bytes [4] = 1;
    bytes [6] = 1;  //  reserved bytes must be zero
    CU_ASSERT_EQUAL (wdm_proto_header_decode (bytes, sizeof bytes, &back), WDM_PROTO_MALFORMED);
    bytes [6] = 0;
    bytes [5] = 9;  //  no such type
    CU_ASSERT_EQUAL (wdm_proto_header_decode (bytes, sizeof bytes, &back), WDM_PROTO_MALFORMED);
    bytes [5] = 1;
    bytes [0] = 'X';
    CU_ASSERT_EQUAL (wdm_proto_header_decode (bytes, sizeof bytes, &back), WDM_PROTO_MALFORMED);
}

static void
test_batch_round_trip (void)
{
    wdm_record_t records [3] = { s_record ("HE03", 8.2), s_record ("DM17", 1), s_record ("FA01", 154) };
    records [0].has_numerator = records [0].has_denominator = true;
    records [0].numerator = 3;
    records [0].denominator = 36585;
    records [0].status = WDM_STATUS_FINAL;
    snprintf (records [0].note, sizeof records [0].note, "%s", "含流动人口 \"引号\" <b>");
    snprintf (records [1].body, sizeof records [1].body, "%s", "党(工)委");
    records [2].sex = 'F';
    records [2].period_kind = WDM_FREQ_QUARTER;
    records [2].period_no = 3;

    msgpack_sbuffer body;
    s_batch (&body, 1234567890123ull, records, 3, 41);
    wdm_proto_batch_t batch;
    char why [128];
    CU_ASSERT_EQUAL_FATAL (s_decode (body.data, body.size, 3, &batch, why), WDM_PROTO_OK);
    CU_ASSERT_EQUAL (batch.epoch, 1234567890123ull);
    CU_ASSERT_EQUAL (batch.count, 3);
    for (int i = 0; i < 3; i++) {
        wdm_proto_item_t *item = &batch.items [i];
        CU_ASSERT_EQUAL (item->code, 0);
        CU_ASSERT_EQUAL (item->seq, 41 + (uint64_t)i);
        CU_ASSERT_STRING_EQUAL (item->record.indicator, records [i].indicator);
        CU_ASSERT_STRING_EQUAL (item->record.area, "meichang");
        CU_ASSERT_STRING_EQUAL (item->record.body, records [i].body);
        CU_ASSERT_STRING_EQUAL (item->record.note, records [i].note);
        CU_ASSERT_EQUAL (item->record.year, 2023);
        CU_ASSERT_EQUAL (item->record.value, records [i].value);
        CU_ASSERT_EQUAL (item->record.sex, records [i].sex);
        CU_ASSERT_EQUAL (item->record.period_kind, records [i].period_kind);
        CU_ASSERT_EQUAL (item->record.period_no, records [i].period_no);
        CU_ASSERT_EQUAL (item->record.status, records [i].status);
        CU_ASSERT_EQUAL (item->record.has_numerator, records [i].has_numerator);
        CU_ASSERT_TRUE (item->raw > (const uint8_t *)body.data && item->raw_size > 20);
    }
    CU_ASSERT_EQUAL (batch.items [0].record.denominator, 36585);
    //  Each raw span is exactly one record: together they end the body.
    CU_ASSERT_EQUAL (batch.items [2].raw + batch.items [2].raw_size, (const uint8_t *)body.data + body.size);
    wdm_proto_batch_clear (&batch);
    msgpack_sbuffer_destroy (&body);
}

static void
test_queued_form_round_trip (void)
{
    wdm_record_t record = s_record ("EC01", 41.5);
    record.has_denominator = true;
    record.denominator = 1000;
    record.period_kind = WDM_FREQ_MONTH;
    record.period_no = 12;
    msgpack_sbuffer stored;
    msgpack_sbuffer_init (&stored);
    CU_ASSERT_EQUAL_FATAL (wdm_proto_record_encode (&record, &stored), 0);
    wdm_record_t back;
    char field [WDM_PROTO_FIELD_MAX], message [WDM_PROTO_MESSAGE_MAX];
    CU_ASSERT_EQUAL (wdm_proto_record_decode (stored.data, stored.size, &back, field, message), 0);
    CU_ASSERT_STRING_EQUAL (back.indicator, "EC01");
    CU_ASSERT_EQUAL (back.value, 41.5);
    CU_ASSERT_FALSE (back.has_numerator);
    CU_ASSERT_TRUE (back.has_denominator);
    CU_ASSERT_EQUAL (back.period_kind, WDM_FREQ_MONTH);
    CU_ASSERT_EQUAL (back.period_no, 12);
    CU_ASSERT_EQUAL (wdm_proto_record_decode (stored.data, stored.size - 1, &back, field, message), -1);
    msgpack_sbuffer_destroy (&stored);
}

static void
test_truncation_and_trailing_bytes (void)
{
    wdm_record_t records [2] = { s_record ("HE03", 8.2), s_record ("HE05", 71) };
    msgpack_sbuffer body;
    s_batch (&body, 7, records, 2, 1);
    wdm_proto_batch_t batch;
    char why [128];
    //  Every proper prefix is malformed.
    for (size_t cut = 0; cut < body.size; cut++) {
        int rc = s_decode (body.data, cut, 2, &batch, why);
        CU_ASSERT_EQUAL (rc, WDM_PROTO_MALFORMED);
        CU_ASSERT_PTR_NULL (batch.items);
    }
    //  One byte more is malformed too.
    msgpack_sbuffer_write (&body, "\xC0", 1);
    CU_ASSERT_EQUAL (s_decode (body.data, body.size, 2, &batch, why), WDM_PROTO_MALFORMED);
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "trailing bytes"));
    //  And so is a count that differs from the header's.
    CU_ASSERT_EQUAL (s_decode (body.data, body.size - 1, 3, &batch, why), WDM_PROTO_MALFORMED);
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "differs from the header"));
    msgpack_sbuffer_destroy (&body);
}

static void
test_allocation_bombs_and_nesting (void)
{
    wdm_proto_batch_t batch;
    char why [128];
    //  Five bytes asking for four billion array elements, or map pairs.
    static const uint8_t array_bomb [] = { 0xDD, 0xFF, 0xFF, 0xFF, 0xFF };
    static const uint8_t map_bomb [] = { 0xDF, 0xFF, 0xFF, 0xFF, 0xFF };
    CU_ASSERT_EQUAL (s_decode (array_bomb, sizeof array_bomb, 1, &batch, why), WDM_PROTO_MALFORMED);
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "more elements than the bytes left"));
    CU_ASSERT_EQUAL (s_decode (map_bomb, sizeof map_bomb, 1, &batch, why), WDM_PROTO_MALFORMED);
    //  The same bomb inside a valid-looking body: {"epoch":1,"records":<bomb>}.
    static const uint8_t inner_bomb [] = { 0x82, 0xA5, 'e', 'p', 'o', 'c',  'h',  0x01, 0xA7, 'r', 'e',
                                           'c',  'o',  'r', 'd', 's', 0xDD, 0x00, 0x00, 0x10, 0x00 };
    CU_ASSERT_EQUAL (s_decode (inner_bomb, sizeof inner_bomb, 4096, &batch, why), WDM_PROTO_MALFORMED);
    //  Nesting: 100 arrays inside each other.
    uint8_t deep [101];
    memset (deep, 0x91, 100);
    deep [100] = 0xC0;
    CU_ASSERT_EQUAL (s_decode (deep, sizeof deep, 1, &batch, why), WDM_PROTO_MALFORMED);
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "nested too deep"));
    //  A record whose value is itself a map: too deep by one.
    static const uint8_t nested_value [] = { 0x82, 0xA5, 'e', 'p', 'o', 'c',  'h',  0x01, 0xA7, 'r', 'e',
                                             'c',  'o',  'r', 'd', 's', 0x91, 0x82, 0xA3, 's',  'e', 'q',
                                             0x01, 0xA5, 'v', 'a', 'l', 'u',  'e',  0x81, 0xC0, 0xC0 };
    CU_ASSERT_EQUAL (s_decode (nested_value, sizeof nested_value, 1, &batch, why), WDM_PROTO_MALFORMED);
    //  Types the protocol does not use.
    static const uint8_t ext [] = { 0xD4, 0x01, 0x00 };
    static const uint8_t reserved [] = { 0xC1 };
    CU_ASSERT_EQUAL (s_decode (ext, sizeof ext, 0, &batch, why), WDM_PROTO_MALFORMED);
    CU_ASSERT_EQUAL (s_decode (reserved, sizeof reserved, 0, &batch, why), WDM_PROTO_MALFORMED);
    CU_ASSERT_EQUAL (s_decode ("", 0, 0, &batch, why), WDM_PROTO_MALFORMED);
}

//  A batch of one record written by hand, with one field's bytes given.
static size_t
s_one_record (uint8_t *out, const uint8_t *extra_key, size_t key_size, const uint8_t *extra_value,
              size_t value_size)
{
    static const uint8_t head [] = { 0x82, 0xA5, 'e',  'p',  'o',  'c',  'h',  0x05, 0xA7, 'r',  'e',
                                     'c',  'o',  'r',  'd',  's',  0x91, 0x86, 0xA3, 's',  'e',  'q',
                                     0x09, 0xA9, 'i',  'n',  'd',  'i',  'c',  'a',  't',  'o',  'r',
                                     0xA4, 'H',  'E',  '0',  '3',  0xA4, 'a',  'r',  'e',  'a',  0xA6,
                                     'w',  'u',  'q',  'i',  'n',  'g',  0xA4, 'y',  'e',  'a',  'r',
                                     0xCD, 0x07, 0xE7, 0xA5, 'v',  'a',  'l',  'u',  'e',  0xCB, 0x40,
                                     0x20, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66 };
    memcpy (out, head, sizeof head);
    memcpy (out + sizeof head, extra_key, key_size);
    memcpy (out + sizeof head + key_size, extra_value, value_size);
    return sizeof head + key_size + value_size;
}

static void
test_bad_fields_reject_the_record (void)
{
    wdm_proto_batch_t batch;
    char why [128];
    uint8_t body [256];
    static const uint8_t note [] = { 0xA4, 'n', 'o', 't', 'e' };
    static const uint8_t good_note [] = { 0xA3, 0xE5, 0xA5, 0xBD };  //  好
    static const uint8_t bad_note [] = { 0xA3, 0xE5, 0xA5, 0x28 };   //  broken UTF-8

    size_t size = s_one_record (body, note, sizeof note, good_note, sizeof good_note);
    CU_ASSERT_EQUAL_FATAL (s_decode (body, size, 1, &batch, why), WDM_PROTO_OK);
    CU_ASSERT_EQUAL (batch.items [0].code, 0);
    CU_ASSERT_EQUAL (batch.items [0].seq, 9);
    CU_ASSERT_STRING_EQUAL (batch.items [0].record.note, "好");
    CU_ASSERT_EQUAL (batch.items [0].record.year, 2023);
    CU_ASSERT_DOUBLE_EQUAL (batch.items [0].record.value, 8.2, 1e-12);
    wdm_proto_batch_clear (&batch);

    //  Invalid UTF-8: the record is malformed, named by its seq and field.
    size = s_one_record (body, note, sizeof note, bad_note, sizeof bad_note);
    CU_ASSERT_EQUAL_FATAL (s_decode (body, size, 1, &batch, why), WDM_PROTO_OK);
    CU_ASSERT_EQUAL (batch.items [0].code, WDM_PROTO_MALFORMED);
    CU_ASSERT_EQUAL (batch.items [0].seq, 9);
    CU_ASSERT_STRING_EQUAL (batch.items [0].field, "note");
    wdm_proto_batch_clear (&batch);

    //  An unknown field.
    static const uint8_t colour [] = { 0xA6, 'c', 'o', 'l', 'o', 'u', 'r' };
    static const uint8_t red [] = { 0xA3, 'r', 'e', 'd' };
    size = s_one_record (body, colour, sizeof colour, red, sizeof red);
    CU_ASSERT_EQUAL_FATAL (s_decode (body, size, 1, &batch, why), WDM_PROTO_OK);
    CU_ASSERT_EQUAL (batch.items [0].code, WDM_PROTO_MALFORMED);
    CU_ASSERT_PTR_NOT_NULL (strstr (batch.items [0].message, "unknown field 'colour'"));
    wdm_proto_batch_clear (&batch);

    //  A number where a string belongs.
    static const uint8_t body_key [] = { 0xA4, 'b', 'o', 'd', 'y' };
    static const uint8_t seven [] = { 0x07 };
    size = s_one_record (body, body_key, sizeof body_key, seven, sizeof seven);
    CU_ASSERT_EQUAL_FATAL (s_decode (body, size, 1, &batch, why), WDM_PROTO_OK);
    CU_ASSERT_EQUAL (batch.items [0].code, WDM_PROTO_MALFORMED);
    CU_ASSERT_STRING_EQUAL (batch.items [0].field, "body");
    wdm_proto_batch_clear (&batch);

    //  A field repeated.
    static const uint8_t year_key [] = { 0xA4, 'y', 'e', 'a', 'r' };
    size = s_one_record (body, year_key, sizeof year_key, seven, sizeof seven);
    CU_ASSERT_EQUAL_FATAL (s_decode (body, size, 1, &batch, why), WDM_PROTO_OK);
    CU_ASSERT_EQUAL (batch.items [0].code, WDM_PROTO_MALFORMED);
    CU_ASSERT_PTR_NOT_NULL (strstr (batch.items [0].message, "appears twice"));
    wdm_proto_batch_clear (&batch);

    //  A body code longer than the record can hold: too large.
    uint8_t long_body [1 + 70];
    long_body [0] = 0xD9;
    memset (long_body + 1, 'x', 70);
    long_body [1] = 69;
    size = s_one_record (body, body_key, sizeof body_key, long_body, sizeof long_body);
    CU_ASSERT_EQUAL_FATAL (s_decode (body, size, 1, &batch, why), WDM_PROTO_OK);
    CU_ASSERT_EQUAL (batch.items [0].code, WDM_PROTO_TOO_LARGE);
    CU_ASSERT_STRING_EQUAL (batch.items [0].field, "body");
    wdm_proto_batch_clear (&batch);
}

static void
test_missing_fields_and_seqs (void)
{
    wdm_proto_batch_t batch;
    char why [128];
    //  No value: the record is malformed, the batch is fine.
    wdm_record_t record = s_record ("HE03", 1);
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
    wdm_proto_batch_begin (&pk, 3, 2);
    msgpack_pack_map (&pk, 2);
    msgpack_pack_str_with_body (&pk, "seq", 3);
    msgpack_pack_uint64 (&pk, 1);
    msgpack_pack_str_with_body (&pk, "indicator", 9);
    msgpack_pack_str_with_body (&pk, record.indicator, 4);
    msgpack_pack_map (&pk, 1);  //  a record with no seq
    msgpack_pack_str_with_body (&pk, "indicator", 9);
    msgpack_pack_str_with_body (&pk, record.indicator, 4);
    CU_ASSERT_EQUAL (s_decode (body.data, body.size, 2, &batch, why), WDM_PROTO_MALFORMED);
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "no positive seq"));
    msgpack_sbuffer_destroy (&body);

    msgpack_sbuffer_init (&body);
    wdm_proto_batch_begin (&pk, 3, 1);
    msgpack_pack_map (&pk, 2);
    msgpack_pack_str_with_body (&pk, "seq", 3);
    msgpack_pack_uint64 (&pk, 1);
    msgpack_pack_str_with_body (&pk, "indicator", 9);
    msgpack_pack_str_with_body (&pk, record.indicator, 4);
    CU_ASSERT_EQUAL_FATAL (s_decode (body.data, body.size, 1, &batch, why), WDM_PROTO_OK);
    CU_ASSERT_EQUAL (batch.items [0].code, WDM_PROTO_MALFORMED);
    CU_ASSERT_STRING_EQUAL (batch.items [0].field, "area");
    wdm_proto_batch_clear (&batch);
    msgpack_sbuffer_destroy (&body);

    //  Two records with one seq.
    wdm_record_t two [2] = { s_record ("HE03", 1), s_record ("HE05", 2) };
    s_batch (&body, 3, two, 2, 5);
    wdm_proto_batch_t good;
    CU_ASSERT_EQUAL_FATAL (s_decode (body.data, body.size, 2, &good, why), WDM_PROTO_OK);
    wdm_proto_batch_clear (&good);
    msgpack_sbuffer_destroy (&body);
    msgpack_sbuffer_init (&body);
    wdm_proto_batch_begin (&pk, 3, 2);
    for (int i = 0; i < 2; i++) {
        msgpack_sbuffer stored;
        msgpack_sbuffer_init (&stored);
        wdm_proto_record_encode (&two [i], &stored);
        wdm_proto_batch_add (&pk, 5, stored.data, stored.size);
        msgpack_sbuffer_destroy (&stored);
    }
    CU_ASSERT_EQUAL (s_decode (body.data, body.size, 2, &batch, why), WDM_PROTO_MALFORMED);
    CU_ASSERT_PTR_NOT_NULL (strstr (why, "same seq"));
    msgpack_sbuffer_destroy (&body);

    //  Epoch zero, and a third key in the body.
    static const uint8_t epoch_zero [] = { 0x82, 0xA5, 'e', 'p', 'o', 'c', 'h', 0x00, 0xA7,
                                           'r',  'e',  'c', 'o', 'r', 'd', 's', 0x90 };
    CU_ASSERT_EQUAL (s_decode (epoch_zero, sizeof epoch_zero, 0, &batch, why), WDM_PROTO_MALFORMED);
    static const uint8_t third_key [] = { 0x83, 0xA5, 'e', 'p', 'o', 'c', 'h',  0x01, 0xA7, 'r',
                                          'e',  'c',  'o', 'r', 'd', 's', 0x90, 0xA1, 'x',  0xC0 };
    CU_ASSERT_EQUAL (s_decode (third_key, sizeof third_key, 0, &batch, why), WDM_PROTO_MALFORMED);
}

static void
test_random_mutations_never_crash (void)
{
    wdm_record_t records [4] = { s_record ("HE03", 8.2), s_record ("HE05", 71), s_record ("DM17", 1),
                                 s_record ("FA01", 120) };
    snprintf (records [1].note, sizeof records [1].note, "%s", "备注 note");
    msgpack_sbuffer body;
    s_batch (&body, 99, records, 4, 1);
    uint8_t *copy = malloc (body.size);
    CU_ASSERT_PTR_NOT_NULL_FATAL (copy);
    srand (20251129);
    int ok = 0, refused = 0;
    for (int round = 0; round < 20000; round++) {
        memcpy (copy, body.data, body.size);
        int flips = 1 + rand () % 4;
        for (int k = 0; k < flips; k++)
            copy [rand () % body.size] = (uint8_t)rand ();
        size_t size = body.size - (size_t)(rand () % 3);
        wdm_proto_batch_t batch;
        char why [128];
        int rc = s_decode (copy, size, 4, &batch, why);
        if (rc == WDM_PROTO_OK) {
            ok++;
            for (uint32_t i = 0; i < batch.count; i++)
                CU_ASSERT_TRUE (batch.items [i].code == 0 || batch.items [i].code == WDM_PROTO_MALFORMED
                                || batch.items [i].code == WDM_PROTO_TOO_LARGE);
            wdm_proto_batch_clear (&batch);
        } else {
            refused++;
            CU_ASSERT_TRUE (rc == WDM_PROTO_MALFORMED || rc == WDM_PROTO_TOO_LARGE);
            CU_ASSERT_PTR_NULL (batch.items);
        }
    }
    CU_ASSERT_TRUE (ok > 0 && refused > 0);
    free (copy);
    msgpack_sbuffer_destroy (&body);
}

static void
test_reply_round_trip (void)
{
    wdm_proto_rejection_t rejected [2] = {
        { 17, WDM_PROTO_INVALID_VALUE, "value", "数值超出指标的合理范围 / value is outside the range" },
        { 18, WDM_PROTO_NOT_AUTHORISED, "indicator", "无权报送 / not assigned HE03" },
    };
    wdm_proto_reply_t reply = { WDM_PROTO_OK, "ok", 480, 18, 2, rejected };
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    CU_ASSERT_EQUAL_FATAL (wdm_proto_reply_encode (&reply, &body), 0);
    wdm_proto_reply_t back;
    char why [128];
    CU_ASSERT_EQUAL_FATAL (
        wdm_proto_reply_decode ((const uint8_t *)body.data, body.size, &back, why, sizeof why), 0);
    CU_ASSERT_EQUAL (back.status, 200);
    CU_ASSERT_EQUAL (back.accepted, 480);
    CU_ASSERT_EQUAL (back.duplicates, 18);
    CU_ASSERT_EQUAL_FATAL (back.rejected_count, 2);
    CU_ASSERT_EQUAL (back.rejected [1].seq, 18);
    CU_ASSERT_EQUAL (back.rejected [1].code, 403);
    CU_ASSERT_STRING_EQUAL (back.rejected [0].field, "value");
    CU_ASSERT_STRING_EQUAL (back.rejected [0].message, rejected [0].message);
    wdm_proto_reply_clear (&back);
    //  A cut reply is refused and allocates nothing.
    CU_ASSERT_EQUAL (
        wdm_proto_reply_decode ((const uint8_t *)body.data, body.size - 1, &back, why, sizeof why), -1);
    CU_ASSERT_PTR_NULL (back.rejected);
    msgpack_sbuffer_destroy (&body);

    CU_ASSERT_STRING_EQUAL (wdm_proto_code_name (503), "retry_later");
    CU_ASSERT_EQUAL (wdm_proto_code_of (WDM_RECORD_UNKNOWN_INDICATOR), 404);
    CU_ASSERT_EQUAL (wdm_proto_code_of (WDM_RECORD_VALUE_OUT_OF_BOUNDS), 422);
}

//  The worked example of docs/PROTOCOL.md, byte for byte.
static void
test_the_documented_example (void)
{
    static const uint8_t header [] = {
        0x57, 0x44, 0x4d, 0x4e, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0xbc, 0x73, 0x3d, 0xf7
    };
    static const uint8_t body [] = {
        0x82, 0xa5, 0x65, 0x70, 0x6f, 0x63, 0x68, 0x07, 0xa7, 0x72, 0x65, 0x63, 0x6f, 0x72, 0x64, 0x73,
        0x91, 0x88, 0xa3, 0x73, 0x65, 0x71, 0x2a, 0xa9, 0x69, 0x6e, 0x64, 0x69, 0x63, 0x61, 0x74, 0x6f,
        0x72, 0xa4, 0x48, 0x45, 0x30, 0x33, 0xa4, 0x61, 0x72, 0x65, 0x61, 0xa6, 0x77, 0x75, 0x71, 0x69,
        0x6e, 0x67, 0xa4, 0x79, 0x65, 0x61, 0x72, 0xcd, 0x07, 0xe7, 0xa5, 0x76, 0x61, 0x6c, 0x75, 0x65,
        0xcb, 0x40, 0x20, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0xa9, 0x6e, 0x75, 0x6d, 0x65, 0x72, 0x61,
        0x74, 0x6f, 0x72, 0xcb, 0x40, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xab, 0x64, 0x65, 0x6e,
        0x6f, 0x6d, 0x69, 0x6e, 0x61, 0x74, 0x6f, 0x72, 0xcb, 0x40, 0xe1, 0xdd, 0x20, 0x00, 0x00, 0x00,
        0x00, 0xa6, 0x73, 0x74, 0x61, 0x74, 0x75, 0x73, 0xa5, 0x66, 0x69, 0x6e, 0x61, 0x6c
    };
    static const uint8_t reply [] = { 0x85, 0xa6, 0x73, 0x74, 0x61, 0x74, 0x75, 0x73, 0xcc, 0xc8, 0xa7,
                                      0x6d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0xa2, 0x6f, 0x6b, 0xa8,
                                      0x61, 0x63, 0x63, 0x65, 0x70, 0x74, 0x65, 0x64, 0x01, 0xaa, 0x64,
                                      0x75, 0x70, 0x6c, 0x69, 0x63, 0x61, 0x74, 0x65, 0x73, 0x00, 0xa8,
                                      0x72, 0x65, 0x6a, 0x65, 0x63, 0x74, 0x65, 0x64, 0x90 };

    wdm_record_t record = s_record ("HE03", 8.2);
    snprintf (record.area, sizeof record.area, "%s", "wuqing");
    record.has_numerator = record.has_denominator = true;
    record.numerator = 3;
    record.denominator = 36585;
    record.status = WDM_STATUS_FINAL;
    msgpack_sbuffer built;
    s_batch (&built, 7, &record, 1, 42);
    CU_ASSERT_EQUAL_FATAL (built.size, sizeof body);
    CU_ASSERT_EQUAL (memcmp (built.data, body, sizeof body), 0);
    wdm_proto_header_t head = { WDM_PROTO_VERSION, WDM_PROTO_BATCH, 5, 1, wdm_crc32 (0, body, sizeof body) };
    uint8_t bytes [WDM_PROTO_HEADER_SIZE];
    wdm_proto_header_encode (&head, bytes);
    CU_ASSERT_EQUAL (memcmp (bytes, header, sizeof header), 0);
    msgpack_sbuffer_destroy (&built);

    wdm_proto_reply_t ok = { WDM_PROTO_OK, "ok", 1, 0, 0, NULL };
    msgpack_sbuffer encoded;
    msgpack_sbuffer_init (&encoded);
    wdm_proto_reply_encode (&ok, &encoded);
    CU_ASSERT_EQUAL_FATAL (encoded.size, sizeof reply);
    CU_ASSERT_EQUAL (memcmp (encoded.data, reply, sizeof reply), 0);
    CU_ASSERT_EQUAL (wdm_crc32 (0, reply, sizeof reply), 0xdd692509u);
    msgpack_sbuffer_destroy (&encoded);
}

int
main (void)
{
    static const wdm_test_case_t tests [] = {
        { "header: layout, version, reserved bytes, magic", test_header },
        { "a batch round-trips every field", test_batch_round_trip },
        { "a record's queued form round-trips", test_queued_form_round_trip },
        { "truncated input and trailing bytes are malformed", test_truncation_and_trailing_bytes },
        { "allocation bombs, deep nesting, ext types are malformed", test_allocation_bombs_and_nesting },
        { "a bad field rejects its record, named by seq and field", test_bad_fields_reject_the_record },
        { "missing fields, missing and repeated seqs, bad body keys", test_missing_fields_and_seqs },
        { "20,000 random mutations never crash", test_random_mutations_never_crash },
        { "a reply round-trips; a cut reply is refused", test_reply_round_trip },
        { "the example in docs/PROTOCOL.md, byte for byte", test_the_documented_example },
    };
    return wdm_test_run_suite ("proto", tests, sizeof tests / sizeof tests [0]);
}
