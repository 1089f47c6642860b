#!/usr/bin/env bash
# test_console: the web console in a real headless Chromium.  A fresh
# database gets the report's known data set (tests/report/data.sql) and the
# warnings `wdmon warnings evaluate` raises from it; `wdmon user add` makes
# one account of each role; wdmon-web serves it on a loopback port,
# connected as a login in role wdmon_console (so the role's grants are what
# is tested); tests/web/test_console.py drives Chromium through it and
# holds what the pages show against the database.
#
# Usage: test_console.sh WDMON WDMON_WEB
# WDM_CONSOLE_SCREENSHOTS=DIR keeps screenshots of the warnings, overview
# and indicator pages (for docs/: console-warnings.png,
# console-warnings-phone.png, console-overview.png, console-indicator.png).
set -u
. "$(dirname "$0")/../lib.sh"
wdmon=$1 web_bin=$2
wdm_test_need_pg
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3   # Debian's, which has python3-selenium
for need in /usr/bin/chromium /usr/bin/chromedriver; do
    [ -x "$need" ] || { echo "FAIL: $need is missing (apt-get install chromium chromium-driver)"; exit 1; }
done
"$python" -c 'import selenium' 2>/dev/null || { echo "FAIL: python3-selenium is missing"; exit 1; }

work=$(mktemp -d /tmp/wdm_test_console.XXXXXX)
port=$((14000 + $$ % 12000))
web_pid=
cleanup () {
    [ -n "$web_pid" ] && kill "$web_pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

wdm_test_db wdm_test_console
wdm_test_migrate "$wdmon"
psql "$conn" -qX -v ON_ERROR_STOP=1 -f "$here/../report/data.sql" >/dev/null || exit 2
"$wdmon" --db "$conn" -l warn warnings evaluate --today 2025-01-10 >/dev/null || exit 2
# The console's own login, in the group role of sql/025 and nothing else.
psql "$WDM_TEST_PGURI" -qX -v ON_ERROR_STOP=1 -c "DO \$\$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wdm_test_console') THEN
        CREATE ROLE wdm_test_console LOGIN IN ROLE wdmon_console;
    END IF; END \$\$" >/dev/null || exit 2

# One account of each role, the password on standard input; and one to lock.
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
add_user locky operator "李锁"

cat >"$work/web.conf" <<CONF
[web]
address = 127.0.0.1
port = $port
conninfo = $WDM_TEST_PGURI dbname=wdm_test_console user=wdm_test_console
lock_attempts = 5
lock_minutes = 15
[log]
level = warn
CONF
"$web_bin" -c "$work/web.conf" 2>"$work/web.log" &
web_pid=$!
listening () { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
wait_for 10 listening || { echo "FAIL: wdmon-web did not start"; cat "$work/web.log"; exit 1; }

WDM_WEB_URL="http://127.0.0.1:$port" WDM_TEST_CONN="$conn" WDMON="$wdmon" WDM_WDMON="$wdmon" timeout 150 "$python" "$here/test_console.py"
rc=$?
if ! kill -0 "$web_pid" 2>/dev/null; then
    echo "FAIL: wdmon-web died"; rc=1
fi
# Stopped as systemd stops it, so that a sanitizer build reports what it
# found (leaks at exit) into the log.
kill "$web_pid" 2>/dev/null && wait "$web_pid" 2>/dev/null
web_pid=
if grep -q "AddressSanitizer\|LeakSanitizer\|runtime error:" "$work/web.log"; then
    echo "FAIL: the sanitizers found errors in wdmon-web"; rc=1
fi
if grep -qi "password\|secret-" "$work/web.log"; then
    echo "FAIL: the console's log mentions a password"; rc=1
fi
[ $rc -eq 0 ] || { echo "--- wdmon-web's log:"; cat "$work/web.log"; }
[ $rc -eq 0 ] && wdm_test_drop_db
exit $rc
