#!/usr/bin/env bash
# tests/bench/ingest.sh: the ingest benchmark (issue 6).  Not a test: it
# prints figures and passes or fails nothing.  In one run on one machine:
#
#   1. baseline: the same N records loaded straight into the same
#      observation table through psql — COPY into a temporary staging
#      table, then an INSERT ... ON CONFLICT with the revision lookup (the
#      server's statement until issue 17's fifth round, kept as the
#      reference), in transactions of one server group (8192 records); the
#      server's own statement of today (server/ingest/wdm_store.c, read from
#      the source), the same way; and, to show what revisions cost, the
#      plain INSERT ... ON CONFLICT with the revision given, and a bare COPY;
#   2. naive peer: records inserted one per transaction through psql, on a
#      sample (20,000 by default: a million would take hours);
#   3. wdmon end to end: a throwaway PostgreSQL with the real schema and
#      catalog, wdmon-server, and C wdmon-collector processes with their own
#      keys (CURVE on), N records in total dropped into their inboxes; the
#      clock stops at the server's last answer (its log's time of it, to
#      the millisecond), once its counters have answered N records, every
#      collector's outbox is empty (`status`: "queued 0", i.e. every record
#      acknowledged after COMMIT) and the observation table holds N rows;
#      then the warning worker's evaluation of the settled load (its time,
#      from the server's log);
#   4. a tenth of that load, paced, for the acknowledgement latency; then
#      the full warning evaluation over the loaded database, twice.
#
# The four run in turn, ROUNDS times (--rounds, default 3), so that what
# else the machine does weighs on baseline and wdmon alike: a ratio is
# taken within a round, and what is reported is the rounds' median with
# its spread (min-max); a verdict is on the median.  In a round the
# baseline with the revision lookup runs twice, just before wdmon's load
# and just after it, and the round's baseline figure is both together:
# this machine's speed drifts over minutes.
#
# Acknowledgement latency is measured without touching the programs: an
# uprobe on libzmq's zmq_send and zmq_msg_recv in the collector processes
# (perf probe; root), pairing the k-th batch a collector sends (its header
# frame) with the k-th reply it reads (its header frame: wdm_proto_recv
# takes a reply's two frames with zmq_msg_recv) — a collector's batches go over one
# connection and are answered in order.  Without perf or uprobes only the
# server's own commit-time histogram (/metrics) is shown, and labelled so.
#
# Usage (as root, from a fresh clone):
#   tests/bench/ingest.sh                      # N = 1,000,000 records, 8 collectors
#   tests/bench/ingest.sh -n 100000 -c 8       # smaller
#   tests/bench/ingest.sh --scaling            # rate at N x collectors (see --help)
#
# Everything runs in a temporary directory under /tmp (removed at the end
# unless --keep): its own PostgreSQL cluster (Unix socket only), its own
# server key, units, bundles, inboxes and outboxes.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
. deploy/lib.sh

# --- Options ---------------------------------------------------------------------
N=1000000
C=8
SCALING=0
SCALE_N="100000 1000000 5000000"
SCALE_C="1 8 64"
FSYNC=on
NAIVE_SAMPLE=20000
PACED_SECONDS=30
FILE_RECORDS=10000
CHUNK=8192
VILLAGES=1000
BATCH_SIZE=500
IN_FLIGHT=4
SCAN_MS=100
# The files are moved into the inboxes whole (mv): the wait for a file still
# being copied in (settle_ms, 2000 by default) would only delay the start.
SETTLE_MS=0
BUILD=1
KEEP=0
PROFILE=0
SKIP_BASELINE=0
ROUNDS=3
STATEMENTS=0
WARN_INTERVAL_MS=1000
PG_SETS=()

usage () {
    cat <<'EOF'
Usage: tests/bench/ingest.sh [OPTIONS]

  -n, --records N        records in the end-to-end run (default 1000000)
  -c, --collectors C     collector processes, each its own unit and key (default 8)
      --scaling          only the scaling table: wdmon's rate, memory, CPU per record
                         and full evaluation time for every N in
                         --scaling-n with every C in --scaling-c
      --scaling-n LIST   default "100000 1000000 5000000"
      --scaling-c LIST   default "1 8 64"
      --fsync on|off     PostgreSQL's fsync, for every run (default on)
      --naive-sample K   records the naive peer inserts (default 20000)
      --paced-seconds S  length of the run at a tenth of the load (default 30; 0: none)
      --file-records R   records per file dropped into an inbox (default 10000)
      --chunk R          records per transaction in the baseline (default 8192,
                         the server's max_group)
      --villages V       invented villages added to the areas, so that the
                         records spread over many series (default 1000)
      --batch-size B     collectors' batch_size (default 500, their default)
      --in-flight F      collectors' max_in_flight (default 4, their default)
      --rounds R         rounds of baselines, naive peer and wdmon, interleaved
                         (default 3); the figures are their medians and spreads
      --skip-baseline    no baseline and no naive peer
      --warn-interval-ms M  the server's [warnings] interval_ms (default 1000, its
                         default; 3600000 keeps the warning worker out of the run)
      --pg-set NAME=VALUE  a PostgreSQL setting (ALTER SYSTEM, then restart);
                         repeatable, e.g. --pg-set shared_buffers=1GB
      --statements       also print, for wdmon's database in each round, the
                         statements that took the most time (pg_stat_statements)
      --profile          also record a CPU profile (perf, every process) of
                         the full-load phase and print its top entries
      --no-build         use build-bench/ as it is
      --keep             keep the work directory (logs, data, perf files)
  -h, --help
EOF
}

while [ $# -gt 0 ]; do
    case "$1" in
        -n|--records) N=$2; shift ;;
        -c|--collectors) C=$2; shift ;;
        --scaling) SCALING=1 ;;
        --scaling-n) SCALE_N=$2; shift ;;
        --scaling-c) SCALE_C=$2; shift ;;
        --fsync) FSYNC=$2; shift ;;
        --naive-sample) NAIVE_SAMPLE=$2; shift ;;
        --paced-seconds) PACED_SECONDS=$2; shift ;;
        --file-records) FILE_RECORDS=$2; shift ;;
        --chunk) CHUNK=$2; shift ;;
        --villages) VILLAGES=$2; shift ;;
        --batch-size) BATCH_SIZE=$2; shift ;;
        --in-flight) IN_FLIGHT=$2; shift ;;
        --skip-baseline) SKIP_BASELINE=1 ;;
        --rounds) ROUNDS=$2; shift ;;
        --warn-interval-ms) WARN_INTERVAL_MS=$2; shift ;;
        --pg-set) PG_SETS+=("$2"); shift ;;
        --profile) PROFILE=1 ;;
        --statements) STATEMENTS=1 ;;
        --no-build) BUILD=0 ;;
        --keep) KEEP=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "ingest.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
case "$FSYNC" in on|off) ;; *) echo "--fsync on|off" >&2; exit 2 ;; esac
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "ingest.sh: --rounds takes a whole number of at least 1, not '$ROUNDS'" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || wdm_die "run as root: PostgreSQL runs as user postgres, and perf needs root"

