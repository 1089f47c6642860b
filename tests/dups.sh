#!/usr/bin/env bash
# dups: no two places in product code (common/ client/ server/ sql/ deploy/)
# repeat themselves unless the pair is boilerplate the `duplicates` tool
# marks as such, or is declared in docs/ARCHITECTURE.md, section "Declared
# boilerplate", with why it stays (issue 13).  A pair is declared by a row
# of that section naming both its files (a pair within one file: the file)
# and, in its second column, how many runs of shared lines it may have
# ("any" for rows of data): a new run in a declared pair fails too.
# A pair with docs/schema.sql on one side is left out: that file is
# generated (tests/schema_snapshot.sh writes it from a migrated database,
# so that the schema can be read in one place), and every function, view
# and table in it stands again, by construction, in the migration that
# made it; it is not a repeat anyone wrote.
# Without the `duplicates` command the test reports skipped (77).
# Usage: dups.sh SOURCE_DIR
set -u
src=$1
command -v duplicates >/dev/null || { echo "duplicates is not installed: skipped"; exit 77; }
cd "$src" || exit 2
doc=docs/ARCHITECTURE.md
declared=$(awk '/^## .*Declared boilerplate/ { on = 1; next } /^## / { on = 0 } on' "$doc")
[ -n "$declared" ] || { echo "FAIL: $doc has no section \"Declared boilerplate\""; exit 1; }

listing=$(duplicates --most 200 --seconds 300)
if grep -q '^incomplete:' <<<"$listing"; then
    echo "FAIL: duplicates did not read the whole tree:"
    grep '^incomplete:' <<<"$listing"
    exit 1
fi
product='^(common|client|server|sql|deploy)/'
generated=docs/schema.sql
bad=0
# A row: D7 a.c:10-24 ~ b.c:40-54 [shape] [boilerplate] [(+N more runs)]
while read -r id left _ right rest; do
    a=${left%%:*}
    b=${right%%:*}
    [[ $a =~ $product || $b =~ $product ]] || continue
    [[ $a == "$generated" || $b == "$generated" ]] && continue
    [[ $rest == *boilerplate* ]] && continue
    row=$(grep -F -- "\`$a\`" <<<"$declared" | grep -F -- "\`$b\`" | head -n 1)
    if [ -z "$row" ]; then
        echo "not declared: $id $left ~ $right $rest"
        bad=1
        continue
    fi
    # The runs the pair shares: the row's own and its "+N more runs".
    runs=1
    [[ $rest =~ \(\+([0-9]+)\ more\ run ]] && runs=$((1 + BASH_REMATCH[1]))
    allowed=$(awk -F'|' '{ gsub (/ /, "", $3); print $3 }' <<<"$row")
    if [ "$allowed" != any ] && ! [ "$runs" -le "${allowed:-0}" ] 2>/dev/null; then
        echo "more runs than declared ($runs, declared $allowed): $id $left ~ $right $rest"
        bad=1
    fi
done < <(grep -E '^D[0-9]+ ' <<<"$listing")
if [ "$bad" -ne 0 ]; then
    echo "FAIL: make each pair above one function, or declare it (and its runs) in $doc (\"Declared boilerplate\")"
    exit 1
fi
echo "ok: $(head -n 1 <<<"$listing")"
echo "ok: every product pair that is not boilerplate is declared in $doc"
