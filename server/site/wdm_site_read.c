/*  wdm_site_read: read a site file and check it whole — every field, every
    code against the file's own areas and units and the database's
    indicators, the parents for cycles — collecting every error with its
    line.  See wdm_site_int.h.  */

#include "wdm_site_int.h"
#include "wdm_db.h"

#include <stdlib.h>
#include <string.h>

//  Read the list of areas into self->areas: those whose fields are all
//  valid; errors for the others.
static void
s_read_areas (wdm_site_file_t *self, const wdm_yaml_node_t *list, const wdm_db_words_t *levels)
{
    wdm_yaml_t *yaml = self->yaml;
    static const char *const keys [] = { "code", "parent", "level", "name_zh", "name_en", NULL };
    wdm_yaml_codes_t seen;
    bool room = wdm_yaml_codes_new (&seen, wdm_yaml_size (list)) == 0;
    for (size_t i = 0; room && i < wdm_yaml_size (list); i++) {
        char where [WDM_YAML_WHERE_MAX];
        const wdm_yaml_node_t *map = wdm_yaml_entry (yaml, list, i, "area", keys, where);
        if (!map)
            continue;
        wdm_site_area_t area = { .code = wdm_yaml_string (yaml, map, where, "code", true),
                                 .parent = wdm_yaml_string (yaml, map, where, "parent", false),
                                 .level = wdm_yaml_word (yaml, map, where, "level", true, levels->words),
                                 .name_zh = wdm_yaml_string (yaml, map, where, "name_zh", true),
                                 .name_en = wdm_yaml_string (yaml, map, where, "name_en", true),
                                 .node = map };
        wdm_yaml_codes_add (yaml, &seen, map, where, area.code,
                            area.code ? wdm_yaml_code_invalid (area.code) : NULL, i);
        if (area.level && (strcmp (area.level, "district") == 0) != !area.parent)
            wdm_yaml_error (yaml, area.parent ? wdm_yaml_get (yaml, map, "parent") : map, where, "parent",
                            area.parent ? "区(district)没有上级 / the district has no parent"
                                        : "缺少上级地区 / an area below the district needs a parent");
        //  Kept with a code alone, so that its parent is checked too;
        //  a file with any error is never applied.
        if (area.code)
            self->areas [self->area_count++] = area;
    }
    wdm_yaml_codes_free (&seen);
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
        char where [WDM_YAML_WHERE_MAX];
        snprintf (where, sizeof where, "area '%s'", area->code);
        if (area->parent && wdm_yaml_find (area->parent, codes, n) < 0) {
            wdm_yaml_unknown (yaml, wdm_yaml_get (yaml, area->node, "parent"), where, "parent", "上级地区",
                              "parent area", area->parent, codes, n);
            continue;
        }
        //  Walk up at most n steps; a cycle through i comes back to i.
        long at = (long)i, first = (long)i;
        bool cycle = false;
        for (size_t steps = 0; steps <= n && !cycle && at >= 0 && self->areas [at].parent; steps++) {
            at = wdm_yaml_find (self->areas [at].parent, codes, n);
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
            at = wdm_yaml_find (self->areas [at].parent, codes, n);
        } while (at != (long)i && used < sizeof chain);
        wdm_yaml_error (yaml, wdm_yaml_get (yaml, area->node, "parent"), where, "parent",
                        "上级成环 / the parents form a cycle: %s%s", chain, area->code);
    }
}

//  Read one unit's list of indicators (key "leads" or "contributes") into
//  self->resps.
static void
s_read_resps (wdm_site_file_t *self, const wdm_yaml_node_t *map, const char *where, const char *code,
              const char *key, const wdm_db_words_t *indicators, size_t first_of_unit)
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
        if (wdm_yaml_find (indicator, indicators->words, indicators->count) < 0) {
            wdm_yaml_unknown (yaml, item, where, key, "指标", "indicator", indicator, indicators->words,
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
s_read_units (wdm_site_file_t *self, const wdm_yaml_node_t *list, const wdm_db_words_t *kinds,
              const wdm_db_words_t *indicators, const char *const *area_codes)
{
    wdm_yaml_t *yaml = self->yaml;
    static const char *const keys [] = { "code",   "kind",  "area",        "name_zh", "name_en",
                                         "active", "leads", "contributes", NULL };
    wdm_yaml_codes_t seen;
    bool room = wdm_yaml_codes_new (&seen, wdm_yaml_size (list)) == 0;
    for (size_t i = 0; room && i < wdm_yaml_size (list); i++) {
        char where [WDM_YAML_WHERE_MAX];
        const wdm_yaml_node_t *map = wdm_yaml_entry (yaml, list, i, "unit", keys, where);
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
        wdm_yaml_codes_add (yaml, &seen, map, where, unit.code,
                            unit.code ? wdm_yaml_code_invalid (unit.code) : NULL, i);
        bool area_known = unit.area && wdm_yaml_find (unit.area, area_codes, self->area_count) >= 0;
        if (unit.area && !area_known)
            wdm_yaml_unknown (yaml, wdm_yaml_get (yaml, map, "area"), where, "area", "地区", "area",
                              unit.area, area_codes, self->area_count);
        size_t first_of_unit = self->resp_count;
        s_read_resps (self, map, where, unit.code, "leads", indicators, first_of_unit);
        s_read_resps (self, map, where, unit.code, "contributes", indicators, first_of_unit);
        if (unit.code && unit.kind && area_known && unit.name_zh && unit.name_en)
            self->units [self->unit_count++] = unit;
    }
    wdm_yaml_codes_free (&seen);
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
    wdm_db_words_t levels = { 0 }, kinds = { 0 }, indicators = { 0 };
    const char **area_codes = NULL;
    wdm_site_file_t *self = calloc (1, sizeof *self);
    if (!self || !(self->yaml = wdm_yaml_load (path))) {
        wdm_buf_printf (errors, "out of memory\n");
        goto cleanup;
    }
    if (wdm_db_words (conn, "SELECT unnest (enum_range (NULL::area_level))::text", &levels, errors)
        || wdm_db_words (conn, "SELECT unnest (enum_range (NULL::unit_kind))::text", &kinds, errors)
        || wdm_db_words (conn, "SELECT code FROM indicator ORDER BY code", &indicators, errors))
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
    wdm_db_words_free (&levels);
    wdm_db_words_free (&kinds);
    wdm_db_words_free (&indicators);
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
