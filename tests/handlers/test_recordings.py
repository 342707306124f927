"""Activities read aloud in a home language reach the families of that language.

Through the real bot and the sandbox: a practitioner asks /record for Somali, gets the
coming idea as Somali families will read it, records a voice note; when the outbox
sends the activity, Somali families get the voice note as a reply to it and English
families do not. A lead withdraws it with /recordings and it stops.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.codes import new_join_code
from bot.i18n import language_name
from bot.planning import plan_weeks
from bot.sandbox import SandboxUser
from scheduler.dispatch import dispatch_due
from tests.conftest import BotEnv
from tests.factories import active_family

SOMALI = language_name("so")
WEDNESDAY = datetime(2026, 11, 25, 9, 31, tzinfo=UTC)


async def join(env: BotEnv, user: SandboxUser, role: str) -> None:
    code = new_join_code()
    await env.store.add_join_code(env.setting.id, code, role, timedelta(days=7))
    await env.say(user, f"/join {code}", replies=2)


async def record_somali(env: BotEnv, staff: SandboxUser) -> str:
    """/record, Somali, Record this, a voice note; returns the voice note's file id."""
    [menu] = await env.say(staff, "/record")
    assert SOMALI in menu.buttons
    head, idea = await env.press(staff, SOMALI, replies=2)
    assert "Soomaali" in head.plain and "Record this" in idea.buttons
    [ask] = await env.press(staff, "Record this")
    assert ask.plain.startswith("Send a voice note now")
    before = len(staff.messages())
    file_id = staff.send_voice(duration=40)
    [saved] = (await staff.wait_for_messages(before + 1))[before:]
    assert saved.plain.startswith("Saved. Families who chose Soomaali")
    return file_id


async def test_a_recording_reaches_somali_families_with_their_activity(env: BotEnv) -> None:
    staff = env.sandbox.user(9201)
    await join(env, staff, "practitioner")
    somali = env.sandbox.user(9301, language_code="so")
    english = env.sandbox.user(9302)
    await active_family(env.store, env.setting.id, somali.id, locale="so")
    await active_family(env.store, env.setting.id, english.id, locale="en")
    await plan_weeks(env.store, env.services.library, env.clock.now())
    file_id = await record_somali(env, staff)
    # Recorded again: the new voice note replaces the first.
    newer = await record_somali(env, staff)
    assert newer != file_id

    env.clock.set(WEDNESDAY)
    await dispatch_due(env.bot, env.services)
    activity, voice = await somali.wait_for_messages(2)
    assert voice.kind == "voice" and voice.file_id == newer
    assert voice.reply_to == activity.message_id
    [only] = await english.wait_for_messages(1)
    assert only.kind == "text" and len(english.messages()) == 1


async def test_a_lead_withdraws_a_recording_and_it_stops(env: BotEnv) -> None:
    lead = env.sandbox.user(9202)
    await join(env, lead, "lead")
    somali = env.sandbox.user(9303, language_code="so")
    await active_family(env.store, env.setting.id, somali.id, locale="so")
    await plan_weeks(env.store, env.services.library, env.clock.now())
    await record_somali(env, lead)
    [listing] = await env.say(lead, "/recordings")
    [withdraw] = [b for b in listing.buttons if b.startswith(f"✖ {SOMALI}:")]
    [done] = await env.press(lead, withdraw)
    assert done.plain == "Withdrawn. Families will not get it any more."
    [empty] = await env.say(lead, "/recordings")
    assert empty.plain.startswith("There are no recordings yet.")
    env.clock.set(WEDNESDAY)
    await dispatch_due(env.bot, env.services)
    [activity] = await somali.wait_for_messages(1)
    assert activity.kind == "text" and len(somali.messages()) == 1


async def test_only_a_lead_lists_recordings_and_ideas_fit_when_none_is_planned(env: BotEnv) -> None:
    staff = env.sandbox.user(9203)
    await join(env, staff, "practitioner")
    [refusal] = await env.say(staff, "/recordings")
    assert refusal.plain == "Sorry, only a lead can do that."
    await env.say(staff, "/record")
    [none] = await env.press(staff, language_name("pl"))
    assert none.plain == "No family in your setting has chosen Polski yet."
    # Nothing planned yet for a Somali family: the ideas that fit the child's age.
    somali = env.sandbox.user(9304, language_code="so")
    await active_family(env.store, env.setting.id, somali.id, locale="so")
    await env.say(staff, "/record")
    head, *ideas = await env.press(staff, SOMALI, replies=3)
    assert all("Record this" in idea.buttons for idea in ideas)


async def test_a_recording_made_after_the_first_sends_follows_the_next_activity(
    env: BotEnv,
) -> None:
    staff = env.sandbox.user(9205)
    await join(env, staff, "practitioner")
    somali = env.sandbox.user(9305, language_code="so")
    await active_family(env.store, env.setting.id, somali.id, locale="so")
    await plan_weeks(env.store, env.services.library, env.clock.now())
    env.clock.set(WEDNESDAY)
    await dispatch_due(env.bot, env.services)  # this week's idea: nothing recorded yet
    [first] = await somali.wait_for_messages(1)
    assert first.kind == "text"
    file_id = await record_somali(env, staff)  # next week's idea
    env.clock.set(WEDNESDAY + timedelta(days=7))
    await plan_weeks(env.store, env.services.library, env.clock.now())
    await dispatch_due(env.bot, env.services)
    voices = [m for m in somali.messages() if m.kind == "voice"]
    assert [v.file_id for v in voices] == [file_id]
