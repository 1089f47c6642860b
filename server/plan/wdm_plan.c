/*  wdm_plan: import a plan file — load it into temporary tables, print the
    difference from what the database holds, apply it as the plan's next
    version, all in one transaction.  See wdm_plan.h; docs/PLANS.md says
    why a target that warnings name is kept, inactive, when the file
    drops it.  */

#include "wdm_plan_int.h"
#include "wdm_db.h"
#include "wdm_log.h"

#include <stdlib.h>
#include <string.h>

//  The file's rows, side by side with the tables they will become; gone
//  at the end of the transaction.
static const char *s_temp_tables [] = {
    "CREATE TEMP TABLE pf_plan (code text PRIMARY KEY, title_zh text, title_en text, subject text,"
    "    source text, period_start int, period_end int, baseline_year int, deadline_month int,"
    "    deadline_day int) ON COMMIT DROP",
    "CREATE TEMP TABLE pf_domain (code text PRIMARY KEY, ordinal int, name_zh text, name_en text)"
    " ON COMMIT DROP",
    "CREATE TEMP TABLE pf_indicator (code text PRIMARY KEY, name_zh text, name_en text,"
    "    measure_unit_code text, value_min numeric, value_max numeric, by_sex boolean, bodies text[],"
    "    aggregation text, frequency text) ON COMMIT DROP",
    "CREATE TEMP TABLE pf_target (indicator_code text PRIMARY KEY, domain_code text, ordinal int,"
    "    target_kind text, target_value numeric, target_year int, relation_code text, relation_op text,"
    "    clause_zh text, clause_ref text, note_zh text, note_en text, active boolean,"
    "    baseline_value numeric) ON COMMIT DROP",
};

//  A target's relation as one word: "DM02 >=".
#define S_RELATION(t) "coalesce (" t ".relation_code || ' ' || " t ".relation_op, '-')"

//  Whether the stored target t differs from the file's f in its baseline:
//  the file's baseline is the plan's; a baseline taken from a stored
//  value (baseline_source 'stored') stays when the file states none.
#define S_BASELINE_DIFFERS                                                                                   \
    "((f.baseline_value IS NOT NULL AND (t.baseline_source IS DISTINCT FROM 'plan'"                          \
    "                                    OR t.baseline_value <> f.baseline_value))"                          \
    " OR (f.baseline_value IS NULL AND t.baseline_source = 'plan'))"

//  The target's fields that differ, as "field old → new" words, for the
//  diff; and the condition that any does.
#define S_TARGET_CHANGES                                                                                                           \
    "concat_ws (', ',"                                                                                                             \
    " CASE WHEN t.domain_code <> f.domain_code THEN format ('domain %s → %s', t.domain_code,"                                    \
    "      f.domain_code) END,"                                                                                                    \
    " CASE WHEN t.ordinal <> f.ordinal THEN format ('ordinal %s → %s', t.ordinal, f.ordinal) END,"                               \
    " CASE WHEN t.target_kind::text <> f.target_kind THEN format ('kind %s → %s', t.target_kind,"                                \
    "      f.target_kind) END,"                                                                                                    \
    " CASE WHEN t.target_value IS DISTINCT FROM f.target_value THEN format ('value %s → %s',"                                    \
    "      coalesce (t.target_value::text, '-'), coalesce (f.target_value::text, '-')) END,"                                       \
    " CASE WHEN " S_RELATION ("t") " <> " S_RELATION ("f") " THEN format ('relation %s → %s', " S_RELATION ("t") ", " S_RELATION ( \
        "f") ") END,"                                                                                                              \
             " CASE WHEN t.target_year <> f.target_year THEN format ('year %s → %s', t.target_year,"                             \
             "      f.target_year) END,"                                                                                           \
             " CASE WHEN t.clause_zh <> f.clause_zh THEN format ('clause_zh %s → %s', t.clause_zh, f.clause_zh) END,"            \
             " CASE WHEN t.clause_ref <> f.clause_ref THEN format ('clause_ref %s → %s', t.clause_ref,"                          \
             "      f.clause_ref) END,"                                                                                            \
             " CASE WHEN t.note_zh IS DISTINCT FROM f.note_zh THEN format ('note_zh %s → %s',"                                   \
             "      coalesce (t.note_zh, '-'), coalesce (f.note_zh, '-')) END,"                                                    \
             " CASE WHEN t.note_en IS DISTINCT FROM f.note_en THEN format ('note_en %s → %s',"                                   \
             "      coalesce (t.note_en, '-'), coalesce (f.note_en, '-')) END,"                                                    \
             " CASE WHEN t.active <> f.active THEN format ('active %s → %s', t.active, f.active) END,"                           \
             " CASE WHEN " S_BASELINE_DIFFERS " THEN format ('baseline %s → %s',"                                                \
             "      coalesce (t.baseline_value::text || CASE WHEN t.baseline_source = 'stored'"                                    \
             "                                               THEN ' (stored)' ELSE '' END, '-'),"                                  \
             "      coalesce (f.baseline_value::text, '-')) END)"

