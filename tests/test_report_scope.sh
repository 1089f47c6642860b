#!/usr/bin/env bash
# test_report_scope: the reports for one member unit (`wdmon report --unit`)
# and one town or street (`--area`), and the leaders' one-page summary at
# the front of the district's report (issue 16).  The data set of
# test_report (tests/report/data.sql), warnings evaluated; each figure is
# held against what the database gives, computed here independently: the
# unit's indicators against the responsibility table, statuses against the
# classification written again in SQL (tests/report/status.sql, for the
# town's area too), values against indicator_value, warnings against
# `wdmon warnings --open --unit/--area`, reports owed against report_owed
# and `wdmon completeness`.  The leaders' summary: each line against the
# body (the CSV's statuses, part 3's warnings, part 4's units), and that it
# prints on one A4 page (headless Chromium to PDF, pdftotext per page).
#
# Usage: test_report_scope.sh WDMON
set -u
. "$(dirname "$0")/lib.sh"
wdmon=$1
wdm_test_need_pg
here=$(cd "$(dirname "$0")" && pwd)

work=$(mktemp -d /tmp/wdm_test_report_scope.XXXXXX)
trap 'rm -rf "$work"' EXIT
db=wdm_report_scope_test
conn="$WDM_TEST_PGURI dbname=$db"

wdm_test_db "$db"
wdm_test_migrate "$wdmon"
psql "$conn" -qX -v ON_ERROR_STOP=1 -f "$here/report/data.sql" >/dev/null || exit 2
"$wdmon" --db "$conn" -l warn warnings evaluate --today 2025-01-10 >/dev/null || exit 2
plan=$(q "SELECT code FROM plan WHERE current")
# has / hasnt DESCRIPTION STRING TEXT, saying only the text when they fail
# (the strings are whole reports).
has () { if grep -qF -- "$3" <<<"$2"; then ok "$1"; else fail "$1: lacks '$3'"; fi; }
hasnt () { if grep -qF -- "$3" <<<"$2"; then fail "$1: has '$3'"; else ok "$1"; fi; }

# report NAME ARGS...: wdmon report --year 2024 ARGS -o $work/NAME
report () {
    local name=$1; shift
    if "$wdmon" --db "$conn" -l warn report --year 2024 "$@" -o "$work/$name" 2>"$work/$name.log"; then
        ok "wdmon report $* writes $name"
    else
        fail "wdmon report $*: $(cat "$work/$name.log")"
    fi
}
report district.csv --format csv --lang en
report district.html
report unit.html --unit health_commission
report unit.md --unit health_commission --format md
report unit.csv --unit health_commission --format csv --lang en
report unit_en.html --unit health_commission --lang en
report town.html --area meichang
report town.csv --area meichang --format csv --lang en
report town_en.md --area meichang --format md --lang en
report townunit.csv --unit town_meichang --format csv --lang en

# code|status, code|latest of a report's CSV (English labels)
csv_status () {
    tr -d '\r' <"$1" | tail -n +2 | awk -F, '{ print $1 "|" $(NF - 1) }' | sed \
        -e 's/|Met$/|met/' -e 's/|On track$/|on_track/' -e 's/|Behind schedule$/|behind/' \
        -e 's/|Unlikely to be met$/|unlikely/' -e 's/|Not reported$/|not_reported/' \
        -e 's/|No final value$/|not_reported/' -e 's/|Not met$/|unlikely/' \
        -e 's/|Cannot be judged$/|on_track/' -e '/|Monitored$/d' | sort
}
csv_latest () { tr -d '\r' <"$1" | tail -n +2 | awk -F, '{ print $1 "|" $(NF - 2) }' | sort; }
csv_codes () { tr -d '\r\357\273\277' <"$1" | tail -n +2 | cut -d, -f1 | sort; }
same () { diff "$1" "$2" >"$work/diff" && echo same || { head -5 "$work/diff"; echo differ; }; }

# --- A member unit's report --------------------------------------------------

# Exactly its responsibilities: the indicators of the plan it leads or
# contributes to, no more, no fewer.
q "SELECT r.indicator_code FROM responsibility r JOIN plan_target t ON t.indicator_code = r.indicator_code
    AND t.plan_code = '$plan' AND t.active WHERE r.unit_code = 'health_commission'" | sort >"$work/resp.txt"
csv_codes "$work/unit.csv" >"$work/unit.codes"
[ -s "$work/resp.txt" ] && ok "health_commission has responsibilities" || fail "no responsibilities"
expect "the unit's report lists exactly its responsibilities" "$(same "$work/resp.txt" "$work/unit.codes")" same
for code in $(cat "$work/resp.txt"); do
    grep -q "id=\"ind-$code\"" "$work/unit.html" || { fail "the unit's HTML lacks $code"; break; }
