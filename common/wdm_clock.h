/*  wdm_clock: the monotonic clock, for timeouts, back-off and durations
    (never for dates: it does not follow the wall clock).  */

#ifndef WDM_CLOCK_H_INCLUDED
#define WDM_CLOCK_H_INCLUDED

#include <stdint.h>

//  Milliseconds on the monotonic clock.
int64_t wdm_clock_ms (void);

//  Microseconds on the monotonic clock.
int64_t wdm_clock_us (void);

#endif