#define S_TARGET_DIFFERS                                                                                        \
    "(t.domain_code <> f.domain_code OR t.ordinal <> f.ordinal OR t.target_kind::text <> f.target_kind"         \
    " OR t.target_value IS DISTINCT FROM f.target_value OR " S_RELATION ("t") " <> " S_RELATION (               \
        "f") " OR t.target_year <> f.target_year OR t.clause_zh <> f.clause_zh OR t.clause_ref <> f.clause_ref" \
             " OR t.note_zh IS DISTINCT FROM f.note_zh OR t.note_en IS DISTINCT FROM f.note_en"                 \
             " OR t.active <> f.active OR " S_BASELINE_DIFFERS ")"

//  The statistic's fields that differ, and the condition that any does.
#define S_STATISTIC_CHANGES                                                                                  \
    "concat_ws (', ',"                                                                                       \
    " CASE WHEN i.name_zh <> f.name_zh THEN format ('name_zh %s → %s', i.name_zh, f.name_zh) END,"         \
    " CASE WHEN i.name_en <> f.name_en THEN format ('name_en %s → %s', i.name_en, f.name_en) END,"         \
    " CASE WHEN i.measure_unit_code <> f.measure_unit_code THEN format ('measure_unit %s → %s',"           \
    "      i.measure_unit_code, f.measure_unit_code) END,"                                                   \
    " CASE WHEN i.value_min IS DISTINCT FROM f.value_min THEN format ('range.min %s → %s',"                \
    "      coalesce (i.value_min::text, '-'), coalesce (f.value_min::text, '-')) END,"                       \
    " CASE WHEN i.value_max IS DISTINCT FROM f.value_max THEN format ('range.max %s → %s',"                \
    "      coalesce (i.value_max::text, '-'), coalesce (f.value_max::text, '-')) END,"                       \
    " CASE WHEN i.by_sex <> f.by_sex THEN format ('by_sex %s → %s', i.by_sex, f.by_sex) END,"              \
    " CASE WHEN i.bodies IS DISTINCT FROM f.bodies THEN format ('bodies %s → %s',"                         \
    "      coalesce (array_to_string (i.bodies, ', '), '-'), coalesce (array_to_string (f.bodies, ', '),"    \
    "      '-')) END,"                                                                                       \
    " CASE WHEN i.aggregation::text <> f.aggregation THEN format ('aggregation %s → %s', i.aggregation,"   \
    "      f.aggregation) END,"                                                                              \
    " CASE WHEN i.frequency::text <> f.frequency THEN format ('frequency %s → %s', i.frequency,"           \
    "      f.frequency) END)"

#define S_STATISTIC_DIFFERS                                                                                  \
    "(i.name_zh <> f.name_zh OR i.name_en <> f.name_en OR i.measure_unit_code <> f.measure_unit_code"        \
    " OR i.value_min IS DISTINCT FROM f.value_min OR i.value_max IS DISTINCT FROM f.value_max"               \
    " OR i.by_sex <> f.by_sex OR i.bodies IS DISTINCT FROM f.bodies OR i.aggregation::text <> f.aggregation" \
    " OR i.frequency::text <> f.frequency)"

//  The plan's fields that differ, and the condition that any does.
#define S_PLAN_DIFFERS                                                                                       \
    "(p.title_zh <> f.title_zh OR p.title_en <> f.title_en OR p.subject <> f.subject"                        \
    " OR p.source <> f.source OR p.period_start <> f.period_start OR p.period_end <> f.period_end"           \
    " OR p.baseline_year <> f.baseline_year OR p.deadline_month <> f.deadline_month"                         \
    " OR p.deadline_day <> f.deadline_day)"

//  Whether target t, which the file no longer has, is kept (inactive)
//  rather than deleted: pf_keep, below.
#define S_KEPT "t.indicator_code IN (SELECT code FROM pf_keep)"