done
other=$(q "SELECT code FROM indicator WHERE code NOT IN (SELECT indicator_code FROM responsibility
            WHERE unit_code = 'health_commission') AND code IN (SELECT indicator_code FROM plan_target
            WHERE plan_code = '$plan' AND active) ORDER BY code LIMIT 1")
hasnt "an indicator it does not answer for ($other) is not in its report" "$(cat "$work/unit.html")" \
    "id=\"ind-$other\""
# A department's area is the district: each status and value is the
# district report's, and the status is the SQL classification's.
psql "$conn" -qXAt -v ON_ERROR_STOP=1 -v year=2024 -v final=false -f "$here/report/status.sql" \
    >"$work/district.sql.txt" || fail "status.sql failed"
grep -Ff <(sed 's/$/|/' "$work/resp.txt") "$work/district.sql.txt" | sort >"$work/unit.expected"
expect "each status in the unit's report is the SQL classification's for its area" \
    "$(same "$work/unit.expected" <(csv_status "$work/unit.csv"))" same
grep -f <(sed 's/^/^/; s/$/|/' "$work/resp.txt") <(csv_latest "$work/district.csv") >"$work/unit.latest"
expect "... and each latest value the district report's" \
    "$(same "$work/unit.latest" <(csv_latest "$work/unit.csv"))" same
has "the unit's summary counts its own indicators" "$(cat "$work/unit.html.log")" \
    "$(grep -c . "$work/unit.expected") indicators with targets"
# Its warnings are those the warnings list gives the unit.
"$wdmon" --db "$conn" -l warn warnings --open --unit health_commission --format csv \
    | tail -n +2 | cut -d, -f1 | sort -n >"$work/unit.warnings.cli"
grep -o 'id="warning-[0-9]*"' "$work/unit.html" | grep -o '[0-9]*' | sort -n >"$work/unit.warnings.report"
[ -s "$work/unit.warnings.cli" ] && ok "the unit has open warnings" || fail "the unit has no warnings"
expect "the unit's report lists the warnings wdmon warnings --unit lists" \
    "$(same "$work/unit.warnings.cli" "$work/unit.warnings.report")" same
