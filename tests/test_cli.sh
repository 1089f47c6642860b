#!/usr/bin/env bash
# test_cli: every `wdmon` subcommand as the operator runs it, against a real
# server and a real database: the output a person reads, the CSV and JSON a
# script reads, the exit codes.  (`migrate` has its own test, cli_migrate;
# the report's contents are checked by test_report.)
#
# Usage: test_cli.sh WDMON WDMON_SERVER WDMON_COLLECTOR
set -u
. "$(dirname "$0")/lib.sh"
wdmon=$1 server_bin=$2 collector_bin=$3
wdm_test_need_pg

work=$(mktemp -d /tmp/wdm_test_cli.XXXXXX)
port=$((13000 + $$ % 12000))
metrics_port=$((port + 1))
endpoint="tcp://127.0.0.1:$port"
db=wdm_test_cli_all
conn="$WDM_TEST_PGURI dbname=$db"
server_pid=
cleanup () {
    [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
w () { "$wdmon" --db "$conn" "$@" 2>&1; }

wdm_test_db "$db"
wdm_test_migrate "$wdmon"

# server-key
out=$(w server-key "$work"); rc=$?
check "server-key writes the key pair" 0 $rc "$out" "wrote .*/server.key and .*/server.pub"
mode=$(stat -c %a "$work/server.key")
[ "$mode" == 600 ] && ok "server.key is mode 600" || fail "server.key is mode $mode"
out=$(w server-key "$work"); rc=$?
check "server-key never overwrites a key" 1 $rc "$out" "server.key: File exists"

# unit add / list / rotate-key / revoke
out=$(w unit add town_meichang --bundle "$work/mc" --server-key "$work/server.pub" --endpoint "$endpoint"); rc=$?
check "unit add registers a key and writes the bundle" 0 $rc "$out" "registered a new key for town_meichang; its collector bundle is in"
for f in collector.conf unit.key unit.pub server.pub catalog.json; do
    [ -s "$work/mc/$f" ] && ok "the bundle has $f" || fail "the bundle lacks $f"
done
out=$(w unit add demo_unit --bundle "$work/new" --server-key "$work/server.pub" --endpoint "$endpoint"); rc=$?
check "unit add of an unknown unit without --name says what to give" 2 $rc "$out" "give --name, --kind and --area"
out=$(w unit add demo_unit --name 演示单位 --kind organization --area wuqing --bundle "$work/new" \
      --server-key "$work/server.pub" --endpoint "$endpoint"); rc=$?
check "unit add creates a new unit with --name, --kind, --area" 0 $rc "$out" "registered a new key for demo_unit"
out=$(w unit list); rc=$?
check "unit list shows the units with their keys" 0 $rc "$out" "town_meichang +town +meichang +1 +active +梅厂镇"
out=$(w unit list --format csv); rc=$?
check "unit list --format csv has a header" 0 $rc "$out" "^unit,kind,area,keys,state,name"
out=$(w unit list --format json); rc=$?
check "unit list --format json" 0 $rc "$out" '"unit": "demo_unit", "kind": "organization"'
out=$(w unit rotate-key nobody --bundle "$work/x" --server-key "$work/server.pub" --endpoint "$endpoint"); rc=$?
check "rotate-key refuses a unit that does not exist" 2 $rc "$out" "no member unit nobody"
out=$(w unit rotate-key demo_unit --bundle "$work/rotated" --server-key "$work/server.pub" --endpoint "$endpoint"); rc=$?
check "rotate-key issues a new key and says how to revoke the old" 0 $rc "$out" "wdmon unit revoke demo_unit --keep"
newkey=$(cat "$work/rotated/unit.pub")
expect_keys () { q "SELECT count(*) FILTER (WHERE state = 'active') || '/' || count(*) FROM unit_key WHERE unit_code = 'demo_unit'"; }
[ "$(expect_keys)" == "2/2" ] && ok "both keys active during the rotation" || fail "keys: $(expect_keys)"
out=$(w unit revoke demo_unit --keep "$newkey"); rc=$?
check "revoke --keep revokes the old key only" 0 $rc "$out" "revoked 1 key of demo_unit"
[ "$(expect_keys)" == "1/2" ] && ok "the new key is the one left" || fail "keys: $(expect_keys)"
out=$(w unit revoke nobody); rc=$?
check "revoke of an unknown unit" 2 $rc "$out" "no member unit nobody"

# responsibility list / assign / drop (issue 11, finding 1)
resp () { q "SELECT CASE WHEN lead THEN 'lead' ELSE 'contributes' END FROM responsibility WHERE indicator_code = '$1' AND unit_code = '$2'"; }
out=$(w responsibility list --indicator HE01); rc=$?
check "responsibility list: indicator and unit with their names, role, area" 0 $rc "$out" "HE01 +女性人均预期寿命 +health_commission +区卫生健康委 +lead +wuqing +武清区"
check "... a contributing unit too" 0 $rc "$out" "HE01 +女性人均预期寿命 +statistics_bureau +区统计局 +contributes +wuqing"
out=$(w responsibility assign --indicator DM25 --unit demo_unit); rc=$?
check "responsibility assign: lead by default" 0 $rc "$out" "DM25.*demo_unit.*lead"
[ "$(resp DM25 demo_unit)" == lead ] && ok "... in the database, as lead" || fail "responsibility row: '$(resp DM25 demo_unit)'"
out=$(w responsibility list --unit demo_unit); rc=$?
check "... and in the list by unit" 0 $rc "$out" "DM25 +村党组织成员中的女性比例 +demo_unit +演示单位 +lead +wuqing +武清区"
out=$(w responsibility list --unit demo_unit --format csv); rc=$?
check "responsibility list --format csv" 0 $rc "$out" "^indicator,indicator_name,unit,unit_name,role,area,area_name"
out=$(w responsibility list --unit demo_unit --format json); rc=$?
check "responsibility list --format json" 0 $rc "$out" '"indicator": "DM25", "indicator_name": "村党组织成员中的女性比例", "unit": "demo_unit"'
out=$(w responsibility assign --indicator DM25 --unit demo_unit --contributes); rc=$?
check "assigning an existing pair updates its role and says so" 0 $rc "$out" "lead -> contributes"
[ "$(resp DM25 demo_unit)" == contributes ] && ok "... in the database" || fail "responsibility row: '$(resp DM25 demo_unit)'"
out=$(w responsibility assign --indicator DM255 --unit demo_unit); rc=$?
check "assign with an unknown indicator names it and the nearest codes" 2 $rc "$out" "DM255.*DM25"
out=$(w responsibility assign --indicator DM25 --unit town_meichan); rc=$?
check "assign with an unknown unit names it and the nearest codes" 2 $rc "$out" "town_meichan\\b.*town_meichang"
out=$(w responsibility drop --indicator DM25 --unit demo_unit); rc=$?
check "responsibility drop" 0 $rc "$out" "DM25.*demo_unit"
[ -z "$(resp DM25 demo_unit)" ] && ok "... gone from the database" || fail "still there: $(resp DM25 demo_unit)"
out=$(w responsibility list --unit demo_unit); rc=$?
check "... and from the list" 0 $rc "$out" "^\(0 rows\)"
out=$(w responsibility drop --indicator DM25 --unit demo_unit); rc=$?
check "dropping a pair that does not exist names it" 2 $rc "$out" "DM25.*demo_unit"
out=$(w responsibility drop --indicator HE03 --unit health_commission); rc=$?
check "dropping the last lead of an active indicator is refused" 2 $rc "$out" "HE03.*(last lead|牵头)"
[ "$(resp HE03 health_commission)" == lead ] && ok "... and the lead stays" || fail "HE03's lead: '$(resp HE03 health_commission)'"
out=$(w responsibility assign --indicator HE03 --unit health_commission --contributes); rc=$?
check "turning the last lead into a contributor is refused too" 2 $rc "$out" "HE03.*(last lead|牵头)"
out=$(w responsibility assign --indicator HE03 --unit demo_unit); rc=$?
out=$(w responsibility drop --indicator HE03 --unit health_commission); rc=$?
check "a lead may go while another lead stays" 0 $rc "$out" "HE03.*health_commission"
out=$(w responsibility drop --indicator HE03 --unit demo_unit --force); rc=$?
check "--force drops the last lead" 0 $rc "$out" "HE03.*demo_unit"
[ "$(q "SELECT count(*) FROM responsibility WHERE indicator_code = 'HE03'")" == 0 ] && ok "... HE03 has no unit now" || fail "HE03 still has units"
out=$(w responsibility assign --indicator HE03 --unit health_commission); rc=$?
check "assign restores HE03's lead" 0 $rc "$out" "HE03.*health_commission"
out=$(w responsibility frobnicate); rc=$?
check "an unknown responsibility action" 2 $rc "$out" "frobnicate"

# Office time zone (issue 11, finding 6): times people read are in the
# office's zone, Asia/Shanghai unless --tz or WDM_TZ says otherwise, labelled.
q "UPDATE member_unit SET created_at = '2025-01-10 08:03:00+00' WHERE code = 'demo_unit'"
out=$(w unit list); rc=$?
check "unit list shows when a unit was created, in Asia/Shanghai by default" 0 $rc "$out" "demo_unit .*2025-01-10 16:03:00 \\+08:00"
out=$(w --tz America/New_York unit list); rc=$?
check "... in the zone --tz names" 0 $rc "$out" "demo_unit .*2025-01-10 03:03:00 -05:00"
out=$(WDM_TZ=Asia/Kolkata w unit list --format csv); rc=$?
check "... in the zone WDM_TZ names" 0 $rc "$out" "^demo_unit,.*2025-01-10 13:33:00 \\+05:30"
out=$(WDM_TZ=Asia/Kolkata w --tz UTC unit list --format json); rc=$?
check "... --tz over WDM_TZ" 0 $rc "$out" '"demo_unit".*"2025-01-10 08:03:00 \+00:00"'
out=$(w --tz Mars/Olympus unit list); rc=$?
check "an unknown zone is refused, named" 2 $rc "$out" "Mars/Olympus"
out=$(WDM_TZ=Nowhere/Town w status); rc=$?
check "an unknown WDM_TZ is refused, named" 2 $rc "$out" "Nowhere/Town"

# status: units holding a key that have never delivered (issue 11, finding 1)
never () { awk '/never delivered/ { f = 1; next } f && /^$/ { exit } f' <<<"$1"; }
q "UPDATE unit_key SET created_at = '2025-01-10 08:03:00+00' WHERE unit_code = 'demo_unit'"
out=$(w status)
check "status lists a unit with a key that never delivered, with when its key was issued (office zone)" 0 0 "$(never "$out")" "demo_unit +演示单位 +2025-01-10 16:03:00 \\+08:00"
check "... and town_meichang, not delivered yet" 0 0 "$(never "$out")" "town_meichang +梅厂镇人民政府"
check "... with the office zone named" 0 0 "$out" "Asia/Shanghai"
out=$(w status --format csv)
check "status --format csv carries the never-delivered units" 0 0 "$out" "^never_delivered,.*demo_unit,演示单位,.*2025-01-10 16:03:00 \\+08:00"
out=$(w status --format json)
jq -e '(.today[0].batches | type) == "number" and .today[0].commit_ms_avg == null' <<<"$out" >/dev/null \
    && ok "status JSON: a count is a number, no commit time yet is null" || fail "status JSON types: $(head -c 300 <<<"$out")"
check "status --format json carries the never-delivered units" 0 0 "$(tr -d '\n' <<<"$out")" '"never_delivered": \[.*"unit": "demo_unit", "name": "演示单位", "key_issued": "2025-01-10 16:03:00 \+08:00"'

# catalog export
out=$(w catalog export -o "$work/catalog.json"); rc=$?
grep -q '"code" : "HE03"' "$work/catalog.json" && ok "catalog export writes the catalog" || fail "catalog export"

# A running server and one delivery, for status and warnings.
cat >"$work/server.conf" <<CONF
[server]
endpoint = $endpoint
secret_key_file = $work/server.key
status_seconds = 1
[database]
conninfo = $conn
[metrics]
port = $metrics_port
[warnings]
interval_ms = 100
today = 2025-01-10
[log]
level = warn
CONF
out=$(w status); rc=$?
check "status with no server running says so (exit 1)" 1 $rc "$out" "servers"
"$server_bin" -c "$work/server.conf" 2>>"$work/server.log" &
server_pid=$!
mkdir -p "$work/mc/inbox"
# HE03 is the health commission's: the collector cannot know, the centre refuses it (403).
printf 'indicator,area,year,value\nDM25,meichang,2023,25\nDM25,meichang,2024,24\nHE03,meichang,2024,8\n' >"$work/mc/inbox/a.csv"
timeout 60 "$collector_bin" -c "$work/mc/collector.conf" -l error run --once || fail "the collector did not deliver"
sleep 2
out=$(w status); rc=$?
check "status shows the server up" 0 $rc "$out" "up"
check "... the collector's last delivery" 0 $rc "$out" "town_meichang +梅厂镇人民政府 +[0-9]{4}-[0-9]{2}-[0-9]{2}"
check "... today's accepted and refused records" 0 $rc "$out" "^batches +accepted"
out=$(w status)
if grep -q town_meichang <<<"$(never "$out")"; then fail "status still lists town_meichang as never delivered"; sed 's/^/    /' <<<"$out"
else ok "status stops listing a unit once its collector delivered"; fi
check "... and still lists the one that did not" 0 0 "$(never "$out")" "demo_unit"
out=$(w status --format json); rc=$?
check "status --format json is one object" 0 $rc "$out" '^\{"servers": \['
metrics=$(exec 3<>/dev/tcp/127.0.0.1/$metrics_port; printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3; cat <&3)
grep -q '^wdmon_records_accepted_total 2' <<<"$metrics" && ok "/metrics counts the accepted records" || fail "/metrics: $(head -5 <<<"$metrics")"
grep -q 'wdmon_records_rejected_total{code="403",reason="not_authorised"} 1' <<<"$metrics" \
    && ok "/metrics counts refusals by reason" || fail "/metrics rejected"

# warnings: list, filters, formats, show, ack, evaluate
out=$(w warnings evaluate --today 2025-01-10); rc=$?
check "warnings evaluate reports what it did" 0 $rc "$out" "series evaluated in .* as of 2025-01-10"
out=$(w warnings --open); rc=$?
check "warnings --open lists open warnings" 0 $rc "$out" "wrong_direction +DM25 +meichang +2024"
# /metrics follows the open warnings, the operator's own evaluation included
# (counted by the warning worker every 5 s, published every status_seconds).
open_metrics () {
    local want m
    want="red $(q "SELECT count(*) FROM warning WHERE state <> 'resolved' AND level = 'red'") yellow $(q "SELECT count(*) FROM warning WHERE state <> 'resolved' AND level = 'yellow'")"
    m=$(exec 3<>/dev/tcp/127.0.0.1/$metrics_port; printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3; cat <&3)
    [ "$(sed -nE 's/^wdmon_open_warnings\{level="(red|yellow)"\} ([0-9]+).*/\1 \2/p' <<<"$m" | paste -sd' ')" == "$want" ]
}
for _ in $(seq 1 150); do open_metrics && break; sleep 0.1; done
open_metrics && ok "/metrics shows the open warnings by level, as the database has them" \
    || fail "/metrics open warnings: $(curl -s http://127.0.0.1:$metrics_port/metrics 2>/dev/null | grep open_warnings)"
out=$(w warnings --open --level red --domain decision --unit town_meichang --format csv); rc=$?
check "warnings --format csv with filters" 0 $rc "$out" "^id,level,state,rule,indicator,area,year,unit,plan,opened,updated,message"
# A mistyped code is answered with the nearest codes and their names; a
# part of a name finds its code (wdm_check_suggest over wdm_suggest).
out=$(w warnings --unit town_meichng); rc=$?
check "warnings --unit with a typo suggests the unit with its name" 2 $rc "$out" \
    "no member unit town_meichng; 相近的 / did you mean: town_meichang \(梅厂镇"
out=$(w warnings --unit 梅厂); rc=$?
check "warnings --unit with a part of a name suggests its code" 2 $rc "$out" "did you mean: town_meichang \(梅厂镇"
out=$(w warnings --domain 妇女与健康 --format json); rc=$?
check "warnings --domain by name, as JSON" 0 $rc "$out" '^\['
id=$(q "SELECT id FROM warning WHERE rule_code = 'wrong_direction' AND indicator_code = 'DM25'")
out=$(w warnings show "$id"); rc=$?
check "warnings show prints message and history, in the office zone" 0 $rc "$out" "history \(Asia/Shanghai\)"
first=$(q "SELECT to_char (min (at) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS') FROM warning_event WHERE warning_id = $id")
check "... each event at its Asia/Shanghai time" 0 $rc "$out" "^    $first \\+08:00 "
out=$(w --tz UTC warnings show "$id"); rc=$?
first=$(q "SELECT to_char (min (at) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM warning_event WHERE warning_id = $id")
check "warnings show in the zone --tz names" 0 $rc "$out" "^    $first \\+00:00 "
updated=$(q "SELECT to_char (updated_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS') FROM warning WHERE id = $id")
out=$(w warnings --format csv); rc=$?
check "warnings list: opened and updated in the office zone" 0 $rc "$out" "^$id,.*,$updated \\+08:00,"
out=$(w warnings ack "$id" --by 王五 --note "已电话核实"); rc=$?
check "warnings ack" 0 $rc "$out" "acknowledged warning $id"
out=$(w warnings ack "$id"); rc=$?
check "warnings ack without --by and --note is refused" 2 $rc "$out" "--by NAME and --note TEXT are both required"
# Acknowledging again adds a follow-up note (issue 12, finding 1), it does
# not say "not open"; both notes are kept and shown.
out=$(w warnings ack "$id" --by 李四 --note "已督促整改"); rc=$?
check "ack of an acknowledged warning appends a follow-up note, saying so" 0 $rc "$out" "已确认.*追加.*$id|$id.*already acknowledged.*note added"
[ "$(q "SELECT count(*) FROM warning_event WHERE warning_id = $id AND note IN ('已电话核实', '已督促整改')")" == 2 ] \
    && ok "... both notes are kept" || fail "notes kept: $(q "SELECT string_agg (coalesce (note, '-'), ' | ') FROM warning_event WHERE warning_id = $id")"
out=$(w warnings show "$id"); rc=$?
check "warnings show lists the first note" 0 $rc "$out" "王五: 已电话核实"
check "... and the follow-up note" 0 $rc "$out" "李四: 已督促整改"
[ "$(q "SELECT state FROM warning WHERE id = $id")" == acknowledged ] && ok "... the warning stays acknowledged" || fail "state: $(q "SELECT state FROM warning WHERE id = $id")"
# Bulk acknowledgement: several ids, one note.
ids=$(q "SELECT string_agg (id::text, ' ' ORDER BY id) FROM (SELECT id FROM warning WHERE state = 'open' ORDER BY id LIMIT 3) s")
out=$(w warnings ack $ids ${ids%% *} --by 王五 --note "批量确认"); rc=$?
check "warnings ack ID ID ID acknowledges each" 0 $rc "$out" "acknowledged warning ${ids##* }"
[ "$(q "SELECT count(*) FROM warning WHERE id IN (${ids// /,}) AND state = 'acknowledged' AND ack_note = '批量确认'")" == 3 ] \
    && ok "... all three acknowledged in the database" || fail "bulk ack: $(q "SELECT string_agg (id || ':' || state, ' ') FROM warning WHERE id IN (${ids// /,})")"
[ "$(q "SELECT count(*) FROM warning_event WHERE warning_id = ${ids%% *} AND note = '批量确认'")" == 1 ] \
    && ok "... a number given twice is acknowledged once" || fail "a repeated number was noted twice"
resolved=$(q "SELECT id FROM warning WHERE state = 'open' ORDER BY id LIMIT 1")
q "SELECT warning_resolve ($resolved, 'test')" >/dev/null
out=$(w warnings ack "$resolved" --by 王五 --note "晚了"); rc=$?
check "ack of a resolved warning says it is resolved, not 'not open'" 1 $rc "$out" "$resolved.*(已解除|resolved)"
out=$(w warnings ack 999999 "$resolved" --by 王五 --note x); rc=$?
check "ack of a warning that does not exist names it (exit 2)" 2 $rc "$out" "999999"

# Silent mistakes (issue 12, finding 1): an unknown code, an impossible date
# or a year outside the plan is an error (exit 2) naming the bad value and
# the nearest valid ones, never "(0 rows)".
out=$(w warnings --domain healt); rc=$?
check "warnings --domain with a typo is refused, naming the nearest domain" 2 $rc "$out" "healt\b.*health"
out=$(w warnings --unit health_comission); rc=$?
check "warnings --unit with a typo is refused, naming the nearest unit" 2 $rc "$out" "health_comission.*health_commission"
out=$(w warnings --rule wrong_directon); rc=$?
check "warnings --rule with a typo is refused, naming the nearest rule" 2 $rc "$out" "wrong_directon.*wrong_direction"
out=$(w warnings --area meichan); rc=$?
check "warnings --area with a typo is refused, naming the nearest area" 2 $rc "$out" "meichan\b.*meichang"
out=$(w warnings --state opn); rc=$?
check "warnings --state with a typo is refused, naming the states" 2 $rc "$out" "opn.*open.*acknowledged.*resolved"
out=$(w warnings --level purple); rc=$?
check "warnings --level with a bad value names it" 2 $rc "$out" "purple.*red.*yellow"
out=$(w warnings --year 1999); rc=$?
check "warnings --year outside the plan is refused, naming the range" 2 $rc "$out" "1999.*2020.*2025"
out=$(w warnings --year 20x4); rc=$?
check "warnings --year that is not a year is refused" 2 $rc "$out" "20x4"
before=$(q "SELECT count(*) || '/' || max (updated_at) FROM warning WHERE state = 'resolved'")
out=$(w warnings evaluate --today 2025-02-30); rc=$?
check "warnings evaluate --today 2025-02-30 is refused, naming the nearest dates" 2 $rc "$out" "2025-02-30.*2025-02-28.*2025-03-01"
[ "$(q "SELECT count(*) || '/' || max (updated_at) FROM warning WHERE state = 'resolved'")" == "$before" ] \
    && ok "... and resolves nothing" || fail "an impossible date changed the warnings"
out=$(w warnings evaluate --today 2024-02-29); rc=$?
check "... a leap day is a date" 0 $rc "$out" "as of 2024-02-29"
out=$(w warnings evaluate --today 2025-01-10); rc=$?
out=$(w completeness --year 2019); rc=$?
check "completeness --year 2019 is refused, naming the plan's years" 2 $rc "$out" "2019.*2021.*2025"
out=$(w report --year 2019 -o "$work/r.html"); rc=$?
check "report --year 2019 is refused, naming the plan's years" 2 $rc "$out" "2019.*2021.*2025"
out=$(w responsibility list --unit health_comission); rc=$?
check "responsibility list --unit with a typo" 2 $rc "$out" "health_comission.*health_commission"
out=$(w unit revoke town_meichan); rc=$?
check "unit revoke with a typo is refused, naming the nearest unit" 2 $rc "$out" "town_meichan\b.*town_meichang"
out=$(w unit rotate-key health_comission --bundle "$work/x" --server-key "$work/server.pub" --endpoint "$endpoint"); rc=$?
check "unit rotate-key with a typo is refused, naming the nearest unit" 2 $rc "$out" "health_comission.*health_commission"

# The new filters narrow the list, every row as asked.
all_rows () {  # all_rows CSV COLUMN VALUE: every data row has VALUE in COLUMN, and there is one
    awk -F, -v c="$2" -v v="$3" 'NR > 1 && NF { n++; if ($c != v) bad++ } END { exit !(n > 0 && !bad) }' <<<"$1"
}
out=$(w warnings --rule wrong_direction --format csv); rc=$?
all_rows "$out" 4 wrong_direction && ok "warnings --rule lists that rule's warnings only" || fail "--rule: $(head -3 <<<"$out")"
out=$(w warnings --year 2024 --area meichang --format csv); rc=$?
all_rows "$out" 7 2024 && all_rows "$out" 6 meichang && ok "warnings --year --area narrow to that year and area" || fail "--year --area: $(head -3 <<<"$out")"
out=$(w warnings --state acknowledged --format csv); rc=$?
all_rows "$out" 3 acknowledged && grep -q "^$id," <<<"$out" && ok "warnings --state acknowledged lists the acknowledged ones" || fail "--state: $(head -3 <<<"$out")"
out=$(w warnings --unit town_meichang --level yellow --format csv); rc=$?
check "warnings --unit --level" 0 $rc "$out" "^id,level"

# JSON carries real types: numbers as numbers, null as null.
out=$(w warnings --format json)
jq -e 'length > 0 and all (.[]; (.id | type) == "number" and (.year | type) == "number")' <<<"$out" >/dev/null \
    && ok "warnings JSON: id and year are numbers" || fail "warnings JSON types: $(head -c 300 <<<"$out")"
out=$(w completeness --year 2024 --format json)
jq -e 'all (.[]; (.owed | type) == "number" and (.missing | type) == "number")' <<<"$out" >/dev/null \
    && ok "completeness JSON: counts are numbers" || fail "completeness JSON types: $(head -c 300 <<<"$out")"
out=$(w unit list --format json)
jq -e 'all (.[]; (.keys | type) == "number")' <<<"$out" >/dev/null \
    && ok "unit list JSON: keys is a number" || fail "unit list JSON types: $(head -c 300 <<<"$out")"
out=$(w status --format json)
jq -e '(.servers[0].pid | type) == "number" and (.today[0].batches | type) == "number"' <<<"$out" >/dev/null \
    && ok "status JSON: pid and batches are numbers" || fail "status JSON types: $(head -c 300 <<<"$out")"
# status CSV carries every section, named in a section column.
out=$(w status --format csv)
for s in servers collectors never_delivered today; do
    grep -q "^$s," <<<"$out" && ok "status --format csv has the $s section" || fail "status csv lacks $s: $(head -5 <<<"$out")"
done
check "status --format csv: the first column is the section" 0 0 "$out" "^section,"
# migrate --list takes --format like every listing.
out=$(w migrate --list --format csv); rc=$?
check "migrate --list --format csv" 0 $rc "$out" "^version,name,state,applied"
check "... one row per migration" 0 $rc "$out" "^1,001_schema.sql,applied,"
out=$(w migrate --list --format json); rc=$?
jq -e '.[0].version == 1 and .[0].state == "applied"' <<<"$out" >/dev/null \
    && ok "migrate --list --format json, versions as numbers" || fail "migrate json: $(head -c 300 <<<"$out")"
out=$(w warnings show 999999); rc=$?
check "warnings show of a warning that does not exist" 1 $rc "$out" "there is no warning 999999"

# completeness
out=$(w completeness --year 2024); rc=$?
check "completeness lists units, owed and received" 0 $rc "$out" "^unit +name +owed +received +late +missing"
check "... the town's 2024 reports" 0 $rc "$out" "town_meichang"
out=$(w completeness --year 2024 --format csv); rc=$?
check "completeness --format csv" 0 $rc "$out" "^unit,name,owed,received,late,missing,deadline"
out=$(w completeness); rc=$?
check "completeness needs --year" 2 $rc "$out" "--year YYYY is required"

# report: each format writes a file and says what it found
for f in html md csv; do
    out=$(w report --year 2024 --format $f -o "$work/report.$f"); rc=$?
    check "report --format $f" 0 $rc "$out" "wrote .*report.$f: [0-9]+ indicators with targets"
    [ -s "$work/report.$f" ] && ok "report.$f is not empty" || fail "report.$f is empty"
done
out=$(w report --year 2024 --lang fr -o "$work/r"); rc=$?
check "report refuses an unknown language" 2 $rc "$out" "--lang is zh or en"
out=$(w report -o "$work/r"); rc=$?
check "report needs --year" 2 $rc "$out" "--year YYYY and -o FILE are required"

# help for every command
for c in "responsibility --help" "responsibility list --help" "responsibility assign --help" "responsibility drop --help" "unit --help" "warnings --help" "status --help" "completeness --help" "report --help" "catalog --help"; do
    out=$("$wdmon" $c 2>&1); rc=$?
    check "wdmon $c" 0 $rc "$out" "^Usage: wdmon"
done

kill -TERM "$server_pid"; wait "$server_pid"; rc=$?
check "the server stops cleanly" 0 $rc "stopped" "stopped"
server_pid=
[ $failures -eq 0 ] || { echo "--- server log"; tail -n 30 "$work/server.log"; }
wdm_test_drop_db
wdm_test_end test_cli
