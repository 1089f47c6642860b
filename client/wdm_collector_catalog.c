/*  wdm_collector_catalog: the unit's copy of the catalog, read from
    catalog.json as `wdmon catalog export` writes it.  Called by
    wdm_collector_run at start (and by anyone holding a catalog.json);
    owns nothing after it returns: the catalog is the caller's.  */

#include "wdm_collector.h"
#include "wdm_log.h"

#include <jansson.h>
#include <stdbool.h>
#include <string.h>

//  An indicator's bodies, from its "bodies" array.  A catalog.json from
//  before bodies were exported has none: any body is let through, for the
//  centre to check.
static int
s_load_bodies (const char *path, const char *code, const json_t *bodies,
               wdm_indicator_t *indicator)
{
    if (!bodies) {
        indicator->bodies_unknown = true;
        return 0;
    }
    size_t index;
    const json_t *body;
    if (!json_is_array (bodies) || json_array_size (bodies) > WDM_BODIES_MAX) {
        wdm_log_error ("catalog: %s: indicator %s: bodies must be a list of at most %d names",
                       path, code, WDM_BODIES_MAX);
        return -1;
    }
    json_array_foreach (bodies, index, body) {
        const char *name = json_string_value (body);
        if (!name || !*name || strlen (name) >= WDM_CODE_MAX) {
            wdm_log_error ("catalog: %s: indicator %s: body %zu is not a usable name",
                           path, code, index);
            return -1;
        }
        strcpy (indicator->bodies [indicator->body_count++], name);
    }
    return 0;
}

wdm_catalog_t *
wdm_collector_load_catalog (const char *path)
{
    json_error_t error;
    json_t *root = json_load_file (path, 0, &error);
    if (!root) {
        wdm_log_error ("catalog: %s:%d: %s", path, error.line, error.text);
        return NULL;
    }
    wdm_catalog_t *catalog = NULL;
    json_t *indicators = json_object_get (root, "indicators");
    json_int_t first = json_integer_value (json_object_get (root, "first_year"));
    json_int_t last = json_integer_value (json_object_get (root, "last_year"));
    if (!json_is_array (indicators) || first <= 0 || last < first) {
        wdm_log_error ("catalog: %s: not a wdmon catalog (no indicators or years)", path);
        goto cleanup;
    }
    catalog = wdm_catalog_new ((int) first, (int) last);
    size_t index;
    json_t *item;
    json_array_foreach (indicators, index, item) {
        wdm_indicator_t indicator = { .frequency = WDM_FREQ_YEAR };
        const char *code = json_string_value (json_object_get (item, "code"));
        const char *frequency = json_string_value (json_object_get (item, "frequency"));
        json_t *min = json_object_get (item, "value_min"), *max = json_object_get (item, "value_max");
        if (!catalog || !code || strlen (code) >= sizeof indicator.code) {
            wdm_log_error ("catalog: %s: indicator %zu has no usable code", path, index);
            wdm_catalog_destroy (&catalog);
            goto cleanup;
        }
        strcpy (indicator.code, code);
        indicator.scale = json_number_value (json_object_get (item, "scale"));
        indicator.has_min = json_is_number (min);
        indicator.value_min = json_number_value (min);
        indicator.has_max = json_is_number (max);
        indicator.value_max = json_number_value (max);
        indicator.by_sex = json_is_true (json_object_get (item, "by_sex"));
        if (s_load_bodies (path, code, json_object_get (item, "bodies"), &indicator)) {
            wdm_catalog_destroy (&catalog);
            goto cleanup;
        }
        if (frequency && strcmp (frequency, "quarter") == 0)
            indicator.frequency = WDM_FREQ_QUARTER;
        else
        if (frequency && strcmp (frequency, "month") == 0)
            indicator.frequency = WDM_FREQ_MONTH;
        if (wdm_catalog_add (catalog, &indicator)) {
            wdm_log_error ("catalog: %s: indicator %s appears twice", path, code);
            wdm_catalog_destroy (&catalog);
            goto cleanup;
        }
    }
cleanup:
    json_decref (root);
    return catalog;
}
