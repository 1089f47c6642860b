/*  fuzz_source: libFuzzer target for the collector's file sources — CSV
    (UTF-8, BOM, GB18030), JSON Lines and Excel workbooks — against a
    small catalog.  The first byte picks the format.  */

#include "wdm_catalog.h"
#include "wdm_source.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
s_record (void *arg, const wdm_record_t *record, int line)
{
    (void)arg;
    (void)record;
    return line > 100000 ? -1 : 0;
}

static void
s_error (void *arg, int line, const char *field, const char *message, const char *text)
{
    (void)arg;
    (void)line;
    (void)field;
    (void)message;
    (void)text;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    static wdm_catalog_t *catalog = NULL;
    if (!catalog) {
        catalog = wdm_catalog_new (2020, 2025);
        const char *codes [] = { "HE03", "DM27", "FA01" };
        for (int i = 0; i < 3; i++) {
            wdm_indicator_t indicator = { .scale = i == 0 ? 100000 : 100,
                                          .has_min = 1,
                                          .has_max = 1,
                                          .value_min = 0,
                                          .value_max = i == 0 ? 1000 : 100,
                                          .by_sex = i == 2,
                                          .frequency = WDM_FREQ_YEAR };
            snprintf (indicator.code, sizeof indicator.code, "%s", codes [i]);
            wdm_catalog_add (catalog, &indicator);
        }
    }
    wdm_source_format_t format = data [0] & 4 ? WDM_SOURCE_XLSX
        : data [0] & 1                        ? WDM_SOURCE_JSONL
                                              : WDM_SOURCE_CSV;
    wdm_source_stats_t stats;
    char why [256];
    wdm_source_parse ((const char *)data + 1, size - 1, format, data [0] & 2 ? catalog : NULL, s_record,
                      s_error, NULL, &stats, why, sizeof why);
    return 0;
}
