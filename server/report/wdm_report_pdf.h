/*  wdm_report_pdf: the monitoring report as PDF.  The report's own HTML
    (wdm_report_write: inline CSS with its A4 print rules, inline SVG,
    Chinese text) is printed by a real browser engine — Debian's chromium,
    headless — run as a child process in a temporary directory of its own,
    with a time limit.  `wdmon report --format pdf` and the console's
    reports page (report.pdf) call it.  Why chromium: docs/CONSOLE.md.

    The engine is `chromium` on PATH, or the program WDM_PDF_ENGINE names
    (chromium-browser, or a wrapper); it is killed, with every process it
    started, after WDM_PDF_TIMEOUT seconds (default 60).  */

#ifndef WDM_REPORT_PDF_H_INCLUDED
#define WDM_REPORT_PDF_H_INCLUDED

#include "wdm_report.h"

#include <stddef.h>
#include <stdio.h>

//  Print html (size bytes, one self-contained page) to PDF.  0 with *pdf
//  (malloc'd, the caller frees) and *pdf_size; or -1 with err naming the
//  engine and what it did (its exit status or signal, the last line it
//  wrote to stderr, or the time limit), *pdf NULL: never an empty file.
int wdm_report_pdf_render (const char *html, size_t size, char **pdf, size_t *pdf_size, char *err,
                           size_t err_size);

//  Write the report (options->format is ignored: HTML, printed) to out as
//  PDF.  0 with summary filled (may be NULL), or -1 with err said
//  (the report's own error, or the engine's).
int wdm_report_write_pdf (PGconn *conn, const wdm_report_options_t *options, FILE *out,
                          wdm_report_summary_t *summary, char *err, size_t err_size);

#endif
