-- 016: master key rotation (issue 18, 密评).
--
-- audit.key_id: the key (id in the key file) whose audit key made the entry's
-- hash; NULL for entries made before rotation existed (key 1). The chain
-- itself is unchanged: the first entry under a new key carries the last hash
-- made under the old one as its prev_hash.
--
-- key_rotation: the progress of `xunji key rotate` (one row), so an
-- interrupted rotation resumes where it stopped: the key being rotated to,
-- the sealed column being worked on (its index in the list built from the
-- record kinds' declarations) and the last rowid done in it.
ALTER TABLE audit ADD COLUMN key_id INTEGER;

CREATE TABLE key_rotation (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  to_kid INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'done')),
  col INTEGER NOT NULL DEFAULT 0,
  after_rowid INTEGER NOT NULL DEFAULT 0,
  resealed INTEGER NOT NULL DEFAULT 0,
  retagged INTEGER NOT NULL DEFAULT 0,
  batches INTEGER NOT NULL DEFAULT 0,
  started_at TEXT NOT NULL,
  finished_at TEXT
);
