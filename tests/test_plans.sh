#!/usr/bin/env bash
# test_plans: several plans at once (issue 14).  A second plan whose code
# sorts before the 2021-2025 plan's (so that any query taking "the first
# plan" takes the wrong one) shares maternal mortality (HE03) with another
# target, and has a statistic of its own.  What the operator sees:
#   (a) the current plan's warnings and report are as they were;
#   (b) a shared statistic is judged in each plan's own years: a value
#       of the next plan's baseline year misses nothing there, one of its
#       own years is judged by it alone, naming it;
#   (c) with two plans over the same years, one observation (a town's) is judged
#       against both targets: it meets one and opens exactly one not-met
#       warning, naming the plan it misses; a report two plans watch in
#       the same year is owed once, and counted in each plan's completeness;
#   (d) --plan names an unknown plan as an error with the nearest;
#   (e) with no plan current, a command without --plan is refused the
#       same way everywhere, naming the plans there are.
#
# Usage: test_plans.sh WDMON
set -u
. "$(dirname "$0")/lib.sh"
wdmon=$1
wdm_test_need_pg

work=$(mktemp -d /tmp/wdm_test_plans.XXXXXX)
trap 'rm -rf "$work"' EXIT
wdm_test_db wdm_test_plans
w () { "$wdmon" --db "$conn" -l warn "$@"; }
hasnt () {  # hasnt DESCRIPTION STRING TEXT: the string does not hold the text
    if grep -qF -- "$3" <<<"$2"; then fail "$1: has '$3'"; else ok "$1"; fi
}
wdm_test_migrate "$wdmon"
current=wuqing-women-2021-2025
next=aaa-test-2026-2030

seq=0
obs () {  # obs INDICATOR AREA YEAR VALUE: a value as the health commission reports it
    seq=$((seq + 1))
    q "INSERT INTO observation (indicator_code, area_code, year, value, status, unit_code, rec_epoch, rec_seq)
       VALUES ('$1', '$2', $3, $4, 'final', 'health_commission', 1, $seq)"
}
# Maternal mortality (控制在8.5/10万以下) 2020-2024, over the bound in 2023
# and 2024; cervical cancer screening (达70%以上), far behind.
for v in 2020:9.0 2021:8.0 2022:8.3 2023:8.9 2024:9.4; do obs HE03 wuqing "${v%%:*}" "${v#*:}"; done
for v in 2020:50 2021:52 2022:53 2023:54; do obs HE05 wuqing "${v%%:*}" "${v#*:}"; done

# What the operator sees of the current plan: its warnings (without the
# times and numbers of a run) and its report.
seen () {
    w warnings --format csv | cut -d, -f2-8 | sort
}
report () { w report --year 2024 --format csv -o - ; }
w warnings evaluate --today 2025-04-10 >/dev/null || fail "evaluate with one plan"
seen >"$work/one.warnings"
report >"$work/one.report" || fail "report with one plan"
[ "$(wc -l <"$work/one.warnings")" -gt 3 ] || fail "too few warnings to compare: $(cat "$work/one.warnings")"
grep -q "not_met,HE03,wuqing,2024" "$work/one.warnings" || fail "no not_met for HE03 2024: $(cat "$work/one.warnings")"

# The second plan, code first in order, not current: HE03 at or below 7.0
# by 2030, and a statistic of its own (TT01) that the first plan lacks.
q "INSERT INTO plan (code, title_zh, title_en, source, period_start, period_end, baseline_year)
   VALUES ('$next', '测试规划(示例)', 'Test plan (example)', 'test', 2026, 2030, 2025);
   INSERT INTO domain (code, plan_code, ordinal, name_zh, name_en)
   VALUES ('health', '$next', 1, '妇女与健康', 'Women and health');
   INSERT INTO indicator (code, name_zh, name_en, measure_unit_code, aggregation, value_min)
   VALUES ('TT01', '测试指标', 'Test statistic', 'count', 'sum', 0);
   INSERT INTO plan_target (plan_code, indicator_code, domain_code, ordinal, target_kind, target_value,
                            target_year, clause_zh, clause_ref)
   VALUES ('$next', 'HE03', 'health', 1, 'upper_bound', 7.0, 2030, '孕产妇死亡率控制在7/10万以下', '测试1'),
          ('$next', 'TT01', 'health', 2, 'reach', 100, 2030, '测试指标达到100', '测试2');
   INSERT INTO responsibility (indicator_code, unit_code) VALUES ('TT01', 'health_commission')" >/dev/null \
    || fail "the second plan could not be added"
