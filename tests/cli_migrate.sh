#!/usr/bin/env bash
# cli_migrate: `wdmon migrate` as an operator runs it, against a fresh
# database in the test cluster: it applies every migration, a second run
# applies none, --list shows each applied, and bad input gets exit code 2
# or 1 with a message that names the problem.
set -u
. "$(dirname "$0")/lib.sh"
wdmon=$1
wdm_test_need_pg

wdm_test_db wdm_test_migrate_cli
count=$(ls "$(dirname "$0")"/../sql/[0-9][0-9][0-9]_*.sql | wc -l)

out=$("$wdmon" --db "$conn" migrate --list 2>&1); rc=$?
check "--list on an empty database shows all pending" 0 $rc "$out" "^001  001_schema.sql +pending"

out=$("$wdmon" --db "$conn" migrate 2>&1); rc=$?
check "first run applies every migration" 0 $rc "$out" "^$count migrations applied"
check "each applied migration is logged" 0 $rc "$out" "info  wdmon: migrate: applied 001_schema.sql"

out=$(WDMON_DB="$conn" "$wdmon" migrate 2>&1); rc=$?
check "second run (database from WDMON_DB) applies none" 0 $rc "$out" "^0 migrations applied"

out=$("$wdmon" --db "$conn" migrate --list 2>&1); rc=$?
check "--list shows every migration applied" 0 $rc "$out" "^00[1-9]  .* applied [0-9-]+ [0-9:]+ UTC"
if grep -q pending <<<"$out"; then
    echo "FAIL: --list still shows a pending migration"; failures=$((failures + 1))
fi

n=$(psql "$conn" -qXAt -c "SELECT count(*) FROM wdmon.catalog")
expect "the migrations hold no plan: the catalog is empty" "$n" "0"
"$wdmon" --db "$conn" -l warn plan import "$wdm_test_plan_file" --current >/dev/null
n=$(psql "$conn" -qXAt -c "SELECT count(*) FROM wdmon.catalog")
if [ "${n:-0}" -ge 30 ]; then echo "ok: after the plan file, the catalog view lists $n indicators"
else echo "FAIL: the catalog view lists '${n}' indicators"; failures=$((failures + 1)); fi

conf=$(mktemp)
printf '[database]\nconninfo = %s\nconn_info = typo\n' "$conn" >"$conf"
out=$("$wdmon" --config "$conf" migrate 2>&1); rc=$?
check "a misspelt config key is named with its line" 2 $rc "$out" "$conf:3: database.conn_info: unknown option"
printf '[database]\nconninfo = %s\n[log]\nlevel = warn\n' "$conn" >"$conf"
out=$("$wdmon" --config "$conf" migrate 2>&1); rc=$?
check "a valid config file is used" 0 $rc "$out" "^0 migrations applied"
rm -f "$conf"

out=$("$wdmon" --db "$conn" --log-level loud migrate 2>&1); rc=$?
check "a bad log level is refused" 2 $rc "$out" "log.level: 'loud' is not"
out=$("$wdmon" --db "$conn" migrat 2>&1); rc=$?
check "an unknown command is refused" 2 $rc "$out" "unknown command 'migrat'"
out=$("$wdmon" --db "$conn" migrate extra 2>&1); rc=$?
check "a stray argument is refused" 2 $rc "$out" "unexpected argument 'extra'"
out=$("$wdmon" --db "host=/nonexistent port=1 dbname=x connect_timeout=2" migrate 2>&1); rc=$?
check "an unreachable database fails with the reason" 1 $rc "$out" "database: cannot connect: "
out=$("$wdmon" --help 2>&1); rc=$?
check "--help lists the commands and exit codes" 0 $rc "$out" "Exit codes: 0 success"
out=$("$wdmon" migrate --help 2>&1); rc=$?
check "migrate --help explains the command" 0 $rc "$out" "Safe to run again"

wdm_test_drop_db
wdm_test_end cli_migrate
