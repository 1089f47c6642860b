/*  wdmon-server: the central ingest server.  Reads its configuration
    (wdm_daemon), installs signal handlers (wdm_signal), and runs
    wdm_server until SIGTERM or SIGINT.  */

#include "wdm_daemon.h"
#include "wdm_signal.h"
#include "wdm_server.h"

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
      "indicators touched by new data are judged once none has come for this long, and at most this often" },
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

//  The flags that set an option (-c and -h are every daemon's).
static const wdm_flag_t s_flags [] = {
    { 'e', "endpoint", "server", "endpoint" },
    { 'k', "key", "server", "secret_key_file" },
    { 'd', "db", "database", "conninfo" },
    { 'l', "log-level", "log", "level" },
    WDM_FLAG_END,
};

int
main (int argc, char **argv)
{
    wdm_server_config_t config;
    int rc = wdm_daemon_configure ("wdmon-server", s_options, s_flags, s_usage, argc, argv, &config);
    if (rc != WDM_DAEMON_GO_ON)
        return rc;
    return wdm_server_run (&config, wdm_signal_stop_on_term ()) == 0 ? 0 : 1;
}
