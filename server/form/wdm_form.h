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

//  The columns of wdm_form_rows' result, in order.
enum {
    WDM_FORM_CODE,    //  the indicator's code
    WDM_FORM_NAME,    //  its name, Chinese
    WDM_FORM_CLAUSE,  //  the plan's wording of the target
    WDM_FORM_SYMBOL,  //  the unit of measure
    WDM_FORM_KIND,    //  the target's kind
    WDM_FORM_TARGET,  //  its number, NULL for a direction
    WDM_FORM_MIN,     //  the natural range, NULL where open
    WDM_FORM_MAX,
    WDM_FORM_AREA,  //  the unit's area
    WDM_FORM_AREA_NAME,
    WDM_FORM_BODY,  //  "" unless the target counts in each body
    WDM_FORM_SEX,   //  T, or F and M
    WDM_FORM_LAST,  //  last year's current value, NULL if none
    WDM_FORM_RELATION,
    WDM_FORM_UNIT_NAME
};

//  The rows of the form of unit for year under plan — the same rows
//  wdm_form_write writes, for the console's entry form.  The result (the
//  caller clears it), or NULL with err saying why (the database).
PGresult *wdm_form_rows (PGconn *conn, const char *unit, const char *plan, int year, char *err,
                         size_t err_size);

//  The target of row of wdm_form_rows' result as a person reads it
//  ("≥ 70 %", "逐步提高"), into text.
void wdm_form_target_text (const PGresult *res, int row, char *text, size_t size);

#endif
