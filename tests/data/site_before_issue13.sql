-- tests/data/site_before_issue13.sql: the site rows that migrations 004 and 012
-- inserted until issue 13 (finding 7), kept so that cli_site can make a database
-- as one migrated before then had it and check that importing
-- deploy/site/wuqing.yaml into it changes nothing.  Not a migration.

SET search_path = wdmon;

-- ---------------------------------------------------------------------------
-- Areas: the district, its 6 streets and 24 towns (demo data, edit as needed)
-- ---------------------------------------------------------------------------

INSERT INTO area (code, parent_code, level, name_zh, name_en) VALUES
    ('wuqing',          NULL,     'district', '武清区',     'Wuqing District'),
    -- streets (街道)
    ('yangcun',         'wuqing', 'street',   '杨村街道',   'Yangcun Street'),
    ('xiazhuzhuang',    'wuqing', 'street',   '下朱庄街道', 'Xiazhuzhuang Street'),
    ('dongpuwa',        'wuqing', 'street',   '东蒲洼街道', 'Dongpuwa Street'),
    ('huangzhuang',     'wuqing', 'street',   '黄庄街道',   'Huangzhuang Street'),
    ('xuguantun',       'wuqing', 'street',   '徐官屯街道', 'Xuguantun Street'),
    ('yunhexi',         'wuqing', 'street',   '运河西街道', 'Yunhexi Street'),
    -- towns (镇)
    ('meichang',        'wuqing', 'town',     '梅厂镇',     'Meichang Town'),
    ('dajianchang',     'wuqing', 'town',     '大碱厂镇',   'Dajianchang Town'),
    ('cuihuangkou',     'wuqing', 'town',     '崔黄口镇',   'Cuihuangkou Town'),
    ('daliang',         'wuqing', 'town',     '大良镇',     'Daliang Town'),
    ('xiawuqi',         'wuqing', 'town',     '下伍旗镇',   'Xiawuqi Town'),
    ('nancaicun',       'wuqing', 'town',     '南蔡村镇',   'Nancaicun Town'),
    ('damengzhuang',    'wuqing', 'town',     '大孟庄镇',   'Damengzhuang Town'),
    ('sicundian',       'wuqing', 'town',     '泗村店镇',   'Sicundian Town'),
    ('hexiwu',          'wuqing', 'town',     '河西务镇',   'Hexiwu Town'),
    ('chengguan',       'wuqing', 'town',     '城关镇',     'Chengguan Town'),
    ('dongmaquan',      'wuqing', 'town',     '东马圈镇',   'Dongmaquan Town'),
    ('huanghuadian',    'wuqing', 'town',     '黄花店镇',   'Huanghuadian Town'),
    ('shigezhuang',     'wuqing', 'town',     '石各庄镇',   'Shigezhuang Town'),
    ('wangqingtuo',     'wuqing', 'town',     '王庆坨镇',   'Wangqingtuo Town'),
    ('chagugang',       'wuqing', 'town',     '汊沽港镇',   'Chagugang Town'),
    ('hebeitun',        'wuqing', 'town',     '河北屯镇',   'Hebeitun Town'),
    ('shangmatai',      'wuqing', 'town',     '上马台镇',   'Shangmatai Town'),
    ('dawangguzhuang',  'wuqing', 'town',     '大王古庄镇', 'Dawangguzhuang Town'),
    ('chenzui',         'wuqing', 'town',     '陈咀镇',     'Chenzui Town'),
    ('douzhangzhuang',  'wuqing', 'town',     '豆张庄镇',   'Douzhangzhuang Town'),
    ('caozili',         'wuqing', 'town',     '曹子里镇',   'Caozili Town'),
    ('dahuangpu',       'wuqing', 'town',     '大黄堡镇',   'Dahuangpu Town'),
    ('gaocun',          'wuqing', 'town',     '高村镇',     'Gaocun Town'),
    ('baigutun',        'wuqing', 'town',     '白古屯镇',   'Baigutun Town');

-- ---------------------------------------------------------------------------
-- Member units (成员单位): district departments and people's organisations,
-- then one unit per town and street (demo data, edit as needed)
-- ---------------------------------------------------------------------------

