/*  wdmon-collector: the member unit's collector.  `run` is the daemon;
    `status` tells what it holds; `put` hands it records from standard
    input or a file; `check` reads a file the way intake would, without
    taking it.  */

#include "wdm_collector.h"
#include "wdm_config.h"
#include "wdm_log.h"
#include "wdm_signal.h"
#include "wdm_proto.h"
#include "wdm_source.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_STR(f)  offsetof (wdm_collector_config_t, f), sizeof ((wdm_collector_config_t *)0)->f
#define S_LONG(f) offsetof (wdm_collector_config_t, f), sizeof (long)

static const wdm_option_t s_options [] = {
    { "server", "endpoint", WDM_OPT_STRING, "tcp://127.0.0.1:7300", 0, 0, S_STR (endpoint),
      "the centre's endpoint; several servers sharing one database: their endpoints separated by commas,"
      " used in turn (the next when one stops answering)" },
    { "server", "public_key_file", WDM_OPT_STRING, "server.pub", 0, 0, S_STR (server_public_key_file),
      "the centre's public key" },
    { "collector", "secret_key_file", WDM_OPT_STRING, "unit.key", 0, 0, S_STR (secret_key_file),
      "this unit's secret key (mode 0600)" },
    { "collector", "public_key_file", WDM_OPT_STRING, "unit.pub", 0, 0, S_STR (public_key_file),
      "this unit's public key" },
    { "collector", "outbox", WDM_OPT_STRING, "outbox", 0, 0, S_STR (outbox),
      "directory where records wait until acknowledged" },
    { "collector", "inbox", WDM_OPT_STRING, "inbox", 0, 0, S_STR (inbox),
      "directory to drop CSV and JSON Lines files into" },
    { "collector", "catalog", WDM_OPT_STRING, "catalog.json", 0, 0, S_STR (catalog),
      "the catalog records are checked against (empty: none)" },
    { "collector", "rejected", WDM_OPT_STRING, "rejected.jsonl", 0, 0, S_STR (rejected),
      "where records the centre refused are kept, with the reason" },
    { "collector", "status_file", WDM_OPT_STRING, "collector.status", 0, 0, S_STR (status_file),
      "what the running collector tells `status`" },
    { "collector", "batch_size", WDM_OPT_INT, "500", 1, WDM_PROTO_MAX_RECORDS, S_LONG (batch_size),
      "records per batch" },
    { "collector", "max_in_flight", WDM_OPT_INT, "4", 1, 64, S_LONG (max_in_flight),
      "batches awaiting an answer, at most" },
    { "collector", "timeout_ms", WDM_OPT_INT, "30000", 100, 3600000, S_LONG (timeout_ms),
      "no answer this long: reconnect and resend" },
    { "collector", "scan_ms", WDM_OPT_INT, "1000", 10, 3600000, S_LONG (scan_ms),
      "how often the inbox is looked at" },
    { "collector", "settle_ms", WDM_OPT_INT, "2000", 0, 3600000, S_LONG (settle_ms),
      "a file is taken only once its size and time have not changed for this long" },
    { "log", "level", WDM_OPT_STRING, "info", 0, 0, S_STR (log_level), "error, warn, info or debug" },
    WDM_OPTION_END
};

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: wdmon-collector -c FILE [OPTIONS] [COMMAND]\n"
             "\n"
             "The member unit's collector: takes indicator records from files dropped\n"
             "into its inbox, keeps them on disk, and delivers them to the centre until\n"
             "each is acknowledged.\n"
             "\n"
             "Commands:\n"
             "  run [--once]          run the collector (the default); --once: return when\n"
             "                        the inbox is empty and every record is acknowledged\n"
             "  status                records queued, in flight, acknowledged, refused\n"
             "  put [--format F] [FILE|-]\n"
             "                        hand records to the collector: copy FILE, under its\n"
             "                        own name, or standard input (-, the default), into\n"
             "                        the inbox; F is csv, jsonl or xlsx (default: from FILE's\n"
             "                        name, jsonl for input)\n"
             "  check FILE            read FILE as intake would (against the catalog of -c's\n"
             "                        bundle) and report every bad line, taking nothing\n"
             "\n"
             "Options:\n"
             "  -c, --config FILE      the unit's collector.conf (from `wdmon unit add`);\n"
             "                         relative paths in it are relative to its directory\n"
             "  -e, --endpoint EP      the centre's endpoint (server.endpoint); repeated, or\n"
             "                         a list separated by commas: several servers sharing one\n"
             "                         database, used in turn, the next when one stops answering\n"
             "  -l, --log-level LEVEL  error, warn, info or debug\n"
             "  -h, --help             this help\n"
             "\n"
             "Exit codes: 0 success, 1 failure (see the log), 2 bad command line or config.\n");
}

