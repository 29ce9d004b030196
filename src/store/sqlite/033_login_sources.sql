-- 033: the per-source sign-in limits (sec/login_guard.h) where several xunji
-- servers share one PostgreSQL database (issue 16): one row per client address,
-- the same state the single server keeps in memory, so every server counts the
-- same attempts (sec/login_guard_db.c). Times are milliseconds of the real-time
-- clock. Rows untouched for a day are swept with the expired sessions.
CREATE TABLE login_sources (
  source        TEXT PRIMARY KEY,
  win           INTEGER NOT NULL DEFAULT 0,
  attempts      INTEGER NOT NULL DEFAULT 0,
  fails         INTEGER NOT NULL DEFAULT 0,
  last_fail     INTEGER NOT NULL DEFAULT 0,
  blocked_until INTEGER NOT NULL DEFAULT 0,
  touched       INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX login_sources_touched ON login_sources(touched);