//  The targets the file no longer has that are kept, inactive: those
//  warnings name (a warning keeps the target it was raised against), and
//  those a kept target's relation names, and so on.  Made from the
//  database as it is before the import, for the difference and the
//  changes alike ($1 the plan's code).
static const char *s_keep_sql =
    "CREATE TEMP TABLE pf_keep ON COMMIT DROP AS"
    " WITH RECURSIVE keep (code) AS ("
    "  SELECT t.indicator_code FROM plan_target t WHERE t.plan_code = $1"
    "     AND t.indicator_code NOT IN (SELECT indicator_code FROM pf_target)"
    "     AND EXISTS (SELECT 1 FROM warning w WHERE w.plan_code = t.plan_code"
    "                    AND w.indicator_code = t.indicator_code)"
    "  UNION"
    "  SELECT t.relation_code FROM plan_target t JOIN keep k ON k.code = t.indicator_code"
    "   WHERE t.plan_code = $1 AND t.relation_code IS NOT NULL"
    "     AND t.relation_code NOT IN (SELECT indicator_code FROM pf_target))"
    " SELECT code FROM keep";

//  The difference, in parts (a compiler takes strings of 4095 bytes at
//  most), each one line a row: kind (1 added, 2 changed, 3 removed) and
//  text, in the order printed: the plan, its domains, the statistics, the
//  targets.  $1 is the plan's code.
static const char *s_diff_sql [] = {
    "SELECT 1, format ('plan %s: %s (%s–%s)', f.code, f.title_zh, f.period_start, f.period_end)"
    "  FROM pf_plan f WHERE NOT EXISTS (SELECT 1 FROM plan p WHERE p.code = f.code)"
    " UNION ALL"
    " SELECT 2, format ('plan %s: %s', p.code, concat_ws (', ',"
    "   CASE WHEN p.title_zh <> f.title_zh THEN format ('title_zh %s → %s', p.title_zh, f.title_zh) END,"
    "   CASE WHEN p.title_en <> f.title_en THEN format ('title_en %s → %s', p.title_en, f.title_en) END,"
    "   CASE WHEN p.subject <> f.subject THEN format ('subject %s → %s', p.subject, f.subject) END,"
    "   CASE WHEN p.source <> f.source THEN format ('source %s → %s', p.source, f.source) END,"
    "   CASE WHEN p.period_start <> f.period_start OR p.period_end <> f.period_end"
    "        THEN format ('period %s–%s → %s–%s', p.period_start, p.period_end, f.period_start,"
    "                     f.period_end) END,"
    "   CASE WHEN p.baseline_year <> f.baseline_year THEN format ('baseline_year %s → %s',"
    "        p.baseline_year, f.baseline_year) END,"
    "   CASE WHEN p.deadline_month <> f.deadline_month OR p.deadline_day <> f.deadline_day"
    "        THEN format ('report_deadline %s-%s → %s-%s', p.deadline_month, p.deadline_day,"
    "                     f.deadline_month, f.deadline_day) END))"
    "   FROM plan p JOIN pf_plan f USING (code) WHERE " S_PLAN_DIFFERS,
    //  domains
    "SELECT kind, line FROM ("
    " SELECT 1 AS kind, f.code AS key, format ('domain %s: %s %s / %s', f.code, f.ordinal, f.name_zh,"
    "        f.name_en) AS line"
    "   FROM pf_domain f WHERE NOT EXISTS (SELECT 1 FROM domain d WHERE d.plan_code = $1 AND d.code = f.code)"
    " UNION ALL"
    " SELECT 2, d.code, format ('domain %s: %s', d.code, concat_ws (', ',"
    "   CASE WHEN d.ordinal <> f.ordinal THEN format ('ordinal %s → %s', d.ordinal, f.ordinal) END,"
    "   CASE WHEN d.name_zh <> f.name_zh THEN format ('name_zh %s → %s', d.name_zh, f.name_zh) END,"
    "   CASE WHEN d.name_en <> f.name_en THEN format ('name_en %s → %s', d.name_en, f.name_en) END))"
    "   FROM domain d JOIN pf_domain f ON d.plan_code = $1 AND d.code = f.code"
    "  WHERE d.ordinal <> f.ordinal OR d.name_zh <> f.name_zh OR d.name_en <> f.name_en"
    " UNION ALL"
    " SELECT 3, d.code, format ('domain %s: %s%s', d.code, d.name_zh,"
    "        CASE WHEN EXISTS (SELECT 1 FROM plan_target t WHERE t.plan_code = $1 AND t.domain_code = d.code"
    "                             AND " S_KEPT ")"
    "             THEN '(保留,内有停用的目标 / kept for its inactive targets)' END)"
    "   FROM domain d WHERE d.plan_code = $1 AND d.code NOT IN (SELECT code FROM pf_domain)"
    //  not one dropped before, holding only the targets kept then
    "    AND (NOT EXISTS (SELECT 1 FROM plan_target t WHERE t.plan_code = $1 AND t.domain_code = d.code)"
    "         OR EXISTS (SELECT 1 FROM plan_target t WHERE t.plan_code = $1 AND t.domain_code = d.code"
    "                       AND (t.active OR NOT " S_KEPT ")))"
    ") d ORDER BY kind, key",
    //  statistics: new ones, and changes to those the database has
    "SELECT kind, line FROM ("
    " SELECT 1 AS kind, f.code AS key, format ('statistic %s: %s / %s (%s)', f.code, f.name_zh, f.name_en,"
    "        f.measure_unit_code) AS line"
    "   FROM pf_indicator f WHERE NOT EXISTS (SELECT 1 FROM indicator i WHERE i.code = f.code)"
    " UNION ALL"
    " SELECT 2, i.code, format ('statistic %s: %s', i.code, " S_STATISTIC_CHANGES ")"
    "   FROM indicator i JOIN pf_indicator f USING (code) WHERE " S_STATISTIC_DIFFERS
    ") d ORDER BY kind, key",
    //  targets
    "SELECT 1, format ('target %s: %s %s%s (%s)', f.indicator_code, f.target_kind,"
    "        coalesce (f.target_value::text, " S_RELATION (
        "f") "),"
             "        CASE WHEN f.active THEN '' ELSE ', inactive' END, f.clause_ref)"
             "   FROM pf_target f WHERE NOT EXISTS (SELECT 1 FROM plan_target t WHERE t.plan_code = $1"
             "        AND t.indicator_code = f.indicator_code)"
             "  ORDER BY f.indicator_code",
    "SELECT 2, format ('target %s: %s', t.indicator_code, " S_TARGET_CHANGES ")"
    "   FROM plan_target t JOIN pf_target f ON t.plan_code = $1 AND t.indicator_code = f.indicator_code"
    "  WHERE " S_TARGET_DIFFERS " ORDER BY t.indicator_code",
    "SELECT 3, format ('target %s: %s%s', t.indicator_code, t.clause_zh,"
    "        CASE WHEN " S_KEPT
    " THEN '(有预警或被保留的目标引用,保留为停用 / warnings or the relation of a kept target name it: kept, inactive)' END)"
    "   FROM plan_target t WHERE t.plan_code = $1"
    "    AND t.indicator_code NOT IN (SELECT indicator_code FROM pf_target)"
    "    AND NOT (" S_KEPT " AND NOT t.active)"
    "  ORDER BY t.indicator_code",
};

