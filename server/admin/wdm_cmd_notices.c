/*  wdm_cmd_notices: `wdmon notices` — the notices queued when a warning
    opens or turns red and the daily digests (sql/050), with their state:
    sent, pending (attempts, next try, last reason) or failed; and the
    recipients who get them (`wdmon notices recipient add|list|remove`).
    wdmon-notify (server/notice) sends them.  No secret is shown: a bot's
    URL and signing key live in the file a recipient names, and only the
    path is stored.  wdmon.c dispatches to it; see wdm_cmd_int.h.  */

#include "wdm_cmd_int.h"
#include "wdm_db.h"
#include "wdm_notices_query.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Parsing went well: go on to the work (any other value is the exit code).
#define S_GO_ON -1

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: wdmon notices [list] [--state pending|sent|failed] [--format text|csv|json]\n"
             "       wdmon notices recipient add NAME --channel CHANNEL --to TARGET\n"
             "                 [--role office|leader|unit] [--domain D] [--unit U]\n"
             "                 [--level red|yellow] [--digest] [--no-change]\n"
             "       wdmon notices recipient list [--format text|csv|json]\n"
             "       wdmon notices recipient remove NAME\n"
             "\n"
             "list       the notices, newest first: to whom, about what, sent (when),\n"
             "           pending (attempts, next try, why the last failed) or failed\n"
             "recipient  who is told: CHANNEL is mail (TARGET an address), wecom (企业微信),\n"
             "           dingtalk (钉钉), feishu (飞书) or webhook (generic JSON), TARGET then\n"
             "           the absolute path of a file wdmon-notify reads, with lines\n"
             "           'url = ...' and optionally 'secret = ...' (mode 0600; never stored\n"
             "           in the database, never shown).  A recipient is told when a warning\n"
             "           at or above --level (default red) opens, reopens or turns red, in\n"
             "           --domain if given, and with --unit only about the warnings that\n"
             "           unit answers for (role unit needs --unit).  --digest: also the\n"
             "           daily digest of open warnings (same filters); --no-change: only\n"
             "           the digest.  remove: no more notices; its pending ones are failed\n"
             "           and the history stays\n");
}

static const char *s_list_sql = WDM_NOTICES_SQL;  //  the console's notices page shows the same

static const char *s_recipients_sql =
    "SELECT name, channel, target AS \"to\", role, coalesce (domain_code, '') AS domain,"
    "       coalesce (unit_code, '') AS unit, min_level AS level, on_change, digest,"
    "       " WDM_TABLE_LOCAL_TIME ("created_at", "1") " AS created"
                                                       "  FROM notice_recipient WHERE active ORDER BY name";

//  What `wdmon notices` was asked.
typedef struct {
    const char *action;  //  list, add, recipients, remove
    const char *name, *channel, *to, *role, *domain, *unit, *level, *state;
    int digest, no_change;
    wdm_table_format_t format;
} s_args_t;

//  Whether text is one of the words (NULL-terminated).
static bool
s_one_of (const char *text, const char *const *words)
{
    for (; *words; words++)
        if (strcmp (text, *words) == 0)
            return true;
    return false;
}

