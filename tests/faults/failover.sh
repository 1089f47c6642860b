#!/usr/bin/env bash
# tests/faults/failover.sh [--soak] WDMON WDMON_SERVER WDMON_COLLECTOR
#
# The primary PostgreSQL killed under load and its synchronous standby
# promoted (issue 18, part 2).  A pair made by deploy/standby.sh in a
# directory of this test's own; one real wdmon-server whose conninfo names
# both (host=A,B port=P,S target_session_attrs=read-write); four real
# collectors streaming.  Mid-stream every process of the primary is killed
# -9 (a crashed machine) and the script promotes the standby.  Then:
#
#   - 0 acknowledged records lost: every record the collectors' outboxes
#     count as answered is in the new primary, and every record sent is
#     there exactly once (the set check of tests/faults/run.sh);
#   - the server carries on without a restart: the same process, alive,
#     stores on the new primary;
#   - the time to recover is measured and printed: kill → promoted, and
#     kill → first batch committed on the new primary;
#   - first, the standby stopped for a while under load: synchronous
#     replication means no record is acknowledged while it is away (the
#     primary's commits wait for it), and all flows again once it is back;
#   - wdmon-web, on the same multi-host conninfo, answers its first request
#     after the failover from the new primary (an API read, by token);
#   - the server's log names why each database statement failed (no empty
#     "database:" lines).
#
#   fast (ctest):  20,000 records, one failover (about a minute)
#   --soak:       200,000 records, three failovers, the old primary rebuilt
#                 as the new standby (deploy/standby.sh rebuild) between them
#   --cost:       no fault: what synchronous replication costs — the same
#                 load (WDM_COST_N records, 40,000 by default) delivered with
#                 the standby synchronous, asynchronous, and synchronous
#                 again (after an untimed warm-up), in one run; the rates
#                 and their ratio printed
#
# Needs root or the postgres user's rights to run PostgreSQL (as tests/run.sh).
# WDM_FAULTS_KEEP=1 keeps the work directory; a failed run always keeps it.
set -u
soak=0 cost=0
[ "${1:-}" == "--soak" ] && { soak=1; shift; }
[ "${1:-}" == "--cost" ] && { cost=1; shift; }
wdmon=$1 server_bin=$2 collector_bin=$3
web_bin=$(dirname "$server_bin")/wdmon-web
if nm "$server_bin" 2>/dev/null | grep -q __asan_init; then
    echo "sanitizer build: the failover test runs in the normal build only (too slow here)"; exit 77
fi
command -v pg_basebackup >/dev/null || [ -x "$(ls /usr/lib/postgresql/*/bin/pg_basebackup 2>/dev/null | tail -n 1)" ] \
    || { echo "pg_basebackup not installed"; exit 77; }
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/deploy/lib.sh"
pair_sh=$top/deploy/standby.sh
N=$(( soak ? 200000 : 20000 ))
ROUNDS=$(( soak ? 3 : 1 ))
LIMIT=$(( soak ? 900 : 120 ))
log_level=${WDM_FAULTS_LOG:-info}           # the server's and wdmon-web's
collector_log=${WDM_FAULTS_COLLECTOR_LOG:-warn}
export WDM_PG_FSYNC=off   # a process killed, not the machine: the page cache survives

failures=0
ok ()   { echo "ok: $*"; }
fail () { echo "FAIL: $*"; failures=$((failures + 1)); }

work=$(mktemp -d /tmp/wdm_fo.XXXXXX)   # short: the sockets' paths live under it
chmod 755 "$work"
pg=$work/pg
zport=$((14000 + $$ % 12000))
endpoint="tcp://127.0.0.1:$zport"
server_pid=
web_pid=
declare -a collector_pids=()
cleanup () {
    for pid in "${collector_pids[@]}" $server_pid $web_pid; do kill -9 "$pid" 2>/dev/null; done
    wait 2>/dev/null
    "$pair_sh" stop "$pg" >/dev/null 2>&1
    if [ $failures -eq 0 ] && [ -z "${WDM_FAULTS_KEEP:-}" ]; then rm -rf "$work"; else echo "kept for study: $work"; fi
}
trap cleanup EXIT
wait_for () {
    local limit=$(( $1 * 10 )); shift
    for ((i = 0; i < limit; i++)); do "$@" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}

