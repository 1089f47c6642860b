/*  wdm_units: unit registration and collector bundles.  See wdm_units.h.  */

#include "wdm_units.h"
#include "wdm_db.h"
#include "wdm_keys.h"
#include "wdm_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
s_write_text (const char *dir, const char *name, const char *text, mode_t mode, char *err, size_t err_size)
{
    char path [1024];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen (path, "wx");
    if (!file || fchmod (fileno (file), mode) || fputs (text, file) < 0 || fclose (file)) {
        snprintf (err, err_size, "%s: %s", path, strerror (errno));
        return -1;
    }
    return 0;
}

static int
s_write_bundle (PGconn *conn, const char *bundle, const char *code, const char *plan, const char *public_key,
                const char *secret_key, const char *server_public_key, const char *endpoint, char *err,
                size_t err_size)
{
    if (mkdir (bundle, 0700)) {
        snprintf (err, err_size, "%s: %s", bundle, strerror (errno));
        return -1;
    }
    char path [1024], text [2048];
    snprintf (path, sizeof path, "%s/unit.key", bundle);
    if (wdm_keys_write (path, secret_key, true, err, err_size))
        return -1;
    snprintf (path, sizeof path, "%s/unit.pub", bundle);
    if (wdm_keys_write (path, public_key, false, err, err_size))
        return -1;
    snprintf (path, sizeof path, "%s/server.pub", bundle);
    if (wdm_keys_write (path, server_public_key, false, err, err_size))
        return -1;
    snprintf (text, sizeof text,
              "; wdmon-collector configuration for member unit %s.\n"
              "; Relative paths are relative to this file's directory.\n"
              "; Keep unit.key secret: whoever holds it can report as this unit.\n"
              "\n"
              "[server]\n"
              "endpoint = %s\n"
              "public_key_file = server.pub\n"
              "\n"
              "[collector]\n"
              "secret_key_file = unit.key\n"
              "public_key_file = unit.pub\n"
              "catalog = catalog.json\n"
              "; Drop CSV (UTF-8 or GB18030) and JSON Lines files here:\n"
              "inbox = inbox\n"
              "; Records wait here, on disk, until the centre acknowledges them:\n"
              "outbox = outbox\n"
              "\n"
              "[log]\n"
              "level = info\n",
              code, endpoint);
    if (s_write_text (bundle, "collector.conf", text, 0600, err, err_size))
        return -1;
    snprintf (path, sizeof path, "%s/catalog.json", bundle);
    FILE *file = fopen (path, "wx");
    if (!file) {
        snprintf (err, err_size, "%s: %s", path, strerror (errno));
        return -1;
    }
    int rc = wdm_units_write_catalog (conn, plan, file);
    if (fclose (file) || rc) {
        snprintf (err, err_size, "%s: cannot write the catalog", path);
        return -1;
    }
    return 0;
}

