#!/usr/bin/env bash
# tests/bench/console.sh: how fast the console's pages answer with a lot of
# data (issue 15: each page under 200 ms at the 95th percentile with
# 1,000,000 observations).  Not a test: it prints figures.
#
# In a throwaway PostgreSQL under /tmp: the schema, the 2021-2025 plan and
# the Wuqing site, the ingest benchmark's 1,000 invented villages and its
# series (every yearly indicator with a target, by sex where the indicator
# is, in every area), and N observations laid out as tests/bench/ingest.sh
# lays them (series in order, years 2020-2025, then the next revision; the
# same values), written with one INSERT rather than through collectors:
# what is timed here is reading, not storing.  Then `wdmon warnings
# evaluate` (its time printed), an operator account, wdmon-web on a
# loopback port as a login of role wdmon_console, and
# tests/bench/console_load.py: log in through the form, fetch each page
# REQUESTS times one after another, print p50 / p95 / max.
#
# Usage (as root, from a built tree):
#   tests/bench/console.sh                     # N = 1,000,000, 50 requests a page
#   tests/bench/console.sh -n 100000 -r 20     # smaller
#   tests/bench/console.sh --pages "/ /warnings"
#   tests/bench/console.sh --as-unit health_commission   # as that unit's user
# Options: -n N, -r REQUESTS, --pages "PATH ...", --build DIR (./build),
# --as-unit UNIT (read the pages as a unit user of UNIT, not an operator),
# --keep (keep the work directory and leave PostgreSQL running),
# --reuse DIR (a work directory kept by --keep: no new load; its database
# is brought to this build's migrations, PostgreSQL started if it is not
# running; implies --keep).  Loading 1,000,000 observations takes minutes:
#   tests/bench/console.sh --build build-rel -r 1 --pages / --keep
#   tests/bench/console.sh --build build-rel -r 20 --reuse /tmp/wdm-bench-console.XXXXXX
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
. deploy/lib.sh

N=1000000
REQUESTS=50
BUILD=$root/build
KEEP=0
REUSE=
VILLAGES=1000
AS_UNIT=
# The main pages: each kind once, the heaviest filters of the lists.
PAGES="/ /overview /indicator/HE03 /indicator/ED01 /warnings /warnings?level=red /warnings?state=open&year=2024
       /areas /area/yangcun /area/v00001 /units /unit/health_commission /completeness?year=2024 /reports
       /api/v1/indicators /api/v1/warnings?limit=100 /api/v1/values?indicator=HE03&limit=100
       /api/v1/completeness?year=2024"
while [ $# -gt 0 ]; do
    case "$1" in
        -n) N=$2; shift ;;
        -r) REQUESTS=$2; shift ;;
        --pages) PAGES=$2; shift ;;
        --build) BUILD=$2; shift ;;
        --keep) KEEP=1 ;;
        --reuse) REUSE=$2; KEEP=1; shift ;;
        --as-unit) AS_UNIT=$2; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) wdm_die "unknown option $1 (see --help)" ;;
    esac
    shift
done
WDMON=$BUILD/server/wdmon
WEB=$BUILD/server/wdmon-web
[ -x "$WDMON" ] && [ -x "$WEB" ] || wdm_die "build first: cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build"

if [ -n "$REUSE" ]; then
    W=$REUSE
    [ -f "$W/web.conf" ] && [ -d "$W/pg/data" ] || wdm_die "$W is not a work directory kept by --keep"
else
    W=$(mktemp -d /tmp/wdm-bench-console.XXXXXX)
    chmod 755 "$W"
fi
PG=$W/pg
web_pid=
cleanup () {
    [ -n "$web_pid" ] && kill "$web_pid" 2>/dev/null || true
    if [ $KEEP -eq 1 ]; then echo "work directory kept: $W" >&2; return; fi
    wdm_pg_stop "$PG" >/dev/null 2>&1 || true
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port () {
    local p
    while :; do
        p=$((20000 + RANDOM % 12000))
        ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo $p; return; }
    done
}
if [ -n "$REUSE" ]; then
    PGPORT=$(sed -n 's/^conninfo = .* port=\([0-9]*\) .*/\1/p' "$W/web.conf")
else
    PGPORT=$(free_port)
fi
WEBPORT=$(free_port)
secs () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
now () { date +%s.%N; }

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores;" \
     "code $(git rev-parse --short HEAD 2>/dev/null || echo '?'); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
PSQL=$(wdm_pg_bindir)/psql
conn="host=$PG/run port=$PGPORT user=postgres dbname=wdm_bench"
q () { "$PSQL" "$conn" -qXAt -v ON_ERROR_STOP=1 -c "SET search_path = wdmon" -c "$1"; }
if [ -n "$REUSE" ]; then
    wdm_say "the database loaded before in $PG"
    wdm_pg_running "$PG" || wdm_pg_start "$PG" "$PGPORT" >/dev/null
    "$WDMON" --db "$conn" -l warn migrate >/dev/null
    echo "reused: $(q "SELECT count (*) FROM observation") observations, $(q "SELECT count (*) FROM warning") warnings"
