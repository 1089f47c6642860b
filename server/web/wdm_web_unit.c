/*  wdm_web_unit: the member-unit pages — /units, every unit with what it
    has delivered and the units that never have; /unit/CODE, one unit:
    what it is responsible for (responsibility), what it has delivered
    (ingest_batch: when, how many records, accepted, duplicates,
    refused) and each record refused with its reason (rejected_record,
    reason), what it owes (report_owed, completeness), and its
    collector's last contact (the last batch stored, and what the running
    servers last saw: server_status.collectors).  A unit user sees its own
    unit only: another unit's page or download is 403, as on the warnings
    page.  Every table downloads as CSV and .xlsx.  Contracts in
    wdm_web_int.h.  */

#include "wdm_web_int.h"
#include "wdm_check.h"
#include "wdm_db.h"
#include "wdm_table.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

//  Rows of deliveries and refusals shown at most, the latest first.
#define S_ROWS "200"

//  Every unit ($1: one unit for a unit user, else ''; $2 the zone).
//  Delivered: a batch stored from its collector, or records stored in its
//  name without one (loaded directly, e.g. history).  The records stored
//  and the last one's arrival are unit_delivery's, kept by triggers on
//  observation (sql/068): counting a million rows took 200-340 ms.
static const char *s_units_sql =
    "SELECT u.code, u.name_zh, u.name_en, u.kind::text, a.name_zh,"
    "       CASE WHEN u.active THEN '是 / yes' ELSE '否 / no' END,"
    "       coalesce (b.batches, 0), coalesce (o.records, 0),"
    "       (SELECT count (*) FROM rejected_record j WHERE j.unit_code = u.code),"
    "       coalesce (" WDM_TABLE_LOCAL_TIME (
        "greatest (b.last, o.last)",
        "2") ", '从未报送 / never delivered')"
             "  FROM member_unit u JOIN area a ON a.code = u.area_code"
             "  LEFT JOIN (SELECT unit_code, count (*) AS batches, max (received_at) AS last FROM ingest_batch"
             "              GROUP BY unit_code) b ON b.unit_code = u.code"
             "  LEFT JOIN (SELECT unit_code, records, last_received AS last FROM unit_delivery) o"
             "         ON o.unit_code = u.code"
             " WHERE $1 = '' OR u.code = $1"
             " ORDER BY u.code";

static const wdm_web_column_t s_units_columns [] = {
    { "单位", "Unit", false, "/unit/" },
    { "名称", "Name", false, NULL },
    { "英文名称", "English name", false, NULL },
    { "类别", "Kind", false, NULL },
    { "地区", "Area", false, NULL },
    { "在用", "Active", false, NULL },
    { "批次", "Batches", true, NULL },
    { "已存储记录", "Records stored", true, NULL },
    { "拒收记录", "Records refused", true, NULL },
    { "最近报送", "Last delivery", false, NULL },
};

static const char *s_never_sql =
    "SELECT u.code, u.name_zh, u.name_en, u.kind::text,"
    "       (SELECT count (*) FROM responsibility r WHERE r.unit_code = u.code AND r.lead)"
    "  FROM member_unit u"
    " WHERE ($1 = '' OR u.code = $1) AND u.active"
    "   AND NOT EXISTS (SELECT 1 FROM ingest_batch b WHERE b.unit_code = u.code)"
    "   AND NOT EXISTS (SELECT 1 FROM observation o WHERE o.unit_code = u.code)"
    " ORDER BY u.code";

static const wdm_web_column_t s_never_columns [] = {
    { "单位", "Unit", false, "/unit/" },
    { "名称", "Name", false, NULL },
    { "英文名称", "English name", false, NULL },
    { "类别", "Kind", false, NULL },
    { "牵头指标数", "Indicators led", true, NULL },
};

//  One unit's tables: each query takes $1 the unit, $2 the plan, $3 the
//  zone (a query may leave some unused: they are cast to be typed).
typedef struct {
    const char *id;  //  the table's id after "unit-CODE-"
    const char *heading;
    const char *sql;
    const wdm_web_column_t *columns;
    int count;
} s_section_t;

