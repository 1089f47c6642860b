-- 066_forward_approval.sql: 审核后上报 — a year's figures go up to the city
-- only once the district's operator has approved them, when the district's
-- wdmon-forward is set so ([forward] approval = yes).  `wdmon forward
-- approve --year Y` writes the row: who and when.  Until then the year's
-- series wait in forward_queue; after it, the year's later corrections go
-- up as they come.  docs/OPERATIONS.md, "Reporting to the city (逐级上报)".

SET search_path = wdmon;

CREATE TABLE forward_approval (
    year            int  PRIMARY KEY,
    approved_by     text NOT NULL CHECK (approved_by <> ''),
    approved_at     timestamptz NOT NULL DEFAULT now(),
    note            text
);

GRANT SELECT ON forward_approval TO wdmon_reader, wdmon_writer;
GRANT ALL ON forward_approval TO wdmon_admin;
