/*  wdm_cmd_site: `wdmon site import FILE [--dry-run]` and `wdmon site
    export [FILE]` — the command line in front of server/site, which reads,
    checks, applies and writes the site file.  wdmon.c dispatches to it;
    see wdm_cmd_int.h.  */

#include "wdm_cmd_int.h"
#include "wdm_site.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: wdmon site import FILE [--dry-run]\n"
             "       wdmon site export [FILE]\n"
             "\n"
             "A site's areas (地区), member units (成员单位) and who reports which\n"
             "indicator (职责分工) live in a YAML file the operator owns; the demo's is\n"
             "deploy/site/wuqing.yaml.  Edit it for the real site, then import it.\n"
             "\n"
             "import   makes the database match FILE in one transaction: adds what is\n"
             "         new, changes names, parents, levels, kinds and roles, removes\n"
             "         what the file no longer has.  Prints each difference (added,\n"
             "         changed, removed), one a line, or \"no change\".  --dry-run prints\n"
             "         them and changes nothing.  Every error in the file is reported,\n"
             "         each with FILE:LINE and the field, and nothing is applied; an area\n"
             "         or unit that observations, warnings, batches or keys refer to is\n"
             "         never removed (keep it; 'active: false' stops a unit reporting).\n"
             "export   writes the database's areas, units and responsibilities as a\n"
             "         site file to FILE (standard output without one).\n"
             "\n"
             "The file: 'areas', a list of {code, parent, level, name_zh, name_en}\n"
             "(the district has no parent); 'units', a list of {code, kind, area,\n"
             "name_zh, name_en, active (default true), leads: [indicator codes],\n"
             "contributes: [indicator codes]}.  docs/OPERATIONS.md has the details.\n"
             "\n"
             "Exit 2 for a file with errors or a refused removal, 1 if the database\n"
             "failed.\n");
}

static int
s_import (wdm_cmd_config_t *config, const char *path, bool dry_run)
{
    int rc;
    PGconn *conn = wdm_cmd_connect (config, &rc);
    if (!conn)
        return rc;
    wdm_buf_t errors = { 0 };
    wdm_site_result_t result = wdm_site_import (conn, path, dry_run, stdout, &errors);
    PQfinish (conn);
    rc = wdm_cmd_import_said ("site import", result, &errors);
    wdm_buf_free (&errors);
    return rc;
}

static int
s_export (wdm_cmd_config_t *config, const char *path)
{
    FILE *out = path ? fopen (path, "w") : stdout;
    if (!out) {
        fprintf (stderr, "wdmon site export: %s: %s\n", path, strerror (errno));
        return WDM_CMD_EXIT_FAILED;
    }
    int rc;
    PGconn *conn = wdm_cmd_connect (config, &rc);
    if (conn) {
        wdm_buf_t errors = { 0 };
        rc = wdm_site_export (conn, out, &errors) ? WDM_CMD_EXIT_FAILED : WDM_CMD_EXIT_OK;
        if (rc)
            fprintf (stderr, "wdmon site export: %s", errors.data ? errors.data : "failed\n");
        wdm_buf_free (&errors);
        PQfinish (conn);
    }
    if (path && fclose (out) && rc == WDM_CMD_EXIT_OK) {
        fprintf (stderr, "wdmon site export: %s: %s\n", path, strerror (errno));
        rc = WDM_CMD_EXIT_FAILED;
    }
    return rc;
}

int
wdm_cmd_site (wdm_cmd_config_t *config, int argc, char **argv)
{
    int asked = wdm_cmd_usage_asked (argc, argv, s_usage);
    if (asked >= 0)
        return asked;
    const char *action = argv [1];
    bool is_import = strcmp (action, "import") == 0;
    if (!is_import && strcmp (action, "export") != 0) {
        fprintf (stderr, "wdmon site: 未知操作 / unknown action '%s'; see wdmon site --help\n", action);
        return WDM_CMD_EXIT_USAGE;
    }
    static const struct option long_options [] = { { "dry-run", no_argument, NULL, 'n' },
                                                   { "help", no_argument, NULL, 'h' },
                                                   { NULL, 0, NULL, 0 } };
    bool dry_run = false;
    optind = 0;  //  0: glibc reinitialises its scan state
    int opt;
    while ((opt = getopt_long (argc - 1, argv + 1, "nh", long_options, NULL)) != -1) {
        switch (opt) {
            case 'n': dry_run = true; break;
            case 'h': s_usage (stdout); return WDM_CMD_EXIT_OK;
            default: return WDM_CMD_EXIT_USAGE;
        }
    }
    int rest = argc - 1 - optind;
    char **args = argv + 1 + optind;
    if (is_import && (rest != 1)) {
        fprintf (stderr, "wdmon site import: 需要一个文件 / give one FILE; see wdmon site --help\n");
        return WDM_CMD_EXIT_USAGE;
    }
    if (!is_import && (rest > 1 || dry_run)) {
        fprintf (stderr, "wdmon site export: 用法 / usage: wdmon site export [FILE]\n");
        return WDM_CMD_EXIT_USAGE;
    }
    return is_import ? s_import (config, args [0], dry_run) : s_export (config, rest ? args [0] : NULL);
}
