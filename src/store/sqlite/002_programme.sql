-- 002_programme.sql — the patrol programme (issue 3): team members, integrity
-- vetting (廉政审核), the cadre pool's work history and declared relatives,
-- and approved recusal exceptions (回避例外).

-- Who serves on which team of a round. A person serves on at most one team per round.
CREATE TABLE team_members (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  round_id    TEXT NOT NULL REFERENCES rounds(id),
  team_id     TEXT NOT NULL REFERENCES teams(id),
  person_id   TEXT NOT NULL REFERENCES persons(id),
  role        TEXT NOT NULL CHECK (role IN ('leader','deputy','commissioner','member','liaison')),
  origin      TEXT NOT NULL CHECK (origin IN ('seconded','commission')),
  source_unit_id TEXT REFERENCES orgs(id),   -- the unit a seconded member comes from
  created_by  TEXT REFERENCES users(id),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  UNIQUE (round_id, person_id)
) STRICT;
CREATE INDEX team_members_team ON team_members(team_id);
CREATE INDEX team_members_person ON team_members(person_id);

-- One row per request; the latest row of (round, person) is the current one,
-- older rows are the person's history.
CREATE TABLE vettings (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  round_id    TEXT NOT NULL REFERENCES rounds(id),
  person_id   TEXT NOT NULL REFERENCES persons(id),
  state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','clear','objection')),
  reason      TEXT,
  requested_by TEXT REFERENCES users(id),
  requested_at TEXT NOT NULL,
  answered_by TEXT REFERENCES users(id),
  answered_at TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX vettings_round ON vettings(round_id, person_id, requested_at);
CREATE INDEX vettings_person ON vettings(person_id, requested_at);

CREATE TABLE person_work_history (
  id          TEXT PRIMARY KEY,
  person_id   TEXT NOT NULL REFERENCES persons(id),
  org_id      TEXT NOT NULL REFERENCES orgs(id),
  post        TEXT,
  start_date  TEXT NOT NULL,
  end_date    TEXT,             -- NULL: still there
  created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX person_work_history_person ON person_work_history(person_id);

CREATE TABLE person_relatives (
  id          TEXT PRIMARY KEY,
  person_id   TEXT NOT NULL REFERENCES persons(id),
  name        TEXT NOT NULL,
  relation    TEXT NOT NULL,
  org_id      TEXT REFERENCES orgs(id),  -- where the relative works
  post        TEXT,
  created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX person_relatives_person ON person_relatives(person_id);

-- A recusal conflict the leading group has allowed, with its reason.
CREATE TABLE recusal_exceptions (
  id          TEXT PRIMARY KEY,
  round_id    TEXT NOT NULL REFERENCES rounds(id),
  team_id     TEXT NOT NULL REFERENCES teams(id),
  person_id   TEXT NOT NULL REFERENCES persons(id),
  unit_id     TEXT NOT NULL REFERENCES orgs(id),
  reason      TEXT NOT NULL,
  conflicts   TEXT NOT NULL,     -- the conflicts as computed when approved
  approved_by TEXT NOT NULL REFERENCES users(id),
  approved_at TEXT NOT NULL,
  UNIQUE (team_id, person_id, unit_id)
) STRICT;
