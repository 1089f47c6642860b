#!/usr/bin/env bash
# tests/faults/run.sh [--soak] WDMON WDMON_SERVER WDMON_COLLECTOR
#
# The fault suite.  Real server, real collectors (four, each with its own
# key and outbox), real PostgreSQL; faults injected while records flow;
# every scenario ends in the set check: every record sent is in the
# observation table exactly once (each record carries a unique note), none
# lost, none twice — except the records a scenario damages on disk on
# purpose, which must be exactly those and no others.  Prints a table of
# faults, records sent, acknowledged to the collectors, found, lost,
# duplicated, and the resends the server answered as duplicates.
#
#   fast (ctest):  20,000 records a scenario, 5 s of server absence
#   --soak:       200,000 records a scenario, 60 s of server absence
#
# Needs WDM_TEST_PGURI, WDM_TEST_PG_DIR (and WDM_TEST_PG_PORT) as set by
# tests/run.sh: scenario 2 stops and starts that cluster (tests/pgctl.sh).
# Scenario 5 needs root (a tmpfs), scenario 6 gdb; each says so and is
# left out where it cannot run.  A failed run keeps its directory.
set -u
soak=0
[ "${1:-}" == "--soak" ] && { soak=1; shift; }
wdmon=$1 server_bin=$2 collector_bin=$3
[ -n "${WDM_TEST_PGURI:-}" ] || { echo "WDM_TEST_PGURI is not set: run tests/run.sh"; exit 77; }
[ -n "${WDM_TEST_PG_DIR:-}" ] || { echo "WDM_TEST_PG_DIR is not set: run tests/run.sh"; exit 77; }
if nm "$server_bin" 2>/dev/null | grep -q __asan_init; then
    echo "sanitizer build: the fault suite runs in the normal build only (too slow here)"; exit 77
fi
here=$(cd "$(dirname "$0")/.." && pwd)
N=$(( soak ? 200000 : 20000 ))
AWAY=$(( soak ? 60 : 5 ))
LIMIT=$(( soak ? 900 : 180 ))      # seconds a scenario may take to deliver everything
log_level=${WDM_FAULTS_LOG:-warn}   # the server's and collectors' logs, kept in the work directory

failures=0
ok ()   { echo "ok: $*"; }
fail () { echo "FAIL: $*"; failures=$((failures + 1)); }

work=$(mktemp -d /tmp/wdm_faults.XXXXXX)
chmod 755 "$work"
port=$((14000 + $$ % 12000))
endpoint="tcp://127.0.0.1:$port"
db=wdm_test_faults
conn="$WDM_TEST_PGURI dbname=$db"
server_pid=
declare -a collector_pids=()
cleanup () {
    for pid in "${collector_pids[@]}" $server_pid; do kill -9 "$pid" 2>/dev/null; done
    wait 2>/dev/null
    mountpoint -q "$work/c4/outbox" 2>/dev/null && umount "$work/c4/outbox"
    if [ $failures -eq 0 ] && [ -z "${WDM_FAULTS_KEEP:-}" ]; then rm -rf "$work"; else echo "kept for study: $work"; fi
}
trap cleanup EXIT
q () { psql "$conn" -qXAt -c "SET search_path = wdmon" -c "$1"; }
wait_for () {
    local limit=$(( $1 * 10 )); shift
    for ((i = 0; i < limit; i++)); do "$@" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}

psql "$WDM_TEST_PGURI" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null 2>&1 || exit 2
"$wdmon" --db "$conn" -l warn migrate >/dev/null || exit 2
"$wdmon" --db "$conn" -l warn plan import "$(dirname "$0")/../../deploy/plans/wuqing-women-2021-2025.yaml" \
    --current >/dev/null || exit 2
"$wdmon" --db "$conn" -l warn site import "$(dirname "$0")/../../deploy/site/wuqing.yaml" >/dev/null || exit 2
"$wdmon" server-key "$work" >/dev/null || exit 2
for c in c1 c2 c3 c4; do      # four collectors of the health commission, four keys
    "$wdmon" --db "$conn" unit add health_commission --bundle "$work/$c" --server-key "$work/server.pub" \
        --endpoint "$endpoint" >/dev/null || exit 2
    sed -i 's/^\[collector\]$/[collector]\ntimeout_ms = 2000\nscan_ms = 100/' "$work/$c/collector.conf"
    mkdir -p "$work/$c/inbox"
