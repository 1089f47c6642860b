#!/usr/bin/env bash
# test_template: a member unit's Excel form, as the unit uses it (issue 16,
# part 1), with real wdmon-server and wdmon-collector processes and a real
# PostgreSQL:
#
#   - `wdmon template` writes the unit's form: a row per indicator x body x
#     sex it is responsible for, last year's stored value to read, keys
#     hidden, only the cells to fill unlocked, the value's natural range
#     checked; an unknown unit, year or plan is refused naming the nearest;
#   - the form filled by openpyxl (numbers, a number typed as text, bad
#     values, rows left empty) and dropped into the collector's inbox
#     stores exactly the good rows, and failed/NAME.errors.txt explains
#     each bad one by sheet, row and column;
#   - a plain sheet made by openpyxl with the CSV's columns (a merged
#     title row, an empty row, numbers as text, a date in the year column,
#     bad rows) is read the same way.
#
# Usage: test_template.sh WDMON WDMON_SERVER WDMON_COLLECTOR
set -u
. "$(dirname "$0")/lib.sh"
wdmon=$1 server_bin=$2 collector_bin=$3
wdm_test_need_pg
py=/usr/bin/python3  #  Debian's, with python3-openpyxl
"$py" -c 'import openpyxl' 2>/dev/null || { echo "python3-openpyxl is not installed: run tests/run.sh"; exit 77; }

work=$(mktemp -d /tmp/wdm_test_template.XXXXXX)
port=$((11000 + ($$ + 104729) % 12000))
endpoint="tcp://127.0.0.1:$port"
db=wdm_test_template
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
taken () { [ ! -e "$mc/inbox/$1" ] && drained; }
# drop FILE NAME: hand a file to the inbox as the convention says.
drop () { cp "$1" "$mc/inbox/$2.part" && mv "$mc/inbox/$2.part" "$mc/inbox/$2"; }

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

# Last year's value, stored the usual way, for the form to show.
printf 'indicator,area,year,value,numerator,denominator\nDM25,meichang,2023,17.5,35,200\n' >"$work/last.csv"
drop "$work/last.csv" last.csv
wait_for 30 taken last.csv || fail "last.csv was not taken"

# --- wdmon template ------------------------------------------------------------
out=$("$wdmon" --db "$conn" template --unit town_meichang --year 2024 -o "$work/form.xlsx" 2>&1)
check "wdmon template writes the form" 0 $? "$out" "form.xlsx: [0-9]+行待填"
out=$("$wdmon" --db "$conn" template --unit town_meichnag --year 2024 -o "$work/x.xlsx" 2>&1)
check "an unknown unit is refused, naming the nearest" 2 $? "$out" "没有成员单位 town_meichnag.*town_meichang"
out=$("$wdmon" --db "$conn" template --unit town_meichang --year 2031 -o "$work/x.xlsx" 2>&1)
check "a year outside the plan is refused, naming the nearest" 2 $? "$out" "2031.*the nearest is 2025"
out=$("$wdmon" --db "$conn" template --unit town_meichang --year 2024 --plan wuqing-women-2016 -o "$work/x.xlsx" 2>&1)
check "an unknown plan is refused, naming the plans" 2 $? "$out" "没有规划 wuqing-women-2016.*wuqing-women-2021-2025"
[ ! -e "$work/x.xlsx" ] && ok "... and no file is written" || fail "a refused template wrote a file"

# What the form should hold, from the database: the unit's
# responsibilities under the current plan's active yearly targets, by
# body for a count in each body, by sex for an indicator split by sex.
q "SELECT r.indicator_code || '|' || coalesce (b.body, '') || '|' || s.sex
     FROM responsibility r JOIN indicator i ON i.code = r.indicator_code AND i.frequency = 'year'
     JOIN plan_target t ON t.indicator_code = i.code AND t.active
     JOIN plan p ON p.code = t.plan_code AND p.current
     LEFT JOIN LATERAL unnest (CASE WHEN t.target_kind = 'min_count' THEN i.bodies END) b (body) ON true
     CROSS JOIN LATERAL unnest (CASE WHEN i.by_sex THEN ARRAY['F', 'M'] ELSE ARRAY['T'] END) s (sex)
    WHERE r.unit_code = 'town_meichang'" | sort >"$work/wanted.txt"
range=$(q "SELECT value_min::float8 || '|' || value_max::float8 FROM indicator WHERE code = 'DM18'")

"$py" - "$work/form.xlsx" "$work" <<'EOF'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["填报"]
header = [c.value for c in ws[4]]
rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if r[0]]
with open(sys.argv[2] + "/got.txt", "w") as f:
    for r in sorted("%s|%s|%s" % (r[0], r[2] or "", r[3]) for r in rows):
        print(r, file=f)
