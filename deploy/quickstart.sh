#!/usr/bin/env bash
# deploy/quickstart.sh: set up wdmon on this machine and show the whole
# system working, with demo data.
#
# Installs what is missing, builds, starts a local PostgreSQL under ./var/
# (kept between runs; Unix socket only; no system service needed), applies
# the schema, imports two plans and the demo's site, creates a read-only
# analyst login, then: makes the server's key pair, registers the demo
# member units (one collector bundle each under var/units/), starts
# wdmon-server and one wdmon-collector per unit in the background, hands
# each collector its unit's demo data for 2020-2025 (invented figures, see
# deploy/demo/), waits until all of it is stored, evaluates the warnings,
# writes the 2025 monitoring report (var/report-2025.html) and the 2021-2025
# plan's final evaluation (var/final-2021-2025.html), starts the web console
# wdmon-web with one demo account of each role, and prints a summary.
# Leaves everything running.
#
# The demo stands in spring 2026: the 2021-2025 plan has ended and its
# member units have sent their 2025 figures.  Deadlines are judged as of a
# fixed date, 2026-04-15 (the server's [warnings] today and `warnings
# evaluate --today`), so the demo's missing and late reports come out the
# same whenever you run it.  Evaluating by hand, give the same --today:
# without it the real date is used.
#
# Two plans (docs/PLANS.md): deploy/plans/wuqing-women-2021-2025.yaml, the
# real plan, and deploy/plans/example-women-2026-2030.yaml, an EXAMPLE of
# the next one (示例: its targets are invented; the real 2026-2030 plan is
# not in this repository) that shares eight statistics with the first and
# takes their baselines from the stored 2025 values.  The 2021-2025 plan
# stays the current one (what commands use without --plan): the office's
# work this year is its final evaluation, its units are still delivering
# its last year's figures (the collectors' catalog is the current plan's),
# and the next plan is made current (`wdmon plan use`) once it is issued
# and loaded (docs/OPERATIONS.md, section 14).  The example plan is reached
# with --plan example-women-2026-2030.
#
# Run it again at any time: it reuses the keys, bundles and database,
# starts what is not running, and sends the demo data only once (the
# marker is var/units/UNIT/demo-data-sent).
#
#   deploy/quickstart.sh          set up, start, load the demo data, show
#   deploy/quickstart.sh --stop   stop the console, the collectors, the server
#                                 and PostgreSQL
#   deploy/quickstart.sh --reset  stop everything, then delete var/: the
#                                 database, keys, bundles, outboxes and logs
#
# The console's accounts (administrator, operator, viewer and a unit user of
# health_commission) get passwords made here on the first run, written to
# var/console-accounts.txt (mode 0600) and printed in the summary; never
# kept in the repository.
#
# Environment: WDM_QS_PORT (server port, 7300), WDM_QS_METRICS_PORT (9300),
# WDM_QS_WEB_PORT (the console, on 127.0.0.1, 8300), WDM_QS_TIMEOUT (seconds to wait for the data to arrive, 180); for tests:
# WDM_QS_VAR (the state directory, ./var), WDM_QS_BUILD (the build
# directory, ./build) and WDM_QS_SETUP=0 (neither install nor build: use
# the programs already in WDM_QS_BUILD).
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib.sh

root=$PWD
var=${WDM_QS_VAR:-$root/var}
build=${WDM_QS_BUILD:-$root/build}
setup=${WDM_QS_SETUP:-1}
pgdir=$var/pg
port=5432
conn="host=$pgdir/run port=$port user=postgres dbname=wdmon"
server_conn="host=$pgdir/run port=$port user=wdmon_server dbname=wdmon"
analyst_conn="host=$pgdir/run port=$port user=analyst dbname=wdmon"
server_port=${WDM_QS_PORT:-7300}
metrics_port=${WDM_QS_METRICS_PORT:-9300}
endpoint=tcp://127.0.0.1:$server_port
web_port=${WDM_QS_WEB_PORT:-8300}
today=2026-04-15
plan=wuqing-women-2021-2025
next_plan=example-women-2026-2030
timeout=${WDM_QS_TIMEOUT:-180}
demo=$root/deploy/demo/data
wdmon=$build/server/wdmon
server_bin=$build/server/wdmon-server
collector_bin=$build/client/wdmon-collector
server_conf=$var/wdmon-server.conf
web_bin=$build/server/wdmon-web
web_conf=$var/wdmon-web.conf
web_conn="host=$pgdir/run port=$port user=wdmon_web dbname=wdmon"

