"""Issue 13: every promise the bot makes to a parent is kept by the plan.

The summary's "your first idea comes on ...", the thanks for "Too hard" / "Too easy"
and the offer of one message a week after two "Not this week"s are each checked
through the real stack, with the clock moved to when the parent would look.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.content import Activity
from bot.planning import plan_weeks
from bot.sandbox import SandboxUser
from bot.store import Delivery
from bot.timing import local_date
from scheduler.dispatch import dispatch_due
from scheduler.jobs import Ticker
from tests.conftest import BotEnv
from tests.factories import active_family
from tests.journey import enrol
from tests.storeview import deliveries_of_family

# Monday 23 November 2026 (GMT: London time is UTC).
MONDAY_0920 = datetime(2026, 11, 23, 9, 20, tzinfo=UTC)


async def _first_ideas(env: BotEnv, family_id: int) -> list[Delivery]:
    rows = await deliveries_of_family(env.store, family_id)
    return [d for d in rows if d.touch == 1 and d.state == "pending"]


async def test_joining_ten_minutes_before_the_slot_gets_the_promised_idea(env: BotEnv) -> None:
    env.clock.set(MONDAY_0920)
    user = env.sandbox.user(13000)
    await enrol(env, user, weekday=0, slot="Morning (9:30)")
    summary = user.last().plain
    family = await env.store.family_by_chat(user.id)
    assert family is not None
    first = min(await _first_ideas(env, family.id), key=lambda d: d.due_at)
    # Planned at sign-up, for today 09:30: the very date and time the summary names.
    assert first.due_at == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    t = env.t("en")
    promised = t.date(local_date(first.due_at, "Europe/London"), "full")
    assert f"comes on {promised} at {t.time(first.due_at.time(), 'short')}" in summary
    assert promised == t.date(date(2026, 11, 23), "full")  # today, Monday

    before = len(user.messages())
    env.clock.set(datetime(2026, 11, 23, 9, 31, tzinfo=UTC))
    report = await dispatch_due(env.bot, env.services)
    assert report.sent == 1
    [idea] = (await user.wait_for_messages(before + 1))[before:]
    assert "We did it 🎉" in idea.buttons
    assert env.services.library.get(first.activity_id) is not None


async def test_a_new_day_in_settings_is_the_day_the_idea_comes(env: BotEnv) -> None:
    user = env.sandbox.user(13001)
    await enrol(env, user, weekday=2)  # Wednesday, chosen on Monday 10:00
    ticker = Ticker()
    await ticker.tick(env.bot, env.services, everything=True)  # the hourly plan came round
    await env.say(user, "/settings")
    await env.press(user, "Day and time")
    await env.press(user, "Friday")
    [summary] = await env.press(user, "Early evening (18:00)")
    friday = env.t("en").date(date(2026, 11, 27), "full")
    assert f"comes on {friday} at 18:00" in summary.plain
    family = await env.store.family_by_chat(user.id)
    assert family is not None
    ideas = await _first_ideas(env, family.id)
    assert [d.due_at for d in ideas] == [
        datetime(2026, 11, 27, 18, 0, tzinfo=UTC),
        datetime(2026, 12, 4, 18, 0, tzinfo=UTC),
    ]
    before = len(user.messages())
    env.clock.set(datetime(2026, 11, 25, 9, 31, tzinfo=UTC))  # the old Wednesday slot
    await ticker.tick(env.bot, env.services, everything=True)
    assert len(user.messages()) == before
    env.clock.set(datetime(2026, 11, 27, 18, 1, tzinfo=UTC))
    report = await ticker.tick(env.bot, env.services, everything=True)
    assert report.sent == 1
    [idea] = (await user.wait_for_messages(before + 1))[before:]
    assert "We did it 🎉" in idea.buttons


async def test_addchild_plans_the_new_child_at_once(env: BotEnv) -> None:
    env.clock.set(datetime(2026, 11, 25, 9, 20, tzinfo=UTC))  # Wednesday, before 09:30
    user = env.sandbox.user(13002)
    family, _ = await active_family(env.store, env.setting.id, user.id, weekday=2)
    await env.say(user, "/addchild")
    await env.say(user, "Ben")
    await env.press(user, "2025")
    await env.press(user, "Feb")
    await env.press(user, "No, that's all")
    [_amy, ben] = await env.store.children_of(family.id)
    ideas = [d for d in await _first_ideas(env, family.id) if d.child_id == ben.id]
    assert ideas[0].due_at == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


# -- "Too hard" / "Too easy" -------------------------------------------------

FIRST_WEDNESDAY = datetime(2026, 11, 25, 9, 31, tzinfo=UTC)
NEXT_WEDNESDAY = datetime(2026, 12, 2, 9, 31, tzinfo=UTC)


async def _activity_sent(env: BotEnv, user: SandboxUser, birth: str) -> tuple[int, Activity]:
    """A child (30 months old if born May 2024) gets this week's idea on Wednesday."""
    family, _ = await active_family(env.store, env.setting.id, user.id, children=(("Amy", birth),))
    await plan_weeks(env.store, env.services.library, env.clock.now())
    env.clock.set(FIRST_WEDNESDAY)
    await dispatch_due(env.bot, env.services)
    await user.wait_for_messages(1)
    [sent] = [d for d in await deliveries_of_family(env.store, family.id) if d.state == "sent"]
    refused = env.services.library.get(sent.activity_id)
    assert refused is not None
    return family.id, refused


