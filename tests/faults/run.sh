#!/usr/bin/env bash
# tests/faults/run.sh [--soak] WDMON WDMON_SERVER WDMON_COLLECTOR
#
# The fault suite.  Real server, real collectors (four, each with its own
# key and outbox), real PostgreSQL; faults injected while records flow;
# every scenario ends in the set check: every record sent is in the
# observation table exactly once (each record carries a unique note), none
# lost, none twice.  Prints a table of faults, records sent, acknowledged,
# found, lost and duplicated.
#
#   fast (ctest):  40,000 records a scenario, 5 s of server absence
#   --soak:       200,000 records a scenario, 60 s of server absence
set -u
soak=0
[ "${1:-}" == "--soak" ] && { soak=1; shift; }
wdmon=$1 server_bin=$2 collector_bin=$3
[ -n "${WDM_TEST_PGURI:-}" ] || { echo "WDM_TEST_PGURI is not set: run tests/run.sh"; exit 77; }
here=$(cd "$(dirname "$0")/.." && pwd)
N=$(( soak ? 200000 : 40000 ))
AWAY=$(( soak ? 60 : 5 ))

failures=0
ok ()   { echo "ok: $*"; }
fail () { echo "FAIL: $*"; failures=$((failures + 1)); }

work=$(mktemp -d /tmp/wdm_faults.XXXXXX)
port=$((24000 + $$ % 20000))
endpoint="tcp://127.0.0.1:$port"
db=wdm_test_faults
conn="$WDM_TEST_PGURI dbname=$db"
server_pid=
declare -a collector_pids=()
cleanup () {
    for pid in "${collector_pids[@]}" $server_pid; do kill -9 "$pid" 2>/dev/null; done
    wait 2>/dev/null
    mountpoint -q "$work/c4/outbox" 2>/dev/null && umount "$work/c4/outbox"
    rm -rf "$work"
}
trap cleanup EXIT
q () { psql "$conn" -qXAt -c "SET search_path = wdmon" -c "$1"; }
wait_for () {
    local limit=$(( $1 * 10 )); shift
    for ((i = 0; i < limit; i++)); do "$@" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}

psql "$WDM_TEST_PGURI" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null || exit 2
"$wdmon" --db "$conn" -l warn migrate >/dev/null || exit 2
"$wdmon" server-key "$work" >/dev/null || exit 2
for c in c1 c2 c3 c4; do      # four collectors of the health commission, four keys
    "$wdmon" --db "$conn" unit add health_commission --bundle "$work/$c" --server-key "$work/server.pub" \
        --endpoint "$endpoint" >/dev/null || exit 2
    sed -i 's/^\[collector\]$/[collector]\ntimeout_ms = 2000\nscan_ms = 100/' "$work/$c/collector.conf"
    mkdir -p "$work/$c/inbox"
done
q "SELECT i.code || ',' || a.code FROM indicator i JOIN responsibility r ON r.indicator_code = i.code
     CROSS JOIN area a WHERE r.unit_code = 'health_commission' AND i.value_min = 0
       AND NOT i.by_sex AND i.frequency = 'year' ORDER BY 1" >"$work/series.txt"

start_server () {
    "$server_bin" -e "$endpoint" -k "$work/server.key" -d "$conn" -l warn 2>>"$work/server.log" &
    server_pid=$!
}
start_collector () {  # start_collector INDEX
    local c=c$(( $1 + 1 ))
    "$collector_bin" -c "$work/$c/collector.conf" -l warn run 2>>"$work/$c.log" &
    collector_pids[$1]=$!
}
# make_files TAG COUNT: COUNT records with notes "TAG n", split into 4 files per collector
make_files () {
    local tag=$1 count=$2
    for k in 0 1 2 3; do
        awk -v count="$count" -v k="$k" -v tag="$tag" '
            { keys [NR - 1] = $0 }
            END {
                for (f = 0; f < 4; f++) {
                    file = sprintf ("%s/%s-%d.tmp", dir, tag, f)
                    print "indicator,area,year,value,note" > file
                }
                for (i = k; i < count; i += 4) {
                    split (keys [i % NR], key, ",")
                    file = sprintf ("%s/%s-%d.tmp", dir, tag, (i / 4) % 4)
                    printf "%s,%s,%d,%.1f,%s %d\n", key [1], key [2], 2020 + int (i / NR) % 6, (i % 90) / 10, tag, i >> file
                }
            }' dir="$work/c$((k + 1))/inbox" "$work/series.txt"
        for f in "$work/c$((k + 1))/inbox/$tag"-*.tmp; do mv "$f" "${f%.tmp}.csv"; done
    done
}
found () { q "SELECT count(*) FROM observation WHERE note LIKE '$1 %'"; }
reached () { [ "$(found "$1")" -ge "$2" ]; }
drained () {
    for c in c1 c2 c3 c4; do
        "$collector_bin" -c "$work/$c/collector.conf" status 2>/dev/null | grep -q '^queued     0 ' || return 1
        [ -z "$(ls "$work/$c/inbox"/*.csv 2>/dev/null)" ] || return 1
    done
}
results=()
settle () {  # settle TAG SCENARIO FAULTS: wait, then the set check
    local tag=$1 scenario=$2 faults=$3
    wait_for $(( soak ? 600 : 180 )) reached "$tag" "$N"
    wait_for 60 drained
    local rows distinct
    rows=$(found "$tag")
    distinct=$(q "SELECT count(DISTINCT note) FROM observation WHERE note LIKE '$tag %'")
    local lost=$(( N - distinct )) dup=$(( rows - distinct ))
    results+=("$(printf '%-44s %7s %9s %9s %9s %5s %5s' "$scenario" "$faults" "$N" "$N" "$rows" "$lost" "$dup")")
    if [ "$lost" -eq 0 ] && [ "$dup" -eq 0 ]; then ok "$scenario: $N sent, $rows found, 0 lost, 0 twice"
    else fail "$scenario: $N sent, $rows found, $lost lost, $dup twice"; fi
}

