"""The outbox through the real bot and the sandbox: outcomes, faults, restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import Options
from bot.clock import Clock
from bot.i18n import LOCALES
from bot.planning import plan_weeks
from bot.sandbox import Sandbox
from scheduler.dispatch import dispatch_due
from tests.conftest import BotEnv, start_bot
from tests.factories import active_family
from tests.storeview import all_deliveries, deliveries_of_family, delivery_states

WEDNESDAY_0930 = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


async def _plan(env: BotEnv) -> None:
    await plan_weeks(env.store, env.services.library, env.clock.now())


async def _drain(env: BotEnv, rounds: int = 40, step: timedelta = timedelta(seconds=1)) -> None:
    """Dispatch until nothing is waiting right now, moving the clock past back-offs."""
    for _ in range(rounds):
        await dispatch_due(env.bot, env.services)
        states = await delivery_states(env.store)
        due_left = [
            d
            for d in await all_deliveries(env.store)
            if d.state == "pending" and d.due_at <= env.clock.now()
        ]
        if not due_left and not states.get("sending"):
            return
        env.clock.advance(step)


async def test_activity_message_reaches_the_parent_with_buttons(env: BotEnv) -> None:
    user = env.sandbox.user(3000)
    family, [child] = await active_family(
        env.store, env.setting.id, user.id, children=(("Lulu", "2024-01"),)
    )
    await _plan(env)
    env.clock.set(WEDNESDAY_0930 + timedelta(minutes=1))
    await _drain(env)
    [message] = user.messages()
    assert "Lulu" in message.plain and "Things to say" in message.plain
    assert message.buttons == ["We did it 🎉", "Not this week", "Too hard", "Too easy"]
    [first] = [
        d
        for d in await deliveries_of_family(env.store, family.id)
        if d.touch == 1 and d.state == "sent"
    ]
    assert first.message_id == message.message_id
    # Friday brings "why it matters", Sunday "take it further".
    env.clock.set(WEDNESDAY_0930 + timedelta(days=2, minutes=1))
    await _drain(env)
    env.clock.set(WEDNESDAY_0930 + timedelta(days=4, minutes=1))
    await _drain(env)
    kinds = [m.plain.split("\n")[0] for m in user.messages()]
    assert "Why it matters" in kinds[1] and "Take it further" in kinds[2]


async def test_blocked_and_vanished_chats_make_the_family_inactive(env: BotEnv) -> None:
    blocker = env.sandbox.user(3001)
    blocker.block()
    blocked, _ = await active_family(env.store, env.setting.id, blocker.id)
    gone, _ = await active_family(env.store, env.setting.id, 3999)  # no such chat in Telegram
    await _plan(env)
    env.clock.set(WEDNESDAY_0930 + timedelta(minutes=1))
    await _drain(env)
    for family_id, reason in ((blocked.id, "blocked"), (gone.id, "chat not found")):
        family = await env.store.get_family(family_id)
        assert (
            family is not None
            and family.status == "blocked"
            and reason in (family.status_reason or "")
        )
        rows = await deliveries_of_family(env.store, family_id)
        assert [d.state for d in rows if d.touch == 1 and d.iso_week == "2026-W48"] == ["failed"]
        assert all(d.state == "cancelled" for d in rows if d.state != "failed")


async def test_server_errors_are_retried_then_fail_with_a_reason(env: BotEnv) -> None:
    user = env.sandbox.user(3002)
    family, _ = await active_family(env.store, env.setting.id, user.id, cadence=1)
    await _plan(env)
    env.sandbox.faults.error_rate = 1.0
    env.clock.set(WEDNESDAY_0930 + timedelta(minutes=1))
    await _drain(env)
    [failed] = [
        d for d in await deliveries_of_family(env.store, family.id) if d.iso_week == "2026-W48"
    ]
    assert failed.state == "failed" and failed.attempts == 5
    assert "gave up after 5 attempts" in (failed.last_error or "")
    assert user.messages() == []


async def test_flaky_telegram_still_delivers_everything_once(env: BotEnv) -> None:
    users = [env.sandbox.user(3100 + i) for i in range(30)]
    for u in users:
        await active_family(env.store, env.setting.id, u.id, cadence=1)
    await _plan(env)
    env.sandbox.faults.error_rate = 0.15
    env.sandbox.faults.reset_rate = 0.05
    env.clock.set(WEDNESDAY_0930 + timedelta(minutes=1))
    await _drain(env, rounds=80)
    states = await delivery_states(env.store)
    assert states.get("sent") == 30 and not states.get("failed")
    assert env.sandbox.counters.server_errors > 0
    # A reset can lose the answer after Telegram accepted the message: those may repeat;
    # every other delivery arrives exactly once.
    repeats = sum(len(u.messages()) - 1 for u in users)
    assert all(u.messages() for u in users)
    assert repeats <= env.sandbox.counters.resets


async def test_missed_deliveries_after_downtime(env: BotEnv) -> None:
    late_same_day = env.sandbox.user(3003)
    too_late = env.sandbox.user(3004)
    next_day = env.sandbox.user(3005)
    a, _ = await active_family(env.store, env.setting.id, late_same_day.id, weekday=2, cadence=1)
    b, _ = await active_family(
        env.store, env.setting.id, too_late.id, weekday=2, slot="evening", cadence=1
    )
    c, _ = await active_family(env.store, env.setting.id, next_day.id, weekday=1, cadence=1)
    await _plan(env)
    # The bot was down from Tuesday morning until Wednesday 20:30.
    env.clock.set(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))
    await _drain(env)
    assert len(late_same_day.messages()) == 1
    env.clock.set(datetime(2026, 11, 25, 20, 30, tzinfo=UTC))
    await _drain(env)
    assert too_late.messages() == [] and next_day.messages() == []
    reasons = {
        fam.id: [
            d.last_error
            for d in await deliveries_of_family(env.store, fam.id)
            if d.iso_week == "2026-W48"
        ][0]
        for fam in (b, c)
    }
    assert "past 20:00" in (reasons[b.id] or "")
    assert "not sent on its day" in (reasons[c.id] or "")


async def test_restart_in_the_middle_of_dispatch_loses_nothing(
    sandbox: Sandbox, tmp_path: Path, clock: Clock
) -> None:
    db = tmp_path / "crash.db"
    users = [sandbox.user(3200 + i) for i in range(10)]
    async with start_bot(sandbox, db, clock) as (bot, services):
        setting = await services.store.add_setting("Oak", "Europe/London", "oak")
        for u in users:
            await active_family(services.store, setting.id, u.id, cadence=1)
        await plan_weeks(services.store, services.library, clock.now())
        clock.set(WEDNESDAY_0930 + timedelta(minutes=1))
        # Claimed, then the process "dies" before anything is sent or settled.
        claimed = await services.store.claim_due(clock.now(), 4)
        assert len(claimed) == 4
    async with start_bot(sandbox, db, clock) as (bot, services):
        env = BotEnv(sandbox, services, clock, setting, bot)
        assert not (await delivery_states(services.store)).get("sending")
        await _drain(env)
        states = await delivery_states(services.store)
        assert states.get("sent") == 10
        assert all(len(u.messages()) == 1 for u in users)


async def test_a_week_for_200_families_under_telegram_limits(
    sandbox: Sandbox, tmp_path: Path, clock: Clock
) -> None:
    """9 languages, two time zones, 30 msg/s overall and 1 msg/s per chat, some faults."""
    sandbox.faults.rate_limit = True
    sandbox.faults.per_chat_limit = True
    options = Options(schedule_jobs=False, retry_base_seconds=0.01, read_timeout=3.0, max_rate=30)
    async with start_bot(sandbox, tmp_path / "week.db", clock, options) as (bot, services):
        london = await services.store.add_setting("Oak", "Europe/London", "oak")
        lisbon = await services.store.add_setting("Lisboa", "Atlantic/Azores", "az")
        users = [sandbox.user(4000 + i) for i in range(200)]
        for i, u in enumerate(users):
            setting = london if i % 4 else lisbon
            children = (
                (("Ada", "2023-05"), ("Ben", "2025-01")) if i % 10 == 0 else (("Ada", "2023-05"),)
            )
            await active_family(
                services.store,
                setting.id,
                u.id,
                locale=LOCALES[i % 9],
                weekday=i % 7,
                slot=("morning", "lunchtime", "afternoon", "evening")[i % 4],
                cadence=3 if i % 3 == 0 else 1,
                children=children,
            )
        users[7].block()
        env = BotEnv(sandbox, services, clock, london, bot)
        start = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # plan on Sunday night for week 49
        clock.set(start - timedelta(hours=1))
        await plan_weeks(services.store, services.library, clock.now())
        sandbox.faults.error_rate = 0.05
        # Walk through the week hour by hour, as the dispatch job would.
        for hour in range(0, 24 * 11):
            clock.set(start + timedelta(hours=hour, minutes=1))
            await _drain(env, rounds=20, step=timedelta(seconds=2))
        rows = [d for d in await all_deliveries(services.store) if d.iso_week == "2026-W49"]
        states = {d.state for d in rows}
        assert states <= {"sent", "failed", "cancelled"}
        assert all(d.last_error for d in rows if d.state in ("failed", "cancelled"))
        sent = [d for d in rows if d.state == "sent"]
        expected = sum(
            (3 if i % 3 == 0 else 1) * (2 if i % 10 == 0 else 1) for i in range(200) if i != 7
        )
        assert len(sent) == expected
        per_chat = {u.id: len(u.messages()) for u in users}
        assert per_chat[users[7].id] == 0
        assert sum(per_chat.values()) == expected  # nobody got anything twice
        assert all(sandbox.sent(u.id)[0].text for u in users if u is not users[7])
