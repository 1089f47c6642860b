/*  wdm_date: calendar days (the Gregorian calendar), as the plan's
    deadlines and the warnings' "today" count them.  */

#ifndef WDM_DATE_H_INCLUDED
#define WDM_DATE_H_INCLUDED

typedef struct {
    int year, month, day;
} wdm_date_t;

//  Today in UTC.
void wdm_date_today (wdm_date_t *date);

//  Days in the month (1-12) of the Gregorian year: 28 to 31.
int wdm_date_days_in_month (int year, int month);

//  Parse "YYYY-MM-DD", a day that exists (2024-02-29 does, 2025-02-30 does
//  not).  0 with date set, or -1 with date unchanged.
int wdm_date_parse (const char *text, wdm_date_t *date);

#endif
