/*  wdm_db: connect, run, load the catalog.  See wdm_db.h.  */

#include "wdm_db.h"
#include "wdm_log.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  PostgreSQL's notices (e.g. "terminating connection due to immediate
//  shutdown") go to the log as one warning line, not raw to stderr.
static void
s_notice (void *arg, const char *message)
{
    (void)arg;
    wdm_log_warn ("database: %s", message);
}

//  libpq's message as one log line: its lines joined by "; ", the
//  newline at its end dropped.  With a multi-host conninfo it says, one
//  line a host, why each was not taken ("Connection refused", "session
//  is read-only"): the first line alone would hide the standby's answer.
//  A copy the caller frees, or NULL out of memory.
static char *
s_one_line (const char *message)
{
    char *line = malloc (2 * strlen (message) + 1);
    if (!line)
        return NULL;
    char *out = line;
    for (const char *in = message; *in; in++) {
        if (*in != '\n')
            *out++ = *in == '\t' ? ' ' : *in;
        else if (in [1] && in [1] != '\n') {
            *out++ = ';';
            *out++ = ' ';
            while (in [1] == '\t' || in [1] == ' ')
                in++;
        }
    }
    *out = '\0';
    return line;
}

//  A new connection made ready: the cause logged and NULL if it is not.
static PGconn *
s_ready (PGconn *conn)
{
    if (!conn) {
        wdm_log_error ("database: out of memory connecting");
        return NULL;
    }
    if (PQstatus (conn) != CONNECTION_OK) {
        char *why = s_one_line (PQerrorMessage (conn));
        wdm_log_error ("database: cannot connect: %s", why ? why : "out of memory");
        free (why);
        PQfinish (conn);
        return NULL;
    }
    PQsetNoticeProcessor (conn, s_notice, NULL);
    if (PQsetClientEncoding (conn, "UTF8") != 0 || wdm_db_exec (conn, "SET search_path = wdmon")
        || wdm_db_exec (conn, "SET client_min_messages = warning")) {
        wdm_log_error ("database: cannot set encoding and search_path");
        PQfinish (conn);
        return NULL;
    }
    return conn;
}

PGconn *
wdm_db_connect (const char *conninfo)
{
    return s_ready (PQconnectdb (conninfo ? conninfo : ""));
}

PGconn *
wdm_db_connect_like (PGconn *conn)
{
    PQconninfoOption *options = PQconninfo (conn);
    if (!options)
        return NULL;
    int count = 0;
    for (PQconninfoOption *o = options; o->keyword; o++)
        count++;
    const char **keywords = calloc ((size_t)count + 1, sizeof *keywords);
    const char **values = calloc ((size_t)count + 1, sizeof *values);
    PGconn *other = NULL;
    if (keywords && values) {
        int used = 0;
        for (PQconninfoOption *o = options; o->keyword; o++)
            if (o->val && *o->val) {
                keywords [used] = o->keyword;
                values [used++] = o->val;
            }
        other = s_ready (PQconnectdbParams (keywords, values, 0));
    }
    free (keywords);
    free (values);
    PQconninfoFree (options);
    return other;
}

int
wdm_db_exec (PGconn *conn, const char *sql)
{
    PGresult *res = PQexec (conn, sql);
    int rc = PQresultStatus (res) == PGRES_COMMAND_OK ? 0 : -1;
    if (rc) {
        //  No result at all (the connection gone): the connection says why.
        const char *message =
            res && *PQresultErrorMessage (res) ? PQresultErrorMessage (res) : PQerrorMessage (conn);
        char *why = s_one_line (message);
        wdm_log_error ("database: %s", why && *why ? why : "no answer");
        free (why);
    }
    PQclear (res);
    return rc;
}

int
wdm_db_alive (PGconn *conn)
{
    if (!conn || PQstatus (conn) != CONNECTION_OK)
        return 0;
    //  A server that has gone away closed the socket: it reads as ready,
    //  and reading it finds the end, which libpq turns into CONNECTION_BAD.
    //  Nothing to read: the connection is as good as it was.
    struct pollfd fd = { .fd = PQsocket (conn), .events = POLLIN };
    if (fd.fd < 0 || poll (&fd, 1, 0) <= 0 || PQtransactionStatus (conn) != PQTRANS_IDLE)
        return 1;
    //  Something came while idle.  A backend that is told to end (a
    //  failover, pg_terminate_backend, a restart) sends "FATAL: terminating
    //  connection" and then closes; libpq reads the message as a notice and
    //  the end only on a later read, which may not have arrived yet.  One
    //  round trip settles it: it fails on a closing connection.
    PQconsumeInput (conn);
    if (PQstatus (conn) != CONNECTION_OK)
        return 0;
    PGresult *res = PQexec (conn, "");
    PQclear (res);
    return PQstatus (conn) == CONNECTION_OK;
}

