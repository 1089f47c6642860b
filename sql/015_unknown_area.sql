-- 015_unknown_area.sql: a record whose area code names no area is refused
-- as 406 unknown_area, not 403 not_authorised: a misspelt town is a typo
-- to correct, not a question of rights (issue 12, finding 2).  The code
-- must be here before the server uses it: rejected_record.reason_code
-- refers to this table.

SET search_path = wdmon;

INSERT INTO reason (code, name, description_zh, description_en) VALUES
 (406, 'unknown_area', '未知地区:地区代码不在地区名录中(请检查拼写)',
                       'unknown area: the area code is not in the list of areas (check its spelling)');
