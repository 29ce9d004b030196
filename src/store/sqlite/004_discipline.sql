-- 004_discipline.sql — the discipline side (issue 5): assistance requests
-- approved by the leading group (提请协助), clue disposal outcomes,
-- accountability records with the four forms (追责问责), and the joint review
-- (联审) that flags lenient outcomes. Money is integer fen.

CREATE TABLE assistance (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  seq_no      TEXT NOT NULL UNIQUE,
  target_id   TEXT NOT NULL REFERENCES targets(id),
  round_id    TEXT NOT NULL REFERENCES rounds(id),
  team_id     TEXT NOT NULL REFERENCES teams(id),
  unit_id     TEXT NOT NULL REFERENCES orgs(id),
  problem_id  TEXT REFERENCES problems(id),
  clue_id     TEXT REFERENCES clues(id),
  need        TEXT NOT NULL,      -- what help: e.g. query the accountant's bank statements
  reason      TEXT NOT NULL,
  state       TEXT NOT NULL DEFAULT 'draft',
  submitted_at TEXT, submitted_by TEXT REFERENCES users(id),
  decided_at  TEXT, decided_by TEXT REFERENCES users(id), decision_note TEXT,
  forwarded_at TEXT, forwarded_by TEXT REFERENCES users(id),
  accepted_at TEXT, accepted_by TEXT REFERENCES users(id), accepted_role TEXT,
  completed_at TEXT, completed_by TEXT REFERENCES users(id),
  result      TEXT, evidence_fixed TEXT,
  closed_at   TEXT, closed_by TEXT REFERENCES users(id),
  created_by  TEXT NOT NULL REFERENCES users(id),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX assistance_team ON assistance(team_id, created_at);
CREATE INDEX assistance_state ON assistance(state, created_at);

-- Clue disposal outcomes beyond the result: 立案, 留置, 移送审查起诉.
ALTER TABLE clues ADD COLUMN case_filed_on TEXT;
ALTER TABLE clues ADD COLUMN detention_on TEXT;
ALTER TABLE clues ADD COLUMN prosecution_on TEXT;
ALTER TABLE clues ADD COLUMN outcome_authority TEXT;

-- One accountability outcome for a person, a party organisation or a leader.
-- form (四种形态) is derived by the server from outcome (core/outcomes.c).
CREATE TABLE accountability (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  problem_id  TEXT REFERENCES problems(id),
  clue_id     TEXT REFERENCES clues(id),
  target_id   TEXT NOT NULL REFERENCES targets(id),
  round_id    TEXT NOT NULL REFERENCES rounds(id),
  team_id     TEXT NOT NULL REFERENCES teams(id),
  unit_id     TEXT NOT NULL REFERENCES orgs(id),
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('person','organization','leader')),
  subject_name TEXT NOT NULL,
  subject_post TEXT,
  leader_role TEXT CHECK (leader_role IN ('principal','supervising')),
  outcome     TEXT,
  criminal    INTEGER NOT NULL DEFAULT 0 CHECK (criminal IN (0,1)),
  form        INTEGER CHECK (form BETWEEN 1 AND 4),
  authority   TEXT,
  decided_on  TEXT,
  funds_recovered_fen INTEGER NOT NULL DEFAULT 0 CHECK (funds_recovered_fen >= 0),
  funds_returned_fen  INTEGER NOT NULL DEFAULT 0 CHECK (funds_returned_fen >= 0),
  losses_recovered_fen INTEGER NOT NULL DEFAULT 0 CHECK (losses_recovered_fen >= 0),
  note        TEXT,
  state       TEXT NOT NULL DEFAULT 'open',
  revoked_reason TEXT,
  created_by  TEXT NOT NULL REFERENCES users(id),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  CHECK (problem_id IS NOT NULL OR clue_id IS NOT NULL)
) STRICT;
CREATE INDEX accountability_problem ON accountability(problem_id);
CREATE INDEX accountability_clue ON accountability(clue_id);
CREATE INDEX accountability_round ON accountability(round_id, state);

CREATE TABLE joint_reviews (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  round_id    TEXT NOT NULL REFERENCES rounds(id),
  team_id     TEXT NOT NULL REFERENCES teams(id),
  title       TEXT NOT NULL,
  scheduled_on TEXT NOT NULL,
  place       TEXT,
  participants TEXT,
  minutes     TEXT,
  state       TEXT NOT NULL DEFAULT 'scheduled',
  held_at     TEXT,
  concluded_at TEXT,
  created_by  TEXT NOT NULL REFERENCES users(id),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;

-- Items: a problem or a clue. Handling is an outcome code or 'no_action'.
CREATE TABLE review_items (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  review_id   TEXT NOT NULL REFERENCES joint_reviews(id),
  problem_id  TEXT REFERENCES problems(id),
  clue_id     TEXT REFERENCES clues(id),
  finding     TEXT,          -- verification team: what the investigation found
  proposed    TEXT,          -- verification team: proposed handling
  proposed_note TEXT,
  source_text TEXT,          -- patrol team: where the problem came from
  how_found   TEXT,          -- patrol team: how it was found
  learned     TEXT,          -- patrol team: what it learned
  final       TEXT,          -- the meeting's final handling
  final_note  TEXT,
  flag_rectified_first INTEGER NOT NULL DEFAULT 0,
  flag_lenient INTEGER NOT NULL DEFAULT 0,
  flag_detail TEXT,
  flag_cleared_at TEXT, flag_cleared_by TEXT REFERENCES users(id), clear_reason TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  CHECK ((problem_id IS NULL) <> (clue_id IS NULL)),
  UNIQUE (review_id, problem_id),
  UNIQUE (review_id, clue_id)
) STRICT;
CREATE INDEX review_items_review ON review_items(review_id);
