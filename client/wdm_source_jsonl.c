/*  wdm_source_jsonl: JSON Lines read into records, one object a line (a
    whole JSON document is refused with how to write it instead).  Called
    by wdm_source_parse (sr_jsonl_parse); owns nothing past a line.  */

#include "wdm_source_int.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int
s_field_by_key (const char *key)
{
    for (int field = 0; field < SR_FIELD_COUNT; field++)
        if (strcmp (key, sr_fields [field].name) == 0)
            return field;
    return -1;
}

static void
s_json_type (const json_t *value, const char **zh, const char **en)
{
    switch (json_typeof (value)) {
        case JSON_STRING:  *zh = "字符串"; *en = "a string"; break;
        case JSON_INTEGER:
        case JSON_REAL:    *zh = "数字"; *en = "a number"; break;
        case JSON_OBJECT:  *zh = "对象"; *en = "an object"; break;
        case JSON_ARRAY:   *zh = "数组"; *en = "an array"; break;
        default:           *zh = "布尔值"; *en = "true or false"; break;
    }
}

//  One line's cells from its object.  Unknown keys come first: a
//  misspelt key would otherwise surface as a missing field.
static int
s_jsonl_cells (json_t *object, sr_cell_t *cells, sr_fault_t *fault)
{
    const char *key;
    json_t *value;
    json_object_foreach (object, key, value) {
        if (s_field_by_key (key) < 0) {
            sr_cut (key, strlen (key), fault->key, sizeof fault->key);
            sr_fault (fault, fault->key, "未知字段“%s” / unknown key '%s'", fault->key, fault->key);
            return -1;
        }
    }
    for (sr_field_t field = 0; field < SR_FIELD_COUNT; field++) {
        const char *name = sr_fields [field].name, *zh = sr_fields [field].zh;
        sr_cell_t *cell = &cells [field];
        value = json_object_get (object, name);
        if (!value || json_is_null (value))
            continue;
        const char *type_zh, *type_en;
        s_json_type (value, &type_zh, &type_en);
        if (sr_fields [field].kind == SR_TEXT) {
            if (!json_is_string (value)) {
                sr_fault (fault, name, "%s应为JSON字符串，不应为%s / %s must be a JSON string, not %s",
                         zh, type_zh, name, type_en);
                return -1;
            }
            cell->text = json_string_value (value);
            cell->len = json_string_length (value);
            cell->present = cell->len > 0;
        }
        else {
            if (json_is_string (value)) {
                char shown [SR_SHOWN_MAX];
                sr_cut (json_string_value (value), json_string_length (value), shown, sizeof shown);
                sr_fault (fault, name, "%s应为JSON数字，不应为字符串 / %s must be a JSON number, not a string: \"%s\"",
                         zh, name, shown);
                return -1;
            }
            if (!json_is_number (value)) {
                sr_fault (fault, name, "%s应为JSON数字，不应为%s / %s must be a JSON number, not %s",
                         zh, type_zh, name, type_en);
                return -1;
            }
            cell->number = json_number_value (value);
            cell->present = true;
        }
    }
    return 0;
}

static void
s_jsonl_line (sr_reader_t *reader, const char *text, size_t len, int line)
{
    sr_fault_t fault;
    json_error_t error;
    json_t *root = json_loadb (text, len, JSON_REJECT_DUPLICATES, &error);
    if (!root)
        sr_fault (&fault, "", "不是有效的JSON：%s（第%d列） / not valid JSON: %s (column %d)",
                 error.text, error.column, error.text, error.column);
    else
    if (!json_is_object (root))
        sr_fault (&fault, "", "每行应为一个JSON对象 / a line must hold one JSON object");
    else {
        sr_cell_t cells [SR_FIELD_COUNT] = { { false } };
        wdm_record_t record;
        if (s_jsonl_cells (root, cells, &fault) == 0
        &&  sr_build (cells, &record, &fault) == 0) {
            sr_deliver (reader, line, &record, text, len);
            json_decref (root);
            return;
        }
    }
    sr_report (reader, line, &fault, text, len);
    json_decref (root);
}

//  A ".json" file is often one JSON document — an array of objects, or an
//  object spread over lines — which would read as nothing but bad lines.
//  True, with why said, if the first line is no object but the whole is
//  JSON.
static bool
s_jsonl_is_document (sr_reader_t *reader, const char *data, size_t size)
{
    size_t pos = 0, end = 0;
    for (; pos < size; pos = end) {
        end = sr_line_end (data, size, pos);
        if (!sr_blank (data + pos, end - pos))
            break;
    }
    if (pos == size)
        return false;
    json_t *first = json_loadb (data + pos, sr_unbroken (data + pos, end - pos), 0, NULL);
    bool object = json_is_object (first);
    json_decref (first);
    if (object)
        return false;
    json_t *whole = json_loadb (data, size, 0, NULL);
    bool document = whole != NULL;
    json_decref (whole);
    if (document)
        sr_why (reader, "文件是一个完整的JSON文档，不是JSON Lines：请每行写一个JSON对象 / "
                       "the file is one JSON document, not JSON Lines: write one JSON object per line");
    return document;
}

void
sr_jsonl_parse (sr_reader_t *reader, const char *data, size_t size)
{
    if (s_jsonl_is_document (reader, data, size))
        return;
    int line = 0;
    size_t pos = 0;
    while (pos < size && !reader->stopped) {
        size_t end = sr_line_end (data, size, pos);
        line++;
        size_t len = sr_unbroken (data + pos, end - pos);
        if (!sr_blank (data + pos, len))
            s_jsonl_line (reader, data + pos, len, line);
        pos = end;
    }
}


