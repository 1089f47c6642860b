/*  wdm_rules: the warning rules of the plan's monitoring, as pure
    functions.  See wdm_rules.h for the contracts and docs/WARNINGS.md for
    the formulas, levels and thresholds.

    wdm_warn gathers a series from the database and calls these; nothing
    here touches the database, the clock or a global, and nothing prints.
    Findings go into the caller's array; the only memory taken is scratch
    for a median, freed before the function returns.  */

#include "wdm_rules.h"
#include "wdm_number.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Iglewicz and Hoaglin's constants: 0.6745 makes the MAD of a normal
//  sample estimate its standard deviation; 1.2533 (sqrt (pi / 2)) does
//  the same for the mean absolute deviation.
#define S_Z_MAD  0.6745
#define S_Z_MEAN 1.2533

//  How many years a keep-above message lists before it adds "等" / "and more".
#define S_MAX_LISTED_YEARS 12

static const char *const s_rule_codes [WDM_RULE_COUNT] = {
    [WDM_RULE_NOT_MET] = "not_met",
    [WDM_RULE_BEHIND] = "behind_schedule",
    [WDM_RULE_UNLIKELY] = "unlikely",
    [WDM_RULE_FLUCTUATING] = "fluctuating",
    [WDM_RULE_WRONG_DIRECTION] = "wrong_direction",
    [WDM_RULE_RELATION] = "relation_broken",
    [WDM_RULE_MIN_COUNT] = "min_count",
    [WDM_RULE_MISSING] = "missing",
    [WDM_RULE_IMPLAUSIBLE] = "implausible",
};

//  The thresholds as rule_threshold names them, and where each goes.
typedef struct {
    const char *rule;
    const char *param;
    size_t offset;
    double value;                   //  the default
} s_threshold_info_t;

#define S_AT(field) offsetof (wdm_thresholds_t, field)

static const s_threshold_info_t s_thresholds [] = {
    { "behind_schedule", "yellow_pp",          S_AT (behind_yellow_pp),      10 },
    { "behind_schedule", "red_pp",             S_AT (behind_red_pp),         30 },
    { "unlikely",        "min_years",          S_AT (unlikely_min_years),    3 },
    { "unlikely",        "on_track_ratio",     S_AT (unlikely_on_track),     0.95 },
    { "unlikely",        "limited_ratio",      S_AT (unlikely_limited),      0.6 },
    { "fluctuating",     "modified_z",         S_AT (fluct_z),               3.5 },
    { "fluctuating",     "min_years",          S_AT (fluct_min_changes),     4 },
    { "fluctuating",     "limit_pct",          S_AT (fluct_limit_pct),       30 },
    { "fluctuating",     "pool_min",           S_AT (fluct_pool_min),        8 },
    { "fluctuating",     "limit_pp",           S_AT (fluct_limit_pp),        0 },
    { "wrong_direction", "red_consecutive",    S_AT (wrong_red_consecutive), 2 },
    { "relation_broken", "red_pp",             S_AT (relation_red_pp),       5 },
    { "relation_broken", "similar_pp",         S_AT (relation_similar_pp),   10 },
    { "not_met",         "balance_pp",         S_AT (balance_pp),            5 },
    { "missing",         "yellow_days_before", S_AT (missing_yellow_days),   14 },
    { "implausible",     "peer_modified_z",    S_AT (peer_z),                3.5 },
    { "implausible",     "peer_min",           S_AT (peer_min),              5 },
    { "implausible",     "revision_pct",       S_AT (revision_pct),          10 },
};

#define S_THRESHOLD_COUNT (int) (sizeof s_thresholds / sizeof s_thresholds [0])

const char *
wdm_rule_code (wdm_rule_t rule)
{
    if ((int) rule < 0 || rule >= WDM_RULE_COUNT)
        return "unknown";
    return s_rule_codes [rule];
}

void
wdm_thresholds_default (wdm_thresholds_t *self)
{
    memset (self, 0, sizeof *self);
    for (int i = 0; i < S_THRESHOLD_COUNT; i++)
        *(double *) ((char *) self + s_thresholds [i].offset) = s_thresholds [i].value;
}

int
wdm_thresholds_set (wdm_thresholds_t *self, const char *rule, const char *param, double value)
{
    //  A NaN or infinite threshold would silently switch a rule off (every
    //  comparison with NaN is false): refuse it like an unknown name.
    if (!rule || !param || !isfinite (value))
        return -1;
    for (int i = 0; i < S_THRESHOLD_COUNT; i++)
        if (strcmp (rule, s_thresholds [i].rule) == 0
        &&  strcmp (param, s_thresholds [i].param) == 0) {
            *(double *) ((char *) self + s_thresholds [i].offset) = value;
            return 0;
        }
    return -1;
}

//  ---------------------------------------------------------------------
//  Numbers

//  Comparisons are the judgement's (wdm_judge), allowing rounding: values
//  come from decimal reports, and 9.1 - 8.5 is 0.59999999999999964 in
//  binary, yet a value exactly at a threshold counts as at it.
#define s_gt wdm_judge_gt
#define s_ge wdm_judge_ge
#define s_lt wdm_judge_lt
#define s_le wdm_judge_le

