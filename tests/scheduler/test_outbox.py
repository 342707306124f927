"""Staff messages go through the outbox: digests and alerts survive what Telegram does.

Each test drives the real bot over HTTP against the sandbox, with the sandbox's
faults switched on: the first sends failing with 5xx, Telegram's one-message-a-
second limit per chat, a lead who blocked the bot.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.alerts import raise_alert
from bot.codes import new_join_code
from bot.digest.delivery import queue_due_digests
from bot.planning import plan_weeks
from bot.sandbox import SandboxUser
from scheduler.dispatch import dispatch_due
from tests.conftest import BotEnv
from tests.factories import active_family
from tests.storeview import digest_recipients, staff_messages
from tests.test_cli import playtalk

# The text, 2 photos, "Reply to a family" with its buttons, the chart, the HTML, the CSV.
DIGEST_KINDS = ["text", "album", "text", "photo", "document", "document"]


async def _join(env: BotEnv, user: SandboxUser, role: str) -> None:
    code = new_join_code()
    await env.store.add_join_code(env.setting.id, code, role, timedelta(days=7))
    await env.say(user, f"/join {code}", replies=2)


async def _week_of_photos(env: BotEnv, families: int, sharing: int, first: int) -> None:
    """A week in which ``sharing`` of ``families`` sent a photo; then Monday 08:01."""
    parents = [env.sandbox.user(first + i) for i in range(families)]
    for i, p in enumerate(parents):
        await active_family(env.store, env.setting.id, p.id, children=((f"Kid{i}", "2024-01"),))
    await plan_weeks(env.store, env.services.library, env.clock.now())
    env.clock.set(datetime(2026, 11, 25, 9, 31, tzinfo=UTC))
    await dispatch_due(env.bot, env.services)
    for p in parents:
        await p.wait_for_messages(1)
    for p in parents[:sharing]:
        p.send_photo(caption="we built a tower")
    for p in parents[:sharing]:
        await p.wait_for_messages(2)
    env.clock.set(datetime(2026, 11, 30, 8, 1, tzinfo=UTC))


async def _week_with_two_photos(env: BotEnv) -> None:
    await _week_of_photos(env, families=3, sharing=2, first=7100)


async def _dispatch_until_quiet(env: BotEnv, rounds: int = 12) -> None:
    """Dispatch passes with the clock moving on, as the tick would over a few minutes."""
    for _ in range(rounds):
        await dispatch_due(env.bot, env.services)
        env.clock.advance(timedelta(seconds=30))


def _kinds(user: SandboxUser, since: int) -> list[str]:
    return [m.kind for m in user.messages()[since:]]


async def test_digest_arrives_whole_when_the_first_two_sends_fail(env: BotEnv) -> None:
    lead = env.sandbox.user(7001)
    await _join(env, lead, "lead")
    await _week_with_two_photos(env)
    before = len(lead.messages())
    env.sandbox.faults.fail_next = 2
    assert await queue_due_digests(env.services) == 1
    await _dispatch_until_quiet(env)
    assert env.sandbox.counters.server_errors == 2
    assert _kinds(lead, before) == DIGEST_KINDS
    assert await digest_recipients(env.store, env.setting.id, "2026-W48") == 1


async def test_digest_keeps_to_one_message_a_second_in_the_leads_chat(env: BotEnv) -> None:
    lead = env.sandbox.user(7002)
    await _join(env, lead, "lead")
    await _week_with_two_photos(env)
    await asyncio.sleep(1.05)  # the /join welcome is more than a second old (real time)
    env.sandbox.faults.per_chat_limit = True
    env.services.per_chat_seconds = 1.05
    before = len(lead.messages())
    await queue_due_digests(env.services)
    await dispatch_due(env.bot, env.services)  # one pass: the parts wait their turn
    assert _kinds(lead, before) == DIGEST_KINDS
    assert env.sandbox.counters.rate_limited == 0
    assert await digest_recipients(env.store, env.setting.id, "2026-W48") == 1


async def test_digest_refused_by_flood_control_is_sent_later_not_lost(env: BotEnv) -> None:
    lead = env.sandbox.user(7003)
    await _join(env, lead, "lead")
    await _week_with_two_photos(env)
    env.sandbox.faults.per_chat_limit = True  # and no pacing on our side: 429s
    before = len(lead.messages())
    await queue_due_digests(env.services)
    for _ in range(12):
        await dispatch_due(env.bot, env.services)
        env.clock.advance(timedelta(seconds=2))
        if len(_kinds(lead, before)) == len(DIGEST_KINDS):
            break
        await asyncio.sleep(1.05)  # the sandbox's window is real time
    assert env.sandbox.counters.rate_limited >= 1
    assert _kinds(lead, before) == DIGEST_KINDS


async def test_alert_reaches_the_safeguarding_lead_through_failures_and_flood_control(
    env: BotEnv,
) -> None:
    dsl = env.sandbox.user(7004)
    await _join(env, dsl, "safeguarding")
    parent = env.sandbox.user(7200)
    await active_family(env.store, env.setting.id, parent.id, children=(("Nia", "2023-02"),))
    env.sandbox.faults.per_chat_limit = True
    env.services.per_chat_seconds = 1.05
    env.sandbox.faults.fail_next = 2
    env.sandbox.faults.fail_next_methods = ("sendMessage",)
    before = len(dsl.messages())
    parent.send_text("My partner hits me and I am scared to go home")
    # The parent's kind answer is a reply in their own chat and may use up one of the
    # failures; the alert still has to get through the rest.
    await _dispatch_until_quiet(env)
    alerts = [m for m in dsl.messages()[before:] if "Safeguarding alert" in m.plain]
    assert len(alerts) == 1 and "scared to go home" in alerts[0].plain


async def test_alert_goes_to_the_lead_when_the_safeguarding_lead_blocked_the_bot(
    env: BotEnv,
) -> None:
    dsl, lead = env.sandbox.user(7005), env.sandbox.user(7006)
    await _join(env, dsl, "safeguarding")
    await _join(env, lead, "lead")
    dsl.block()
    parent = env.sandbox.user(7201)
    await active_family(env.store, env.setting.id, parent.id, children=(("Tom", "2023-02"),))
    before = len(lead.messages())
    parent.send_text("My partner hits me and I am scared to go home")
    await lead.wait_for_messages(before + 1, timeout=10)
    assert "Safeguarding alert" in lead.messages()[-1].plain
    [blocked] = [p for p in await env.store.setting_staff(env.setting.id) if p.blocked_at]
    assert blocked.chat_id == dsl.id


async def test_alert_goes_ahead_of_a_backlog_of_activities(env: BotEnv) -> None:
    dsl = env.sandbox.user(7007)
    await _join(env, dsl, "safeguarding")
    for i in range(60):
        await active_family(env.store, env.setting.id, env.sandbox.user(7300 + i).id)
    worried = env.sandbox.user(7400)
    family, _children = await active_family(env.store, env.setting.id, worried.id)
    await plan_weeks(env.store, env.services.library, env.clock.now())
    env.clock.set(datetime(2026, 11, 25, 9, 31, tzinfo=UTC))
    env.services.wake_dispatch = lambda: None  # leave the alert to the same pass as the backlog
    sent_before = len(env.sandbox.sent())
    await raise_alert(env.services, family.id, env.setting.id, "he hits me", "hits me")
    await dispatch_due(env.bot, env.services, concurrency=1)
    # The sandbox records deliveries in the order they arrived, across chats.
    order = [m.chat_id for m in env.sandbox.sent()[sent_before:]]
    assert len(order) == 1 + 61 and order[0] == dsl.id


async def test_a_lead_who_blocked_the_bot_is_reported_to_the_operator(
    env: BotEnv, tmp_path: Path
) -> None:
    lead = env.sandbox.user(7008)
    await _join(env, lead, "lead")
    await _week_with_two_photos(env)
    lead.block()
    await queue_due_digests(env.services)
    await _dispatch_until_quiet(env, rounds=3)
    assert await digest_recipients(env.store, env.setting.id, "2026-W48") == 0
    # The operator's view, from the same database file while the bot runs.
    listed = playtalk(tmp_path, "setting", "list", PLAYTALK_DB=env.store.path)
    assert listed.returncode == 0, listed.stderr
    assert "(lead) cannot be reached" in listed.stdout and "blocked" in listed.stdout
    # Another week's digest is not queued into a chat that refuses it.
    states = await staff_messages(env.store, (await env.store.setting_staff(env.setting.id))[0].id)
    assert [s for _kind, s, _e in states].count("sent") == 0


async def test_an_alert_nobody_could_receive_reaches_the_first_lead_who_joins(
    env: BotEnv,
) -> None:
    parent = env.sandbox.user(7202)
    await active_family(env.store, env.setting.id, parent.id, children=(("Ife", "2023-02"),))
    [kind_answer] = await env.say(parent, "My partner hits me and I am scared to go home")
    assert "999" in kind_answer.plain
    assert await env.store.undelivered_alerts(env.setting.id) != []
    lead = env.sandbox.user(7009)
    await _join(env, lead, "lead")
    await _dispatch_until_quiet(env, rounds=2)  # beside the pass the join itself wakes
    await env.sandbox.wait_until(
        lambda: any("Safeguarding alert" in m.plain for m in lead.messages())
    )
    for _ in range(20):  # the 'delivered' mark follows the send
        if not await env.store.undelivered_alerts(env.setting.id):
            break
        await asyncio.sleep(0.05)
    assert await env.store.undelivered_alerts(env.setting.id) == []


@pytest.mark.parametrize(
    ("shared", "photo_parts"),
    [(1, [("photo", 1)]), (2, [("album", 2)]), (11, [("album", 6), ("album", 5)])],
)
async def test_every_shared_photo_reaches_the_lead_as_telegram_takes_them(
    env: BotEnv, shared: int, photo_parts: list[tuple[str, int]]
) -> None:
    lead = env.sandbox.user(7020)
    await _join(env, lead, "lead")
    await _week_of_photos(env, families=shared, sharing=shared, first=7500)
    before = len(lead.messages())
    await queue_due_digests(env.services)
    await _dispatch_until_quiet(env, rounds=3)
    got = lead.messages()[before:]
    photos = [
        (m.kind, len(m.items))
        for m in got
        if m.kind == "album" or (m.kind == "photo" and m.caption)  # the chart has no caption
    ]
    assert photos == photo_parts
    assert [m.kind for m in got][-2:] == ["document", "document"]  # HTML and CSV still came
