/*  wdm_cmd_token: `wdmon token add|list|revoke` — the read API's tokens
    (api_token, sql/046), for administrators.  A token belongs to a
    console account, whose role scopes what it reads (docs/API.md).  It is
    32 random bytes as 64 hex digits, printed once when it is made and
    kept only as its BLAKE2b hash (as the console keeps its sessions'), so
    nobody can show it again: a lost token is revoked and a new one made.
    Every change is written to console_audit as cli:<the OS user>.
    wdmon.c dispatches to it; see wdm_cmd_int.h.  */

#include "wdm_audit.h"
#include "wdm_cmd_int.h"
#include "wdm_db.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: wdmon token add LOGIN --name NAME\n"
             "       wdmon token list [--format text|csv|json]\n"
             "       wdmon token revoke ID\n"
             "\n"
             "The read API's tokens (docs/API.md): a client sends one as\n"
             "\"Authorization: Bearer TOKEN\" to read /api/v1/ of wdmon-web.\n"
             "add     a new token for the console account LOGIN, whose role scopes what\n"
             "        it reads (a unit user's token sees its own unit only); NAME says\n"
             "        which client holds it.  The token is printed once, here, and kept\n"
             "        only as its hash: store it where the client reads it\n"
             "list    the tokens: number, name, account, role, when made and last used,\n"
             "        whether revoked (never the token itself)\n"
             "revoke  the token numbered ID stops working at once\n");
}

//  Write one line of console_audit as the operator at this terminal.
static int
s_audit (PGconn *conn, const char *action, const char *object, const char *detail)
{
    char who [128];
    const char *user = getenv ("SUDO_USER") ? getenv ("SUDO_USER") : getenv ("USER");
    snprintf (who, sizeof who, "cli:%s", user && *user ? user : "unknown");
    return wdm_audit_write (conn, who, "local", action, object, detail);
}

//  A new token for login named name, printed once.  The exit code.
static int
s_add (PGconn *conn, const char *login, const char *name)
{
    int rc = WDM_CMD_EXIT_FAILED;
    unsigned char bytes [32], digest [32];
    char token [65], hash [65], object [64], err [512] = "";
    PGresult *res = NULL;
    randombytes_buf (bytes, sizeof bytes);
    sodium_bin2hex (token, sizeof token, bytes, sizeof bytes);
    crypto_generichash (digest, sizeof digest, (const unsigned char *)token, strlen (token), NULL, 0);
    sodium_bin2hex (hash, sizeof hash, digest, sizeof digest);
    if (wdm_db_exec (conn, "BEGIN"))
        goto cleanup;
    const char *params [] = { hash, login, name };
    res = wdm_db_query (conn,
                        "INSERT INTO api_token (token_hash, login, name)"
                        " SELECT $1, login, $3 FROM console_user WHERE login = $2 AND NOT disabled"
                        " RETURNING id",
                        3, params, PGRES_TUPLES_OK, err, sizeof err);
    if (!res)
        fprintf (stderr, "wdmon token add: %s\n", err);
    else if (PQntuples (res) != 1) {
        fprintf (stderr,
                 "wdmon token add: 没有可用的账号 %s / there is no account '%s' that is not disabled"
                 " (see wdmon user list)\n",
                 login, login);
        rc = WDM_CMD_EXIT_USAGE;
    } else {
        snprintf (object, sizeof object, "token %s", PQgetvalue (res, 0, 0));
        if (s_audit (conn, "token_add", object, login) == 0)
            rc = WDM_CMD_EXIT_OK;
    }
    if (wdm_db_exec (conn, rc == WDM_CMD_EXIT_OK ? "COMMIT" : "ROLLBACK") && rc == WDM_CMD_EXIT_OK)
        rc = WDM_CMD_EXIT_FAILED;
    if (rc == WDM_CMD_EXIT_OK) {
        fprintf (stderr,
                 "已为账号 %s 添加令牌 %s（%s）；令牌只显示这一次 / added token %s (%s) for account %s;"
                 " it is shown this once only\n",
                 login, PQgetvalue (res, 0, 0), name, PQgetvalue (res, 0, 0), name, login);
        printf ("%s\n", token);
    }
cleanup:
    PQclear (res);
    sodium_memzero (token, sizeof token);
    return rc;
}

