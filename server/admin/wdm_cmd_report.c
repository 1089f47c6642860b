/*  wdm_cmd_report: the subcommands about the plan's years — `wdmon
    completeness --year Y` (each member unit's reports owed, received, late
    and missing) and `wdmon report` (the annual monitoring report or the
    final evaluation, written by server/report's wdm_report, to a file
    replaced only when complete).  wdmon.c dispatches to them; see
    wdm_cmd_int.h.  */

#include "wdm_cmd_int.h"
#include "wdm_completeness.h"
#include "wdm_db.h"
#include "wdm_report.h"
#include "wdm_report_pdf.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

//  Parsing went well: go on to the work (any other value is the exit code).
#define S_GO_ON -1

//  Connect and check that text is one of the years of any plan (the
//  report checks its own plan's), put in *year.  The connection, or NULL
//  with *rc set and said.
static PGconn *
s_connect_for_year (const wdm_cmd_config_t *config, const char *command, const char *text, int *year, int *rc)
{
    *rc = WDM_CMD_EXIT_FAILED;
    PGconn *conn = wdm_db_connect (config->conninfo);
    if (!conn)
        return NULL;
    char message [1024] = "";
    int parsed = 0;
    *rc = wdm_cmd_checked (
        command, wdm_check_year (conn, WDM_CMD_PLAN_YEARS_SQL, NULL, text, &parsed, message, sizeof message),
        message);
    if (*rc != WDM_CMD_EXIT_OK) {
        PQfinish (conn);
        return NULL;
    }
    *year = parsed;
    return conn;
}

