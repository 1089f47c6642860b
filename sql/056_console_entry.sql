-- 056_console_entry.sql: a member unit enters its figures in the console,
-- or uploads its filled Excel form there (issue 16, "Entry in the
-- console"; docs/CONSOLE.md, "Entry and upload").
--
-- What the console submits takes the collector's path: the same checks,
-- the same store (server/ingest's wdm_store: ingest_batch, observation by
-- idempotency key, revisions), the same evaluation of the warnings.  So
-- the console's login now writes as wdmon-server's does: it is made a
-- member of wdmon_writer.
--
-- ingest_batch.entered_by names the console user who entered a batch
-- (NULL: a collector sent it).  The console sets it for its own session
-- (SET wdmon.entered_by) on the connection that stores the batch, so it
-- is written by the store's own INSERT, in the same transaction, and the
-- store needs no second path.  observation.batch_id leads to it.
--
-- entry_draft keeps what a unit user saved without submitting, per unit,
-- year and row of the form; submitting the year clears it.

SET search_path = wdmon;

ALTER TABLE ingest_batch
    ADD COLUMN entered_by text DEFAULT nullif (current_setting ('wdmon.entered_by', true), '');
COMMENT ON COLUMN ingest_batch.entered_by IS
    'the console user who entered or uploaded the batch (console_user.login); NULL: sent by a collector';

CREATE TABLE entry_draft (
    unit_code       text NOT NULL REFERENCES member_unit,
    year            int  NOT NULL,
    indicator_code  text NOT NULL REFERENCES indicator,
    area_code       text NOT NULL REFERENCES area,
    body            text NOT NULL DEFAULT '',
    sex             char(1) NOT NULL DEFAULT 'T',
    value           text NOT NULL DEFAULT '',   -- as typed: a draft may not be a number yet
    numerator       text NOT NULL DEFAULT '',
    denominator     text NOT NULL DEFAULT '',
    note            text NOT NULL DEFAULT '',
    saved_by        text NOT NULL,
    saved_at        timestamptz NOT NULL DEFAULT now (),
    PRIMARY KEY (unit_code, year, indicator_code, area_code, body, sex)
);

GRANT wdmon_writer TO wdmon_console;
GRANT SELECT, INSERT, UPDATE, DELETE ON entry_draft TO wdmon_console;
GRANT SELECT ON entry_draft TO wdmon_reader;
GRANT ALL ON entry_draft TO wdmon_admin;
