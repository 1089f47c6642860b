/*  wdm_check: check the operator's codes, years and dates.  See wdm_check.h.  */

#include "wdm_check.h"
#include "wdm_db.h"
#include "wdm_suggest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_LIST_ALL 12  //  fewer valid codes than this: name them all

void
wdm_check_suggest (PGconn *conn, const char *sql, const char *bad, char *message, size_t message_size)
{
    PGresult *res = PQexec (conn, sql);
    size_t count = (size_t)PQntuples (res);
    const char **codes = NULL, **names = NULL;
    if (PQresultStatus (res) != PGRES_TUPLES_OK || strlen (bad) > WDM_SUGGEST_CODE_MAX)
        goto cleanup;
    codes = calloc (count + 1, sizeof *codes);
    names = calloc (count + 1, sizeof *names);
    if (!codes || !names)
        goto cleanup;
    for (size_t row = 0; row < count; row++) {
        codes [row] = PQgetvalue (res, (int)row, 0);
        names [row] = PQgetvalue (res, (int)row, 1);
    }
    wdm_suggest_append_named (bad, codes, names, count, S_LIST_ALL, message, message_size);
cleanup:
    free (codes);
    free (names);
    PQclear (res);
}

wdm_check_result_t
wdm_check_code (PGconn *conn, const char *sql, const char *what_zh, const char *what_en, const char *value,
                char *code, size_t code_size, char *message, size_t message_size)
{
    PGresult *res = wdm_db_query (conn, sql, 0, NULL, PGRES_TUPLES_OK, message, message_size);
    if (!res)
        return WDM_CHECK_FAILED;
    for (int row = 0; row < PQntuples (res); row++)
        for (int col = 0; col < PQnfields (res); col++)
            if (!PQgetisnull (res, row, col) && strcmp (PQgetvalue (res, row, col), value) == 0) {
                snprintf (code, code_size, "%s", PQgetvalue (res, row, 0));
                PQclear (res);
                return WDM_CHECK_OK;
            }
    PQclear (res);
    snprintf (message, message_size, "没有%s %s / no %s %s", what_zh, value, what_en, value);
    wdm_check_suggest (conn, sql, value, message, message_size);
    return WDM_CHECK_REFUSED;
}

//  What a person may type for a plan: its code or either title.
#define S_PLANS "SELECT code, title_zh, title_en FROM plan ORDER BY code"

wdm_check_result_t
wdm_check_plan (PGconn *conn, const char **value, char *code, size_t code_size, char *message,
                size_t message_size)
{
    wdm_check_result_t rc = WDM_CHECK_OK;
    if (*value)
        rc = wdm_check_code (conn, S_PLANS, "规划", "plan", *value, code, code_size, message, message_size);
    else {
        PGresult *res = wdm_db_query (conn, "SELECT code FROM plan WHERE current", 0, NULL, PGRES_TUPLES_OK,
                                      message, message_size);
        if (!res)
            return WDM_CHECK_FAILED;
        if (PQntuples (res) == 1)
            snprintf (code, code_size, "%s", PQgetvalue (res, 0, 0));
        else {
            snprintf (message, message_size,
                      "没有当前规划，请指定规划（--plan）/ no plan is current: name one (--plan)");
            wdm_check_suggest (conn, S_PLANS, "", message, message_size);
            rc = WDM_CHECK_REFUSED;
        }
        PQclear (res);
    }
    if (rc == WDM_CHECK_OK)
        *value = code;
    return rc;
}

