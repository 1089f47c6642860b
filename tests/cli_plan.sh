#!/usr/bin/env bash
# cli_plan: `wdmon plan import|list|show|export|use` as an operator runs
# it, against a real database: a plan file with each kind of mistake is
# refused whole, every mistake named with its line and field, nothing
# applied; the shipped 2021-2025 file exports back byte for byte; a second
# plan (a 2026-2030 example sharing HE03 with its own bound) imports and
# is listed; a dry run shows the difference and changes nothing; a changed
# file becomes the next version with each difference on a line; the same
# file again is "no change"; a target the file drops that warnings name is
# kept, inactive; export then import is "no change"; `plan use` makes a
# plan current.
#
# Usage: cli_plan.sh WDMON SOURCE_DIR
set -u
. "$(dirname "$0")/lib.sh"
wdmon=$1
src=$2
wdm_test_need_pg

work=$(mktemp -d /tmp/wdm_cli_plan.XXXXXX)
trap 'rm -rf "$work"' EXIT
shipped=$wdm_test_plan_file
w () { "$wdmon" --db "$conn" -l warn "$@" 2>&1; }

wdm_test_db wdm_test_cli_plan
wdm_test_migrate "$wdmon"

# line FILE TEXT: the number of the first line of FILE holding TEXT.
line () { grep -nF -- "$2" "$1" | head -n 1 | cut -d: -f1; }

# --- The shipped file is what the database holds --------------------------
w plan export wuqing-women-2021-2025 "$work/exported.yaml" >/dev/null
if cmp -s "$work/exported.yaml" "$shipped"; then
    ok "export of the 2021-2025 plan is the shipped file, byte for byte"
else
    fail "export of the 2021-2025 plan differs from $shipped"
    diff "$shipped" "$work/exported.yaml" | head -10
fi
out=$(w plan import "$work/exported.yaml"); rc=$?
check "export then import: no change" 0 $rc "$out" '^无变化 / no change$'

# --- The file alone makes the catalog -------------------------------------
# A database with no plan at all (as one is once the migrations carry no
# catalog): the file adds every domain, statistic and target, relations
# included, and exports back as itself.
wdm_test_db wdm_test_cli_plan_empty
"$wdmon" --db "$conn" -l warn migrate >/dev/null || exit 2
q "DELETE FROM responsibility; DELETE FROM plan_target; DELETE FROM domain; DELETE FROM indicator;
   DELETE FROM plan" >/dev/null
out=$(w plan import "$shipped"); rc=$?
check "the 2021-2025 file imports into a database without a plan" 0 $rc "$out" \
    "^新增 [0-9]+、修改 0、删除 0 / [0-9]+ added, 0 changed, 0 removed$"
has "... and becomes the current plan, there being none" "$out" "当前规划 / current plan: wuqing-women-2021-2025"
expect "... every target, domain and statistic" \
    "$(q "SELECT count (*) FROM plan_target")/$(q "SELECT count (*) FROM domain")/$(q "SELECT count (*) FROM indicator")" \
    "$(grep -c '^  target:' "$shipped")/8/$(grep -c '^- code:' "$shipped")"
w plan export wuqing-women-2021-2025 "$work/from-empty.yaml" >/dev/null
if cmp -s "$work/from-empty.yaml" "$shipped"; then
    ok "... and exports back as the shipped file"
else
    fail "the plan imported into an empty database exports differently"
    diff "$shipped" "$work/from-empty.yaml" | head -10
fi
wdm_test_drop_db
wdm_test_db wdm_test_cli_plan
wdm_test_migrate "$wdmon"

# --- A file with each kind of mistake: all named, nothing applied ---------
cat >"$work/bad.yaml" <<'EOF'
plan:
  code: example-women-2026-2030
  title_zh: 示例规划
  titel_en: Example plan
  subject: women
  source: 示例 / example
  period: {start: 2026, end: 2030}
  baseline_year: 2025
domains:
  - {code: health, ordinal: 1, name_zh: 妇女与健康}
  - {code: education, ordinal: 2, name_zh: 妇女与教育, name_en: Women and education}
