#!/usr/bin/env bash
# cli_site: `wdmon site import|export` as an operator runs it, against a
# real database: a file with mistakes is refused whole with every mistake
# named by line and field; the demo's file imports, a second import
# changes nothing, a dry run shows the difference and changes nothing,
# removing what data refers to is refused; a database migrated before the
# site file existed (004 and 012 with their rows) migrates and the demo's
# file changes nothing in it; export gives the file back.
#
# Usage: cli_site.sh WDMON
set -u
. "$(dirname "$0")/lib.sh"
wdmon=$1
wdm_test_need_pg

work=$(mktemp -d /tmp/wdm_cli_site.XXXXXX)
trap 'rm -rf "$work"' EXIT
site=$wdm_test_site_file
w () { "$wdmon" --db "$conn" -l warn "$@" 2>&1; }

wdm_test_db wdm_test_cli_site
wdm_test_migrate_plan "$wdmon"

# --- A file with each kind of mistake: all named, nothing applied ----------
cat >"$work/bad.yaml" <<'EOF'
areas:
  - code: wuqing
    level: district
    name_zh: 武清区
    name_en: Wuqing District
  - code: town_a
    parent: wuqing
    level: province
    name_zh: 甲镇
    name_en: Town A
  - code: town_b
    parent: nowhere
    level: town
    name_zh: 乙镇
  - code: town_a
    parent: wuqing
    level: town
    name_zh: 甲镇
    name_en: Town A again
  - code: loop_x
    parent: loop_y
    level: town
    name_zh: 环甲
    name_en: Loop X
  - code: loop_y
    parent: loop_x
    level: town
    name_zh: 环乙
    name_en: Loop Y
units:
  - code: health_commission
    kind: departmnet
    area: wuqing
    name_zh: 区卫生健康委
    nmae_en: District Health Commission
    leads: [HE01, HE99]
  - code: office
    kind: department
    area: wuqingg
    name_zh: 办公室
    name_en: Office
EOF
out=$(w site import "$work/bad.yaml"); rc=$?
check "a file with mistakes is refused with exit 2" 2 $rc "$out" "not imported; the database is unchanged"
has "a bad level names the valid ones" "$out" \
    "bad.yaml:8: area 'town_a': field 'level': 不能是 'province' / cannot be 'province'; 有效的 / valid: district, county, town, street, village, community"
has "a missing field is named with the entry's line" "$out" \
    "bad.yaml:11: area 'town_b': field 'name_en': 缺少必填字段 / missing required field"
has "an unknown parent names the nearest areas" "$out" \
    "bad.yaml:12: area 'town_b': field 'parent': 未知上级地区 nowhere / unknown parent area 'nowhere'"
has "a duplicate code names the first" "$out" \
    "bad.yaml:15: area 'town_a': field 'code': 代码重复,第 6 行已有 / duplicate code, already at line 6"
has "a cycle of parents is named once, with its path" "$out" \
    "bad.yaml:21: area 'loop_x': field 'parent': 上级成环 / the parents form a cycle: loop_x → loop_y → loop_x"
has "a bad kind names the nearest" "$out" \
    "bad.yaml:32: unit 'health_commission': field 'kind': 不能是 'departmnet' / cannot be 'departmnet'; 相近的 / did you mean: department"
has "an unknown key names the nearest valid key" "$out" \
    "bad.yaml:35: unit 'health_commission': field 'nmae_en': 未知的字段 / unknown field; 相近的 / did you mean: name_en"
has "an unknown indicator names the nearest" "$out" \
    "bad.yaml:36: unit 'health_commission': field 'leads': 未知指标 HE99 / unknown indicator 'HE99'; 相近的 / did you mean: HE09"
has "a unit's unknown area names the nearest" "$out" \
    "bad.yaml:39: unit 'office': field 'area': 未知地区 wuqingg / unknown area 'wuqingg'; 相近的 / did you mean: wuqing"
expect "nothing of a refused file is applied" "$(q "SELECT count(*) FROM area") $(q "SELECT count(*) FROM member_unit")" "0 0"

printf 'areas:\n  - code: wuqing\n    name_zh: [unclosed\nunits: []\n' >"$work/broken.yaml"
out=$(w site import "$work/broken.yaml"); rc=$?
check "bad YAML is refused with its line" 2 $rc "$out" "broken.yaml:4: YAML 语法错误 / YAML syntax error: "
out=$(w site import "$work/none.yaml"); rc=$?
check "a missing file is refused" 2 $rc "$out" "none.yaml: 无法打开 / cannot open: No such file or directory"

