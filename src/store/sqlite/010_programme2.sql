-- 010_programme2.sql — issue 12: a team member replaced after mobilization
-- (illness, a conflict found on site) with the leading group's approval.
-- The replaced member's row is kept and marked, never deleted: history shows
-- both people and when the change happened. Safe on a database with data:
-- new nullable columns and a new table only.

ALTER TABLE team_members ADD COLUMN replaced_at TEXT;     -- when the member left the team
ALTER TABLE team_members ADD COLUMN replaced_by TEXT;     -- the newcomer's team_members.id
ALTER TABLE team_members ADD COLUMN replacement_id TEXT;  -- the approved request (on both rows)

CREATE TABLE member_replacements (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  round_id    TEXT NOT NULL REFERENCES rounds(id),
  team_id     TEXT NOT NULL REFERENCES teams(id),
  member_id   TEXT NOT NULL REFERENCES team_members(id), -- the membership that ends
  old_person_id TEXT NOT NULL REFERENCES persons(id),
  person_id   TEXT NOT NULL REFERENCES persons(id),      -- the newcomer
  role        TEXT NOT NULL,                             -- taken over from the replaced member
  origin      TEXT NOT NULL CHECK (origin IN ('seconded','commission')),
  source_unit_id TEXT REFERENCES orgs(id),
  reason      TEXT NOT NULL,
  state       TEXT NOT NULL DEFAULT 'requested',
  decided_at  TEXT, decided_by TEXT REFERENCES users(id), decision_note TEXT,
  new_member_id TEXT REFERENCES team_members(id),
  created_by  TEXT NOT NULL REFERENCES users(id),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX member_replacements_team ON member_replacements(team_id, created_at);
-- one open request per membership
CREATE UNIQUE INDEX member_replacements_open ON member_replacements(member_id)
  WHERE state = 'requested';
