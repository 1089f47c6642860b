/*  wdm_cmd_user: `wdmon user add|passwd|disable|list` — the web console's
    accounts (console_user, sql/025), for administrators.  A password is
    read from the terminal without echo, from --password-file, or from
    standard input, never from the command line (where ps and the shell's
    history would show it); it is hashed here with Argon2id (libsodium)
    and never printed or logged.  Every change is written to
    console_audit as cli:<the operator's OS user>.  wdmon.c dispatches to
    it; see wdm_cmd_int.h.  */

#include "wdm_audit.h"
#include "wdm_cmd_int.h"
#include "wdm_db.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

//  Parsing went well: go on to the work (any other value is the exit code).
#define S_GO_ON -1
//  The shortest password taken.
#define S_PASSWORD_MIN 8

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: wdmon user add LOGIN --role ROLE [--name NAME] [--unit UNIT]\n"
             "                      [--password-file FILE]\n"
             "       wdmon user passwd LOGIN [--password-file FILE]\n"
             "       wdmon user disable LOGIN\n"
             "       wdmon user list [--format text|csv|json]\n"
             "\n"
             "The web console's accounts (docs/CONSOLE.md).\n"
             "add      a new account.  ROLE is viewer (reads everything), operator\n"
             "         (acknowledges warnings, adds notes), administrator, or unit (sees\n"
             "         its own member unit's warnings only: give --unit).  NAME is shown\n"
             "         on the pages and in the warnings' history (default: LOGIN)\n"
             "passwd   a new password; the account's sessions end\n"
             "disable  the account can no longer log in; its sessions end\n"
             "list     the accounts, their roles and whether each is disabled\n"
             "\n"
             "The password (at least %d characters) is asked twice on the terminal\n"
             "without echo; or its first line is read from --password-file FILE ('-':\n"
             "standard input), or from standard input when it is not a terminal.  It\n"
             "is never taken from the command line.\n",
             S_PASSWORD_MIN);
}

//  What `wdmon user` was asked.
typedef struct {
    const char *action, *login, *role, *name, *unit, *password_file;
    wdm_table_format_t format;
} s_args_t;

//  Read one line (without its newline) from file into password.  0, or -1.
static int
s_read_line (FILE *file, char *password, size_t size)
{
    if (!fgets (password, (int)size, file))
        return -1;
    password [strcspn (password, "\r\n")] = 0;
    return 0;
}

//  Ask for the password on the terminal with echo off.  0, or -1.
static int
s_ask (const char *prompt, char *password, size_t size)
{
    struct termios old, quiet;
    if (tcgetattr (STDIN_FILENO, &old))
        return -1;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    fprintf (stderr, "%s", prompt);
    fflush (stderr);
    tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
    int rc = s_read_line (stdin, password, size);
    tcsetattr (STDIN_FILENO, TCSAFLUSH, &old);
    fprintf (stderr, "\n");
    return rc;
}

//  The new password into password, from where args say.  The exit code:
//  OK, or USAGE with the cause said.
static int
s_password (const s_args_t *args, char *password, size_t size)
{
    int rc = WDM_CMD_EXIT_USAGE;
    char again [256];
    if (args->password_file) {
        bool is_stdin = strcmp (args->password_file, "-") == 0;
        FILE *file = is_stdin ? stdin : fopen (args->password_file, "r");
        if (!file || s_read_line (file, password, size)) {
            fprintf (stderr, "wdmon user: cannot read a password from %s\n", args->password_file);
            if (file && !is_stdin)
                fclose (file);
            return WDM_CMD_EXIT_USAGE;
        }
        if (!is_stdin)
            fclose (file);
    } else if (isatty (STDIN_FILENO)) {
        if (s_ask ("密码 / Password: ", password, size) || s_ask ("再输一次 / Again: ", again, sizeof again))
            return WDM_CMD_EXIT_USAGE;
        if (strcmp (password, again) != 0) {
            fprintf (stderr, "wdmon user: 两次输入的密码不一致 / the two passwords differ\n");
            goto cleanup;
        }
    } else if (s_read_line (stdin, password, size)) {
        fprintf (stderr, "wdmon user: no password on standard input\n");
        return WDM_CMD_EXIT_USAGE;
    }
    if (strlen (password) < S_PASSWORD_MIN) {
        fprintf (stderr, "wdmon user: 密码至少 %d 个字符 / a password has at least %d characters\n",
                 S_PASSWORD_MIN, S_PASSWORD_MIN);
        goto cleanup;
    }
    rc = WDM_CMD_EXIT_OK;
cleanup:
    sodium_memzero (again, sizeof again);
    return rc;
}

