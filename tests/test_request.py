"""bot/request.py's AiohttpRequest as the bot uses it: a real PTB Bot against the sandbox.

What an operator would notice: messages and uploads arrive intact, every transport
failure turns into the PTB error the bot already handles (TimedOut, NetworkError,
Forbidden, RetryAfter), and a timeout says whether the message may have gone out.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, InputMediaPhoto
from telegram.constants import ParseMode
from telegram.error import Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.request import AiohttpRequest, NotSentTimeout
from bot.sandbox import Sandbox, SandboxUser, server
from bot.sandbox.files import tiny_png
from scheduler.dispatch import _maybe_delivered, retry_seconds

BotFactory = Callable[..., Bot]


@pytest.fixture
async def make_bot(sandbox: Sandbox) -> AsyncIterator[BotFactory]:
    """Bots whose both HTTP clients are AiohttpRequest (kwargs go to the API one)."""
    bots: list[Bot] = []

    def factory(*, token: str | None = None, **request: Any) -> Bot:
        made = Bot(
            token or sandbox.token,
            base_url=sandbox.base_url,
            base_file_url=sandbox.base_file_url,
            request=AiohttpRequest(**request),
            get_updates_request=AiohttpRequest(connection_pool_size=1, read_timeout=0.3),
        )
        bots.append(made)
        return made

    yield factory
    for made in bots:
        await made.shutdown()


@pytest.fixture
async def bot(make_bot: BotFactory) -> Bot:
    made = make_bot(connection_pool_size=4)
    await made.initialize()
    return made


@pytest.fixture
def parent(sandbox: Sandbox) -> SandboxUser:
    return sandbox.user(4100, first_name="Amira")


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, Any]]:
    """(method, Content-Type, JSON body or None) of each call as the sandbox received it."""
    seen: list[tuple[str, str, Any]] = []
    real = server.read_params

    async def spy(request: web.Request) -> Any:
        params = await real(request)
        # read_params read the body already; aiohttp keeps it for a second look.
        body = await request.json() if request.content_type == "application/json" else None
        seen.append((request.match_info["method"], request.content_type, body))
        return params

    monkeypatch.setattr(server, "read_params", spy)
    return seen


async def elapsed(call: Awaitable[Any]) -> tuple[float, BaseException | None]:
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        await call
    except Exception as exc:
        return loop.time() - started, exc
    return loop.time() - started, None


# -- what travels ----------------------------------------------------------------


async def test_html_message_with_keyboard_arrives_intact_as_json(
    sandbox: Sandbox, bot: Bot, parent: SandboxUser, wire: list[tuple[str, str, Any]]
) -> None:
    text = '<b>Tower time</b> — build with <i>cups</i> 🧱 «ça roule» &amp; "لعب"'
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("We did it 👍", callback_data="did:41:yes"),
                InlineKeyboardButton("Not yet", callback_data="did:41:no"),
            ],
            [InlineKeyboardButton("Stop", callback_data="stop")],
        ]
    )
    message = await bot.send_message(
        parent.id, text, parse_mode=ParseMode.HTML, reply_markup=markup
    )
    sent = parent.last()
    assert sent.text == text
    assert sent.parse_mode == "HTML"
    assert [[b["callback_data"] for b in row] for row in sent.button_rows] == [
        ["did:41:yes", "did:41:no"],
        ["stop"],
    ]
    assert sent.buttons == ["We did it 👍", "Not yet", "Stop"]
    assert message.message_id == sent.message_id
    assert message.chat_id == parent.id
    assert message.text == 'Tower time — build with cups 🧱 «ça roule» & "لعب"'
    assert message.reply_markup == markup
    # One JSON body, the keyboard a nested object (not JSON text inside a form).
    method, content_type, body = wire[-1]
    assert (method, content_type) == ("sendMessage", "application/json")
    assert body["text"] == text
    assert body["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "did:41:yes"
    assert body["chat_id"] == parent.id


async def test_photo_bytes_upload_as_multipart_with_caption(
    sandbox: Sandbox, bot: Bot, parent: SandboxUser, wire: list[tuple[str, str, Any]]
) -> None:
    png = tiny_png("tower", 120, 80)
    message = await bot.send_photo(
        parent.id, png, caption="<b>Our tower</b> 🧱", parse_mode=ParseMode.HTML
    )
    assert wire[-1][:2] == ("sendPhoto", "multipart/form-data")
    sent = parent.last()
    assert sent.method == "sendPhoto"
    assert sent.caption == "<b>Our tower</b> 🧱"
    assert sent.parse_mode == "HTML"
    assert message.message_id == sent.message_id
    assert message.caption == "Our tower 🧱"
    assert (message.photo[-1].width, message.photo[-1].height) == (120, 80)
    assert sandbox.file_bytes(message.photo[-1].file_id) == png


async def test_documents_and_albums_upload_with_names_and_attachments(
    sandbox: Sandbox, bot: Bot, parent: SandboxUser
) -> None:
    csv = b"week,replies\n2026-W48,7\n"
    document = await bot.send_document(
        parent.id, InputFile(csv, filename="playtalk-replies.csv"), caption="Replies"
    )
    assert document.document is not None
    assert document.document.file_name == "playtalk-replies.csv"
    assert parent.last().file_name == "playtalk-replies.csv"
    assert sandbox.file_bytes(document.document.file_id) == csv
    first, second = tiny_png("one"), tiny_png("two", 30, 20)
    album = await bot.send_media_group(
        parent.id,
        [
            InputMediaPhoto(first),
            InputMediaPhoto(second, caption="<i>This week</i>", parse_mode="HTML"),
        ],
    )
    assert len(album) == 2
    sent = parent.last()
    assert sent.method == "sendMediaGroup"
    assert sent.caption == "<i>This week</i>"
    assert [sandbox.file_bytes(item["file_id"]) for item in sent.media] == [first, second]


async def test_long_poll_outlives_the_read_timeout(
    sandbox: Sandbox, bot: Bot, parent: SandboxUser
) -> None:
    """getUpdates' read timeout is PTB's read_timeout plus the poll's own timeout."""
    loop = asyncio.get_running_loop()
    loop.call_later(0.5, parent.send_text, "hello")
    took, error = await elapsed(bot.get_updates(timeout=3))
    assert error is None, f"the poll's 0.3 s read timeout was not extended: {error!r}"
    assert 0.4 < took < 2.0
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["hello"]


