/*  wdm_report_state: the report's judgement of a plan for one year, for
    callers that show it rather than print the report — the console's
    overview and indicator pages.  The same load (wdm_report_load) and the
    same classification (wdm_report_classify) as `wdmon report --year Y`,
    so that a page and the report cannot disagree: every count and status
    here is the annual report's for the same plan and year.  */

#ifndef WDM_REPORT_STATE_H_INCLUDED
#define WDM_REPORT_STATE_H_INCLUDED

#include "wdm_judge.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct wdm_report_state wdm_report_state_t;

//  One indicator as the report judges it.  The texts point into the state
//  and live as long as it.
typedef struct {
    const char *code, *domain_code, *name_zh, *name_en;
    const char *clause_zh;  //  the target in the plan's own words
    const char *kind;       //  target_kind: upper_bound, reach, ...
    const char *symbol;     //  the unit as a Chinese text writes it after a number
    int domain;             //  index of its domain
    wdm_status_t status;    //  the report's
    bool has_target;
    double target;
    int target_year;
    int latest_year;  //  the year of the latest plan-year value, 0: none
    double latest;
} wdm_report_item_t;

//  Load and judge plan (a code, already resolved with wdm_check_plan) for
//  year, as the annual report does.  The state (the caller destroys it),
//  or NULL with err saying why (a database error, a year outside the plan).
wdm_report_state_t *wdm_report_state_new (PGconn *conn, const char *plan, int year, char *err,
                                          size_t err_size);
void wdm_report_state_destroy (wdm_report_state_t **self_p);

//  The year judged, the plan's baseline year and its period.
int wdm_report_state_year (const wdm_report_state_t *self);
int wdm_report_state_baseline (const wdm_report_state_t *self);
int wdm_report_state_first (const wdm_report_state_t *self);
int wdm_report_state_last (const wdm_report_state_t *self);

//  The plan's domains in order: how many, and each one's code and names.
int wdm_report_state_domains (const wdm_report_state_t *self);
void wdm_report_state_domain (const wdm_report_state_t *self, int d, const char **code, const char **name_zh,
                              const char **name_en);

//  How many of domain d's indicators (d < 0: all) the report gives status.
int wdm_report_state_count (const wdm_report_state_t *self, int d, wdm_status_t status);

//  The indicators, in the plan's order; the index of code, or -1.
int wdm_report_state_items (const wdm_report_state_t *self);
int wdm_report_state_find (const wdm_report_state_t *self, const char *code);
wdm_report_item_t wdm_report_state_item (const wdm_report_state_t *self, int i);

//  The status indicator i would have on another area's yearly series
//  (has/value indexed from the plan's baseline year, up to the year
//  judged), no better than floor (the worst open warning's, by
//  wdm_judge_floor; WDM_STATUS_MET for none): the same judgement.  Kinds
//  judged on more than one series (narrow_gap, relation, min_count) are
//  judged for the district only: WDM_STATUS_MONITOR.
wdm_status_t wdm_report_state_judge (const wdm_report_state_t *self, int i, const bool *has,
                                     const double *value, wdm_status_t floor);

//  The report's words and colour for a status (annual report): "达标",
//  "Met", "#2e7d32"; and its CSS class ("met", "track", ...).
const char *wdm_report_status_zh (wdm_status_t status);
const char *wdm_report_status_en (wdm_status_t status);
const char *wdm_report_status_colour (wdm_status_t status);
const char *wdm_report_status_class (wdm_status_t status);

//  Write indicator i's chart as an inline SVG to out: the report's chart
//  (wdm_report_chart) at its full size, with axes labelled in values and
//  years, the target line, the linear trend's projection to the plan's
//  last year with its band, and the time-progress line.  Every point and
//  line carries data- attributes with its year and value.  0, or -1 when
//  there is nothing to draw.
int wdm_report_state_chart (wdm_report_state_t *self, int i, FILE *out);

#endif
