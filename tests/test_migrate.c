/*  test_migrate: on a real PostgreSQL, the migrations build the schema
    once, a second run applies nothing, a changed migration is refused, the
    catalog loads, and the roles can do what they are for and no more.  */

#include "wdm_db.h"
#include "wdm_log.h"
#include "wdm_migrate.h"
#include "wdm_plan.h"
#include "wdm_site.h"
#include "wdm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *s_conninfo = NULL;

//  The query's single value equals expected.
static void
s_expect (PGconn *conn, const char *sql, const char *expected)
{
    char *value = wdm_test_scalar (conn, sql);
    CU_ASSERT_PTR_NOT_NULL (value);
    if (value && strcmp (value, expected) != 0) {
        fprintf (stderr, "\n  %s\n  gave '%s', expected '%s'\n", sql, value, expected);
        CU_FAIL ("unexpected value");
    }
    free (value);
}

//  Run sql as role and return the SQLSTATE it failed with ("" if it worked).
static char *
s_sqlstate_as (PGconn *conn, const char *role, const char *sql)
{
    static char state [8];
    char set_role [64];
    snprintf (set_role, sizeof set_role, "SET ROLE %s", role);
    PQclear (PQexec (conn, "BEGIN"));
    PQclear (PQexec (conn, set_role));
    PGresult *res = PQexec (conn, sql);
    const char *code = PQresultErrorField (res, PG_DIAG_SQLSTATE);
    snprintf (state, sizeof state, "%s", code ? code : "");
    PQclear (res);
    PQclear (PQexec (conn, "ROLLBACK"));
    return state;
}

static void
test_apply_then_nothing_more (void)
{
    PGconn *conn = wdm_db_connect (s_conninfo);
    CU_ASSERT_PTR_NOT_NULL_FATAL (conn);
    int applied = -1;
    CU_ASSERT_EQUAL (wdm_migrate_apply (conn, &applied), 0);
    CU_ASSERT_EQUAL (applied, wdm_migrate_bundle_size);
    CU_ASSERT_TRUE (wdm_migrate_bundle_size >= 5);

    char expected [16];
    snprintf (expected, sizeof expected, "%d", wdm_migrate_bundle_size);
    s_expect (conn, "SELECT count(*) FROM wdmon.schema_migration", expected);
    s_expect (conn, "SELECT name FROM wdmon.schema_migration WHERE version = 1", "001_schema.sql");

    applied = -1;
    CU_ASSERT_EQUAL (wdm_migrate_apply (conn, &applied), 0);
    CU_ASSERT_EQUAL (applied, 0);
    s_expect (conn, "SELECT count(*) FROM wdmon.schema_migration", expected);
    //  The migrations hold no plan and no site data; the plan's file and
    //  the demo's site file bring them, the plan first.
    s_expect (conn, "SELECT count(*) FROM wdmon.member_unit", "0");
    s_expect (conn, "SELECT count(*) FROM wdmon.indicator", "0");
    CU_ASSERT_EQUAL (wdm_plan_import_file (conn, WDM_PLAN_FILE), 0);
    CU_ASSERT_EQUAL (wdm_site_import_file (conn, WDM_SITE_FILE), 0);
    s_expect (conn, "SELECT count(*) FROM wdmon.area", "31");
    s_expect (conn, "SELECT count(*) FROM wdmon.member_unit", "56");
    s_expect (conn,
              "SELECT count(DISTINCT t.indicator_code) FROM wdmon.plan_target t WHERE t.active AND NOT EXISTS"
              " (SELECT 1 FROM wdmon.responsibility r WHERE r.indicator_code = t.indicator_code AND r.lead)",
              "0");
    PQfinish (conn);
}

