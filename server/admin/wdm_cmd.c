/*  wdm_cmd: the command-line glue every `wdmon` subcommand shares —
    connecting with the office's zone checked, a check's result as an exit
    code and a message, the --format option.  Internal to server/admin; see
    wdm_cmd_int.h.  It owns nothing between calls.  */

#include "wdm_cmd_int.h"
#include "wdm_db.h"
#include "wdm_log.h"

#include <stdio.h>
#include <string.h>

PGconn *
wdm_cmd_connect (wdm_cmd_config_t *config, int *rc)
{
    *rc = WDM_CMD_EXIT_FAILED;
    PGconn *conn = wdm_db_connect (config->conninfo);
    if (!conn)
        return NULL;
    const char *params [] = { config->timezone };
    PGresult *res = wdm_db_query (conn,
                                  "SELECT name FROM pg_timezone_names WHERE lower (name) = lower ($1)"
                                  " ORDER BY name = $1 DESC LIMIT 1",
                                  1, params, PGRES_TUPLES_OK, NULL, 0);
    if (res && PQntuples (res) == 0) {
        fprintf (stderr,
                 "wdmon: 未知时区 %s / unknown time zone '%s' (--tz, WDM_TZ or "
                 "[office] timezone): give a name from PostgreSQL's pg_timezone_names, "
                 "e.g. Asia/Shanghai\n",
                 config->timezone, config->timezone);
        *rc = WDM_CMD_EXIT_USAGE;
    } else if (res) {
        snprintf (config->timezone, sizeof config->timezone, "%s", PQgetvalue (res, 0, 0));
        *rc = WDM_CMD_EXIT_OK;
    }
    PQclear (res);
    if (*rc != WDM_CMD_EXIT_OK) {
        PQfinish (conn);
        conn = NULL;
    }
    return conn;
}

int
wdm_cmd_checked (const char *command, wdm_check_result_t result, const char *message)
{
    if (result != WDM_CHECK_OK)
        fprintf (stderr, "wdmon %s: %s\n", command, message);
    return result == WDM_CHECK_OK     ? WDM_CMD_EXIT_OK
        : result == WDM_CHECK_REFUSED ? WDM_CMD_EXIT_USAGE
                                      : WDM_CMD_EXIT_FAILED;
}

int
wdm_cmd_check_code (PGconn *conn, const char *command, const char *sql, const char *what_zh,
                    const char *what_en, const char **value, char *code, size_t code_size)
{
    if (!*value)
        return WDM_CMD_EXIT_OK;
    char message [1024] = "";
    int rc = wdm_cmd_checked (
        command,
        wdm_check_code (conn, sql, what_zh, what_en, *value, code, code_size, message, sizeof message),
        message);
    if (rc == WDM_CMD_EXIT_OK)
        *value = code;
    return rc;
}

int
wdm_cmd_check_plan (PGconn *conn, const char *command, const char **value, char *code, size_t code_size)
{
    char message [1024] = "";
    return wdm_cmd_checked (command, wdm_check_plan (conn, value, code, code_size, message, sizeof message),
                            message);
}

int
wdm_cmd_format (const char *command, const char *text, bool bilingual, wdm_table_format_t *format)
{
    if (wdm_table_format_parse (text, format) == 0)
        return WDM_CMD_EXIT_OK;
    if (bilingual)
        fprintf (stderr,
                 "wdmon %s: --format 只能是 text、csv 或 json / "
                 "--format is text, csv or json, not '%s'\n",
                 command, text);
    else
        fprintf (stderr, "wdmon %s: --format is text, csv or json\n", command);
    return WDM_CMD_EXIT_USAGE;
}

bool
wdm_cmd_is_help (const char *arg)
{
    return strcmp (arg, "--help") == 0 || strcmp (arg, "-h") == 0;
}

int
wdm_cmd_usage_asked (int argc, char **argv, void (*usage) (FILE *out))
{
    if (argc >= 2 && !wdm_cmd_is_help (argv [1]))
        return -1;
    usage (argc < 2 ? stderr : stdout);
    return argc < 2 ? WDM_CMD_EXIT_USAGE : WDM_CMD_EXIT_OK;
}

int
wdm_cmd_import_said (const char *command, int result, const wdm_buf_t *errors)
{
    if (result != 0) {
        fputs (errors->data ? errors->data : "", stderr);
        fprintf (stderr, "wdmon %s: %s\n", command,
                 result == 1 ? "未导入,数据库未作更改 / not imported; the database is unchanged"
                             : "导入失败,数据库未作更改 / import failed; the database is unchanged");
    }
    return result == 0 ? WDM_CMD_EXIT_OK : result == 1 ? WDM_CMD_EXIT_USAGE : WDM_CMD_EXIT_FAILED;
}