INSERT INTO member_unit (code, name_zh, name_en, kind, area_code) VALUES
    ('organization_dept',           '区委组织部',             'Organization Department of the District Party Committee',    'department', 'wuqing'),
    ('united_front_dept',           '区委统战部',             'United Front Work Department of the District Party Committee', 'department', 'wuqing'),
    ('npc_office',                  '区人大常委会办公室',     'Office of the Standing Committee of the District People''s Congress', 'department', 'wuqing'),
    ('cppcc_office',                '区政协办公室',           'Office of the District CPPCC Committee',                      'department', 'wuqing'),
    ('statistics_bureau',           '区统计局',               'District Statistics Bureau',                                  'department', 'wuqing'),
    ('health_commission',           '区卫生健康委',           'District Health Commission',                                  'department', 'wuqing'),
    ('education_bureau',            '区教育局',               'District Education Bureau',                                   'department', 'wuqing'),
    ('science_technology_bureau',   '区科技局',               'District Science and Technology Bureau',                       'department', 'wuqing'),
    ('hrss_bureau',                 '区人社局',               'District Human Resources and Social Security Bureau',         'department', 'wuqing'),
    ('healthcare_security_bureau',  '区医保局',               'District Healthcare Security Bureau',                         'department', 'wuqing'),
    ('civil_affairs_bureau',        '区民政局',               'District Civil Affairs Bureau',                               'department', 'wuqing'),
    ('justice_bureau',              '区司法局',               'District Justice Bureau',                                     'department', 'wuqing'),
    ('public_security_bureau',      '区公安局',               'District Public Security Bureau',                             'department', 'wuqing'),
    ('sports_bureau',               '区体育局',               'District Sports Bureau',                                      'department', 'wuqing'),
    ('culture_tourism_bureau',      '区文化和旅游局',         'District Culture and Tourism Bureau',                         'department', 'wuqing'),
    ('water_bureau',                '区水务局',               'District Water Affairs Bureau',                               'department', 'wuqing'),
    ('ecology_environment_bureau',  '区生态环境局',           'District Ecology and Environment Bureau',                     'department', 'wuqing'),
    ('agriculture_commission',      '区农业农村委',           'District Agriculture and Rural Affairs Commission',           'department', 'wuqing'),
    ('urban_management_commission', '区城市管理委',           'District Urban Management Commission',                        'department', 'wuqing'),
    ('housing_commission',          '区住房和城乡建设委',     'District Housing and Urban-Rural Development Commission',      'department', 'wuqing'),
    ('sasac',                       '区国资委',               'District State-owned Assets Supervision and Administration Commission', 'department', 'wuqing'),
    -- people's organisations (人民团体)
    ('womens_federation',           '区妇联',                 'District Women''s Federation',                                'organization', 'wuqing'),
    ('trade_union',                 '区总工会',               'District Federation of Trade Unions',                         'organization', 'wuqing'),
    ('science_association',         '区科协',                 'District Association for Science and Technology',             'organization', 'wuqing'),
    ('disabled_federation',         '区残联',                 'District Disabled Persons'' Federation',                      'organization', 'wuqing'),
    ('industry_commerce_federation','区工商联',               'District Federation of Industry and Commerce',                'organization', 'wuqing');

-- One unit per town (镇人民政府) and street (街道办事处), named after its area.
INSERT INTO member_unit (code, name_zh, name_en, kind, area_code)
SELECT 'town_' || code, name_zh || '人民政府', name_en || ' Government', 'town', code
  FROM area WHERE level = 'town' AND parent_code = 'wuqing';

INSERT INTO member_unit (code, name_zh, name_en, kind, area_code)
SELECT 'street_' || code, name_zh || '办事处', name_en || ' Office', 'street', code
  FROM area WHERE level = 'street' AND parent_code = 'wuqing';

-- ---------------------------------------------------------------------------
-- Responsibilities: lead = true is chased for the report; lead = false
-- contributes data and is not chased.  Every indicator has a lead.
-- ---------------------------------------------------------------------------

