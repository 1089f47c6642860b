/*  wdmon-forward: a district's wdmon reporting up to the city (逐级上报).
    Reads its INI file (one table of options below) and runs the
    collector's delivery (client/: outbox, CURVE link, resend until the
    city acknowledges after its COMMIT) with the district's forward_queue
    as intake (wdm_forward), until SIGTERM; --once returns when nothing
    waits and the city has acknowledged everything; `status` prints what
    its outbox holds, as `wdmon-collector status` does.  docs/OPERATIONS.md,
    "Reporting to the city (逐级上报)".  */

#include "wdm_collector.h"
#include "wdm_config.h"
#include "wdm_daemon.h"
#include "wdm_forward.h"
#include "wdm_log.h"
#include "wdm_proto.h"
#include "wdm_signal.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    char conninfo [1024];         //  the district's database
    char area [64];               //  the district's top area there ("": the one without a parent)
    char city_area [64];          //  the district's area at the city ("": the same code)
    int approval;                 //  only approved years go up (审核后上报)
    wdm_collector_config_t link;  //  outbox, keys and the city's endpoint
} s_config_t;

#define S_STR(f)  offsetof (s_config_t, f), sizeof ((s_config_t *)0)->f
#define S_LONG(f) offsetof (s_config_t, f), sizeof (long)

static const wdm_option_t s_options [] = {
    { "database", "conninfo", WDM_OPT_STRING, "", 0, 0, S_STR (conninfo),
      "the district's database (libpq connection string)" },
    { "district", "area", WDM_OPT_STRING, "", 0, 0, S_STR (area),
      "the district's top area in its database (empty: the one area without a parent)" },
    { "district", "city_area", WDM_OPT_STRING, "", 0, 0, S_STR (city_area),
      "the district's area code in the city's site (empty: the same code)" },
    { "city", "endpoint", WDM_OPT_STRING, "tcp://127.0.0.1:7300", 0, 0, S_STR (link.endpoint),
      "the city's wdmon-server" },
    { "city", "public_key_file", WDM_OPT_STRING, "server.pub", 0, 0, S_STR (link.server_public_key_file),
      "the city server's public key" },
    { "forward", "secret_key_file", WDM_OPT_STRING, "unit.key", 0, 0, S_STR (link.secret_key_file),
      "the district's key as a member unit of the city (mode 0600), from the city's `wdmon unit add`" },
    { "forward", "public_key_file", WDM_OPT_STRING, "unit.pub", 0, 0, S_STR (link.public_key_file),
      "the district's public key at the city" },
    { "forward", "outbox", WDM_OPT_STRING, "outbox", 0, 0, S_STR (link.outbox),
      "directory where figures wait until the city acknowledges them" },
    { "forward", "rejected", WDM_OPT_STRING, "rejected.jsonl", 0, 0, S_STR (link.rejected),
      "where figures the city refused are kept, with the reason" },
    { "forward", "status_file", WDM_OPT_STRING, "forward.status", 0, 0, S_STR (link.status_file),
      "what the running forwarder last said about its queue and link" },
    { "forward", "batch_size", WDM_OPT_INT, "500", 1, WDM_PROTO_MAX_RECORDS, S_LONG (link.batch_size),
      "records per batch, and per round taken from the queue" },
    { "forward", "max_in_flight", WDM_OPT_INT, "4", 1, 64, S_LONG (link.max_in_flight),
      "batches awaiting the city's answer, at most" },
    { "forward", "timeout_ms", WDM_OPT_INT, "30000", 100, 3600000, S_LONG (link.timeout_ms),
      "no answer this long: reconnect and resend" },
    { "forward", "scan_ms", WDM_OPT_INT, "1000", 10, 3600000, S_LONG (link.scan_ms),
      "how often the queue is looked at when it was empty" },
    { "forward", "approval", WDM_OPT_BOOL, "no", 0, 0, offsetof (s_config_t, approval), 0,
      "yes: a year goes up only once approved with `wdmon forward approve --year Y` (审核后上报)" },
    { "log", "level", WDM_OPT_STRING, "info", 0, 0, S_STR (link.log_level), "error, warn, info or debug" },
    WDM_OPTION_END
};

static const wdm_flag_t s_flags [] = {
    { 'd', "db", "database", "conninfo" },
    { 'l', "log-level", "log", "level" },
    WDM_FLAG_END,
};

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: wdmon-forward -c FILE [OPTIONS] [--once | status]\n"
             "\n"
             "Sends the district's figures up to the city's wdmon (逐级上报), as a member\n"
             "unit of the city, until SIGTERM or SIGINT: every figure the district stores\n"
             "or changes, kept on disk until the city has committed it.\n"
             "See docs/OPERATIONS.md, \"Reporting to the city\".\n"
             "\n"
             "  -c, --config FILE      INI file (see deploy/wdmon-forward.conf.sample)\n"
             "  -d, --db CONNINFO      the district's database (database.conninfo)\n"
             "  -l, --log-level LEVEL  error, warn, info or debug\n"
             "      --once             return when nothing waits and the city has\n"
             "                         acknowledged everything\n"
             "      status             what the outbox holds: queued, in flight, answered\n"
             "                         by the city (works while the forwarder runs)\n"
             "  -h, --help             this help\n"
             "\n"
             "Exit codes: 0 stopped cleanly, 1 failed, 2 bad command line or config.\n");
}

int
main (int argc, char **argv)
{
    int once = 0, status = 0, kept = 0;
    for (int i = 0; i < argc; i++) {
        if (i > 0 && strcmp (argv [i], "--once") == 0)
            once = 1;
        else if (i > 0 && strcmp (argv [i], "status") == 0)
            status = 1;
        else
            argv [kept++] = argv [i];
    }
    argv [kept] = NULL;
    s_config_t config;
    memset (&config, 0, sizeof config);
    int rc = wdm_daemon_configure ("wdmon-forward", s_options, s_flags, s_usage, kept, argv, &config);
    if (rc != WDM_DAEMON_GO_ON)
        return rc;
    config.link.settle_ms = 0;
    if (status)
        return wdm_collector_status (&config.link, stdout) == 0 ? 0 : 1;
    wdm_forward_t *forward = wdm_forward_new (config.conninfo, config.area, config.city_area,
                                              config.link.batch_size, config.approval);
    if (!forward)
        return 1;
    //  Off is a set-up mistake said at once; a database away now is waited
    //  for, as the rounds wait for it.
    if (wdm_forward_enabled (forward) == 0) {
        wdm_log_error ("forward: 本库未开启向市级上报,请先运行 wdmon forward enable"
                       " / forwarding is off in this database: run wdmon forward enable first");
        wdm_forward_destroy (&forward);
        return 2;
    }
    rc = wdm_collector_run_intake (&config.link, wdm_forward_intake, forward, once,
                                   wdm_signal_stop_on_term ());
    wdm_log_info ("forward: %lu figures queued for the city this run", wdm_forward_taken (forward));
    wdm_forward_destroy (&forward);
    return rc == 0 ? 0 : 1;
}
