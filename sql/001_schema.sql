-- 001_schema.sql: the tables of wdmon.
--
-- Everything lives in schema wdmon.  The migration runner (wdmon migrate)
-- applies each numbered file once, inside one transaction, and records it in
-- wdmon.schema_migration.  docs/SCHEMA.md explains every table.

CREATE SCHEMA IF NOT EXISTS wdmon;
SET search_path = wdmon;

-- ---------------------------------------------------------------------------
-- The plan and its catalog
-- ---------------------------------------------------------------------------

CREATE TABLE plan (
    code            text PRIMARY KEY,
    title_zh        text NOT NULL,
    title_en        text NOT NULL,
    source          text NOT NULL,              -- where the plan's text was published
    period_start    int  NOT NULL,              -- first plan year
    period_end      int  NOT NULL,              -- last plan year, the target year
    baseline_year   int  NOT NULL,
    -- A year's data is due by this month and day of the following year.
    deadline_month  int  NOT NULL DEFAULT 3 CHECK (deadline_month BETWEEN 1 AND 12),
    deadline_day    int  NOT NULL DEFAULT 31 CHECK (deadline_day BETWEEN 1 AND 31),
    CHECK (baseline_year < period_start AND period_start <= period_end)
);

CREATE TABLE domain (
    code            text PRIMARY KEY,
    plan_code       text NOT NULL REFERENCES plan,
    ordinal         int  NOT NULL,              -- the plan's order: (一) = 1 … (八) = 8
    name_zh         text NOT NULL,
    name_en         text NOT NULL,
    UNIQUE (plan_code, ordinal)
);

-- Units of measure.  A value carried with numerator and denominator obeys
-- value = numerator / denominator * scale.
CREATE TABLE measure_unit (
    code            text PRIMARY KEY,
    name_zh         text NOT NULL,
    name_en         text NOT NULL,
    symbol          text NOT NULL,
    scale           numeric                     -- NULL: not a ratio
);

CREATE TYPE target_kind AS ENUM (
    'upper_bound',      -- 控制在/下降到 X 以下: value <= X (以下 includes X)
    'lower_bound',      -- 达到 X 以上: value >= X (以上 includes X)
    'reach',            -- 达到 X (no 以上): value >= X by the target year
    'keep_above',       -- 保持在 X 以上: value >= X in every year of the plan
    'increase',         -- 逐步提高, 不断提高, 稳步提高, 延长 …
    'decrease',         -- 降低, 明显降低, 减少, 控制 …
    'curb_rise',        -- 上升趋势减缓: the yearly rise must shrink
    'narrow_gap',       -- 差距缩小: |female - male| must fall
    'relation',         -- A must relate to another indicator (>= or ~)
    'min_count',        -- 至少各配备 N 名: every named body has >= N
    'balance',          -- 保持均衡, 相适应: stay near X
    'monitor'           -- 保持适当比例 and the like: watched, no judgeable target
);

CREATE TYPE aggregation AS ENUM (
    'ratio',            -- sum of numerators over sum of denominators, times scale
    'sum',              -- counts add up
    'min',              -- the weakest area speaks for the district
    'max',
    'mean',             -- unweighted: only where nothing better exists
    'none'              -- reported for the district only; does not roll up
);

CREATE TYPE frequency AS ENUM ('year', 'quarter', 'month');

CREATE TABLE indicator (
    code            text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_.-]{1,31}$'),
    plan_code       text NOT NULL REFERENCES plan,
    domain_code     text NOT NULL REFERENCES domain,
    ordinal         int  NOT NULL,              -- order within its domain
    name_zh         text NOT NULL,
    name_en         text NOT NULL,
    unit_code       text NOT NULL REFERENCES measure_unit,
    target_kind     target_kind NOT NULL,
    target_value    numeric,                    -- X for bounds, reach, keep, balance, min_count
    target_year     int  NOT NULL DEFAULT 2025,
    relation_code   text REFERENCES indicator,  -- for 'relation': the other indicator
    relation_op     text CHECK (relation_op IN ('>=', '~')),
    bodies          text[],                     -- for 'min_count': the bodies that each need N
    by_sex          boolean NOT NULL DEFAULT false, -- reported for women and men separately
    clause_zh       text NOT NULL,              -- the plan's own words (typesetting spaces removed)
    clause_ref      text NOT NULL,              -- where: 二(一)主要目标2, 二(一)策略措施7 …
    note_zh         text,
    note_en         text,
    value_min       numeric,                    -- plausible range of a reported value
    value_max       numeric,
    aggregation     aggregation NOT NULL,
    frequency       frequency NOT NULL DEFAULT 'year',
    active          boolean NOT NULL DEFAULT true,
    UNIQUE (domain_code, ordinal),
    CHECK (value_min IS NULL OR value_max IS NULL OR value_min <= value_max),
    CHECK (target_kind NOT IN ('upper_bound', 'lower_bound', 'reach', 'keep_above',
                               'balance', 'min_count') OR target_value IS NOT NULL),
    CHECK ((target_kind = 'relation') = (relation_code IS NOT NULL AND relation_op IS NOT NULL)),
    CHECK (target_kind <> 'min_count' OR cardinality(bodies) > 0),
    CHECK (target_kind <> 'narrow_gap' OR by_sex)
);

