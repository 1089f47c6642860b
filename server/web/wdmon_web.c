/*  wdmon-web: the office's web console.  Reads its configuration (one
    option table: [web], [office], [log]; wdm_daemon), installs signal
    handlers (wdm_signal) and runs wdm_web until SIGTERM or SIGINT.  */

#include "wdm_daemon.h"
#include "wdm_log.h"
#include "wdm_signal.h"
#include "wdm_web.h"

#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define S_FIELD(f) offsetof (wdm_web_config_t, f), sizeof ((wdm_web_config_t *)0)->f
#define S_LONG(f)  offsetof (wdm_web_config_t, f), sizeof (long)
#define S_BOOL(f)  offsetof (wdm_web_config_t, f), sizeof (int)

static const wdm_option_t s_options [] = {
    { "web", "address", WDM_OPT_STRING, "127.0.0.1", 0, 0, S_FIELD (address),
      "IPv4 address to listen on (0.0.0.0: every interface)" },
    { "web", "port", WDM_OPT_INT, "8080", 1, 65535, S_LONG (port), "TCP port of the console" },
    { "web", "conninfo", WDM_OPT_STRING, "", 0, 0, S_FIELD (conninfo),
      "libpq connection string of a login in role wdmon_console; empty uses PGHOST, PGDATABASE, ..." },
    { "web", "session_minutes", WDM_OPT_INT, "480", 5, 10080, S_LONG (session_minutes),
      "a session ends this many minutes after logging in" },
    { "web", "lock_attempts", WDM_OPT_INT, "5", 1, 100, S_LONG (lock_attempts),
      "wrong passwords for a login or from an address that lock further tries" },
    { "web", "lock_minutes", WDM_OPT_INT, "15", 1, 1440, S_LONG (lock_minutes), "... for this many minutes" },
    { "web", "tls_cert", WDM_OPT_STRING, "", 0, 0, S_FIELD (tls_cert),
      "PEM certificate file; with tls_key, the console speaks HTTPS itself" },
    { "web", "tls_key", WDM_OPT_STRING, "", 0, 0, S_FIELD (tls_key), "PEM private key file" },
    { "web", "secure_cookie", WDM_OPT_BOOL, "false", 0, 0, S_BOOL (secure_cookie),
      "mark the session cookie Secure (set when nginx terminates TLS in front; on with tls_cert)" },
    { "web", "trust_proxy", WDM_OPT_BOOL, "false", 0, 0, S_BOOL (trust_proxy),
      "take the client's address from X-Real-IP when the peer is on loopback (nginx in front)" },
    { "office", "timezone", WDM_OPT_STRING, "Asia/Shanghai", 0, 0, S_FIELD (timezone),
      "the office's time zone, as PostgreSQL names it: times on the pages are in it" },
    { "log", "level", WDM_OPT_STRING, "info", 0, 0, S_FIELD (log_level), "error, warn, info or debug" },
    WDM_OPTION_END
};

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: wdmon-web [OPTIONS]\n"
             "\n"
             "The office's web console of wdmon: warnings to read, acknowledge and follow\n"
             "up, with accounts (wdmon user add).  Serves HTTP (or HTTPS with [web]\n"
             "tls_cert and tls_key) until SIGTERM or SIGINT.  See docs/CONSOLE.md.\n"
             "\n"
             "  -c, --config FILE      INI file (see deploy/wdmon-web.conf.sample)\n"
             "  -a, --address ADDR     IPv4 address to listen on (web.address, 127.0.0.1)\n"
             "  -p, --port PORT        TCP port (web.port, 8080)\n"
             "  -d, --db CONNINFO      libpq connection string (web.conninfo)\n"
             "  -l, --log-level LEVEL  error, warn, info or debug\n"
             "  -h, --help             this help\n"
             "\n"
             "Exit codes: 0 stopped cleanly, 1 could not start, 2 bad command line or config.\n");
}

//  The flags that set an option (-c and -h are every daemon's).
static const wdm_flag_t s_flags [] = {
    { 'a', "address", "web", "address" },
    { 'p', "port", "web", "port" },
    { 'd', "db", "web", "conninfo" },
    { 'l', "log-level", "log", "level" },
    WDM_FLAG_END,
};

int
main (int argc, char **argv)
{
    wdm_web_config_t config;
    int rc = wdm_daemon_configure ("wdmon-web", s_options, s_flags, s_usage, argc, argv, &config);
    if (rc != WDM_DAEMON_GO_ON)
        return rc;
    if ((config.tls_cert [0] != 0) != (config.tls_key [0] != 0)) {
        fprintf (stderr, "wdmon-web: [web] tls_cert and tls_key go together: give both or neither\n");
        return 2;
    }
    if (sodium_init () < 0) {
        wdm_log_error ("web: libsodium could not start");
        return 1;
    }
    return wdm_web_run (&config, wdm_signal_stop_on_term ()) == 0 ? 0 : 1;
}
