-- playtalk schema, version 4: "Too hard" / "Too easy" move a child's ideas.
-- Months added to the child's age when choosing an activity (negative: easier),
-- changed by the parent's taps and kept within bounds by the store.
ALTER TABLE children ADD COLUMN level_offset INTEGER NOT NULL DEFAULT 0;