//  Make the tables what the temporary ones say ($1 the plan's code), in
//  an order the keys allow: ordinals that move step aside first (negated;
//  a plan's ordinals are unique), targets go before the domains they
//  leave, and each statement's foreign keys are checked at its end, so
//  that a target and the one its relation names may arrive together.
static const char *s_apply_sql [] = {
    "INSERT INTO plan (code, title_zh, title_en, subject, source, period_start, period_end, baseline_year,"
    "                  deadline_month, deadline_day)"
    " SELECT code, title_zh, title_en, subject, source, period_start, period_end, baseline_year,"
    "        deadline_month, deadline_day FROM pf_plan f"
    "  WHERE NOT EXISTS (SELECT 1 FROM plan p WHERE p.code = f.code)",
    "UPDATE plan p SET title_zh = f.title_zh, title_en = f.title_en, subject = f.subject, source = f.source,"
    "       period_start = f.period_start, period_end = f.period_end, baseline_year = f.baseline_year,"
    "       deadline_month = f.deadline_month, deadline_day = f.deadline_day"
    "  FROM pf_plan f WHERE p.code = f.code AND " S_PLAN_DIFFERS,
    //  domains
    "UPDATE domain d SET ordinal = -d.ordinal WHERE d.plan_code = $1 AND d.ordinal > 0"
    "   AND (d.code NOT IN (SELECT code FROM pf_domain)"
    "        OR EXISTS (SELECT 1 FROM pf_domain f WHERE f.code = d.code AND f.ordinal <> d.ordinal))",
    "UPDATE domain d SET ordinal = f.ordinal, name_zh = f.name_zh, name_en = f.name_en FROM pf_domain f"
    " WHERE d.plan_code = $1 AND d.code = f.code"
    "   AND (d.ordinal <> f.ordinal OR d.name_zh <> f.name_zh OR d.name_en <> f.name_en)",
    "INSERT INTO domain (code, plan_code, ordinal, name_zh, name_en)"
    " SELECT code, $1, ordinal, name_zh, name_en FROM pf_domain f"
    "  WHERE NOT EXISTS (SELECT 1 FROM domain d WHERE d.plan_code = $1 AND d.code = f.code)",
    //  statistics
    "INSERT INTO indicator (code, name_zh, name_en, measure_unit_code, value_min, value_max, by_sex, bodies,"
    "                       aggregation, frequency)"
    " SELECT code, name_zh, name_en, measure_unit_code, value_min, value_max, by_sex, bodies,"
    "        aggregation::aggregation, frequency::frequency FROM pf_indicator f"
    "  WHERE NOT EXISTS (SELECT 1 FROM indicator i WHERE i.code = f.code)",
    "UPDATE indicator i SET name_zh = f.name_zh, name_en = f.name_en, measure_unit_code = f.measure_unit_code,"
    "       value_min = f.value_min, value_max = f.value_max, by_sex = f.by_sex, bodies = f.bodies,"
    "       aggregation = f.aggregation::aggregation, frequency = f.frequency::frequency"
    "  FROM pf_indicator f WHERE i.code = f.code AND " S_STATISTIC_DIFFERS,
    //  targets
    "UPDATE plan_target t SET ordinal = -t.ordinal FROM pf_target f"
    " WHERE t.plan_code = $1 AND t.indicator_code = f.indicator_code AND t.ordinal > 0"
    "   AND (t.ordinal <> f.ordinal OR t.domain_code <> f.domain_code)",
    //  a target the file drops whose place in its domain the file gives
    //  another steps aside (deleted below, or kept and put after the
    //  domain's targets)
    "UPDATE plan_target t SET ordinal = -t.ordinal WHERE t.plan_code = $1 AND t.ordinal > 0"
    "   AND t.indicator_code NOT IN (SELECT indicator_code FROM pf_target)"
    "   AND EXISTS (SELECT 1 FROM pf_target f WHERE f.domain_code = t.domain_code AND f.ordinal = t.ordinal)",
    "INSERT INTO plan_target (plan_code, indicator_code, domain_code, ordinal, target_kind, target_value,"
    "                         target_year, relation_code, relation_op, clause_zh, clause_ref, note_zh,"
    "                         note_en, active, baseline_value, baseline_source)"
    " SELECT $1, indicator_code, domain_code, ordinal, target_kind::target_kind, target_value, target_year,"
    "        relation_code, relation_op, clause_zh, clause_ref, note_zh, note_en, active, baseline_value,"
    "        CASE WHEN baseline_value IS NOT NULL THEN 'plan' END"
    "   FROM pf_target f WHERE NOT EXISTS (SELECT 1 FROM plan_target t WHERE t.plan_code = $1"
    "        AND t.indicator_code = f.indicator_code)",
    "UPDATE plan_target t SET domain_code = f.domain_code, ordinal = f.ordinal,"
    "       target_kind = f.target_kind::target_kind, target_value = f.target_value,"
    "       target_year = f.target_year, relation_code = f.relation_code, relation_op = f.relation_op,"
    "       clause_zh = f.clause_zh, clause_ref = f.clause_ref, note_zh = f.note_zh, note_en = f.note_en,"
    "       active = f.active,"
    "       baseline_value = CASE WHEN f.baseline_value IS NOT NULL THEN f.baseline_value"
    "                             WHEN t.baseline_source = 'stored' THEN t.baseline_value END,"
    "       baseline_source = CASE WHEN f.baseline_value IS NOT NULL THEN 'plan'"
    "                              WHEN t.baseline_source = 'stored' THEN 'stored' END"
    "  FROM pf_target f WHERE t.plan_code = $1 AND t.indicator_code = f.indicator_code"
    "   AND (t.ordinal < 0 OR " S_TARGET_DIFFERS ")",
    //  after the file's targets have their relations: none names one of
    //  those dropped but what pf_keep keeps
    "DELETE FROM plan_target t WHERE t.plan_code = $1"
    "   AND t.indicator_code NOT IN (SELECT indicator_code FROM pf_target) AND NOT " S_KEPT,
    "UPDATE plan_target t SET active = false WHERE t.plan_code = $1 AND t.active"
    "   AND t.indicator_code NOT IN (SELECT indicator_code FROM pf_target)",
    "UPDATE plan_target t SET ordinal = m.top + m.rank"
    "  FROM (SELECT k.indicator_code,"
    "               row_number () OVER (PARTITION BY k.domain_code ORDER BY k.ordinal DESC) AS rank,"
    "               coalesce ((SELECT max (o.ordinal) FROM plan_target o WHERE o.plan_code = $1"
    "                             AND o.domain_code = k.domain_code), 0) AS top"
    "          FROM plan_target k WHERE k.plan_code = $1 AND k.ordinal < 0) m"
    " WHERE t.plan_code = $1 AND t.indicator_code = m.indicator_code",
    "DELETE FROM domain d WHERE d.plan_code = $1 AND d.code NOT IN (SELECT code FROM pf_domain)"
    "   AND NOT EXISTS (SELECT 1 FROM plan_target t WHERE t.plan_code = $1 AND t.domain_code = d.code)",
    //  a domain the file drops that kept targets are in stays, after the
    //  file's domains
    "UPDATE domain d SET ordinal = m.top + m.rank"
    "  FROM (SELECT k.code, row_number () OVER (ORDER BY k.ordinal DESC) AS rank,"
    "               coalesce ((SELECT max (o.ordinal) FROM domain o WHERE o.plan_code = $1), 0) AS top"
    "          FROM domain k WHERE k.plan_code = $1 AND k.ordinal < 0) m"
    " WHERE d.plan_code = $1 AND d.code = m.code",
};

