/*  wdm_warn_context: what an evaluation knows before it reads a value —
    the areas (sorted by code, with their parents) and the thresholds, and
    for each plan in turn its years and deadline and its active targets
    (each with its statistic, what the rules need) — loaded from
    PostgreSQL into the evaluation (wdm_warn_eval_t), which owns and frees
    them.  Also the query helper
    the engine's files read with.  Part-private: see wdm_warn_int.h.  */

#include "wdm_warn_int.h"
#include "wdm_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
wdm_warn_copy (char *dest, size_t size, const char *text)
{
    snprintf (dest, size, "%s", text ? text : "");
}

//  Areas are loaded sorted by code: a binary search finds one.
int
wdm_warn_context_area (const wdm_warn_eval_t *self, const char *code)
{
    int low = 0, high = self->area_count;
    while (low < high) {
        int mid = low + (high - low) / 2;
        int cmp = strcmp (self->areas [mid].code, code);
        if (cmp == 0)
            return mid;
        if (cmp < 0)
            low = mid + 1;
        else
            high = mid;
    }
    return -1;
}

int
wdm_warn_context_indicator (const wdm_warn_eval_t *self, const char *code)
{
    for (int i = 0; i < self->indicator_count; i++)
        if (strcmp (self->indicators [i].rule.code, code) == 0)
            return i;
    return -1;
}

//  Run sql, a query of the context's rows, and make room for them: an
//  array of one size element per row (and one more, so that no rows is no
//  allocation of 0), zeroed, in *rows; their count in *count.  The result,
//  which the caller fills the rows from and clears, or NULL with the cause
//  logged (and *rows NULL).
static PGresult *
s_table (wdm_warn_eval_t *self, const char *sql, size_t size, void **rows, int *count)
{
    PGresult *res = wdm_db_query (self->conn, sql, 0, NULL, PGRES_TUPLES_OK, NULL, 0);
    if (!res)
        return NULL;
    *count = PQntuples (res);
    *rows = calloc ((size_t)*count + 1, size);
    if (!*rows) {
        wdm_log_error ("warnings: out of memory for %d rows", *count);
        PQclear (res);
        return NULL;
    }
    return res;
}

//  The years and the reports' deadline of the plan self->plan.
static int
s_load_plan (wdm_warn_eval_t *self)
{
    const char *params [] = { self->plan };
    PGresult *res =
        wdm_db_query (self->conn,
                      "SELECT baseline_year, period_start, period_end, deadline_month, deadline_day"
                      "  FROM plan WHERE code = $1",
                      1, params, PGRES_TUPLES_OK, NULL, 0);
    if (!res)
        return -1;
    if (PQntuples (res) != 1) {
        wdm_log_error ("warnings: there is no plan %s", self->plan);
        PQclear (res);
        return -1;
    }
    self->baseline_year = atoi (PQgetvalue (res, 0, 0));
    self->first_year = atoi (PQgetvalue (res, 0, 1));
    self->last_year = atoi (PQgetvalue (res, 0, 2));
    self->deadline_month = atoi (PQgetvalue (res, 0, 3));
    self->deadline_day = atoi (PQgetvalue (res, 0, 4));
    PQclear (res);
    if (self->last_year - self->baseline_year + 1 > WDM_JUDGE_MAX_YEARS) {
        wdm_log_error ("warnings: plan %s spans %d-%d, more than %d years", self->plan, self->baseline_year,
                       self->last_year, WDM_JUDGE_MAX_YEARS);
        return -1;
    }
    return 0;
}

