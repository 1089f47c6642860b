#!/usr/bin/env bash
# tests/valgrind.sh BUILD_TESTS_DIR: run the unit suites (those that need no
# database) under valgrind's memcheck: any error or leak (definite, indirect or
# possible) fails.
# In a sanitizer build valgrind cannot run: reported as skipped (77).
set -u
dir=$1
if nm -C "$dir/test_utf8" 2>/dev/null | grep -q __asan_init; then
    echo "sanitizer build: valgrind does not apply"; exit 77
fi
command -v valgrind >/dev/null || { echo "valgrind is not installed"; exit 1; }
failures=0
for suite in test_utf8 test_catalog test_crc32 test_buf test_actor test_record test_config test_proto test_proto_zmq test_source test_rules_targets test_rules_changes test_rules_reports test_outbox test_outbox_damage; do
    log=$(mktemp)
    if valgrind --quiet --child-silent-after-fork=yes --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
            "$dir/$suite" >"$log" 2>&1; then
        echo "ok: $suite: no memory errors, no leaks"
    else
        echo "FAIL: $suite under valgrind"; tail -n 30 "$log"; failures=$((failures + 1))
    fi
    rm -f "$log"
done
echo "valgrind: $failures failed"
[ $failures -eq 0 ]
