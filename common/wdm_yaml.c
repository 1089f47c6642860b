/*  wdm_yaml: read a YAML file a person wrote.  See wdm_yaml.h.  */

#include "wdm_yaml.h"
#include "wdm_buf.h"
#include "wdm_suggest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct wdm_yaml {
    char *name;  //  the file's name, for errors
    yaml_document_t document;
    bool have_document;  //  document was loaded and must be deleted
    wdm_buf_t errors;    //  one line per error
    int error_count;
};

//  Parse what parser is set up to read into self's document; errors said.
static void
s_load (wdm_yaml_t *self, yaml_parser_t *parser)
{
    if (!yaml_parser_load (parser, &self->document)) {
        const char *problem = parser->problem ? parser->problem : "cannot parse";
        if (parser->error == YAML_MEMORY_ERROR)
            problem = "out of memory";
        wdm_buf_printf (&self->errors, "%s:%zu: YAML 语法错误 / YAML syntax error: %s%s%s\n", self->name,
                        parser->problem_mark.line + 1, problem, parser->context ? ", " : "",
                        parser->context ? parser->context : "");
        self->error_count++;
        return;
    }
    self->have_document = true;
    if (!yaml_document_get_root_node (&self->document)) {
        wdm_buf_printf (&self->errors, "%s:1: 文件为空 / the file is empty\n", self->name);
        self->error_count++;
        return;
    }
    //  A second document would be ignored silently: refuse it.
    yaml_document_t next;
    if (yaml_parser_load (parser, &next)) {
        yaml_node_t *root = yaml_document_get_root_node (&next);
        if (root) {
            wdm_buf_printf (&self->errors,
                            "%s:%zu: 文件只能有一个文档 / the file must hold one document, "
                            "not several ('---')\n",
                            self->name, root->start_mark.line + 1);
            self->error_count++;
        }
        yaml_document_delete (&next);
    }
}

static wdm_yaml_t *
s_new (const char *name)
{
    wdm_yaml_t *self = calloc (1, sizeof *self);
    if (self && !(self->name = strdup (name))) {
        free (self);
        self = NULL;
    }
    return self;
}

wdm_yaml_t *
wdm_yaml_load (const char *path)
{
    wdm_yaml_t *self = s_new (path);
    if (!self)
        return NULL;
    FILE *file = fopen (path, "rb");
    if (!file) {
        wdm_buf_printf (&self->errors, "%s: 无法打开 / cannot open: %s\n", path, strerror (errno));
        self->error_count++;
        return self;
    }
    yaml_parser_t parser;
    if (yaml_parser_initialize (&parser)) {
        yaml_parser_set_input_file (&parser, file);
        s_load (self, &parser);
        yaml_parser_delete (&parser);
    } else {
        wdm_buf_printf (&self->errors, "%s: out of memory\n", path);
        self->error_count++;
    }
    fclose (file);
    return self;
}

wdm_yaml_t *
wdm_yaml_parse (const char *name, const char *text, size_t size)
{
    wdm_yaml_t *self = s_new (name);
    if (!self)
        return NULL;
    yaml_parser_t parser;
    if (yaml_parser_initialize (&parser)) {
        yaml_parser_set_input_string (&parser, (const unsigned char *)text, size);
        s_load (self, &parser);
        yaml_parser_delete (&parser);
    } else {
        wdm_buf_printf (&self->errors, "%s: out of memory\n", name);
        self->error_count++;
    }
    return self;
}

void
wdm_yaml_destroy (wdm_yaml_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    wdm_yaml_t *self = *self_p;
    if (self->have_document)
        yaml_document_delete (&self->document);
    wdm_buf_free (&self->errors);
    free (self->name);
    free (self);
    *self_p = NULL;
}

const wdm_yaml_node_t *
wdm_yaml_root (wdm_yaml_t *self)
{
    return self->have_document ? yaml_document_get_root_node (&self->document) : NULL;
}

int
wdm_yaml_line (const wdm_yaml_node_t *node)
{
    return node ? (int)node->start_mark.line + 1 : 1;
}

