"""Benchmark: memory of planning a week for a large borough.

Run: ``.venv/bin/python tests/bench/memory.py [--families N]`` (N = 100 000).
Prints one JSON line on stdout; progress goes to stderr.

Two child processes, so each RSS figure is clean:
1. ``--build DB``: N families (10 % with two children) over 50 settings, made through
   the store API (not measured).
2. ``--measure DB``: starts the bot the way it starts in production (``build_application``
   and ``running``: catalogs, the activity library, safeguarding lists, the store; polling
   a local sandbox in the same process), then plans a week with ``plan_weeks``. It reports
   the RSS before planning (the bot loaded, nothing planned yet), the peak RSS of the
   process (``ru_maxrss``) and the planning time. Goal: peak < 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402
from benchlib import emit, log, machine  # noqa: E402

GOAL_MB = 150.0
SETTINGS = 50
FIRST_CHAT = 9_000_000
# Sunday night before ISO week 2026-W49: all of next week is still ahead.
PLAN_AT = datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
LOCALES = ("en", "pt", "es", "so", "yo", "fr", "tw", "pl", "ar")
SLOTS = ("morning", "lunchtime", "afternoon", "evening")


def rss_mb() -> float:
    """Current resident set size, from /proc."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def build(db: Path, n: int) -> dict[str, Any]:
    from bot.clock import Clock
    from bot.services import NOTICE_VERSION
    from bot.store import open_store

    clock = Clock(PLAN_AT)
    store = await open_store(db, clock)
    started = time.monotonic()
    children = 0
    try:
        settings = [
            await store.add_setting(f"Nursery {i}", "Europe/London", f"bench-{i}")
            for i in range(SETTINGS)
        ]
        for i in range(n):
            family = await store.create_family(
                settings[i % SETTINGS].id, FIRST_CHAT + i, LOCALES[i % len(LOCALES)], NOTICE_VERSION
            )
            await store.update_family(
                family.id,
                share_photos=i % 3 != 0,
                weekday=i % 7,
                slot=SLOTS[i % len(SLOTS)],
                cadence=3 if i % 3 == 0 else 1,
                step="done",
            )
            await store.add_child(
                family.id, None if i % 5 == 0 else "Amy", f"{2021 + i % 5}-{1 + i % 12:02d}"
            )
            children += 1
            if i % 10 == 0:
                await store.add_child(family.id, "Ben", "2025-02")
                children += 1
            await store.set_status(family.id, "active")
            if (i + 1) % 10_000 == 0:
                log(f"  built {i + 1} families ({time.monotonic() - started:.0f}s)")
    finally:
        await store.close()
    return {"families": n, "children": children, "build_s": round(time.monotonic() - started, 1)}


async def measure(db: Path) -> dict[str, Any]:
    from bot.app import Options, build_application, running
    from bot.clock import Clock
    from bot.planning import plan_weeks
    from bot.sandbox import Sandbox
    from tests.conftest import make_config
    from tests.storeview import delivery_states

    clock = Clock(PLAN_AT)
    sb = Sandbox()
    await sb.start()
    try:
        app = build_application(make_config(sb, db), clock, Options(schedule_jobs=False))
        async with running(app) as services:
            before_rss, before_peak = rss_mb(), peak_mb()
            started = time.monotonic()
            report = await plan_weeks(services.store, services.library, clock.now())
            planning = time.monotonic() - started
            after_rss, peak = rss_mb(), peak_mb()
            states = await delivery_states(services.store)
    finally:
        await sb.stop()
    return {
        "peak_rss_mb": round(peak, 1),
        "rss_before_planning_mb": round(before_rss, 1),
        "peak_rss_before_planning_mb": round(before_peak, 1),
        "rss_after_planning_mb": round(after_rss, 1),
        "planning_s": round(planning, 2),
        "children_seen": report.children_seen,
        "deliveries_added": report.deliveries_added,
        "weeks": list(report.weeks),
        "deliveries_pending": states.get("pending", 0),
    }


def child(*args: str) -> dict[str, Any]:
    """Run this script in a fresh interpreter and read the JSON line it prints."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=100_000)
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    benchlib.quiet_logging()
    if args.build:
        print(json.dumps(asyncio.run(build(args.build, args.families))), flush=True)
        return
    if args.measure:
        print(json.dumps(asyncio.run(measure(args.measure))), flush=True)
        return
    with tempfile.TemporaryDirectory(prefix="playtalk-memory-") as tmp:
        db = Path(tmp) / "borough.db"
        log(f"building a store with {args.families} families (child process)")
        built = child("--build", str(db), "--families", str(args.families))
        log(f"built: {built}")
        log("starting the bot and planning a week (fresh child process)")
        measured = child("--measure", str(db))
        log(f"measured: {measured}")
        emit(
            {
                "benchmark": "memory",
                **built,
                **measured,
                "goal": {"peak_rss_mb": GOAL_MB},
                "goal_met": measured["peak_rss_mb"] < GOAL_MB,
                "machine": {
                    **machine(),
                    "note": "the measured process also serves the local sandbox the bot polls",
                },
            }
        )


if __name__ == "__main__":
    main()
