"""The outbox's raw Bot API call (bot/rawapi.py) against the real sandbox over HTTP.

The dispatcher cannot tell it from PTB's ``Bot`` methods: a message arrives as the
parent sees it from PTB (text and its HTML, buttons, the reply it answers), the id
returned is the message's, and every refusal raises the exception PTB raises for it
(scheduler/dispatch.py postpones a 429, marks a 403 blocked, retries a 5xx), with
the token nowhere in its text. With ``max_rate > 0`` the call keeps the limiter's pace.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot import rawapi
from bot.app import Options, build_application
from bot.clock import Clock
from bot.outbox import Payload, send_payload
from bot.sandbox import Sandbox, SentMessage
from scheduler.dispatch import retry_seconds
from tests.conftest import MONDAY, BotEnv, make_config

HTML_TEXT = 'Hello <b>Amy</b> &amp; <i>family</i>: <a href="https://example.org/">a link</a>'
ROWS = ((("We did it 🎉", "R:1:done~sig"),), (("Too hard", "R:1:hard~sig"), ("Easy", "e~s")))


def _seen(m: SentMessage) -> tuple[object, ...]:
    """What a parent's Telegram shows of a message (and the data its buttons send)."""
    return (m.kind, m.text, m.caption, m.parse_mode, m.plain, m.button_rows, m.media)


def _token_free(exc: BaseException, token: str) -> None:
    """Neither the exception nor anything chained to it names the token."""
    secret = token.split(":", 1)[1]
    seen: BaseException | None = exc
    while seen is not None:
        for text in (str(seen), repr(seen), *(str(a) for a in seen.args)):
            assert secret not in text
        seen = seen.__cause__ or seen.__context__


async def test_text_arrives_as_ptb_would_send_it(env: BotEnv) -> None:
    raw_user, ptb_user = env.sandbox.user(8101), env.sandbox.user(8102)
    raw_asked, ptb_asked = raw_user.send_text("question?"), ptb_user.send_text("question?")
    p = Payload("text", text=HTML_TEXT, buttons=ROWS, reply_to=raw_asked)

    message_id = await send_payload(env.bot, raw_user.chat_id, p)

    [m] = await raw_user.wait_for_messages(1)
    assert message_id == m.message_id
    assert m.text == HTML_TEXT and m.parse_mode == "HTML"
    assert m.plain == "Hello Amy & family: a link"
    assert m.buttons == ["We did it 🎉", "Too hard", "Easy"]
    assert m.button_rows[1][0] == {"text": "Too hard", "callback_data": "R:1:hard~sig"}
    assert m.reply_to == raw_asked
    # The same message through python-telegram-bot looks the same in the chat.
    await env.bot.send_message(
        ptb_user.chat_id,
        HTML_TEXT,
        parse_mode=ParseMode.HTML,
        disable_web_page_preview=True,
        reply_parameters=ReplyParameters(ptb_asked, allow_sending_without_reply=True),
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(label, callback_data=d) for label, d in row] for row in ROWS]
        ),
    )
    [twin] = await ptb_user.wait_for_messages(1)
    assert _seen(m) == _seen(twin) and twin.reply_to == ptb_asked


async def test_a_reply_to_a_deleted_message_still_arrives(env: BotEnv) -> None:
    user = env.sandbox.user(8103)
    message_id = await send_payload(env.bot, user.chat_id, Payload("text", text="hi", reply_to=999))
    [m] = await user.wait_for_messages(1)
    assert (m.message_id, m.reply_to, m.text) == (message_id, None, "hi")


async def test_photo_voice_and_album_by_file_id(env: BotEnv) -> None:
    user = env.sandbox.user(8104)
    photo, other, voice = user.send_photo(), user.send_photo(), user.send_voice()
    ids = [
        await send_payload(
            env.bot,
            user.chat_id,
            Payload("photo", text="<b>Tower</b>", file_id=photo, buttons=ROWS),
        ),
        await send_payload(env.bot, user.chat_id, Payload("voice", file_id=voice)),
        await send_payload(
            env.bot, user.chat_id, Payload("album", items=((photo, "<i>one</i>"), (other, "")))
        ),
    ]
    shown, spoken, album = await user.wait_for_messages(3)
    assert ids == [shown.message_id, spoken.message_id, album.message_ids[0]]
    assert (shown.kind, shown.file_id, shown.caption, shown.plain) == (
        "photo",
        photo,
        "<b>Tower</b>",
        "Tower",
    )
    assert shown.buttons == ["We did it 🎉", "Too hard", "Easy"]
    assert (spoken.kind, spoken.file_id) == ("voice", voice)
    assert album.kind == "album" and len(album.message_ids) == 2
    # The raw call itself reports every message an album became.
    again = await rawapi.send(
        env.bot,
        "sendMediaGroup",
        {"chat_id": user.chat_id, "media": [{"type": "photo", "media": f} for f in (photo, other)]},
    )
    second = (await user.wait_for_messages(4))[3]
    assert again == second.message_ids and len(again) == 2


