/*  wdm_web_session: the console's accounts at the door — a login checked
    against its Argon2id hash within the limits on wrong passwords, the
    session it opens (a random token in an HttpOnly, SameSite=Strict
    cookie, kept in console_session only as its hash), finding and ending
    a session, and the audit trail.  Passwords are never logged or kept.
    Contracts in wdm_web_int.h.  */

#include "wdm_web_int.h"
#include "wdm_audit.h"
#include "wdm_db.h"
#include "wdm_log.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

//  The cookie that carries the session's token.
#define S_COOKIE "wdm_session"

void
wdm_web_token_new (char *hex)
{
    unsigned char bytes [32];
    randombytes_buf (bytes, sizeof bytes);
    sodium_bin2hex (hex, 65, bytes, sizeof bytes);
}

bool
wdm_web_token_equal (const char *sent, const char *expected)
{
    if (!sent || !expected || !*expected)
        return false;
    size_t len = strlen (expected);
    return strlen (sent) == len && sodium_memcmp (sent, expected, len) == 0;
}

//  The hex BLAKE2b hash of a token, the key of console_session, into hash
//  (65 bytes).
static void
s_token_hash (const char *token, char *hash)
{
    unsigned char digest [32];
    crypto_generichash (digest, sizeof digest, (const unsigned char *)token, strlen (token), NULL, 0);
    sodium_bin2hex (hash, 65, digest, sizeof digest);
}

const char *
wdm_web_role_name (wdm_web_role_t role)
{
    switch (role) {
        case WDM_WEB_VIEWER: return "查看者 / viewer";
        case WDM_WEB_OPERATOR: return "操作员 / operator";
        case WDM_WEB_ADMINISTRATOR: return "管理员 / administrator";
        case WDM_WEB_UNIT: return "成员单位用户 / unit user";
    }
    return "";
}

bool
wdm_web_can_act (const wdm_web_user_t *user)
{
    return user->valid && (user->role == WDM_WEB_OPERATOR || user->role == WDM_WEB_ADMINISTRATOR);
}

static wdm_web_role_t
s_role (const char *name)
{
    return strcmp (name, "operator") == 0     ? WDM_WEB_OPERATOR
        : strcmp (name, "administrator") == 0 ? WDM_WEB_ADMINISTRATOR
        : strcmp (name, "unit") == 0          ? WDM_WEB_UNIT
                                              : WDM_WEB_VIEWER;
}

int
wdm_web_audit (wdm_web_req_t *req, const char *login, const char *action, const char *object,
               const char *detail)
{
    return wdm_audit_write (req->conn, login ? login : req->user.login, req->address, action, object, detail);
}

//  Record one attempt to log in.
static void
s_attempt (wdm_web_req_t *req, const char *login, const char *outcome)
{
    const char *params [] = { login, req->address, outcome };
    PQclear (wdm_db_query (req->conn,
                           "INSERT INTO console_login_attempt (login, address, outcome) VALUES ($1, $2, $3)",
                           3, params, PGRES_COMMAND_OK, NULL, 0));
}

//  Whether login, or the request's address, has had lock_attempts wrong
//  passwords within the last lock_minutes (since its last good login):
//  1 locked, 0 not, -1 the database failed.
static int
s_locked (wdm_web_req_t *req, const char *login)
{
    char minutes [24], attempts [24];
    snprintf (minutes, sizeof minutes, "%ld", req->config->lock_minutes);
    snprintf (attempts, sizeof attempts, "%ld", req->config->lock_attempts);
    const char *params [] = { login, req->address, minutes, attempts };
    PGresult *res = wdm_db_query (
        req->conn,
        "WITH recent AS (SELECT * FROM console_login_attempt"
        "                 WHERE at > now () - make_interval (mins => $3::int)"
        "                   AND (login = $1 OR address = $2))"
        "SELECT (SELECT count (*) FROM recent a WHERE a.login = $1 AND a.outcome = 'wrong'"
        "          AND a.at > coalesce ((SELECT max (at) FROM recent WHERE login = $1 AND outcome = 'ok'),"
        "                               '-infinity')) >= $4::int"
        "    OR (SELECT count (*) FROM recent a WHERE a.address = $2 AND a.outcome = 'wrong'"
        "          AND a.at > coalesce ((SELECT max (at) FROM recent WHERE address = $2 AND outcome = 'ok'),"
        "                               '-infinity')) >= $4::int",
        4, params, PGRES_TUPLES_OK, NULL, 0);
    int locked = res ? strcmp (PQgetvalue (res, 0, 0), "t") == 0 : -1;
    PQclear (res);
    return locked;
}