static const wdm_web_column_t s_resp_columns [] = {
    { "指标", "Indicator", false, NULL },
    { "指标名称", "Indicator name", false, NULL },
    { "领域", "Domain", false, NULL },
    { "职责", "Role", false, NULL },
};
//  A batch may carry records in several units' names: stored counts this
//  unit's; duplicates and refused are the whole batch's.
static const wdm_web_column_t s_batch_columns [] = {
    { "接收时间", "Received", false, NULL },
    { "批次", "Batch", true, NULL },
    { "发送单位", "Sent by", false, NULL },
    { "批内记录", "Records in batch", true, NULL },
    { "本单位已存储", "Stored for this unit", true, NULL },
    { "重复", "Duplicates", true, NULL },
    { "拒收", "Refused", true, NULL },
};
static const wdm_web_column_t s_refused_columns [] = {
    { "接收时间", "Received", false, NULL }, { "原因代码", "Reason code", true, NULL },
    { "原因", "Reason", false, NULL },       { "字段", "Field", false, NULL },
    { "说明", "Message", false, NULL },
};
static const wdm_web_column_t s_years_columns [] = {
    { "年份", "Year", true, NULL },     { "应报", "Owed", true, NULL },
    { "已报", "Received", true, NULL }, { "逾期", "Late", true, NULL },
    { "缺报", "Missing", true, NULL },  { "截止日期", "Deadline", false, NULL },
};
static const wdm_web_column_t s_owed_columns [] = {
    { "年份", "Year", true, NULL },
    { "指标", "Indicator", false, NULL },
    { "指标名称", "Indicator name", false, NULL },
    { "机构", "Body", false, NULL },
    { "截止日期", "Deadline", false, NULL },
    { "状态", "State", false, NULL },
};
static const wdm_web_column_t s_contact_columns [] = {
    { "来源", "Source", false, NULL },
    { "最近联系", "Last contact", false, NULL },
};

#define S_COUNT(columns) ((int)(sizeof columns / sizeof columns [0]))

static const s_section_t s_sections [] = {
    { "contact", "采集端最近联系 <span class=\"en\">Collector's last contact</span>",
      "SELECT '已存储的最近一批 / last batch stored', coalesce ((SELECT " WDM_TABLE_LOCAL_TIME (
          "max (received_at)",
          "3") " FROM ingest_batch WHERE unit_code = $1), '无 / none')"
               " WHERE $2::text IS NOT NULL"
               " UNION ALL "
               "SELECT '以本单位名义存储的最近记录 / latest record stored in its name',"
               "       coalesce ((SELECT " WDM_TABLE_LOCAL_TIME (
                   "max (received_at)",
                   "3") " FROM observation WHERE unit_code = $1), '无 / none')"
                        " UNION ALL "
                        "SELECT '服务器 ' || s.server_id || ' 最近收到 / last seen by server ' "
                        "       || s.server_id,"
                        "       " WDM_TABLE_LOCAL_TIME (
                            "(c ->> 'last_batch_at')::timestamptz",
                            "3") "  FROM server_status s, jsonb_array_elements (s.collectors) c"
                                 " WHERE c ->> 'unit' = $1",
      s_contact_columns, S_COUNT (s_contact_columns) },
    { "responsibility", "负责的指标 <span class=\"en\">Responsible for</span>",
      "SELECT r.indicator_code, i.name_zh, d.name_zh,"
      "       CASE WHEN r.lead THEN '牵头 / lead' ELSE '配合 / contributes' END"
      "  FROM responsibility r JOIN indicator i ON i.code = r.indicator_code"
      "  JOIN plan_target t ON t.indicator_code = r.indicator_code AND t.plan_code = $2 AND t.active"
      "  JOIN domain d ON d.plan_code = t.plan_code AND d.code = t.domain_code"
      " WHERE r.unit_code = $1 AND $3::text IS NOT NULL ORDER BY d.ordinal, t.ordinal",
      s_resp_columns, S_COUNT (s_resp_columns) },
    { "owed-years", "应报与完成情况（按年） <span class=\"en\">Reports owed, by year</span>",
      "SELECT year, owed, received, late, missing, to_char (deadline, 'YYYY-MM-DD')"
      "  FROM completeness WHERE unit_code = $1 AND plan_code = $2 AND $3::text IS NOT NULL"
      " ORDER BY year",
      s_years_columns, S_COUNT (s_years_columns) },
    { "owed", "尚欠与逾期的报送 <span class=\"en\">Reports missing or late</span>",
      "SELECT r.year, r.indicator_code, i.name_zh, r.body, to_char (r.deadline, 'YYYY-MM-DD'),"
      "       CASE r.state WHEN 'late' THEN '逾期 / late' ELSE '缺报 / missing' END"
      "  FROM report_owed r JOIN indicator i ON i.code = r.indicator_code"
      " WHERE r.unit_code = $1 AND $2 = ANY (r.plans) AND r.state IN ('missing', 'late')"
      "   AND $3::text IS NOT NULL ORDER BY r.year, r.indicator_code, r.body",
      s_owed_columns, S_COUNT (s_owed_columns) },
    { "deliveries", "报送批次（最近 " S_ROWS " 批） <span class=\"en\">Deliveries (latest " S_ROWS ")</span>",
      "WITH mine AS (SELECT batch_id, count (*) AS stored, max (received_at) AS at FROM observation"
      "               WHERE unit_code = $1 GROUP BY batch_id),"
      "     batches AS (SELECT id FROM ingest_batch WHERE unit_code = $1"
      "                 UNION SELECT batch_id FROM mine WHERE batch_id IS NOT NULL)"
      "SELECT " WDM_TABLE_LOCAL_TIME (
          "b.received_at",
          "3") ", b.id::text, b.unit_code, b.record_count,"
               "       coalesce (m.stored, 0), b.duplicates, b.rejected, b.received_at AS at"
               "  FROM batches x JOIN ingest_batch b ON b.id = x.id LEFT JOIN mine m ON m.batch_id = b.id"
               " WHERE $2::text IS NOT NULL"
               " UNION ALL "
               "SELECT " WDM_TABLE_LOCAL_TIME ("m.at",
                                               "3") ", '无批次（直接载入）/ no batch (loaded directly)', '',"
                                                    "       m.stored, m.stored, 0, 0, m.at"
                                                    "  FROM mine m WHERE m.batch_id IS NULL"
                                                    " ORDER BY at DESC LIMIT " S_ROWS,
      s_batch_columns, S_COUNT (s_batch_columns) },
    { "refused",
      "拒收的记录及原因（最近 " S_ROWS " 条） <span class=\"en\">Records refused, with reasons "
      "(latest " S_ROWS ")</span>",
      "SELECT " WDM_TABLE_LOCAL_TIME (
          "j.received_at",
          "3") ", j.reason_code,"
               "       s.description_zh || ' / ' || s.description_en, coalesce (j.field, ''), j.message"
               "  FROM rejected_record j JOIN reason s ON s.code = j.reason_code"
               " WHERE j.unit_code = $1 AND $2::text IS NOT NULL"
               " ORDER BY j.received_at DESC, j.id DESC LIMIT " S_ROWS,
      s_refused_columns, S_COUNT (s_refused_columns) },
};