say () { printf '==> %s\n' "$*" >&2; }
now () { echo "$EPOCHREALTIME"; }
fdiv () { awk -v a="$1" -v b="$2" -v f="${3:-%.1f}" 'BEGIN { if (b == 0) print "-"; else printf f, a / b }'; }
fmt_int () { echo "$1" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }
bench_started=$(now)
# How busy the machine is without us: other work on it skews every figure.
cpu_busy () {  # percent of all CPU time busy over $1 seconds
    local a b
    a=$(head -n 1 /proc/stat); sleep "$1"; b=$(head -n 1 /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN { n = split (a, x); split (b, y); t = 0
        for (i = 2; i <= n; i++) t += y [i] - x [i]
        idle = (y [5] - x [5]) + (y [6] - x [6]); printf "%.0f", t ? 100 * (t - idle) / t : 0 }'
}
busy_before=$(cpu_busy 3)

# --- Build ---------------------------------------------------------------------------
if [ $BUILD -eq 1 ]; then
    wdm_install_deps "${WDM_PACKAGES[@]}" curl
    # perf is optional: without it, no per-batch acknowledgement latency.
    command -v perf >/dev/null || wdm_install_deps linux-perf || true
    say "building build-bench/ (Release)"
    cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build build-bench -j "$(nproc)" --target wdmon wdmon-server wdmon-collector >/dev/null
fi
WDMON=$root/build-bench/server/wdmon
SERVER=$root/build-bench/server/wdmon-server
COLLECTOR=$root/build-bench/client/wdmon-collector
for b in "$WDMON" "$SERVER" "$COLLECTOR"; do [ -x "$b" ] || wdm_die "$b is missing: run without --no-build"; done

# --- Work directory, PostgreSQL ------------------------------------------------------
W=$(mktemp -d /tmp/wdm-bench.XXXXXX)
chmod 755 "$W"
PG=$W/pg
PGPORT=5432
server_pid=
collector_pids=()
perf_pids=()
probes_added=0
cleanup () {
    set +e
    for p in "${perf_pids[@]}"; do kill -INT "$p" 2>/dev/null; done
    for p in "${collector_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null
    wait 2>/dev/null
    [ $probes_added -eq 1 ] && perf probe -q -d 'probe_libzmq:zmq_send' -d 'probe_libzmq:zmq_msg_recv' 2>/dev/null
    wdm_pg_stop "$PG" 2>/dev/null
    if [ $KEEP -eq 1 ]; then echo "work directory kept: $W" >&2; else rm -rf "$W"; fi
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
PORT=$(free_port)
MPORT=$(free_port)
ENDPOINT=tcp://127.0.0.1:$PORT

say "starting a throwaway PostgreSQL in $PG (fsync=$FSYNC)"
mkdir -p "$PG"
wdm_pg_init "$PG"
WDM_PG_FSYNC=$FSYNC wdm_pg_start "$PG" $PGPORT
PGBASE="host=$PG/run port=$PGPORT user=postgres"
# The real psql, not Debian's Perl wrapper: polling through the wrapper
# cost a tenth of this 2-core machine's CPU during a run.
PSQL=$(wdm_pg_bindir)/psql
conn () { echo "$PGBASE dbname=$1"; }
[ $STATEMENTS -eq 1 ] && PG_SETS+=("shared_preload_libraries=pg_stat_statements")
if [ ${#PG_SETS[@]} -gt 0 ]; then
    for kv in "${PG_SETS[@]}"; do
        name=${kv%%=*}
        # A module's setting (auto_explain.*) is known once the module is loaded.
        load="SELECT 1"
        case "$name" in *.*) load="LOAD '${name%%.*}'" ;; esac
        "$PSQL" "$(conn postgres)" -qX -v ON_ERROR_STOP=1 -c "$load" -c "ALTER SYSTEM SET $name = '${kv#*=}'" >/dev/null
    done
    wdm_pg_stop "$PG"
    WDM_PG_FSYNC=$FSYNC wdm_pg_start "$PG" $PGPORT
fi
if [ $STATEMENTS -eq 1 ]; then
    "$PSQL" "$(conn postgres)" -qX -v ON_ERROR_STOP=1 -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
fi
q () { "$PSQL" "$(conn "$1")" -qXAt -v ON_ERROR_STOP=1 -c "SET search_path = wdmon" -c "$2"; }
# Every measured phase starts from a checkpoint, so that none pays for the
# writes of the one before it (a round's baseline ran 14,706 to 23,496
# records/s without).
settle () { "$PSQL" "$(conn postgres)" -qX -c "CHECKPOINT" >/dev/null; }
pg_settings=$("$PSQL" "$(conn postgres)" -XAt -F' ' -c "SELECT name || '=' || current_setting (name) FROM pg_settings
    WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', 'wal_level', 'max_wal_size', 'checkpoint_timeout',
                   'work_mem', 'wal_buffers', 'full_page_writes') ORDER BY name" | tr '\n' ' ')
pg_version=$("$PSQL" "$(conn postgres)" -XAt -c "SHOW server_version")

# --- The template database: schema, catalog, villages, bench units --------------------
MAXC=$C
if [ $SCALING -eq 1 ]; then
    for c in $SCALE_C; do [ "$c" -gt $MAXC ] && MAXC=$c; done
fi
say "template database: schema, catalog, $VILLAGES invented villages, $MAXC bench units"
"$PSQL" "$(conn postgres)" -qX -c "CREATE DATABASE wdm_tpl" >/dev/null
"$WDMON" --db "$(conn wdm_tpl)" -l warn migrate >/dev/null
"$WDMON" --db "$(conn wdm_tpl)" -l warn plan import deploy/plans/wuqing-women-2021-2025.yaml --current >/dev/null
"$WDMON" --db "$(conn wdm_tpl)" -l warn site import deploy/site/wuqing.yaml >/dev/null
"$WDMON" server-key "$W" >/dev/null
# Villages under the towns and streets, so that N records are spread over
# hundreds of thousands of series (indicator x area x year x sex) and each
# gets only a few revisions, as real data would.
q wdm_tpl "INSERT INTO area (code, parent_code, level, name_zh, name_en)
           SELECT 'v' || lpad (g::text, 5, '0'), t.code, 'village', '基准村' || g, 'Bench village ' || g
             FROM generate_series (1, $VILLAGES) g
             JOIN (SELECT code, row_number () OVER (ORDER BY code) - 1 AS k, count (*) OVER () AS n
                     FROM area WHERE level IN ('town', 'street')) t ON t.k = g % t.n" >/dev/null
mkdir -p "$W/bundles"
for ((u = 1; u <= MAXC; u++)); do
    unit=$(printf 'bench_%02d' $u)
    "$WDMON" --db "$(conn wdm_tpl)" -l warn unit add "$unit" --name "基准单位$u" --name-en "Bench unit $u" \
        --kind department --area wuqing --bundle "$W/bundles/$unit" --server-key "$W/server.pub" \
        --endpoint "$ENDPOINT" >/dev/null
done
# Every yearly indicator the current plan has an active target on that
# needs no leadership body; contributing, not lead, so that the bench units
# are not chased for missing reports.
BENCH_IND="i.frequency = 'year' AND EXISTS (SELECT 1 FROM plan_target t JOIN plan p ON p.code = t.plan_code AND p.current WHERE t.indicator_code = i.code AND t.target_kind <> 'min_count' AND t.active)"

q wdm_tpl "INSERT INTO responsibility (indicator_code, unit_code, lead)
           SELECT i.code, u.code, false FROM indicator i CROSS JOIN member_unit u
            WHERE u.code LIKE 'bench\\_%' AND $BENCH_IND"
# The series: indicator, area, sex (F and M for by-sex indicators), the
# indicator's plausible range, and the area's index (which collector owns it).
q wdm_tpl "SELECT i.code, a.code, s.sex, i.value_min, coalesce (i.value_max, i.value_min + 100), a.k
             FROM indicator i
             CROSS JOIN (SELECT code, row_number () OVER (ORDER BY code) - 1 AS k FROM area) a
             CROSS JOIN LATERAL (SELECT unnest (CASE WHEN i.by_sex THEN ARRAY ['F', 'M'] ELSE ARRAY ['T'] END) AS sex) s
            WHERE $BENCH_IND
            ORDER BY a.k, i.code, s.sex" | tr '|' ',' >"$W/series.txt"
SERIES=$(wc -l <"$W/series.txt")
AREAS=$(q wdm_tpl "SELECT count (*) FROM area")
INDICATORS=$(q wdm_tpl "SELECT count (*) FROM indicator i WHERE $BENCH_IND")

# gen_data DIR C COUNT OFFSET PER_FILE [BASEFILE]: collector c's share of COUNT
# records, starting at its record OFFSET, as CSV files of PER_FILE records in
# DIR/c<c>/ (names sort in order); with BASEFILE, the same records also as
# one CSV for psql, with the unit, epoch 1, seq and the revision added.
# Collector c (1..C) owns the areas whose index is c-1 modulo C, and walks
# its series in order: year 2020..2025, then the next revision.
gen_data () {
    local dir=$1 cc=$2 count=$3 offset=$4 per_file=$5 base=${6:-/dev/null}
    : >"$base"
    for ((c = 1; c <= cc; c++)); do
        local share=$((count / cc + (c <= count % cc ? 1 : 0)))
        local off=$((offset / cc + (c <= offset % cc ? 1 : 0)))
        mkdir -p "$dir/c$c"
        awk -F, -v c=$c -v cc=$cc -v count=$share -v offset=$off -v per=$per_file -v dir="$dir/c$c" \
            -v unit="$(printf 'bench_%02d' $c)" -v base="$base" '
            BEGIN { k = 0 }
            $6 % cc == c - 1 { key [k] = $1 "," $2; sex [k] = $3; lo [k] = $4; hi [k] = $5; k++ }
            END {
                for (i = 0; i < count; i++) {
                    n = offset + i
                    if (i % per == 0) {
                        if (file) close (file)
                        file = sprintf ("%s/f%07d.csv", dir, n / per)
                        print "indicator,area,year,sex,value,note" >file
                    }
                    s = n % k; year = 2020 + int (n / k) % 6; rev = int (n / (k * 6)) + 1
                    value = lo [s] + (hi [s] - lo [s]) * (0.40 + 0.02 * (year - 2020)) + 0.001 * rev
                    line = sprintf ("%s,%d,%s,%.3f,b%d-%d", key [s], year, sex [s], value, c, n)
                    print line >file
                    if (base != "/dev/null")
                        printf "%s,%s,1,%d,%d\n", line, unit, n + 1, rev >>base
                }
                if (file) close (file)
            }' "$W/series.txt"
    done
}

# --- Measuring helpers ---------------------------------------------------------------
TCK=$(getconf CLK_TCK)
pm_pid () { head -n 1 "$PG/data/postmaster.pid"; }
ticks () { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }; s=${s##*) }; set -- $s; echo $((${12} + ${13})); }
# PostgreSQL's CPU: the postmaster with its exited children, and every live child.
pg_ticks () {
    local pm t s
    pm=$(pm_pid)
    s=$(cat "/proc/$pm/stat"); s=${s##*) }; set -- $s
    t=$((${12} + ${13} + ${14} + ${15}))
    for p in $(pgrep -P "$pm"); do t=$((t + $(ticks "$p"))); done
    echo $t
}
# All CPUs' busy time, in ticks, from /proc/stat.
busy_ticks () { awk 'NR == 1 { t = 0; for (i = 2; i <= NF; i++) if (i != 5 && i != 6) t += $i; print t }' /proc/stat; }
hwm_kib () { awk '/^VmHWM/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
metrics () { curl -s "http://127.0.0.1:$MPORT/metrics"; }
# quantile Q BEFORE AFTER: from the commit-time histogram's bucket deltas,
# linear within a bucket, as Prometheus' histogram_quantile does.
quantile () {
    awk -v q="$1" '
        FNR == NR && /^wdmon_commit_seconds_bucket/ { split ($0, a, "\""); before [a [2]] = $NF; next }
        /^wdmon_commit_seconds_bucket/ { split ($0, a, "\""); le [n] = a [2]; cum [n] = $NF - before [a [2]]; n++ }
        END {
            total = cum [n - 1]
            if (total == 0) { print "-"; exit }
            rank = q * total; prev = 0; prevle = 0
            for (i = 0; i < n; i++) {
                if (cum [i] >= rank) {
                    if (le [i] == "+Inf") { printf ">%.0f", prevle * 1000; exit }
                    printf "%.0f", (prevle + (le [i] - prevle) * (cum [i] == prev ? 1 : (rank - prev) / (cum [i] - prev))) * 1000
                    exit
                }
                prev = cum [i]; prevle = le [i]
            }
        }' "$2" "$3"
}
metric () { awk -v m="$1" '$1 == m { print $2 }' "$2"; }

have_probes=0
if command -v perf >/dev/null; then
    libzmq=$(ldd "$COLLECTOR" | awk '/libzmq/ { print $3 }')
    if perf probe -l 2>/dev/null | grep -q 'probe_libzmq:zmq_send' \
        && perf probe -l 2>/dev/null | grep -q 'probe_libzmq:zmq_msg_recv'; then
        have_probes=1
    elif perf probe -q -x "$libzmq" --add zmq_send --add zmq_msg_recv >/dev/null 2>&1; then
        have_probes=1 probes_added=1
    fi
fi
[ $have_probes -eq 1 ] || say "no uprobes (perf probe): acknowledgement latency from the commit histogram only"

# latency PERFDATA: per collector process, the k-th batch (every other
# zmq_send: header, then body) against the k-th reply (every other
# zmq_msg_recv: header, then body).
# Prints "p50 p99 max batches mismatched_processes", in ms.
latency () {
    perf script -i "$1" -F pid,time,event 2>/dev/null | awk -v badfile="$1.bad" '
        { pid = $1; t = $2 + 0; ev = $3 }
        ev ~ /zmq_send/ { if (ns [pid] % 2 == 0) { send [pid, nb [pid]++] = t }; ns [pid]++ }
        ev ~ /zmq_msg_recv/ { if (nm [pid] % 2 == 0) { recv [pid, nr [pid]++] = t }; nm [pid]++ }
        END {
            for (p in nb) {
                if (nb [p] != nr [p]) bad++
                m = nb [p] < nr [p] ? nb [p] : nr [p]
                for (i = 0; i < m; i++) print (recv [p, i] - send [p, i]) * 1000
            }
            print bad + 0 >badfile
        }' | sort -n >"$1.ms"
    awk -v bad="$(cat "$1.bad" 2>/dev/null || echo 0)" '
        { v [NR] = $1 }
        END {
            if (NR == 0) { print "- - - 0 " bad + 0; exit }
            p50 = v [int (0.50 * (NR - 1)) + 1]; p99 = v [int (0.99 * (NR - 1)) + 1]
            printf "%.1f %.1f %.1f %d %d\n", p50, p99, v [NR], NR, bad + 0
        }' "$1.ms"
}

# --- Baseline and naive peer -----------------------------------------------------------
# The staging table of server/ingest/wdm_store.c, with defaults for the
# columns the CSV does not carry (the server writes them), and the insert
# with the revision lookup that the server used until issue 17's fifth
# round (commit f612226 changed it), word for word: the baseline.
STAGE_SQL="CREATE TEMP TABLE wdm_stage (
  batch_id bigint DEFAULT currval ('wdmon.ingest_batch_id_seq'), indicator_code text, area_code text, year int,
  period_kind wdmon.frequency DEFAULT 'year', period_no smallint DEFAULT 0, body text DEFAULT '', sex char(1),
  value float8, numerator float8, denominator float8, status wdmon.obs_status DEFAULT 'provisional', note text,
  unit_code text, rec_epoch bigint, rec_seq bigint, rev int) ON COMMIT DELETE ROWS;"
INSERT_LOOKUP="WITH fresh AS (
  SELECT DISTINCT ON (s.unit_code, s.rec_epoch, s.rec_seq) s.*
    FROM wdm_stage s
   WHERE NOT EXISTS (SELECT 1 FROM observation o WHERE o.unit_code = s.unit_code
                        AND o.rec_epoch = s.rec_epoch AND o.rec_seq = s.rec_seq)
   ORDER BY s.unit_code, s.rec_epoch, s.rec_seq
), numbered AS (
  SELECT f.*, row_number () OVER (PARTITION BY f.indicator_code, f.area_code, f.year,
           f.period_kind, f.period_no, f.body, f.sex
           ORDER BY f.unit_code, f.rec_epoch, f.rec_seq) AS rn
    FROM fresh f
), ins AS (
  INSERT INTO observation (indicator_code, area_code, year, period_kind, period_no,
         body, sex, revision, value, numerator, denominator, status, note,
         unit_code, rec_epoch, rec_seq, batch_id)
  SELECT n.indicator_code, n.area_code, n.year, n.period_kind, n.period_no,
         n.body, n.sex, n.rn + coalesce ((SELECT max (o.revision) FROM observation o
             WHERE o.indicator_code = n.indicator_code AND o.area_code = n.area_code
               AND o.year = n.year AND o.period_kind = n.period_kind
               AND o.period_no = n.period_no AND o.body = n.body AND o.sex = n.sex), 0),
         n.value, n.numerator, n.denominator, n.status, nullif (n.note, ''),
         n.unit_code, n.rec_epoch, n.rec_seq, n.batch_id
    FROM numbered n
  ON CONFLICT (unit_code, rec_epoch, rec_seq) DO NOTHING
  RETURNING batch_id
) SELECT batch_id, count (*) FROM ins GROUP BY batch_id"
# Without the revision lookup, duplicate check or numbering: the revision
# comes with the record (the generator knows it).
INSERT_PLAIN="INSERT INTO observation (indicator_code, area_code, year, period_kind, period_no,
         body, sex, revision, value, numerator, denominator, status, note,
         unit_code, rec_epoch, rec_seq, batch_id)
  SELECT indicator_code, area_code, year, period_kind, period_no, body, sex, rev, value, numerator,
         denominator, status, nullif (note, ''), unit_code, rec_epoch, rec_seq, batch_id
    FROM wdm_stage
  ON CONFLICT (unit_code, rec_epoch, rec_seq) DO NOTHING"
COLS="indicator_code, area_code, year, sex, value, note, unit_code, rec_epoch, rec_seq, rev"
# The server's own insert of today, its C string literal read from the source.
INSERT_CURRENT=$(awk '/^static const char \*s_insert_sql =/ { on = 1; next }
    on { line = $0; sub (/^[^"]*"/, "", line); sub (/"[^"]*$/, "", line); printf "%s", line; if ($0 ~ /;$/) exit }' \
    server/ingest/wdm_store.c)
case "$INSERT_CURRENT" in "WITH fresh AS ("*'$1::bigint []'*"FROM judged WHERE unchanged GROUP BY batch_id") ;;
    *) wdm_die "cannot read the server's insert from server/ingest/wdm_store.c" ;; esac
# Its records name their batch by its place in the group, and $1 holds the
# batches' ids: here one batch a chunk, the one just inserted.
INSERT_CURRENT=${INSERT_CURRENT//'$1::bigint []'/"ARRAY [currval ('wdmon.ingest_batch_id_seq')]"}
STAGE_CURRENT_SQL=${STAGE_SQL/"batch_id bigint DEFAULT currval ('wdmon.ingest_batch_id_seq')"/batch int DEFAULT 1}

# baseline KIND DB CHUNKDIR: load every chunk, one transaction each; prints the
# seconds it took and the CPU seconds PostgreSQL used.
baseline () {
    local kind=$1 db=$2 dir=$3 script=$W/baseline-$1.sql t0 t1 cpu0 i
    {
        echo "SET search_path = wdmon;"
        if [ "$kind" = current ]; then echo "$STAGE_CURRENT_SQL"; else echo "$STAGE_SQL"; fi
        [ "$kind" = plain ] && echo "PREPARE wdm_insert AS $INSERT_PLAIN;"
        local k=0
        for f in "$dir"/chunk.*; do
            k=$((k + 1))
            echo "BEGIN;"
            echo "INSERT INTO ingest_batch (unit_code, epoch, batch_no, record_count) VALUES ('bench_01', 1, $k, $CHUNK);"
            if [ "$kind" = copy ]; then
                echo "\\copy observation (indicator_code, area_code, year, sex, value, note, unit_code, rec_epoch, rec_seq, revision) FROM '$f' WITH (FORMAT csv)"
            else
                echo "\\copy wdm_stage ($COLS) FROM '$f' WITH (FORMAT csv)"
                case $kind in
                    replan) echo "$INSERT_LOOKUP;" ;;
                    current) echo "$INSERT_CURRENT;" ;;
                    *) echo "EXECUTE wdm_insert;" ;;
                esac
            fi
            echo "UPDATE ingest_batch SET accepted = $CHUNK, committed_at = clock_timestamp () WHERE id = currval ('ingest_batch_id_seq');"
            echo "COMMIT;"
        done
    } >"$script"
    settle
    cpu0=$(pg_ticks)
    t0=$(now)
    "$PSQL" "$(conn "$db")" -qX -v ON_ERROR_STOP=1 -f "$script" >/dev/null
    t1=$(now)
    # The backend's CPU counts in the postmaster's once it has reaped it.
    for ((i = 0; i < 50; i++)); do
        [ "$(q postgres "SELECT count (*) FROM pg_stat_activity WHERE datname = '$db'")" = 0 ] && break
        sleep 0.1
    done
    sleep 0.2
    awk -v a="$t0" -v b="$t1" -v c=$(( $(pg_ticks) - cpu0 )) -v hz="$TCK" 'BEGIN { printf "%.2f %.1f\n", b - a, c / hz }'
}

