#!/usr/bin/env bash
# tests/run.sh: install what is missing, build, start a throwaway
# PostgreSQL, and run every test through ctest — once in a build with
# AddressSanitizer and UndefinedBehaviorSanitizer, once in the normal
# build.  Exits non-zero if anything fails.  .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib.sh

jobs=$(nproc 2>/dev/null || echo 2)
wdm_install_deps "${WDM_PACKAGES[@]}" "${WDM_TEST_PACKAGES[@]}"

wdm_say "building (warnings are errors)"
cmake -S . -B build -DWDM_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
wdm_say "building with AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DWDM_WERROR=ON -DWDM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j "$jobs"

pgdir=$(mktemp -d /tmp/wdmon-test-pg.XXXXXX)
chmod 755 "$pgdir"
cleanup () { wdm_pg_stop "$pgdir" || true; rm -rf "$pgdir"; }
trap cleanup EXIT
wdm_say "starting a throwaway PostgreSQL in $pgdir"
wdm_pg_init "$pgdir"
WDM_PG_FSYNC=off wdm_pg_start "$pgdir" 5432
export WDM_TEST_PGURI="host=$pgdir/run port=5432 user=postgres dbname=postgres"
export WDM_TEST_PG_DIR="$pgdir" WDM_TEST_PG_PORT=5432

wdm_say "tests, sanitizer build"
ctest --test-dir build-asan --output-on-failure -j "$jobs"
wdm_say "tests"
ctest --test-dir build --output-on-failure -j "$jobs"
