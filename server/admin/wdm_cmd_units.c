/*  wdm_cmd_units: the subcommands for keys and member units — `wdmon
    server-key DIR`, `wdmon unit add|rotate-key|revoke|list` and `wdmon
    catalog export` — the command line in front of wdm_units (registration,
    bundles, the catalog) and common/wdm_keys.  wdmon.c dispatches to them;
    see wdm_cmd_int.h.  */

#include "wdm_cmd_int.h"
#include "wdm_db.h"
#include "wdm_keys.h"
#include "wdm_units.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

//  Parsing went well: go on to the work (any other value is the exit code).
#define S_GO_ON -1

int
wdm_cmd_server_key (wdm_cmd_config_t *config, int argc, char **argv)
{
    (void)config;
    if (argc != 2 || wdm_cmd_is_help (argv [1])) {
        fprintf (argc == 2 ? stdout : stderr,
                 "Usage: wdmon server-key DIR\n\n"
                 "Generate the server's CURVE key pair: DIR/server.key (secret, mode 0600)\n"
                 "and DIR/server.pub, which every collector bundle carries.  Existing files\n"
                 "are never overwritten.\n");
        return argc == 2 ? WDM_CMD_EXIT_OK : WDM_CMD_EXIT_USAGE;
    }
    char public_key [WDM_KEY_Z85], secret_key [WDM_KEY_Z85], path [1024], err [512];
    if (wdm_keys_generate (public_key, secret_key)) {
        fprintf (stderr, "wdmon server-key: libzmq has no CURVE support\n");
        return WDM_CMD_EXIT_FAILED;
    }
    snprintf (path, sizeof path, "%s/server.key", argv [1]);
    int rc = wdm_keys_write (path, secret_key, true, err, sizeof err);
    //  Not memset: the secret is never read again, so a compiler (with
    //  link-time optimisation, say) may drop a plain one.
    wdm_keys_wipe (secret_key, sizeof secret_key);
    if (rc == 0) {
        snprintf (path, sizeof path, "%s/server.pub", argv [1]);
        rc = wdm_keys_write (path, public_key, false, err, sizeof err);
    }
    if (rc) {
        fprintf (stderr, "wdmon server-key: %s\n", err);
        return WDM_CMD_EXIT_FAILED;
    }
    printf ("wrote %s/server.key and %s/server.pub\n", argv [1], argv [1]);
    return WDM_CMD_EXIT_OK;
}

