/*  wdm_warn_apply: apply an evaluation's findings (in the temporary table
    wdm_findings) in one transaction: open the warnings of new findings,
    raise the others that changed (update or reopen), and resolve every
    warning in scope whose condition no longer holds, each transition with
    its event, its note and its announcement (sql/006).  Called by
    wdm_warn_evaluate.  Part-private: see wdm_warn_int.h.  */

#include "wdm_warn_int.h"
#include "wdm_db.h"
#include "wdm_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The warning w of finding f: the same plan, rule, indicator, area, year,
//  body and unit (a finding's unit is NULL unless it is a missing report).
#define S_SAME_KEY                                                                                              \
    "w.plan_code = f.plan AND w.rule_code = f.rule AND w.indicator_code = f.indicator AND w.area_code = f.area" \
    " AND w.year = f.year AND w.body = f.body AND coalesce (w.unit_code, '') = coalesce (f.unit, '')"
//  Findings are yearly.
#define S_YEARLY "w.period_kind = 'year' AND w.period_no = 0"

//  Open the warnings of findings that have none: insert them, their
//  'open' events and their announcements, as warning_raise does one at a
//  time (the announcement's text is warning_announcement's, sql/069).
//  Returns how many were opened.
//
//  Of findings with the same warning key (warning_key: it has no sex),
//  one is opened here; the raise query after it takes the others, as it
//  did when ON CONFLICT DO NOTHING skipped them.  No ON CONFLICT: its
//  speculative insertion (a probe of the arbiter and a confirmation
//  written for each row) cost 0.09-0.41 s of the 1.6-2.5 s this took for
//  35,000 warnings after a bulk load (four interleaved pairs, see
//  docs/PERFORMANCE.md).  Evaluations apply one at a time (the advisory
//  lock below); a warning_raise called by hand for the same key at the
//  same moment now fails this evaluation (23505, logged), and the next
//  one applies.
static const char *s_open_sql =
    "WITH opened AS ("
    "  INSERT INTO warning (plan_code, rule_code, indicator_code, area_code, year, body, unit_code, level,"
    "         message_zh, message_en, value, target, details)"
    "  SELECT DISTINCT ON (f.plan, f.rule, f.indicator, f.area, f.year, f.body, coalesce (f.unit, ''))"
    "         f.plan, f.rule, f.indicator, f.area, f.year, f.body, nullif (f.unit, ''),"
    "         f.level::warning_level, f.message_zh, f.message_en, f.value, f.target, f.details"
    "    FROM wdm_findings f"
    "   WHERE NOT EXISTS (SELECT 1 FROM warning w WHERE " S_SAME_KEY " AND " S_YEARLY ")"
    "   ORDER BY f.plan, f.rule, f.indicator, f.area, f.year, f.body, coalesce (f.unit, '')"
    "  RETURNING *"
    "), events AS ("
    "  INSERT INTO warning_event (warning_id, transition, level, message_zh, message_en)"
    "  SELECT id, 'open', level, message_zh, message_en FROM opened"
    ") SELECT count (*) FROM opened f,"
    "         LATERAL (SELECT pg_notify ('wdmon_warning', warning_announcement (f::warning, 'open'))) a";

