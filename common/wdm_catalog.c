/*  wdm_catalog: indicators kept sorted by code, found by binary search.  */

#include "wdm_catalog.h"

#include <stdlib.h>
#include <string.h>

struct wdm_catalog {
    int first_year, last_year;
    wdm_indicator_t *items;  //  sorted by code
    int size, capacity;
};

wdm_catalog_t *
wdm_catalog_new (int first_year, int last_year)
{
    if (first_year > last_year)
        return NULL;
    wdm_catalog_t *self = calloc (1, sizeof *self);
    if (self) {
        self->first_year = first_year;
        self->last_year = last_year;
    }
    return self;
}

void
wdm_catalog_destroy (wdm_catalog_t **self_p)
{
    if (self_p && *self_p) {
        free ((*self_p)->items);
        free (*self_p);
        *self_p = NULL;
    }
}

//  Index of code if present (*found set), else where it would go.
static int
s_position (const wdm_catalog_t *self, const char *code, bool *found)
{
    int low = 0, high = self->size;
    while (low < high) {
        int mid = low + (high - low) / 2;
        int cmp = strcmp (self->items [mid].code, code);
        if (cmp == 0) {
            *found = true;
            return mid;
        }
        if (cmp < 0)
            low = mid + 1;
        else
            high = mid;
    }
    *found = false;
    return low;
}

int
wdm_catalog_add (wdm_catalog_t *self, const wdm_indicator_t *indicator)
{
    if (indicator->code [0] == '\0' || memchr (indicator->code, '\0', WDM_CODE_MAX) == NULL)
        return -1;
    bool found;
    int at = s_position (self, indicator->code, &found);
    if (found)
        return -1;
    if (self->size == self->capacity) {
        int capacity = self->capacity ? self->capacity * 2 : 64;
        wdm_indicator_t *items = realloc (self->items, capacity * sizeof *items);
        if (!items)
            return -1;
        self->items = items;
        self->capacity = capacity;
    }
    memmove (self->items + at + 1, self->items + at, (self->size - at) * sizeof *self->items);
    self->items [at] = *indicator;
    self->size++;
    return 0;
}

bool
wdm_catalog_has_body (const wdm_indicator_t *indicator, const char *body)
{
    for (int i = 0; i < indicator->body_count && i < WDM_BODIES_MAX; i++)
        if (strncmp (indicator->bodies [i], body, WDM_CODE_MAX) == 0)
            return true;
    return false;
}

const wdm_indicator_t *
wdm_catalog_find (const wdm_catalog_t *self, const char *code)
{
    bool found;
    int at = s_position (self, code, &found);
    return found ? &self->items [at] : NULL;
}

int
wdm_catalog_first_year (const wdm_catalog_t *self)
{
    return self->first_year;
}
int
wdm_catalog_last_year (const wdm_catalog_t *self)
{
    return self->last_year;
}
int
wdm_catalog_size (const wdm_catalog_t *self)
{
    return self->size;
}
