/*  wdm_number: numbers as the warnings and the reports write them.  */

#ifndef WDM_NUMBER_H_INCLUDED
#define WDM_NUMBER_H_INCLUDED

#include <stddef.h>

//  Write a finite value as people write it: two decimals at most, trailing
//  zeros dropped, halves rounded away from zero ("0.625" → "0.63", "-0" →
//  "0"); from 10^15 up, %.6g.  The caller words infinities and NaN.
void wdm_number_text (double value, char *out, size_t size);

#endif