PGresult *
wdm_db_query (PGconn *conn, const char *sql, int count, const char *const *params, ExecStatusType expect,
              char *err, size_t err_size)
{
    PGresult *res = PQexecParams (conn, sql, count, NULL, params, NULL, NULL, 0);
    if (PQresultStatus (res) == expect)
        return res;
    //  The primary message only: the statement and its caret add nothing.
    const char *message = res ? PQresultErrorField (res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!message)
        message = res && *PQresultErrorMessage (res) ? PQresultErrorMessage (res) : PQerrorMessage (conn);
    if (err) {
        snprintf (err, err_size, "数据库错误 / database: %s", message);
        err [strcspn (err, "\n")] = '\0';
    } else
        wdm_log_error ("database: %.*s", (int)strcspn (message, "\n"), message);
    PQclear (res);
    return NULL;
}

//  --- COPY ------------------------------------------------------------------------

int
wdm_db_copy_text (wdm_buf_t *rows, const char *text, char sep)
{
    size_t len = text ? strlen (text) : 2;
    if (wdm_buf_reserve (rows, 2 * len + 1))
        return -1;
    char *out = rows->data + rows->size;
    if (!text) {
        *out++ = '\\';
        *out++ = 'N';
    }
    for (size_t i = 0; text && i < len; i++) {
        char c = text [i];
        if (c == '\\' || c == '\t' || c == '\n' || c == '\r') {
            *out++ = '\\';
            c = c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\';
        }
        *out++ = c;
    }
    *out++ = sep;
    *out = '\0';
    rows->size = (size_t)(out - rows->data);
    return 0;
}

int
wdm_db_copy_send (PGconn *conn, const char *table, wdm_buf_t *rows)
{
    if (rows->size == 0)
        return 0;
    char sql [256];
    snprintf (sql, sizeof sql, "COPY %s FROM STDIN", table);
    PGresult *res = PQexec (conn, sql);
    if (PQresultStatus (res) != PGRES_COPY_IN) {
        wdm_log_error ("database: %s: %s", sql, PQresultErrorMessage (res));
        PQclear (res);
        return -1;
    }
    PQclear (res);
    int rc = 0;
    if (PQputCopyData (conn, rows->data, (int)rows->size) != 1 || PQputCopyEnd (conn, NULL) != 1) {
        wdm_log_error ("database: %s: %s", sql, PQerrorMessage (conn));
        rc = -1;
    }
    while ((res = PQgetResult (conn))) {
        if (PQresultStatus (res) != PGRES_COMMAND_OK && rc == 0) {
            wdm_log_error ("database: %s: %s", sql, PQresultErrorMessage (res));
            rc = -1;
        }
        PQclear (res);
    }
    wdm_buf_reset (rows);
    return rc;
}

int
wdm_db_array_add (wdm_buf_t *array, const char *item)
{
    return wdm_buf_printf (array, "%s\"%s\"", array->size ? "," : "{", item);
}

int
wdm_db_array_end (wdm_buf_t *array)
{
    return wdm_buf_printf (array, "%s", array->size ? "}" : "{}");
}

//  A numeric column that may be NULL: 1 and *value set, or 0.
static int
s_get_double (PGresult *res, int row, int col, double *value)
{
    if (PQgetisnull (res, row, col))
        return 0;
    *value = strtod (PQgetvalue (res, row, col), NULL);
    return 1;
}

static const char *s_indicator_query =
    "SELECT i.code, coalesce(u.scale, 0), i.value_min, i.value_max,"
    "       i.by_sex, i.frequency::text,"
    "       coalesce (array_to_string (i.bodies, E'\\x1F'), '')"
    "  FROM indicator i JOIN measure_unit u ON u.code = i.measure_unit_code"
    " WHERE EXISTS (SELECT 1 FROM plan_target t WHERE t.indicator_code = i.code AND t.active)";

//  An indicator's bodies, from their names joined by 0x1F.  0, or -1 if
//  there are more than the catalog holds or a name is too long.
static int
s_get_bodies (const char *joined, wdm_indicator_t *indicator)
{
    indicator->body_count = 0;
    while (*joined) {
        size_t len = strcspn (joined, "\x1F");
        if (indicator->body_count == WDM_BODIES_MAX || len == 0 || len >= WDM_CODE_MAX)
            return -1;
        memcpy (indicator->bodies [indicator->body_count], joined, len);
        indicator->bodies [indicator->body_count++][len] = '\0';
        joined += len;
        if (*joined)
            joined++;
    }
    return 0;
}