done
q "SELECT i.code || ',' || a.code FROM indicator i JOIN responsibility r ON r.indicator_code = i.code
     CROSS JOIN area a WHERE r.unit_code = 'health_commission' AND i.value_min = 0
       AND NOT i.by_sex AND i.bodies IS NULL AND i.frequency = 'year' ORDER BY 1" >"$work/series.txt"

start_server () {
    "$server_bin" -e "$endpoint" -k "$work/server.key" -d "$conn" -l "$log_level" 2>>"$work/server.log" &
    server_pid=$!
}
stop_server () {
    kill -TERM "$server_pid"; wait "$server_pid"; server_pid=
}
start_collector () {  # start_collector INDEX
    local c=c$(( $1 + 1 ))
    "$collector_bin" -c "$work/$c/collector.conf" -l "$log_level" run 2>>"$work/$c.log" &
    collector_pids[$1]=$!
}
stop_collector () {  # stop_collector INDEX
    kill -TERM "${collector_pids[$1]}"; wait "${collector_pids[$1]}"; collector_pids[$1]=
}
# make_files TAG COUNT: COUNT records with notes "TAG n", dealt out to the
# four collectors, 4 files each.  Written under a hidden name and renamed:
# the collector takes every visible file it finds (and moves what is not
# .csv or .jsonl to failed/), so a file must appear whole.
# make_files TAG COUNT [HELD]: COUNT records in four files a collector; the
# last HELD files of each are kept back (hidden) until release_files TAG.
make_files () {
    local tag=$1 count=$2 held=${3:-0}
    for k in 0 1 2 3; do
        awk -v count="$count" -v k="$k" -v tag="$tag" '
            { keys [NR - 1] = $0 }
            END {
                for (f = 0; f < 4; f++) {
                    file = sprintf ("%s/.%s-%d.tmp", dir, tag, f)
                    print "indicator,area,year,value,note" > file
                }
                for (i = k; i < count; i += 4) {
                    split (keys [i % NR], key, ",")
                    file = sprintf ("%s/.%s-%d.tmp", dir, tag, (i / 4) % 4)
                    printf "%s,%s,%d,%.1f,%s %d\n", key [1], key [2], 2020 + int (i / NR) % 6, (i % 90) / 10, tag, i >> file
                }
            }' dir="$work/c$((k + 1))/inbox" "$work/series.txt"
        for ((f = 0; f < 4 - held; f++)); do
            mv "$work/c$((k + 1))/inbox/.$tag-$f.tmp" "$work/c$((k + 1))/inbox/$tag-$f.csv" || fail "make_files $tag"
        done
    done
}
release_files () {  # release_files TAG: hand the collectors what make_files kept back
    local file
    for file in "$work"/c?/inbox/."$1"-?.tmp; do
        [ -e "$file" ] || continue
        mv "$file" "${file%/*}/$(basename "$file" .tmp | cut -c2-).csv" || fail "release_files $1"
    done
}
found () { q "SELECT count(*) FROM observation WHERE note LIKE '$1 %'"; }
reached () { [ "$(found "$1")" -ge "$2" ]; }
# status_of INDEX FIELD: a number from `wdmon-collector status` (queued, answered)
status_of () {
    "$collector_bin" -c "$work/c$(( $1 + 1 ))/collector.conf" status 2>/dev/null \
        | awk -v field="$2" '$1 == field { print $2; found = 1 } END { if (!found) print 0 }'
}
drained () {
    for k in 0 1 2 3; do
        [ "$(status_of $k queued)" == 0 ] || return 1
        [ -z "$(ls "$work/c$((k + 1))/inbox"/*.csv 2>/dev/null)" ] || return 1
    done
}
taken_in () {  # taken_in TAG: every file of TAG moved to done/
    for c in c1 c2 c3 c4; do
        [ -z "$(ls "$work/$c/inbox/$1"-*.csv 2>/dev/null)" ] || return 1
    done
}
results=()
declare -a answered_before=()
scenario_started=0 batch_id_before=0
begin () {  # begin: snapshot the counters a scenario's row is measured from
    scenario_started=$SECONDS
    batch_id_before=$(q "SELECT coalesce(max(id), 0) FROM ingest_batch")
    for k in 0 1 2 3; do answered_before[$k]=$(status_of $k answered); done
}
settle () {  # settle TAG SCENARIO FAULTS [EXPECTED_LOST]: wait, then the set check
    local tag=$1 scenario=$2 faults=$3 expected_lost=${4:-0}
    local want=$(( N - expected_lost ))
    wait_for "$LIMIT" reached "$tag" "$want" || fail "$scenario: not delivered within $LIMIT s"
    wait_for 60 drained || fail "$scenario: the collectors did not drain within 60 s"
    local rows distinct acked=0 k dups
    rows=$(found "$tag")
    distinct=$(q "SELECT count(DISTINCT note) FROM observation WHERE note LIKE '$tag %'")
    for k in 0 1 2 3; do acked=$(( acked + $(status_of $k answered) - answered_before[k] )); done
    dups=$(q "SELECT coalesce(sum(duplicates), 0) FROM ingest_batch WHERE id > $batch_id_before")
    local lost=$(( N - distinct )) twice=$(( rows - distinct )) seconds=$(( SECONDS - scenario_started ))
    results+=("$(printf '%-46s %6s %7s %7s %7s %5s %5s %7s %5s' "$scenario" "$faults" "$N" "$acked" \
                 "$rows" "$lost" "$twice" "$dups" "$seconds")")
    if [ "$lost" -eq "$expected_lost" ] && [ "$twice" -eq 0 ] && [ "$acked" -eq "$want" ]; then
        ok "$scenario: $N sent, $acked acknowledged, $rows found, $lost lost, 0 twice ($seconds s)"
    else
        fail "$scenario: $N sent, $acked acknowledged, $rows found, $lost lost (expected $expected_lost), $twice twice"
        for k in 0 1 2 3; do
            echo "--- c$((k + 1)) status"; "$collector_bin" -c "$work/c$((k + 1))/collector.conf" status
            echo "--- c$((k + 1)) log"; tail -n 5 "$work/c$((k + 1)).log"
        done
    fi
}