# The demo's member units: one directory of data files each.
units=()
for dir in "$demo"/*/; do units+=("$(basename "$dir")"); done

# --- Background processes: pid files in var/run, logs in var/log -------------

. deploy/qs_daemons.sh

stop_all () {
    local unit
    qs_stop web "$web_conf"
    for unit in "${units[@]}"; do
        qs_stop "collector-$unit" "$var/units/$unit/collector.conf"
    done
    qs_stop server "$server_conf"
    if [ -f "$pgdir/data/PG_VERSION" ]; then
        wdm_pg_stop "$pgdir"
        echo "stopped the PostgreSQL in $pgdir"
    fi
}

case "${1:-}" in
    --stop)
        stop_all
        exit 0 ;;
    --reset)
        stop_all
        rm -rf "$var"
        echo "removed $var (database, keys, bundles, outboxes, logs, report)"
        exit 0 ;;
    -h|--help)
        awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
        exit 0 ;;
    "") ;;
    *)  wdm_die "unknown argument '$1' (try --help)" ;;
esac

started=$(date +%s)
if [ "$setup" != 0 ]; then
    WDM_PACKAGES+=(curl)            # for looking at /metrics afterwards
    wdm_install_deps

    wdm_say "building"
    cmake -S . -B "$build" >/dev/null
    cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
fi
for program in "$wdmon" "$server_bin" "$collector_bin" "$web_bin"; do
    [ -x "$program" ] || wdm_die "$program is missing: build first, or run without WDM_QS_SETUP=0"
done

if [ ! -f "$pgdir/data/PG_VERSION" ]; then
    wdm_say "creating a PostgreSQL cluster in $pgdir"
    wdm_pg_init "$pgdir"
fi
if ! wdm_pg_running "$pgdir"; then
    wdm_say "starting PostgreSQL (socket in $pgdir/run)"
    wdm_pg_start "$pgdir" "$port"
fi

admin="host=$pgdir/run port=$port user=postgres dbname=postgres"
if [ "$(psql "$admin" -qXAt -c "SELECT 1 FROM pg_database WHERE datname = 'wdmon'")" != 1 ]; then
    psql "$admin" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE wdmon ENCODING 'UTF8' TEMPLATE template0"
fi

wdm_say "applying the schema"
"$wdmon" --db "$conn" migrate
# The 2021-2025 plan: its domains, statistics and targets, from its file
# (docs/PLANS.md); made the current plan.  Another plan is one more import:
# the example of the next plan, which shares statistics with it (not made
# current: see the head of this script).
wdm_say "importing the plan: deploy/plans/$plan.yaml (current)"
"$wdmon" --db "$conn" -l warn plan import "deploy/plans/$plan.yaml" --current | tail -n 1
wdm_say "importing the example of the next plan (示例, invented targets): deploy/plans/$next_plan.yaml"
"$wdmon" --db "$conn" -l warn plan import "deploy/plans/$next_plan.yaml" | tail -n 1
# The demo's areas, member units and who reports what: a real site edits
# its own copy of this file first (docs/OPERATIONS.md).
wdm_say "importing the site: deploy/site/wuqing.yaml"
"$wdmon" --db "$conn" -l warn site import deploy/site/wuqing.yaml | tail -n 1

# Logins: analysts read through wdmon_reader; the server writes through
# wdmon_writer, which may add observations and warnings but never change or
# delete one, nor the catalog.
psql "$conn" -qX -v ON_ERROR_STOP=1 <<'SQL'
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'analyst') THEN
        CREATE ROLE analyst LOGIN IN ROLE wdmon_reader;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wdmon_server') THEN
        CREATE ROLE wdmon_server LOGIN IN ROLE wdmon_writer;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wdmon_web') THEN
        CREATE ROLE wdmon_web LOGIN IN ROLE wdmon_console;
    END IF;
END $$;
ALTER ROLE analyst SET search_path = wdmon;
SQL

# --- The server ----------------------------------------------------------------

mkdir -p "$var/keys" "$var/units" "$var/log" "$var/run"
if [ ! -f "$var/keys/server.key" ]; then
    wdm_say "making the server's key pair in var/keys"
    "$wdmon" server-key "$var/keys" >/dev/null
fi

# The operator's command reads its connection from here: wdmon -c var/wdmon.conf ...
cat >"$var/wdmon.conf" <<CONF
; var/wdmon.conf: written by deploy/quickstart.sh on every run.
; Use with: build/server/wdmon -c var/wdmon.conf COMMAND
[database]
conninfo = $conn
[log]
level = warn
CONF

cat >"$server_conf.new" <<CONF
; var/wdmon-server.conf: written by deploy/quickstart.sh on every run (edits
; are lost).  See deploy/wdmon-server.conf.sample for every option.
[server]
endpoint = $endpoint
secret_key_file = $var/keys/server.key
[database]
conninfo = $server_conn
[warnings]
; Deadlines are judged as of this date, not the real one, so that the
; demo's missing and late reports are the same on every run.  Empty it
; (and restart the server) to use the real date.
today = $today
[metrics]
address = 127.0.0.1
port = $metrics_port
[log]
level = info
CONF

qs_daemon server "wdmon-server on $endpoint" "$server_conf" \
    "$server_port:WDM_QS_PORT $metrics_port:WDM_QS_METRICS_PORT" "$metrics_port" /metrics '^wdmon_up_seconds' \
    "$server_bin" -c "$server_conf"

# --- The member units and their collectors ---------------------------------------

# registered UNIT: the bundle's key is an active key of the unit in this database
# (not so if the database was made anew after the bundle).
registered () {
    local key n
    key=$(cat "$var/units/$1/unit.pub" 2>/dev/null) || return 1
    n=$(psql "$conn" -qXAt -v key="$key" -v unit="$1" <<<"SELECT count(*) FROM wdmon.unit_key
          WHERE public_key = :'key' AND unit_code = :'unit' AND state = 'active'")
    [ "$n" = 1 ]
}

started_now=()
for unit in "${units[@]}"; do
    bundle=$var/units/$unit
    if [ -f "$bundle/collector.conf" ] && ! registered "$unit"; then
        wdm_say "$unit: its bundle's key is not an active key in this database (revoked, or a new database); making a new bundle"
        qs_stop "collector-$unit" "$bundle/collector.conf" >/dev/null
        rm -rf "$bundle"
    fi
    if [ ! -f "$bundle/collector.conf" ]; then
        rm -rf "$bundle"
        "$wdmon" --db "$conn" -l warn unit add "$unit" --bundle "$bundle" \
            --server-key "$var/keys/server.pub" --endpoint "$endpoint" >/dev/null
        echo "registered $unit: its bundle is var/units/$unit"
    fi
    # The server's port may have changed since the bundle was made.
    if ! grep -qxF "endpoint = $endpoint" "$bundle/collector.conf"; then
        sed -i "s|^endpoint = .*|endpoint = $endpoint|" "$bundle/collector.conf"
        qs_stop "collector-$unit" "$bundle/collector.conf" >/dev/null
    fi
    if ! qs_pid "collector-$unit" "$bundle/collector.conf" >/dev/null; then
        qs_start "collector-$unit" "$var/log/collector-$unit.log" \
            "$collector_bin" -c "$bundle/collector.conf" run
        started_now+=("$unit")
    fi
done
if [ ${#started_now[@]} -eq ${#units[@]} ]; then
    wdm_say "started ${#units[@]} collectors, one per unit (logs: var/log/collector-UNIT.log)"
elif [ ${#started_now[@]} -gt 0 ]; then
    wdm_say "started the collectors of ${started_now[*]}; the other $(( ${#units[@]} - ${#started_now[@]} )) were running"
else
    wdm_say "all ${#units[@]} collectors are running"
fi

# --- The demo data, once ----------------------------------------------------------

dropped=0
for unit in "${units[@]}"; do
    bundle=$var/units/$unit
    [ -f "$bundle/demo-data-sent" ] && continue
    # A new bundle for a unit whose data is already stored (its old key was
    # revoked): the data is not sent again, which would make new revisions.
    if [ "$(psql "$conn" -qXAt -v unit="$unit" <<<"SELECT count(*) FROM wdmon.observation WHERE unit_code = :'unit'")" != 0 ]; then
        date -u +%FT%TZ >"$bundle/demo-data-sent"
        continue
    fi
    mkdir -p "$bundle/inbox"
    # A unit whose ENCODING file says GB18030 gets its files as Excel on
    # Chinese Windows saves them: GB18030, CRLF line ends.
    encoding=$(cat "$demo/$unit/ENCODING" 2>/dev/null || echo UTF-8)
    eol=
    if [ "$encoding" != UTF-8 ]; then eol=$'\r'; fi
    for file in "$demo/$unit"/*.csv; do
        name=$(basename "$file")
        # Written under a hidden name, then renamed: the collector never
        # reads half a file.  In file name order, so a correction follows.
        sed "s/\$/$eol/" "$file" | iconv -f UTF-8 -t "$encoding" >"$bundle/inbox/.$name.tmp"
        mv "$bundle/inbox/.$name.tmp" "$bundle/inbox/$name"
        dropped=$((dropped + 1))
    done
    date -u +%FT%TZ >"$bundle/demo-data-sent"
done
if [ $dropped -gt 0 ]; then
    wdm_say "dropped $dropped demo data files (2020-2025) into the units' inboxes"
else
    wdm_say "the demo data was sent on an earlier run (markers: var/units/*/demo-data-sent)"