//  Open a session for login: store the token's hash, set the cookie.
static int
s_open (wdm_web_req_t *req, const char *login)
{
    char token [65], hash [65], csrf [65], minutes [24];
    wdm_web_token_new (token);
    wdm_web_token_new (csrf);
    s_token_hash (token, hash);
    snprintf (minutes, sizeof minutes, "%ld", req->config->session_minutes);
    const char *params [] = { hash, login, csrf, minutes, req->address };
    PGresult *res = wdm_db_query (req->conn,
                                  "INSERT INTO console_session (token_hash, login, csrf, expires_at, address)"
                                  " VALUES ($1, $2, $3, now () + make_interval (mins => $4::int), $5)",
                                  5, params, PGRES_COMMAND_OK, NULL, 0);
    if (!res)
        return -1;
    PQclear (res);
    //  Old sessions of anyone are cleared now and then, here.
    PQclear (wdm_db_query (req->conn, "DELETE FROM console_session WHERE expires_at < now ()", 0, NULL,
                           PGRES_COMMAND_OK, NULL, 0));
    bool secure = req->config->secure_cookie || (req->config->tls_cert [0] && req->config->tls_key [0]);
    snprintf (req->cookie [0], sizeof req->cookie [0], S_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/%s",
              token, secure ? "; Secure" : "");
    return 0;
}

wdm_web_login_t
wdm_web_session_login (wdm_web_req_t *req, const char *login, const char *password)
{
    wdm_web_login_t rc = WDM_WEB_LOGIN_FAILED;
    PGresult *res = NULL;
    int locked = s_locked (req, login);
    if (locked < 0)
        goto cleanup;
    if (locked) {
        s_attempt (req, login, "locked");
        wdm_web_audit (req, login, "login_locked", "", "");
        rc = WDM_WEB_LOGIN_LOCKED;
        goto cleanup;
    }
    const char *params [] = { login };
    res = wdm_db_query (req->conn, "SELECT password_hash, disabled FROM console_user WHERE login = $1", 1,
                        params, PGRES_TUPLES_OK, NULL, 0);
    if (!res)
        goto cleanup;
    //  Every wrong try costs one Argon2id verification, a known login or
    //  not, so that the time taken does not tell which logins exist.
    static const char dummy [] = "$argon2id$v=19$m=65536,t=2,p=1$MOWR8qSNvF26pCGLKAxZ4g$"
                                 "80G21B+FuCuKTYGTyDxVYpkemKzFD2xq16VZ0UqJBWQ";
    bool known = PQntuples (res) == 1;
    char hash [crypto_pwhash_STRBYTES] = "";
    snprintf (hash, sizeof hash, "%s", known ? PQgetvalue (res, 0, 0) : dummy);
    bool good = crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
    if (!known || !good || strcmp (PQgetvalue (res, 0, 1), "t") == 0) {
        s_attempt (req, login, "wrong");
        wdm_web_audit (req, login, "login_failed", "",
                       !known      ? "unknown login"
                           : !good ? "wrong password"
                                   : "account disabled");
        rc = WDM_WEB_LOGIN_WRONG;
        goto cleanup;
    }
    if (s_open (req, login))
        goto cleanup;
    s_attempt (req, login, "ok");
    wdm_web_audit (req, login, "login", "", "");
    rc = WDM_WEB_LOGIN_OK;
cleanup:
    PQclear (res);
    return rc;
}

int
wdm_web_session_find (wdm_web_req_t *req)
{
    memset (&req->user, 0, sizeof req->user);
    const char *token = wdm_web_cookie (req, S_COOKIE);
    if (!token || strlen (token) != 64)
        return 0;
    char hash [65];
    s_token_hash (token, hash);
    const char *params [] = { hash };
    PGresult *res =
        wdm_db_query (req->conn,
                      "UPDATE console_session s SET last_seen_at = now ()"
                      "  FROM console_user u"
                      " WHERE s.token_hash = $1 AND u.login = s.login AND s.expires_at > now ()"
                      "   AND NOT u.disabled"
                      " RETURNING u.login, u.display_name, u.role::text, coalesce (u.unit_code, ''),"
                      "           s.csrf",
                      1, params, PGRES_TUPLES_OK, NULL, 0);
    if (!res)
        return -1;
    if (PQntuples (res) == 1) {
        wdm_web_user_t *user = &req->user;
        user->valid = true;
        snprintf (user->login, sizeof user->login, "%s", PQgetvalue (res, 0, 0));
        snprintf (user->display_name, sizeof user->display_name, "%s", PQgetvalue (res, 0, 1));
        user->role = s_role (PQgetvalue (res, 0, 2));
        snprintf (user->unit_code, sizeof user->unit_code, "%s", PQgetvalue (res, 0, 3));
        snprintf (user->csrf, sizeof user->csrf, "%s", PQgetvalue (res, 0, 4));
        snprintf (user->token_hash, sizeof user->token_hash, "%s", hash);
    }
    PQclear (res);
    return 0;
}

int
wdm_web_session_end (wdm_web_req_t *req)
{
    const char *params [] = { req->user.token_hash };
    PGresult *res = wdm_db_query (req->conn, "DELETE FROM console_session WHERE token_hash = $1", 1, params,
                                  PGRES_COMMAND_OK, NULL, 0);
    PQclear (res);
    snprintf (req->cookie [0], sizeof req->cookie [0],
              S_COOKIE "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    return res ? 0 : -1;
}