static void
test_schema_is_there (void)
{
    PGconn *conn = wdm_test_connect (s_conninfo);
    static const char *tables [] = { "plan",   "domain",         "measure_unit", "indicator",
                                     "area",   "member_unit",    "unit_key",     "responsibility",
                                     "reason", "ingest_batch",   "observation",  "rejected_record",
                                     "rule",   "rule_threshold", "warning",      "warning_event" };
    for (size_t i = 0; i < sizeof tables / sizeof tables [0]; i++) {
        char sql [128];
        snprintf (sql, sizeof sql, "SELECT to_regclass('wdmon.%s') IS NOT NULL", tables [i]);
        s_expect (conn, sql, "t");
    }
    s_expect (conn,
              "SELECT count(*) FROM pg_roles WHERE rolname IN "
              "('wdmon_writer', 'wdmon_reader', 'wdmon_admin')",
              "3");
    s_expect (conn, "SELECT count(*) FROM rule", "9");
    s_expect (conn,
              "SELECT value FROM rule_threshold WHERE rule_code = 'behind_schedule'"
              " AND param = 'red_pp' AND indicator_code IS NULL",
              "30");
    s_expect (conn, "SELECT name FROM reason WHERE code = 403", "not_authorised");
    PQfinish (conn);
}

static void
test_changed_migration_is_refused (void)
{
    PGconn *conn = wdm_db_connect (s_conninfo);
    CU_ASSERT_PTR_NOT_NULL_FATAL (conn);
    //  As if 002 had been edited after it was applied.
    PQclear (PQexec (
        conn, "UPDATE wdmon.schema_migration SET checksum = 'tampered:' || checksum WHERE version = 2"));
    int applied = -1;
    CU_ASSERT_EQUAL (wdm_migrate_apply (conn, &applied), -1);
    CU_ASSERT_EQUAL (applied, 0);
    PQclear (PQexec (conn,
                     "UPDATE wdmon.schema_migration SET checksum = substr(checksum, 10)"
                     " WHERE version = 2"));
    CU_ASSERT_EQUAL (wdm_migrate_apply (conn, &applied), 0);
    PQfinish (conn);
}

//  004 and 012 lost their site data to deploy/site (issue 13): a database
//  that applied their earlier texts is up to date, not refused; any other
//  text is still refused.
static void
test_earlier_checksum_accepted (void)
{
    PGconn *conn = wdm_db_connect (s_conninfo);
    CU_ASSERT_PTR_NOT_NULL_FATAL (conn);
    PQclear (PQexec (conn,
                     "UPDATE wdmon.schema_migration SET checksum = CASE version"
                     " WHEN 4 THEN '62dc30d44086d6c471ed1491d80fc20c'"
                     " WHEN 12 THEN '796c7ce41e567c387d593e8b2a7d4923' END WHERE version IN (4, 12)"));
    int applied = -1;
    CU_ASSERT_EQUAL (wdm_migrate_apply (conn, &applied), 0);
    CU_ASSERT_EQUAL (applied, 0);
    PQclear (PQexec (conn, "UPDATE wdmon.schema_migration SET checksum = md5 ('edited') WHERE version = 4"));
    CU_ASSERT_EQUAL (wdm_migrate_apply (conn, &applied), -1);
    PQclear (PQexec (conn, "UPDATE wdmon.schema_migration SET checksum = md5 ('edited') WHERE version = 12"));
    PQclear (PQexec (conn,
                     "UPDATE wdmon.schema_migration SET checksum = '62dc30d44086d6c471ed1491d80fc20c'"
                     " WHERE version = 4"));
    CU_ASSERT_EQUAL (wdm_migrate_apply (conn, &applied), -1);
    //  Back to the texts this program carries.
    for (int i = 0; i < wdm_migrate_bundle_size; i++) {
        char version [16];
        snprintf (version, sizeof version, "%d", wdm_migrate_bundle [i].version);
        const char *params [] = { version, wdm_migrate_bundle [i].sql };
        PQclear (PQexecParams (conn,
                               "UPDATE wdmon.schema_migration SET checksum = md5 ($2) WHERE version = $1", 2,
                               NULL, params, NULL, NULL, 0));
    }
    CU_ASSERT_EQUAL (wdm_migrate_apply (conn, &applied), 0);
    PQfinish (conn);
}

