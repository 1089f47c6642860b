/*  wdm_cmd_plan: `wdmon plan import|list|show|export|use` — the command
    line in front of server/plan, which reads, checks, applies and writes
    plan files (docs/PLANS.md).  wdmon.c dispatches to it; see
    wdm_cmd_int.h.  */

#include "wdm_cmd_int.h"
#include "wdm_db.h"
#include "wdm_plan.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: wdmon plan import FILE [--dry-run] [--current]\n"
             "       wdmon plan list [--format text|csv|json]\n"
             "       wdmon plan show [CODE] [--format text|csv|json]\n"
             "       wdmon plan export CODE [FILE]\n"
             "       wdmon plan use CODE\n"
             "\n"
             "A plan (规划) — its title, period, baseline year and deadline, its\n"
             "domains, each indicator's statistic and the plan's target on it in the\n"
             "plan's own words — is a YAML file (docs/PLANS.md); the shipped ones are\n"
             "in deploy/plans/.  Several plans are held at once; one is current: the\n"
             "one commands show unless told --plan.\n"
             "\n"
             "import   checks FILE whole and loads it in one transaction: a new plan is\n"
             "         added; a plan already held becomes its next version, each\n"
             "         difference printed one a line (added, changed: field old → new,\n"
             "         removed), or \"no change\".  --dry-run prints them and changes\n"
             "         nothing; --current makes the plan current (so does importing\n"
             "         when no plan is).  Every error in the file is reported, each\n"
             "         with FILE:LINE and the field, and nothing is applied.  A target\n"
             "         the file drops that warnings name is kept, inactive.\n"
             "list     every plan: code, title, period, current, version, targets.\n"
             "show     a plan (default: the current one) and its targets.\n"
             "export   writes the plan as a plan file to FILE (standard output\n"
             "         without one); importing it back changes nothing.\n"
             "use      makes the plan current.\n"
             "\n"
             "Exit 2 for a file with errors or an unknown plan, 1 if the database\n"
             "failed.\n");
}

static int
s_import (wdm_cmd_config_t *config, const char *path, bool dry_run, bool make_current)
{
    int rc;
    PGconn *conn = wdm_cmd_connect (config, &rc);
    if (!conn)
        return rc;
    wdm_buf_t errors = { 0 };
    wdm_plan_result_t result = wdm_plan_import (conn, path, dry_run, make_current, stdout, &errors);
    PQfinish (conn);
    rc = wdm_cmd_import_said ("plan import", result, &errors);
    wdm_buf_free (&errors);
    return rc;
}

static const char *s_list_sql =
    "SELECT p.code, p.title_zh AS title, p.period_start || '–' || p.period_end AS period,"
    "       p.current, p.version,"
    "       (SELECT count (*) FROM plan_target t WHERE t.plan_code = p.code AND t.active) AS targets"
    "  FROM plan p ORDER BY p.period_start, p.code";

static const char *s_show_head_sql =
    "SELECT code, title_zh, title_en, subject, source, period_start || '–' || period_end AS period,"
    "       baseline_year, deadline_month || '-' || deadline_day AS report_deadline, current, version"
    "  FROM plan WHERE code = $1";

static const char *s_show_targets_sql =
    "SELECT d.ordinal AS domain, t.ordinal, i.code AS indicator, i.name_zh AS name, t.target_kind AS kind,"
    "       coalesce (t.target_value::text, t.relation_op || ' ' || t.relation_code) AS target,"
    "       u.symbol AS unit, t.target_year AS year, t.active,"
    "       t.baseline_value AS baseline, t.baseline_source, t.clause_ref, t.clause_zh"
    "  FROM plan_target t JOIN indicator i ON i.code = t.indicator_code"
    "  JOIN domain d ON d.plan_code = t.plan_code AND d.code = t.domain_code"
    "  JOIN measure_unit u ON u.code = i.measure_unit_code"
    " WHERE t.plan_code = $1 ORDER BY d.ordinal, t.ordinal";

//  Show the plan code: its fields, then its targets.
static int
s_show (PGconn *conn, const char *code, wdm_table_format_t format)
{
    const wdm_table_section_t sections [] = {
        { "plan", "规划 / plan", s_show_head_sql },
        { "targets", "目标 / targets", s_show_targets_sql },
    };
    const char *params [] = { code };
    return wdm_table_sections (conn, sections, 2, 1, params, NULL, format, stdout) ? WDM_CMD_EXIT_FAILED
                                                                                   : WDM_CMD_EXIT_OK;
}

static int
s_export (PGconn *conn, const char *code, const char *path)
{
    FILE *out = path ? fopen (path, "w") : stdout;
    if (!out) {
        fprintf (stderr, "wdmon plan export: %s: %s\n", path, strerror (errno));
        return WDM_CMD_EXIT_FAILED;
    }
    wdm_buf_t errors = { 0 };
    int rc = wdm_plan_export (conn, code, out, &errors) ? WDM_CMD_EXIT_FAILED : WDM_CMD_EXIT_OK;
    if (rc)
        fprintf (stderr, "wdmon plan export: %s", errors.data ? errors.data : "failed\n");
    wdm_buf_free (&errors);
    if (path && fclose (out) && rc == WDM_CMD_EXIT_OK) {
        fprintf (stderr, "wdmon plan export: %s: %s\n", path, strerror (errno));
        rc = WDM_CMD_EXIT_FAILED;
    }
    return rc;
}

