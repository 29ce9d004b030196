-- 011_feedback_attendees.sql — the feedback meeting (反馈会) records both how
-- many attended (reports.attendees, 参会人数, an integer) and, optionally, who
-- attended (参会人员, free text: names, posts or bodies such as "班子成员、中层干部").
-- Nullable and added in place: safe on a database that already has reports.

ALTER TABLE reports ADD COLUMN attendee_names TEXT;
