# tests/lib.sh: what the shell tests share.  Source it first:
#     . "$(dirname "$0")/lib.sh"
# Each check prints "ok: ..." or "FAIL: ..." and failures counts the
# latter; end with `wdm_test_end NAME`, whose status is the test's.
#
# Ports: a test's servers listen on BASE + (process id mod 12000) and the
# few ports after it, BASE at least 10000, everything below 32768.  Linux
# gives outgoing connections ports from 32768 up (ip_local_port_range), and
# one of those, a browser's or a mail client's in a test running alongside,
# could hold a port just as a server here binds it: test_cli's server once
# never came up on 34665 in CI.

failures=0

ok ()   { echo "ok: $*"; }
fail () { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect DESCRIPTION ACTUAL WANTED: the two are the same string.
expect () {
    if [ "$2" == "$3" ]; then ok "$1 ($2)"; else fail "$1: got '$2', wanted '$3'"; fi
}

# contains DESCRIPTION FILE TEXT: the file holds the text.
contains () {
    if grep -qF -- "$3" "$2"; then ok "$1"; else fail "$1: $(basename "$2") lacks '$3'"; fi
}

# lacks DESCRIPTION FILE TEXT: the file does not hold the text, in any case.
lacks () {
    if grep -qiF -- "$3" "$2"; then fail "$1: $(basename "$2") has '$3'"; else ok "$1"; fi
}

# has DESCRIPTION STRING TEXT: the string holds the text.
has () {
    if grep -qF -- "$3" <<<"$2"; then ok "$1"; else fail "$1: '$2' lacks '$3'"; fi
}

# check DESCRIPTION WANTED_RC RC OUTPUT EXTENDED_REGEX: a command exited
# with WANTED_RC and its output matches; else the output is shown.
check () {
    if [ "$2" != "$3" ] || ! grep -qE -- "$5" <<<"$4"; then
        fail "$1 (exit $3, wanted $2; output must match '$5')"
        sed 's/^/    /' <<<"$4" | head -20
    else
        ok "$1"
    fi
}

# wait_for SECONDS COMMAND...: 0 as soon as the command succeeds, checked
# every 0.1 s; 1 if it has not within SECONDS.
wait_for () {
    local limit=$(( $1 * 10 )) i
    shift
    for ((i = 0; i < limit; i++)); do "$@" && return 0; sleep 0.1; done
    return 1
}

# q SQL: the answer of one statement on $conn (schema wdmon), unaligned,
# without headers; the exit status is psql's.
q () { psql "$conn" -qXAt -v ON_ERROR_STOP=1 -c "SET search_path = wdmon" -c "$1"; }

# wdm_test_need_pg: skip the test (77) without the throwaway PostgreSQL
# that tests/run.sh starts.
wdm_test_need_pg () {
    [ -n "${WDM_TEST_PGURI:-}" ] || { echo "WDM_TEST_PGURI is not set: run tests/run.sh"; exit 77; }
}

# wdm_test_db NAME: a new, empty database NAME (dropped first if it
# exists); sets db and conn.  Exits 2 if PostgreSQL refuses.
wdm_test_db () {
    db=$1
    conn="$WDM_TEST_PGURI dbname=$db"
    psql "$WDM_TEST_PGURI" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" \
        -c "CREATE DATABASE $db" >/dev/null || exit 2
}

# The 2021-2025 plan's file, which every new database imports after the
# migrations (docs/PLANS.md).
wdm_test_plan_file=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/deploy/plans/wuqing-women-2021-2025.yaml

# The demo's site file (areas, member units, responsibilities), which every
# new database imports after the migrations.
wdm_test_site_file=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/deploy/site/wuqing.yaml

# wdm_test_migrate WDMON: set up the database of wdm_test_db ($conn) as an
# operator does: `wdmon migrate`, `wdmon plan import --current` of the
# plan file, then `wdmon site import` of the demo's site file (whose
# responsibilities name the plan's statistics).  Exits 2 if any fails.
wdm_test_migrate () {
    "$1" --db "$conn" -l warn migrate >/dev/null || exit 2
    "$1" --db "$conn" -l warn plan import "$wdm_test_plan_file" --current >/dev/null || exit 2
    "$1" --db "$conn" -l warn site import "$wdm_test_site_file" >/dev/null || exit 2
}

# wdm_test_migrate_plan WDMON: wdm_test_migrate without the site file.
wdm_test_migrate_plan () {
    "$1" --db "$conn" -l warn migrate >/dev/null || exit 2
    "$1" --db "$conn" -l warn plan import "$wdm_test_plan_file" --current >/dev/null || exit 2
}

# wdm_test_drop_db: drop the database of wdm_test_db.
wdm_test_drop_db () {
    psql "$WDM_TEST_PGURI" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
}

# wdm_test_end NAME: say how many checks failed; succeed if none did.
wdm_test_end () {
    echo "$1: $failures failed"
    [ "$failures" -eq 0 ]
}

# --- The report held against the warnings (test_report, test_quickstart) ----

# worst_target_warning YEAR: each indicator with an open warning about its
# target up to YEAR (the district's, or a min_count one in any area), as
# CODE|RANK, 3 for a red warning and 2 for a yellow one; sorted for join.
worst_target_warning () {
    q "SELECT indicator_code || '|' || max (CASE level WHEN 'red' THEN 3 ELSE 2 END)
         FROM open_warnings WHERE year <= $1
          AND (area_code = 'wuqing' OR rule_code = 'min_count')
          AND rule_code IN ('not_met', 'behind_schedule', 'unlikely', 'wrong_direction',
                            'relation_broken', 'min_count')
        GROUP BY indicator_code" | sort
}

# report_rank FILE: each judged indicator of an English annual report in
# CSV (status the second-to-last column) as CODE|RANK: 0 met, 1 on track,
# 2 behind schedule, 3 unlikely, 9 not reported; sorted for join.
report_rank () {
    tr -d '\r' <"$1" | tail -n +2 | awk -F, '{ print $1 "|" $(NF - 1) }' | sed \
        -e 's/|Met$/|0/' -e 's/|On track$/|1/' -e 's/|Behind schedule$/|2/' \
        -e 's/|Unlikely to be met$/|3/' -e 's/|Not reported$/|9/' -e '/|Monitored$/d' | sort
}

# better_than_warning WORST FILE: the report's rows that look better than
# their worst open target warning (WORST from worst_target_warning), one a
# line; nothing when there is none.
better_than_warning () {
    join -t'|' <(echo "$1") <(report_rank "$2") | awk -F'|' '$3 < $2 {
        print $1 ": status rank " $3 " beside a " ($2 == 3 ? "red" : "yellow") " warning" }'
}