# naive DB FILE: each record its own INSERT, in its own transaction (psql's
# autocommit), with the same revision lookup; prints seconds.
naive () {
    local db=$1 script=$W/naive.sql t0 t1
    {
        echo "SET search_path = wdmon;"
        awk -F, '{
            printf "INSERT INTO observation (indicator_code, area_code, year, sex, revision, value, note, unit_code, rec_epoch, rec_seq)"
            printf " SELECT %s, %s, %d, %s, 1 + coalesce ((SELECT max (revision) FROM observation WHERE indicator_code = %s AND area_code = %s AND year = %d AND period_kind = %s AND period_no = 0 AND body = %s AND sex = %s), 0), %s, %s, %s, %d, %d",
                q($1), q($2), $3, q($4), q($1), q($2), $3, q("year"), q(""), q($4), $5, q($6), q($7), $8, $9
            print " ON CONFLICT (unit_code, rec_epoch, rec_seq) DO NOTHING;"
        }
        function q (s) { return "\047" s "\047" }' "$2"
    } >"$script"
    settle
    t0=$(now)
    "$PSQL" "$(conn "$db")" -qX -v ON_ERROR_STOP=1 -f "$script" >/dev/null
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

# --- wdmon end to end ------------------------------------------------------------------
# Results of the last run_e2e, by name.
declare -A R
declare -A B=()