wdm_check_result_t
wdm_check_year (PGconn *conn, const char *range_sql, const char *plan, const char *text, int *year,
                char *message, size_t message_size)
{
    const char *params [] = { plan };
    PGresult *res = wdm_db_query (conn, range_sql, 1, params, PGRES_TUPLES_OK, message, message_size);
    if (!res)
        return WDM_CHECK_FAILED;
    if (PQntuples (res) != 1 || PQgetisnull (res, 0, 0) || PQgetisnull (res, 0, 1)) {
        snprintf (message, message_size,
                  "数据库中没有规划 / the database holds no plan "
                  "(load one with wdmon plan import)");
        PQclear (res);
        return WDM_CHECK_FAILED;
    }
    int first = atoi (PQgetvalue (res, 0, 0)), last = atoi (PQgetvalue (res, 0, 1));
    PQclear (res);
    //  Whose years: "规划 CODE " / "plan CODE", or every plan's.
    char whose_zh [160], whose_en [160];
    snprintf (whose_zh, sizeof whose_zh, "%s%s%s", plan ? "规划 " : "", plan ? plan : "", plan ? " 的" : "");
    snprintf (whose_en, sizeof whose_en, "%s%s", plan ? "plan " : "the plans", plan ? plan : "");
    char *end = NULL;
    long value = strtol (text, &end, 10);
    if (!*text || *end || !isdigit ((unsigned char)*text)) {
        snprintf (message, message_size,
                  "年份 %s 不是一个年份，%s有效年份为 %d 至 %d / '%s' is not "
                  "a year; the years of %s are %d-%d",
                  text, whose_zh, first, last, text, whose_en, first, last);
        return WDM_CHECK_REFUSED;
    }
    if (value < first || value > last) {
        int nearest = value < first ? first : last;
        snprintf (message, message_size,
                  "年份 %s 不在%s %d 至 %d 年之内，最近的是 %d / year %s is "
                  "outside %s (%d-%d); the nearest is %d",
                  text, whose_zh, first, last, nearest, text, whose_en, first, last, nearest);
        return WDM_CHECK_REFUSED;
    }
    *year = (int)value;
    return WDM_CHECK_OK;
}

wdm_check_result_t
wdm_check_date (const char *text, wdm_date_t *date, char *message, size_t message_size)
{
    if (wdm_date_parse (text, date) == 0)
        return WDM_CHECK_OK;
    int y, m, d;
    char tail;
    if (sscanf (text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1) {
        snprintf (message, message_size,
                  "日期 %s 不是 YYYY-MM-DD 格式 / '%s' is not a date "
                  "YYYY-MM-DD",
                  text, text);
        return WDM_CHECK_REFUSED;
    }
    if (m < 1 || m > 12) {
        snprintf (message, message_size,
                  "日期 %s 不存在：月份为 01 至 12 / there is no date %s: "
                  "the month is 01-12",
                  text, text);
        return WDM_CHECK_REFUSED;
    }
    //  The last day before and the first day after the impossible one.
    int days = wdm_date_days_in_month (y, m);
    int before_y = y, before_m = m, before_d = days;
    int after_y = y, after_m = m + 1, after_d = 1;
    if (d < 1) {
        before_m = m - 1;
        if (before_m < 1) {
            before_m = 12;
            before_y--;
        }
        before_d = wdm_date_days_in_month (before_y, before_m);
        after_m = m;
    }
    if (after_m > 12) {
        after_m = 1;
        after_y++;
    }
    static const char *months [] = { "January", "February", "March",     "April",   "May",      "June",
                                     "July",    "August",   "September", "October", "November", "December" };
    snprintf (message, message_size,
              "日期 %s 不存在：%d 年 %d 月只有 %d 天，最近的日期为 "
              "%04d-%02d-%02d 和 %04d-%02d-%02d / there is no date %s: %s %d has %d days; the "
              "nearest dates are %04d-%02d-%02d and %04d-%02d-%02d",
              text, y, m, days, before_y, before_m, before_d, after_y, after_m, after_d, text, months [m - 1],
              y, days, before_y, before_m, before_d, after_y, after_m, after_d);
    return WDM_CHECK_REFUSED;
}

wdm_check_result_t
wdm_check_word (const char *option, const char *value, const char *const *words, char *message,
                size_t message_size)
{
    for (int i = 0; words [i]; i++)
        if (strcmp (value, words [i]) == 0)
            return WDM_CHECK_OK;
    snprintf (message, message_size,
              "%s 不能是 %s，只能是以下之一 / %s cannot be '%s'; it is "
              "one of: ",
              option, value, option, value);
    size_t used = strlen (message);
    for (int i = 0; words [i] && used < message_size; i++)
        used += (size_t)snprintf (message + used, message_size - used, "%s%s", i ? ", " : "", words [i]);
    return WDM_CHECK_REFUSED;
}