//  Run sql with the plan's code as $1 (count 1) or none; on failure its
//  message in errors.
static int
s_exec (PGconn *conn, const char *sql, int count, const char *code, wdm_buf_t *errors)
{
    char err [1024] = "";
    const char *params [] = { code };
    PGresult *res = wdm_db_query (conn, sql, count, params, PGRES_COMMAND_OK, err, sizeof err);
    if (!res)
        wdm_buf_printf (errors, "%s\n", err);
    PQclear (res);
    return res ? 0 : -1;
}

//  COPY one text field, or NULL; then sep.
static int
s_copy (wdm_buf_t *rows, const char *text, char sep)
{
    return wdm_db_copy_text (rows, text, sep);
}

//  COPY an integer field; then sep.
static int
s_copy_long (wdm_buf_t *rows, long value, char sep)
{
    char text [32];
    snprintf (text, sizeof text, "%ld", value);
    return wdm_db_copy_text (rows, text, sep);
}

//  COPY the file's plan and domains into the temporary tables.
static int
s_load_head (PGconn *conn, const wdm_plan_file_t *file, wdm_buf_t *rows)
{
    const wdm_plan_head_t *h = &file->head;
    if (s_copy (rows, h->code, '\t') || s_copy (rows, h->title_zh, '\t') || s_copy (rows, h->title_en, '\t')
        || s_copy (rows, h->subject, '\t') || s_copy (rows, h->source, '\t')
        || s_copy_long (rows, h->period_start, '\t') || s_copy_long (rows, h->period_end, '\t')
        || s_copy_long (rows, h->baseline_year, '\t') || s_copy_long (rows, h->deadline_month, '\t')
        || s_copy_long (rows, h->deadline_day, '\n'))
        return -1;
    if (wdm_db_copy_send (conn, "pf_plan", rows))
        return -1;
    for (size_t i = 0; i < file->domain_count; i++) {
        const wdm_plan_domain_t *d = &file->domains [i];
        if (s_copy (rows, d->code, '\t') || s_copy_long (rows, d->ordinal, '\t')
            || s_copy (rows, d->name_zh, '\t') || s_copy (rows, d->name_en, '\n'))
            return -1;
    }
    return wdm_db_copy_send (conn, "pf_domain", rows);
}

