-- 006_accounts.sql — issue 11 items 4, 9, 10: dual-control password resets,
-- security settings kept in the database (not in a host config line), API
-- token revocation, and the sign-in failure window.

-- Failed sign-ins count only while each follows the previous one within
-- lock_minutes (unix seconds of the last counted failure).
ALTER TABLE users ADD COLUMN failed_at INTEGER NOT NULL DEFAULT 0;

ALTER TABLE api_tokens ADD COLUMN revoked_at TEXT;
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- A business account's password reset: requested by the system administrator,
-- approved (or rejected) by the security administrator; the one-time password
-- is made when the requester collects it, once, and is never stored.
CREATE TABLE password_resets (
  id            TEXT PRIMARY KEY,
  version       INTEGER NOT NULL DEFAULT 1,
  user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  state         TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending','approved','rejected','collected','superseded')),
  dual_control  INTEGER NOT NULL DEFAULT 1 CHECK (dual_control IN (0,1)),
  requested_by  TEXT REFERENCES users(id),
  requested_at  TEXT NOT NULL,
  decided_by    TEXT REFERENCES users(id),
  decided_at    TEXT,
  collected_at  TEXT,
  updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX password_resets_user ON password_resets(user_id, state);
CREATE UNIQUE INDEX password_resets_open ON password_resets(user_id)
  WHERE state IN ('pending','approved');

-- Security settings that the security administrator changes through the API
-- (audited). tag = HMAC-SM3(row key, "setting|name|value"); a row that fails
-- the check is ignored (the safe default applies) and logged.
CREATE TABLE security_settings (
  name        TEXT PRIMARY KEY,
  value       INTEGER NOT NULL,
  tag         TEXT NOT NULL,
  updated_by  TEXT REFERENCES users(id),
  updated_at  TEXT NOT NULL
) STRICT;