-- ---------------------------------------------------------------------------
-- Areas and member units
-- ---------------------------------------------------------------------------

CREATE TYPE area_level AS ENUM ('district', 'town', 'street', 'village', 'community');

CREATE TABLE area (
    code            text PRIMARY KEY CHECK (code ~ '^[a-z0-9_.-]{1,64}$'),
    parent_code     text REFERENCES area,
    level           area_level NOT NULL,
    name_zh         text NOT NULL,
    name_en         text NOT NULL,
    CHECK ((level = 'district') = (parent_code IS NULL))
);
CREATE INDEX area_parent_idx ON area (parent_code);

CREATE TYPE unit_kind AS ENUM ('department', 'town', 'street', 'organization');

-- A member unit (成员单位).  It may report for its own area and the areas
-- below it, and only for the indicators assigned to it in responsibility.
CREATE TABLE member_unit (
    code            text PRIMARY KEY CHECK (code ~ '^[a-z0-9_.-]{1,64}$'),
    name_zh         text NOT NULL,
    name_en         text NOT NULL,
    kind            unit_kind NOT NULL,
    area_code       text NOT NULL REFERENCES area,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- CURVE public keys (Z85, 40 characters).  A unit may hold two keys while
-- it rotates; a revoked key stays for the record.
CREATE TABLE unit_key (
    public_key      text PRIMARY KEY CHECK (public_key ~ '^[0-9A-Za-z.:+=^!/*?&<>()\[\]{}@%$#-]{40}$'),
    unit_code       text NOT NULL REFERENCES member_unit,
    state           text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'revoked')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    CHECK ((state = 'revoked') = (revoked_at IS NOT NULL))
);
CREATE INDEX unit_key_unit_idx ON unit_key (unit_code);

CREATE TABLE responsibility (
    indicator_code  text NOT NULL REFERENCES indicator,
    unit_code       text NOT NULL REFERENCES member_unit,
    lead            boolean NOT NULL DEFAULT true,  -- false: contributes, is not chased
    PRIMARY KEY (indicator_code, unit_code)
);
CREATE INDEX responsibility_unit_idx ON responsibility (unit_code);

-- ---------------------------------------------------------------------------
-- Ingest
-- ---------------------------------------------------------------------------

-- Reason codes a record can be rejected with; the wire protocol uses them.
CREATE TABLE reason (
    code            int  PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    description_zh  text NOT NULL,
    description_en  text NOT NULL
);

CREATE TABLE ingest_batch (
    id              bigserial PRIMARY KEY,
    unit_code       text NOT NULL REFERENCES member_unit,
    epoch           bigint NOT NULL,            -- the sender's outbox epoch
    batch_no        bigint NOT NULL,            -- the sender's batch number
    record_count    int  NOT NULL,
    accepted        int  NOT NULL DEFAULT 0,
    duplicates      int  NOT NULL DEFAULT 0,
    rejected        int  NOT NULL DEFAULT 0,
    received_at     timestamptz NOT NULL DEFAULT now(),
    committed_at    timestamptz
);
CREATE INDEX ingest_batch_unit_idx ON ingest_batch (unit_code, received_at);

CREATE TYPE obs_status AS ENUM ('provisional', 'final', 'estimated');

-- One indicator value for one area, period, body and sex, as reported.
-- Insert-only: a correction is a new row with the next revision; earlier
-- revisions stay.  observation_latest shows the current one.
CREATE TABLE observation (
    id              bigserial PRIMARY KEY,
    indicator_code  text NOT NULL REFERENCES indicator,
    area_code       text NOT NULL REFERENCES area,
    year            int  NOT NULL,
    period_kind     frequency NOT NULL DEFAULT 'year',
    period_no       smallint NOT NULL DEFAULT 0,    -- 0 for a year, 1-4 quarter, 1-12 month
    body            text NOT NULL DEFAULT '',       -- the leadership body, for min_count targets
    sex             char(1) NOT NULL DEFAULT 'T' CHECK (sex IN ('T', 'F', 'M')),
    revision        int  NOT NULL DEFAULT 1 CHECK (revision >= 1),
    value           double precision NOT NULL,
    numerator       double precision,
    denominator     double precision,
    status          obs_status NOT NULL DEFAULT 'provisional',
    note            text,
    unit_code       text NOT NULL REFERENCES member_unit,  -- who reported it
    rec_epoch       bigint NOT NULL,                -- idempotency key, with unit_code and rec_seq
    rec_seq         bigint NOT NULL,
    batch_id        bigint REFERENCES ingest_batch,
    received_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((period_kind = 'year' AND period_no = 0)
        OR (period_kind = 'quarter' AND period_no BETWEEN 1 AND 4)
        OR (period_kind = 'month' AND period_no BETWEEN 1 AND 12)),
    CHECK (denominator IS NULL OR denominator > 0),
    UNIQUE (unit_code, rec_epoch, rec_seq),
    UNIQUE (indicator_code, area_code, year, period_kind, period_no, body, sex, revision)
);

