/*  wdm_report_chart: the HTML report's inline SVG — a small chart of an
    indicator's path against its target, and the summary as one stacked
    bar.  The summary and domain parts call it; it owns nothing.  */

#include "wdm_report_int.h"

#include <math.h>

static bool
s_numeric_target (const rp_indicator_t *ind)
{
    return ind->has_target
        && (ind->kind == WDM_TARGET_UPPER_BOUND || ind->kind == WDM_TARGET_LOWER_BOUND
            || ind->kind == WDM_TARGET_REACH || ind->kind == WDM_TARGET_KEEP_ABOVE
            || ind->kind == WDM_TARGET_BALANCE || ind->kind == WDM_TARGET_MIN_COUNT);
}

//  A chart's drawing area (in the SVG's units) and the values it spans.
typedef struct {
    double left, right, top, bottom;
    double lo, hi;  //  the values at the bottom and at the top
    int years;      //  points across, baseline year first
} s_frame_t;

//  Where year index y and value v stand in the frame.
static double
s_x (const s_frame_t *f, int y)
{
    return f->years > 1 ? f->left + (f->right - f->left) * y / (f->years - 1) : (f->left + f->right) / 2;
}

static double
s_y (const s_frame_t *f, double v)
{
    return f->bottom - (v - f->lo) / (f->hi - f->lo) * (f->bottom - f->top);
}

//  The values the chart spans: the indicator's, the other's of a relation
//  and the target when it is drawn, padded; false when there is nothing
//  finite to draw.
static bool
s_span (const rp_report_t *self, const rp_indicator_t *ind, const rp_indicator_t *other, bool target_line,
        s_frame_t *f)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int y = 0; y < self->years; y++) {
        if (ind->has [y]) {
            lo = fmin (lo, ind->value [y]);
            hi = fmax (hi, ind->value [y]);
        }
        if (other && other->has [y]) {
            lo = fmin (lo, other->value [y]);
            hi = fmax (hi, other->value [y]);
        }
    }
    if (target_line) {
        lo = fmin (lo, ind->target);
        hi = fmax (hi, ind->target);
    }
    if (!isfinite (lo) || !isfinite (hi))
        return false;
    double pad = hi > lo ? (hi - lo) * 0.12 : fmax (fabs (hi) * 0.1, 1.0);
    f->lo = lo - pad;
    f->hi = hi + pad;
    return true;
}

//  A series' path, when it has two points or more, ending in stroke (the
//  line's attributes and the tag's close).
static void
s_path (rp_report_t *self, const s_frame_t *f, const rp_indicator_t *series, const char *stroke)
{
    int n = 0;
    for (int y = 0; y < self->years; y++)
        n += series->has [y];
    if (n < 2)
        return;
    rp_out (self, "<polyline fill=\"none\" points=\"");
    for (int y = 0, k = 0; y < self->years; y++)
        if (series->has [y])
            rp_outf (self, "%s%.1f,%.1f", k++ ? " " : "", s_x (f, y), s_y (f, series->value [y]));
    rp_out (self, stroke);
}

//  The chart's caption: the code, the name and the latest value.
static void
s_caption (rp_report_t *self, const rp_indicator_t *ind)
{
    int latest = rp_latest (self, ind);
    rp_out (self, "</svg><figcaption><span class=\"code\">");
    rp_esc (self, ind->code);
    rp_out (self, "</span> ");
    rp_esc (self, self->english ? ind->name_en : ind->name_zh);
    if (latest >= 0) {
        rp_out (self, " · ");
        rp_esc (self, rp_amount (self, ind, ind->value [latest]).text);
    }
    rp_out (self, "</figcaption></figure>\n");
}

//  A small chart of the district's path against its target (160 x 60).
//  The dashed line is the target; for a relation the other indicator's
//  path.  Hollow points are values rolled up from the towns.
void
rp_chart (rp_report_t *self, const rp_indicator_t *ind)
{
    bool any = false;
    for (int y = 0; y < self->years; y++)
        any = any || ind->has [y];
    if (!any)
        return;  //  no value in any year: no chart
    s_frame_t f = { .left = 8, .right = 152, .top = 6, .bottom = 44, .years = self->years };
    const rp_indicator_t *other = ind->relation >= 0 ? &self->ind [ind->relation] : NULL;
    bool target_line = s_numeric_target (ind);
    if (!s_span (self, ind, other, target_line, &f))
        return;
    const char *colour = rp_status_colour (self, ind->status);
    rp_out (self,
            "<figure class=\"chart\"><svg viewBox=\"0 0 160 60\""
            " width=\"160\" height=\"60\" role=\"img\" aria-label=\"");
    rp_esc (self, self->english ? ind->name_en : ind->name_zh);
    rp_out (self, "\">");
    rp_outf (self,
             "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#ccc\""
             " stroke-width=\"0.6\"/>",
             f.left, f.bottom + 2, f.right, f.bottom + 2);
    if (target_line)
        rp_outf (self,
                 "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#a11d1d\""
                 " stroke-width=\"0.9\" stroke-dasharray=\"3 2\" opacity=\"0.8\"/>",
                 f.left, s_y (&f, ind->target), f.right, s_y (&f, ind->target));
    if (other)
        s_path (self, &f, other, "\" stroke=\"#888\" stroke-width=\"1\" stroke-dasharray=\"2 2\"/>");
    char stroke [80];
    snprintf (stroke, sizeof stroke, "\" stroke=\"%s\" stroke-width=\"1.6\"/>", colour);
    s_path (self, &f, ind, stroke);
    for (int y = 0; y < self->years; y++)
        if (ind->has [y])
            rp_outf (self,
                     "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"%s\" stroke=\"%s\""
                     " stroke-width=\"1.2\"/>",
                     s_x (&f, y), s_y (&f, ind->value [y]), ind->parts [y] ? "#fff" : colour, colour);
    rp_outf (self, "<text x=\"%.0f\" y=\"57\" font-size=\"8\" fill=\"#777\">%d</text>", f.left,
             self->baseline);
    if (self->years > 1)
        rp_outf (self,
                 "<text x=\"%.0f\" y=\"57\" font-size=\"8\" fill=\"#777\" text-anchor=\"end\">%d</text>",
                 f.right, self->year);
    s_caption (self, ind);
}

//  The summary as one stacked bar.
void
rp_summary_bar (rp_report_t *self)
{
    rp_status_t order [5];
    int n = rp_summary_order (self, order);
    if (self->sum.indicators == 0)
        return;
    rp_out (self,
            "<div class=\"bar\"><svg viewBox=\"0 0 600 26\""
            " width=\"600\" height=\"26\" role=\"img\">");
    double x = 0;
    for (int k = 0; k < n; k++) {
        int count = rp_summary_count (self, order [k]);
        if (count == 0)
            continue;
        double width = 600.0 * count / self->sum.indicators;
        rp_outf (self, "<rect x=\"%.2f\" y=\"0\" width=\"%.2f\" height=\"26\" fill=\"%s\"/>", x, width,
                 rp_status_colour (self, order [k]));
        if (width >= 22)
            rp_outf (self,
                     "<text x=\"%.2f\" y=\"17\" font-size=\"11\" fill=\"#fff\""
                     " text-anchor=\"middle\">%d</text>",
                     x + width / 2, count);
        x += width;
    }
    rp_out (self, "</svg></div>\n");
}
