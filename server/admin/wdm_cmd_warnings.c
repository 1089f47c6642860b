/*  wdm_cmd_warnings: `wdmon warnings` — list the warnings by any filter
    (each checked against the database), show one with its history,
    acknowledge some, or run every rule now; the command line in front of
    server/warn's engine (wdm_warn).  wdmon.c dispatches to it; see
    wdm_cmd_int.h.  */

#include "wdm_cmd_int.h"
#include "wdm_date.h"
#include "wdm_warn.h"
#include "wdm_warnings_query.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Parsing went well: go on to the work (any other value is the exit code).
#define S_GO_ON -1

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: wdmon warnings [--open] [--state S] [--level red|yellow] [--rule R]\n"
             "                      [--domain D] [--indicator I] [--area A] [--unit U]\n"
             "                      [--year Y] [--plan P] [--format text|csv|json]\n"
             "       wdmon warnings show ID\n"
             "       wdmon warnings ack ID [ID...] --by NAME --note TEXT\n"
             "       wdmon warnings evaluate [--today YYYY-MM-DD]\n"
             "\n"
             "list      warnings, unresolved first, red before yellow, newest first, with\n"
             "          when each opened and last changed (in the office's zone, see --tz),\n"
             "          and the plan whose target each is about.\n"
             "          Filters, all checked against the database (a value it does not\n"
             "          know is refused with exit 2, naming the nearest valid ones):\n"
             "            --plan       a plan's code (wuqing-women-2021-2025); without it,\n"
             "                         the current plan's warnings\n"
             "            --open       not resolved (open or acknowledged)\n"
             "            --state      open, acknowledged or resolved\n"
             "            --level      red or yellow\n"
             "            --rule       a rule's code (wrong_direction) or name (方向相反)\n"
             "            --domain     a domain's code (health), number (1) or name (妇女与健康)\n"
             "            --indicator  an indicator's code (HE01)\n"
             "            --area       an area's code (meichang) or name (梅厂镇)\n"
             "            --unit       a member unit: its missing reports and the indicators\n"
             "                         it leads\n"
             "            --year       a year from the plan's baseline to its end, or any\n"
             "                         year a warning is about\n"
             "show      one warning: rule, indicator, area, year, message, figures, history\n"
             "          with every note (times in the office's zone)\n"
             "ack       acknowledge each warning with your name and a note; one already\n"
             "          acknowledged gets the note added beside the earlier ones; a\n"
             "          resolved one is left as it is, said (exit 1).  A number that names\n"
             "          no warning changes nothing (exit 2)\n"
             "evaluate  run every rule over all data now, and the report deadlines as of\n"
             "          today (or --today, a date that exists); prints what opened,\n"
             "          changed and resolved; reads on one database connection per core\n");
}

//  The warnings, filtered (wdm_warnings_query.h, shared with the console).
static const char *s_warnings_sql =
    "SELECT w.id, w.level, w.state, w.rule_code AS rule, w.indicator_code AS indicator,"
    "       w.area_code AS area, w.year, coalesce (w.unit_code, '') AS unit, w.plan_code AS plan,"
    "       " WDM_TABLE_LOCAL_TIME (
        "w.opened_at",
        "5") " AS opened,"
             "       " WDM_TABLE_LOCAL_TIME (
                 "w.updated_at",
                 "5") " AS updated,"
                      "       w.message_zh AS message" WDM_WARNINGS_QUERY_WHERE WDM_WARNINGS_QUERY_ORDER;

//  Check every filter against the database and print the list.  The exit
//  code.
static int
s_list (PGconn *conn, const wdm_cmd_config_t *config, wdm_warnings_query_t *f, wdm_table_format_t format)
{
    char message [1024] = "";
    int rc =
        wdm_cmd_checked ("warnings", wdm_warnings_query_check (conn, f, message, sizeof message), message);
    if (rc != WDM_CMD_EXIT_OK)
        return rc;
    const char *params [WDM_WARNINGS_QUERY_PARAMS];
    wdm_warnings_query_params (f, config->timezone, NULL, params);
    return wdm_table_query (conn, s_warnings_sql, WDM_WARNINGS_QUERY_PARAMS, params, format, stdout)
        ? WDM_CMD_EXIT_FAILED
        : WDM_CMD_EXIT_OK;
}

//  A warning's number as the operator typed it: > 0, or 0 if it is none.
static long long
s_parse_id (const char *text)
{
    char *end = NULL;
    long long id = strtoll (text, &end, 10);
    return *end || id <= 0 ? 0 : id;
}

