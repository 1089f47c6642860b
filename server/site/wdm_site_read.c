/*  wdm_site_read: read a site file and check it whole — every field, every
    code against the file's own areas and units and the database's
    indicators, the parents for cycles — collecting every error with its
    line.  See wdm_site_int.h.  */

#include "wdm_site_int.h"
#include "wdm_db.h"
#include "wdm_suggest.h"

#include <stdlib.h>
#include <string.h>

#define S_WHERE_MAX 160

//  The words of a column: codes of the database's indicators, the labels
//  of an enum.  NULL-terminated; strings point into res.
typedef struct {
    PGresult *res;
    const char **words;
    size_t count;
} s_words_t;

static int
s_words_load (PGconn *conn, const char *sql, s_words_t *words, wdm_buf_t *errors)
{
    char err [512] = "";
    words->res = wdm_db_query (conn, sql, 0, NULL, PGRES_TUPLES_OK, err, sizeof err);
    if (!words->res) {
        wdm_buf_printf (errors, "%s\n", err);
        return -1;
    }
    words->count = (size_t)PQntuples (words->res);
    words->words = calloc (words->count + 1, sizeof *words->words);
    if (!words->words) {
        wdm_buf_printf (errors, "out of memory\n");
        return -1;
    }
    for (size_t i = 0; i < words->count; i++)
        words->words [i] = PQgetvalue (words->res, (int)i, 0);
    return 0;
}

static void
s_words_free (s_words_t *words)
{
    PQclear (words->res);
    free (words->words);
}

//  The index of code among codes [0..count), or -1.
static long
s_find (const char *code, const char *const *codes, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (codes [i] && strcmp (codes [i], code) == 0)
            return (long)i;
    return -1;
}

