/*  wdm_report_int.h: INTERNAL to server/report — not part of wdm_report.h,
    and no file outside this folder includes it.  The modules that together
    write the monitoring report share the report being written
    (rp_report_t: the options, the loaded plan and catalog, the district's
    series, the counts) and the helpers declared below.  Their names start
    rp_ (report, private) so that a call says where it comes from: rp_ from
    here, s_ from the file at hand, wdm_ from a public header.

    The modules, in the order a report is made:
        wdm_report.c           wdm_report_write: errors, queries, the order of the parts
        wdm_report_load.c      the plan, catalog, thresholds, values and warnings read
        wdm_report_classify.c  each indicator's standing (wdm_judge on the district's series)
        wdm_report_text.c      numbers, units, labels and the two languages
        wdm_report_markup.c    HTML and Markdown primitives (headings, tables, cells)
        wdm_report_css.c       the HTML page's style sheet
        wdm_report_chart.c     the inline SVG charts
        wdm_report_summary.c   the cover and part 1, the summary
        wdm_report_domains.c   part 2, the indicators by domain
        wdm_report_warnings.c  part 3, the open warnings, and part 4, reporting by unit
        wdm_report_period.c    part 3 of a final evaluation: the warnings of the period
        wdm_report_notes.c     part 5, the notes
        wdm_report_csv.c       the CSV form
        wdm_report_state.c     the judgement without the document, for the console  */

#ifndef WDM_REPORT_INT_H_INCLUDED
#define WDM_REPORT_INT_H_INCLUDED

#include "wdm_report.h"
#include "wdm_judge.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define RP_MAX_YEARS WDM_JUDGE_MAX_YEARS  //  baseline year to the plan's last year

//  An indicator's standing is the judgement's (wdm_judge_status_t): the
//  first five are what the summary counts; in a final evaluation
//  WDM_STATUS_ON_TRACK means "cannot be judged", WDM_STATUS_UNLIKELY "not
//  met" and WDM_STATUS_NOT_REPORTED "no value for the final year" (see
//  rp_classify).
typedef wdm_status_t rp_status_t;

typedef struct {
    //  Pointers into the catalog result, valid while the report is written.
    const char *code, *domain_code, *name_zh, *name_en, *kind_name, *unit_code, *symbol, *unit_name_en,
        *clause_zh, *relation_code, *relation_op;
    wdm_target_kind_t kind;
    bool has_target;
    double target;
    int domain;                     //  index into the domains
    int relation;                   //  the other indicator of a relation, -1
    double balance_pp, similar_pp;  //  thresholds in force for this indicator
    //  The district's series, indexed by year - baseline year.  For
    //  narrow_gap the value is |women - men|; for min_count the smallest
    //  count among the bodies reported that year.
    bool has [RP_MAX_YEARS];
    double value [RP_MAX_YEARS];
    int parts [RP_MAX_YEARS];   //  > 0: rolled up from this many areas
    int bodies [RP_MAX_YEARS];  //  min_count: bodies reported
    double women [RP_MAX_YEARS], men [RP_MAX_YEARS];
    wdm_status_t floor;  //  the best standing its open warnings allow
    rp_status_t status;
    //  The baseline (the view plan_baseline): the plan's stated value, or
    //  the stored value of the baseline year, or none; it is value [0].
    const char *baseline_source;  //  "plan", "stored" or "" (none)
    int target_year;
    int final;    //  final evaluation: index of the year judged (the target year), else -1
    bool hidden;  //  a unit's report: not one of its responsibilities (judged, not counted or shown)
    bool lead;    //  a unit's report: the unit leads it (is chased for it), else contributes
} rp_indicator_t;

typedef struct {
    PGconn *conn;
    const wdm_report_options_t *options;
    FILE *out;
    bool html, english;
    char *err;
    size_t err_size;
    PGresult *plan, *district, *domains, *catalog;
    const char *plan_code, *district_code;
    int baseline, first, last, year, years;  //  years: baseline .. year
    int deadline_month, deadline_day;
    rp_indicator_t *ind;
    int ind_count, domain_count;
    int monitored;  //  indicators without a judgeable target
    int by_domain [64][WDM_STATUS_COUNT];
    wdm_report_summary_t sum;
    char generated [64];
    //  A unit's or an area's report (wdm_report_scope.c): its row (code,
    //  name_zh, name_en, the area judged: code, name_zh, name_en, level),
    //  NULL for the district's report.
    PGresult *scope;
} rp_report_t;

