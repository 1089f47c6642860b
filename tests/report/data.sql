-- tests/report/data.sql: a small, known data set for test_report.sh.
--
-- Indicators in every domain, chosen so that each status of the report's
-- summary occurs (expected, annual report on 2024, after `wdmon warnings
-- evaluate --today 2025-01-10`):
--
--   met            HE03 8.4 <= 8.5; HE10 rolled up from two towns, 1.5 <= 2;
--                  HE06 60 > 55 (increase); HE12 rise 0.2 then 0.1 (curb);
--                  ED03 53 within 5 of 50 (balance); DM01 exactly 35 (bound
--                  included); FA01 gap 50 -> 43; EN04 100; LA02 68 > 60 even
--                  though it fell from 70 (a yellow warning stays listed)
--   on track       HE16 44.5, not yet 45 but on pace; SS05 one value only
--   behind         HE17 (behind_schedule); HE09 rose once (wrong_direction,
--                  yellow); DM02 33 < DM01 35 by 2 (relation, yellow)
--   unlikely       HE05 (unlikely, red); ED01 below 99 in 2022 (keep_above,
--                  not_met red); DM07 a body with no woman (min_count, red)
--   not reported   the other 77 judgeable indicators; EC02 has only a
--                  baseline value, which is not a report on the plan
--   monitored      DM05
--
-- ED01's 2024 note carries markup and SQL that the report must escape.

SET search_path = wdmon;

INSERT INTO ingest_batch (id, unit_code, epoch, batch_no, record_count, accepted, received_at, committed_at)
VALUES (1, 'statistics_bureau', 1, 1, 60, 60, '2025-01-05 08:00+00', '2025-01-05 08:00+00');

INSERT INTO observation (indicator_code, area_code, year, sex, body, value, numerator, denominator,
                         status, note, unit_code, rec_epoch, rec_seq, batch_id, received_at)