//  The active targets of the plan self->plan, by indicator code, each
//  with its statistic: what the rules need of each.
static int
s_load_indicators (wdm_warn_eval_t *self)
{
    const char *params [] = { self->plan };
    PGresult *res =
        wdm_db_query (self->conn,
                      "SELECT i.code, i.name_zh, i.name_en, u.code, u.symbol, t.target_kind, t.target_value,"
                      "       t.target_year, t.relation_op, i.aggregation, coalesce (u.scale, 0),"
                      "       coalesce (t.relation_code, '')"
                      "  FROM plan_target t JOIN indicator i ON i.code = t.indicator_code"
                      "  JOIN measure_unit u ON u.code = i.measure_unit_code"
                      " WHERE t.plan_code = $1 AND t.active ORDER BY i.code",
                      1, params, PGRES_TUPLES_OK, NULL, 0);
    if (!res)
        return -1;
    self->indicator_count = PQntuples (res);
    self->indicators = calloc ((size_t)self->indicator_count + 1, sizeof *self->indicators);
    if (!self->indicators) {
        wdm_log_error ("warnings: out of memory for %d targets", self->indicator_count);
        PQclear (res);
        return -1;
    }
    for (int row = 0; row < self->indicator_count; row++) {
        wdm_warn_indicator_t *ind = &self->indicators [row];
        wdm_rule_indicator_t *r = &ind->rule;
        wdm_warn_copy (r->code, sizeof r->code, PQgetvalue (res, row, 0));
        wdm_warn_copy (r->name_zh, sizeof r->name_zh, PQgetvalue (res, row, 1));
        wdm_warn_copy (r->name_en, sizeof r->name_en, PQgetvalue (res, row, 2));
        const char *unit = PQgetvalue (res, row, 3);
        wdm_warn_copy (r->unit_zh, sizeof r->unit_zh, PQgetvalue (res, row, 4));
        wdm_warn_copy (r->unit_en, sizeof r->unit_en,
                       strcmp (unit, "percent") == 0         ? "%"
                           : strcmp (unit, "per_mille") == 0 ? "‰"
                           : strcmp (unit, "per_100k") == 0  ? " per 100,000"
                           : strcmp (unit, "years") == 0     ? " years"
                           : strcmp (unit, "count") == 0     ? " persons"
                                                             : "");
        if (wdm_target_kind_parse (PQgetvalue (res, row, 5), &r->kind))
            r->kind = WDM_TARGET_MONITOR;
        r->has_target = !PQgetisnull (res, row, 6);
        r->target = r->has_target ? strtod (PQgetvalue (res, row, 6), NULL) : 0;
        r->target_year = atoi (PQgetvalue (res, row, 7));
        r->baseline_year = self->baseline_year;
        wdm_warn_copy (r->relation_op, sizeof r->relation_op, PQgetvalue (res, row, 8));
        if (wdm_aggregation_parse (PQgetvalue (res, row, 9), &ind->aggregation))
            ind->aggregation = WDM_AGG_NONE;
        ind->scale = strtod (PQgetvalue (res, row, 10), NULL);
        wdm_warn_copy (ind->relation, sizeof ind->relation, PQgetvalue (res, row, 11));
    }
    PQclear (res);
    return 0;
}

//  The areas, sorted by code (bytewise, for wdm_warn_context_area), each
//  with its parent's index.
static int
s_load_areas (wdm_warn_eval_t *self)
{
    void *rows = NULL;
    PGresult *res = s_table (self,
                             "SELECT code, coalesce (parent_code, ''), level, name_zh, name_en"
                             "  FROM area ORDER BY code COLLATE \"C\"",
                             sizeof *self->areas, &rows, &self->area_count);
    if (!res)
        return -1;
    self->areas = rows;
    for (int row = 0; row < self->area_count; row++) {
        wdm_warn_area_t *area = &self->areas [row];
        wdm_warn_copy (area->code, sizeof area->code, PQgetvalue (res, row, 0));
        wdm_warn_copy (area->name_zh, sizeof area->name_zh, PQgetvalue (res, row, 3));
        wdm_warn_copy (area->name_en, sizeof area->name_en, PQgetvalue (res, row, 4));
        const char *level = PQgetvalue (res, row, 2);
        area->town = strcmp (level, "town") == 0 || strcmp (level, "street") == 0;
    }
    for (int row = 0; row < self->area_count; row++)
        self->areas [row].parent = wdm_warn_context_area (self, PQgetvalue (res, row, 1));
    PQclear (res);
    return 0;
}

//  The thresholds, the rules' defaults first.
static int
s_load_thresholds (wdm_warn_eval_t *self)
{
    void *rows = NULL;
    PGresult *res = s_table (self,
                             "SELECT coalesce (indicator_code, ''), rule_code, param, value"
                             "  FROM rule_threshold ORDER BY indicator_code NULLS FIRST",
                             sizeof *self->thresholds, &rows, &self->threshold_count);
    if (!res)
        return -1;
    self->thresholds = rows;
    for (int row = 0; row < self->threshold_count; row++) {
        wdm_warn_threshold_t *t = &self->thresholds [row];
        wdm_warn_copy (t->indicator, sizeof t->indicator, PQgetvalue (res, row, 0));
        wdm_warn_copy (t->rule, sizeof t->rule, PQgetvalue (res, row, 1));
        wdm_warn_copy (t->param, sizeof t->param, PQgetvalue (res, row, 2));
        t->value = strtod (PQgetvalue (res, row, 3), NULL);
    }
    PQclear (res);
    return 0;
}

int
wdm_warn_context_load (wdm_warn_eval_t *self)
{
    if (s_load_areas (self) || s_load_thresholds (self))
        return -1;
    return 0;
}

int
wdm_warn_context_plan (wdm_warn_eval_t *self, const char *plan)
{
    free (self->indicators);
    self->indicators = NULL;
    self->indicator_count = 0;
    wdm_warn_copy (self->plan, sizeof self->plan, plan);
    if (s_load_plan (self) || s_load_indicators (self))
        return -1;
    return 0;
}

//  The thresholds for one indicator: defaults, then its own overrides.
void
wdm_warn_context_thresholds (const wdm_warn_eval_t *self, const char *indicator, wdm_thresholds_t *out)
{
    wdm_thresholds_default (out);
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < self->threshold_count; i++) {
            const wdm_warn_threshold_t *t = &self->thresholds [i];
            int is_default = t->indicator [0] == '\0';
            if ((pass == 0 && is_default) || (pass == 1 && strcmp (t->indicator, indicator) == 0))
                wdm_thresholds_set (out, t->rule, t->param, t->value);
        }
}
