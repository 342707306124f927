"""A send Telegram accepted but the database could not record (full disk) is not repeated.

The database refusing writes is made real with SQLite's ``query_only`` on the bot's
own connection, switched on while the sends are in flight (the sandbox holds each
answer for a moment), so every 'sent' fails to be written, as on a full disk.
Before, those rows stayed 'sending' and the next start sent every one again.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import Clock
from bot.planning import plan_weeks
from bot.sandbox import Sandbox
from bot.services import Services
from scheduler.dispatch import dispatch_due
from tests.conftest import MONDAY, start_bot
from tests.factories import active_family
from tests.storeview import delivery_states

FAMILIES = 12  # fewer than the dispatcher's 16 sends in flight: all are claimed at once


async def _writes(services: Services, allowed: bool) -> None:
    await services.store._db.execute(f"PRAGMA query_only = {'OFF' if allowed else 'ON'}")


async def _send_while_the_disk_is_full(
    sandbox: Sandbox, services: Services, bot: object, clock: Clock
) -> None:
    setting = await services.store.add_setting("Elm", "Europe/London", "elm")
    for i in range(FAMILIES):
        await active_family(services.store, setting.id, sandbox.user(8000 + i).id)
    await plan_weeks(services.store, services.library, clock.now())
    clock.set(datetime(2026, 11, 25, 9, 31, tzinfo=UTC))
    sandbox.faults.slow_rate, sandbox.faults.slow_seconds = 1.0, 0.5
    sending = asyncio.create_task(dispatch_due(bot, services))  # type: ignore[arg-type]
    await sandbox.wait_until(lambda: sandbox.counters.delayed >= FAMILIES)
    await _writes(services, allowed=False)
    await sending
    sandbox.faults.slow_rate = 0.0
    assert len(services.unrecorded) == FAMILIES
    await _writes(services, allowed=True)


def _activities_per_family(sandbox: Sandbox) -> list[int]:
    return [sum(1 for m in sandbox.user(8000 + i).messages() if m.buttons) for i in range(FAMILIES)]


@pytest.mark.parametrize("written", ["at the next pass", "at shutdown"])
async def test_sends_the_database_could_not_record_are_not_sent_again(
    sandbox: Sandbox, tmp_path: Path, written: str
) -> None:
    clock = Clock(MONDAY)
    db = tmp_path / "full.db"
    async with start_bot(sandbox, db, clock) as (bot, services):
        await _send_while_the_disk_is_full(sandbox, services, bot, clock)
        if written == "at the next pass":
            await dispatch_due(bot, services)
            assert services.unrecorded == []
    assert _activities_per_family(sandbox) == [1] * FAMILIES
    async with start_bot(sandbox, db, clock) as (bot, services):
        await dispatch_due(bot, services)
        states = await delivery_states(services.store)
    assert _activities_per_family(sandbox) == [1] * FAMILIES
    assert states.get("sending", 0) == 0 and states["sent"] == FAMILIES
