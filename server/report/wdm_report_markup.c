/*  wdm_report_markup: the report's HTML and Markdown primitives — raw
    output, escaped text, headings, paragraphs, list items, tables, rows
    and cells — one function for both forms, as self->html says.  The parts
    call it; it writes to self->out and owns nothing.  */

#include "wdm_report_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

//  Our own markup and numbers, as they are.
void
rp_outf (rp_report_t *self, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    vfprintf (self->out, format, args);
    va_end (args);
}

void
rp_out (rp_report_t *self, const char *text)
{
    fputs (text, self->out);
}

//  Text from the database (or any text), escaped for HTML or Markdown.
//  Markdown: the characters that are markup get a backslash, <, > and &
//  become entities (renderers pass raw HTML through), line breaks become
//  spaces so that a table row stays one line.
void
rp_esc (rp_report_t *self, const char *text)
{
    if (!text)
        return;
    for (const char *p = text; *p; p++) {
        char c = *p;
        const char *entity = NULL;
        switch (c) {
            case '&': entity = "&amp;"; break;
            case '<': entity = "&lt;"; break;
            case '>': entity = "&gt;"; break;
            case '"': entity = self->html ? "&quot;" : NULL; break;
            case '\'': entity = self->html ? "&#39;" : NULL; break;
            default: break;
        }
        if (entity)
            fputs (entity, self->out);
        else if (!self->html && (c == '\n' || c == '\r'))
            fputc (' ', self->out);
        else {
            if (!self->html && strchr ("\\`*_[]|#~", c))
                fputc ('\\', self->out);
            fputc (c, self->out);
        }
    }
}

void
rp_heading (rp_report_t *self, int level, const char *id, const char *text)
{
    if (self->html) {
        rp_outf (self, "<h%d id=\"%s\">", level, id);
        rp_esc (self, text);
        rp_outf (self, "</h%d>\n", level);
    } else {
        for (int i = 0; i < level; i++)
            rp_out (self, "#");
        rp_out (self, " ");
        rp_esc (self, text);
        rp_out (self, "\n\n");
    }
}

void
rp_para_open (rp_report_t *self, const char *cls)
{
    if (self->html)
        rp_outf (self, "<p class=\"%s\">", cls);
}

void
rp_para_close (rp_report_t *self)
{
    rp_out (self, self->html ? "</p>\n" : "\n\n");
}

void
rp_item_open (rp_report_t *self)
{
    rp_out (self, self->html ? "<li>" : "- ");
}

void
rp_item_close (rp_report_t *self)
{
    rp_out (self, self->html ? "</li>\n" : "\n");
}

//  A table: heads[i] is the column's heading, numeric columns are right
//  aligned.  Headings are escaped.
void
rp_table_open (rp_report_t *self, const char *cls, const char *const *heads, const bool *numeric, int columns)
{
    if (self->html) {
        rp_outf (self, "<table class=\"%s\">\n<thead><tr>", cls);
        for (int i = 0; i < columns; i++) {
            rp_out (self, numeric [i] ? "<th class=\"num\">" : "<th>");
            rp_esc (self, heads [i]);
            rp_out (self, "</th>");
        }
        rp_out (self, "</tr></thead>\n<tbody>\n");
    } else {
        rp_out (self, "|");
        for (int i = 0; i < columns; i++) {
            rp_out (self, " ");
            rp_esc (self, heads [i]);
            rp_out (self, " |");
        }
        rp_out (self, "\n|");
        for (int i = 0; i < columns; i++)
            rp_out (self, numeric [i] ? "---:|" : "---|");
        rp_out (self, "\n");
    }
}

void
rp_table_close (rp_report_t *self)
{
    rp_out (self, self->html ? "</tbody>\n</table>\n" : "\n");
}

//  A row; id and cls may be NULL.
void
rp_row_open (rp_report_t *self, const char *id, const char *cls)
{
    if (self->html) {
        rp_out (self, "<tr");
        if (id) {
            rp_out (self, " id=\"");
            rp_esc (self, id);
            rp_out (self, "\"");
        }
        if (cls)
            rp_outf (self, " class=\"%s\"", cls);
        rp_out (self, ">");
    } else
        rp_out (self, "|");
}

void
rp_row_close (rp_report_t *self)
{
    rp_out (self, self->html ? "</tr>\n" : "\n");
}

void
rp_cell_open (rp_report_t *self, const char *cls)
{
    if (self->html) {
        if (cls)
            rp_outf (self, "<td class=\"%s\">", cls);
        else
            rp_out (self, "<td>");
    } else
        rp_out (self, " ");
}

void
rp_cell_close (rp_report_t *self)
{
    rp_out (self, self->html ? "</td>" : " |");
}

//  A cell holding one text, escaped.
void
rp_cell (rp_report_t *self, const char *cls, const char *text)
{
    rp_cell_open (self, cls);
    rp_esc (self, text);
    rp_cell_close (self);
}

void
rp_cell_int (rp_report_t *self, const char *id, int value)
{
    if (self->html && id)
        rp_outf (self, "<td class=\"num\" id=\"%s\">%d</td>", id, value);
    else {
        rp_cell_open (self, "num");
        rp_outf (self, "%d", value);
        rp_cell_close (self);
    }
}