//  Resolve, in one statement, the warnings of the rules and indicators
//  evaluated ($2; $1: NULL for all) whose condition no longer holds, with
//  their events and announcements, as warning_resolve does one at a time.
//  Each event's note says why, as far as the data tell, looking at what
//  arrived since the warning's last open, update or reopen: the missing
//  report arrived; the indicator was retired; a later year's data (of the
//  area or the areas below it) superseded it; the year's value was revised
//  (and now meets the target); other data it depends on arrived; or, with
//  no new data, the thresholds or target changed.
//
//  A bulk correction resolves thousands at once, so each warning's note
//  costs only its own look-ups: the indicator's annual values are read in
//  order of year or arrival (observation_arrival) and the first within the
//  warning's area answers (one probe of area_closure each; sql/068), and
//  whether other data arrived is compared with each indicator's last
//  arrival, read once (not a search of observation per warning).  A later
//  year's value is looked for the way report_owed looks for a report
//  (sql/070): over a large area (area_is_large) the indicator's
//  values from the latest year down, each tested in turn (OFFSET 0: made
//  a join, the test walked the district's 1,031 areas for each warning,
//  3.4 s for 535 after a bulk load), over a small one area by area.
//  Whether a missing report arrived is asked the same way, each warning
//  in turn: left to the planner, which expects tens of thousands of
//  warnings resolved where there are hundreds, it hashed every
//  observation (0.45-0.55 s after a bulk load of 1,000,000).  Both are
//  MATERIALIZED, computed once: referenced once, 'arrived' was folded
//  into the join and asked again for every warning resolved, 535 x 535
//  times (29 s in the worker's first evaluation after a bulk load).
//  Before, 3,000 resolutions over 60,000 observations took 60 s, and the first
//  evaluation after a load of 1,000,000 did not end; walking down the
//  areas within a district-level warning probed each of 1,031 areas twice
//  (9.8 s for 535 missing reports).  In two parts, each within what C lets
//  a string literal be; wdm_warn_apply joins them.
static const char *s_resolve_head =
    "WITH gone AS ("
    "  UPDATE warning w SET state = 'resolved', resolved_at = now (), updated_at = now ()"
    "   WHERE w.state <> 'resolved' AND w.rule_code = ANY ($2::text [])"
    "     AND ($1::text [] IS NULL OR w.indicator_code = ANY ($1::text []))"
    "     AND NOT EXISTS (SELECT 1 FROM wdm_findings f WHERE " S_SAME_KEY ")"
    "  RETURNING w.*"
    "), since AS MATERIALIZED ("  //  the warning's last open, update or reopen
    "  SELECT g.id, coalesce (max (e.at), g.opened_at) AS at FROM gone g"
    "    LEFT JOIN warning_event e ON e.warning_id = g.id AND e.transition IN ('open', 'update', 'reopen')"
    "   GROUP BY g.id, g.opened_at"
    "), later AS MATERIALIZED ("  //  a later year's value of the area or one within it, since
    "  SELECT g.id, y.year FROM gone g JOIN since s ON s.id = g.id"
    "   CROSS JOIN LATERAL (SELECT CASE WHEN area_is_large (g.area_code)"
    "     THEN (SELECT o.year FROM observation o"
    "            WHERE o.indicator_code = g.indicator_code AND o.year > g.year"
    "              AND o.period_kind = 'year' AND o.period_no = 0 AND o.received_at > s.at"
    "              AND EXISTS (SELECT 1 FROM area_closure c"
    "                           WHERE c.area_code = g.area_code AND c.within_code = o.area_code OFFSET 0)"
    "            ORDER BY o.year DESC LIMIT 1)"
    "     ELSE (SELECT max (o.year) FROM area_closure c JOIN observation o ON o.area_code = c.within_code"
    "            WHERE c.area_code = g.area_code AND o.indicator_code = g.indicator_code AND o.year > g.year"
    "              AND o.period_kind = 'year' AND o.period_no = 0 AND o.received_at > s.at) END AS year) y"
    "   WHERE y.year IS NOT NULL"
    "), arrived AS MATERIALIZED ("  //  a missing report's value, of the area or one within it
    "  SELECT g.id FROM gone g"
    "   WHERE g.rule_code = 'missing' AND CASE WHEN area_is_large (g.area_code)"
    "     THEN EXISTS (SELECT 1 FROM observation o"
    "                   WHERE o.indicator_code = g.indicator_code AND o.year = g.year"
    "                     AND o.period_kind = 'year' AND o.period_no = 0 AND (g.body = '' OR o.body = g.body)"
    "                     AND EXISTS (SELECT 1 FROM area_closure c"
    "                                  WHERE c.area_code = g.area_code AND c.within_code = o.area_code OFFSET 0))"
    "     ELSE EXISTS (SELECT 1 FROM area_closure c JOIN observation o ON o.area_code = c.within_code"
    "                   WHERE c.area_code = g.area_code AND o.indicator_code = g.indicator_code AND o.year = g.year"
    "                     AND o.period_kind = 'year' AND o.period_no = 0 AND (g.body = '' OR o.body = g.body))"
    "     END"
    "), last_arrival AS MATERIALIZED ("  //  each indicator's last arrival
    "  SELECT x.code, (SELECT max (o.received_at) FROM observation o WHERE o.indicator_code = x.code) AS at"
    "    FROM (SELECT indicator_code AS code FROM gone"
    "          UNION SELECT t.relation_code FROM gone g JOIN plan_target t"
    "                  ON t.plan_code = g.plan_code AND t.indicator_code = g.indicator_code"
    "           WHERE t.relation_code IS NOT NULL) x"
    "), why AS ("
    "  SELECT g.id, CASE"
    "    WHEN g.rule_code = 'missing' AND arrived.id IS NOT NULL"
    "      THEN '报送已收到 / the report has arrived'"
    "    WHEN NOT coalesce (t.active, false)"
    "      THEN '该规划已停用此指标,不再评估 / the plan no longer judges this indicator'"
    "    WHEN g.rule_code = 'missing'"
    "      THEN '不再需要报送(报送责任或截止日期已变更) / the report is no longer owed"
    " (the responsibility or the deadline changed)'";
