#!/usr/bin/env bash
# test_quickstart: the quick start, as a new district office first sees it.
# Runs deploy/quickstart.sh on a state directory of its own (its own
# PostgreSQL, server, collectors and ports; the programs already built),
# then holds what it told the office against the stored data:
#   - every open "missing report" warning is for data that is truly absent:
#     no value of that indicator, year (and body) is stored for the area or
#     any area within it, by any unit (116 of 177 once were false);
#   - no row of the 2025 report is better than the worst open warning about
#     its target (the report once said 达标 beside an open red warning);
#   - the summary keeps "target at risk" apart from "data missing";
#   - the summary's counts are those of `wdmon warnings --open`;
#   - plans in succession (issue 14): the 2021-2025 plan is current, the
#     example 2026-2030 plan is there, and the example's baseline for each
#     statistic it shares and states none for is the stored 2025 value
#     (in plan_baseline and in the example plan's report);
#   - the final evaluation of 2021-2025 lists every target with its 2025
#     verdict, lists those with no 2025 value as such (never met), and
#     agrees with the warnings: a target has an open target warning if and
#     only if the evaluation, having a final value, does not call it met;
#   - the console (issue 15): the accounts' passwords are in
#     var/console-accounts.txt (0600) and the summary, and logging in over
#     HTTP with them as an operator and as a unit user shows the demo's
#     warnings on /warnings, those the database holds for each.
# Then stops everything and removes the directory.
#
# Usage: test_quickstart.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
command -v pg_ctlcluster >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 \
    || { echo "no PostgreSQL server here: run tests/run.sh"; exit 77; }

work=$(mktemp -d /tmp/wdm-qs.XXXXXX)
chmod 755 "$work"
export WDM_QS_VAR=$work/var WDM_QS_BUILD=$build WDM_QS_SETUP=0
export WDM_QS_PORT=$((14000 + $$ % 12000)) WDM_QS_METRICS_PORT=$((14001 + $$ % 12000))
export WDM_QS_WEB_PORT=$((14002 + $$ % 12000))
finish () {
    bash "$src/deploy/quickstart.sh" --stop >/dev/null 2>&1
    rm -rf "$work"
}
trap finish EXIT

if ! bash "$src/deploy/quickstart.sh" >"$work/out.txt" 2>&1; then
    cat "$work/out.txt"
    echo "FAIL: deploy/quickstart.sh failed"
    exit 1
fi
ok "deploy/quickstart.sh ran"
conn="host=$work/var/pg/run port=5432 user=postgres dbname=wdmon"

# 1. Missing reports: the data is really not there.
missing=$(q "SELECT count(*) FROM open_warnings WHERE rule_code = 'missing'")
[ "$missing" -gt 0 ] && ok "the demo has missing reports to check ($missing)" \
    || fail "no open missing-report warning: the demo should owe some"
# The areas within each area are worked out here, not read from the view
# the rule itself uses.
stored=$(q "WITH RECURSIVE within (area_code, inner_code) AS (
                SELECT code, code FROM area
                UNION ALL
                SELECT w.area_code, a.code FROM within w JOIN area a ON a.parent_code = w.inner_code)
            SELECT coalesce (string_agg (DISTINCT ow.indicator_code || '/' || ow.area_code || '/'
                                         || ow.year || CASE ow.body WHEN '' THEN '' ELSE '/' || ow.body END, ' '), 'none')
              FROM open_warnings ow
             WHERE ow.rule_code = 'missing'
               AND EXISTS (SELECT 1 FROM observation o
                             JOIN within w ON w.inner_code = o.area_code
                            WHERE w.area_code = ow.area_code
                              AND o.indicator_code = ow.indicator_code AND o.year = ow.year
                              AND (ow.body = '' OR o.body = ow.body))") \
    || fail "the query for stored data failed"
expect "no missing-report warning for data already stored" "$stored" "none"

# 2. The report's status is never better than its worst open target warning
# (of the 2021-2025 plan: the example plan judges the same statistics
# against targets of its own).
"$build/server/wdmon" --db "$conn" -l warn report --plan wuqing-women-2021-2025 --year 2025 \
    --format csv --lang en -o "$work/report.csv" || fail "wdmon report --format csv failed"
