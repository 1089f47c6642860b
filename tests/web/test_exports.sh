#!/usr/bin/env bash
# test_exports: what leaves the console and the CLI as a file (issue 15) —
# the monitoring report as PDF, every chart's and table's data as CSV and
# .xlsx, and the print view.  A fresh database gets the report's known data
# set (tests/report/data.sql) and its warnings; `wdmon report --format pdf`
# prints the report with headless chromium and the PDF is read back with
# poppler (pdfinfo, pdftotext): its pages, its title, an indicator's name
# and value as the database holds them.  An engine that fails or hangs is
# an error naming it, with no file left.  Then wdmon-web serves the same
# database (as a login in role wdmon_console) and tests/web/test_exports.py
# downloads what a viewer and an operator would, holding each file against
# the page and the database; the console answers others while it prints a
# PDF, prints PDFs asked for at once in turn, and when stopped (SIGTERM,
# last) sends the PDF it is printing, then exits cleanly.
#
# Usage: test_exports.sh WDMON WDMON_WEB
set -u
. "$(dirname "$0")/../lib.sh"
wdmon=$1 web_bin=$2
wdm_test_need_pg
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3
for need in chromium pdftotext pdfinfo; do
    command -v "$need" >/dev/null || { echo "FAIL: $need is missing (apt-get install chromium poppler-utils)"; exit 1; }
done

work=$(mktemp -d /tmp/wdm_test_exports.XXXXXX)
port=$((14000 + ($$ + 13) % 12000))
web_pid=
cleanup () {
    [ -n "$web_pid" ] && kill "$web_pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

wdm_test_db wdm_test_exports
wdm_test_migrate "$wdmon"
psql "$conn" -qX -v ON_ERROR_STOP=1 -f "$here/../report/data.sql" >/dev/null || exit 2
"$wdmon" --db "$conn" -l warn warnings evaluate --today 2025-01-10 >/dev/null || exit 2

# --- wdmon report --format pdf ---------------------------------------------------

# flat FILE: the PDF's text with all white space taken out (a table cell
# may wrap a name over lines).
flat () { pdftotext -enc UTF-8 "$1" - 2>/dev/null | tr -d ' \n\r\t\f'; }
if "$wdmon" --db "$conn" -l warn report --year 2024 --format pdf -o "$work/zh.pdf" 2>"$work/zh.log"; then
    ok "wdmon report --format pdf writes a file"
else
    fail "wdmon report --format pdf: $(cat "$work/zh.log")"
fi
expect "the file is a PDF" "$(head -c 4 "$work/zh.pdf" 2>/dev/null)" "%PDF"
pages=$(pdfinfo "$work/zh.pdf" 2>/dev/null | sed -nE 's/^Pages: +([0-9]+)/\1/p')
[ "${pages:-0}" -ge 2 ] && ok "the PDF has $pages pages" || fail "the PDF has ${pages:-no} pages"
page_size=$(pdfinfo "$work/zh.pdf" 2>/dev/null | sed -nE 's/^Page size: +([0-9.]+) x ([0-9.]+).*/\1x\2/p')
case $page_size in
    59[45]*x841*|59[45]*x842*) ok "its pages are A4 ($page_size pt)" ;;
    *) fail "its pages are not A4: $page_size" ;;
esac
text=$(flat "$work/zh.pdf")
holds () { case $2 in *"$3"*) ok "$1" ;; *) fail "$1: the PDF's text lacks '$3'" ;; esac; }
title=$(q "SELECT title_zh FROM plan WHERE current" | tr -d ' ')
holds "the PDF holds the report's Chinese title" "$text" "${title}2024年度监测报告"
name=$(q "SELECT name_zh FROM indicator WHERE code = 'HE03'" | tr -d ' ')
holds "the PDF holds an indicator's name (HE03)" "$text" "$name"
value=$(q "SELECT trim_scale(round(v.value::numeric, 2))::text || u.symbol FROM indicator_value v
             JOIN indicator i ON i.code = v.indicator_code JOIN measure_unit u ON u.code = i.measure_unit_code
            WHERE v.indicator_code = 'DM01' AND v.area_code = 'wuqing' AND v.year = 2024" | tr -d ' ')
holds "the PDF holds DM01's 2024 value as the database has it ($value)" "$text" "$value"
lacks_text () { case $2 in *"$3"*) fail "$1" ;; *) ok "$1" ;; esac; }
lacks_text "the PDF has no browser header or footer (file:// address)" "$text" "file://"