//  COPY the file's statistics and targets into the temporary tables.
static int
s_load_indicators (PGconn *conn, const wdm_plan_file_t *file, wdm_buf_t *rows)
{
    for (size_t i = 0; i < file->indicator_count; i++) {
        const wdm_plan_indicator_t *x = &file->indicators [i];
        const char *bodies = x->bodies && strcmp (x->bodies, "{}") != 0 ? x->bodies : NULL;
        if (s_copy (rows, x->code, '\t') || s_copy (rows, x->name_zh, '\t') || s_copy (rows, x->name_en, '\t')
            || s_copy (rows, x->measure_unit, '\t') || s_copy (rows, x->value_min, '\t')
            || s_copy (rows, x->value_max, '\t') || s_copy (rows, x->by_sex ? "t" : "f", '\t')
            || s_copy (rows, bodies, '\t') || s_copy (rows, x->aggregation, '\t')
            || s_copy (rows, x->frequency, '\n'))
            return -1;
    }
    if (wdm_db_copy_send (conn, "pf_indicator", rows))
        return -1;
    for (size_t i = 0; i < file->indicator_count; i++) {
        const wdm_plan_indicator_t *x = &file->indicators [i];
        if (s_copy (rows, x->code, '\t') || s_copy (rows, x->domain, '\t')
            || s_copy_long (rows, x->ordinal, '\t') || s_copy (rows, x->kind, '\t')
            || s_copy (rows, x->value, '\t') || s_copy_long (rows, x->year, '\t')
            || s_copy (rows, x->relation, '\t') || s_copy (rows, x->relation_op, '\t')
            || s_copy (rows, x->clause_zh, '\t') || s_copy (rows, x->clause_ref, '\t')
            || s_copy (rows, x->note_zh, '\t') || s_copy (rows, x->note_en, '\t')
            || s_copy (rows, x->active ? "t" : "f", '\t') || s_copy (rows, x->baseline, '\n'))
            return -1;
    }
    return wdm_db_copy_send (conn, "pf_target", rows);
}

