-- playtalk schema, version 1.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE settings (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    timezone       TEXT NOT NULL,
    parent_code    TEXT NOT NULL UNIQUE,
    digest_weekday INTEGER NOT NULL DEFAULT 0,
    digest_hour    INTEGER NOT NULL DEFAULT 8,
    focus_area     TEXT,
    focus_until    TEXT,
    created_at     TEXT NOT NULL
);

CREATE TABLE practitioners (
    id          INTEGER PRIMARY KEY,
    setting_id  INTEGER NOT NULL REFERENCES settings(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    chat_id     INTEGER NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('practitioner', 'lead', 'safeguarding')),
    locale      TEXT NOT NULL DEFAULT 'en',
    joined_at   TEXT NOT NULL,
    UNIQUE (setting_id, user_id)
);

CREATE TABLE join_codes (
    id          INTEGER PRIMARY KEY,
    setting_id  INTEGER NOT NULL REFERENCES settings(id) ON DELETE CASCADE,
    code_hash   TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('practitioner', 'lead', 'safeguarding')),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    used_by     INTEGER
);

-- A family exists only after consent: the row is the consent record.
CREATE TABLE families (
    id                 INTEGER PRIMARY KEY,
    setting_id         INTEGER NOT NULL REFERENCES settings(id),
    chat_id            INTEGER NOT NULL UNIQUE,
    locale             TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'onboarding'
                       CHECK (status IN ('onboarding', 'active', 'paused', 'stopped', 'blocked')),
    status_reason      TEXT,
    status_changed_at  TEXT NOT NULL,
    paused_until       TEXT,
    consent_at         TEXT NOT NULL,
    notice_version     TEXT NOT NULL,
    share_photos       INTEGER,
    step               TEXT NOT NULL DEFAULT 'photos',
    draft_name         TEXT,
    draft_year         INTEGER,
    weekday            INTEGER,
    slot               TEXT,
    cadence            INTEGER,
    last_reply_at      TEXT,
    checkin_sent_at    TEXT,
    created_at         TEXT NOT NULL
);
CREATE INDEX families_setting ON families (setting_id, status);

CREATE TABLE children (
    id           INTEGER PRIMARY KEY,
    family_id    INTEGER NOT NULL REFERENCES families(id) ON DELETE CASCADE,
    first_name   TEXT,
    birth_month  TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX children_family ON children (family_id);

-- The outbox: one row per child, ISO week and touch.
CREATE TABLE deliveries (
    id               INTEGER PRIMARY KEY,
    child_id         INTEGER NOT NULL REFERENCES children(id) ON DELETE CASCADE,
    family_id        INTEGER NOT NULL REFERENCES families(id) ON DELETE CASCADE,
    iso_week         TEXT NOT NULL,
    activity_id      TEXT NOT NULL,
    touch            INTEGER NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('activity', 'why', 'grow', 'single', 'checkin')),
    due_at           TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    last_error       TEXT,
    message_id       INTEGER,
    sent_at          TEXT,
    UNIQUE (child_id, iso_week, touch)
);
CREATE INDEX deliveries_due ON deliveries (state, due_at);
CREATE INDEX deliveries_family ON deliveries (family_id, sent_at);

CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    family_id    INTEGER NOT NULL REFERENCES families(id) ON DELETE CASCADE,
    child_id     INTEGER REFERENCES children(id) ON DELETE CASCADE,
    delivery_id  INTEGER REFERENCES deliveries(id) ON DELETE SET NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('tap', 'text', 'photo', 'voice')),
    tap          TEXT,
    text         TEXT,
    file_id      TEXT,
    duration     INTEGER,
    shared       INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL
);
CREATE INDEX events_family ON events (family_id, created_at);
CREATE INDEX events_created ON events (created_at);

CREATE TABLE safeguarding_alerts (
    id          INTEGER PRIMARY KEY,
    family_id   INTEGER NOT NULL REFERENCES families(id) ON DELETE CASCADE,
    setting_id  INTEGER NOT NULL REFERENCES settings(id) ON DELETE CASCADE,
    text        TEXT NOT NULL,
    matched     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE digests_sent (
    id          INTEGER PRIMARY KEY,
    setting_id  INTEGER NOT NULL REFERENCES settings(id) ON DELETE CASCADE,
    week        TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    recipients  INTEGER NOT NULL,
    UNIQUE (setting_id, week)
);
