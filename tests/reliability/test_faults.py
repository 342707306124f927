"""Telegram failing in each of its ways: every delivery ends terminal with a reason,
nothing hammers Telegram, and other people are still answered meanwhile.

Dispatch is driven by hand with a moved clock and production's back-off (30 s base).
Faults hit only the families' chats (ChatFaults), so a parent who writes to the bot
at the same time must still get answers to /start and /help.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import Options
from bot.clock import Clock
from bot.planning import plan_weeks
from bot.sandbox import Faults, Sandbox
from bot.store import Delivery
from bot.vocab import TERMINAL_STATES
from scheduler.dispatch import MAX_ATTEMPTS, DispatchReport, dispatch_due
from tests.factories import active_family
from tests.reliability.support import Bot, ChatFaults, start_app, watch_chats
from tests.storeview import all_deliveries, deliveries_of_family

WEDNESDAY_0931 = datetime(2026, 11, 25, 9, 31, tzinfo=UTC)
FAMILY_CHATS = [6100, 6101, 6102, 6103]
BYSTANDER = 6199
# Production's back-off; a short read timeout so "slow" means "beyond it".
OPTIONS = Options(schedule_jobs=False, retry_base_seconds=30.0, read_timeout=0.5, max_rate=0)


@dataclass(frozen=True)
class Case:
    faults: Faults
    reason: str  # in every failed delivery's last_error
    calls: int  # sendMessage calls per family chat, all attempts together
    family_status: str
    exists: bool = True  # does Telegram know the chat at all?


CASES = {
    "5xx": Case(
        ChatFaults(chats=set(FAMILY_CHATS), error_rate=1.0),
        "gave up after 5 attempts",
        MAX_ATTEMPTS,
        "active",
    ),
    "timeout": Case(
        ChatFaults(chats=set(FAMILY_CHATS), slow_rate=1.0, slow_seconds=2.0),
        # No answer may still mean delivered: one repeat, as after a crash, then stop.
        "no answer from Telegram twice; it may have been delivered",
        2,
        "active",
    ),
    "reset": Case(
        ChatFaults(chats=set(FAMILY_CHATS), reset_rate=1.0),
        "gave up after 5 attempts: NetworkError",
        MAX_ATTEMPTS,
        "active",
    ),
    "403 blocked": Case(
        Faults(blocked_chats=set(FAMILY_CHATS)), "blocked: Forbidden", 1, "blocked"
    ),
    "400 chat not found": Case(Faults(), "chat not found", 1, "blocked", exists=False),
}


async def _families(bot: Bot, *, create_chats: bool = True) -> list[int]:
    ids = []
    for chat in FAMILY_CHATS:
        if create_chats:
            bot.sandbox.user(chat)
        family, _ = await active_family(bot.store, bot.setting.id, chat, weekday=2, cadence=3)
        ids.append(family.id)
    await plan_weeks(bot.store, bot.services.library, bot.clock.now())
    bot.clock.set(WEDNESDAY_0931)
    return ids


async def _drive(
    bot: Bot, rounds: int = 8, step: timedelta = timedelta(minutes=5)
) -> DispatchReport:
    """Dispatch as the job would, the clock moving past each back-off, until nothing is due."""
    total = DispatchReport()
    for _ in range(rounds):
        report = await dispatch_due(bot.app.bot, bot.services)
        for name in ("sent", "retried", "failed", "skipped", "postponed"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        if not await _due(bot):
            break
        bot.clock.advance(step)
    return total


async def _due(bot: Bot) -> list[Delivery]:
    now = bot.clock.now()
    return [
        d
        for d in await all_deliveries(bot.store)
        if d.state in ("pending", "sending") and d.due_at <= now
    ]


async def _bystander_is_answered(bot: Bot) -> None:
    """Another parent, meanwhile: /start and /help answered promptly and kindly."""
    user = bot.sandbox.user(BYSTANDER)
    for text, expected in (("/start", "scan the QR code"), ("/help", "haven't joined yet")):
        before = len(user.messages())
        user.send_text(text)
        [reply] = (await user.wait_for_messages(before + 1, timeout=2.0))[before:]
        assert expected in reply.plain and not bot.is_apology(reply.plain)


def _sends(calls: Counter[tuple[str, int]], chat: int) -> int:
    return calls[("sendMessage", chat)]


@pytest.mark.parametrize("name", list(CASES))
async def test_every_delivery_ends_terminal_with_a_reason(
    name: str, sandbox: Sandbox, tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[name]
    calls = watch_chats(monkeypatch)
    async with start_app(sandbox, tmp_path / "faults.db", clock, OPTIONS) as bot:
        family_ids = await _families(bot, create_chats=case.exists)
        sandbox.faults = case.faults
        driving = asyncio.create_task(_drive(bot))
        await _bystander_is_answered(bot)
        report = await driving

        assert not await _due(bot)
        assert report.failed == len(FAMILY_CHATS) and report.sent == 0
        for family_id, chat in zip(family_ids, FAMILY_CHATS, strict=True):
            rows = await deliveries_of_family(bot.store, family_id)
            [first] = [d for d in rows if d.touch == 1 and d.iso_week == "2026-W48"]
            assert first.state == "failed" and case.reason in (first.last_error or ""), first
            assert _sends(calls, chat) == case.calls, f"{name}: Telegram was called {calls}"
            family = await bot.store.get_family(family_id)
            assert family is not None and family.status == case.family_status
            if case.family_status == "blocked":
                # Nothing else will be tried for a family Telegram refuses.
                assert all(d.state in TERMINAL_STATES and d.last_error for d in rows), rows
        await _bystander_is_answered(bot)


async def test_flood_control_postpones_without_failing_or_hammering(
    sandbox: Sandbox, tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """429 with retry_after 30 s: the delivery waits 30 s (moved clock), uses no attempt,
    is not called again before then, and goes out once Telegram lets it."""
    calls = watch_chats(monkeypatch)
    async with start_app(sandbox, tmp_path / "flood.db", clock, OPTIONS) as bot:
        family_ids = await _families(bot)
        sandbox.faults = ChatFaults(
            chats=set(FAMILY_CHATS), rate_limit=True, rate_limit_per_second=1, retry_after=30
        )
        first = await dispatch_due(bot.app.bot, bot.services)
        assert (first.sent, first.postponed, first.failed) == (1, 3, 0)
        started = bot.clock.now()
        waiting = [
            d
            for d in await all_deliveries(bot.store)
            if d.state == "pending" and d.touch == 1 and d.iso_week == "2026-W48"
        ]
        assert len(waiting) == 3
        assert all(d.attempts == 0 and d.last_error == "429: retry after 30s" for d in waiting)

        # Within the 30 s nothing is sent to those chats, however often dispatch runs.
        before = sum(_sends(calls, chat) for chat in FAMILY_CHATS)
        for seconds in (1, 10, 29):
            bot.clock.set(started + timedelta(seconds=seconds))
            report = await dispatch_due(bot.app.bot, bot.services)
            assert report.sent == report.postponed == 0
        assert sum(_sends(calls, chat) for chat in FAMILY_CHATS) == before
        await _bystander_is_answered(bot)

        # Telegram keeps limiting to one a second: each round lets one more through.
        for _ in range(6):
            if not await _due(bot) and all(sandbox.sent(chat) for chat in FAMILY_CHATS):
                break
            await asyncio.sleep(1.05)  # the sandbox's flood window is real time
            bot.clock.advance(timedelta(seconds=31))
            await dispatch_due(bot.app.bot, bot.services)

        assert [len(sandbox.sent(chat)) for chat in FAMILY_CHATS] == [1, 1, 1, 1]
        for family_id in family_ids:
            [row] = [
                d
                for d in await deliveries_of_family(bot.store, family_id)
                if d.touch == 1 and d.iso_week == "2026-W48"
            ]
            assert row.state == "sent" and row.attempts == 1, row
        total = sum(_sends(calls, chat) for chat in FAMILY_CHATS)
        assert total == 4 + sandbox.counters.rate_limited
        assert sandbox.counters.rate_limited == 3 + 2 + 1


async def test_one_chats_flood_limit_does_not_silence_the_bot_for_others(
    sandbox: Sandbox, tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Production options (the rate limiter on): a family with two children gets two
    messages at once, Telegram limits that one chat (429, retry after 4 s)."""
    watch_chats(monkeypatch)
    production = Options(schedule_jobs=False, read_timeout=3.0)
    async with start_app(sandbox, tmp_path / "limiter.db", clock, production) as bot:
        chat = FAMILY_CHATS[0]
        sandbox.user(chat)
        twins = (("Ada", "2024-01"), ("Ben", "2024-01"))
        await active_family(bot.store, bot.setting.id, chat, weekday=2, cadence=1, children=twins)
        await plan_weeks(bot.store, bot.services.library, bot.clock.now())
        bot.clock.set(WEDNESDAY_0931)
        sandbox.faults = ChatFaults(
            chats={chat}, per_chat_limit=True, per_chat_per_second=1, retry_after=4
        )
        driving = asyncio.create_task(dispatch_due(bot.app.bot, bot.services))
        try:
            await asyncio.sleep(0.3)
            await _bystander_is_answered(bot)
        finally:
            report = await driving
        assert report.failed == 0


async def test_slow_answers_do_not_repeat_an_activity_again_and_again(
    sandbox: Sandbox, tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram answers after the bot's read timeout but does deliver each message."""
    watch_chats(monkeypatch)
    async with start_app(sandbox, tmp_path / "slow.db", clock, OPTIONS) as bot:
        await _families(bot)
        sandbox.faults = ChatFaults(chats=set(FAMILY_CHATS), slow_rate=1.0, slow_seconds=0.8)
        await _drive(bot)
        await asyncio.sleep(1.0)  # the last slow answers land
        copies = [len(sandbox.sent(chat)) for chat in FAMILY_CHATS]
        assert max(copies) <= 2, copies
