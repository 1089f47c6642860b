/*  wdm_record: record initialisation and validation.  See wdm_record.h.  */

#include "wdm_record.h"
#include "wdm_utf8.h"

#include <math.h>
#include <string.h>

//  Relative tolerance when a value is checked against its numerator and
//  denominator: reports round to one or two decimals.
#define S_RATIO_TOLERANCE 0.005

typedef struct {
    const char *name;
    const char *field;
    const char *message;
} s_error_info_t;

static const s_error_info_t s_errors [WDM_RECORD_ERROR_COUNT] = {
    [WDM_RECORD_OK] = { "ok", "", "有效 / valid" },
    [WDM_RECORD_UNKNOWN_INDICATOR] = { "unknown_indicator", "indicator",
                                       "指标代码不在规划指标目录中 / indicator code is not in the plan's catalog" },
    [WDM_RECORD_BAD_CODE] = { "bad_code", "area",
                              "地区或机构代码为空、过长或不是有效UTF-8 / area or body code is empty, too long or not valid UTF-8" },
    [WDM_RECORD_PERIOD_OUTSIDE_PLAN] = { "period_outside_plan", "year",
                                         "年份不在规划基期至末期之内 / year is outside the plan's baseline-to-end range" },
    [WDM_RECORD_BAD_PERIOD] = { "bad_period", "period",
                                "统计周期与指标的报送频率不符 / period does not match the indicator's reporting frequency" },
    [WDM_RECORD_BAD_SEX] = { "bad_sex", "sex",
                             "性别代码应为T、F或M,分性别指标须报F或M / sex must be T, F or M; by-sex indicators need F or M" },
    [WDM_RECORD_SEX_NOT_SPLIT] = { "sex_not_split", "sex",
                                   "该指标不分性别，性别应为空或T（合计），不应报F或M / "
                                   "the indicator is not reported by sex: sex must be empty or T (total), not F or M" },
    [WDM_RECORD_BODY_NOT_EXPECTED] = { "body_not_expected", "body",
                                       "该指标不按机构报送，机构应为空 / the indicator is not reported by body: body must be empty" },
    [WDM_RECORD_BODY_REQUIRED] = { "body_required", "body",
                                   "该指标按机构分别报送，须填写机构 / the indicator is reported for each of its bodies: body is required" },
    [WDM_RECORD_UNKNOWN_BODY] = { "unknown_body", "body",
                                  "机构不在该指标的机构名单中 / body is not one of the indicator's bodies" },
    [WDM_RECORD_VALUE_NOT_FINITE] = { "value_not_finite", "value",
                                      "数值不是有限数 / value, numerator or denominator is not a finite number" },
    [WDM_RECORD_VALUE_OUT_OF_BOUNDS] = { "value_out_of_bounds", "value",
                                         "数值超出指标的合理范围 / value is outside the indicator's plausible range" },
    [WDM_RECORD_NEGATIVE_NUMERATOR] = { "negative_numerator", "numerator",
                                        "分子为负数 / numerator is negative" },
    [WDM_RECORD_BAD_DENOMINATOR] = { "bad_denominator", "denominator",
                                     "分母必须大于零 / denominator must be greater than zero" },
    [WDM_RECORD_NUMERATOR_ABOVE_DENOMINATOR] = { "numerator_above_denominator", "numerator",
                                                 "分子大于分母 / numerator is greater than the denominator" },
    [WDM_RECORD_VALUE_MISMATCH] = { "value_mismatch", "value",
                                    "数值与分子/分母计算结果不符 / value does not equal numerator / denominator in the indicator's unit" },
    [WDM_RECORD_BAD_STATUS] = { "bad_status", "status",
                                "状态应为provisional、final或estimated / status must be provisional, final or estimated" },
    [WDM_RECORD_BAD_NOTE] = { "bad_note", "note",
                              "备注过长或不是有效UTF-8 / note is too long or not valid UTF-8" },
};

void
wdm_record_init (wdm_record_t *self)
{
    memset (self, 0, sizeof *self);
    self->sex = 'T';
    self->period_kind = WDM_FREQ_YEAR;
    self->status = WDM_STATUS_PROVISIONAL;
}

//  A code field: non-empty (unless it may be empty), NUL-terminated
//  within its array, valid UTF-8.
static bool
s_code_ok (const char *code, bool may_be_empty)
{
    const char *end = memchr (code, '\0', WDM_CODE_MAX);
    if (!end)
        return false;
    size_t len = (size_t)(end - code);
    if (len == 0)
        return may_be_empty;
    return wdm_utf8_valid (code, len);
}

static bool
s_period_ok (const wdm_record_t *self, const wdm_indicator_t *indicator)
{
    if (self->period_kind != indicator->frequency)
        return false;
    switch (self->period_kind) {
        case WDM_FREQ_YEAR: return self->period_no == 0;
        case WDM_FREQ_QUARTER: return self->period_no >= 1 && self->period_no <= 4;
        case WDM_FREQ_MONTH: return self->period_no >= 1 && self->period_no <= 12;
    }
    return false;
}

