"""Soak: SIGKILL the real bot while it sends, 20 trials of 500 families.

Run: ``.venv/bin/python tests/bench/crash_soak.py [--trials N] [--kills K] [--seed S]``.
Each trial copies one prepared database (500 active families, one delivery each due
a minute ago at local midday), runs ``playtalk run`` against its own sandbox, kills
it with SIGKILL at seeded-random points while it sends, restarts it and lets it
finish (see tests/reliability/crash_harness.py). Prints one JSON line on stdout:
trials, kills, families, lost, duplicates, in_flight_at_kills (rows in state
'sending' read right after each kill) and unexplained_duplicates (repeats of a
delivery that was not in flight at any kill; must be 0). Exit code 1 if anything
was lost or repeated without being in flight.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.reliability.crash_harness import (  # noqa: E402
    TrialResult,
    prepare_database,
    run_trial,
)

FAMILIES = 500
PARALLEL = 2  # trials side by side; the bot is CPU-bound and this machine has few cores


async def soak(trials: int, kills: int, seed: int) -> dict[str, object]:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="playtalk-crash-soak-") as tmp:
        work = Path(tmp)
        template = work / "template.db"
        chats = await prepare_database(template, FAMILIES)
        gate = asyncio.Semaphore(PARALLEL)

        async def one(n: int) -> TrialResult:
            async with gate:
                result = await run_trial(
                    template, chats, work / f"trial-{n}", random.Random(seed + n), kills
                )
                print(f"trial {n}: {result}", file=sys.stderr)
                return result

        results = await asyncio.gather(*(one(n) for n in range(trials)))
    return {
        "trials": trials,
        "kills": sum(r.kills for r in results),
        "families": FAMILIES,
        "lost": sum(r.lost for r in results),
        "duplicates": sum(r.duplicates for r in results),
        "in_flight_at_kills": sum(r.in_flight_at_kills for r in results),
        "unexplained_duplicates": sum(r.unexplained_duplicates for r in results),
        "not_sent_in_db": sum(r.not_sent_in_db for r in results),
        "not_the_activity": sum(r.not_the_activity for r in results),
        "seconds": round(time.monotonic() - started, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()
    # The sandbox reports every connection the killed bot dropped; that is expected here.
    logging.basicConfig(level=logging.CRITICAL)
    figures = asyncio.run(soak(args.trials, args.kills, args.seed))
    print(json.dumps(figures))
    bad = any(
        figures[k] for k in ("lost", "unexplained_duplicates", "not_sent_in_db", "not_the_activity")
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