static int
s_compare_doubles (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

double
wdm_rules_median (double *values, int count)
{
    if (!values || count <= 0)
        return NAN;
    qsort (values, (size_t) count, sizeof values [0], s_compare_doubles);
    if (count % 2)
        return values [count / 2];
    return (values [count / 2 - 1] + values [count / 2]) / 2;
}

int
wdm_rules_trend (const wdm_point_t *points, int count, double *slope, double *intercept)
{
    if (!points || count < 2)
        return -1;
    //  Centred on the mean year: years near 2020 squared would lose the
    //  digits that the slope is made of.
    double mean_x = 0, mean_y = 0;
    for (int i = 0; i < count; i++) {
        mean_x += points [i].year;
        mean_y += points [i].value;
    }
    mean_x /= count;
    mean_y /= count;
    double sxx = 0, sxy = 0;
    for (int i = 0; i < count; i++) {
        double dx = points [i].year - mean_x;
        sxx += dx * dx;
        sxy += dx * (points [i].value - mean_y);
    }
    if (sxx <= 0)
        return -1;                  //  one distinct year: no line
    *slope = sxy / sxx;
    *intercept = mean_y - *slope * mean_x;
    return 0;
}

//  How far x lies from a sample, robustly (Iglewicz and Hoaglin's
//  modified z-score): 0.6745 (x - median) / MAD.  Where the MAD is 0 (more
//  than half the sample at its median), (x - median) / (1.2533 x the mean
//  absolute deviation from the median); where that is 0 too, the sample
//  is one value and any x off it is infinitely far.
typedef struct {
    double z;
    double median;
    double spread;                  //  MAD, or the mean absolute deviation
    const char *method;             //  "mad", "mean_ad" or "constant"
} s_robust_t;

//  A sample's median and its spreads about it.  0, or -1 if memory is short.
static int
s_spread (const double *sample, int count, wdm_pool_t *spread)
{
    double *work = malloc ((size_t) count * sizeof *work);
    if (!work)
        return -1;
    memcpy (work, sample, (size_t) count * sizeof *work);
    double median = wdm_rules_median (work, count);
    double mean_ad = 0;
    for (int i = 0; i < count; i++) {
        //  Rounding noise is no deviation: without this, changes that are
        //  all "0.2" would show a MAD of 1e-16 and any other change an
        //  enormous z.
        double deviation = fabs (sample [i] - median);
        work [i] = wdm_judge_eq (sample [i], median) ? 0 : deviation;
        mean_ad += work [i];
    }
    spread->count = count;
    spread->median = median;
    spread->mean_ad = mean_ad / count;
    spread->mad = wdm_rules_median (work, count);
    free (work);
    return 0;
}

static void
s_z (double x, const wdm_pool_t *spread, s_robust_t *result)
{
    double off = x - spread->median;
    if (wdm_judge_eq (x, spread->median))
        off = 0;
    result->median = spread->median;
    if (spread->mad > 0) {
        result->z = S_Z_MAD * off / spread->mad;
        result->spread = spread->mad;
        result->method = "mad";
    }
    else
    if (spread->mean_ad > 0) {
        result->z = off / (S_Z_MEAN * spread->mean_ad);
        result->spread = spread->mean_ad;
        result->method = "mean_ad";
    }
    else {
        result->z = off == 0 ? 0 : copysign (INFINITY, off);
        result->spread = 0;
        result->method = "constant";
    }
}

//  0, or -1 if memory is short.
static int
s_robust_z (double x, const double *sample, int count, s_robust_t *result)
{
    wdm_pool_t spread;
    if (s_spread (sample, count, &spread))
        return -1;
    s_z (x, &spread, result);
    return 0;
}

//  Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
//  days_from_civil): no time zone, no C library local time.
static long
s_days_from_civil (long year, int month, int day)
{
    year -= month <= 2;
    long era = (year >= 0 ? year : year - 399) / 400;
    long year_of_era = year - era * 400;
    long day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    long day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

static int
s_days_in_month (int year, int month)
{
    static const int days [12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days [month - 1];
}

//  ---------------------------------------------------------------------
//  Text

typedef struct {
    char text [160];
} s_text_t;

//  A cut in the middle of a UTF-8 character would make text PostgreSQL
//  refuses: drop a trailing incomplete character.
static void
s_utf8_trim (char *text)
{
    size_t len = strlen (text);
    if (len == 0)
        return;
    size_t lead = len - 1;
    while (lead > 0 && ((unsigned char) text [lead] & 0xC0) == 0x80)
        lead--;
    unsigned char byte = (unsigned char) text [lead];
    size_t need = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1;
    if (lead + need > len)
        text [lead] = '\0';
}

static void
s_say (char *buffer, size_t size, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

static void
s_say (char *buffer, size_t size, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int len = vsnprintf (buffer, size, format, args);
    va_end (args);
    if (len < 0)
        buffer [0] = '\0';
    else
    if ((size_t) len >= size)
        s_utf8_trim (buffer);
}

static void
s_append (char *buffer, size_t size, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

//  Add to the text in buffer, cut to fit like s_say.
static void
s_append (char *buffer, size_t size, const char *format, ...)
{
    size_t used = strlen (buffer);
    if (used + 1 >= size)
        return;
    va_list args;
    va_start (args, format);
    int len = vsnprintf (buffer + used, size - used, format, args);
    va_end (args);
    if (len < 0)
        buffer [used] = '\0';
    else
    if ((size_t) len >= size - used)
        s_utf8_trim (buffer);
}

//  A value as people write it: two decimals at most, no trailing zeros.
static s_text_t
s_num (double value)
{
    s_text_t t;
    if (isnan (value))
        snprintf (t.text, sizeof t.text, "%s", "-");
    else
    if (isinf (value))
        snprintf (t.text, sizeof t.text, "%s", value > 0 ? "∞" : "-∞");
    else
        wdm_number_text (value, t.text, sizeof t.text);
    return t;
}

//  The same for an English message, which stays ASCII.
static s_text_t
s_num_en (double value)
{
    s_text_t t;
    if (isinf (value)) {
        snprintf (t.text, sizeof t.text, "%s", value > 0 ? "infinite" : "-infinite");
        return t;
    }
    return s_num (value);
}

//  A share or a score with one decimal, as the monitoring reports write
//  them ("落后于时间进度12.0个百分点").
static s_text_t
s_fix1 (double value)
{
    s_text_t t;
    if (!isfinite (value))
        return s_num (value);
    snprintf (t.text, sizeof t.text, "%.1f", round (value * 10) / 10);
    if (strcmp (t.text, "-0.0") == 0)
        snprintf (t.text, sizeof t.text, "%s", "0.0");
    return t;
}

//  A number in the details object; JSON has no infinity.
static s_text_t
s_json (double value)
{
    s_text_t t;
    if (isfinite (value))
        snprintf (t.text, sizeof t.text, "%.6g", value);
    else
        snprintf (t.text, sizeof t.text, "%s", "null");
    return t;
}

static bool
s_percent (const wdm_rule_indicator_t *indicator)
{
    return strcmp (indicator->unit_zh, "%") == 0;
}

//  A value with its unit: "9.1/10万" / "9.1 per 100,000".
static s_text_t
s_amount_zh (const wdm_rule_indicator_t *indicator, double value)
{
    s_text_t t;
    s_say (t.text, sizeof t.text, "%s%s", s_num (value).text, indicator->unit_zh);
    return t;
}

//  The English unit after a number: one of a counted unit is singular
//  ("1 person", "1 minute per day"), so its first word loses its "s".
static s_text_t
s_unit_en (const wdm_rule_indicator_t *indicator, const char *number)
{
    s_text_t t;
    s_say (t.text, sizeof t.text, "%s", indicator->unit_en);
    if (strcmp (number, "1") != 0)
        return t;
    char *word = t.text + strspn (t.text, " ");
    size_t len = strcspn (word, " ");
    if (len > 1 && word [len - 1] == 's')
        memmove (word + len - 1, word + len, strlen (word + len) + 1);
    return t;
}

static s_text_t
s_amount_en (const wdm_rule_indicator_t *indicator, double value)
{
    s_text_t t;
    s_text_t number = s_num (value);
    s_say (t.text, sizeof t.text, "%s%s", number.text, s_unit_en (indicator, number.text).text);
    return t;
}

//  A difference in the indicator's unit: percentages differ by percentage
//  points, not by percent.  signed_ puts "+" or "-" in front; otherwise
//  the magnitude is shown and the sentence says which way.
static s_text_t
s_delta_zh (const wdm_rule_indicator_t *indicator, double delta, bool signed_)
{
    s_text_t t;
    const char *sign = !signed_ ? "" : delta > 0 ? "+" : delta < 0 ? "-" : "";
    s_text_t size = s_num (fabs (delta));
    if (s_percent (indicator))
        s_say (t.text, sizeof t.text, "%s%s个百分点", sign, size.text);
    else
        s_say (t.text, sizeof t.text, "%s%s%s", sign, size.text, indicator->unit_zh);
    return t;
}

static s_text_t
s_delta_en (const wdm_rule_indicator_t *indicator, double delta, bool signed_)
{
    s_text_t t;
    const char *sign = !signed_ ? "" : delta > 0 ? "+" : delta < 0 ? "-" : "";
    s_text_t size = s_num (fabs (delta));
    if (s_percent (indicator))
        s_say (t.text, sizeof t.text, "%s%s percentage point%s", sign, size.text,
               strcmp (size.text, "1") == 0 ? "" : "s");
    else
        s_say (t.text, sizeof t.text, "%s%s%s", sign, size.text, s_unit_en (indicator, size.text).text);
    return t;
}

//  Percentage points, the unit of the behind-schedule and balance rules.
static s_text_t
s_points_en (const char *size)
{
    s_text_t t;
    s_say (t.text, sizeof t.text, "%s percentage point%s", size, strcmp (size, "1") == 0 ? "" : "s");
    return t;
}

//  The target in the plan's own sense: "控制在8.5/10万以下".
static s_text_t
s_target_zh (const wdm_rule_indicator_t *indicator)
{
    s_text_t t;
    s_text_t x = s_amount_zh (indicator, indicator->target);
    switch (indicator->kind) {
        case WDM_TARGET_UPPER_BOUND: s_say (t.text, sizeof t.text, "控制在%s以下", x.text); break;
        case WDM_TARGET_LOWER_BOUND: s_say (t.text, sizeof t.text, "达到%s以上", x.text); break;
        case WDM_TARGET_REACH:       s_say (t.text, sizeof t.text, "达到%s", x.text); break;
        case WDM_TARGET_KEEP_ABOVE:  s_say (t.text, sizeof t.text, "保持在%s以上", x.text); break;
        case WDM_TARGET_BALANCE:     s_say (t.text, sizeof t.text, "保持均衡(%s左右)", x.text); break;
        case WDM_TARGET_MIN_COUNT:   s_say (t.text, sizeof t.text, "至少配备%s", x.text); break;
        case WDM_TARGET_INCREASE:    s_say (t.text, sizeof t.text, "%s", "逐步提高"); break;
        case WDM_TARGET_DECREASE:    s_say (t.text, sizeof t.text, "%s", "逐步降低"); break;
        case WDM_TARGET_CURB_RISE:   s_say (t.text, sizeof t.text, "%s", "上升趋势减缓"); break;
        case WDM_TARGET_NARROW_GAP:  s_say (t.text, sizeof t.text, "%s", "缩小差距"); break;
        default:                     s_say (t.text, sizeof t.text, "%s", "规划目标"); break;
    }
    return t;
}

static s_text_t
s_target_en (const wdm_rule_indicator_t *indicator)
{
    s_text_t t;
    s_text_t x = s_amount_en (indicator, indicator->target);
    switch (indicator->kind) {
        case WDM_TARGET_UPPER_BOUND: s_say (t.text, sizeof t.text, "at most %s", x.text); break;
        case WDM_TARGET_LOWER_BOUND: s_say (t.text, sizeof t.text, "at least %s", x.text); break;
        case WDM_TARGET_REACH:       s_say (t.text, sizeof t.text, "reaching %s", x.text); break;
        case WDM_TARGET_KEEP_ABOVE:
            s_say (t.text, sizeof t.text, "staying at or above %s every year", x.text);
            break;
        case WDM_TARGET_BALANCE:     s_say (t.text, sizeof t.text, "a balance near %s", x.text); break;
        case WDM_TARGET_MIN_COUNT:   s_say (t.text, sizeof t.text, "at least %s", x.text); break;
        case WDM_TARGET_INCREASE:    s_say (t.text, sizeof t.text, "%s", "a steady increase"); break;
        case WDM_TARGET_DECREASE:    s_say (t.text, sizeof t.text, "%s", "a steady decrease"); break;
        case WDM_TARGET_CURB_RISE:   s_say (t.text, sizeof t.text, "%s", "a slowing rise"); break;
        case WDM_TARGET_NARROW_GAP:  s_say (t.text, sizeof t.text, "%s", "a narrowing gap"); break;
        default:                     s_say (t.text, sizeof t.text, "%s", "the plan's target"); break;
    }
    return t;
}

//  Text as the inside of a JSON string, cut to fit.
static s_text_t
s_json_string (const char *text)
{
    s_text_t t;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *) text; *p && n + 7 < sizeof t.text; p++) {
        if (*p == '"' || *p == '\\') {
            t.text [n++] = '\\';
            t.text [n++] = (char) *p;
        }
        else
        if (*p < 0x20)
            n += (size_t) snprintf (t.text + n, sizeof t.text - n, "\\u%04x", *p);
        else
            t.text [n++] = (char) *p;
    }
    t.text [n] = '\0';
    s_utf8_trim (t.text);
    return t;
}

//  ---------------------------------------------------------------------
//  Findings

//  What every rule needs: the indicator, the place, the thresholds, and
//  where its findings go.
typedef struct {
    const wdm_rule_indicator_t *indicator;
    const char *place_zh;
    const char *place_en;
    const wdm_thresholds_t *thresholds;
    const wdm_pool_t *pool;         //  the indicator's pooled changes, or NULL
    wdm_finding_t *out;
    int max;
    int count;
} s_context_t;

static s_context_t
s_context (const wdm_rule_indicator_t *indicator, wdm_place_t place,
           const wdm_thresholds_t *thresholds, wdm_finding_t *out, int max)
{
    s_context_t self = {
        .indicator = indicator,
        .place_zh = place.zh ? place.zh : "",
        .place_en = place.en ? place.en : "",
        .thresholds = thresholds,
        .pool = NULL,
        .out = out,
        .max = out && max > 0 ? max : 0,
        .count = 0
    };
    return self;
}

//  The next finding, cleared, or NULL when max are written.
static wdm_finding_t *
s_add (s_context_t *self, wdm_rule_t rule, int level, int year, double value)
{
    if (self->count >= self->max)
        return NULL;
    wdm_finding_t *finding = &self->out [self->count++];
    memset (finding, 0, sizeof *finding);
    finding->rule = rule;
    finding->level = level;
    finding->year = year;
    finding->value = value;
    snprintf (finding->details, sizeof finding->details, "%s", "{}");
    return finding;
}

static void
s_details (wdm_finding_t *finding, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

//  The figures behind a finding.  A JSON object cut short is no JSON at
//  all, so one that does not fit becomes {} (the message still says it).
static void
s_details (wdm_finding_t *finding, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int len = vsnprintf (finding->details, sizeof finding->details, format, args);
    va_end (args);
    if (len < 0 || (size_t) len >= sizeof finding->details)
        snprintf (finding->details, sizeof finding->details, "%s", "{}");
}

//  Sorted by year, one per year, finite values: what the rules assume.
static bool
s_series_ok (const wdm_point_t *points, int count)
{
    if (!points || count <= 0)
        return false;
    for (int i = 0; i < count; i++) {
        if (!isfinite (points [i].value))
            return false;
        if (i > 0 && points [i].year <= points [i - 1].year)
            return false;
    }
    return true;
}

//  Whether a value meets a bound-like target: the judgement's answer.
static bool
s_meets (const wdm_rule_indicator_t *indicator, double value)
{
    return wdm_judge_meets (indicator->kind, indicator->target, value);
}

static bool
s_bound_kind (const wdm_rule_indicator_t *indicator)
{
    return wdm_judge_bound_kind (indicator->kind);
}

//  ---------------------------------------------------------------------
//  not_met

//  保持在 X 以上 holds in every year of the plan: the latest year that
//  dropped below speaks, naming every year that did.
static void
s_keep_above (s_context_t *self, const wdm_point_t *points, int count)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    const wdm_point_t *latest = NULL;
    //  Room for S_MAX_LISTED_YEARS years of up to 11 digits and separators.
    char years_zh [256] = "", years_en [256] = "", years_json [160] = "";
    int below = 0;
    for (int i = 0; i < count; i++) {
        //  The baseline year is before the plan: a drop then is history.
        if (points [i].year <= ind->baseline_year || !s_lt (points [i].value, ind->target))
            continue;
        latest = &points [i];
        if (below++ < S_MAX_LISTED_YEARS) {
            int year = points [i].year;
            s_append (years_zh, sizeof years_zh, "%s%d年", below > 1 ? "、" : "", year);
            s_append (years_en, sizeof years_en, "%s%d", below > 1 ? ", " : "", year);
            s_append (years_json, sizeof years_json, "%s%d", below > 1 ? "," : "", year);
        }
    }
    if (!latest)
        return;
    if (below > S_MAX_LISTED_YEARS) {
        s_append (years_zh, sizeof years_zh, "%s", "等");
        s_append (years_en, sizeof years_en, "%s", " and more");
    }
    wdm_finding_t *f = s_add (self, WDM_RULE_NOT_MET, 2, latest->year, latest->value);
    if (!f)
        return;
    f->has_target = true;
    f->target = ind->target;
    double short_by = ind->target - latest->value;
    s_say (f->message_zh, sizeof f->message_zh,
           "%d年%s%s为%s,未达到“%s”的目标,差%s;低于目标的年份:%s。",
           latest->year, self->place_zh, ind->name_zh, s_amount_zh (ind, latest->value).text,
           s_target_zh (ind).text, s_delta_zh (ind, short_by, false).text, years_zh);
    s_say (f->message_en, sizeof f->message_en,
           "%s in %s was %s in %d, %s below the target of %s; years below: %s.",
           ind->name_en, self->place_en, s_amount_en (ind, latest->value).text, latest->year,
           s_delta_en (ind, short_by, false).text, s_target_en (ind).text, years_en);
    s_details (f, "{\"target\":%s,\"short_by\":%s,\"years_below\":[%s],\"count_below\":%d}",
               s_json (ind->target).text, s_json (short_by).text, years_json, below);
}

static void
s_not_met (s_context_t *self, const wdm_point_t *points, int count)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    if (!ind->has_target)
        return;
    if (ind->kind == WDM_TARGET_KEEP_ABOVE) {
        s_keep_above (self, points, count);
        return;
    }
    const wdm_point_t *last = &points [count - 1];
    double v = last->value, target = ind->target;
    int year = last->year;
    wdm_finding_t *f = NULL;

    if (ind->kind == WDM_TARGET_UPPER_BOUND) {
        if (!s_gt (v, target) || !(f = s_add (self, WDM_RULE_NOT_MET, 2, year, v)))
            return;
        s_say (f->message_zh, sizeof f->message_zh, "%d年%s%s为%s,未达到“%s”的目标,超出%s。",
               year, self->place_zh, ind->name_zh, s_amount_zh (ind, v).text,
               s_target_zh (ind).text, s_delta_zh (ind, v - target, false).text);
        s_say (f->message_en, sizeof f->message_en, "%s in %s was %s in %d, missing the target of %s by %s.",
               ind->name_en, self->place_en, s_amount_en (ind, v).text, year,
               s_target_en (ind).text, s_delta_en (ind, v - target, false).text);
        s_details (f, "{\"target\":%s,\"over_by\":%s}", s_json (target).text, s_json (v - target).text);
    }
    else
    if (ind->kind == WDM_TARGET_LOWER_BOUND || ind->kind == WDM_TARGET_REACH) {
        //  Before the target year there is still time: yellow.  From it on
        //  the target is missed: red.
        bool due = year >= ind->target_year;
        if (!s_lt (v, target) || !(f = s_add (self, WDM_RULE_NOT_MET, due ? 2 : 1, year, v)))
            return;
        if (due) {
            s_say (f->message_zh, sizeof f->message_zh, "%d年%s%s为%s,未实现“%s”的目标,差%s。",
                   year, self->place_zh, ind->name_zh, s_amount_zh (ind, v).text,
                   s_target_zh (ind).text, s_delta_zh (ind, target - v, false).text);
            s_say (f->message_en, sizeof f->message_en,
                   "%s in %s was %s in %d, missing the target of %s by %s.",
                   ind->name_en, self->place_en, s_amount_en (ind, v).text, year,
                   s_target_en (ind).text, s_delta_en (ind, target - v, false).text);
        }
        else {
            s_say (f->message_zh, sizeof f->message_zh,
                   "%d年%s%s为%s,距“%s”的目标还差%s(目标年为%d年)。",
                   year, self->place_zh, ind->name_zh, s_amount_zh (ind, v).text,
                   s_target_zh (ind).text, s_delta_zh (ind, target - v, false).text, ind->target_year);
            s_say (f->message_en, sizeof f->message_en,
                   "%s in %s was %s in %d, short of the target of %s by %s (target year %d).",
                   ind->name_en, self->place_en, s_amount_en (ind, v).text, year,
                   s_target_en (ind).text, s_delta_en (ind, target - v, false).text, ind->target_year);
        }
        s_details (f, "{\"target\":%s,\"short_by\":%s,\"target_year\":%d}",
                   s_json (target).text, s_json (target - v).text, ind->target_year);
    }
    else
    if (ind->kind == WDM_TARGET_BALANCE) {
        double off = fabs (v - target), allowed = self->thresholds->balance_pp;
        if (!s_gt (off, allowed) || !(f = s_add (self, WDM_RULE_NOT_MET, 1, year, v)))
            return;
        s_say (f->message_zh, sizeof f->message_zh, "%d年%s%s为%s,偏离“%s”的目标%s,超过容许的%s。",
               year, self->place_zh, ind->name_zh, s_amount_zh (ind, v).text, s_target_zh (ind).text,
               s_delta_zh (ind, off, false).text, s_delta_zh (ind, allowed, false).text);
        s_say (f->message_en, sizeof f->message_en,
               "%s in %s was %s in %d, %s off the target of %s, beyond the %s allowed.",
               ind->name_en, self->place_en, s_amount_en (ind, v).text, year,
               s_delta_en (ind, off, false).text, s_target_en (ind).text,
               s_delta_en (ind, allowed, false).text);
        s_details (f, "{\"target\":%s,\"deviation\":%s,\"balance_pp\":%s}",
                   s_json (target).text, s_json (off).text, s_json (allowed).text);
    }
    if (f) {
        f->has_target = true;
        f->target = target;
    }
}

//  ---------------------------------------------------------------------
//  behind_schedule

//  The message of a series that moved away from the target since the
//  baseline, or did not move at all.
static void
s_behind_no_progress (s_context_t *self, wdm_finding_t *f, const wdm_point_t *base,
                      const wdm_point_t *last, double moved, s_text_t time_pct)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    int base_year = base->year, year = last->year;
    if (s_gt (moved, 0) || s_lt (moved, 0)) {
        s_say (f->message_zh, sizeof f->message_zh,
               "%d年%s%s为%s,比%d年基期(%s)%s%s,与“%s”的目标方向相反,而规划期已过去%s%%。",
               year, self->place_zh, ind->name_zh, s_amount_zh (ind, last->value).text, base_year,
               s_amount_zh (ind, base->value).text, moved > 0 ? "上升" : "下降",
               s_delta_zh (ind, moved, false).text, s_target_zh (ind).text, time_pct.text);
        s_say (f->message_en, sizeof f->message_en,
               "%s in %s was %s in %d, %s %s from the %d baseline (%s): moving away from the target "
               "of %s, with %s%% of the plan period gone.",
               ind->name_en, self->place_en, s_amount_en (ind, last->value).text, year,
               moved > 0 ? "up" : "down", s_delta_en (ind, moved, false).text, base_year,
               s_amount_en (ind, base->value).text, s_target_en (ind).text, time_pct.text);
        return;
    }
    s_say (f->message_zh, sizeof f->message_zh,
           "%d年%s%s为%s,与%d年基期(%s)持平,“%s”的目标尚无进展,而规划期已过去%s%%,"
           "落后于时间进度%s个百分点。",
           year, self->place_zh, ind->name_zh, s_amount_zh (ind, last->value).text, base_year,
           s_amount_zh (ind, base->value).text, s_target_zh (ind).text, time_pct.text, time_pct.text);
    s_say (f->message_en, sizeof f->message_en,
           "%s in %s was %s in %d, unchanged from the %d baseline (%s): no progress toward the target "
           "of %s, with %s%% of the plan period gone, %s behind schedule.",
           ind->name_en, self->place_en, s_amount_en (ind, last->value).text, year, base_year,
           s_amount_en (ind, base->value).text, s_target_en (ind).text, time_pct.text,
           s_points_en (time_pct.text).text);
}

static void
s_behind (s_context_t *self, const wdm_point_t *points, int count)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    const wdm_thresholds_t *th = self->thresholds;
    if (!ind->has_target || !s_bound_kind (ind))
        return;
    const wdm_point_t *last = &points [count - 1];
    int base_year = ind->baseline_year, year = last->year;
    if (!(base_year < year && year < ind->target_year))
        return;
    const wdm_point_t *base = NULL;
    for (int i = 0; i < count; i++)
        if (points [i].year == base_year)
            base = &points [i];
    //  Met now: nothing is behind.  Met at the baseline: there was no way
    //  to go, so progress has no meaning; not_met speaks if it slipped.
    if (!base || s_meets (ind, last->value) || s_meets (ind, base->value))
        return;
    double need = ind->target - base->value;
    if (need == 0)
        return;
    double progress = (last->value - base->value) / need;
    double time_share = (double) (year - base_year) / (ind->target_year - base_year);
    double behind_pp = (time_share - progress) * 100;
    int level = s_ge (behind_pp, th->behind_red_pp) ? 2
              : s_ge (behind_pp, th->behind_yellow_pp) ? 1 : 0;
    wdm_finding_t *f = level ? s_add (self, WDM_RULE_BEHIND, level, year, last->value) : NULL;
    if (!f)
        return;
    f->has_target = true;
    f->target = ind->target;
    s_text_t progress_pct = s_fix1 (progress * 100), time_pct = s_fix1 (time_share * 100);
    s_text_t behind = s_fix1 (behind_pp);
    double moved = last->value - base->value;
    if (s_le (progress, 0)) {
        //  Away from the target, or not moved: a share of progress would be
        //  negative or nil, and "behind by" above the time share.  Say
        //  what happened instead.
        s_behind_no_progress (self, f, base, last, moved, time_pct);
    }
    else {
        s_say (f->message_zh, sizeof f->message_zh,
               "%d年%s%s为%s,自%d年基期(%s)起仅完成“%s”目标进度的%s%%,而规划期已过去%s%%,"
               "落后于时间进度%s个百分点。",
               year, self->place_zh, ind->name_zh, s_amount_zh (ind, last->value).text, base_year,
               s_amount_zh (ind, base->value).text, s_target_zh (ind).text, progress_pct.text,
               time_pct.text, behind.text);
        s_say (f->message_en, sizeof f->message_en,
               "%s in %s was %s in %d: %s%% of the way from the %d baseline (%s) to the target of %s, "
               "with %s%% of the plan period gone, %s behind schedule.",
               ind->name_en, self->place_en, s_amount_en (ind, last->value).text, year, progress_pct.text,
               base_year, s_amount_en (ind, base->value).text, s_target_en (ind).text, time_pct.text,
               s_points_en (behind.text).text);
    }
    s_details (f, "{\"baseline_year\":%d,\"baseline\":%s,\"target\":%s,\"progress\":%s,"
                  "\"time_share\":%s,\"behind_pp\":%s}",
               base_year, s_json (base->value).text, s_json (ind->target).text,
               s_json (progress).text, s_json (time_share).text, s_json (behind_pp).text);
}

