/*  wdm_cmd_status: `wdmon status` — whether the servers are up, each
    collector's last delivery, the units with a key that never delivered,
    today's records and commit times, in the office's zone; exit 1 when no
    server has a fresh heartbeat, for monitoring scripts.  wdmon.c
    dispatches to it; see wdm_cmd_int.h.  */

#include "wdm_cmd_int.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

//  The sections, each one query.  $1 is the office's zone: times are shown
//  in it, and "today" is its day; $2 the plan whose open warnings are
//  counted (the code wdm_check_plan resolved).
#define S_TODAY "date_trunc ('day', now () AT TIME ZONE $1) AT TIME ZONE $1"

static const char *const s_servers_sql =
    "SELECT server_id AS server, pid,"
    "       CASE WHEN heartbeat_at > now () - interval '30 seconds' THEN 'up' ELSE 'down' END AS state,"
    "       " WDM_TABLE_LOCAL_TIME (
        "started_at",
        "1") " AS started,"
             "       " WDM_TABLE_LOCAL_TIME (
                 "heartbeat_at",
                 "1") " AS heartbeat,"
                      "       round (extract (epoch FROM now () - heartbeat_at))::int AS heartbeat_s_ago,"
                      "       connections, queue_depth, round (last_commit_ms::numeric, 1) AS last_commit_ms,"
                      "       records_accepted AS accepted, records_rejected AS refused,"
                      "       CASE WHEN database_ok THEN 'ok' ELSE 'down' END AS database"
                      "  FROM server_status ORDER BY heartbeat_at DESC";

static const char *const s_collectors_sql =
    "SELECT u.code AS unit, u.name_zh AS name,"
    "       " WDM_TABLE_LOCAL_TIME (
        "b.last", "1") " AS last_delivery,"
                       "       b.batches_today, b.accepted_today, b.refused_today"
                       "  FROM member_unit u JOIN"
                       "       (SELECT unit_code, max (committed_at) AS last,"
                       "               count (*) FILTER (WHERE received_at >= " S_TODAY ") AS batches_today,"
                       "               coalesce (sum (accepted) FILTER (WHERE received_at >= " S_TODAY
                       "), 0) AS accepted_today,"
                       "               coalesce (sum (rejected) FILTER (WHERE received_at >= " S_TODAY
                       "), 0) AS refused_today"
                       "          FROM ingest_batch GROUP BY unit_code) b ON b.unit_code = u.code"
                       " ORDER BY b.last DESC NULLS LAST, u.code";

//  Units that were given a key and have sent nothing, by any path.
#define S_NEVER_DELIVERED                                                                                    \
    "u.active AND NOT EXISTS (SELECT 1 FROM ingest_batch b WHERE b.unit_code = u.code)"                      \
    " AND NOT EXISTS (SELECT 1 FROM observation o WHERE o.unit_code = u.code)"
static const char *const s_never_sql =
    "SELECT u.code AS unit, u.name_zh AS name,"
    "       " WDM_TABLE_LOCAL_TIME (
        "k.issued", "1") " AS key_issued"
                         "  FROM member_unit u JOIN"
                         "       (SELECT unit_code, min (created_at) AS issued FROM unit_key"
                         "         WHERE state = 'active' GROUP BY unit_code) k ON k.unit_code = u.code"
                         " WHERE " S_NEVER_DELIVERED " ORDER BY k.issued, u.code";

static const char *const s_today_sql =
    "SELECT count (*) AS batches, coalesce (sum (accepted), 0) AS accepted,"
    "       coalesce (sum (duplicates), 0) AS duplicates, coalesce (sum (rejected), 0) AS refused,"
    "       round (avg (extract (epoch FROM committed_at - received_at) * 1000)::numeric, 1) AS commit_ms_avg,"
    "       round ((percentile_cont (0.99) WITHIN GROUP (ORDER BY extract (epoch FROM committed_at - received_at)) * 1000)::numeric, 1) AS commit_ms_p99,"
    "       (SELECT max (version) FROM schema_migration) AS schema_version,"
    "       $2 AS plan,"
    "       (SELECT count (*) FROM warning WHERE state <> 'resolved' AND plan_code = $2) AS open_warnings"
    "  FROM ingest_batch"
    " WHERE received_at >= " S_TODAY;