//  Revoke the token numbered id.  The exit code.
static int
s_revoke (PGconn *conn, const char *id)
{
    int rc = WDM_CMD_EXIT_FAILED;
    char *end = NULL, object [64], err [512] = "";
    long long number = strtoll (id, &end, 10);
    if (*end || number <= 0) {
        fprintf (stderr,
                 "wdmon token revoke: %s 不是令牌编号 / '%s' is not a token's number (see wdmon"
                 " token list)\n",
                 id, id);
        return WDM_CMD_EXIT_USAGE;
    }
    if (wdm_db_exec (conn, "BEGIN"))
        return rc;
    const char *params [] = { id };
    PGresult *res = wdm_db_query (conn,
                                  "UPDATE api_token SET revoked_at = coalesce (revoked_at, now ())"
                                  " WHERE id = $1::bigint RETURNING login",
                                  1, params, PGRES_TUPLES_OK, err, sizeof err);
    snprintf (object, sizeof object, "token %lld", number);
    if (!res)
        fprintf (stderr, "wdmon token revoke: %s\n", err);
    else if (PQntuples (res) != 1) {
        fprintf (stderr,
                 "wdmon token revoke: 没有令牌 %lld / there is no token %lld (see wdmon token list)\n",
                 number, number);
        rc = WDM_CMD_EXIT_USAGE;
    } else if (s_audit (conn, "token_revoke", object, PQgetvalue (res, 0, 0)) == 0)
        rc = WDM_CMD_EXIT_OK;
    PQclear (res);
    if (wdm_db_exec (conn, rc == WDM_CMD_EXIT_OK ? "COMMIT" : "ROLLBACK") && rc == WDM_CMD_EXIT_OK)
        rc = WDM_CMD_EXIT_FAILED;
    if (rc == WDM_CMD_EXIT_OK)
        printf ("已吊销令牌 %lld / revoked token %lld\n", number, number);
    return rc;
}

int
wdm_cmd_token (wdm_cmd_config_t *config, int argc, char **argv)
{
    const char *name = NULL;
    wdm_table_format_t format = WDM_TABLE_TEXT;
    static const struct option long_options [] = { { "name", required_argument, NULL, 'n' },
                                                   { "format", required_argument, NULL, 'f' },
                                                   { "help", no_argument, NULL, 'h' },
                                                   { NULL, 0, NULL, 0 } };
    optind = 0;  //  0: glibc reinitialises its scan state
    int opt;
    while ((opt = getopt_long (argc, argv, "n:f:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'n': name = optarg; break;
            case 'f':
                if (wdm_cmd_format ("token", optarg, true, &format))
                    return WDM_CMD_EXIT_USAGE;
                break;
            case 'h': s_usage (stdout); return WDM_CMD_EXIT_OK;
            default: s_usage (stderr); return WDM_CMD_EXIT_USAGE;
        }
    }
    const char *action = optind < argc ? argv [optind++] : "";
    bool list = strcmp (action, "list") == 0, add = strcmp (action, "add") == 0;
    if (!list && !add && strcmp (action, "revoke") != 0) {
        fprintf (stderr, "wdmon token: give add, list or revoke (see wdmon token --help)\n");
        return WDM_CMD_EXIT_USAGE;
    }
    if (argc - optind != (list ? 0 : 1)) {
        fprintf (stderr, "wdmon token %s: %s\n", action,
                 list      ? "takes no argument"
                     : add ? "give one LOGIN"
                           : "give one ID");
        return WDM_CMD_EXIT_USAGE;
    }
    if (add && (!name || !*name)) {
        fprintf (stderr, "wdmon token add: --name NAME says which client holds the token\n");
        return WDM_CMD_EXIT_USAGE;
    }
    if (sodium_init () < 0) {
        fprintf (stderr, "wdmon token: libsodium could not start\n");
        return WDM_CMD_EXIT_FAILED;
    }
    int rc;
    PGconn *conn = wdm_cmd_connect (config, &rc);
    if (!conn)
        return rc;
    if (list) {
        const char *params [] = { config->timezone };
        rc =
            wdm_table_query (
                conn,
                "SELECT t.id, t.name, t.login, u.role, coalesce (u.unit_code, '') AS unit,"
                "       " WDM_TABLE_LOCAL_TIME (
                    "t.created_at",
                    "1") " AS created,"
                         "       coalesce (" WDM_TABLE_LOCAL_TIME (
                             "t.last_used_at",
                             "1") ", '') AS last_used,"
                                  "       coalesce (" WDM_TABLE_LOCAL_TIME (
                                      "t.revoked_at",
                                      "1") ", '') AS revoked"
                                           "  FROM api_token t JOIN console_user u ON u.login = t.login ORDER BY t.id",
                1, params, format, stdout)
            ? WDM_CMD_EXIT_FAILED
            : WDM_CMD_EXIT_OK;
    } else if (add)
        rc = s_add (conn, argv [optind], name);
    else
        rc = s_revoke (conn, argv [optind]);
    PQfinish (conn);
    return rc;
}
