"""The app's own JobQueue drives one tick; a clock set back does not stop it."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import build_application, running
from bot.clock import Clock
from bot.sandbox import Sandbox
from tests.conftest import TEST_OPTIONS, make_config
from tests.factories import active_family
from tests.storeview import delivery_states

FAST = replace(TEST_OPTIONS, schedule_jobs=True, dispatch_every=0.2)
WEDNESDAY_0900 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


async def _planned_then_due(services: Any, ticker: Any, clock: Clock) -> None:
    """Make the hourly plan due at the next tick, wait for it, then move to 9:31."""
    ticker._last.pop("plan", None)
    for _ in range(50):
        if (await delivery_states(services.store)).get("pending"):
            break
        await asyncio.sleep(0.1)
    clock.set(WEDNESDAY_0900 + timedelta(minutes=31))


async def test_the_apps_tick_plans_and_sends_with_no_job_called_by_hand(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    parent = sandbox.user(9100)
    clock = Clock(WEDNESDAY_0900)
    app = build_application(make_config(sandbox, tmp_path / "t.db"), clock, FAST)
    async with running(app) as services:
        setting = await services.store.add_setting("Oak", "Europe/London", "oak")
        await active_family(services.store, setting.id, parent.id)
        services.wake_dispatch()  # nothing to send yet; must be harmless
        # The first tick after start plans (the family's Wednesday 9:30 is due) and sends.
        await _planned_then_due(services, app.bot_data.ticker, clock)
        [activity] = await parent.wait_for_messages(1, timeout=10)
    assert "We did it" in " ".join(activity.buttons)


async def test_a_clock_set_back_an_hour_does_not_hold_dispatch_back(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    parent = sandbox.user(9101)
    clock = Clock(WEDNESDAY_0900)
    app = build_application(make_config(sandbox, tmp_path / "t.db"), clock, FAST)
    async with running(app) as services:
        assert app.job_queue is not None
        [job] = app.job_queue.get_jobs_by_name("tick")
        # What APScheduler sees once the wall clock has gone back an hour: the tick's
        # next run is an hour away. The watchdog, on the monotonic clock, brings it back.
        job.job.modify(next_run_time=datetime.now(UTC) + timedelta(hours=1))
        setting = await services.store.add_setting("Ash", "Europe/London", "ash")
        await active_family(services.store, setting.id, parent.id)
        await _planned_then_due(services, app.bot_data.ticker, clock)
        [activity] = await parent.wait_for_messages(1, timeout=5)
    assert "We did it" in " ".join(activity.buttons)