# --- The demo's file: imported once, then no change -----------------------
out=$(w site import "$site"); rc=$?
check "the demo's site file imports" 0 $rc "$out" "^新增 659、修改 0、删除 0 / 659 added, 0 changed, 0 removed$"
# area_within (a table kept by a trigger on area, sql/068) against the
# tree worked out from area now: the pairs that differ, either way.
closure_differs="WITH RECURSIVE t (area_code, within_code, depth) AS (
                     SELECT code, code, 0 FROM area
                     UNION ALL SELECT t.area_code, a.code, t.depth + 1 FROM t JOIN area a ON a.parent_code = t.within_code)
                 SELECT count (*) FROM ((TABLE t EXCEPT SELECT * FROM area_within)
                                        UNION ALL (SELECT * FROM area_within EXCEPT TABLE t)) d"
expect "area_within is the imported tree, pair for pair" "$(q "$closure_differs")" 0
q "INSERT INTO area (code, parent_code, level, name_zh, name_en) VALUES ('v_test', 'yangcun', 'village', '测试村', 'Test Village')" >/dev/null
expect "a village added lies within its street and the district" \
    "$(q "SELECT string_agg (area_code || ':' || depth, ' ' ORDER BY depth DESC) FROM area_within WHERE within_code = 'v_test'")" \
    "wuqing:2 yangcun:1 v_test:0"
q "DELETE FROM area WHERE code = 'v_test'" >/dev/null
expect "and is gone from area_within when removed" "$(q "SELECT count (*) FROM area_within WHERE within_code = 'v_test'")" 0
has "each addition is one line" "$out" "新增 / added:   unit town_meichang: 梅厂镇人民政府 / Meichang Town Government (town, area meichang)"
expect "areas, units and responsibilities" \
    "$(q "SELECT (SELECT count(*) FROM area) || ' ' || (SELECT count(*) FROM member_unit) || ' ' || (SELECT count(*) FROM responsibility)")" \
    "31 56 572"
out=$(w site import "$site"); rc=$?
check "a second import of the same file says no change" 0 $rc "$out" "^无变化 / no change$"

# --- A dry run shows the difference and changes nothing --------------------
sed -e 's/name_zh: 区统计局/name_zh: 区统计局(改)/' -e 's/^  leads: \[DM04, DM06\]$/  leads: [DM04]\n  contributes: [DM06]/' \
    -e '/^- code: baigutun$/,/^  name_en: Baigutun Town$/d' "$site" >"$work/edited.yaml"
cat >>"$work/edited.yaml" <<'EOF'
- code: demo_office
  kind: organization
  area: wuqing
  name_zh: 演示办公室
  name_en: Demo Office
  contributes: [HE01]
EOF
# baigutun's area goes, so its town government must go too.
python3 - "$work/edited.yaml" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding='utf-8').read()
text = re.sub(r'- code: town_baigutun\n(  .*\n)+', '', text)
open(sys.argv[1], 'w', encoding='utf-8').write(text)
EOF
snapshot="SELECT (SELECT md5 (string_agg (a::text, ',' ORDER BY a.code)) FROM area a)
              || (SELECT md5 (string_agg ((u.code, u.name_zh, u.kind, u.area_code, u.active)::text, ','
                                          ORDER BY u.code)) FROM member_unit u)
              || (SELECT md5 (string_agg (r::text, ',' ORDER BY r::text)) FROM responsibility r)"
