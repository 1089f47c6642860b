/*  wdm_cmd_template: `wdmon template --unit CODE --year Y [--plan P] -o
    FILE.xlsx` — a member unit's yearly Excel form (报表模板), written by
    server/form's wdm_form.  The unit, the year and the plan are checked
    here as every command checks them (wdm_check): an unknown one is
    refused, named with the nearest.  wdmon.c dispatches to it; see
    wdm_cmd_int.h.  */

#include "wdm_cmd_int.h"
#include "wdm_db.h"
#include "wdm_form.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: wdmon template --unit CODE --year Y [--plan P] -o FILE.xlsx\n\n"
             "成员单位的年度报表模板 / A member unit's yearly Excel form: one row for\n"
             "each indicator (x body, x sex where it needs them) the unit is responsible\n"
             "for under plan P (else the current plan), in the unit's area; the plan's\n"
             "wording, the unit of measure, the target and last year's value to read;\n"
             "value, numerator, denominator and note to fill (the only unlocked cells,\n"
             "the value checked against the indicator's natural range). A filled form\n"
             "dropped into the unit's collector inbox is read back row by row.\n"
             "CODE is a member unit's code or name; Y one of the plans' years.\n");
}

int
wdm_cmd_template (wdm_cmd_config_t *config, int argc, char **argv)
{
    const char *unit = NULL, *year = NULL, *plan = NULL, *output = NULL;
    static const struct option long_options [] = {
        { "unit", required_argument, NULL, 'u' }, { "year", required_argument, NULL, 'y' },
        { "plan", required_argument, NULL, 'P' }, { "output", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },       { NULL, 0, NULL, 0 }
    };
    optind = 0;  //  0: glibc reinitialises its scan state
    int opt;
    while ((opt = getopt_long (argc, argv, "u:y:P:o:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'u': unit = optarg; break;
            case 'y': year = optarg; break;
            case 'P': plan = optarg; break;
            case 'o': output = optarg; break;
            case 'h': s_usage (stdout); return WDM_CMD_EXIT_OK;
            default: s_usage (stderr); return WDM_CMD_EXIT_USAGE;
        }
    }
    if (!unit || !year || !output || optind < argc) {
        fprintf (stderr, "wdmon template: --unit, --year and -o FILE.xlsx are required\n");
        return WDM_CMD_EXIT_USAGE;
    }
    PGconn *conn = wdm_db_connect (config->conninfo);
    if (!conn)
        return WDM_CMD_EXIT_FAILED;
    char unit_code [128], plan_code [128], message [1024] = "";
    int year_number = 0, rows = 0;
    int rc = wdm_cmd_check_code (conn, "template", WDM_CMD_UNITS_SQL, "成员单位", "member unit", &unit,
                                 unit_code, sizeof unit_code);
    if (rc == WDM_CMD_EXIT_OK)
        rc = wdm_cmd_check_plan (conn, "template", &plan, plan_code, sizeof plan_code);
    if (rc == WDM_CMD_EXIT_OK)
        rc = wdm_cmd_checked ("template",
                              wdm_check_year (conn, WDM_CMD_PLAN_YEARS_SQL, plan_code, year, &year_number,
                                              message, sizeof message),
                              message);
    if (rc == WDM_CMD_EXIT_OK) {
        if (wdm_form_write (conn, unit, plan, year_number, output, &rows, message, sizeof message)) {
            fprintf (stderr, "wdmon template: %s\n", message);
            rc = WDM_CMD_EXIT_FAILED;
        } else if (rows == 0)
            fprintf (stderr,
                     "wdmon template: %s在规划%s中没有负责的年度指标，表中无行 / %s is responsible for no "
                     "yearly indicator of plan %s: the form has no rows (see wdmon responsibility list)\n",
                     unit, plan, unit, plan);
        else
            printf ("%s: %d行待填 / %d rows to fill (%s, %s, %s)\n", output, rows, rows, unit, year, plan);
    }
    PQfinish (conn);
    return rc;
}
