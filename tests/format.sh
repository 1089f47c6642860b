#!/usr/bin/env bash
# format: every C source and header matches .clang-format (clang-format 14,
# Debian's).  Reformat with:
#   clang-format -i $(git ls-files '*.c' '*.h')
# Usage: format.sh SOURCE_DIR
set -u
src=$1
command -v clang-format >/dev/null || { echo "clang-format is not installed: run tests/run.sh"; exit 77; }
cd "$src" || exit 2
files=$(find common client server tests -name '*.[ch]' | sort)
bad=$(for f in $files; do clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f"; done)
if [ -n "$bad" ]; then
    echo "FAIL: not formatted as .clang-format says (clang-format -i FILE):"
    echo "$bad" | sed 's/^/    /'
    clang-format --dry-run "$(echo "$bad" | head -n 1)" 2>&1 | head -n 20
    exit 1
fi
echo "ok: $(echo "$files" | wc -l) files formatted"
