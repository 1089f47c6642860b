/*  wdmon: the operator's command.

    Global options pick the database and the log level; a subcommand does
    the work.  Exit codes: 0 success, 1 the work failed (database,
    migration), 2 the command line or the configuration is wrong.  */

#include "wdm_check.h"
#include "wdm_config.h"
#include "wdm_db.h"
#include "wdm_log.h"
#include "wdm_keys.h"
#include "wdm_migrate.h"
#include "wdm_report.h"
#include "wdm_resp.h"
#include "wdm_table.h"
#include "wdm_units.h"
#include "wdm_warn.h"

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef WDM_VERSION
#   define WDM_VERSION "0.0.0"
#endif

#define S_EXIT_OK 0
#define S_EXIT_FAILED 1
#define S_EXIT_USAGE 2

typedef struct {
    char conninfo [1024];       //  libpq connection string; "" uses PG* variables
    char log_level [16];
    char timezone [64];         //  the office's zone: times shown to people are in it
} s_config_t;

static const wdm_option_t s_options [] = {
    { "database", "conninfo", WDM_OPT_STRING, "", 0, 0,
      offsetof (s_config_t, conninfo), sizeof ((s_config_t *) 0)->conninfo,
      "libpq connection string, e.g. host=/var/run/postgresql dbname=wdmon" },
    { "log", "level", WDM_OPT_STRING, "info", 0, 0,
      offsetof (s_config_t, log_level), sizeof ((s_config_t *) 0)->log_level,
      "error, warn, info or debug" },
    { "office", "timezone", WDM_OPT_STRING, "Asia/Shanghai", 0, 0,
      offsetof (s_config_t, timezone), sizeof ((s_config_t *) 0)->timezone,
      "the office's time zone, as PostgreSQL names it (pg_timezone_names)" },
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
        "  report --year Y [--final] [--format html|md|csv] [--lang zh|en] -o FILE\n"
        "                     the annual monitoring report (or the final evaluation)\n"
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

//  Connect, and check the office's zone against the database's list of
//  zones (case aside), putting the list's spelling of it in config.  The
//  connection, or NULL with *rc set: S_EXIT_USAGE for an unknown zone,
//  named on stderr; S_EXIT_FAILED if the database failed (logged).
static PGconn *
s_connect (s_config_t *config, int *rc)
{
    *rc = S_EXIT_FAILED;
    PGconn *conn = wdm_db_connect (config->conninfo);
    if (!conn)
        return NULL;
    const char *params [] = { config->timezone };
    PGresult *res = PQexecParams (conn,
        "SELECT name FROM pg_timezone_names WHERE lower (name) = lower ($1)"
        " ORDER BY name = $1 DESC LIMIT 1", 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus (res) != PGRES_TUPLES_OK)
        wdm_log_error ("database: %s", PQresultErrorMessage (res));
    else
    if (PQntuples (res) == 0) {
        fprintf (stderr, "wdmon: 未知时区 %s / unknown time zone '%s' (--tz, WDM_TZ or "
                 "[office] timezone): give a name from PostgreSQL's pg_timezone_names, "
                 "e.g. Asia/Shanghai\n", config->timezone, config->timezone);
        *rc = S_EXIT_USAGE;
    }
    else {
        snprintf (config->timezone, sizeof config->timezone, "%s", PQgetvalue (res, 0, 0));
        *rc = S_EXIT_OK;
    }
    PQclear (res);
    if (*rc != S_EXIT_OK) {
        PQfinish (conn);
        conn = NULL;
    }
    return conn;
}

//  What the operator may type for each kind of code, for the checks:
//  (code, name, other names); a value matching any column names the row.
#define S_DOMAINS "SELECT code, name_zh, ordinal::text, name_en FROM domain ORDER BY ordinal"
#define S_UNITS   "SELECT code, name_zh, name_en FROM member_unit ORDER BY code"
#define S_RULES   "SELECT code, name_zh, name_en FROM rule ORDER BY ordinal"
#define S_AREAS   "SELECT code, name_zh, name_en FROM area ORDER BY code"
//  The plan's years, for completeness and the report.
#define S_PLAN_YEARS "SELECT min (period_start), max (period_end) FROM plan"
//  Years a warning may be about: the baseline to the plan's end, and any
//  year a warning names.
#define S_WARNING_YEARS \
    "SELECT least (min (baseline_year), (SELECT min (year) FROM warning))," \
    "       greatest (max (period_end), (SELECT max (year) FROM warning)) FROM plan"

//  The exit code for a check's result, the message printed unless OK.
static int
s_checked (const char *command, wdm_check_result_t result, const char *message)
{
    if (result != WDM_CHECK_OK)
        fprintf (stderr, "wdmon %s: %s\n", command, message);
    return result == WDM_CHECK_OK ? S_EXIT_OK
         : result == WDM_CHECK_REFUSED ? S_EXIT_USAGE : S_EXIT_FAILED;
}

//  Check an optional code option (NULL: nothing to check), replacing it
//  with the code it names.  The exit code: OK, or USAGE / FAILED, said.
static int
s_check_code (PGconn *conn, const char *command, const char *sql, const char *what_zh,
              const char *what_en, const char **value, char *code, size_t code_size)
{
    if (!*value)
        return S_EXIT_OK;
    char message [1024] = "";
    int rc = s_checked (command, wdm_check_code (conn, sql, what_zh, what_en, *value,
                                                 code, code_size, message, sizeof message),
                        message);
    if (rc == S_EXIT_OK)
        *value = code;
    return rc;
}

static int
s_cmd_migrate (s_config_t *config, int argc, char **argv)
{
    static const struct option long_options [] = {
        { "list", no_argument, NULL, 'L' },
        { "format", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    int list = 0;
    bool format_given = false;
    wdm_table_format_t format = WDM_TABLE_TEXT;
    optind = 0;                 //  0: glibc reinitialises its scan state
    int opt;
    while ((opt = getopt_long (argc, argv, "Lf:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'L': list = 1; break;
            case 'f':
                if (wdm_table_format_parse (optarg, &format)) {
                    fprintf (stderr, "wdmon migrate: --format 只能是 text、csv 或 json / "
                             "--format is text, csv or json, not '%s'\n", optarg);
                    return S_EXIT_USAGE;
                }
                format_given = true;
                break;
            case 'h':
                printf ("Usage: wdmon [OPTIONS] migrate [--list [--format text|csv|json]]\n\n"
                        "Apply, in order and each once, the schema migrations built into\n"
                        "this program (sql/NNN_*.sql), or with --list show each: version,\n"
                        "name, state (applied or pending) and when it was applied (UTC).\n"
                        "Safe to run again: it applies only what is new.\n");
                return S_EXIT_OK;
            default:
                return S_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf (stderr, "wdmon migrate: unexpected argument '%s'\n", argv [optind]);
        return S_EXIT_USAGE;
    }
    if (format_given && !list) {
        fprintf (stderr, "wdmon migrate: --format 只用于 --list / --format is for --list\n");
        return S_EXIT_USAGE;
    }
    PGconn *conn = wdm_db_connect (config->conninfo);
    if (!conn)
        return S_EXIT_FAILED;
    int rc = S_EXIT_FAILED;
    if (list)
        rc = wdm_migrate_list (conn, format, stdout) == 0 ? S_EXIT_OK : S_EXIT_FAILED;
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
        "       wdmon unit rotate-key CODE --bundle DIR --server-key FILE --endpoint EP\n"
        "       wdmon unit revoke CODE [--keep PUBLIC_KEY]\n"
        "       wdmon unit list [--format text|csv|json]\n"
        "\n"
        "add         registers a new CURVE key for the unit (creating the unit first if\n"
        "            --name, --kind and --area are given and it does not exist) and writes\n"
        "            DIR, the bundle to copy to the unit's machine: collector.conf,\n"
        "            unit.key (secret, mode 0600), unit.pub, server.pub, catalog.json.\n"
        "            --server-key is the server's public key file (server.pub); --endpoint\n"
        "            is where the collector connects, e.g. tcp://wdmon.example:7300.\n"
        "            KIND is department, town, street or organization.\n"
        "rotate-key  the same for an existing unit only: a new key and bundle; the old\n"
        "            key keeps working until you revoke it with --keep NEWKEY, once the\n"
        "            unit runs the new bundle.\n"
        "revoke      revokes every active key of the unit (but the one given with\n"
        "            --keep); its collector is refused from its next connection on,\n"
        "            without restarting the server.\n"
        "list        lists the units, their kind, area, number of active keys, state,\n"
        "            name, and when each was registered (in the office's zone, see --tz).\n");
}

static int
s_cmd_unit (s_config_t *config, int argc, char **argv)
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
        { "keep", required_argument, NULL, 'K' },
        { "format", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    wdm_unit_spec_t spec = { NULL, NULL, NULL, NULL, NULL };
    const char *bundle = NULL, *server_key = NULL, *endpoint = NULL, *keep = NULL;
    wdm_table_format_t format = WDM_TABLE_TEXT;
    //  Parse after the action, which stands in as argv [0].
    argc--;
    argv++;
    optind = 0;                 //  0: glibc reinitialises its scan state
    int opt;
    while ((opt = getopt_long (argc, argv, "b:s:e:n:N:k:a:K:f:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'b': bundle = optarg; break;
            case 's': server_key = optarg; break;
            case 'e': endpoint = optarg; break;
            case 'n': spec.name_zh = optarg; break;
            case 'N': spec.name_en = optarg; break;
            case 'k': spec.kind = optarg; break;
            case 'a': spec.area = optarg; break;
            case 'K': keep = optarg; break;
            case 'f':
                if (wdm_table_format_parse (optarg, &format)) {
                    fprintf (stderr, "wdmon unit: --format is text, csv or json\n");
                    return S_EXIT_USAGE;
                }
                break;
            case 'h': s_unit_usage (stdout); return S_EXIT_OK;
            default:  return S_EXIT_USAGE;
        }
    }
    int is_list = strcmp (action, "list") == 0;
    int is_add = strcmp (action, "add") == 0, is_rotate = strcmp (action, "rotate-key") == 0;
    if (!is_add && !is_rotate && !is_list && strcmp (action, "revoke") != 0) {
        fprintf (stderr, "wdmon unit: unknown action '%s'; see wdmon unit --help\n", action);
        return S_EXIT_USAGE;
    }
    if ((is_list && optind != argc) || (!is_list && optind != argc - 1)) {
        s_unit_usage (stderr);
        return S_EXIT_USAGE;
    }
    spec.code = is_list ? NULL : argv [optind];
    if ((is_add || is_rotate) && (!bundle || !server_key || !endpoint)) {
        fprintf (stderr, "wdmon unit %s: --bundle, --server-key and --endpoint are required\n", action);
        return S_EXIT_USAGE;
    }
    char server_public [WDM_KEY_Z85], err [1024];
    if ((is_add || is_rotate) && wdm_keys_load (server_key, false, server_public, err, sizeof err)) {
        fprintf (stderr, "wdmon unit %s: %s\n", action, err);
        return S_EXIT_USAGE;
    }
    int rc;
    PGconn *conn = s_connect (config, &rc);
    if (!conn)
        return rc;
    //  A typo in a unit's code is named with the nearest codes; add may
    //  name a new unit, if it says what the unit is.
    char command [64], unit_code [128], area_code [128], message [1024] = "";
    snprintf (command, sizeof command, "unit %s", action);
    bool creates = is_add && spec.name_zh && spec.kind && spec.area;
    if (!is_list && !creates)
        rc = s_check_code (conn, command, S_UNITS, "成员单位", "member unit", &spec.code,
                           unit_code, sizeof unit_code);
    if (rc == S_EXIT_USAGE && is_add)
        fprintf (stderr, "wdmon unit add: 要登记新单位，请给出 --name、--kind 和 --area / to "
                 "register a new unit, give --name, --kind and --area\n");
    static const char *const kinds [] = { "department", "town", "street", "organization", NULL };
    if (rc == S_EXIT_OK && is_add && spec.kind)
        rc = s_checked (command, wdm_check_word ("--kind", spec.kind, kinds, message,
                                                 sizeof message), message);
    if (rc == S_EXIT_OK && is_add)
        rc = s_check_code (conn, command, S_AREAS, "地区", "area", &spec.area,
                           area_code, sizeof area_code);
    if (rc != S_EXIT_OK) {
        PQfinish (conn);
        return rc;
    }
    const char *zone [] = { config->timezone };
    if (is_list)
        rc = wdm_table_query (conn,
            "SELECT u.code AS unit, u.kind, u.area_code AS area,"
            "       count (k.public_key) FILTER (WHERE k.state = 'active') AS keys,"
            "       CASE WHEN u.active THEN 'active' ELSE 'inactive' END AS state, u.name_zh AS name,"
            "       " WDM_TABLE_LOCAL_TIME ("u.created_at", "1") " AS created"
            "  FROM member_unit u LEFT JOIN unit_key k ON k.unit_code = u.code"
            " GROUP BY u.code ORDER BY u.kind, u.code", 1, zone, format, stdout)
            ? S_EXIT_FAILED : S_EXIT_OK;
    else
    if (is_add || is_rotate) {
        char public_key [WDM_KEY_Z85];
        if (wdm_units_add (conn, &spec, bundle, server_public, endpoint, is_rotate, public_key,
                           err, sizeof err)) {
            fprintf (stderr, "wdmon unit %s: %s\n", action, err);
            rc = S_EXIT_FAILED;
        }
        else
        if (is_rotate)
            printf ("registered a new key for %s (%s); its bundle is in %s.\n"
                    "Once the unit runs it, revoke the old key:\n"
                    "  wdmon unit revoke %s --keep '%s'\n", spec.code, public_key, bundle,
                    spec.code, public_key);
        else
            printf ("registered a new key for %s; its collector bundle is in %s\n", spec.code, bundle);
    }
    else {
        int revoked = 0;
        if (wdm_units_revoke (conn, spec.code, keep, &revoked, err, sizeof err)) {
            fprintf (stderr, "wdmon unit revoke: %s\n", err);
            rc = S_EXIT_FAILED;
        }
        else
            printf ("revoked %d key%s of %s\n", revoked, revoked == 1 ? "" : "s", spec.code);
    }
    PQfinish (conn);
    return rc;
}

static void
s_responsibility_usage (FILE *out, const char *action)
{
    bool all = !action;
    fprintf (out, "Usage:");
    if (all || strcmp (action, "list") == 0)
        fprintf (out, " wdmon responsibility list [--unit CODE] [--indicator CODE]\n"
                      "                                 [--format text|csv|json]\n%s",
                 all ? "      " : "");
    if (all || strcmp (action, "assign") == 0)
        fprintf (out, " wdmon responsibility assign --indicator CODE --unit CODE [--contributes]\n"
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

static int
s_cmd_responsibility (s_config_t *config, int argc, char **argv)
{
    if (argc < 2 || strcmp (argv [1], "--help") == 0 || strcmp (argv [1], "-h") == 0) {
        s_responsibility_usage (argc < 2 ? stderr : stdout, NULL);
        return argc < 2 ? S_EXIT_USAGE : S_EXIT_OK;
    }
    const char *action = argv [1];
    bool is_list = strcmp (action, "list") == 0, is_assign = strcmp (action, "assign") == 0;
    if (!is_list && !is_assign && strcmp (action, "drop") != 0) {
        fprintf (stderr, "wdmon responsibility: unknown action '%s'; see wdmon responsibility "
                 "--help\n", action);
        return S_EXIT_USAGE;
    }
    static const struct option long_options [] = {
        { "indicator", required_argument, NULL, 'i' },
        { "unit", required_argument, NULL, 'u' },
        { "contributes", no_argument, NULL, 'C' },
        { "force", no_argument, NULL, 'F' },
        { "format", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *indicator = NULL, *unit = NULL;
    bool contributes = false, force = false, format_given = false;
    wdm_table_format_t format = WDM_TABLE_TEXT;
    //  Parse after the action, which stands in as argv [0].
    argc--;
    argv++;
    optind = 0;                 //  0: glibc reinitialises its scan state
    int opt;
    while ((opt = getopt_long (argc, argv, "i:u:CFf:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'i': indicator = optarg; break;
            case 'u': unit = optarg; break;
            case 'C': contributes = true; break;
            case 'F': force = true; break;
            case 'f':
                if (wdm_table_format_parse (optarg, &format)) {
                    fprintf (stderr, "wdmon responsibility: --format is text, csv or json\n");
                    return S_EXIT_USAGE;
                }
                format_given = true;
                break;
            case 'h': s_responsibility_usage (stdout, action); return S_EXIT_OK;
            default:  return S_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf (stderr, "wdmon responsibility %s: unexpected argument '%s'\n", action,
                 argv [optind]);
        return S_EXIT_USAGE;
    }
    if (!is_list && (!indicator || !unit || format_given)) {
        fprintf (stderr, "wdmon responsibility %s: --indicator CODE and --unit CODE are "
                 "required%s\n", action, format_given ? "; --format is for list" : "");
        return S_EXIT_USAGE;
    }
    if ((is_list && (contributes || force)) || (!is_assign && contributes)) {
        fprintf (stderr, "wdmon responsibility %s: --contributes is for assign, --force for "
                 "assign and drop\n", action);
        return S_EXIT_USAGE;
    }
    int rc;
    PGconn *conn = s_connect (config, &rc);
    if (!conn)
        return rc;
    char message [1024] = "";
    wdm_resp_result_t result =
        is_list   ? wdm_resp_list (conn, indicator, unit, format, stdout, message, sizeof message)
      : is_assign ? wdm_resp_assign (conn, indicator, unit, !contributes, force,
                                     message, sizeof message)
      :             wdm_resp_drop (conn, indicator, unit, force, message, sizeof message);
    PQfinish (conn);
    if (result != WDM_RESP_DONE) {
        fprintf (stderr, "wdmon responsibility %s: %s\n", action, message);
        return result == WDM_RESP_REFUSED ? S_EXIT_USAGE : S_EXIT_FAILED;
    }
    if (!is_list)
        printf ("%s\n", message);
    return S_EXIT_OK;
}

static int
s_cmd_catalog (s_config_t *config, int argc, char **argv)
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
        "Usage: wdmon warnings [--open] [--state S] [--level red|yellow] [--rule R]\n"
        "                      [--domain D] [--indicator I] [--area A] [--unit U]\n"
        "                      [--year Y] [--format text|csv|json]\n"
        "       wdmon warnings show ID\n"
        "       wdmon warnings ack ID [ID...] --by NAME --note TEXT\n"
        "       wdmon warnings evaluate [--today YYYY-MM-DD]\n"
        "\n"
        "list      warnings, unresolved first, red before yellow, newest first, with\n"
        "          when each opened and last changed (in the office's zone, see --tz).\n"
        "          Filters, all checked against the database (a value it does not\n"
        "          know is refused with exit 2, naming the nearest valid ones):\n"
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

//  The warnings, filtered: $1 open only, $2 level, $3 domain, $4 unit,
//  $5 the office's zone, $6 rule, $7 year, $8 area, $9 state, $10
//  indicator.  A unit's warnings are those about it (missing reports) and
//  those about indicators it leads.
static const char *s_warnings_sql =
    "SELECT w.id, w.level, w.state, w.rule_code AS rule, w.indicator_code AS indicator,"
    "       w.area_code AS area, w.year, coalesce (w.unit_code, '') AS unit,"
    "       " WDM_TABLE_LOCAL_TIME ("w.opened_at", "5") " AS opened,"
    "       " WDM_TABLE_LOCAL_TIME ("w.updated_at", "5") " AS updated,"
    "       w.message_zh AS message"
    "  FROM warning w JOIN indicator i ON i.code = w.indicator_code"
    " WHERE (NOT $1::boolean OR w.state <> 'resolved')"
    "   AND ($2::text IS NULL OR w.level = $2::warning_level)"
    "   AND ($3::text IS NULL OR i.domain_code = $3)"
    "   AND ($4::text IS NULL OR w.unit_code = $4 OR EXISTS (SELECT 1 FROM responsibility r"
    "        WHERE r.indicator_code = w.indicator_code AND r.unit_code = $4 AND r.lead))"
    "   AND ($6::text IS NULL OR w.rule_code = $6)"
    "   AND ($7::int IS NULL OR w.year = $7::int)"
    "   AND ($8::text IS NULL OR w.area_code = $8)"
    "   AND ($9::text IS NULL OR w.state = $9::warning_state)"
    "   AND ($10::text IS NULL OR w.indicator_code = $10)"
    " ORDER BY w.state <> 'resolved' DESC, w.level DESC, w.updated_at DESC, w.id DESC";

//  What the list is filtered by, as typed and then as checked.
typedef struct {
    bool open_only;
    const char *level, *state, *rule, *domain, *indicator, *area, *unit, *year;
} s_filters_t;

//  Check every filter against the database and print the list.
static int
s_warnings_list (PGconn *conn, s_config_t *config, s_filters_t *f, wdm_table_format_t format)
{
    static const char *const levels [] = { "red", "yellow", NULL };
    static const char *const states [] = { "open", "acknowledged", "resolved", NULL };
    char message [1024] = "", rule [128], domain [128], indicator [128], area [128], unit [128];
    char year_text [16];
    int rc = S_EXIT_OK, year = 0;
    if (f->level)
        rc = s_checked ("warnings", wdm_check_word ("--level", f->level, levels, message,
                                                    sizeof message), message);
    if (rc == S_EXIT_OK && f->state)
        rc = s_checked ("warnings", wdm_check_word ("--state", f->state, states, message,
                                                    sizeof message), message);
    if (rc == S_EXIT_OK)
        rc = s_check_code (conn, "warnings", S_RULES, "规则", "rule", &f->rule, rule, sizeof rule);
    if (rc == S_EXIT_OK)
        rc = s_check_code (conn, "warnings", S_DOMAINS, "领域", "domain", &f->domain,
                           domain, sizeof domain);
    if (rc == S_EXIT_OK)
        rc = s_check_code (conn, "warnings", "SELECT code, name_zh FROM indicator ORDER BY code",
                           "指标", "indicator", &f->indicator, indicator, sizeof indicator);
    if (rc == S_EXIT_OK)
        rc = s_check_code (conn, "warnings", S_AREAS, "地区", "area", &f->area, area, sizeof area);
    if (rc == S_EXIT_OK)
        rc = s_check_code (conn, "warnings", S_UNITS, "成员单位", "member unit", &f->unit,
                           unit, sizeof unit);
    if (rc == S_EXIT_OK && f->year) {
        rc = s_checked ("warnings", wdm_check_year (conn, S_WARNING_YEARS, f->year, &year,
                                                    message, sizeof message), message);
        snprintf (year_text, sizeof year_text, "%d", year);
        f->year = year_text;
    }
    if (rc != S_EXIT_OK)
        return rc;
    const char *params [] = { f->open_only ? "t" : "f", f->level, f->domain, f->unit,
                              config->timezone, f->rule, f->year, f->area, f->state,
                              f->indicator };
    return wdm_table_query (conn, s_warnings_sql, 10, params, format, stdout)
         ? S_EXIT_FAILED : S_EXIT_OK;
}

//  Acknowledge the warnings numbered in ids, each said; the exit code.
static int
s_warnings_ack (PGconn *conn, char **ids_text, int count, const char *by, const char *note)
{
    long long *ids = calloc ((size_t) count, sizeof *ids);
    wdm_warn_ack_t *results = calloc ((size_t) count, sizeof *results);
    int rc = S_EXIT_FAILED;
    if (!ids || !results)
        goto cleanup;
    int unique = 0;
    for (int i = 0; i < count; i++) {
        char *end = NULL;
        long long id = strtoll (ids_text [i], &end, 10);
        if (*end || id <= 0) {
            fprintf (stderr, "wdmon warnings ack: %s 不是警告编号 / '%s' is not a warning's "
                     "number (see wdmon warnings)\n", ids_text [i], ids_text [i]);
            rc = S_EXIT_USAGE;
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
    rc = S_EXIT_OK;
    for (int i = 0; i < count; i++)
        if (results [i] == WDM_WARN_MISSING) {
            fprintf (stderr, "wdmon warnings ack: 没有警告 %lld，未作任何更改 / there is no "
                     "warning %lld; nothing was changed (see wdmon warnings)\n", ids [i], ids [i]);
            rc = S_EXIT_USAGE;
        }
    for (int i = 0; i < count && rc != S_EXIT_USAGE; i++)
        if (results [i] == WDM_WARN_ACKNOWLEDGED)
            printf ("已确认警告 %lld / acknowledged warning %lld\n", ids [i], ids [i]);
        else
        if (results [i] == WDM_WARN_NOTED)
            printf ("警告 %lld 此前已确认，已追加备注 / warning %lld was already acknowledged; "
                    "note added\n", ids [i], ids [i]);
        else {
            fprintf (stderr, "wdmon warnings ack: 警告 %lld 已解除，无需确认 / warning %lld is "
                     "resolved (its condition no longer holds); not acknowledged\n",
                     ids [i], ids [i]);
            rc = S_EXIT_FAILED;
        }
cleanup:
    free (ids);
    free (results);
    return rc;
}

static int
s_cmd_warnings (s_config_t *config, int argc, char **argv)
{
    static const struct option long_options [] = {
        { "open", no_argument, NULL, 'o' },
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
        { "format", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    s_filters_t filters = { false, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
    const char *by = NULL, *note = NULL, *today_text = NULL;
    wdm_table_format_t format = WDM_TABLE_TEXT;
    char message [1024] = "";
    optind = 0;
    int opt;
    while ((opt = getopt_long (argc, argv, "oL:S:r:y:a:i:b:n:t:D:U:f:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'D': filters.domain = optarg; break;
            case 'U': filters.unit = optarg; break;
            case 'f':
                if (wdm_table_format_parse (optarg, &format)) {
                    fprintf (stderr, "wdmon warnings: --format 只能是 text、csv 或 json / "
                             "--format is text, csv or json, not '%s'\n", optarg);
                    return S_EXIT_USAGE;
                }
                break;
            case 'o': filters.open_only = true; break;
            case 'L': filters.level = optarg; break;
            case 'S': filters.state = optarg; break;
            case 'r': filters.rule = optarg; break;
            case 'y': filters.year = optarg; break;
            case 'a': filters.area = optarg; break;
            case 'i': filters.indicator = optarg; break;
            case 'b': by = optarg; break;
            case 'n': note = optarg; break;
            case 't': today_text = optarg; break;
            case 'h': s_warnings_usage (stdout); return S_EXIT_OK;
            default:  s_warnings_usage (stderr); return S_EXIT_USAGE;
        }
    }
    const char *action = optind < argc ? argv [optind++] : "list";
    int is_list = strcmp (action, "list") == 0, is_show = strcmp (action, "show") == 0;
    int is_ack = strcmp (action, "ack") == 0, is_eval = strcmp (action, "evaluate") == 0;
    if (!is_list && !is_show && !is_ack && !is_eval) {
        fprintf (stderr, "wdmon warnings: unknown action '%s'; see wdmon warnings --help\n", action);
        return S_EXIT_USAGE;
    }
    //  show takes one number, ack one or more, list and evaluate none.
    int ids = argc - optind;
    if ((is_show && ids != 1) || (is_ack && ids < 1)) {
        fprintf (stderr, "wdmon warnings %s: give the warning's number (see wdmon warnings)\n", action);
        return S_EXIT_USAGE;
    }
    if ((is_list || is_eval) && ids > 0) {
        fprintf (stderr, "wdmon warnings: unexpected argument '%s'\n", argv [optind]);
        return S_EXIT_USAGE;
    }
    char *end = NULL;
    long long id = is_show ? strtoll (argv [optind], &end, 10) : 0;
    if (is_show && (*end || id <= 0)) {
        fprintf (stderr, "wdmon warnings show: %s 不是警告编号 / '%s' is not a warning's number "
                 "(see wdmon warnings)\n", argv [optind], argv [optind]);
        return S_EXIT_USAGE;
    }
    if (is_ack && (!by || !*by || !note || !*note)) {
        fprintf (stderr, "wdmon warnings ack: --by NAME and --note TEXT are both required\n");
        return S_EXIT_USAGE;
    }
    wdm_date_t today;
    wdm_date_today (&today);
    if (today_text && wdm_check_date (today_text, &today, message, sizeof message)) {
        fprintf (stderr, "wdmon warnings evaluate: --today: %s\n", message);
        return S_EXIT_USAGE;
    }
    int rc;
    PGconn *conn = s_connect (config, &rc);
    if (!conn)
        return rc;
    if (is_list)
        rc = s_warnings_list (conn, config, &filters, format);
    else
    if (is_show) {
        int found = wdm_warn_show (conn, id, config->timezone, stdout);
        if (found == 1)
            fprintf (stderr, "wdmon warnings show: there is no warning %lld\n", id);
        rc = found == 0 ? S_EXIT_OK : S_EXIT_FAILED;
    }
    else
    if (is_ack)
        rc = s_warnings_ack (conn, argv + optind, ids, by, note);
    else {
        wdm_warn_stats_t stats;
        //  Read on as many connections as the machine has cores.
        long cores = sysconf (_SC_NPROCESSORS_ONLN);
        if (wdm_warn_evaluate (conn, NULL, 0, true, &today, cores > 1 ? (int) cores : 0,
                               &stats) == 0)
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

static int
s_cmd_status (s_config_t *config, int argc, char **argv)
{
    wdm_table_format_t format = WDM_TABLE_TEXT;
    static const struct option long_options [] = {
        { "format", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    optind = 0;
    int opt;
    while ((opt = getopt_long (argc, argv, "f:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'f':
                if (wdm_table_format_parse (optarg, &format)) {
                    fprintf (stderr, "wdmon status: --format is text, csv or json\n");
                    return S_EXIT_USAGE;
                }
                break;
            case 'h':
                printf ("Usage: wdmon status [--format text|csv|json]\n\n"
                        "Whether each server is up (it writes a heartbeat every few seconds),\n"
                        "its connections, queue depth and last commit time; each collector's\n"
                        "last delivery; the member units that hold an active key but have\n"
                        "never delivered anything (已领取密钥但从未报送), with when the key was\n"
                        "issued; today's records accepted and refused, the batch commit times;\n"
                        "the database.  Times and \"today\" are in the office's zone (--tz,\n"
                        "WDM_TZ; Asia/Shanghai by default), labelled.  Every format has every\n"
                        "section: JSON one object with an array per section (servers,\n"
                        "collectors, never_delivered, today) and the zone; CSV one table whose\n"
                        "first column, section, says which section a row is from.\n"
                        "Exit code 1 if no server has written a heartbeat within 30 seconds.\n");
                return S_EXIT_OK;
            default:
                return S_EXIT_USAGE;
        }
    }
    int rc;
    PGconn *conn = s_connect (config, &rc);
    if (!conn) {
        if (rc == S_EXIT_FAILED)
            printf ("database   unreachable\n");
        return rc;
    }
    //  $1 is the office's zone: times are shown in it, and "today" is its day.
#   define S_TODAY "date_trunc ('day', now () AT TIME ZONE $1) AT TIME ZONE $1"
    static const char *servers_sql =
        "SELECT server_id AS server, pid,"
        "       CASE WHEN heartbeat_at > now () - interval '30 seconds' THEN 'up' ELSE 'down' END AS state,"
        "       " WDM_TABLE_LOCAL_TIME ("started_at", "1") " AS started,"
        "       " WDM_TABLE_LOCAL_TIME ("heartbeat_at", "1") " AS heartbeat,"
        "       round (extract (epoch FROM now () - heartbeat_at))::int AS heartbeat_s_ago,"
        "       connections, queue_depth, round (last_commit_ms::numeric, 1) AS last_commit_ms,"
        "       records_accepted AS accepted, records_rejected AS refused,"
        "       CASE WHEN database_ok THEN 'ok' ELSE 'down' END AS database"
        "  FROM server_status ORDER BY heartbeat_at DESC";
    static const char *collectors_sql =
        "SELECT u.code AS unit, u.name_zh AS name,"
        "       " WDM_TABLE_LOCAL_TIME ("b.last", "1") " AS last_delivery,"
        "       b.batches_today, b.accepted_today, b.refused_today"
        "  FROM member_unit u JOIN"
        "       (SELECT unit_code, max (committed_at) AS last,"
        "               count (*) FILTER (WHERE received_at >= " S_TODAY ") AS batches_today,"
        "               coalesce (sum (accepted) FILTER (WHERE received_at >= " S_TODAY "), 0) AS accepted_today,"
        "               coalesce (sum (rejected) FILTER (WHERE received_at >= " S_TODAY "), 0) AS refused_today"
        "          FROM ingest_batch GROUP BY unit_code) b ON b.unit_code = u.code"
        " ORDER BY b.last DESC NULLS LAST, u.code";
    //  Units that were given a key and have sent nothing, by any path.
#   define S_NEVER_DELIVERED \
        "u.active AND NOT EXISTS (SELECT 1 FROM ingest_batch b WHERE b.unit_code = u.code)" \
        " AND NOT EXISTS (SELECT 1 FROM observation o WHERE o.unit_code = u.code)"
    static const char *never_sql =
        "SELECT u.code AS unit, u.name_zh AS name,"
        "       " WDM_TABLE_LOCAL_TIME ("k.issued", "1") " AS key_issued"
        "  FROM member_unit u JOIN"
        "       (SELECT unit_code, min (created_at) AS issued FROM unit_key"
        "         WHERE state = 'active' GROUP BY unit_code) k ON k.unit_code = u.code"
        " WHERE " S_NEVER_DELIVERED
        " ORDER BY k.issued, u.code";
    static const char *today_sql =
        "SELECT count (*) AS batches, coalesce (sum (accepted), 0) AS accepted,"
        "       coalesce (sum (duplicates), 0) AS duplicates, coalesce (sum (rejected), 0) AS refused,"
        "       round (avg (extract (epoch FROM committed_at - received_at) * 1000)::numeric, 1) AS commit_ms_avg,"
        "       round ((percentile_cont (0.99) WITHIN GROUP (ORDER BY extract (epoch FROM committed_at - received_at)) * 1000)::numeric, 1) AS commit_ms_p99,"
        "       (SELECT max (version) FROM schema_migration) AS schema_version,"
        "       (SELECT count (*) FROM warning WHERE state <> 'resolved') AS open_warnings"
        "  FROM ingest_batch"
        " WHERE received_at >= " S_TODAY;
#   undef S_TODAY
#   undef S_NEVER_DELIVERED
    const char *zone [] = { config->timezone };
    char today_title [128];
    snprintf (today_title, sizeof today_title, "today (%s)", config->timezone);
    const wdm_table_section_t sections [] = {
        { "servers", "servers", servers_sql },
        { "collectors", "collectors (by last delivery)", collectors_sql },
        { "never_delivered", "已领取密钥但从未报送的单位 / units with a key that have never "
                             "delivered", never_sql },
        { "today", today_title, today_sql }
    };
    rc |= wdm_table_sections (conn, sections, 4, 1, zone, config->timezone, format, stdout);
    char *up = NULL;
    PGresult *res = PQexec (conn, "SELECT count (*) FROM server_status"
                                  " WHERE heartbeat_at > now () - interval '30 seconds'");
    if (PQresultStatus (res) == PGRES_TUPLES_OK)
        up = PQgetvalue (res, 0, 0);
    int servers_up = up ? atoi (up) : 0;
    PQclear (res);
    PQfinish (conn);
    if (rc)
        return S_EXIT_FAILED;
    return servers_up > 0 ? S_EXIT_OK : S_EXIT_FAILED;
}

static int
s_cmd_completeness (s_config_t *config, int argc, char **argv)
{
    wdm_table_format_t format = WDM_TABLE_TEXT;
    const char *year = NULL;
    static const struct option long_options [] = {
        { "year", required_argument, NULL, 'y' },
        { "format", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    optind = 0;
    int opt;
    while ((opt = getopt_long (argc, argv, "y:f:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'y': year = optarg; break;
            case 'f':
                if (wdm_table_format_parse (optarg, &format)) {
                    fprintf (stderr, "wdmon completeness: --format is text, csv or json\n");
                    return S_EXIT_USAGE;
                }
                break;
            case 'h':
                printf ("Usage: wdmon completeness --year Y [--format text|csv|json]\n\n"
                        "For each member unit, the reports it owes for year Y as the lead unit\n"
                        "of an indicator, those received, those received after the deadline\n"
                        "(31 March of the next year unless the plan says otherwise), and those\n"
                        "still missing; the units missing most first.  Y is one of the plan's\n"
                        "years (2021-2025); another is refused (exit 2), naming the range.\n");
                return S_EXIT_OK;
            default:
                return S_EXIT_USAGE;
        }
    }
    if (!year) {
        fprintf (stderr, "wdmon completeness: --year YYYY is required\n");
        return S_EXIT_USAGE;
    }
    PGconn *conn = wdm_db_connect (config->conninfo);
    if (!conn)
        return S_EXIT_FAILED;
    //  Reports are owed for the plan's years only: another year would list
    //  nothing, as if every unit had reported.
    char message [1024] = "";
    int y = 0;
    int rc = s_checked ("completeness", wdm_check_year (conn, S_PLAN_YEARS, year, &y, message,
                                                        sizeof message), message);
    if (rc != S_EXIT_OK) {
        PQfinish (conn);
        return rc;
    }
    const char *params [] = { year };
    rc = wdm_table_query (conn,
        "SELECT unit_code AS unit, unit_zh AS name, owed, received, late, missing,"
        "       to_char (deadline, 'YYYY-MM-DD') AS deadline"
        "  FROM completeness WHERE year = $1::int ORDER BY missing DESC, late DESC, unit_code",
        1, params, format, stdout);
    PQfinish (conn);
    return rc ? S_EXIT_FAILED : S_EXIT_OK;
}

static int
s_cmd_report (s_config_t *config, int argc, char **argv)
{
    wdm_report_options_t options = { 0, false, WDM_REPORT_HTML, false, NULL };
    const char *output = NULL, *year = NULL;
    static const struct option long_options [] = {
        { "year", required_argument, NULL, 'y' },
        { "final", no_argument, NULL, 'F' },
        { "format", required_argument, NULL, 'f' },
        { "lang", required_argument, NULL, 'L' },
        { "output", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    optind = 0;
    int opt;
    while ((opt = getopt_long (argc, argv, "y:Ff:L:o:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'y': year = optarg; break;
            case 'F': options.final = true; break;
            case 'f':
                if (strcmp (optarg, "html") == 0) options.format = WDM_REPORT_HTML;
                else if (strcmp (optarg, "md") == 0) options.format = WDM_REPORT_MARKDOWN;
                else if (strcmp (optarg, "csv") == 0) options.format = WDM_REPORT_CSV;
                else {
                    fprintf (stderr, "wdmon report: --format is html, md or csv\n");
                    return S_EXIT_USAGE;
                }
                break;
            case 'L':
                if (strcmp (optarg, "zh") != 0 && strcmp (optarg, "en") != 0) {
                    fprintf (stderr, "wdmon report: --lang is zh or en\n");
                    return S_EXIT_USAGE;
                }
                options.english = strcmp (optarg, "en") == 0;
                break;
            case 'o': output = optarg; break;
            case 'h':
                printf ("Usage: wdmon report --year Y [--final] [--format html|md|csv]\n"
                        "                    [--lang zh|en] -o FILE\n\n"
                        "The annual monitoring report for year Y (年度监测报告), or with --final the\n"
                        "final evaluation of the whole plan period (终期监测评估报告): a summary of\n"
                        "how many indicators are met, on track, behind, unlikely to be met or not\n"
                        "reported; the eight domains with each indicator's target, baseline, values\n"
                        "by year and status; the open warnings; member units' completeness.  HTML\n"
                        "is one self-contained file that prints to A4; Markdown and CSV carry the\n"
                        "same numbers.  Chinese by default.  -o - writes to standard output.\n");
                return S_EXIT_OK;
            default:
                return S_EXIT_USAGE;
        }
    }
    if (!year || !output) {
        fprintf (stderr, "wdmon report: --year YYYY and -o FILE are required\n");
        return S_EXIT_USAGE;
    }
    PGconn *conn = wdm_db_connect (config->conninfo);
    if (!conn)
        return S_EXIT_FAILED;
    char err [512] = "";
    int checked = s_checked ("report", wdm_check_year (conn, S_PLAN_YEARS, year, &options.year,
                                                       err, sizeof err), err);
    if (checked != S_EXIT_OK) {
        PQfinish (conn);
        return checked;
    }
    //  Written beside the file and renamed over it when complete: a report
    //  that fails half-way leaves the previous one as it was.
    bool to_stdout = strcmp (output, "-") == 0;
    char partial [4200];
    snprintf (partial, sizeof partial, "%s.partial-%ld", output, (long) getpid ());
    FILE *out = to_stdout ? stdout : fopen (partial, "w");
    int rc = S_EXIT_FAILED;
    wdm_report_summary_t summary;
    if (!out)
        fprintf (stderr, "wdmon report: %s: %s\n", partial, strerror (errno));
    else
    if (wdm_report_write (conn, &options, out, &summary, err, sizeof err))
        fprintf (stderr, "wdmon report: %s\n", err);
    else
        rc = S_EXIT_OK;
    if (out && !to_stdout) {
        if (fclose (out) && rc == S_EXIT_OK) {
            fprintf (stderr, "wdmon report: %s: %s\n", partial, strerror (errno));
            rc = S_EXIT_FAILED;
        }
        if (rc == S_EXIT_OK && rename (partial, output)) {
            fprintf (stderr, "wdmon report: %s: %s\n", output, strerror (errno));
            rc = S_EXIT_FAILED;
        }
        if (rc != S_EXIT_OK)
            unlink (partial);
    }
    if (rc == S_EXIT_OK && !to_stdout)
        fprintf (stderr, "wrote %s: %d indicators with targets — %d met, %d on track, %d behind, "
                 "%d unlikely to be met, %d not reported; %d red and %d yellow warnings open\n",
                 output, summary.indicators, summary.met, summary.on_track, summary.behind,
                 summary.unlikely, summary.not_reported, summary.open_red, summary.open_yellow);
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
        { "tz", required_argument, NULL, 'z' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    const char *db = NULL, *config_path = NULL, *log_level = NULL, *zone = NULL;
    int opt;
    //  "+": stop at the command; its own options are parsed after it.
    while ((opt = getopt_long (argc, argv, "+d:c:l:z:hV", long_options, NULL)) != -1) {
        switch (opt) {
            case 'd': db = optarg; break;
            case 'z': zone = optarg; break;
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
    const char *env_zone = getenv ("WDM_TZ");
    if (env_zone && *env_zone && wdm_config_set (s_options, &config, "office", "timezone",
                                                 env_zone, err, sizeof err)) {
        fprintf (stderr, "wdmon: WDM_TZ: %s\n", err);
        return S_EXIT_USAGE;
    }
    if ((db && wdm_config_set (s_options, &config, "database", "conninfo", db, err, sizeof err))
    ||  (zone && wdm_config_set (s_options, &config, "office", "timezone", zone,
                                 err, sizeof err))
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
    if (strcmp (command, "responsibility") == 0)
        return s_cmd_responsibility (&config, argc, argv);
    if (strcmp (command, "catalog") == 0)
        return s_cmd_catalog (&config, argc, argv);
    if (strcmp (command, "warnings") == 0)
        return s_cmd_warnings (&config, argc, argv);
    if (strcmp (command, "status") == 0)
        return s_cmd_status (&config, argc, argv);
    if (strcmp (command, "completeness") == 0)
        return s_cmd_completeness (&config, argc, argv);
    if (strcmp (command, "report") == 0)
        return s_cmd_report (&config, argc, argv);
    fprintf (stderr, "wdmon: unknown command '%s'; see wdmon --help\n", command);
    return S_EXIT_USAGE;
}
