-- playtalk schema, version 5: a practitioner of several settings chooses which one
-- their commands act on. Roles stay per membership (setting_id, user_id); this marks
-- the membership chosen last, at most one per user (the store clears the others).
ALTER TABLE practitioners ADD COLUMN chosen INTEGER NOT NULL DEFAULT 0;
