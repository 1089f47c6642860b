-- 012_catalog_gaps.sql: units of measure for the targets 003 left out
-- (issue 11, finding 7).
--
-- Until issue 14 this file also inserted those targets (docs/CATALOG.md
-- lists them) and made SS03 inactive for SS09; they are in the plan's
-- file now, deploy/plans/wuqing-women-2021-2025.yaml, imported after the
-- migrations (docs/PLANS.md).  Databases that applied the earlier texts
-- keep their rows, and wdm_migrate.c accepts their checksums.

SET search_path = wdmon;

-- Units the new indicators need.  scale only for ratios, as in 003.
INSERT INTO measure_unit (code, name_zh, name_en, symbol, scale) VALUES
    ('projects',        '项目数',       'projects',                    '项',      NULL),
    ('yuan_per_person', '元/人',        'yuan per person',             '元/人',   NULL),
    ('places_per_1k',   '每千人口个数', 'places per 1,000 people',     '个/千人', 1000);
