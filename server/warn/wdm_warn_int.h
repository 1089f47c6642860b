/*  wdm_warn_int: INTERNAL to the warnings engine (server/warn/wdm_warn*.c)
    — not for the server, the operator's command or the tests, which use
    wdm_warn.h.

    The engine is split by step: wdm_warn_context.c loads what an
    evaluation knows (plan, indicators, areas, thresholds),
    wdm_warn_series.c reads an indicator's values into series and rolls
    them up, wdm_warn.c evaluates (the rules per indicator, the missing
    reports, the findings), wdm_warn_apply.c applies the findings as the
    warnings' lifecycle; wdm_warn_operator.c and wdm_warn_worker.c use
    only the public header.  This header is what the first four share.  */

#ifndef WDM_WARN_INT_H_INCLUDED
#define WDM_WARN_INT_H_INCLUDED

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "wdm_db.h"
#include "wdm_judge.h"
#include "wdm_rules.h"
#include "wdm_warn.h"

#define WDM_WARN_MAX_YEARS WDM_JUDGE_MAX_YEARS

//  An active target of the plan evaluated, with its statistic: what the
//  engine needs beside the rules' view.
typedef struct {
    wdm_rule_indicator_t rule;
    wdm_aggregation_t aggregation;
    double scale;                  //  0: not a ratio
    char relation [WDM_CODE_MAX];  //  the other indicator of a relation
    bool in_scope;
    //  The baseline the plan states (plan_baseline, source 'plan'): the
    //  district's value for the baseline year.  Without one the district's
    //  series keeps its stored baseline-year value, which is the view's
    //  'stored' baseline.
    bool stated_baseline;
    double baseline;
} wdm_warn_indicator_t;

typedef struct {
    char code [WDM_CODE_MAX];
    int parent;  //  index, -1 for the district
    bool town;   //  a town or street: has peers
    char name_zh [128];
    char name_en [128];
} wdm_warn_area_t;

typedef struct {
    char indicator [WDM_CODE_MAX];  //  "" for a rule's default
    char rule [32];
    char param [32];
    double value;
} wdm_warn_threshold_t;

//  One current value, as fetched.
typedef struct {
    int area;
    int year;
    char body [WDM_CODE_MAX];
    char sex;
    double value;
    bool has_ratio;  //  numerator and denominator both given
    double numerator, denominator;
    bool has_replaced;
    double replaced;
    int revision;  //  as fetched: which of its series' revisions this is
    bool final;    //  as fetched: its status is 'final'
} wdm_warn_row_t;

//  One evaluation: its connection, its context, the findings on their way.
typedef struct {
    PGconn *conn;
    char plan [WDM_CODE_MAX];  //  the plan being evaluated: its years and targets below
    int baseline_year, first_year, last_year, deadline_month, deadline_day;
    wdm_warn_indicator_t *indicators;
    int indicator_count;
    wdm_warn_area_t *areas;
    int area_count;
    wdm_warn_threshold_t *thresholds;
    int threshold_count;
    wdm_buf_t findings;  //  the findings not yet sent to wdm_findings
    int finding_count;
    bool failed;  //  a finding could not be kept: do not apply
    int series;
} wdm_warn_eval_t;

//  The year-on-year changes of one indicator in all its areas, for the
//  fluctuation rule when a series' own history is short: each (area)
//  series' change from one year to the next, by the year it ends in, and
//  the pool of those before a year, kept for the last year asked.
typedef struct {
    int year;
    double change;
} wdm_warn_change_t;

typedef struct {
    wdm_warn_change_t *changes;
    int count;
    int year;  //  the year pool is for; 0: none yet
    wdm_pool_t pool;
} wdm_warn_pool_t;

//  --- Reading (wdm_warn_context.c) -------------------------------------------------

//  Copy text (NULL: "") into dest of size, cut to fit.
void wdm_warn_copy (char *dest, size_t size, const char *text);

//  --- The context (wdm_warn_context.c) -----------------------------------------------