static const char *s_resolve_tail =
    "    WHEN later.year IS NOT NULL"
    "      THEN format ('已有更新年份(%s年)的数据 / superseded by %s''s data', later.year, later.year)"
    "    WHEN revised.value IS NOT NULL AND revised.value IS DISTINCT FROM g.value"
    "      THEN format ('数据已修订:%s年的值由%s改为%s%s / the %s value was revised from %s to %s%s',"
    "             g.year, g.value, revised.value, CASE WHEN g.rule_code = 'not_met' THEN ',已达到目标' ELSE '' END,"
    "             g.year, g.value, revised.value,"
    "             CASE WHEN g.rule_code = 'not_met' THEN ' and now meets the target' ELSE '' END)"
    "    WHEN greatest (own.at, related.at) > since.at"
    "      THEN '本指标或关联指标的其他数据有更新 / other data of this indicator, or of the one it is"
    " compared with, were received'"
    "    ELSE '数据未变,在现行阈值和目标下条件已不成立 / no new data: the condition no longer holds"
    " under the current thresholds and target' END AS note"
    "    FROM gone g JOIN since ON since.id = g.id"
    "    LEFT JOIN plan_target t ON t.plan_code = g.plan_code AND t.indicator_code = g.indicator_code"
    "    LEFT JOIN arrived ON arrived.id = g.id"
    "    LEFT JOIN later ON later.id = g.id"
    "    LEFT JOIN last_arrival own ON own.code = g.indicator_code"
    "    LEFT JOIN last_arrival related ON related.code = t.relation_code"
    "    LEFT JOIN LATERAL (SELECT o.value FROM observation o"
    "                        WHERE o.indicator_code = g.indicator_code AND o.area_code = g.area_code"
    "                          AND o.year = g.year AND o.period_kind = 'year' AND o.period_no = 0"
    "                          AND o.body = g.body AND o.sex = 'T' AND o.received_at > since.at"
    "                        ORDER BY o.revision DESC LIMIT 1) revised ON true"
    "), events AS ("
    "  INSERT INTO warning_event (warning_id, transition, level, message_zh, message_en, note)"
    "  SELECT g.id, 'resolve', g.level, g.message_zh, g.message_en, why.note"
    "    FROM gone g JOIN why ON why.id = g.id"
    ") SELECT count (*) FROM gone g,"
    "         LATERAL (SELECT pg_notify ('wdmon_warning', warning_announcement (g::warning, 'resolve'))) a";

