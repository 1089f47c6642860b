/*  wdm_report_state: the annual report's judgement without the document,
    for the console's pages (wdm_report_state.h).  It sets up the report
    as wdm_report_write does (rp_report_t), has it loaded (rp_load) and
    classified (rp_classify), and keeps it for the caller to read; the
    chart is the report's (rp_chart_full).  Owns the report's results and
    indicators until destroyed.  */

#include "wdm_report_state.h"
#include "wdm_report_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

struct wdm_report_state {
    rp_report_t report;
    wdm_report_options_t options;
    char plan [128];
    char err [512];
};

wdm_report_state_t *
wdm_report_state_new (PGconn *conn, const char *plan, int year, char *err, size_t err_size)
{
    assert (conn && plan);
    wdm_report_state_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, err_size, "out of memory");
        return NULL;
    }
    snprintf (self->plan, sizeof self->plan, "%s", plan);
    self->options.year = year;
    self->options.format = WDM_REPORT_HTML;
    self->options.plan = self->plan;
    rp_report_t *r = &self->report;
    r->conn = conn;
    r->options = &self->options;
    r->html = true;
    r->err = self->err;
    r->err_size = sizeof self->err;
    if (rp_load (r)) {
        snprintf (err, err_size, "%s", self->err);
        wdm_report_state_destroy (&self);
        return NULL;
    }
    rp_classify (r);
    return self;
}

void
wdm_report_state_destroy (wdm_report_state_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    rp_report_t *r = &(*self_p)->report;
    PQclear (r->plan);
    PQclear (r->district);
    PQclear (r->domains);
    PQclear (r->catalog);
    free (r->ind);
    free (*self_p);
    *self_p = NULL;
}

int
wdm_report_state_year (const wdm_report_state_t *self)
{
    return self->report.year;
}

int
wdm_report_state_baseline (const wdm_report_state_t *self)
{
    return self->report.baseline;
}

int
wdm_report_state_first (const wdm_report_state_t *self)
{
    return self->report.first;
}

int
wdm_report_state_last (const wdm_report_state_t *self)
{
    return self->report.last;
}

int
wdm_report_state_domains (const wdm_report_state_t *self)
{
    return self->report.domain_count;
}

void
wdm_report_state_domain (const wdm_report_state_t *self, int d, const char **code, const char **name_zh,
                         const char **name_en)
{
    assert (d >= 0 && d < self->report.domain_count);
    *code = PQgetvalue (self->report.domains, d, 0);
    *name_zh = PQgetvalue (self->report.domains, d, 2);
    *name_en = PQgetvalue (self->report.domains, d, 3);
}

int
wdm_report_state_count (const wdm_report_state_t *self, int d, wdm_status_t status)
{
    assert (status < WDM_STATUS_COUNT);
    if (d >= 0)
        return d < self->report.domain_count ? self->report.by_domain [d][status] : 0;
    int n = 0;
    for (int k = 0; k < self->report.domain_count; k++)
        n += self->report.by_domain [k][status];
    return n;
}

int
wdm_report_state_items (const wdm_report_state_t *self)
{
    return self->report.ind_count;
}

int
wdm_report_state_find (const wdm_report_state_t *self, const char *code)
{
    for (int i = 0; code && i < self->report.ind_count; i++)
        if (strcmp (self->report.ind [i].code, code) == 0)
            return i;
    return -1;
}

wdm_report_item_t
wdm_report_state_item (const wdm_report_state_t *self, int i)
{
    assert (i >= 0 && i < self->report.ind_count);
    const rp_indicator_t *ind = &self->report.ind [i];
    wdm_report_item_t item = { .code = ind->code,
                               .domain_code = ind->domain_code,
                               .name_zh = ind->name_zh,
                               .name_en = ind->name_en,
                               .clause_zh = ind->clause_zh,
                               .kind = ind->kind_name,
                               .symbol = ind->symbol,
                               .domain = ind->domain,
                               .status = ind->status,
                               .has_target = ind->has_target,
                               .target = ind->target,
                               .target_year = ind->target_year };
    int latest = rp_latest (&self->report, ind);
    if (latest >= 0) {
        item.latest_year = self->report.baseline + latest;
        item.latest = ind->value [latest];
    }
    return item;
}

wdm_status_t
wdm_report_state_judge (const wdm_report_state_t *self, int i, const bool *has, const double *value,
                        wdm_status_t floor)
{
    assert (i >= 0 && i < self->report.ind_count);
    const rp_report_t *r = &self->report;
    const rp_indicator_t *ind = &r->ind [i];
    if (ind->kind == WDM_TARGET_MONITOR || ind->kind == WDM_TARGET_NARROW_GAP
        || ind->kind == WDM_TARGET_RELATION || ind->kind == WDM_TARGET_MIN_COUNT)
        return WDM_STATUS_MONITOR;
    //  As rp_classify: the latest plan-year value, met or on track, then
    //  no better than the worst open warning.
    int latest = -1;
    for (int y = r->years - 1; y >= r->first - r->baseline && latest < 0; y--)
        if (has [y])
            latest = y;
    if (latest < 0)
        return WDM_STATUS_NOT_REPORTED;
    wdm_target_t target = rp_target (ind);
    wdm_series_t series = { r->years, r->first - r->baseline, has, value };
    wdm_status_t status =
        wdm_judge_met (&target, &series, latest, NULL) == 1 ? WDM_STATUS_MET : WDM_STATUS_ON_TRACK;
    return wdm_judge_worse (status, floor);
}

//  The annual report's words (rp_status_label and its kin read the
//  report's options; these are the annual report's).
static const rp_report_t *
s_annual (void)
{
    static const wdm_report_options_t options = { .year = 0 };
    static const rp_report_t report = { .options = &options };
    return &report;
}

const char *
wdm_report_status_zh (wdm_status_t status)
{
    return rp_status_label (s_annual (), status);
}

const char *
wdm_report_status_en (wdm_status_t status)
{
    rp_report_t report = *s_annual ();
    report.english = true;
    return rp_status_label (&report, status);
}

const char *
wdm_report_status_colour (wdm_status_t status)
{
    return rp_status_colour (s_annual (), status);
}

const char *
wdm_report_status_class (wdm_status_t status)
{
    return rp_status_class (s_annual (), status);
}

int
wdm_report_state_chart (wdm_report_state_t *self, int i, FILE *out)
{
    assert (i >= 0 && i < self->report.ind_count && out);
    rp_report_t *r = &self->report;
    const rp_indicator_t *ind = &r->ind [i];
    bool any = false;
    for (int y = 0; y < r->years; y++)
        any = any || ind->has [y];
    if (!any)
        return -1;
    r->out = out;
    rp_chart_full (r, ind);
    r->out = NULL;
    return ferror (out) ? -1 : 0;
}
