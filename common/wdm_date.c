/*  wdm_date: calendar days.  See wdm_date.h.  */

#include "wdm_date.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

void
wdm_date_today (wdm_date_t *date)
{
    time_t now = time (NULL);
    struct tm utc;
    gmtime_r (&now, &utc);
    date->year = utc.tm_year + 1900;
    date->month = utc.tm_mon + 1;
    date->day = utc.tm_mday;
}

int
wdm_date_days_in_month (int year, int month)
{
    static const int days [] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days [month - 1];
}

int
wdm_date_parse (const char *text, wdm_date_t *date)
{
    char tail;
    wdm_date_t parsed;
    if (!text || sscanf (text, "%4d-%2d-%2d%c", &parsed.year, &parsed.month, &parsed.day, &tail) != 3
        || parsed.year < 1 || parsed.month < 1 || parsed.month > 12 || parsed.day < 1
        || parsed.day > wdm_date_days_in_month (parsed.year, parsed.month))
        return -1;
    *date = parsed;
    return 0;
}