//  Write one line of console_audit as the operator at this terminal.
static int
s_audit (PGconn *conn, const char *action, const char *login, const char *detail)
{
    char who [128], object [128];
    const char *user = getenv ("SUDO_USER") ? getenv ("SUDO_USER") : getenv ("USER");
    snprintf (who, sizeof who, "cli:%s", user && *user ? user : "unknown");
    snprintf (object, sizeof object, "user %s", login);
    return wdm_audit_write (conn, who, "local", action, object, detail);
}

//  Run one change (sql with params, in a transaction with its audit line)
//  that must touch exactly one row; the exit code, said.
static int
s_change (PGconn *conn, const char *sql, int count, const char *const *params, const char *action,
          const char *login, const char *detail, const char *done)
{
    char err [512] = "";
    int rc = WDM_CMD_EXIT_FAILED;
    if (wdm_db_exec (conn, "BEGIN"))
        return rc;
    PGresult *res = wdm_db_query (conn, sql, count, params, PGRES_COMMAND_OK, err, sizeof err);
    if (!res)
        fprintf (stderr, "wdmon user %s: %s\n", action, err);
    else if (strcmp (PQcmdTuples (res), "1") != 0) {
        fprintf (stderr, "wdmon user %s: 没有账号 %s / there is no account '%s' (see wdmon user list)\n",
                 action, login, login);
        rc = WDM_CMD_EXIT_USAGE;
    } else if (s_audit (conn,
                        action [0] == 'a'       ? "user_add"
                            : action [0] == 'p' ? "user_passwd"
                                                : "user_disable",
                        login, detail)
               == 0)
        rc = WDM_CMD_EXIT_OK;
    PQclear (res);
    if (wdm_db_exec (conn, rc == WDM_CMD_EXIT_OK ? "COMMIT" : "ROLLBACK") && rc == WDM_CMD_EXIT_OK)
        rc = WDM_CMD_EXIT_FAILED;
    if (rc == WDM_CMD_EXIT_OK)
        printf ("%s\n", done);
    return rc;
}