indicators:
  - code: HE03
    name_zh: 孕产妇死亡率
    name_en: Maternal mortality ratio
    measure_unit: percent
    range: {min: 0, max: 100000}
    aggregation: ratio
    target: {domain: health, ordinal: 1, kind: upper_bound, value: 8, year: 2030, clause_zh: 控制在8/10万以下, clause_ref: 示例1}
  - code: HE90
    name_zh: 示例甲
    name_en: Example A
    measure_unit: percent
    aggregation: ratio
    target: {domain: health, ordinal: 2, kind: upper_bund, value: 5, year: 2030, clause_zh: 甲, clause_ref: 示例2}
  - code: HE91
    name_zh: 示例乙
    name_en: Example B
    measure_unit: percent
    aggregation: ratio
    target: {domain: health, ordinal: 3, kind: lower_bound, year: 2030, clause_zh: 乙, clause_ref: 示例3}
  - code: HE92
    name_zh: 示例丙
    name_en: Example C
    measure_unit: percent
    aggregation: ratio
    target: {domain: helth, ordinal: 4, kind: increase, year: 2030, clause_zh: 丙, clause_ref: 示例4}
  - code: HE90
    name_zh: 示例甲重复
    name_en: Example A again
    measure_unit: percent
    aggregation: ratio
    target: {domain: education, ordinal: 1, kind: increase, year: 2030, clause_zh: 甲重复, clause_ref: 示例5}
  - code: ED90
    name_zh: 示例丁
    name_en: Example D
    measure_unit: percent
    aggregation: ratio
    target: {domain: education, ordinal: 1, kind: increase, year: 2030, clause_zh: 丁, clause_ref: 示例6}
  - code: ED91
    name_zh: 示例戊
    name_en: Example E
    measure_unit: percent
    aggregation: ratio
    target: {domain: education, ordinal: 2, kind: relation, relation: {indicator: ED99, op: '>='}, year: 2030, clause_zh: 戊, clause_ref: 示例7}
  - code: ED92
    name_zh: 示例己
    name_en: Example F
    measure_unit: percent
    aggregation: ratio
    target: {domain: education, ordinal: 3, kind: increase, year: 2031, clause_zh: 己, clause_ref: 示例8}
EOF
b=$work/bad.yaml
out=$(w plan import "$b"); rc=$?
check "a file with mistakes is refused (exit 2), nothing applied" 2 $rc "$out" 'not imported; the database is unchanged'
has "unknown key, with its line and the nearest key" "$out" \
    "bad.yaml:$(line "$b" titel_en): plan: field 'titel_en'"
has "... naming the key meant" "$out" "title_en"
has "missing field, with its line" "$out" \
    "bad.yaml:$(line "$b" '{code: health'): domain 'health': field 'name_en'"
has "a kind that is not one, with its line and the nearest" "$out" \
    "bad.yaml:$(line "$b" upper_bund): indicator 'HE90' target: field 'kind'"
has "... suggesting upper_bound" "$out" "upper_bound"
has "a bound without its value" "$out" "bad.yaml:$(line "$b" 'kind: lower_bound'): indicator 'HE91' target: field 'value'"
has "an unknown domain, with the nearest" "$out" \
    "bad.yaml:$(line "$b" helth): indicator 'HE92' target: field 'domain': 未知领域 helth / unknown domain 'helth'"
has "a duplicate code names the earlier line" "$out" \
    "indicator 'HE90': field 'code': 代码重复,第 $(line "$b" 'code: HE90') 行已有 / duplicate code, already at line $(line "$b" 'code: HE90')"
has "a duplicate ordinal in a domain names the indicator holding it" "$out" \
    "bad.yaml:$(line "$b" 'clause_zh: 丁'): indicator 'ED90' target: field 'ordinal'"
has "... which is HE90" "$out" "ordinal 1 in domain education is taken by HE90"
has "a relation to an indicator the plan lacks" "$out" \
    "bad.yaml:$(line "$b" ED99): indicator 'ED91' target: field 'relation': 未知本规划的指标 ED99"
has "a target year outside the period" "$out" \
    "bad.yaml:$(line "$b" 2031): indicator 'ED92' target: field 'year'"
has "... saying the period" "$out" "target year 2031 is outside the plan's period 2026-2030"
has "a shared statistic that disagrees names both plans and the field" "$out" \
    "bad.yaml:$(line "$b" 'measure_unit: percent'): indicator 'HE03': field 'measure_unit'"
has "... with both plans' values" "$out" \
    "measure_unit is 'per_100k' in plan wuqing-women-2021-2025, 'percent' in plan example-women-2026-2030 (this file)"