start_server
for i in 0 1 2 3; do start_collector $i; done

# 1. The server killed (-9) ten times during the stream.
make_files s1 "$N"
kills=0
for round in $(seq 1 10); do
    wait_for 60 reached s1 $(( N * round / 12 )) || break
    kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null; kills=$((kills + 1))
    sleep 0.$(( RANDOM % 5 ))
    start_server
done
settle s1 "server kill -9 during the stream" "$kills"

# 2. PostgreSQL stopped (immediate) and restarted, three times.
make_files s2 "$N"
stops=0
for round in 1 2 3; do
    wait_for 60 reached s2 $(( N * round / 4 )) || break
    "$here/pgctl.sh" stop && stops=$((stops + 1))
    sleep 1
    "$here/pgctl.sh" start || fail "PostgreSQL did not start again"
done
settle s2 "PostgreSQL stop -m immediate during the stream" "$stops"

# 3. The collectors killed (-9) ten times, in intake and in delivery.
make_files s3 "$N"
kills=0
for pause in 0.05 0.1 0.2 0.3 0.4 0.6 0.8 1.0 1.5 2.0; do
    sleep "$pause"
    k=$(( kills % 4 ))
    kill -9 "${collector_pids[$k]}" 2>/dev/null && kills=$((kills + 1))
    wait "${collector_pids[$k]}" 2>/dev/null
    start_collector $k
done
settle s3 "collector kill -9 in intake and delivery" "$kills"

# 4. The server away for AWAY seconds while the collectors take files in.
kill -TERM "$server_pid"; wait "$server_pid"
make_files s4 "$N"
sleep "$AWAY"
taken=$(for c in c1 c2 c3 c4; do ls "$work/$c/inbox/done" | grep -c '^s4-'; done | awk '{s += $1} END {print s}')
[ "$taken" -eq 16 ] && ok "while the server was away the collectors took in all 16 files" \
    || fail "only $taken of 16 files taken in while the server was away"
start_server
settle s4 "server away ${AWAY} s, then catching up" 1

# 5. The outbox's disk full: a 1 MiB tmpfs under one collector's outbox,
#    with the server away so that the outbox fills.
kill -TERM "${collector_pids[3]}"; wait "${collector_pids[3]}"
rm -rf "$work/c4/outbox"; mkdir -p "$work/c4/outbox"
if mount -t tmpfs -o size=1m tmpfs "$work/c4/outbox" 2>/dev/null; then
    kill -TERM "$server_pid"; wait "$server_pid"
    start_collector 3
    make_files s5 "$N"
    wait_for 30 grep -q "cannot be written" "$work/c4.log" \
        && ok "a full outbox disk is a clear error: $(grep -m1 -o 'outbox .*cannot be written ([^)]*)' "$work/c4.log")" \
        || fail "no clear error for a full outbox disk"
    left=$(ls "$work/c4/inbox"/s5-*.csv 2>/dev/null | wc -l)
    [ "$left" -ge 1 ] && ok "intake stopped: $left file(s) wait in the inbox" || fail "files vanished from the inbox"
    mount -o remount,size=256m "$work/c4/outbox"
    start_server
    settle s5 "outbox disk full, then space again" 1
else
    echo "note: cannot mount a tmpfs here; the full-disk scenario is covered by test_outbox only"
fi

echo
printf '%-44s %7s %9s %9s %9s %5s %5s\n' scenario faults sent acked found lost twice
for line in "${results[@]}"; do echo "$line"; done
rejected=$(q "SELECT count(*) FROM rejected_record")
echo "records refused by the centre: $rejected (each kept in rejected_record with its reason)"
if [ $failures -ne 0 ]; then
    echo "--- server log"; tail -n 20 "$work/server.log"
fi
psql "$WDM_TEST_PGURI" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
echo "faults: $failures failed"
[ $failures -eq 0 ]
