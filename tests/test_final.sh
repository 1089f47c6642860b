#!/usr/bin/env bash
# test_final: plans in succession and the final evaluation (issue 14,
# items 3 and 4), as the monitoring office reads them.  The report's data
# set (tests/report/data.sql, 2020-2024) gets a few 2025 figures; the
# warnings are evaluated as in January 2025 and again in April 2026, when
# the 2021-2025 plan has ended; one warning is acknowledged with a note.
#   (a) `wdmon report --plan P --final` of the ended plan lists every
#       target with its verdict at its target year, the value and the
#       year used, and the change over the period against the baseline;
#       targets without a 2025 value are listed as such, never met; the
#       HTML, Markdown and CSV forms count alike;
#   (b) it agrees with the warnings: a target it calls met has no open
#       warning about the target, and no row looks better than its worst
#       open target warning;
#   (c) it lists the warnings the plan saw over its period and how each
#       ended (resolved when, still open, acknowledged with the note);
#   (d) --final is refused for a plan that has not ended, and for a year
#       other than the plan's last;
#   (e) a 2026-2030 plan that states no baseline for HE03 takes the
#       stored 2025 value: the behind-schedule warning and the report's
#       baseline column both show it; where the plan states one (HE05),
#       that one; where neither, none.
#
# Usage: test_final.sh WDMON
set -u
. "$(dirname "$0")/lib.sh"
wdmon=$1
wdm_test_need_pg
here=$(cd "$(dirname "$0")" && pwd)

