/*  wdm_test_catalog: building the small catalogs the record and source
    suites check lines against, without a database.  */

#ifndef WDM_TEST_CATALOG_H_INCLUDED
#define WDM_TEST_CATALOG_H_INCLUDED

#include "wdm_catalog.h"

#include <stdbool.h>

//  Add an indicator whose values lie in [min, max]: scale 100 for a
//  percentage, 100000 for a rate per 100,000, 0 for a count or an amount;
//  by_sex if it is reported for women and men apart.  0, or -1.
int wdm_test_catalog_add (wdm_catalog_t *catalog, const char *code, double scale, double min, double max,
                          bool by_sex, wdm_freq_t freq);

//  Add a yearly count of women in each of two bodies (a min_count
//  indicator), 0 to 50.  0, or -1.
int wdm_test_catalog_add_counted (wdm_catalog_t *catalog, const char *code, const char *body1,
                                  const char *body2);

#endif
