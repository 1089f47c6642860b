#!/usr/bin/env bash
# test_intake: the mistakes a member unit makes when it hands files to its
# collector, with real wdmon-server and wdmon-collector processes and a
# real PostgreSQL (issue 12, findings 2 and 9):
#
#   - a CSV copied into the inbox in two writes is taken whole, once its
#     size and time have settled, not half-written;
#   - the same file dropped again stores no new revisions: an unchanged
#     value is acknowledged, not stored again; a changed one is a revision;
#   - `put FILE` keeps the file's own name;
#   - a misspelt area code is refused as an unknown area, not as
#     "not authorised"; rejected.jsonl names the file and line;
#   - an .xlsx gets an explanation next to it in failed/;
#   - sex F/M on an indicator not split by sex, a body on an indicator
#     without bodies, and no body where one is needed are refused, by the
#     collector (line, field and reason in failed/) and by the centre (an
#     independent client's records, without a catalog), never stored.
#
# Usage: test_intake.sh WDMON WDMON_SERVER WDMON_COLLECTOR
set -u
. "$(dirname "$0")/lib.sh"
wdmon=$1 server_bin=$2 collector_bin=$3
wdm_test_need_pg

work=$(mktemp -d /tmp/wdm_test_intake.XXXXXX)
port=$((11000 + ($$ + 7919) % 12000))
endpoint="tcp://127.0.0.1:$port"
db=wdm_test_intake
conn="$WDM_TEST_PGURI dbname=$db"
server_pid=
collector_pid=
cleanup () {
    [ -n "$collector_pid" ] && kill -9 "$collector_pid" 2>/dev/null
    [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null
    wait 2>/dev/null
    [ -n "${WDM_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

drained () { "$collector_bin" -c "$mc/collector.conf" status | grep -q '^queued     0 '; }
# taken NAME: the file has left the inbox (done/ or failed/) and its
# records are answered.
taken () { [ ! -e "$mc/inbox/$1" ] && drained; }

wdm_test_db "$db"
wdm_test_migrate "$wdmon"
"$wdmon" server-key "$work" >/dev/null || exit 2
mc=$work/town_meichang
"$wdmon" --db "$conn" unit add town_meichang --bundle "$mc" --server-key "$work/server.pub" \
    --endpoint "$endpoint" >/dev/null || exit 2
sed -i 's/^\[collector\]$/[collector]\ntimeout_ms = 2000\nscan_ms = 100/' "$mc/collector.conf"
mkdir -p "$mc/inbox"
"$server_bin" -k "$work/server.key" -e "$endpoint" -d "$conn" -l info 2>>"$work/server.log" &
server_pid=$!
"$collector_bin" -c "$mc/collector.conf" -l info run 2>>"$work/collector.log" &
collector_pid=$!

# --- A file written in two goes is taken whole ---------------------------------
printf 'indicator,area,year,value,note\nDM27,meichang,2021,28.5,上半\n' >"$mc/inbox/half.csv"
sleep 1
printf 'DM27,meichang,2022,29.5,下半\n' >>"$mc/inbox/half.csv"
wait_for 30 taken half.csv || fail "half.csv was not taken"
expect "a CSV written in two goes: both records stored" \
    "$(q "SELECT string_agg(note, ',' ORDER BY year) FROM observation WHERE indicator_code = 'DM27'")" "上半,下半"
expect "... nothing of it failed" "$(ls "$mc/inbox/failed" | tr '\n' ' ')" ""
# Names the convention sets aside while they are written are never taken.
printf 'indicator,area,year,value\nDM27,meichang,2023,1\n' >"$mc/inbox/copying.csv.part"
printf 'indicator,area,year,value\nDM27,meichang,2023,1\n' >"$mc/inbox/~\$form.csv"

# --- The same file again: no new revisions -------------------------------------
printf 'indicator,area,year,value,numerator,denominator,note\nDM25,meichang,2021,18.5,37,200,第一次\nDM25,meichang,2022,19,38,200,\n' >"$work/same.csv"
cp "$work/same.csv" "$mc/inbox/same.csv"
wait_for 30 taken same.csv || fail "same.csv was not taken"
cp "$work/same.csv" "$mc/inbox/same.csv"
wait_for 30 taken same.csv || fail "same.csv, dropped again, was not taken"
expect "the same file twice: each value stored once, revision 1" \
    "$(q "SELECT count(*) || ':' || max(revision) FROM observation WHERE indicator_code = 'DM25'")" "2:1"
expect "... the centre counts the second drop as unchanged, not accepted" \
    "$(q "SELECT accepted || '+' || duplicates FROM ingest_batch WHERE unit_code = 'town_meichang' ORDER BY id DESC LIMIT 1")" "0+2"
wait_for 5 grep -q "2 unchanged" "$work/server.log" && ok "... and its log says 2 unchanged" \
    || fail "the server's log does not say the records were unchanged"
printf 'indicator,area,year,value,numerator,denominator,note\nDM25,meichang,2021,18.5,37,200,第一次\nDM25,meichang,2022,19.5,39,200,更正\n' \
    >"$mc/inbox/same-corrected.csv"
wait_for 30 taken same-corrected.csv || fail "same-corrected.csv was not taken"
expect "a changed value is a new revision, an unchanged one is not" \
    "$(q "SELECT string_agg(year || ':' || revision || ':' || value, ',' ORDER BY year, revision) FROM observation WHERE indicator_code = 'DM25'")" \
    "2021:1:18.5,2022:1:19,2022:2:19.5"

# --- put keeps the name; refusals name file, line, field and reason -----------
printf 'indicator,area,year,value\nDM26,meichang,2021,12.5\nDM26,meichnag,2022,13\nDM26,wuqing,2022,13\n' >"$work/town-2024.csv"
out=$("$collector_bin" -c "$mc/collector.conf" put "$work/town-2024.csv")
grep -q "town-2024.csv" <<<"$out" && ok "put says the file's own name" || fail "put: $out"
expect "put keeps the file's name in the inbox" "$(ls "$mc/inbox" | grep -c '^town-2024\.csv$')" 1
wait_for 30 taken town-2024.csv || fail "town-2024.csv was not taken"
expect "... and in done/" "$(ls "$mc/inbox/done" | grep -c '^town-2024\.csv$')" 1
line=$(grep '"meichnag"' "$mc/rejected.jsonl")
grep -q '"code":406,"reason":"unknown_area","field":"area"' <<<"$line" \
    && ok "a misspelt area is refused as an unknown area" || fail "misspelt area: $line"
grep -q '"file":"town-2024.csv","line":3' <<<"$line" \
    && ok "... rejected.jsonl names its file and line" || fail "no file and line: $line"
line=$(grep '"wuqing"' "$mc/rejected.jsonl")
grep -q '"code":403,"reason":"not_authorised","field":"area"' <<<"$line" \
    && ok "another unit's area is still not authorised" || fail "district area: $line"
grep -q '"file":"town-2024.csv","line":4' <<<"$line" && ok "... from line 4" || fail "no file and line: $line"
expect "the centre keeps the refusals with their codes" \
    "$(q "SELECT string_agg(reason_code || ':' || field, ',' ORDER BY reason_code) FROM rejected_record")" "403:area,406:area"

# --- A broken Excel workbook, an old .xls: set aside, with an explanation ------
printf 'PK\003\004 not really a workbook' >"$mc/inbox/form.xlsx"
wait_for 30 taken form.xlsx || fail "form.xlsx stayed in the inbox"
[ -e "$mc/inbox/failed/form.xlsx" ] && ok "a broken .xlsx is moved to failed/" || fail "form.xlsx not in failed/"
grep -q "not a valid .xlsx file" "$mc/inbox/failed/form.xlsx.errors.txt" 2>/dev/null \
    && ok "... with an explanation: not a valid .xlsx file" || fail "no explanation next to form.xlsx"
printf 'not really a workbook' >"$mc/inbox/form.xls"
wait_for 30 taken form.xls || fail "form.xls stayed in the inbox"
grep -q "Excel Workbook (\*.xlsx)" "$mc/inbox/failed/form.xls.errors.txt" 2>/dev/null \
    && ok "an old .xls is set aside: save it as .xlsx" || fail "no explanation next to form.xls"

# --- Sex and body the indicator has not: refused, never stored -----------------
# DM27 (share of women among village committee members) is not split by
# sex and has no bodies; DM17 (women in town leadership teams) is counted
# in each of its bodies, 党(工)委 and 政府.
meaningless='indicator,area,year,sex,body,value
DM27,meichang,2024,F,,31
DM27,meichang,2024,M,,69
DM27,meichang,2024,,政府,31
DM17,meichang,2024,,,1
DM17,meichang,2024,,政府,2
DM17,meichang,2024,,党委,1'
printf '%s\n' "$meaningless" >"$mc/inbox/sexbody.csv"
wait_for 30 taken sexbody.csv || fail "sexbody.csv was not taken"
errors=$mc/inbox/failed/sexbody.csv.errors.txt
expect "the collector refuses the lines (line, field)" \
    "$(grep -v '^#' "$errors" 2>/dev/null | cut -f1,2 | tr '\t\n' ': ')" "2:sex 3:sex 4:body 5:body 7:body "
grep -q "^2	sex	.*不分性别" "$errors" 2>/dev/null && ok "... saying the indicator is not split by sex" || fail "sex reason: $(cat "$errors" 2>/dev/null)"
expect "... only the line with a known body is stored" \
    "$(q "SELECT string_agg(indicator_code || ':' || body || ':' || sex, ',') FROM observation WHERE year = 2024")" "DM17:政府:T"
# An independent client checks nothing: the centre must refuse the same.
kill -TERM "$collector_pid"; wait "$collector_pid"; collector_pid=
sed 's/^catalog = .*/catalog =/' "$mc/collector.conf" >"$mc/nocatalog.conf"
printf '%s\n' "$meaningless" >"$mc/inbox/sexbody2.csv"
timeout 60 "$collector_bin" -c "$mc/nocatalog.conf" -l warn run --once 2>>"$work/collector.log"
expect "a client without a catalog delivers" $? 0
expect "the centre refuses what the catalog has no place for" \
    "$(grep '"file":"sexbody2.csv"' "$mc/rejected.jsonl" | sed -E 's/.*"code":([0-9]+),"reason":"[a-z_]+","field":"([a-z]*)".*"line":([0-9]+).*/\3:\1:\2/' | sort | tr '\n' ' ')" \
    "2:422:sex 3:422:sex 4:422:body 5:422:body 7:422:body "
expect "... and stores none of it" \
    "$(q "SELECT string_agg(indicator_code || ':' || body || ':' || sex || ':' || revision, ',') FROM observation WHERE year = 2024")" "DM17:政府:T:1"

expect "files the convention sets aside stay untouched" "$(ls "$mc/inbox" | grep -c 'copying.csv.part\|~\$form.csv')" 2
kill -TERM "$server_pid"; wait "$server_pid"; server_pid=
if [ $failures -ne 0 ]; then
    echo "--- server log"; tail -n 30 "$work/server.log"
    echo "--- collector log"; tail -n 30 "$work/collector.log"
    echo "--- rejected.jsonl"; cat "$mc/rejected.jsonl" 2>/dev/null
fi
wdm_test_drop_db
wdm_test_end test_intake
