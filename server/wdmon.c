/*  wdmon: the operator's command.

    Global options pick the database and the log level; a subcommand does
    the work.  Exit codes: 0 success, 1 the work failed (database,
    migration), 2 the command line or the configuration is wrong.  */

#include "wdm_config.h"
#include "wdm_db.h"
#include "wdm_log.h"
#include "wdm_keys.h"
#include "wdm_migrate.h"
#include "wdm_units.h"
#include "wdm_warn.h"

#include <errno.h>
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
        "  server-key DIR     generate the server's key pair: DIR/server.key, DIR/server.pub\n"
        "  unit add CODE      register a member unit's key and write its collector bundle\n"
        "  unit revoke CODE   revoke every key of a unit\n"
        "  unit list          list the member units\n"
        "  catalog export     write the catalog a collector checks records against\n"
        "  warnings [--open] [--level red|yellow]\n"
        "                     list warnings; 'warnings show ID' with its history;\n"
        "                     'warnings ack ID --by NAME --note TEXT' acknowledges;\n"
        "                     'warnings evaluate [--today DATE]' runs every rule now\n"
        "\n"
        "Run 'wdmon COMMAND --help' for a command's options.\n"
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
    optind = 0;                 //  0: glibc reinitialises its scan state
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

static int
s_cmd_server_key (int argc, char **argv)
{
    if (argc != 2 || strcmp (argv [1], "--help") == 0 || strcmp (argv [1], "-h") == 0) {
        fprintf (argc == 2 ? stdout : stderr,
                 "Usage: wdmon server-key DIR\n\n"
                 "Generate the server's CURVE key pair: DIR/server.key (secret, mode 0600)\n"
                 "and DIR/server.pub, which every collector bundle carries.  Existing files\n"
                 "are never overwritten.\n");
        return argc == 2 ? S_EXIT_OK : S_EXIT_USAGE;
    }
    char public_key [WDM_KEY_Z85], secret_key [WDM_KEY_Z85], path [1024], err [512];
    if (wdm_keys_generate (public_key, secret_key)) {
        fprintf (stderr, "wdmon server-key: libzmq has no CURVE support\n");
        return S_EXIT_FAILED;
    }
    snprintf (path, sizeof path, "%s/server.key", argv [1]);
    int rc = wdm_keys_write (path, secret_key, true, err, sizeof err);
    memset (secret_key, 0, sizeof secret_key);
    if (rc == 0) {
        snprintf (path, sizeof path, "%s/server.pub", argv [1]);
        rc = wdm_keys_write (path, public_key, false, err, sizeof err);
    }
    if (rc) {
        fprintf (stderr, "wdmon server-key: %s\n", err);
        return S_EXIT_FAILED;
    }
    printf ("wrote %s/server.key and %s/server.pub\n", argv [1], argv [1]);
    return S_EXIT_OK;
}

static void
s_unit_usage (FILE *out)
{
    fprintf (out,
        "Usage: wdmon unit add CODE --bundle DIR --server-key FILE --endpoint EP\n"
        "                  [--name NAME_ZH --name-en NAME_EN --kind KIND --area AREA]\n"
        "       wdmon unit revoke CODE\n"
        "       wdmon unit list\n"
        "\n"
        "add     registers a new CURVE key for the unit (creating the unit first if\n"
        "        --name, --kind and --area are given and it does not exist) and writes\n"
        "        DIR, the bundle to copy to the unit's machine: collector.conf,\n"
        "        unit.key (secret, mode 0600), unit.pub, server.pub, catalog.json.\n"
        "        --server-key is the server's public key file (server.pub); --endpoint\n"
        "        is where the collector connects, e.g. tcp://wdmon.example:7300.\n"
        "        KIND is department, town, street or organization.\n"
        "revoke  revokes every active key of the unit; its collector is refused\n"
        "        from its next connection on, without restarting the server.\n"
        "list    lists the units, their kind, area and number of active keys.\n");
}