int
wdm_units_add (PGconn *conn, const wdm_unit_spec_t *spec, const char *plan, const char *bundle,
               const char *server_public_key, const char *endpoint, bool must_exist, char *public_key_out,
               char *err, size_t err_size)
{
    char public_key [WDM_KEY_Z85], secret_key [WDM_KEY_Z85];
    if (!wdm_keys_valid (server_public_key)) {
        snprintf (err, err_size, "the server's public key is not a Z85 CURVE key");
        return -1;
    }
    if (wdm_keys_generate (public_key, secret_key)) {
        snprintf (err, err_size, "cannot generate a key pair: libzmq has no CURVE");
        return -1;
    }
    int rc = -1;
    PGresult *res = NULL;
    if (wdm_db_exec (conn, "BEGIN"))
        goto cleanup;
    const char *find [] = { spec->code };
    if (!(res = wdm_db_query (conn, "SELECT active FROM member_unit WHERE code = $1 FOR UPDATE", 1, find,
                              PGRES_TUPLES_OK, err, err_size)))
        goto cleanup;
    int exists = PQntuples (res) == 1;
    if (exists && PQgetvalue (res, 0, 0) [0] != 't') {
        snprintf (err, err_size, "unit %s exists but is not active", spec->code);
        goto cleanup;
    }
    PQclear (res);
    res = NULL;
    if (!exists && must_exist) {
        snprintf (err, err_size, "no member unit %s", spec->code);
        goto cleanup;
    }
    if (!exists) {
        if (!spec->name_zh || !spec->kind || !spec->area) {
            snprintf (err, err_size,
                      "unit %s does not exist: give --name, --kind and --area "
                      "to create it",
                      spec->code);
            goto cleanup;
        }
        const char *params [] = { spec->code, spec->name_zh, spec->name_en ? spec->name_en : spec->name_zh,
                                  spec->kind, spec->area };
        if (!(res = wdm_db_query (conn,
                                  "INSERT INTO member_unit (code, name_zh, name_en, kind, area_code)"
                                  " VALUES ($1, $2, $3, $4::unit_kind, $5)",
                                  5, params, PGRES_COMMAND_OK, err, err_size)))
            goto cleanup;
        PQclear (res);
    }
    const char *key_params [] = { public_key, spec->code };
    if (!(res = wdm_db_query (conn, "INSERT INTO unit_key (public_key, unit_code) VALUES ($1, $2)", 2,
                              key_params, PGRES_COMMAND_OK, err, err_size)))
        goto cleanup;
    if (s_write_bundle (conn, bundle, spec->code, plan, public_key, secret_key, server_public_key, endpoint,
                        err, err_size))
        goto cleanup;
    if (wdm_db_exec (conn, "COMMIT"))
        goto cleanup;
    if (public_key_out)
        memcpy (public_key_out, public_key, WDM_KEY_Z85);
    rc = 0;
cleanup:
    PQclear (res);
    if (rc && PQtransactionStatus (conn) != PQTRANS_IDLE)
        wdm_db_exec (conn, "ROLLBACK");
    wdm_keys_wipe (secret_key, sizeof secret_key);
    return rc;
}

int
wdm_units_revoke (PGconn *conn, const char *code, const char *keep, int *revoked, char *err, size_t err_size)
{
    const char *params [] = { code, keep };
    PGresult *res = wdm_db_query (conn, "SELECT 1 FROM member_unit WHERE code = $1", 1, params,
                                  PGRES_TUPLES_OK, err, err_size);
    if (!res)
        return -1;
    int exists = PQntuples (res) == 1;
    PQclear (res);
    if (!exists) {
        snprintf (err, err_size, "no member unit %s", code);
        return -1;
    }
    res = wdm_db_query (conn,
                        "UPDATE unit_key SET state = 'revoked', revoked_at = now ()"
                        " WHERE unit_code = $1 AND state = 'active'"
                        "   AND ($2::text IS NULL OR public_key <> $2)",
                        2, params, PGRES_COMMAND_OK, err, err_size);
    if (!res)
        return -1;
    *revoked = atoi (PQcmdTuples (res));
    PQclear (res);
    return 0;
}

int
wdm_units_write_catalog (PGconn *conn, const char *plan, FILE *out)
{
    //  PostgreSQL writes the JSON: it escapes every string correctly.  The
    //  statistics are those the plan has active targets on; a statistic
    //  is the same whichever plan watches it, so the shape is as before.
    const char *params [] = { plan };
    PGresult *res =
        PQexecParams (conn,
                      "SELECT json_build_object ("
                      "  'plan', p.code, 'first_year', p.baseline_year, 'last_year', p.period_end,"
                      "  'indicators', (SELECT json_agg (json_build_object ("
                      "       'code', i.code, 'name_zh', i.name_zh, 'scale', coalesce (u.scale, 0),"
                      "       'value_min', i.value_min, 'value_max', i.value_max, 'by_sex', i.by_sex,"
                      "       'bodies', coalesce (to_json (i.bodies), '[]'::json),"
                      "       'frequency', i.frequency) ORDER BY i.code)"
                      "     FROM plan_target t JOIN indicator i ON i.code = t.indicator_code"
                      "     JOIN measure_unit u ON u.code = i.measure_unit_code"
                      "    WHERE t.active AND t.plan_code = p.code))"
                      "  FROM plan p WHERE p.code = $1",
                      1, NULL, params, NULL, NULL, 0);
    int rc = -1;
    if (PQresultStatus (res) != PGRES_TUPLES_OK || PQntuples (res) != 1)
        wdm_log_error ("catalog: %s", PQresultErrorMessage (res));
    else
        rc = fprintf (out, "%s\n", PQgetvalue (res, 0, 0)) > 0 ? 0 : -1;
    PQclear (res);
    return rc;
}
