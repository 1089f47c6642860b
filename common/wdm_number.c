/*  wdm_number: numbers as people write them.  See wdm_number.h.  */

#include "wdm_number.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void
wdm_number_text (double value, char *out, size_t size)
{
    if (size == 0)
        return;
    if (fabs (value) >= 1e15) {
        snprintf (out, size, "%.6g", value);
        return;
    }
    //  Halves away from zero, as people round: %.2f alone would print a
    //  ratio of exactly 0.625 as 0.62.
    snprintf (out, size, "%.2f", round (value * 100) / 100);
    char *dot = strchr (out, '.');
    if (dot) {
        char *end = dot + strlen (dot) - 1;
        while (end > dot && *end == '0')
            *end-- = '\0';
        if (end == dot)
            *dot = '\0';
    }
    if (strcmp (out, "-0") == 0)
        snprintf (out, size, "%s", "0");
}