static void
test_catalog_loads (void)
{
    PGconn *conn = wdm_db_connect (s_conninfo);
    CU_ASSERT_PTR_NOT_NULL_FATAL (conn);
    wdm_catalog_t *catalog = wdm_db_load_catalog (conn);
    CU_ASSERT_PTR_NOT_NULL_FATAL (catalog);
    CU_ASSERT_EQUAL (wdm_catalog_first_year (catalog), 2020);
    CU_ASSERT_EQUAL (wdm_catalog_last_year (catalog), 2025);
    char *count =
        wdm_test_scalar (conn, "SELECT count(DISTINCT indicator_code) FROM plan_target WHERE active");
    CU_ASSERT_PTR_NOT_NULL_FATAL (count);
    CU_ASSERT_EQUAL (wdm_catalog_size (catalog), atoi (count));
    CU_ASSERT_TRUE (atoi (count) >= 30);
    free (count);

    //  Maternal mortality is a rate per 100,000 that carries its scale.
    char *code = wdm_test_scalar (
        conn,
        "SELECT indicator_code FROM plan_target WHERE clause_zh LIKE '%孕产妇死亡率控制在8.5/10万以下%'");
    CU_ASSERT_PTR_NOT_NULL_FATAL (code);
    const wdm_indicator_t *mmr = wdm_catalog_find (catalog, code);
    CU_ASSERT_PTR_NOT_NULL_FATAL (mmr);
    CU_ASSERT_DOUBLE_EQUAL (mmr->scale, 100000, 1e-9);
    CU_ASSERT_TRUE (mmr->has_min && mmr->value_min == 0);
    free (code);
    wdm_catalog_destroy (&catalog);
    PQfinish (conn);
}

//  The server takes a year within any plan's baseline..end (issue 14): a
//  second plan for 2026-2030 (baseline 2025) widens the years to 2030; a
//  plan that leaves a gap between its years and the others' is refused
//  rather than letting the gap's years in.
static void
test_catalog_spans_every_plan (void)
{
    PGconn *conn = wdm_db_connect (s_conninfo);
    CU_ASSERT_PTR_NOT_NULL_FATAL (conn);
    PQclear (PQexec (conn, "BEGIN"));
    s_expect (conn,
              "INSERT INTO wdmon.plan (code, title_zh, title_en, source, period_start, period_end,"
              "                        baseline_year)"
              " VALUES ('aaa-test-2026-2030', '测试规划', 'Test plan', 'test', 2026, 2030, 2025)"
              " RETURNING code",
              "aaa-test-2026-2030");
    wdm_catalog_t *catalog = wdm_db_load_catalog (conn);
    CU_ASSERT_PTR_NOT_NULL_FATAL (catalog);
    CU_ASSERT_EQUAL (wdm_catalog_first_year (catalog), 2020);
    CU_ASSERT_EQUAL (wdm_catalog_last_year (catalog), 2030);
    wdm_catalog_destroy (&catalog);
    s_expect (conn,
              "INSERT INTO wdmon.plan (code, title_zh, title_en, source, period_start, period_end,"
              "                        baseline_year)"
              " VALUES ('aab-test-2036-2040', '测试规划', 'Test plan', 'test', 2036, 2040, 2035)"
              " RETURNING code",
              "aab-test-2036-2040");
    catalog = wdm_db_load_catalog (conn);
    CU_ASSERT_PTR_NULL (catalog);
    wdm_catalog_destroy (&catalog);
    PQclear (PQexec (conn, "ROLLBACK"));
    PQfinish (conn);
}

