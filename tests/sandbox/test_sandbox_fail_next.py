"""Deterministic faults: ``fail_next`` and per-chat flood control on every send method."""

from __future__ import annotations

import datetime as dtm
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from telegram import Bot, InputMediaPhoto
from telegram.error import NetworkError, RetryAfter

from bot.sandbox import Faults, Sandbox
from bot.sandbox.files import tiny_png

# PTB 22 warns that RetryAfter.retry_after will become a timedelta; both are handled here.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

Send = Callable[[Bot, int], Awaitable[Any]]

SENDS: dict[str, Send] = {
    "sendMessage": lambda bot, chat: bot.send_message(chat, "hello"),
    "sendPhoto": lambda bot, chat: bot.send_photo(chat, tiny_png("p"), caption="photo"),
    "sendDocument": lambda bot, chat: bot.send_document(chat, b"a,b\n", filename="d.csv"),
    "sendVoice": lambda bot, chat: bot.send_voice(chat, b"OggS voice", duration=2),
    "sendMediaGroup": lambda bot, chat: bot.send_media_group(
        chat, [InputMediaPhoto(tiny_png(f"album-{n}")) for n in range(3)]
    ),
}


@pytest.fixture
def families(sandbox: Sandbox):
    return [sandbox.user(3000 + n) for n in range(3)]


async def test_fail_next_fails_exactly_the_next_calls(sandbox: Sandbox, bot: Bot, families) -> None:
    sandbox.faults.fail_next = 2
    assert (await bot.get_me()).id == sandbox.bot_id, "getMe is not faultable"
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(families[0].id, "attempt")
    await bot.send_message(families[0].id, "third attempt")
    await bot.send_message(families[0].id, "and the next")
    assert sandbox.faults.fail_next == 0
    assert sandbox.counters.server_errors == 2
    assert [m.text for m in families[0].messages()] == ["third attempt", "and the next"]


async def test_fail_next_answers_telegram_500_json_or_nginx_pages(
    sandbox: Sandbox, families
) -> None:
    url = f"{sandbox.base_url}{sandbox.token}/sendMessage"
    data = {"chat_id": str(families[0].id), "text": "x"}
    async with aiohttp.ClientSession() as http:
        sandbox.faults = Faults(fail_next=1)
        async with http.post(url, data=data) as res:
            assert res.status == 500
            assert await res.json() == {
                "ok": False,
                "error_code": 500,
                "description": "Internal Server Error",
            }
        for status, title in [(502, "502 Bad Gateway"), (504, "504 Gateway Timeout")]:
            sandbox.faults = Faults(fail_next=1, fail_next_status=status)
            async with http.post(url, data=data) as res:
                assert res.status == status
                assert res.content_type == "text/html"
                assert f"<title>{title}</title>" in await res.text()
        async with http.post(url, data=data) as res:
            assert res.status == 200
    assert sandbox.counters.server_errors == 3
    assert len(families[0].messages()) == 1


async def test_fail_next_methods_pick_the_calls_that_count(
    sandbox: Sandbox, bot: Bot, families
) -> None:
    sandbox.faults = Faults(fail_next=1, fail_next_methods=("sendDocument",))
    parent = families[0]
    await bot.send_chat_action(parent.id, "upload_document")
    await bot.send_message(parent.id, "Your data is on its way")
    with pytest.raises(NetworkError):
        await bot.send_document(parent.id, b"{}", filename="my-data.json")
    await bot.send_document(parent.id, b"{}", filename="my-data.json")
    assert parent.received() == [("text", None), ("document", "my-data.json")]


async def test_fail_next_respects_the_faulted_methods(sandbox: Sandbox, bot: Bot, families) -> None:
    sandbox.faults = Faults(methods=("edit",), fail_next=1)
    sent = await bot.send_message(families[0].id, "Week 1")
    with pytest.raises(NetworkError):
        await bot.edit_message_text("Week 1 (done)", chat_id=families[0].id, message_id=sent.id)
    assert sandbox.faults.fail_next == 0


def test_fail_next_status_must_be_a_server_error() -> None:
    with pytest.raises(ValueError, match="5xx"):
        Faults(fail_next=1, fail_next_status=429)


def retry_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


@pytest.mark.parametrize("method", list(SENDS))
async def test_per_chat_limit_covers_every_send_method(
    sandbox: Sandbox, bot: Bot, families, method: str
) -> None:
    sandbox.faults.per_chat_limit = True
    lead, other = families[0], families[1]
    send = SENDS[method]
    await send(bot, lead.id)
    with pytest.raises(RetryAfter) as caught:
        await send(bot, lead.id)
    assert retry_seconds(caught.value) >= 1
    await send(bot, other.id)  # another chat has its own second
    assert len(lead.messages()) == 1 and len(other.messages()) == 1
    assert sandbox.counters.rate_limited == 1


async def test_an_album_counts_as_one_call_against_the_chat(
    sandbox: Sandbox, bot: Bot, families
) -> None:
    sandbox.faults.per_chat_limit = True
    lead = families[0]
    messages = await SENDS["sendMediaGroup"](bot, lead.id)
    assert len(messages) == 3, "three items, one call: not refused by its own items"
    for method in ("sendMessage", "sendDocument"):
        with pytest.raises(RetryAfter):
            await SENDS[method](bot, lead.id)
    assert lead.received() == [("photo", None)] * 3
    assert sandbox.counters.rate_limited == 2