//  Acknowledge the warnings numbered in ids, each said; the exit code.
static int
s_ack (PGconn *conn, char **ids_text, int count, const char *by, const char *note)
{
    long long *ids = calloc ((size_t)count, sizeof *ids);
    wdm_warn_ack_t *results = calloc ((size_t)count, sizeof *results);
    int rc = WDM_CMD_EXIT_FAILED;
    if (!ids || !results)
        goto cleanup;
    int unique = 0;
    for (int i = 0; i < count; i++) {
        long long id = s_parse_id (ids_text [i]);
        if (id == 0) {
            fprintf (stderr,
                     "wdmon warnings ack: %s 不是警告编号 / '%s' is not a warning's "
                     "number (see wdmon warnings)\n",
                     ids_text [i], ids_text [i]);
            rc = WDM_CMD_EXIT_USAGE;
            goto cleanup;
        }
        //  A number given twice is acknowledged once, not noted again.
        bool seen = false;
        for (int j = 0; j < unique && !seen; j++)
            seen = ids [j] == id;
        if (!seen)
            ids [unique++] = id;
    }
    count = unique;
    if (wdm_warn_acknowledge (conn, ids, count, by, note, results))
        goto cleanup;
    rc = WDM_CMD_EXIT_OK;
    for (int i = 0; i < count; i++)
        if (results [i] == WDM_WARN_MISSING) {
            fprintf (stderr,
                     "wdmon warnings ack: 没有警告 %lld，未作任何更改 / there is no "
                     "warning %lld; nothing was changed (see wdmon warnings)\n",
                     ids [i], ids [i]);
            rc = WDM_CMD_EXIT_USAGE;
        }
    for (int i = 0; i < count && rc != WDM_CMD_EXIT_USAGE; i++)
        if (results [i] == WDM_WARN_ACKNOWLEDGED)
            printf ("已确认警告 %lld / acknowledged warning %lld\n", ids [i], ids [i]);
        else if (results [i] == WDM_WARN_NOTED)
            printf ("警告 %lld 此前已确认，已追加备注 / warning %lld was already acknowledged; "
                    "note added\n",
                    ids [i], ids [i]);
        else {
            fprintf (stderr,
                     "wdmon warnings ack: 警告 %lld 已解除，无需确认 / warning %lld is "
                     "resolved (its condition no longer holds); not acknowledged\n",
                     ids [i], ids [i]);
            rc = WDM_CMD_EXIT_FAILED;
        }
cleanup:
    free (ids);
    free (results);
    return rc;
}

//  warnings show: one warning with its history.  The exit code.
static int
s_show (PGconn *conn, const wdm_cmd_config_t *config, long long id)
{
    int found = wdm_warn_show (conn, id, config->timezone, stdout);
    if (found == 1)
        fprintf (stderr, "wdmon warnings show: there is no warning %lld\n", id);
    return found == 0 ? WDM_CMD_EXIT_OK : WDM_CMD_EXIT_FAILED;
}

//  warnings evaluate: every rule now, as of today, said.  The exit code.
static int
s_evaluate (PGconn *conn, const wdm_date_t *today)
{
    wdm_warn_stats_t stats;
    //  Read on as many connections as the machine has cores.
    if (wdm_warn_evaluate (conn, NULL, 0, true, today, wdm_warn_readers (), &stats))
        return WDM_CMD_EXIT_FAILED;
    printf ("%d series evaluated in %.2f s as of %04d-%02d-%02d: %d conditions hold; "
            "%d opened, %d reopened, %d updated, %d resolved\n",
            stats.series, stats.seconds, today->year, today->month, today->day, stats.findings, stats.opened,
            stats.reopened, stats.updated, stats.resolved);
    return WDM_CMD_EXIT_OK;
}

//  What `wdmon warnings` was asked.
typedef struct {
    wdm_warnings_query_t filters;
    const char *by, *note, *today_text;
    wdm_table_format_t format;
    const char *action;
    bool is_list, is_show, is_ack, is_eval;
    char **ids;  //  the numbers after show or ack
    int id_count;
    long long id;      //  show's
    wdm_date_t today;  //  evaluate's: --today, else today
} s_args_t;