async def _next_weeks_idea(env: BotEnv, user: SandboxUser, family_id: int) -> Activity:
    """What arrives the following Wednesday, as the parent sees it."""
    [planned] = [
        d
        for d in await deliveries_of_family(env.store, family_id)
        if d.iso_week == "2026-W49" and d.touch == 1
    ]
    chosen = env.services.library.get(planned.activity_id)
    assert chosen is not None
    before = len(user.messages())
    env.clock.set(NEXT_WEDNESDAY)
    await dispatch_due(env.bot, env.services)
    [idea] = (await user.wait_for_messages(before + 1))[before:]
    assert chosen.title in idea.plain
    return chosen


async def test_too_hard_makes_next_weeks_idea_easier(env: BotEnv) -> None:
    user = env.sandbox.user(13010)
    family_id, refused = await _activity_sent(env, user, "2024-05")
    assert refused.fits(30)
    [thanks] = await env.press(user, "Too hard")
    assert "a little easier" in thanks.plain
    easier = await _next_weeks_idea(env, user, family_id)
    assert easier.max_months < refused.max_months
    assert easier.min_months + easier.max_months < refused.min_months + refused.max_months
    # Amy is 31 months next week: the idea fits six months younger, not her own age.
    assert easier.fits(31 - 6) and not easier.fits(31)


async def test_too_easy_makes_next_weeks_idea_more_challenging(env: BotEnv) -> None:
    user = env.sandbox.user(13011)
    family_id, refused = await _activity_sent(env, user, "2024-05")
    [thanks] = await env.press(user, "Too easy")
    assert "a little more challenging" in thanks.plain
    harder = await _next_weeks_idea(env, user, family_id)
    assert harder.min_months > refused.min_months
    assert harder.min_months + harder.max_months > refused.min_months + refused.max_months
    assert harder.fits(31 + 6) and not harder.fits(31)


async def test_a_sibling_keeps_their_level(env: BotEnv) -> None:
    user = env.sandbox.user(13012)
    family, [amy, ben] = await active_family(
        env.store, env.setting.id, user.id, children=(("Amy", "2024-05"), ("Ben", "2024-05"))
    )
    await plan_weeks(env.store, env.services.library, env.clock.now())
    before = {d.id: d.activity_id for d in await deliveries_of_family(env.store, family.id)}
    env.clock.set(FIRST_WEDNESDAY)
    await dispatch_due(env.bot, env.services)
    await user.wait_for_messages(2)
    amys = next(m for m in user.messages() if "Amy" in m.plain)
    user.press("Too hard", message_id=amys.message_id)
    await user.wait_for_messages(3)
    after = await deliveries_of_family(env.store, family.id)
    assert [d.activity_id for d in after if d.child_id == ben.id] == [
        before[d.id] for d in after if d.child_id == ben.id
    ]
    library = env.services.library
    amy_weeks = {d.iso_week: library.get(d.activity_id) for d in after if d.child_id == amy.id}
    refused, easier = amy_weeks["2026-W48"], amy_weeks["2026-W49"]
    assert refused is not None and easier is not None
    assert easier.max_months < refused.max_months and not easier.fits(31)