# An engine that fails: an error naming it and its exit, and no file.
WDM_PDF_ENGINE=/bin/false "$wdmon" --db "$conn" -l warn report --year 2024 --format pdf -o "$work/bad.pdf" \
    2>"$work/bad.log"
expect "a failing engine: wdmon report fails (exit 1)" "$?" 1
contains "... naming the engine and its exit status" "$work/bad.log" "/bin/false failed (exit 1)"
[ ! -e "$work/bad.pdf" ] && [ -z "$(ls "$work" | grep partial)" ] && ok "... leaving no file" \
    || fail "a failing engine left a file: $(ls "$work")"
printf '#!/bin/sh\necho "printing slowly" >&2\nexec sleep 300\n' >"$work/slow.sh"
chmod +x "$work/slow.sh"
start=$(date +%s)
WDM_PDF_ENGINE="$work/slow.sh" WDM_PDF_TIMEOUT=2 "$wdmon" --db "$conn" -l warn report --year 2024 --format pdf \
    -o "$work/slow.pdf" 2>"$work/slow.log"
expect "an engine that hangs: wdmon report fails (exit 1)" "$?" 1
[ $(( $(date +%s) - start )) -lt 120 ] && ok "... after the time limit" || fail "... only after $(( $(date +%s) - start )) s"
contains "... naming the engine, the limit and its last words" "$work/slow.log" "did not finish in 2 s: printing slowly"
pgrep -f "$work/slow.sh" >/dev/null && fail "... and the engine is still running" || ok "... and the engine is gone"
WDM_PDF_ENGINE=/nonexistent/chromium "$wdmon" --db "$conn" -l warn report --year 2024 --format pdf \
    -o "$work/none.pdf" 2>"$work/none.log"
expect "a missing engine: exit 1" "$?" 1
contains "... naming it" "$work/none.log" "/nonexistent/chromium cannot be started"

# --- The console -------------------------------------------------------------------

psql "$WDM_TEST_PGURI" -qX -v ON_ERROR_STOP=1 -c "DO \$\$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wdm_test_exports') THEN
        CREATE ROLE wdm_test_exports LOGIN IN ROLE wdmon_console;
    END IF; END \$\$" >/dev/null || exit 2
add_user () {  # add_user LOGIN ROLE NAME
    echo "secret-$1" | "$wdmon" --db "$conn" user add "$1" --role "$2" --name "$3" >/dev/null \
        || { echo "FAIL: wdmon user add $1"; exit 1; }
}
add_user leader viewer "区领导"
add_user wang operator "王芳"
cat >"$work/web.conf" <<CONF
[web]
address = 127.0.0.1
port = $port
conninfo = $WDM_TEST_PGURI dbname=wdm_test_exports user=wdm_test_exports
[log]
level = warn
CONF
# The engine's directories go under prints/, so the test can tell when one
# of the console's PDFs is being printed.
mkdir -p "$work/prints"
TMPDIR="$work/prints" "$web_bin" -c "$work/web.conf" 2>"$work/web.log" &
web_pid=$!
listening () { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
wait_for 10 listening || { echo "FAIL: wdmon-web did not start"; cat "$work/web.log"; exit 1; }

WDM_WEB_URL="http://127.0.0.1:$port" WDM_TEST_CONN="$conn" WDM_TEST_WORK="$work" WDM_TEST_PRINTS="$work/prints" \
    WDM_TEST_WEB_PID=$web_pid timeout 300 "$python" "$here/test_exports.py"
rc=$?
# The Python stopped wdmon-web last (SIGTERM while it printed a PDF).
for ((i = 0; i < 600; i++)); do kill -0 "$web_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$web_pid" 2>/dev/null && { echo "FAIL: wdmon-web still runs 60 s after SIGTERM"; rc=1; }
wait "$web_pid"
web_rc=$?
web_pid=
[ $web_rc -eq 0 ] && echo "ok: wdmon-web stopped cleanly on SIGTERM" \
    || { echo "FAIL: wdmon-web exited with status $web_rc after SIGTERM"; rc=1; }
rc=$((rc + failures))
[ $rc -eq 0 ] || { echo "--- wdmon-web's log:"; cat "$work/web.log"; }
[ $rc -eq 0 ] && wdm_test_drop_db
exit $((rc > 100 ? 100 : rc))
