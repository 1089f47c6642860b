/*  wdmon: the operator's command.

    Global options pick the database and the log level; a subcommand does
    the work.  Exit codes: 0 success, 1 the work failed (database,
    migration), 2 the command line or the configuration is wrong.  */

#include "wdm_config.h"
#include "wdm_db.h"
#include "wdm_log.h"
#include "wdm_migrate.h"

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef WDM_VERSION
#   define WDM_VERSION "0.0.0"
#endif

#define S_EXIT_OK 0
#define S_EXIT_FAILED 1
#define S_EXIT_USAGE 2

typedef struct {
    char conninfo [1024];       //  libpq connection string; "" uses PG* variables
    char log_level [16];
} s_config_t;

static const wdm_option_t s_options [] = {
    { "database", "conninfo", WDM_OPT_STRING, "", 0, 0,
      offsetof (s_config_t, conninfo), sizeof ((s_config_t *) 0)->conninfo,
      "libpq connection string, e.g. host=/var/run/postgresql dbname=wdmon" },
    { "log", "level", WDM_OPT_STRING, "info", 0, 0,
      offsetof (s_config_t, log_level), sizeof ((s_config_t *) 0)->log_level,
      "error, warn, info or debug" },
    WDM_OPTION_END
};

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
        "\n"
        "Options:\n"
        "  -d, --db CONNINFO      libpq connection string (overrides WDMON_DB and\n"
        "                         the config file; empty uses PGHOST, PGDATABASE, ...)\n"
        "  -c, --config FILE      INI file with [database] conninfo and [log] level\n"
        "  -l, --log-level LEVEL  error, warn, info (default) or debug\n"
        "  -h, --help             show this help\n"
        "  -V, --version          show the version\n"
        "\n"
        "Exit codes: 0 success, 1 the work failed, 2 bad command line or config.\n");
}

static int
s_cmd_migrate (const s_config_t *config, int argc, char **argv)
{
    static const struct option long_options [] = {
        { "list", no_argument, NULL, 'L' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    int list = 0;
    optind = 1;
    int opt;
    while ((opt = getopt_long (argc, argv, "Lh", long_options, NULL)) != -1) {
        switch (opt) {
            case 'L': list = 1; break;
            case 'h':
                printf ("Usage: wdmon [OPTIONS] migrate [--list]\n\n"
                        "Apply, in order and each once, the schema migrations built into\n"
                        "this program (sql/NNN_*.sql), or with --list show each and when\n"
                        "it was applied.  Safe to run again: it applies only what is new.\n");
                return S_EXIT_OK;
            default:
                return S_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf (stderr, "wdmon migrate: unexpected argument '%s'\n", argv [optind]);
        return S_EXIT_USAGE;
    }
    PGconn *conn = wdm_db_connect (config->conninfo);
    if (!conn)
        return S_EXIT_FAILED;
    int rc = S_EXIT_FAILED;
    if (list)
        rc = wdm_migrate_list (conn, stdout) == 0 ? S_EXIT_OK : S_EXIT_FAILED;
    else {
        int applied = 0;
        if (wdm_migrate_apply (conn, &applied) == 0) {
            printf ("%d migration%s applied; schema is at version %03d\n", applied,
                    applied == 1 ? "" : "s",
                    wdm_migrate_bundle [wdm_migrate_bundle_size - 1].version);
            rc = S_EXIT_OK;
        }
    }
    PQfinish (conn);
    return rc;
}

int
main (int argc, char **argv)
{
    static const struct option long_options [] = {
        { "db", required_argument, NULL, 'd' },
        { "config", required_argument, NULL, 'c' },
        { "log-level", required_argument, NULL, 'l' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    const char *db = NULL, *config_path = NULL, *log_level = NULL;
    int opt;
    //  "+": stop at the command; its own options are parsed after it.
    while ((opt = getopt_long (argc, argv, "+d:c:l:hV", long_options, NULL)) != -1) {
        switch (opt) {
            case 'd': db = optarg; break;
            case 'c': config_path = optarg; break;
            case 'l': log_level = optarg; break;
            case 'h': s_usage (stdout); return S_EXIT_OK;
            case 'V': printf ("wdmon %s\n", WDM_VERSION); return S_EXIT_OK;
            default:  s_usage (stderr); return S_EXIT_USAGE;
        }
    }
    s_config_t config;
    char err [WDM_CONFIG_ERR_MAX];
    if (wdm_config_defaults (s_options, &config, err, sizeof err)
    ||  (config_path && wdm_config_load (s_options, &config, config_path, err, sizeof err))) {
        fprintf (stderr, "wdmon: %s\n", err);
        return S_EXIT_USAGE;
    }
    const char *env_db = getenv ("WDMON_DB");
    if (env_db && wdm_config_set (s_options, &config, "database", "conninfo", env_db,
                                  err, sizeof err)) {
        fprintf (stderr, "wdmon: WDMON_DB: %s\n", err);
        return S_EXIT_USAGE;
    }
    if ((db && wdm_config_set (s_options, &config, "database", "conninfo", db, err, sizeof err))
    ||  (log_level && wdm_config_set (s_options, &config, "log", "level", log_level,
                                      err, sizeof err))) {
        fprintf (stderr, "wdmon: %s\n", err);
        return S_EXIT_USAGE;
    }
    wdm_log_level_t level;
    if (wdm_log_level_parse (config.log_level, &level)) {
        fprintf (stderr, "wdmon: log.level: '%s' is not error, warn, info or debug\n",
                 config.log_level);
        return S_EXIT_USAGE;
    }
    wdm_log_init ("wdmon", level, NULL);

    if (optind >= argc) {
        s_usage (stderr);
        return S_EXIT_USAGE;
    }
    const char *command = argv [optind];
    argc -= optind;
    argv += optind;
    if (strcmp (command, "migrate") == 0)
        return s_cmd_migrate (&config, argc, argv);
    fprintf (stderr, "wdmon: unknown command '%s'; see wdmon --help\n", command);
    return S_EXIT_USAGE;
}