static void
s_unit_usage (FILE *out)
{
    fprintf (out,
             "Usage: wdmon unit add CODE --bundle DIR --server-key FILE --endpoint EP\n"
             "                  [--name NAME_ZH --name-en NAME_EN --kind KIND --area AREA]\n"
             "                  [--plan P]\n"
             "       wdmon unit rotate-key CODE --bundle DIR --server-key FILE --endpoint EP\n"
             "                  [--plan P]\n"
             "       wdmon unit revoke CODE [--keep PUBLIC_KEY]\n"
             "       wdmon unit list [--format text|csv|json]\n"
             "\n"
             "add         registers a new CURVE key for the unit (creating the unit first if\n"
             "            --name, --kind and --area are given and it does not exist) and writes\n"
             "            DIR, the bundle to copy to the unit's machine: collector.conf,\n"
             "            unit.key (secret, mode 0600), unit.pub, server.pub, catalog.json.\n"
             "            --server-key is the server's public key file (server.pub); --endpoint\n"
             "            is where the collector connects, e.g. tcp://wdmon.example:7300.\n"
             "            The bundle's catalog is plan P's (its code; default the current\n"
             "            plan): the statistics and years the collector checks records against.\n"
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

//  What `wdmon unit` was asked, and the codes its checks found.
typedef struct {
    const char *action;
    bool is_list, is_add, is_rotate;
    wdm_unit_spec_t spec;  //  code and area end up pointing at the codes below
    const char *bundle, *server_key, *endpoint, *keep;
    const char *plan;  //  --plan as typed (NULL: the current plan), then its code
    wdm_table_format_t format;
    char command [64];  //  "unit ACTION", for messages
    char unit_code [128], area_code [128], plan_code [128];
} s_unit_args_t;

//  Parse the action and its options into args: S_GO_ON, or the exit code
//  (help printed, or the command line refused and said).
static int
s_unit_parse (int argc, char **argv, s_unit_args_t *args)
{
    if (argc < 2 || wdm_cmd_is_help (argv [1])) {
        s_unit_usage (argc < 2 ? stderr : stdout);
        return argc < 2 ? WDM_CMD_EXIT_USAGE : WDM_CMD_EXIT_OK;
    }
    const char *action = args->action = argv [1];
    snprintf (args->command, sizeof args->command, "unit %s", action);
    static const struct option long_options [] = {
        { "bundle", required_argument, NULL, 'b' },   { "server-key", required_argument, NULL, 's' },
        { "endpoint", required_argument, NULL, 'e' }, { "name", required_argument, NULL, 'n' },
        { "name-en", required_argument, NULL, 'N' },  { "kind", required_argument, NULL, 'k' },
        { "area", required_argument, NULL, 'a' },     { "keep", required_argument, NULL, 'K' },
        { "format", required_argument, NULL, 'f' },   { "plan", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },           { NULL, 0, NULL, 0 }
    };
    //  Parse after the action, which stands in as argv [0].
    argc--;
    argv++;
    optind = 0;  //  0: glibc reinitialises its scan state
    int opt;
    while ((opt = getopt_long (argc, argv, "b:s:e:n:N:k:a:K:f:p:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'b': args->bundle = optarg; break;
            case 's': args->server_key = optarg; break;
            case 'e': args->endpoint = optarg; break;
            case 'n': args->spec.name_zh = optarg; break;
            case 'N': args->spec.name_en = optarg; break;
            case 'k': args->spec.kind = optarg; break;
            case 'a': args->spec.area = optarg; break;
            case 'K': args->keep = optarg; break;
            case 'p': args->plan = optarg; break;
            case 'f':
                if (wdm_cmd_format ("unit", optarg, false, &args->format))
                    return WDM_CMD_EXIT_USAGE;
                break;
            case 'h': s_unit_usage (stdout); return WDM_CMD_EXIT_OK;
            default: return WDM_CMD_EXIT_USAGE;
        }
    }
    args->is_list = strcmp (action, "list") == 0;
    args->is_add = strcmp (action, "add") == 0;
    args->is_rotate = strcmp (action, "rotate-key") == 0;
    if (!args->is_add && !args->is_rotate && !args->is_list && strcmp (action, "revoke") != 0) {
        fprintf (stderr, "wdmon unit: unknown action '%s'; see wdmon unit --help\n", action);
        return WDM_CMD_EXIT_USAGE;
    }
    if ((args->is_list && optind != argc) || (!args->is_list && optind != argc - 1)) {
        s_unit_usage (stderr);
        return WDM_CMD_EXIT_USAGE;
    }
    args->spec.code = args->is_list ? NULL : argv [optind];
    if ((args->is_add || args->is_rotate) && (!args->bundle || !args->server_key || !args->endpoint)) {
        fprintf (stderr, "wdmon unit %s: --bundle, --server-key and --endpoint are required\n", action);
        return WDM_CMD_EXIT_USAGE;
    }
    if (args->plan && !args->is_add && !args->is_rotate) {
        fprintf (stderr, "wdmon unit %s: --plan is for add and rotate-key\n", action);
        return WDM_CMD_EXIT_USAGE;
    }
    return S_GO_ON;
}

//  Check the unit's code, for add the kind and area, and for add and
//  rotate-key the plan whose catalog the bundle carries.  A typo in a
//  unit's code is named with the nearest codes; add may name a new unit,
//  if it says what the unit is.  The exit code: OK, or USAGE / FAILED,
//  said.
static int
s_unit_check (PGconn *conn, s_unit_args_t *args)
{
    int rc = WDM_CMD_EXIT_OK;
    char message [1024] = "";
    bool creates = args->is_add && args->spec.name_zh && args->spec.kind && args->spec.area;
    if (!args->is_list && !creates)
        rc = wdm_cmd_check_code (conn, args->command, WDM_CMD_UNITS_SQL, "成员单位", "member unit",
                                 &args->spec.code, args->unit_code, sizeof args->unit_code);
    if (rc == WDM_CMD_EXIT_USAGE && args->is_add)
        fprintf (stderr,
                 "wdmon unit add: 要登记新单位，请给出 --name、--kind 和 --area / to "
                 "register a new unit, give --name, --kind and --area\n");
    static const char *const kinds [] = { "department", "town", "street", "organization", NULL };
    if (rc == WDM_CMD_EXIT_OK && args->is_add && args->spec.kind)
        rc = wdm_cmd_checked (args->command,
                              wdm_check_word ("--kind", args->spec.kind, kinds, message, sizeof message),
                              message);
    if (rc == WDM_CMD_EXIT_OK && args->is_add)
        rc = wdm_cmd_check_code (conn, args->command, WDM_CMD_AREAS_SQL, "地区", "area", &args->spec.area,
                                 args->area_code, sizeof args->area_code);
    if (rc == WDM_CMD_EXIT_OK && (args->is_add || args->is_rotate))
        rc = wdm_cmd_check_plan (conn, args->command, &args->plan, args->plan_code, sizeof args->plan_code);
    return rc;
}

//  unit list, in the office's zone.  The exit code.
static int
s_unit_list (PGconn *conn, const wdm_cmd_config_t *config, wdm_table_format_t format)
{
    const char *zone [] = { config->timezone };
    return wdm_table_query (
               conn,
               "SELECT u.code AS unit, u.kind, u.area_code AS area,"
               "       count (k.public_key) FILTER (WHERE k.state = 'active') AS keys,"
               "       CASE WHEN u.active THEN 'active' ELSE 'inactive' END AS state, u.name_zh AS name,"
               "       " WDM_TABLE_LOCAL_TIME (
                   "u.created_at", "1") " AS created"
                                        "  FROM member_unit u LEFT JOIN unit_key k ON k.unit_code = u.code"
                                        " GROUP BY u.code ORDER BY u.kind, u.code",
               1, zone, format, stdout)
        ? WDM_CMD_EXIT_FAILED
        : WDM_CMD_EXIT_OK;
}

//  unit add or rotate-key: a new key and its bundle, said.  The exit code.
static int
s_unit_add (PGconn *conn, const s_unit_args_t *args, const char *server_public)
{
    char public_key [WDM_KEY_Z85], err [1024];
    const char *code = args->spec.code;
    if (wdm_units_add (conn, &args->spec, args->plan, args->bundle, server_public, args->endpoint,
                       args->is_rotate, public_key, err, sizeof err)) {
        fprintf (stderr, "wdmon unit %s: %s\n", args->action, err);
        return WDM_CMD_EXIT_FAILED;
    }
    if (args->is_rotate)
        printf ("registered a new key for %s (%s); its bundle is in %s.\n"
                "Once the unit runs it, revoke the old key:\n"
                "  wdmon unit revoke %s --keep '%s'\n",
                code, public_key, args->bundle, code, public_key);
    else
        printf ("registered a new key for %s; its collector bundle is in %s\n", code, args->bundle);
    return WDM_CMD_EXIT_OK;
}

//  unit revoke: how many keys were revoked, said.  The exit code.
static int
s_unit_revoke (PGconn *conn, const s_unit_args_t *args)
{
    char err [1024];
    int revoked = 0;
    if (wdm_units_revoke (conn, args->spec.code, args->keep, &revoked, err, sizeof err)) {
        fprintf (stderr, "wdmon unit revoke: %s\n", err);
        return WDM_CMD_EXIT_FAILED;
    }
    printf ("revoked %d key%s of %s\n", revoked, revoked == 1 ? "" : "s", args->spec.code);
    return WDM_CMD_EXIT_OK;
}

int
wdm_cmd_unit (wdm_cmd_config_t *config, int argc, char **argv)
{
    s_unit_args_t args = { .format = WDM_TABLE_TEXT };
    int rc = s_unit_parse (argc, argv, &args);
    if (rc != S_GO_ON)
        return rc;
    char server_public [WDM_KEY_Z85], err [1024];
    if ((args.is_add || args.is_rotate)
        && wdm_keys_load (args.server_key, false, server_public, err, sizeof err)) {
        fprintf (stderr, "wdmon unit %s: %s\n", args.action, err);
        return WDM_CMD_EXIT_USAGE;
    }
    PGconn *conn = wdm_cmd_connect (config, &rc);
    if (!conn)
        return rc;
    rc = s_unit_check (conn, &args);
    if (rc == WDM_CMD_EXIT_OK)
        rc = args.is_list                   ? s_unit_list (conn, config, args.format)
            : args.is_add || args.is_rotate ? s_unit_add (conn, &args, server_public)
                                            : s_unit_revoke (conn, &args);
    PQfinish (conn);
    return rc;
}

static void
s_catalog_usage (FILE *out)
{
    fprintf (out,
             "Usage: wdmon catalog export [--plan P] [-o FILE]\n\n"
             "Write the catalog a collector checks records against (JSON), to FILE or\n"
             "standard output: plan P's (its code; default the current plan) statistics\n"
             "and the years a record may carry.  'wdmon unit add' puts one in every\n"
             "bundle.\n");
}

int
wdm_cmd_catalog (wdm_cmd_config_t *config, int argc, char **argv)
{
    if (argc < 2 || strcmp (argv [1], "export") != 0) {
        bool help = argc >= 2 && wdm_cmd_is_help (argv [1]);
        s_catalog_usage (help ? stdout : stderr);
        return help ? WDM_CMD_EXIT_OK : WDM_CMD_EXIT_USAGE;
    }
    static const struct option long_options [] = { { "output", required_argument, NULL, 'o' },
                                                   { "plan", required_argument, NULL, 'p' },
                                                   { "help", no_argument, NULL, 'h' },
                                                   { NULL, 0, NULL, 0 } };
    const char *output = NULL, *plan = NULL;
    //  Parse after the action, which stands in as argv [0].
    optind = 0;  //  0: glibc reinitialises its scan state
    int opt;
    while ((opt = getopt_long (argc - 1, argv + 1, "o:p:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'o': output = optarg; break;
            case 'p': plan = optarg; break;
            case 'h': s_catalog_usage (stdout); return WDM_CMD_EXIT_OK;
            default: s_catalog_usage (stderr); return WDM_CMD_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        s_catalog_usage (stderr);
        return WDM_CMD_EXIT_USAGE;
    }
    int rc;
    FILE *out = NULL;
    char plan_code [128];
    PGconn *conn = wdm_cmd_connect (config, &rc);
    if (!conn)
        goto cleanup;
    //  The plan first: an unknown one leaves no file behind.
    rc = wdm_cmd_check_plan (conn, "catalog export", &plan, plan_code, sizeof plan_code);
    if (rc != WDM_CMD_EXIT_OK)
        goto cleanup;
    out = output ? fopen (output, "w") : stdout;
    if (!out) {
        fprintf (stderr, "wdmon catalog export: %s: %s\n", output, strerror (errno));
        rc = WDM_CMD_EXIT_FAILED;
        goto cleanup;
    }
    rc = wdm_units_write_catalog (conn, plan, out) == 0 ? WDM_CMD_EXIT_OK : WDM_CMD_EXIT_FAILED;
cleanup:
    if (out && out != stdout && fclose (out))
        rc = WDM_CMD_EXIT_FAILED;
    PQfinish (conn);
    return rc;
}