# -- timeouts: maybe delivered, or surely not ----------------------------------------


async def test_slow_answer_is_a_timeout_that_may_have_delivered(
    sandbox: Sandbox, make_bot: BotFactory, parent: SandboxUser
) -> None:
    impatient = make_bot(connection_pool_size=1, read_timeout=0.3)
    await impatient.initialize()
    sandbox.faults.slow_rate = 1.0
    sandbox.faults.slow_seconds = 0.8
    took, error = await elapsed(impatient.send_message(parent.id, "in flight"))
    assert isinstance(error, TimedOut)
    assert took < 0.7, "read_timeout was not applied"
    assert error.__cause__ is not None
    assert not isinstance(error.__cause__, NotSentTimeout)
    assert _maybe_delivered(error)
    assert sandbox.counters.delayed == 1
    # It did reach Telegram: the message arrives although the client gave up.
    await sandbox.wait_until(lambda: len(parent.messages()) == 1, timeout=2)
    # The only pooled connection was given back: the next call gets through at once.
    sandbox.faults.slow_rate = 0.0
    took, error = await elapsed(impatient.send_message(parent.id, "next", pool_timeout=0.2))
    assert error is None
    assert took < 0.5
    assert [m.text for m in parent.messages()] == ["in flight", "next"]


async def test_busy_pool_is_a_timeout_that_surely_did_not_deliver(
    sandbox: Sandbox, make_bot: BotFactory, parent: SandboxUser
) -> None:
    other = sandbox.user(4200)
    single = make_bot(connection_pool_size=1, read_timeout=2.0, connect_timeout=0.2)
    await single.initialize()
    sandbox.faults.slow_rate = 1.0
    sandbox.faults.slow_seconds = 0.7
    slow = asyncio.create_task(single.send_message(parent.id, "takes a while"))
    await sandbox.wait_until(lambda: sandbox.counters.delayed == 1, timeout=2)
    took, error = await elapsed(single.send_message(other.id, "never sent", pool_timeout=0.1))
    assert isinstance(error, TimedOut)
    assert isinstance(error.__cause__, NotSentTimeout)
    assert not _maybe_delivered(error)
    assert took < 0.6, "waited for the busy connection instead of timing out"
    assert not slow.done()
    assert (await slow).text == "takes a while"
    assert other.messages() == []
    assert sandbox.counters.calls["sendMessage"] == 1, "the refused call reached the server"
    sandbox.faults.slow_rate = 0.0
    await single.send_message(other.id, "now there is room", pool_timeout=0.1)
    assert other.last().text == "now there is room"


async def test_refused_connection_is_a_network_error_that_did_not_deliver(
    sandbox: Sandbox, make_bot: BotFactory
) -> None:
    bot = make_bot(connect_timeout=0.3, pool_timeout=0.1)
    await bot.initialize()
    await sandbox.stop()  # nothing listens on the port now
    took, error = await elapsed(bot.get_me())
    assert isinstance(error, NetworkError)
    assert not isinstance(error, TimedOut)
    assert isinstance(error.__cause__, aiohttp.ClientConnectionError)
    assert not _maybe_delivered(error)
    assert took < 1.0
    await sandbox.start()  # for the fixture's stop()


# -- failures Telegram answers or the network causes ---------------------------------


