/*  wdm_auth: sorted arrays of "unit\x1Findicator" pairs and of areas with
    their parents and units with their areas, searched by bsearch.  */

#include "wdm_auth.h"
#include "wdm_log.h"
#include "wdm_proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *key;    //  "unit\x1Findicator", or an area or unit code
    char *value;  //  parent area, or the unit's area; may be NULL
} s_entry_t;

typedef struct {
    s_entry_t *items;
    size_t size;
} s_table_t;

struct wdm_auth {
    s_table_t grants;  //  unit + indicator
    s_table_t areas;   //  area -> parent
    s_table_t units;   //  unit -> area
};

static int
s_compare (const void *a, const void *b)
{
    return strcmp (((const s_entry_t *)a)->key, ((const s_entry_t *)b)->key);
}

static void
s_table_free (s_table_t *table)
{
    for (size_t i = 0; i < table->size; i++) {
        free (table->items [i].key);
        free (table->items [i].value);
    }
    free (table->items);
    table->items = NULL;
    table->size = 0;
}

//  Fill a table from a query of two text columns; key = col0 [sep col1]
//  when pair is set, else key col0 and value col1.
static int
s_table_load (PGconn *conn, const char *sql, int pair, s_table_t *table)
{
    PGresult *res = PQexec (conn, sql);
    int rc = -1;
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        wdm_log_error ("auth: %s", PQresultErrorMessage (res));
        goto cleanup;
    }
    size_t rows = (size_t)PQntuples (res);
    table->items = calloc (rows ? rows : 1, sizeof *table->items);
    if (!table->items)
        goto cleanup;
    for (size_t i = 0; i < rows; i++) {
        const char *a = PQgetvalue (res, (int)i, 0), *b = PQgetvalue (res, (int)i, 1);
        s_entry_t *entry = &table->items [table->size++];
        if (pair) {
            size_t len = strlen (a) + strlen (b) + 2;
            entry->key = malloc (len);
            if (entry->key)
                snprintf (entry->key, len, "%s\x1F%s", a, b);
        } else {
            entry->key = strdup (a);
            entry->value = PQgetisnull (res, (int)i, 1) ? NULL : strdup (b);
        }
        if (!entry->key)
            goto cleanup;
    }
    qsort (table->items, table->size, sizeof *table->items, s_compare);
    rc = 0;
cleanup:
    PQclear (res);
    return rc;
}

static const s_entry_t *
s_find (const s_table_t *table, const char *key)
{
    s_entry_t probe = { (char *)key, NULL };
    return bsearch (&probe, table->items, table->size, sizeof *table->items, s_compare);
}

wdm_auth_t *
wdm_auth_load (PGconn *conn)
{
    wdm_auth_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (s_table_load (conn,
                      "SELECT r.unit_code, r.indicator_code FROM responsibility r"
                      "  JOIN member_unit u ON u.code = r.unit_code WHERE u.active",
                      1, &self->grants)
        || s_table_load (conn, "SELECT code, parent_code FROM area", 0, &self->areas)
        || s_table_load (conn, "SELECT code, area_code FROM member_unit WHERE active", 0, &self->units))
        wdm_auth_destroy (&self);
    return self;
}

void
wdm_auth_destroy (wdm_auth_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_table_free (&(*self_p)->grants);
    s_table_free (&(*self_p)->areas);
    s_table_free (&(*self_p)->units);
    free (*self_p);
    *self_p = NULL;
}

int
wdm_auth_check (const wdm_auth_t *self, const char *unit, const char *indicator, const char *area,
                const char **field, char *message, size_t message_size)
{
    char key [160];
    if (!s_find (&self->areas, area)) {
        *field = "area";
        snprintf (message, message_size,
                  "未知地区代码“%s”：不在地区名录中，请检查拼写 / "
                  "unknown area '%s': no area has this code; check its spelling",
                  area, area);
        return WDM_PROTO_UNKNOWN_AREA;
    }
    snprintf (key, sizeof key, "%s\x1F%s", unit, indicator);
    if (!s_find (&self->grants, key)) {
        *field = "indicator";
        snprintf (message, message_size, "无权报送该指标 / unit %s is not assigned indicator %s", unit,
                  indicator);
        return WDM_PROTO_NOT_AUTHORISED;
    }
    const s_entry_t *owner = s_find (&self->units, unit);
    //  Walk up from the record's area; the unit's own area must be on the
    //  way.  The depth bound guards against a cycle in the data.
    const char *at = area;
    for (int depth = 0; owner && owner->value && at && depth < 16; depth++) {
        if (strcmp (at, owner->value) == 0)
            return 0;
        const s_entry_t *node = s_find (&self->areas, at);
        at = node ? node->value : NULL;
    }
    *field = "area";
    snprintf (message, message_size, "无权报送该地区 / unit %s may not report for area %s", unit, area);
    return WDM_PROTO_NOT_AUTHORISED;
}
