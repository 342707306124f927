-- playtalk schema, version 8 (both databases): several processes share the outbox.
-- A claimed row names the dispatcher that claimed it. Each dispatcher renews a
-- lease while it runs; a row left 'sending' by a dispatcher whose lease ran out
-- (killed, or its machine gone) is sent again by any other. A row claimed by one
-- that is still alive is its own business, in flight.
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
CREATE TABLE dispatchers (
    name        TEXT PRIMARY KEY,
    started_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
