/*  wdm_resp: list, assign and drop responsibilities.  See wdm_resp.h.  */

#include "wdm_resp.h"
#include "wdm_check.h"
#include "wdm_db.h"

#include <stdlib.h>
#include <string.h>

//  Find code's one row with sql ($1 the code): the result, which the
//  caller clears; or NULL with *result REFUSED (message "没有<what_zh>
//  code / no <what_en> code" and the nearest of codes_sql) or FAILED.
static PGresult *
s_find (PGconn *conn, const char *sql, const char *code, const char *what_zh, const char *what_en,
        const char *codes_sql, wdm_check_result_t *result, char *message, size_t message_size)
{
    *result = WDM_CHECK_FAILED;
    PGresult *res = wdm_db_query (conn, sql, 1, &code, PGRES_TUPLES_OK, message, message_size);
    if (res && PQntuples (res) != 1) {
        snprintf (message, message_size, "没有%s %s / no %s %s", what_zh, code, what_en, code);
        wdm_check_suggest (conn, codes_sql, code, message, message_size);
        *result = WDM_CHECK_REFUSED;
        PQclear (res);
        res = NULL;
    }
    return res;
}

#define S_ACTIVE "EXISTS (SELECT 1 FROM plan_target t WHERE t.indicator_code = i.code AND t.active)"

//  Check that the indicator and the unit exist (either may be NULL: not
//  checked), naming a bad one with its nearest codes.  With lock, the
//  indicator's row is locked until the transaction ends, so that two
//  changes to its leads take turns.  The indicator's name, the unit's name
//  and whether the indicator is active are copied out when asked for.
static wdm_check_result_t
s_check (PGconn *conn, const char *indicator, const char *unit, bool lock, char *indicator_name,
         char *unit_name, size_t name_size, bool *active, char *message, size_t message_size)
{
    wdm_check_result_t result = WDM_CHECK_OK;
    PGresult *res = NULL;
    if (indicator) {
        res = s_find (conn,
                      //  Active: some plan judges it (sql/020), so a report is owed.
                      lock ? "SELECT name_zh, " S_ACTIVE " FROM indicator i WHERE code = $1 FOR UPDATE OF i"
                           : "SELECT name_zh, " S_ACTIVE " FROM indicator i WHERE code = $1",
                      indicator, "指标", "indicator", "SELECT code, name_zh FROM indicator ORDER BY code",
                      &result, message, message_size);
        if (!res)
            return result;
        if (indicator_name)
            snprintf (indicator_name, name_size, "%s", PQgetvalue (res, 0, 0));
        if (active)
            *active = PQgetvalue (res, 0, 1) [0] == 't';
        PQclear (res);
    }
    if (unit) {
        res =
            s_find (conn, "SELECT name_zh FROM member_unit WHERE code = $1", unit, "成员单位", "member unit",
                    "SELECT code, name_zh FROM member_unit ORDER BY code", &result, message, message_size);
        if (!res)
            return result;
        if (unit_name)
            snprintf (unit_name, name_size, "%s", PQgetvalue (res, 0, 0));
        PQclear (res);
    }
    return WDM_CHECK_OK;
}

wdm_check_result_t
wdm_resp_list (PGconn *conn, const char *indicator, const char *unit, wdm_table_format_t format, FILE *out,
               char *message, size_t message_size)
{
    wdm_check_result_t result =
        s_check (conn, indicator, unit, false, NULL, NULL, 0, NULL, message, message_size);
    if (result != WDM_CHECK_OK)
        return result;
    const char *params [] = { indicator, unit };
    if (wdm_table_query (conn,
                         "SELECT r.indicator_code AS indicator, i.name_zh AS indicator_name,"
                         "       r.unit_code AS unit, u.name_zh AS unit_name,"
                         "       CASE WHEN r.lead THEN 'lead' ELSE 'contributes' END AS role,"
                         "       u.area_code AS area, a.name_zh AS area_name"
                         "  FROM responsibility r JOIN indicator i ON i.code = r.indicator_code"
                         "  JOIN member_unit u ON u.code = r.unit_code JOIN area a ON a.code = u.area_code"
                         " WHERE ($1::text IS NULL OR r.indicator_code = $1)"
                         "   AND ($2::text IS NULL OR r.unit_code = $2)"
                         " ORDER BY r.indicator_code, NOT r.lead, r.unit_code",
                         2, params, format, out)) {
        snprintf (message, message_size, "数据库错误 / database error (logged)");
        return WDM_CHECK_FAILED;
    }
    return WDM_CHECK_OK;
}