INSERT INTO responsibility (indicator_code, unit_code, lead) VALUES
    -- 二(一) health: the health commission; sports for exercise and fitness
    ('HE01', 'health_commission', true),  ('HE01', 'statistics_bureau', false),
    ('HE02', 'health_commission', true),  ('HE02', 'statistics_bureau', false),
    ('HE03', 'health_commission', true),
    ('HE04', 'health_commission', true),
    ('HE05', 'health_commission', true),  ('HE05', 'womens_federation', false),
    ('HE06', 'health_commission', true),  ('HE06', 'womens_federation', false),
    ('HE07', 'health_commission', true),
    ('HE08', 'health_commission', true),
    ('HE09', 'health_commission', true),
    ('HE10', 'health_commission', true),
    ('HE11', 'health_commission', true),  ('HE11', 'womens_federation', false),
    ('HE12', 'health_commission', true),
    ('HE13', 'health_commission', true),
    ('HE14', 'health_commission', true),
    ('HE15', 'health_commission', true),
    ('HE16', 'sports_bureau', true),
    ('HE17', 'sports_bureau', true),
    ('HE18', 'health_commission', true),
    ('HE19', 'health_commission', true),
    ('HE20', 'health_commission', true),
    ('HE21', 'health_commission', true),
    ('HE22', 'health_commission', true),
    ('HE23', 'health_commission', true),
    ('HE24', 'health_commission', true),
    ('HE25', 'health_commission', true),
    ('HE26', 'health_commission', true),
    ('HE27', 'health_commission', true),
    -- 二(二) education
    ('ED01', 'education_bureau', true),
    ('ED02', 'education_bureau', true),
    ('ED03', 'education_bureau', true),
    ('ED04', 'education_bureau', true),
    ('ED05', 'science_association', true), ('ED05', 'statistics_bureau', false),
    ('ED06', 'education_bureau', true),   ('ED06', 'statistics_bureau', false),
    ('ED07', 'statistics_bureau', true),  ('ED07', 'education_bureau', false),
    ('ED08', 'science_technology_bureau', true), ('ED08', 'science_association', false),
    -- 二(三) economy: employment with HRSS, surveys with statistics
    ('EC01', 'hrss_bureau', true),        ('EC01', 'statistics_bureau', false),
    ('EC02', 'hrss_bureau', true),        ('EC02', 'statistics_bureau', false),
    ('EC03', 'hrss_bureau', true),
    ('EC04', 'hrss_bureau', true),        ('EC04', 'trade_union', false),
    ('EC05', 'statistics_bureau', true),  ('EC05', 'hrss_bureau', false), ('EC05', 'agriculture_commission', false),
    ('EC06', 'statistics_bureau', true),  ('EC06', 'hrss_bureau', false),
    ('EC07', 'health_commission', true),  ('EC07', 'hrss_bureau', false), ('EC07', 'trade_union', false),
    ('EC08', 'hrss_bureau', true),        ('EC08', 'trade_union', false),
    -- 二(四) decision-making: cadres and party with the organization department
    ('DM01', 'organization_dept', true),
    ('DM02', 'organization_dept', true),
    ('DM03', 'npc_office', true),
    ('DM04', 'cppcc_office', true),       ('DM04', 'united_front_dept', false),
    ('DM05', 'npc_office', true),
    ('DM06', 'cppcc_office', true),       ('DM06', 'united_front_dept', false),
    ('DM07', 'organization_dept', true),
    ('DM08', 'organization_dept', true),
    ('DM09', 'organization_dept', true),
    ('DM10', 'organization_dept', true),
    ('DM11', 'organization_dept', true),
    ('DM11', 'education_bureau', false),  ('DM11', 'science_technology_bureau', false),
    ('DM11', 'culture_tourism_bureau', false), ('DM11', 'health_commission', false),
    ('DM11', 'sports_bureau', false),     ('DM11', 'civil_affairs_bureau', false),
    ('DM11', 'justice_bureau', false),    ('DM11', 'hrss_bureau', false),
    ('DM12', 'organization_dept', true),
    ('DM13', 'organization_dept', true),
    ('DM14', 'organization_dept', true),
    ('DM15', 'organization_dept', true),
    ('DM16', 'organization_dept', true),
    ('DM17', 'organization_dept', true),  -- towns and streets lead too, below
    ('DM18', 'organization_dept', true),
    ('DM19', 'organization_dept', true),  ('DM19', 'hrss_bureau', false),
    ('DM20', 'sasac', true),              ('DM20', 'industry_commerce_federation', false),
    ('DM21', 'sasac', true),              ('DM21', 'industry_commerce_federation', false),
    ('DM22', 'sasac', true),              ('DM22', 'industry_commerce_federation', false),
    ('DM23', 'trade_union', true),
    ('DM24', 'trade_union', true),        ('DM24', 'statistics_bureau', false),
    ('DM25', 'organization_dept', true),
    ('DM26', 'organization_dept', true),
    ('DM27', 'civil_affairs_bureau', true),
    ('DM28', 'civil_affairs_bureau', true),
    ('DM29', 'organization_dept', true),
    ('DM30', 'organization_dept', true),
    ('DM31', 'civil_affairs_bureau', true),
    ('DM32', 'civil_affairs_bureau', true),
    ('DM33', 'civil_affairs_bureau', true),
    ('DM34', 'organization_dept', true),
    ('DM35', 'organization_dept', true),
    ('DM35', 'health_commission', false), ('DM35', 'education_bureau', false),
    ('DM35', 'culture_tourism_bureau', false),
    -- 二(五) social security
    ('SS01', 'healthcare_security_bureau', true),
    ('SS02', 'healthcare_security_bureau', true),
    ('SS03', 'hrss_bureau', true),
    ('SS04', 'hrss_bureau', true),
    ('SS05', 'hrss_bureau', true),
    ('SS06', 'hrss_bureau', true),
    ('SS07', 'hrss_bureau', true),
    ('SS08', 'civil_affairs_bureau', true),
    -- 二(六) family
    ('FA01', 'statistics_bureau', true),  ('FA01', 'womens_federation', false),
    -- 二(七) environment: water, toilets, nursing rooms
    ('EN01', 'water_bureau', true),
    ('EN02', 'water_bureau', true),
    ('EN03', 'water_bureau', true),       ('EN03', 'ecology_environment_bureau', false),
    ('EN04', 'agriculture_commission', true),
    ('EN05', 'urban_management_commission', true), ('EN05', 'housing_commission', false),
    ('EN06', 'health_commission', true),  ('EN06', 'womens_federation', false), ('EN06', 'trade_union', false),
    ('EN07', 'water_bureau', true),       ('EN07', 'ecology_environment_bureau', false),
    ('EN08', 'agriculture_commission', true), ('EN08', 'health_commission', false),
    ('EN09', 'agriculture_commission', true),
    -- 二(八) law
    ('LA01', 'justice_bureau', true),     ('LA01', 'womens_federation', false),
    ('LA02', 'justice_bureau', true);

