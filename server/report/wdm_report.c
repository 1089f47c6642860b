/*  wdm_report: the monitoring report — the annual report (年度监测报告) or
    the final evaluation (终期监测评估报告) — as one HTML page, as Markdown,
    or as CSV.  See wdm_report.h; `wdmon report` calls it.

    This module is the entry: it sets up the report being written
    (rp_report_t, see wdm_report_int.h), has it loaded (wdm_report_load),
    classified (wdm_report_classify) and written part by part, and owns the
    errors and the one query helper the parts share.  It owns nothing
    beyond the call.  Memory follows the catalog — about a hundred
    indicators, a few years each — and the lists that grow with the data
    (warnings, value notes) are capped at a fixed length, the rest only
    counted.

    Every text that comes from the database is escaped for the form it is
    written in: HTML entities, Markdown backslashes, RFC 4180 quotes.  */

#include "wdm_report_int.h"
#include "wdm_db.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void
rp_fail (rp_report_t *self, const char *format, ...)
{
    if (!self->err || self->err_size == 0)
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (self->err, self->err_size, format, args);
    va_end (args);
    size_t len = strlen (self->err);
    while (len > 0 && (self->err [len - 1] == '\n' || self->err [len - 1] == ' '))
        self->err [--len] = '\0';
}

//  Run one query that returns rows.  The result, or NULL with err set.
PGresult *
rp_query (rp_report_t *self, const char *what, const char *sql, int count, const char *const *params)
{
    char err [512];
    PGresult *res = wdm_db_query (self->conn, sql, count, params, PGRES_TUPLES_OK, err, sizeof err);
    if (!res)
        rp_fail (self, "reading %s: %s", what, err);
    return res;
}

static int
s_write_document (rp_report_t *self)
{
    if (self->scope)
        return rp_scope_write_document (self);
    rp_write_head (self);
    if (rp_write_leaders (self))
        return -1;
    rp_write_summary (self);
    rp_write_domains (self);
    if ((self->options->final ? rp_write_period_warnings (self) : rp_write_warnings (self))
        || rp_write_units (self) || rp_write_notes (self))
        return -1;
    if (self->html)
        rp_out (self, "</body>\n</html>\n");
    return 0;
}

//  --- The report -------------------------------------------------------------------

int
wdm_report_write (PGconn *conn, const wdm_report_options_t *options, FILE *out, wdm_report_summary_t *summary,
                  char *err, size_t err_size)
{
    assert (conn && options && out);
    rp_report_t self;
    memset (&self, 0, sizeof self);
    self.conn = conn;
    self.options = options;
    self.out = out;
    self.html = options->format == WDM_REPORT_HTML;
    self.english = options->english;
    self.err = err;
    self.err_size = err_size;
    if (err && err_size)
        err [0] = '\0';
    if (options->generated_at)
        snprintf (self.generated, sizeof self.generated, "%s", options->generated_at);
    else {
        //  In the office's time zone, labelled (UTC+8, no daylight saving).
        time_t now = time (NULL) + 8 * 3600;
        struct tm office;
        gmtime_r (&now, &office);
        strftime (self.generated, sizeof self.generated, "%Y-%m-%d %H:%M (北京时间 UTC+8)", &office);
    }
    int rc = -1;
    if (options->format != WDM_REPORT_HTML && options->format != WDM_REPORT_MARKDOWN
        && options->format != WDM_REPORT_CSV) {
        rp_fail (&self, "unknown format %d", (int)options->format);
        goto cleanup;
    }
    if (rp_load (&self))
        goto cleanup;
    rp_classify (&self);
    rp_scope_compact (&self);
    if (options->format == WDM_REPORT_CSV ? rp_write_csv (&self) : s_write_document (&self))
        goto cleanup;
    if (fflush (out) != 0 || ferror (out)) {
        rp_fail (&self, "writing the report failed");
        goto cleanup;
    }
    if (summary)
        *summary = self.sum;
    rc = 0;
cleanup:
    PQclear (self.plan);
    PQclear (self.district);
    PQclear (self.domains);
    PQclear (self.catalog);
    PQclear (self.scope);
    free (self.ind);
    return rc;
}
