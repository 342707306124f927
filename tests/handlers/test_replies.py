"""Replies become engagement data: taps, words, photos, voice notes, and the quiet path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.planning import plan_weeks
from bot.sandbox import SandboxUser
from scheduler.dispatch import dispatch_due
from scheduler.nudge import nudge_quiet_families
from tests.conftest import BotEnv
from tests.factories import active_family
from tests.storeview import count_events, events_of_family

SENT_AT = datetime(2026, 11, 25, 9, 31, tzinfo=UTC)


async def _with_activity(env: BotEnv, user: SandboxUser, **kwargs: object) -> int:
    family, _ = await active_family(env.store, env.setting.id, user.id, **kwargs)  # type: ignore[arg-type]
    await plan_weeks(env.store, env.services.library, env.clock.now())
    env.clock.set(SENT_AT)
    await dispatch_due(env.bot, env.services)
    await user.wait_for_messages(1)
    return family.id


async def test_tap_is_recorded_once_and_thanked(env: BotEnv) -> None:
    user = env.sandbox.user(5000)
    family_id = await _with_activity(env, user)
    activity = user.last()
    done_data = activity.reply_markup["inline_keyboard"][0][0]["callback_data"]  # type: ignore[index]
    [thanks] = await env.press(user, "We did it 🎉")
    assert "Thank you for playing together" in thanks.plain
    [event] = await events_of_family(env.store, family_id)
    assert (event.kind, event.tap) == ("tap", "done")
    delivery = await env.store.delivery_by_message(family_id, activity.message_id)
    assert delivery is not None and event.delivery_id == delivery.id
    # The keyboard is gone, and a replayed press changes nothing.
    assert user.messages()[0].buttons == []
    user.press_data(done_data, message_id=activity.message_id)
    await env.sandbox.wait_until(lambda: env.sandbox.pending_updates == 0)
    assert len(await events_of_family(env.store, family_id)) == 1


async def test_forged_and_foreign_button_data_expire_and_record_nothing(env: BotEnv) -> None:
    owner = env.sandbox.user(5001)
    other = env.sandbox.user(5002)
    await _with_activity(env, owner)
    await active_family(env.store, env.setting.id, other.id)
    data = owner.last().reply_markup["inline_keyboard"][0][0]["callback_data"]  # type: ignore[index]
    message = await other.wait_for_messages(0)
    other.send_text("hi")
    await other.wait_for_messages(1)
    for forged in (data, "R:1:done", "R:1:done~AAAAAAAA", "\x00\xff junk"):
        other.press_data(forged, message_id=other.last().message_id)
    await env.sandbox.wait_until(lambda: len(other.answers) >= 4)
    assert all("expired" in (a.get("text") or "") for a in other.answers)
    assert await count_events(env.store) == 1  # only other's "hi"
    assert message == []


async def test_words_photos_and_voice_notes_attach_to_the_activity(env: BotEnv) -> None:
    user = env.sandbox.user(5003)
    family_id = await _with_activity(env, user, share_photos=False)
    activity = user.last()
    [thanks] = await env.say(user, "She loved banging the pan!")
    assert "We love hearing how it went" in thanks.plain
    before = len(user.messages())
    user.send_photo(caption="our tower", reply_to=activity.message_id)
    [photo_thanks] = (await user.wait_for_messages(before + 1))[before:]
    assert "stays private" in photo_thanks.plain
    before = len(user.messages())
    user.send_voice(duration=7)
    await user.wait_for_messages(before + 1)
    events = await events_of_family(env.store, family_id)
    assert [e.kind for e in events] == ["text", "photo", "voice"]
    assert events[0].text == "She loved banging the pan!"
    assert events[1].file_id and events[1].text == "our tower" and events[1].shared is False
    assert events[2].duration == 7
    delivery = await env.store.delivery_by_message(family_id, activity.message_id)
    assert delivery is not None and {e.delivery_id for e in events} == {delivery.id}


async def test_shared_photo_says_the_setting_will_see_it(env: BotEnv) -> None:
    user = env.sandbox.user(5004)
    family_id = await _with_activity(env, user, share_photos=True)
    before = len(user.messages())
    user.send_photo()
    [thanks] = (await user.wait_for_messages(before + 1))[before:]
    assert "staff at your nursery will see this" in thanks.plain
    [event] = await events_of_family(env.store, family_id)
    assert event.shared is True


async def test_replies_escape_and_survive_markup(env: BotEnv) -> None:
    user = env.sandbox.user(5005)
    family_id = await _with_activity(env, user)
    await env.say(user, "<b>bold</b> & <script>alert(1)</script>")
    [event] = await events_of_family(env.store, family_id)
    assert event.text == "<b>bold</b> & <script>alert(1)</script>"


async def test_quiet_family_gets_one_gentle_check_in(env: BotEnv) -> None:
    user = env.sandbox.user(5006)
    family, _ = await active_family(env.store, env.setting.id, user.id)
    # Three weeks and a day later, no reply at all.
    env.clock.advance(timedelta(weeks=3, days=1))
    assert await nudge_quiet_families(env.store, env.clock.now()) == 1
    assert await nudge_quiet_families(env.store, env.clock.now()) == 0  # only once
    fresh = await env.store.get_family(family.id)
    assert fresh is not None and fresh.cadence == 1
    await dispatch_due(env.bot, env.services)
    [checkin] = await user.wait_for_messages(1)
    assert "still useful" in checkin.plain
    assert checkin.buttons == ["Yes, keep them coming", "Less often", "Stop"]
    [answer] = await env.press(user, "Less often")
    assert "two-week break" in answer.plain
    fresh = await env.store.get_family(family.id)
    assert fresh is not None and fresh.status == "paused"


async def test_stop_word_in_the_parents_language(env: BotEnv) -> None:
    user = env.sandbox.user(5007, language_code="pt")
    family, _ = await active_family(env.store, env.setting.id, user.id, locale="pt")
    stop_word = env.t("pt").gettext("STOP")
    [reply] = await env.say(user, stop_word.lower())
    fresh = await env.store.get_family(family.id)
    assert fresh is not None and fresh.status == "stopped"
    assert "/start" in reply.plain
