"""APScheduler jobs (through PTB's JobQueue): plan, dispatch, nudge, digest, retention."""
