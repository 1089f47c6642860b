/*  wdm_site: import a site file — load it into temporary tables, refuse
    removals that data refers to, print the difference, apply it, all in
    one transaction.  See wdm_site.h.  */

#include "wdm_site_int.h"
#include "wdm_db.h"
#include "wdm_log.h"

#include <stdlib.h>
#include <string.h>

//  The file's rows, side by side with the tables they will become; gone
//  at the end of the transaction.
static const char *s_temp_tables [] = {
    "CREATE TEMP TABLE site_area (code text PRIMARY KEY, parent_code text, level text,"
    "                             name_zh text, name_en text) ON COMMIT DROP",
    "CREATE TEMP TABLE site_unit (code text PRIMARY KEY, kind text, area_code text,"
    "                             name_zh text, name_en text, active boolean) ON COMMIT DROP",
    "CREATE TEMP TABLE site_resp (indicator_code text, unit_code text, lead boolean,"
    "                             PRIMARY KEY (indicator_code, unit_code)) ON COMMIT DROP",
};

//  Areas and units the file no longer has that data refers to: one row
//  each, what refers to it.
static const char *s_refused_sql =
    "SELECT 'area', a.code, concat_ws (', ',"
    "         CASE WHEN EXISTS (SELECT 1 FROM observation o WHERE o.area_code = a.code)"
    "              THEN '观测值 observations' END,"
    "         CASE WHEN EXISTS (SELECT 1 FROM warning w WHERE w.area_code = a.code)"
    "              THEN '预警 warnings' END)"
    "  FROM area a WHERE a.code NOT IN (SELECT code FROM site_area)"
    "   AND (EXISTS (SELECT 1 FROM observation o WHERE o.area_code = a.code)"
    "        OR EXISTS (SELECT 1 FROM warning w WHERE w.area_code = a.code))"
    " UNION ALL "
    "SELECT 'unit', u.code, concat_ws (', ',"
    "         CASE WHEN EXISTS (SELECT 1 FROM observation o WHERE o.unit_code = u.code)"
    "              THEN '观测值 observations' END,"
    "         CASE WHEN EXISTS (SELECT 1 FROM warning w WHERE w.unit_code = u.code)"
    "              THEN '预警 warnings' END,"
    "         CASE WHEN EXISTS (SELECT 1 FROM ingest_batch b WHERE b.unit_code = u.code)"
    "              THEN '收到的批次 received batches' END,"
    "         CASE WHEN EXISTS (SELECT 1 FROM rejected_record r WHERE r.unit_code = u.code)"
    "              THEN '拒收记录 rejected records' END,"
    "         CASE WHEN EXISTS (SELECT 1 FROM unit_key k WHERE k.unit_code = u.code)"
    "              THEN '密钥 keys' END)"
    "  FROM member_unit u WHERE u.code NOT IN (SELECT code FROM site_unit)"
    "   AND (EXISTS (SELECT 1 FROM observation o WHERE o.unit_code = u.code)"
    "        OR EXISTS (SELECT 1 FROM warning w WHERE w.unit_code = u.code)"
    "        OR EXISTS (SELECT 1 FROM ingest_batch b WHERE b.unit_code = u.code)"
    "        OR EXISTS (SELECT 1 FROM rejected_record r WHERE r.unit_code = u.code)"
    "        OR EXISTS (SELECT 1 FROM unit_key k WHERE k.unit_code = u.code))"
    " ORDER BY 1, 2";