static void
test_roles (void)
{
    PGconn *conn = wdm_test_connect (s_conninfo);
    //  Analysts read the catalog and observations but never key material,
    //  and write nothing.
    CU_ASSERT_STRING_EQUAL (s_sqlstate_as (conn, "wdmon_reader", "SELECT count(*) FROM wdmon.indicator"), "");
    CU_ASSERT_STRING_EQUAL (
        s_sqlstate_as (conn, "wdmon_reader", "SELECT count(*) FROM wdmon.observation_latest"), "");
    CU_ASSERT_STRING_EQUAL (s_sqlstate_as (conn, "wdmon_reader", "SELECT public_key FROM wdmon.unit_key"),
                            "42501");
    CU_ASSERT_STRING_EQUAL (s_sqlstate_as (conn, "wdmon_reader", "DELETE FROM wdmon.observation"), "42501");
    CU_ASSERT_STRING_EQUAL (
        s_sqlstate_as (conn, "wdmon_reader",
                       "INSERT INTO wdmon.observation (indicator_code, area_code, year, value,"
                       " unit_code, rec_epoch, rec_seq) VALUES ('HE03', 'wuqing', 2024, 1,"
                       " 'health_commission', 1, 1)"),
        "42501");
    CU_ASSERT_STRING_EQUAL (s_sqlstate_as (conn, "wdmon_reader",
                                           "INSERT INTO wdmon.unit_key (public_key, unit_code)"
                                           " VALUES (repeat ('a', 40), 'health_commission')"),
                            "42501");
    CU_ASSERT_STRING_EQUAL (
        s_sqlstate_as (conn, "wdmon_reader", "UPDATE wdmon.unit_key SET state = 'revoked'"), "42501");
    CU_ASSERT_STRING_EQUAL (
        s_sqlstate_as (conn, "wdmon_reader", "UPDATE wdmon.warning SET state = 'resolved'"), "42501");
    CU_ASSERT_STRING_EQUAL (
        s_sqlstate_as (conn, "wdmon_reader", "UPDATE wdmon.plan_target SET target_value = 0"), "42501");
    //  The server writes observations and warnings, not the catalog, and
    //  never rewrites an observation.
    CU_ASSERT_STRING_EQUAL (s_sqlstate_as (conn, "wdmon_writer", "SELECT count(*) FROM wdmon.unit_key"), "");
    CU_ASSERT_STRING_EQUAL (
        s_sqlstate_as (conn, "wdmon_writer", "UPDATE wdmon.plan_target SET target_value = 0"), "42501");
    CU_ASSERT_STRING_EQUAL (s_sqlstate_as (conn, "wdmon_writer", "UPDATE wdmon.observation SET value = 0"),
                            "42501");
    CU_ASSERT_STRING_EQUAL (s_sqlstate_as (conn, "wdmon_writer", "DELETE FROM wdmon.observation"), "42501");
    //  Administrators may change the catalog.
    CU_ASSERT_STRING_EQUAL (
        s_sqlstate_as (conn, "wdmon_admin", "UPDATE wdmon.rule_threshold SET value = value"), "");
    PQfinish (conn);
}

//  Run sql in the open transaction and expect SQLSTATE state ("" for
//  none: it succeeds), then roll back to savepoint.  A statement that does
//  otherwise is printed with what the database said.
static void
s_expect_state (PGconn *conn, const char *sql, const char *state, const char *savepoint)
{
    PGresult *res = PQexec (conn, sql);
    const char *got = PQresultErrorField (res, PG_DIAG_SQLSTATE);
    if (strcmp (got ? got : "", state) != 0)
        fprintf (stderr, "\n  %s: %s\n", sql, PQresultErrorMessage (res));
    CU_ASSERT_STRING_EQUAL (got ? got : "", state);
    PQclear (res);
    char rollback [64];
    snprintf (rollback, sizeof rollback, "ROLLBACK TO %s", savepoint);
    PQclear (PQexec (conn, rollback));
}

