-- 003_findings.sql — from finding to sign-off (issue 4): the problem taxonomy,
-- problems (问题底稿) with evidence files, the team's report and the feedback
-- with its copies (抄送), the unit's rectification plan and tasks with
-- progress, supervision notices (督查督办), daily supervision by the
-- dispatched group (纳入日常监督), and institutions revised (制度机制).
--
-- Money is stored as integer fen (分), never floating point.

-- Two-level taxonomy (configurable): a top-level area and its sub-categories.
-- min_form: the lightest form (四种形态 1..4) the joint review accepts for a
-- problem of this category; NULL = no minimum.
CREATE TABLE problem_categories (
  id          TEXT PRIMARY KEY,
  code        TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  parent_id   TEXT REFERENCES problem_categories(id),
  min_form    INTEGER CHECK (min_form BETWEEN 1 AND 4),
  sort        INTEGER NOT NULL DEFAULT 0,
  active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),
  created_at  TEXT NOT NULL,
  UNIQUE (parent_id, name)
) STRICT;

CREATE TABLE problems (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  seq_no      TEXT NOT NULL UNIQUE,        -- 问题编号, e.g. 2026-0001
  target_id   TEXT NOT NULL REFERENCES targets(id),
  round_id    TEXT NOT NULL REFERENCES rounds(id),
  team_id     TEXT NOT NULL REFERENCES teams(id),
  unit_id     TEXT NOT NULL REFERENCES orgs(id),
  category_id TEXT NOT NULL REFERENCES problem_categories(id),
  title       TEXT NOT NULL,
  description TEXT NOT NULL,
  amount_fen  INTEGER NOT NULL DEFAULT 0 CHECK (amount_fen >= 0),
  people      TEXT,                        -- people involved (names, posts)
  found_by    TEXT NOT NULL CHECK (found_by IN ('interview','records','field_visit','petition','other')),
  petition_id TEXT REFERENCES petitions(id),
  found_on    TEXT NOT NULL,
  immediate_fix INTEGER NOT NULL DEFAULT 0 CHECK (immediate_fix IN (0,1)),  -- 立行立改
  inaction    INTEGER NOT NULL DEFAULT 0 CHECK (inaction IN (0,1)),        -- 不担当不作为
  state       TEXT NOT NULL DEFAULT 'draft',
  confirmed_at TEXT, confirmed_by TEXT REFERENCES users(id),
  reported_at TEXT,
  fed_back_at TEXT,
  rectifying_at TEXT,
  rectified_at TEXT, rectified_by TEXT REFERENCES users(id), rectify_note TEXT,
  signed_off_at TEXT, signed_off_by TEXT REFERENCES users(id),
  reopened_at TEXT, reopened_by TEXT REFERENCES users(id), reopen_reason TEXT,
  created_by  TEXT NOT NULL REFERENCES users(id),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX problems_target ON problems(target_id, created_at);
CREATE INDEX problems_team ON problems(team_id, created_at, id);
CREATE INDEX problems_unit ON problems(unit_id, created_at, id);
CREATE INDEX problems_round ON problems(round_id, state);
CREATE INDEX problems_created ON problems(created_at, id);

-- Evidence and attachments. Stored outside any web root under a server-made
-- name, SM4-sealed; the owner record decides who may read it.
CREATE TABLE files (
  id          TEXT PRIMARY KEY,
  owner_kind  TEXT NOT NULL CHECK (owner_kind IN ('problem','rect_task','rect_progress','report','assistance','notice')),
  owner_id    TEXT NOT NULL,
  name        TEXT NOT NULL,               -- the uploader's file name (display only)
  ctype       TEXT NOT NULL,               -- detected from the magic bytes
  size        INTEGER NOT NULL,
  sm3         TEXT NOT NULL,               -- hex SM3 of the plain content
  stored_name TEXT NOT NULL UNIQUE,
  uploaded_by TEXT NOT NULL REFERENCES users(id),
  uploaded_at TEXT NOT NULL
) STRICT;
CREATE INDEX files_owner ON files(owner_kind, owner_id, uploaded_at);

-- The team's report on one target, its approval, the feedback and the copy.
CREATE TABLE reports (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  target_id   TEXT NOT NULL UNIQUE REFERENCES targets(id),
  round_id    TEXT NOT NULL REFERENCES rounds(id),
  team_id     TEXT NOT NULL REFERENCES teams(id),
  unit_id     TEXT NOT NULL REFERENCES orgs(id),
  text        TEXT NOT NULL,
  state       TEXT NOT NULL DEFAULT 'draft',
  submitted_at TEXT, submitted_by TEXT REFERENCES users(id),
  returned_at TEXT, returned_by TEXT REFERENCES users(id), return_reason TEXT,
  approved_at TEXT, approved_by TEXT REFERENCES users(id),
  meeting_date TEXT,                       -- 反馈会 date
  attendees   INTEGER,                     -- people at the feedback meeting
  feedback_text TEXT,
  fed_back_at TEXT, fed_back_by TEXT REFERENCES users(id),
  copied_at   TEXT, copied_by TEXT REFERENCES users(id),
  created_by  TEXT NOT NULL REFERENCES users(id),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX reports_round ON reports(round_id, state);

-- The problems a report lists (fixed when submitted).
CREATE TABLE report_problems (
  report_id   TEXT NOT NULL REFERENCES reports(id),
  problem_id  TEXT NOT NULL UNIQUE REFERENCES problems(id),
  PRIMARY KEY (report_id, problem_id)
) STRICT;

-- One row per recipient of a copy (抄送): commission, organization_dept.
CREATE TABLE report_copies (
  id          TEXT PRIMARY KEY,
  report_id   TEXT NOT NULL REFERENCES reports(id),
  recipient   TEXT NOT NULL CHECK (recipient IN ('commission','organization_dept')),
  recipient_org_id TEXT REFERENCES orgs(id),
  copied_by   TEXT NOT NULL REFERENCES users(id),
  copied_at   TEXT NOT NULL,
  UNIQUE (report_id, recipient)
) STRICT;

-- The unit's rectification plan and report for one target.
CREATE TABLE rect_plans (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  target_id   TEXT NOT NULL UNIQUE REFERENCES targets(id),
  unit_id     TEXT NOT NULL REFERENCES orgs(id),
  plan_text   TEXT NOT NULL,
  submitted_by TEXT NOT NULL REFERENCES users(id),
  submitted_at TEXT NOT NULL,
  report_text TEXT,                         -- 整改情况报告
  report_submitted_at TEXT, report_submitted_by TEXT REFERENCES users(id),
  updated_at  TEXT NOT NULL
) STRICT;

-- 任务清单 + 责任清单: per problem one or more tasks.
CREATE TABLE rect_tasks (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  problem_id  TEXT NOT NULL REFERENCES problems(id),
  target_id   TEXT NOT NULL REFERENCES targets(id),
  round_id    TEXT NOT NULL REFERENCES rounds(id),
  team_id     TEXT NOT NULL REFERENCES teams(id),
  unit_id     TEXT NOT NULL REFERENCES orgs(id),
  measure     TEXT NOT NULL,
  owner_name  TEXT NOT NULL,                -- 责任人
  owner_post  TEXT,
  leader_name TEXT,                         -- 责任领导
  deadline    TEXT NOT NULL,
  long_term   INTEGER NOT NULL DEFAULT 0 CHECK (long_term IN (0,1)),
  state       TEXT NOT NULL DEFAULT 'open',
  started_at  TEXT,
  done_at     TEXT, done_by TEXT REFERENCES users(id), done_note TEXT,
  signed_off_at TEXT, signed_off_by TEXT REFERENCES users(id),
  returned_at TEXT, returned_by TEXT REFERENCES users(id), return_reason TEXT,
  created_by  TEXT NOT NULL REFERENCES users(id),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX rect_tasks_problem ON rect_tasks(problem_id);
CREATE INDEX rect_tasks_unit ON rect_tasks(unit_id, deadline);
CREATE INDEX rect_tasks_state ON rect_tasks(state, deadline);

CREATE TABLE rect_progress (
  id          TEXT PRIMARY KEY,
  task_id     TEXT NOT NULL REFERENCES rect_tasks(id),
  text        TEXT NOT NULL,
  created_by  TEXT NOT NULL REFERENCES users(id),
  created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX rect_progress_task ON rect_progress(task_id, created_at);

-- 督查督办: 提醒 (reminder) → 督办 (supervise) → 约谈 (interview).
CREATE TABLE notices (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  docno       TEXT NOT NULL UNIQUE,
  task_id     TEXT NOT NULL REFERENCES rect_tasks(id),
  target_id   TEXT NOT NULL REFERENCES targets(id),
  team_id     TEXT NOT NULL REFERENCES teams(id),
  unit_id     TEXT NOT NULL REFERENCES orgs(id),
  level       TEXT NOT NULL CHECK (level IN ('reminder','supervise','interview')),
  reason      TEXT NOT NULL,
  due_date    TEXT NOT NULL,
  state       TEXT NOT NULL DEFAULT 'issued',
  reply       TEXT,
  replied_at  TEXT, replied_by TEXT REFERENCES users(id),
  closed_at   TEXT, closed_by TEXT REFERENCES users(id), close_note TEXT,
  created_by  TEXT NOT NULL REFERENCES users(id),  -- issued by
  created_at  TEXT NOT NULL,                     -- issued at
  updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX notices_state ON notices(state, due_date);
CREATE INDEX notices_task ON notices(task_id);
CREATE INDEX notices_unit ON notices(unit_id, state);

-- 纳入日常监督: the dispatched group acknowledges a target's problem list.
CREATE TABLE supervision_acks (
  id          TEXT PRIMARY KEY,
  target_id   TEXT NOT NULL UNIQUE REFERENCES targets(id),
  group_id    TEXT NOT NULL REFERENCES orgs(id),
  note        TEXT,
  acked_by    TEXT NOT NULL REFERENCES users(id),
  acked_at    TEXT NOT NULL
) STRICT;

CREATE TABLE supervision_notes (
  id          TEXT PRIMARY KEY,
  task_id     TEXT NOT NULL REFERENCES rect_tasks(id),
  group_id    TEXT NOT NULL REFERENCES orgs(id),
  text        TEXT NOT NULL,
  created_by  TEXT NOT NULL REFERENCES users(id),
  created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX supervision_notes_task ON supervision_notes(task_id, created_at);

-- 修订完善制度机制: rules or systems a unit issued or revised in rectification.
CREATE TABLE institutions (
  id          TEXT PRIMARY KEY,
  target_id   TEXT NOT NULL REFERENCES targets(id),
  round_id    TEXT NOT NULL REFERENCES rounds(id),
  unit_id     TEXT NOT NULL REFERENCES orgs(id),
  problem_id  TEXT REFERENCES problems(id),
  task_id     TEXT REFERENCES rect_tasks(id),
  name        TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('new','revised')),
  issued_on   TEXT NOT NULL,
  created_by  TEXT NOT NULL REFERENCES users(id),
  created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX institutions_target ON institutions(target_id);
CREATE INDEX institutions_round ON institutions(round_id);

-- The seeded taxonomy (政治巡察 focus areas); editable by the office. Fixed ids
-- (01940000-0000-7000-8000-<code padded>) so every installation shares them.
INSERT INTO problem_categories (id, code, name, parent_id, min_form, sort, created_at) VALUES
 ('01940000-0000-7000-8000-010000000000','01','贯彻落实党的理论和路线方针政策及上级决策部署',NULL,NULL,10,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-010100000000','0101','贯彻落实党中央决策部署不到位','01940000-0000-7000-8000-010000000000',NULL,11,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-010200000000','0102','落实巡视巡察、审计等监督发现问题整改不到位','01940000-0000-7000-8000-010000000000',1,12,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-020000000000','02','党的领导',NULL,NULL,20,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-020100000000','0201','党组织领导作用发挥不充分','01940000-0000-7000-8000-020000000000',NULL,21,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-020200000000','0202','议事决策制度执行不严格','01940000-0000-7000-8000-020000000000',1,22,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-030000000000','03','党的建设',NULL,NULL,30,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-030100000000','0301','基层党组织建设薄弱','01940000-0000-7000-8000-030000000000',NULL,31,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-030200000000','0302','党内政治生活不严肃','01940000-0000-7000-8000-030000000000',NULL,32,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-040000000000','04','全面从严治党',NULL,NULL,40,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-040100000000','0401','主体责任和监督责任落实不到位','01940000-0000-7000-8000-040000000000',1,41,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-040200000000','0402','违反中央八项规定精神','01940000-0000-7000-8000-040000000000',2,42,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-040300000000','0403','违规使用和管理资金 (公款私存、设立小金库等)','01940000-0000-7000-8000-040000000000',2,43,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-050000000000','05','选人用人',NULL,NULL,50,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-050100000000','0501','违规选拔任用干部','01940000-0000-7000-8000-050000000000',1,51,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-050200000000','0502','干部监督管理不严','01940000-0000-7000-8000-050000000000',NULL,52,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-060000000000','06','整改落实',NULL,NULL,60,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-060100000000','0601','上轮巡察整改不到位','01940000-0000-7000-8000-060000000000',1,61,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-070000000000','07','群众身边腐败和作风问题',NULL,NULL,70,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-070100000000','0701','惠民惠农资金监管不力、优亲厚友','01940000-0000-7000-8000-070000000000',2,71,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-070200000000','0702','扶贫领域侵害群众利益','01940000-0000-7000-8000-070000000000',2,72,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-080000000000','08','形式主义官僚主义',NULL,NULL,80,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-080100000000','0801','不担当不作为、慢作为','01940000-0000-7000-8000-080000000000',1,81,'2026-01-01T00:00:00Z'),
 ('01940000-0000-7000-8000-080200000000','0802','文山会海、督检考过多','01940000-0000-7000-8000-080000000000',NULL,82,'2026-01-01T00:00:00Z');