before=$(q "$snapshot")
out=$(w site import --dry-run "$work/edited.yaml"); rc=$?
check "a dry run succeeds" 0 $rc "$out" "试运行,未作更改 / dry run: nothing was changed"
has "it shows a change" "$out" "修改 / changed: unit statistics_bureau: name_zh 区统计局 → 区统计局(改)"
has "it shows an addition" "$out" "新增 / added:   unit demo_office: 演示办公室 / Demo Office (organization, area wuqing)"
has "it shows a removal" "$out" "删除 / removed: area baigutun: 白古屯镇 / Baigutun Town"
has "it shows a removed unit" "$out" "删除 / removed: unit town_baigutun"
has "it shows a responsibility added" "$out" "新增 / added:   responsibility demo_office HE01: contributes"
has "it shows a role changed" "$out" "修改 / changed: responsibility cppcc_office DM06: leads → contributes"
after=$(q "$snapshot")
expect "the dry run changed nothing" "$after" "$before"
expect "no demo_office yet" "$(q "SELECT count(*) FROM member_unit WHERE code = 'demo_office'")" 0
out=$(w site import "$work/edited.yaml"); rc=$?
check "the edited file imports" 0 $rc "$out" "^新增 2、修改 2、删除 16 / 2 added, 2 changed, 16 removed$"
expect "the change is in the table" "$(q "SELECT name_zh FROM member_unit WHERE code = 'statistics_bureau'")" "区统计局(改)"
expect "the removed area is gone" "$(q "SELECT count(*) FROM area WHERE code = 'baigutun'")" 0
expect "area_within has followed the import (areas within wuqing)" \
    "$(q "SELECT count (*) FROM area_within WHERE area_code = 'wuqing'")" "$(q "SELECT count (*) FROM area")"
expect "area_within is the tree again, pair for pair" "$(q "$closure_differs")" 0
out=$(w site import "$work/edited.yaml"); rc=$?
check "importing it again says no change" 0 $rc "$out" "^无变化 / no change$"

# --- Removing what data refers to is refused, naming it --------------------
q "INSERT INTO ingest_batch (unit_code, epoch, batch_no, record_count) VALUES ('town_meichang', 1, 1, 1);
   INSERT INTO observation (indicator_code, area_code, year, value, unit_code, rec_epoch, rec_seq, batch_id)
   SELECT 'DM17', 'meichang', 2024, 1, 'town_meichang', 1, 1, max (id) FROM ingest_batch" >/dev/null
python3 - "$work/edited.yaml" "$work/no_meichang.yaml" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding='utf-8').read()
text = re.sub(r'- code: town_meichang\n(  .*\n)+', '', text)
text = re.sub(r'- code: meichang\n(  .*\n)+', '', text)
open(sys.argv[2], 'w', encoding='utf-8').write(text)
EOF
out=$(w site import "$work/no_meichang.yaml"); rc=$?
check "removing an area and a unit that data refers to is refused" 2 $rc "$out" \
    "cannot remove area 'meichang': 观测值 observations refer to it"
has "the unit is named with what refers to it" "$out" \
    "cannot remove unit 'town_meichang': 观测值 observations, 收到的批次 received batches refer to it"
expect "nothing was removed" "$(q "SELECT count(*) FROM member_unit WHERE code = 'town_meichang'")" 1

# --- Export gives the file back --------------------------------------------
w site import "$site" >/dev/null 2>&1
w site export "$work/export.yaml" >/dev/null; rc=$?
expect "export exits 0" $rc 0
if cmp -s "$work/export.yaml" "$site"; then ok "export of the demo's site gives deploy/site/wuqing.yaml back"
else fail "export differs from deploy/site/wuqing.yaml: $(diff "$work/export.yaml" "$site" | head -5)"; fi
out=$(w site --help); rc=$?
check "site --help explains the file" 0 $rc "$out" "'units', a list of \{code, kind, area"
out=$(w site import); rc=$?
check "import without a file is refused" 2 $rc "$out" "give one FILE"
out=$(w site load x); rc=$?
check "an unknown action is refused" 2 $rc "$out" "unknown action 'load'"
wdm_test_drop_db

# --- A database migrated before the site file: migrates, no change ---------
wdm_test_db wdm_test_cli_site_old
wdm_test_migrate_plan "$wdmon"
psql "$conn" -qX -v ON_ERROR_STOP=1 -f "$(dirname "$0")/data/site_before_issue13.sql" >/dev/null || exit 2
q "UPDATE schema_migration SET checksum = CASE version WHEN 4 THEN '62dc30d44086d6c471ed1491d80fc20c'
   ELSE '796c7ce41e567c387d593e8b2a7d4923' END WHERE version IN (4, 12)" >/dev/null
out=$(w migrate); rc=$?
check "a database with the old 004 and 012 migrates" 0 $rc "$out" "^0 migrations applied"
out=$(w site import "$site"); rc=$?
check "the demo's site file changes nothing in it" 0 $rc "$out" "^无变化 / no change$"
wdm_test_drop_db

wdm_test_end cli_site