work=$(mktemp -d /tmp/wdm_test_final.XXXXXX)
trap 'rm -rf "$work"' EXIT
wdm_test_db wdm_test_final
wdm_test_migrate "$wdmon"
psql "$conn" -qX -v ON_ERROR_STOP=1 -f "$here/report/data.sql" >/dev/null || exit 2
w () { "$wdmon" --db "$conn" -l warn "$@"; }
plan=wuqing-women-2021-2025
next=aaa-test-2026-2030
w warnings evaluate --today 2025-01-10 >/dev/null || exit 2
# Acknowledged in 2025, resolved by the 2025 figure: the ending keeps the note.
he05_2024=$(q "SELECT id FROM warning WHERE plan_code = '$plan' AND indicator_code = 'HE05'
                 AND rule_code = 'not_met' AND year = 2024 AND state = 'open'")
w warnings ack "$he05_2024" --by 王芳 --note "已督促卫健委加快筛查" >/dev/null || fail "ack $he05_2024"

seq=1000
obs () {  # obs INDICATOR YEAR VALUE [BODY]: a district value as its unit reports it
    seq=$((seq + 1))
    q "INSERT INTO observation (indicator_code, area_code, year, body, value, status, unit_code, rec_epoch, rec_seq)
       VALUES ('$1', 'wuqing', $2, '${4:-}', $3, 'final', 'statistics_bureau', 2, $seq)" >/dev/null \
        || fail "could not store $1 $2"
}
# 2025: maternal mortality 8.2 (at most 8.5: met), cervical screening 60
# (70 or more: not met), breast screening up again, women exercising 45.5.
obs HE03 2025 8.2
obs HE05 2025 60
obs HE06 2025 62
obs HE16 2025 45.5
w warnings evaluate --today 2026-04-10 >/dev/null || fail "evaluate in 2026"
he05=$(q "SELECT id FROM warning WHERE plan_code = '$plan' AND indicator_code = 'HE05'
            AND rule_code = 'not_met' AND year = 2025 AND state = 'open'")
[ -n "$he05" ] || fail "no open not_met warning for HE05 2025"
w warnings ack "$he05" --by 李明 --note "已约谈卫健委,筛查点扩容中" >/dev/null || fail "ack $he05"

# final NAME ARGS...: the final evaluation of the 2021-2025 plan.
final () {
    local name=$1; shift
    if w report --plan $plan --final "$@" -o "$work/$name" 2>"$work/$name.log"; then
        ok "wdmon report --final $* writes $name"
    else
        fail "wdmon report --final $*: $(cat "$work/$name.log")"
    fi
}
final zh.html
final zh.md --format md
final en.csv --format csv --lang en
final en.html --lang en
final zh.csv --format csv

# --- (a) every target, its verdict at 2025, the value and the year used -----
csv () { tr -d '\r' <"$work/$1" | sed '1s/^\xEF\xBB\xBF//'; }
col () {  # col FILE NAME: the column of that name, as code|value (a CSV reader: fields are quoted)
    python3 -c 'import csv, sys
rows = list (csv.reader (open (sys.argv[1], encoding = "utf-8-sig", newline = "")))
c = rows[0].index (sys.argv[2])
for r in rows[1:]:
    print (r[0] + "|" + r[c])' "$work/$1" "$2"
}
targets=$(q "SELECT count(*) FROM plan_target WHERE plan_code = '$plan' AND active")
expect "(a) the CSV lists every target of the plan" "$(csv en.csv | tail -n +2 | wc -l)" "$targets"
status () { col en.csv status | grep "|$1\$" | cut -d'|' -f1 | sort | tr '\n' ' '; }
# The judged targets with no 2025 value for the district, from the database.
nofinal=$(q "SELECT t.indicator_code FROM plan_target t
              WHERE t.plan_code = '$plan' AND t.active AND t.target_kind <> 'monitor'
                AND NOT EXISTS (SELECT 1 FROM indicator_value v WHERE v.indicator_code = t.indicator_code
                                  AND v.area_code = 'wuqing' AND v.year = 2025)
                AND NOT EXISTS (SELECT 1 FROM observation_current o WHERE o.indicator_code = t.indicator_code
                                  AND o.year = 2025 AND o.body <> '')
                AND NOT EXISTS (SELECT 1 FROM observation_current o WHERE o.indicator_code = t.indicator_code
                                  AND o.year = 2025 AND o.sex = 'F')
              ORDER BY 1" | sort | tr '\n' ' ')
expect "(a) the targets without a 2025 value are listed as such" "$(status 'No final value')" "$nofinal"
expect "(a) ... the four with one are judged" "$(status Met)" "HE03 HE06 HE16 "
expect "(a) ... and HE05 is not met" "$(status 'Not met')" "HE05 "
expect "(a) the year used for HE03" "$(col en.csv final_year | grep '^HE03|')" "HE03|2025"
expect "(a) the value used for HE03" "$(col en.csv final_value | grep '^HE03|')" "HE03|8.2"
expect "(a) no year or value used where there is none" "$(col en.csv final_year | grep '^HE09|')" "HE09|"
expect "(a) the change over the period against the 2020 baseline" "$(col en.csv change | grep '^HE03|')" "HE03|-0.8"
expect "(a) ... for HE05" "$(col en.csv change | grep '^HE05|')" "HE05|10"
# What the command says it wrote uses the final evaluation's words: a
# target missed at 2025 is "not met", not "unlikely to be met".
notmet=$(status 'Not met' | wc -w)
contains "(a) the command's line after --final counts the targets not met" "$work/zh.html.log" \
    "$(status Met | wc -w) met, $notmet not met"
lacks "(a) ... and says nothing of 'unlikely' or 'behind' of an ended plan" "$work/zh.html.log" "unlikely"
met=$(status Met | wc -w)
html_count () { sed -nE "s/.*id=\"count-$2\">([0-9]+)<.*/\1/p" "$work/$1"; }
md_count () { awk '/^## / { s = /^## (一、总体情况|1 Summary)$/ } s' "$work/$1" | sed -nE "s/^\| $2 \| ([0-9]+) \|.*/\1/p"; }
expect "(a) the HTML summary counts the met" "$(html_count zh.html met)" "$met"
expect "(a) ... and the targets without a final value" "$(html_count zh.html not_reported)" "$(wc -w <<<"$nofinal")"
expect "(a) the English HTML too" "$(html_count en.html not_reported)" "$(wc -w <<<"$nofinal")"
expect "(a) the Markdown summary counts the met" "$(md_count zh.md 达标)" "$met"
expect "(a) ... and those without a final value" "$(md_count zh.md 无终期数据)" "$(wc -w <<<"$nofinal")"
expect "(a) the Chinese CSV has the same verdicts" \
    "$(col zh.csv 状态 | grep -c '|达标$') $(col zh.csv 状态 | grep -c '|无终期数据$')" \
    "$met $(wc -w <<<"$nofinal")"
first=$(grep -o '<section class="part[^"]*" id="[a-z]*"' "$work/zh.html" | head -1)
expect "(a) the summary of the period comes first" "$first" '<section class="part first" id="summary"'
contains "(a) the summary names the period" "$work/zh.html" "评估期(2021—2025年)"
contains "(a) ... and the targets not met" "$work/zh.html" "未达标的目标:HE05"
contains "(a) the domain tables give the value and year used" "$work/zh.md" "| 8.2/10万(2025年) |"

# --- (b) it agrees with the warnings ----------------------------------------
contradicted=$(for code in $(status Met); do
    q "SELECT '$code: ' || rule_code || ' ' || year FROM open_warnings
        WHERE plan_code = '$plan' AND indicator_code = '$code' AND year BETWEEN 2021 AND 2025
          AND (area_code = 'wuqing' OR rule_code = 'min_count')
          AND rule_code IN ('not_met', 'behind_schedule', 'unlikely', 'wrong_direction',
                            'relation_broken', 'min_count')"
done)
expect "(b) no target called met has an open warning about it" "$contradicted" ""
# report_rank reads the annual labels: the final ones are mapped onto them.
sed -e 's/,Not met,/,Unlikely to be met,/' -e 's/,No final value,/,Not reported,/' \
    -e 's/,Cannot be judged,/,On track,/' "$work/en.csv" >"$work/ranked.csv"
expect "(b) no row looks better than its worst open target warning" \
    "$(better_than_warning "$(worst_target_warning 2025)" "$work/ranked.csv")" ""

# --- (c) the warnings the plan saw and how each ended -----------------------
ended () {  # ended STATE: the ids of the plan's warnings about indicators over 2021-2025 in that state
    q "SELECT id FROM warning WHERE plan_code = '$plan' AND year BETWEEN 2021 AND 2025 AND state = '$1'
          AND rule_code <> 'missing' ORDER BY id" | tr '\n' ' '
}
listed () {  # listed CLASS: the ids the HTML lists with that ending
    grep -oE "<tr id=\"w-[0-9]+\" class=\"[a-z]+ end-$1\"" "$work/zh.html" | sed -E 's/.*w-([0-9]+)".*/\1/' \
        | sort -n | tr '\n' ' '
}
[ -n "$(ended resolved)" ] && ok "(c) some warnings were resolved" || fail "(c) no resolved warning to list"
expect "(c) the resolved warnings are listed as resolved" "$(listed resolved)" "$(ended resolved)"
expect "(c) the open ones as still open" "$(listed open)" "$(ended open)"
expect "(c) the acknowledged one as acknowledged" "$(listed acknowledged)" "$(ended acknowledged)"
contains "(c) ... with its note" "$work/zh.html" "已约谈卫健委,筛查点扩容中"
expect "(c) the warning acknowledged, then resolved, is listed as resolved" \
    "$(q "SELECT state FROM warning WHERE id = $he05_2024")" resolved
contains "(c) ... keeping the note it was acknowledged with" "$work/zh.html" "此前已确认(王芳):已督促卫健委加快筛查"
contains "(c) ... in English too" "$work/en.html" "acknowledged before by 王芳: 已督促卫健委加快筛查"
resolved_at=$(q "SELECT to_char (resolved_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')
                   FROM warning WHERE id = $(ended resolved | cut -d' ' -f1)")
contains "(c) a resolved warning says when" "$work/zh.html" "已解除($resolved_at)"
total=$(q "SELECT count(*) FROM warning WHERE plan_code = '$plan' AND year BETWEEN 2021 AND 2025")
missing=$(q "SELECT count(*) || '条:已解除(数据已报送)' || count(*) FILTER (WHERE state = 'resolved') || '条'
               FROM warning WHERE plan_code = '$plan' AND year BETWEEN 2021 AND 2025 AND rule_code = 'missing'")
contains "(c) the reports not made on time are counted by how they ended" "$work/zh.md" "共$missing"
contains "(c) the count of all the warnings of the period" "$work/zh.md" "评估期内共产生预警${total}条"
contains "(c) ... in English" "$work/en.html" "${total} warnings were raised over the period"

# --- (d) --final only for an ended plan, at its last year -------------------
q "INSERT INTO plan (code, title_zh, title_en, source, period_start, period_end, baseline_year)
   VALUES ('$next', '测试规划(示例)', 'Test plan (example)', 'test', 2026, 2030, 2025);
   INSERT INTO domain (code, plan_code, ordinal, name_zh, name_en)
   VALUES ('health', '$next', 1, '妇女与健康', 'Women and health');
   INSERT INTO indicator (code, name_zh, name_en, measure_unit_code, aggregation, value_min)
   VALUES ('TT01', '测试指标', 'Test statistic', 'count', 'sum', 0);
   INSERT INTO plan_target (plan_code, indicator_code, domain_code, ordinal, target_kind, target_value,
                            target_year, clause_zh, clause_ref, baseline_value, baseline_source)
   VALUES ('$next', 'HE03', 'health', 1, 'upper_bound', 7.0, 2030, '孕产妇死亡率控制在7/10万以下', '测试1', NULL, NULL),
          ('$next', 'HE05', 'health', 2, 'lower_bound', 80, 2030, '宫颈癌筛查率达到80%以上', '测试2', 58, 'plan'),
          ('$next', 'TT01', 'health', 3, 'reach', 100, 2030, '测试指标达到100', '测试3', NULL, NULL)" >/dev/null \
    || fail "the 2026-2030 test plan could not be added"
# A plan that ends this year (the office's year): has not ended whatever
# the date the test runs on (the 2026-2030 plan ends before 2031 does).
this=$(TZ=Asia/Shanghai date +%Y)
q "INSERT INTO plan (code, title_zh, title_en, source, period_start, period_end, baseline_year)
   VALUES ('ends-this-year', '今年结束的测试规划', 'A test plan ending this year', 'test',
           $((this - 4)), $this, $((this - 5)))" >/dev/null || fail "the plan ending this year could not be added"
out=$(w report --plan ends-this-year --final -o "$work/next.html" 2>&1); rc=$?
check "(d) --final is refused for a plan that has not ended" 2 $rc "$out" "ends-this-year.*$this"
q "DELETE FROM plan WHERE code = 'ends-this-year'" >/dev/null
out=$(w report --plan $plan --final --year 2024 -o "$work/x.html" 2>&1); rc=$?
check "(d) ... and for a year other than the plan's last" 2 $rc "$out" "2025"

# --- (e) the next plan's baseline ------------------------------------------
expect "(e) plan_baseline: HE03 from the stored 2025 value" \
    "$(q "SELECT value || ' ' || source FROM plan_baseline WHERE plan_code = '$next' AND indicator_code = 'HE03'")" \
    "8.2 stored"
expect "(e) ... HE05 as the plan states it" \
    "$(q "SELECT value || ' ' || source FROM plan_baseline WHERE plan_code = '$next' AND indicator_code = 'HE05'")" \
    "58 plan"
expect "(e) ... TT01 none" \
    "$(q "SELECT coalesce (value::text, '-') || ' ' || coalesce (source, 'none') FROM plan_baseline
           WHERE plan_code = '$next' AND indicator_code = 'TT01'")" "- none"
obs HE03 2027 8.1
obs HE05 2027 62
w warnings evaluate --today 2028-01-10 >/dev/null || fail "evaluate in 2028"
behind () {
    q "SELECT message_zh FROM warning WHERE plan_code = '$next' AND indicator_code = '$1'
        AND rule_code = 'behind_schedule' AND year = 2027"
}
has "(e) HE03's behind-schedule warning measures from the stored 2025 value" "$(behind HE03)" "2025年基期(8.2/10万)"
has "(e) HE05's from the plan's stated baseline, not the stored 60" "$(behind HE05)" "2025年基期(58%)"
w report --plan $next --year 2027 --format csv --lang en -o "$work/next.csv" || fail "report on $next"
baseline=$(paste -d' ' <(col next.csv baseline | tr '|' ' ') <(col next.csv baseline_source | cut -d'|' -f2) \
    | tr '\n' ',')
expect "(e) the report's baseline column and its source" "$baseline" "HE03 8.2 stored,HE05 58 plan,TT01  none,"
w report --plan $next --year 2027 --format md -o "$work/next.md" || fail "report on $next in Markdown"
contains "(e) the Markdown report marks the plan's stated baseline" "$work/next.md" "| 58ᵖ |"
contains "(e) ... and says where each baseline came from" "$work/next.md" "基期值来源"

# Where the district has no figure of its own, the baseline is its towns'
# and streets' rolled up (indicator_value); once it has one, that one.
for town in yangcun meichang; do
    seq=$((seq + 1))
    q "INSERT INTO observation (indicator_code, area_code, year, value, status, unit_code, rec_epoch, rec_seq)
       VALUES ('TT01', '$town', 2025, 15, 'final', 'statistics_bureau', 2, $seq)" >/dev/null \
        || fail "could not store TT01 for $town"
done
expect "(e) TT01's baseline: its towns' 2025 values rolled up" \
    "$(q "SELECT value || ' ' || source FROM plan_baseline WHERE plan_code = '$next' AND indicator_code = 'TT01'")" \
    "30 stored"
obs TT01 2025 25
expect "(e) ... and the district's own once it has one" \
    "$(q "SELECT value || ' ' || source FROM plan_baseline WHERE plan_code = '$next' AND indicator_code = 'TT01'")" \
    "25 stored"

[ -n "${WDM_FINAL_KEEP:-}" ] && cp "$work"/* "$WDM_FINAL_KEEP"/  # WDM_FINAL_KEEP=DIR keeps the reports
wdm_test_drop_db
wdm_test_end test_final
