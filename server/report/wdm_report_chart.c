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

//  A small chart of the district's path against its target (160 x 60).
//  The dashed line is the target; for a relation the other indicator's
//  path.  Hollow points are values rolled up from the towns.
void
rp_chart (rp_report_t *self, const rp_indicator_t *ind)
{
    const double left = 8, right = 152, top = 6, bottom = 44;
    int latest = rp_latest (self, ind);
    bool any = false;
    for (int y = 0; y < self->years; y++)
        any = any || ind->has [y];
    if (!any)
        return;
    const rp_indicator_t *other = ind->relation >= 0 ? &self->ind [ind->relation] : NULL;
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
    bool target_line = s_numeric_target (ind);
    if (target_line) {
        lo = fmin (lo, ind->target);
        hi = fmax (hi, ind->target);
    }
    if (!isfinite (lo) || !isfinite (hi))
        return;
    double pad = hi > lo ? (hi - lo) * 0.12 : fmax (fabs (hi) * 0.1, 1.0);
    lo -= pad;
    hi += pad;
    const char *colour = rp_status_colour (self, ind->status);
    rp_out (self,
            "<figure class=\"chart\"><svg viewBox=\"0 0 160 60\""
            " width=\"160\" height=\"60\" role=\"img\" aria-label=\"");
    rp_esc (self, self->english ? ind->name_en : ind->name_zh);
    rp_out (self, "\">");
    rp_outf (self,
             "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#ccc\""
             " stroke-width=\"0.6\"/>",
             left, bottom + 2, right, bottom + 2);
#define S_X(y) (self->years > 1 ? left + (right - left) * (y) / (self->years - 1) : (left + right) / 2)
#define S_Y(v) (bottom - ((v)-lo) / (hi - lo) * (bottom - top))
    if (target_line)
        rp_outf (self,
                 "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#a11d1d\""
                 " stroke-width=\"0.9\" stroke-dasharray=\"3 2\" opacity=\"0.8\"/>",
                 left, S_Y (ind->target), right, S_Y (ind->target));
    for (int pass = 0; pass < 2; pass++) {
        const rp_indicator_t *series = pass == 0 ? other : ind;
        if (!series)
            continue;
        int n = 0;
        for (int y = 0; y < self->years; y++)
            n += series->has [y];
        if (n > 1) {
            rp_out (self, "<polyline fill=\"none\" points=\"");
            for (int y = 0, k = 0; y < self->years; y++)
                if (series->has [y])
                    rp_outf (self, "%s%.1f,%.1f", k++ ? " " : "", S_X (y), S_Y (series->value [y]));
            if (pass == 0)
                rp_out (self, "\" stroke=\"#888\" stroke-width=\"1\" stroke-dasharray=\"2 2\"/>");
            else
                rp_outf (self, "\" stroke=\"%s\" stroke-width=\"1.6\"/>", colour);
        }
        if (pass == 1)
            for (int y = 0; y < self->years; y++)
                if (series->has [y])
                    rp_outf (self,
                             "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"%s\" stroke=\"%s\""
                             " stroke-width=\"1.2\"/>",
                             S_X (y), S_Y (series->value [y]), series->parts [y] ? "#fff" : colour, colour);
    }
    rp_outf (self, "<text x=\"%.0f\" y=\"57\" font-size=\"8\" fill=\"#777\">%d</text>", left, self->baseline);
    if (self->years > 1)
        rp_outf (self,
                 "<text x=\"%.0f\" y=\"57\" font-size=\"8\" fill=\"#777\" text-anchor=\"end\">%d</text>",
                 right, self->year);
#undef S_X
#undef S_Y
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
