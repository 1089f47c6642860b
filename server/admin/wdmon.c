/*  wdmon: the operator's command.

    Global options pick the database, the office's zone and the log level;
    a subcommand does the work.  This file holds main, the global options
    (one table, the config file, WDMON_DB and WDM_TZ under the command
    line) and the table of subcommands; each subcommand is a module
    wdm_cmd_<name>.c (see wdm_cmd_int.h).  Exit codes: 0 success, 1 the
    work failed (database, migration), 2 the command line or the
    configuration is wrong.  */

#include "wdm_cmd_int.h"
#include "wdm_config.h"
#include "wdm_log.h"

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef WDM_VERSION
#define WDM_VERSION "0.0.0"
#endif

static const wdm_option_t s_options [] = {
    { "database", "conninfo", WDM_OPT_STRING, "", 0, 0, offsetof (wdm_cmd_config_t, conninfo),
      sizeof ((wdm_cmd_config_t *)0)->conninfo,
      "libpq connection string, e.g. host=/var/run/postgresql dbname=wdmon" },
    { "log", "level", WDM_OPT_STRING, "info", 0, 0, offsetof (wdm_cmd_config_t, log_level),
      sizeof ((wdm_cmd_config_t *)0)->log_level, "error, warn, info or debug" },
    { "office", "timezone", WDM_OPT_STRING, "Asia/Shanghai", 0, 0, offsetof (wdm_cmd_config_t, timezone),
      sizeof ((wdm_cmd_config_t *)0)->timezone,
      "the office's time zone, as PostgreSQL names it (pg_timezone_names)" },
    WDM_OPTION_END
};

//  The subcommands, by the name the operator types.
static const struct {
    const char *name;
    wdm_cmd_fn_t run;
} s_commands [] = { { "migrate", wdm_cmd_migrate },   { "server-key", wdm_cmd_server_key },
                    { "unit", wdm_cmd_unit },         { "responsibility", wdm_cmd_responsibility },
                    { "catalog", wdm_cmd_catalog },   { "warnings", wdm_cmd_warnings },
                    { "status", wdm_cmd_status },     { "completeness", wdm_cmd_completeness },
                    { "report", wdm_cmd_report },     { "site", wdm_cmd_site },
                    { "user", wdm_cmd_user },         { "plan", wdm_cmd_plan },
                    { "template", wdm_cmd_template }, { "notices", wdm_cmd_notices },
                    { "token", wdm_cmd_token },       { "forward", wdm_cmd_forward } };

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: wdmon [OPTIONS] COMMAND [ARGS]\n"
             "\n"
             "The operator's command of wdmon, the monitoring system of the Wuqing\n"
             "District Women's Development Plan 2021-2025.\n"
             "\n"
             "Commands:\n"
             "  migrate [--list]   apply the schema migrations this program carries,\n"
             "                     or list them with when each was applied\n"
             "  plan import FILE [--dry-run] [--current]  check and load a plan file\n"
             "                     (docs/PLANS.md), a changed one as the plan's next\n"
             "                     version; 'plan list', 'plan show [CODE]', 'plan export\n"
             "                     CODE [FILE]', 'plan use CODE' (make it current)\n"
             "  site import FILE [--dry-run]  make the areas, member units and\n"
             "                     responsibilities what the site file says\n"
             "  site export [FILE] write them as a site file\n"
             "  server-key DIR     generate the server's key pair: DIR/server.key, DIR/server.pub\n"
             "  unit add CODE      register a member unit's key and write its collector bundle\n"
             "  unit revoke CODE   revoke every key of a unit\n"
             "  unit list          list the member units\n"
             "  catalog export     write the catalog a collector checks records against\n"
             "  unit rotate-key CODE  a new key and bundle for a unit; the old key stays\n"
             "                     until 'unit revoke CODE --keep NEWKEY'\n"
             "  responsibility list|assign|drop  which unit leads or contributes to which\n"
             "                     indicator\n"
             "  status             servers, collectors, units with a key that never\n"
             "                     delivered, today's records and commit times\n"
             "  warnings [--open] [--state S] [--level L] [--rule R] [--domain D]\n"
             "           [--indicator I] [--area A] [--unit U] [--year Y]\n"
             "                     list warnings; 'warnings show ID' with its history;\n"
             "                     'warnings ack ID [ID...] --by NAME --note TEXT'\n"
             "                     acknowledges, or adds a note to an acknowledged one;\n"
             "                     'warnings evaluate [--today DATE]' runs every rule now\n"
             "  completeness --year Y  per member unit: reports owed, received, late, missing\n"
             "  report --year Y | --final [--plan P] [--format html|md|csv] [--lang zh|en] -o FILE\n"
             "                     the annual monitoring report (or the final evaluation)\n"
             "  user add|passwd|disable|list  the web console's accounts (wdmon-web)\n"
             "  template --unit CODE --year Y [--plan P] -o FILE.xlsx  a unit's yearly\n"
             "                     Excel form (报表模板), read back by its collector's inbox\n"
             "  notices [--state S]  notices of warnings by mail and group bots, sent or\n"
             "                     pending; 'notices recipient add|list|remove' who gets them\n"
             "  token add|list|revoke  the read API's tokens (docs/API.md)\n"
             "  forward enable|disable  queue this district's figures for the city\n"
             "                     (wdmon-forward); forward approve --year Y | approvals\n"
             "                     审核后上报 (docs/OPERATIONS.md §16)\n"
             "\n"
             "Listings (migrate --list, unit list, responsibility list, status,\n"
             "warnings, completeness) take --format text|csv|json (text by default),\n"
             "each with the same content; JSON values have their types (numbers,\n"
             "true/false, null).  Times are shown in the office's zone (--tz), with\n"
             "their UTC offset.  A code, year or date the database does not know is\n"
             "refused (exit 2), naming it and the nearest valid ones.\n"
             "\n"
             "Run 'wdmon COMMAND --help' for a command's options.\n"
             "\n"
             "Options:\n"
             "  -d, --db CONNINFO      libpq connection string (overrides WDMON_DB and\n"
             "                         the config file; empty uses PGHOST, PGDATABASE, ...)\n"
             "  -c, --config FILE      INI file with [database] conninfo, [log] level and\n"
             "                         [office] timezone\n"
             "  -l, --log-level LEVEL  error, warn, info (default) or debug\n"
             "  -z, --tz ZONE          the office's time zone, in which times are shown\n"
             "                         (overrides WDM_TZ and [office] timezone; default\n"
             "                         Asia/Shanghai; any name in PostgreSQL's\n"
             "                         pg_timezone_names)\n"
             "  -h, --help             show this help\n"
             "  -V, --version          show the version\n"
             "\n"
             "Exit codes: 0 success, 1 the work failed, 2 bad command line or config.\n");
}

