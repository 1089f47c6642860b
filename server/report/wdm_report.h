/*  wdm_report: the monitoring report the plan asks for — the annual
    monitoring report (年度监测报告) and the final evaluation
    (终期监测评估报告) — from the database, as one self-contained HTML page
    (inline CSS and SVG, no network, prints to A4), as Markdown, or as CSV.
    Chinese by default, English on request; the three forms carry the same
    numbers.  */

#ifndef WDM_REPORT_H_INCLUDED
#define WDM_REPORT_H_INCLUDED

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

typedef enum { WDM_REPORT_HTML = 0, WDM_REPORT_MARKDOWN, WDM_REPORT_CSV } wdm_report_format_t;

typedef struct {
    int year;    //  the year reported on (annual), or the last year (final)
    bool final;  //  the final evaluation of the whole period
    wdm_report_format_t format;
    bool english;              //  false: Chinese
    const char *generated_at;  //  timestamp printed in the report; NULL: now (UTC)
    const char *plan;          //  the plan reported on: its code (wdm_check_plan resolves a default)
    //  One member unit's report (its code): the indicators it answers for,
    //  judged on its own area, its warnings and what it owes; or one area's
    //  (a town's or street's code): every indicator judged on that area.
    //  NULL both: the district's report, with the leaders' summary first.
    //  A code that names nothing is refused (-1, the code named).
    const char *unit, *area;
} wdm_report_options_t;

//  The counts the report's summary gives, for callers that print them.
typedef struct {
    int indicators;  //  indicators with a judgeable target
    int met, on_track, behind, unlikely, not_reported;
    int open_red, open_yellow;  //  unresolved warnings
} wdm_report_summary_t;

//  Write the report to out.  0 with summary filled (summary may be NULL),
//  or -1 with err describing what failed (a database error, a year outside
//  the plan).
int wdm_report_write (PGconn *conn, const wdm_report_options_t *options, FILE *out,
                      wdm_report_summary_t *summary, char *err, size_t err_size);

#endif