//  Make code the current plan.
static int
s_use (PGconn *conn, const char *code)
{
    const char *params [] = { code };
    int rc = WDM_CMD_EXIT_FAILED;
    PGresult *res = NULL;
    if (wdm_db_exec (conn, "BEGIN"))
        goto cleanup;
    res = wdm_db_query (conn, "UPDATE plan SET current = false WHERE current AND code <> $1", 1, params,
                        PGRES_COMMAND_OK, NULL, 0);
    if (!res)
        goto cleanup;
    PQclear (res);
    res = wdm_db_query (conn, "UPDATE plan SET current = true WHERE code = $1 AND NOT current", 1, params,
                        PGRES_COMMAND_OK, NULL, 0);
    if (!res || wdm_db_exec (conn, "COMMIT"))
        goto cleanup;
    printf ("当前规划 / current plan: %s%s\n", code,
            strcmp (PQcmdTuples (res), "0") == 0 ? "(未变 / unchanged)" : "");
    rc = WDM_CMD_EXIT_OK;
cleanup:
    PQclear (res);
    if (PQtransactionStatus (conn) != PQTRANS_IDLE)
        PQclear (PQexec (conn, "ROLLBACK"));
    return rc;
}

//  The options after the action: --dry-run, --current, --format.
typedef struct {
    bool dry_run, current, format_given;
    wdm_table_format_t format;
    int rest;
    char **args;
} s_options_t;

static int
s_options (int argc, char **argv, s_options_t *options)
{
    static const struct option long_options [] = { { "dry-run", no_argument, NULL, 'n' },
                                                   { "current", no_argument, NULL, 'c' },
                                                   { "format", required_argument, NULL, 'f' },
                                                   { "help", no_argument, NULL, 'h' },
                                                   { NULL, 0, NULL, 0 } };
    optind = 0;  //  0: glibc reinitialises its scan state
    int opt;
    while ((opt = getopt_long (argc - 1, argv + 1, "ncf:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'n': options->dry_run = true; break;
            case 'c': options->current = true; break;
            case 'f':
                if (wdm_cmd_format ("plan", optarg, true, &options->format))
                    return WDM_CMD_EXIT_USAGE;
                options->format_given = true;
                break;
            case 'h': s_usage (stdout); return -1;
            default: return WDM_CMD_EXIT_USAGE;
        }
    }
    options->rest = argc - 1 - optind;
    options->args = argv + 1 + optind;
    return WDM_CMD_EXIT_OK;
}

//  Whether the action's arguments are what it takes; if not, says so.
static bool
s_arguments_fit (const char *action, const s_options_t *o)
{
    bool import = strcmp (action, "import") == 0;
    bool fits = import                 ? o->rest == 1 && !o->format_given
        : strcmp (action, "list") == 0 ? o->rest == 0 && !o->dry_run && !o->current
        : strcmp (action, "show") == 0 ? o->rest <= 1 && !o->dry_run && !o->current
        : strcmp (action, "export") == 0
        ? o->rest >= 1 && o->rest <= 2 && !o->dry_run && !o->current && !o->format_given
        : o->rest == 1 && !o->dry_run && !o->current && !o->format_given;  //  use
    if (!fits)
        fprintf (stderr, "wdmon plan %s: 参数不对 / wrong arguments; see wdmon plan --help\n", action);
    return fits;
}

//  list, show, export, use: connect, check the plan's code, act.
static int
s_with_plan (wdm_cmd_config_t *config, const char *action, const s_options_t *o)
{
    int rc;
    PGconn *conn = wdm_cmd_connect (config, &rc);
    if (!conn)
        return rc;
    char command [32], code [128];
    snprintf (command, sizeof command, "plan %s", action);
    const char *plan = o->rest ? o->args [0] : NULL;
    if (strcmp (action, "list") == 0)
        rc = wdm_table_query (conn, s_list_sql, 0, NULL, o->format, stdout) ? WDM_CMD_EXIT_FAILED
                                                                            : WDM_CMD_EXIT_OK;
    else if ((rc = wdm_cmd_check_plan (conn, command, &plan, code, sizeof code)) == WDM_CMD_EXIT_OK)
        rc = strcmp (action, "show") == 0    ? s_show (conn, plan, o->format)
            : strcmp (action, "export") == 0 ? s_export (conn, plan, o->rest == 2 ? o->args [1] : NULL)
                                             : s_use (conn, plan);
    PQfinish (conn);
    return rc;
}

int
wdm_cmd_plan (wdm_cmd_config_t *config, int argc, char **argv)
{
    int asked = wdm_cmd_usage_asked (argc, argv, s_usage);
    if (asked >= 0)
        return asked;
    const char *action = argv [1];
    static const char *const actions [] = { "import", "list", "show", "export", "use", NULL };
    char message [512] = "";
    int rc = wdm_cmd_checked ("plan", wdm_check_word ("action", action, actions, message, sizeof message),
                              message);
    if (rc != WDM_CMD_EXIT_OK)
        return rc;
    s_options_t options = { 0 };
    rc = s_options (argc, argv, &options);
    if (rc != WDM_CMD_EXIT_OK)
        return rc < 0 ? WDM_CMD_EXIT_OK : rc;
    if (!s_arguments_fit (action, &options))
        return WDM_CMD_EXIT_USAGE;
    if (strcmp (action, "import") == 0)
        return s_import (config, options.args [0], options.dry_run, options.current);
    return s_with_plan (config, action, &options);
}