-- Town and street leadership (min_count per area): each town and street
-- leads for its own area.
INSERT INTO responsibility (indicator_code, unit_code, lead)
SELECT 'DM17', code, true FROM member_unit WHERE kind IN ('town', 'street');

-- Towns and streets contribute village, community and town-leadership data,
-- and rural sanitation.  Towns alone hold a people's congress (DM03).
INSERT INTO responsibility (indicator_code, unit_code, lead)
SELECT ind, mu.code, false
  FROM unnest(ARRAY['DM18', 'DM25', 'DM26', 'DM27', 'DM28',
                    'DM29', 'DM30', 'DM31', 'DM32', 'EN04', 'EN09']) AS ind,
       member_unit mu
 WHERE mu.kind IN ('town', 'street');

INSERT INTO responsibility (indicator_code, unit_code, lead)
SELECT 'DM03', code, false FROM member_unit WHERE kind = 'town';

-- From 012_catalog_gaps.sql:
-- Who answers for them (lead = true is chased for the report), as in 004.
INSERT INTO responsibility (indicator_code, unit_code, lead) VALUES
    ('HE28', 'health_commission', true),
    ('ED09', 'education_bureau', true),
    ('EC09', 'health_commission', true),  ('EC09', 'statistics_bureau', false),
    ('EC10', 'education_bureau', true),
    ('DM36', 'womens_federation', true),  ('DM36', 'civil_affairs_bureau', false),
    ('DM37', 'organization_dept', true),
    ('DM38', 'organization_dept', true),
    ('SS09', 'hrss_bureau', true),
    ('SS10', 'hrss_bureau', true),
    ('SS11', 'civil_affairs_bureau', true), ('SS11', 'healthcare_security_bureau', false),
    ('SS12', 'healthcare_security_bureau', true),
    ('SS13', 'healthcare_security_bureau', true),
    ('SS14', 'hrss_bureau', true);

-- Towns and streets contribute the women's councils of their villages and
-- communities.
INSERT INTO responsibility (indicator_code, unit_code, lead)
SELECT 'DM36', code, false FROM member_unit WHERE kind IN ('town', 'street');