//  The pair a change is about, as s_begin found it.
typedef struct {
    char indicator_name [256], unit_name [256];
    bool active;  //  the indicator is in use: it must keep a lead
    int role;     //  1 lead, 0 contributes, -1 no such pair
} s_pair_t;

//  Taking the unit's lead role away must leave an active indicator
//  another lead, unless force: WDM_CHECK_OK if it does (or the unit does
//  not lead, or the indicator is not active, or force), else
//  WDM_CHECK_REFUSED with the refusal in message (or WDM_CHECK_FAILED with
//  the database's error).
static wdm_check_result_t
s_keep_lead (PGconn *conn, const char *indicator, const char *unit, const s_pair_t *pair, bool force,
             char *message, size_t message_size)
{
    if (pair->role != 1 || !pair->active || force)
        return WDM_CHECK_OK;
    const char *params [] = { indicator, unit };
    PGresult *res = wdm_db_query (conn,
                                  "SELECT EXISTS (SELECT 1 FROM responsibility"
                                  "                WHERE indicator_code = $1 AND unit_code <> $2 AND lead)",
                                  2, params, PGRES_TUPLES_OK, message, message_size);
    if (!res)
        return WDM_CHECK_FAILED;
    bool other = PQgetvalue (res, 0, 0) [0] == 't';
    PQclear (res);
    if (other)
        return WDM_CHECK_OK;
    snprintf (message, message_size,
              "%s %s 的牵头单位只有 %s %s:每个在用指标都须有牵头单位。请先指定另一个牵头单位"
              "(wdmon responsibility assign --indicator %s --unit CODE),或加 --force。\n"
              "%s's last lead is %s: every active indicator must keep a lead; assign "
              "another lead first, or give --force",
              indicator, pair->indicator_name, unit, pair->unit_name, indicator, indicator, unit);
    return WDM_CHECK_REFUSED;
}

//  Open a transaction and check the pair's codes, locking the indicator;
//  the names, whether the indicator is active and the pair's current role
//  in *pair.
static wdm_check_result_t
s_begin (PGconn *conn, const char *indicator, const char *unit, s_pair_t *pair, char *message,
         size_t message_size)
{
    *pair = (s_pair_t) { .role = -1 };
    if (wdm_db_exec (conn, "BEGIN")) {
        snprintf (message, message_size, "数据库错误 / database error (logged)");
        return WDM_CHECK_FAILED;
    }
    wdm_check_result_t result = s_check (conn, indicator, unit, true, pair->indicator_name, pair->unit_name,
                                         sizeof pair->indicator_name, &pair->active, message, message_size);
    if (result != WDM_CHECK_OK)
        return result;
    const char *params [] = { indicator, unit };
    PGresult *res = wdm_db_query (conn,
                                  "SELECT lead FROM responsibility"
                                  " WHERE indicator_code = $1 AND unit_code = $2 FOR UPDATE",
                                  2, params, PGRES_TUPLES_OK, message, message_size);
    if (!res)
        return WDM_CHECK_FAILED;
    pair->role = PQntuples (res) == 1 ? PQgetvalue (res, 0, 0) [0] == 't' : -1;
    PQclear (res);
    return WDM_CHECK_OK;
}