# -- "Not this week" twice ---------------------------------------------------


async def _week(env: BotEnv, user: SandboxUser, when: datetime) -> None:
    """The scheduler runs at the slot; the parent gets that week's idea."""
    before = len(user.messages())
    env.clock.set(when)
    await Ticker().tick(env.bot, env.services, everything=True)
    await user.wait_for_messages(before + 1)


async def test_two_busy_weeks_offer_one_message_a_week(env: BotEnv) -> None:
    user = env.sandbox.user(13020)
    family, _ = await active_family(env.store, env.setting.id, user.id, cadence=3)
    await plan_weeks(env.store, env.services.library, env.clock.now())
    await _week(env, user, FIRST_WEDNESDAY)
    [first] = await env.press(user, "Not this week")
    assert first.buttons == []
    await _week(env, user, NEXT_WEDNESDAY)
    [second] = await env.press(user, "Not this week")
    assert "Busy weeks happen" in second.plain and "one message a week" in second.plain
    assert second.buttons == ["One message a week instead", "Keep as it is"]
    [done] = await env.press(user, "One message a week instead")
    assert "one message a week" in done.plain
    fresh = await env.store.family_by_chat(user.id)
    assert fresh is not None and fresh.cadence == 1
    week_after = [
        d for d in await deliveries_of_family(env.store, family.id) if d.iso_week == "2026-W50"
    ]
    assert [d.kind for d in week_after] == ["single"]
    # The Wednesday after, one message arrives, and nothing more that week.
    before = len(user.messages())
    for day in range(7):
        env.clock.set(datetime(2026, 12, 9, 9, 31, tzinfo=UTC) + timedelta(days=day))
        await Ticker().tick(env.bot, env.services, everything=True)
    await user.wait_for_messages(before + 1)
    assert len(user.messages()) == before + 1
    assert "We did it 🎉" in user.last().buttons


async def test_keep_as_it_is_and_the_offer_comes_once_per_streak(env: BotEnv) -> None:
    user = env.sandbox.user(13021)
    neighbour = env.sandbox.user(13022)  # already on one message a week
    family, _ = await active_family(env.store, env.setting.id, user.id, cadence=3)
    await active_family(env.store, env.setting.id, neighbour.id, cadence=1)
    await plan_weeks(env.store, env.services.library, env.clock.now())
    for when in (FIRST_WEDNESDAY, NEXT_WEDNESDAY):
        seen = len(neighbour.messages())
        await _week(env, user, when)
        await neighbour.wait_for_messages(seen + 1)  # the same tick sent theirs
        [thanks] = await env.press(user, "Not this week")
        [theirs] = await env.press(neighbour, "Not this week")
        assert theirs.buttons == []
    assert thanks.buttons == ["One message a week instead", "Keep as it is"]
    [kept] = await env.press(user, "Keep as it is")
    assert "keep the ideas coming" in kept.plain
    await _week(env, user, datetime(2026, 12, 9, 9, 31, tzinfo=UTC))
    [third] = await env.press(user, "Not this week")
    assert third.buttons == []  # a third busy week asks nothing again
    fresh = await env.store.family_by_chat(user.id)
    assert fresh is not None and fresh.cadence == 3
    week_after = [
        d for d in await deliveries_of_family(env.store, family.id) if d.iso_week == "2026-W51"
    ]
    assert [d.kind for d in week_after] == ["activity", "why", "grow"]
