/*  wdm_clock: the monotonic clock.  See wdm_clock.h.  */

#include "wdm_clock.h"

#include <time.h>

int64_t
wdm_clock_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
wdm_clock_ms (void)
{
    return wdm_clock_us () / 1000;
}