//  The unit the user may see: one's own for a unit user.  false with the
//  page said (403) for another's.
static bool
s_may_see (wdm_web_req_t *req, const char *code)
{
    if (req->user.role != WDM_WEB_UNIT || strcmp (code, req->user.unit_code) == 0)
        return true;
    wdm_web_audit (req, NULL, "forbidden", req->path, code);
    wdm_web_page_error (req, MHD_HTTP_FORBIDDEN, "无权查看 / Not yours to see",
                        "成员单位用户只能查看本单位的数据。 / A unit user sees its own unit's data only.");
    return false;
}

//  Run sql with params and show it as a table; false with the page said
//  if the database failed.
static bool
s_show (wdm_web_req_t *req, const char *id, const char *sql, int nparams, const char *const *params,
        const wdm_web_column_t *columns, int count)
{
    char message [1024] = "";
    PGresult *res = wdm_db_query (req->conn, sql, nparams, params, PGRES_TUPLES_OK, message, sizeof message);
    if (!res) {
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error", message);
        return false;
    }
    wdm_web_table (req, &(wdm_web_table_t) { .id = id, .columns = columns, .count = count, .res = res });
    PQclear (res);
    return true;
}

void
wdm_web_units_page (wdm_web_req_t *req)
{
    const char *scope = req->user.role == WDM_WEB_UNIT ? req->user.unit_code : "";
    const char *params [] = { scope, req->config->timezone };
    wdm_buf_t *out = &req->body;
    if (wdm_web_page_begin (req, "成员单位 / Member units", "units"))
        return;
    wdm_web_raw (out,
                 "<h1>成员单位<span class=\"en\">Member units</span></h1>"
                 "<h2 id=\"never-delivered\">从未报送的单位 <span class=\"en\">Units that have never "
                 "delivered</span></h2>");
    if (!s_show (req, "units-never", s_never_sql, 1, params, s_never_columns, S_COUNT (s_never_columns)))
        return;
    wdm_web_raw (out, "<h2>全部单位 <span class=\"en\">Every unit</span></h2>");
    if (!s_show (req, "units", s_units_sql, 2, params, s_units_columns, S_COUNT (s_units_columns)))
        return;
    wdm_web_page_end (req);
}