"$pair_sh" setup "$pg" $((5400 + $$ % 500)) $((5900 + $$ % 500)) >"$work/setup.log" 2>&1 \
    || { cat "$work/setup.log"; fail "deploy/standby.sh setup"; exit 1; }
rw=$("$pair_sh" conninfo "$pg" | sed -n 1p)
conn="$rw dbname=wdm_failover"
echo "conninfo: $conn"
q () { psql "$conn" -qXAt -c "SET search_path = wdmon" -c "$1"; }

psql "$rw dbname=postgres" -qX -c "CREATE DATABASE wdm_failover" >/dev/null || exit 2
"$wdmon" --db "$conn" -l warn migrate >/dev/null || exit 2
"$wdmon" --db "$conn" -l warn plan import "$top/deploy/plans/wuqing-women-2021-2025.yaml" --current >/dev/null || exit 2
"$wdmon" --db "$conn" -l warn site import "$top/deploy/site/wuqing.yaml" >/dev/null || exit 2
"$wdmon" server-key "$work" >/dev/null || exit 2
for c in c1 c2 c3 c4; do
    "$wdmon" --db "$conn" unit add health_commission --bundle "$work/$c" --server-key "$work/server.pub" \
        --endpoint "$endpoint" >/dev/null || exit 2
    sed -i 's/^\[collector\]$/[collector]\ntimeout_ms = 2000\nscan_ms = 100/' "$work/$c/collector.conf"
    mkdir -p "$work/$c/inbox"
done
q "SELECT i.code || ',' || a.code FROM indicator i JOIN responsibility r ON r.indicator_code = i.code
     CROSS JOIN area a WHERE r.unit_code = 'health_commission' AND i.value_min = 0
       AND NOT i.by_sex AND i.bodies IS NULL AND i.frequency = 'year' ORDER BY 1" >"$work/series.txt"