//  Make a relative path in the config relative to the config's directory.
static int
s_resolve (char *field, size_t size, const char *base)
{
    if (!*field || field [0] == '/')
        return 0;
    char joined [2048];
    int len = snprintf (joined, sizeof joined, "%s/%s", base, field);
    if (len < 0 || (size_t)len >= size)
        return -1;
    memcpy (field, joined, (size_t)len + 1);
    return 0;
}

//  Give the file put into the inbox its name there: the source file's own
//  (what done/, failed/ and rejected.jsonl then show), with "-2", "-3" ...
//  before its ending if a file of that name is waiting, and the format's
//  ending added if its name does not have it; "put-TIME-PID" for standard
//  input.  The hidden file is linked, not renamed, so that nothing is
//  replaced.  0 with final set, or -1.
static int
s_put_name (const wdm_collector_config_t *config, const char *source, wdm_source_format_t kind,
            const char *hidden, char *final, size_t size)
{
    const char *ending = kind == WDM_SOURCE_CSV ? ".csv" : kind == WDM_SOURCE_XLSX ? ".xlsx" : ".jsonl";
    char stem [1024], suffix [16] = "";
    wdm_source_format_t named;
    if (strcmp (source, "-") == 0)
        snprintf (stem, sizeof stem, "put-%ld-%ld", (long)time (NULL), (long)getpid ());
    else {
        const char *base = strrchr (source, '/');
        snprintf (stem, sizeof stem, "%s", base ? base + 1 : source);
        const char *dot = strrchr (stem, '.');
        if (wdm_source_format_from_name (stem, &named) == 0 && named == kind && dot) {
            snprintf (suffix, sizeof suffix, "%s", dot);
            stem [dot - stem] = '\0';
        }
    }
    if (stem [0] == '.' || stem [0] == '~')
        stem [0] = '_';  //  a name intake would pass over
    for (int n = 1; n < 1000; n++) {
        char number [16] = "";
        if (n > 1)
            snprintf (number, sizeof number, "-%d", n);
        int len = snprintf (final, size, "%s/%s%s%s", config->inbox, stem, number, *suffix ? suffix : ending);
        if (len < 0 || (size_t)len >= size) {
            errno = ENAMETOOLONG;
            return -1;
        }
        if (link (hidden, final) == 0)
            return unlink (hidden);
        if (errno != EEXIST)
            return -1;
    }
    return -1;
}

static int
s_put (const wdm_collector_config_t *config, const char *format, const char *source)
{
    wdm_source_format_t kind = WDM_SOURCE_JSONL;
    if (format) {
        if (strcmp (format, "csv") == 0)
            kind = WDM_SOURCE_CSV;
        else if (strcmp (format, "xlsx") == 0)
            kind = WDM_SOURCE_XLSX;
        else if (strcmp (format, "jsonl") != 0) {
            fprintf (stderr, "wdmon-collector put: --format must be csv, jsonl or xlsx\n");
            return 2;
        }
    } else if (strcmp (source, "-") != 0 && wdm_source_format_from_name (source, &kind)) {
        fprintf (stderr, "wdmon-collector put: cannot tell the format of %s: give --format\n", source);
        return 2;
    }
    FILE *in = strcmp (source, "-") == 0 ? stdin : fopen (source, "rb");
    if (!in) {
        fprintf (stderr, "wdmon-collector put: %s: %s\n", source, strerror (errno));
        return 1;
    }
    //  Written under a hidden name, synced, then linked under its own
    //  name: intake never sees half a file, and a file of that name still
    //  waiting is never replaced.
    char hidden [2200], final [2200] = "";
    snprintf (hidden, sizeof hidden, "%s/.put-%ld-%ld.tmp", config->inbox, (long)time (NULL),
              (long)getpid ());
    int fd = open (hidden, O_WRONLY | O_CREAT | O_EXCL, 0640);
    int rc = fd < 0 ? 1 : 0;
    char buffer [65536];
    size_t got;
    size_t total = 0;
    while (rc == 0 && (got = fread (buffer, 1, sizeof buffer, in)) > 0) {
        if (write (fd, buffer, got) != (ssize_t)got)
            rc = 1;
        total += got;
    }
    if (rc == 0
        && (ferror (in) || fsync (fd) || close (fd)
            || s_put_name (config, source, kind, hidden, final, sizeof final)))
        rc = 1;
    else if (fd >= 0 && rc)
        close (fd);
    if (in != stdin)
        fclose (in);
    if (rc) {
        fprintf (stderr, "wdmon-collector put: cannot write into %s: %s\n", config->inbox, strerror (errno));
        unlink (hidden);
        return 1;
    }
    printf ("put %zu bytes into %s; the collector takes them in on its next look\n", total, final);
    return 0;
}

