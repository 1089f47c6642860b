/*  wdm_cmd_migrate: `wdmon migrate [--list]` — apply the schema migrations
    this program carries (server/db's wdm_migrate), or list them with when
    each was applied.  wdmon.c dispatches to it; see wdm_cmd_int.h.  */

#include "wdm_cmd_int.h"
#include "wdm_db.h"
#include "wdm_migrate.h"

#include <getopt.h>
#include <stdio.h>

int
wdm_cmd_migrate (wdm_cmd_config_t *config, int argc, char **argv)
{
    static const struct option long_options [] = { { "list", no_argument, NULL, 'L' },
                                                   { "format", required_argument, NULL, 'f' },
                                                   { "help", no_argument, NULL, 'h' },
                                                   { NULL, 0, NULL, 0 } };
    int list = 0;
    bool format_given = false;
    wdm_table_format_t format = WDM_TABLE_TEXT;
    optind = 0;  //  0: glibc reinitialises its scan state
    int opt;
    while ((opt = getopt_long (argc, argv, "Lf:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'L': list = 1; break;
            case 'f':
                if (wdm_cmd_format ("migrate", optarg, true, &format))
                    return WDM_CMD_EXIT_USAGE;
                format_given = true;
                break;
            case 'h':
                printf ("Usage: wdmon [OPTIONS] migrate [--list [--format text|csv|json]]\n\n"
                        "Apply, in order and each once, the schema migrations built into\n"
                        "this program (sql/NNN_*.sql), or with --list show each: version,\n"
                        "name, state (applied or pending) and when it was applied (UTC).\n"
                        "Safe to run again: it applies only what is new.\n");
                return WDM_CMD_EXIT_OK;
            default: return WDM_CMD_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf (stderr, "wdmon migrate: unexpected argument '%s'\n", argv [optind]);
        return WDM_CMD_EXIT_USAGE;
    }
    if (format_given && !list) {
        fprintf (stderr, "wdmon migrate: --format 只用于 --list / --format is for --list\n");
        return WDM_CMD_EXIT_USAGE;
    }
    PGconn *conn = wdm_db_connect (config->conninfo);
    if (!conn)
        return WDM_CMD_EXIT_FAILED;
    int rc = WDM_CMD_EXIT_FAILED;
    if (list)
        rc = wdm_migrate_list (conn, format, stdout) == 0 ? WDM_CMD_EXIT_OK : WDM_CMD_EXIT_FAILED;
    else {
        int applied = 0;
        if (wdm_migrate_apply (conn, &applied) == 0) {
            printf ("%d migration%s applied; schema is at version %03d\n", applied, applied == 1 ? "" : "s",
                    wdm_migrate_bundle [wdm_migrate_bundle_size - 1].version);
            rc = WDM_CMD_EXIT_OK;
        }
    }
    PQfinish (conn);
    return rc;
}
