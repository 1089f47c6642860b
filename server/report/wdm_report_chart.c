/*  wdm_report_chart: the HTML report's inline SVG — a chart of an
    indicator's path against its target (small in the report; at full size,
    with axes, the projection and the time-progress line, for the
    console's indicator page through wdm_report_state), and the summary as
    one stacked bar.  The summary and domain parts and wdm_report_state
    call it; it owns nothing.  */

#include "wdm_report_int.h"
#include "wdm_rules.h"

#include <math.h>
#include <string.h>

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

//  --- The full-size chart ----------------------------------------------------

//  The linear trend of the plan years' values up to the year judged (the
//  unlikely rule's: wdm_rules_trend), projected to year: true with the
//  projection and its standard error (of a new value at that year; 0 with
//  two points), or false with fewer than two years.
static bool
s_projection (const rp_report_t *self, const rp_indicator_t *ind, int year, double *at, double *error)
{
    wdm_point_t points [RP_MAX_YEARS];
    memset (points, 0, sizeof points);
    int count = 0;
    for (int y = 0; y < self->years; y++)
        if (ind->has [y]) {
            points [count].year = self->baseline + y;
            points [count++].value = ind->value [y];
        }
    double slope, intercept;
    if (wdm_rules_trend (points, count, &slope, &intercept))
        return false;
    *at = intercept + slope * year;
    *error = 0;
    if (count > 2) {
        double mean = 0, sxx = 0, ssr = 0;
        for (int k = 0; k < count; k++)
            mean += points [k].year;
        mean /= count;
        for (int k = 0; k < count; k++) {
            double residual = points [k].value - (intercept + slope * points [k].year);
            sxx += (points [k].year - mean) * (points [k].year - mean);
            ssr += residual * residual;
        }
        double s = sqrt (ssr / (count - 2));
        *error = s * sqrt (1 + 1.0 / count + (year - mean) * (year - mean) / sxx);
    }
    return isfinite (*at) && isfinite (*error);
}

//  A label on the value axis at v.
static void
s_tick (rp_report_t *self, const s_frame_t *f, double v)
{
    rp_outf (self,
             "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
             "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#555\" text-anchor=\"end\">",
             f->left, s_y (f, v), f->right, s_y (f, v), f->left - 6, s_y (f, v) + 4);
    rp_esc (self, rp_num (v).text);
    rp_out (self, "</text>");
}