CREATE TABLE rejected_record (
    id              bigserial PRIMARY KEY,
    batch_id        bigint REFERENCES ingest_batch,
    unit_code       text REFERENCES member_unit,    -- NULL when the sender could not be known
    rec_epoch       bigint,
    rec_seq         bigint,
    raw             bytea NOT NULL,                 -- the record's bytes exactly as received
    reason_code     int  NOT NULL REFERENCES reason,
    field           text,                           -- the offending field, where there is one
    message         text NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rejected_record_unit_idx ON rejected_record (unit_code, received_at);

-- ---------------------------------------------------------------------------
-- Warnings
-- ---------------------------------------------------------------------------

CREATE TABLE rule (
    code            text PRIMARY KEY,
    ordinal         int  NOT NULL UNIQUE,
    name_zh         text NOT NULL,
    name_en         text NOT NULL,
    description_zh  text NOT NULL,
    description_en  text NOT NULL,
    enabled         boolean NOT NULL DEFAULT true
);

-- Thresholds as data.  A row with indicator_code NULL is the rule's default;
-- a row naming an indicator overrides it for that indicator.
CREATE TABLE rule_threshold (
    id              serial PRIMARY KEY,
    rule_code       text NOT NULL REFERENCES rule,
    indicator_code  text REFERENCES indicator,
    param           text NOT NULL,
    value           double precision NOT NULL,
    description     text
);
CREATE UNIQUE INDEX rule_threshold_key ON rule_threshold
    (rule_code, coalesce(indicator_code, ''), param);

CREATE TYPE warning_level AS ENUM ('yellow', 'red');
CREATE TYPE warning_state AS ENUM ('open', 'acknowledged', 'resolved');

-- A warning is one (rule, indicator, area, period, body): opened when its
-- condition first holds, updated while it holds, resolved when it clears,
-- reopened when it returns.  warning_event keeps every transition.
CREATE TABLE warning (
    id              bigserial PRIMARY KEY,
    rule_code       text NOT NULL REFERENCES rule,
    indicator_code  text NOT NULL REFERENCES indicator,
    area_code       text NOT NULL REFERENCES area,
    year            int  NOT NULL,
    period_kind     frequency NOT NULL DEFAULT 'year',
    period_no       smallint NOT NULL DEFAULT 0,
    body            text NOT NULL DEFAULT '',
    unit_code       text REFERENCES member_unit,    -- the unit concerned (missing reports)
    level           warning_level NOT NULL,
    state           warning_state NOT NULL DEFAULT 'open',
    message_zh      text NOT NULL,
    message_en      text NOT NULL,
    value           double precision,
    target          double precision,
    details         jsonb,
    opened_at       timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    acknowledged_at timestamptz,
    acknowledged_by text,
    ack_note        text,
    resolved_at     timestamptz,
    reopen_count    int NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX warning_key ON warning
    (rule_code, indicator_code, area_code, year, period_kind, period_no, body,
     coalesce(unit_code, ''));
CREATE INDEX warning_open_idx ON warning (state, level) WHERE state <> 'resolved';

CREATE TABLE warning_event (
    id              bigserial PRIMARY KEY,
    warning_id      bigint NOT NULL REFERENCES warning,
    at              timestamptz NOT NULL DEFAULT now(),
    transition      text NOT NULL CHECK (transition IN ('open', 'update', 'acknowledge',
                                                        'resolve', 'reopen')),
    level           warning_level NOT NULL,
    message_zh      text NOT NULL,
    message_en      text NOT NULL,
    actor           text,                           -- who, for acknowledge
    note            text
);
CREATE INDEX warning_event_warning_idx ON warning_event (warning_id, at);

-- ---------------------------------------------------------------------------
-- Views
-- ---------------------------------------------------------------------------

-- The current revision of every reported value.
CREATE VIEW observation_latest AS
SELECT DISTINCT ON (indicator_code, area_code, year, period_kind, period_no, body, sex) *
  FROM observation
 ORDER BY indicator_code, area_code, year, period_kind, period_no, body, sex, revision DESC;

-- The catalog as an analyst reads it: one row per indicator, in plan order.
CREATE VIEW catalog AS
SELECT d.ordinal AS domain_ordinal, d.name_zh AS domain_zh, d.name_en AS domain_en,
       i.ordinal, i.code, i.name_zh, i.name_en, i.target_kind, i.target_value,
       u.symbol AS unit, i.relation_op, i.relation_code, i.bodies, i.by_sex,
       i.aggregation, i.clause_ref, i.clause_zh
  FROM indicator i
  JOIN domain d ON d.code = i.domain_code
  JOIN measure_unit u ON u.code = i.unit_code
 WHERE i.active
 ORDER BY d.ordinal, i.ordinal;
