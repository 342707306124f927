"""Staff answer what a family shared, and the family answers back, through the outbox.

Each test drives the real bot over HTTP against the sandbox: a practitioner presses
Reply, writes or records, the dispatcher sends it, and the parent sees it in their own
chat as a reply to their own message, headed with the setting and the chosen name only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.codes import new_join_code
from bot.sandbox import SandboxUser, SentMessage
from scheduler.dispatch import dispatch_due
from tests.conftest import BotEnv
from tests.factories import active_family

NAME_QUESTION = "What name should families see, e.g. Ms Ada?"
REPLY_QUESTION = "Write your reply, or record a voice note."
HEADER = "Sunflower Nursery · Ms Ada:"


async def join(env: BotEnv, user: SandboxUser, role: str = "practitioner") -> None:
    code = new_join_code()
    await env.store.add_join_code(env.setting.id, code, role, timedelta(days=7))
    await env.say(user, f"/join {code}", replies=2)


def own_last(user: SandboxUser) -> int:
    """The id of the newest message the user (not the bot) sent in their chat."""
    return max(k for k, m in user.chat.messages.items() if m["from"]["id"] == user.id)


async def family_shares_photo(env: BotEnv, chat: int = 7100, **kw: object) -> SandboxUser:
    parent = env.sandbox.user(chat)
    await active_family(env.store, env.setting.id, parent.id, **kw)  # type: ignore[arg-type]
    parent.send_photo(caption="we built a tower")
    await parent.wait_for_messages(1)
    return parent


async def start_reply(env: BotEnv, staff: SandboxUser, button: str = "📷 Amy") -> None:
    """/families, press the family's button, give the name families see."""
    *_, offer = await env.say(staff, "/families", replies=2)
    assert button in offer.buttons
    [question] = await env.press(staff, button)
    assert question.plain == NAME_QUESTION
    [question] = await env.say(staff, "Ms Ada")
    assert question.plain == REPLY_QUESTION


async def say_reply(user: SandboxUser, text: str, reply_to: int) -> list[SentMessage]:
    before = len(user.messages())
    user.send_text(text, reply_to=reply_to)
    return (await user.wait_for_messages(before + 1))[before:]


async def delivered(env: BotEnv, user: SandboxUser, before: int) -> SentMessage:
    """The first message ``user`` got after their first ``before`` (sent from the outbox)."""
    await dispatch_due(env.bot, env.services)
    return (await user.wait_for_messages(before + 1))[before]


async def test_a_staff_reply_reaches_the_family_as_a_reply_to_its_photo(env: BotEnv) -> None:
    staff = env.sandbox.user(7001, username="ada_private", first_name="Adaeze")
    await join(env, staff)
    parent = await family_shares_photo(env)
    photo_message = own_last(parent)
    await start_reply(env, staff)
    before = len(parent.messages())
    [done] = await env.say(staff, "What a tall tower! <b>Well done</b>")
    assert "Sent" in done.plain
    got = await delivered(env, parent, before)
    assert got.plain == f"{HEADER}\nWhat a tall tower! <b>Well done</b>"  # escaped, shown as typed
    assert got.reply_to == photo_message
    assert "ada_private" not in (got.text or "") and "Adaeze" not in (got.text or "")
    # The name is asked once: the next Reply goes straight to the words.
    *_, offer = await env.say(staff, "/families", replies=2)
    [question] = await env.press(staff, "📷 Amy")
    assert question.plain == REPLY_QUESTION


async def test_the_parent_answers_back_and_it_reaches_that_staff_member(env: BotEnv) -> None:
    staff = env.sandbox.user(7001)
    other = env.sandbox.user(7002)
    await join(env, staff)
    await join(env, other)
    parent = await family_shares_photo(env)
    await start_reply(env, staff)
    before = len(parent.messages())
    await env.say(staff, "Lovely tower!")
    reply = await delivered(env, parent, before)
    [thanks] = await env.say(parent, "Thank you, she loved it", replies=1)
    assert "Ms Ada" not in thanks.plain
    before_other, before = len(other.messages()), len(staff.messages())
    [thanks] = await say_reply(parent, "She wants to build another", reply.message_id)
    assert thanks.plain == "Thank you! We have passed this on to Ms Ada."
    answer = await delivered(env, staff, before)
    assert answer.plain.startswith("Family #")
    assert "(Amy) answered your reply:" in answer.plain
    assert "She wants to build another" in answer.plain
    assert "Reply" in answer.buttons
    before, before_staff = len(parent.messages()), len(staff.messages())
    parent.send_voice(reply_to=reply.message_id)
    await parent.wait_for_messages(before + 1)
    voice = await delivered(env, staff, before_staff)
    assert voice.method == "sendVoice" and "answered your reply" in (voice.caption or "")
    assert len(other.messages()) == before_other