//  ---------------------------------------------------------------------
//  unlikely

typedef enum { S_ON_TRACK, S_ACCELERATE, S_LIMITED, S_WRONG_WAY } s_category_t;

static const char *const s_category_code [] = { "on_track", "accelerate", "limited", "wrong_way" };
static const char *const s_category_zh [] = { "进度符合要求", "需加快进度", "进展有限", "方向相反" };
static const char *const s_category_en [] = {
    "on track", "needs acceleration", "limited progress", "going the wrong way"
};

static void
s_unlikely (s_context_t *self, const wdm_point_t *points, int count)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    const wdm_thresholds_t *th = self->thresholds;
    if (!ind->has_target || !s_bound_kind (ind) || s_lt (count, th->unlikely_min_years))
        return;
    const wdm_point_t *first = &points [0], *last = &points [count - 1];
    //  At or after the target year the value itself is judged (not_met).
    if (last->year >= ind->target_year)
        return;
    double slope, intercept;
    if (wdm_rules_trend (points, count, &slope, &intercept))
        return;
    double projection = intercept + slope * ind->target_year;
    if (s_meets (ind, projection))
        return;

    //  The SDG progress ratio: the observed yearly change over the one
    //  that would have carried the first value to the target in time.
    int dir = ind->kind == WDM_TARGET_UPPER_BOUND ? -1 : 1;
    double required = (ind->target - first->value) / (ind->target_year - first->year);
    bool has_ratio = required * dir > 0;
    double ratio = has_ratio ? slope / required : NAN;
    s_category_t category;
    if (has_ratio)
        category = s_ge (ratio, th->unlikely_on_track) ? S_ON_TRACK
                 : s_ge (ratio, th->unlikely_limited) ? S_ACCELERATE
                 : s_ge (ratio, 0) ? S_LIMITED : S_WRONG_WAY;
    else
        //  The first value already met the target, so the required change
        //  is none and the ratio has no value; read it as the ratio's
        //  limit for a vanishing requirement: toward the target is ample,
        //  flat is limited, away is the wrong way.
        category = slope * dir > 0 ? S_ON_TRACK : slope == 0 ? S_LIMITED : S_WRONG_WAY;
    int level = category == S_LIMITED || category == S_WRONG_WAY ? 2 : 1;
    wdm_finding_t *f = s_add (self, WDM_RULE_UNLIKELY, level, last->year, last->value);
    if (!f)
        return;
    f->has_target = true;
    f->target = ind->target;
    double miss = fabs (projection - ind->target);
    char ratio_zh [320], ratio_en [320];
    if (has_ratio && category == S_WRONG_WAY) {
        //  A negative multiple reads as nonsense: say the two go opposite ways.
        s_say (ratio_zh, sizeof ratio_zh, "实际年均变化(%s)与实现目标所需的年均变化(%s)方向相反",
               s_delta_zh (ind, slope, true).text, s_delta_zh (ind, required, true).text);
        s_say (ratio_en, sizeof ratio_en,
               "the observed yearly change (%s) goes the opposite way to the %s a year required: %s",
               s_delta_en (ind, slope, true).text, s_delta_en (ind, required, true).text,
               s_category_en [category]);
    }
    else
    if (has_ratio) {
        s_say (ratio_zh, sizeof ratio_zh, "实际年均变化为实现目标所需年均变化(%s)的%s倍,%s",
               s_delta_zh (ind, required, true).text, s_num (ratio).text, s_category_zh [category]);
        s_say (ratio_en, sizeof ratio_en, "the observed yearly change is %s times the %s a year required: %s",
               s_num (ratio).text, s_delta_en (ind, required, true).text, s_category_en [category]);
    }
    else {
        s_say (ratio_zh, sizeof ratio_zh, "%d年已达到目标,但按当前趋势将偏离目标,%s",
               first->year, s_category_zh [category]);
        s_say (ratio_en, sizeof ratio_en, "the target was met in %d but the trend leads away from it: %s",
               first->year, s_category_en [category]);
    }
    s_say (f->message_zh, sizeof f->message_zh,
           "按%d—%d年数据的线性趋势(每年%s),%s%s到%d年预计为%s,难以实现“%s”的目标,预计%s%s;%s。",
           first->year, last->year, s_delta_zh (ind, slope, true).text, self->place_zh, ind->name_zh,
           ind->target_year, s_amount_zh (ind, projection).text, s_target_zh (ind).text,
           dir > 0 ? "差" : "超出", s_delta_zh (ind, miss, false).text, ratio_zh);
    s_say (f->message_en, sizeof f->message_en,
           "On the %d-%d linear trend (%s a year), %s in %s is projected at %s in %d, "
           "missing the target of %s by %s; %s.",
           first->year, last->year, s_delta_en (ind, slope, true).text, ind->name_en, self->place_en,
           s_amount_en (ind, projection).text, ind->target_year, s_target_en (ind).text,
           s_delta_en (ind, miss, false).text, ratio_en);
    s_details (f, "{\"points\":%d,\"slope\":%s,\"projection\":%s,\"target_year\":%d,"
                  "\"required_slope\":%s,\"ratio\":%s,\"category\":\"%s\"}",
               count, s_json (slope).text, s_json (projection).text, ind->target_year,
               s_json (required).text, s_json (ratio).text, s_category_code [category]);
}

