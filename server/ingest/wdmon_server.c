/*  wdmon-server: the central ingest server.  Reads its configuration,
    installs signal handlers, and runs wdm_server until SIGTERM or SIGINT.  */

#include "wdm_config.h"
#include "wdm_log.h"
#include "wdm_signal.h"
#include "wdm_server.h"

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_FIELD(f) offsetof (wdm_server_config_t, f), sizeof ((wdm_server_config_t *)0)->f

static const wdm_option_t s_options [] = {
    { "server", "endpoint", WDM_OPT_STRING, "tcp://127.0.0.1:7300", 0, 0, S_FIELD (endpoint),
      "ZeroMQ endpoint to bind, e.g. tcp://0.0.0.0:7300" },
    { "server", "secret_key_file", WDM_OPT_STRING, "/etc/wdmon/server.key", 0, 0, S_FIELD (secret_key_file),
      "the server's CURVE secret key, mode 0600" },
    { "server", "max_group", WDM_OPT_INT, "8192", 1, 1000000, offsetof (wdm_server_config_t, max_group),
      sizeof (long), "records stored in one transaction, at most" },
    { "server", "reload_seconds", WDM_OPT_INT, "30", 1, 86400, offsetof (wdm_server_config_t, reload_seconds),
      sizeof (long), "how often the catalog and the grants are reread" },
    { "warnings", "interval_ms", WDM_OPT_INT, "1000", 10, 3600000,
      offsetof (wdm_server_config_t, warn_interval_ms), sizeof (long),
      "indicators touched by new data are re-evaluated at most this often" },
    { "warnings", "deadline_seconds", WDM_OPT_INT, "3600", 1, 86400,
      offsetof (wdm_server_config_t, deadline_seconds), sizeof (long),
      "how often missing and late reports are checked" },
    { "warnings", "today", WDM_OPT_STRING, "", 0, 0, S_FIELD (today),
      "fix the date for deadlines, YYYY-MM-DD (tests and demos); empty: the real date" },
    { "server", "status_seconds", WDM_OPT_INT, "5", 1, 3600, offsetof (wdm_server_config_t, status_seconds),
      sizeof (long), "how often this server writes its row of server_status" },
    { "metrics", "address", WDM_OPT_STRING, "127.0.0.1", 0, 0, S_FIELD (metrics_address),
      "IPv4 address the Prometheus /metrics endpoint listens on" },
    { "metrics", "port", WDM_OPT_INT, "0", 0, 65535, offsetof (wdm_server_config_t, metrics_port),
      sizeof (long), "HTTP port of /metrics; 0 serves none" },
    { "database", "conninfo", WDM_OPT_STRING, "", 0, 0, S_FIELD (conninfo),
      "libpq connection string; empty uses PGHOST, PGDATABASE, ..." },
    { "log", "level", WDM_OPT_STRING, "info", 0, 0, S_FIELD (log_level), "error, warn, info or debug" },
    WDM_OPTION_END
};

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: wdmon-server [OPTIONS]\n"
             "\n"
             "Receive member units' indicator records over CURVE-encrypted ZeroMQ,\n"
             "check them, store them in PostgreSQL, and acknowledge each batch after\n"
             "its COMMIT.  Stops cleanly on SIGTERM or SIGINT.\n"
             "\n"
             "  -c, --config FILE      INI file (see deploy/wdmon-server.conf.sample)\n"
             "  -e, --endpoint EP      endpoint to bind (server.endpoint)\n"
             "  -k, --key FILE         secret key file (server.secret_key_file)\n"
             "  -d, --db CONNINFO      libpq connection string (database.conninfo)\n"
             "  -l, --log-level LEVEL  error, warn, info or debug\n"
             "  -h, --help             this help\n"
             "\n"
             "Exit codes: 0 stopped cleanly, 1 could not start, 2 bad command line or config.\n");
}

int
main (int argc, char **argv)
{
    static const struct option long_options [] = { { "config", required_argument, NULL, 'c' },
                                                   { "endpoint", required_argument, NULL, 'e' },
                                                   { "key", required_argument, NULL, 'k' },
                                                   { "db", required_argument, NULL, 'd' },
                                                   { "log-level", required_argument, NULL, 'l' },
                                                   { "help", no_argument, NULL, 'h' },
                                                   { NULL, 0, NULL, 0 } };
    //  Flags are applied after the file, so they win.
    const char *config_path = NULL;
    wdm_setting_t flags [8];
    int flag_count = 0, opt;
    while ((opt = getopt_long (argc, argv, "c:e:k:d:l:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'c': config_path = optarg; break;
            case 'e': flags [flag_count++] = (wdm_setting_t) { "server", "endpoint", optarg }; break;
            case 'k': flags [flag_count++] = (wdm_setting_t) { "server", "secret_key_file", optarg }; break;
            case 'd': flags [flag_count++] = (wdm_setting_t) { "database", "conninfo", optarg }; break;
            case 'l': flags [flag_count++] = (wdm_setting_t) { "log", "level", optarg }; break;
            case 'h': s_usage (stdout); return 0;
            default: s_usage (stderr); return 2;
        }
        if (flag_count == 8)
            break;
    }
    if (optind < argc) {
        fprintf (stderr, "wdmon-server: unexpected argument '%s'\n", argv [optind]);
        return 2;
    }
    wdm_server_config_t config;
    char err [WDM_CONFIG_ERR_MAX];
    if (wdm_config_defaults (s_options, &config, err, sizeof err)
        || (config_path && wdm_config_load (s_options, &config, config_path, err, sizeof err))) {
        fprintf (stderr, "wdmon-server: %s\n", err);
        return 2;
    }
    for (int i = 0; i < flag_count; i++)
        if (wdm_config_set (s_options, &config, flags [i].section, flags [i].key, flags [i].value, err,
                            sizeof err)) {
            fprintf (stderr, "wdmon-server: %s\n", err);
            return 2;
        }
    wdm_log_level_t level;
    if (wdm_log_level_parse (config.log_level, &level)) {
        fprintf (stderr, "wdmon-server: log.level: '%s' is not error, warn, info or debug\n",
                 config.log_level);
        return 2;
    }
    wdm_log_init ("wdmon-server", level, NULL);

    return wdm_server_run (&config, wdm_signal_stop_on_term ()) == 0 ? 0 : 1;
}
