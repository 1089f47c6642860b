#!/usr/bin/env bash
# test_console_unitrep: the console's reports page making a member unit's
# and a town's report (issue 16), and its notices page.  A fresh database
# gets the report's known data set (tests/report/data.sql) and notice
# recipients — a mail address, and a 企业微信 bot whose URL and secret sit in
# a file — before `wdmon warnings evaluate` raises the warnings, so that
# notices are queued as in production; one is marked sent and one failed
# with a reason, as wdmon-notify would.  wdmon-web serves it, connected as
# a login in role wdmon_console; tests/web/test_console_unitrep.py holds
# the pages against `wdmon report --unit/--area` and `wdmon notices`.
#
# Usage: test_console_unitrep.sh WDMON WDMON_WEB
set -u
. "$(dirname "$0")/../lib.sh"
wdmon=$1 web_bin=$2
wdm_test_need_pg
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3

work=$(mktemp -d /tmp/wdm_test_console_unitrep.XXXXXX)
port=$((14000 + ($$ + 13) % 12000))
web_pid=
cleanup () {
    [ -n "$web_pid" ] && kill "$web_pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

wdm_test_db wdm_test_console_unitrep
wdm_test_migrate "$wdmon"
psql "$conn" -qX -v ON_ERROR_STOP=1 -f "$here/../report/data.sql" >/dev/null || exit 2
mkdir -p "$work/bots"
printf 'url = http://127.0.0.1:9/hook?key=BOT-URL-KEY-7f3a\nsecret = SIGNING-SECRET-91c2\n' >"$work/bots/wecom"
chmod 600 "$work/bots/wecom"
"$wdmon" --db "$conn" -l warn notices recipient add office --channel mail --to office@wdmon.test >/dev/null || exit 2
"$wdmon" --db "$conn" -l warn notices recipient add office-bot --channel wecom --to "$work/bots/wecom" >/dev/null \
    || exit 2
"$wdmon" --db "$conn" -l warn warnings evaluate --today 2025-01-10 >/dev/null || exit 2
# As wdmon-notify leaves them: one sent, one failed after its attempts.
psql "$conn" -qX -v ON_ERROR_STOP=1 -c "SET search_path = wdmon" -c "
    UPDATE notice SET state = 'sent', attempts = 1, sent_at = now () WHERE id = (SELECT min (id) FROM notice);
    UPDATE notice SET state = 'failed', attempts = 8,
           last_error = 'HTTP 502 from the webhook / 群机器人返回 HTTP 502'
     WHERE id = (SELECT max (id) FROM notice);
    UPDATE notice SET attempts = 2, last_error = 'connection refused / 连接被拒绝',
           next_try_at = now () + interval '10 minutes'
     WHERE id = (SELECT max (id) FROM notice WHERE state = 'pending')" >/dev/null || exit 2
psql "$WDM_TEST_PGURI" -qX -v ON_ERROR_STOP=1 -c "DO \$\$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wdm_test_console_unitrep') THEN
        CREATE ROLE wdm_test_console_unitrep LOGIN IN ROLE wdmon_console;
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
add_user edu unit "区教育局" --unit education_bureau

cat >"$work/web.conf" <<CONF
[web]
address = 127.0.0.1
port = $port
conninfo = $WDM_TEST_PGURI dbname=wdm_test_console_unitrep user=wdm_test_console_unitrep
[log]
level = warn
CONF
"$web_bin" -c "$work/web.conf" 2>"$work/web.log" &
web_pid=$!
listening () { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
wait_for 10 listening || { echo "FAIL: wdmon-web did not start"; cat "$work/web.log"; exit 1; }

WDM_WEB_URL="http://127.0.0.1:$port" WDM_TEST_CONN="$conn" WDMON="$wdmon" WDM_BOT_FILE="$work/bots/wecom" \
    timeout 240 "$python" "$here/test_console_unitrep.py"
rc=$?
if ! kill -0 "$web_pid" 2>/dev/null; then
    echo "FAIL: wdmon-web died"; rc=1
fi
# Stopped as systemd stops it, so that a sanitizer build reports what it
# found (leaks at exit) into the log.
kill "$web_pid" 2>/dev/null && wait "$web_pid" 2>/dev/null
web_pid=
if grep -qE 'BOT-URL-KEY|SIGNING-SECRET' "$work/web.log"; then echo "FAIL: the console's log shows a secret"; rc=1; fi
if grep -qE 'Sanitizer|runtime error' "$work/web.log"; then echo "FAIL: a sanitizer found something"; rc=1; fi
[ $rc -eq 0 ] || { echo "--- wdmon-web's log:"; cat "$work/web.log"; }
[ $rc -eq 0 ] && wdm_test_drop_db
exit $rc
