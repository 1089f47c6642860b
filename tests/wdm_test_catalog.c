/*  wdm_test_catalog: see the header.  */

#include "wdm_test_catalog.h"

#include <stdio.h>

int
wdm_test_catalog_add (wdm_catalog_t *catalog, const char *code, double scale, double min, double max,
                      bool by_sex, wdm_freq_t freq)
{
    wdm_indicator_t indicator = { .scale = scale,
                                  .has_min = true,
                                  .has_max = true,
                                  .value_min = min,
                                  .value_max = max,
                                  .by_sex = by_sex,
                                  .frequency = freq };
    snprintf (indicator.code, sizeof indicator.code, "%s", code);
    return wdm_catalog_add (catalog, &indicator);
}

int
wdm_test_catalog_add_counted (wdm_catalog_t *catalog, const char *code, const char *body1, const char *body2)
{
    wdm_indicator_t indicator = { .has_min = true,
                                  .has_max = true,
                                  .value_min = 0,
                                  .value_max = 50,
                                  .frequency = WDM_FREQ_YEAR,
                                  .body_count = 2 };
    snprintf (indicator.code, sizeof indicator.code, "%s", code);
    snprintf (indicator.bodies [0], sizeof indicator.bodies [0], "%s", body1);
    snprintf (indicator.bodies [1], sizeof indicator.bodies [1], "%s", body2);
    return wdm_catalog_add (catalog, &indicator);
}
