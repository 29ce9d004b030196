-- 015_twofa.sql for PostgreSQL: src/store/sqlite/015_twofa.sql (see there for what it
-- means) with an alias on the derived table, which PostgreSQL before 16 requires.

CREATE TABLE user_totp (
  user_id     TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  secret_enc  TEXT NOT NULL,
  alg         TEXT NOT NULL CHECK (alg IN ('sha1','sha256','sha512','sm3')),
  digits      BIGINT NOT NULL CHECK (digits BETWEEN 6 AND 8),
  period      BIGINT NOT NULL CHECK (period BETWEEN 15 AND 120),
  enabled     BIGINT NOT NULL DEFAULT 0 CHECK (enabled IN (0,1)),
  last_step   BIGINT NOT NULL DEFAULT -1,
  created_at  TEXT NOT NULL,
  enabled_at  TEXT
);

CREATE TABLE totp_recovery (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash   TEXT NOT NULL,
  used_at     TEXT
);
CREATE INDEX totp_recovery_user ON totp_recovery(user_id);

ALTER TABLE sessions ADD COLUMN sid TEXT;
ALTER TABLE sessions ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN verified_until BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET sid = (SELECT substr(h,1,8)||'-'||substr(h,9,4)||'-'||substr(h,13,4)||'-'||
                                   substr(h,17,4)||'-'||substr(h,21,12)
                            FROM (SELECT lower(hex(randomblob(16))) AS h) AS r)
 WHERE sid IS NULL;
CREATE UNIQUE INDEX sessions_sid ON sessions(sid);

ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'all';