wdm_catalog_t *
wdm_db_load_catalog (PGconn *conn)
{
    wdm_catalog_t *catalog = NULL;
    //  A record's year must lie within some plan's baseline..period_end:
    //  the plans' years, joined, must then be one run of years, which
    //  wdm_catalog holds as first..last.
    PGresult *plan = PQexec (conn,
                             "SELECT min (baseline_year), max (period_end),"
                             "       bool_and (baseline_year <= (SELECT max (o.period_end) + 1 FROM plan o"
                             "                                  WHERE o.baseline_year < p.baseline_year)"
                             "                 OR baseline_year = (SELECT min (baseline_year) FROM plan))"
                             "  FROM plan p");
    PGresult *res = NULL;
    if (PQresultStatus (plan) != PGRES_TUPLES_OK) {
        wdm_log_error ("catalog: cannot read the plans: %s", PQresultErrorMessage (plan));
        goto cleanup;
    }
    if (PQntuples (plan) != 1 || PQgetisnull (plan, 0, 0)) {
        wdm_log_error ("catalog: the database holds no plan");
        goto cleanup;
    }
    if (PQgetvalue (plan, 0, 2) [0] != 't') {
        wdm_log_error ("catalog: the plans' years (baseline to end) leave a gap between %s and %s",
                       PQgetvalue (plan, 0, 0), PQgetvalue (plan, 0, 1));
        goto cleanup;
    }
    res = PQexec (conn, s_indicator_query);
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        wdm_log_error ("catalog: cannot read indicators: %s", PQresultErrorMessage (res));
        goto cleanup;
    }
    catalog = wdm_catalog_new (atoi (PQgetvalue (plan, 0, 0)), atoi (PQgetvalue (plan, 0, 1)));
    if (!catalog)
        goto cleanup;
    for (int row = 0; row < PQntuples (res); row++) {
        wdm_indicator_t indicator = { .frequency = WDM_FREQ_YEAR };
        const char *code = PQgetvalue (res, row, 0);
        if (strlen (code) >= sizeof indicator.code) {
            wdm_log_error ("catalog: indicator code '%s' is too long", code);
            wdm_catalog_destroy (&catalog);
            goto cleanup;
        }
        strcpy (indicator.code, code);
        indicator.scale = strtod (PQgetvalue (res, row, 1), NULL);
        indicator.has_min = s_get_double (res, row, 2, &indicator.value_min);
        indicator.has_max = s_get_double (res, row, 3, &indicator.value_max);
        indicator.by_sex = PQgetvalue (res, row, 4) [0] == 't';
        const char *freq = PQgetvalue (res, row, 5);
        indicator.frequency = strcmp (freq, "quarter") == 0 ? WDM_FREQ_QUARTER
            : strcmp (freq, "month") == 0                   ? WDM_FREQ_MONTH
                                                            : WDM_FREQ_YEAR;
        if (s_get_bodies (PQgetvalue (res, row, 6), &indicator)) {
            wdm_log_error ("catalog: indicator '%s' has too many bodies, or one too long", code);
            wdm_catalog_destroy (&catalog);
            goto cleanup;
        }
        if (wdm_catalog_add (catalog, &indicator)) {
            wdm_log_error ("catalog: cannot add indicator '%s'", code);
            wdm_catalog_destroy (&catalog);
            goto cleanup;
        }
    }
cleanup:
    PQclear (res);
    PQclear (plan);
    return catalog;
}

const char *
wdm_db_value (const PGresult *res, int row, int col)
{
    return PQgetisnull (res, row, col) ? NULL : PQgetvalue (res, row, col);
}

int
wdm_db_words (PGconn *conn, const char *sql, wdm_db_words_t *words, wdm_buf_t *errors)
{
    char err [512] = "";
    words->res = wdm_db_query (conn, sql, 0, NULL, PGRES_TUPLES_OK, err, sizeof err);
    if (!words->res) {
        wdm_buf_printf (errors, "%s\n", err);
        return -1;
    }
    words->count = (size_t)PQntuples (words->res);
    words->words = calloc (words->count + 1, sizeof *words->words);
    if (!words->words) {
        wdm_buf_printf (errors, "out of memory\n");
        return -1;
    }
    for (size_t i = 0; i < words->count; i++)
        words->words [i] = PQgetvalue (words->res, (int)i, 0);
    return 0;
}

void
wdm_db_words_free (wdm_db_words_t *words)
{
    PQclear (words->res);
    free (words->words);
    words->res = NULL;
    words->words = NULL;
}
