/*  wdm_yaml: read a YAML file that a person wrote — a site file, a plan
    file — and say everything wrong with it, each error with FILE:LINE and
    the field, Chinese first with English alongside:

        site.yaml:42: unit 'town_x': field 'area': 未知地区 xx / unknown area 'xx'

    libyaml parses the file into a document (yaml_parser_load); the helpers
    below walk it: a mapping's keys checked against the keys it may have
    (an unknown or repeated key is an error: a typo must not pass
    silently), required and optional string, integer, boolean and
    one-of-a-list fields, sequences and nested mappings.  Every problem is
    added to the reader's list of errors and reading goes on, so that the
    caller can report them all at once.  The reader owns the document:
    every node and string it hands out lives until wdm_yaml_destroy.

    Writing is the other half (wdm_yaml_out_*): a file is written through
    libyaml's emitter, which quotes and escapes; nothing here writes YAML
    by hand.  A scalar is plain where YAML reads it back as the same text
    and quoted where plain would read as something else (null, a boolean).

    Library code: it prints nothing (but the file it is told to write).  */

#ifndef WDM_YAML_H_INCLUDED
#define WDM_YAML_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct wdm_yaml wdm_yaml_t;

//  A node of the document (libyaml's yaml_node_t).
typedef struct yaml_node_s wdm_yaml_node_t;

//  Read and parse the file at path, named in errors as path.  The reader,
//  or NULL when out of memory; a file that cannot be read or parsed gives
//  a reader with no root and the cause in its errors.
wdm_yaml_t *wdm_yaml_load (const char *path);

//  The same from text in memory (size bytes), named in errors as name.
wdm_yaml_t *wdm_yaml_parse (const char *name, const char *text, size_t size);

//  Free the reader and its document.  NULL and *self_p NULL are accepted.
void wdm_yaml_destroy (wdm_yaml_t **self_p);

//  The document's root node, or NULL when the file could not be read or
//  parsed, or is empty (each said in the errors).
const wdm_yaml_node_t *wdm_yaml_root (wdm_yaml_t *self);

//  The line (from 1) where node begins in the file.
int wdm_yaml_line (const wdm_yaml_node_t *node);

//  --------------------------------------------------------------------
//  Errors

//  Add one error: "NAME:LINE: WHERE: field 'FIELD': MESSAGE", where LINE
//  is node's line, and WHERE (e.g. "unit 'town_x'") and FIELD are left
//  out when NULL.  MESSAGE is formatted printf-style, Chinese first.
void wdm_yaml_error (wdm_yaml_t *self, const wdm_yaml_node_t *node, const char *where, const char *field,
                     const char *format, ...) __attribute__ ((format (printf, 5, 6)));

//  How many errors were added.
int wdm_yaml_error_count (const wdm_yaml_t *self);

//  Every error, one a line, each ending in a newline; "" when none.
const char *wdm_yaml_errors (const wdm_yaml_t *self);

//  --------------------------------------------------------------------
//  Nodes

bool wdm_yaml_is_map (const wdm_yaml_node_t *node);
bool wdm_yaml_is_seq (const wdm_yaml_node_t *node);

//  A scalar's text, or NULL if node is not a scalar (or NULL).
const char *wdm_yaml_scalar (const wdm_yaml_node_t *node);

//  Whether node is a null: an empty plain scalar, ~ or null.
bool wdm_yaml_is_null (const wdm_yaml_node_t *node);

//  The number of items of a sequence or pairs of a mapping; 0 otherwise.
size_t wdm_yaml_size (const wdm_yaml_node_t *node);

//  Item i (from 0) of a sequence, or NULL past its end.
const wdm_yaml_node_t *wdm_yaml_item (wdm_yaml_t *self, const wdm_yaml_node_t *seq, size_t i);

//  --------------------------------------------------------------------
//  Mappings and their fields.  where names the mapping in errors ("unit
//  'town_x'"; NULL at the top).  A field whose value is null is absent.

//  Check that node is a mapping whose keys are all among keys (NULL-
//  terminated), each once.  An error for a node that is not a mapping,
//  each key not in keys (naming the nearest valid keys) and each key
//  given twice.  0 if none, else the number of errors added.
int wdm_yaml_check_keys (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *where,
                         const char *const *keys);

//  The value of key in map (the first, if repeated), or NULL if map is
//  not a mapping or has no such key.
const wdm_yaml_node_t *wdm_yaml_get (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *key);

//  A string field: its text, NULL when absent or not a scalar.  An error
//  when required and absent or empty, or when not a scalar.
const char *wdm_yaml_string (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *where, const char *key,
                             bool required);

//  An integer field within [min, max]: 1 with *value set, 0 absent, -1
//  wrong (not a whole number, out of range, or required and absent: an
//  error added).
int wdm_yaml_int (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *where, const char *key,
                  bool required, long min, long max, long *value);

//  A boolean field (true or false): 1 with *value set, 0 absent, -1
//  wrong (an error added).
int wdm_yaml_bool (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *where, const char *key,
                   bool required, bool *value);

//  A field that is one of words (NULL-terminated): its text (the
//  document's), or NULL when absent or wrong; an error names the valid
//  words, nearest first.
const char *wdm_yaml_word (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *where, const char *key,
                           bool required, const char *const *words);