static int
s_load (PGconn *conn, const wdm_plan_file_t *file, wdm_buf_t *errors)
{
    wdm_buf_t rows = { 0 };
    int rc = s_load_head (conn, file, &rows) || s_load_indicators (conn, file, &rows) ? -1 : 0;
    if (rc)
        wdm_buf_printf (errors,
                        "数据库错误 / database error: cannot load the plan file's rows (see the log)\n");
    wdm_buf_free (&rows);
    return rc;
}

//  Write the difference to text, for printing once it is applied;
//  *changes its line count.
static int
s_diff (PGconn *conn, const char *code, wdm_buf_t *text, int *changes, wdm_buf_t *errors)
{
    static const char *labels [] = { "", "新增 / added:  ", "修改 / changed:", "删除 / removed:" };
    int counts [4] = { 0 };
    *changes = 0;
    for (size_t part = 0; part < sizeof s_diff_sql / sizeof s_diff_sql [0]; part++) {
        char err [1024] = "";
        const char *params [] = { code };
        int count = strstr (s_diff_sql [part], "$1") ? 1 : 0;
        PGresult *res =
            wdm_db_query (conn, s_diff_sql [part], count, params, PGRES_TUPLES_OK, err, sizeof err);
        if (!res) {
            wdm_buf_printf (errors, "%s\n", err);
            return -1;
        }
        for (int row = 0; row < PQntuples (res); row++) {
            int kind = atoi (PQgetvalue (res, row, 0));
            kind = kind >= 1 && kind <= 3 ? kind : 2;
            counts [kind]++;
            wdm_buf_printf (text, "%s %s\n", labels [kind], PQgetvalue (res, row, 1));
        }
        *changes += PQntuples (res);
        PQclear (res);
    }
    if (*changes == 0)
        wdm_buf_printf (text, "无变化 / no change\n");
    else
        wdm_buf_printf (text, "新增 %d、修改 %d、删除 %d / %d added, %d changed, %d removed\n", counts [1],
                        counts [2], counts [3], counts [1], counts [2], counts [3]);
    return 0;
}

//  After the changes: the plan's next version if it existed and changed
//  (existed: its version before, 0 when new); the current plan if asked
//  or none is.  Prints the version and the current plan to out.
static int
s_finish (PGconn *conn, const char *code, int existed, int changes, bool make_current, FILE *out,
          wdm_buf_t *errors)
{
    if (existed && changes
        && s_exec (conn, "UPDATE plan SET version = version + 1 WHERE code = $1", 1, code, errors))
        return -1;
    char err [512] = "";
    const char *params [] = { code };
    PGresult *res = wdm_db_query (conn,
                                  "SELECT version, current, NOT EXISTS (SELECT 1 FROM plan WHERE current)"
                                  "  FROM plan WHERE code = $1",
                                  1, params, PGRES_TUPLES_OK, err, sizeof err);
    if (!res || PQntuples (res) != 1) {
        wdm_buf_printf (errors, "%s\n", res ? "数据库错误 / database: the plan is missing" : err);
        PQclear (res);
        return -1;
    }
    bool current = PQgetvalue (res, 0, 1) [0] == 't', none_current = PQgetvalue (res, 0, 2) [0] == 't';
    if (out && changes)
        fprintf (out, "规划 %s 版本 / plan %s version: %s\n", code, code, PQgetvalue (res, 0, 0));
    PQclear (res);
    if (!current && (make_current || none_current)) {
        if (s_exec (conn, "UPDATE plan SET current = false WHERE current AND code <> $1", 1, code, errors)
            || s_exec (conn, "UPDATE plan SET current = true WHERE code = $1", 1, code, errors))
            return -1;
        if (out)
            fprintf (out, "当前规划 / current plan: %s\n", code);
    }
    return 0;
}

//  The first gap the plans' years leave, with this file's plan among
//  them: the last year before it, the first after it, and the plan that
//  begins after it.  The server accepts a record for a year within some
//  plan's baseline..end and needs those years to join into one run
//  (wdm_db_load_catalog); a gap would stop it loading its catalog.
static const char *s_gap_sql =
    "WITH p AS (SELECT code, baseline_year,"
    "                  max (period_end) OVER (ORDER BY baseline_year, code"
    "                                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before"
    "             FROM plan)"
    " SELECT before, baseline_year, code FROM p WHERE baseline_year > before + 1"
    "  ORDER BY baseline_year LIMIT 1";