//  observation's references are checked per statement (009), with the
//  error a foreign key gives: a bad row in a batch of good ones fails the
//  whole insert, and a referenced row cannot be deleted or renamed.
static void
test_observation_references (void)
{
    PGconn *conn = wdm_db_connect (s_conninfo);
    CU_ASSERT_PTR_NOT_NULL_FATAL (conn);
    PQclear (PQexec (conn, "BEGIN"));
    s_expect (conn,
              "INSERT INTO wdmon.ingest_batch (unit_code, epoch, batch_no, record_count)"
              " VALUES ('health_commission', 1, 1, 3) RETURNING id > 0",
              "t");
    PQclear (PQexec (conn, "SAVEPOINT fresh"));
    static const char *good =
        "INSERT INTO wdmon.observation (indicator_code, area_code, year, value, unit_code,"
        " rec_epoch, rec_seq, batch_id) SELECT 'HE03', 'wuqing', 2024, 9, 'health_commission',"
        " 1, 1, max (id) FROM wdmon.ingest_batch";
    static const char *bad [] = {
        "VALUES ('HE03', 'wuqing', 2023, 9, 'health_commission', 1, 2, NULL),"
        "       ('XX99', 'wuqing', 2024, 9, 'health_commission', 1, 3, NULL)",
        "VALUES ('HE03', 'nowhere', 2024, 9, 'health_commission', 1, 3, NULL)",
        "VALUES ('HE03', 'wuqing', 2022, 9, 'no_such_unit', 1, 3, NULL)",
        "VALUES ('HE03', 'wuqing', 2022, 9, 'health_commission', 1, 3, -1)",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        char sql [512];
        snprintf (sql, sizeof sql,
                  "INSERT INTO wdmon.observation (indicator_code, area_code,"
                  " year, value, unit_code, rec_epoch, rec_seq, batch_id) %s",
                  bad [i]);
        s_expect_state (conn, sql, "23503", "fresh");
    }
    PGresult *res = PQexec (conn, good);
    CU_ASSERT_EQUAL (PQresultStatus (res), PGRES_COMMAND_OK);
    PQclear (res);
    PQclear (PQexec (conn, "SAVEPOINT stored"));
    static const char *refused [] = {
        "DELETE FROM wdmon.ingest_batch",
        "UPDATE wdmon.indicator SET code = 'HE03b' WHERE code = 'HE03'",
        "UPDATE wdmon.member_unit SET code = 'hc' WHERE code = 'health_commission'",
        "UPDATE wdmon.area SET code = 'wq' WHERE code = 'wuqing'",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused [0]; i++)
        s_expect_state (conn, refused [i], "23503", "stored");
    //  Other changes to a referenced row go through.
    s_expect_state (conn, "UPDATE wdmon.indicator SET name_en = name_en WHERE code = 'HE03'", "", "stored");
    PQclear (PQexec (conn, "ROLLBACK"));
    PQfinish (conn);
}