//  ---------------------------------------------------------------------
//  fluctuating

//  The level of a swing of size (a z-score, or a change) against a limit:
//  beyond it yellow, beyond twice it red; exactly at it is no swing.
static int
s_swing_level (double size, double limit)
{
    return s_gt (fabs (size), 2 * limit) ? 2 : s_gt (fabs (size), limit) ? 1 : 0;
}

//  The latest year-on-year change d against what is usual: the series'
//  own earlier changes when it has min_years of them, else the changes of
//  the indicator in all areas (the pool) when there are pool_min; and the
//  office's limit in points (limit_pp) where one is set.  The higher level
//  speaks, the limit on a tie.  Only where none of these is available,
//  the change relative to last year's value.
static void
s_fluctuating (s_context_t *self, const wdm_point_t *points, int count)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    const wdm_thresholds_t *th = self->thresholds;
    //  Counts of a few people in a body swing by nature; min_count judges them.
    if (ind->kind == WDM_TARGET_MIN_COUNT || count < 2)
        return;
    const wdm_point_t *last = &points [count - 1], *prev = &points [count - 2];
    if (prev->year != last->year - 1)
        return;
    double change = last->value - prev->value;
    double *earlier = count > 2 ? malloc ((size_t) (count - 2) * sizeof *earlier) : NULL;
    if (count > 2 && !earlier)
        return;
    int n = 0;
    for (int i = 1; i < count - 1; i++)
        if (points [i].year == points [i - 1].year + 1)
            earlier [n++] = points [i].value - points [i - 1].value;

    s_robust_t robust;
    int pooled = 0;                 //  changes pooled, when the pool is used
    bool has_z = false;
    if (n > 0 && s_ge (n, th->fluct_min_changes)) {
        if (s_robust_z (change, earlier, n, &robust))
            goto cleanup;
        has_z = true;
    }
    else
    if (self->pool && self->pool->count > 0 && s_ge (self->pool->count, th->fluct_pool_min)) {
        s_z (change, self->pool, &robust);
        pooled = self->pool->count;
        has_z = true;
    }
    double limit_pp = th->fluct_limit_pp;
    bool has_limit = limit_pp > 0;
    int z_level = has_z ? s_swing_level (robust.z, th->fluct_z) : 0;
    int limit_level = has_limit ? s_swing_level (change, limit_pp) : 0;

    const char *up_zh = change > 0 ? "上升" : "下降", *up_en = change > 0 ? "up" : "down";
    wdm_finding_t *f = NULL;
    if (has_limit && limit_level >= z_level) {
        if (!limit_level || !(f = s_add (self, WDM_RULE_FLUCTUATING, limit_level, last->year, last->value)))
            goto cleanup;
        s_say (f->message_zh, sizeof f->message_zh,
               "%d年%s%s为%s,比上年%s%s,超过本指标每年%s的波动预警线,请核实原因。",
               last->year, self->place_zh, ind->name_zh, s_amount_zh (ind, last->value).text, up_zh,
               s_delta_zh (ind, change, false).text, s_delta_zh (ind, limit_pp, false).text);
        s_say (f->message_en, sizeof f->message_en,
               "%s in %s was %s in %d, %s %s from the year before, beyond this indicator's limit of "
               "%s a year: please check the cause.",
               ind->name_en, self->place_en, s_amount_en (ind, last->value).text, last->year, up_en,
               s_delta_en (ind, change, false).text, s_delta_en (ind, limit_pp, false).text);
        s_details (f, "{\"change\":%s,\"method\":\"limit\",\"limit_pp\":%s,\"earlier_changes\":%d}",
                   s_json (change).text, s_json (limit_pp).text, n);
    }
    else
    if (has_z) {
        if (!z_level || !(f = s_add (self, WDM_RULE_FLUCTUATING, z_level, last->year, last->value)))
            goto cleanup;
        char usual_zh [160], usual_en [200];
        if (pooled) {
            s_say (usual_zh, sizeof usual_zh, "本指标各地区以往%d次年度变化", pooled);
            s_say (usual_en, sizeof usual_en, "in %d earlier changes of this indicator across its areas", pooled);
        }
        else {
            s_say (usual_zh, sizeof usual_zh, "以往%d次年度变化", n);
            s_say (usual_en, sizeof usual_en, "in the %d years before", n);
        }
        s_say (f->message_zh, sizeof f->message_zh,
               "%d年%s%s为%s,比上年%s%s,而%s的中位数为%s;修正Z分数为%s,超过%s的预警线,"
               "波动较大,请核实原因。",
               last->year, self->place_zh, ind->name_zh, s_amount_zh (ind, last->value).text, up_zh,
               s_delta_zh (ind, change, false).text, usual_zh, s_delta_zh (ind, robust.median, true).text,
               s_num (robust.z).text, s_num (th->fluct_z).text);
        s_say (f->message_en, sizeof f->message_en,
               "%s in %s was %s in %d, %s %s from the year before, against a median yearly change of %s "
               "%s; modified z-score %s, beyond the limit of %s: an unusual swing, "
               "please check the cause.",
               ind->name_en, self->place_en, s_amount_en (ind, last->value).text, last->year, up_en,
               s_delta_en (ind, change, false).text, s_delta_en (ind, robust.median, true).text, usual_en,
               s_num_en (robust.z).text, s_num (th->fluct_z).text);
        if (pooled)
            s_details (f, "{\"change\":%s,\"method\":\"pooled_z\",\"z\":%s,\"median_change\":%s,"
                          "\"spread\":%s,\"spread_kind\":\"%s\",\"earlier_changes\":%d,\"pooled_changes\":%d}",
                       s_json (change).text, s_json (robust.z).text, s_json (robust.median).text,
                       s_json (robust.spread).text, robust.method, n, pooled);
        else
            s_details (f, "{\"change\":%s,\"method\":\"modified_z\",\"z\":%s,\"median_change\":%s,"
                          "\"spread\":%s,\"spread_kind\":\"%s\",\"earlier_changes\":%d}",
                       s_json (change).text, s_json (robust.z).text, s_json (robust.median).text,
                       s_json (robust.spread).text, robust.method, n);
    }
    else
    if (prev->value != 0) {
        //  Too little history for what is usual: judge the relative change.
        double relative = fabs (change) / fabs (prev->value) * 100;
        double limit = th->fluct_limit_pct;
        int level = s_swing_level (relative, limit);
        if (!level || !(f = s_add (self, WDM_RULE_FLUCTUATING, level, last->year, last->value)))
            goto cleanup;
        s_say (f->message_zh, sizeof f->message_zh,
               "%d年%s%s为%s,比上年%s%s,相对变化%s%%,超过%s%%的波动预警线,请核实原因。",
               last->year, self->place_zh, ind->name_zh, s_amount_zh (ind, last->value).text, up_zh,
               s_delta_zh (ind, change, false).text, s_fix1 (relative).text, s_num (limit).text);
        s_say (f->message_en, sizeof f->message_en,
               "%s in %s was %s in %d, %s %s from the year before, a relative change of %s%%, "
               "beyond the %s%% limit: please check the cause.",
               ind->name_en, self->place_en, s_amount_en (ind, last->value).text, last->year, up_en,
               s_delta_en (ind, change, false).text, s_fix1 (relative).text, s_num (limit).text);
        s_details (f, "{\"change\":%s,\"method\":\"relative\",\"relative_pct\":%s,\"limit_pct\":%s,"
                      "\"earlier_changes\":%d}",
                   s_json (change).text, s_json (relative).text, s_json (limit).text, n);
    }