//  A sequence field: the sequence node, NULL when absent or not a
//  sequence (an error when required or not a sequence).
const wdm_yaml_node_t *wdm_yaml_seq (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *where,
                                     const char *key, bool required);

//  A mapping field: the mapping node, NULL when absent or not a mapping
//  (an error when required or not a mapping).
const wdm_yaml_node_t *wdm_yaml_map (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *where,
                                     const char *key, bool required);

//  --------------------------------------------------------------------
//  Lists of entries, each a mapping named by its "code" (an area, a unit,
//  a domain, an indicator): a code is given once in its list.

//  The size of a "where" buffer: "indicator 'CODE' target".
#define WDM_YAML_WHERE_MAX 160

//  The index of code among codes [0..count) (NULL ones skipped), or -1.
long wdm_yaml_find (const char *code, const char *const *codes, size_t count);

//  Why code is not what a code may be (sql/001: 1-64 of [a-z0-9_.-]), or
//  NULL when it is.
const char *wdm_yaml_code_invalid (const char *code);

//  Entry i of list, a `what` ("area", "domain") with fields keys: its
//  mapping, with where (WDM_YAML_WHERE_MAX bytes) set to "what 'code'",
//  or NULL when it is no mapping (said).
const wdm_yaml_node_t *wdm_yaml_entry (wdm_yaml_t *self, const wdm_yaml_node_t *list, size_t i,
                                       const char *what, const char *const *keys, char *where);

//  The codes of a list's entries read so far, with their mappings.
typedef struct {
    const char **codes;
    const wdm_yaml_node_t **nodes;
} wdm_yaml_codes_t;

//  Room for size entries: 0, or -1 when out of memory.
int wdm_yaml_codes_new (wdm_yaml_codes_t *codes, size_t size);
void wdm_yaml_codes_free (wdm_yaml_codes_t *codes);

//  Check the code of map: invalid (NULL when the code's form is right) is
//  the error for its form; else an error when one of the first at entries
//  of earlier (NULL: none) has it.
void wdm_yaml_check_code (wdm_yaml_t *self, const wdm_yaml_node_t *map, const char *where, const char *code,
                          const char *invalid, const wdm_yaml_codes_t *earlier, size_t at);

//  Entry i (map, with its code, NULL if it has none) is read: check its
//  code (invalid as above) against the earlier entries', and keep it for
//  the later ones.
void wdm_yaml_codes_add (wdm_yaml_t *self, wdm_yaml_codes_t *codes, const wdm_yaml_node_t *map,
                         const char *where, const char *code, const char *invalid, size_t i);

//  An unknown code in field key (at node): the error "未知WHAT_ZH CODE /
//  unknown WHAT_EN 'CODE'", with the nearest of codes [0..count).
void wdm_yaml_unknown (wdm_yaml_t *self, const wdm_yaml_node_t *node, const char *where, const char *key,
                       const char *what_zh, const char *what_en, const char *code, const char *const *codes,
                       size_t count);

//  --------------------------------------------------------------------
//  Writing.  Every call returns 0, or -1 once anything failed (each later
//  call then does nothing and returns -1), so that calls chain with ||.

typedef struct wdm_yaml_out wdm_yaml_out_t;

//  Begin writing one document to out: header (comment lines, each ending
//  in a newline; NULL for none) first, then the document as UTF-8
//  unescaped, lines never folded, indented by 2.  NULL when out of memory.
wdm_yaml_out_t *wdm_yaml_out_new (FILE *out, const char *header);

//  End the document and the stream and flush the emitter: 0 or -1.
int wdm_yaml_out_end (wdm_yaml_out_t *self);

//  libyaml's words for what failed, or NULL when it gave none.
const char *wdm_yaml_out_problem (const wdm_yaml_out_t *self);

//  Free the writer (what was not ended is not flushed).  NULL accepted.
void wdm_yaml_out_destroy (wdm_yaml_out_t **self_p);

//  A scalar: plain where it reads back as text, quoted where not.
int wdm_yaml_out_scalar (wdm_yaml_out_t *self, const char *text);

//  A scalar written plain, as is: a number, a boolean the format means.
int wdm_yaml_out_plain (wdm_yaml_out_t *self, const char *text);

//  Start a mapping (flow: {a: 1, b: 2}; else one key a line), end it.
int wdm_yaml_out_map (wdm_yaml_out_t *self, bool flow);
int wdm_yaml_out_map_end (wdm_yaml_out_t *self);

//  Start a sequence (flow: [a, b]; else one item a line), end it.
int wdm_yaml_out_seq (wdm_yaml_out_t *self, bool flow);
int wdm_yaml_out_seq_end (wdm_yaml_out_t *self);

//  key: value in the mapping being written, value plain (as is) or as
//  wdm_yaml_out_scalar writes it; nothing when value is NULL.
int wdm_yaml_out_field (wdm_yaml_out_t *self, const char *key, const char *value, bool plain);

//  key: [a, b, c] from joined, its items separated by separator; nothing
//  when joined is NULL.
int wdm_yaml_out_list (wdm_yaml_out_t *self, const char *key, const char *joined, char separator);

#endif