//  warning's references are checked per statement (069), with the error
//  a foreign key gives: a warning naming a rule, area, unit or target
//  that does not exist is refused, and what a warning names cannot be
//  deleted or renamed; raising and resolving it set no key and pass.  So
//  are an event's (071): an event of no warning is refused, and a
//  warning with events cannot be deleted or take another id.
static void
test_warning_references (void)
{
    PGconn *conn = wdm_db_connect (s_conninfo);
    CU_ASSERT_PTR_NOT_NULL_FATAL (conn);
    PQclear (PQexec (conn, "BEGIN"));
    PQclear (PQexec (conn, "SAVEPOINT fresh"));
    //  rule, area, unit, plan, indicator: each bad in turn.
    static const char *bad [] = {
        "'no_rule', 'wuqing', 'health_commission', t.plan_code, 'HE03'",
        "'not_met', 'nowhere', 'health_commission', t.plan_code, 'HE03'",
        "'not_met', 'wuqing', 'no_such_unit', t.plan_code, 'HE03'",
        "'not_met', 'wuqing', NULL, 'no_plan', 'HE03'",
        "'not_met', 'wuqing', NULL, t.plan_code, 'XX99'",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        char sql [640];
        snprintf (sql, sizeof sql,
                  "INSERT INTO wdmon.warning (rule_code, area_code, unit_code, plan_code, indicator_code,"
                  " year, level, message_zh, message_en)"
                  " SELECT %s, 2024, 'red', '测试', 'test' FROM wdmon.plan_target t"
                  "  WHERE t.indicator_code = 'HE03' LIMIT 1",
                  bad [i]);
        s_expect_state (conn, sql, "23503", "fresh");
    }
    PGresult *res =
        PQexec (conn,
                "INSERT INTO wdmon.warning (rule_code, area_code, unit_code, plan_code, indicator_code,"
                " year, level, message_zh, message_en)"
                " SELECT 'missing', 'wuqing', 'health_commission', t.plan_code, 'HE03', 2024, 'red',"
                "        '测试', 'test' FROM wdmon.plan_target t WHERE t.indicator_code = 'HE03' LIMIT 1");
    CU_ASSERT_EQUAL (PQresultStatus (res), PGRES_COMMAND_OK);
    CU_ASSERT_STRING_EQUAL (PQcmdTuples (res), "1");
    PQclear (res);
#define S_EVENT(id)                                                                                          \
    "INSERT INTO wdmon.warning_event (warning_id, transition, level, message_zh, message_en)"                \
    " SELECT " id ", 'open', 'red', '测试', 'test' FROM wdmon.warning"
    PQclear (PQexec (conn, "SAVEPOINT warned"));
    s_expect_state (conn, S_EVENT ("max (id) + 1"), "23503", "warned");
    res = PQexec (conn, S_EVENT ("max (id)"));
#undef S_EVENT
    CU_ASSERT_STRING_EQUAL (PQcmdTuples (res), "1");
    PQclear (res);
    PQclear (PQexec (conn, "SAVEPOINT stored"));
    static const char *refused [] = {
        "DELETE FROM wdmon.warning",
        "UPDATE wdmon.warning SET id = id + 1000000",
        "UPDATE wdmon.warning_event SET warning_id = warning_id + 1000000",
        "UPDATE wdmon.rule SET code = 'missing2' WHERE code = 'missing'",
        "UPDATE wdmon.area SET code = 'wq' WHERE code = 'wuqing'",
        "DELETE FROM wdmon.member_unit WHERE code = 'health_commission'",
        "DELETE FROM wdmon.plan_target WHERE indicator_code = 'HE03'",
        "UPDATE wdmon.warning SET area_code = 'nowhere'",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused [0]; i++)
        s_expect_state (conn, refused [i], "23503", "stored");
    //  What a warning's life changes goes through, and so do other changes
    //  to the rows it names.
    static const char *allowed [] = {
        "UPDATE wdmon.warning SET state = 'resolved', resolved_at = now ()",
        "UPDATE wdmon.area SET name_en = name_en WHERE code = 'wuqing'",
        "UPDATE wdmon.plan_target SET active = active WHERE indicator_code = 'HE03'",
    };
    for (size_t i = 0; i < sizeof allowed / sizeof allowed [0]; i++)
        s_expect_state (conn, allowed [i], "", "stored");
    PQclear (PQexec (conn, "ROLLBACK"));
    PQfinish (conn);
}