//  The difference, one line each: kind (1 added, 2 changed, 3 removed)
//  and text; areas, then units, then responsibilities.
static const char *s_diff_sql =
    "SELECT kind, line FROM ("
    //  areas
    " SELECT 1 AS kind, 1 AS what, s.code AS key,"
    "        format ('area %s: %s / %s (%s%s)', s.code, s.name_zh, s.name_en, s.level,"
    "                coalesce (', parent ' || s.parent_code, '')) AS line"
    "   FROM site_area s WHERE s.code NOT IN (SELECT code FROM area)"
    " UNION ALL"
    " SELECT 2, 1, a.code, format ('area %s: %s', a.code, concat_ws (', ',"
    "          CASE WHEN a.parent_code IS DISTINCT FROM s.parent_code THEN format ('parent %s → %s',"
    "               coalesce (a.parent_code, '-'), coalesce (s.parent_code, '-')) END,"
    "          CASE WHEN a.level::text <> s.level THEN format ('level %s → %s', a.level, s.level) END,"
    "          CASE WHEN a.name_zh <> s.name_zh THEN format ('name_zh %s → %s', a.name_zh, s.name_zh) END,"
    "          CASE WHEN a.name_en <> s.name_en THEN format ('name_en %s → %s', a.name_en, s.name_en) END))"
    "   FROM area a JOIN site_area s USING (code)"
    "  WHERE a.parent_code IS DISTINCT FROM s.parent_code OR a.level::text <> s.level"
    "     OR a.name_zh <> s.name_zh OR a.name_en <> s.name_en"
    " UNION ALL"
    " SELECT 3, 1, a.code, format ('area %s: %s / %s', a.code, a.name_zh, a.name_en)"
    "   FROM area a WHERE a.code NOT IN (SELECT code FROM site_area)"
    //  units
    " UNION ALL"
    " SELECT 1, 2, s.code, format ('unit %s: %s / %s (%s, area %s%s)', s.code, s.name_zh, s.name_en,"
    "        s.kind, s.area_code, CASE WHEN NOT s.active THEN ', inactive' ELSE '' END)"
    "   FROM site_unit s WHERE s.code NOT IN (SELECT code FROM member_unit)"
    " UNION ALL"
    " SELECT 2, 2, u.code, format ('unit %s: %s', u.code, concat_ws (', ',"
    "          CASE WHEN u.kind::text <> s.kind THEN format ('kind %s → %s', u.kind, s.kind) END,"
    "          CASE WHEN u.area_code <> s.area_code THEN format ('area %s → %s', u.area_code, s.area_code) END,"
    "          CASE WHEN u.name_zh <> s.name_zh THEN format ('name_zh %s → %s', u.name_zh, s.name_zh) END,"
    "          CASE WHEN u.name_en <> s.name_en THEN format ('name_en %s → %s', u.name_en, s.name_en) END,"
    "          CASE WHEN u.active <> s.active THEN format ('active %s → %s', u.active, s.active) END))"
    "   FROM member_unit u JOIN site_unit s USING (code)"
    "  WHERE u.kind::text <> s.kind OR u.area_code <> s.area_code OR u.name_zh <> s.name_zh"
    "     OR u.name_en <> s.name_en OR u.active <> s.active"
    " UNION ALL"
    " SELECT 3, 2, u.code, format ('unit %s: %s / %s', u.code, u.name_zh, u.name_en)"
    "   FROM member_unit u WHERE u.code NOT IN (SELECT code FROM site_unit)"
    //  responsibilities
    " UNION ALL"
    " SELECT 1, 3, s.unit_code || ' ' || s.indicator_code, format ('responsibility %s %s: %s', s.unit_code,"
    "        s.indicator_code, CASE WHEN s.lead THEN 'leads' ELSE 'contributes' END)"
    "   FROM site_resp s WHERE NOT EXISTS (SELECT 1 FROM responsibility r"
    "        WHERE r.indicator_code = s.indicator_code AND r.unit_code = s.unit_code)"
    " UNION ALL"
    " SELECT 2, 3, r.unit_code || ' ' || r.indicator_code, format ('responsibility %s %s: %s → %s',"
    "        r.unit_code, r.indicator_code, CASE WHEN r.lead THEN 'leads' ELSE 'contributes' END,"
    "        CASE WHEN s.lead THEN 'leads' ELSE 'contributes' END)"
    "   FROM responsibility r JOIN site_resp s USING (indicator_code, unit_code) WHERE r.lead <> s.lead"
    " UNION ALL"
    " SELECT 3, 3, r.unit_code || ' ' || r.indicator_code, format ('responsibility %s %s: %s', r.unit_code,"
    "        r.indicator_code, CASE WHEN r.lead THEN 'leads' ELSE 'contributes' END)"
    "   FROM responsibility r WHERE NOT EXISTS (SELECT 1 FROM site_resp s"
    "        WHERE s.indicator_code = r.indicator_code AND s.unit_code = r.unit_code)"
    ") d ORDER BY what, kind, key";

