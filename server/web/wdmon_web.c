/*  wdmon-web: the office's web console.  Reads its configuration (one
    option table: [web], [office], [log]), installs signal handlers and
    runs wdm_web until SIGTERM or SIGINT.  */

#include "wdm_config.h"
#include "wdm_log.h"
#include "wdm_web.h"

#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t s_stop = 0;

static void
s_on_signal (int signum)
{
    (void)signum;
    s_stop = 1;
}

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

int
main (int argc, char **argv)
{
    static const struct option long_options [] = { { "config", required_argument, NULL, 'c' },
                                                   { "address", required_argument, NULL, 'a' },
                                                   { "port", required_argument, NULL, 'p' },
                                                   { "db", required_argument, NULL, 'd' },
                                                   { "log-level", required_argument, NULL, 'l' },
                                                   { "help", no_argument, NULL, 'h' },
                                                   { NULL, 0, NULL, 0 } };
    //  Flags are applied after the file, so they win.
    const char *config_path = NULL;
    wdm_setting_t flags [8];
    int flag_count = 0, opt;
    while (flag_count < 8 && (opt = getopt_long (argc, argv, "c:a:p:d:l:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'c': config_path = optarg; break;
            case 'a': flags [flag_count++] = (wdm_setting_t) { "web", "address", optarg }; break;
            case 'p': flags [flag_count++] = (wdm_setting_t) { "web", "port", optarg }; break;
            case 'd': flags [flag_count++] = (wdm_setting_t) { "web", "conninfo", optarg }; break;
            case 'l': flags [flag_count++] = (wdm_setting_t) { "log", "level", optarg }; break;
            case 'h': s_usage (stdout); return 0;
            default: s_usage (stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf (stderr, "wdmon-web: unexpected argument '%s'\n", argv [optind]);
        return 2;
    }
    wdm_web_config_t config;
    char err [WDM_CONFIG_ERR_MAX];
    if (wdm_config_defaults (s_options, &config, err, sizeof err)
        || (config_path && wdm_config_load (s_options, &config, config_path, err, sizeof err))) {
        fprintf (stderr, "wdmon-web: %s\n", err);
        return 2;
    }
    for (int i = 0; i < flag_count; i++)
        if (wdm_config_set (s_options, &config, flags [i].section, flags [i].key, flags [i].value, err,
                            sizeof err)) {
            fprintf (stderr, "wdmon-web: %s\n", err);
            return 2;
        }
    if ((config.tls_cert [0] != 0) != (config.tls_key [0] != 0)) {
        fprintf (stderr, "wdmon-web: [web] tls_cert and tls_key go together: give both or neither\n");
        return 2;
    }
    wdm_log_level_t level;
    if (wdm_log_level_parse (config.log_level, &level)) {
        fprintf (stderr, "wdmon-web: log.level: '%s' is not error, warn, info or debug\n", config.log_level);
        return 2;
    }
    wdm_log_init ("wdmon-web", level, NULL);
    if (sodium_init () < 0) {
        wdm_log_error ("web: libsodium could not start");
        return 1;
    }
    struct sigaction action;
    memset (&action, 0, sizeof action);
    action.sa_handler = s_on_signal;
    sigaction (SIGTERM, &action, NULL);
    sigaction (SIGINT, &action, NULL);
    signal (SIGPIPE, SIG_IGN);
    return wdm_web_run (&config, &s_stop) == 0 ? 0 : 1;
}
