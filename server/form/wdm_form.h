/*  wdm_form: the yearly Excel form (报表模板) of one member unit — one row
    for each indicator × area (× body, × sex where the indicator needs
    them) the unit is responsible for, with the plan's wording, the unit
    of measure, the target and last year's value to read, and the cells to
    fill (value, numerator, denominator, note) the only ones unlocked.
    Hidden key columns (indicator, area, body, sex, year) carry the CSV's
    column names, so that the collector's inbox reads a filled form back
    as it reads a CSV file (client/wdm_source_xlsx.c).  `wdmon template`
    calls it; the console can call it for a download.  */

#ifndef WDM_FORM_H_INCLUDED
#define WDM_FORM_H_INCLUDED

#include <libpq-fe.h>
#include <stddef.h>

//  Write the form of unit (a member unit's code) for year under plan
//  (a plan's code, resolved by the caller with wdm_check_plan) to the
//  .xlsx file at path, replacing it only when complete.  *rows (may be
//  NULL) is the number of rows to fill.  0, or -1 with message saying
//  why, Chinese then English (the database, the file).
int wdm_form_write (PGconn *conn, const char *unit, const char *plan, int year, const char *path, int *rows,
                    char *message, size_t message_size);

#endif
