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

-- The cadre pool (巡察人才库): expertise tags, training records, and the
-- 十五严禁 pledge each member signs per round.
CREATE TABLE person_tags (
  person_id   TEXT NOT NULL REFERENCES persons(id),
  tag         TEXT NOT NULL,
  PRIMARY KEY (person_id, tag)
) STRICT;
CREATE INDEX person_tags_tag ON person_tags(tag);

CREATE TABLE person_trainings (
  id          TEXT PRIMARY KEY,
  person_id   TEXT NOT NULL REFERENCES persons(id),
  title       TEXT NOT NULL,
  organizer   TEXT,
  start_date  TEXT NOT NULL,
  end_date    TEXT,
  hours       INTEGER CHECK (hours IS NULL OR hours BETWEEN 1 AND 2000),
  created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX person_trainings_person ON person_trainings(person_id);

CREATE TABLE pledges (
  id          TEXT PRIMARY KEY,
  round_id    TEXT NOT NULL REFERENCES rounds(id),
  person_id   TEXT NOT NULL REFERENCES persons(id),
  signed_on   TEXT NOT NULL,
  recorded_by TEXT REFERENCES users(id),
  created_at  TEXT NOT NULL,
  UNIQUE (round_id, person_id)
) STRICT;

-- 巡前情况通报: for each target the office asks the sources for what they
-- know; overdue is computed from due_date, never stored.
CREATE TABLE briefings (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  target_id   TEXT NOT NULL REFERENCES targets(id),
  round_id    TEXT NOT NULL REFERENCES rounds(id),
  team_id     TEXT NOT NULL REFERENCES teams(id),
  unit_id     TEXT NOT NULL REFERENCES orgs(id),
  source      TEXT NOT NULL CHECK (source IN ('dispatched_group','petitions','case_mgmt','conduct',
                'organization_dept','audit_bureau')),
  source_org_id TEXT NOT NULL REFERENCES orgs(id),
  due_date    TEXT NOT NULL,
  note        TEXT,
  state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','answered')),
  answer      TEXT,
  petitions_3y INTEGER CHECK (petitions_3y IS NULL OR petitions_3y >= 0),
  clues_on_hand INTEGER CHECK (clues_on_hand IS NULL OR clues_on_hand >= 0),
  cases       INTEGER CHECK (cases IS NULL OR cases >= 0),
  audit_findings INTEGER CHECK (audit_findings IS NULL OR audit_findings >= 0),
  requested_by TEXT REFERENCES users(id),
  requested_at TEXT NOT NULL,
  answered_by TEXT REFERENCES users(id),
  answered_at TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  UNIQUE (target_id, source)
) STRICT;
CREATE INDEX briefings_team ON briefings(team_id, due_date);
CREATE INDEX briefings_round ON briefings(round_id, due_date);

-- 信访件 received by a team on site. The reporter's identity is sealed
-- (SM4-CTR + HMAC-SM3 bound to the petition id) and read only with its own
-- permission, every read audited.
CREATE TABLE petitions (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  round_id    TEXT NOT NULL REFERENCES rounds(id),
  team_id     TEXT NOT NULL REFERENCES teams(id),
  target_id   TEXT NOT NULL REFERENCES targets(id),
  unit_id     TEXT NOT NULL REFERENCES orgs(id),
  channel     TEXT NOT NULL CHECK (channel IN ('letter','visit','phone','online','qr_code')),
  received_on TEXT NOT NULL,
  summary     TEXT NOT NULL,
  anonymous   INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0,1)),
  reporter_enc TEXT,
  state       TEXT NOT NULL DEFAULT 'received'
                CHECK (state IN ('received','to_clue','transferred','closed')),
  clue_id     TEXT REFERENCES clues(id),
  triage_note TEXT,
  triaged_by  TEXT REFERENCES users(id),
  triaged_at  TEXT,
  created_by  TEXT NOT NULL REFERENCES users(id),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX petitions_team ON petitions(team_id, created_at, id);

-- Cadre movements between patrol and commission posts (the seed's 4 + 1 + 1).
CREATE TABLE cadre_movements (
  id          TEXT PRIMARY KEY,
  person_id   TEXT NOT NULL REFERENCES persons(id),
  kind        TEXT NOT NULL CHECK (kind IN ('commission_to_patrol','patrol_to_commission',
                'patrol_to_grassroots')),
  from_org_id TEXT REFERENCES orgs(id),
  from_post   TEXT,
  to_org_id   TEXT REFERENCES orgs(id),
  to_post     TEXT NOT NULL,
  moved_on    TEXT NOT NULL,
  note        TEXT,
  created_by  TEXT REFERENCES users(id),
  created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX cadre_movements_person ON cadre_movements(person_id);