async def test_a_voice_note_reply_goes_as_voice_with_the_header(env: BotEnv) -> None:
    staff = env.sandbox.user(7001)
    await join(env, staff)
    parent = await family_shares_photo(env)
    await start_reply(env, staff)
    before, before_parent = len(staff.messages()), len(parent.messages())
    file_id = staff.send_voice()
    [done] = (await staff.wait_for_messages(before + 1))[before:]
    assert "Sent" in done.plain
    got = await delivered(env, parent, before_parent)
    assert got.method == "sendVoice" and got.file_id == file_id
    assert got.caption == f"<b>{HEADER}</b>"


async def test_an_evening_reply_waits_for_the_morning(env: BotEnv) -> None:
    staff = env.sandbox.user(7001)
    await join(env, staff)
    parent = await family_shares_photo(env)
    env.clock.set(datetime(2026, 11, 23, 21, 0, tzinfo=UTC))
    await start_reply(env, staff)
    before = len(parent.messages())
    [done] = await env.say(staff, "Good night tower")
    assert "08:00" in done.plain
    await dispatch_due(env.bot, env.services)
    env.clock.set(datetime(2026, 11, 24, 7, 59, tzinfo=UTC))
    await dispatch_due(env.bot, env.services)
    assert len(parent.messages()) == before
    env.clock.set(datetime(2026, 11, 24, 8, 1, tzinfo=UTC))
    got = await delivered(env, parent, before)
    assert "Good night tower" in got.plain


async def test_cancel_drops_the_reply(env: BotEnv) -> None:
    staff = env.sandbox.user(7001)
    await join(env, staff)
    parent = await family_shares_photo(env)
    await start_reply(env, staff)
    [cancelled] = await env.press(staff, "Cancel")
    assert cancelled.plain == "Cancelled."
    [pointer] = await env.say(staff, "not for the family")
    assert "/help" in pointer.plain
    await start_reply_again(env, staff)
    [cancelled] = await env.say(staff, "/cancel")
    assert cancelled.plain == "Cancelled."
    await env.say(staff, "also not for the family")
    before = len(parent.messages())
    await dispatch_due(env.bot, env.services)
    assert len(parent.messages()) == before


async def start_reply_again(env: BotEnv, staff: SandboxUser) -> None:
    *_, offer = await env.say(staff, "/families", replies=2)
    [question] = await env.press(staff, "📷 Amy")
    assert question.plain == REPLY_QUESTION


async def test_private_photos_and_other_settings_get_no_reply(env: BotEnv) -> None:
    staff = env.sandbox.user(7001)
    await join(env, staff)
    await family_shares_photo(env, share_photos=False)
    [listing] = await env.say(staff, "/families")  # no Reply offer for a private photo
    assert "Amy" in listing.plain and not listing.buttons
    [(event_id, family_id)] = await env.store.fetchall("SELECT id, family_id FROM events")
    forged = env.services.signer.sign(staff.id, "SR", event_id)
    before = len(staff.messages())
    staff.press_data(forged, message_id=listing.message_id)
    refused = (await staff.wait_for_messages(before + 1))[before]
    assert refused.plain == "Sorry, this button has expired."
    # Staff of another setting cannot answer this setting's family.
    other = await env.store.add_setting("Elm Tree", "Europe/London", "elm-code")
    outsider = env.sandbox.user(7009)
    code = new_join_code()
    await env.store.add_join_code(other.id, code, "lead", timedelta(days=7))
    await env.say(outsider, f"/join {code}", replies=2)
    forged = env.services.signer.sign(outsider.id, "SA", family_id)
    last = outsider.messages()[-1].message_id
    before = len(outsider.messages())
    outsider.press_data(forged, message_id=last)
    refused = (await outsider.wait_for_messages(before + 1))[before]
    assert refused.plain == "Sorry, this button has expired."