//  The indicator's chart at full size (640 x 300): values and years on the
//  axes; the district's values (hollow where rolled up from the towns),
//  each with data-year and data-value; the target's line from the plan's
//  first year (data-target); the time-progress line (时间过半任务过半)
//  from the baseline to the target in the target year; the trend's
//  projection to the plan's last year and its band of one standard error.
void
rp_chart_full (rp_report_t *self, const rp_indicator_t *ind)
{
    const int span_years = self->last - self->baseline + 1;
    s_frame_t f = { .left = 56, .right = 620, .top = 16, .bottom = 262, .years = span_years };
    const rp_indicator_t *other = ind->relation >= 0 ? &self->ind [ind->relation] : NULL;
    bool target_line = s_numeric_target (ind);
    if (!s_span (self, ind, other, target_line, &f))
        return;
    double projection = 0, error = 0;
    bool projected = self->year < self->last && s_projection (self, ind, self->last, &projection, &error);
    if (projected) {
        double pad = (f.hi - f.lo) * 0.05;
        f.lo = fmin (f.lo, projection - error - pad);
        f.hi = fmax (f.hi, projection + error + pad);
    }
    const char *colour = rp_status_colour (self, ind->status);
    rp_out (self,
            "<svg class=\"trend\" id=\"chart\" viewBox=\"0 0 640 300\" width=\"640\" height=\"300\""
            " role=\"img\" aria-label=\"");
    rp_esc (self, ind->name_zh);
    rp_outf (self, "\" data-code=\"");
    rp_esc (self, ind->code);
    rp_out (self, "\">");
    //  The value axis: round steps (1, 2 or 5 times a power of ten), four
    //  to eight of them.
    double step = pow (10, floor (log10 ((f.hi - f.lo) / 4)));
    if ((f.hi - f.lo) / step > 20)
        step *= 5;
    else if ((f.hi - f.lo) / step > 8)
        step *= 2;
    for (double v = ceil (f.lo / step) * step; v <= f.hi; v += step)
        s_tick (self, &f, fabs (v) < step * 1e-9 ? 0 : v);
    rp_outf (self, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#888\"/>", f.left,
             f.bottom, f.right, f.bottom);
    for (int y = 0; y < span_years; y++)
        rp_outf (self,
                 "<text class=\"year\" x=\"%.1f\" y=\"%.0f\" font-size=\"11\" fill=\"#555\""
                 " text-anchor=\"middle\">%d</text>",
                 s_x (&f, y), f.bottom + 18, self->baseline + y);
    if (target_line) {
        int from = self->first - self->baseline;
        rp_outf (self,
                 "<line class=\"target\" data-target=\"%.17g\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\""
                 " y2=\"%.1f\" stroke=\"#a11d1d\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"><title>",
                 ind->target, s_x (&f, from), s_y (&f, ind->target), f.right, s_y (&f, ind->target));
        rp_out (self, "目标 / target ");
        rp_esc (self, rp_amount (self, ind, ind->target).text);
        rp_out (self, "</title></line>");
        int to = ind->target_year - self->baseline;
        if (ind->has [0] && to > 0 && to < span_years)
            rp_outf (self,
                     "<line class=\"progress\" data-from=\"%.17g\" data-to=\"%.17g\" data-to-year=\"%d\""
                     " x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#6a1b9a\""
                     " stroke-width=\"1.2\" stroke-dasharray=\"2 3\"><title>时间进度 / time progress"
                     " (时间过半任务过半)</title></line>",
                     ind->value [0], ind->target, ind->target_year, s_x (&f, 0), s_y (&f, ind->value [0]),
                     s_x (&f, to), s_y (&f, ind->target));
    }
    int latest = rp_latest (self, ind);
    if (latest < 0 && ind->has [0])
        latest = 0;
    if (projected && latest >= 0) {
        int end = span_years - 1;
        rp_outf (self,
                 "<polygon class=\"band\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"%s\""
                 " opacity=\"0.15\"/>",
                 s_x (&f, latest), s_y (&f, ind->value [latest]), s_x (&f, end), s_y (&f, projection + error),
                 s_x (&f, end), s_y (&f, projection - error), colour);
        rp_outf (self,
                 "<line class=\"projection\" data-year=\"%d\" data-value=\"%.17g\" data-error=\"%.17g\""
                 " x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.2\""
                 " stroke-dasharray=\"4 3\"><title>",
                 self->last, projection, error, s_x (&f, latest), s_y (&f, ind->value [latest]),
                 s_x (&f, end), s_y (&f, projection), colour);
        rp_outf (self, "按线性趋势 %d 年预计 / projected for %d: ", self->last, self->last);
        rp_esc (self, rp_amount (self, ind, projection).text);
        rp_out (self, " ± ");
        rp_esc (self, rp_num (error).text);
        rp_out (self, "</title></line>");
    }
    if (other)
        s_path (self, &f, other, "\" stroke=\"#888\" stroke-width=\"1.2\" stroke-dasharray=\"2 2\"/>");
    char stroke [80];
    snprintf (stroke, sizeof stroke, "\" stroke=\"%s\" stroke-width=\"2.4\"/>", colour);
    s_path (self, &f, ind, stroke);
    for (int y = 0; y < self->years; y++)
        if (ind->has [y]) {
            rp_outf (self,
                     "<circle class=\"point\" data-year=\"%d\" data-value=\"%.17g\" cx=\"%.1f\" cy=\"%.1f\""
                     " r=\"4\" fill=\"%s\" stroke=\"%s\" stroke-width=\"1.6\"><title>%d: ",
                     self->baseline + y, ind->value [y], s_x (&f, y), s_y (&f, ind->value [y]),
                     ind->parts [y] ? "#fff" : colour, colour, self->baseline + y);
            rp_esc (self, rp_amount (self, ind, ind->value [y]).text);
            rp_out (self, "</title></circle>");
            rp_outf (self,
                     "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#333\" text-anchor=\"middle\">",
                     s_x (&f, y), s_y (&f, ind->value [y]) - 8);
            rp_esc (self, rp_num (ind->value [y]).text);
            rp_out (self, "</text>");
        }
    rp_out (self, "</svg>\n");
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