//  Commit if all went well, else roll back; the result as it stands then.
static wdm_check_result_t
s_end (PGconn *conn, wdm_check_result_t result, char *message, size_t message_size)
{
    if (result == WDM_CHECK_OK && wdm_db_exec (conn, "COMMIT")) {
        snprintf (message, message_size, "数据库错误,未改动 / database error, nothing changed (logged)");
        result = WDM_CHECK_FAILED;
    }
    if (PQtransactionStatus (conn) != PQTRANS_IDLE)
        wdm_db_exec (conn, "ROLLBACK");
    return result;
}

wdm_check_result_t
wdm_resp_assign (PGconn *conn, const char *indicator, const char *unit, bool lead, bool force, char *message,
                 size_t message_size)
{
    s_pair_t pair;
    wdm_check_result_t result = s_begin (conn, indicator, unit, &pair, message, message_size);
    if (result != WDM_CHECK_OK)
        goto cleanup;
    const char *indicator_name = pair.indicator_name, *unit_name = pair.unit_name;
    int role = pair.role;
    const char *want = lead ? "牵头 lead" : "配合 contributes";
    if (role == (lead ? 1 : 0)) {
        snprintf (message, message_size, "%s %s: %s %s 已是%s,未改动 / already %s, nothing changed",
                  indicator, indicator_name, unit, unit_name, lead ? "牵头单位" : "配合单位",
                  lead ? "lead" : "contributes");
        goto cleanup;
    }
    if ((result = s_keep_lead (conn, indicator, unit, &pair, force, message, message_size)) != WDM_CHECK_OK)
        goto cleanup;
    const char *params [] = { indicator, unit, lead ? "t" : "f" };
    PGresult *res = wdm_db_query (conn,
                                  role < 0 ? "INSERT INTO responsibility (indicator_code, unit_code, lead)"
                                             " VALUES ($1, $2, $3::boolean)"
                                           : "UPDATE responsibility SET lead = $3::boolean"
                                             " WHERE indicator_code = $1 AND unit_code = $2",
                                  3, params, PGRES_COMMAND_OK, message, message_size);
    if (!res) {
        result = WDM_CHECK_FAILED;
        goto cleanup;
    }
    PQclear (res);
    if (role < 0)
        snprintf (message, message_size, "%s %s: 已指定 %s %s 为%s / %s now %s", indicator, indicator_name,
                  unit, unit_name, want, unit, lead ? "leads (lead)" : "contributes");
    else
        snprintf (message, message_size, "%s %s: %s %s 由%s改为%s / changed %s -> %s", indicator,
                  indicator_name, unit, unit_name, lead ? "配合" : "牵头", lead ? "牵头" : "配合",
                  lead ? "contributes" : "lead", lead ? "lead" : "contributes");
cleanup:
    return s_end (conn, result, message, message_size);
}

wdm_check_result_t
wdm_resp_drop (PGconn *conn, const char *indicator, const char *unit, bool force, char *message,
               size_t message_size)
{
    s_pair_t pair;
    wdm_check_result_t result = s_begin (conn, indicator, unit, &pair, message, message_size);
    if (result != WDM_CHECK_OK)
        goto cleanup;
    if (pair.role < 0) {
        snprintf (message, message_size, "指标 %s 未分配给 %s / indicator %s is not assigned to %s",
                  indicator, unit, indicator, unit);
        result = WDM_CHECK_REFUSED;
        goto cleanup;
    }
    if ((result = s_keep_lead (conn, indicator, unit, &pair, force, message, message_size)) != WDM_CHECK_OK)
        goto cleanup;
    const char *params [] = { indicator, unit };
    PGresult *res =
        wdm_db_query (conn, "DELETE FROM responsibility WHERE indicator_code = $1 AND unit_code = $2", 2,
                      params, PGRES_COMMAND_OK, message, message_size);
    if (!res) {
        result = WDM_CHECK_FAILED;
        goto cleanup;
    }
    PQclear (res);
    snprintf (message, message_size, "%s %s: 已取消 %s %s 的职责(原为%s)/ dropped %s (was %s)", indicator,
              pair.indicator_name, unit, pair.unit_name, pair.role ? "牵头" : "配合", unit,
              pair.role ? "lead" : "contributes");
cleanup:
    return s_end (conn, result, message, message_size);
}