lines=$(grep -o '^[^:]*bad.yaml:[0-9]*' <<<"$out" | cut -d: -f2 | tr '\n' ' ')
expect "the errors come in the order of the file's lines" "$lines" "$(tr ' ' '\n' <<<"$lines" | sort -n | grep . | tr '\n' ' ')"
expect "nothing of the refused file is in the database" \
    "$(q "SELECT count (*) FROM plan") $(q "SELECT count (*) FROM indicator WHERE code LIKE '%9_'")" "1 0"

printf 'plan:\n  code: [unclosed\n' >"$work/syntax.yaml"
out=$(w plan import "$work/syntax.yaml"); rc=$?
check "a file that is not YAML is refused with its line" 2 $rc "$out" 'syntax.yaml:[0-9]+:'

# --- A second plan, sharing HE03 with its own bound -----------------------
cat >"$work/next.yaml" <<'EOF'
# 示例 / example: invented targets, not the real 2026-2030 plan.
plan:
  code: example-women-2026-2030
  title_zh: 示例:武清区妇女发展规划(2026—2030年)
  title_en: 'Example: Women''s Development Plan of Wuqing District, 2026-2030'
  subject: women
  source: 示例,目标为虚构 / an example with invented targets
  period: {start: 2026, end: 2030}
  baseline_year: 2025
  report_deadline: {month: 4, day: 30}
domains:
  - {code: health, ordinal: 1, name_zh: 妇女与健康, name_en: Women and health}
indicators:
  - code: HE03
    name_zh: 孕产妇死亡率
    name_en: Maternal mortality ratio
    measure_unit: per_100k
    range: {min: 0, max: 100000}
    aggregation: ratio
    target:
      domain: health
      ordinal: 1
      kind: upper_bound
      value: 8
      year: 2030
      clause_zh: 孕产妇死亡率控制在8/10万以下
      clause_ref: 示例 一、1
  - code: HE95
    name_zh: 示例:妇女健康素养水平
    name_en: 'Example: women''s health literacy'
    measure_unit: percent
    range: {min: 0, max: 100}
    aggregation: ratio
    target:
      domain: health
      ordinal: 2
      kind: lower_bound
      value: 40
      year: 2030
      clause_zh: 妇女健康素养水平达到40%以上
      clause_ref: 示例 一、2
      baseline: 31.5
EOF
out=$(w plan import "$work/next.yaml" --dry-run); rc=$?
check "dry run of a new plan shows it" 0 $rc "$out" '新增 / added:   plan example-women-2026-2030'
has "... and its new statistic" "$out" "新增 / added:   statistic HE95"
has "... and says nothing was changed" "$out" "dry run: nothing was changed"
expect "after the dry run there is one plan" "$(q "SELECT count (*) FROM plan")" "1"
out=$(w plan import "$work/next.yaml"); rc=$?
check "the second plan imports" 0 $rc "$out" 'target HE03: upper_bound 8'
out=$(w plan list --format csv)
has "plan list shows both plans, the first current, the new one version 1 with 2 targets" "$out" \
    "example-women-2026-2030,示例:武清区妇女发展规划(2026—2030年),2026–2030,f,1,2"
has "... the first still current" "$out" "wuqing-women-2021-2025,天津市武清区妇女发展“十四五”规划,2021–2025,t,1,"
expect "HE03 is one statistic with two plans' targets" \
    "$(q "SELECT count (*) FROM indicator WHERE code = 'HE03'") $(q "SELECT string_agg (plan_code || '=' || target_value, ' ' ORDER BY plan_code) FROM plan_target WHERE indicator_code = 'HE03'")" \
    "1 example-women-2026-2030=8 wuqing-women-2021-2025=8.5"
expect "the file's baseline is the plan's" \
    "$(q "SELECT baseline_value || ' ' || baseline_source FROM plan_target WHERE indicator_code = 'HE95'")" "31.5 plan"

# --- A statistic with stored values keeps its meaning ----------------------
# Values stored in one unit of measure, or for women and men, do not
# become values of another unit or a total because a file says so (as
# 012 kept SS03 and added SS09): a new indicator code is a new statistic.
q "INSERT INTO observation (indicator_code, area_code, year, value, unit_code, rec_epoch, rec_seq)
   VALUES ('HE95', 'wuqing', 2026, 33.2, 'health_commission', 1, 1)" >/dev/null
sed -e '/code: HE95/,$s/measure_unit: percent/measure_unit: per_mille/' \
    -e '/code: HE95/,$s/    aggregation: ratio/    by_sex: true\n    aggregation: ratio/' \
    "$work/next.yaml" >"$work/meaning.yaml"
