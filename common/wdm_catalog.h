/*  wdm_catalog: what a record is checked against — the plan's period and
    its indicators with their units, ranges and reporting frequency.

    The server loads it from PostgreSQL (server/db/wdm_db.c); the collector
    keeps a copy.  Built once, then read-only: safe to share between
    threads for lookups.  */

#ifndef WDM_CATALOG_H_INCLUDED
#define WDM_CATALOG_H_INCLUDED

#include <stdbool.h>

#define WDM_CODE_MAX   64  //  longest code (indicator, area, unit) + 1
#define WDM_BODIES_MAX 16  //  most bodies one indicator is counted in

typedef enum { WDM_FREQ_YEAR = 0, WDM_FREQ_QUARTER, WDM_FREQ_MONTH } wdm_freq_t;

//  One indicator, as far as checking a record needs it.
typedef struct {
    char code [WDM_CODE_MAX];
    double scale;  //  value = numerator / denominator * scale; 0: not a ratio
    bool has_min, has_max;
    double value_min, value_max;  //  plausible range of a value
    bool by_sex;                  //  must be reported as F or M, not as a total
    //  A min_count indicator is reported once for each of its bodies (区委,
    //  区政府 ...), every other indicator with no body.  bodies_unknown: the
    //  catalog did not say (a collector's catalog.json from before bodies
    //  were exported), so any body is let through for the centre to check.
    int body_count;
    char bodies [WDM_BODIES_MAX][WDM_CODE_MAX];
    bool bodies_unknown;
    wdm_freq_t frequency;
} wdm_indicator_t;

typedef struct wdm_catalog wdm_catalog_t;

//  An empty catalog accepting reports for first_year..last_year: the
//  baseline year through the plan's last year.
//  NULL if the years are not in order or memory is short.
wdm_catalog_t *wdm_catalog_new (int first_year, int last_year);

//  Free the catalog and set *self_p to NULL; NULL is accepted.
void wdm_catalog_destroy (wdm_catalog_t **self_p);

//  Add a copy of an indicator.  0, or -1 if its code is empty or already
//  present, or memory is short.
int wdm_catalog_add (wdm_catalog_t *self, const wdm_indicator_t *indicator);

//  True if body is one of the indicator's bodies.
bool wdm_catalog_has_body (const wdm_indicator_t *indicator, const char *body);

//  The indicator with this code, or NULL.  The pointer stays valid until
//  the next wdm_catalog_add or the catalog's destruction.
const wdm_indicator_t *wdm_catalog_find (const wdm_catalog_t *self, const char *code);

int wdm_catalog_first_year (const wdm_catalog_t *self);
int wdm_catalog_last_year (const wdm_catalog_t *self);
int wdm_catalog_size (const wdm_catalog_t *self);

#endif