//  Fill config from its defaults, then the config file (config_path, may
//  be NULL), then WDMON_DB and WDM_TZ, then the command line's db, zone
//  and log_level (each may be NULL); start the log.  OK, or USAGE with
//  the bad value said.
static int
s_configure (wdm_cmd_config_t *config, const char *config_path, const char *db, const char *zone,
             const char *log_level)
{
    char err [WDM_CONFIG_ERR_MAX];
    if (wdm_config_defaults (s_options, config, err, sizeof err)
        || (config_path && wdm_config_load (s_options, config, config_path, err, sizeof err))) {
        fprintf (stderr, "wdmon: %s\n", err);
        return WDM_CMD_EXIT_USAGE;
    }
    const char *env_db = getenv ("WDMON_DB");
    if (env_db && wdm_config_set (s_options, config, "database", "conninfo", env_db, err, sizeof err)) {
        fprintf (stderr, "wdmon: WDMON_DB: %s\n", err);
        return WDM_CMD_EXIT_USAGE;
    }
    const char *env_zone = getenv ("WDM_TZ");
    if (env_zone && *env_zone
        && wdm_config_set (s_options, config, "office", "timezone", env_zone, err, sizeof err)) {
        fprintf (stderr, "wdmon: WDM_TZ: %s\n", err);
        return WDM_CMD_EXIT_USAGE;
    }
    if ((db && wdm_config_set (s_options, config, "database", "conninfo", db, err, sizeof err))
        || (zone && wdm_config_set (s_options, config, "office", "timezone", zone, err, sizeof err))
        || (log_level && wdm_config_set (s_options, config, "log", "level", log_level, err, sizeof err))) {
        fprintf (stderr, "wdmon: %s\n", err);
        return WDM_CMD_EXIT_USAGE;
    }
    wdm_log_level_t level;
    if (wdm_log_level_parse (config->log_level, &level)) {
        fprintf (stderr, "wdmon: log.level: '%s' is not error, warn, info or debug\n", config->log_level);
        return WDM_CMD_EXIT_USAGE;
    }
    wdm_log_init ("wdmon", level, NULL);
    return WDM_CMD_EXIT_OK;
}

int
main (int argc, char **argv)
{
    static const struct option long_options [] = { { "db", required_argument, NULL, 'd' },
                                                   { "config", required_argument, NULL, 'c' },
                                                   { "log-level", required_argument, NULL, 'l' },
                                                   { "tz", required_argument, NULL, 'z' },
                                                   { "help", no_argument, NULL, 'h' },
                                                   { "version", no_argument, NULL, 'V' },
                                                   { NULL, 0, NULL, 0 } };
    const char *db = NULL, *config_path = NULL, *log_level = NULL, *zone = NULL;
    int opt;
    //  "+": stop at the command; its own options are parsed after it.
    while ((opt = getopt_long (argc, argv, "+d:c:l:z:hV", long_options, NULL)) != -1) {
        switch (opt) {
            case 'd': db = optarg; break;
            case 'z': zone = optarg; break;
            case 'c': config_path = optarg; break;
            case 'l': log_level = optarg; break;
            case 'h': s_usage (stdout); return WDM_CMD_EXIT_OK;
            case 'V': printf ("wdmon %s\n", WDM_VERSION); return WDM_CMD_EXIT_OK;
            default: s_usage (stderr); return WDM_CMD_EXIT_USAGE;
        }
    }
    wdm_cmd_config_t config;
    int rc = s_configure (&config, config_path, db, zone, log_level);
    if (rc != WDM_CMD_EXIT_OK)
        return rc;
    if (optind >= argc) {
        s_usage (stderr);
        return WDM_CMD_EXIT_USAGE;
    }
    const char *command = argv [optind];
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands [0]; i++)
        if (strcmp (command, s_commands [i].name) == 0)
            return s_commands [i].run (&config, argc - optind, argv + optind);
    fprintf (stderr, "wdmon: unknown command '%s'; see wdmon --help\n", command);
    return WDM_CMD_EXIT_USAGE;
}