start_server
for i in 0 1 2 3; do start_collector $i; done

# 1. The server killed (-9) ten times during the stream.
scenario_1 () {
    begin
    make_files s1 "$N"
    kills=0
    for round in $(seq 1 10); do
        wait_for 60 reached s1 $(( N * round / 12 )) || { fail "s1 stalled before kill $round"; break; }
        kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null; kills=$((kills + 1))
        sleep 0.$(( RANDOM % 5 ))
        start_server
    done
    settle s1 "server kill -9 during the stream" "$kills"
}

# 2. PostgreSQL stopped (immediate) and restarted, three times.
scenario_2 () {
    begin
    make_files s2 "$N"
    stops=0
    for round in 1 2 3; do
        wait_for 60 reached s2 $(( N * round / 4 )) || { fail "s2 stalled before stop $round"; break; }
        "$here/pgctl.sh" stop && stops=$((stops + 1))
        sleep 1
        "$here/pgctl.sh" start || fail "PostgreSQL did not start again"
    done
    settle s2 "PostgreSQL stop -m immediate during the stream" "$stops"
    #  Each failure the restarts caused is logged with its reason (a
    #  statement libpq could not send has no result to read it from).
    local bare
    bare=$(grep -E 'store: [A-Z ]+:[[:space:]]*$' "$work/server.log")
    [ -z "$bare" ] && ok "every store failure in the log gives its reason" || fail "a store failure logged without its reason: $bare"
}

# 3. The collectors killed (-9) ten times, in intake and in delivery.
scenario_3 () {
    begin
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
}

# 4. The server away for AWAY seconds while the collectors take files in.
scenario_4 () {
    begin
    stop_server
    make_files s4 "$N"
    sleep "$AWAY"
    taken=$(for c in c1 c2 c3 c4; do ls "$work/$c/inbox/done" | grep -c '^s4-'; done | awk '{s += $1} END {print s}')
    [ "$taken" -eq 16 ] && ok "while the server was away the collectors took in all 16 files" \
        || fail "only $taken of 16 files taken in while the server was away"
    start_server
    settle s4 "server away ${AWAY} s, then catching up" 1
}