//  Load the areas and the thresholds into self (which owns them: the
//  caller frees areas and thresholds).  0, or -1 with the cause logged.
int wdm_warn_context_load (wdm_warn_eval_t *self);

//  Load one plan into self: its code, years and deadline, and its active
//  targets as self's indicators (those of the plan loaded before are
//  freed; the caller frees the last).  0, or -1 with the cause logged.
int wdm_warn_context_plan (wdm_warn_eval_t *self, const char *plan);

//  The index of the area with this code, or -1.
int wdm_warn_context_area (const wdm_warn_eval_t *self, const char *code);

//  The index of the active indicator with this code, or -1.
int wdm_warn_context_indicator (const wdm_warn_eval_t *self, const char *code);

//  The thresholds for one indicator: defaults, then its own overrides.
void wdm_warn_context_thresholds (const wdm_warn_eval_t *self, const char *indicator, wdm_thresholds_t *out);

//  --- Series (wdm_warn_series.c) -----------------------------------------------------

//  The current value of each series of a fetch's result in the plan's
//  years (baseline to end), sorted by area (in the areas' order), body,
//  sex and year; the result is cleared; count set.  NULL if the fetch
//  failed (res NULL) or memory is short.  Reads self only: a reader
//  thread may call it.  The caller frees the rows.
wdm_warn_row_t *wdm_warn_series_read (const wdm_warn_eval_t *self, PGresult *res, int *count);

//  wdm_warn_series_read, with self->failed set when it returns NULL.
wdm_warn_row_t *wdm_warn_series_rows (wdm_warn_eval_t *self, PGresult *res, int *count);

//  Fetch the current yearly values of one indicator on the evaluation's
//  own connection: wdm_warn_series_rows of the result.
wdm_warn_row_t *wdm_warn_series_fetch (wdm_warn_eval_t *self, const char *indicator, int *count);

//  Start fetching an indicator's values on a reader connection.  0, or -1
//  with the error logged.
int wdm_warn_series_send (PGconn *reader, const char *indicator);

//  The result of the fetch started on reader, or NULL with the error logged.
PGresult *wdm_warn_series_receive (PGconn *reader);

//  The points of one (area, body, sex) series of fetched rows (sorted by
//  area): at most max, returns how many.
int wdm_warn_series_points (const wdm_warn_row_t *rows, int count, int area, const char *body, char sex,
                            wdm_point_t *points, int max);

//  The district's series: its own values, and the roll-up of the areas
//  below it for each year it reported none.  parts [i]: the areas point i
//  was rolled up from, 0 for the district's own value.  Returns how many.
int wdm_warn_series_district (const wdm_warn_eval_t *self, const wdm_warn_indicator_t *ind,
                              const wdm_warn_row_t *rows, int count, int district, wdm_point_t *points,
                              int *parts, int max);

//  How many areas lie directly below the district.
int wdm_warn_series_parts_owed (const wdm_warn_eval_t *self, int district);

//  Add to each of the k findings about a rolled-up year how many of the
//  owed areas it was rolled up from.
void wdm_warn_series_note_parts (wdm_finding_t *found, int k, const wdm_point_t *points, const int *parts,
                                 int n, int owed);

//  Gather the year-on-year changes of the judged series (no body, both
//  sexes) of rows into self; the caller frees self->changes.  Without
//  memory, no pool.
void wdm_warn_series_pool (const wdm_warn_row_t *rows, int count, wdm_warn_pool_t *self);

//  The pool of the changes that end before year (kept for the last year
//  asked; a pool of count 0 if there is none).
const wdm_pool_t *wdm_warn_series_pool_before (wdm_warn_pool_t *self, int year);

//  --- Applying (wdm_warn_apply.c) ------------------------------------------------------

//  Apply the findings in wdm_findings in one transaction, for the
//  indicators of scope (an array literal; NULL: all) and the rules
//  evaluated (missing too with deadlines); add the transitions to stats.
//  0, or -1 with the cause logged and nothing changed.
int wdm_warn_apply (wdm_warn_eval_t *self, const char *scope, bool deadlines, wdm_warn_stats_t *stats);

#endif