SELECT v.ind, v.area, v.year, v.sex, v.body, v.value, v.num, v.den,
       'final', v.note, v.unit, 1, row_number () OVER (), 1, v.at::timestamptz
  FROM (VALUES
    ('HE03', 'wuqing', 2020, 'T', '', 9.0,  NULL::float8, NULL::float8, NULL, 'health_commission', '2021-02-01 00:00+00'),
    ('HE03', 'wuqing', 2021, 'T', '', 8.0,  NULL, NULL, NULL, 'health_commission', '2022-02-01 00:00+00'),
    ('HE03', 'wuqing', 2022, 'T', '', 8.3,  NULL, NULL, NULL, 'health_commission', '2023-02-01 00:00+00'),
    ('HE03', 'wuqing', 2023, 'T', '', 8.9,  NULL, NULL, NULL, 'health_commission', '2024-02-01 00:00+00'),
    ('HE03', 'wuqing', 2024, 'T', '', 8.4,  NULL, NULL, NULL, 'health_commission', '2025-01-05 00:00+00'),
    ('HE05', 'wuqing', 2020, 'T', '', 50,   NULL, NULL, NULL, 'health_commission', '2021-02-01 00:00+00'),
    ('HE05', 'wuqing', 2021, 'T', '', 52,   NULL, NULL, NULL, 'health_commission', '2022-02-01 00:00+00'),
    ('HE05', 'wuqing', 2022, 'T', '', 53,   NULL, NULL, NULL, 'health_commission', '2023-02-01 00:00+00'),
    ('HE05', 'wuqing', 2023, 'T', '', 54,   NULL, NULL, NULL, 'health_commission', '2024-02-01 00:00+00'),
    ('HE05', 'wuqing', 2024, 'T', '', 55,   NULL, NULL, NULL, 'health_commission', '2025-01-05 00:00+00'),
    ('HE06', 'wuqing', 2020, 'T', '', 55,   NULL, NULL, NULL, 'health_commission', '2021-02-01 00:00+00'),
    ('HE06', 'wuqing', 2023, 'T', '', 58,   NULL, NULL, NULL, 'health_commission', '2024-02-01 00:00+00'),
    ('HE06', 'wuqing', 2024, 'T', '', 60,   NULL, NULL, NULL, 'health_commission', '2025-01-05 00:00+00'),
    ('HE09', 'wuqing', 2020, 'T', '', 1.0,  NULL, NULL, NULL, 'health_commission', '2021-02-01 00:00+00'),
    ('HE09', 'wuqing', 2024, 'T', '', 1.2,  NULL, NULL, NULL, 'health_commission', '2025-01-05 00:00+00'),
    -- HE10: only the towns report; the district's value is rolled up.
    ('HE10', 'meichang', 2023, 'T', '', 2,  2,   100, NULL, 'town_meichang',  '2024-02-01 00:00+00'),
    ('HE10', 'yangcun',  2023, 'T', '', 4,  2,    50, NULL, 'street_yangcun', '2024-02-01 00:00+00'),
    ('HE10', 'meichang', 2024, 'T', '', 1,  1,   100, NULL, 'town_meichang',  '2025-01-05 00:00+00'),
    ('HE10', 'yangcun',  2024, 'T', '', 2,  2,   100, NULL, 'street_yangcun', '2025-01-05 00:00+00'),
    ('HE12', 'wuqing', 2022, 'T', '', 4.0,  NULL, NULL, NULL, 'health_commission', '2023-02-01 00:00+00'),
    ('HE12', 'wuqing', 2023, 'T', '', 4.2,  NULL, NULL, NULL, 'health_commission', '2024-02-01 00:00+00'),
    ('HE12', 'wuqing', 2024, 'T', '', 4.3,  NULL, NULL, NULL, 'health_commission', '2025-01-05 00:00+00'),
    ('HE16', 'wuqing', 2020, 'T', '', 40,   NULL, NULL, NULL, 'sports_bureau', '2021-02-01 00:00+00'),
    ('HE16', 'wuqing', 2021, 'T', '', 41.5, NULL, NULL, NULL, 'sports_bureau', '2022-02-01 00:00+00'),
    ('HE16', 'wuqing', 2022, 'T', '', 43,   NULL, NULL, NULL, 'sports_bureau', '2023-02-01 00:00+00'),
    ('HE16', 'wuqing', 2023, 'T', '', 44,   NULL, NULL, NULL, 'sports_bureau', '2024-02-01 00:00+00'),
    ('HE16', 'wuqing', 2024, 'T', '', 44.5, NULL, NULL, NULL, 'sports_bureau', '2025-01-05 00:00+00'),
    ('HE17', 'wuqing', 2020, 'T', '', 85,   NULL, NULL, NULL, 'sports_bureau', '2021-02-01 00:00+00'),
    ('HE17', 'wuqing', 2024, 'T', '', 88,   NULL, NULL, NULL, 'sports_bureau', '2025-01-05 00:00+00'),
    ('ED01', 'wuqing', 2020, 'T', '', 99.5, NULL, NULL, NULL, 'education_bureau', '2021-02-01 00:00+00'),
    ('ED01', 'wuqing', 2021, 'T', '', 99.2, NULL, NULL, NULL, 'education_bureau', '2022-02-01 00:00+00'),
    ('ED01', 'wuqing', 2022, 'T', '', 98.7, NULL, NULL, NULL, 'education_bureau', '2023-02-01 00:00+00'),
    ('ED01', 'wuqing', 2023, 'T', '', 99.3, NULL, NULL, NULL, 'education_bureau', '2024-02-01 00:00+00'),
    ('ED01', 'wuqing', 2024, 'T', '', 99.4, NULL, NULL,
     '口径调整 <script>alert(1)</script> & "引号" ''; DROP TABLE wdmon.observation; --',
     'education_bureau', '2025-04-15 00:00+00'),
    ('ED03', 'wuqing', 2024, 'T', '', 53,   NULL, NULL, NULL, 'education_bureau', '2025-01-05 00:00+00'),
    ('EC02', 'wuqing', 2020, 'T', '', 41,   NULL, NULL, NULL, 'hrss_bureau', '2021-02-01 00:00+00'),
    ('DM01', 'wuqing', 2024, 'T', '', 35,   NULL, NULL, NULL, 'organization_dept', '2025-01-05 00:00+00'),
    ('DM02', 'wuqing', 2024, 'T', '', 33,   NULL, NULL, NULL, 'organization_dept', '2025-01-05 00:00+00'),
    ('DM05', 'wuqing', 2024, 'T', '', 30,   NULL, NULL, NULL, 'npc_office', '2025-01-05 00:00+00'),
    ('DM07', 'wuqing', 2024, 'T', '区委',         1, NULL, NULL, NULL, 'organization_dept', '2025-01-05 00:00+00'),
    ('DM07', 'wuqing', 2024, 'T', '区人大常委会', 1, NULL, NULL, NULL, 'organization_dept', '2025-01-05 00:00+00'),
    ('DM07', 'wuqing', 2024, 'T', '区政府',       0, NULL, NULL, NULL, 'organization_dept', '2025-01-05 00:00+00'),
    ('DM07', 'wuqing', 2024, 'T', '区政协',       2, NULL, NULL, NULL, 'organization_dept', '2025-01-05 00:00+00'),
    ('SS05', 'wuqing', 2021, 'T', '', 80,   NULL, NULL, NULL, 'hrss_bureau', '2022-02-01 00:00+00'),
    ('FA01', 'wuqing', 2020, 'F', '', 130,  NULL, NULL, NULL, 'statistics_bureau', '2021-02-01 00:00+00'),
    ('FA01', 'wuqing', 2020, 'M', '', 80,   NULL, NULL, NULL, 'statistics_bureau', '2021-02-01 00:00+00'),
    ('FA01', 'wuqing', 2024, 'F', '', 125,  NULL, NULL, NULL, 'statistics_bureau', '2025-01-05 00:00+00'),
    ('FA01', 'wuqing', 2024, 'M', '', 82,   NULL, NULL, NULL, 'statistics_bureau', '2025-01-05 00:00+00'),
    ('EN04', 'wuqing', 2024, 'T', '', 100,  NULL, NULL, NULL, 'agriculture_commission', '2025-01-05 00:00+00'),
    ('LA02', 'wuqing', 2020, 'T', '', 60,   NULL, NULL, NULL, 'justice_bureau', '2021-02-01 00:00+00'),
    ('LA02', 'wuqing', 2023, 'T', '', 70,   NULL, NULL, NULL, 'justice_bureau', '2024-02-01 00:00+00'),
    ('LA02', 'wuqing', 2024, 'T', '', 68,   NULL, NULL, NULL, 'justice_bureau', '2025-05-20 00:00+00')
  ) AS v (ind, area, year, sex, body, value, num, den, note, unit, at);
