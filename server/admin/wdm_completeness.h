/*  wdm_completeness: the one query of each member unit's reports for a
    year of a plan — owed, received, late, missing — that `wdmon
    completeness` prints and the console's completeness page shows, so
    the two cannot disagree.  SQL only; the callers check the plan
    (wdm_check_plan) first, then the year against that plan's
    (WDM_COMPLETENESS_YEARS_SQL with its code).  */

#ifndef WDM_COMPLETENESS_H_INCLUDED
#define WDM_COMPLETENESS_H_INCLUDED

//  The years reports are owed for: plan $1's period (first, last).
#define WDM_COMPLETENESS_YEARS_SQL                                                                           \
    "SELECT min (period_start), max (period_end) FROM plan WHERE $1::text IS NULL OR code = $1"

//  Per unit, $1 the year (text), $2 the plan's code: unit, name, owed,
//  received, late, missing, deadline (YYYY-MM-DD); the units missing most
//  first.
#define WDM_COMPLETENESS_SQL                                                                                 \
    "SELECT unit_code AS unit, unit_zh AS name, owed, received, late, missing,"                              \
    "       to_char (deadline, 'YYYY-MM-DD') AS deadline"                                                    \
    "  FROM completeness WHERE year = $1::int AND plan_code = $2"                                            \
    " ORDER BY missing DESC, late DESC, unit_code"

#endif
