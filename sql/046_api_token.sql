-- 046_api_token.sql: the read API's tokens (issue 15).  A city platform or
-- a spreadsheet reads /api/v1/ with "Authorization: Bearer <token>"; each
-- token belongs to a console account, whose role scopes what it reads (a
-- unit user's token sees its own unit only), and stops working when the
-- account is disabled or the token revoked.
--
--   api_token  one client's token: kept only as the hex BLAKE2b hash of
--              the random token (`wdmon token add` prints the token once),
--              so a copy of this table reads nothing; name says which
--              client; last_used_at is set on each use
--
-- wdmon_console (025) finds tokens and marks them used; only
-- administrators (wdmon token ...) add and revoke them.

SET search_path = wdmon;

CREATE TABLE api_token (
    id              bigserial PRIMARY KEY,
    token_hash      text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    login           text NOT NULL REFERENCES console_user ON DELETE CASCADE,
    name            text NOT NULL CHECK (name <> ''),   -- which client: 市妇儿工委平台, budget sheet
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    revoked_at      timestamptz
);
CREATE INDEX api_token_login ON api_token (login);

GRANT SELECT ON api_token TO wdmon_console;
GRANT UPDATE (last_used_at) ON api_token TO wdmon_console;
GRANT ALL ON api_token TO wdmon_admin;
GRANT ALL ON SEQUENCE api_token_id_seq TO wdmon_admin;

-- What the API reads besides what 025 granted: the values and the reports
-- owed.
GRANT SELECT ON observation, observation_current, completeness, report_owed, measure_unit
    TO wdmon_console;