void
wdm_yaml_error (wdm_yaml_t *self, const wdm_yaml_node_t *node, const char *where, const char *field,
                const char *format, ...)
{
    wdm_buf_printf (&self->errors, "%s:%d: ", self->name, wdm_yaml_line (node));
    if (where)
        wdm_buf_printf (&self->errors, "%s: ", where);
    if (field)
        wdm_buf_printf (&self->errors, "field '%s': ", field);
    char message [1024];
    va_list args;
    va_start (args, format);
    vsnprintf (message, sizeof message, format, args);
    va_end (args);
    wdm_buf_printf (&self->errors, "%s\n", message);
    self->error_count++;
}

int
wdm_yaml_error_count (const wdm_yaml_t *self)
{
    return self->error_count;
}

const char *
wdm_yaml_errors (const wdm_yaml_t *self)
{
    return self->errors.data ? self->errors.data : "";
}

bool
wdm_yaml_is_map (const wdm_yaml_node_t *node)
{
    return node && node->type == YAML_MAPPING_NODE;
}

bool
wdm_yaml_is_seq (const wdm_yaml_node_t *node)
{
    return node && node->type == YAML_SEQUENCE_NODE;
}

const char *
wdm_yaml_scalar (const wdm_yaml_node_t *node)
{
    return node && node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

bool
wdm_yaml_is_null (const wdm_yaml_node_t *node)
{
    const char *text = wdm_yaml_scalar (node);
    if (!text || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    return !*text || strcmp (text, "~") == 0 || strcmp (text, "null") == 0 || strcmp (text, "Null") == 0
        || strcmp (text, "NULL") == 0;
}

size_t
wdm_yaml_size (const wdm_yaml_node_t *node)
{
    if (wdm_yaml_is_seq (node))
        return (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
    if (wdm_yaml_is_map (node))
        return (size_t)(node->data.mapping.pairs.top - node->data.mapping.pairs.start);
    return 0;
}

const wdm_yaml_node_t *
wdm_yaml_item (wdm_yaml_t *self, const wdm_yaml_node_t *seq, size_t i)
{
    if (i >= wdm_yaml_size (seq) || !wdm_yaml_is_seq (seq))
        return NULL;
    return yaml_document_get_node (&self->document, seq->data.sequence.items.start [i]);
}

//  The name of a node's kind, for errors, in Chinese and in English.
static const char *
s_kind_zh (const wdm_yaml_node_t *node)
{
    return wdm_yaml_is_map (node) ? "映射" : wdm_yaml_is_seq (node) ? "列表" : "单个值";
}

static const char *
s_kind_en (const wdm_yaml_node_t *node)
{
    return wdm_yaml_is_map (node) ? "a mapping" : wdm_yaml_is_seq (node) ? "a list" : "a single value";
}

int
wdm_yaml_check_keys (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *where, const char *const *keys)
{
    if (!wdm_yaml_is_map (map)) {
        wdm_yaml_error (self, map, where, NULL,
                        "应为映射(键: 值),实为%s / expected a mapping (key: value), not %s", s_kind_zh (map),
                        s_kind_en (map));
        return 1;
    }
    int errors = 0;
    size_t count = 0;
    while (keys [count])
        count++;
    const yaml_node_pair_t *pairs = map->data.mapping.pairs.start;
    size_t size = wdm_yaml_size (map);
    for (size_t i = 0; i < size; i++) {
        const yaml_node_t *key = yaml_document_get_node (&self->document, pairs [i].key);
        const char *text = wdm_yaml_scalar (key);
        if (!text) {
            wdm_yaml_error (self, key, where, NULL, "键应为文字 / a key must be plain text");
            errors++;
            continue;
        }
        size_t k = 0;
        while (k < count && strcmp (keys [k], text) != 0)
            k++;
        if (k == count) {
            char message [512] = "";
            wdm_suggest_append (text, keys, count, 12, message, sizeof message);
            wdm_yaml_error (self, key, where, text, "未知的字段 / unknown field%s", message);
            errors++;
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            const char *earlier = wdm_yaml_scalar (yaml_document_get_node (&self->document, pairs [j].key));
            if (earlier && strcmp (earlier, text) == 0) {
                wdm_yaml_error (self, key, where, text, "字段重复 / the field is given twice");
                errors++;
                break;
            }
        }
    }
    return errors;
}

const wdm_yaml_node_t *
wdm_yaml_get (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *key)
{
    if (!wdm_yaml_is_map (map))
        return NULL;
    const yaml_node_pair_t *pairs = map->data.mapping.pairs.start;
    size_t size = wdm_yaml_size (map);
    for (size_t i = 0; i < size; i++) {
        const char *text = wdm_yaml_scalar (yaml_document_get_node (&self->document, pairs [i].key));
        if (text && strcmp (text, key) == 0)
            return yaml_document_get_node (&self->document, pairs [i].value);
    }
    return NULL;
}

//  The value of key, NULL when absent or null; an error when required.
static const wdm_yaml_node_t *
s_value (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *where, const char *key, bool required)
{
    const wdm_yaml_node_t *value = wdm_yaml_get (self, map, key);
    if (value && wdm_yaml_is_null (value))
        value = NULL;
    if (!value && required && wdm_yaml_is_map (map))
        wdm_yaml_error (self, map, where, key, "缺少必填字段 / missing required field");
    return value;
}

const char *
wdm_yaml_string (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *where, const char *key,
                 bool required)
{
    const wdm_yaml_node_t *value = s_value (self, map, where, key, required);
    if (!value)
        return NULL;
    const char *text = wdm_yaml_scalar (value);
    if (!text) {
        wdm_yaml_error (self, value, where, key, "应为文字,实为%s / expected text, not %s", s_kind_zh (value),
                        s_kind_en (value));
        return NULL;
    }
    if (required && !*text) {
        wdm_yaml_error (self, value, where, key, "不能为空 / must not be empty");
        return NULL;
    }
    return text;
}

int
wdm_yaml_int (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *where, const char *key, bool required,
              long min, long max, long *value)
{
    const wdm_yaml_node_t *node = s_value (self, map, where, key, required);
    if (!node)
        return required ? -1 : 0;
    const char *text = wdm_yaml_scalar (node);
    char *end = NULL;
    errno = 0;
    long number = text ? strtol (text, &end, 10) : 0;
    if (!text || !*text || *end || errno) {
        wdm_yaml_error (self, node, where, key, "应为整数,实为 '%s' / expected a whole number",
                        text ? text : "?");
        return -1;
    }
    if (number < min || number > max) {
        wdm_yaml_error (self, node, where, key, "%ld 不在 %ld 至 %ld 之内 / %ld is outside %ld-%ld", number,
                        min, max, number, min, max);
        return -1;
    }
    *value = number;
    return 1;
}

int
wdm_yaml_bool (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *where, const char *key,
               bool required, bool *value)
{
    const wdm_yaml_node_t *node = s_value (self, map, where, key, required);
    if (!node)
        return required ? -1 : 0;
    const char *text = wdm_yaml_scalar (node);
    if (text && (strcmp (text, "true") == 0 || strcmp (text, "false") == 0)) {
        *value = text [0] == 't';
        return 1;
    }
    wdm_yaml_error (self, node, where, key, "应为 true 或 false,实为 '%s' / expected true or false",
                    text ? text : "?");
    return -1;
}

const char *
wdm_yaml_word (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *where, const char *key,
               bool required, const char *const *words)
{
    const char *text = wdm_yaml_string (self, map, where, key, required);
    if (!text)
        return NULL;
    size_t count = 0;
    while (words [count])
        count++;
    for (size_t i = 0; i < count; i++)
        if (strcmp (words [i], text) == 0)
            return text;  //  the document's, which lives as long as the reader
    char message [512] = "";
    wdm_suggest_append (text, words, count, 12, message, sizeof message);
    wdm_yaml_error (self, wdm_yaml_get (self, map, key), where, key, "不能是 '%s' / cannot be '%s'%s", text,
                    text, message);
    return NULL;
}

//  A field whose value must be a node of kind type.
static const wdm_yaml_node_t *
s_node_of (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *where, const char *key, bool required,
           yaml_node_type_t type, const char *expected_zh, const char *expected_en)
{
    const wdm_yaml_node_t *node = s_value (self, map, where, key, required);
    if (!node || node->type == type)
        return node;
    wdm_yaml_error (self, node, where, key, "应为%s,实为%s / expected %s, not %s", expected_zh,
                    s_kind_zh (node), expected_en, s_kind_en (node));
    return NULL;
}

const wdm_yaml_node_t *
wdm_yaml_seq (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *where, const char *key, bool required)
{
    return s_node_of (self, map, where, key, required, YAML_SEQUENCE_NODE, "列表", "a list");
}

const wdm_yaml_node_t *
wdm_yaml_map (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *where, const char *key, bool required)
{
    return s_node_of (self, map, where, key, required, YAML_MAPPING_NODE, "映射", "a mapping");
}

//  --------------------------------------------------------------------
//  Lists of entries

long
wdm_yaml_find (const char *code, const char *const *codes, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (codes [i] && strcmp (codes [i], code) == 0)
            return (long)i;
    return -1;
}

const char *
wdm_yaml_code_invalid (const char *code)
{
    size_t length = strlen (code);
    if (length >= 1 && length <= 64 && strspn (code, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == length)
        return NULL;
    return "代码只能由小写字母、数字和 _ . - 组成,1 至 64 个字符 / a code is 1-64 lowercase letters, digits, "
           "'_', '.' or '-'";
}

const wdm_yaml_node_t *
wdm_yaml_entry (wdm_yaml_t *self, const wdm_yaml_node_t *list, size_t i, const char *what,
                const char *const *keys, char *where)
{
    const wdm_yaml_node_t *map = wdm_yaml_item (self, list, i);
    const char *code = wdm_yaml_scalar (wdm_yaml_get (self, map, "code"));
    snprintf (where, WDM_YAML_WHERE_MAX, "%s '%s'", what, code ? code : "?");
    return wdm_yaml_check_keys (self, map, where, keys) && !wdm_yaml_is_map (map) ? NULL : map;
}

int
wdm_yaml_codes_new (wdm_yaml_codes_t *codes, size_t size)
{
    codes->codes = calloc (size + 1, sizeof *codes->codes);
    codes->nodes = calloc (size + 1, sizeof *codes->nodes);
    return codes->codes && codes->nodes ? 0 : -1;
}

void
wdm_yaml_codes_free (wdm_yaml_codes_t *codes)
{
    free (codes->codes);
    free (codes->nodes);
    *codes = (wdm_yaml_codes_t) { NULL, NULL };
}

void
wdm_yaml_check_code (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *where, const char *code,
                     const char *invalid, const wdm_yaml_codes_t *earlier, size_t at)
{
    const wdm_yaml_node_t *node = wdm_yaml_get (self, map, "code");
    if (invalid) {
        wdm_yaml_error (self, node, where, "code", "%s", invalid);
        return;
    }
    long found = earlier ? wdm_yaml_find (code, earlier->codes, at) : -1;
    if (found >= 0) {
        int line = wdm_yaml_line (earlier->nodes [found]);
        wdm_yaml_error (self, node, where, "code",
                        "代码重复,第 %d 行已有 / duplicate code, already at line %d", line, line);
    }
}

void
wdm_yaml_codes_add (wdm_yaml_t *self, wdm_yaml_codes_t *codes, const wdm_yaml_node_t *map, const char *where,
                    const char *code, const char *invalid, size_t i)
{
    if (code)
        wdm_yaml_check_code (self, map, where, code, invalid, codes, i);
    codes->codes [i] = code;
    codes->nodes [i] = map;
}

void
wdm_yaml_unknown (wdm_yaml_t *self, const wdm_yaml_node_t *node, const char *where, const char *key,
                  const char *what_zh, const char *what_en, const char *code, const char *const *codes,
                  size_t count)
{
    char nearest [512] = "";
    wdm_suggest_append (code, codes, count, 12, nearest, sizeof nearest);
    wdm_yaml_error (self, node, where, key, "未知%s %s / unknown %s '%s'%s", what_zh, code, what_en, code,
                    nearest);
}

//  --------------------------------------------------------------------
//  Writing

struct wdm_yaml_out {
    yaml_emitter_t emitter;
    bool failed;  //  a call failed: every later one does nothing
};

//  Emit event, when it was made (made is its initializer's result).
static int
s_emit (wdm_yaml_out_t *self, yaml_event_t *event, int made)
{
    if (self->failed || !made || !yaml_emitter_emit (&self->emitter, event))
        self->failed = true;
    return self->failed ? -1 : 0;
}

//  A scalar of length bytes in style.
static int
s_scalar_event (wdm_yaml_out_t *self, const char *text, size_t length, yaml_scalar_style_t style)
{
    if (self->failed)
        return -1;
    yaml_event_t event;
    return s_emit (
        self, &event,
        yaml_scalar_event_initialize (&event, NULL, NULL, (yaml_char_t *)text, (int)length, 1, 1, style));
}

//  Text (length bytes) plain where YAML reads it back as the same text,
//  quoted where plain would read as something else (null, a boolean).
static int
s_scalar_text (wdm_yaml_out_t *self, const char *text, size_t length)
{
    static const char *const special [] = { "",     "~",     "null", "Null", "NULL",
                                            "true", "false", "yes",  "no",   NULL };
    yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
    for (int i = 0; special [i]; i++)
        if (strlen (special [i]) == length && strncmp (text, special [i], length) == 0)
            style = YAML_SINGLE_QUOTED_SCALAR_STYLE;
    return s_scalar_event (self, text, length, style);
}

wdm_yaml_out_t *
wdm_yaml_out_new (FILE *out, const char *header)
{
    wdm_yaml_out_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (!yaml_emitter_initialize (&self->emitter)) {
        free (self);
        return NULL;
    }
    if (header)
        fputs (header, out);
    yaml_emitter_set_output_file (&self->emitter, out);
    yaml_emitter_set_unicode (&self->emitter, 1);
    yaml_emitter_set_width (&self->emitter, -1);  //  a long text on one line, as its writer had it
    yaml_emitter_set_indent (&self->emitter, 2);
    yaml_event_t event;
    if (!s_emit (self, &event, yaml_stream_start_event_initialize (&event, YAML_UTF8_ENCODING)))
        s_emit (self, &event, yaml_document_start_event_initialize (&event, NULL, NULL, NULL, 1));
    return self;
}

int
wdm_yaml_out_end (wdm_yaml_out_t *self)
{
    yaml_event_t event;
    if (s_emit (self, &event, yaml_document_end_event_initialize (&event, 1))
        || s_emit (self, &event, yaml_stream_end_event_initialize (&event)))
        return -1;
    if (!yaml_emitter_flush (&self->emitter))
        self->failed = true;
    return self->failed ? -1 : 0;
}

const char *
wdm_yaml_out_problem (const wdm_yaml_out_t *self)
{
    return self->emitter.problem;
}

void
wdm_yaml_out_destroy (wdm_yaml_out_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    yaml_emitter_delete (&(*self_p)->emitter);
    free (*self_p);
    *self_p = NULL;
}

int
wdm_yaml_out_scalar (wdm_yaml_out_t *self, const char *text)
{
    return s_scalar_text (self, text, strlen (text));
}

int
wdm_yaml_out_plain (wdm_yaml_out_t *self, const char *text)
{
    return s_scalar_event (self, text, strlen (text), YAML_PLAIN_SCALAR_STYLE);
}

int
wdm_yaml_out_map (wdm_yaml_out_t *self, bool flow)
{
    yaml_event_t event;
    return s_emit (self, &event,
                   yaml_mapping_start_event_initialize (
                       &event, NULL, NULL, 1, flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
}

int
wdm_yaml_out_map_end (wdm_yaml_out_t *self)
{
    yaml_event_t event;
    return s_emit (self, &event, yaml_mapping_end_event_initialize (&event));
}

int
wdm_yaml_out_seq (wdm_yaml_out_t *self, bool flow)
{
    yaml_event_t event;
    return s_emit (self, &event,
                   yaml_sequence_start_event_initialize (
                       &event, NULL, NULL, 1, flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE));
}

int
wdm_yaml_out_seq_end (wdm_yaml_out_t *self)
{
    yaml_event_t event;
    return s_emit (self, &event, yaml_sequence_end_event_initialize (&event));
}

int
wdm_yaml_out_field (wdm_yaml_out_t *self, const char *key, const char *value, bool plain)
{
    if (!value)
        return self->failed ? -1 : 0;
    return wdm_yaml_out_scalar (self, key)
            || (plain ? wdm_yaml_out_plain (self, value) : wdm_yaml_out_scalar (self, value))
        ? -1
        : 0;
}

int
wdm_yaml_out_list (wdm_yaml_out_t *self, const char *key, const char *joined, char separator)
{
    if (!joined)
        return self->failed ? -1 : 0;
    if (wdm_yaml_out_scalar (self, key) || wdm_yaml_out_seq (self, true))
        return -1;
    while (*joined) {
        size_t length = strcspn (joined, (char [2]) { separator, '\0' });
        if (s_scalar_text (self, joined, length))
            return -1;
        joined += length + (joined [length] == separator);
    }
    return wdm_yaml_out_seq_end (self);
}
