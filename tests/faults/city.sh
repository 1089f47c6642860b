#!/usr/bin/env bash
# tests/faults/city.sh [--soak] WDMON WDMON_SERVER WDMON_COLLECTOR WDMON_FORWARD
#
# The city away while two districts keep ingesting (issue 18): two
# districts and a city, each its own PostgreSQL cluster and wdmon-server
# (tests/city_lib.sh); each district's collector streams its towns' shares
# in files while its wdmon-forward sends the district's figures up.  The
# city's server is killed (-9) after the first file and comes back AWAY
# seconds later, the districts ingesting all the while, and district A's
# forwarder is killed (-9) and restarted on every other file.  Then everything
# arrives at the city once:
#
#   - set check: every figure of each district (indicator_value at its top
#     area: the towns rolled up) is at the city, for the district's area,
#     with the same value — and the city has no figure the district has not;
#   - once: each series at the city has revisions 1..n, no two in a row
#     alike; the city stored no more figures than the forwarders took, and
#     stored plus answered-as-already-there covers every one;
#   - nothing waits: the districts' forward_queue and the forwarders'
#     outboxes are empty.
#
#   fast (ctest faults_city): 10 files of 300 records a district, 10 s away
#   --soak:                   20 files of 2,000 records a district, 60 s away
#
# WDM_TEST_CITY_PORT (default 5457) is the first cluster's port; a failed
# run keeps its directory.
set -u
soak=0
[ "${1:-}" == "--soak" ] && { soak=1; shift; }
wdmon=$1 server_bin=$2 collector_bin=$3 forward_bin=$4
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"
. "$here/city_lib.sh"
[ -d /usr/lib/postgresql ] || { echo "no PostgreSQL server binaries"; exit 77; }
if nm "$server_bin" 2>/dev/null | grep -q __asan_init; then
    echo "sanitizer build: the fault suite runs in the normal build only (too slow here)"; exit 77
fi
FILES=$(( soak ? 20 : 10 ))
PER_FILE=$(( soak ? 2000 : 300 ))
AWAY=$(( soak ? 60 : 10 ))
LIMIT=$(( soak ? 600 : 90 ))     # seconds to deliver everything after the city is back

work=$(mktemp -d /tmp/wdm-cityf.XXXXXX)
cleanup () {
    for d in a b; do [ -n "${collector_pid[$d]:-}" ] && kill "${collector_pid[$d]}" 2>/dev/null; done
    city_teardown
    if [ $failures -eq 0 ]; then rm -rf "$work"; else echo "kept for study: $work"; fi
}
declare -A collector_pid
trap cleanup EXIT
start=$(date +%s)
city_setup "$work" "${WDM_TEST_CITY_PORT:-5457}" || { echo "setup failed"; exit 2; }
{ city_enable a && city_enable b; } >/dev/null || { echo "wdmon forward enable failed"; exit 2; }

indicators=(DM27 DM28 DM31 DM32 DM33 DM36 SS11)
towns_a=($(city_q a "SELECT code FROM area WHERE parent_code = 'wuqing' ORDER BY code"))
towns_b=(tianmu xiditou)

# make_file DISTRICT FILE NUMBER: PER_FILE shares of the district's towns,
# 2020-2025, numerator over 200 (so the value is exact); series recur, so
# most records are revisions and the district's figures change all along.
make_file () {
    local -n towns=towns_$1
    awk -v n="$3" -v per="$PER_FILE" -v inds="${indicators[*]}" -v areas="${towns[*]}" '
        BEGIN {
            ni = split (inds, ind, " "); na = split (areas, area, " ")
            print "indicator,area,year,value,numerator,denominator,status"
            for (k = 0; k < per; k++) {
                i = n * per + k
                num = (i * 37 + n) % 201
                printf "%s,%s,%d,%.1f,%d,200,final\n", ind [i % ni + 1], area [int (i / ni) % na + 1],
                       2020 + int (i / (ni * na)) % 6, num / 2, num
            }
        }' >"$2"
}
drop_file () {   # DISTRICT NUMBER: written aside, then moved into the inbox whole
    local inbox=$work/$1/unit/inbox
    make_file "$1" "$inbox/.f$2.tmp" "$2" && mv "$inbox/.f$2.tmp" "$inbox/f$(printf %03d "$2").csv"
}
for d in a b; do
    mkdir -p "$work/$d/unit/inbox"
    "$collector_bin" -c "$work/$d/unit/collector.conf" -l warn run 2>>"$work/collector-$d.log" &
    collector_pid[$d]=$!
    city_forward_start $d
done