echo "secret-leader" | "$wdmon" --db "$conn" user add leader --role viewer --name "区领导" >/dev/null || exit 2
token=$("$wdmon" --db "$conn" -l warn token add leader --name "failover" 2>/dev/null) || exit 2
wport=$((zport + 1))
printf '[web]\naddress = 127.0.0.1\nport = %s\nconninfo = %s\n[log]\nlevel = info\n' "$wport" "$conn" >"$work/web.conf"
"$web_bin" -c "$work/web.conf" 2>>"$work/web.log" &
web_pid=$!
# api: the HTTP status of one API read, by token
api () { curl -s -o "$work/api.json" -w '%{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:$wport/api/v1/indicators"; }
api_ok () { [ "$(api)" == 200 ]; }
wait_for 10 api_ok || { fail "wdmon-web does not answer: $(tail -n 3 "$work/web.log")"; exit 1; }

"$server_bin" -e "$endpoint" -k "$work/server.key" -d "$conn" -l "$log_level" 2>>"$work/server.log" &
server_pid=$!
for k in 0 1 2 3; do
    "$collector_bin" -c "$work/c$((k + 1))/collector.conf" -l "$collector_log" run 2>>"$work/c$((k + 1)).log" &
    collector_pids[$k]=$!
done

# make_files PART FROM TO: records FROM..TO-1, with unique notes "fo n",
# dealt out to the four collectors' inboxes, written under a hidden name
# and renamed (see run.sh).  Two parts: the first streams through the
# standby's absence, the second is dropped in just before the kills, so
# that the primary always dies under load.
make_files () {
    local part=$1 from=$2 to=$3 k f
    for k in 0 1 2 3; do
        awk -v from="$from" -v to="$to" -v k="$k" -v part="$part" '
            { keys [NR - 1] = $0 }
            END {
                for (f = 0; f < 4; f++) print "indicator,area,year,value,note" > sprintf ("%s/.%s-%d.tmp", dir, part, f)
                for (i = from + k; i < to; i += 4) {
                    split (keys [i % NR], key, ",")
                    printf "%s,%s,%d,%.1f,fo %d\n", key [1], key [2], 2020 + int (i / NR) % 6, (i % 90) / 10, i \
                        >> sprintf ("%s/.%s-%d.tmp", dir, part, (i / 4) % 4)
                }
            }' dir="$work/c$((k + 1))/inbox" "$work/series.txt"
        for f in 0 1 2 3; do
            mv "$work/c$((k + 1))/inbox/.$part-$f.tmp" "$work/c$((k + 1))/inbox/$part-$f.csv"
        done
    done
}
HALF=$(( N / 2 ))

found () { q "SELECT count(*) FROM observation WHERE note LIKE 'fo %'"; }
reached () { [ "$(found)" -ge "$1" ]; }
status_of () {  # status_of INDEX FIELD: a number from `wdmon-collector status`
    "$collector_bin" -c "$work/c$(( $1 + 1 ))/collector.conf" status 2>/dev/null \
        | awk -v field="$2" '$1 == field { print $2; found = 1 } END { if (!found) print 0 }'
}
answered () { local k s=0; for k in 0 1 2 3; do s=$(( s + $(status_of $k answered) )); done; echo $s; }
drained () {
    local k
    for k in 0 1 2 3; do
        [ "$(status_of $k queued)" == 0 ] || return 1
        [ -z "$(ls "$work/c$((k + 1))/inbox"/*.csv 2>/dev/null)" ] || return 1
    done
}
# A batch committed on the current primary after time T (epoch seconds).
committed_after () {
    local t
    t=$(q "SELECT extract (epoch FROM min (committed_at)) FROM ingest_batch WHERE committed_at > to_timestamp ($1)")
    [ -n "$t" ] && echo "$t"
}

if [ $cost -eq 1 ]; then
    M=${WDM_COST_N:-40000} from=0
    set_sync () {  # set_sync NAMES: synchronous_standby_names on the primary
        psql "$rw dbname=postgres" -qXAt -c "ALTER SYSTEM SET synchronous_standby_names = '$1'" \
            -c "SELECT pg_reload_conf ()" >/dev/null
    }
    all_acked () { [ "$(answered)" -ge "$1" ] && reached "$1"; }
    declare -a rates=()
    # A first load, not timed, warms up the server, its warning worker and
    # the caches; then sync, async, sync.
    for mode in warm-up sync async sync; do
        [ $mode != async ] && set_sync "FIRST 1 (wdm_standby)" || set_sync ""
        sleep 1
        t0=$(date +%s.%N)
        make_files "cost$from" "$from" $(( from + M ))
        from=$(( from + M ))
        wait_for "$LIMIT" all_acked "$from" || { fail "$mode: $M records not acknowledged within $LIMIT s"; break; }
        t1=$(date +%s.%N)
        rate=$(awk -v m="$M" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", m / (b - a) }')
        [ $mode == warm-up ] || rates+=("$rate")
        echo "$mode: $M records acknowledged in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s, $rate records/s"
    done
    if [ ${#rates[@]} -eq 3 ]; then
        awk -v s1="${rates[0]}" -v a="${rates[1]}" -v s2="${rates[2]}" 'BEGIN {
            printf "synchronous standby / no synchronous standby: %.2f (sync %d and %d records/s, async %d)\n", (s1 + s2) / 2 / a, s1, s2, a }'
    fi
    echo "failover --cost: $failures failed"
    [ $failures -eq 0 ]; exit
fi
# A slice of the first half held back and dropped once the standby is
# away: records then arrive while commits wait for it, whatever the
# machine's speed (a fast one delivered the whole first half before the
# standby stopped, and nothing was left to acknowledge on its return).
HOLD=$(( N / 20 ))
make_files first 0 $(( HALF - HOLD ))

# Read-only work on the standby: libpq's prefer-standby takes it, and the
# report (not --final) runs there.
ro="$("$pair_sh" conninfo "$pg" | sed -n 2p) dbname=wdm_failover"
[ "$(psql "$ro" -qXAt -c "SELECT pg_is_in_recovery ()")" == t ] \
    && "$wdmon" --db "$ro" -l warn report --year 2024 --format csv -o "$work/report.csv" 2>"$work/report.err" \
    && [ -s "$work/report.csv" ] \
    && ok "target_session_attrs=prefer-standby reads from the standby: wdmon report ran there ($(wc -l <"$work/report.csv") lines)" \
    || fail "reading from the standby: $(cat "$work/report.err")"

started=$SECONDS
# The standby away: commits wait for it, so nothing is acknowledged.
synchronous () { [ "$(psql "$rw dbname=postgres" -qXAt -c "SELECT sync_state FROM pg_stat_replication")" == sync ]; }
wait_for 60 reached $(( HALF / 5 )) || fail "the stream stalled before the standby was stopped"
wdm_pg_stop "$pg/b"
make_files held $(( HALF - HOLD )) "$HALF"
sleep 1                                   # replies already on their way land
acked_away=$(answered) found_away=$(found)
sleep 4
acked_later=$(answered) found_later=$(found)
[ "$acked_later" -eq "$acked_away" ] \
    && ok "standby away 4 s: 0 records acknowledged meanwhile ($acked_away before; rows committed on the primary and waiting for the standby: $(( found_later - found_away )))" \
    || fail "standby away: $(( acked_later - acked_away )) records acknowledged while it was away (synchronous replication should hold them)"
waiting=$(psql "$rw dbname=postgres" -qXAt -c "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'")
[ "$waiting" -ge 1 ] && ok "the server's commit waits for the standby (wait_event SyncRep)" \
    || fail "no session waits for the standby ($waiting)"
"$pair_sh" start "$pg" >>"$work/setup.log" 2>&1
wait_for 60 synchronous && ok "standby back and synchronous again" || fail "the standby did not become synchronous again"
t_back=$SECONDS
more_acked () { [ "$(answered)" -gt "$acked_later" ]; }
wait_for 60 more_acked \
    && ok "acknowledgements flow again $(( SECONDS - t_back )) s after the standby is back" \
    || fail "nothing acknowledged within 60 s of the standby's return"
declare -a recover_lines=()
wait_for "$LIMIT" reached "$HALF" || fail "the first half was not delivered within $LIMIT s"
# The second half: most of it dropped now, and LATE records per round held
# back and dropped just after that round's kill.  A loaded machine (CI runs
# two suites side by side) can otherwise deliver the whole stream in the
# seconds between "reached" and the kill, and then nothing is left for the
# new primary to commit: the check below must not depend on the machine's
# speed.  The held-back records are the ones the collectors send while the
# primary is dead and just after the promotion.
LATE=$(( N / 20 ))
MAIN=$(( N - HALF - LATE * ROUNDS ))
make_files second "$HALF" $(( HALF + MAIN ))
for round in $(seq 1 "$ROUNDS"); do
    # Under load: a share of the second half stored, the rest still flowing.
    wait_for 60 reached $(( HALF + MAIN * round / (ROUNDS + 2) )) || { fail "round $round: the stream stalled before the kill"; break; }
    stored_at_kill=$(found)
    [ "$stored_at_kill" -lt "$N" ] || fail "round $round: the stream ended before the kill: not a kill under load"
    acked_before=$(answered)
    old=$("$pair_sh" kill-primary "$pg") || { fail "round $round: kill-primary"; break; }
    t_kill=$(date +%s.%N)        # every process of the old primary is gone
    late_from=$(( HALF + MAIN + LATE * (round - 1) ))
    make_files "late$round" "$late_from" $(( late_from + LATE ))
    if [ "$round" -eq 1 ]; then
        # Neither host will do now: the message names each and why.
        why=$("$wdmon" --db "$conn" warnings list 2>&1 >/dev/null)
        grep "cannot connect" <<<"$why" | grep "$pg/a/run" | grep -q "$pg/b/run" \
            && ok "with the primary dead and the standby not yet promoted, the error names both hosts: $why" \
            || fail "the connection error does not name both hosts and why: $why"
    fi
    "$pair_sh" promote "$pg" >>"$work/setup.log" 2>&1 || { fail "round $round: promote"; break; }
    t_promoted=$(date +%s.%N)
    if t_first=$(wait_for 60 committed_after "$t_kill"); then
        line=$(awk -v k="$t_kill" -v p="$t_promoted" -v f="$t_first" \
            'BEGIN { printf "kill → promoted %.2f s, kill → first commit on the new primary %.2f s (%.2f s after the promotion)", p - k, f - k, f - p }')
        recover_lines+=("round $round: $line")
        ok "round $round: primary $old killed -9 with $acked_before records acknowledged, $stored_at_kill of $N stored; $line"
    else
        fail "round $round: no batch committed on the new primary within 60 s of the kill"
    fi
    kill -0 "$server_pid" 2>/dev/null && ok "round $round: the server (pid $server_pid) carries on, not restarted" \
        || fail "round $round: the server exited after the failover: $(tail -n 3 "$work/server.log")"
    code=$(api)
    [ "$code" == 200 ] && ok "round $round: wdmon-web's first request after the failover is answered (200)" \
        || fail "round $round: wdmon-web's first request after the failover: HTTP $code $(head -c 200 "$work/api.json")"
    if [ "$round" -lt "$ROUNDS" ]; then
        "$pair_sh" rebuild "$pg" >>"$work/setup.log" 2>&1 && ok "round $round: old primary rebuilt as the synchronous standby" \
            || fail "round $round: rebuild"
    fi
done

wait_for "$LIMIT" reached "$N" || fail "not delivered within $LIMIT s"
wait_for 60 drained || fail "the collectors did not drain within 60 s"
rows=$(found)
distinct=$(q "SELECT count(DISTINCT note) FROM observation WHERE note LIKE 'fo %'")
acked=$(answered)
resent=$(q "SELECT coalesce(sum(duplicates), 0) FROM ingest_batch")
lost=$(( N - distinct )) twice=$(( rows - distinct ))
if [ "$lost" -eq 0 ] && [ "$twice" -eq 0 ] && [ "$acked" -eq "$N" ]; then
    ok "$N sent, $acked acknowledged, $rows found on the new primary, 0 lost, 0 twice, $resent resent ($(( SECONDS - started )) s)"
else
    fail "$N sent, $acked acknowledged, $rows found on the new primary, $lost lost, $twice twice"
    for k in 0 1 2 3; do echo "--- c$((k + 1))"; "$collector_bin" -c "$work/c$((k + 1))/collector.conf" status; tail -n 3 "$work/c$((k + 1)).log"; done
fi
kill -0 "$server_pid" 2>/dev/null && ok "the same server process (pid $server_pid) served before and after" \
    || fail "the server is gone"
# A batch that reaches the server before its store reconnects is answered
# "retry later"; if the promotion and the store's periodic status write
# beat every batch to it, the log shows the connection lost and made again
# on the new primary, and no collector had to wait.
reconnects=$(grep -c 'store: connected to the database' "$work/server.log")
if grep -q 'the database is unavailable; answering "retry later"' "$work/server.log"; then
    ok "the server answered \"retry later\" while the database was away, then $reconnects connections in all"
elif grep -q 'store: lost the database connection' "$work/server.log" && [ "$reconnects" -gt "$ROUNDS" ]; then
    ok "the server saw the database away and connected again ($reconnects connections in all) before any batch had to wait"
else
    fail "the server's log does not show the database away"
fi
empty=$(grep -cE 'database: *$' "$work/server.log" "$work/web.log" | awk -F: '{ s += $2 } END { print s }')
[ "$empty" -eq 0 ] && ok "every database error in the logs says what it was" \
    || fail "$empty log lines say only \"database:\", nothing of why: $(grep -m 2 -E 'database: *$' "$work/server.log" "$work/web.log")"
echo
echo "time to recover (primary killed -9, standby promoted by this script at once):"
for line in "${recover_lines[@]}"; do echo "  $line"; done
if [ $failures -ne 0 ]; then echo "--- server log"; tail -n 30 "$work/server.log"; fi
echo "failover: $failures failed"
[ $failures -eq 0 ]
