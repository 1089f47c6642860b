/*  wdm_warnings_query: the warnings list's filters and their SQL, written
    once for `wdmon warnings` (wdm_cmd_warnings.c) and the console's
    warnings page (server/web), so that the two filter alike and refuse
    alike.  A filter is what a person typed or chose; the check puts each
    value against the database (a rule by code or name, an area by code
    or name ...) and points it at the code it names.  A new filter (a
    plan, say) is one field, one check and one parameter here.  */

#ifndef WDM_WARNINGS_QUERY_H_INCLUDED
#define WDM_WARNINGS_QUERY_H_INCLUDED

#include "wdm_check.h"

#include <libpq-fe.h>
#include <stdbool.h>

//  The parameters of WDM_WARNINGS_QUERY_WHERE, in order; $5 is the
//  office's zone (for the caller's columns), the others the filters.
#define WDM_WARNINGS_QUERY_PARAMS 12

//  What a member unit sees, written once for every listing and page: the
//  indicators it leads (indicator an SQL expression, the unit parameter
//  $n), and the rows whose unit column is unit_col about indicator — its
//  own and those about indicators it leads; $n NULL: every row.
#define WDM_UNIT_LEADS(indicator, n)                                                                         \
    "EXISTS (SELECT 1 FROM responsibility r WHERE r.indicator_code = " indicator " AND r.unit_code = $" n    \
    " AND r.lead)"
#define WDM_UNIT_SCOPE(unit_col, indicator, n)                                                               \
    "($" n "::text IS NULL OR " unit_col " = $" n " OR " WDM_UNIT_LEADS (indicator, n) ")"

//  FROM and WHERE of every warnings listing: warning w joined to its
//  indicator i and to the target t of its plan, filtered by $1 open only
//  ('t'/'f'), $2 level, $3 domain (of the warning's plan), $4 unit, $6
//  rule, $7 year, $8 area, $9 state, $10 indicator, $11 one warning's id,
//  $12 plan (NULL: no filter).  A unit's warnings are those about it
//  (missing reports) and those about indicators it leads.  The caller
//  writes its SELECT list before and its ORDER BY after.
#define WDM_WARNINGS_QUERY_WHERE                                                                             \
    "  FROM warning w JOIN indicator i ON i.code = w.indicator_code"                                         \
    "  JOIN plan_target t ON t.plan_code = w.plan_code AND t.indicator_code = w.indicator_code"              \
    " WHERE (NOT $1::boolean OR w.state <> 'resolved')"                                                      \
    "   AND ($2::text IS NULL OR w.level = $2::warning_level)"                                               \
    "   AND ($3::text IS NULL OR t.domain_code = $3)"                                                        \
    "   AND " WDM_UNIT_SCOPE ("w.unit_code", "w.indicator_code",                                             \
                              "4") "   AND ($6::text IS NULL OR w.rule_code = $6)"                           \
                                   "   AND ($7::int IS NULL OR w.year = $7::int)"                            \
                                   "   AND ($8::text IS NULL OR w.area_code = $8)"                           \
                                   "   AND ($9::text IS NULL OR w.state = $9::warning_state)"                \
                                   "   AND ($10::text IS NULL OR w.indicator_code = $10)"                    \
                                   "   AND ($11::bigint IS NULL OR w.id = $11::bigint)"                      \
                                   "   AND ($12::text IS NULL OR w.plan_code = $12)"

//  The order every listing shows: unresolved first, red before yellow,
//  newest first.
#define WDM_WARNINGS_QUERY_ORDER                                                                             \
    " ORDER BY w.state <> 'resolved' DESC, w.level DESC, w.updated_at DESC, w.id DESC"

//  FROM of a listing that shows one page of its rows: the ids chosen in
//  the listing's order on the narrow rows (limit: SQL after LIMIT, e.g.
//  "1000" or "$13::int OFFSET $14::int"), with s.total the count of every
//  row that matched; then each row's warning w and indicator i.  Names and
//  local times are worked out for the rows shown only: worked out for all
//  of 34,000 warnings before the sort, a listing took 100-250 ms (issue
//  15).  The caller writes its SELECT list before and
//  WDM_WARNINGS_QUERY_ORDER after.
#define WDM_WARNINGS_QUERY_PAGE(limit)                                                                       \
    "  FROM (SELECT w.id, count (*) OVER () AS total" WDM_WARNINGS_QUERY_WHERE WDM_WARNINGS_QUERY_ORDER      \
    " LIMIT " limit ") s"                                                                                    \
    "  JOIN warning w ON w.id = s.id JOIN indicator i ON i.code = w.indicator_code"

//  What a list is filtered by: each field NULL (no filter) or the value as
//  typed, which wdm_warnings_query_check points at the code it names, held
//  in the arrays below.
typedef struct {
    bool open_only;
    const char *level, *state, *rule, *domain, *indicator, *area, *unit, *year, *plan;
    char plan_code [128], rule_code [128], domain_code [128], indicator_code [128], area_code [128];
    char unit_code [128], year_text [16];
} wdm_warnings_query_t;

//  Check every filter against the database: the plan names one (none
//  given: the current plan, refused if no plan is current), a level or
//  state must be one
//  of the words, a rule, domain, indicator, area or unit must name a row,
//  a year must lie in the plan's years or be one a warning is about.  OK
//  with each filter pointing at its code; REFUSED with message naming the
//  first bad value and the nearest valid ones (Chinese first, English
//  alongside); FAILED if the database failed (message says why).
wdm_check_result_t wdm_warnings_query_check (PGconn *conn, wdm_warnings_query_t *query, char *message,
                                             size_t message_size);

//  Fill params (WDM_WARNINGS_QUERY_PARAMS of them) for a checked query:
//  zone is $5, id ($11) is NULL or one warning's number as text; a
//  warning asked for by its number is found whatever its plan.  The
//  pointers are into query, zone and id, valid while they are.
void wdm_warnings_query_params (const wdm_warnings_query_t *query, const char *zone, const char *id,
                                const char **params);

#endif
