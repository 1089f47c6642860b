/*  wdm_plan_int: internal to server/plan.  The plan file as read and
    checked (wdm_plan_read.c), for the import (wdm_plan.c) to apply.  */

#ifndef WDM_PLAN_INT_H_INCLUDED
#define WDM_PLAN_INT_H_INCLUDED

#include "wdm_plan.h"
#include "wdm_yaml.h"

#include <stddef.h>

//  Strings point into the YAML document, which the file owns; numbers
//  are kept as the file's text (PostgreSQL's numeric reads them) after
//  they were checked to be numbers.  NULL: not given.
typedef struct {
    const char *code, *title_zh, *title_en, *subject, *source;
    long period_start, period_end, baseline_year, deadline_month, deadline_day;
} wdm_plan_head_t;

typedef struct {
    const char *code, *name_zh, *name_en;
    long ordinal;
    const wdm_yaml_node_t *node;  //  its mapping, for errors
} wdm_plan_domain_t;

typedef struct {
    //  the statistic (indicator)
    const char *code, *name_zh, *name_en, *measure_unit, *value_min, *value_max, *aggregation, *frequency;
    bool by_sex;
    char *bodies;  //  PostgreSQL array literal, "{}" when none; owned
    //  the plan's target on it (plan_target)
    const char *domain, *kind, *value, *relation, *relation_op, *clause_zh, *clause_ref, *note_zh, *note_en,
        *baseline;
    long ordinal, year;
    bool active;
    const wdm_yaml_node_t *node;  //  its mapping, for errors
} wdm_plan_indicator_t;

typedef struct {
    wdm_yaml_t *yaml;
    wdm_plan_head_t head;
    wdm_plan_domain_t *domains;
    size_t domain_count;
    wdm_plan_indicator_t *indicators;
    size_t indicator_count;
} wdm_plan_file_t;

//  Read path and check it whole, against the database's units of measure,
//  kinds, aggregations and frequencies, and the statistics other plans
//  share with it.  The file, which the caller frees with
//  wdm_plan_file_destroy, when it has no error; else NULL with every
//  error appended to errors (REFUSED), or the database's message (FAILED)
//  in *result.
wdm_plan_file_t *wdm_plan_file_read (PGconn *conn, const char *path, wdm_buf_t *errors,
                                     wdm_plan_result_t *result);

//  Free a file read by wdm_plan_file_read.  NULL accepted.
void wdm_plan_file_destroy (wdm_plan_file_t **self_p);

#endif
