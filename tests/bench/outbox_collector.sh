#!/usr/bin/env bash
# tests/bench/outbox_collector.sh COLLECTOR [N [FILES]]: one real
# wdmon-collector (COLLECTOR, the binary to measure) against a real
# wdmon-server and PostgreSQL (WDM_TEST_PGURI, as for the tests), N
# records (default 100,000) in FILES csv files (default 20).  Not a test:
# it prints figures.
#   intake:   the server away; the clock runs from the first file taken
#             to the last one moved to done/ (every record synced in the outbox)
#   delivery: the server started; the clock runs until `status` shows
#             queued 0 (every record acknowledged after the centre's COMMIT)
#   RSS:      the collector's peak resident set, from /usr/bin/time -v
# Server, wdmon and the key tools come from build/ (BUILD= to change).
set -eu
collector=$(realpath "$1") n=${2:-100000} files=${3:-20}
build=$(realpath "${BUILD:-build}")
work=$(mktemp -d /tmp/wdm_outbox_bench.XXXXXX)
db=wdm_bench_outbox conn="$WDM_TEST_PGURI dbname=$db"
port=$((14000 + $$ % 12000)) endpoint="tcp://127.0.0.1:$port"
server_pid= collector_pid=
trap 'kill $server_pid $collector_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
now () { date +%s.%N; }
q () { psql "$conn" -qXAt -c "SET search_path = wdmon" -c "$1"; }
psql "$WDM_TEST_PGURI" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null 2>&1
"$build/server/wdmon" --db "$conn" -l warn migrate >/dev/null
"$build/server/wdmon" --db "$conn" -l warn plan import \
    "$(dirname "$0")/../../deploy/plans/wuqing-women-2021-2025.yaml" --current >/dev/null
"$build/server/wdmon" --db "$conn" -l warn site import "$(dirname "$0")/../../deploy/site/wuqing.yaml" >/dev/null
"$build/server/wdmon" server-key "$work" >/dev/null
"$build/server/wdmon" --db "$conn" unit add health_commission --bundle "$work/c" --server-key "$work/server.pub" \
    --endpoint "$endpoint" >/dev/null
mkdir -p "$work/c/inbox"
q "SELECT i.code || ',' || a.code FROM indicator i JOIN responsibility r ON r.indicator_code = i.code
     CROSS JOIN area a WHERE r.unit_code = 'health_commission' AND i.value_min = 0
       AND NOT i.by_sex AND i.bodies IS NULL AND i.frequency = 'year' ORDER BY 1" >"$work/series.txt"
awk -v count="$n" -v files="$files" -v dir="$work/c" '
    { keys [NR - 1] = $0 }
    END {
        for (f = 0; f < files; f++) print "indicator,area,year,value,note" > sprintf ("%s/f%03d.csv", dir, f)
        for (i = 0; i < count; i++) {
            split (keys [i % NR], key, ",")
            printf "%s,%s,%d,%.1f,b %d\n", key [1], key [2], 1990 + int (i / NR) % 36, (i % 90) / 10, i \
                >> sprintf ("%s/f%03d.csv", dir, i % files)
        }
    }' "$work/series.txt"
/usr/bin/time -v -o "$work/time.txt" "$collector" -c "$work/c/collector.conf" -l warn run 2>"$work/c.log" &
collector_pid=$!
sleep 1
mv "$work/c"/f*.csv "$work/c/inbox/"
#  The collector takes a file once it has settled (2 s): the clock starts
#  when the first one is gone.
while [ "$(ls "$work/c/inbox"/*.csv | wc -l)" -eq "$files" ]; do sleep 0.02; done
start=$(now)
while [ "$(ls "$work/c/inbox/done" 2>/dev/null | wc -l)" -lt "$files" ]; do sleep 0.02; done
intake=$(echo "$(now) - $start" | bc)
"$build/server/wdmon-server" -e "$endpoint" -k "$work/server.key" -d "$conn" -l warn 2>"$work/server.log" &
server_pid=$!
start=$(now)
while [ "$("$collector" -c "$work/c/collector.conf" status 2>/dev/null | awk '$1 == "queued" { print $2 }')" != 0 ]; do
    sleep 0.1
done
delivery=$(echo "$(now) - $start" | bc)
kill -TERM "$(pgrep -P $collector_pid)"; wait $collector_pid || true; collector_pid=
rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$work/time.txt")
printf 'records %d  intake %.2f s = %.0f records/s  delivery %.2f s = %.0f records/s  peak RSS %s MiB\n' \
    "$n" "$intake" "$(echo "$n / $intake" | bc -l)" "$delivery" "$(echo "$n / $delivery" | bc -l)" "$rss"