start_server () {  # DB RUNDIR
    cat >"$2/server.conf" <<EOF
[server]
endpoint = $ENDPOINT
secret_key_file = $W/server.key
[database]
conninfo = $(conn "$1")
[metrics]
port = $MPORT
[warnings]
interval_ms = $WARN_INTERVAL_MS
[log]
; debug: every evaluation of the warning worker is logged with its time
; (at info only those that changed something or took a second), and the
; benchmark reads it; a line per batch besides, 2,000 per million records
level = debug
EOF
    "$SERVER" -c "$2/server.conf" 2>>"$2/server.log" &
    server_pid=$!
    for ((i = 0; i < 100; i++)); do
        curl -sf "http://127.0.0.1:$MPORT/metrics" >/dev/null && return 0
        sleep 0.1
    done
    tail "$2/server.log" >&2
    wdm_die "the server did not start"
}

stop_all () {
    for p in "${collector_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${collector_pids[@]}"; do wait "$p" 2>/dev/null || true; done
    collector_pids=()
    if [ -n "$server_pid" ]; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=
    fi
}

# drained RUNDIR C: every collector's inbox empty and its outbox "queued 0".
drained () {
    local c f
    for ((c = 1; c <= $2; c++)); do
        [ -e "$1/c$c/.drained" ] && continue
        for f in "$1/c$c/inbox/"*.csv; do [ -e "$f" ] && return 1; done
        "$COLLECTOR" -c "$1/c$c/collector.conf" status 2>/dev/null | grep -q '^queued     0 ' || return 1
        touch "$1/c$c/.drained"
    done
}

