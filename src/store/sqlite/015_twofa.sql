-- issue 18 (items 1 and 6): the second factor (TOTP), recovery codes, session
-- listing and step-up, API token scopes. Safe on a database with data: new
-- tables, and columns with defaults on existing ones.

-- One TOTP secret per user, sealed (sec/crypto.h field_seal, context
-- "user:<id>:totp"); enabled once the user confirmed a code. last_step is
-- the newest time step accepted: a code of that step or an older one is a
-- replay and refused.
CREATE TABLE user_totp (
  user_id     TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  secret_enc  TEXT NOT NULL,
  alg         TEXT NOT NULL CHECK (alg IN ('sha1','sha256','sha512','sm3')),
  digits      INTEGER NOT NULL CHECK (digits BETWEEN 6 AND 8),
  period      INTEGER NOT NULL CHECK (period BETWEEN 15 AND 120),
  enabled     INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0,1)),
  last_step   INTEGER NOT NULL DEFAULT -1,
  created_at  TEXT NOT NULL,
  enabled_at  TEXT
) STRICT;

-- Recovery codes: shown once at enrolment, stored only as PBKDF2 hashes
-- (sec/password.h); each works once.
CREATE TABLE totp_recovery (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash   TEXT NOT NULL,
  used_at     TEXT
) STRICT;
CREATE INDEX totp_recovery_user ON totp_recovery(user_id);

-- Sessions: a public id (to list and end one's own sessions without
-- revealing the cookie hash), the client address at sign-in, and the end of
-- the step-up (a fresh second factor) in unix seconds.
ALTER TABLE sessions ADD COLUMN sid TEXT;
ALTER TABLE sessions ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN verified_until INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET sid = (SELECT substr(h,1,8)||'-'||substr(h,9,4)||'-'||substr(h,13,4)||'-'||
                                   substr(h,17,4)||'-'||substr(h,21,12)
                            FROM (SELECT lower(hex(randomblob(16))) AS h))
 WHERE sid IS NULL;
CREATE UNIQUE INDEX sessions_sid ON sessions(sid);

-- API token scope: 'read' (GET only), 'all' (the owner's rights; tokens
-- made before scopes existed), or a comma list of action names, optionally
-- with 'read'. A sensitive route (RF_2FA) needs its action named.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'all';
