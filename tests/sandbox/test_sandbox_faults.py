"""Fault modes as PTB experiences them: RetryAfter, Forbidden, NetworkError, TimedOut."""

from __future__ import annotations

import asyncio
import datetime as dtm

import aiohttp
import pytest
from telegram import Bot
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bot.sandbox import Faults, Sandbox

# PTB 22 warns that RetryAfter.retry_after will become a timedelta; both are handled here.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def retry_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


@pytest.fixture
def families(sandbox: Sandbox):
    return [sandbox.user(2000 + n) for n in range(40)]


async def test_limits_are_off_by_default(sandbox: Sandbox, bot: Bot, families) -> None:
    for user in families:
        await bot.send_message(user.id, "burst")
    await bot.send_message(families[0].id, "same chat again")
    assert sandbox.counters.messages_sent == 41
    assert sandbox.counters.rate_limited == 0


async def test_overall_rate_limit_answers_429_with_retry_after(
    sandbox: Sandbox, bot: Bot, families
) -> None:
    sandbox.faults.rate_limit = True
    sandbox.faults.rate_limit_per_second = 5
    for user in families[:5]:
        await bot.send_message(user.id, "activity")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(families[5].id, "one too many")
    assert retry_seconds(caught.value) == 1
    assert sandbox.counters.rate_limited == 1
    assert sandbox.counters.messages_sent == 5
    assert families[5].messages() == []
    await bot.send_chat_action(families[5].id, "typing")  # chat actions are not messages
    await asyncio.sleep(1.05)
    await bot.send_message(families[5].id, "after waiting")
    assert families[5].last().text == "after waiting"


async def test_retry_after_is_configurable_and_raw_body_matches_telegram(
    sandbox: Sandbox, families
) -> None:
    sandbox.faults = Faults(rate_limit=True, rate_limit_per_second=1, retry_after=7)
    url = f"{sandbox.base_url}{sandbox.token}/sendMessage"
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data={"chat_id": "2000", "text": "a"}) as res:
            assert res.status == 200
        async with http.post(url, data={"chat_id": "2001", "text": "b"}) as res:
            assert res.status == 429
            assert await res.json() == {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 7",
                "parameters": {"retry_after": 7},
            }


async def test_per_chat_limit_is_one_message_per_second(
    sandbox: Sandbox, bot: Bot, families
) -> None:
    sandbox.faults.per_chat_limit = True
    first, other = families[0], families[1]
    await bot.send_message(first.id, "one")
    with pytest.raises(RetryAfter):
        await bot.send_message(first.id, "two")
    await bot.send_message(other.id, "another chat is fine")
    assert [m.text for m in first.messages()] == ["one"]
    assert sandbox.counters.rate_limited == 1


async def test_blocked_user_is_forbidden(sandbox: Sandbox, bot: Bot, families) -> None:
    parent = families[0]
    parent.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(parent.id, "new activity")
    assert sandbox.counters.forbidden == 1
    assert parent.messages() == []
    parent.unblock()
    await bot.send_message(parent.id, "welcome back")
    assert parent.last().text == "welcome back"


async def test_blocked_chats_fault_refuses_without_an_update(
    sandbox: Sandbox, bot: Bot, families
) -> None:
    sandbox.faults.blocked_chats = {families[1].id}
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(families[1].id, "x")
    await bot.send_message(families[2].id, "others still get it")
    assert sandbox.pending_updates == 0
    assert sandbox.counters.forbidden == 1


async def test_server_errors_are_network_errors_and_send_nothing(
    sandbox: Sandbox, bot: Bot, families
) -> None:
    sandbox.faults.error_rate = 1.0
    for _ in range(6):
        with pytest.raises(NetworkError):
            await bot.send_message(families[0].id, "lost")
    assert sandbox.counters.server_errors == 6
    assert sandbox.sent() == []
    assert (await bot.get_me()).id == sandbox.bot_id, "faults spare non-send methods"


async def test_server_errors_are_500_and_502(sandbox: Sandbox, families) -> None:
    sandbox.faults.error_rate = 1.0
    url = f"{sandbox.base_url}{sandbox.token}/sendMessage"
    statuses = set()
    async with aiohttp.ClientSession() as http:
        for _ in range(20):
            async with http.post(url, data={"chat_id": "2000", "text": "x"}) as res:
                statuses.add(res.status)
    assert statuses == {500, 502}


async def _pattern(seed: int) -> list[bool]:
    sb = Sandbox(seed=seed)
    await sb.start()
    sb.user(1)
    sb.faults.error_rate = 0.5
    outcome = []
    try:
        async with Bot(sb.token, base_url=sb.base_url) as bot:
            for _ in range(16):
                try:
                    await bot.send_message(1, "x")
                    outcome.append(True)
                except NetworkError:
                    outcome.append(False)
    finally:
        await sb.stop()
    return outcome


async def test_random_faults_repeat_for_the_same_seed() -> None:
    first, again, other = await _pattern(3), await _pattern(3), await _pattern(4)
    assert first == again
    assert first != other
    assert 0 < sum(first) < 16


async def test_slow_answers_time_out_but_the_message_still_arrives(
    sandbox: Sandbox, make_bot, families
) -> None:
    impatient = make_bot(read_timeout=0.2)
    sandbox.faults.slow_rate = 1.0
    sandbox.faults.slow_seconds = 0.6
    with pytest.raises(TimedOut):
        await impatient.send_message(families[0].id, "in flight")
    assert sandbox.counters.delayed == 1
    # Like Telegram, the message was delivered even though the client gave up.
    await sandbox.wait_until(lambda: len(families[0].messages()) == 1, timeout=2)


async def test_reset_connections_are_network_errors(sandbox: Sandbox, bot: Bot, families) -> None:
    sandbox.faults.reset_rate = 1.0
    with pytest.raises(NetworkError):
        await bot.send_message(families[0].id, "cut off")
    assert sandbox.counters.resets == 1
    assert sandbox.sent() == []
    url = f"{sandbox.base_url}{sandbox.token}/sendMessage"
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientConnectionError):  # no HTTP answer at all
            await http.post(url, data={"chat_id": str(families[0].id), "text": "x"})
    assert sandbox.counters.resets == 2
    sandbox.faults.reset_rate = 0.0
    await bot.send_message(families[0].id, "reconnected")
    assert [m.text for m in sandbox.sent()] == ["reconnected"]


async def test_reset_after_processing_delivers_but_the_client_sees_an_error(
    sandbox: Sandbox, bot: Bot, families
) -> None:
    sandbox.faults.reset_rate = 1.0
    sandbox.faults.reset_after_processing = True
    with pytest.raises(NetworkError):
        await bot.send_message(families[0].id, "answer lost")
    assert [m.text for m in families[0].messages()] == ["answer lost"]
    assert sandbox.counters.resets == 1


async def test_fault_methods_are_configurable(sandbox: Sandbox, bot: Bot, families) -> None:
    sandbox.faults.methods = ("getMe",)
    sandbox.faults.error_rate = 1.0
    with pytest.raises(NetworkError):
        await bot.get_me()
    await bot.send_message(families[0].id, "sends are spared now")
    assert sandbox.counters.calls["getMe"] == 2  # initialize() + get_me()
    assert sandbox.counters.calls["sendMessage"] == 1