obs TT01 wuqing 2026 40

# (a) the current plan as it was.
w warnings evaluate --today 2025-04-10 >/dev/null || fail "evaluate with two plans"
seen >"$work/two.warnings"
report >"$work/two.report" || fail "report with two plans"
expect "(a) the current plan's warnings are unchanged by a second plan" \
    "$(diff "$work/one.warnings" "$work/two.warnings" && echo same)" same
expect "(a) the current plan's report is unchanged by a second plan" \
    "$(diff <(grep -v '^#' "$work/one.report") <(grep -v '^#' "$work/two.report") && echo same)" same
expect "(a) the report names the current plan's targets, not the second plan's" \
    "$(grep -c '^TT01,' "$work/two.report")" 0

# (b) a shared statistic, each plan in its own years.  8.0 in 2025 meets
# 8.5 (the current plan) and is only the baseline of the second: before
# its years, so it misses nothing there (it once opened a not-met warning
# for 2025 in a plan that begins in 2026).
obs HE03 wuqing 2025 8.0
w warnings evaluate --today 2025-04-10 >/dev/null || fail "evaluate after 2025"
expect "(b) 8.0 in 2025 opens no not-met warning: met in one plan, the other's baseline year" \
    "$(q "SELECT count(*) FROM warning WHERE rule_code = 'not_met' AND indicator_code = 'HE03' AND year = 2025")" 0
# 7.5 in 2026 lies outside the current plan's years and over the second
# plan's 7.0: only the second plan judges it, and its warning says so.
obs HE03 wuqing 2026 7.5
w warnings evaluate --today 2025-04-10 >/dev/null || fail "evaluate after 2026"
expect "(b) 2026 is judged by the second plan only" \
    "$(q "SELECT string_agg(plan_code || ' ' || level, ',') FROM warning
          WHERE indicator_code = 'HE03' AND year = 2026 AND state <> 'resolved'")" "$next red"
out=$(w warnings --plan $next --format csv); rc=$?
check "(b) warnings --plan lists the second plan's warning, naming its plan" 0 $rc "$out" \
    "not_met,HE03,wuqing,2026,,$next,"
hasnt "(b) ... and none of the current plan's" "$out" "$current"
out=$(w warnings --format csv)
hasnt "(b) warnings without --plan: the current plan's only" "$out" "$next"
has "(b) ... with the plan column" "$out" "not_met,HE03,wuqing,2024,,$current,"
msg=$(q "SELECT message_zh FROM warning WHERE plan_code = '$next' AND rule_code = 'not_met' AND indicator_code = 'HE03' AND year = 2026")
has "(b) the second plan's warning speaks of its own target" "$msg" "控制在7/10万以下"
out=$(w warnings show "$(q "SELECT id FROM warning WHERE plan_code = '$next' AND rule_code = 'not_met' AND indicator_code = 'HE03' AND year = 2026")")
has "(b) warnings show names the plan" "$out" "plan       $next 测试规划(示例)"

# (c) a children's plan for 2021-2025 also watches HE03: the report is
# owed once a year, by the earlier deadline, and counted in each plan.
owed () { q "SELECT count(*) FROM report_owed WHERE unit_code = 'health_commission' AND year = 2024"; }
owed_before=$(owed)
missing_before=$(q "SELECT count(*) FROM warning WHERE rule_code = 'missing' AND state <> 'resolved'")
q "INSERT INTO plan (code, subject, title_zh, title_en, source, period_start, period_end, baseline_year,
                     deadline_month, deadline_day)
   VALUES ('aab-children-test', 'children', '儿童测试规划', 'Children test plan', 'test', 2021, 2025, 2020, 2, 28);
   INSERT INTO domain (code, plan_code, ordinal, name_zh, name_en)
   VALUES ('health', 'aab-children-test', 1, '儿童与健康', 'Children and health');
   INSERT INTO plan_target (plan_code, indicator_code, domain_code, ordinal, target_kind, target_value,
                            target_year, clause_zh, clause_ref)
   VALUES ('aab-children-test', 'HE03', 'health', 1, 'upper_bound', 10, 2025, '测试', '测试3')" >/dev/null \
    || fail "the children's plan could not be added"