cleanup:
    free (earlier);
}

//  ---------------------------------------------------------------------
//  wrong_direction

//  How many changes in a row, ending with the latest, went against dir
//  (+1: the value should rise, -1: it should fall).  No change is not wrong.
static int
s_wrong_run (const wdm_point_t *points, int count, int dir)
{
    int run = 0;
    for (int i = count - 1; i > 0; i--) {
        double before = points [i - 1].value, after = points [i].value;
        if (dir > 0 ? !s_lt (after, before) : !s_gt (after, before))
            break;
        run++;
    }
    return run;
}

static int
s_run_level (const s_context_t *self, int run)
{
    if (run == 0)
        return 0;
    return s_ge (run, self->thresholds->wrong_red_consecutive) ? 2 : 1;
}

static void
s_direction (s_context_t *self, const wdm_point_t *points, int count)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    if ((ind->kind != WDM_TARGET_INCREASE && ind->kind != WDM_TARGET_DECREASE) || count < 2)
        return;
    int dir = ind->kind == WDM_TARGET_INCREASE ? 1 : -1;
    int run = s_wrong_run (points, count, dir);
    int level = s_run_level (self, run);
    const wdm_point_t *last = &points [count - 1], *prev = &points [count - 2];
    wdm_finding_t *f = level ? s_add (self, WDM_RULE_WRONG_DIRECTION, level, last->year, last->value) : NULL;
    if (!f)
        return;
    double change = last->value - prev->value;
    const char *way_zh = dir > 0 ? "下降" : "上升", *way_en = dir > 0 ? "down" : "up";
    char row_zh [64] = "", row_en [64] = "";
    if (run > 1) {
        snprintf (row_zh, sizeof row_zh, ",已连续%d年%s", run, way_zh);
        snprintf (row_en, sizeof row_en, ", %s for %d years in a row", dir > 0 ? "falling" : "rising", run);
    }
    s_say (f->message_zh, sizeof f->message_zh, "%d年%s%s为%s,比%d年%s%s%s,与“%s”的目标方向相反。",
           last->year, self->place_zh, ind->name_zh, s_amount_zh (ind, last->value).text, prev->year,
           way_zh, s_delta_zh (ind, change, false).text, row_zh, s_target_zh (ind).text);
    s_say (f->message_en, sizeof f->message_en,
           "%s in %s was %s in %d, %s %s from %d%s, against the target of %s.",
           ind->name_en, self->place_en, s_amount_en (ind, last->value).text, last->year, way_en,
           s_delta_en (ind, change, false).text, prev->year, row_en, s_target_en (ind).text);
    s_details (f, "{\"change\":%s,\"previous_year\":%d,\"consecutive\":%d}",
               s_json (change).text, prev->year, run);
}