static void
s_check_error (void *arg, int line, const char *field, const char *message, const char *text)
{
    (void)arg;
    printf ("line %d\t%s\t%s\t%s\n", line, *field ? field : "-", message, text);
}

static int
s_check_record (void *arg, const wdm_record_t *record, int line)
{
    (void)arg;
    (void)record;
    (void)line;
    return 0;
}

//  Check a file as intake would: against the unit's catalog when a
//  config names one.
static int
s_check (const wdm_collector_config_t *config, const char *path)
{
    wdm_catalog_t *catalog = NULL;
    if (config && *config->catalog && !(catalog = wdm_collector_load_catalog (config->catalog)))
        return 1;
    wdm_source_stats_t stats = { 0, 0, "" };
    char why [512] = "";
    int rc =
        wdm_source_parse_file (path, catalog, s_check_record, s_check_error, NULL, &stats, why, sizeof why);
    wdm_catalog_destroy (&catalog);
    if (rc) {
        printf ("%s cannot be read: %s\n", path, why);
        return 1;
    }
    printf ("%s (%s): %d good records, %d bad lines\n", path, stats.encoding, stats.records, stats.errors);
    return stats.errors ? 1 : 0;
}

//  Read the config file (and -l), make its paths absolute against the
//  file's directory, and parse the log level.  0, or 2 (the exit code)
//  with the cause on stderr.
static int
s_load_config (const char *config_path, const char *log_level, const char *endpoint,
               wdm_collector_config_t *config, wdm_log_level_t *level)
{
    char err [WDM_CONFIG_ERR_MAX];
    if (wdm_config_defaults (s_options, config, err, sizeof err)
        || wdm_config_load (s_options, config, config_path, err, sizeof err)
        || (log_level && wdm_config_set (s_options, config, "log", "level", log_level, err, sizeof err))
        || (endpoint
            && wdm_config_set (s_options, config, "server", "endpoint", endpoint, err, sizeof err))) {
        fprintf (stderr, "wdmon-collector: %s\n", err);
        return 2;
    }
    char endpoints [WDM_COLLECTOR_ENDPOINTS][WDM_COLLECTOR_ENDPOINT_MAX];
    if (wdm_collector_endpoints (config->endpoint, endpoints, err, sizeof err) < 0) {
        fprintf (stderr, "wdmon-collector: server.endpoint: %s\n", err);
        return 2;
    }
    char *copy = strdup (config_path);
    const char *base = copy ? dirname (copy) : ".";
    int bad = s_resolve (config->server_public_key_file, sizeof config->server_public_key_file, base)
        | s_resolve (config->secret_key_file, sizeof config->secret_key_file, base)
        | s_resolve (config->public_key_file, sizeof config->public_key_file, base)
        | s_resolve (config->outbox, sizeof config->outbox, base)
        | s_resolve (config->inbox, sizeof config->inbox, base)
        | s_resolve (config->catalog, sizeof config->catalog, base)
        | s_resolve (config->rejected, sizeof config->rejected, base)
        | s_resolve (config->status_file, sizeof config->status_file, base);
    free (copy);
    if (bad) {
        fprintf (stderr, "wdmon-collector: %s: a path is too long once made absolute\n", config_path);
        return 2;
    }
    if (wdm_log_level_parse (config->log_level, level)) {
        fprintf (stderr, "wdmon-collector: log.level: '%s' is not error, warn, info or debug\n",
                 config->log_level);
        return 2;
    }
    return 0;
}

//  The command line, as s_parse read it.
typedef struct {
    const char *config_path, *log_level;
    char endpoint [WDM_COLLECTOR_ENDPOINTS * WDM_COLLECTOR_ENDPOINT_MAX];  //  -e's, joined; "": none
    const char *command;                                                   //  run, status, put or check
    int once;                                                              //  run --once
    const char *format;  //  put --format, NULL: from the file's name
    const char *source;  //  put's or check's FILE, "-": standard input
} s_args_t;

