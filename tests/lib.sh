# tests/lib.sh: what the shell tests share.  Source it first:
#     . "$(dirname "$0")/lib.sh"
# Each check prints "ok: ..." or "FAIL: ..." and failures counts the
# latter; end with `wdm_test_end NAME`, whose status is the test's.

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

# wdm_test_drop_db: drop the database of wdm_test_db.
wdm_test_drop_db () {
    psql "$WDM_TEST_PGURI" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
}

# wdm_test_end NAME: say how many checks failed; succeed if none did.
wdm_test_end () {
    echo "$1: $failures failed"
    [ "$failures" -eq 0 ]
}