//  上升趋势减缓: the latest yearly rise must not exceed the one before.
//  Rises are per year, so that a gap in the reports compares like with like.
static void
s_curb_rise (s_context_t *self, const wdm_point_t *points, int count)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    if (ind->kind != WDM_TARGET_CURB_RISE || count < 3)
        return;
    const wdm_point_t *a = &points [count - 3], *b = &points [count - 2], *c = &points [count - 1];
    double before = (b->value - a->value) / (b->year - a->year);
    double now = (c->value - b->value) / (c->year - b->year);
    if (!s_gt (before, 0) || !s_gt (now, 0) || !s_gt (now, before))
        return;
    wdm_finding_t *f = s_add (self, WDM_RULE_WRONG_DIRECTION, 1, c->year, c->value);
    if (!f)
        return;
    s_say (f->message_zh, sizeof f->message_zh,
           "%d年%s%s为%s,比%d年上升%s,年均增幅(%s)大于此前(%s),未体现“%s”的目标。",
           c->year, self->place_zh, ind->name_zh, s_amount_zh (ind, c->value).text, b->year,
           s_delta_zh (ind, c->value - b->value, false).text, s_delta_zh (ind, now, false).text,
           s_delta_zh (ind, before, false).text, s_target_zh (ind).text);
    s_say (f->message_en, sizeof f->message_en,
           "%s in %s was %s in %d, up %s from %d: a yearly rise of %s, larger than the %s before, "
           "against the target of %s.",
           ind->name_en, self->place_en, s_amount_en (ind, c->value).text, c->year,
           s_delta_en (ind, c->value - b->value, false).text, b->year, s_delta_en (ind, now, false).text,
           s_delta_en (ind, before, false).text, s_target_en (ind).text);
    s_details (f, "{\"rise\":%s,\"previous_rise\":%s}", s_json (now).text, s_json (before).text);
}

//  ---------------------------------------------------------------------
//  implausible: a large revision of a final value

static void
s_revision (s_context_t *self, const wdm_point_t *points, int count)
{
    const wdm_rule_indicator_t *ind = self->indicator;
    const wdm_point_t *last = &points [count - 1];
    if (!last->revised_from_final || !isfinite (last->final_value))
        return;
    double change = fabs (last->value - last->final_value);
    double pct = last->final_value != 0 ? change / fabs (last->final_value) * 100
               : change > 0 ? INFINITY : 0;
    if (!s_gt (pct, self->thresholds->revision_pct))
        return;
    wdm_finding_t *f = s_add (self, WDM_RULE_IMPLAUSIBLE, 1, last->year, last->value);
    if (!f)
        return;
    s_text_t limit = s_num (self->thresholds->revision_pct);
    //  From a final 0 a change has no percentage: say so in words.
    char change_zh [64], change_en [64];
    if (isinf (pct)) {
        snprintf (change_zh, sizeof change_zh, "%s", "由0变为非0");
        snprintf (change_en, sizeof change_en, "%s", "a change from 0");
    }
    else {
        s_say (change_zh, sizeof change_zh, "变动%s%%", s_fix1 (pct).text);
        s_say (change_en, sizeof change_en, "a change of %s%%", s_fix1 (pct).text);
    }
    s_say (f->message_zh, sizeof f->message_zh,
           "%d年%s%s已定稿的数值%s被修订为%s,%s,超过%s%%的界限,请核实修订原因。",
           last->year, self->place_zh, ind->name_zh, s_amount_zh (ind, last->final_value).text,
           s_amount_zh (ind, last->value).text, change_zh, limit.text);
    s_say (f->message_en, sizeof f->message_en,
           "%s in %s for %d, already final at %s, was revised to %s, %s, beyond the %s%% limit: "
           "please check why.",
           ind->name_en, self->place_en, last->year, s_amount_en (ind, last->final_value).text,
           s_amount_en (ind, last->value).text, change_en, limit.text);
    s_details (f, "{\"check\":\"revision\",\"final_value\":%s,\"change_pct\":%s,\"revision_pct\":%s}",
               s_json (last->final_value).text, s_json (pct).text,
               s_json (self->thresholds->revision_pct).text);
}