int
wdm_cmd_status (wdm_cmd_config_t *config, int argc, char **argv)
{
    wdm_table_format_t format = WDM_TABLE_TEXT;
    const char *plan = NULL;
    static const struct option long_options [] = { { "format", required_argument, NULL, 'f' },
                                                   { "plan", required_argument, NULL, 'p' },
                                                   { "help", no_argument, NULL, 'h' },
                                                   { NULL, 0, NULL, 0 } };
    optind = 0;  //  0: glibc reinitialises its scan state
    int opt;
    while ((opt = getopt_long (argc, argv, "f:p:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'f':
                if (wdm_cmd_format ("status", optarg, false, &format))
                    return WDM_CMD_EXIT_USAGE;
                break;
            case 'p': plan = optarg; break;
            case 'h':
                printf ("Usage: wdmon status [--plan P] [--format text|csv|json]\n\n"
                        "Whether each server is up (it writes a heartbeat every few seconds),\n"
                        "its connections, queue depth and last commit time; each collector's\n"
                        "last delivery; the member units that hold an active key but have\n"
                        "never delivered anything (已领取密钥但从未报送), with when the key was\n"
                        "issued; today's records accepted and refused, the batch commit times;\n"
                        "the database, and the open warnings of plan P (its code; default the\n"
                        "current plan).  Times and \"today\" are in the office's zone (--tz,\n"
                        "WDM_TZ; Asia/Shanghai by default), labelled.  Every format has every\n"
                        "section: JSON one object with an array per section (servers,\n"
                        "collectors, never_delivered, today) and the zone; CSV one table whose\n"
                        "first column, section, says which section a row is from.\n"
                        "Exit code 1 if no server has written a heartbeat within 30 seconds.\n");
                return WDM_CMD_EXIT_OK;
            default: return WDM_CMD_EXIT_USAGE;
        }
    }
    int rc;
    PGconn *conn = wdm_cmd_connect (config, &rc);
    if (!conn) {
        if (rc == WDM_CMD_EXIT_FAILED)
            printf ("database   unreachable\n");
        return rc;
    }
    char plan_code [128];
    rc = wdm_cmd_check_plan (conn, "status", &plan, plan_code, sizeof plan_code);
    if (rc != WDM_CMD_EXIT_OK) {
        PQfinish (conn);
        return rc;
    }
    const char *params [] = { config->timezone, plan };
    char today_title [128];
    snprintf (today_title, sizeof today_title, "today (%s)", config->timezone);
    const wdm_table_section_t sections [] = {
        { "servers", "servers", s_servers_sql },
        { "collectors", "collectors (by last delivery)", s_collectors_sql },
        { "never_delivered",
          "已领取密钥但从未报送的单位 / units with a key that have never "
          "delivered",
          s_never_sql },
        { "today", today_title, s_today_sql }
    };
    rc = wdm_table_sections (conn, sections, 4, 2, params, config->timezone, format, stdout);
    char *up = NULL;
    PGresult *res = PQexec (conn,
                            "SELECT count (*) FROM server_status"
                            " WHERE heartbeat_at > now () - interval '30 seconds'");
    if (PQresultStatus (res) == PGRES_TUPLES_OK)
        up = PQgetvalue (res, 0, 0);
    int servers_up = up ? atoi (up) : 0;
    PQclear (res);
    PQfinish (conn);
    if (rc)
        return WDM_CMD_EXIT_FAILED;
    return servers_up > 0 ? WDM_CMD_EXIT_OK : WDM_CMD_EXIT_FAILED;
}
