-- 032: 份号 (GB/T 9704 §7.2.1) of formal letters. Every download of a
-- letter's PDF is one more copy: the download takes the next number in the
-- same transaction as its audit entry, so two copies never share a number
-- and every number in circulation is in the audit log.
ALTER TABLE documents ADD COLUMN copies INTEGER NOT NULL DEFAULT 0 CHECK (copies >= 0);