//  REFUSED with the error at the file's period if the plans' years, the
//  file's plan applied, leave a gap; OK if not; FAILED if the query did.
static wdm_plan_result_t
s_check_years (PGconn *conn, wdm_plan_file_t *file, wdm_buf_t *errors)
{
    char err [512] = "";
    PGresult *res = wdm_db_query (conn, s_gap_sql, 0, NULL, PGRES_TUPLES_OK, err, sizeof err);
    if (!res) {
        wdm_buf_printf (errors, "%s\n", err);
        return WDM_PLAN_FAILED;
    }
    wdm_plan_result_t result = WDM_PLAN_OK;
    if (PQntuples (res)) {
        const wdm_yaml_node_t *plan = wdm_yaml_get (file->yaml, wdm_yaml_root (file->yaml), "plan");
        const char *before = PQgetvalue (res, 0, 0), *after = PQgetvalue (res, 0, 1);
        wdm_yaml_error (
            file->yaml, wdm_yaml_get (file->yaml, plan, "period"), "plan", "period",
            "各规划的年份(基线年至结束年)在 %s 与 %s 之间有空档(规划 %s 从 %s 年起):服务器只接收"
            "某一规划基线年至结束年内的数据,各规划的年份须相连 / the plans' years (baseline to end) "
            "leave a gap between %s and %s (plan %s begins at %s): the server accepts a year within "
            "some plan's baseline..end, and the plans' years must join",
            before, after, PQgetvalue (res, 0, 2), after, before, after, PQgetvalue (res, 0, 2), after);
        wdm_buf_printf (errors, "%s", wdm_yaml_errors (file->yaml));
        result = WDM_PLAN_REFUSED;
    }
    PQclear (res);
    return result;
}

//  The plan's version in the database, 0 if it has none; -1 on failure.
static int
s_version (PGconn *conn, const char *code, wdm_buf_t *errors)
{
    char err [512] = "";
    const char *params [] = { code };
    PGresult *res = wdm_db_query (conn, "SELECT version FROM plan WHERE code = $1", 1, params,
                                  PGRES_TUPLES_OK, err, sizeof err);
    if (!res) {
        wdm_buf_printf (errors, "%s\n", err);
        return -1;
    }
    int version = PQntuples (res) ? atoi (PQgetvalue (res, 0, 0)) : 0;
    PQclear (res);
    return version;
}

wdm_plan_result_t
wdm_plan_import (PGconn *conn, const char *path, bool dry_run, bool make_current, FILE *out,
                 wdm_buf_t *errors)
{
    wdm_plan_result_t result;
    wdm_plan_file_t *file = wdm_plan_file_read (conn, path, errors, &result);
    if (!file)
        return result;
    result = WDM_PLAN_FAILED;
    const char *code = file->head.code;
    int changes = 0;
    wdm_buf_t diff = { 0 };
    if (s_exec (conn, "BEGIN", 0, NULL, errors))
        goto cleanup;
    int existed = s_version (conn, code, errors);
    if (existed < 0)
        goto cleanup;
    for (size_t i = 0; i < sizeof s_temp_tables / sizeof s_temp_tables [0]; i++)
        if (s_exec (conn, s_temp_tables [i], 0, NULL, errors))
            goto cleanup;
    if (s_load (conn, file, errors) || s_exec (conn, s_keep_sql, 1, code, errors)
        || s_diff (conn, code, &diff, &changes, errors))
        goto cleanup;
    for (size_t i = 0; i < sizeof s_apply_sql / sizeof s_apply_sql [0]; i++)
        if (s_exec (conn, s_apply_sql [i], strstr (s_apply_sql [i], "$1") ? 1 : 0, code, errors))
            goto cleanup;
    if ((result = s_check_years (conn, file, errors)) != WDM_PLAN_OK)
        goto cleanup;
    result = WDM_PLAN_FAILED;
    if (out && diff.data)
        fputs (diff.data, out);
    if (s_finish (conn, code, existed, changes, make_current, out, errors))
        goto cleanup;
    if (s_exec (conn, dry_run ? "ROLLBACK" : "COMMIT", 0, NULL, errors))
        goto cleanup;
    if (out && dry_run)
        fprintf (out, "试运行,未作更改 / dry run: nothing was changed\n");
    result = WDM_PLAN_OK;
cleanup:
    if (PQtransactionStatus (conn) != PQTRANS_IDLE)
        PQclear (PQexec (conn, "ROLLBACK"));
    wdm_buf_free (&diff);
    wdm_plan_file_destroy (&file);
    return result;
}

int
wdm_plan_import_file (PGconn *conn, const char *path)
{
    wdm_buf_t errors = { 0 };
    wdm_plan_result_t result = wdm_plan_import (conn, path, false, false, NULL, &errors);
    if (result != WDM_PLAN_OK)
        wdm_log_error ("plan: %s: not imported:\n%s", path, errors.data ? errors.data : "");
    wdm_buf_free (&errors);
    return result == WDM_PLAN_OK ? 0 : -1;
}
