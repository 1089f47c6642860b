/*  wdm_cmd_resp: `wdmon responsibility list|assign|drop` — which member
    unit leads or contributes to which indicator; the command line in
    front of wdm_resp, which does the work.  wdmon.c dispatches to it; see
    wdm_cmd_int.h.  */

#include "wdm_cmd_int.h"
#include "wdm_resp.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

//  Parsing went well: go on to the work (any other value is the exit code).
#define S_GO_ON -1

//  The usage of one action, or of all (action NULL).
static void
s_usage (FILE *out, const char *action)
{
    bool all = !action;
    fprintf (out, "Usage:");
    if (all || strcmp (action, "list") == 0)
        fprintf (out,
                 " wdmon responsibility list [--unit CODE] [--indicator CODE]\n"
                 "                                 [--format text|csv|json]\n%s",
                 all ? "      " : "");
    if (all || strcmp (action, "assign") == 0)
        fprintf (out,
                 " wdmon responsibility assign --indicator CODE --unit CODE [--contributes]\n"
                 "                                   [--force]\n%s",
                 all ? "      " : "");
    if (all || strcmp (action, "drop") == 0)
        fprintf (out, " wdmon responsibility drop --indicator CODE --unit CODE [--force]\n");
    fprintf (out,
             "\n"
             "Which member unit reports which indicator (职责分工).  A lead unit (牵头) is\n"
             "chased for the indicator's reports: a missing one is a warning.  A\n"
             "contributing unit (配合) may report it too and is not chased.  A unit may\n"
             "report only indicators it is assigned; the server follows a change within\n"
             "its reload_seconds (30 s by default).\n"
             "\n");
    if (all || strcmp (action, "list") == 0)
        fprintf (out,
                 "list    one row per responsibility: indicator and its name, unit and its\n"
                 "        name, role (lead or contributes), the area the unit answers for;\n"
                 "        --unit and --indicator narrow it.\n");
    if (all || strcmp (action, "assign") == 0)
        fprintf (out,
                 "assign  makes the unit the indicator's lead, or with --contributes a\n"
                 "        contributor; for a pair that exists it changes the role and says\n"
                 "        so.  Turning an active indicator's last lead into a contributor is\n"
                 "        refused unless --force.\n");
    if (all || strcmp (action, "drop") == 0)
        fprintf (out,
                 "drop    removes the pair.  Every active indicator must keep a lead: dropping\n"
                 "        its last lead is refused unless --force (then nobody is chased for\n"
                 "        it).\n");
    fprintf (out,
             "\n"
             "Each change is one transaction.  Exit 2 for an unknown indicator or unit\n"
             "(the message names it and the nearest codes), a pair that does not exist,\n"
             "or a refused last lead; 1 if the database failed.\n");
}

//  What `wdmon responsibility` was asked.
typedef struct {
    const char *action;
    bool is_list, is_assign;
    const char *indicator, *unit;
    bool contributes, force;
    wdm_table_format_t format;
} s_args_t;

//  Parse the options after the action (argv [0]) into args: S_GO_ON, or
//  the exit code (help printed, or the command line refused and said).
static int
s_parse_options (int argc, char **argv, s_args_t *args)
{
    static const struct option long_options [] = { { "indicator", required_argument, NULL, 'i' },
                                                   { "unit", required_argument, NULL, 'u' },
                                                   { "contributes", no_argument, NULL, 'C' },
                                                   { "force", no_argument, NULL, 'F' },
                                                   { "format", required_argument, NULL, 'f' },
                                                   { "help", no_argument, NULL, 'h' },
                                                   { NULL, 0, NULL, 0 } };
    const char *action = args->action;
    bool format_given = false;
    optind = 0;  //  0: glibc reinitialises its scan state
    int opt;
    while ((opt = getopt_long (argc, argv, "i:u:CFf:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'i': args->indicator = optarg; break;
            case 'u': args->unit = optarg; break;
            case 'C': args->contributes = true; break;
            case 'F': args->force = true; break;
            case 'f':
                if (wdm_cmd_format ("responsibility", optarg, false, &args->format))
                    return WDM_CMD_EXIT_USAGE;
                format_given = true;
                break;
            case 'h': s_usage (stdout, action); return WDM_CMD_EXIT_OK;
            default: return WDM_CMD_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf (stderr, "wdmon responsibility %s: unexpected argument '%s'\n", action, argv [optind]);
        return WDM_CMD_EXIT_USAGE;
    }
    if (!args->is_list && (!args->indicator || !args->unit || format_given)) {
        fprintf (stderr,
                 "wdmon responsibility %s: --indicator CODE and --unit CODE are "
                 "required%s\n",
                 action, format_given ? "; --format is for list" : "");
        return WDM_CMD_EXIT_USAGE;
    }
    if ((args->is_list && (args->contributes || args->force)) || (!args->is_assign && args->contributes)) {
        fprintf (stderr,
                 "wdmon responsibility %s: --contributes is for assign, --force for "
                 "assign and drop\n",
                 action);
        return WDM_CMD_EXIT_USAGE;
    }
    return S_GO_ON;
}

int
wdm_cmd_responsibility (wdm_cmd_config_t *config, int argc, char **argv)
{
    if (argc < 2 || wdm_cmd_is_help (argv [1])) {
        s_usage (argc < 2 ? stderr : stdout, NULL);
        return argc < 2 ? WDM_CMD_EXIT_USAGE : WDM_CMD_EXIT_OK;
    }
    s_args_t args = { .action = argv [1], .format = WDM_TABLE_TEXT };
    args.is_list = strcmp (args.action, "list") == 0;
    args.is_assign = strcmp (args.action, "assign") == 0;
    if (!args.is_list && !args.is_assign && strcmp (args.action, "drop") != 0) {
        fprintf (stderr,
                 "wdmon responsibility: unknown action '%s'; see wdmon responsibility "
                 "--help\n",
                 args.action);
        return WDM_CMD_EXIT_USAGE;
    }
    //  Parse after the action, which stands in as argv [0].
    int rc = s_parse_options (argc - 1, argv + 1, &args);
    if (rc != S_GO_ON)
        return rc;
    PGconn *conn = wdm_cmd_connect (config, &rc);
    if (!conn)
        return rc;
    char command [64], message [1024] = "";
    snprintf (command, sizeof command, "responsibility %s", args.action);
    wdm_check_result_t result = args.is_list
        ? wdm_resp_list (conn, args.indicator, args.unit, args.format, stdout, message, sizeof message)
        : args.is_assign
        ? wdm_resp_assign (conn, args.indicator, args.unit, !args.contributes, args.force, message,
                           sizeof message)
        : wdm_resp_drop (conn, args.indicator, args.unit, args.force, message, sizeof message);
    PQfinish (conn);
    rc = wdm_cmd_checked (command, result, message);
    if (rc == WDM_CMD_EXIT_OK && !args.is_list)
        printf ("%s\n", message);
    return rc;
}