int
wdm_warn_apply (wdm_warn_eval_t *self, const char *scope, bool deadlines, wdm_warn_stats_t *stats)
{
    int rc = -1;
    PGresult *res = NULL;
    //  No JIT: these statements' estimates (the findings are a temporary
    //  table, the rest joins on them) pass jit_above_cost, and compiling
    //  the resolve statement took 1.5 s of a 1.6 s run.  Memory enough
    //  to sort the findings of a first evaluation after a bulk load
    //  (they spilled 16.7 MB to disk with the default 4 MB).
    if (wdm_db_exec (self->conn, "BEGIN") || wdm_db_exec (self->conn, "SET LOCAL jit = off")
        || wdm_db_exec (self->conn, "SET LOCAL work_mem = '64MB'"))
        goto cleanup;
    //  Evaluations by several servers, or by a server and `wdmon warnings
    //  evaluate`, apply one at a time: two could otherwise both open the
    //  same warning.
    res = PQexec (self->conn, "SELECT pg_advisory_xact_lock (7217045512)");
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        wdm_log_error ("warnings: %s", PQresultErrorMessage (res));
        goto cleanup;
    }
    PQclear (res);
    res = NULL;
    //  The findings are a temporary table, which autovacuum never
    //  analyses: without its statistics the planner took the resolve's
    //  NOT EXISTS for a merge join on the indicator alone (17.7 million
    //  rows compared, 2.5 s, after a bulk load of 1,000,000 values).  It
    //  still expects thousands of warnings resolved where there are
    //  hundreds: the resolve statement's parts do not rely on that
    //  estimate (see s_resolve_head).  Only the columns the statements
    //  join and filter on, from a sample of 3,000 rows (a statistics
    //  target of 10, for this transaction): all of them from 30,000 took
    //  0.27-0.44 s of a first evaluation after a bulk load (34,393
    //  findings), these 0.05 s.
    if (wdm_db_exec (self->conn, "SET LOCAL default_statistics_target = 10")
        || wdm_db_exec (self->conn,
                        "ANALYZE wdm_findings (plan, rule, indicator, area, year, body, unit, level, value)"))
        goto cleanup;
    //  Findings with no warning yet are opened in one statement, with
    //  their events and announcements as warning_raise makes them: after a
    //  bulk load they are tens of thousands, and one function call each
    //  took most of the evaluation.
    res = PQexec (self->conn, s_open_sql);
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        wdm_log_error ("warnings: %s", PQresultErrorMessage (res));
        goto cleanup;
    }
    stats->opened += atoi (PQgetvalue (res, 0, 0));
    PQclear (res);
    //  The others that differ from their warning as it stands go through
    //  warning_raise: a steady state costs one index probe per finding.
    res = PQexec (self->conn,
                  "SELECT t, count (*) FROM (SELECT warning_raise (plan, rule, indicator, area, year, body,"
                  "        nullif (unit, ''), level::warning_level, message_zh, message_en, value, target,"
                  "        details) AS t FROM wdm_findings f"
                  "  WHERE NOT EXISTS (SELECT 1 FROM warning w WHERE " S_SAME_KEY " AND " S_YEARLY
                  "          AND w.state <> 'resolved' AND w.level = f.level::warning_level"
                  "          AND w.value IS NOT DISTINCT FROM f.value AND w.message_zh = f.message_zh)"
                  "  ORDER BY plan, rule, indicator, area, year) x GROUP BY t");
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        wdm_log_error ("warnings: %s", PQresultErrorMessage (res));
        goto cleanup;
    }
    for (int row = 0; row < PQntuples (res); row++) {
        const char *t = PQgetvalue (res, row, 0);
        int n = atoi (PQgetvalue (res, row, 1));
        if (strcmp (t, "open") == 0)
            stats->opened += n;
        else if (strcmp (t, "reopen") == 0)
            stats->reopened += n;
        else if (strcmp (t, "update") == 0)
            stats->updated += n;
    }
    PQclear (res);
    const char *rules = deadlines
        ? "{not_met,behind_schedule,unlikely,fluctuating,wrong_direction,relation_broken,min_count,implausible,missing}"
        : "{not_met,behind_schedule,unlikely,fluctuating,wrong_direction,relation_broken,min_count,implausible}";
    const char *params [] = { scope, rules };
    char resolve [8192];
    int length = snprintf (resolve, sizeof resolve, "%s%s", s_resolve_head, s_resolve_tail);
    if (length < 0 || (size_t)length >= sizeof resolve) {
        wdm_log_error ("warnings: the resolve statement (%d bytes) does not fit its buffer (%zu)", length,
                       sizeof resolve);
        goto cleanup;
    }
    res = wdm_db_query (self->conn, resolve, 2, params, PGRES_TUPLES_OK, NULL, 0);
    if (!res)
        goto cleanup;
    stats->resolved += atoi (PQgetvalue (res, 0, 0));
    PQclear (res);
    res = NULL;
    if (wdm_db_exec (self->conn, "COMMIT"))
        goto cleanup;
    rc = 0;
cleanup:
    PQclear (res);
    if (rc && PQtransactionStatus (self->conn) != PQTRANS_IDLE)
        wdm_db_exec (self->conn, "ROLLBACK");
    return rc;
}
