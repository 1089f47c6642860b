/*  wdmon-notify: sends the notices wdmon queues when a warning opens or
    turns red, and the daily digest (docs/OPERATIONS.md, "Notices").  Its
    own small program, so that a mail server or a bot that hangs never
    slows ingest, and so that it can run on the machine that may reach the
    outside; several may run against one database (the claim skips what
    another holds).  Reads its INI file (one table of options below), then
    runs rounds every interval until SIGTERM; --once runs one round and
    exits (0 if the database answered).  The mail password comes from a
    file and is never logged.  */

#include "wdm_config.h"
#include "wdm_daemon.h"
#include "wdm_db.h"
#include "wdm_log.h"
#include "wdm_notice.h"
#include "wdm_signal.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define S_FIELD(f) offsetof (wdm_notice_config_t, f), sizeof ((wdm_notice_config_t *)0)->f
#define S_LONG(f)  offsetof (wdm_notice_config_t, f), 0

static const wdm_option_t s_options [] = {
    { "database", "conninfo", WDM_OPT_STRING, "", 0, 0, S_FIELD (conninfo), "libpq connection string" },
    { "console", "base_url", WDM_OPT_STRING, "http://localhost:8080", 0, 0, S_FIELD (base_url),
      "the web console's address as the office reaches it; links are BASE/indicator/CODE and BASE/warnings/ID" },
    { "office", "timezone", WDM_OPT_STRING, "Asia/Shanghai", 0, 0, S_FIELD (timezone),
      "the office's zone: the digest's day and hour" },
    { "smtp", "url", WDM_OPT_STRING, "", 0, 0, S_FIELD (smtp.url),
      "smtp://host:587 (STARTTLS with starttls = yes) or smtps://host:465; empty: no mail" },
    { "smtp", "from", WDM_OPT_STRING, "wdmon@localhost", 0, 0, S_FIELD (smtp.from), "the sender's address" },
    { "smtp", "user", WDM_OPT_STRING, "", 0, 0, S_FIELD (smtp.user), "login name; empty: no login" },
    { "smtp", "password_file", WDM_OPT_STRING, "", 0, 0, S_FIELD (password_file),
      "a file whose first line is the password (mode 0600)" },
    { "smtp", "starttls", WDM_OPT_BOOL, "yes", 0, 0, offsetof (wdm_notice_config_t, smtp.starttls), 0,
      "require STARTTLS before login (turn off only for a relay on loopback)" },
    { "smtp", "ca_file", WDM_OPT_STRING, "", 0, 0, S_FIELD (smtp.ca_file),
      "a PEM file of the certificates the mail server's is verified by (a private CA); empty: the system's" },
    { "notify", "interval_ms", WDM_OPT_INT, "5000", 100, 3600000, S_LONG (interval_ms), "between rounds" },
    { "notify", "retry_base_s", WDM_OPT_INT, "60", 1, 86400, S_LONG (retry_base_s),
      "the wait before the first retry; doubled each time" },
    { "notify", "retry_max_s", WDM_OPT_INT, "3600", 1, 86400, S_LONG (retry_max_s), "the longest wait" },
    { "notify", "max_attempts", WDM_OPT_INT, "20", 1, 1000, S_LONG (max_attempts),
      "after this many failed tries a notice is failed" },
    { "notify", "digest_hour", WDM_OPT_INT, "8", -1, 23, S_LONG (digest_hour),
      "the office's hour from which the day's digest goes out; -1: no digest" },
    { "notify", "timeout_s", WDM_OPT_INT, "20", 1, 600, S_LONG (timeout_s), "one send's time limit" },
    { "log", "level", WDM_OPT_STRING, "info", 0, 0, S_FIELD (log_level), "error, warn, info or debug" },
    WDM_OPTION_END
};

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: wdmon-notify [OPTIONS] [--once]\n"
             "\n"
             "Sends wdmon's notices (a warning opened, reopened or turned red; the\n"
             "daily digest) by mail and group-bot webhooks until SIGTERM or SIGINT.\n"
             "See docs/OPERATIONS.md, \"Notices\".\n"
             "\n"
             "  -c, --config FILE      INI file (see deploy/wdmon-notify.conf.sample)\n"
             "  -d, --db CONNINFO      libpq connection string (database.conninfo)\n"
             "  -l, --log-level LEVEL  error, warn, info or debug\n"
             "      --once             one round (send what is due), then exit\n"
             "  -h, --help             this help\n"
             "\n"
             "Exit codes: 0 stopped cleanly (--once: the database answered), 1 failed,\n"
             "2 bad command line or config.\n");
}

