-- 017: access that ends (issue 18 item 2) and reporter protection (item 3).

-- A grant may carry an end date (set by secadmin). Besides it, the domain
-- ends a grant (team dissolved, member replaced, liaison's round closed):
-- evaluated from the data whenever grants are loaded (api/session.c); the
-- first request that finds a grant ended records when and why (audited
-- once as role.end) so that secadmin can list ended grants.
ALTER TABLE user_roles ADD COLUMN ends_at TEXT;      -- NULL: no end date
ALTER TABLE user_roles ADD COLUMN ended_at TEXT;     -- first seen ended
ALTER TABLE user_roles ADD COLUMN end_reason TEXT;   -- expired|team_dissolved|replaced|round_closed

-- Revealing a petition's reporter needs a second person's approval.
-- The reason is the requester's justification (shown to the approver; the
-- audit holds only the request id).
CREATE TABLE reveal_requests (
  id           TEXT PRIMARY KEY,
  object_kind  TEXT NOT NULL,                 -- 'petition'
  object_id    TEXT NOT NULL,
  requester    TEXT NOT NULL REFERENCES users(id),
  reason       TEXT NOT NULL,
  state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending','approved','rejected','used')),
  approver_role TEXT NOT NULL,                -- the role whose holder must decide
  decided_by   TEXT REFERENCES users(id),
  decided_at   TEXT,
  decision_note TEXT,
  valid_until  INTEGER,                       -- unix seconds; 0 = one read
  used_at      TEXT,
  created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX reveal_requests_object ON reveal_requests(object_kind, object_id, requester, state);
CREATE INDEX reveal_requests_state ON reveal_requests(state, created_at);

-- An anonymous reporter's follow-up receipt: only its slow hash (PBKDF2-SM3).
ALTER TABLE petitions ADD COLUMN receipt_hash TEXT;