# 5. The outbox's disk full: a small tmpfs under one collector's outbox,
#    with the server away so that the outbox fills.  A stored record takes
#    about 70 bytes, so the N/4 records of c4 need more than 256 KiB.
scenario_5 () {
    stop_collector 3
    rm -rf "$work/c4/outbox"; mkdir -p "$work/c4/outbox"
    if mount -t tmpfs -o size=256k tmpfs "$work/c4/outbox" 2>/dev/null; then
        begin
        stop_server
        start_collector 3
        make_files s5 "$N"
        wait_for 60 grep -q "cannot be written" "$work/c4.log" \
            && ok "a full outbox disk is a clear error: $(grep -m1 -o 'outbox .*cannot be written ([^)]*)' "$work/c4.log")" \
            || fail "no clear error for a full outbox disk"
        left=$(ls "$work/c4/inbox"/s5-*.csv 2>/dev/null | wc -l)
        [ "$left" -ge 1 ] && ok "intake stopped: $left file(s) wait in the inbox" || fail "files vanished from the inbox"
        mount -o remount,size=256m "$work/c4/outbox"
        start_server
        settle s5 "outbox disk full, then space again" 1
    else
        echo "note: cannot mount a tmpfs here (needs root); the full-disk scenario is covered by test_outbox_damage only"
        start_collector 3
    fi
}