//  ---------------------------------------------------------------------
//  The public rules

//  The bodies the catalog names (indicator.bodies in sql/003_catalog.sql),
//  in English; another keeps its own name, in quotes.
static s_text_t
s_body_en (const char *body)
{
    static const struct { const char *zh, *en; } names [] = {
        { "党(工)委",       "Party committee (or Party working committee)" },
        { "政府",           "government (or street office)" },
        { "区委",           "district Party committee" },
        { "区人大常委会",   "Standing Committee of the district People's Congress" },
        { "区政府",         "district government" },
        { "区政协",         "district CPPCC committee" },
        { "区教育局",       "district Education Bureau" },
        { "区科技局",       "district Science and Technology Bureau" },
        { "区文化和旅游局", "district Culture and Tourism Bureau" },
        { "区卫生健康委",   "district Health Commission" },
        { "区体育局",       "district Sports Bureau" },
        { "区民政局",       "district Civil Affairs Bureau" },
        { "区司法局",       "district Justice Bureau" },
        { "区人社局",       "district Human Resources and Social Security Bureau" },
    };
    s_text_t t;
    for (size_t i = 0; i < sizeof names / sizeof names [0]; i++)
        if (strcmp (body, names [i].zh) == 0) {
            s_say (t.text, sizeof t.text, "%s", names [i].en);
            return t;
        }
    s_say (t.text, sizeof t.text, "body \"%s\"", body);
    return t;
}

int
wdm_rules_series (const wdm_rule_indicator_t *indicator, wdm_place_t place,
                  const wdm_point_t *points, int count, const wdm_thresholds_t *thresholds,
                  wdm_finding_t *out, int max)
{
    return wdm_rules_series_pooled (indicator, place, points, count, NULL, thresholds, out, max);
}

int
wdm_rules_series_pooled (const wdm_rule_indicator_t *indicator, wdm_place_t place,
                         const wdm_point_t *points, int count, const wdm_pool_t *pool,
                         const wdm_thresholds_t *thresholds, wdm_finding_t *out, int max)
{
    s_context_t self = s_context (indicator, place, thresholds, out, max);
    self.pool = pool;
    if (!indicator || !thresholds || self.max == 0 || !s_series_ok (points, count))
        return 0;
    s_not_met (&self, points, count);
    s_behind (&self, points, count);
    s_unlikely (&self, points, count);
    s_fluctuating (&self, points, count);
    s_direction (&self, points, count);
    s_curb_rise (&self, points, count);
    s_revision (&self, points, count);
    return self.count;
}

int
wdm_rules_gap (const wdm_rule_indicator_t *indicator, wdm_place_t place,
               const wdm_point_t *women, int women_count,
               const wdm_point_t *men, int men_count,
               const wdm_thresholds_t *thresholds, wdm_finding_t *out, int max)
{
    s_context_t self = s_context (indicator, place, thresholds, out, max);
    if (!indicator || !thresholds || self.max == 0
    ||  !s_series_ok (women, women_count) || !s_series_ok (men, men_count))
        return 0;
    int capacity = women_count < men_count ? women_count : men_count;
    wdm_point_t *gap = malloc ((size_t) capacity * sizeof *gap);
    if (!gap)
        return 0;
    //  The gap in each year both report; both series are sorted.
    int n = 0, w = 0, m = 0;
    double last_women = 0, last_men = 0;
    while (w < women_count && m < men_count) {
        if (women [w].year < men [m].year)
            w++;
        else
        if (men [m].year < women [w].year)
            m++;
        else {
            memset (&gap [n], 0, sizeof gap [n]);
            gap [n].year = women [w].year;
            gap [n].value = fabs (women [w].value - men [m].value);
            last_women = women [w].value;
            last_men = men [m].value;
            n++, w++, m++;
        }
    }
    int run = n >= 2 ? s_wrong_run (gap, n, -1) : 0;
    int level = s_run_level (&self, run);
    wdm_finding_t *f = level ? s_add (&self, WDM_RULE_WRONG_DIRECTION, level, gap [n - 1].year,
                                      gap [n - 1].value) : NULL;
    if (f) {
        const wdm_point_t *last = &gap [n - 1], *prev = &gap [n - 2];
        double widened = last->value - prev->value;
        char row_zh [64] = "", row_en [64] = "";
        if (run > 1) {
            snprintf (row_zh, sizeof row_zh, ",已连续%d年扩大", run);
            snprintf (row_en, sizeof row_en, ", widening for %d years in a row", run);
        }
        s_say (f->message_zh, sizeof f->message_zh,
               "%d年%s%s女性为%s、男性为%s,两性差距为%s,比%d年扩大%s%s,与“缩小差距”的目标方向相反。",
               last->year, self.place_zh, indicator->name_zh, s_amount_zh (indicator, last_women).text,
               s_amount_zh (indicator, last_men).text, s_amount_zh (indicator, last->value).text,
               prev->year, s_delta_zh (indicator, widened, false).text, row_zh);
        s_say (f->message_en, sizeof f->message_en,
               "%s in %s was %s for women and %s for men in %d: a gap of %s, wider than in %d by %s%s, "
               "against the target of a narrowing gap.",
               indicator->name_en, self.place_en, s_amount_en (indicator, last_women).text,
               s_amount_en (indicator, last_men).text, last->year, s_amount_en (indicator, last->value).text,
               prev->year, s_delta_en (indicator, widened, false).text, row_en);
        s_details (f, "{\"women\":%s,\"men\":%s,\"gap\":%s,\"previous_gap\":%s,\"previous_year\":%d,"
                      "\"consecutive\":%d}",
                   s_json (last_women).text, s_json (last_men).text, s_json (last->value).text,
                   s_json (prev->value).text, prev->year, run);
    }
    free (gap);
    return self.count;
}

int
wdm_rules_relation (const wdm_rule_indicator_t *indicator, const wdm_rule_indicator_t *other,
                    wdm_place_t place, const wdm_point_t *a, int a_count,
                    const wdm_point_t *b, int b_count,
                    const wdm_thresholds_t *thresholds, wdm_finding_t *out, int max)
{
    s_context_t self = s_context (indicator, place, thresholds, out, max);
    if (!indicator || !other || !thresholds || self.max == 0
    ||  !s_series_ok (a, a_count) || !s_series_ok (b, b_count))
        return 0;
    bool at_least = strcmp (indicator->relation_op, ">=") == 0;
    bool similar = strcmp (indicator->relation_op, "~") == 0;
    if (!at_least && !similar)
        return 0;
    //  The latest year both have, walking back from the ends.
    int i = a_count - 1, k = b_count - 1;
    while (i >= 0 && k >= 0 && a [i].year != b [k].year) {
        if (a [i].year > b [k].year)
            i--;
        else
            k--;
    }
    if (i < 0 || k < 0)
        return 0;
    const wdm_rule_indicator_t *ind = indicator;
    double va = a [i].value, vb = b [k].value;
    int year = a [i].year;
    double diff = fabs (va - vb);
    int level = 0;
    if (at_least && s_lt (va, vb))
        level = s_le (diff, thresholds->relation_red_pp) ? 1 : 2;
    else
    if (similar && s_gt (diff, thresholds->relation_similar_pp))
        level = 1;
    wdm_finding_t *f = level ? s_add (&self, WDM_RULE_RELATION, level, year, va) : NULL;
    if (!f)
        return self.count;
    f->has_target = true;
    f->target = vb;
    if (at_least) {
        s_say (f->message_zh, sizeof f->message_zh, "%d年%s%s为%s,低于%s(%s)%s,未达到“不低于%s”的要求。",
               year, self.place_zh, ind->name_zh, s_amount_zh (ind, va).text, other->name_zh,
               s_amount_zh (other, vb).text, s_delta_zh (ind, diff, false).text, other->name_zh);
        s_say (f->message_en, sizeof f->message_en,
               "%s in %s was %s in %d, %s below \"%s\" (%s), which it must not fall below.",
               ind->name_en, self.place_en, s_amount_en (ind, va).text, year,
               s_delta_en (ind, diff, false).text, other->name_en, s_amount_en (other, vb).text);
    }
    else {
        s_text_t allowed_zh = s_delta_zh (ind, thresholds->relation_similar_pp, false);
        s_text_t allowed_en = s_delta_en (ind, thresholds->relation_similar_pp, false);
        s_say (f->message_zh, sizeof f->message_zh,
               "%d年%s%s为%s,与%s(%s)相差%s,超过容许的%s,未体现“与%s相适应”的要求。",
               year, self.place_zh, ind->name_zh, s_amount_zh (ind, va).text, other->name_zh,
               s_amount_zh (other, vb).text, s_delta_zh (ind, diff, false).text, allowed_zh.text,
               other->name_zh);
        s_say (f->message_en, sizeof f->message_en,
               "%s in %s was %s in %d, %s away from \"%s\" (%s), beyond the %s allowed "
               "for the two to correspond.",
               ind->name_en, self.place_en, s_amount_en (ind, va).text, year,
               s_delta_en (ind, diff, false).text, other->name_en, s_amount_en (other, vb).text,
               allowed_en.text);
    }
    s_details (f, "{\"op\":\"%s\",\"other\":\"%s\",\"other_value\":%s,\"difference\":%s}",
               at_least ? ">=" : "~", s_json_string (other->code).text, s_json (vb).text,
               s_json (va - vb).text);
    return self.count;
}

