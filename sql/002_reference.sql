-- 002_reference.sql: reason codes and warning rules, with their default
-- thresholds.  Both are data: the wire protocol (docs/PROTOCOL.md) carries
-- the reason codes, and the monitoring group tunes thresholds in
-- rule_threshold without a release.

SET search_path = wdmon;

INSERT INTO reason (code, name, description_zh, description_en) VALUES
 (400, 'malformed',           '格式错误:无法解码或缺少必填字段',
                              'malformed: cannot be decoded or a required field is missing'),
 (403, 'not_authorised',      '无权报送:本单位未被分配该指标或该地区',
                              'not authorised: the unit is not assigned that indicator or area'),
 (404, 'unknown_indicator',   '未知指标:指标代码不在规划指标目录中',
                              'unknown indicator: the code is not in the plan''s catalog'),
 (413, 'too_large',           '过大:消息或字段超过长度上限',
                              'too large: the message or a field exceeds its limit'),
 (422, 'invalid_value',       '数值无效:字段未通过校验(见字段名)',
                              'invalid value: a field failed validation (see the field)'),
 (503, 'retry_later',         '请稍后重试:数据库不可用或服务器繁忙',
                              'retry later: the database is down or the server is saturated'),
 (505, 'unsupported_version', '协议版本不受支持',
                              'unsupported protocol version');

INSERT INTO rule (code, ordinal, name_zh, name_en, description_zh, description_en) VALUES
 ('not_met', 1, '未达标', 'target not met',
  '最新值未达到数值目标;"保持在…以上"的目标任何一年低于目标值',
  'the latest value misses a numeric target; for keep-above targets, any year below it'),
 ('behind_schedule', 2, '进度滞后', 'behind schedule',
  '自2020年基期起的进展落后于规划期已过去的时间比例(时间过半、任务过半)',
  'progress from the 2020 baseline is behind the share of the plan period that has passed'),
 ('unlikely', 3, '预计达标困难', 'unlikely to be met',
  '按最小二乘趋势外推至2025年仍达不到目标',
  'the least-squares trend, extrapolated to 2025, misses the target'),
 ('fluctuating', 4, '波动较大', 'fluctuating',
  '与上年相比的变化远超该指标通常的波动幅度',
  'the change from last year is far outside what is usual for the indicator'),
 ('wrong_direction', 5, '方向相反', 'wrong direction',
  '应提高的指标下降,或应降低的指标上升',
  'an increase target fell, or a decrease target rose'),
 ('relation_broken', 6, '关系目标未满足', 'relation broken',
  '两项指标之间规定的关系不成立(如党代会女代表比例低于女党员比例)',
  'the stated relation between two indicators does not hold'),
 ('min_count', 7, '未配备女性', 'no woman in a body',
  '要求至少配备1名女干部的领导班子报告为没有女性',
  'a leadership body that must have at least one woman reported none'),
 ('missing', 8, '未按时报送', 'missing or late',
  '成员单位在截止日期前未报送其负责的指标',
  'a member unit has not reported an indicator it owes by the deadline'),
 ('implausible', 9, '数据存疑', 'implausible',
  '数值与同级地区相差悬殊,或已定稿数据被大幅修订',
  'far off its peer areas, or a large revision of a value already final');

INSERT INTO rule_threshold (rule_code, param, value, description) VALUES
 ('behind_schedule', 'yellow_pp',           10,   'yellow when progress lags the time share by this many percentage points'),
 ('behind_schedule', 'red_pp',              30,   'red when it lags by this many percentage points'),
 ('unlikely',        'min_years',            3,   'years of data needed before a trend is fitted'),
 ('unlikely',        'on_track_ratio',       0.95,'observed / required annual change at or above this: on track'),
 ('unlikely',        'limited_ratio',        0.6, 'below this: limited progress (red); between: needs acceleration (yellow)'),
 ('fluctuating',     'modified_z',           3.5, 'modified z-score of the year-on-year change that counts as a swing'),
 ('fluctuating',     'min_years',            4,   'years of changes needed before the z-score is used'),
 ('wrong_direction', 'red_consecutive',      2,   'years in a row in the wrong direction that make it red'),
 ('missing',         'yellow_days_before',  14,   'days before the deadline when an unreported indicator turns yellow'),
 ('implausible',     'peer_modified_z',      3.5, 'modified z-score against peer areas that counts as far off'),
 ('implausible',     'revision_pct',        10,   'relative change, in percent, of a final value that counts as a large revision');
