-- 009_domain.sql — issue 12, item 3: the joint review keeps its flags'
-- history on the item. A flag raised and then corrected or cleared still
-- counts as raised; a clearance remembers the handling it was given for, so
-- any later change that makes the handling lighter raises the flag again.
--
-- flags_raised:     times a flag was raised on the item (opened: set and not cleared)
-- flags_cleared:    times a flag was cleared with a reason
-- cleared_handling: the handling (final, else proposed; 'no_action') when the
--                   open flag was cleared; NULL while no clearance stands
-- flag_cleared_at / flag_cleared_by / clear_reason (004) say who cleared it and when.
ALTER TABLE review_items ADD COLUMN flags_raised INTEGER NOT NULL DEFAULT 0;
ALTER TABLE review_items ADD COLUMN flags_cleared INTEGER NOT NULL DEFAULT 0;
ALTER TABLE review_items ADD COLUMN cleared_handling TEXT;

-- Existing items: what the rows still show (a flag set now was raised once;
-- a clearance standing now was given once, for the handling of now).
UPDATE review_items SET flags_raised = 1 WHERE flag_rectified_first = 1 OR flag_lenient = 1;
UPDATE review_items SET flags_cleared = 1, cleared_handling = coalesce(final, proposed, 'no_action')
 WHERE flag_cleared_at IS NOT NULL;
-- flag_detail is a JSON array of Chinese reasons; an older plain text becomes one.
UPDATE review_items SET flag_detail = json_array(flag_detail)
 WHERE flag_detail IS NOT NULL
   AND CASE WHEN json_valid(flag_detail) THEN json_type(flag_detail) <> 'array' ELSE 1 END;
