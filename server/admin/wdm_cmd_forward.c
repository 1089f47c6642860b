/*  wdm_cmd_forward: `wdmon forward enable|disable` — whether this database
    queues its figures for the city (sql/067: the trigger exists only while
    on); and `wdmon forward approve|approvals` — 审核后上报: the
    district's operator approves a year's figures for the city, recorded
    with who (the operator at this terminal, or --by) and when
    (forward_approval, sql/066); a wdmon-forward set with `approval = yes`
    sends a year up only once it is approved.  wdmon.c dispatches to it;
    see wdm_cmd_int.h.  */

#include "wdm_cmd_int.h"
#include "wdm_db.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: wdmon forward enable|disable\n"
             "       wdmon forward approve --year Y [--by NAME] [--note TEXT]\n"
             "       wdmon forward approvals [--format text|csv|json]\n"
             "\n"
             "Reporting to the city (逐级上报, docs/OPERATIONS.md):\n"
             "enable     this database queues every stored figure for wdmon-forward\n"
             "           (everything stored so far is queued once); wdmon-forward\n"
             "           refuses to start until it is on\n"
             "disable    stop queueing and empty the queue (what the forwarder's\n"
             "           outbox holds is still delivered)\n"
             "审核后上报 / approval before reporting to the city:\n"
             "approve    year Y's figures may go up to the city (when wdmon-forward runs\n"
             "           with approval = yes); recorded with who (NAME, default the\n"
             "           operator at this terminal) and when.  Later corrections of the\n"
             "           year go up as they come.\n"
             "approvals  the years approved: who, when, the note\n");
}

//  Turn forwarding on or off (forward_enable, sql/067) and say so.  The
//  exit code.
static int
s_enable (PGconn *conn, bool on)
{
    char err [512] = "";
    const char *params [] = { on ? "true" : "false" };
    PGresult *res =
        wdm_db_query (conn, "SELECT forward_enable ($1)", 1, params, PGRES_TUPLES_OK, err, sizeof err);
    if (!res) {
        fprintf (stderr, "wdmon forward %s: %s\n", on ? "enable" : "disable", err);
        return WDM_CMD_EXIT_FAILED;
    }
    if (on)
        printf ("已开启向市级上报,排队 %s 个数据序列 / forwarding to the city is on; %s series queued\n",
                PQgetvalue (res, 0, 0), PQgetvalue (res, 0, 0));
    else
        printf ("已关闭向市级上报 / forwarding to the city is off; its queue is empty\n");
    PQclear (res);
    return WDM_CMD_EXIT_OK;
}

//  Approve year for the city as by.  The exit code.
static int
s_approve (PGconn *conn, const char *year_text, const char *by, const char *note)
{
    int year = 0;
    char message [512] = "", err [512] = "", year_buf [16];
    int rc = wdm_cmd_checked (
        "forward approve",
        wdm_check_year (conn, WDM_CMD_PLAN_YEARS_SQL, NULL, year_text, &year, message, sizeof message),
        message);
    if (rc != WDM_CMD_EXIT_OK)
        return rc;
    snprintf (year_buf, sizeof year_buf, "%d", year);
    const char *params [] = { year_buf, by, note };
    PGresult *res = wdm_db_query (conn,
                                  "INSERT INTO forward_approval (year, approved_by, note) VALUES ($1, $2, $3)"
                                  " ON CONFLICT (year) DO NOTHING RETURNING year",
                                  3, params, PGRES_TUPLES_OK, err, sizeof err);
    if (!res) {
        fprintf (stderr, "wdmon forward approve: %s\n", err);
        return WDM_CMD_EXIT_FAILED;
    }
    if (PQntuples (res) == 1)
        printf ("%d 年数据已审核，可上报市级 / %d approved for the city by %s\n", year, year, by);
    else
        printf ("%d 年数据此前已审核 / %d was approved before (see wdmon forward approvals)\n", year, year);
    PQclear (res);
    return WDM_CMD_EXIT_OK;
}

int
wdm_cmd_forward (wdm_cmd_config_t *config, int argc, char **argv)
{
    const char *year = NULL, *by = NULL, *note = NULL;
    wdm_table_format_t format = WDM_TABLE_TEXT;
    static const struct option long_options [] = {
        { "year", required_argument, NULL, 'y' }, { "by", required_argument, NULL, 'b' },
        { "note", required_argument, NULL, 'n' }, { "format", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },       { NULL, 0, NULL, 0 }
    };
    optind = 0;  //  0: glibc reinitialises its scan state
    int opt;
    while ((opt = getopt_long (argc, argv, "y:b:n:f:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'y': year = optarg; break;
            case 'b': by = optarg; break;
            case 'n': note = optarg; break;
            case 'f':
                if (wdm_cmd_format ("forward", optarg, true, &format))
                    return WDM_CMD_EXIT_USAGE;
                break;
            case 'h': s_usage (stdout); return WDM_CMD_EXIT_OK;
            default: s_usage (stderr); return WDM_CMD_EXIT_USAGE;
        }
    }
    const char *action = optind < argc ? argv [optind++] : "";
    bool approve = strcmp (action, "approve") == 0;
    bool enable = strcmp (action, "enable") == 0, disable = strcmp (action, "disable") == 0;
    if ((!approve && !enable && !disable && strcmp (action, "approvals") != 0) || optind != argc) {
        fprintf (stderr,
                 "wdmon forward: give enable, disable, approve or approvals, not '%s'"
                 " (see wdmon forward --help)\n",
                 action);
        return WDM_CMD_EXIT_USAGE;
    }
    if (approve && !year) {
        fprintf (stderr, "wdmon forward approve: --year Y names the year approved\n");
        return WDM_CMD_EXIT_USAGE;
    }
    char who [128];
    if (!by || !*by) {
        const char *user = getenv ("SUDO_USER") ? getenv ("SUDO_USER") : getenv ("USER");
        snprintf (who, sizeof who, "cli:%s", user && *user ? user : "unknown");
        by = who;
    }
    int rc;
    PGconn *conn = wdm_cmd_connect (config, &rc);
    if (!conn)
        return rc;
    if (enable || disable)
        rc = s_enable (conn, enable);
    else if (approve)
        rc = s_approve (conn, year, by, note);
    else {
        const char *params [] = { config->timezone };
        rc = wdm_table_query (
                 conn,
                 "SELECT year, approved_by, " WDM_TABLE_LOCAL_TIME (
                     "approved_at",
                     "1") " AS approved_at,"
                          "       coalesce (note, '') AS note FROM forward_approval ORDER BY year",
                 1, params, format, stdout)
            ? WDM_CMD_EXIT_FAILED
            : WDM_CMD_EXIT_OK;
    }
    PQfinish (conn);
    return rc;
}