//  Parse the options into args.  S_GO_ON, or the exit code (help printed,
//  or the command line refused and said).
static int
s_parse_options (int argc, char **argv, s_args_t *args)
{
    static const struct option long_options [] = { { "open", no_argument, NULL, 'o' },
                                                   { "level", required_argument, NULL, 'L' },
                                                   { "state", required_argument, NULL, 'S' },
                                                   { "rule", required_argument, NULL, 'r' },
                                                   { "year", required_argument, NULL, 'y' },
                                                   { "area", required_argument, NULL, 'a' },
                                                   { "indicator", required_argument, NULL, 'i' },
                                                   { "by", required_argument, NULL, 'b' },
                                                   { "note", required_argument, NULL, 'n' },
                                                   { "today", required_argument, NULL, 't' },
                                                   { "domain", required_argument, NULL, 'D' },
                                                   { "unit", required_argument, NULL, 'U' },
                                                   { "plan", required_argument, NULL, 'P' },
                                                   { "format", required_argument, NULL, 'f' },
                                                   { "help", no_argument, NULL, 'h' },
                                                   { NULL, 0, NULL, 0 } };
    wdm_warnings_query_t *filters = &args->filters;
    optind = 0;  //  0: glibc reinitialises its scan state
    int opt;
    while ((opt = getopt_long (argc, argv, "oL:S:r:y:a:i:b:n:t:D:U:P:f:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'D': filters->domain = optarg; break;
            case 'U': filters->unit = optarg; break;
            case 'P': filters->plan = optarg; break;
            case 'f':
                if (wdm_cmd_format ("warnings", optarg, true, &args->format))
                    return WDM_CMD_EXIT_USAGE;
                break;
            case 'o': filters->open_only = true; break;
            case 'L': filters->level = optarg; break;
            case 'S': filters->state = optarg; break;
            case 'r': filters->rule = optarg; break;
            case 'y': filters->year = optarg; break;
            case 'a': filters->area = optarg; break;
            case 'i': filters->indicator = optarg; break;
            case 'b': args->by = optarg; break;
            case 'n': args->note = optarg; break;
            case 't': args->today_text = optarg; break;
            case 'h': s_usage (stdout); return WDM_CMD_EXIT_OK;
            default: s_usage (stderr); return WDM_CMD_EXIT_USAGE;
        }
    }
    return S_GO_ON;
}

//  Parse the action and what it takes after the options (from
//  argv [optind]): show takes one number, ack one or more, list and
//  evaluate none.  S_GO_ON, or the exit code (the refusal said).
static int
s_parse_action (int argc, char **argv, s_args_t *args)
{
    const char *action = args->action = optind < argc ? argv [optind++] : "list";
    args->is_list = strcmp (action, "list") == 0;
    args->is_show = strcmp (action, "show") == 0;
    args->is_ack = strcmp (action, "ack") == 0;
    args->is_eval = strcmp (action, "evaluate") == 0;
    if (!args->is_list && !args->is_show && !args->is_ack && !args->is_eval) {
        fprintf (stderr, "wdmon warnings: unknown action '%s'; see wdmon warnings --help\n", action);
        return WDM_CMD_EXIT_USAGE;
    }
    args->ids = argv + optind;
    args->id_count = argc - optind;
    if ((args->is_show && args->id_count != 1) || (args->is_ack && args->id_count < 1)) {
        fprintf (stderr, "wdmon warnings %s: give the warning's number (see wdmon warnings)\n", action);
        return WDM_CMD_EXIT_USAGE;
    }
    if ((args->is_list || args->is_eval) && args->id_count > 0) {
        fprintf (stderr, "wdmon warnings: unexpected argument '%s'\n", argv [optind]);
        return WDM_CMD_EXIT_USAGE;
    }
    if (args->is_show && (args->id = s_parse_id (argv [optind])) == 0) {
        fprintf (stderr,
                 "wdmon warnings show: %s 不是警告编号 / '%s' is not a warning's number "
                 "(see wdmon warnings)\n",
                 argv [optind], argv [optind]);
        return WDM_CMD_EXIT_USAGE;
    }
    if (args->is_ack && (!args->by || !*args->by || !args->note || !*args->note)) {
        fprintf (stderr, "wdmon warnings ack: --by NAME and --note TEXT are both required\n");
        return WDM_CMD_EXIT_USAGE;
    }
    char message [1024] = "";
    wdm_date_today (&args->today);
    if (args->today_text && wdm_check_date (args->today_text, &args->today, message, sizeof message)) {
        fprintf (stderr, "wdmon warnings evaluate: --today: %s\n", message);
        return WDM_CMD_EXIT_USAGE;
    }
    return S_GO_ON;
}

int
wdm_cmd_warnings (wdm_cmd_config_t *config, int argc, char **argv)
{
    s_args_t args = { .format = WDM_TABLE_TEXT };
    int rc = s_parse_options (argc, argv, &args);
    if (rc == S_GO_ON)
        rc = s_parse_action (argc, argv, &args);
    if (rc != S_GO_ON)
        return rc;
    PGconn *conn = wdm_cmd_connect (config, &rc);
    if (!conn)
        return rc;
    rc = args.is_list  ? s_list (conn, config, &args.filters, args.format)
        : args.is_show ? s_show (conn, config, args.id)
        : args.is_ack  ? s_ack (conn, args.ids, args.id_count, args.by, args.note)
                       : s_evaluate (conn, &args.today);
    PQfinish (conn);
    return rc;
}