//  Codes are what sql/001 lets a code be: 1-64 of [a-z0-9_.-].
static bool
s_code_valid (const char *code)
{
    size_t length = strlen (code);
    return length >= 1 && length <= 64 && strspn (code, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == length;
}

//  Check the code of map: its form, and that no earlier entry has it
//  (codes [0..at) and their mappings nodes).
static void
s_check_code (wdm_yaml_t *yaml, const wdm_yaml_node_t *map, const char *where, const char *code,
              const char *const *codes, const wdm_yaml_node_t *const *nodes, size_t at)
{
    const wdm_yaml_node_t *node = wdm_yaml_get (yaml, map, "code");
    if (!s_code_valid (code)) {
        wdm_yaml_error (yaml, node, where, "code",
                        "代码只能由小写字母、数字和 _ . - 组成,1 至 64 个字符 / a code is 1-64 lowercase "
                        "letters, digits, '_', '.' or '-'");
        return;
    }
    long earlier = s_find (code, codes, at);
    if (earlier >= 0) {
        int line = wdm_yaml_line (nodes [earlier]);
        wdm_yaml_error (yaml, node, where, "code",
                        "代码重复,第 %d 行已有 / duplicate code, already at line %d", line, line);
    }
}

//  An unknown code in field key of map: the error, with the nearest codes.
static void
s_unknown (wdm_yaml_t *yaml, const wdm_yaml_node_t *map, const wdm_yaml_node_t *node, const char *where,
           const char *key, const char *what_zh, const char *what_en, const char *code,
           const char *const *codes, size_t count)
{
    char nearest [512] = "";
    wdm_suggest_append (code, codes, count, 12, nearest, sizeof nearest);
    wdm_yaml_error (yaml, node ? node : wdm_yaml_get (yaml, map, key), where, key,
                    "未知%s %s / unknown %s '%s'%s", what_zh, code, what_en, code, nearest);
}

//  The name an entry goes by in errors: "area 'yangcun'".
static void
s_where (char *where, const char *what, wdm_yaml_t *yaml, const wdm_yaml_node_t *map)
{
    const char *code = wdm_yaml_scalar (wdm_yaml_get (yaml, map, "code"));
    snprintf (where, S_WHERE_MAX, "%s '%s'", what, code ? code : "?");
}

//  The entries of one list (areas, or units) read so far: their codes
//  and mappings, for the check that no two share a code.
typedef struct {
    const char **codes;
    const wdm_yaml_node_t **nodes;
} s_seen_t;

//  Room for the size entries of a list; false when out of memory.
static bool
s_seen_new (s_seen_t *seen, size_t size)
{
    seen->codes = calloc (size + 1, sizeof *seen->codes);
    seen->nodes = calloc (size + 1, sizeof *seen->nodes);
    return seen->codes && seen->nodes;
}

static void
s_seen_free (s_seen_t *seen)
{
    free (seen->codes);
    free (seen->nodes);
}

//  Entry i of list, a `what` ("area", "unit") with fields keys: its
//  mapping, with where naming it, or NULL when it is no mapping (said).
static const wdm_yaml_node_t *
s_entry (wdm_yaml_t *yaml, const wdm_yaml_node_t *list, size_t i, const char *what, const char *const *keys,
         char *where)
{
    const wdm_yaml_node_t *map = wdm_yaml_item (yaml, list, i);
    s_where (where, what, yaml, map);
    return wdm_yaml_check_keys (yaml, map, where, keys) && !wdm_yaml_is_map (map) ? NULL : map;
}

//  Entry i (map, with its code, NULL if it has none) is read: check its
//  code against the earlier entries', and keep it for the later ones.
static void
s_seen_add (s_seen_t *seen, wdm_yaml_t *yaml, const wdm_yaml_node_t *map, const char *where, const char *code,
            size_t i)
{
    if (code)
        s_check_code (yaml, map, where, code, seen->codes, seen->nodes, i);
    seen->codes [i] = code;
    seen->nodes [i] = map;
}

//  Read the list of areas into self->areas: those whose fields are all
//  valid; errors for the others.
static void
s_read_areas (wdm_site_file_t *self, const wdm_yaml_node_t *list, const s_words_t *levels)
{
    wdm_yaml_t *yaml = self->yaml;
    static const char *const keys [] = { "code", "parent", "level", "name_zh", "name_en", NULL };
    s_seen_t seen;
    bool room = s_seen_new (&seen, wdm_yaml_size (list));
    for (size_t i = 0; room && i < wdm_yaml_size (list); i++) {
        char where [S_WHERE_MAX];
        const wdm_yaml_node_t *map = s_entry (yaml, list, i, "area", keys, where);
        if (!map)
            continue;
        wdm_site_area_t area = { .code = wdm_yaml_string (yaml, map, where, "code", true),
                                 .parent = wdm_yaml_string (yaml, map, where, "parent", false),
                                 .level = wdm_yaml_word (yaml, map, where, "level", true, levels->words),
                                 .name_zh = wdm_yaml_string (yaml, map, where, "name_zh", true),
                                 .name_en = wdm_yaml_string (yaml, map, where, "name_en", true),
                                 .node = map };
        s_seen_add (&seen, yaml, map, where, area.code, i);
        if (area.level && (strcmp (area.level, "district") == 0) != !area.parent)
            wdm_yaml_error (yaml, area.parent ? wdm_yaml_get (yaml, map, "parent") : map, where, "parent",
                            area.parent ? "区(district)没有上级 / the district has no parent"
                                        : "缺少上级地区 / an area below the district needs a parent");
        //  Kept with a code alone, so that its parent is checked too;
        //  a file with any error is never applied.
        if (area.code)
            self->areas [self->area_count++] = area;
    }
    s_seen_free (&seen);
}

//  Each area's parent is an area of the file, and following parents
//  never comes back to where it began (said once per cycle, at the
//  cycle's first area in the file).
static void
s_check_parents (wdm_site_file_t *self, const char *const *codes)
{
    wdm_yaml_t *yaml = self->yaml;
    size_t n = self->area_count;
    for (size_t i = 0; i < n; i++) {
        const wdm_site_area_t *area = &self->areas [i];
        char where [S_WHERE_MAX];
        snprintf (where, sizeof where, "area '%s'", area->code);
        if (area->parent && s_find (area->parent, codes, n) < 0) {
            s_unknown (yaml, area->node, NULL, where, "parent", "上级地区", "parent area", area->parent,
                       codes, n);
            continue;
        }
        //  Walk up at most n steps; a cycle through i comes back to i.
        long at = (long)i, first = (long)i;
        bool cycle = false;
        for (size_t steps = 0; steps <= n && !cycle && at >= 0 && self->areas [at].parent; steps++) {
            at = s_find (self->areas [at].parent, codes, n);
            cycle = at == (long)i;
            if (at >= 0 && at < first)
                first = at;
        }
        if (!cycle || first != (long)i)
            continue;
        char chain [512] = "";
        size_t used = 0;
        at = (long)i;
        do {
            used += (size_t)snprintf (chain + used, used < sizeof chain ? sizeof chain - used : 0, "%s → ",
                                      self->areas [at].code);
            at = s_find (self->areas [at].parent, codes, n);
        } while (at != (long)i && used < sizeof chain);
        wdm_yaml_error (yaml, wdm_yaml_get (yaml, area->node, "parent"), where, "parent",
                        "上级成环 / the parents form a cycle: %s%s", chain, area->code);
    }
}

//  Read one unit's list of indicators (key "leads" or "contributes") into
//  self->resps.
static void
s_read_resps (wdm_site_file_t *self, const wdm_yaml_node_t *map, const char *where, const char *code,
              const char *key, const s_words_t *indicators, size_t first_of_unit)
{
    wdm_yaml_t *yaml = self->yaml;
    const wdm_yaml_node_t *list = wdm_yaml_seq (yaml, map, where, key, false);
    for (size_t i = 0; i < wdm_yaml_size (list); i++) {
        const wdm_yaml_node_t *item = wdm_yaml_item (yaml, list, i);
        const char *indicator = wdm_yaml_scalar (item);
        if (!indicator || !*indicator) {
            wdm_yaml_error (yaml, item, where, key, "应为指标代码 / expected an indicator code");
            continue;
        }
        if (s_find (indicator, indicators->words, indicators->count) < 0) {
            s_unknown (yaml, map, item, where, key, "指标", "indicator", indicator, indicators->words,
                       indicators->count);
            continue;
        }
        bool twice = false;
        for (size_t r = first_of_unit; r < self->resp_count && !twice; r++)
            twice = strcmp (self->resps [r].indicator, indicator) == 0;
        if (twice) {
            wdm_yaml_error (yaml, item, where, key,
                            "指标 %s 重复(leads 与 contributes 中只能出现一次) / indicator %s is listed "
                            "twice (once in leads or contributes)",
                            indicator, indicator);
            continue;
        }
        if (code)
            self->resps [self->resp_count++] = (wdm_site_resp_t) { .indicator = indicator,
                                                                   .unit = code,
                                                                   .lead = strcmp (key, "leads") == 0 };
    }
}

//  Read the list of units into self->units and their responsibilities
//  into self->resps; area_codes are the file's areas.
static void
s_read_units (wdm_site_file_t *self, const wdm_yaml_node_t *list, const s_words_t *kinds,
              const s_words_t *indicators, const char *const *area_codes)
{
    wdm_yaml_t *yaml = self->yaml;
    static const char *const keys [] = { "code",   "kind",  "area",        "name_zh", "name_en",
                                         "active", "leads", "contributes", NULL };
    s_seen_t seen;
    bool room = s_seen_new (&seen, wdm_yaml_size (list));
    for (size_t i = 0; room && i < wdm_yaml_size (list); i++) {
        char where [S_WHERE_MAX];
        const wdm_yaml_node_t *map = s_entry (yaml, list, i, "unit", keys, where);
        if (!map)
            continue;
        wdm_site_unit_t unit = { .code = wdm_yaml_string (yaml, map, where, "code", true),
                                 .kind = wdm_yaml_word (yaml, map, where, "kind", true, kinds->words),
                                 .area = wdm_yaml_string (yaml, map, where, "area", true),
                                 .name_zh = wdm_yaml_string (yaml, map, where, "name_zh", true),
                                 .name_en = wdm_yaml_string (yaml, map, where, "name_en", true),
                                 .active = true,
                                 .node = map };
        wdm_yaml_bool (yaml, map, where, "active", false, &unit.active);
        s_seen_add (&seen, yaml, map, where, unit.code, i);
        bool area_known = unit.area && s_find (unit.area, area_codes, self->area_count) >= 0;
        if (unit.area && !area_known)
            s_unknown (yaml, map, NULL, where, "area", "地区", "area", unit.area, area_codes,
                       self->area_count);
        size_t first_of_unit = self->resp_count;
        s_read_resps (self, map, where, unit.code, "leads", indicators, first_of_unit);
        s_read_resps (self, map, where, unit.code, "contributes", indicators, first_of_unit);
        if (unit.code && unit.kind && area_known && unit.name_zh && unit.name_en)
            self->units [self->unit_count++] = unit;
    }
    s_seen_free (&seen);
}

//  Room for every entry the document could hold.
static int
s_allocate (wdm_site_file_t *self, const wdm_yaml_node_t *areas, const wdm_yaml_node_t *units)
{
    size_t resps = 0;
    for (size_t i = 0; i < wdm_yaml_size (units); i++) {
        const wdm_yaml_node_t *unit = wdm_yaml_item (self->yaml, units, i);
        resps += wdm_yaml_size (wdm_yaml_get (self->yaml, unit, "leads"))
            + wdm_yaml_size (wdm_yaml_get (self->yaml, unit, "contributes"));
    }
    self->areas = calloc (wdm_yaml_size (areas) + 1, sizeof *self->areas);
    self->units = calloc (wdm_yaml_size (units) + 1, sizeof *self->units);
    self->resps = calloc (resps + 1, sizeof *self->resps);
    return self->areas && self->units && self->resps ? 0 : -1;
}

wdm_site_file_t *
wdm_site_file_read (PGconn *conn, const char *path, wdm_buf_t *errors, wdm_site_result_t *result)
{
    *result = WDM_SITE_FAILED;
    s_words_t levels = { 0 }, kinds = { 0 }, indicators = { 0 };
    const char **area_codes = NULL;
    wdm_site_file_t *self = calloc (1, sizeof *self);
    if (!self || !(self->yaml = wdm_yaml_load (path))) {
        wdm_buf_printf (errors, "out of memory\n");
        goto cleanup;
    }
    if (s_words_load (conn, "SELECT unnest (enum_range (NULL::area_level))::text", &levels, errors)
        || s_words_load (conn, "SELECT unnest (enum_range (NULL::unit_kind))::text", &kinds, errors)
        || s_words_load (conn, "SELECT code FROM indicator ORDER BY code", &indicators, errors))
        goto cleanup;
    *result = WDM_SITE_REFUSED;
    const wdm_yaml_node_t *root = wdm_yaml_root (self->yaml);
    static const char *const keys [] = { "areas", "units", NULL };
    if (root && wdm_yaml_check_keys (self->yaml, root, NULL, keys) && !wdm_yaml_is_map (root))
        root = NULL;
    const wdm_yaml_node_t *areas = wdm_yaml_seq (self->yaml, root, NULL, "areas", true);
    const wdm_yaml_node_t *units = wdm_yaml_seq (self->yaml, root, NULL, "units", true);
    if (s_allocate (self, areas, units)) {
        wdm_buf_printf (errors, "out of memory\n");
        goto cleanup;
    }
    s_read_areas (self, areas, &levels);
    area_codes = calloc (self->area_count + 1, sizeof *area_codes);
    if (!area_codes)
        goto cleanup;
    for (size_t i = 0; i < self->area_count; i++)
        area_codes [i] = self->areas [i].code;
    s_check_parents (self, area_codes);
    s_read_units (self, units, &kinds, &indicators, area_codes);
    if (wdm_yaml_error_count (self->yaml) == 0)
        *result = WDM_SITE_OK;
    else
        wdm_buf_printf (errors, "%s", wdm_yaml_errors (self->yaml));
cleanup:
    s_words_free (&levels);
    s_words_free (&kinds);
    s_words_free (&indicators);
    free (area_codes);
    if (*result != WDM_SITE_OK)
        wdm_site_file_destroy (&self);
    return self;
}

void
wdm_site_file_destroy (wdm_site_file_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    wdm_site_file_t *self = *self_p;
    wdm_yaml_destroy (&self->yaml);
    free (self->areas);
    free (self->units);
    free (self->resps);
    free (self);
    *self_p = NULL;
}