int
wdm_rules_min_count (const wdm_rule_indicator_t *indicator, wdm_place_t place,
                     const char *body, const wdm_point_t *points, int count,
                     const wdm_thresholds_t *thresholds, wdm_finding_t *out, int max)
{
    s_context_t self = s_context (indicator, place, thresholds, out, max);
    if (!indicator || !thresholds || self.max == 0 || !indicator->has_target
    ||  !s_series_ok (points, count))
        return 0;
    const wdm_rule_indicator_t *ind = indicator;
    const wdm_point_t *last = &points [count - 1];
    if (!s_lt (last->value, ind->target))
        return 0;
    wdm_finding_t *f = s_add (&self, WDM_RULE_MIN_COUNT, 2, last->year, last->value);
    if (!f)
        return 0;
    f->has_target = true;
    f->target = ind->target;
    s_say (f->body, sizeof f->body, "%s", body ? body : "");
    s_say (f->message_zh, sizeof f->message_zh, "%d年%s%s(%s)为%s,未达到“%s”的要求。",
           last->year, self.place_zh, ind->name_zh, f->body, s_amount_zh (ind, last->value).text,
           s_target_zh (ind).text);
    s_say (f->message_en, sizeof f->message_en, "%s in %s (%s): %s in %d, below the required minimum of %s.",
           ind->name_en, self.place_en, s_body_en (f->body).text, s_amount_en (ind, last->value).text,
           last->year, s_num (ind->target).text);
    s_details (f, "{\"count\":%s,\"minimum\":%s}", s_json (last->value).text, s_json (ind->target).text);
    return self.count;
}

int
wdm_rules_peers (const wdm_rule_indicator_t *indicator, wdm_place_t place, int year,
                 double value, const double *peers, int peer_count,
                 const wdm_thresholds_t *thresholds, wdm_finding_t *out, int max)
{
    s_context_t self = s_context (indicator, place, thresholds, out, max);
    if (!indicator || !thresholds || self.max == 0 || !peers || peer_count <= 0
    ||  s_lt (peer_count, thresholds->peer_min) || !isfinite (value))
        return 0;
    for (int i = 0; i < peer_count; i++)
        if (!isfinite (peers [i]))
            return 0;
    s_robust_t robust;
    if (s_robust_z (value, peers, peer_count, &robust) || !s_gt (fabs (robust.z), thresholds->peer_z))
        return 0;
    const wdm_rule_indicator_t *ind = indicator;
    wdm_finding_t *f = s_add (&self, WDM_RULE_IMPLAUSIBLE, 1, year, value);
    if (!f)
        return 0;
    s_say (f->message_zh, sizeof f->message_zh,
           "%d年%s%s为%s,与同级%d个地区的中位数%s相差悬殊(修正Z分数为%s,超过%s的预警线),请核实数据。",
           year, self.place_zh, ind->name_zh, s_amount_zh (ind, value).text, peer_count,
           s_amount_zh (ind, robust.median).text, s_num (robust.z).text, s_num (thresholds->peer_z).text);
    s_say (f->message_en, sizeof f->message_en,
           "%s in %s was %s in %d, far from the median of %d peer area%s, %s (modified z-score %s, "
           "beyond the limit of %s): please check the data.",
           ind->name_en, self.place_en, s_amount_en (ind, value).text, year, peer_count,
           peer_count == 1 ? "" : "s",
           s_amount_en (ind, robust.median).text, s_num_en (robust.z).text, s_num (thresholds->peer_z).text);
    s_details (f, "{\"check\":\"peers\",\"peer_median\":%s,\"z\":%s,\"spread\":%s,\"spread_kind\":\"%s\","
                  "\"peers\":%d}",
               s_json (robust.median).text, s_json (robust.z).text, s_json (robust.spread).text,
               robust.method, peer_count);
    return self.count;
}

int
wdm_rules_missing (const wdm_rule_indicator_t *indicator, wdm_place_t unit, wdm_place_t area,
                   int year, int deadline_month, int deadline_day,
                   int today_year, int today_month, int today_day, bool reported,
                   const wdm_thresholds_t *thresholds, wdm_finding_t *out, int max)
{
    s_context_t self = s_context (indicator, area, thresholds, out, max);
    if (!indicator || !thresholds || self.max == 0 || reported)
        return 0;
    //  Plain calendar years only: no overflow in year + 1, no odd eras.
    if (year < 1 || year > 9998 || today_year < 1 || today_year > 9999
    ||  deadline_month < 1 || deadline_month > 12 || deadline_day < 1
    ||  today_month < 1 || today_month > 12
    ||  today_day < 1 || today_day > s_days_in_month (today_year, today_month))
        return 0;
    //  The schema allows a deadline day up to 31 in any month: past the
    //  month's end it means the month's last day.
    int due_year = year + 1;
    int due_day = deadline_day;
    if (due_day > s_days_in_month (due_year, deadline_month))
        due_day = s_days_in_month (due_year, deadline_month);
    long days_left = s_days_from_civil (due_year, deadline_month, due_day)
                   - s_days_from_civil (today_year, today_month, today_day);
    int level = days_left < 0 ? 2 : s_le ((double) days_left, thresholds->missing_yellow_days) ? 1 : 0;
    wdm_finding_t *f = level ? s_add (&self, WDM_RULE_MISSING, level, year, 0) : NULL;
    if (!f)
        return 0;
    const char *unit_zh = unit.zh ? unit.zh : "", *unit_en = unit.en ? unit.en : "";
    char when_zh [96], when_en [96];
    if (days_left > 0) {
        snprintf (when_zh, sizeof when_zh, "还剩%ld天", days_left);
        snprintf (when_en, sizeof when_en, "%ld day%s left", days_left, days_left == 1 ? "" : "s");
    }
    else
    if (days_left == 0) {
        snprintf (when_zh, sizeof when_zh, "%s", "今天截止");
        snprintf (when_en, sizeof when_en, "%s", "due today");
    }
    else {
        snprintf (when_zh, sizeof when_zh, "已逾期%ld天", -days_left);
        snprintf (when_en, sizeof when_en, "%ld day%s overdue", -days_left, days_left == -1 ? "" : "s");
    }
    s_say (f->message_zh, sizeof f->message_zh,
           "%s尚未报送%s%d年“%s”数据,报送截止日期为%d年%d月%d日,%s。",
           unit_zh, self.place_zh, year, indicator->name_zh, due_year, deadline_month, due_day, when_zh);
    s_say (f->message_en, sizeof f->message_en,
           "%s has not reported \"%s\" for %s, %d; the deadline is %04d-%02d-%02d, %s.",
           unit_en, indicator->name_en, self.place_en, year, due_year, deadline_month, due_day, when_en);
    s_details (f, "{\"deadline\":\"%04d-%02d-%02d\",\"days_left\":%ld}",
               due_year, deadline_month, due_day, days_left);
    return self.count;
}

int
wdm_rules_pool (const double *changes, int count, wdm_pool_t *pool)
{
    memset (pool, 0, sizeof *pool);
    if (!changes || count <= 0)
        return 0;
    for (int i = 0; i < count; i++)
        if (!isfinite (changes [i]))
            return -1;
    if (s_spread (changes, count, pool)) {
        memset (pool, 0, sizeof *pool);
        return -1;
    }
    return 0;
}
