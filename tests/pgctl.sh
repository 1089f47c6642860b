#!/usr/bin/env bash
# tests/pgctl.sh stop|start: stop (immediately, as a crash would) or start
# again the throwaway PostgreSQL that tests/run.sh started, for the tests
# that check what happens while the database is away.
set -euo pipefail
. "$(dirname "$0")/../deploy/lib.sh"
: "${WDM_TEST_PG_DIR:?not set: run tests/run.sh}"
case "${1:-}" in
    stop)  wdm_as_pg "$(wdm_pg_bindir)/pg_ctl" -D "$WDM_TEST_PG_DIR/data" -m immediate -w stop >/dev/null ;;
    start) WDM_PG_FSYNC=off wdm_pg_start "$WDM_TEST_PG_DIR" "${WDM_TEST_PG_PORT:-5432}" ;;
    *)     echo "usage: $0 stop|start" >&2; exit 2 ;;
esac
