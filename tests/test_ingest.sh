#!/usr/bin/env bash
# test_ingest: the whole ingest path as a member unit uses it — real
# wdmon-server and wdmon-collector processes, CURVE on, a real PostgreSQL.
#
#   - a CSV in UTF-8, a CSV in GB18030 with Chinese headers, and a JSON Lines
#     file arrive in the observation table exactly once, Chinese intact;
#     bad lines go to failed/ with their line numbers; records the centre
#     refuses are kept aside with the reason;
#   - the server is killed (-9) and restarted while a collector is sending
#     20,000 records: every record is stored exactly once;
#   - PostgreSQL is stopped (immediate) and restarted while a collector is
#     sending: every record is stored exactly once.
#
# Usage: test_ingest.sh WDMON WDMON_SERVER WDMON_COLLECTOR
set -u
. "$(dirname "$0")/lib.sh"
wdmon=$1 server_bin=$2 collector_bin=$3
wdm_test_need_pg
here=$(cd "$(dirname "$0")" && pwd)

work=$(mktemp -d /tmp/wdm_test_ingest.XXXXXX)
port=$((11000 + $$ % 12000))
endpoint="tcp://127.0.0.1:$port"
db=wdm_test_ingest
conn="$WDM_TEST_PGURI dbname=$db"
server_pid=
collector_pid=
cleanup () {
    [ -n "$collector_pid" ] && kill -9 "$collector_pid" 2>/dev/null
    [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

start_server () {
    "$server_bin" -k "$work/server.key" -e "$endpoint" -d "$conn" -l warn 2>>"$work/server.log" &
    server_pid=$!
}

stored () { [ "$(q "SELECT count(*) FROM observation WHERE unit_code = '$1'")" -ge "$2" ]; }
drained () { "$collector_bin" -c "$1/collector.conf" status | grep -q '^queued     0 '; }

wdm_test_db "$db"
wdm_test_migrate "$wdmon"
"$wdmon" server-key "$work" >/dev/null || exit 2
for unit in town_meichang health_commission; do
    "$wdmon" --db "$conn" unit add $unit --bundle "$work/$unit" --server-key "$work/server.pub" \
        --endpoint "$endpoint" >/dev/null || exit 2
    # A short timeout, so that a lost reply is resent quickly in this test.
    sed -i 's/^\[collector\]$/[collector]\ntimeout_ms = 2000\nscan_ms = 100/' "$work/$unit/collector.conf"
done
start_server

# --- Three formats, exactly once -----------------------------------------
mc=$work/town_meichang
mkdir -p "$mc/inbox"
cat >"$mc/inbox/a-utf8.csv" <<'CSV'
indicator,area,year,value,numerator,denominator,status,note
DM27,meichang,2021,28.5,57,200,final,第一次报送
DM27,meichang,2022,abc,,,,数值写错
DM27,meichang,2023,30,60,200,,
HE03,meichang,2023,8,,,,不是本单位的指标
CSV
printf '\xef\xbb\xbf指标代码,地区代码,年份,数值,备注\r\nDM25,meichang,2021,18.5,村党组织成员(女)\r\nDM25,meichang,2022,19.25,妇女议事会覆盖\r\n' \
    | iconv -f UTF-8 -t GB18030 | tail -c +5 >"$mc/inbox/b-gb18030.csv"   # GB18030 has no BOM: drop its encoding of it
cat >"$mc/inbox/c.jsonl" <<'JSONL'
{"indicator": "DM26", "area": "meichang", "year": 2021, "value": 12.5, "note": "书记"}
{"indicator": "DM26", "area": "meichang", "year": 2022, "value": "high"}
{"indicator": "DM26", "area": "meichang", "year": 2023, "value": 14}
JSONL
timeout 60 "$collector_bin" -c "$mc/collector.conf" -l warn run --once 2>>"$work/collector.log"
expect "the collector finished delivering" $? 0
expect "UTF-8 CSV: 2 good records stored once" "$(q "SELECT count(*) FROM observation WHERE indicator_code = 'DM27'")" 2
expect "GB18030 CSV: 2 records stored once" "$(q "SELECT count(*) FROM observation WHERE indicator_code = 'DM25'")" 2
expect "GB18030 CSV: Chinese note intact" "$(q "SELECT note FROM observation WHERE indicator_code = 'DM25' AND year = 2021")" "村党组织成员(女)"
expect "JSON Lines: 2 good records stored once" "$(q "SELECT count(*) FROM observation WHERE indicator_code = 'DM26'")" 2
expect "values as sent" "$(q "SELECT string_agg(value::text, ',' ORDER BY indicator_code, year) FROM observation")" "18.5,19.25,12.5,14,28.5,30"
expect "every record from the unit's key" "$(q "SELECT count(DISTINCT unit_code) || ':' || min(unit_code) FROM observation")" "1:town_meichang"
expect "the three files moved to done/" "$(ls "$mc/inbox/done" | tr '\n' ' ')" "a-utf8.csv b-gb18030.csv c.jsonl "
grep -q "^3	value	.*'abc'" "$mc/inbox/failed/a-utf8.csv.errors.txt" && ok "CSV bad line 3 explained in failed/" || fail "CSV bad line not in failed/"
grep -q "^2	value	" "$mc/inbox/failed/c.jsonl.errors.txt" && ok "JSON Lines bad line 2 explained in failed/" || fail "JSONL bad line not in failed/"
grep -q '"code":403,"reason":"not_authorised","field":"indicator"' "$mc/rejected.jsonl" && ok "another unit's indicator refused (403) and kept aside" || fail "403 not in rejected.jsonl"
expect "the refusal kept at the centre" "$(q "SELECT reason_code || ':' || field FROM rejected_record")" "403:indicator"
# One-off records on standard input: `put -` hands them to the collector.
printf '{"indicator": "DM28", "area": "meichang", "year": 2024, "value": 20, "note": "经标准输入"}\n' \
    | "$collector_bin" -c "$mc/collector.conf" put - >/dev/null
expect "put - puts standard input into the inbox" "$(ls "$mc/inbox" | grep -c '^put-.*\.jsonl$')" 1
timeout 60 "$collector_bin" -c "$mc/collector.conf" -l warn run --once 2>>"$work/collector.log"
expect "... and the record arrives" "$(q "SELECT note FROM observation WHERE indicator_code = 'DM28'")" "经标准输入"
status=$("$collector_bin" -c "$mc/collector.conf" status)
grep -q "^queued     0 " <<<"$status" && grep -q "^rejected   1 " <<<"$status" \
    && ok "status shows nothing queued, 1 refused" || { fail "status"; echo "$status"; }
grep -qE "^ack time   p50 <= [0-9]+ ms, p99 <= [0-9]+ ms, max [0-9.]+ ms, over [1-9][0-9]* batches in its last run$" <<<"$status" \
    && ok "status shows the acknowledgement time of its last run" || { fail "ack time in status"; echo "$status"; }

# --- A stream of 20,000 records through a server crash ----------------------
hc=$work/health_commission
mkdir -p "$hc/inbox"
# make_stream FILE COUNT OFFSET: the health commission's indicators (those
# measured from 0, reported as a total, not by body) for the district and its towns,
# 2020-2025: thousands of series, a few revisions each, as real data has.
series=$(q "SELECT i.code || ',' || a.code FROM indicator i JOIN responsibility r ON r.indicator_code = i.code
             CROSS JOIN area a WHERE r.unit_code = 'health_commission' AND i.value_min = 0
               AND NOT i.by_sex AND i.bodies IS NULL AND i.frequency = 'year' ORDER BY 1")
echo "$series" >"$work/series.txt"
make_stream () {
    awk -v count="$2" -v offset="$3" '
        { keys [NR - 1] = $0 }
        END {
            print "indicator,area,year,value,note"
            for (i = 0; i < count; i++) {
                n = offset + i
                split (keys [n % NR], key, ",")
                printf "%s,%s,%d,%.1f,stream %d\n", key [1], key [2], 2020 + int (n / NR) % 6, (n % 90) / 10, n
            }
        }' "$work/series.txt" >"$1"
}
[ "$(wc -l <"$work/series.txt")" -ge 500 ] && ok "the stream spans $(wc -l <"$work/series.txt") indicator-area pairs" \
    || fail "too few series for the stream"
make_stream "$hc/stream1.tmp" 20000 0
"$collector_bin" -c "$hc/collector.conf" -l warn run 2>>"$work/collector.log" &
collector_pid=$!
mv "$hc/stream1.tmp" "$hc/inbox/stream1.csv"
wait_for 60 stored health_commission 2000 || fail "the stream did not start"
kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null
mid=$(q "SELECT count(*) FROM observation WHERE unit_code = 'health_commission'")
sleep 1
start_server
wait_for 120 stored health_commission 20000 && wait_for 30 drained "$hc" || fail "the stream did not finish after the server came back"
expect "server killed at $mid of 20000: every record stored" \
    "$(q "SELECT count(*) FROM observation WHERE unit_code = 'health_commission'")" 20000
expect "... and each exactly once" \
    "$(q "SELECT count(DISTINCT (rec_epoch, rec_seq)) FROM observation WHERE unit_code = 'health_commission'")" 20000
expect "... all 20,000 notes there" \
    "$(q "SELECT count(DISTINCT note) FROM observation WHERE unit_code = 'health_commission' AND note LIKE 'stream %'")" 20000

# --- And through a PostgreSQL crash ------------------------------------------
make_stream "$hc/stream2.tmp" 20000 20000
mv "$hc/stream2.tmp" "$hc/inbox/stream2.csv"
wait_for 60 stored health_commission 22000 || fail "the second stream did not start"
"$here/pgctl.sh" stop || fail "could not stop PostgreSQL"
sleep 3
"$here/pgctl.sh" start || fail "could not start PostgreSQL"
# Every batch in flight is answered "retry later" at once; the collector
# backs off once per attempt (0.2 s doubling), not once per answer: it
# once waited 25 s after a 3 s outage, with four batches in flight.
back=$SECONDS
at_back=$(q "SELECT count(*) FROM observation WHERE unit_code = 'health_commission'")
if [ "$at_back" -lt 40000 ]; then
    wait_for 60 stored health_commission $((at_back + 1))
    expect "the stream moves again within 12 s of PostgreSQL being back" \
        "$( [ $((SECONDS - back)) -le 12 ] && echo yes || echo "no: $((SECONDS - back)) s")" yes
fi
wait_for 120 stored health_commission 40000 && wait_for 30 drained "$hc" || fail "the stream did not finish after PostgreSQL came back"
expect "PostgreSQL stopped mid-stream: every record stored" \
    "$(q "SELECT count(*) FROM observation WHERE unit_code = 'health_commission'")" 40000
expect "... and each exactly once" \
    "$(q "SELECT count(DISTINCT (rec_epoch, rec_seq)) FROM observation WHERE unit_code = 'health_commission'")" 40000
grep -q "retry later" "$work/collector.log" && ok "the collector was told to retry later" \
    || echo "note: no 'retry later' seen (the outage fell between batches)"

# --- The collector killed (-9) again and again, in intake and in delivery ----
# Each record has its own note: a file taken twice would show as two rows
# with one note.
kill -TERM "$collector_pid"; wait "$collector_pid"; expect "the collector stops cleanly on SIGTERM" $? 0
make_stream "$hc/stream3.tmp" 60000 40000
mv "$hc/stream3.tmp" "$hc/inbox/stream3.csv"
kills=0
for pause in 0.05 0.1 0.15 0.2 0.3 0.5 0.7 0.9; do  # the first ones land in the intake
    "$collector_bin" -c "$hc/collector.conf" -l warn run 2>>"$work/collector.log" &
    collector_pid=$!
    sleep "$pause"
    kill -9 "$collector_pid" 2>/dev/null && kills=$((kills + 1))
    wait "$collector_pid" 2>/dev/null
done
"$collector_bin" -c "$hc/collector.conf" -l warn run 2>>"$work/collector.log" &
collector_pid=$!
wait_for 120 stored health_commission 100000 && wait_for 30 drained "$hc" || fail "the stream did not finish after the collector kills"
expect "collector killed $kills times: every record stored" \
    "$(q "SELECT count(*) FROM observation WHERE unit_code = 'health_commission'")" 100000
expect "... none twice: one row per note" \
    "$(q "SELECT count(DISTINCT note) FROM observation WHERE unit_code = 'health_commission'")" 100000
grep -q "was being taken in when the collector stopped\|had been taken in" "$work/collector.log" \
    && ok "a kill fell in the middle of an intake and was recovered" \
    || echo "note: no kill fell inside an intake this time"

kill -TERM "$collector_pid"; wait "$collector_pid"; expect "the collector stops cleanly on SIGTERM" $? 0
collector_pid=
# --- A bad config or a readable secret key on restart: refused, outbox untouched
sums () { (cd "$hc/outbox" && find . -type f ! -name lock -exec md5sum {} + | sort); }
before=$(sums)
sed 's/^batch_size/batchsize/; s/^\[collector\]$/[collector]\nbatchsize = 10/' "$hc/collector.conf" >"$hc/bad.conf"
out=$("$collector_bin" -c "$hc/bad.conf" run --once 2>&1); rc=$?
expect "a misspelt config key stops the collector (exit 2)" "$rc" 2
grep -q "collector.batchsize: unknown option" <<<"$out" && ok "... naming the key and its line" || fail "bad config message: $out"
chmod 644 "$hc/unit.key"
out=$("$collector_bin" -c "$hc/collector.conf" run --once 2>&1); rc=$?
chmod 600 "$hc/unit.key"
expect "a secret key others can read stops the collector (exit 1)" "$rc" 1
grep -q "accessible to others" <<<"$out" && ok "... saying so" || fail "readable key message: $out"
expect "... and the outbox is untouched" "$(sums)" "$before"

# --- A collector connecting while the database is away ------------------------
# The server's ZAP handler answers 300 (try again); libzmq may then leave
# the connection half-open until the handshake timer ends it.  That timer
# is 5 s on both sides, not libzmq's 30 s: a record taken in once the
# database is back arrives within seconds.  The collector's own timeout is
# set long here, so that it cannot stand in for the handshake's.
sed 's/^timeout_ms = .*/timeout_ms = 120000/' "$mc/collector.conf" >"$mc/patient.conf"
zap_refusals () { grep -c "zap: cannot check key" "$work/server.log"; }
refused_before=$(zap_refusals)
"$here/pgctl.sh" stop || fail "could not stop PostgreSQL"
"$collector_bin" -c "$mc/patient.conf" -l info run 2>>"$work/patient.log" &
collector_pid=$!
wait_for 30 eval '[ "$(zap_refusals)" -gt "$refused_before" ]' && ok "ZAP said 300 while the database was away" \
    || fail "no ZAP refusal seen while the database was away"
"$here/pgctl.sh" start || fail "could not start PostgreSQL"
back=$SECONDS
printf 'indicator,area,year,value,note\nDM27,meichang,2024,31,数据库恢复后\n' >"$mc/inbox/.late.tmp"
mv "$mc/inbox/.late.tmp" "$mc/inbox/late.csv"
wait_for 60 stored town_meichang 8 || fail "the record taken in after the database came back was not stored"
expect "... stored within 15 s of the database being back" \
    "$( [ $((SECONDS - back)) -le 15 ] && echo yes || echo "no: $((SECONDS - back)) s")" yes
# Both ends read their sockets' monitor events: the collector logs its
# link, the server counts the CURVE connections it has open.
grep -q "delivery: connected to the centre" "$work/patient.log" \
    && ok "the collector's log says when it is connected to the centre" || fail "no link line in the collector's log"
live_connections () { q "SELECT connections FROM server_status ORDER BY heartbeat_at DESC LIMIT 1"; }
wait_for 15 eval '[ "$(live_connections)" -ge 1 ]' \
    && ok "the server counts the collector's connection (server_status)" \
    || fail "the running server's server_status counts $(live_connections) connections"
kill -TERM "$collector_pid"; wait "$collector_pid"
collector_pid=

kill -TERM "$server_pid"; wait "$server_pid"; expect "the server stops cleanly on SIGTERM" $? 0
server_pid=
if [ $failures -ne 0 ]; then
    echo "--- server log"; tail -n 30 "$work/server.log"
    echo "--- collector log"; tail -n 30 "$work/collector.log"
fi
wdm_test_drop_db
wdm_test_end test_ingest