//  Make the tables what the temporary ones say, in an order the foreign
//  keys allow (each statement's checks run at its end, so an area and
//  its new parent may arrive together).
static const char *s_apply_sql [] = {
    "INSERT INTO area (code, parent_code, level, name_zh, name_en)"
    " SELECT code, parent_code, level::area_level, name_zh, name_en FROM site_area"
    "  WHERE code NOT IN (SELECT code FROM area)",
    "UPDATE area a SET parent_code = s.parent_code, level = s.level::area_level,"
    "       name_zh = s.name_zh, name_en = s.name_en"
    "  FROM site_area s WHERE a.code = s.code AND (a.parent_code IS DISTINCT FROM s.parent_code"
    "   OR a.level::text <> s.level OR a.name_zh <> s.name_zh OR a.name_en <> s.name_en)",
    "INSERT INTO member_unit (code, name_zh, name_en, kind, area_code, active)"
    " SELECT code, name_zh, name_en, kind::unit_kind, area_code, active FROM site_unit"
    "  WHERE code NOT IN (SELECT code FROM member_unit)",
    "UPDATE member_unit u SET name_zh = s.name_zh, name_en = s.name_en, kind = s.kind::unit_kind,"
    "       area_code = s.area_code, active = s.active"
    "  FROM site_unit s WHERE u.code = s.code AND (u.kind::text <> s.kind OR u.area_code <> s.area_code"
    "   OR u.name_zh <> s.name_zh OR u.name_en <> s.name_en OR u.active <> s.active)",
    "DELETE FROM responsibility r WHERE NOT EXISTS (SELECT 1 FROM site_resp s"
    "  WHERE s.indicator_code = r.indicator_code AND s.unit_code = r.unit_code)",
    "UPDATE responsibility r SET lead = s.lead FROM site_resp s"
    " WHERE r.indicator_code = s.indicator_code AND r.unit_code = s.unit_code AND r.lead <> s.lead",
    "INSERT INTO responsibility (indicator_code, unit_code, lead)"
    " SELECT indicator_code, unit_code, lead FROM site_resp s WHERE NOT EXISTS (SELECT 1"
    "   FROM responsibility r WHERE r.indicator_code = s.indicator_code AND r.unit_code = s.unit_code)",
    "DELETE FROM member_unit WHERE code NOT IN (SELECT code FROM site_unit)",
    "DELETE FROM area WHERE code NOT IN (SELECT code FROM site_area)",
};

//  Run sql, which returns no rows; on failure its message in errors.
static int
s_exec (PGconn *conn, const char *sql, wdm_buf_t *errors)
{
    char err [1024] = "";
    PGresult *res = wdm_db_query (conn, sql, 0, NULL, PGRES_COMMAND_OK, err, sizeof err);
    if (!res)
        wdm_buf_printf (errors, "%s\n", err);
    PQclear (res);
    return res ? 0 : -1;
}

//  COPY the file's rows into the temporary tables.
static int
s_load (PGconn *conn, const wdm_site_file_t *file, wdm_buf_t *errors)
{
    wdm_buf_t rows = { 0 };
    int rc = -1;
    for (size_t i = 0; i < file->area_count; i++) {
        const wdm_site_area_t *a = &file->areas [i];
        if (wdm_db_copy_text (&rows, a->code, '\t') || wdm_db_copy_text (&rows, a->parent, '\t')
            || wdm_db_copy_text (&rows, a->level, '\t') || wdm_db_copy_text (&rows, a->name_zh, '\t')
            || wdm_db_copy_text (&rows, a->name_en, '\n'))
            goto cleanup;
    }
    if (wdm_db_copy_send (conn, "site_area (code, parent_code, level, name_zh, name_en)", &rows))
        goto cleanup;
    for (size_t i = 0; i < file->unit_count; i++) {
        const wdm_site_unit_t *u = &file->units [i];
        if (wdm_db_copy_text (&rows, u->code, '\t') || wdm_db_copy_text (&rows, u->kind, '\t')
            || wdm_db_copy_text (&rows, u->area, '\t') || wdm_db_copy_text (&rows, u->name_zh, '\t')
            || wdm_db_copy_text (&rows, u->name_en, '\t')
            || wdm_db_copy_text (&rows, u->active ? "t" : "f", '\n'))
            goto cleanup;
    }
    if (wdm_db_copy_send (conn, "site_unit (code, kind, area_code, name_zh, name_en, active)", &rows))
        goto cleanup;
    for (size_t i = 0; i < file->resp_count; i++) {
        const wdm_site_resp_t *r = &file->resps [i];
        if (wdm_db_copy_text (&rows, r->indicator, '\t') || wdm_db_copy_text (&rows, r->unit, '\t')
            || wdm_db_copy_text (&rows, r->lead ? "t" : "f", '\n'))
            goto cleanup;
    }
    if (wdm_db_copy_send (conn, "site_resp (indicator_code, unit_code, lead)", &rows))
        goto cleanup;
    rc = 0;
cleanup:
    if (rc)
        wdm_buf_printf (errors,
                        "数据库错误 / database error: cannot load the site file's rows (see the log)\n");
    wdm_buf_free (&rows);
    return rc;
}