//  The password's first line from config->password_file into smtp.password.
//  0, or -1 said.
static int
s_password (wdm_notice_config_t *config)
{
    if (!*config->password_file)
        return 0;
    FILE *file = fopen (config->password_file, "r");
    if (!file || !fgets (config->smtp.password, sizeof config->smtp.password, file)) {
        fprintf (stderr, "wdmon-notify: cannot read smtp.password_file %s\n", config->password_file);
        if (file)
            fclose (file);
        return -1;
    }
    fclose (file);
    config->smtp.password [strcspn (config->smtp.password, "\r\n")] = 0;
    return 0;
}

static void
s_sleep_ms (long ms, volatile sig_atomic_t *stop)
{
    for (long slept = 0; slept < ms && !*stop; slept += 100)
        nanosleep (&(struct timespec) { 0, 100 * 1000000L }, NULL);
}

//  Rounds until stop (or one with once).  0, or -1 if once's round failed.
static int
s_run (const wdm_notice_config_t *config, int once, volatile sig_atomic_t *stop)
{
    PGconn *conn = NULL;
    int rc = 0;
    while (!*stop) {
        if (!conn && !(conn = wdm_db_connect (config->conninfo)))
            rc = -1;
        int sent = 0, retried = 0;
        if (conn && wdm_notice_round (conn, config, &sent, &retried)) {
            rc = -1;
            if (PQstatus (conn) != CONNECTION_OK) {
                PQfinish (conn);
                conn = NULL;
            }
        } else if (conn)
            rc = 0;
        if (sent || retried)
            wdm_log_info ("round: %d sent, %d to retry", sent, retried);
        if (once)
            break;
        s_sleep_ms (config->interval_ms, stop);
    }
    PQfinish (conn);
    return rc;
}

//  The flags that set an option (-c and -h are every daemon's).
static const wdm_flag_t s_flags [] = {
    { 'd', "db", "database", "conninfo" },
    { 'l', "log-level", "log", "level" },
    WDM_FLAG_END,
};

int
main (int argc, char **argv)
{
    //  --once is this program's own switch, taken out before the command
    //  line every daemon shares is read.
    int once = 0, kept = 0;
    for (int i = 0; i < argc; i++) {
        if (i > 0 && strcmp (argv [i], "--once") == 0)
            once = 1;
        else
            argv [kept++] = argv [i];
    }
    argv [kept] = NULL;
    wdm_notice_config_t config;
    int rc = wdm_daemon_configure ("wdmon-notify", s_options, s_flags, s_usage, kept, argv, &config);
    if (rc != WDM_DAEMON_GO_ON)
        return rc;
    size_t base = strlen (config.base_url);
    while (base > 0 && config.base_url [base - 1] == '/')
        config.base_url [--base] = 0;
    config.smtp.timeout_s = config.timeout_s;
    if (s_password (&config))
        return 2;
    if (sodium_init () < 0 || curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        wdm_log_error ("cannot start libsodium or libcurl");
        return 1;
    }
    rc = s_run (&config, once, wdm_signal_stop_on_term ());
    sodium_memzero (config.smtp.password, sizeof config.smtp.password);
    curl_global_cleanup ();
    return rc == 0 ? 0 : 1;
}