void
wdm_web_unit_page (wdm_web_req_t *req, const char *asked)
{
    char plan [128], code [72], message [1024] = "", id [160];
    if (!s_may_see (req, asked))
        return;
    wdm_check_result_t found =
        wdm_check_code (req->conn, "SELECT code, name_zh, name_en FROM member_unit ORDER BY code", "成员单位",
                        "member unit", asked, code, sizeof code, message, sizeof message);
    if (found != WDM_CHECK_OK) {
        wdm_web_page_error (
            req, found == WDM_CHECK_REFUSED ? MHD_HTTP_NOT_FOUND : MHD_HTTP_SERVICE_UNAVAILABLE,
            found == WDM_CHECK_REFUSED ? "没有此单位 / No such unit" : "数据库出错 / Database error",
            message);
        return;
    }
    if (wdm_web_plan (req, plan, sizeof plan))
        return;
    const char *params [] = { code, plan, req->config->timezone };
    PGresult *res =
        wdm_db_query (req->conn,
                      "SELECT u.name_zh, u.name_en, u.kind::text, a.name_zh || ' / ' || a.name_en,"
                      "       u.active FROM member_unit u JOIN area a ON a.code = u.area_code"
                      " WHERE u.code = $1",
                      1, params, PGRES_TUPLES_OK, message, sizeof message);
    if (!res || PQntuples (res) != 1) {
        wdm_web_page_error (req, MHD_HTTP_SERVICE_UNAVAILABLE, "数据库出错 / Database error", message);
        PQclear (res);
        return;
    }
    wdm_buf_t *out = &req->body;
    char title [512];
    snprintf (title, sizeof title, "%s / %s", PQgetvalue (res, 0, 0), PQgetvalue (res, 0, 1));
    if (wdm_web_page_begin (req, title, "units") == 0) {
        wdm_web_raw (out, "<h1>");
        wdm_web_text (out, PQgetvalue (res, 0, 0));
        wdm_web_raw (out, "<span class=\"en\">");
        wdm_web_text (out, PQgetvalue (res, 0, 1));
        wdm_web_raw (out, "</span></h1><dl class=\"facts\" id=\"facts\"><dt>代码 / Code</dt><dd>");
        wdm_web_text (out, code);
        wdm_web_raw (out, "</dd><dt>类别 / Kind</dt><dd>");
        wdm_web_text (out, PQgetvalue (res, 0, 2));
        wdm_web_raw (out, "</dd><dt>地区 / Area</dt><dd>");
        wdm_web_text (out, PQgetvalue (res, 0, 3));
        wdm_web_raw (out, "</dd><dt>规划 / Plan</dt><dd id=\"plan\">");
        wdm_web_text (out, plan);
        wdm_web_raw (out,
                     strcmp (PQgetvalue (res, 0, 4), "t") == 0 ? "</dd></dl>"
                                                               : "</dd><dt>状态 / State</dt><dd>停用 / "
                                                                 "inactive</dd></dl>");
        wdm_web_raw (out, "<p class=\"noprint\"><a id=\"warnings-link\" href=\"/warnings?unit=");
        wdm_web_url_arg (out, code);
        wdm_web_raw (out, "&amp;plan=");
        wdm_web_url_arg (out, plan);
        wdm_web_raw (out, "\">本单位的预警 / this unit's warnings</a></p>");
        for (size_t s = 0; s < sizeof s_sections / sizeof s_sections [0]; s++) {
            const s_section_t *section = &s_sections [s];
            snprintf (id, sizeof id, "unit-%s-%s", code, section->id);
            wdm_buf_printf (out, "<h2 id=\"h-%s\">%s</h2>", section->id, section->heading);
            if (!s_show (req, id, section->sql, 3, params, section->columns, section->count))
                goto cleanup;
        }
        if (req->status == MHD_HTTP_OK)
            wdm_web_page_end (req);
    }
cleanup:
    PQclear (res);
}