# wait_drained RUNDIR C DB EXPECTED LIMIT_S [ACTIVITYFILE]: poll until drained
# and the bench units' rows in observation reach EXPECTED; sets R[end].
wait_drained () {
    local dir=$1 cc=$2 db=$3 want=$4 limit=$5 act=${6:-} started polls=0 got
    started=$(now)
    rm -f "$dir"/c*/.drained
    while :; do
        # The server's counters first, one curl: until it has answered as
        # many records as are wanted (stored, duplicate or refused), no
        # outbox can be empty.  Only then each collector's own `status`,
        # which costs about 35 ms of CPU a call: asked every poll of the
        # load, it took CPU from the load being measured.
        local m answered=$want
        m=$(metrics) || m=
        [ -n "$m" ] && answered=$(awk '/^wdmon_records_(accepted|duplicate|rejected)_total/ { s += $NF }
                                      END { print s + 0 }' <<<"$m")
        if [ "$answered" -ge "$want" ] && drained "$dir" "$cc"; then
            # The end is when the server sent its last answer, as its log
            # says (to the millisecond), not when this poll saw it: the
            # poll's sleep and the collectors' status calls came after.
            local last
            last=$(grep -a ' debug .*: batch [0-9]* from .*: [0-9]* accepted, ' "$dir/server.log" | tail -n 1)
            if [ -n "$last" ]; then R[end]=$(date -d "${last%% *}" +%s.%N); else R[end]=$(now); fi
            got=$(q "$db" "SELECT count (*) FROM observation WHERE unit_code LIKE 'bench\\_%'")
            [ "$got" -ge "$want" ] && return 0
            # Refused records would never arrive: say so rather than wait.
            wdm_die "every outbox is empty but observation holds $got of $want records: see $dir (--keep)"
        fi
        if [ -n "$act" ] && [ $((polls % 8)) -eq 0 ]; then
            "$PSQL" "$(conn "$db")" -XAt -F'|' -c "SELECT pid, left (regexp_replace (query, '\\s+', ' ', 'g'), 60)
                FROM pg_stat_activity WHERE datname = '$db' AND pid <> pg_backend_pid ()" >>"$act" 2>/dev/null || true
        fi
        polls=$((polls + 1))
        if awk -v a="$started" -v b="$(now)" -v l="$limit" 'BEGIN { exit !(b - a > l) }'; then
            wdm_die "not drained after $limit s: see $dir (--keep)"
        fi
        sleep 0.25
    done
}

# worker_eval_after LOG SINCE: the first evaluation the server's warning
# worker started at or after SINCE (epoch seconds: the load's last commit,
# which the settled evaluation starts interval_ms after), as "seconds|its line";
# empty if none yet.  (It logs an evaluation that changed something, when
# it ends, with its duration.)
worker_eval_after () {
    local line at secs
    while read -r line; do
        at=$(date -d "${line%% *}" +%s.%N)
        secs=$(sed -n 's/.* evaluated in \([0-9.]*\) s.*/\1/p' <<<"$line")
        if awk -v a="$at" -v s="$secs" -v t="$2" 'BEGIN { exit !(a - s >= t - 0.05) }'; then
            echo "$secs|${line#*warnings: }"
            return
        fi
    done < <(grep 'warnings: [0-9]* series evaluated in' "$1")
}

# run_e2e TAG N C PACED_S: one end-to-end run in a fresh database.
run_e2e () {
    local tag=$1 n=$2 cc=$3 paced=$4 db=wdm_e2e_$1 dir=$W/run-$1 c t0 perf_lat= perf_prof=
    R=()
    mkdir -p "$dir"
    say "[$tag] generating $n records for $cc collectors"
    gen_data "$dir/drop" "$cc" "$n" 0 "$FILE_RECORDS"
    "$PSQL" "$(conn postgres)" -qX -c "CREATE DATABASE $db TEMPLATE wdm_tpl" >/dev/null
    start_server "$db" "$dir"
    for ((c = 1; c <= cc; c++)); do
        local unit cdir=$dir/c$c
        unit=$(printf 'bench_%02d' $c)
        mkdir -p "$cdir"
        cp "$W/bundles/$unit/"* "$cdir/"
        sed -i "s/^\[collector\]\$/[collector]\nscan_ms = $SCAN_MS\nsettle_ms = $SETTLE_MS\nbatch_size = $BATCH_SIZE\nmax_in_flight = $IN_FLIGHT/" "$cdir/collector.conf"
        "$COLLECTOR" -c "$cdir/collector.conf" -l warn run 2>>"$cdir/collector.log" &
        collector_pids+=($!)
    done
    # Every collector through its CURVE handshake before the clock starts.
    for ((i = 0; i < 600; i++)); do
        local up=0
        for ((c = 1; c <= cc; c++)); do
            "$COLLECTOR" -c "$dir/c$c/collector.conf" status 2>/dev/null | grep -q '^link .*connected to the centre' && up=$((up + 1))
        done
        [ $up -eq "$cc" ] && break
        sleep 0.2
    done
    [ $up -eq "$cc" ] || wdm_die "only $up of $cc collectors connected: see $dir"
    if [ $have_probes -eq 1 ]; then
        perf record -q -e probe_libzmq:zmq_send -e probe_libzmq:zmq_msg_recv -o "$dir/lat-full.data" \
            -p "$(IFS=,; echo "${collector_pids[*]}")" >/dev/null 2>&1 &
        perf_lat=$!; perf_pids+=($perf_lat)
    fi
    if [ $PROFILE -eq 1 ]; then
        perf record -q -e cpu-clock -F 499 -g -a -o "$dir/profile.data" >/dev/null 2>&1 &
        perf_prof=$!; perf_pids+=($perf_prof)
    fi
    sleep 1
    # The clock starts when the files are dropped into the inboxes.
    local cpu_srv0 cpu_col0=0 cpu_pg0 p
    metrics >"$dir/metrics-0.txt"
    cpu_srv0=$(ticks "$server_pid")
    for p in "${collector_pids[@]}"; do cpu_col0=$((cpu_col0 + $(ticks "$p"))); done
    cpu_pg0=$(pg_ticks)
    local busy0
    busy0=$(busy_ticks)
    declare -A be0=()
    for p in $(pgrep -P "$(pm_pid)"); do be0[$p]=$(ticks "$p"); done
    settle
    [ $STATEMENTS -eq 1 ] && "$PSQL" "$(conn postgres)" -qXAt -c "SELECT pg_stat_statements_reset ()" >/dev/null
    say "[$tag] dropping the files into $cc inboxes; waiting until every record is acknowledged"
    t0=$(now)
    for ((c = 1; c <= cc; c++)); do mv "$dir/drop/c$c/"*.csv "$dir/c$c/inbox/"; done
    wait_drained "$dir" "$cc" "$db" "$n" 7200 "$dir/activity.txt"
    R[seconds]=$(awk -v a="$t0" -v b="${R[end]}" 'BEGIN { printf "%.2f", b - a }')
    if [ $STATEMENTS -eq 1 ]; then
        # Every connection to wdmon's database during the full load: the
        # store's, the warning worker's, ZAP's.
        "$PSQL" "$(conn postgres)" -qXA -F' | ' -P footer=off -c "SELECT calls, round (total_exec_time::numeric) AS total_ms,
                round ((total_exec_time / calls)::numeric, 2) AS mean_ms, round (total_plan_time::numeric) AS plan_ms, rows,
                left (regexp_replace (query, '\s+', ' ', 'g'), 110) AS statement
              FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
             WHERE d.datname = '$db' ORDER BY total_exec_time DESC LIMIT 14" >"$dir/statements.txt" 2>&1 || true
    fi
    R[rate]=$(fdiv "$n" "${R[seconds]}" "%.0f")
    # Where the store's thread spent the load, from its debug line per
    # group: each phase's mean per group, and the rest of the wall time
    # (waiting for a group, the start and the end).
    R[phases]=$(awk -v wall="${R[seconds]}" '/store: a group of .* committed, in ms:/ {
            n++; sub (/.* in ms: /, ""); k = split ($0, f, /, /)
            for (i = 1; i <= k; i++) { split (f[i], p, " "); t[i] += p[2]; name[i] = p[1]; sum += p[2] } }
        END { if (!n) exit; for (i = 1; i <= k; i++) printf "%s %.1f, ", name[i], t[i] / n
              printf "in all %.1f s of the %.1f s load", sum / 1000, wall }' "$dir/server.log")
    metrics >"$dir/metrics-1.txt"
    local cpu_col=0
    for p in "${collector_pids[@]}"; do cpu_col=$((cpu_col + $(ticks "$p"))); done
    R[cpu_srv]=$(fdiv $(( $(ticks "$server_pid") - cpu_srv0 )) "$TCK" "%.1f")
    R[cpu_col]=$(fdiv $((cpu_col - cpu_col0)) "$TCK" "%.1f")
    R[cpu_pg]=$(fdiv $(( $(pg_ticks) - cpu_pg0 )) "$TCK" "%.1f")
    R[cpu_all]=$(fdiv $(( $(busy_ticks) - busy0 )) "$TCK" "%.1f")
    # PostgreSQL's CPU by backend: the server's store connection, its
    # warning worker's, the rest (ZAP, checkpointer, WAL writer, autovacuum).
    local store=0 warn=0
    for p in "${!be0[@]}"; do
        local d=$(( $(ticks "$p") - ${be0[$p]} ))
        if grep -q "^$p|.*\\(wdm_stage\\|WITH fresh\\|ingest_batch\\)" "$dir/activity.txt" 2>/dev/null; then
            store=$((store + d))
        elif grep -q "^$p|.*\\(observation_current\\|warning\\|responsibility\\|findings\\)" "$dir/activity.txt" 2>/dev/null; then
            warn=$((warn + d))
        fi
    done
    R[cpu_pg_store]=$(fdiv $store "$TCK" "%.1f")
    R[cpu_pg_warn]=$(fdiv $warn "$TCK" "%.1f")
    R[commit_p50]=$(quantile 0.5 "$dir/metrics-0.txt" "$dir/metrics-1.txt")
    R[commit_p99]=$(quantile 0.99 "$dir/metrics-0.txt" "$dir/metrics-1.txt")
    R[groups]=$(q "$db" "SELECT count (DISTINCT received_at) || ' ' || round (avg (n)) || ' ' || max (n) || ' '
                         || round (1000 * avg (secs)::numeric, 0) || ' ' || round (1000 * max (secs)::numeric, 0)
                         FROM (SELECT received_at, sum (record_count) AS n,
                                      extract (epoch FROM max (committed_at) - received_at) AS secs
                                 FROM ingest_batch GROUP BY received_at) g")
    if [ -n "$perf_prof" ]; then
        kill -INT "$perf_prof"; wait "$perf_prof" 2>/dev/null || true
    fi
    if [ -n "$perf_lat" ]; then
        kill -INT "$perf_lat"; wait "$perf_lat" 2>/dev/null || true
        R[lat_full]=$(latency "$dir/lat-full.data")
    fi

    # The warning worker judges the load once it has settled (no commit for
    # interval_ms): that evaluation, the first after the bulk load, is
    # waited for and its time read from the server's log, before anything
    # else runs.
    R[worker_eval]="-|none within the wait"
    if [ "$WARN_INTERVAL_MS" -lt 600000 ]; then
        local waited last_commit
        last_commit=$(q "$db" "SELECT extract (epoch FROM max (committed_at)) FROM ingest_batch")
        for ((waited = 0; waited < WARN_INTERVAL_MS / 1000 + 90; waited++)); do
            R[worker_eval]=$(worker_eval_after "$dir/server.log" "$last_commit")
            [ -n "${R[worker_eval]}" ] && break
            sleep 1
        done
        [ -n "${R[worker_eval]}" ] || R[worker_eval]="-|none within the wait"
    fi

    if [ "$paced" -gt 0 ]; then
        # A tenth of the rate just measured, as files of one batch each,
        # dropped in turn into the collectors at an even pace.
        local tenth per_c files interval
        tenth=$(( ${R[rate]} / 10 ))
        [ $tenth -ge 1 ] || tenth=1
        interval=$(awk -v b=$BATCH_SIZE -v t=$tenth 'BEGIN { printf "%.4f", b / t }')   # between two drops
        files=$(awk -v s="$paced" -v i="$interval" 'BEGIN { printf "%d", s / i + 1 }')
        per_c=$(( (files + cc - 1) / cc ))
        R[paced_rate]=$tenth
        R[paced_n]=$((per_c * cc * BATCH_SIZE))
        say "[$tag] a tenth of the load: $tenth records/s for ${paced} s, one $BATCH_SIZE-record file every ${interval} s"
        gen_data "$dir/paced" "$cc" "${R[paced_n]}" "$n" "$BATCH_SIZE"
        # Files of collector c, in order, into arrays.
        if [ $have_probes -eq 1 ]; then
            perf record -q -e probe_libzmq:zmq_send -e probe_libzmq:zmq_msg_recv -o "$dir/lat-paced.data" \
                -p "$(IFS=,; echo "${collector_pids[*]}")" >/dev/null 2>&1 &
            perf_lat=$!; perf_pids+=($perf_lat)
            sleep 1
        fi
        settle
        metrics >"$dir/metrics-2.txt"
        local start k f due wait_s
        start=$(now)
        for ((k = 0; k < per_c * cc; k++)); do
            c=$((k % cc + 1))
            # gen_data numbered collector c's files from its offset on
            f=$(printf 'f%07d.csv' $(( (n / cc + (c <= n % cc ? 1 : 0)) / BATCH_SIZE + k / cc )))
            due=$(awk -v s="$start" -v k=$k -v i="$interval" 'BEGIN { printf "%.6f", s + k * i }')
            wait_s=$(awk -v d="$due" -v t="$(now)" 'BEGIN { w = d - t; printf "%.6f", (w > 0 ? w : 0) }')
            sleep "$wait_s"
            mv "$dir/paced/c$c/$f" "$dir/c$c/inbox/"
        done
        wait_drained "$dir" "$cc" "$db" "$((n + ${R[paced_n]}))" 600
        metrics >"$dir/metrics-3.txt"
        R[paced_commit_p50]=$(quantile 0.5 "$dir/metrics-2.txt" "$dir/metrics-3.txt")
        R[paced_commit_p99]=$(quantile 0.99 "$dir/metrics-2.txt" "$dir/metrics-3.txt")
        if [ $have_probes -eq 1 ]; then
            kill -INT "$perf_lat"; wait "$perf_lat" 2>/dev/null || true
            R[lat_paced]=$(latency "$dir/lat-paced.data")
        fi
        # What a bare one-row commit costs on the same cluster just after,
        # 20 a second for 15 s: the WAL flush and little else, to compare
        # the paced acknowledgement with.
        settle
        "$PSQL" "$(conn "$db")" -qX -c "CREATE TABLE bench_commit (n int)" >/dev/null
        echo "INSERT INTO bench_commit VALUES (1);" >"$dir/commit.sql"
        (cd "$dir" && "$(wdm_pg_bindir)/pgbench" -n -f commit.sql -R 20 -T 15 -l --log-prefix=commit \
            -h "$PG/run" -p "$PGPORT" -U postgres "$db" >/dev/null 2>&1) || true
        R[bare_commit]=$(cat "$dir"/commit.* 2>/dev/null | awk '{ print $3 / 1000 }' | sort -g | awk '{ a[NR] = $1 }
            END { k = int (NR * 0.99); if (k < 1) k = 1
                  if (NR == 0) print "- -"; else printf "%.1f %.1f\n", a[int ((NR + 1) / 2)], a[k] }')
    fi
    # Peak resident memory: read before stopping.
    R[rss_srv]=$(hwm_kib "$server_pid")
    local m=0 h
    for p in "${collector_pids[@]}"; do h=$(hwm_kib "$p"); [ "$h" -gt $m ] && m=$h; done
    R[rss_col]=$m
    stop_all
    R[db]=$db
    R[dir]=$dir
    if [ $PROFILE -eq 1 ] && [ -f "$dir/profile.data" ]; then
        say "[$tag] CPU profile of the full-load phase (perf, cpu-clock, every process)"
        { perf report -i "$dir/profile.data" --no-children --sort comm --stdio -g none 2>/dev/null | grep '%' | head -n 12 || true; } >"$dir/profile-comm.txt"
        { perf report -i "$dir/profile.data" --no-children --sort pid --stdio -g none 2>/dev/null | grep '%' | head -n 8 || true; } >"$dir/profile-pid.txt"
        { perf report -i "$dir/profile.data" --no-children --sort comm,dso,sym --stdio -g none 2>/dev/null \
            | grep '%' | head -n 30 || true; } >"$dir/profile-sym.txt"
    fi
}

print_profile () {
    [ -f "$1/profile-comm.txt" ] || return 0
    echo
    echo "CPU profile of the full-load phase (perf record -e cpu-clock -a; share of all samples):"
    echo "  by process:"
    sed 's/^/    /' "$1/profile-comm.txt"
    echo "  by process id (backends: see activity.txt in the work directory):"
    sed 's/^/    /' "$1/profile-pid.txt"
    echo "  top functions (self):"
    sed 's/^/    /' "$1/profile-sym.txt"
}

machine () {
    echo "other load  ${busy_before}% of the CPU was busy in the 3 s before the benchmark started$([ "$busy_before" -gt 5 ] && echo ': the figures are skewed')"
    echo "machine     $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(free -h | awk '/^Mem:/ { print $2 }') memory, $(uname -sr)"
    echo "PostgreSQL  $pg_version; $pg_settings"
}

# evaluate DB: the full warning evaluation (wdmon warnings evaluate), as
# an office runs it: seconds|its last line.
evaluate () {
    local t0 t1 out
    t0=$(now)
    out=$("$WDMON" --db "$(conn "$1")" -l warn warnings evaluate 2>&1 | tail -n 1)
    t1=$(now)
    printf '%s|%s' "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" "$out"
}

# evaluate_loaded DB: the full evaluation over a loaded database, first and
# again, into ev1 and ev2; after VACUUM ANALYZE, as autovacuum would leave
# it in time (the figure should not depend on whether autovacuum has
# caught up with the load yet), and a checkpoint.
evaluate_loaded () {
    "$PSQL" "$(conn "$1")" -qX -c "VACUUM ANALYZE" >/dev/null
    settle
    ev1=$(evaluate "$1")
    ev2=$(evaluate "$1")
}

# --- The scaling table ----------------------------------------------------------------------
if [ $SCALING -eq 1 ]; then
    rows=() evals=()
    for n in $SCALE_N; do
        for c in $SCALE_C; do
            run_e2e "n${n}_c$c" "$n" "$c" 0
            lat=(${R[lat_full]:-- - - 0 0})
            [ "${lat[4]}" -eq 0 ] || lat[1]="${lat[1]}*"   # resends: see the note below the table
            evaluate_loaded "${R[db]}"   # the server stopped, as in the rounds
            millions=$(fdiv "$n" 1000000 %.6f)
            rows+=("$(printf '%10s %5s %9s %10s %10s %10s %10s %10s %8s %8s %8s %8s %8s %8s' \
                "$(fmt_int "$n")" "$c" "${R[seconds]}" "$(fmt_int "${R[rate]}")" \
                "${lat[0]}" "${lat[1]}" \
                "$(fdiv "${R[rss_srv]}" 1024 %.1f)" "$(fdiv "${R[rss_col]}" 1024 %.1f)" \
                "$(fdiv "${R[cpu_srv]}" "$millions" %.1f)" "$(fdiv "${R[cpu_col]}" "$millions" %.1f)" \
                "$(fdiv "${R[cpu_pg]}" "$millions" %.1f)" "${R[worker_eval]%%|*}" "${ev1%%|*}" "${ev2%%|*}")")
            evals+=("$(fmt_int "$n") x $c: the worker: ${R[worker_eval]#*|}")
            evals+=("$(fmt_int "$n") x $c: first full: ${ev1#*|}")
            "$PSQL" "$(conn postgres)" -qX -c "DROP DATABASE ${R[db]}" >/dev/null
            [ $KEEP -eq 1 ] || rm -rf "${R[dir]}"
        done
    done
    echo
    echo "wdmon ingest benchmark: scaling (tests/bench/ingest.sh --scaling --scaling-n \"$SCALE_N\" --scaling-c \"$SCALE_C\")"
    machine
    echo "setup       PostgreSQL fsync=$FSYNC${PG_SETS:+ ${PG_SETS[*]}}; collectors batch_size $BATCH_SIZE, max_in_flight $IN_FLIGHT, scan_ms $SCAN_MS, settle_ms $SETTLE_MS;"
    echo "            server: max_group 8192 (default), warnings interval_ms $WARN_INTERVAL_MS"
    echo "            files of $FILE_RECORDS records; $SERIES series ($INDICATORS indicators x $AREAS areas x sex), years 2020-2025"
    echo
    printf '%10s %5s %9s %10s %10s %10s %10s %10s %8s %8s %8s %8s %8s %8s\n' records coll. seconds "records/s" "ack p50" \
        "ack p99" "srv MiB" "coll MiB" "srv s/M" "coll s/M" "pg s/M" "worker" "eval 1" "eval 2"
    printf '%s\n' "${rows[@]}"
    echo "(ack p50/p99 in ms at full load, per batch, from uprobes; MiB: peak resident (VmHWM) of the server and the"
    echo " largest collector; s/M: CPU seconds per million records of the server, the collectors, PostgreSQL (all"
    echo " its processes); worker: seconds of the warning worker's evaluation of the settled load; eval 1, 2: of"
    echo " the full evaluation (wdmon warnings evaluate) after it, first and again)"
    printf '  %s\n' "${evals[@]}"
    echo "(*: in some collector, batches sent and replies read did not pair up one to one: resends after timeouts)"
    echo "benchmark took $(awk -v a="$bench_started" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }') s"
    exit 0
fi

# --- The full run: rounds, interleaved ----------------------------------------------------------
# Each round loads the same records through every baseline, the naive peer
# and wdmon, one after another, so that what the machine does meanwhile
# weighs on all of them alike; a ratio is taken within a round, and the
# figures are the rounds' medians with their spread (min-max).
declare -A M=()   # M[name]="value of round 1, round 2, ..."
keep () { M[$1]="${M[$1]:-}${M[$1]:+ }$2"; }
median () {  # the middle value, or the mean of the middle two, with the values' own decimals
    printf '%s\n' $1 | { grep -v '^-$' || true; } | sort -g | awk '{ a[NR] = $1; p = index ($1, "."); d = p ? length ($1) - p : 0 }
        END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2];
              else printf "%.*f\n", d, (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
spread () { printf '%s\n' $1 | { grep -v '^-$' || true; } | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print (NR ? lo "-" hi : "-") }'; }

sample=$NAIVE_SAMPLE
[ "$sample" -gt "$N" ] && sample=$N
if [ $SKIP_BASELINE -eq 0 ]; then
    say "baseline: generating the same $N records as one CSV for psql"
    gen_data "$W/base-drop" "$C" "$N" 0 "$N" "$W/base.csv"
    rm -rf "$W/base-drop"
    mkdir -p "$W/chunks"
    split -l "$CHUNK" -a 5 -d "$W/base.csv" "$W/chunks/chunk."
    head -n "$sample" "$W/base.csv" >"$W/naive.csv"
    rm -f "$W/base.csv"
fi

# run_baseline KIND WHEN: one load of a baseline into a database of its
# own; sets secs and cpu (seconds, and PostgreSQL's CPU seconds).
run_baseline () {
    local kind=$1 got
    "$PSQL" "$(conn postgres)" -qX -c "CREATE DATABASE wdm_base_$kind TEMPLATE wdm_tpl" >/dev/null
    say "[round $round/$ROUNDS] baseline ($kind$2): $N records, $CHUNK per transaction"
    read -r secs cpu < <(baseline $kind wdm_base_$kind "$W/chunks")
    got=$(q wdm_base_$kind "SELECT count (*) FROM observation")
    [ "$got" -eq "$N" ] || wdm_die "baseline $kind stored $got of $N records"
    "$PSQL" "$(conn postgres)" -qX -c "DROP DATABASE wdm_base_$kind" >/dev/null
}
keep_baseline () {  # KIND SECONDS CPU_SECONDS
    keep "${1}_rate" "$(fdiv "$N" "$2" "%.0f")"
    keep "${1}_cpu" "$(fdiv "$3" "$(fdiv "$N" 1000000 %.6f)" %.1f)"
}

declare -A E
for ((round = 1; round <= ROUNDS; round++)); do
    if [ $SKIP_BASELINE -eq 0 ]; then
        for kind in current plain copy; do
            run_baseline $kind ""
            keep_baseline $kind "$secs" "$cpu"
        done
        say "[round $round/$ROUNDS] naive peer: $sample records, one INSERT per transaction"
        "$PSQL" "$(conn postgres)" -qX -c "CREATE DATABASE wdm_naive TEMPLATE wdm_tpl" >/dev/null
        keep naive_rate "$(fdiv "$sample" "$(naive wdm_naive "$W/naive.csv")" "%.0f")"
        "$PSQL" "$(conn postgres)" -qX -c "DROP DATABASE wdm_naive" >/dev/null
        # The baseline the target is set against runs just before wdmon and
        # again just after its run: the machine's speed drifts over
        # minutes, and the two together bracket wdmon's load.
        run_baseline replan ", before wdmon"
        before_secs=$secs before_cpu=$cpu
    fi
    [ $round -gt 1 ] && [ -n "${E[db]:-}" ] && "$PSQL" "$(conn postgres)" -qX -c "DROP DATABASE ${E[db]}" >/dev/null
    [ $round -gt 1 ] && [ $KEEP -eq 0 ] && rm -rf "${E[dir]}"
    run_e2e "r$round" "$N" "$C" "$PACED_SECONDS"
    E=()
    for k in "${!R[@]}"; do E[$k]=${R[$k]}; done
    if [ $SKIP_BASELINE -eq 0 ]; then
        run_baseline replan ", after wdmon"
        after_secs=$secs after_cpu=$cpu
        keep replan_before "$(fdiv "$N" "$before_secs" "%.0f")"
        keep replan_after "$(fdiv "$N" "$after_secs" "%.0f")"
        # Twice the records over both loads' time.
        keep_baseline replan "$(awk -v a="$before_secs" -v b="$after_secs" 'BEGIN { printf "%.3f", (a + b) / 2 }')" \
            "$(awk -v a="$before_cpu" -v b="$after_cpu" 'BEGIN { printf "%.2f", (a + b) / 2 }')"
    fi
    say "[round $round/$ROUNDS] full warning evaluation over the loaded database (after VACUUM ANALYZE; twice)"
    evaluate_loaded "${E[db]}"
    keep rate "${E[rate]}"
    if [ $SKIP_BASELINE -eq 0 ]; then
        r=$(awk -v m="${M[replan_rate]}" -v n="${M[naive_rate]}" -v c="${M[copy_rate]}" -v s="${M[current_rate]}" \
                -v e="${E[rate]}" -v k="$round" \
            'BEGIN { split (m, a, " "); split (n, b, " "); split (c, d, " "); split (s, f, " ");
                     printf "%.2f %.1f %.2f %.2f", e / a[k], e / b[k], e / d[k], e / f[k] }')
        read -r rb rn rc rs <<<"$r"
        keep ratio_base "$rb"; keep ratio_naive "$rn"; keep ratio_copy "$rc"; keep ratio_current "$rs"
    fi
    lf=(${E[lat_full]:-- - - 0 0})
    lp=(${E[lat_paced]:-- - - 0 0})
    keep lat_full_p50 "${lf[0]}"; keep lat_full_p99 "${lf[1]}"
    keep lat_paced_p50 "${lp[0]}"; keep lat_paced_p99 "${lp[1]}"; keep lat_paced_max "${lp[2]}"
    keep paced_commit_p99 "${E[paced_commit_p99]:--}"
    bc=(${E[bare_commit]:-- -})
    keep bare_p50 "${bc[0]}"; keep bare_p99 "${bc[1]}"
    keep ratio_bare "$(awk -v a="${lp[1]}" -v b="${bc[1]}" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.1f", a / b }')"
    keep ev1 "${ev1%%|*}"; keep ev2 "${ev2%%|*}"; keep ev0 "${E[worker_eval]%%|*}"
    keep rss_srv "$(fdiv "${E[rss_srv]}" 1024 %.1f)"; keep rss_col "$(fdiv "${E[rss_col]}" 1024 %.1f)"
    million=$(fdiv "$N" 1000000 %.6f)
    keep cpu_store "$(fdiv "${E[cpu_pg_store]}" "$million" %.1f)"
    keep cpu_pg "$(fdiv "${E[cpu_pg]}" "$million" %.1f)"
    keep cpu_srv "$(fdiv "${E[cpu_srv]}" "$million" %.1f)"
    E[ev1]=$ev1
    E[ev2]=$ev2
    if [ $STATEMENTS -eq 1 ]; then
        echo "round $round: the statements on wdmon's database during the full load, by total time (${E[seconds]} s):" >>"$W/statements.txt"
        sed 's/^/  /' "${E[dir]}/statements.txt" >>"$W/statements.txt"
    fi
done
E[revisions]=$(q "${E[db]}" "SELECT max (revision) || ' ' || round (avg (revision), 2) FROM observation WHERE unit_code LIKE 'bench\\_%'")
E[observations]=$(q "${E[db]}" "SELECT count (*) FROM observation")

# --- The report ---------------------------------------------------------------------------------
ok () { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { if (v == "-" || v == "") { print "n/a"; exit }
        v += 0; if ((op == ">=" && v >= t) || (op == "<=" && v <= t)) print "holds"; else print "MISSED" }'; }
row () {  # LABEL NAME [TARGET OP LIMIT]: the rounds, the median, the spread, the verdict on the median
    local label=$1 name=$2 values med
    values=${M[$name]:-}
    med=$(median "$values")
    printf '%-44s' "$label"
    for v in $values; do printf ' %9s' "$v"; done
    for ((k = $(wc -w <<<"$values"); k < ROUNDS; k++)); do printf ' %9s' -; done
    printf ' %9s %15s' "$med" "$(spread "$values")"
    [ $# -gt 2 ] && printf '   %-9s %s' "$3 $4" "$(ok "$med" "$4" "$3")"
    echo
}
read -r groups avg_group max_group avg_group_ms max_group_ms <<<"${E[groups]}"
echo
echo "wdmon ingest benchmark: tests/bench/ingest.sh -n $N -c $C --rounds $ROUNDS$([ "$FSYNC" = off ] && echo ' --fsync off')"
machine
echo "setup       PostgreSQL fsync=$FSYNC (the same cluster and settings for baseline, naive peer and wdmon);"
echo "            $C collectors (each its own unit and CURVE key), batch_size $BATCH_SIZE, max_in_flight $IN_FLIGHT, scan_ms $SCAN_MS,"
echo "            settle_ms $SETTLE_MS (the files are moved in whole, never copied in);"
echo "            server: max_group 8192 (default), warnings interval_ms $WARN_INTERVAL_MS; $N records in files of $FILE_RECORDS;"
[ ${#PG_SETS[@]} -eq 0 ] || echo "            PostgreSQL settings changed: ${PG_SETS[*]}"
echo "            $SERIES series ($INDICATORS indicators x $AREAS areas, F/M for by-sex ones) x 6 years; revision max/avg ${E[revisions]}"
echo "rounds      $ROUNDS, interleaved: each round runs every baseline, the naive peer ($sample records) and wdmon"
echo "            in turn, the baseline with the revision lookup just before wdmon and again after it (the round's"
echo "            figure is both loads together); ratios are taken within a round; verdicts are on the median"
echo
printf '%-44s' ""
for ((k = 1; k <= ROUNDS; k++)); do printf ' %9s' "round $k"; done
printf ' %9s %15s   %s\n' median "spread" "target"
if [ $SKIP_BASELINE -eq 0 ]; then
    row "baseline: INSERT with rev. lookup /s" replan_rate
    row "  its load just before wdmon's /s" replan_before
    row "  its load just after wdmon's run /s" replan_after
    row "  the server's INSERT of today /s" current_rate
    row "  plain INSERT, revision given /s" plain_rate
    row "  bare COPY into observation /s" copy_rate
    row "naive peer: one INSERT per transaction /s" naive_rate
fi
row "wdmon end to end ($C collectors, CURVE) /s" rate
if [ $SKIP_BASELINE -eq 0 ]; then
    row "ratio to the baseline (revision lookup)" ratio_base '>=' 0.9
    row "ratio to the naive peer" ratio_naive '>=' 20
    row "ratio to the bare COPY" ratio_copy
    row "ratio to the server's INSERT through psql" ratio_current
fi
row "ack latency p50, full load (ms)" lat_full_p50
row "ack latency p99, full load (ms)" lat_full_p99
row "ack latency p50, a tenth of the load (ms)" lat_paced_p50
row "ack latency p99, a tenth of the load (ms)" lat_paced_p99 '<=' 50
row "ack latency max, a tenth of the load (ms)" lat_paced_max
row "server commit p99, a tenth (ms, /metrics)" paced_commit_p99
row "bare one-row commit p50, same cluster (ms)" bare_p50
row "bare one-row commit p99, same cluster (ms)" bare_p99
row "ratio of the paced ack p99 to the bare p99" ratio_bare
row "the worker's evaluation of the settled load (s)" ev0 '<=' 5
row "full warning evaluation, first (s)" ev1 '<=' 5
row "full warning evaluation, again (s)" ev2 '<=' 5
row "peak RSS, server (MiB)" rss_srv '<=' 64
row "peak RSS, largest collector (MiB)" rss_col '<=' 16
row "CPU s per million records, server" cpu_srv
row "CPU s per million, PostgreSQL (all)" cpu_pg
row "CPU s per million, the store's connection" cpu_store
if [ $SKIP_BASELINE -eq 0 ]; then
    row "CPU s per million, PostgreSQL, baseline" replan_cpu
    row "  the server's INSERT through psql" current_cpu
fi
echo
echo "the last round in detail:"
echo "  groups (transactions): $groups, avg / max records $avg_group / $max_group (avg ${avg_group_ms} ms, max ${max_group_ms} ms in the database)"
echo "  the store's thread, mean ms per group: ${E[phases]:-?}"
echo "  a tenth of the load: ${E[paced_rate]:-?} records/s"
echo "  the worker, once the load had settled: ${E[worker_eval]#*|}"
echo "  first evaluation over ${E[observations]} observations: ${E[ev1]#*|}"
echo "  again:                                   ${E[ev2]#*|}"
echo "  wall time of the end-to-end run: ${E[seconds]} s on $(nproc) cores = $(awk -v s="${E[seconds]}" -v n="$(nproc)" 'BEGIN { printf "%.0f", s * n }') CPU s available;"
echo "  used: server ${E[cpu_srv]}, collectors ${E[cpu_col]}, PostgreSQL ${E[cpu_pg]} (store ${E[cpu_pg_store]}, warnings ${E[cpu_pg_warn]});"
echo "  the machine as a whole: ${E[cpu_all]} (the rest: the benchmark's polling, and any other work on the machine)"
if [ $have_probes -eq 1 ]; then
    echo "ack latency: per batch, from the collector's zmq_send of the batch to its zmq_msg_recv of the reply's header (uprobes);"
    [ "${lf[4]}" -eq 0 ] && [ "${lp[4]}" -eq 0 ] || echo "  note: in ${lf[4]}/${lp[4]} processes of the last round batches and replies did not pair up one to one (resends)"
else
    echo "ack latency: not measured (no perf uprobes); the server's commit time is shown instead"
fi
[ $STATEMENTS -eq 1 ] && { echo; cat "$W/statements.txt"; }
print_profile "${E[dir]}"
echo "benchmark took $(awk -v a="$bench_started" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }') s"
