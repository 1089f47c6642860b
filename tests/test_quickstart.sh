#!/usr/bin/env bash
# test_quickstart: the quick start, as a new district office first sees it.
# Runs deploy/quickstart.sh on a state directory of its own (its own
# PostgreSQL, server, collectors and ports; the programs already built),
# then holds what it told the office against the stored data:
#   - every open "missing report" warning is for data that is truly absent:
#     no value of that indicator, year (and body) is stored for the area or
#     any area within it, by any unit (116 of 177 once were false);
#   - no row of the 2024 report is better than the worst open warning about
#     its target (the report once said 达标 beside an open red warning);
#   - the summary keeps "target at risk" apart from "data missing";
#   - the summary's counts are those of `wdmon warnings --open`.
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
export WDM_QS_PORT=$((24000 + $$ % 20000)) WDM_QS_METRICS_PORT=$((24001 + $$ % 20000))
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

# 2. The report's status is never better than its worst open target warning.
"$build/server/wdmon" --db "$conn" -l warn report --year 2024 --format csv --lang en \
    -o "$work/report.csv" || fail "wdmon report --format csv failed"
worst=$(worst_target_warning 2024)
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
expect "... as the database holds them" "$open_total" "$(q "SELECT count(*) FROM open_warnings")"
contains "the report was written" "$work/out.txt" "The 2024 report:"

if [ $failures -gt 0 ]; then
    echo "--- the quick start said:"
    cat "$work/out.txt"
    echo "$failures check(s) failed"
    exit 1
fi
echo "all checks passed"