//  report_owed's first value within the unit's area (070): over a large
//  area (more than 64 areas within) read in order of arrival, over a
//  small one area by area; both must find the earliest value within the
//  area, at any depth, and none from outside it.  The site has 31 areas:
//  70 villages under one town make it and the district large.
static void
test_owed_first_value (void)
{
    PGconn *conn = wdm_db_connect (s_conninfo);
    CU_ASSERT_PTR_NOT_NULL_FATAL (conn);
    PQclear (PQexec (conn, "BEGIN"));
    PQclear (PQexec (conn,
                     "INSERT INTO wdmon.area (code, parent_code, level, name_zh, name_en)"
                     " SELECT 'yc' || n, 'yangcun', 'village', '村' || n, 'Village ' || n"
                     "   FROM generate_series (1, 70) n"));
    s_expect (conn,
              "SELECT string_agg (area_code || ' ' || n, ', ' ORDER BY area_code) FROM (SELECT area_code,"
              " count (*) AS n FROM wdmon.area_closure WHERE area_code IN ('wuqing', 'yangcun', 'dongpuwa')"
              " GROUP BY area_code) c",
              "dongpuwa 1, wuqing 101, yangcun 71");
    s_expect (conn,
              "INSERT INTO wdmon.ingest_batch (unit_code, epoch, batch_no, record_count)"
              " VALUES ('street_yangcun', 7, 1, 6) RETURNING id > 0",
              "t");
    //  DM17 2023, owed per body: two values of 政府 in yangcun's villages,
    //  the earlier at 09:00; an earlier one (08:00) in dongpuwa, and one
    //  of another body (07:00) in yangcun.  HE03 2023: one value two
    //  levels below the district.
    PQclear (PQexec (conn,
                     "INSERT INTO wdmon.observation (indicator_code, area_code, year, body, value,"
                     " unit_code, rec_epoch, rec_seq, batch_id, received_at)"
                     " SELECT i, a, 2023, b, 1, 'street_yangcun', 7, s,"
                     "        currval ('wdmon.ingest_batch_id_seq'), t::timestamptz"
                     "   FROM (VALUES ('DM17', 'yc5', '政府', 1, '2024-03-01 10:00+08'),"
                     "                ('DM17', 'yc6', '政府', 2, '2024-03-01 09:00+08'),"
                     "                ('DM17', 'dongpuwa', '政府', 3, '2024-03-01 08:00+08'),"
                     "                ('DM17', 'yc8', '党(工)委', 4, '2024-03-01 07:00+08'),"
                     "                ('HE03', 'yc7', '', 5, '2024-03-01 11:00+08')) v (i, a, b, s, t)"));
    s_expect (
        conn,
        "SELECT string_agg (unit_code || ' ' || indicator_code || ' '"
        "        || coalesce (to_char (first_received AT TIME ZONE 'Asia/Shanghai', 'HH24:MI'), '-'),"
        "        ', ' ORDER BY unit_code, indicator_code)"
        "  FROM wdmon.report_owed WHERE year = 2023 AND body IN ('', '政府')"
        "   AND (unit_code, indicator_code) IN (('street_yangcun', 'DM17'), ('street_dongpuwa', 'DM17'),"
        "        ('street_xuguantun', 'DM17'), ('health_commission', 'HE03'))",
        "health_commission HE03 11:00, street_dongpuwa DM17 08:00, street_xuguantun DM17 -,"
        " street_yangcun DM17 09:00");
    PQclear (PQexec (conn, "ROLLBACK"));
    PQfinish (conn);
}

int
main (void)
{
    if (!wdm_test_pguri ()) {
        fprintf (stderr, "WDM_TEST_PGURI is not set: run tests/run.sh\n");
        return WDM_TEST_SKIP;
    }
    s_conninfo = wdm_test_db_new ("wdm_test_migrate");
    if (!s_conninfo)
        return 2;
    wdm_log_init ("test_migrate", WDM_LOG_WARN, NULL);
    static const wdm_test_case_t tests [] = {
        { "migrations apply once; a second run applies none", test_apply_then_nothing_more },
        { "every table, role, rule and reason is there", test_schema_is_there },
        { "a migration changed after it was applied is refused", test_changed_migration_is_refused },
        { "004 and 012 as they were before the site file are accepted", test_earlier_checksum_accepted },
        { "the catalog loads from the database", test_catalog_loads },
        { "the catalog spans the years of every plan", test_catalog_spans_every_plan },
        { "each role can do what it is for and no more", test_roles },
        { "observation's references are checked, per statement", test_observation_references },
        { "warning's references are checked, per statement", test_warning_references },
        { "a report's first value is found within large and small areas", test_owed_first_value },
    };
    int rc = wdm_test_run_suite ("migrate", tests, sizeof tests / sizeof tests [0]);
    free (s_conninfo);
    return rc;
}