fi

# drained UNIT: no file left in the inbox and nothing queued in the outbox.
drained () {
    local bundle=$var/units/$1 left
    left=$(find "$bundle/inbox" -maxdepth 1 -type f -name '[!.]*' | head -n 1)
    [ -z "$left" ] && "$collector_bin" -c "$bundle/collector.conf" status 2>/dev/null | grep -q '^queued     0 '
}

wdm_say "waiting for the collectors to deliver everything (at most $timeout s)"
deadline=$(( $(date +%s) + timeout ))
while :; do
    pending=()
    for unit in "${units[@]}"; do drained "$unit" || pending+=("$unit"); done
    [ ${#pending[@]} -eq 0 ] && break
    if [ "$(date +%s)" -ge "$deadline" ]; then
        for unit in "${pending[@]}"; do
            echo "--- $unit: wdmon-collector status, then the end of var/log/collector-$unit.log" >&2
            "$collector_bin" -c "$var/units/$unit/collector.conf" status >&2 || true
            tail -n 5 "$var/log/collector-$unit.log" >&2 || true
        done
        echo "--- the end of var/log/server.log" >&2
        tail -n 10 "$var/log/server.log" >&2 || true
        wdm_die "after $timeout s these collectors still hold undelivered records: ${pending[*]} (is wdmon-server running? see the logs above)"
    fi
    sleep 0.5
done

# Anything refused or unreadable is worth saying: the demo data should be clean.
for unit in "${units[@]}"; do
    bundle=$var/units/$unit
    if [ -s "$bundle/rejected.jsonl" ]; then
        echo "warning: the centre refused $(wc -l <"$bundle/rejected.jsonl") of $unit's records: see var/units/$unit/rejected.jsonl" >&2
    fi
    for errors in "$bundle"/inbox/failed/*.errors.txt; do
        [ -e "$errors" ] && echo "warning: $unit: bad lines in ${errors#"$root"/}" >&2
    done
done

wdm_say "evaluating every warning rule as of $today"
"$wdmon" -c "$var/wdmon.conf" warnings evaluate --today "$today" | sed 's/^/    /'

wdm_say "writing the 2025 monitoring report"
report_ok=1
"$wdmon" -c "$var/wdmon.conf" report --plan "$plan" --year 2025 --format html -o "$var/report-2025.html" 2>&1 \
    | sed 's/^/    /' || report_ok=0

# The plan ended with 2025: its final evaluation (终期评估), the office's
# work this year.
wdm_say "writing the final evaluation of $plan"
final_ok=1
"$wdmon" -c "$var/wdmon.conf" report --plan "$plan" --final --format html -o "$var/final-2021-2025.html" 2>&1 \
    | sed 's/^/    /' || final_ok=0

# --- The console ------------------------------------------------------------------

# The demo's accounts, one of each role: LOGIN ROLE NAME [UNIT].  Their
# passwords are made on the first run and kept in var/console-accounts.txt
# (mode 0600); an account the database lacks (a new database) is made
# again, one whose password is not in the file gets a new one (a disabled
# account stays disabled).
accounts_file=$var/console-accounts.txt
accounts=("admin administrator 管理员" "operator operator 王芳" "leader viewer 区领导"
          "hc unit 区卫健委 health_commission")
declare -A password=()
if [ -f "$accounts_file" ]; then
    while read -r login _ pw _; do
        [[ $login == \#* || -z $login ]] || password[$login]=$pw
    done <"$accounts_file"
fi
have=$(psql "$conn" -qXAt -c "SELECT login FROM wdmon.console_user")
made=0
for account in "${accounts[@]}"; do
    read -r login role name unit <<<"$account"
    grep -qxF "$login" <<<"$have" && [ -n "${password[$login]:-}" ] && continue
    password[$login]=$(head -c 12 /dev/urandom | base64 | tr '+/' 'xy')
    if grep -qxF "$login" <<<"$have"; then
        "$wdmon" --db "$conn" -l warn user passwd "$login" --password-file - <<<"${password[$login]}" >/dev/null
    else
        "$wdmon" --db "$conn" -l warn user add "$login" --role "$role" --name "$name" \
            ${unit:+--unit "$unit"} --password-file - <<<"${password[$login]}" >/dev/null
    fi
    made=$((made + 1))
done
if [ $made -gt 0 ] || [ ! -f "$accounts_file" ]; then
    (
        umask 077
        {
            echo "# wdmon-web demo accounts, made by deploy/quickstart.sh: LOGIN ROLE PASSWORD UNIT"
            echo "# console: http://127.0.0.1:$web_port/   (keep this file private: mode 0600)"
            for account in "${accounts[@]}"; do
                read -r login role name unit <<<"$account"
                printf '%-9s %-14s %s %s\n' "$login" "$role" "${password[$login]}" "${unit:--}"
            done
        } >"$accounts_file.new"
        mv "$accounts_file.new" "$accounts_file"
    )
    wdm_say "made $made console accounts (passwords in var/console-accounts.txt)"
fi
chmod 600 "$accounts_file"

cat >"$web_conf.new" <<CONF
; var/wdmon-web.conf: written by deploy/quickstart.sh on every run (edits
; are lost).  See deploy/wdmon-web.conf.sample for every option.
[web]
address = 127.0.0.1
port = $web_port
conninfo = $web_conn
[log]
level = info
CONF
qs_daemon web "the console wdmon-web on http://127.0.0.1:$web_port/" "$web_conf" \
    "$web_port:WDM_QS_WEB_PORT" "$web_port" /login '^HTTP/1.[01] 200' \
    "$web_bin" -c "$web_conf"

# --- Summary ------------------------------------------------------------------

echo
echo "wdmon is running, with demo data (演示数据: invented figures, not official statistics)"
echo "from ${#units[@]} member units, 2020-2025, deadlines judged as of $today."
echo
echo "  Plans (规划):"
echo "    $plan       天津市武清区妇女发展“十四五”规划 — ended; current (当前规划)"
echo "    $next_plan      示例 EXAMPLE of the next plan: invented targets, not the real one"
echo
if [ $final_ok -eq 1 ]; then
    echo "  The final evaluation of 2021-2025 (终期评估):  var/final-2021-2025.html   (file://$var/final-2021-2025.html)"
else
    echo "  The final evaluation could not be written (see the message above)."
fi
if [ $report_ok -eq 1 ]; then
    echo "  The 2025 report (年度监测报告):                var/report-2025.html   (file://$var/report-2025.html)"
else
    echo "  The 2025 report could not be written (see the message above)."
fi
echo "  The example plan: deploy/plans/$next_plan.yaml (baselines from the stored 2025 values)"
echo
echo "  The console (网页控制台): http://127.0.0.1:$web_port/   accounts (var/console-accounts.txt, mode 0600):"
for account in "${accounts[@]}"; do
    read -r login role name unit <<<"$account"
    printf '    %-9s %-14s password %s%s\n' "$login" "$role" "${password[$login]}" "${unit:+   (unit $unit)}"
done
echo
echo "  Open warnings (预警) of $plan, target at risk apart from data missing or to check:"
psql "$analyst_conn" -qX -P footer=off -v plan="$plan" <<'SQL' | sed 's/^/    /'
SELECT CASE WHEN rule_code = 'missing' THEN '数据缺失 data missing'
            WHEN rule_code IN ('implausible', 'fluctuating') THEN '数据待核实 data to check'
            ELSE '目标有风险 target at risk' END AS "类别 kind",
       level AS "级别 level", rule_code AS "规则 rule", rule_zh AS "名称", count(*) AS "数量 count"
  FROM open_warnings WHERE plan_code = :'plan' GROUP BY 1, level, rule_code, rule_zh
 ORDER BY 1 DESC, level DESC, count(*) DESC, rule_code;
SQL
in_list=$(printf "'%s'," "${units[@]}")
psql "$analyst_conn" -qXAt -v units="${in_list%,}" -v plan="$plan" -v plan2="$next_plan" <<'SQL' | sed 's/^/  /'
SELECT format('(%s of the %s missing reports are owed by member units that have no collector in this demo.)',
              count(*) FILTER (WHERE unit_code NOT IN (:units)), count(*))
  FROM open_warnings WHERE rule_code = 'missing' AND plan_code = :'plan' HAVING count(*) > 0;
SELECT format('(The example plan %s has %s open warnings.)', :'plan2', count(*))
  FROM open_warnings WHERE plan_code = :'plan2';
SQL
cat <<TXT

  Look further:
    psql "$analyst_conn"        (read-only; docs/SQL.md)
    build/server/wdmon -c var/wdmon.conf warnings --open --level red
    build/server/wdmon -c var/wdmon.conf status
    build/server/wdmon -c var/wdmon.conf completeness --year 2025
    build/server/wdmon -c var/wdmon.conf plan list
    build/server/wdmon -c var/wdmon.conf report --plan $plan --final -o final.md --format md
    build/server/wdmon -c var/wdmon.conf plan show $next_plan
    build/server/wdmon -c var/wdmon.conf report --plan $next_plan --year 2026 -o next.html
    build/server/wdmon -c var/wdmon.conf warnings --open --plan $next_plan
    curl http://127.0.0.1:$metrics_port/metrics
    build/client/wdmon-collector -c var/units/health_commission/collector.conf status

  Logs: var/log/server.log, var/log/web.log, var/log/collector-UNIT.log.  Bundles: var/units/UNIT/.
  Send more: put a CSV into var/units/UNIT/inbox/ (docs/OPERATIONS.md).

  Stop everything:    deploy/quickstart.sh --stop     (again: deploy/quickstart.sh)
  Start from scratch: deploy/quickstart.sh --reset    (deletes var/)

  Done in $(( $(date +%s) - started )) s.
TXT