worst=$(q "SELECT indicator_code || '|' || max (CASE level WHEN 'red' THEN 3 ELSE 2 END)
             FROM open_warnings WHERE year <= 2025 AND plan_code = 'wuqing-women-2021-2025'
              AND (area_code = 'wuqing' OR rule_code = 'min_count')
              AND rule_code IN ('not_met', 'behind_schedule', 'unlikely', 'wrong_direction',
                                'relation_broken', 'min_count')
            GROUP BY indicator_code" | sort)
[ -n "$worst" ] && ok "the demo has open target warnings ($(echo "$worst" | wc -l) indicators)" \
    || fail "no open target warning in the demo"
rows=$(report_rank "$work/report.csv" | wc -l)
[ "$rows" -ge 50 ] && ok "the report judges $rows indicators" || fail "the report has only $rows rows"
better=$(better_than_warning "$worst" "$work/report.csv")
expect "no report row is better than its worst open target warning" "$better" ""
unmatched=$(join -t'|' -v1 <(echo "$worst") <(report_rank "$work/report.csv") | cut -d'|' -f1)
expect "every indicator with a target warning is in the report" "$unmatched" ""

# 3. The summary: kinds apart, counts as the CLI lists them.
contains "the summary shows targets at risk" "$work/out.txt" "目标有风险 target at risk"
contains "... apart from data missing" "$work/out.txt" "数据缺失 data missing"
summary_total=$(sed -n '/Open warnings (预警)/,/^$/p' "$work/out.txt" \
                | awk -F'|' 'NF >= 5 && $5 ~ /^ *[0-9]+ *$/ { n += $5 } END { print n + 0 }')
open_total=$("$build/server/wdmon" --db "$conn" -l warn warnings --open --format csv | tail -n +2 | wc -l)
expect "the summary counts every open warning" "$summary_total" "$open_total"
plan=wuqing-women-2021-2025
next=example-women-2026-2030
expect "... as the database holds them (the current plan's)" "$open_total" \
    "$(q "SELECT count(*) FROM open_warnings WHERE plan_code = '$plan'")"
contains "the 2025 report was written" "$work/out.txt" "var/report-2025.html"

# 4. Plans in succession: the ended plan current, the example beside it.
expect "the 2021-2025 plan is the current one" "$(q "SELECT code FROM plan WHERE current")" "$plan"
expect "the example plan is there, labelled as such" \
    "$(q "SELECT title_zh LIKE '示例%' FROM plan WHERE code = '$next'")" t
contains "the summary names the example plan" "$work/out.txt" "$next"
contains "... and the final evaluation" "$work/out.txt" "var/final-2021-2025.html"
contains "... and a command with --plan for the example" "$work/out.txt" "--plan $next"
# The baseline of each statistic the example shares with 2021-2025 and
# states none for: the 2025 value stored for the district, read here from
# the observations (not from the view that computes the baseline).
shared=$(q "SELECT count(*) FROM plan_target n JOIN plan_target o ON o.indicator_code = n.indicator_code
             WHERE n.plan_code = '$next' AND o.plan_code = '$plan' AND n.baseline_value IS NULL")
[ "$shared" -ge 3 ] && ok "the example shares $shared statistics without a stated baseline" \
    || fail "the example shares only $shared statistics without a stated baseline"
stored_2025=$(q "SELECT n.indicator_code || '|' || round (o.value::numeric, 6) || '|stored'
                   FROM plan_target n JOIN plan_target p ON p.indicator_code = n.indicator_code
                   JOIN observation_current o ON o.indicator_code = n.indicator_code
                  WHERE n.plan_code = '$next' AND p.plan_code = '$plan' AND n.baseline_value IS NULL
                    AND o.area_code = 'wuqing' AND o.year = 2025 AND o.body = '' AND o.sex = 'T'
                    AND o.period_kind = 'year' AND o.period_no = 0
                  ORDER BY 1")
baselines=$(q "SELECT b.indicator_code || '|' || round (b.value::numeric, 6) || '|' || b.source
                 FROM plan_baseline b JOIN plan_target p ON p.indicator_code = b.indicator_code
                WHERE b.plan_code = '$next' AND p.plan_code = '$plan'
                  AND (SELECT baseline_value FROM plan_target
                        WHERE plan_code = '$next' AND indicator_code = b.indicator_code) IS NULL
                ORDER BY 1")
[ "$(wc -l <<<"$stored_2025")" -eq "$shared" ] && ok "every shared statistic has a stored 2025 value" \
    || fail "shared statistics without a stored 2025 district value: $stored_2025"
expect "the example's baselines are the stored 2025 values" "$baselines" "$stored_2025"
"$build/server/wdmon" --db "$conn" -l warn report --plan $next --year 2026 --format csv --lang en \
    -o "$work/next.csv" || fail "wdmon report --plan $next failed"
next_report=$(python3 -c 'import csv, sys
rows = list (csv.reader (open (sys.argv[1], encoding = "utf-8-sig", newline = "")))
h = rows[0]
for r in sorted (rows[1:]):
    if r[h.index ("baseline_source")] == "stored":
        print ("%s|%s|stored" % (r[0], r[h.index ("baseline")]))' "$work/next.csv")
expect "... and its report shows them, from the stored values" \
    "$(sed -E 's/\.?0+\|stored$/|stored/' <<<"$stored_2025")" "$next_report"

# 5. The final evaluation of 2021-2025: every target, its 2025 verdict.
[ -s "$work/var/final-2021-2025.html" ] && ok "the final evaluation was written" \
    || fail "no var/final-2021-2025.html"
"$build/server/wdmon" --db "$conn" -l warn report --plan $plan --final --format csv --lang en \
    -o "$work/final.csv" || fail "wdmon report --final failed"
col () {  # col NAME: the final evaluation's column of that name, as code|value
    python3 -c 'import csv, sys
rows = list (csv.reader (open (sys.argv[1], encoding = "utf-8-sig", newline = "")))
c = rows[0].index (sys.argv[2])
for r in rows[1:]:
    print (r[0] + "|" + r[c])' "$work/final.csv" "$1"
}
verdict () { col status | grep "|$1\$" | cut -d'|' -f1 | sort; }
expect "the final evaluation lists every target of the plan" "$(col status | cut -d'|' -f1 | sort)" \
    "$(q "SELECT indicator_code FROM plan_target WHERE plan_code = '$plan' AND active" | sort)"
met=$(verdict Met); notmet=$(verdict 'Not met')
[ -n "$met" ] && [ -n "$notmet" ] && ok "some targets met ($(wc -l <<<"$met")), some not ($(wc -l <<<"$notmet"))" \
    || fail "the demo should end with some targets met and some not: met '$met', not met '$notmet'"
expect "every judged target has its 2025 value as the value used" \
    "$(join -t'|' <(col final_year) <(col status) | awk -F'|' '$3 == "Met" || $3 == "Not met"' | grep -cv '|2025|')" 0
# The judged targets with no 2025 value for the district, from the database.
nofinal=$(q "SELECT t.indicator_code FROM plan_target t
              WHERE t.plan_code = '$plan' AND t.active AND t.target_kind <> 'monitor'
                AND NOT EXISTS (SELECT 1 FROM indicator_value v WHERE v.indicator_code = t.indicator_code
                                  AND v.area_code = 'wuqing' AND v.year = 2025)
                AND NOT EXISTS (SELECT 1 FROM observation_current o WHERE o.indicator_code = t.indicator_code
                                  AND o.year = 2025 AND o.body <> '')
                AND NOT EXISTS (SELECT 1 FROM observation_current o WHERE o.indicator_code = t.indicator_code
                                  AND o.year = 2025 AND o.sex = 'F')" | sort)
[ -n "$nofinal" ] && ok "the demo has targets with no 2025 value ($(wc -l <<<"$nofinal"))" \
    || fail "the demo should leave some targets without a 2025 value"
expect "they are listed as having no final value" "$(verdict 'No final value')" "$nofinal"
expect "... none of them as met" "$(comm -12 <(echo "$nofinal") <(echo "$met"))" ""
# A 2024 value but none for 2025 (sent by a unit of the demo): still no final value.
sent_2024=$(q "SELECT string_agg (v.indicator_code, ' ' ORDER BY 1) FROM indicator_value v
                WHERE v.area_code = 'wuqing' AND v.year = 2024
                  AND v.indicator_code IN ($(sed "s/.*/'&'/" <<<"$nofinal" | paste -sd,))")
[ -n "$sent_2024" ] && ok "among them, ones the demo's units reported until 2024: $sent_2024" \
    || fail "no target goes without its 2025 value after a 2024 one"
html_count () { sed -nE "s/.*id=\"count-$1\">([0-9]+)<.*/\1/p" "$work/var/final-2021-2025.html"; }
expect "the written evaluation counts the met" "$(html_count met)" "$(wc -l <<<"$met")"
expect "... and the targets with no final value" "$(html_count not_reported)" "$(wc -l <<<"$nofinal")"

# 6. ... and it agrees with the warnings: an open warning about a target's
# standing (the district's, or min_count in any area) if and only if the
# evaluation, with a final value, does not call the target met.
warned=$(q "SELECT DISTINCT indicator_code FROM open_warnings
             WHERE plan_code = '$plan' AND year BETWEEN 2021 AND 2025
               AND (area_code = 'wuqing' OR rule_code = 'min_count')
               AND rule_code IN ('not_met', 'behind_schedule', 'unlikely', 'wrong_direction',
                                 'relation_broken', 'min_count')" | sort)
expect "no target called met has an open warning about it" "$(comm -12 <(echo "$met") <(echo "$warned"))" ""
expect "every target not met has an open warning about it" "$(comm -23 <(echo "$notmet") <(echo "$warned"))" ""

# 7. The console: started, with the demo's accounts.
accounts=$work/var/console-accounts.txt
expect "the console's accounts file is private" "$(stat -c %a "$accounts" 2>/dev/null)" 600
password () { awk -v l="$1" '$1 == l { print $3 }' "$accounts"; }
for login in admin operator leader hc; do
    pw=$(password $login)
    [ ${#pw} -ge 12 ] && grep -qE "^ +$login +[a-z]+ +password $pw( |\$)" "$work/out.txt" \
        && ok "the summary prints $login's password as the file keeps it" \
        || fail "$login: no password of 12 or more characters in the file and the summary"
done
expect "one account of each role" "$(q "SELECT string_agg (role::text, ' ' ORDER BY role::text) FROM console_user")" \
    "administrator operator unit viewer"
web=http://127.0.0.1:$WDM_QS_WEB_PORT
contains "the summary gives the console's address" "$work/out.txt" "$web/"
shown=$(python3 "$src/tests/quickstart/console_login.py" "$web" operator "$(password operator)" \
        "/warnings?open=1&level=red") || fail "the operator could not log in"
[ -n "$shown" ] && ok "the operator sees $(wc -l <<<"$shown") open red warnings on /warnings" \
    || fail "the operator sees no warning on /warnings"
expect "... those the database holds for the current plan" "$shown" \
    "$(q "SELECT id FROM open_warnings WHERE plan_code = '$plan' AND level = 'red' ORDER BY id")"
shown=$(python3 "$src/tests/quickstart/console_login.py" "$web" hc "$(password hc)" "/warnings?open=1") \
    || fail "the unit user could not log in"
[ -n "$shown" ] && ok "the unit user sees $(wc -l <<<"$shown") open warnings on /warnings" \
    || fail "the unit user sees no warning on /warnings"
expect "... its unit's and those of the indicators it leads, as the database holds them" "$shown" \
    "$(q "SELECT id FROM open_warnings w WHERE plan_code = '$plan'
            AND (unit_code = 'health_commission'
                 OR EXISTS (SELECT 1 FROM responsibility r WHERE r.indicator_code = w.indicator_code
                              AND r.unit_code = 'health_commission' AND r.lead))
          ORDER BY id")"
# Each plan's pages link to that plan's warnings: the example plan's
# overview counted its own open warnings but linked to the current plan's
# list, and the warnings page took no plan.
for page in "/overview?plan=$next red-link" "/overview?plan=$next yellow-link" \
            "/indicator/DM02?plan=$next warnings-link"; do
    read -r path link <<<"$page"
    href=$(python3 "$src/tests/quickstart/console_login.py" "$web" operator "$(password operator)" "$path" \
           --link "$link") || fail "$path: no link $link"
    case $link in
        red-link)    want="level = 'red' AND state <> 'resolved'" ;;
        yellow-link) want="level = 'yellow' AND state <> 'resolved'" ;;
        *)           want="indicator_code = 'DM02'" ;;
    esac
    shown=$(python3 "$src/tests/quickstart/console_login.py" "$web" operator "$(password operator)" "$href")
    expect "$path: its $link ($href) lists the example plan's warnings" "$shown" \
        "$(q "SELECT id FROM warning WHERE plan_code = '$next' AND $want ORDER BY id")"
done

python3 "$src/tests/quickstart/console_login.py" "$web" leader wrong-password / 2>/dev/null \
    && fail "a wrong password logs in" || ok "a wrong password does not log in"

if [ $failures -gt 0 ]; then
    echo "--- the quick start said:"
    cat "$work/out.txt"
    echo "$failures check(s) failed"
    exit 1
fi
echo "all checks passed"
