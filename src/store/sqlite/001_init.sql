-- 001_init.sql — foundation schema (SQLite dialect; PostgreSQL keeps its own DDL).
-- Every business record: id (UUIDv7 text), version (optimistic concurrency),
-- created_at/updated_at (UTC ISO-8601). Dates are 'YYYY-MM-DD' text.

CREATE TABLE orgs (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  kind        TEXT NOT NULL CHECK (kind IN ('committee','leading_group','inspection_office',
                'patrol_group','commission','commission_dept','dispatched_group',
                'organization_dept','unit','audit_bureau')),
  name        TEXT NOT NULL UNIQUE,
  short_name  TEXT,
  code        TEXT,             -- department code for commission_dept (case_mgmt, petitions, ...)
  parent_id   TEXT REFERENCES orgs(id),
  supervisor_id TEXT REFERENCES orgs(id), -- the dispatched group that supervises this unit
  level       TEXT NOT NULL DEFAULT 'city' CHECK (level IN ('city','township','village')),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE persons (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  name        TEXT NOT NULL,
  org_id      TEXT REFERENCES orgs(id),
  post        TEXT,
  rank        TEXT,
  party_member INTEGER NOT NULL DEFAULT 1 CHECK (party_member IN (0,1)),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX persons_org ON persons(org_id);

CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  version       INTEGER NOT NULL DEFAULT 1,
  login         TEXT NOT NULL UNIQUE,     -- case-folded
  display_name  TEXT NOT NULL,
  person_id     TEXT REFERENCES persons(id),
  org_id        TEXT REFERENCES orgs(id),
  pw_hash       TEXT,                     -- NULL: cannot log in with a password
  must_change   INTEGER NOT NULL DEFAULT 1 CHECK (must_change IN (0,1)),
  pw_changed_at TEXT,
  disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0,1)),
  failed_count  INTEGER NOT NULL DEFAULT 0,
  locked_until  INTEGER NOT NULL DEFAULT 0, -- unix seconds
  last_login_at TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
) STRICT;

-- Grants: role + scope. tag = HMAC-SM3(row key, user|role|scope_kind|scope_id),
-- checked whenever grants are loaded: a row edited outside xunji is ignored.
CREATE TABLE user_roles (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role        TEXT NOT NULL,
  scope_kind  TEXT NOT NULL CHECK (scope_kind IN ('none','team','unit','org')),
  scope_id    TEXT NOT NULL DEFAULT '',
  tag         TEXT NOT NULL,
  granted_by  TEXT,
  granted_at  TEXT NOT NULL,
  UNIQUE (user_id, role, scope_kind, scope_id)
) STRICT;

CREATE TABLE sessions (
  id_hash     TEXT PRIMARY KEY,   -- HMAC-SM3 of the cookie value
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf        TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  last_seen   INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  token_hash  TEXT NOT NULL UNIQUE,
  created_at  TEXT NOT NULL,
  expires_at  INTEGER NOT NULL,   -- unix seconds
  last_used_at TEXT,
  revoked     INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0,1))
) STRICT;

