-- 012_catalog_gaps.sql: the plan's targets that 003 left out, and SS03 read
-- as the plan means it (issue 11, finding 7).
--
-- Source: 天津市武清区妇女发展“十四五”规划 (docs/plan-2021-2025.zh.txt),
-- read again section by section against 003_catalog.sql.  Added: every
-- target that names a statistic and a number or a direction for it
-- (实施25项, 全覆盖, 覆盖所有, 应保尽保, 不降低, 提高, 加大) that had no
-- indicator.  Each new indicator takes the next free ordinal of its domain
-- and continues the domain's codes; clause_zh is the plan's own wording
-- with the typesetting spaces removed; note_zh / note_en say how it was
-- read.  docs/CATALOG.md lists them, and the targets still left out, with
-- the reason for each.
--
-- SS03 counted the women insured in employees' basic pension insurance and
-- judged that count as rising; the plan's target is full coverage of the
-- legally covered population, a rate of 100%.  A rate is another statistic
-- than a count, so SS03 is not changed under its stored values: it is
-- made inactive (its values stay, no longer judged or asked for) and SS09
-- carries the target.

SET search_path = wdmon;

-- Units the new indicators need.  scale only for ratios, as in 003.
INSERT INTO measure_unit (code, name_zh, name_en, symbol, scale) VALUES
    ('projects',        '项目数',       'projects',                    '项',      NULL),
    ('yuan_per_person', '元/人',        'yuan per person',             '元/人',   NULL),
    ('places_per_1k',   '每千人口个数', 'places per 1,000 people',     '个/千人', 1000);