//  A short text returned by value (a number, a share, a target).
typedef struct {
    char text [192];
} rp_text_t;

//  --- wdm_report.c: errors and queries ---------------------------------------

//  Set the report's error (format as printf), trailing line breaks trimmed.
void rp_fail (rp_report_t *self, const char *format, ...) __attribute__ ((format (printf, 2, 3)));

//  Run one query that returns rows.  The result (the caller PQclears it),
//  or NULL with the error set, naming what was read.
PGresult *rp_query (rp_report_t *self, const char *what, const char *sql, int count,
                    const char *const *params);

//  --- wdm_report_load.c ------------------------------------------------------

//  Read everything the report needs into self: the plan, the district, the
//  domains and catalog, the thresholds, the district's values, the open
//  warnings.  0, or -1 with the error set.
int rp_load (rp_report_t *self);

//  --- wdm_report_classify.c --------------------------------------------------

//  What the judgement judges the indicator's target on (wdm_judge_met).
wdm_target_t rp_target (const rp_indicator_t *ind);

//  The index of the indicator's latest plan-year value, or -1.
int rp_latest (const rp_report_t *self, const rp_indicator_t *ind);

//  The change from the baseline to the value at index y, into *change:
//  true, or false where either is missing.
bool rp_change (const rp_indicator_t *ind, int y, double *change);

//  Give every indicator its status, and count them in self->sum,
//  self->by_domain and self->monitored.
void rp_classify (rp_report_t *self);

//  --- wdm_report_text.c ------------------------------------------------------

//  zh or en, as the report's language says.
const char *rp_tr (const rp_report_t *self, const char *zh, const char *en);

//  A value as the warnings' messages write it ("—" when not finite).
rp_text_t rp_num (double value);

//  count / total as a percentage with one decimal ("12.5%"); 0.0% when total is 0.
rp_text_t rp_share (int count, int total);

//  The unit as an English text puts it after a number, or NULL.
const char *rp_unit_en (const rp_indicator_t *ind);

//  A value with its unit, in the report's language: "8.4/10万".
rp_text_t rp_amount (const rp_report_t *self, const rp_indicator_t *ind, double value);

//  A status's label, CSS class and colour, as the report (annual or final) names it.
const char *rp_status_label (const rp_report_t *self, rp_status_t status);
const char *rp_status_class (const rp_report_t *self, rp_status_t status);
const char *rp_status_colour (const rp_report_t *self, rp_status_t status);

//  The statuses in the order the summary lists them, into order (room for
//  5); returns how many.
int rp_summary_order (const rp_report_t *self, rp_status_t *order);

//  How many indicators the summary counts with this status.
int rp_summary_count (const rp_report_t *self, rp_status_t status);

//  Where the indicator's baseline came from, in the report's language:
//  the plan's text, the stored value of the baseline year, or none.
const char *rp_baseline_source (const rp_report_t *self, const rp_indicator_t *ind);

//  The indicator's target as the English report states it.
rp_text_t rp_target_en (const rp_report_t *self, const rp_indicator_t *ind);

//  --- wdm_report_markup.c: HTML or Markdown, as self->html says ---------------

//  Our own markup and numbers, written as they are.
void rp_outf (rp_report_t *self, const char *format, ...) __attribute__ ((format (printf, 2, 3)));
void rp_out (rp_report_t *self, const char *text);

//  Any text (from the database or not), escaped for HTML or Markdown; NULL
//  writes nothing.
void rp_esc (rp_report_t *self, const char *text);

//  A heading of this level; id (HTML only) is ours, text is escaped.
void rp_heading (rp_report_t *self, int level, const char *id, const char *text);

//  A paragraph of CSS class cls (HTML), and a list item.
void rp_para_open (rp_report_t *self, const char *cls);
void rp_para_close (rp_report_t *self);
void rp_item_open (rp_report_t *self);
void rp_item_close (rp_report_t *self);

