/*  wdm_plan_read: read a plan file and check it whole — every field, every
    code against the file's own domains and indicators and the database's
    units of measure and kinds, each target against its kind and the
    plan's period, each statistic against the plans that share it —
    collecting every error with its line.  See wdm_plan_int.h.  */

#include "wdm_plan_int.h"
#include "wdm_db.h"

#include <stdlib.h>
#include <string.h>

//  The word lists a plan file is checked against, from the database.
typedef struct {
    wdm_db_words_t units, kinds, aggregations, frequencies;
} s_vocabulary_t;

//  Why code is not what sql/001 lets a code be, or NULL: plan and domain
//  codes as an area's (wdm_yaml_code_invalid); an indicator's
//  ^[A-Z][A-Z0-9_.-]{1,31}$.
static const char *
s_code_invalid (const char *code, bool indicator)
{
    if (!indicator)
        return wdm_yaml_code_invalid (code);
    size_t length = strlen (code);
    if (length >= 2 && length <= 32 && code [0] >= 'A' && code [0] <= 'Z'
        && strspn (code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == length)
        return NULL;
    return "指标代码以大写字母开头,由大写字母、数字和 _ . - 组成,2 至 32 个字符 / an indicator code is 2-32 "
           "uppercase letters, digits, '_', '.' or '-', beginning with a letter";
}

//  A decimal number as people write one: -12, 8.5.  No exponent, no hex,
//  no inf: what a plan states.
static bool
s_number_valid (const char *text)
{
    const char *p = text + (*text == '-');
    size_t digits = strspn (p, "0123456789");
    if (!digits)
        return false;
    p += digits;
    if (*p == '.') {
        size_t decimals = strspn (p + 1, "0123456789");
        if (!decimals)
            return false;
        p += 1 + decimals;
    }
    return *p == '\0' && strlen (text) <= 40;
}

//  A number field: its text, NULL when absent or not a number (an error).
static const char *
s_number (wdm_yaml_t *yaml, const wdm_yaml_node_t *map, const char *where, const char *key, bool required)
{
    const char *text = wdm_yaml_string (yaml, map, where, key, required);
    if (text && !s_number_valid (text)) {
        wdm_yaml_error (yaml, wdm_yaml_get (yaml, map, key), where, key,
                        "应为数字(如 8.5)/ expected a number (such as 8.5), not '%s'", text);
        return NULL;
    }
    return text;
}

//  The plan's own fields: code, titles, subject, source, period, baseline
//  year, report deadline.
static void
s_read_head (wdm_plan_file_t *self, const wdm_yaml_node_t *map)
{
    wdm_yaml_t *yaml = self->yaml;
    static const char *const keys [] = { "code",   "title_zh",      "title_en",        "subject", "source",
                                         "period", "baseline_year", "report_deadline", NULL };
    static const char *const subjects [] = { "women", "children", NULL };
    static const char *const period_keys [] = { "start", "end", NULL };
    static const char *const deadline_keys [] = { "month", "day", NULL };
    const char *where = "plan";
    wdm_plan_head_t *head = &self->head;
    wdm_yaml_check_keys (yaml, map, where, keys);
    head->code = wdm_yaml_string (yaml, map, where, "code", true);
    const char *invalid = head->code ? s_code_invalid (head->code, false) : NULL;
    if (invalid)
        wdm_yaml_check_code (yaml, map, where, head->code, invalid, NULL, 0);
    head->title_zh = wdm_yaml_string (yaml, map, where, "title_zh", true);
    head->title_en = wdm_yaml_string (yaml, map, where, "title_en", true);
    head->subject = wdm_yaml_word (yaml, map, where, "subject", true, subjects);
    head->source = wdm_yaml_string (yaml, map, where, "source", true);
    wdm_yaml_int (yaml, map, where, "baseline_year", true, 1949, 2200, &head->baseline_year);
    const wdm_yaml_node_t *period = wdm_yaml_map (yaml, map, where, "period", true);
    if (period && !wdm_yaml_check_keys (yaml, period, "plan period", period_keys)) {
        int start =
            wdm_yaml_int (yaml, period, "plan period", "start", true, 1950, 2200, &head->period_start);
        int end = wdm_yaml_int (yaml, period, "plan period", "end", true, 1950, 2200, &head->period_end);
        if (start == 1 && end == 1 && head->period_start > head->period_end)
            wdm_yaml_error (yaml, wdm_yaml_get (yaml, period, "end"), "plan period", "end",
                            "结束年 %ld 早于开始年 %ld / ends (%ld) before it starts (%ld)", head->period_end,
                            head->period_start, head->period_end, head->period_start);
        if (start == 1 && head->baseline_year && head->baseline_year >= head->period_start)
            wdm_yaml_error (yaml, wdm_yaml_get (yaml, map, "baseline_year"), where, "baseline_year",
                            "基线年 %ld 应早于规划开始年 %ld / the baseline year %ld must come before the "
                            "plan's first year %ld",
                            head->baseline_year, head->period_start, head->baseline_year, head->period_start);
    }
    head->deadline_month = 3;  //  sql/001's defaults
    head->deadline_day = 31;
    const wdm_yaml_node_t *deadline = wdm_yaml_map (yaml, map, where, "report_deadline", false);
    if (deadline && !wdm_yaml_check_keys (yaml, deadline, "plan report_deadline", deadline_keys)) {
        wdm_yaml_int (yaml, deadline, "plan report_deadline", "month", true, 1, 12, &head->deadline_month);
        wdm_yaml_int (yaml, deadline, "plan report_deadline", "day", true, 1, 31, &head->deadline_day);
    }
}

//  The list of domains: code, ordinal, names; codes and ordinals unique.
static void
s_read_domains (wdm_plan_file_t *self, const wdm_yaml_node_t *list)
{
    wdm_yaml_t *yaml = self->yaml;
    static const char *const keys [] = { "code", "ordinal", "name_zh", "name_en", NULL };
    wdm_yaml_codes_t seen;
    bool room = wdm_yaml_codes_new (&seen, wdm_yaml_size (list)) == 0;
    for (size_t i = 0; room && i < wdm_yaml_size (list); i++) {
        char where [WDM_YAML_WHERE_MAX];
        const wdm_yaml_node_t *map = wdm_yaml_entry (yaml, list, i, "domain", keys, where);
        if (!map)
            continue;
        wdm_plan_domain_t domain = { .code = wdm_yaml_string (yaml, map, where, "code", true),
                                     .name_zh = wdm_yaml_string (yaml, map, where, "name_zh", true),
                                     .name_en = wdm_yaml_string (yaml, map, where, "name_en", true),
                                     .node = map };
        wdm_yaml_codes_add (yaml, &seen, map, where, domain.code,
                            domain.code ? s_code_invalid (domain.code, false) : NULL, i);
        if (wdm_yaml_int (yaml, map, where, "ordinal", true, 1, 1000, &domain.ordinal) == 1)
            for (size_t j = 0; j < self->domain_count; j++)
                if (self->domains [j].ordinal == domain.ordinal) {
                    int line = wdm_yaml_line (self->domains [j].node);
                    wdm_yaml_error (
                        yaml, wdm_yaml_get (yaml, map, "ordinal"), where, "ordinal",
                        "序号 %ld 重复,第 %d 行的领域已用 / ordinal %ld is taken by the domain at "
                        "line %d",
                        domain.ordinal, line, domain.ordinal, line);
                    break;
                }
        if (domain.code)
            self->domains [self->domain_count++] = domain;
    }
    wdm_yaml_codes_free (&seen);
}

//  An indicator's bodies (the list of bodies a min_count target counts)
//  as a PostgreSQL array literal, each element double-quoted.
static char *
s_bodies (wdm_yaml_t *yaml, const wdm_yaml_node_t *map, const char *where)
{
    const wdm_yaml_node_t *list = wdm_yaml_seq (yaml, map, where, "bodies", false);
    wdm_buf_t literal = { 0 };
    wdm_buf_printf (&literal, "{");
    for (size_t i = 0; i < wdm_yaml_size (list); i++) {
        const wdm_yaml_node_t *item = wdm_yaml_item (yaml, list, i);
        const char *body = wdm_yaml_scalar (item);
        if (!body || !*body) {
            wdm_yaml_error (yaml, item, where, "bodies",
                            "每项应为机构名称 / each item must be a body's name");
            continue;
        }
        wdm_buf_printf (&literal, "%s\"", i ? "," : "");
        for (const char *c = body; *c; c++)
            wdm_buf_printf (&literal, "%s%c", *c == '"' || *c == '\\' ? "\\" : "", *c);
        wdm_buf_printf (&literal, "\"");
    }
    wdm_buf_printf (&literal, "}");
    if (!literal.data)
        return NULL;
    char *bodies = strdup (literal.data);
    wdm_buf_free (&literal);
    return bodies;
}

//  The statistic's fields of one indicator.
static void
s_read_statistic (wdm_yaml_t *yaml, const wdm_yaml_node_t *map, const char *where, wdm_plan_indicator_t *ind,
                  const s_vocabulary_t *vocabulary)
{
    static const char *const range_keys [] = { "min", "max", NULL };
    ind->name_zh = wdm_yaml_string (yaml, map, where, "name_zh", true);
    ind->name_en = wdm_yaml_string (yaml, map, where, "name_en", true);
    ind->measure_unit = wdm_yaml_word (yaml, map, where, "measure_unit", true, vocabulary->units.words);
    ind->aggregation = wdm_yaml_word (yaml, map, where, "aggregation", true, vocabulary->aggregations.words);
    ind->frequency = wdm_yaml_word (yaml, map, where, "frequency", false, vocabulary->frequencies.words);
    if (!ind->frequency)
        ind->frequency = "year";
    wdm_yaml_bool (yaml, map, where, "by_sex", false, &ind->by_sex);
    ind->bodies = s_bodies (yaml, map, where);
    const wdm_yaml_node_t *range = wdm_yaml_map (yaml, map, where, "range", false);
    if (range && !wdm_yaml_check_keys (yaml, range, where, range_keys)) {
        ind->value_min = s_number (yaml, range, where, "min", false);
        ind->value_max = s_number (yaml, range, where, "max", false);
        if (ind->value_min && ind->value_max && strtod (ind->value_min, NULL) > strtod (ind->value_max, NULL))
            wdm_yaml_error (yaml, wdm_yaml_get (yaml, range, "max"), where, "range",
                            "上限 %s 小于下限 %s / max %s is below min %s", ind->value_max, ind->value_min,
                            ind->value_max, ind->value_min);
    }
}

//  Whether number (text) lies within the indicator's natural range.
static bool
s_in_range (const wdm_plan_indicator_t *ind, const char *number)
{
    double value = strtod (number, NULL);
    return (!ind->value_min || value >= strtod (ind->value_min, NULL))
        && (!ind->value_max || value <= strtod (ind->value_max, NULL));
}

//  A number of the target (value, baseline) within the natural range.
static const char *
s_target_number (wdm_yaml_t *yaml, const wdm_yaml_node_t *target, const char *where, const char *key,
                 const wdm_plan_indicator_t *ind)
{
    const char *number = s_number (yaml, target, where, key, false);
    if (number && !s_in_range (ind, number))
        wdm_yaml_error (yaml, wdm_yaml_get (yaml, target, key), where, key,
                        "%s 超出指标的取值范围 [%s, %s] / %s is outside the indicator's range [%s, %s]",
                        number, ind->value_min ? ind->value_min : "", ind->value_max ? ind->value_max : "",
                        number, ind->value_min ? ind->value_min : "", ind->value_max ? ind->value_max : "");
    return number;
}

//  The kinds whose target states a number (sql/020's check).
static bool
s_kind_has_value (const char *kind)
{
    static const char *const kinds [] = { "upper_bound", "lower_bound", "reach", "keep_above",
                                          "balance",     "min_count",   NULL };
    for (int i = 0; kinds [i]; i++)
        if (strcmp (kinds [i], kind) == 0)
            return true;
    return false;
}

//  The plan's target on one indicator: the fields, and what its kind
//  needs (a value, a relation, bodies, values by sex).  The domain, the
//  ordinal's uniqueness and the relation's indicator are checked once
//  every indicator is read.
static void
s_read_target (wdm_plan_file_t *self, const wdm_yaml_node_t *map, const char *where_ind,
               wdm_plan_indicator_t *ind, const s_vocabulary_t *vocabulary)
{
    wdm_yaml_t *yaml = self->yaml;
    static const char *const keys [] = { "domain", "ordinal",   "kind",       "value",   "relation",
                                         "year",   "clause_zh", "clause_ref", "note_zh", "note_en",
                                         "active", "baseline",  NULL };
    static const char *const relation_keys [] = { "indicator", "op", NULL };
    static const char *const ops [] = { ">=", "~", NULL };
    char where [WDM_YAML_WHERE_MAX + 8];
    snprintf (where, sizeof where, "%s target", where_ind);
    const wdm_yaml_node_t *target = wdm_yaml_map (yaml, map, where_ind, "target", true);
    if (!target || wdm_yaml_check_keys (yaml, target, where, keys))
        return;
    ind->domain = wdm_yaml_string (yaml, target, where, "domain", true);
    wdm_yaml_int (yaml, target, where, "ordinal", true, 1, 1000, &ind->ordinal);
    ind->kind = wdm_yaml_word (yaml, target, where, "kind", true, vocabulary->kinds.words);
    ind->value = s_target_number (yaml, target, where, "value", ind);
    ind->baseline = s_target_number (yaml, target, where, "baseline", ind);
    ind->clause_zh = wdm_yaml_string (yaml, target, where, "clause_zh", true);
    ind->clause_ref = wdm_yaml_string (yaml, target, where, "clause_ref", true);
    ind->note_zh = wdm_yaml_string (yaml, target, where, "note_zh", false);
    ind->note_en = wdm_yaml_string (yaml, target, where, "note_en", false);
    ind->active = true;
    wdm_yaml_bool (yaml, target, where, "active", false, &ind->active);
    const wdm_plan_head_t *head = &self->head;
    if (wdm_yaml_int (yaml, target, where, "year", true, 1950, 2200, &ind->year) == 1 && head->period_start
        && head->period_end && (ind->year < head->period_start || ind->year > head->period_end))
        wdm_yaml_error (yaml, wdm_yaml_get (yaml, target, "year"), where, "year",
                        "目标年 %ld 不在规划期 %ld–%ld 内 / target year %ld is outside the plan's period "
                        "%ld-%ld",
                        ind->year, head->period_start, head->period_end, ind->year, head->period_start,
                        head->period_end);
    const wdm_yaml_node_t *relation = wdm_yaml_map (yaml, target, where, "relation", false);
    if (relation && !wdm_yaml_check_keys (yaml, relation, where, relation_keys)) {
        ind->relation = wdm_yaml_string (yaml, relation, where, "indicator", true);
        ind->relation_op = wdm_yaml_word (yaml, relation, where, "op", true, ops);
    }
    if (!ind->kind)
        return;
    const wdm_yaml_node_t *kind_node = wdm_yaml_get (yaml, target, "kind");
    if (s_kind_has_value (ind->kind) && !wdm_yaml_get (yaml, target, "value"))
        wdm_yaml_error (yaml, kind_node, where, "value",
                        "目标类型 %s 需要数值(value)/ a target of kind %s needs its value", ind->kind,
                        ind->kind);
    bool is_relation = strcmp (ind->kind, "relation") == 0;
    if (is_relation && !relation)
        wdm_yaml_error (yaml, kind_node, where, "relation",
                        "目标类型 relation 需要 relation: {indicator, op} / a target of kind relation needs "
                        "relation: {indicator, op}");
    if (!is_relation && relation)
        wdm_yaml_error (yaml, relation, where, "relation",
                        "只有 relation 类型的目标有 relation / only a target of kind relation has one");
    if (strcmp (ind->kind, "min_count") == 0 && ind->bodies && strcmp (ind->bodies, "{}") == 0)
        wdm_yaml_error (yaml, kind_node, where, "kind",
                        "min_count 需要指标列出机构(bodies)/ min_count needs the indicator's bodies");
    if (strcmp (ind->kind, "narrow_gap") == 0 && !ind->by_sex)
        wdm_yaml_error (
            yaml, kind_node, where, "kind",
            "narrow_gap 需要分性别的指标(by_sex: true)/ narrow_gap needs an indicator reported by "
            "sex (by_sex: true)");
}

//  The list of indicators, each with its statistic and target.
static void
s_read_indicators (wdm_plan_file_t *self, const wdm_yaml_node_t *list, const s_vocabulary_t *vocabulary)
{
    wdm_yaml_t *yaml = self->yaml;
    static const char *const keys [] = { "code",      "name_zh", "name_en", "measure_unit",
                                         "range",     "by_sex",  "bodies",  "aggregation",
                                         "frequency", "target",  NULL };
    wdm_yaml_codes_t seen;
    bool room = wdm_yaml_codes_new (&seen, wdm_yaml_size (list)) == 0;
    for (size_t i = 0; room && i < wdm_yaml_size (list); i++) {
        char where [WDM_YAML_WHERE_MAX];
        const wdm_yaml_node_t *map = wdm_yaml_entry (yaml, list, i, "indicator", keys, where);
        if (!map)
            continue;
        wdm_plan_indicator_t ind = { .code = wdm_yaml_string (yaml, map, where, "code", true), .node = map };
        wdm_yaml_codes_add (yaml, &seen, map, where, ind.code,
                            ind.code ? s_code_invalid (ind.code, true) : NULL, i);
        s_read_statistic (yaml, map, where, &ind, vocabulary);
        s_read_target (self, map, where, &ind, vocabulary);
        if (ind.code)
            self->indicators [self->indicator_count++] = ind;
        else
            free (ind.bodies);
    }
    wdm_yaml_codes_free (&seen);
}

//  What needs every entry read: each target's domain is one of the file's,
//  ordinals are unique within a domain, a relation names another
//  indicator of the file.
static void
s_check_targets (wdm_plan_file_t *self)
{
    wdm_yaml_t *yaml = self->yaml;
    size_t n = self->indicator_count, nd = self->domain_count;
    const char **codes = calloc (n + 1, sizeof *codes);
    const char **domains = calloc (nd + 1, sizeof *domains);
    if (!codes || !domains)
        goto cleanup;
    for (size_t i = 0; i < n; i++)
        codes [i] = self->indicators [i].code;
    for (size_t i = 0; i < nd; i++)
        domains [i] = self->domains [i].code;
    for (size_t i = 0; i < n; i++) {
        const wdm_plan_indicator_t *ind = &self->indicators [i];
        const wdm_yaml_node_t *target = wdm_yaml_get (yaml, ind->node, "target");
        char where [WDM_YAML_WHERE_MAX];
        snprintf (where, sizeof where, "indicator '%s' target", ind->code);
        if (ind->domain && wdm_yaml_find (ind->domain, domains, nd) < 0)
            wdm_yaml_unknown (yaml, wdm_yaml_get (yaml, target, "domain"), where, "domain", "领域", "domain",
                              ind->domain, domains, nd);
        for (size_t j = 0; ind->domain && ind->ordinal && j < i; j++) {
            const wdm_plan_indicator_t *other = &self->indicators [j];
            if (other->domain && strcmp (other->domain, ind->domain) == 0 && other->ordinal == ind->ordinal) {
                wdm_yaml_error (yaml, wdm_yaml_get (yaml, target, "ordinal"), where, "ordinal",
                                "领域 %s 中序号 %ld 重复,%s 已用 / ordinal %ld in domain %s is taken by %s",
                                ind->domain, ind->ordinal, other->code, ind->ordinal, ind->domain,
                                other->code);
                break;
            }
        }
        if (ind->relation) {
            const wdm_yaml_node_t *relation = wdm_yaml_get (yaml, target, "relation");
            const wdm_yaml_node_t *node = wdm_yaml_get (yaml, relation, "indicator");
            if (strcmp (ind->relation, ind->code) == 0)
                wdm_yaml_error (yaml, node, where, "relation",
                                "不能与自身比较 / an indicator cannot be related to itself");
            else if (wdm_yaml_find (ind->relation, codes, n) < 0)
                wdm_yaml_unknown (yaml, node, where, "relation", "本规划的指标", "indicator of this plan",
                                  ind->relation, codes, n);
        }
    }
cleanup:
    free (codes);
    free (domains);
}

//  The statistics this file shares with other plans, as those plans
//  have them: one row per indicator.
static const char *s_shared_sql =
    "SELECT i.code, i.name_zh, i.name_en, i.measure_unit_code, i.value_min::text, i.value_max::text,"
    "       CASE WHEN i.by_sex THEN 'true' ELSE 'false' END,"
    "       array_to_string (coalesce (i.bodies, '{}'), ', '), i.aggregation::text, i.frequency::text,"
    "       string_agg (t.plan_code, ', ' ORDER BY t.plan_code)"
    "  FROM indicator i JOIN plan_target t ON t.indicator_code = i.code AND t.plan_code <> $1"
    " GROUP BY i.code";

//  The file's bodies as array_to_string (bodies, ', ') gives them.
static void
s_bodies_text (wdm_yaml_t *yaml, const wdm_plan_indicator_t *ind, wdm_buf_t *text)
{
    const wdm_yaml_node_t *list = wdm_yaml_get (yaml, ind->node, "bodies");
    for (size_t i = 0; i < wdm_yaml_size (list); i++) {
        const char *body = wdm_yaml_scalar (wdm_yaml_item (yaml, list, i));
        wdm_buf_printf (text, "%s%s", i ? ", " : "", body ? body : "");
    }
    if (!text->data)
        wdm_buf_printf (text, "%s", "");
}

//  Whether two optional numbers (text) are the same number.
static bool
s_same_number (const char *a, const char *b)
{
    if (!a || !b)
        return !a && !b;
    return strtod (a, NULL) == strtod (b, NULL);
}

//  A statistic another plan also has must be the same statistic: the
//  same names, unit, range, sex split, bodies, aggregation and frequency.
//  An error per differing field, naming both plans.
static int
s_check_shared (wdm_plan_file_t *self, PGconn *conn, wdm_buf_t *errors)
{
    wdm_yaml_t *yaml = self->yaml;
    char err [512] = "";
    const char *params [] = { self->head.code ? self->head.code : "" };
    PGresult *res = wdm_db_query (conn, s_shared_sql, 1, params, PGRES_TUPLES_OK, err, sizeof err);
    if (!res) {
        wdm_buf_printf (errors, "%s\n", err);
        return -1;
    }
    for (int row = 0; row < PQntuples (res); row++) {
        const char *code = PQgetvalue (res, row, 0);
        wdm_plan_indicator_t *ind = NULL;
        for (size_t i = 0; i < self->indicator_count && !ind; i++)
            if (strcmp (self->indicators [i].code, code) == 0)
                ind = &self->indicators [i];
        if (!ind)
            continue;
        wdm_buf_t bodies = { 0 };
        s_bodies_text (yaml, ind, &bodies);
        const struct {
            const char *field, *mine;
            int col;
            bool number;
        } fields [] = {
            { "name_zh", ind->name_zh, 1, false },
            { "name_en", ind->name_en, 2, false },
            { "measure_unit", ind->measure_unit, 3, false },
            { "range.min", ind->value_min, 4, true },
            { "range.max", ind->value_max, 5, true },
            { "by_sex", ind->by_sex ? "true" : "false", 6, false },
            { "bodies", bodies.data, 7, false },
            { "aggregation", ind->aggregation, 8, false },
            { "frequency", ind->frequency, 9, false },
        };
        const char *plans = PQgetvalue (res, row, 10);
        char where [WDM_YAML_WHERE_MAX];
        snprintf (where, sizeof where, "indicator '%s'", code);
        for (size_t f = 0; f < sizeof fields / sizeof fields [0]; f++) {
            const char *theirs =
                PQgetisnull (res, row, fields [f].col) ? NULL : PQgetvalue (res, row, fields [f].col);
            const char *mine = fields [f].mine;
            if (!mine && !fields [f].number)
                continue;  //  already an error of its own
            bool same =
                fields [f].number ? s_same_number (mine, theirs) : theirs && strcmp (mine, theirs) == 0;
            if (same)
                continue;
            const char *key = strchr (fields [f].field, '.') ? "range" : fields [f].field;
            const wdm_yaml_node_t *node = wdm_yaml_get (yaml, ind->node, key);
            wdm_yaml_error (
                yaml, node ? node : ind->node, where, fields [f].field,
                "本规划 %s 的 %s 与规划 %s 中的同一统计指标不一致:本文件为 '%s',规划 %s 为 '%s' / "
                "the statistic %s is shared with plan %s and must agree: %s is '%s' in plan %s, "
                "'%s' in plan %s (this file)",
                self->head.code, fields [f].field, plans, mine ? mine : "", plans, theirs ? theirs : "", code,
                plans, fields [f].field, theirs ? theirs : "", plans, mine ? mine : "", self->head.code);
        }
        wdm_buf_free (&bodies);
    }
    PQclear (res);
    return 0;
}

//  The statistics that have stored values: their unit of measure, sex
//  split and how many values.
static const char *s_stored_sql =
    "SELECT i.code, i.measure_unit_code, CASE WHEN i.by_sex THEN 'true' ELSE 'false' END,"
    "       (SELECT count (*) FROM observation o WHERE o.indicator_code = i.code)"
    "  FROM indicator i WHERE EXISTS (SELECT 1 FROM observation o WHERE o.indicator_code = i.code)";

//  A statistic with stored values keeps its unit of measure and its sex
//  split: values reported as percent do not become per mille, totals do
//  not become women's values, because a file says so (a new statistic is
//  a new code: 012 kept SS03 and added SS09).  An error per field.
static int
s_check_stored (wdm_plan_file_t *self, PGconn *conn, wdm_buf_t *errors)
{
    wdm_yaml_t *yaml = self->yaml;
    char err [512] = "";
    PGresult *res = wdm_db_query (conn, s_stored_sql, 0, NULL, PGRES_TUPLES_OK, err, sizeof err);
    if (!res) {
        wdm_buf_printf (errors, "%s\n", err);
        return -1;
    }
    for (int row = 0; row < PQntuples (res); row++) {
        const char *code = PQgetvalue (res, row, 0), *count = PQgetvalue (res, row, 3);
        for (size_t i = 0; i < self->indicator_count; i++) {
            const wdm_plan_indicator_t *ind = &self->indicators [i];
            if (strcmp (ind->code, code) != 0)
                continue;
            const struct {
                const char *field, *mine, *theirs;
            } fields [] = { { "measure_unit", ind->measure_unit, PQgetvalue (res, row, 1) },
                            { "by_sex", ind->by_sex ? "true" : "false", PQgetvalue (res, row, 2) } };
            char where [WDM_YAML_WHERE_MAX];
            snprintf (where, sizeof where, "indicator '%s'", code);
            for (size_t f = 0; f < sizeof fields / sizeof fields [0]; f++) {
                if (!fields [f].mine || strcmp (fields [f].mine, fields [f].theirs) == 0)
                    continue;
                const wdm_yaml_node_t *node = wdm_yaml_get (yaml, ind->node, fields [f].field);
                wdm_yaml_error (
                    yaml, node ? node : ind->node, where, fields [f].field,
                    "该指标已存有 %s 个数值,按 %s = %s 报送,不能改为 %s;口径不同的统计请用新的指标代码 / "
                    "%s stored values were reported with %s %s and cannot become %s: another "
                    "statistic takes a new indicator code",
                    count, fields [f].field, fields [f].theirs, fields [f].mine, count, fields [f].field,
                    fields [f].theirs, fields [f].mine);
            }
        }
    }
    PQclear (res);
    return 0;
}

//  One error line and the file line it names, for sorting.
typedef struct {
    const char *text;
    size_t length;
    long line;
    size_t order;  //  as found, to keep errors of one line in that order
} s_error_t;

static int
s_error_compare (const void *a, const void *b)
{
    const s_error_t *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

//  Append the reader's errors to errors in the order of the file's lines,
//  as a person reads them beside the file ("PATH:LINE: ..."; a line
//  without a number first).
static void
s_errors_by_line (wdm_yaml_t *yaml, const char *path, wdm_buf_t *errors)
{
    const char *all = wdm_yaml_errors (yaml);
    size_t count = 0;
    for (const char *c = all; *c; c++)
        count += *c == '\n';
    s_error_t *lines = calloc (count + 1, sizeof *lines);
    if (!lines) {
        wdm_buf_printf (errors, "%s", all);
        return;
    }
    size_t prefix = strlen (path);
    const char *at = all;
    for (size_t i = 0; i < count; i++) {
        const char *end = strchr (at, '\n');
        lines [i] = (s_error_t) { .text = at, .length = (size_t)(end - at) + 1, .order = i };
        if (strncmp (at, path, prefix) == 0 && at [prefix] == ':')
            lines [i].line = strtol (at + prefix + 1, NULL, 10);
        at = end + 1;
    }
    qsort (lines, count, sizeof *lines, s_error_compare);
    for (size_t i = 0; i < count; i++)
        wdm_buf_printf (errors, "%.*s", (int)lines [i].length, lines [i].text);
    free (lines);
}

static int
s_vocabulary_load (PGconn *conn, s_vocabulary_t *vocabulary, wdm_buf_t *errors)
{
    return wdm_db_words (conn, "SELECT code FROM measure_unit ORDER BY code", &vocabulary->units, errors)
            || wdm_db_words (conn, "SELECT unnest (enum_range (NULL::target_kind))::text", &vocabulary->kinds,
                             errors)
            || wdm_db_words (conn, "SELECT unnest (enum_range (NULL::aggregation))::text",
                             &vocabulary->aggregations, errors)
            || wdm_db_words (conn, "SELECT unnest (enum_range (NULL::frequency))::text",
                             &vocabulary->frequencies, errors)
        ? -1
        : 0;
}

static void
s_vocabulary_free (s_vocabulary_t *vocabulary)
{
    wdm_db_words_free (&vocabulary->units);
    wdm_db_words_free (&vocabulary->kinds);
    wdm_db_words_free (&vocabulary->aggregations);
    wdm_db_words_free (&vocabulary->frequencies);
}

wdm_plan_file_t *
wdm_plan_file_read (PGconn *conn, const char *path, wdm_buf_t *errors, wdm_plan_result_t *result)
{
    *result = WDM_PLAN_FAILED;
    s_vocabulary_t vocabulary = { 0 };
    wdm_plan_file_t *self = calloc (1, sizeof *self);
    if (!self || !(self->yaml = wdm_yaml_load (path))) {
        wdm_buf_printf (errors, "out of memory\n");
        goto failed;
    }
    if (s_vocabulary_load (conn, &vocabulary, errors))
        goto failed;
    wdm_yaml_t *yaml = self->yaml;
    const wdm_yaml_node_t *root = wdm_yaml_root (yaml);
    static const char *const keys [] = { "plan", "domains", "indicators", NULL };
    if (root && !wdm_yaml_check_keys (yaml, root, NULL, keys)) {
        const wdm_yaml_node_t *plan = wdm_yaml_map (yaml, root, NULL, "plan", true);
        const wdm_yaml_node_t *domains = wdm_yaml_seq (yaml, root, NULL, "domains", true);
        const wdm_yaml_node_t *indicators = wdm_yaml_seq (yaml, root, NULL, "indicators", true);
        self->domains = calloc (wdm_yaml_size (domains) + 1, sizeof *self->domains);
        self->indicators = calloc (wdm_yaml_size (indicators) + 1, sizeof *self->indicators);
        if (!self->domains || !self->indicators) {
            wdm_buf_printf (errors, "out of memory\n");
            goto failed;
        }
        if (plan)
            s_read_head (self, plan);
        s_read_domains (self, domains);
        s_read_indicators (self, indicators, &vocabulary);
        s_check_targets (self);
        if ((self->head.code && s_check_shared (self, conn, errors)) || s_check_stored (self, conn, errors))
            goto failed;
    }
    if (wdm_yaml_error_count (yaml)) {
        s_errors_by_line (yaml, path, errors);
        *result = WDM_PLAN_REFUSED;
        goto failed;
    }
    s_vocabulary_free (&vocabulary);
    *result = WDM_PLAN_OK;
    return self;
failed:
    s_vocabulary_free (&vocabulary);
    wdm_plan_file_destroy (&self);
    return NULL;
}

void
wdm_plan_file_destroy (wdm_plan_file_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    wdm_plan_file_t *self = *self_p;
    for (size_t i = 0; i < self->indicator_count; i++)
        free (self->indicators [i].bodies);
    free (self->indicators);
    free (self->domains);
    wdm_yaml_destroy (&self->yaml);
    free (self);
    *self_p = NULL;
}