//  Append to errors each removal data forbids.  REFUSED if there is one.
static wdm_site_result_t
s_refuse (PGconn *conn, wdm_buf_t *errors)
{
    char err [1024] = "";
    PGresult *res = wdm_db_query (conn, s_refused_sql, 0, NULL, PGRES_TUPLES_OK, err, sizeof err);
    if (!res) {
        wdm_buf_printf (errors, "%s\n", err);
        return WDM_SITE_FAILED;
    }
    for (int row = 0; row < PQntuples (res); row++) {
        bool area = strcmp (PQgetvalue (res, row, 0), "area") == 0;
        const char *code = PQgetvalue (res, row, 1);
        wdm_buf_printf (errors,
                        "不能删除%s %s:%s引用它(请留在文件中%s) / cannot remove %s '%s': %s refer to it "
                        "(keep it in the file%s)\n",
                        area ? "地区" : "单位", code, PQgetvalue (res, row, 2),
                        area ? "" : ",或设 active: false 使其停用", area ? "area" : "unit", code,
                        PQgetvalue (res, row, 2), area ? "" : "; active: false stops it reporting");
    }
    wdm_site_result_t result = PQntuples (res) ? WDM_SITE_REFUSED : WDM_SITE_OK;
    PQclear (res);
    return result;
}

//  Print the difference to out (may be NULL); *changes its line count.
static int
s_diff (PGconn *conn, FILE *out, int *changes, wdm_buf_t *errors)
{
    char err [1024] = "";
    PGresult *res = wdm_db_query (conn, s_diff_sql, 0, NULL, PGRES_TUPLES_OK, err, sizeof err);
    if (!res) {
        wdm_buf_printf (errors, "%s\n", err);
        return -1;
    }
    static const char *labels [] = { "", "新增 / added:  ", "修改 / changed:", "删除 / removed:" };
    int counts [4] = { 0 };
    for (int row = 0; row < PQntuples (res); row++) {
        int kind = atoi (PQgetvalue (res, row, 0));
        kind = kind >= 1 && kind <= 3 ? kind : 2;
        counts [kind]++;
        if (out)
            fprintf (out, "%s %s\n", labels [kind], PQgetvalue (res, row, 1));
    }
    *changes = PQntuples (res);
    if (out && *changes == 0)
        fprintf (out, "无变化 / no change\n");
    else if (out)
        fprintf (out, "新增 %d、修改 %d、删除 %d / %d added, %d changed, %d removed\n", counts [1],
                 counts [2], counts [3], counts [1], counts [2], counts [3]);
    PQclear (res);
    return 0;
}

wdm_site_result_t
wdm_site_import (PGconn *conn, const char *path, bool dry_run, FILE *out, wdm_buf_t *errors)
{
    wdm_site_result_t result;
    wdm_site_file_t *file = wdm_site_file_read (conn, path, errors, &result);
    if (!file)
        return result;
    result = WDM_SITE_FAILED;
    int changes = 0;
    if (s_exec (conn, "BEGIN", errors))
        goto cleanup;
    for (size_t i = 0; i < sizeof s_temp_tables / sizeof s_temp_tables [0]; i++)
        if (s_exec (conn, s_temp_tables [i], errors))
            goto cleanup;
    if (s_load (conn, file, errors))
        goto cleanup;
    if ((result = s_refuse (conn, errors)) != WDM_SITE_OK)
        goto cleanup;
    result = WDM_SITE_FAILED;
    if (s_diff (conn, out, &changes, errors))
        goto cleanup;
    for (size_t i = 0; i < sizeof s_apply_sql / sizeof s_apply_sql [0]; i++)
        if (s_exec (conn, s_apply_sql [i], errors))
            goto cleanup;
    if (s_exec (conn, dry_run ? "ROLLBACK" : "COMMIT", errors))
        goto cleanup;
    if (out && dry_run && changes)
        fprintf (out, "试运行,未作更改 / dry run: nothing was changed\n");
    result = WDM_SITE_OK;
cleanup:
    if (PQtransactionStatus (conn) != PQTRANS_IDLE)
        PQclear (PQexec (conn, "ROLLBACK"));
    wdm_site_file_destroy (&file);
    return result;
}

int
wdm_site_import_file (PGconn *conn, const char *path)
{
    wdm_buf_t errors = { 0 };
    wdm_site_result_t result = wdm_site_import (conn, path, false, NULL, &errors);
    if (result != WDM_SITE_OK)
        wdm_log_error ("site: %s: not imported:\n%s", path, errors.data ? errors.data : "");
    wdm_buf_free (&errors);
    return result == WDM_SITE_OK ? 0 : -1;
}