static int
s_cmd_unit (const s_config_t *config, int argc, char **argv)
{
    if (argc < 2 || strcmp (argv [1], "--help") == 0 || strcmp (argv [1], "-h") == 0) {
        s_unit_usage (argc < 2 ? stderr : stdout);
        return argc < 2 ? S_EXIT_USAGE : S_EXIT_OK;
    }
    const char *action = argv [1];
    static const struct option long_options [] = {
        { "bundle", required_argument, NULL, 'b' },
        { "server-key", required_argument, NULL, 's' },
        { "endpoint", required_argument, NULL, 'e' },
        { "name", required_argument, NULL, 'n' },
        { "name-en", required_argument, NULL, 'N' },
        { "kind", required_argument, NULL, 'k' },
        { "area", required_argument, NULL, 'a' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    wdm_unit_spec_t spec = { NULL, NULL, NULL, NULL, NULL };
    const char *bundle = NULL, *server_key = NULL, *endpoint = NULL;
    //  Parse after the action, which stands in as argv [0].
    argc--;
    argv++;
    optind = 0;                 //  0: glibc reinitialises its scan state
    int opt;
    while ((opt = getopt_long (argc, argv, "b:s:e:n:N:k:a:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'b': bundle = optarg; break;
            case 's': server_key = optarg; break;
            case 'e': endpoint = optarg; break;
            case 'n': spec.name_zh = optarg; break;
            case 'N': spec.name_en = optarg; break;
            case 'k': spec.kind = optarg; break;
            case 'a': spec.area = optarg; break;
            case 'h': s_unit_usage (stdout); return S_EXIT_OK;
            default:  return S_EXIT_USAGE;
        }
    }
    int is_list = strcmp (action, "list") == 0;
    if ((is_list && optind != argc) || (!is_list && optind != argc - 1)) {
        s_unit_usage (stderr);
        return S_EXIT_USAGE;
    }
    spec.code = is_list ? NULL : argv [optind];
    int is_add = strcmp (action, "add") == 0;
    if (is_add && (!bundle || !server_key || !endpoint)) {
        fprintf (stderr, "wdmon unit add: --bundle, --server-key and --endpoint are required\n");
        return S_EXIT_USAGE;
    }
    if (!is_add && !is_list && strcmp (action, "revoke") != 0) {
        fprintf (stderr, "wdmon unit: unknown action '%s'; see wdmon unit --help\n", action);
        return S_EXIT_USAGE;
    }
    char server_public [WDM_KEY_Z85], err [1024];
    if (is_add && wdm_keys_load (server_key, false, server_public, err, sizeof err)) {
        fprintf (stderr, "wdmon unit add: %s\n", err);
        return S_EXIT_USAGE;
    }
    PGconn *conn = wdm_db_connect (config->conninfo);
    if (!conn)
        return S_EXIT_FAILED;
    int rc = S_EXIT_OK;
    if (is_list)
        rc = wdm_units_list (conn, stdout) ? S_EXIT_FAILED : S_EXIT_OK;
    else
    if (is_add) {
        if (wdm_units_add (conn, &spec, bundle, server_public, endpoint, err, sizeof err)) {
            fprintf (stderr, "wdmon unit add: %s\n", err);
            rc = S_EXIT_FAILED;
        }
        else
            printf ("registered a new key for %s; its collector bundle is in %s\n", spec.code, bundle);
    }
    else {
        int revoked = 0;
        if (wdm_units_revoke (conn, spec.code, &revoked, err, sizeof err)) {
            fprintf (stderr, "wdmon unit revoke: %s\n", err);
            rc = S_EXIT_FAILED;
        }
        else
            printf ("revoked %d key%s of %s\n", revoked, revoked == 1 ? "" : "s", spec.code);
    }
    PQfinish (conn);
    return rc;
}

static int
s_cmd_catalog (const s_config_t *config, int argc, char **argv)
{
    if (argc < 2 || strcmp (argv [1], "export") != 0 || argc > 4
    ||  (argc > 2 && strcmp (argv [2], "-o") != 0) || argc == 3) {
        fprintf (argc >= 2 && strcmp (argv [1], "--help") == 0 ? stdout : stderr,
                 "Usage: wdmon catalog export [-o FILE]\n\n"
                 "Write the catalog a collector checks records against (JSON), to FILE or\n"
                 "standard output.  'wdmon unit add' puts one in every bundle.\n");
        return argc >= 2 && strcmp (argv [1], "--help") == 0 ? S_EXIT_OK : S_EXIT_USAGE;
    }
    FILE *out = argc == 4 ? fopen (argv [3], "w") : stdout;
    if (!out) {
        fprintf (stderr, "wdmon catalog export: %s: %s\n", argv [3], strerror (errno));
        return S_EXIT_FAILED;
    }
    PGconn *conn = wdm_db_connect (config->conninfo);
    int rc = conn && wdm_units_write_catalog (conn, out) == 0 ? S_EXIT_OK : S_EXIT_FAILED;
    PQfinish (conn);
    if (out != stdout && fclose (out))
        rc = S_EXIT_FAILED;
    return rc;
}

static void
s_warnings_usage (FILE *out)
{
    fprintf (out,
        "Usage: wdmon warnings [--open] [--level red|yellow]\n"
        "       wdmon warnings show ID\n"
        "       wdmon warnings ack ID --by NAME --note TEXT\n"
        "       wdmon warnings evaluate [--today YYYY-MM-DD]\n"
        "\n"
        "list      warnings, unresolved first, red before yellow, newest first\n"
        "show      one warning: rule, indicator, area, year, message, figures, history\n"
        "ack       acknowledge an open warning: your name and a note are kept in its\n"
        "          history; it stays acknowledged until it resolves or gets worse\n"
        "evaluate  run every rule over all data now, and the report deadlines as of\n"
        "          today (or --today); prints what opened, changed and resolved\n");
}

static int
s_cmd_warnings (const s_config_t *config, int argc, char **argv)
{
    static const struct option long_options [] = {
        { "open", no_argument, NULL, 'o' },
        { "level", required_argument, NULL, 'L' },
        { "by", required_argument, NULL, 'b' },
        { "note", required_argument, NULL, 'n' },
        { "today", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    int open_only = 0;
    const char *level = NULL, *by = NULL, *note = NULL, *today_text = NULL;
    optind = 0;
    int opt;
    while ((opt = getopt_long (argc, argv, "oL:b:n:t:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'o': open_only = 1; break;
            case 'L': level = optarg; break;
            case 'b': by = optarg; break;
            case 'n': note = optarg; break;
            case 't': today_text = optarg; break;
            case 'h': s_warnings_usage (stdout); return S_EXIT_OK;
            default:  s_warnings_usage (stderr); return S_EXIT_USAGE;
        }
    }
    const char *action = optind < argc ? argv [optind++] : "list";
    const char *id_text = optind < argc ? argv [optind++] : NULL;
    if (optind < argc) {
        fprintf (stderr, "wdmon warnings: unexpected argument '%s'\n", argv [optind]);
        return S_EXIT_USAGE;
    }
    if (level && strcmp (level, "red") != 0 && strcmp (level, "yellow") != 0) {
        fprintf (stderr, "wdmon warnings: --level is red or yellow\n");
        return S_EXIT_USAGE;
    }
    int is_list = strcmp (action, "list") == 0, is_show = strcmp (action, "show") == 0;
    int is_ack = strcmp (action, "ack") == 0, is_eval = strcmp (action, "evaluate") == 0;
    if (!is_list && !is_show && !is_ack && !is_eval) {
        fprintf (stderr, "wdmon warnings: unknown action '%s'; see wdmon warnings --help\n", action);
        return S_EXIT_USAGE;
    }
    char *end = NULL;
    long long id = id_text ? strtoll (id_text, &end, 10) : 0;
    if ((is_show || is_ack) && (!id_text || *end || id <= 0)) {
        fprintf (stderr, "wdmon warnings %s: give the warning's number (see wdmon warnings)\n", action);
        return S_EXIT_USAGE;
    }
    if (is_ack && (!by || !*by || !note || !*note)) {
        fprintf (stderr, "wdmon warnings ack: --by NAME and --note TEXT are both required\n");
        return S_EXIT_USAGE;
    }
    wdm_date_t today;
    wdm_date_today (&today);
    if (today_text && wdm_date_parse (today_text, &today)) {
        fprintf (stderr, "wdmon warnings evaluate: --today '%s' is not YYYY-MM-DD\n", today_text);
        return S_EXIT_USAGE;
    }
    PGconn *conn = wdm_db_connect (config->conninfo);
    if (!conn)
        return S_EXIT_FAILED;
    int rc = S_EXIT_OK;
    if (is_list)
        rc = wdm_warn_list (conn, open_only, level, stdout) ? S_EXIT_FAILED : S_EXIT_OK;
    else
    if (is_show) {
        int found = wdm_warn_show (conn, id, stdout);
        if (found == 1)
            fprintf (stderr, "wdmon warnings show: there is no warning %lld\n", id);
        rc = found == 0 ? S_EXIT_OK : S_EXIT_FAILED;
    }
    else
    if (is_ack) {
        int done = wdm_warn_acknowledge (conn, id, by, note);
        if (done == 1)
            fprintf (stderr, "wdmon warnings ack: warning %lld is not open\n", id);
        else
        if (done == 0)
            printf ("acknowledged warning %lld\n", id);
        rc = done == 0 ? S_EXIT_OK : S_EXIT_FAILED;
    }
    else {
        wdm_warn_stats_t stats;
        if (wdm_warn_evaluate (conn, NULL, 0, true, &today, &stats) == 0)
            printf ("%d series evaluated in %.2f s as of %04d-%02d-%02d: %d conditions hold; "
                    "%d opened, %d reopened, %d updated, %d resolved\n", stats.series, stats.seconds,
                    today.year, today.month, today.day, stats.findings, stats.opened,
                    stats.reopened, stats.updated, stats.resolved);
        else
            rc = S_EXIT_FAILED;
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
    if (strcmp (command, "server-key") == 0)
        return s_cmd_server_key (argc, argv);
    if (strcmp (command, "unit") == 0)
        return s_cmd_unit (&config, argc, argv);
    if (strcmp (command, "catalog") == 0)
        return s_cmd_catalog (&config, argc, argv);
    if (strcmp (command, "warnings") == 0)
        return s_cmd_warnings (&config, argc, argv);
    fprintf (stderr, "wdmon: unknown command '%s'; see wdmon --help\n", command);
    return S_EXIT_USAGE;
}