-- Column order as in 003:
--   code, plan, domain, ordinal, name_zh, name_en, unit, kind, target,
--   relation_code, relation_op, bodies, by_sex, clause_zh, clause_ref,
--   value_min, value_max, aggregation, note_zh, note_en
INSERT INTO indicator (code, plan_code, domain_code, ordinal, name_zh, name_en, unit_code, target_kind, target_value,
    relation_code, relation_op, bodies, by_sex, clause_zh, clause_ref,
    value_min, value_max, aggregation, note_zh, note_en) VALUES
    -- 二(一)策略措施3: the district's health projects
    ('HE28', 'wuqing-women-2021-2025', 'health', 28, '已实施的妇女儿童健康政府惠民项目数', 'Government health projects for women and children in implementation',
     'projects', 'reach', 25, NULL, NULL, NULL, false,
     '实施25项政府惠民项目', '二(一)策略措施3', 0, 100, 'none',
     '“实施25项”按2025年已实施的项目数达到25项判断(reach,累计数);项目清单由卫生健康部门掌握,只报全区值。',
     '"Implement 25 projects" read as the number of projects in implementation reaching 25 by 2025 (reach, cumulative). The health commission holds the list; district only.'),

    -- 二(二)主要目标6: vocational education
    ('ED09', 'wuqing-women-2021-2025', 'education', 9, '中等职业教育在校生中女生比例', 'Share of girls among secondary vocational students',
     'percent', 'increase', NULL, NULL, NULL, NULL, false,
     '女性接受职业教育的水平提高', '二(二)主要目标6', 0, 100, 'ratio',
     '“水平提高”无数值,按提高判断;以中等职业教育在校生中女生所占比例衡量,与国家妇女发展纲要统计监测报告的写法一致。在校生人数随年龄人口起落,比例不受其影响。',
     '"The level rises" has no number; read as increase, measured by girls'' share of secondary vocational students, as the national monitoring reports of the women''s development programme put it. A headcount would move with the size of the age group; the share does not.'),

    -- 二(三)策略措施10: childcare and kindergartens
    ('EC09', 'wuqing-women-2021-2025', 'economy', 9, '每千人口拥有3岁以下婴幼儿托位数', 'Childcare places for children under 3 per 1,000 people',
     'places_per_1k', 'increase', NULL, NULL, NULL, NULL, false,
     '加大普惠性托育服务、幼儿园的供给', '二(三)策略措施10', 0, 1000, 'ratio',
     '原文一句含托育和幼儿园,拆为两个指标;“加大供给”按提高判断。托育供给以国家“十四五”规划的每千人口托位数衡量(分子托位数,分母常住人口)。',
     'One clause for childcare and kindergartens, split in two; "increase the supply" read as increase. Childcare supply measured as in the national 14th Five-Year Plan: places per 1,000 residents (places over resident population).'),
    ('EC10', 'wuqing-women-2021-2025', 'economy', 10, '普惠性幼儿园覆盖率', 'Coverage of inclusive kindergartens',
     'percent', 'increase', NULL, NULL, NULL, NULL, false,
     '加大普惠性托育服务、幼儿园的供给', '二(三)策略措施10', 0, 100, 'ratio',
     '原文一句含托育和幼儿园,拆为两个指标;“加大供给”按提高判断。幼儿园供给以普惠性幼儿园在园幼儿占在园幼儿总数的比例衡量。',
     'One clause for childcare and kindergartens, split in two; "increase the supply" read as increase. Kindergarten supply measured as children in inclusive kindergartens over all children in kindergarten.'),

    -- 二(四)策略措施2: women's councils in villages and communities
    ('DM36', 'wuqing-women-2021-2025', 'decision', 36, '建立妇女议事会的城乡社区比例', 'Share of villages and communities with a women''s council',
     'percent', 'reach', 100, NULL, NULL, NULL, false,
     '推动城乡社区妇女议事会建设全覆盖', '二(四)策略措施2', 0, 100, 'ratio',
     '“全覆盖”按2025年建立妇女议事会的村和社区占村、社区总数的比例达到100%判断;乡镇、街道报本辖区,汇总为全区。',
     '"Full coverage" read as villages and communities with a women''s council over all villages and communities reaching 100% by 2025; towns and streets report their own, which add up to the district.'),

    -- 二(四)策略措施5: mid-term adjustments of leadership teams
    ('DM37', 'wuqing-women-2021-2025', 'decision', 37, '区管领导班子成员中女干部比例', 'Share of women among members of district-managed leadership teams',
     'percent', 'relation', NULL, 'DM38', '>=', NULL, false,
     '届中调整保障女干部比例不降低', '二(四)策略措施5', 0, 100, 'ratio',
     '“届中调整…不降低”按每年年末区管领导班子成员中女干部比例不低于本届换届时的比例(DM38)判断(>=)。方向目标“提高”会把持平判为未达标,比本意严;没有数值可作下限,故与届初比例相比。',
     '"Not lower after mid-term adjustments" read as the year-end share of women among members of district-managed leadership teams being at least the share when the term began (DM38), >=. An "increase" target would count an unchanged share as a miss, stricter than the plan; there is no number for a bound, so the term''s starting share is the reference.'),
    ('DM38', 'wuqing-women-2021-2025', 'decision', 38, '本届换届时区管领导班子成员中女干部比例', 'Share of women among members of district-managed leadership teams at the start of the term',
     'percent', 'monitor', NULL, NULL, NULL, NULL, false,
     '届中调整保障女干部比例不降低', '二(四)策略措施5', 0, 100, 'ratio',
     '本身无目标,供DM37比较;本届内每年照报换届时的比例。',
     'No target of its own; DM37 is compared with it. Reported every year as it stood at the start of the current term.'),

    -- 二(五)主要目标4: pension insurance, full coverage (replaces SS03)
    ('SS09', 'wuqing-women-2021-2025', 'social_security', 9, '妇女职工基本养老保险法定人群参保率', 'Employees'' basic pension insurance coverage of women in the legally covered population',
     'percent', 'reach', 100, NULL, NULL, NULL, false,
     '推进妇女参加职工基本养老保险由制度全覆盖到法定人群全覆盖', '二(五)主要目标4', 0, 100, 'ratio',
     '“法定人群全覆盖”按2025年参保率达到100%判断:分子为参加职工基本养老保险的女性,分母为依法应参保的女性(口径以人社部门全民参保登记为准)。取代原按参保人数提高判断的SS03;策略措施4“由制度全覆盖到实际人群全覆盖”是同一目标。',
     '"Full coverage of the legally covered population" read as a coverage rate reaching 100% by 2025: women insured over women the law requires to be insured (as the HRSS bureau''s universal enrolment register counts them). Replaces SS03, which judged a rising number insured; measure 4''s "from full coverage of the system to full coverage of the actual population" is the same target.'),

    -- 二(五)主要目标6: work injury benefits
    ('SS10', 'wuqing-women-2021-2025', 'social_security', 10, '享受工伤保险待遇的女性人均待遇', 'Average work injury benefit per woman receiving benefits',
     'yuan_per_person', 'increase', NULL, NULL, NULL, NULL, false,
     '妇女工伤保险的参保率和待遇水平不断提高', '二(五)主要目标6', 0, NULL, 'none',
     '“待遇水平”按当年支付给女性的工伤保险待遇总额除以享受待遇的女性人数理解,按提高判断;参保率见SS07。只报全区值。',
     '"Benefit level" read as the work injury benefits paid to women in the year over the women receiving them; increase. The coverage rate is SS07. District only.'),

    -- 二(五)主要目标9: care of women who cannot care for themselves
    ('SS11', 'wuqing-women-2021-2025', 'social_security', 11, '失能妇女照护服务覆盖率', 'Share of disabled women receiving care services',
     'percent', 'increase', NULL, NULL, NULL, NULL, false,
     '失能妇女的照护服务水平不断提高', '二(五)主要目标9', 0, 100, 'ratio',
     '“照护服务水平”按经评估为失能的妇女中接受照护服务(居家、社区或机构照护,或长期护理保险待遇)的比例理解,按提高判断。',
     '"Level of care services" read as the share of women assessed as unable to care for themselves who receive care (at home, in the community, in an institution, or through long-term care insurance); increase.'),

    -- 二(五)策略措施2: maternity insurance
    ('SS12', 'wuqing-women-2021-2025', 'social_security', 12, '职工生育保险用人单位覆盖率', 'Share of employers covered by employees'' maternity insurance',
     'percent', 'reach', 100, NULL, NULL, NULL, false,
     '推动职工生育保险制度覆盖所有用人单位', '二(五)策略措施2', 0, 100, 'ratio',
     '“覆盖所有用人单位”按2025年参加职工生育保险的用人单位占应参保用人单位的比例达到100%判断;生育保险与职工医保合并实施后,应参保单位按参加职工基本医疗保险的单位计。',
     '"Cover all employers" read as employers in employees'' maternity insurance over the employers required to join reaching 100% by 2025; since maternity and employees'' medical insurance were merged, the employers required are those in employees'' basic medical insurance.'),
    ('SS13', 'wuqing-women-2021-2025', 'social_security', 13, '生育保险人均待遇', 'Average maternity insurance benefit per beneficiary',
     'yuan_per_person', 'increase', NULL, NULL, NULL, NULL, false,
     '逐步提高生育保险待遇水平', '二(五)策略措施2', 0, NULL, 'none',
     '“待遇水平”按当年生育保险待遇支出(生育医疗费用和生育津贴)除以享受待遇人数理解,按提高判断;只报全区值。',
     '"Benefit level" read as the year''s maternity insurance spending (medical costs and maternity allowance) over the people receiving it; increase. District only.'),

    -- 二(五)策略措施4: residents' pension insurance
    ('SS14', 'wuqing-women-2021-2025', 'social_security', 14, '城乡居民基本养老保险适龄女性参保率', 'Residents'' basic pension insurance coverage of eligible women',
     'percent', 'reach', 100, NULL, NULL, NULL, false,
     '城乡居民养老保险基本实现适龄参保人员应保尽保', '二(五)策略措施4', 0, 100, 'ratio',
     '“应保尽保”按2025年参保率达到100%判断:分母为年满16周岁、不在校、未参加职工基本养老保险的女性。原文“基本实现”未给低于100%的数值,不另设容差。',
     '"All who should be insured are insured" read as a coverage rate reaching 100% by 2025; the denominator is women aged 16 and over, not in school, not in employees'' pension insurance. "Basically achieve" gives no number below 100%, so no tolerance is invented.');

-- SS03: inactive, its statistic and stored values unchanged.
UPDATE indicator
   SET active = false,
       note_zh = '已停用(迁移012):规划目标是“法定人群全覆盖”,即参保率100%,由SS09判断;参保人数随就业人数起落,其提高不说明覆盖是否完整。已报数据保留。',
       note_en = 'Inactive since migration 012: the plan''s target is full coverage of the legally covered population, a 100% coverage rate judged by SS09; a number insured moves with employment and its rise says nothing about full coverage. Stored values are kept.'
 WHERE code = 'SS03';

-- SS07's note said the work injury benefit level had no indicator; SS10 is it.
UPDATE indicator
   SET note_zh = '分母为应参保女性从业人员;同句的工伤保险“待遇水平”见SS10。',
       note_en = 'Denominator: women employees required to be insured. The work injury "benefit level" of the same clause is SS10.'
 WHERE code = 'SS07';

-- Who answers for the new indicators is site data: deploy/site/wuqing.yaml
-- (imported with `wdmon site import`) gives each its lead and contributors.
-- Until issue 13 (finding 7) this file inserted them; databases that
-- applied that text keep the rows, and wdm_migrate.c accepts its checksum.