# --- The stream, the city away ---------------------------------------------
for d in a b; do drop_file $d 0; done
sleep 1
kill -9 "${city_server_pid[city]}"; wait "${city_server_pid[city]}" 2>/dev/null; city_server_pid[city]=
away_at=$(date +%s)
kills=0
for ((n = 1; n < FILES; n++)); do
    for d in a b; do drop_file $d $n; done
    # District A's forwarder killed (-9) on every other file, wherever it
    # is: between marking its queue and syncing its outbox among others.
    if [ $((n % 2)) -eq 1 ]; then
        kill -9 "${city_forward_pid[a]}"; wait "${city_forward_pid[a]}" 2>/dev/null
        city_forward_start a; kills=$((kills + 1))
    fi
    sleep "$(awk -v a="$AWAY" -v f="$FILES" 'BEGIN { printf "%.2f", a / f }')"
done
sleep $(( away_at + AWAY - $(date +%s) > 0 ? away_at + AWAY - $(date +%s) : 0 ))
echo "    the city was away $(( $(date +%s) - away_at )) s while the districts took $FILES files of $PER_FILE records each;"
echo "    district A's forwarder was killed -9 $kills times meanwhile"
city_server_start city
back_at=$(date +%s)

# --- Everything arrives once -------------------------------------------------
figures () {   # LEVEL AREA: the figures of AREA, one line each
    city_q "$1" "SELECT indicator_code || '|' || year || '|' || round (value::numeric, 6) FROM indicator_value
                  WHERE area_code = '$2' ORDER BY 1"
}
ingested () {  # DISTRICT: its collector has delivered every file
    [ "$(ls "$work/$1/unit/inbox" | grep -c '\.csv$')" -eq 0 ] \
        && grep -q '^queued=0$' "$work/$1/unit/collector.status" 2>/dev/null
}
settled () {
    local d area
    for d in a b; do
        area=$([ $d = a ] && echo wuqing || echo beichen)
        ingested $d || return 1
        [ "$(city_q $d "SELECT count (*) FROM forward_queue")" -eq 0 ] || return 1
        grep -q '^queued=0$' "$work/$d/up/forward.status" 2>/dev/null || return 1
        [ "$(figures $d $area)" == "$(figures city $area)" ] || return 1
    done
}
if wait_for "$LIMIT" settled; then
    ok "everything arrived at the city $(( $(date +%s) - back_at )) s after it came back"
else
    fail "not everything arrived within $LIMIT s of the city's return"
fi
for d in a b; do
    area=$([ $d = a ] && echo wuqing || echo beichen)
    sent=$(( FILES * PER_FILE ))
    expect "district $d stored every record its collector sent (or had it already)" \
        "$(city_q $d "SELECT (SELECT count (*) FROM observation) + (SELECT coalesce (sum (duplicates), 0) FROM ingest_batch)")" "$sent"
    district=$(figures $d $area); city=$(figures city $area)
    expect "district $d: its figures at the city, the same set ($(wc -l <<<"$district") series)" \
        "$(diff <(echo "$district") <(echo "$city") | grep -c '^[<>]')" 0
    expect "district $d: each series at the city has revisions 1..n" \
        "$(city_q city "SELECT count (*) FROM (SELECT indicator_code, year FROM observation WHERE area_code = '$area'
                          GROUP BY indicator_code, year HAVING max (revision) <> count (*) OR min (revision) <> 1) g")" 0
    expect "district $d: no two revisions in a row alike at the city" \
        "$(city_q city "SELECT count (*) FROM observation o JOIN observation p ON p.indicator_code = o.indicator_code
                          AND p.area_code = o.area_code AND p.year = o.year AND p.revision = o.revision - 1
                         WHERE o.area_code = '$area' AND p.value = o.value AND p.numerator = o.numerator")" 0
    # Every figure the forwarder ever put in its outbox, answered by the city.
    taken=$("$forward_bin" -c "$work/$d/forward.conf" status | awk '/^answered / { print $2 }')
    stored=$(city_q city "SELECT count (*) FROM observation WHERE unit_code = '$area'")
    answered=$(city_q city "SELECT coalesce (sum (accepted + duplicates), 0) FROM ingest_batch WHERE unit_code = '$area'")
    resent=$(city_q city "SELECT coalesce (sum (duplicates), 0) FROM ingest_batch WHERE unit_code = '$area'")
    echo "    district $d: $taken figures taken for the city, $stored stored there, $resent answered as already there"
    [ "$stored" -le "$taken" ] && [ "$answered" -ge "$taken" ] \
        && ok "district $d: every figure taken was answered, none stored twice" \
        || fail "district $d: taken $taken, stored $stored, answered $answered"
done
echo "    took $(( $(date +%s) - start )) s in all"
echo "faults_city: $failures failed"
[ $failures -eq 0 ]