wdm_record_error_t
wdm_record_validate (const wdm_record_t *self, const wdm_catalog_t *catalog)
{
    if (!s_code_ok (self->indicator, false))
        return WDM_RECORD_UNKNOWN_INDICATOR;
    const wdm_indicator_t *indicator = wdm_catalog_find (catalog, self->indicator);
    if (!indicator)
        return WDM_RECORD_UNKNOWN_INDICATOR;
    if (!s_code_ok (self->area, false) || !s_code_ok (self->body, true))
        return WDM_RECORD_BAD_CODE;
    if (self->year < wdm_catalog_first_year (catalog) || self->year > wdm_catalog_last_year (catalog))
        return WDM_RECORD_PERIOD_OUTSIDE_PLAN;
    if (!s_period_ok (self, indicator))
        return WDM_RECORD_BAD_PERIOD;
    if (self->sex != 'T' && self->sex != 'F' && self->sex != 'M')
        return WDM_RECORD_BAD_SEX;
    if (indicator->by_sex && self->sex == 'T')
        return WDM_RECORD_BAD_SEX;
    //  A row the indicator has no place for would be stored and never
    //  read: refused instead.
    if (!indicator->by_sex && self->sex != 'T')
        return WDM_RECORD_SEX_NOT_SPLIT;
    if (!indicator->bodies_unknown) {
        if (indicator->body_count == 0 && self->body [0])
            return WDM_RECORD_BODY_NOT_EXPECTED;
        if (indicator->body_count > 0 && !self->body [0])
            return WDM_RECORD_BODY_REQUIRED;
        if (indicator->body_count > 0 && !wdm_catalog_has_body (indicator, self->body))
            return WDM_RECORD_UNKNOWN_BODY;
    }

    if (!isfinite (self->value) || (self->has_numerator && !isfinite (self->numerator))
        || (self->has_denominator && !isfinite (self->denominator)))
        return WDM_RECORD_VALUE_NOT_FINITE;
    if ((indicator->has_min && self->value < indicator->value_min)
        || (indicator->has_max && self->value > indicator->value_max))
        return WDM_RECORD_VALUE_OUT_OF_BOUNDS;
    if (self->has_numerator && self->numerator < 0)
        return WDM_RECORD_NEGATIVE_NUMERATOR;
    if (self->has_denominator && self->denominator <= 0)
        return WDM_RECORD_BAD_DENOMINATOR;
    if (self->has_numerator && self->has_denominator) {
        //  A part cannot exceed its whole where the indicator cannot pass
        //  100%; a gross enrolment ratio or a rate per 100,000 can.
        if (indicator->scale > 0 && indicator->has_max && indicator->value_max <= indicator->scale
            && self->numerator > self->denominator)
            return WDM_RECORD_NUMERATOR_ABOVE_DENOMINATOR;
        if (indicator->scale > 0) {
            double expected = self->numerator / self->denominator * indicator->scale;
            double slack = S_RATIO_TOLERANCE * fmax (fabs (expected), 1.0);
            if (fabs (self->value - expected) > slack)
                return WDM_RECORD_VALUE_MISMATCH;
        }
    }
    if (self->status != WDM_STATUS_PROVISIONAL && self->status != WDM_STATUS_FINAL
        && self->status != WDM_STATUS_ESTIMATED)
        return WDM_RECORD_BAD_STATUS;
    const char *end = memchr (self->note, '\0', WDM_NOTE_MAX);
    if (!end || !wdm_utf8_valid (self->note, (size_t)(end - self->note)))
        return WDM_RECORD_BAD_NOTE;
    return WDM_RECORD_OK;
}

const char *
wdm_record_error_name (wdm_record_error_t error)
{
    return (unsigned)error < WDM_RECORD_ERROR_COUNT ? s_errors [error].name : "unknown_error";
}

const char *
wdm_record_error_field (wdm_record_error_t error)
{
    return (unsigned)error < WDM_RECORD_ERROR_COUNT ? s_errors [error].field : "";
}

const char *
wdm_record_error_message (wdm_record_error_t error)
{
    return (unsigned)error < WDM_RECORD_ERROR_COUNT ? s_errors [error].message : "未知错误 / unknown error";
}

static const char *s_status_names [] = { "provisional", "final", "estimated" };

int
wdm_record_status_parse (const char *text, wdm_status_t *status)
{
    for (int i = 0; i < 3; i++)
        if (strcmp (text, s_status_names [i]) == 0) {
            *status = (wdm_status_t)i;
            return 0;
        }
    return -1;
}

const char *
wdm_record_status_name (wdm_status_t status)
{
    return (unsigned)status < 3 ? s_status_names [status] : "invalid";
}
