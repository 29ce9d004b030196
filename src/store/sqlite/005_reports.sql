-- 006_reports.sql — formal letters issued from records (issue 6): each row is
-- one letter as issued (文号 and content fixed at issue time, so the PDF
-- reproduces exactly what was sent). One letter per kind and record.

CREATE TABLE documents (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL DEFAULT 1,
  kind        TEXT NOT NULL,            -- clue_handover, vetting_request, ... (report/letters.c)
  docno       TEXT NOT NULL UNIQUE,     -- 文号
  object_kind TEXT NOT NULL,            -- clue, round, ...
  object_id   TEXT NOT NULL,
  title       TEXT NOT NULL,
  recipient   TEXT NOT NULL,            -- 主送
  content     TEXT NOT NULL,            -- JSON: issuer, docno, title, to, body[], signer, date, cc
  issued_by   TEXT NOT NULL REFERENCES users(id),
  issued_at   TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  UNIQUE (kind, object_id)
) STRICT;
CREATE INDEX documents_issued ON documents(issued_at, id);
CREATE INDEX documents_object ON documents(object_kind, object_id);