//  add, passwd: hash the password and store it.  The exit code.
static int
s_set (PGconn *conn, const s_args_t *args)
{
    char password [256] = "", hash [crypto_pwhash_STRBYTES], done [512];
    int rc = s_password (args, password, sizeof password);
    if (rc != WDM_CMD_EXIT_OK)
        goto cleanup;
    rc = WDM_CMD_EXIT_FAILED;
    if (crypto_pwhash_str (hash, password, strlen (password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                           crypto_pwhash_MEMLIMIT_INTERACTIVE)) {
        fprintf (stderr, "wdmon user: out of memory hashing the password\n");
        goto cleanup;
    }
    if (strcmp (args->action, "add") == 0) {
        const char *params [] = { args->login, args->name ? args->name : args->login, args->role, args->unit,
                                  hash };
        snprintf (done, sizeof done, "已添加账号 %s（%s）/ added account %s (%s)", args->login, args->role,
                  args->login, args->role);
        rc = s_change (conn,
                       "INSERT INTO console_user (login, display_name, role, unit_code, password_hash)"
                       " VALUES ($1, $2, $3::console_role, $4, $5)",
                       5, params, "add", args->login, args->role, done);
    } else {
        const char *params [] = { args->login, hash };
        snprintf (done, sizeof done, "已更改 %s 的密码 / changed the password of %s", args->login,
                  args->login);
        rc = s_change (conn,
                       "WITH s AS (DELETE FROM console_session WHERE login = $1)"
                       " UPDATE console_user SET password_hash = $2, updated_at = now () WHERE login = $1",
                       2, params, "passwd", args->login, "", done);
    }
cleanup:
    sodium_memzero (password, sizeof password);
    sodium_memzero (hash, sizeof hash);
    return rc;
}

//  Check what add was given.  OK, or USAGE said.
static int
s_check_add (PGconn *conn, s_args_t *args, char *unit_code, size_t unit_size)
{
    static const char *const roles [] = { "viewer", "operator", "administrator", "unit", NULL };
    char message [1024] = "";
    if (!args->role) {
        fprintf (stderr, "wdmon user add: --role is viewer, operator, administrator or unit\n");
        return WDM_CMD_EXIT_USAGE;
    }
    int rc = wdm_cmd_checked ("user", wdm_check_word ("--role", args->role, roles, message, sizeof message),
                              message);
    if (rc != WDM_CMD_EXIT_OK)
        return rc;
    bool unit_role = strcmp (args->role, "unit") == 0;
    if (unit_role != (args->unit != NULL)) {
        fprintf (stderr, "wdmon user add: --unit goes with --role unit, and only with it\n");
        return WDM_CMD_EXIT_USAGE;
    }
    return wdm_cmd_check_code (conn, "user", WDM_CMD_UNITS_SQL, "成员单位", "member unit", &args->unit,
                               unit_code, unit_size);
}

//  Parse the command line into args.  S_GO_ON, or the exit code.
static int
s_parse (int argc, char **argv, s_args_t *args)
{
    static const struct option long_options [] = { { "role", required_argument, NULL, 'r' },
                                                   { "name", required_argument, NULL, 'n' },
                                                   { "unit", required_argument, NULL, 'u' },
                                                   { "password-file", required_argument, NULL, 'P' },
                                                   { "format", required_argument, NULL, 'f' },
                                                   { "help", no_argument, NULL, 'h' },
                                                   { NULL, 0, NULL, 0 } };
    optind = 0;
    int opt;
    while ((opt = getopt_long (argc, argv, "r:n:u:P:f:h", long_options, NULL)) != -1) {
        switch (opt) {
            case 'r': args->role = optarg; break;
            case 'n': args->name = optarg; break;
            case 'u': args->unit = optarg; break;
            case 'P': args->password_file = optarg; break;
            case 'f':
                if (wdm_cmd_format ("user", optarg, true, &args->format))
                    return WDM_CMD_EXIT_USAGE;
                break;
            case 'h': s_usage (stdout); return WDM_CMD_EXIT_OK;
            default: s_usage (stderr); return WDM_CMD_EXIT_USAGE;
        }
    }
    args->action = optind < argc ? argv [optind++] : "";
    bool list = strcmp (args->action, "list") == 0;
    if (!list && strcmp (args->action, "add") != 0 && strcmp (args->action, "passwd") != 0
        && strcmp (args->action, "disable") != 0) {
        fprintf (stderr, "wdmon user: give add, passwd, disable or list (see wdmon user --help)\n");
        return WDM_CMD_EXIT_USAGE;
    }
    if (argc - optind != (list ? 0 : 1)) {
        fprintf (stderr, "wdmon user %s: %s\n", args->action, list ? "takes no argument" : "give one LOGIN");
        return WDM_CMD_EXIT_USAGE;
    }
    args->login = list ? NULL : argv [optind];
    return S_GO_ON;
}

int
wdm_cmd_user (wdm_cmd_config_t *config, int argc, char **argv)
{
    s_args_t args = { .format = WDM_TABLE_TEXT };
    int rc = s_parse (argc, argv, &args);
    if (rc != S_GO_ON)
        return rc;
    if (sodium_init () < 0) {
        fprintf (stderr, "wdmon user: libsodium could not start\n");
        return WDM_CMD_EXIT_FAILED;
    }
    PGconn *conn = wdm_cmd_connect (config, &rc);
    if (!conn)
        return rc;
    char unit_code [128], done [256];
    if (strcmp (args.action, "list") == 0) {
        const char *params [] = { config->timezone };
        rc = wdm_table_query (
                 conn,
                 "SELECT login, display_name AS name, role, coalesce (unit_code, '') AS unit,"
                 "       disabled, " WDM_TABLE_LOCAL_TIME (
                     "created_at", "1") " AS created,"
                                        "       " WDM_TABLE_LOCAL_TIME (
                                            "updated_at", "1") " AS updated"
                                                               "  FROM console_user ORDER BY login",
                 1, params, args.format, stdout)
            ? WDM_CMD_EXIT_FAILED
            : WDM_CMD_EXIT_OK;
    } else if (strcmp (args.action, "disable") == 0) {
        const char *params [] = { args.login };
        snprintf (done, sizeof done, "已停用账号 %s / disabled account %s", args.login, args.login);
        rc = s_change (conn,
                       "WITH s AS (DELETE FROM console_session WHERE login = $1)"
                       " UPDATE console_user SET disabled = true, updated_at = now () WHERE login = $1",
                       1, params, "disable", args.login, "", done);
    } else if (strcmp (args.action, "add") == 0
               && (rc = s_check_add (conn, &args, unit_code, sizeof unit_code)) != WDM_CMD_EXIT_OK)
        ;
    else
        rc = s_set (conn, &args);
    PQfinish (conn);
    return rc;
}