else
wdm_say "a throwaway PostgreSQL in $PG"
mkdir -p "$PG"
wdm_pg_init "$PG" >/dev/null
wdm_pg_start "$PG" "$PGPORT" >/dev/null
"$PSQL" "host=$PG/run port=$PGPORT user=postgres dbname=postgres" -qX -c "CREATE DATABASE wdm_bench" >/dev/null
"$WDMON" --db "$conn" -l warn migrate >/dev/null
"$WDMON" --db "$conn" -l warn plan import deploy/plans/wuqing-women-2021-2025.yaml --current >/dev/null
"$WDMON" --db "$conn" -l warn site import deploy/site/wuqing.yaml >/dev/null

wdm_say "$VILLAGES villages and $N observations"
t0=$(now)
# The villages, the series and the values exactly as ingest.sh makes them.
q "INSERT INTO area (code, parent_code, level, name_zh, name_en)
   SELECT 'v' || lpad (g::text, 5, '0'), t.code, 'village', '基准村' || g, 'Bench village ' || g
     FROM generate_series (1, $VILLAGES) g
     JOIN (SELECT code, row_number () OVER (ORDER BY code) - 1 AS k, count (*) OVER () AS n
             FROM area WHERE level IN ('town', 'street')) t ON t.k = g % t.n"
q "CREATE TABLE bench_series AS
   SELECT row_number () OVER (ORDER BY a.k, i.code, s.sex) - 1 AS s, i.code AS indicator_code, a.code AS area_code,
          s.sex, i.value_min AS lo, coalesce (i.value_max, i.value_min + 100) AS hi
     FROM indicator i
     CROSS JOIN (SELECT code, row_number () OVER (ORDER BY code) - 1 AS k FROM area) a
     CROSS JOIN LATERAL (SELECT unnest (CASE WHEN i.by_sex THEN ARRAY ['F', 'M'] ELSE ARRAY ['T'] END) AS sex) s
    WHERE i.frequency = 'year' AND EXISTS (SELECT 1 FROM plan_target t JOIN plan p ON p.code = t.plan_code AND p.current
                                           WHERE t.indicator_code = i.code AND t.target_kind <> 'min_count' AND t.active)"
K=$(q "SELECT count (*) FROM bench_series")
q "INSERT INTO observation (indicator_code, area_code, year, sex, revision, value, status, unit_code, rec_epoch, rec_seq, note)
   SELECT b.indicator_code, b.area_code, 2020 + (n / $K) % 6, b.sex, n / ($K * 6) + 1,
          b.lo + (b.hi - b.lo) * (0.40 + 0.02 * ((n / $K) % 6)) + 0.001 * (n / ($K * 6) + 1),
          'final', 'statistics_bureau', 1, n + 1, 'bench'
     FROM generate_series (0, $N - 1) n JOIN bench_series b ON b.s = n % $K;
   DROP TABLE bench_series"
q "VACUUM ANALYZE"
echo "loaded $(q "SELECT count (*) FROM observation") observations over $K series in $(secs "$t0" "$(now)") s"
t0=$(now)
"$WDMON" --db "$conn" -l warn warnings evaluate --today 2025-04-15 >/dev/null
echo "warnings evaluate: $(secs "$t0" "$(now)") s; $(q "SELECT count (*) FROM warning") warnings"

"$PSQL" "host=$PG/run port=$PGPORT user=postgres dbname=postgres" -qX -c "CREATE ROLE bench_web LOGIN IN ROLE wdmon_console" >/dev/null
fi
password=$(head -c 18 /dev/urandom | base64)
# The account the pages are read as: an operator, or with --as-unit a
# unit user of that member unit (its scope: its own unit's data).
login=bench role=(--role operator)
[ -n "$AS_UNIT" ] && login=bench_$AS_UNIT role=(--role unit --unit "$AS_UNIT")
if [ "$(q "SELECT count (*) FROM console_user WHERE login = '$login'")" != 0 ]; then
    echo "$password" | "$WDMON" --db "$conn" -l warn user passwd "$login" >/dev/null
else
    echo "$password" | "$WDMON" --db "$conn" -l warn user add "$login" "${role[@]}" --name "基准用户" >/dev/null
fi
cat >"$W/web.conf" <<CONF
[web]
address = 127.0.0.1
port = $WEBPORT
conninfo = host=$PG/run port=$PGPORT user=bench_web dbname=wdm_bench
[log]
level = warn
CONF
"$WEB" -c "$W/web.conf" 2>"$W/web.log" &
web_pid=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$WEBPORT") 2>/dev/null && break; sleep 0.1; done

wdm_say "$REQUESTS requests a page, one at a time; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
status=0
WDM_LOAD_PASSWORD=$password /usr/bin/python3 tests/bench/console_load.py "http://127.0.0.1:$WEBPORT" "$login" - "$REQUESTS" $PAGES \
    || status=$?
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
