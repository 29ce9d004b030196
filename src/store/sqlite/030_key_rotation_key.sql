-- 030: key rotation walks tables by primary key (issue 16).
--
-- `xunji key rotate` used to walk each table by SQLite's rowid and keep the
-- last rowid done in key_rotation.after_rowid. It now walks by the table's
-- (text) primary key, the same on SQLite and PostgreSQL, and keeps the last
-- key done here. after_rowid stays (unused): a rotation interrupted before
-- this migration resumes at the start of its column, which is safe (values
-- already under the new key are skipped).
ALTER TABLE key_rotation ADD COLUMN after_key TEXT NOT NULL DEFAULT '';