async def test_connection_reset_is_a_network_error(
    sandbox: Sandbox, make_bot: BotFactory, parent: SandboxUser
) -> None:
    single = make_bot(connection_pool_size=1, read_timeout=1.0)
    await single.initialize()
    sandbox.faults.reset_rate = 1.0
    with pytest.raises(NetworkError) as caught:
        await single.send_message(parent.id, "cut off")
    assert not isinstance(caught.value, TimedOut)
    assert isinstance(caught.value.__cause__, aiohttp.ClientError)
    assert not _maybe_delivered(caught.value)
    assert sandbox.counters.resets == 1
    assert parent.messages() == []
    sandbox.faults.reset_rate = 0.0
    await single.send_message(parent.id, "reconnected", pool_timeout=0.2)
    assert [m.text for m in parent.messages()] == ["reconnected"]


async def test_server_errors_are_network_errors(
    sandbox: Sandbox, bot: Bot, parent: SandboxUser
) -> None:
    sandbox.faults.error_rate = 1.0
    descriptions = set()
    for _ in range(10):
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(parent.id, "lost")
        assert not isinstance(caught.value, TimedOut)
        descriptions.add(caught.value.message)
    assert sandbox.counters.server_errors == 10
    # Both the JSON 500 and nginx's HTML 502 came back (the sandbox's dice are seeded).
    assert any("Internal Server Error" in d for d in descriptions), descriptions
    assert any("Bad Gateway" in d for d in descriptions), descriptions
    assert parent.messages() == []
    sandbox.faults.error_rate = 0.0
    await bot.send_message(parent.id, "back")
    assert parent.last().text == "back"


async def test_blocked_user_is_forbidden(sandbox: Sandbox, bot: Bot, parent: SandboxUser) -> None:
    parent.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(parent.id, "new activity")
    assert sandbox.counters.forbidden == 1
    assert parent.messages() == []


async def test_flood_control_is_retry_after(
    sandbox: Sandbox, bot: Bot, parent: SandboxUser
) -> None:
    sandbox.faults.rate_limit = True
    sandbox.faults.rate_limit_per_second = 1
    sandbox.faults.retry_after = 3
    await bot.send_message(parent.id, "first")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(parent.id, "too soon")
    assert retry_seconds(caught.value) == 3
    assert [m.text for m in parent.messages()] == ["first"]
    sandbox.faults.rate_limit = False
    await bot.send_message(parent.id, "later")
    assert parent.last().text == "later"


async def test_wrong_token_is_invalid_token(make_bot: BotFactory) -> None:
    stranger = make_bot(token="999:WRONG")
    with pytest.raises(InvalidToken):
        await stranger.initialize()


# -- lifecycle ------------------------------------------------------------------------


async def test_unused_before_initialize_and_after_shutdown(
    sandbox: Sandbox, make_bot: BotFactory, parent: SandboxUser
) -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(f"{sandbox.base_url}{sandbox.token}/getMe", "POST")
    bot = make_bot()
    with pytest.raises(NetworkError) as caught:  # PTB wraps the RuntimeError
        await bot.send_message(parent.id, "too early")
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert sandbox.counters.calls["sendMessage"] == 0

    await bot.initialize()
    await bot.send_message(parent.id, "one")
    await bot.shutdown()
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(parent.id, "after shutdown")
    assert isinstance(caught.value.__cause__, RuntimeError)

    await bot.initialize()  # PTB initialises its requests again: a fresh session
    await bot.send_message(parent.id, "two")
    await bot.initialize()  # a second initialize keeps the working session
    await bot.send_message(parent.id, "three")
    assert [m.text for m in parent.messages()] == ["one", "two", "three"]
    await bot.shutdown()
    await bot.shutdown()  # twice is harmless


async def test_upload_keeps_the_file_name(sandbox: Sandbox) -> None:
    """aiohttp percent-encodes form file names unless told not to; Telegram shows them as sent."""
    parent = sandbox.user(4100)
    async with Bot(sandbox.token, base_url=sandbox.base_url, request=AiohttpRequest()) as bot:
        message = await bot.send_document(
            parent.id, InputFile(b"week,replies\n", filename="Sunflower replies – März.csv")
        )
    assert parent.last().file_name == "Sunflower replies – März.csv"
    assert message.document is not None
    assert message.document.file_name == "Sunflower replies – März.csv"


async def test_proxy_from_the_environment_is_used_unless_no_proxy_says_otherwise(
    sandbox: Sandbox, make_bot: BotFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Operators behind a proxy set HTTP(S)_PROXY, as PTB's own client honours them."""
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))  # a port nothing listens on: the "proxy" refuses
    port = dead.getsockname()[1]
    dead.close()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    through_proxy = make_bot(connect_timeout=0.5)
    with pytest.raises(NetworkError):
        await through_proxy.initialize()  # getMe goes to the dead proxy
    assert sandbox.counters.calls["getMe"] == 0

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    direct = make_bot(connect_timeout=0.5)
    await direct.initialize()
    assert sandbox.counters.calls["getMe"] == 1
