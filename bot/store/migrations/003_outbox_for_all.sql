-- playtalk schema, version 3: one outbox for every message the bot starts itself.
-- Activities and check-ins (to a family) and safeguarding alerts and digest parts
-- (to a practitioner) are rows of one table with one state machine and one
-- dispatcher. SQLite cannot loosen NOT NULL or CHECK in place, so the table is
-- rebuilt (the migration runs with foreign keys off; ids are kept).
CREATE TABLE deliveries_v3 (
    id               INTEGER PRIMARY KEY,
    -- To a family: the weekly plan's touches and check-ins (with a child), staff
    -- replies, notices, the monthly note and recorded activities (with a payload). To a practitioner:
    -- alerts, digest parts and a parent's answer to a staff reply.
    kind             TEXT NOT NULL
                     CHECK (kind IN ('activity', 'why', 'grow', 'single', 'checkin',
                                     'staff_reply', 'notice', 'monthly', 'recording',
                                     'alert', 'digest', 'parent_reply')),
    family_id        INTEGER REFERENCES families(id) ON DELETE CASCADE,
    child_id         INTEGER REFERENCES children(id) ON DELETE CASCADE,
    practitioner_id  INTEGER REFERENCES practitioners(id) ON DELETE CASCADE,
    iso_week         TEXT,
    activity_id      TEXT,
    touch            INTEGER,
    -- JSON for staff messages: what to send (text, photo, album, voice, document).
    payload          TEXT,
    -- Higher first: safeguarding alerts go ahead of any backlog.
    priority         INTEGER NOT NULL DEFAULT 0,
    -- Parts of one message set (a digest) go in seq order, each after the one before.
    group_key        TEXT,
    seq              INTEGER NOT NULL DEFAULT 0,
    due_at           TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    last_error       TEXT,
    message_id       INTEGER,
    sent_at          TEXT,
    UNIQUE (child_id, iso_week, touch),
    UNIQUE (group_key, seq),
    CHECK ((practitioner_id IS NULL) = (kind IN ('activity', 'why', 'grow', 'single', 'checkin',
                                                 'staff_reply', 'notice', 'monthly',
                                                 'recording'))),
    CHECK (practitioner_id IS NOT NULL OR family_id IS NOT NULL),
    CHECK (child_id IS NOT NULL OR kind NOT IN ('activity', 'why', 'grow', 'single', 'checkin')),
    CHECK (payload IS NOT NULL OR state != 'pending'
           OR kind IN ('activity', 'why', 'grow', 'single', 'checkin'))
);
INSERT INTO deliveries_v3
    (id, kind, family_id, child_id, iso_week, activity_id, touch, due_at, state, attempts,
     next_attempt_at, last_error, message_id, sent_at)
SELECT id, kind, family_id, child_id, iso_week, activity_id, touch, due_at, state, attempts,
       next_attempt_at, last_error, message_id, sent_at
FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_v3 RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (state, due_at);
CREATE INDEX deliveries_family ON deliveries (family_id, sent_at);
CREATE INDEX deliveries_practitioner ON deliveries (practitioner_id);

-- A practitioner whose chat refuses the bot (403) is reported to the operator.
ALTER TABLE practitioners ADD COLUMN blocked_at TEXT;
ALTER TABLE practitioners ADD COLUMN blocked_reason TEXT;

-- An alert counts as delivered once one person has received it.
ALTER TABLE safeguarding_alerts ADD COLUMN delivered_at TEXT;

-- digests_sent: a row is written when the week's digest is queued; recipients counts
-- the people who received every part of it.
