"""Crash safety: SIGKILL the real bot while it sends; restarted, it loses nothing.

Each trial copies a prepared database (500 families, one delivery each due a minute
ago, at local midday), runs `playtalk run` against its own sandbox, kills it with
SIGKILL at seeded-random points while it sends, restarts it and finally lets it
finish. A duplicate is allowed only for a family whose delivery was in flight
('sending' in the database right after a kill): Telegram may have accepted it just
before the process died. The trials run side by side to keep the suite quick.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from tests.reliability.crash_harness import prepare_database, run_trial

FAMILIES = 500
TRIALS = 3
KILLS = 2
SEED = 20261123


async def test_killed_while_sending_loses_nothing_and_repeats_only_in_flight(
    tmp_path: Path,
) -> None:
    template = tmp_path / "template.db"
    chats = await prepare_database(template, FAMILIES)
    results = await asyncio.gather(
        *(
            run_trial(template, chats, tmp_path / f"trial-{n}", random.Random(SEED + n), KILLS)
            for n in range(TRIALS)
        )
    )
    for n, result in enumerate(results):
        context = f"trial {n}: {result}"
        assert result.kills == KILLS, context
        assert result.lost == 0, context
        assert result.not_sent_in_db == 0, context
        assert result.not_the_activity == 0, context
        assert result.unexplained_duplicates == 0, context
        assert result.duplicates <= result.in_flight_at_kills, context
    # The kills really landed mid-send: deliveries were in flight when the bot died.
    assert all(r.in_flight_at_kills for r in results), results