# What it owes: one row per report owed for 2024, the missing ones as
# wdmon completeness counts them.
owed=$(q "SELECT count (*) FROM report_owed WHERE unit_code = 'health_commission' AND year = 2024
           AND '$plan' = ANY (plans)")
missing=$("$wdmon" --db "$conn" -l warn completeness --year 2024 --format csv | grep '^health_commission,' \
    | cut -d, -f6)
expect "the unit's report lists each report it owes" \
    "$(sed -n '/id="owed"/,/<\/section>/p' "$work/unit.html" | grep -o '<tr' | tail -n +2 | wc -l)" "$owed"
expect "... the missing ones as wdmon completeness counts them" \
    "$(grep -o '<tr class="missing"' "$work/unit.html" | wc -l)" "$missing"
has "... and says so in Chinese" "$(cat "$work/unit.html")" "尚未报送${missing}项"
has "the English report says it in English" "$(cat "$work/unit_en.html")" "$missing missing"
has "the Markdown form has the unit's name" "$(head -1 "$work/unit.md")" "区卫生健康委"

# --- A town's report ------------------------------------------------------------

expect "a town's report lists every indicator of the plan" \
    "$(same <(csv_codes "$work/district.csv") <(csv_codes "$work/town.csv"))" same
# The classification in SQL, on the town's series instead of the district's.
sed -e "s/SELECT code FROM area WHERE level = 'district' ORDER BY code LIMIT 1/SELECT 'meichang'::text AS code/" \
    -e "s/WHERE o.period_kind = 'year' AND o.body <> '' AND o.sex = 'T'/& AND o.area_code IN (SELECT within_code FROM area_within WHERE area_code = 'meichang')/" \
    -e "s/OR w.rule_code = 'min_count')/OR (w.rule_code = 'min_count' AND w.area_code IN (SELECT within_code FROM area_within WHERE area_code = 'meichang')))/" \
    "$here/report/status.sql" >"$work/status_town.sql"
psql "$conn" -qXAt -v ON_ERROR_STOP=1 -v year=2024 -v final=false -f "$work/status_town.sql" \
    | sort >"$work/town.expected" || fail "status_town.sql failed"
expect "each status in the town's report is the SQL classification's on the town's values" \
    "$(same "$work/town.expected" <(csv_status "$work/town.csv"))" same
has "... where the town's HE10 is met" "$(cat "$work/town.expected")" "HE10|met"
# Each latest value is the town's latest plan-year value in indicator_value.
q "SELECT DISTINCT ON (v.indicator_code) v.indicator_code || '|' || v.value
     FROM indicator_value v JOIN plan_target t ON t.indicator_code = v.indicator_code
      AND t.plan_code = '$plan' AND t.active AND t.target_kind NOT IN ('narrow_gap', 'min_count')
    WHERE v.area_code = 'meichang' AND v.year BETWEEN 2021 AND 2024
    ORDER BY v.indicator_code, v.year DESC" | sort >"$work/town.values"
[ -s "$work/town.values" ] && ok "the town has values" || fail "the town has no values"
expect "each of the town's values in its report is the database's" \
    "$(same "$work/town.values" <(csv_latest "$work/town.csv" | grep -v '|$' | grep -Ff <(cut -d'|' -f1 "$work/town.values" | sed 's/$/|/')))" same
# Its warnings: those of the warnings list for the town.
"$wdmon" --db "$conn" -l warn warnings --open --area meichang --format csv \
    | tail -n +2 | cut -d, -f1 | sort -n >"$work/town.warnings.cli"
grep -o 'id="warning-[0-9]*"' "$work/town.html" | grep -o '[0-9]*' | sort -n >"$work/town.warnings.report"
expect "the town's report lists the warnings wdmon warnings --area lists" \
    "$(same "$work/town.warnings.cli" "$work/town.warnings.report")" same
has "its units' reporting names the town's unit" "$(cat "$work/town.html")" 'id="unit-town_meichang"'
# The town's member unit, judged on the same area, says the same.
grep -Ff <(csv_codes "$work/townunit.csv" | sed 's/$/|/') <(csv_status "$work/town.csv") >"$work/townunit.expected"
expect "the town's member unit's report gives the town report's status for each of its indicators" \
    "$(same "$work/townunit.expected" <(csv_status "$work/townunit.csv"))" same
has "the English Markdown form is in English" "$(head -1 "$work/town_en.md")" "Monitoring Report 2024"

# --- Unknown codes ---------------------------------------------------------------

"$wdmon" --db "$conn" -l warn report --year 2024 --unit helth_commission -o "$work/x.html" 2>"$work/x.log"
expect "an unknown unit is refused (exit 2)" "$?" 2
has "... naming it" "$(cat "$work/x.log")" "helth_commission"
has "... and the nearest" "$(cat "$work/x.log")" "health_commission"
"$wdmon" --db "$conn" -l warn report --year 2024 --area meichan -o "$work/x.html" 2>"$work/x.log"
expect "an unknown area is refused (exit 2)" "$?" 2
has "... naming the nearest" "$(cat "$work/x.log")" "meichang"
expect "... and no report is left" "$(ls "$work" | grep -c '^x.html')" 0

# --- The leaders' summary ---------------------------------------------------------

leaders () { sed -n '/<section class="leaders"/,/<\/section>/p' "$1"; }
keys () { leaders "$1" | sed -n "/id=\"$2\"/,/<\/ul>/p" | grep -o 'data-key="[^"]*"' | cut -d'"' -f2; }
leaders "$work/district.html" >"$work/leaders.html"
[ -s "$work/leaders.html" ] && ok "the district's report has a leaders' summary" || fail "no leaders' summary"
has "... named 领导摘要" "$(cat "$work/leaders.html")" "领导摘要"
before=$(grep -n 'id="leaders"' "$work/district.html" | cut -d: -f1)
after=$(grep -n 'id="summary"' "$work/district.html" | cut -d: -f1)
[ -n "$before" ] && [ -n "$after" ] && [ "$before" -lt "$after" ] && ok "... in front of part 1" \
    || fail "the leaders' summary is not in front ($before, $after)"
# Each target it names is one the body gives 预计达标困难, and all of them.
keys "$work/district.html" leaders-targets-list | sort >"$work/leaders.targets"
csv_status "$work/district.csv" | grep '|unlikely$' | cut -d'|' -f1 | sort >"$work/body.unlikely"
[ -s "$work/body.unlikely" ] && ok "the body has targets unlikely to be met" || fail "none unlikely"
expect "the leaders' targets are the body's targets unlikely to be met" \
    "$(same "$work/body.unlikely" "$work/leaders.targets")" same
has "the count it states is theirs" "$(cat "$work/leaders.html")" "$(grep -c . "$work/body.unlikely")项目标预计难以达标"
# Its red warnings are open red warnings about indicators, as many as there are.
reds=$(q "SELECT count (*) FROM open_warnings WHERE level = 'red' AND rule_code <> 'missing'
           AND year <= 2024 AND plan_code = '$plan'")
has "the red warnings it counts are those open about indicators" "$(cat "$work/leaders.html")" \
    "${reds}条指标红色预警"
for id in $(keys "$work/district.html" leaders-red-list); do
    expect "red warning $id is open, red, about an indicator" \
        "$(q "SELECT level || ' ' || (rule_code <> 'missing') FROM open_warnings WHERE id = $id")" "red true"
    has "... and part 3 lists its message" \
        "$(sed -n '/id="warnings"/,/<\/section>/p' "$work/district.html")" \
        "$(q "SELECT message_zh FROM open_warnings WHERE id = $id" | sed 's/&/\&amp;/g; s/"/\&quot;/g')"
done
listed=$(keys "$work/district.html" leaders-red-list | wc -l)
[ "$reds" -le 6 ] && expect "every red warning is listed" "$listed" "$reds" \
    || has "the rest are counted" "$(cat "$work/leaders.html")" "另有$((reds - listed))条"
# Its units are those wdmon completeness shows with reports missing, most first.
"$wdmon" --db "$conn" -l warn completeness --year 2024 --format csv | tail -n +2 \
    | awk -F, '$6 > 0 { print $1 }' >"$work/owing"
head -6 "$work/owing" >"$work/owing.first"
expect "the leaders' units are the units owing the most, as wdmon completeness orders them" \
    "$(same "$work/owing.first" <(keys "$work/district.html" leaders-units-list))" same
owing=$(grep -c . "$work/owing")
has "... the count it states is theirs" "$(cat "$work/leaders.html")" "${owing}个成员单位尚有数据未报送"
[ "$owing" -gt 6 ] && has "... and the rest are counted" "$(cat "$work/leaders.html")" "另有$((owing - 6))个单位"
first=$(head -1 "$work/owing")
has "... each with its missing count" "$(cat "$work/leaders.html")" \
    "未报送$("$wdmon" --db "$conn" -l warn completeness --year 2024 --format csv | grep "^$first," | cut -d, -f6)项"
# A unit's or a town's report has no leaders' summary.
hasnt "a unit's report has no leaders' summary" "$(cat "$work/unit.html")" 'id="leaders"'
# The final evaluation names the targets not met.
"$wdmon" --db "$conn" -l warn report --final -o "$work/final.html" 2>/dev/null || fail "the final evaluation failed"
"$wdmon" --db "$conn" -l warn report --final --format csv --lang en -o "$work/final.csv" 2>/dev/null
csv_status "$work/final.csv" | grep '|unlikely$' | cut -d'|' -f1 | sort >"$work/final.notmet"
keys "$work/final.html" leaders-targets-list | sort >"$work/final.leaders"
has "the final evaluation's summary lists the targets not met" "$(cat "$work/final.html")" "一、未达标的目标"
if [ "$(grep -c . "$work/final.notmet")" -le 8 ]; then
    expect "... exactly the body's" "$(same "$work/final.notmet" "$work/final.leaders")" same
else
    expect "... the first eight of the body's" "$(same <(grep -Ff "$work/final.leaders" "$work/final.notmet") "$work/final.leaders")" same
fi

# One printed page: Chromium prints the report to PDF; the summary's first
# and last lines are on page 1, and nothing of it on page 2, which opens
# with part 1.
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ] || ! command -v pdftotext >/dev/null; then
    fail "chromium and pdftotext (poppler-utils) are needed: apt-get install chromium poppler-utils fonts-noto-cjk"
else
    profile=$(mktemp -d "$work/profile.XXXXXX")
    timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" --no-pdf-header-footer --print-to-pdf="$work/district.pdf" \
        "file://$work/district.html" >/dev/null 2>"$work/pdf.log"
    expect "chromium prints the report to PDF" "$(head -c 4 "$work/district.pdf" 2>/dev/null)" "%PDF"
    pages=$(pdfinfo "$work/district.pdf" | awk '/^Pages:/ { print $2 }')
    [ "${pages:-0}" -gt 2 ] && ok "the PDF has $pages pages" || fail "the PDF has ${pages:-no} pages"
    pdftotext -layout -f 1 -l 1 "$work/district.pdf" "$work/page1.txt"
    pdftotext -layout -f 2 -l 2 "$work/district.pdf" "$work/page2.txt"
    has "page 1 holds the leaders' summary" "$(cat "$work/page1.txt")" "领导摘要"
    last=$(q "SELECT name_zh FROM member_unit WHERE code = '$(sed -n 6p "$work/owing")'")
    has "... down to its last line (the sixth unit, $last)" "$(tr -d ' ' <"$work/page1.txt")" "$last:未报送"
    has "... and the count of the rest" "$(tr -d ' ' <"$work/page1.txt")" "另有$((owing - 6))个单位"
    hasnt "page 2 has nothing of it" "$(cat "$work/page2.txt")" "$last"
    has "page 2 opens part 1" "$(cat "$work/page2.txt")" "一、总体情况"
fi

wdm_test_end test_report_scope
