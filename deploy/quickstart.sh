#!/usr/bin/env bash
# deploy/quickstart.sh: set up wdmon on this machine and show it.
#
# Installs what is missing, builds, starts a local PostgreSQL under ./var/
# (kept between runs; Unix socket only; no system service needed), applies
# the schema and the plan's catalog, creates a read-only analyst login, and
# prints how to connect.  Run it again at any time: it only does what is
# not done yet.
#
#   deploy/quickstart.sh          set up, start, show
#   deploy/quickstart.sh --stop   stop the local PostgreSQL
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib.sh

root=$PWD
pgdir=$root/var/pg
port=5432
conn="host=$pgdir/run port=$port user=postgres dbname=wdmon"

case "${1:-}" in
    --stop)
        wdm_pg_stop "$pgdir"
        echo "stopped the PostgreSQL in $pgdir"
        exit 0 ;;
    -h|--help)
        awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
        exit 0 ;;
    "") ;;
    *)  wdm_die "unknown argument '$1' (try --help)" ;;
esac

wdm_install_deps

wdm_say "building"
cmake -S . -B build >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null

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

wdm_say "applying the schema and the plan's catalog"
./build/server/wdmon --db "$conn" migrate

# A login for analysts, read-only through the wdmon_reader role.
psql "$conn" -qX -v ON_ERROR_STOP=1 <<'SQL'
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'analyst') THEN
        CREATE ROLE analyst LOGIN IN ROLE wdmon_reader;
    END IF;
END $$;
ALTER ROLE analyst SET search_path = wdmon;
SQL

wdm_say "the plan's catalog, by domain"
psql "$conn" -qX -P footer=off <<'SQL'
SELECT d.ordinal AS "#", d.name_zh AS "领域 domain",
       count(i.code) AS "指标 indicators",
       count(i.code) FILTER (WHERE i.target_value IS NOT NULL) AS "数值目标 numeric",
       count(i.code) FILTER (WHERE i.target_kind IN ('increase','decrease','curb_rise','narrow_gap'))
           AS "方向目标 direction"
  FROM wdmon.domain d LEFT JOIN wdmon.indicator i ON i.domain_code = d.code
 GROUP BY d.ordinal, d.name_zh ORDER BY d.ordinal;
SQL

cat <<TXT

wdmon's database is ready.

  Connect as administrator:   psql "$conn"
  Connect as analyst (read):  psql "host=$pgdir/run port=$port user=analyst dbname=wdmon"

  The whole catalog:          SELECT * FROM wdmon.catalog;
  Numeric targets:            SELECT code, name_zh, target_kind, target_value, unit
                                FROM wdmon.catalog WHERE target_value IS NOT NULL;

  Stop PostgreSQL:            deploy/quickstart.sh --stop
  The operator's command:     build/server/wdmon --help
TXT
