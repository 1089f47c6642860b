-- 025_console.sql: the web console's accounts, sessions, login attempts and
-- audit trail, and the PostgreSQL role the console connects with (issue 15).
--
--   console_user           people who log in to wdmon-web, each with one role:
--                          viewer (reads), operator (acknowledges, notes),
--                          administrator (everything), unit (reads its own
--                          member unit's warnings only, unit_code says which)
--   console_session        a logged-in browser: the cookie's random token is
--                          kept only as its hash, so a copy of this table
--                          logs nobody in; csrf is the token every form of
--                          the session carries
--   console_login_attempt  every try to log in, for the limits (five wrong
--                          passwords for a login or from an address lock it
--                          for a while)
--   console_audit          who did what, when, from where: logins, logouts,
--                          failed logins, acknowledgements, notes, changes
--                          of users
--
-- Passwords are Argon2id strings from libsodium's crypto_pwhash_str
-- ($argon2id$v=19$...); the database never sees a password.
--
-- wdmon_console is a NOLOGIN group like 005's: give wdmon-web a LOGIN role
-- that is a member (CREATE ROLE wdmon_web LOGIN IN ROLE wdmon_console).  It
-- reads what the pages show, changes warnings only through warning_note ()
-- and warning_acknowledge () (006, 014), and keeps its sessions; it cannot
-- change users, keys, data or rules.

SET search_path = wdmon;

CREATE TYPE console_role AS ENUM ('viewer', 'operator', 'administrator', 'unit');

CREATE TABLE console_user (
    login           text PRIMARY KEY CHECK (login ~ '^[a-z0-9_.-]{1,64}$'),
    display_name    text NOT NULL CHECK (display_name <> ''),
    role            console_role NOT NULL,
    unit_code       text REFERENCES member_unit,    -- for role 'unit': whose warnings
    password_hash   text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    disabled        boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'unit') = (unit_code IS NOT NULL))
);

CREATE TABLE console_session (
    token_hash      text PRIMARY KEY,               -- hex BLAKE2b of the cookie's token
    login           text NOT NULL REFERENCES console_user ON DELETE CASCADE,
    csrf            text NOT NULL,                  -- hex, on every form of the session
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    address         text NOT NULL
);
CREATE INDEX console_session_login ON console_session (login);

CREATE TABLE console_login_attempt (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    login           text NOT NULL,                  -- as typed: it may name nobody
    address         text NOT NULL,
    outcome         text NOT NULL CHECK (outcome IN ('ok', 'wrong', 'locked'))
);
CREATE INDEX console_login_attempt_login ON console_login_attempt (login, at);
CREATE INDEX console_login_attempt_address ON console_login_attempt (address, at);

CREATE TABLE console_audit (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    login           text NOT NULL,                  -- who: a console login, or cli:<os user>
    address         text NOT NULL,                  -- from where: the browser's address, or 'local'
    action          text NOT NULL,                  -- login, logout, login_failed, acknowledge, ...
    object          text NOT NULL DEFAULT '',       -- what: warning 12, user wang
    detail          text NOT NULL DEFAULT ''
);
CREATE INDEX console_audit_at ON console_audit (at);

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wdmon_console') THEN
        BEGIN
            CREATE ROLE wdmon_console NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA wdmon TO wdmon_console;

-- What the pages show.
GRANT SELECT ON plan, domain, plan_target, indicator, area, member_unit, responsibility, rule, warning, warning_event
    TO wdmon_console;
-- Acknowledgements and notes, through warning_note () and
-- warning_acknowledge (), which run with the caller's rights.
GRANT UPDATE ON warning TO wdmon_console;
GRANT INSERT ON warning_event TO wdmon_console;
GRANT USAGE ON SEQUENCE warning_event_id_seq TO wdmon_console;
GRANT EXECUTE ON FUNCTION warning_note (bigint, text, text), warning_acknowledge (bigint, text, text)
    TO wdmon_console;
-- Accounts: read them; keep sessions, attempts and the audit.
GRANT SELECT ON console_user TO wdmon_console;
GRANT SELECT, INSERT, UPDATE, DELETE ON console_session TO wdmon_console;
GRANT SELECT, INSERT ON console_login_attempt, console_audit TO wdmon_console;
GRANT USAGE ON SEQUENCE console_login_attempt_id_seq, console_audit_id_seq TO wdmon_console;

-- Administrators (wdmon user ...) manage accounts; analysts read the audit.
GRANT ALL ON console_user, console_session, console_login_attempt, console_audit TO wdmon_admin;
GRANT ALL ON SEQUENCE console_login_attempt_id_seq, console_audit_id_seq TO wdmon_admin;
GRANT SELECT ON console_audit TO wdmon_reader;