out=$(w plan import "$work/meaning.yaml"); rc=$?
check "a new unit of measure for a statistic with stored values is refused" 2 $rc "$out" \
    "meaning.yaml:$(line "$work/meaning.yaml" 'per_mille'): indicator 'HE95': field 'measure_unit': .*1 stored value"
has "... and so is splitting it by sex" "$out" \
    "meaning.yaml:$(line "$work/meaning.yaml" 'by_sex: true'): indicator 'HE95': field 'by_sex'"
expect "... nothing changed" "$(q "SELECT measure_unit_code || ' ' || by_sex FROM indicator WHERE code = 'HE95'")" "percent false"

# --- A changed file: the difference, the next version ---------------------
sed -e 's/^      value: 8$/      value: 7.5/' -e 's|控制在8/10万|控制在7.5/10万|' -e 's/^      baseline: 31.5$//' \
    "$work/next.yaml" >"$work/next2.yaml"
out=$(w plan import "$work/next2.yaml" --dry-run); rc=$?
check "dry run of a changed file shows each change, field: old → new" 0 $rc "$out" \
    '修改 / changed: target HE03: value 8 → 7.5, clause_zh 孕产妇死亡率控制在8/10万以下 → 孕产妇死亡率控制在7.5/10万以下'
has "... the baseline the file no longer gives" "$out" "target HE95: baseline 31.5 → -"
expect "the dry run changed nothing" \
    "$(q "SELECT version FROM plan WHERE code = 'example-women-2026-2030'") $(q "SELECT target_value FROM plan_target WHERE plan_code = 'example-women-2026-2030' AND indicator_code = 'HE03'")" \
    "1 8"
out=$(w plan import "$work/next2.yaml"); rc=$?
check "the changed file becomes version 2" 0 $rc "$out" 'version: 2'
expect "version 2 holds the new bound, the other plan's is untouched" \
    "$(q "SELECT string_agg (plan_code || '=' || target_value, ' ' ORDER BY plan_code) FROM plan_target WHERE indicator_code = 'HE03'")" \
    "example-women-2026-2030=7.5 wuqing-women-2021-2025=8.5"
out=$(w plan import "$work/next2.yaml"); rc=$?
check "the same file again: no change" 0 $rc "$out" '^无变化 / no change$'
expect "... and the version stays 2" "$(q "SELECT version FROM plan WHERE code = 'example-women-2026-2030'")" "2"

# --- A target dropped from the file: warnings keep it, inactive -----------
q "SELECT warning_raise ('example-women-2026-2030', 'not_met', 'HE95', 'wuqing', 2026, '', NULL, 'red',
                         '示例预警', 'example warning', 30, 40, '{}')" >/dev/null
# HE96 takes the place HE95 leaves (health, ordinal 2).
sed -e '/code: HE95/,$d' "$work/next2.yaml" >"$work/next3.yaml"
cat >>"$work/next3.yaml" <<'EOF'
  - code: HE96
    name_zh: 示例:妇女健康素养水平(新口径)
    name_en: 'Example: women''s health literacy (new definition)'
    measure_unit: percent
    range: {min: 0, max: 100}
    aggregation: ratio
    target: {domain: health, ordinal: 2, kind: lower_bound, value: 45, year: 2030, clause_zh: 妇女健康素养水平达到45%以上, clause_ref: 示例 一、2}
EOF
out=$(w plan import "$work/next3.yaml"); rc=$?
check "a dropped target that a warning names is kept, inactive" 0 $rc "$out" \
    '删除 / removed: target HE95: .*: kept, inactive'
expect "... inactive, its warning still there" \
    "$(q "SELECT active FROM plan_target WHERE indicator_code = 'HE95'") $(q "SELECT count (*) FROM warning WHERE indicator_code = 'HE95'")" \
    "f 1"
expect "... moved after the domain's targets, its place taken by HE96" \
    "$(q "SELECT string_agg (indicator_code || ':' || ordinal || ':' || active, ' ' ORDER BY ordinal) FROM plan_target WHERE plan_code = 'example-women-2026-2030'")" \
    "HE03:1:true HE96:2:true HE95:3:false"
out=$(w plan import "$work/next3.yaml"); rc=$?
check "... and importing the file again is no change" 0 $rc "$out" '^无变化 / no change$'

