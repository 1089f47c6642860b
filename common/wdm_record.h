/*  wdm_record: one indicator value for one area, period and reporting
    unit — the unit of data that travels from a collector to the centre —
    and its validation against the catalog.

    Both sides validate: the collector before a record enters its outbox,
    the server again before it stores it.  Each way a record can be wrong
    is a distinct error with a stable name, the field it concerns, and a
    message in Chinese and English.  */

#ifndef WDM_RECORD_H_INCLUDED
#define WDM_RECORD_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wdm_catalog.h"

#define WDM_NOTE_MAX 1024  //  longest note in bytes, + 1

typedef enum { WDM_STATUS_PROVISIONAL = 0, WDM_STATUS_FINAL, WDM_STATUS_ESTIMATED } wdm_status_t;

typedef struct {
    char indicator [WDM_CODE_MAX];  //  catalog code, e.g. "HE02"
    char area [WDM_CODE_MAX];       //  area code, e.g. "wuqing", "meichang"
    char body [WDM_CODE_MAX];       //  leadership body, for min_count targets; "" otherwise
    int year;
    wdm_freq_t period_kind;
    int period_no;  //  0 for a year, 1-4 a quarter, 1-12 a month
    char sex;       //  'T' total, 'F' women, 'M' men
    double value;
    bool has_numerator, has_denominator;
    double numerator, denominator;
    wdm_status_t status;
    char note [WDM_NOTE_MAX];  //  UTF-8, may be empty
    uint64_t epoch, seq;       //  idempotency key, with the sender's unit
} wdm_record_t;

typedef enum {
    WDM_RECORD_OK = 0,
    WDM_RECORD_UNKNOWN_INDICATOR,    //  not in the catalog
    WDM_RECORD_BAD_CODE,             //  area or body code empty, too long or not UTF-8
    WDM_RECORD_PERIOD_OUTSIDE_PLAN,  //  year before the baseline or after the plan
    WDM_RECORD_BAD_PERIOD,           //  period kind or number wrong for the indicator
    WDM_RECORD_BAD_SEX,              //  not T/F/M, or T for a by-sex indicator
    WDM_RECORD_SEX_NOT_SPLIT,        //  F or M for an indicator not reported by sex
    WDM_RECORD_BODY_NOT_EXPECTED,    //  a body for an indicator without bodies
    WDM_RECORD_BODY_REQUIRED,        //  no body for an indicator counted in each body
    WDM_RECORD_UNKNOWN_BODY,         //  a body not among the indicator's
    WDM_RECORD_VALUE_NOT_FINITE,     //  NaN or infinite value, numerator or denominator
    WDM_RECORD_VALUE_OUT_OF_BOUNDS,  //  outside the indicator's plausible range
    WDM_RECORD_NEGATIVE_NUMERATOR,
    WDM_RECORD_BAD_DENOMINATOR,              //  zero or negative
    WDM_RECORD_NUMERATOR_ABOVE_DENOMINATOR,  //  where the value cannot pass 100%
    WDM_RECORD_VALUE_MISMATCH,               //  value differs from numerator/denominator*scale
    WDM_RECORD_BAD_STATUS,
    WDM_RECORD_BAD_NOTE,  //  too long or not valid UTF-8
    WDM_RECORD_ERROR_COUNT
} wdm_record_error_t;

//  A record with every field empty or zero: sex 'T', a yearly period,
//  status provisional.
void wdm_record_init (wdm_record_t *self);

//  Check a record against the catalog.  WDM_RECORD_OK, or the first error
//  found; the checks run in the order of the enum above.
wdm_record_error_t wdm_record_validate (const wdm_record_t *self, const wdm_catalog_t *catalog);

//  Stable lower-case name of an error, e.g. "value_out_of_bounds".
const char *wdm_record_error_name (wdm_record_error_t error);

//  The record field an error concerns, e.g. "value", "numerator".
const char *wdm_record_error_field (wdm_record_error_t error);

//  Plain message in Chinese followed by English, e.g.
//  "数值超出合理范围 / value outside the indicator's plausible range".
const char *wdm_record_error_message (wdm_record_error_t error);

//  Parse "provisional", "final" or "estimated".  0, or -1.
int wdm_record_status_parse (const char *text, wdm_status_t *status);
const char *wdm_record_status_name (wdm_status_t status);

#endif
