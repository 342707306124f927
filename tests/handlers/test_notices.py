"""A lead's notice reaches every active family in its own language, through the outbox.

Driven through the real bot against the sandbox: the lead taps a template, a day and a
time, sees a preview and sends; the dispatcher delivers, and each family reads the date
and time as its own locale writes them.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from bot.codes import new_join_code
from bot.sandbox import SandboxUser
from scheduler.dispatch import dispatch_due
from tests.conftest import BotEnv
from tests.factories import active_family

STAY = "Stay and play on … at …."
DAY = date(2026, 11, 26)  # the Thursday after MONDAY
AT = time(13, 30)


async def join(env: BotEnv, user: SandboxUser, role: str) -> None:
    code = new_join_code()
    await env.store.add_join_code(env.setting.id, code, role, timedelta(days=7))
    await env.say(user, f"/join {code}", replies=2)


async def families(env: BotEnv) -> dict[str, SandboxUser]:
    users = {}
    for n, (name, locale, status) in enumerate(
        [
            ("ar", "ar", "active"),
            ("pl", "pl", "active"),
            ("paused", "en", "paused"),
            ("stopped", "en", "stopped"),
        ]
    ):
        user = env.sandbox.user(8100 + n)
        family, _ = await active_family(env.store, env.setting.id, user.id, locale=locale)
        if status != "active":
            await env.store.set_status(family.id, status)
        users[name] = user
    return users


async def test_a_notice_reaches_arabic_and_polish_families_with_their_own_dates(
    env: BotEnv,
) -> None:
    lead = env.sandbox.user(8001)
    await join(env, lead, "lead")
    users = await families(env)
    [menu] = await env.say(lead, "/notice")
    assert STAY in menu.buttons and "Write my own notice" in menu.buttons
    [ask_day] = await env.press(lead, STAY)
    assert ask_day.plain == "Which day?" and len(ask_day.buttons) == 14 + 1
    [ask_time] = await env.press(lead, env.t("en").date(DAY, "EEE d MMM"))
    assert ask_time.plain == "What time?"
    [preview] = await env.press(lead, "13:30")
    assert "Stay and play on Thursday, 26 November 2026 at 13:30." in preview.plain
    [send_data] = [
        b["callback_data"] for r in preview.button_rows for b in r if "Send" in b["text"]
    ]
    [queued] = await env.press(lead, "Send to 2 families")
    assert "Queued for 2 families" in queued.plain
    await dispatch_due(env.bot, env.services)
    for code in ("ar", "pl"):
        t = env.t(code)
        [notice] = await users[code].wait_for_messages(1)
        assert "Sunflower Nursery" in notice.plain
        assert t.date(DAY, "full") in notice.plain and t.time(AT) in notice.plain
    assert env.t("ar").date(DAY, "full") != env.t("pl").date(DAY, "full")
    assert users["paused"].messages() == [] and users["stopped"].messages() == []
    # Pressing Send again queues nothing more.
    before = len(lead.messages())
    lead.press_data(send_data, message_id=preview.message_id)
    [expired] = (await lead.wait_for_messages(before + 1))[before:]
    assert expired.plain == "Sorry, this button has expired."


async def test_a_typed_item_is_escaped_and_named_as_the_staff_language(env: BotEnv) -> None:
    lead = env.sandbox.user(8002)
    await join(env, lead, "lead")
    users = await families(env)
    await env.say(lead, "/notice")
    [ask] = await env.press(lead, "Please bring ….")
    assert ask.plain.startswith("What should families bring?")
    [preview] = await env.say(lead, "<b>wellies</b> & a coat")
    assert "Please bring <b>wellies</b> & a coat." in preview.plain
    await env.press(lead, "Send to 2 families")
    await dispatch_due(env.bot, env.services)
    [notice] = await users["pl"].wait_for_messages(1)
    assert notice.text is not None and "&lt;b&gt;wellies&lt;/b&gt; &amp; a coat" in notice.text
    assert "angielski" in notice.plain  # "English", named in Polish


async def test_free_text_and_quiet_hours(env: BotEnv) -> None:
    lead = env.sandbox.user(8003)
    await join(env, lead, "lead")
    users = await families(env)
    await env.say(lead, "/notice")
    await env.press(lead, "Write my own notice")
    await env.say(lead, "The garden is open again")
    env.clock.advance(timedelta(hours=11))  # 21:00 in London: quiet hours
    await env.press(lead, "Send to 2 families")
    await dispatch_due(env.bot, env.services)
    assert users["ar"].messages() == []
    env.clock.advance(timedelta(hours=11, minutes=1))  # 08:01 the next morning
    await dispatch_due(env.bot, env.services)
    [notice] = await users["ar"].wait_for_messages(1)
    assert "The garden is open again" in notice.plain


async def test_a_practitioner_who_is_not_a_lead_is_refused(env: BotEnv) -> None:
    staff = env.sandbox.user(8004)
    await join(env, staff, "practitioner")
    [refusal] = await env.say(staff, "/notice")
    assert refusal.plain == "Sorry, only a lead can do that."
