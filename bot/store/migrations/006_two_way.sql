-- playtalk schema, version 6: partnership both ways (staff replies, recordings, notices).
-- The name families see under a staff reply ("Ms Ada"), chosen by the staff member:
-- never their Telegram name, username or number.
ALTER TABLE practitioners ADD COLUMN display_name TEXT;
-- What a staff member is in the middle of (writing a reply, recording an activity,
-- a notice), as JSON; cleared when done or cancelled.
ALTER TABLE practitioners ADD COLUMN awaiting TEXT;

-- A staff member's answer to something a family shared. Its words or voice travel
-- only in the outbox row that carries it (cleared once sent); /delete erases the rest.
CREATE TABLE staff_replies (
    id               INTEGER PRIMARY KEY,
    family_id        INTEGER NOT NULL REFERENCES families(id) ON DELETE CASCADE,
    practitioner_id  INTEGER NOT NULL REFERENCES practitioners(id) ON DELETE CASCADE,
    event_id         INTEGER REFERENCES events(id) ON DELETE SET NULL,
    delivery_id      INTEGER REFERENCES deliveries(id) ON DELETE SET NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('text', 'voice')),
    created_at       TEXT NOT NULL
);
CREATE INDEX staff_replies_family ON staff_replies (family_id, created_at);

-- The parent's own Telegram message (a staff reply answers it in place), and the
-- staff reply a parent's message answers, if it does.
ALTER TABLE events ADD COLUMN message_id INTEGER;
ALTER TABLE events ADD COLUMN staff_reply_id INTEGER REFERENCES staff_replies(id) ON DELETE SET NULL;

-- An activity read aloud in a home language by a setting's practitioner; families of
-- that language in that setting get it with the activity. A lead can withdraw one.
CREATE TABLE recordings (
    id               INTEGER PRIMARY KEY,
    setting_id       INTEGER NOT NULL REFERENCES settings(id) ON DELETE CASCADE,
    activity_id      TEXT NOT NULL,
    locale           TEXT NOT NULL,
    file_id          TEXT NOT NULL,
    duration         INTEGER,
    practitioner_id  INTEGER REFERENCES practitioners(id) ON DELETE SET NULL,
    created_at       TEXT NOT NULL,
    withdrawn_at     TEXT
);
CREATE UNIQUE INDEX recordings_current ON recordings (setting_id, activity_id, locale)
    WHERE withdrawn_at IS NULL;
