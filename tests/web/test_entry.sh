#!/usr/bin/env bash
# test_entry: a member unit enters its figures in the console and uploads
# its filled Excel form there (issue 16), in a real headless Chromium.  A
# fresh database gets the report's known data set (tests/report/data.sql);
# `wdmon user add` makes a unit user of the health commission and one
# account of each other role; `wdmon template` writes the unit's form,
# which python3-openpyxl fills with good and bad rows; wdmon-web serves it
# on a loopback port as a login in role wdmon_console; tests/web/test_entry.py
# drives Chromium through the form and the upload and holds what the pages
# show against the database (observation, ingest_batch.entered_by,
# warning, entry_draft, console_audit).
#
# Usage: test_entry.sh WDMON WDMON_WEB
set -u
. "$(dirname "$0")/../lib.sh"
wdmon=$1 web_bin=$2
wdm_test_need_pg
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3   # Debian's, with python3-selenium and python3-openpyxl
for need in /usr/bin/chromium /usr/bin/chromedriver; do
    [ -x "$need" ] || { echo "FAIL: $need is missing (apt-get install chromium chromium-driver)"; exit 1; }
done
"$python" -c 'import selenium, openpyxl' 2>/dev/null || { echo "FAIL: python3-selenium or python3-openpyxl is missing"; exit 1; }

work=$(mktemp -d /tmp/wdm_test_entry.XXXXXX)
port=$((14000 + ($$ + 7) % 12000))
web_pid=
cleanup () {
    [ -n "$web_pid" ] && kill "$web_pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

wdm_test_db wdm_test_entry
wdm_test_migrate "$wdmon"
psql "$conn" -qX -v ON_ERROR_STOP=1 -f "$here/../report/data.sql" >/dev/null || exit 2
# data.sql names its batch by number: the sequence moves past it.
psql "$conn" -qXc "SELECT setval ('wdmon.ingest_batch_id_seq', (SELECT max (id) FROM wdmon.ingest_batch))" >/dev/null || exit 2
"$wdmon" --db "$conn" -l warn warnings evaluate >/dev/null || exit 2
psql "$WDM_TEST_PGURI" -qX -v ON_ERROR_STOP=1 -c "DO \$\$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wdm_test_console') THEN
        CREATE ROLE wdm_test_console LOGIN IN ROLE wdmon_console;
    END IF; END \$\$" >/dev/null || exit 2

add_user () {  # add_user LOGIN ROLE NAME [--unit UNIT]
    local login=$1 role=$2 name=$3
    shift 3
    echo "secret-$login" | "$wdmon" --db "$conn" user add "$login" --role "$role" --name "$name" "$@" >/dev/null \
        || { echo "FAIL: wdmon user add $login"; exit 1; }
}
add_user leader viewer "区领导"
add_user wang operator "王芳"
add_user admin administrator "管理员"
add_user hc unit "区卫健委" --unit health_commission

# The unit's form for 2025, as `wdmon template` writes it.
"$wdmon" --db "$conn" -l warn template --unit health_commission --year 2025 -o "$work/form.xlsx" >/dev/null \
    || { echo "FAIL: wdmon template"; exit 1; }

cat >"$work/web.conf" <<CONF
[web]
address = 127.0.0.1
port = $port
conninfo = $WDM_TEST_PGURI dbname=wdm_test_entry user=wdm_test_console
[log]
level = warn
CONF
"$web_bin" -c "$work/web.conf" 2>"$work/web.log" &
web_pid=$!
listening () { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
wait_for 10 listening || { echo "FAIL: wdmon-web did not start"; cat "$work/web.log"; exit 1; }

WDM_WEB_URL="http://127.0.0.1:$port" WDM_TEST_CONN="$conn" WDM_WORK="$work" \
    timeout 200 "$python" "$here/test_entry.py"
rc=$?
if ! kill -0 "$web_pid" 2>/dev/null; then
    echo "FAIL: wdmon-web died"; rc=1
fi
kill "$web_pid" 2>/dev/null && wait "$web_pid" 2>/dev/null
web_pid=
if grep -E "ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:" "$work/web.log" >/dev/null; then
    echo "FAIL: the sanitizer found something in wdmon-web:"; cat "$work/web.log"; rc=1
fi
[ "$rc" -eq 0 ] || { echo "--- wdmon-web's log:"; tail -40 "$work/web.log"; }
wdm_test_drop_db
exit "$rc"