obs HE03 baigutun 2025 9.0
w warnings evaluate --today 2025-04-10 >/dev/null || fail "evaluate with the children's plan"
expect "(c) one observation, two targets: 9.0 in 2025 meets the children's plan (at most 10) and misses the women's (at most 8.5)" \
    "$(q "SELECT string_agg(plan_code || ' ' || level, ',') FROM warning
          WHERE rule_code = 'not_met' AND indicator_code = 'HE03' AND area_code = 'baigutun' AND year = 2025
            AND state <> 'resolved'")" "$current red"
expect "(c) a report two plans watch is owed once" "$(owed)" "$owed_before"
expect "(c) ... by the earlier deadline, for the plan it is due to first" \
    "$(q "SELECT plan_code || ' ' || deadline || ' ' || array_to_string (plans, '+') FROM report_owed
          WHERE unit_code = 'health_commission' AND indicator_code = 'HE03' AND year = 2024")" \
    "aab-children-test 2025-02-28 aab-children-test+$current"
out=$(w completeness --year 2024 --plan aab-children-test --format csv); rc=$?
check "(c) completeness --plan counts it in the children's plan" 0 $rc "$out" "^health_commission,[^,]*,1,"
out=$(w completeness --year 2024 --format csv); rc=$?
check "(c) ... and in the current plan, as before" 0 $rc "$out" "^health_commission,[^,]*,$owed_before,"
w warnings evaluate --today 2025-04-10 >/dev/null || fail "evaluate with three plans"
expect "(c) no missing report is warned about twice" \
    "$(q "SELECT count(*) FROM warning WHERE rule_code = 'missing' AND state <> 'resolved'")" "$missing_before"

# (d) an unknown plan is an error naming it and the nearest.
out=$(w warnings --plan aaa-tset-2026-2030 2>&1); rc=$?
check "(d) an unknown --plan is refused, naming the nearest" 2 $rc "$out" "aaa-tset-2026-2030.*$next"
out=$(w report --year 2024 --plan wuqing-women -o - 2>&1); rc=$?
check "(d) report --plan too" 2 $rc "$out" "$current"

# (d) a year is one of the plan's the command is about: the current
# plan's without --plan, not any plan's.  Both plans' years together ran
# 2021-2030, and completeness --year 2027 of the 2021-2025 plan answered
# with no rows, as if nothing were owed.
out=$(w completeness --year 2027 2>&1); rc=$?
check "(d) completeness --year 2027 of the current plan (2021-2025) is refused, naming the plan and its years" \
    2 $rc "$out" "2027.*$current.*2021.*2025"
out=$(w completeness --year 2024 --plan "$next" 2>&1); rc=$?
check "(d) ... and 2024 of the next plan (2026-2030)" 2 $rc "$out" "2024.*$next.*2026.*2030"
out=$(w completeness --year 2027 --plan "$next" --format csv 2>&1); rc=$?
check "(d) ... while 2027 of the next plan is one of its years" 0 $rc "$out" "^unit,name,owed"
out=$(w warnings --year 2028 2>&1); rc=$?
check "(d) warnings --year 2028 of the current plan is refused, naming its years" 2 $rc "$out" \
    "2028.*$current.*2020.*2025"
out=$(w warnings --year 2028 --plan "$next" --format csv 2>&1); rc=$?
check "(d) ... and is a year of the next plan's" 0 $rc "$out" "^id,"

# (e) no plan current: every command that takes --plan refuses alike.
q "UPDATE plan SET current = false"
for cmd in "warnings" "report --year 2024 -o -" "completeness --year 2024"; do
    out=$(w $cmd 2>&1); rc=$?
    check "(e) $cmd without --plan and no current plan is refused, naming the plans" 2 $rc "$out" \
        "没有当前规划.*no plan is current.*$current"
done
out=$(w warnings --plan "$current" --format csv 2>&1); rc=$?
check "(e) ... and --plan still names one" 0 $rc "$out" "not_met,HE03,wuqing,2024"

wdm_test_drop_db
wdm_test_end test_plans