with open(sys.argv[2] + "/facts.txt", "w") as f:
    print("header", "|".join(header), file=f)
    print("hidden", "".join(k for k, d in sorted(ws.column_dimensions.items()) if d.hidden), file=f)
    print("protected", ws.protection.sheet, file=f)
    for i, r in enumerate(rows, start=5):
        if r[0] == "DM25":
            print("DM25 last", r[9], file=f)
        if r[0] == "DM18":
            k = "K%d" % i
            print("DM18 locked", ws[k].protection.locked, ws["J%d" % i].protection.locked, file=f)
            for dv in ws.data_validations.dataValidation:
                if k in str(dv.sqref) and dv.type == "decimal":
                    print("DM18 range", "%g|%g" % (float(dv.formula1), float(dv.formula2)), file=f)
            print("DM18 year", r[4], "area", r[1], file=f)
EOF
expect "the form has a row for each responsibility x body x sex" "$(diff "$work/wanted.txt" "$work/got.txt" && wc -l <"$work/got.txt")" "$(wc -l <"$work/wanted.txt")"
contains "... the header: CSV names for keys and cells to fill, 参考 for the rest" "$work/facts.txt" \
    "header 指标代码|地区代码|机构|性别|年份|（参考）指标名称|（参考）规划目标表述|（参考）计量单位|（参考）目标|（参考）上年数值|数值|分子|分母|备注"
contains "... the key columns hidden" "$work/facts.txt" "hidden ABCDE"
contains "... the sheet protected" "$work/facts.txt" "protected True"
contains "... the value unlocked, last year's value locked" "$work/facts.txt" "DM18 locked False True"
contains "... last year's stored value to read" "$work/facts.txt" \
    "DM25 last $(q "SELECT value FROM observation_current WHERE indicator_code = 'DM25' AND area_code = 'meichang' AND year = 2023")"
contains "... the value checked against the indicator's natural range" "$work/facts.txt" "DM18 range $range"
contains "... the year and the unit's area in the keys" "$work/facts.txt" "DM18 year 2024 area meichang"

# --- The form filled and dropped into the inbox --------------------------------
"$py" - "$work/form.xlsx" "$work/filled.xlsx" <<'EOF'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["填报"]
for row in ws.iter_rows(min_row=5):
    code, body = row[0].value, row[2].value
    if code == "DM03":
        row[10].value = 30                     # good
    elif code == "DM25":
        row[10].value = " 18.5"                # a number typed as text: good
        row[11].value, row[12].value = 37, 200
        row[13].value = "村党组织换届后"
    elif code == "DM17" and body == "政府":
        row[10].value = 1                      # good, a count in one body
    elif code == "DM18":
        row[10].value = 150                    # out of the natural range
    elif code == "DM26":
        row[10].value = "约20"                 # not a number
wb.save(sys.argv[2])
EOF
rows=
for code in DM18 DM26; do
    rows="$rows $("$py" -c "
import openpyxl, sys
ws = openpyxl.load_workbook('$work/filled.xlsx')['填报']
print(next(r[0].row for r in ws.iter_rows(min_row=5) if r[0].value == '$code'))")"
done
read -r dm18_row dm26_row <<<"$rows"
out=$("$collector_bin" -c "$mc/collector.conf" check "$work/filled.xlsx" 2>&1)
has "check reads the filled form as intake would" "$out" "line ${dm18_row}	value	工作表“填报”第${dm18_row}行K列"
drop "$work/filled.xlsx" form-2024.xlsx
wait_for 30 taken form-2024.xlsx || fail "form-2024.xlsx was not taken"
expect "the filled form stores exactly its good rows" \
    "$(q "SELECT string_agg (indicator_code || ':' || body || ':' || value || ':' || coalesce (numerator::text, '') || '/' || coalesce (denominator::text, ''), ',' ORDER BY indicator_code)
            FROM observation WHERE year = 2024")" "DM03::30:/,DM17:政府:1:/,DM25::18.5:37/200"
expect "... with the note" "$(q "SELECT note FROM observation WHERE year = 2024 AND indicator_code = 'DM25'")" "村党组织换届后"
errors=$mc/inbox/failed/form-2024.xlsx.errors.txt
expect "... and explains each bad row" "$(grep -vc '^#' "$errors" 2>/dev/null)" 2
contains "... the out-of-range value by sheet, row and column" "$errors" "${dm18_row}	value	工作表“填报”第${dm18_row}行K列 / sheet '填报' row ${dm18_row} column K: "
contains "... the text that is no number" "$errors" "第${dm26_row}行K列 / sheet '填报' row ${dm26_row} column K: 数值不是数字 / value is not a number: '约20'"
[ -e "$mc/inbox/done/form-2024.xlsx" ] && ok "... the form moved to done/" || fail "form-2024.xlsx not in done/"

