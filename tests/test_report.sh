#!/usr/bin/env bash
# test_report: the monitoring report as the monitoring office reads it.  A
# known data set (tests/report/data.sql: indicators in every domain, district
# and town values, a year rolled up from the towns, a note carrying markup)
# goes into a fresh database; `wdmon warnings evaluate` raises its warnings;
# `wdmon report` writes the annual report and the final evaluation as HTML,
# Markdown and CSV, in Chinese and English.  The numbers are held against
# the database: each indicator's status against the classification written
# again in SQL (tests/report/status.sql), the summary counts, the values of
# a few indicators formatted the same way.  Database text is escaped, the
# domains come in the plan's order, the CSV opens in Excel (BOM, CRLF,
# quotes).  Headless Chromium renders the HTML to a PNG and a PDF with no
# console errors; without Chromium the test fails (the CI installs it).
#
# Usage: test_report.sh WDMON
# WDM_REPORT_SCREENSHOT=FILE.png keeps the screenshot (for docs/).
set -u
. "$(dirname "$0")/lib.sh"
wdmon=$1
wdm_test_need_pg
here=$(cd "$(dirname "$0")" && pwd)

work=$(mktemp -d /tmp/wdm_test_report.XXXXXX)
trap 'rm -rf "$work"' EXIT
db=wdm_report_test
conn="$WDM_TEST_PGURI dbname=$db"

wdm_test_db "$db"
wdm_test_migrate "$wdmon"
psql "$conn" -qX -v ON_ERROR_STOP=1 -f "$here/report/data.sql" >/dev/null || exit 2
"$wdmon" --db "$conn" -l warn warnings evaluate --today 2025-01-10 >/dev/null || exit 2
observations=$(q "SELECT count(*) FROM observation")

# report NAME ARGS...: wdmon report --year 2024 ARGS -o $work/NAME
report () {
    local name=$1; shift
    if "$wdmon" --db "$conn" -l warn report --year 2024 "$@" -o "$work/$name" 2>"$work/$name.log"; then
        ok "wdmon report $* writes $name"
    else
        fail "wdmon report $*: $(cat "$work/$name.log")"
    fi
}
report zh.html --format html
report zh.md --format md
report zh.csv --format csv
report en.html --format html --lang en
report en.md --format md --lang en
report en.csv --format csv --lang en
# The final evaluation is of the plan's last year, 2025 (issue 14): it
# takes no --year, and the data set has no 2025 value.
final_report () {
    local name=$1; shift
    if "$wdmon" --db "$conn" -l warn report --final "$@" -o "$work/$name" 2>"$work/$name.log"; then
        ok "wdmon report --final $* writes $name"
    else
        fail "wdmon report --final $*: $(cat "$work/$name.log")"
    fi
}
final_report final.html --format html
final_report final.md --format md
final_report final.csv --format csv --lang en

# A report that fails leaves the file it would replace as it was, and no
# partial file beside it.
cp "$work/zh.html" "$work/kept.html"
"$wdmon" --db "$conn" -l warn report --year 1999 -o "$work/kept.html" 2>"$work/kept.log"
expect "a report for a year outside the plan is refused (exit 2, issue 12)" "$?" 2
cmp -s "$work/zh.html" "$work/kept.html" && ok "... and leaves the previous report untouched" \
    || fail "the previous report was changed: $(wc -c <"$work/kept.html") bytes"
expect "... with no partial file left" "$(ls "$work" | grep -c 'kept.html.partial')" 0

# --- The statuses, against the classification written again in SQL ----------

status_sql () {  # status_sql true|false YEAR: code|status of every judged indicator
    psql "$conn" -qXAt -v ON_ERROR_STOP=1 -v year="$2" -v final="$1" -f "$here/report/status.sql"
}
status_sql false 2024 >"$work/annual.sql.txt" || fail "status.sql failed"
status_sql true 2025 >"$work/final.sql.txt" || fail "status.sql (final) failed"
count_of () { grep -c "|$2\$" "$1"; }
judged=$(q "SELECT count(*) FROM plan_target WHERE active AND target_kind <> 'monitor' AND plan_code = (SELECT code FROM plan WHERE current)")
expect "status.sql judges every indicator with a target" "$(wc -l <"$work/annual.sql.txt")" "$judged"

