#!/usr/bin/env bash
# metrics: what /metrics says is true when it is read, not when something
# last happened.  With PostgreSQL stopped and no traffic at all,
# wdmon_database_up turns 0 within seconds, and 1 again once it is back;
# wdmon_connected_collectors follows collectors that connect and leave
# (and does not count one whose key is refused); each unit's last delivery
# and the build are there.
#
# Usage: metrics.sh WDMON WDMON_SERVER WDMON_COLLECTOR VERSION
set -u
. "$(dirname "$0")/lib.sh"
wdmon=$1 server_bin=$2 collector_bin=$3 version=$4
wdm_test_need_pg
[ -n "${WDM_TEST_PG_DIR:-}" ] || { echo "WDM_TEST_PG_DIR is not set: run tests/run.sh"; exit 77; }
pgctl="$(dirname "$0")/pgctl.sh"

work=$(mktemp -d /tmp/wdm_metrics.XXXXXX)
port=$((13000 + ($$ + 13) % 12000))
metrics_port=$((port + 1))
endpoint="tcp://127.0.0.1:$port"
db=wdm_test_metrics
conn="$WDM_TEST_PGURI dbname=$db"
server_pid= c_pid=
cleanup () {
    [ -n "$c_pid" ] && kill -9 "$c_pid" 2>/dev/null
    [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null
    wait 2>/dev/null
    #  Never leave the shared cluster stopped for the next test.
    pg_isready -q -h "${WDM_TEST_PG_DIR}/run" -p "${WDM_TEST_PG_PORT:-5432}" || "$pgctl" start >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
w () { "$wdmon" --db "$conn" "$@" 2>&1; }
scrape () { curl -s --max-time 10 "http://127.0.0.1:$metrics_port/metrics"; }
value () { scrape | awk -v m="$1" '$1 == m { print $2 }'; }
#  wait_value METRIC WANTED SECONDS: 0 once the metric reads WANTED.
wait_value () {
    local end=$((SECONDS + $3))
    while [ $SECONDS -le $end ]; do
        [ "$(value "$1")" == "$2" ] && return 0
        sleep 0.2
    done
    return 1
}

wdm_test_db "$db"
wdm_test_migrate "$wdmon"
w server-key "$work" >/dev/null || exit 2
for unit in town_meichang health_commission; do
    w unit add $unit --bundle "$work/$unit" --server-key "$work/server.pub" --endpoint "$endpoint" >/dev/null || exit 2
done
cat >"$work/server.conf" <<CONF
[server]
endpoint = $endpoint
secret_key_file = $work/server.key
status_seconds = 1
[database]
conninfo = $conn
[metrics]
port = $metrics_port
[log]
level = info
CONF
"$server_bin" -c "$work/server.conf" 2>>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do scrape >/dev/null && break; sleep 0.1; done

m=$(scrape)
grep -qE "^wdmon_build_info\{version=\"$version\",commit=\"([0-9a-f]{7,40}|unknown)\"\} 1$" <<<"$m" \
    && ok "wdmon_build_info names the version $version and the commit" \
    || fail "wdmon_build_info: $(grep build_info <<<"$m")"
[ "$(value wdmon_database_up)" == 1 ] && ok "database_up is 1 with the database there" || fail "database_up is not 1"
[ "$(value wdmon_connected_collectors)" == 0 ] && ok "no collectors connected at first" \
    || fail "connected_collectors is $(value wdmon_connected_collectors) with none connected"

# --- collectors come and go; the gauge follows, every time
mkdir -p "$work/town_meichang/inbox"
before=$(date +%s)
printf 'indicator,area,year,value\nDM25,meichang,2024,24\n' >"$work/town_meichang/inbox/.a.csv.part"
mv "$work/town_meichang/inbox/.a.csv.part" "$work/town_meichang/inbox/a.csv"
for round in 1 2 3; do
    "$collector_bin" -c "$work/town_meichang/collector.conf" -l warn run 2>>"$work/collector.log" &
    c_pid=$!
    wait_value wdmon_connected_collectors 1 15 && ok "round $round: a running collector is counted (1)" \
        || fail "round $round: connected_collectors is $(value wdmon_connected_collectors), wanted 1"
    # The first collector delivers the file (once it has settled, 2 s).
    if [ $round = 1 ]; then
        for _ in $(seq 1 150); do
            scrape | grep -q 'wdmon_unit_last_delivery_seconds{unit="town_meichang"}' && break
            sleep 0.1
        done
    fi
    kill "$c_pid"; wait "$c_pid" 2>/dev/null; c_pid=
    wait_value wdmon_connected_collectors 0 15 && ok "round $round: ... and not once it has left (0)" \
        || fail "round $round: connected_collectors is $(value wdmon_connected_collectors) after the collector left"
done

last=$(value 'wdmon_unit_last_delivery_seconds{unit="town_meichang"}')
now=$(date +%s)
if [ -n "$last" ] && [ "${last%.*}" -ge "$before" ] && [ "${last%.*}" -le "$now" ]; then
    ok "unit_last_delivery_seconds for town_meichang is the time of its delivery"
else fail "unit_last_delivery_seconds{unit=\"town_meichang\"} is '$last', wanted between $before and $now"; fi
scrape | grep -q 'wdmon_unit_last_delivery_seconds{unit="health_commission"}' \
    && fail "a unit that never delivered has a last delivery time" \
    || ok "... and a unit that never delivered has none"

# A collector whose key was revoked is refused at the handshake: not counted.
w unit revoke health_commission >/dev/null
"$collector_bin" -c "$work/health_commission/collector.conf" -l error run 2>>"$work/collector.log" &
c_pid=$!
sleep 3
[ "$(value wdmon_connected_collectors)" == 0 ] && ok "a refused collector is not counted" \
    || fail "connected_collectors is $(value wdmon_connected_collectors) with only a refused collector"
kill "$c_pid"; wait "$c_pid" 2>/dev/null; c_pid=

# --- the database stops, and nothing at all is sent: the gauge still knows
"$pgctl" stop || exit 2
wait_value wdmon_database_up 0 5 && ok "database_up turns 0 within 5 s of the database stopping, with no traffic" \
    || fail "database_up is $(value wdmon_database_up) 5 s after the database stopped"
sleep 2
[ "$(value wdmon_database_up)" == 0 ] && ok "... and stays 0 while it is down" || fail "database_up came back while down"
"$pgctl" start >/dev/null || exit 2
wait_value wdmon_database_up 1 10 && ok "database_up is 1 again once the database is back" \
    || fail "database_up is $(value wdmon_database_up) 10 s after the database came back"
kill "$server_pid"; wait "$server_pid" 2>/dev/null; server_pid=

wdm_test_drop_db
wdm_test_end metrics
