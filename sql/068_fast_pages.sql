-- 068_fast_pages.sql: the console's overview, unit and completeness pages
-- under 200 ms with 1,000,000 observations (issue 15).
--
-- 1. area_within was a recursive view: every query that asked which areas
--    lie within one area built the whole tree again.  The tree changes
--    only when the site is imported; area_closure keeps it as a table,
--    rebuilt by a statement trigger whenever area changes, and area_within
--    reads it (same rows, same columns).
-- 2. report_owed asked, for each report owed, for the first value among
--    all the values of the indicator and year, hashed against every area
--    within the unit's area (0.5 ms each, 450 ms for the overview's
--    deadlines).  The values are now read in order of arrival, and the
--    first one within the unit's area answers: one probe of area_closure
--    per value read, and for a district unit the first value read is the
--    one.  What the view answers is unchanged (011, 020, 053).
-- 3. What arrived since the user's last visit (the overview): values by
--    received_at, warnings opened by the event's time, newest first; both
--    were found by reading every row (a million values: 450 ms).

SET search_path = wdmon;

CREATE TABLE area_closure (
    area_code   text NOT NULL,
    within_code text NOT NULL,
    depth       int NOT NULL,
    PRIMARY KEY (area_code, within_code)
);

--  Rebuilt whole: the tree has a few thousand pairs, and the site is
--  imported as a set.  The lock makes two concurrent changes of area take
--  turns rather than collide on the primary key.
CREATE FUNCTION area_closure_rebuild () RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = wdmon, pg_temp AS $$
BEGIN
    LOCK TABLE area_closure IN EXCLUSIVE MODE;
    DELETE FROM area_closure;
    INSERT INTO area_closure (area_code, within_code, depth)
    WITH RECURSIVE t (area_code, within_code, depth) AS (
        SELECT code, code, 0 FROM area
        UNION ALL
        SELECT t.area_code, a.code, t.depth + 1 FROM t JOIN area a ON a.parent_code = t.within_code
    )
    SELECT area_code, within_code, depth FROM t;
    RETURN NULL;
END
$$;

CREATE TRIGGER area_closure_rebuild AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON area
    FOR EACH STATEMENT EXECUTE FUNCTION area_closure_rebuild ();

--  The first build, as the trigger does it.
INSERT INTO area_closure (area_code, within_code, depth)
SELECT area_code, within_code, depth FROM area_within;

CREATE OR REPLACE VIEW area_within AS
SELECT area_code, within_code, depth FROM area_closure;

GRANT SELECT ON area_closure TO wdmon_reader, wdmon_writer, wdmon_admin, wdmon_console;

DROP INDEX observation_first_received;
CREATE INDEX observation_arrival ON observation (indicator_code, year, received_at)
    INCLUDE (area_code, body) WHERE period_kind = 'year' AND period_no = 0;

CREATE OR REPLACE VIEW report_owed AS
WITH watched AS (
    SELECT t.indicator_code, t.plan_code, p.current, y AS year, t.target_kind,
           make_date (y + 1, p.deadline_month, 1)
             + (least (p.deadline_day,
                       extract (day FROM make_date (y + 1, p.deadline_month, 1)
                                         + interval '1 month - 1 day')::int) - 1) AS deadline
      FROM plan_target t
      JOIN plan p ON p.code = t.plan_code
     CROSS JOIN LATERAL generate_series (p.period_start, p.period_end) y
     WHERE t.active
), owed_for AS (
    SELECT indicator_code, year,
           (array_agg (plan_code ORDER BY deadline, current DESC, plan_code)) [1] AS plan_code,
           array_agg (plan_code ORDER BY plan_code) AS plans,
           min (deadline) AS deadline,
           bool_or (target_kind = 'min_count') AS by_body
      FROM watched
     GROUP BY indicator_code, year
), owed AS (
    SELECT r.unit_code, u.name_zh AS unit_zh, u.name_en AS unit_en, u.area_code,
           u.created_at AS registered_at, r.indicator_code, o.plan_code, o.plans, o.year,
           coalesce (b.body, '') AS body, o.deadline
      FROM responsibility r
      JOIN member_unit u ON u.code = r.unit_code AND u.active
      JOIN indicator i ON i.code = r.indicator_code
      JOIN owed_for o ON o.indicator_code = r.indicator_code
      LEFT JOIN LATERAL unnest (CASE WHEN o.by_body THEN i.bodies END) b (body) ON true
     WHERE r.lead
)
SELECT w.unit_code, w.unit_zh, w.unit_en, w.indicator_code, w.plan_code, w.area_code, w.year,
       w.body, w.deadline, f.first_received,
       CASE WHEN f.first_received IS NULL THEN 'missing'
            WHEN f.first_received < (w.deadline + 1)::timestamp AT TIME ZONE 'Asia/Shanghai' THEN 'on_time'
            WHEN (w.deadline + 1)::timestamp AT TIME ZONE 'Asia/Shanghai' <= w.registered_at THEN 'backfill'
            ELSE 'late' END AS state,
       w.plans
  FROM owed w
  LEFT JOIN LATERAL (
        SELECT o.received_at AS first_received
          FROM observation o
         WHERE o.indicator_code = w.indicator_code AND o.year = w.year
           AND o.period_kind = 'year' AND o.period_no = 0
           AND (w.body = '' OR o.body = w.body)
           AND EXISTS (SELECT 1 FROM area_closure a
                        WHERE a.area_code = w.area_code AND a.within_code = o.area_code)
         ORDER BY o.received_at
         LIMIT 1
  ) f ON true;

CREATE INDEX observation_received ON observation (received_at, id);
CREATE INDEX warning_event_at ON warning_event (at, id);