# Each status the summary counts occurs in the data set.
for f in met on_track behind unlikely not_reported; do
    [ "$(count_of "$work/annual.sql.txt" $f)" -gt 0 ] && ok "the data set has indicators $f" \
        || fail "the data set has no indicator $f"
done

# The CSV's status per indicator (English labels), second last field; the
# last field (years rolled up) holds no comma.
csv_status () {
    tr -d '\r' <"$1" | tail -n +2 | awk -F, '{ print $1 "|" $(NF - 1) }' | sed \
        -e 's/|Met$/|met/' -e 's/|On track$/|on_track/' -e 's/|Behind schedule$/|behind/' \
        -e 's/|Unlikely to be met$/|unlikely/' -e 's/|Not reported$/|not_reported/' \
        -e 's/|No final value$/|not_reported/' \
        -e 's/|Not met$/|unlikely/' -e 's/|Cannot be judged$/|on_track/' -e '/|Monitored$/d' | sort
}
expect "each indicator's status in the CSV is the one SQL gives" \
    "$(csv_status "$work/en.csv" | diff - <(sort "$work/annual.sql.txt") && echo same)" "same"
expect "... and in the final evaluation" \
    "$(csv_status "$work/final.csv" | diff - <(sort "$work/final.sql.txt") && echo same)" "same"

# No row looks better than its worst open warning about the target: a red
# one makes it at best "unlikely", a yellow one at best "behind" (the
# report once showed 达标 beside an open red 方向相反).
worst=$(worst_target_warning 2024)
better=$(better_than_warning "$worst" "$work/en.csv")
expect "no indicator's status is better than its worst open warning" "$better" ""
expect "... and there are warnings to hold it against" "$(echo "$worst" | grep -c '|')" \
    "$(q "SELECT count (DISTINCT indicator_code) FROM open_warnings WHERE year <= 2024
            AND (area_code = 'wuqing' OR rule_code = 'min_count') AND rule_code IN ('not_met',
            'behind_schedule', 'unlikely', 'wrong_direction', 'relation_broken', 'min_count')")"

html_count () { sed -nE "s/.*id=\"count-$2\">([0-9]+)<.*/\1/p" "$1"; }
md_count () { awk '/^## / { s = /^## (一、总体情况|1 Summary)$/ } s' "$1" | sed -nE "s/^\| $2 \| ([0-9]+) \|.*/\1/p"; }  # in the summary
for f in met on_track behind unlikely not_reported; do
    expect "HTML summary: $f" "$(html_count "$work/zh.html" $f)" "$(count_of "$work/annual.sql.txt" $f)"
    expect "English HTML summary: $f" "$(html_count "$work/en.html" $f)" "$(count_of "$work/annual.sql.txt" $f)"
done
for f in met on_track unlikely not_reported; do   # nothing is behind in a final evaluation
    expect "final evaluation summary: $f" "$(html_count "$work/final.html" $f)" "$(count_of "$work/final.sql.txt" $f)"
