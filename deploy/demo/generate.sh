#!/usr/bin/env bash
# deploy/demo/generate.sh: write the demo data files under deploy/demo/data/.
#
# DEMO DATA (演示数据): every figure below is invented to show how wdmon
# works.  None of it is an official statistic of Wuqing District.
#
# The figures are kept here, one line per series (an indicator in an area,
# for a body or a sex), 2020 (the baseline) to 2025 (the plan's last year); this script expands
# them to one CSV file per member unit, in the long format a collector
# reads (one line per indicator, area, year), and adds the rows for the
# district's 30 towns and streets, which it computes.  deploy/quickstart.sh
# drops the files into the units' inboxes.  Edit a figure here, run
#
#     deploy/demo/generate.sh
#
# and commit the files it writes; the output is the same on every run.
# Needs bash and awk (mawk or gawk) only.
#
# Most series are healthy; a few are chosen so that every kind of warning
# appears (see deploy/demo/README.md for the list).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$here/data
site=$here/../site/wuqing.yaml
[ -r "$site" ] || { echo "error: $site not found" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"

# expand UNIT FILE [zh]: the series on standard input to UNIT's CSV FILE.
# A series line:  INDICATOR AREA BODY SEX STATUS_2025 V2020 V2021 ... V2025
#   BODY  '-' for none;  SEX  T (total), F or M;  STATUS_2025  final or
#   provisional (2020-2024 are final);  a value '-' sends nothing for that
#   year, 'N/D' sends numerator N over denominator D and their share in %.
# zh: Chinese column names, Chinese sex and status words, as Excel on Chinese
#     Windows writes them (the quick start also makes the file GB18030 with
#     CRLF line ends as it drops it, see ENCODING below).
expand () {
    local unit=$1 file=$2 zh=${3:-}
    mkdir -p "$out/$unit"
    awk -v zh="$zh" '
        BEGIN {
            eol = "\n"
            note = "演示数据 / demo data"
            if (zh) printf "指标代码,地区代码,机构,年份,性别,数值,分子,分母,状态,备注%s", eol
            else    printf "indicator,area,body,year,sex,value,numerator,denominator,status,note%s", eol
        }
        /^[ \t]*(#|$)/ { next }
        NF != 11 { printf "line %d: %d fields, wanted 11: %s\n", NR, NF, $0 > "/dev/stderr"; bad = 1; exit 1 }
        {
            body = $3 == "-" ? "" : $3
            sex = $4
            if (zh) sex = sex == "F" ? "女" : sex == "M" ? "男" : "合计"
            for (i = 6; i <= 11; i++) {
                if ($i == "-") continue
                year = 2014 + i
                status = year < 2025 ? "final" : $5
                if (zh) status = status == "final" ? "最终" : "初步"
                num = ""; den = ""; value = $i
                if (index ($i, "/")) {
                    split ($i, nd, "/"); num = nd [1]; den = nd [2]
                    value = sprintf ("%.2f", num / den * 100)
                    sub (/0+$/, "", value); sub (/\.$/, "", value)
                }
                printf "%s,%s,%s,%d,%s,%s,%s,%s,%s,%s%s", $1, $2, body, year, sex, value, num, den, status, note, eol
            }
        }' >"$out/$unit/$file"
}

# The district's streets and towns, in the order the data was first made
# in (that of the demo's areas before they moved to the site file); each
# must be an area of the site file, below wuqing.
towns="yangcun xiazhuzhuang dongpuwa huangzhuang xuguantun yunhexi
       meichang dajianchang cuihuangkou daliang xiawuqi nancaicun
       damengzhuang sicundian hexiwu chengguan dongmaquan huanghuadian
       shigezhuang wangqingtuo chagugang hebeitun shangmatai dawangguzhuang
       chenzui douzhangzhuang caozili dahuangpu gaocun baigutun"
for t in $towns; do
    awk -v t="$t" '$0 == "- code: " t { found = 1; next } found && /^  parent: wuqing$/ { ok = 1 }
                   found && /^- / { exit } END { exit !ok }' "$site" \
        || { echo "error: $t is not an area below wuqing in $site" >&2; exit 1; }
done

# ---------------------------------------------------------------------------
# 区卫生健康委 District Health Commission
#   HE03 maternal mortality 8.8/10万 in 2024, above 8.5; 8.3 in 2025: met at the end
#   HE05 cervical screening 66.1% in 2025, target 70%            -> not met at the end
#   HE06 breast screening down three years running               -> wrong_direction, not met at the end
#   HE13 nothing sent for 2025                                   -> missing; no final value
#   HE21 2024 sent final as 78.1, corrected to 88.6 (next file)  -> implausible: revision
#   EN06 nursing rooms 52 -> 74 (+42%) in 2024                   -> fluctuating
# ---------------------------------------------------------------------------
expand health_commission health_commission-2020-2025.csv <<'SERIES'
# ind  area    body sex 2025        2020    2021    2022    2023    2024    2025
HE01   wuqing  -    T   final       82.36   82.51   82.70   82.85   83.04   83.23
HE02   wuqing  -    T   provisional 70.2    70.5    70.9    71.2    71.6    72.0
HE03   wuqing  -    T   final       9.8     9.1     8.2     7.9     8.8     8.3
HE04   wuqing  -    T   final       15.6    14.8    13.9    13.1    12.4    11.7
HE05   wuqing  -    T   final       52.0    55.1    57.6    60.2    63.4    66.1
HE06   wuqing  -    T   final       55.0    57.2    59.1    58.6    58.1    57.9
HE07   wuqing  -    T   final       88.5    89.6    90.4    91.3    92.0    92.7
HE08   wuqing  -    T   final       85.2    86.4    87.1    88.3    89.0    89.7
HE09   wuqing  -    T   final       0.95    0.88    0.80    0.72    0.66    0.60
HE10   wuqing  -    T   final       1.60    1.50    1.40    1.30    1.25    1.20
HE11   wuqing  -    T   provisional 18.6    20.3    22.1    24.0    25.8    27.6
HE12   wuqing  -    T   provisional 4.10    4.40    4.65    4.85    5.00    5.15
HE13   wuqing  -    T   provisional 3.20    3.45    3.65    3.80    3.90    -
HE14   wuqing  -    T   final       24.5    27.1    29.6    32.0    34.3    36.6
HE15   wuqing  -    T   final       13.8    13.1    12.5    11.9    11.2    10.5
HE18   wuqing  -    T   final       93.5    94.1    94.8    95.2    95.6    96.0
HE19   wuqing  -    T   final       18.2    17.1    16.0    15.2    14.3    13.4
HE20   wuqing  -    T   final       9.8     9.4     9.0     8.7     8.3     7.9
HE21   wuqing  -    T   final       82.4    84.0    85.7    87.1    78.1    89.9
HE22   wuqing  -    T   final       99.52   99.61   99.70   99.74   99.81   99.88
HE23   wuqing  -    T   final       99.50   99.60   99.68   99.73   99.80   99.87
HE24   wuqing  -    T   final       99.48   99.58   99.66   99.72   99.79   99.86
HE25   wuqing  -    T   final       100     100     100     100     100     100
HE26   wuqing  -    T   final       97.6    98.1    98.5    98.9    99.2    99.5
HE27   wuqing  -    T   final       9.6     8.8     8.1     7.4     6.9     6.4
EC07   wuqing  -    T   final       2.35    2.21    2.08    1.96    1.85    1.74
EN06   wuqing  -    T   provisional 32      38      45      52      74      79
SERIES

# The correction, sent after the file above: 2024's HE21 was keyed in wrong.
cat >"$out/health_commission/health_commission-2024-correction.csv" <<'CSV'
indicator,area,year,value,status,note
HE21,wuqing,2024,88.6,final,演示数据 / demo data；更正：2024年孕早期检测率录入错误（78.1应为88.6）
CSV

# ---------------------------------------------------------------------------
# 区教育局 District Education Bureau: all healthy
# ---------------------------------------------------------------------------
expand education_bureau education_bureau-2020-2025.csv <<'SERIES'
# ind  area    body sex 2025        2020    2021    2022    2023    2024    2025
ED01   wuqing  -    T   final       100.3   100.1   100.4   100.2   100.5   100.8
ED02   wuqing  -    T   final       98.6    98.9    99.1    99.3    99.4    99.5
ED03   wuqing  -    T   final       52.3    52.8    53.1    53.0    53.4    53.8
ED04   wuqing  -    T   final       47.1    47.8    48.4    48.9    49.5    50.1
ED06   wuqing  -    T   final       15.2    15.4    15.6    15.7    15.8    15.9
SERIES

# ---------------------------------------------------------------------------
# 区人社局 District Human Resources and Social Security Bureau
#   EC03 women among senior professionals 41.8% in 2025, target 45% -> not met at the end
# ---------------------------------------------------------------------------
expand hrss_bureau hrss_bureau-2020-2025.csv <<'SERIES'
# ind  area    body sex 2025        2020    2021    2022    2023    2024    2025
EC01   wuqing  -    T   final       41.2    41.4    41.6    41.9    42.1    42.3
EC02   wuqing  -    T   final       40.3    40.6    40.9    41.2    41.5    41.8
EC03   wuqing  -    T   final       40.2    40.6    40.9    41.3    41.5    41.8
EC04   wuqing  -    T   final       26.4    27.1    27.9    28.6    29.5    30.4
EC08   wuqing  -    T   final       95.1    95.8    96.4    96.9    97.3    97.7
SS09   wuqing  -    T   final       168400/189200 173900/191500 179200/193100 184600/194800 190300/196200 196000/197600
SS04   wuqing  -    T   final       3012    3105    3189    3268    3342    3416
SS05   wuqing  -    T   final       86.1    87.3    88.5    89.4    90.2    91.0
SS06   wuqing  -    T   final       1580    1650    1710    1760    1820    1880
SS07   wuqing  -    T   final       84.3    85.6    86.8    87.9    88.7    89.5
SERIES

# ---------------------------------------------------------------------------
# 区委组织部 Organization Department
#   DM02 women among party congress delegates 33.2% < DM01 36.5% -> relation_broken, not met at the end
#   DM17 for the 28 towns and streets other than the two demo towns (below)
# ---------------------------------------------------------------------------
expand organization_dept organization_dept-2020-2025.csv <<'SERIES'
# ind  area    body            sex 2025  2020    2021    2022    2023    2024    2025
DM01   wuqing  -               T   final 33.6    34.2    34.8    35.3    35.9    36.5
DM02   wuqing  -               T   final 34.0    33.2    33.2    33.2    33.2    33.2
DM07   wuqing  区委            T   final 2       2       2       2       2       2
DM07   wuqing  区人大常委会    T   final 2       2       3       3       3       3
DM07   wuqing  区政府          T   final 1       1       2       2       2       2
DM07   wuqing  区政协          T   final 3       3       3       3       3       3
DM08   wuqing  -               T   final 12.5    12.5    14.3    14.3    14.3    14.3
DM09   wuqing  -               T   final 51.2    52.6    54.1    55.8    57.0    58.2
DM10   wuqing  -               T   final 14.0    14.6    15.2    15.9    16.3    16.7
DM11   wuqing  区教育局        T   final 2       2       2       2       2       2
DM11   wuqing  区科技局        T   final 1       1       1       1       1       1
DM11   wuqing  区文化和旅游局  T   final 1       1       2       2       2       2
DM11   wuqing  区卫生健康委    T   final 2       2       2       3       3       3
DM11   wuqing  区体育局        T   final 1       1       1       1       1       1
DM11   wuqing  区民政局        T   final 1       2       2       2       2       2
DM11   wuqing  区司法局        T   final 1       1       1       1       1       1
DM11   wuqing  区人社局        T   final 2       2       2       2       2       2
DM12   wuqing  -               T   final 21.5    22.3    23.0    23.8    24.6    25.4
DM13   wuqing  -               T   final 18      19      19      20      21      22
DM14   wuqing  -               T   final 5       5       6       6       6       6
DM15   wuqing  -               T   final 236     241     249     255     262     269
DM16   wuqing  -               T   final 58      60      62      65      67      69
DM18   wuqing  -               T   final 5/60    5/60    6/60    7/60    8/60    9/60
DM19   wuqing  -               T   final 31.8    32.4    33.1    33.9    34.6    35.3
DM25   wuqing  -               T   final 17.6    18.4    19.3    20.1    21.0    21.9
DM26   wuqing  -               T   final 6.8     7.2     7.9     8.5     9.1     9.7
DM29   wuqing  -               T   final 62.3    63.0    63.4    64.1    64.6    65.1
DM30   wuqing  -               T   final 55.6    56.9    57.4    58.0    58.8    59.6
DM34   wuqing  -               T   final 30.2    31.0    31.9    32.7    33.5    34.3
DM35   wuqing  -               T   final 38.4    39.1    39.9    40.6    41.3    42.0
SERIES

# Women in each town's and street's two leadership bodies (DM17), as the
# organization department counts them; the two demo towns report their own.
for town in $towns; do echo "$town"; done | awk '
    $1 == "meichang" || $1 == "yangcun" { next }
    {
        i = NR
        party = 1 + (i % 3 == 0)            # 党(工)委: 1 or 2
        gov = 1 + (i % 2)                   # 政府: 1 or 2
        printf "DM17 %s 党(工)委 T final %d %d %d %d %d %d\n", $1, party, party, party, party, party, party
        printf "DM17 %s 政府 T final %d %d %d %d %d %d\n", $1, gov, gov, 1 + (i % 4 != 1), gov, gov, gov
    }' | expand organization_dept organization_dept-towns-DM17-2020-2025.csv

# ---------------------------------------------------------------------------
# 区民政局 District Civil Affairs Bureau
#   DM27 women among village committee members, for every town and street,
#   with numerators and denominators, so the district rolls up from them;
#   大黄堡镇 (dahuangpu) 2024 keyed in as 12 of 150 (8%) while its peers
#   stand at 33-40%                                              -> implausible: peers (yellow),
#                                                                   and fluctuating, not_met, unlikely there
# ---------------------------------------------------------------------------
expand civil_affairs_bureau civil_affairs_bureau-2020-2025.csv <<'SERIES'
# ind  area    body sex 2025        2020    2021    2022    2023    2024    2025
DM28   wuqing  -    T   final       7.5     8.1     8.6     9.2     9.8     10.4
DM31   wuqing  -    T   final       63.5    64.2    64.8    65.1    65.7    66.3
DM32   wuqing  -    T   final       52.4    53.6    54.1    55.0    55.8    56.6
DM33   wuqing  -    T   final       24.1    25.0    25.9    26.8    27.6    28.4
SS08   wuqing  -    T   final       1010    1030    1070    1110    1140    1170
SERIES

for town in $towns; do echo "$town"; done | awk '
    {
        i = NR - 1
        members = 90 + (i * 37) % 100                      # village committee members, 90-189
        base = 31.5 + ((i * 7) % 13) * 0.55                # share of women in 2020, 31.5-38.1%
        line = "DM27 " $1 " - T final"
        for (y = 2020; y <= 2025; y++) {
            share = base + 0.35 * (y - 2020) + (((i + y) % 3) - 1) * 0.2
            women = int (members * share / 100 + 0.5)
            if ($1 == "dahuangpu" && y == 2024) line = line " 12/150"
            else line = line " " women "/" members
        }
        print line
    }' | expand civil_affairs_bureau civil_affairs_bureau-towns-DM27-2020-2025.csv

# ---------------------------------------------------------------------------
# 区水务局 District Water Affairs Bureau
#   EN03 water source quality: nothing sent for 2024 (due 2025-03-31)
#        nor for 2025 (due 2026-03-31)                           -> missing; no final value
# ---------------------------------------------------------------------------
expand water_bureau water_bureau-2020-2025.csv <<'SERIES'
# ind  area    body sex 2025        2020    2021    2022    2023    2024    2025
EN01   wuqing  -    T   final       98.6    99.2    99.6    100     100     100
EN02   wuqing  -    T   final       99.1    99.5    99.8    100     100     100
EN03   wuqing  -    T   final       100     100     100     100     -       -
EN07   wuqing  -    T   final       61.5    66.2    70.8    75.1    79.6    84.1
SERIES

# ---------------------------------------------------------------------------
# 区统计局 District Statistics Bureau: surveys by sex (women F, men M);
# every gap narrows
# ---------------------------------------------------------------------------
expand statistics_bureau statistics_bureau-2020-2025.csv <<'SERIES'
# ind  area    body sex 2025        2020    2021    2022    2023    2024    2025
ED05   wuqing  -    F   provisional 9.1     10.3    11.6    12.7    13.9    15.1
ED05   wuqing  -    M   provisional 13.4    14.3    15.2    16.0    16.9    17.8
ED07   wuqing  -    T   final       10.1    10.2    10.3    10.4    10.5    -
EC05   wuqing  -    F   final       71.2    72.4    73.5    74.6    75.6    76.6
EC05   wuqing  -    M   final       80.5    81.1    81.7    82.3    82.8    83.3
EC06   wuqing  -    F   provisional 68400   71900   74800   78300   81600   84900
EC06   wuqing  -    M   provisional 85300   88600   91300   94500   97400   100300
FA01   wuqing  -    F   provisional 152     148     143     139     134     129
FA01   wuqing  -    M   provisional 64      66      68      70      72      74
SERIES

# ---------------------------------------------------------------------------
# 区农业农村委 District Agriculture and Rural Affairs Commission
# ---------------------------------------------------------------------------
expand agriculture_commission agriculture_commission-2020-2025.csv <<'SERIES'
# ind  area    body sex 2025        2020    2021    2022    2023    2024    2025
EN04   wuqing  -    T   final       93.8    95.6    97.4    98.9    100     100
EN08   wuqing  -    T   final       78.3    82.6    86.4    89.9    92.7    95.5
EN09   wuqing  -    T   final       85.2    87.0    88.9    90.4    91.8    93.2
SERIES

# ---------------------------------------------------------------------------
# 梅厂镇人民政府 Meichang Town: Chinese column names; deploy/quickstart.sh
# converts the file to GB18030 with CRLF line ends (the ENCODING file says
# so), as a town office's Excel would save it
#   DM17 the town government's leadership has no woman in 2024, one
#        again in 2025                                           -> min_count for 2024
# ---------------------------------------------------------------------------
expand town_meichang town_meichang-2020-2025.csv zh <<'SERIES'
# ind  area      body      sex 2025        2020    2021    2022    2023    2024    2025
DM17   meichang  党(工)委  T   final       1       1       1       1       1       1
DM17   meichang  政府      T   final       1       1       1       1       0       1
DM03   meichang  -         T   final       26.8    26.8    28.1    28.1    28.1    28.1
DM25   meichang  -         T   final       36/212  38/212  40/212  42/212  44/212  46/212
EN04   meichang  -         T   final       92.1    94.8    97.0    99.1    100     100
EN09   meichang  -         T   final       84.0    86.1    88.3    90.0    91.5    93.0
SERIES
echo GB18030 >"$out/town_meichang/ENCODING"

# ---------------------------------------------------------------------------
# 杨村街道办事处 Yangcun Street: its leadership and its communities
# ---------------------------------------------------------------------------
expand street_yangcun street_yangcun-2020-2025.csv <<'SERIES'
# ind  area     body      sex 2025        2020    2021    2022    2023    2024    2025
DM17   yangcun  党(工)委  T   final       2       2       2       2       2       2
DM17   yangcun  政府      T   final       1       1       2       2       2       2
DM29   yangcun  -         T   final       64.1    64.9    65.5    66.2    66.8    67.4
DM30   yangcun  -         T   final       14/24   14/24   15/24   15/24   16/24   17/24
DM31   yangcun  -         T   final       66.2    66.9    67.3    67.8    68.4    69.0
DM32   yangcun  -         T   final       14/24   14/24   15/24   15/24   16/24   17/24
SERIES

for dir in "$out"/*/; do
    for file in "$dir"*.csv; do
        printf '%-60s %4d records\n' "${file#"$here"/}" $(( $(wc -l <"$file") - 1 ))
    done
done