#define S_GO_ON (-1)  //  s_parse: the command line is good, go on

//  Read the command line into args: S_GO_ON, or the exit code (help
//  printed, or the command line refused and said why).
static int
s_parse (int argc, char **argv, s_args_t *args)
{
    static const struct option long_options [] = { { "config", required_argument, NULL, 'c' },
                                                   { "log-level", required_argument, NULL, 'l' },
                                                   { "endpoint", required_argument, NULL, 'e' },
                                                   { "help", no_argument, NULL, 'h' },
                                                   { NULL, 0, NULL, 0 } };
    *args = (s_args_t) { .command = "run", .source = "-" };
    int opt;
    while ((opt = getopt_long (argc, argv, "+c:e:l:h", long_options, NULL)) != -1) {
        size_t used = strlen (args->endpoint);
        switch (opt) {
            case 'c': args->config_path = optarg; break;
            case 'e':
                //  Each -e adds one to the list, which replaces the file's.
                if (used + strlen (optarg) + 3 > sizeof args->endpoint) {
                    fprintf (stderr, "wdmon-collector: --endpoint: too many endpoints, or too long\n");
                    return 2;
                }
                snprintf (args->endpoint + used, sizeof args->endpoint - used, "%s%s", used ? ", " : "",
                          optarg);
                break;
            case 'l': args->log_level = optarg; break;
            case 'h': s_usage (stdout); return 0;
            default: s_usage (stderr); return 2;
        }
    }
    if (optind < argc) {
        args->command = argv [optind];
        argc -= optind;
        argv += optind;
        static const struct option sub_options [] = { { "once", no_argument, NULL, 'o' },
                                                      { "format", required_argument, NULL, 'f' },
                                                      { "help", no_argument, NULL, 'h' },
                                                      { NULL, 0, NULL, 0 } };
        optind = 0;
        while ((opt = getopt_long (argc, argv, "of:h", sub_options, NULL)) != -1) {
            switch (opt) {
                case 'o': args->once = 1; break;
                case 'f': args->format = optarg; break;
                case 'h': s_usage (stdout); return 0;
                default: s_usage (stderr); return 2;
            }
        }
        if (optind < argc)
            args->source = argv [optind++];
        if (optind < argc) {
            fprintf (stderr, "wdmon-collector: unexpected argument '%s'\n", argv [optind]);
            return 2;
        }
    }
    const char *command = args->command;
    int known = strcmp (command, "run") == 0 || strcmp (command, "status") == 0
        || strcmp (command, "put") == 0 || strcmp (command, "check") == 0;
    if (!known) {
        fprintf (stderr, "wdmon-collector: unknown command '%s'; see --help\n", command);
        return 2;
    }
    if (strcmp (command, "check") == 0 && strcmp (args->source, "-") == 0) {
        fprintf (stderr, "wdmon-collector check: name the FILE to check\n");
        return 2;
    }
    return S_GO_ON;
}

int
main (int argc, char **argv)
{
    s_args_t args;
    int rc = s_parse (argc, argv, &args);
    if (rc != S_GO_ON)
        return rc;
    if (strcmp (args.command, "check") == 0 && !args.config_path) {
        fprintf (stderr,
                 "wdmon-collector check: no -c config, so no catalog: "
                 "checking what needs none\n");
        return s_check (NULL, args.source);
    }
    if (!args.config_path) {
        fprintf (stderr, "wdmon-collector: -c FILE is required (the collector.conf of a unit bundle)\n");
        return 2;
    }
    wdm_collector_config_t config;
    wdm_log_level_t level;
    if (s_load_config (args.config_path, args.log_level, *args.endpoint ? args.endpoint : NULL, &config,
                       &level))
        return 2;
    wdm_log_init ("wdmon-collector", level, NULL);
    if (strcmp (args.command, "status") == 0)
        return wdm_collector_status (&config, stdout) ? 1 : 0;
    if (strcmp (args.command, "put") == 0)
        return s_put (&config, args.format, args.source);
    if (strcmp (args.command, "check") == 0)
        return s_check (&config, args.source);
    return wdm_collector_run (&config, args.once, wdm_signal_stop_on_term ()) == 0 ? 0 : 1;
}