//  Parse the options after the action.  S_GO_ON, or the exit code.
static int
s_parse (int argc, char **argv, s_args_t *args)
{
    static const struct option options [] = {
        { "state", required_argument, NULL, 's' },   { "format", required_argument, NULL, 'f' },
        { "channel", required_argument, NULL, 'C' }, { "to", required_argument, NULL, 't' },
        { "role", required_argument, NULL, 'r' },    { "domain", required_argument, NULL, 'D' },
        { "unit", required_argument, NULL, 'u' },    { "level", required_argument, NULL, 'L' },
        { "digest", no_argument, NULL, 'g' },        { "no-change", no_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' },          { NULL, 0, NULL, 0 }
    };
    static const char *const states [] = { "pending", "sent", "failed", NULL };
    static const char *const channels [] = { "mail", "wecom", "dingtalk", "feishu", "webhook", NULL };
    static const char *const roles [] = { "office", "leader", "unit", NULL };
    static const char *const levels [] = { "red", "yellow", NULL };
    int opt;
    optind = 1;
    while ((opt = getopt_long (argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
            case 's': args->state = optarg; break;
            case 'f':
                if (wdm_cmd_format ("notices", optarg, true, &args->format))
                    return WDM_CMD_EXIT_USAGE;
                break;
            case 'C': args->channel = optarg; break;
            case 't': args->to = optarg; break;
            case 'r': args->role = optarg; break;
            case 'D': args->domain = optarg; break;
            case 'u': args->unit = optarg; break;
            case 'L': args->level = optarg; break;
            case 'g': args->digest = 1; break;
            case 'n': args->no_change = 1; break;
            case 'h': s_usage (stdout); return WDM_CMD_EXIT_OK;
            default: s_usage (stderr); return WDM_CMD_EXIT_USAGE;
        }
    }
    //  A word not among an option's is named, with the words there are.
    const struct {
        const char *option, *value;
        const char *const *words;
    } words [] = { { "--state", args->state, states },
                   { "--channel", args->channel, channels },
                   { "--role", args->role, roles },
                   { "--level", args->level, levels } };
    char message [512];
    const char *bad = NULL;
    for (size_t i = 0; !bad && i < sizeof words / sizeof *words; i++)
        if (words [i].value
            && wdm_check_word (words [i].option, words [i].value, words [i].words, message, sizeof message)
                != WDM_CHECK_OK)
            bad = message;
    if (bad)
        ;  //  a word refused, just above
    else if (strcmp (args->action, "add") == 0 && (!args->name || !args->channel || !args->to))
        bad = "recipient add 需要 NAME、--channel 和 --to / recipient add needs NAME, --channel and --to";
    else if (strcmp (args->action, "add") == 0 && strcmp (args->channel, "mail") != 0 && args->to [0] != '/')
        bad = "机器人的 --to 是其 url/secret 文件的绝对路径 / a bot's --to is the absolute path of its "
              "url/secret file";
    else if (strcmp (args->action, "add") == 0 && args->role && strcmp (args->role, "unit") == 0
             && !args->unit)
        bad = "--role unit 需要 --unit / --role unit needs --unit";
    else if (strcmp (args->action, "remove") == 0 && !args->name)
        bad = "recipient remove 需要 NAME / recipient remove needs NAME";
    if (bad) {
        fprintf (stderr, "wdmon notices: %s\n", bad);
        return WDM_CMD_EXIT_USAGE;
    }
    return S_GO_ON;
}

//  recipient add: check the domain and unit, insert.  The exit code.
static int
s_add (PGconn *conn, s_args_t *args)
{
    char domain [128], unit [128], err [512] = "";
    int rc = wdm_cmd_check_code (conn, "notices",
                                 "SELECT DISTINCT ON (code) code, name_zh, name_en FROM domain ORDER BY code",
                                 "领域", "domain", &args->domain, domain, sizeof domain);
    if (rc == WDM_CMD_EXIT_OK)
        rc = wdm_cmd_check_code (conn, "notices", WDM_CMD_UNITS_SQL, "成员单位", "member unit", &args->unit,
                                 unit, sizeof unit);
    if (rc != WDM_CMD_EXIT_OK)
        return rc;
    const char *params [] = { args->name,
                              args->channel,
                              args->to,
                              args->role ? args->role : "office",
                              args->domain,
                              args->unit,
                              args->level ? args->level : "red",
                              args->no_change ? "false" : "true",
                              args->digest || args->no_change ? "true" : "false" };
    PGresult *res =
        wdm_db_query (conn,
                      "INSERT INTO notice_recipient (name, channel, target, role, domain_code, unit_code,"
                      " min_level, on_change, digest) VALUES ($1, $2, $3, $4, $5, $6,"
                      " $7::warning_level, $8::boolean, $9::boolean)",
                      9, params, PGRES_COMMAND_OK, err, sizeof err);
    if (!res) {
        fprintf (stderr, "wdmon notices: 未添加 %s / %s not added: %s\n", args->name, args->name, err);
        return strstr (err, "violates") ? WDM_CMD_EXIT_USAGE : WDM_CMD_EXIT_FAILED;
    }
    PQclear (res);
    printf ("已添加收件人 %s（%s）/ added recipient %s (%s)\n", args->name, args->channel, args->name,
            args->channel);
    return WDM_CMD_EXIT_OK;
}

//  recipient remove: deactivate, fail its pending notices.  The exit code.
static int
s_remove (PGconn *conn, const s_args_t *args)
{
    const char *params [] = { args->name };
    PGresult *res =
        wdm_db_query (conn,
                      "WITH r AS (UPDATE notice_recipient SET active = false"
                      "            WHERE name = $1 AND active RETURNING id),"
                      "     n AS (UPDATE notice SET state = 'failed',"
                      "                  last_error = '收件人已移除 / recipient removed'"
                      "            WHERE state = 'pending' AND recipient_id IN (SELECT id FROM r))"
                      " SELECT count (*) FROM r",
                      1, params, PGRES_TUPLES_OK, NULL, 0);
    if (!res)
        return WDM_CMD_EXIT_FAILED;
    int found = atoi (PQgetvalue (res, 0, 0));
    PQclear (res);
    if (!found) {
        fprintf (
            stderr,
            "wdmon notices: 没有收件人 %s / there is no recipient '%s' (see wdmon notices recipient list)\n",
            args->name, args->name);
        return WDM_CMD_EXIT_USAGE;
    }
    printf ("已移除收件人 %s / removed recipient %s\n", args->name, args->name);
    return WDM_CMD_EXIT_OK;
}

int
wdm_cmd_notices (wdm_cmd_config_t *config, int argc, char **argv)
{
    s_args_t args = { .action = "list" };
    int skip = 1;  //  the words before the options: notices [list | recipient ACTION [NAME]]
    if (argc >= 2 && strcmp (argv [1], "list") == 0)
        skip = 2;
    else if (argc >= 2 && strcmp (argv [1], "recipient") == 0) {
        if (argc < 3 || !s_one_of (argv [2], (const char *const []) { "add", "list", "remove", NULL })) {
            fprintf (stderr, "wdmon notices recipient: add, list or remove; see wdmon notices --help\n");
            return WDM_CMD_EXIT_USAGE;
        }
        args.action = strcmp (argv [2], "list") == 0 ? "recipients" : argv [2];
        skip = 3;
        if (strcmp (argv [2], "list") != 0 && argc >= 4 && argv [3][0] != '-') {
            args.name = argv [3];
            skip = 4;
        }
    }
    int rc = s_parse (argc - skip + 1, argv + skip - 1, &args);
    if (rc != S_GO_ON)
        return rc;
    if (optind < argc - skip + 1) {
        fprintf (stderr, "wdmon notices: unexpected '%s'; see wdmon notices --help\n",
                 argv [skip - 1 + optind]);
        return WDM_CMD_EXIT_USAGE;
    }
    PGconn *conn = wdm_cmd_connect (config, &rc);
    if (!conn)
        return rc;
    if (strcmp (args.action, "add") == 0)
        rc = s_add (conn, &args);
    else if (strcmp (args.action, "remove") == 0)
        rc = s_remove (conn, &args);
    else {
        const char *params [] = { config->timezone, args.state };
        int recipients = strcmp (args.action, "recipients") == 0;
        rc = wdm_table_query (conn, recipients ? s_recipients_sql : s_list_sql, recipients ? 1 : 2, params,
                              args.format, stdout)
            ? WDM_CMD_EXIT_FAILED
            : WDM_CMD_EXIT_OK;
    }
    PQfinish (conn);
    return rc;
}
