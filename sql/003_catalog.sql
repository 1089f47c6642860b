-- 003_catalog.sql: units of measure.
--
-- Until issue 14 this file also inserted the 2021-2025 plan, its eight
-- domains and every indicator with its target.  A plan is data now: its
-- file, deploy/plans/wuqing-women-2021-2025.yaml (docs/PLANS.md), written
-- by `wdmon plan export` from a database that applied the earlier text,
-- is imported with `wdmon plan import` after the migrations.  Databases
-- that applied the earlier text keep its rows (importing the file over
-- them is no change), and wdm_migrate.c accepts its checksum.  The units
-- of measure stay: reference data every plan shares (docs/PLANS.md).

SET search_path = wdmon;

-- scale only for ratios: value = numerator / denominator * scale.
INSERT INTO measure_unit (code, name_zh, name_en, symbol, scale) VALUES
    ('percent',         '百分比',       'percent',                     '%',       100),
    ('per_mille',       '千分比',       'per thousand',                '‰',       1000),
    ('per_100k',        '十万分比',     'per 100,000',                 '/10万',   100000),
    ('years',           '年',           'years',                       '年',      NULL),
    ('count',           '人数',         'persons',                     '人',      NULL),
    ('person_times',    '人次',         'person-times',                '人次',    NULL),
    ('rooms',           '个数',         'facilities',                  '个',      NULL),
    ('minutes_per_day', '分钟/日',      'minutes per day',             '分钟/日', NULL),
    ('yuan_per_month',  '元/月',        'yuan per month',              '元/月',   NULL),
    ('yuan_per_year',   '元/年',        'yuan per year',               '元/年',   NULL);