//  A table of columns columns: heads are escaped, numeric ones right aligned.
void rp_table_open (rp_report_t *self, const char *cls, const char *const *heads, const bool *numeric,
                    int columns);
void rp_table_close (rp_report_t *self);

//  A row; id (escaped) and cls may be NULL.
void rp_row_open (rp_report_t *self, const char *id, const char *cls);
void rp_row_close (rp_report_t *self);

//  A cell: opened and closed around other writing, or holding one text
//  (escaped) or one number (id, HTML only, may be NULL).
void rp_cell_open (rp_report_t *self, const char *cls);
void rp_cell_close (rp_report_t *self);
void rp_cell (rp_report_t *self, const char *cls, const char *text);
void rp_cell_int (rp_report_t *self, const char *id, int value);

//  --- wdm_report_css.c -------------------------------------------------------

//  The HTML page's style sheet, A4 print rules included.
extern const char rp_css [];

//  --- wdm_report_chart.c: HTML only -----------------------------------------

//  A small SVG chart of the indicator's path against its target; nothing
//  when it has no value.
void rp_chart (rp_report_t *self, const rp_indicator_t *ind);

//  The same chart at full size with axes, the target and time-progress
//  lines and the projection (wdm_report_state_chart, the console).
void rp_chart_full (rp_report_t *self, const rp_indicator_t *ind);

//  The summary's counts as one stacked SVG bar; nothing when none is judged.
void rp_summary_bar (rp_report_t *self);

//  --- The parts of the document (HTML and Markdown) -------------------------

//  wdm_report_summary.c: the title, the metadata and the source note; part
//  1, the summary by status and by domain.
void rp_write_head (rp_report_t *self);
void rp_write_summary (rp_report_t *self);

//  wdm_report_domains.c: part 2, a table (and, in HTML, charts) per domain.
void rp_write_domains (rp_report_t *self);

//  wdm_report_warnings.c: part 3, the open warnings (a final evaluation:
//  every warning of the period and how it ended); part 4, reporting by
//  member unit.  Each reads the database: 0, or -1 with the error set.
int rp_write_warnings (rp_report_t *self);

//  wdm_report_period.c: part 3 of a final evaluation, every warning the
//  plan raised over its period and how each ended.  0, or -1 with the
//  error set.
int rp_write_period_warnings (rp_report_t *self);
int rp_write_units (rp_report_t *self);

//  wdm_report_notes.c: part 5, what the statuses mean, the data, the
//  reporters' notes on values.  0, or -1 with the error set.
int rp_write_notes (rp_report_t *self);

//  --- wdm_report_scope.c: a member unit's or a town's report -----------------

//  Read the unit or area the options name into self->scope and make its
//  area the one the values are read for (self->district_code).  0 (also
//  for the district's report, which has no scope), or -1 with the error
//  naming the unknown code and the nearest.
int rp_scope_load (rp_report_t *self);

//  A unit's report: mark the indicators it does not answer for hidden.  0, or -1.
int rp_scope_filter (rp_report_t *self);

//  The open warnings the scope's summary counts (self->sum.open_red and
//  open_yellow): those about its area and the areas within it (an area),
//  or those it answers for (a unit).  0, or -1.
int rp_scope_warning_counts (rp_report_t *self);

//  After rp_classify: drop the hidden indicators from self->ind, so that
//  every part lists only the unit's own.
void rp_scope_compact (rp_report_t *self);

//  The scoped document (HTML and Markdown): head, summary, the
//  indicators on the scope's area, its warnings, what it owes.  0, or -1.
int rp_scope_write_document (rp_report_t *self);

//  --- wdm_report_leaders.c ----------------------------------------------------

//  The one-page summary for leaders (领导摘要) at the front of the
//  district's report: targets unlikely to be met (final: not met), red
//  warnings open, units that owe data.  Its lines are the body's.  0, or -1.
int rp_write_leaders (rp_report_t *self);

//  --- wdm_report_csv.c -------------------------------------------------------

//  The CSV form: one row per indicator, UTF-8 with a BOM, CRLF.  0.
int rp_write_csv (rp_report_t *self);

#endif