async def test_flood_control_raises_retry_after_with_telegrams_wait(env: BotEnv) -> None:
    user = env.sandbox.user(8105)
    env.sandbox.faults.per_chat_limit = True
    env.sandbox.faults.retry_after = 7
    await rawapi.send(env.bot, "sendMessage", {"chat_id": user.chat_id, "text": "one"})
    with pytest.raises(RetryAfter) as caught:
        await rawapi.send(env.bot, "sendMessage", {"chat_id": user.chat_id, "text": "two"})
    assert retry_seconds(caught.value) == 7
    assert env.sandbox.counters.rate_limited == 1
    assert [m.text for m in user.messages()] == ["one"]
    _token_free(caught.value, env.sandbox.token)


async def test_a_blocked_bot_raises_forbidden(env: BotEnv) -> None:
    user = env.sandbox.user(8106)
    env.sandbox.faults.blocked_chats.add(user.chat_id)
    with pytest.raises(Forbidden) as caught:
        await send_payload(env.bot, user.chat_id, Payload("text", text="hello"))
    assert "blocked" in caught.value.message
    _token_free(caught.value, env.sandbox.token)


async def test_an_unknown_chat_and_bad_html_raise_bad_request(env: BotEnv) -> None:
    with pytest.raises(BadRequest) as caught:
        await send_payload(env.bot, 8199, Payload("text", text="hello"))
    assert "chat not found" in caught.value.message.lower()
    user = env.sandbox.user(8107)
    with pytest.raises(BadRequest) as bad_html:
        await send_payload(env.bot, user.chat_id, Payload("text", text="<b>unclosed"))
    _token_free(caught.value, env.sandbox.token)
    _token_free(bad_html.value, env.sandbox.token)
    assert user.messages() == []


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_raise_network_error(env: BotEnv, status: int) -> None:
    user = env.sandbox.user(8108)
    env.sandbox.faults.fail_next = 1
    env.sandbox.faults.fail_next_status = status
    with pytest.raises(NetworkError) as caught:
        await send_payload(env.bot, user.chat_id, Payload("text", text="hello"))
    assert not isinstance(caught.value, (BadRequest, Forbidden, RetryAfter))
    _token_free(caught.value, env.sandbox.token)
    assert user.messages() == []
    # The next try goes through, as the dispatcher's retry would.
    assert await send_payload(env.bot, user.chat_id, Payload("text", text="hello")) > 0


async def test_a_dropped_connection_raises_network_error_without_the_token(env: BotEnv) -> None:
    user = env.sandbox.user(8109)
    env.sandbox.faults.reset_rate = 1.0
    with pytest.raises(NetworkError) as caught:
        await send_payload(env.bot, user.chat_id, Payload("text", text="hello"))
    _token_free(caught.value, env.sandbox.token)


async def test_an_answer_without_a_message_id_is_a_telegram_error(env: BotEnv) -> None:
    with pytest.raises(TelegramError, match="no message id"):
        await rawapi.send(env.bot, "getMe", {})


async def test_the_raw_call_keeps_the_rate_limiters_pace(sandbox: Sandbox, tmp_path: Path) -> None:
    """max_rate > 0: raw sends go through the bot's AIORateLimiter, so the sandbox's
    flood control (at the same rate) never fires however fast they are asked for."""
    rate = 10
    sandbox.faults.rate_limit = True
    sandbox.faults.rate_limit_per_second = rate
    users = [sandbox.user(8200 + i) for i in range(2 * rate + 1)]
    options = Options(schedule_jobs=False, max_rate=rate, read_timeout=3.0)
    app = build_application(make_config(sandbox, tmp_path / "bot.db"), Clock(MONDAY), options)
    assert app.bot.rate_limiter is not None
    async with app.bot:
        started = time.monotonic()
        for user in users:
            await send_payload(app.bot, user.chat_id, Payload("text", text="paced"))
        elapsed = time.monotonic() - started
    assert sandbox.counters.rate_limited == 0
    assert all(len(u.messages()) == 1 for u in users)
    assert elapsed >= 2 * 0.9  # 21 sends at 10/s: two seconds at least, not a burst