# --- A plain sheet with the CSV's columns -----------------------------------------
"$py" - "$work/plain.xlsx" <<'EOF'
import sys, datetime, openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "数据"
ws.append(["梅厂镇2024年妇女发展监测数据"])
ws.merge_cells("A1:E1")
ws.append(["indicator", "area", "year", "value", "note"])
ws.append(["DM27", "meichang", 2024, 31.5, "good"])                      # row 3
ws.append(["DM28", "meichang", "2024", "22.0", "numbers as text"])        # row 4
ws.append([])                                                            # row 5: empty
ws.append(["DM29", "meichang", 2024, "n/a", "bad value"])                 # row 6
ws.append(["DM30", "meichang", 2024, None, "no value"])                   # row 7
ws.append(["DM31", "meichang", datetime.date(2024, 6, 30), 12, "year as a date"])  # row 8
ws["C8"].number_format = "yyyy-mm-dd"
ws.append(["XX99", "meichang", 2024, 5, "unknown indicator"])            # row 9
wb.save(sys.argv[1])
EOF
out=$("$collector_bin" -c "$mc/collector.conf" put "$work/plain.xlsx")
has "put hands a workbook over under its own name" "$out" "plain.xlsx"
wait_for 30 taken plain.xlsx || fail "plain.xlsx was not taken"
expect "a plain sheet stores its good rows" \
    "$(q "SELECT string_agg (indicator_code || ':' || value || ':' || note, ',' ORDER BY indicator_code)
            FROM observation WHERE year = 2024 AND indicator_code IN ('DM27', 'DM28', 'DM29', 'DM30', 'DM31', 'XX99')")" \
    "DM27:31.5:good,DM28:22:numbers as text,DM31:12:year as a date"
errors=$mc/inbox/failed/plain.xlsx.errors.txt
expect "... and explains each bad one" "$(grep -vc '^#' "$errors" 2>/dev/null)" 3
contains "... a value that is no number" "$errors" "6	value	工作表“数据”第6行D列 / sheet '数据' row 6 column D: 数值不是数字 / value is not a number: 'n/a'"
contains "... a missing value" "$errors" "7	value	工作表“数据”第7行D列 / sheet '数据' row 7 column D: 缺少必填字段“数值”"
contains "... an unknown indicator" "$errors" "9	indicator	工作表“数据”第9行A列 / sheet '数据' row 9 column A: "
contains "... with the row's cells" "$errors" "A9=XX99, B9=meichang, C9=2024, D9=5"

# --- Saved by LibreOffice: a CSV converted, and the filled form re-saved ------
# LibreOffice writes its own shape of workbook (its part names, styles,
# shared strings): what a unit gets from Calc, or from a form passed
# through it.
if command -v soffice >/dev/null; then
    lo () { timeout 120 soffice -env:UserInstallation="file://$work/lo-profile" --headless --infilter=CSV:44,34,76,1 \
                --convert-to xlsx --outdir "$1" "$2" >>"$work/soffice.log" 2>&1; }
    printf '指标代码,地区代码,年份,数值,备注\nDM32,meichang,2024,41.5,从CSV转换\nDM36,meichang,2024,abc,坏行\n' >"$work/calc.csv"
    mkdir -p "$work/lo"
    lo "$work/lo" "$work/calc.csv" || fail "LibreOffice did not convert calc.csv"
    drop "$work/lo/calc.xlsx" calc.xlsx
    wait_for 30 taken calc.xlsx || fail "calc.xlsx was not taken"
    expect "a sheet LibreOffice saved from a CSV stores its good row" \
        "$(q "SELECT string_agg (indicator_code || ':' || value || ':' || note, ',') FROM observation WHERE indicator_code IN ('DM32', 'DM36')")" \
        "DM32:41.5:从CSV转换"
    contains "... and explains the bad one" "$mc/inbox/failed/calc.xlsx.errors.txt" \
        "3	value	工作表“calc”第3行D列 / sheet 'calc' row 3 column D: 数值不是数字 / value is not a number: 'abc'"
    q "DELETE FROM observation WHERE year = 2024" >/dev/null
    mkdir -p "$work/lo2"
    lo "$work/lo2" "$work/filled.xlsx" || fail "LibreOffice did not re-save filled.xlsx"
    drop "$work/lo2/filled.xlsx" form-lo.xlsx
    wait_for 30 taken form-lo.xlsx || fail "form-lo.xlsx was not taken"
    expect "the filled form re-saved by LibreOffice stores the same good rows" \
        "$(q "SELECT string_agg (indicator_code || ':' || body || ':' || value || ':' || coalesce (numerator::text, '') || '/' || coalesce (denominator::text, ''), ',' ORDER BY indicator_code)
                FROM observation WHERE year = 2024")" "DM03::30:/,DM17:政府:1:/,DM25::18.5:37/200"
    expect "... and explains the same bad rows" "$(grep -vc '^#' "$mc/inbox/failed/form-lo.xlsx.errors.txt" 2>/dev/null)" 2
else
    echo "skip: LibreOffice (libreoffice-calc-nogui) is not installed: the sheets it saves are not tried"
fi

wdm_test_end test_template