-- 4. The open warnings of a plan by level, newest first: the overview's
--    counts and its ten, the report's counts (34,000 warnings of 560
--    bytes each read whole: 50-90 ms a query).
CREATE INDEX warning_open_by_plan ON warning (plan_code, level, updated_at, id) INCLUDE (year)
    WHERE state <> 'resolved';

-- 5. An indicator's warnings in every state (the indicator page's list).
CREATE INDEX warning_by_indicator ON warning (indicator_code, plan_code);

-- 6. What each unit has delivered: how many values are stored in its name
--    and when the last arrived (the units page counted a million rows
--    for it: 200-340 ms).  Kept by statement triggers on observation, as
--    exact as the count: rows inserted add, rows deleted subtract, an
--    update moves its rows; the last arrival is found again for a unit
--    that lost rows.  Units are taken in code order, so two transactions
--    storing for the same units wait for each other rather than deadlock.
CREATE TABLE unit_delivery (
    unit_code     text PRIMARY KEY,
    records       bigint NOT NULL CHECK (records >= 0),
    last_received timestamptz
);

CREATE FUNCTION unit_delivery_count () RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = wdmon, pg_temp AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE unit_delivery d SET records = d.records - g.n,
               last_received = (SELECT max (o.received_at) FROM observation o WHERE o.unit_code = d.unit_code)
          FROM (SELECT unit_code, count (*) AS n FROM old_rows GROUP BY unit_code ORDER BY unit_code) g
         WHERE d.unit_code = g.unit_code;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO unit_delivery AS d (unit_code, records, last_received)
        SELECT unit_code, count (*), max (received_at) FROM new_rows GROUP BY unit_code ORDER BY unit_code
        ON CONFLICT (unit_code) DO UPDATE
           SET records = d.records + excluded.records,
               last_received = greatest (d.last_received, excluded.last_received);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION unit_delivery_clear () RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = wdmon, pg_temp AS $$
BEGIN
    DELETE FROM unit_delivery;
    RETURN NULL;
END
$$;

CREATE TRIGGER unit_delivery_insert AFTER INSERT ON observation REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION unit_delivery_count ();
CREATE TRIGGER unit_delivery_update AFTER UPDATE ON observation
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION unit_delivery_count ();
CREATE TRIGGER unit_delivery_delete AFTER DELETE ON observation REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION unit_delivery_count ();
CREATE TRIGGER unit_delivery_truncate AFTER TRUNCATE ON observation
    FOR EACH STATEMENT EXECUTE FUNCTION unit_delivery_clear ();

INSERT INTO unit_delivery (unit_code, records, last_received)
SELECT unit_code, count (*), max (received_at) FROM observation GROUP BY unit_code;

GRANT SELECT ON unit_delivery TO wdmon_reader, wdmon_writer, wdmon_admin, wdmon_console;

-- 7. plan_baseline (035) with its look-up in a function: the view inlined
--    three subqueries over observation_current and indicator_value into
--    every query that read it, and planning the report's catalog took
--    30 ms of each console page.  PL/pgSQL keeps the look-up's plans for
--    the session.  The values are the same, from the same views.
CREATE FUNCTION plan_baseline_stored (kind target_kind, indicator text, year int) RETURNS float8
LANGUAGE plpgsql STABLE SET search_path = wdmon, pg_temp AS $$
DECLARE
    district text := (SELECT code FROM area WHERE level = 'district' ORDER BY code LIMIT 1);
BEGIN
    IF kind = 'narrow_gap' THEN
        RETURN (SELECT abs (f.value - m.value)::float8
                  FROM observation_current f
                  JOIN observation_current m ON m.indicator_code = f.indicator_code
                       AND m.area_code = f.area_code AND m.year = f.year
                       AND m.period_kind = 'year' AND m.period_no = 0 AND m.body = '' AND m.sex = 'M'
                 WHERE f.indicator_code = indicator AND f.year = plan_baseline_stored.year
                   AND f.period_kind = 'year' AND f.period_no = 0 AND f.body = '' AND f.sex = 'F'
                   AND f.area_code = district);
    ELSIF kind = 'min_count' THEN
        RETURN (SELECT min (o.value)::float8 FROM observation_current o
                 WHERE o.indicator_code = indicator AND o.year = plan_baseline_stored.year
                   AND o.period_kind = 'year' AND o.period_no = 0 AND o.body <> '' AND o.sex = 'T');
    END IF;
    --  The district's own figure when it has one (read alone, the view's
    --  roll-up of its towns is not worked out), else the view's answer.
    RETURN coalesce ((SELECT v.value::float8 FROM indicator_value v
                       WHERE v.indicator_code = indicator AND v.year = plan_baseline_stored.year
                         AND v.area_code = district AND v.source = 'reported'),
                     (SELECT v.value::float8 FROM indicator_value v
                       WHERE v.indicator_code = indicator AND v.year = plan_baseline_stored.year
                         AND v.area_code = district));
END
$$;

CREATE OR REPLACE VIEW plan_baseline AS
SELECT t.plan_code, t.indicator_code, p.baseline_year,
       coalesce (t.baseline_value::float8, s.value) AS value,
       CASE WHEN t.baseline_value IS NOT NULL THEN t.baseline_source
            WHEN s.value IS NOT NULL THEN 'stored' END AS source
  FROM plan_target t
  JOIN plan p ON p.code = t.plan_code
  LEFT JOIN LATERAL (
        SELECT plan_baseline_stored (t.target_kind, t.indicator_code, p.baseline_year) AS value
         WHERE t.baseline_value IS NULL
  ) s ON true;