done
expect "HTML summary: total" "$(html_count "$work/zh.html" total)" "$judged"
labels=("met:达标" "on_track:进展正常" "behind:进度滞后" "unlikely:预计达标困难" "not_reported:未报送")
for pair in "${labels[@]}"; do
    expect "Markdown summary: ${pair#*:}" "$(md_count "$work/zh.md" "${pair#*:}")" \
        "$(count_of "$work/annual.sql.txt" "${pair%%:*}")"
done
for pair in "met:达标" "unlikely:未达标" "on_track:无法判断" "not_reported:无终期数据"; do
    expect "final Markdown summary: ${pair#*:}" "$(md_count "$work/final.md" "${pair#*:}")" \
        "$(count_of "$work/final.sql.txt" "${pair%%:*}")"
done
expect "Markdown total" "$(md_count "$work/zh.md" 合计)" "$judged"
contains "the summary says it in words" "$work/zh.html" "已达标$(count_of "$work/annual.sql.txt" met)项"
red=$(q "SELECT count(*) FROM open_warnings WHERE level = 'red' AND year <= 2024")
yellow=$(q "SELECT count(*) FROM open_warnings WHERE level = 'yellow' AND year <= 2024")
contains "the summary counts the open warnings" "$work/zh.html" "红色预警${red}条,黄色预警${yellow}条"
contains "... in Markdown too" "$work/zh.md" "红色预警${red}条,黄色预警${yellow}条"

# --- Values, formatted the same way: two decimals at most, no trailing zeros -

fmt="trim_scale(round(v.value::numeric, 2))::text"
for code in HE03 HE05 HE10 ED01 DM01; do
    row=$(grep "id=\"ind-$code\"" "$work/zh.html")
    latest=$(sed -nE 's/.*class="num latest"[^>]*>([^<]*)<.*/\1/p' <<<"$row")
    want=$(q "SELECT $fmt || u.symbol FROM indicator_value v JOIN indicator i ON i.code = v.indicator_code
              JOIN measure_unit u ON u.code = i.measure_unit_code
              WHERE v.indicator_code = '$code' AND v.area_code = 'wuqing' AND v.year BETWEEN 2021 AND 2024
              ORDER BY v.year DESC LIMIT 1")
    expect "$code: the latest value printed is indicator_value's" "$latest" "$want"
    cells=$(grep -oE 'class="num"[^>]*>[^<]*' <<<"$row" | sed -E 's/.*>//' | paste -sd' ')
    want=$(q "SELECT string_agg(coalesce($fmt, '—'), ' ' ORDER BY y) FROM generate_series(2020, 2024) y
              LEFT JOIN indicator_value v ON v.indicator_code = '$code' AND v.area_code = 'wuqing' AND v.year = y")
    expect "$code: the values 2020-2024 are indicator_value's" "$cells" "$want"
    grep -qF "| $code " "$work/zh.md" && grep "| $code " "$work/zh.md" | grep -qF "| $latest" \
        && ok "$code: Markdown gives the same latest value" || fail "$code: Markdown lacks $latest"
done
he10=$(grep 'id="ind-HE10"' "$work/zh.html")
grep -qF '由2个镇街汇总' <<<"$he10" && grep -qF '†' <<<"$he10" \
    && ok "HE10's rolled-up values are marked and say from how many towns" \
    || fail "HE10's rolled-up values are not marked: $he10"
expect "the CSV gives HE10's years rolled up" "$(tr -d '\r' <"$work/en.csv" | grep '^HE10,' | awk -F, '{ print $NF }')" \
    "2023 2024"
expect "the CSV gives HE03's latest value" \
    "$(tr -d '\r' <"$work/zh.csv" | grep '^HE03,' | awk -F, '{ print $(NF - 2) }')" "8.4"
contains "FA01 shows the gap between women and men" "$work/zh.html" 'title="女性125,男性82">43<'
contains "DM07 shows its weakest body" "$work/zh.html" 'title="4个班子中的最少人数">0<'

# --- Text from the database is escaped -----------------------------------------

for f in zh.html en.html final.html; do
    lacks "$f has no script element" "$work/$f" "<script"
done
contains "the note's markup is shown escaped" "$work/zh.html" "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;引号&quot; &#39;; DROP TABLE"
contains "... in Markdown as well" "$work/zh.md" "&lt;script&gt;alert(1)&lt;/script&gt;"
lacks "... never raw in Markdown" "$work/zh.md" "<script"
expect "the SQL in the note did nothing" "$(q "SELECT count(*) FROM observation")" "$observations"

# --- Structure --------------------------------------------------------------------

headings () {  # headings FILE: the domain headings of an HTML report, prefix removed
    grep -oE '<h3 id="domain-[0-9]+">[^<]*</h3>' "$1" | sed -E 's/<[^>]*>//g; s/^(\([^)]*\)|[0-9.]+ )//' \
        | paste -sd'|'
}
expect "every domain heading, in the plan's order" "$(headings "$work/zh.html")" \
    "$(q "SELECT string_agg(name_zh, '|' ORDER BY ordinal) FROM domain WHERE plan_code = (SELECT code FROM plan WHERE current)")"
expect "... in English" "$(headings "$work/en.html")" \
    "$(q "SELECT string_agg(name_en, '|' ORDER BY ordinal) FROM domain WHERE plan_code = (SELECT code FROM plan WHERE current)")"
expect "... and in Markdown" "$(awk '/^## 二、/, /^## 三、/' "$work/zh.md" | grep -E '^### ' \
    | sed -E 's/^### \([^)]*\)//' | paste -sd'|')" "$(q "SELECT string_agg(name_zh, '|' ORDER BY ordinal) FROM domain WHERE plan_code = (SELECT code FROM plan WHERE current)")"
title=$(q "SELECT title_zh FROM plan WHERE current")
contains "the title is the plan's with the year" "$work/zh.html" "$title</span>2024年度监测报告</h1>"
contains "the final evaluation says so" "$work/final.html" "终期监测评估报告"
contains "... and names the targets without a value for its last year" "$work/final.html" "项目标没有目标年(2025年)数值,未作终期评估,不计为达标"
for f in zh.html en.html zh.md final.html; do
    lacks "$f points its readers to no file of the repository" "$work/$f" "docs/"
done
contains "the English report is in English" "$work/en.html" "Monitoring Report 2024"
contains "... with English names" "$work/en.html" "Maternal mortality ratio"
contains "the Markdown has every part" "$work/zh.md" "## 五、说明"
for part in summary domains warnings units notes; do
    contains "the HTML has part $part" "$work/zh.html" "id=\"$part\""
done
contains "the warnings name the rule and the area" "$work/zh.html" "关系目标未满足"
contains "completeness lists the units" "$work/zh.html" 'id="unit-health_commission"'
contains "the page is sized for A4" "$work/zh.html" "size:A4"
if grep -qiE '<script|<link|<img|<iframe|<object|src=|href=|url\(|@import|https?://' "$work/zh.html" "$work/en.html"; then
    fail "the HTML refers to something outside itself: $(grep -oiE '<script|<link|<img|<iframe|<object|src=|href=|url\(|@import|https?://' "$work/zh.html" "$work/en.html" | sort -u | paste -sd' ')"
else
    ok "the HTML is self-contained (no scripts, links, external images or fonts)"
fi
[ "$(grep -c '<svg' "$work/zh.html")" -gt "$(q "SELECT count(DISTINCT indicator_code) FROM indicator_value WHERE area_code = 'wuqing'")" ] \
    && ok "a chart for each indicator with values, and the summary bar" || fail "charts are missing"

# --- CSV ----------------------------------------------------------------------------

for f in zh.csv en.csv; do
    expect "$f starts with a UTF-8 BOM" "$(head -c 3 "$work/$f" | od -An -tx1 | tr -d ' ')" "efbbbf"
    expect "$f has one row per active indicator, and a header" "$(wc -l <"$work/$f")" \
        "$(( $(q "SELECT count(*) FROM plan_target WHERE active AND plan_code = (SELECT code FROM plan WHERE current)") + 1 ))"
    expect "$f ends every line with CRLF" "$(grep -c $'\r$' "$work/$f")" "$(wc -l <"$work/$f")"
done
expect "the CSV header names the columns and the years" "$(head -1 "$work/en.csv" | tr -d '\r' | sed 's/^\xef\xbb\xbf//')" \
    "code,domain,name,target_kind,target,unit,baseline,baseline_source,2020,2021,2022,2023,2024,latest,status,rolled_up_years"
contains "a field with a comma is quoted" "$work/en.csv" ',"at most 8.5/100,000",'

# --- Bad requests -------------------------------------------------------------------

if "$wdmon" --db "$conn" -l warn report --year 2030 --format html -o "$work/x.html" 2>"$work/x.log"; then
    fail "a year outside the plan is refused"
else
    contains "a year outside the plan is refused, saying why" "$work/x.log" "outside the plan"
fi

# --- Headless Chromium: the page renders, prints, and logs no errors -------------

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
    fail "chromium is not installed: tests/run.sh installs it (apt-get install chromium fonts-noto-cjk)"
else
    [ -n "$(fc-list :lang=zh family 2>/dev/null)" ] && ok "a Chinese font is installed" \
        || fail "no Chinese font: the report would show boxes (apt-get install fonts-noto-cjk)"
    render () {  # render PAGE OUTPUT_FLAG LOG
        local profile
        profile=$(mktemp -d "$work/profile.XXXXXX")
        timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
            --disable-background-networking --disable-component-update --disable-sync \
            --user-data-dir="$profile" --enable-logging=stderr --v=0 "$2" \
            --window-size=1240,1754 "file://$1" >/dev/null 2>"$3"
        local rc=$?
        rm -rf "$profile"
        return $rc
    }
    # Chromium logs every message of the page's console to stderr as
    # INFO:CONSOLE (uncaught exceptions, console.error, blocked loads); the
    # report has no scripts and loads nothing, so any such line is an error.
    console () { grep -E ':CONSOLE[:(]' "$1"; }
    # First, that the check sees an error when there is one.
    printf '<!DOCTYPE html><html><body><p>x</p><script>undefinedFunction ();</script></body></html>\n' \
        >"$work/broken.html"
    render "$work/broken.html" --screenshot="$work/broken.png" "$work/broken.log"
    console "$work/broken.log" | grep -q "Uncaught" && ok "the console check catches a page's error" \
        || fail "the console check does not see a deliberate error: $(tail -3 "$work/broken.log")"

    if render "$work/zh.html" --screenshot="$work/zh.png" "$work/png.log"; then
        ok "chromium takes a screenshot"
    else
        fail "chromium failed: $(tail -3 "$work/png.log")"
    fi
    if render "$work/zh.html" --print-to-pdf="$work/zh.pdf" "$work/pdf.log"; then
        ok "chromium prints to PDF"
    else
        fail "chromium failed to print: $(tail -3 "$work/pdf.log")"
    fi
    render "$work/en.html" --screenshot="$work/en.png" "$work/en.log" || fail "chromium failed on en.html"
    size () { stat -c %s "$1" 2>/dev/null || echo 0; }
    [ "$(size "$work/zh.png")" -gt 10240 ] && ok "the screenshot is not blank ($(size "$work/zh.png") bytes)" \
        || fail "the screenshot is missing or trivial ($(size "$work/zh.png") bytes)"
    [ "$(size "$work/zh.pdf")" -gt 10240 ] && ok "the PDF is not blank ($(size "$work/zh.pdf") bytes)" \
        || fail "the PDF is missing or trivial ($(size "$work/zh.pdf") bytes)"
    expect "the PDF is a PDF" "$(head -c 4 "$work/zh.pdf" 2>/dev/null)" "%PDF"
    for log in png pdf en; do
        errors=$(console "$work/$log.log")
        [ -z "$errors" ] && ok "no console messages ($log)" || fail "console messages ($log): $errors"
    done
    if [ -n "${WDM_REPORT_SCREENSHOT:-}" ] && [ -s "$work/zh.png" ]; then
        cp "$work/zh.png" "$WDM_REPORT_SCREENSHOT" && ok "screenshot kept in $WDM_REPORT_SCREENSHOT"
    fi
fi

wdm_test_end test_report