# 6. The server killed (-9) after a COMMIT and before its replies: gdb
#    stops it when wdm_store_commit has returned 0 (the group is stored),
#    and it is killed there.  The collectors never hear of that group and
#    send it again; the server must answer those records as duplicates and
#    store none of them twice.
scenario_6 () {
    if command -v gdb >/dev/null; then
        begin
        #  Half the records wait until gdb is attached: on a fast machine
        #  the whole stream could otherwise be stored before, leaving no
        #  commit to stop at.
        make_files s6 "$N" 2
        wait_for 60 reached s6 $(( N / 4 )) || fail "s6 stalled"
        #  Run to a wdm_store_commit that returns 0, and kill the server there.
        printf '%s\n' 'set pagination off' 'set confirm off' 'break wdm_store_commit' \
            'continue' 'finish' 'set $rc = $' 'while $rc != 0' 'continue' 'finish' 'set $rc = $' 'end' \
            'printf "committed, not yet answered: killing the server\n"' "shell kill -9 $server_pid" \
            >"$work/commit.gdb"
        timeout -k 10 120 gdb -q -batch -x "$work/commit.gdb" -p "$server_pid" >"$work/gdb.log" 2>&1 &
        local gdb_pid=$!
        wait_for 60 grep -q '^Breakpoint 1 at' "$work/gdb.log" || fail "gdb did not set its breakpoint within 60 s"
        release_files s6
        wait "$gdb_pid"
        #  No commit within the time: the server lives on, and waiting for
        #  it would wait for ever.  Where it is goes into the failure.
        if ! grep -q "committed, not yet answered" "$work/gdb.log" && kill -0 "$server_pid" 2>/dev/null; then
            timeout -k 5 30 gdb -q -batch -p "$server_pid" -ex 'thread apply all bt' >"$work/server-bt.log" 2>&1
            kill -9 "$server_pid"
        fi
        { wait "$server_pid"; rc=$?; } 2>/dev/null
        if grep -q "committed, not yet answered" "$work/gdb.log" && [ $rc -eq 137 ]; then
            #  The killed group's rows share their transaction's received_at.
            #  Every record in it went unanswered: those it stored, and
            #  those it found stored already (a busy machine makes
            #  collectors resend, and a group may hold resends only).
            unanswered=$(q "SELECT coalesce(sum(accepted + duplicates), 0) FROM ingest_batch WHERE received_at =
                              (SELECT max(received_at) FROM ingest_batch)")
            fresh=$(q "SELECT coalesce(sum(accepted), 0) FROM ingest_batch WHERE received_at =
                         (SELECT max(received_at) FROM ingest_batch)")
            ok "server killed (-9) between COMMIT and reply; $unanswered records stored and not answered ($fresh new in that group)"
            batch_id_kill=$(q "SELECT coalesce(max(id), 0) FROM ingest_batch")
            start_server
            settle s6 "server kill -9 between COMMIT and reply" 1
            resent=$(q "SELECT coalesce(sum(duplicates), 0) FROM ingest_batch WHERE id > $batch_id_kill")
            [ "$unanswered" -gt 0 ] && [ "$resent" -ge "$unanswered" ] \
                && ok "the unanswered records came back and were answered as duplicates ($resent duplicates >= $unanswered)" \
                || fail "resent duplicates: $resent, records stored and not answered: $unanswered"
        else
            fail "gdb did not stop the server after a commit (exit $rc): $(tail -n 5 "$work/gdb.log")"
            echo "--- the server's last lines"; tail -n 15 "$work/server.log"
            [ -f "$work/server-bt.log" ] && { echo "--- where the server was"; grep -E '^(Thread|#)' "$work/server-bt.log" | head -n 60; }
            start_server
        fi
    else
        echo "note: gdb is not installed; the kill between COMMIT and reply is left out"
    fi
}

# 7. An outbox damaged on disk while its collector is stopped: a bit
#    flipped in a record in the middle of it, and the last record in the
#    file cut short (faults/damage_outbox.sh).  On restart the collector
#    says so, and every other record is delivered; the two damaged ones,
#    exactly, are lost.
scenario_7 () {
    begin
    stop_server
    make_files s7 "$N"
    wait_for 60 taken_in s7 || fail "s7: files not taken in"
    stop_collector 0
    damaged=$("$here/faults/damage_outbox.sh" "$work/c1/outbox" s7) || fail "s7: the outbox could not be damaged"
    flip_note=$(sed -n 1p <<<"$damaged") torn_note=$(sed -n 2p <<<"$damaged")
    start_collector 0
    wait_for 30 grep -q "outbox recovered" "$work/c1.log" \
        && ok "the damage is detected: $(grep -m1 -o 'outbox recovered: .*' "$work/c1.log")" \
        || fail "no log line about the damaged outbox"
    start_server
    settle s7 "outbox: a flipped bit and a torn tail" 2 2
    missing=$(q "SELECT string_agg(n, ', ' ORDER BY n) FROM unnest (ARRAY['$flip_note', '$torn_note']) n
                  WHERE NOT EXISTS (SELECT 1 FROM observation WHERE note = n)")
    [ "$missing" == "$(printf '%s\n' "$flip_note" "$torn_note" | sort | paste -sd, | sed 's/,/, /')" ] \
        && ok "the records lost are exactly the damaged ones: $missing" \
        || fail "lost should be exactly '$flip_note' and '$torn_note'; missing: '$missing'"
}

# 8. An invalid config on restart: the collector refuses to start and its
#    outbox, holding records not yet delivered, stays byte for byte as it was.
scenario_8 () {
    begin
    stop_server
    make_files s8 "$N"
    wait_for 60 taken_in s8 || fail "s8: files not taken in"
    stop_collector 1
    sums () { (cd "$work/c2/outbox" && find . -type f -exec sha256sum {} + | sort && find . -printf '%p %s %m %T@\n' | sort); }
    before=$(sums)
    queued=$(status_of 1 queued)
    cp "$work/c2/collector.conf" "$work/c2/good.conf"
    sed -i 's/^timeout_ms = .*/timeout_ms = soon/' "$work/c2/collector.conf"
    out=$(timeout 30 "$collector_bin" -c "$work/c2/collector.conf" -l warn run 2>&1); rc=$?
    [ $rc -eq 2 ] && grep -q "timeout_ms" <<<"$out" \
        && ok "a bad value stops the collector (exit 2) naming the key: $out" || fail "bad value: exit $rc: $out"
    sed -i 's/^timeout_ms = .*/timeout_ms = 2000\ntimeout = 2000/' "$work/c2/collector.conf"
    out=$(timeout 30 "$collector_bin" -c "$work/c2/collector.conf" -l warn run 2>&1); rc=$?
    [ $rc -eq 2 ] && grep -q "collector.timeout: unknown option" <<<"$out" \
        && ok "an unknown key stops the collector (exit 2) naming it: $out" || fail "unknown key: exit $rc: $out"
    [ "$(sums)" == "$before" ] && [ "$queued" -gt 0 ] \
        && ok "the outbox, holding $queued records, is byte for byte as it was" \
        || fail "the outbox changed under a collector that refused its config"
    mv "$work/c2/good.conf" "$work/c2/collector.conf"
    start_collector 1
    start_server
    settle s8 "invalid config on restart" 2
}

for scenario in ${WDM_FAULTS_ONLY:-1 2 3 4 5 6 7 8}; do "scenario_$scenario"; done
echo
printf '%-46s %6s %7s %7s %7s %5s %5s %7s %5s\n' scenario faults sent acked found lost twice resent time
for line in "${results[@]}"; do echo "$line"; done
echo "(acked: records the collectors' outboxes count as answered during the scenario;"
echo " resent: records the server answered as already stored; time: seconds)"
rejected=$(q "SELECT count(*) FROM rejected_record")
echo "records refused by the centre: $rejected (each kept in rejected_record with its reason)"
if [ $failures -ne 0 ]; then
    echo "--- server log"; tail -n 20 "$work/server.log"
fi
psql "$WDM_TEST_PGURI" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
echo "faults: $failures failed"
[ $failures -eq 0 ]