# --- A domain renamed: the new code takes the old one's place -------------
sed -e 's/{code: health, ordinal: 1, name_zh: 妇女与健康, name_en: Women and health}/{code: wellbeing, ordinal: 1, name_zh: 妇女与健康, name_en: Women and health}/' \
    -e 's/domain: health/domain: wellbeing/' "$work/next3.yaml" >"$work/next4.yaml"
out=$(w plan import "$work/next4.yaml"); rc=$?
check "a domain renamed in the file imports" 0 $rc "$out" '新增 / added:   domain wellbeing: 1'
has "... its targets move to it" "$out" "target HE96: domain health → wellbeing"
expect "... the old domain stays after it, for the kept target HE95" \
    "$(q "SELECT string_agg (code || ':' || ordinal, ' ' ORDER BY ordinal) FROM domain WHERE plan_code = 'example-women-2026-2030'")" \
    "wellbeing:1 health:2"
out=$(w plan import "$work/next4.yaml"); rc=$?
check "... and importing the file again is no change" 0 $rc "$out" '^无变化 / no change$'

# --- Relations among dropped targets ---------------------------------------
# HE97 is judged against HE98, HE94 against HE93.  Then the file drops
# HE98 and HE97 (a warning names HE97: both are kept, HE97's relation
# needing HE98), and HE94 is judged against HE96 instead of the dropped
# HE93 (which goes).
cp "$work/next4.yaml" "$work/rel.yaml"
for x in 97:98:relation 98:-:increase 94:93:relation 93:-:increase; do
    IFS=: read -r code other kind <<<"$x"
    relation=""
    [ "$kind" = relation ] && relation="relation: {indicator: HE$other, op: '>='}, "
    cat >>"$work/rel.yaml" <<EOF
  - code: HE$code
    name_zh: 示例$code
    name_en: Example $code
    measure_unit: percent
    aggregation: ratio
    target: {domain: wellbeing, ordinal: $code, kind: $kind, ${relation}year: 2030, clause_zh: 示例$code, clause_ref: 示例}
EOF
done
out=$(w plan import "$work/rel.yaml"); rc=$?
check "targets with relations among them import" 0 $rc "$out" 'target HE97: relation HE98 >='
q "SELECT warning_raise ('example-women-2026-2030', 'relation_broken', 'HE97', 'wuqing', 2026, '', NULL,
                         'yellow', '示例预警', 'example warning', 30, 40, '{}')" >/dev/null
sed -e '/code: HE97/,$d' "$work/rel.yaml" >"$work/rel2.yaml"
cat >>"$work/rel2.yaml" <<'EOF'
  - code: HE94
    name_zh: 示例94
    name_en: Example 94
    measure_unit: percent
    aggregation: ratio
    target: {domain: wellbeing, ordinal: 94, kind: relation, relation: {indicator: HE96, op: '>='}, year: 2030, clause_zh: 示例94, clause_ref: 示例}
EOF
out=$(w plan import "$work/rel2.yaml"); rc=$?
check "dropping targets that relations tie imports" 0 $rc "$out" 'target HE94: relation HE93 >= → HE96 >='
expect "... HE97 (warned) and HE98 (its relation) kept inactive, HE93 gone" \
    "$(q "SELECT string_agg (indicator_code || ':' || active, ' ' ORDER BY indicator_code) FROM plan_target WHERE indicator_code IN ('HE93', 'HE94', 'HE97', 'HE98')")" \
    "HE94:true HE97:false HE98:false"
out=$(w plan import "$work/rel2.yaml"); rc=$?
check "... and importing the file again is no change" 0 $rc "$out" '^无变化 / no change$'

# --- Export, import: no change ---------------------------------------------
w plan export example-women-2026-2030 "$work/next-exported.yaml" >/dev/null
out=$(w plan import "$work/next-exported.yaml"); rc=$?
check "the second plan exported and imported again: no change" 0 $rc "$out" '^无变化 / no change$'
contains "... the export carries the plan's own words" "$work/next-exported.yaml" "孕产妇死亡率控制在7.5/10万以下"

# --- A plan whose years leave a gap: refused --------------------------------
# The server accepts a record for a year within some plan's baseline..end
# and needs the plans' years to join (wdm_db_load_catalog); a plan that
# leaves a gap would stop it loading its catalog.
sed -e 's/example-women-2026-2030/example-women-2034-2038/' -e 's/{start: 2026, end: 2030}/{start: 2034, end: 2038}/' \
    -e 's/baseline_year: 2025/baseline_year: 2033/' -e 's/year: 2030/year: 2038/' -e '/code: HE95/,$d' \
    "$work/next.yaml" >"$work/gap.yaml"