CREATE TABLE rounds (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  name        TEXT NOT NULL UNIQUE,        -- 八届市委第五轮巡察
  term        TEXT NOT NULL,               -- 八届
  seq         INTEGER NOT NULL CHECK (seq BETWEEN 1 AND 99),
  kind        TEXT NOT NULL DEFAULT 'regular',
  theme       TEXT,
  campaign    TEXT,
  planned_start TEXT,
  planned_end TEXT,
  state       TEXT NOT NULL DEFAULT 'planned',
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE teams (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  round_id    TEXT NOT NULL REFERENCES rounds(id),
  group_id    TEXT REFERENCES orgs(id),    -- the standing 巡察组 organisation
  name        TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  UNIQUE (round_id, name)
) STRICT;

CREATE TABLE targets (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  round_id    TEXT NOT NULL REFERENCES rounds(id),
  team_id     TEXT NOT NULL REFERENCES teams(id),
  unit_id     TEXT NOT NULL REFERENCES orgs(id),
  mobilization_date TEXT,
  entry_date  TEXT,
  withdrawal_date TEXT,
  report_date TEXT,
  feedback_date TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  UNIQUE (round_id, unit_id)
) STRICT;
CREATE INDEX targets_team ON targets(team_id);

CREATE TABLE clues (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  target_id   TEXT NOT NULL REFERENCES targets(id),
  round_id    TEXT NOT NULL REFERENCES rounds(id),
  team_id     TEXT NOT NULL REFERENCES teams(id),
  unit_id     TEXT NOT NULL REFERENCES orgs(id),
  title       TEXT NOT NULL,
  subject_name TEXT NOT NULL,          -- 被反映人
  subject_post TEXT,
  source      TEXT NOT NULL,           -- interview / records / field_visit / petition / other
  discovered_on TEXT NOT NULL,
  allegation_enc TEXT NOT NULL,        -- SM4-CTR + HMAC-SM3, see sec/crypto.h
  state       TEXT NOT NULL DEFAULT 'draft',
  verified_at TEXT, verified_by TEXT REFERENCES users(id), verify_note TEXT,
  handover_at TEXT, handover_by TEXT REFERENCES users(id),
  handover_mode TEXT CHECK (handover_mode IN ('during_patrol','after_patrol')),
  handover_docno TEXT UNIQUE,
  registered_at TEXT, registered_by TEXT REFERENCES users(id), registry_no TEXT UNIQUE,
  disposal_method TEXT, disposal_dept_id TEXT REFERENCES orgs(id),
  disposed_at TEXT, disposed_by TEXT REFERENCES users(id),
  result      TEXT, result_note TEXT,
  concluded_at TEXT, concluded_by TEXT REFERENCES users(id),
  created_by  TEXT NOT NULL REFERENCES users(id),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX clues_created ON clues(created_at, id);
CREATE INDEX clues_state ON clues(state, created_at, id);
CREATE INDEX clues_team ON clues(team_id, created_at, id);
CREATE INDEX clues_target ON clues(target_id);

-- Per-series, per-year number sequences for 文号 and 登记号.
CREATE TABLE doc_seq (
  series      TEXT NOT NULL,
  year        INTEGER NOT NULL,
  last        INTEGER NOT NULL,
  PRIMARY KEY (series, year)
) STRICT;

-- Cross-side inbox. A message goes to a role, optionally narrowed to a scope.
CREATE TABLE messages (
  id          TEXT PRIMARY KEY,
  created_at  TEXT NOT NULL,
  from_user   TEXT REFERENCES users(id),
  to_role     TEXT NOT NULL,
  to_scope    TEXT NOT NULL DEFAULT '',
  object_kind TEXT NOT NULL,
  object_id   TEXT NOT NULL,
  action      TEXT NOT NULL,
  title       TEXT NOT NULL,
  body        TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX messages_to ON messages(to_role, to_scope, created_at);

CREATE TABLE message_reads (
  message_id  TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  read_at     TEXT NOT NULL,
  PRIMARY KEY (message_id, user_id)
) STRICT;

-- Append-only, hash-chained audit log: hash = HMAC-SM3(audit key, prev_hash ||
-- every field), see sec/audit.c. The triggers stop accidental edits; the
-- chain detects deliberate ones.
CREATE TABLE audit (
  seq         INTEGER PRIMARY KEY,
  at          TEXT NOT NULL,
  actor_id    TEXT,
  actor_login TEXT,
  role        TEXT,
  action      TEXT NOT NULL,
  object_kind TEXT,
  object_id   TEXT,
  result      TEXT NOT NULL CHECK (result IN ('ok','denied','failed')),
  request_id  TEXT,
  ip          TEXT,
  detail      TEXT,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL
) STRICT;
CREATE INDEX audit_object ON audit(object_kind, object_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