int
wdm_cmd_completeness (wdm_cmd_config_t *config, int argc, char **argv)
{
    wdm_table_format_t format = WDM_TABLE_TEXT;
    const char *year = NULL, *plan = NULL;
    char plan_code [128];
    static const struct option long_options [] = { { "year", required_argument, NULL, 'y' },
                                                   { "plan", required_argument, NULL, 'P' },
                                                   { "format", required_argument, NULL, 'f' },
                                                   { "help", no_argument, NULL, 'h' },
                                                   { NULL, 0, NULL, 0 } };
    optind = 0;  //  0: glibc reinitialises its scan state
    int opt;
    while ((opt = getopt_long (argc, argv, "y:P:f:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'y': year = optarg; break;
            case 'P': plan = optarg; break;
            case 'f':
                if (wdm_cmd_format ("completeness", optarg, false, &format))
                    return WDM_CMD_EXIT_USAGE;
                break;
            case 'h':
                printf ("Usage: wdmon completeness --year Y [--plan P] [--format text|csv|json]\n\n"
                        "For each member unit, the reports it owes for year Y as the lead unit\n"
                        "of an indicator, those received, those received after the deadline\n"
                        "(31 March of the next year unless the plan says otherwise), and those\n"
                        "still missing; the units missing most first.  Y is one of the plan's\n"
                        "years (2021-2025); another is refused (exit 2), naming the range.\n"
                        "The reports owed for plan P (its code), else for the current plan; a\n"
                        "report two plans watch is owed once, and counted in each.\n");
                return WDM_CMD_EXIT_OK;
            default: return WDM_CMD_EXIT_USAGE;
        }
    }
    if (!year) {
        fprintf (stderr, "wdmon completeness: --year YYYY is required\n");
        return WDM_CMD_EXIT_USAGE;
    }
    PGconn *conn = wdm_db_connect (config->conninfo);
    if (!conn)
        return WDM_CMD_EXIT_FAILED;
    int rc = wdm_cmd_check_plan (conn, "completeness", &plan, plan_code, sizeof plan_code);
    //  Reports are owed for the plan's years only: another year would list
    //  nothing, as if every unit had reported.
    char message [1024] = "";
    int parsed = 0;
    if (rc == WDM_CMD_EXIT_OK)
        rc = wdm_cmd_checked ("completeness",
                              wdm_check_year (conn, WDM_COMPLETENESS_YEARS_SQL, plan_code, year, &parsed,
                                              message, sizeof message),
                              message);
    const char *params [] = { year, plan };
    if (rc == WDM_CMD_EXIT_OK)
        rc = wdm_table_query (conn, WDM_COMPLETENESS_SQL, 2, params, format, stdout) ? WDM_CMD_EXIT_FAILED
                                                                                     : WDM_CMD_EXIT_OK;
    PQfinish (conn);
    return rc;
}

//  Parse report's options into options, *year and *output: S_GO_ON, or
//  the exit code (help printed, or the command line refused and said).
static int
s_report_parse (int argc, char **argv, wdm_report_options_t *options, const char **year, const char **output,
                bool *pdf)
{
    static const struct option long_options [] = {
        { "year", required_argument, NULL, 'y' },   { "final", no_argument, NULL, 'F' },
        { "format", required_argument, NULL, 'f' }, { "lang", required_argument, NULL, 'L' },
        { "output", required_argument, NULL, 'o' }, { "plan", required_argument, NULL, 'P' },
        { "unit", required_argument, NULL, 'u' },   { "area", required_argument, NULL, 'a' },
        { "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 }
    };
    optind = 0;  //  0: glibc reinitialises its scan state
    int opt;
    while ((opt = getopt_long (argc, argv, "y:Ff:L:o:P:u:a:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'y': *year = optarg; break;
            case 'F': options->final = true; break;
            case 'f':
                if (strcmp (optarg, "html") == 0)
                    options->format = WDM_REPORT_HTML;
                else if (strcmp (optarg, "md") == 0)
                    options->format = WDM_REPORT_MARKDOWN;
                else if (strcmp (optarg, "csv") == 0)
                    options->format = WDM_REPORT_CSV;
                else if (strcmp (optarg, "pdf") == 0)
                    *pdf = true;  //  the HTML, printed (wdm_report_pdf)
                else {
                    fprintf (stderr, "wdmon report: --format is html, md, csv or pdf\n");
                    return WDM_CMD_EXIT_USAGE;
                }
                break;
            case 'L':
                if (strcmp (optarg, "zh") != 0 && strcmp (optarg, "en") != 0) {
                    fprintf (stderr, "wdmon report: --lang is zh or en\n");
                    return WDM_CMD_EXIT_USAGE;
                }
                options->english = strcmp (optarg, "en") == 0;
                break;
            case 'o': *output = optarg; break;
            case 'P': options->plan = optarg; break;
            case 'u': options->unit = optarg; break;
            case 'a': options->area = optarg; break;
            case 'h':
                printf ("Usage: wdmon report --year Y [--format html|md|csv|pdf] [--lang zh|en]\n"
                        "                    [--plan P] [--unit CODE | --area CODE] -o FILE\n"
                        "       wdmon report --final [--plan P] [--format ...] [--lang ...] -o FILE\n\n"
                        "The annual monitoring report for year Y (年度监测报告): a summary of how\n"
                        "many indicators are met, on track, behind, unlikely to be met or not\n"
                        "reported; the domains with each indicator's target, baseline (and where\n"
                        "it came from), values by year and status; the open warnings; member\n"
                        "units' completeness.\n"
                        "With --final, the final evaluation of an ended plan (终期监测评估报告):\n"
                        "each target met or not at its target year, with the value and year used\n"
                        "and the change from the baseline; targets with no final value listed as\n"
                        "such, never counted as met; every warning of the period and how it\n"
                        "ended.  Refused (exit 2) for a plan whose last year is not yet past, and\n"
                        "for a --year other than the plan's last.\n"
                        "HTML is one self-contained file that prints to A4; Markdown and CSV\n"
                        "carry the same numbers.  PDF is the HTML printed to A4 by headless\n"
                        "chromium (WDM_PDF_ENGINE names another; WDM_PDF_TIMEOUT its limit in\n"
                        "seconds, default 60).  Chinese by default.  -o - writes to standard\n"
                        "output.  The report is of one plan: --plan P (its code), else the\n"
                        "current plan.\n"
                        "With --unit CODE, the report of one member unit (成员单位报告): the\n"
                        "indicators it answers for, judged on its own area as the district's\n"
                        "report judges them, the warnings it is to act on, and every report it\n"
                        "owes for the year and its state.  With --area CODE, the report of one\n"
                        "town or street (镇街报告): every indicator's value and status there, the\n"
                        "warnings about it and the areas within it, its units' reporting.  An\n"
                        "unknown code is refused (exit 2), naming the nearest codes.\n");
                return WDM_CMD_EXIT_OK;
            default: return WDM_CMD_EXIT_USAGE;
        }
    }
    if (options->unit && options->area) {
        fprintf (stderr,
                 "wdmon report: --unit 与 --area 只能选一个 / --unit and --area exclude each other\n");
        return WDM_CMD_EXIT_USAGE;
    }
    if ((!*year && !options->final) || !*output) {
        fprintf (stderr, "wdmon report: --year YYYY and -o FILE are required (--final takes no --year)\n");
        return WDM_CMD_EXIT_USAGE;
    }
    return S_GO_ON;
}

//  A final evaluation is of an ended plan, at its last year: *year becomes
//  the plan's period_end.  A --year (text, may be NULL) other than that,
//  or a plan whose period has not ended before the current year (in the
//  office's zone), is refused and said.  The exit code.
static int
s_final_year (PGconn *conn, const char *plan, const char *text, int *year)
{
    const char *params [] = { plan };
    PGresult *res =
        wdm_db_query (conn,
                      "SELECT period_end, extract (year FROM now () AT TIME ZONE 'Asia/Shanghai')::int"
                      "  FROM plan WHERE code = $1",
                      1, params, PGRES_TUPLES_OK, NULL, 0);
    if (!res)
        return WDM_CMD_EXIT_FAILED;
    int rc = WDM_CMD_EXIT_USAGE;
    int last = PQntuples (res) == 1 ? atoi (PQgetvalue (res, 0, 0)) : 0;
    int now = PQntuples (res) == 1 ? atoi (PQgetvalue (res, 0, 1)) : 0;
    char last_text [16];
    snprintf (last_text, sizeof last_text, "%d", last);
    if (PQntuples (res) != 1)
        fprintf (stderr, "wdmon report: there is no plan %s\n", plan);
    else if (text && strcmp (text, last_text) != 0)
        fprintf (stderr,
                 "wdmon report: 终期评估评估规划 %s 的最后一年%d年,不能指定 --year %s"
                 " / the final evaluation of plan %s is of its last year, %d, not --year %s\n",
                 plan, last, text, plan, last, text);
    else if (last >= now)
        fprintf (
            stderr,
            "wdmon report: 规划 %s 到%d年结束,尚未期满,%d年起方可撰写终期评估;此前请用 --year Y 撰写年度报告"
            " / plan %s runs to %d and has not ended: its final evaluation can be written from %d;"
            " until then write the annual report with --year Y\n",
            plan, last, last + 1, plan, last, last + 1);
    else {
        *year = last;
        rc = WDM_CMD_EXIT_OK;
    }
    PQclear (res);
    return rc;
}

//  Write the report to output ("-": standard output), its counts in
//  summary.  A file is written beside output and renamed over it when
//  complete: a report that fails half-way leaves the previous one as it
//  was.  Output that exists and is not a plain file (/dev/null, a FIFO) is
//  written into as it is: renamed over, the device would become a file.
//  The exit code; a failure is said.
static int
s_report_write (PGconn *conn, const wdm_report_options_t *options, bool pdf, const char *output,
                wdm_report_summary_t *summary)
{
    struct stat st;
    bool special = stat (output, &st) == 0 && !S_ISREG (st.st_mode);
    bool to_stdout = strcmp (output, "-") == 0;
    char partial [4200], err [512] = "";
    snprintf (partial, sizeof partial, "%s.partial-%ld", output, (long)getpid ());
    const char *target = special ? output : partial;  //  where the report is written
    FILE *out = to_stdout ? stdout : fopen (target, "w");
    int rc = WDM_CMD_EXIT_FAILED;
    if (!out)
        fprintf (stderr, "wdmon report: %s: %s\n", target, strerror (errno));
    else if (pdf ? wdm_report_write_pdf (conn, options, out, summary, err, sizeof err)
                 : wdm_report_write (conn, options, out, summary, err, sizeof err))
        fprintf (stderr, "wdmon report: %s\n", err);
    else
        rc = WDM_CMD_EXIT_OK;
    if (out && !to_stdout) {
        if (fclose (out) && rc == WDM_CMD_EXIT_OK) {
            fprintf (stderr, "wdmon report: %s: %s\n", target, strerror (errno));
            rc = WDM_CMD_EXIT_FAILED;
        }
        if (rc == WDM_CMD_EXIT_OK && !special && rename (partial, output)) {
            fprintf (stderr, "wdmon report: %s: %s\n", output, strerror (errno));
            rc = WDM_CMD_EXIT_FAILED;
        }
        if (rc != WDM_CMD_EXIT_OK && !special)
            unlink (partial);
    }
    return rc;
}

int
wdm_cmd_report (wdm_cmd_config_t *config, int argc, char **argv)
{
    wdm_report_options_t options = { .format = WDM_REPORT_HTML };
    const char *output = NULL, *year = NULL;
    char plan [128], unit [128], area [128];
    bool pdf = false;
    int rc = s_report_parse (argc, argv, &options, &year, &output, &pdf);
    if (rc != S_GO_ON)
        return rc;
    PGconn *conn = options.final ? wdm_db_connect (config->conninfo)
                                 : s_connect_for_year (config, "report", year, &options.year, &rc);
    if (!conn)
        return options.final ? WDM_CMD_EXIT_FAILED : rc;
    wdm_report_summary_t summary;
    rc = wdm_cmd_check_plan (conn, "report", &options.plan, plan, sizeof plan);
    if (rc == WDM_CMD_EXIT_OK)
        rc = wdm_cmd_check_code (conn, "report", WDM_CMD_UNITS_SQL, "成员单位", "member unit", &options.unit,
                                 unit, sizeof unit);
    if (rc == WDM_CMD_EXIT_OK)
        rc = wdm_cmd_check_code (conn, "report", WDM_CMD_AREAS_SQL, "地区", "area", &options.area, area,
                                 sizeof area);
    if (rc == WDM_CMD_EXIT_OK && options.final)
        rc = s_final_year (conn, options.plan, year, &options.year);
    if (rc == WDM_CMD_EXIT_OK)
        rc = s_report_write (conn, &options, pdf, output, &summary);
    //  The line uses the report's own words: a final evaluation has no
    //  "behind" or "unlikely", only met, not met, not judgeable and no
    //  final value (s_lead_words in server/report/wdm_report_summary.c).
    if (rc == WDM_CMD_EXIT_OK && strcmp (output, "-") != 0 && options.final)
        fprintf (stderr,
                 "wrote %s: %d indicators with targets — %d met, %d not met, %d cannot be judged from "
                 "the data, %d without a final value; %d red and %d yellow warnings open\n",
                 output, summary.indicators, summary.met, summary.unlikely, summary.on_track,
                 summary.not_reported, summary.open_red, summary.open_yellow);
    else if (rc == WDM_CMD_EXIT_OK && strcmp (output, "-") != 0)
        fprintf (stderr,
                 "wrote %s: %d indicators with targets — %d met, %d on track, %d behind, "
                 "%d unlikely to be met, %d not reported; %d red and %d yellow warnings open\n",
                 output, summary.indicators, summary.met, summary.on_track, summary.behind, summary.unlikely,
                 summary.not_reported, summary.open_red, summary.open_yellow);
    PQfinish (conn);
    return rc;
}