out=$(w plan import "$work/gap.yaml"); rc=$?
check "a plan whose years leave a gap after the others is refused, at its period" 2 $rc "$out" \
    "gap.yaml:$(line "$work/gap.yaml" 'period:'): plan: field 'period': .*leave a gap between 2030 and 2033"
expect "... and is not imported" "$(q "SELECT count (*) FROM plan WHERE code = 'example-women-2034-2038'")" "0"

# --- --plan on the commands that took the current plan implicitly ----------
# catalog export and unit add wrote the current plan's catalog, status
# counted every plan's open warnings: each takes --plan P now, the current
# plan without it, resolved as every command resolves a plan.
next=example-women-2026-2030
out=$(w catalog export --plan $next); rc=$?
check "catalog export --plan writes that plan's catalog" 0 $rc "$out" "\"plan\" : \"$next\", \"first_year\" : 2025"
has "... with its statistics" "$out" '"code" : "HE96"'
out=$(w catalog export); rc=$?
check "... without --plan, the current plan's" 0 $rc "$out" '"plan" : "wuqing-women-2021-2025", "first_year" : 2020'
out=$(w catalog export --plan example-women-2026-2003); rc=$?
check "... an unknown plan is refused, naming the nearest" 2 $rc "$out" \
    "no plan example-women-2026-2003.*$next"
out=$(w catalog export -o "$work/catalog.json" --plan $next); rc=$?
check "catalog export -o FILE --plan P" 0 $rc "$out" ""
contains "... the file is the plan's catalog" "$work/catalog.json" "\"plan\" : \"$next\""
mkdir "$work/keys" && w server-key "$work/keys" >/dev/null
bundle () {  # bundle DIR [--plan P]: unit add of health_commission
    local dir=$1; shift
    w unit add health_commission --bundle "$work/$dir" --server-key "$work/keys/server.pub" \
        --endpoint tcp://127.0.0.1:7300 "$@"
}
out=$(bundle b-next --plan $next); rc=$?
check "unit add --plan P" 0 $rc "$out" "registered a new key for health_commission"
contains "... the bundle's catalog is that plan's" "$work/b-next/catalog.json" "\"plan\" : \"$next\""
out=$(bundle b-current); rc=$?
contains "... without --plan, the current plan's" "$work/b-current/catalog.json" '"plan" : "wuqing-women-2021-2025"'
out=$(bundle b-none --plan nosuch); rc=$?
check "... an unknown plan is refused before any key is made" 2 $rc "$out" "no plan nosuch"
[ -e "$work/b-none" ] && fail "... yet a bundle was written" || ok "... and no bundle written"
open_of () { q "SELECT count (*) FROM warning WHERE state <> 'resolved' AND plan_code = '$1'"; }
out=$(w status --plan $next --format csv | tr -d '\r')
check "status --plan P counts that plan's open warnings" 0 0 "$out" \
    "^today,.*,$next,$(open_of $next)\$"
out=$(w status --format csv | tr -d '\r')
check "... without --plan, the current plan's" 0 0 "$out" \
    "^today,.*,wuqing-women-2021-2025,$(open_of wuqing-women-2021-2025)\$"
out=$(w status --plan nosuch); rc=$?
check "... an unknown plan is refused" 2 $rc "$out" "no plan nosuch"

# --- plan use, plan show, unknown codes -----------------------------------
out=$(w plan use example-women-2026-2030); rc=$?
check "plan use makes a plan current" 0 $rc "$out" 'current plan: example-women-2026-2030'
expect "... the only current one" "$(q "SELECT string_agg (code, ' ') FROM plan WHERE current")" "example-women-2026-2030"
out=$(w plan show --format csv); rc=$?
check "plan show without a code shows the current plan's targets" 0 $rc "$out" 'HE03.*upper_bound,7.5'
out=$(w plan use example-women-2026-2003); rc=$?
check "an unknown plan is refused, naming the nearest" 2 $rc "$out" \
    "没有规划 example-women-2026-2003 / no plan example-women-2026-2003.*example-women-2026-2030"
out=$(w plan export nosuch); rc=$?
check "export of an unknown plan is refused" 2 $rc "$out" "no plan nosuch"
w plan use wuqing-women-2021-2025 >/dev/null
out=$(w plan --help); rc=$?
check "plan --help describes the actions" 0 $rc "$out" "import   checks FILE whole"

wdm_test_drop_db
wdm_test_end cli_plan
