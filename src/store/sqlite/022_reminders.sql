-- 022: deadline reminders (issue 17) and scheduler leases (issue 16).
-- reminders_sent: one row per step of a record's due date that has been
-- reminded; the key makes a second send of the same step impossible (the
-- scheduler inserts with ON CONFLICT DO NOTHING and sends only when it
-- inserted). A changed due date arms the steps again.
CREATE TABLE reminders_sent (
  kind        TEXT NOT NULL,
  record_id   TEXT NOT NULL,
  due_on      TEXT NOT NULL,
  step        TEXT NOT NULL,
  sent_at     TEXT NOT NULL,
  recipients  INTEGER NOT NULL,
  PRIMARY KEY (kind, record_id, due_on, step)
);
-- scheduler_leases: who runs a periodic job until when; a server takes the
-- row (or an expired one) before a run, so several servers never run it at
-- once.
CREATE TABLE scheduler_leases (
  name        TEXT PRIMARY KEY,
  holder      TEXT NOT NULL,
  expires_at  TEXT NOT NULL
);
