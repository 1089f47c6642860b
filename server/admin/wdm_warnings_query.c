/*  wdm_warnings_query: the warnings list's filters, checked against the
    database, and their parameters; the SQL is in the header.  Called by
    `wdmon warnings` and by the console's warnings page.  It owns nothing
    between calls.  */

#include "wdm_warnings_query.h"
#include "wdm_cmd_int.h"
#include "wdm_db.h"

#include <stdio.h>

//  What a person may type for a rule or a domain: (code, name, other
//  names); a value matching any column names the row.
//  Domains are per plan; a code names the same domain in each plan that
//  reuses it, a number or a name the current plan's first.
#define S_DOMAINS                                                                                            \
    "SELECT d.code, d.name_zh, d.ordinal::text, d.name_en FROM domain d JOIN plan p ON p.code = d.plan_code" \
    " ORDER BY p.current DESC, d.ordinal, d.plan_code"
#define S_RULES      "SELECT code, name_zh, name_en FROM rule ORDER BY ordinal"
#define S_INDICATORS "SELECT code, name_zh FROM indicator ORDER BY code"
//  Years a warning of plan $1 may be about: the baseline to the plan's
//  end, and any year one of its warnings names.
#define S_WARNING_YEARS                                                                                      \
    "SELECT least (min (baseline_year), (SELECT min (year) FROM warning WHERE plan_code = $1)),"             \
    "       greatest (max (period_end), (SELECT max (year) FROM warning WHERE plan_code = $1))"              \
    "  FROM plan WHERE code = $1"

//  Check one optional code filter (*value NULL: nothing to check),
//  pointing *value at the code it names.
static wdm_check_result_t
s_check_code (PGconn *conn, const char *sql, const char *what_zh, const char *what_en, const char **value,
              char *code, size_t code_size, char *message, size_t message_size)
{
    if (!*value)
        return WDM_CHECK_OK;
    wdm_check_result_t rc =
        wdm_check_code (conn, sql, what_zh, what_en, *value, code, code_size, message, message_size);
    if (rc == WDM_CHECK_OK)
        *value = code;
    return rc;
}

wdm_check_result_t
wdm_warnings_query_check (PGconn *conn, wdm_warnings_query_t *q, char *message, size_t message_size)
{
    static const char *const levels [] = { "red", "yellow", NULL };
    static const char *const states [] = { "open", "acknowledged", "resolved", NULL };
    wdm_check_result_t rc =
        wdm_check_plan (conn, &q->plan, q->plan_code, sizeof q->plan_code, message, message_size);
    if (rc == WDM_CHECK_OK && q->level)
        rc = wdm_check_word ("--level", q->level, levels, message, message_size);
    if (rc == WDM_CHECK_OK && q->state)
        rc = wdm_check_word ("--state", q->state, states, message, message_size);
    //  The code filters, in the order their errors are said.
    const struct {
        const char *sql, *what_zh, *what_en;
        const char **value;
        char *code;
        size_t code_size;
    } codes [] = {
        { S_RULES, "规则", "rule", &q->rule, q->rule_code, sizeof q->rule_code },
        { S_DOMAINS, "领域", "domain", &q->domain, q->domain_code, sizeof q->domain_code },
        { S_INDICATORS, "指标", "indicator", &q->indicator, q->indicator_code, sizeof q->indicator_code },
        { WDM_CMD_AREAS_SQL, "地区", "area", &q->area, q->area_code, sizeof q->area_code },
        { WDM_CMD_UNITS_SQL, "成员单位", "member unit", &q->unit, q->unit_code, sizeof q->unit_code },
    };
    for (size_t i = 0; rc == WDM_CHECK_OK && i < sizeof codes / sizeof *codes; i++)
        rc = s_check_code (conn, codes [i].sql, codes [i].what_zh, codes [i].what_en, codes [i].value,
                           codes [i].code, codes [i].code_size, message, message_size);
    if (rc == WDM_CHECK_OK && q->year) {
        int year = 0;
        rc = wdm_check_year (conn, S_WARNING_YEARS, q->plan_code, q->year, &year, message, message_size);
        if (rc == WDM_CHECK_OK) {
            snprintf (q->year_text, sizeof q->year_text, "%d", year);
            q->year = q->year_text;
        }
    }
    return rc;
}

void
wdm_warnings_query_params (const wdm_warnings_query_t *q, const char *zone, const char *id,
                           const char **params)
{
    params [0] = q->open_only ? "t" : "f";
    params [1] = q->level;
    params [2] = q->domain;
    params [3] = q->unit;
    params [4] = zone;
    params [5] = q->rule;
    params [6] = q->year;
    params [7] = q->area;
    params [8] = q->state;
    params [9] = q->indicator;
    params [10] = id;
    params [11] = id ? NULL : q->plan;
}
