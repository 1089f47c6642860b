#!/usr/bin/env bash
# test_api: the console's read API (/api/v1/, docs/API.md) over HTTP, no
# browser.  A fresh database gets the report's known data set
# (tests/report/data.sql) and the warnings `wdmon warnings evaluate`
# raises from it; `wdmon user add` makes a viewer, an operator and a unit
# user; `wdmon token add` gives each a token; wdmon-web serves it on a
# loopback port, connected as a login in role wdmon_console (so the role's
# grants, sql/025 and 046, are what is tested); tests/web/test_api.py
# holds each endpoint's answer against the database and against `wdmon
# warnings|completeness --format json`.
#
# Usage: test_api.sh WDMON WDMON_WEB
set -u
. "$(dirname "$0")/../lib.sh"
wdmon=$1 web_bin=$2
wdm_test_need_pg
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3

work=$(mktemp -d /tmp/wdm_test_api.XXXXXX)
port=$((14000 + ($$ + 7) % 12000))
web_pid=
cleanup () {
    [ -n "$web_pid" ] && kill "$web_pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

wdm_test_db wdm_test_api
wdm_test_migrate "$wdmon"
psql "$conn" -qX -v ON_ERROR_STOP=1 -f "$here/../report/data.sql" >/dev/null || exit 2
# A revised value: one of DM07's district figures for 2024 sent again.
psql "$conn" -qX -v ON_ERROR_STOP=1 -c "SET search_path = wdmon" -c "
    INSERT INTO observation (indicator_code, area_code, year, period_kind, period_no, body, sex, revision,
                             value, status, unit_code, rec_epoch, rec_seq)
    SELECT indicator_code, area_code, year, period_kind, period_no, body, sex, revision + 1, value + 1,
           'final', unit_code, rec_epoch, rec_seq + 1000000
      FROM observation WHERE indicator_code = 'DM07' AND area_code = 'wuqing' AND year = 2024
     ORDER BY id LIMIT 1" >/dev/null || exit 2
"$wdmon" --db "$conn" -l warn warnings evaluate --today 2025-01-10 >/dev/null || exit 2
psql "$WDM_TEST_PGURI" -qX -v ON_ERROR_STOP=1 -c "DO \$\$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wdm_test_api') THEN
        CREATE ROLE wdm_test_api LOGIN IN ROLE wdmon_console;
    END IF; END \$\$" >/dev/null || exit 2

add_user () {  # add_user LOGIN ROLE NAME [--unit UNIT]
    local login=$1 role=$2 name=$3
    shift 3
    echo "secret-$login" | "$wdmon" --db "$conn" user add "$login" --role "$role" --name "$name" "$@" >/dev/null \
        || { echo "FAIL: wdmon user add $login"; exit 1; }
}
add_user leader viewer "区领导"
add_user wang operator "王芳"
add_user hc unit "区卫健委" --unit health_commission
token () {  # token LOGIN NAME: the new token, printed once
    "$wdmon" --db "$conn" -l warn token add "$1" --name "$2" 2>/dev/null
}
WDM_TOKEN_VIEWER=$(token leader "市平台 / city platform") || { echo "FAIL: wdmon token add leader"; exit 1; }
WDM_TOKEN_OPERATOR=$(token wang "运维表格 / operator's sheet") || { echo "FAIL: wdmon token add wang"; exit 1; }
WDM_TOKEN_UNIT=$(token hc "卫健委 / health commission") || { echo "FAIL: wdmon token add hc"; exit 1; }
WDM_TOKEN_REVOKED=$(token leader "已吊销 / revoked") || { echo "FAIL: wdmon token add (revoked)"; exit 1; }
export WDM_TOKEN_VIEWER WDM_TOKEN_OPERATOR WDM_TOKEN_UNIT WDM_TOKEN_REVOKED

# wdmon report -o onto what is not a plain file (a FIFO here; /dev/null for
# someone reading only the summary, as root) writes into it: renaming the
# report over it replaced the device for the whole machine.
mkfifo "$work/pipe"
timeout 20 cat "$work/pipe" >"$work/from-pipe" &
reader=$!
"$wdmon" --db "$conn" -l warn report --year 2024 --format csv -o "$work/pipe" 2>"$work/report.err"
wait $reader
if [ -p "$work/pipe" ] && [ -s "$work/from-pipe" ]; then
    echo "ok: wdmon report -o a FIFO writes into it and leaves it a FIFO"
else
    echo "FAIL: wdmon report -o a FIFO: still a FIFO? $([ -p "$work/pipe" ] && echo yes || echo no);" \
         "bytes read: $(wc -c <"$work/from-pipe")"; cat "$work/report.err"; exit 1
fi

cat >"$work/web.conf" <<CONF
[web]
address = 127.0.0.1
port = $port
conninfo = $WDM_TEST_PGURI dbname=wdm_test_api user=wdm_test_api
[log]
level = warn
CONF
"$web_bin" -c "$work/web.conf" 2>"$work/web.log" &
web_pid=$!
listening () { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
wait_for 10 listening || { echo "FAIL: wdmon-web did not start"; cat "$work/web.log"; exit 1; }

WDM_WEB_URL="http://127.0.0.1:$port" WDM_TEST_CONN="$conn" WDMON="$wdmon" timeout 120 "$python" "$here/test_api.py"
rc=$?
if ! kill -0 "$web_pid" 2>/dev/null; then
    echo "FAIL: wdmon-web died"; rc=1
fi
for t in "$WDM_TOKEN_VIEWER" "$WDM_TOKEN_UNIT"; do
    if grep -q "$t" "$work/web.log"; then echo "FAIL: the console's log shows a token"; rc=1; fi
done
[ $rc -eq 0 ] || { echo "--- wdmon-web's log:"; cat "$work/web.log"; }
[ $rc -eq 0 ] && wdm_test_drop_db
exit $rc
