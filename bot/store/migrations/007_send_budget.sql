-- playtalk schema, version 7 (both databases): Telegram's overall rate, shared by
-- every process that dispatches. Each second's sends are counted here, so several
-- processes together stay under one cap instead of multiplying it.
CREATE TABLE send_budget (
    second  BIGINT PRIMARY KEY,
    used    BIGINT NOT NULL
);
