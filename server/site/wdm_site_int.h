/*  wdm_site_int: internal to server/site.  The site file as read and
    checked (wdm_site_read.c), for the import (wdm_site.c) to apply.  */

#ifndef WDM_SITE_INT_H_INCLUDED
#define WDM_SITE_INT_H_INCLUDED

#include "wdm_site.h"
#include "wdm_yaml.h"

#include <stddef.h>

//  Strings point into the YAML document, which the site owns.
typedef struct {
    const char *code, *parent, *level, *name_zh, *name_en;  //  parent NULL for the district
    const wdm_yaml_node_t *node;                            //  its mapping, for errors
} wdm_site_area_t;

typedef struct {
    const char *code, *kind, *area, *name_zh, *name_en;
    bool active;
    const wdm_yaml_node_t *node;
} wdm_site_unit_t;

typedef struct {
    const char *indicator, *unit;
    bool lead;  //  false: contributes
} wdm_site_resp_t;

typedef struct {
    wdm_yaml_t *yaml;
    wdm_site_area_t *areas;
    size_t area_count;
    wdm_site_unit_t *units;
    size_t unit_count;
    wdm_site_resp_t *resps;
    size_t resp_count;
} wdm_site_file_t;

//  Read path and check it whole, against the database's area levels,
//  unit kinds and indicators.  The file, which the caller frees with
//  wdm_site_file_destroy, when it has no error; else NULL with every
//  error appended to errors (REFUSED), or the database's message (FAILED)
//  in *result.
wdm_site_file_t *wdm_site_file_read (PGconn *conn, const char *path, wdm_buf_t *errors,
                                     wdm_site_result_t *result);

//  Free a file read by wdm_site_file_read.  NULL accepted.
void wdm_site_file_destroy (wdm_site_file_t **self_p);

#endif
