"""The HTTP contract: tokens, methods, body encodings, getUpdates, commands, groups."""

from __future__ import annotations

import asyncio
import threading
import time

import aiohttp
import pytest
from telegram import Bot, BotCommand, BotCommandScopeChat, ChatMemberBanned, ChatMemberMember
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, InvalidToken

from bot.sandbox import Sandbox


async def test_get_me_derives_the_bot_from_the_token(make_bot) -> None:
    sb = Sandbox("987654:ABCDEF", bot_username="nursery_test_bot")
    await sb.start()
    try:
        me = await make_bot(sb=sb).get_me()
    finally:
        await sb.stop()
    assert me.id == 987654
    assert me.is_bot
    assert me.username == "nursery_test_bot"


async def test_wrong_token_is_refused_with_401(sandbox: Sandbox, make_bot) -> None:
    stranger = make_bot(token="123456:SOMEONE-ELSES-TOKEN")
    with pytest.raises(InvalidToken, match="Unauthorized"):
        await stranger.get_me()
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{sandbox.root}/bot999:nope/getMe") as res,
    ):
        assert res.status == 401
        assert await res.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_unknown_method_is_404_not_found(sandbox: Sandbox, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{sandbox.base_url}{sandbox.token}/sendTelepathy") as res,
    ):
        assert res.status == 404
        assert await res.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert sandbox.counters.calls["sendTelepathy"] == 2


async def test_json_bodies_and_lowercase_method_names_work(sandbox: Sandbox) -> None:
    sandbox.user(1001)
    body = {
        "chat_id": 1001,
        "text": "<i>hello</i>",
        "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]},
    }
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{sandbox.base_url}{sandbox.token}/sendmessage", json=body) as res,
    ):
        answer = await res.json()
    assert res.status == 200
    assert answer["ok"] is True
    assert answer["result"]["text"] == "hello"
    assert answer["result"]["entities"] == [{"offset": 0, "length": 5, "type": "italic"}]
    assert answer["result"]["reply_markup"] == body["reply_markup"]
    assert sandbox.sent(1001)[0].buttons == ["Go"]


async def test_get_updates_offset_confirms_and_limit_caps(sandbox: Sandbox, bot: Bot) -> None:
    user = sandbox.user(1001)
    for text in ("one", "two", "three"):
        user.send_text(text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first] == ["one", "two"]
    again = await bot.get_updates()
    assert [u.message.text for u in again] == ["one", "two", "three"], (
        "no offset: nothing confirmed"
    )
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest] == ["three"]
    assert sandbox.pending_updates == 1
    assert await bot.get_updates(offset=rest[-1].update_id + 1) == ()
    assert sandbox.pending_updates == 0


async def test_negative_offset_keeps_only_the_newest(sandbox: Sandbox, bot: Bot) -> None:
    user = sandbox.user(1001)
    for text in ("old", "older", "newest"):
        user.send_text(text)
    updates = await bot.get_updates(offset=-1)
    assert [u.message.text for u in updates] == ["newest"]
    assert sandbox.pending_updates == 1


async def test_long_poll_returns_at_once_when_updates_wait(sandbox: Sandbox, bot: Bot) -> None:
    sandbox.user(1001).send_text("already here")
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    assert time.monotonic() - started < 1.0
    assert updates[0].message.text == "already here"


async def test_long_poll_wakes_up_for_a_new_update(sandbox: Sandbox, bot: Bot) -> None:
    user = sandbox.user(1001)
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.3)
    assert not poll.done(), "with nothing queued the poll must wait"
    user.send_text("hello?")
    updates = await asyncio.wait_for(poll, 1.0)
    assert [u.message.text for u in updates] == ["hello?"]


async def test_long_poll_ends_empty_after_timeout(sandbox: Sandbox, bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 2.0


async def test_set_my_commands_is_stored_per_language_and_scope(sandbox: Sandbox, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await bot.set_my_commands([BotCommand("start", "Zacznij")], language_code="pl")
    await bot.set_my_commands(
        [BotCommand("digest", "Weekly digest")], scope=BotCommandScopeChat(1001)
    )
    assert [c["command"] for c in sandbox.commands()] == ["start", "help"]
    assert sandbox.commands("pl") == [{"command": "start", "description": "Zacznij"}]
    assert sandbox.commands("ro") == []
    assert sandbox.commands(scope={"type": "chat", "chat_id": 1001})[0]["command"] == "digest"
    from_api = await bot.get_my_commands(language_code="pl")
    assert [(c.command, c.description) for c in from_api] == [("start", "Zacznij")]
    with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start!", "bad")])
    await bot.delete_my_commands(language_code="pl")
    assert sandbox.commands("pl") == []


async def test_add_to_group_sends_telegrams_updates_and_leave_chat(
    sandbox: Sandbox, bot: Bot
) -> None:
    parent = sandbox.user(1001)
    sandbox.add_to_group(-500, parent, title="Sunflower room")
    updates = await bot.get_updates()
    member = next(u.my_chat_member for u in updates if u.my_chat_member)
    assert isinstance(member.new_chat_member, ChatMemberMember)
    assert member.chat.title == "Sunflower room"
    assert member.from_user.id == parent.id
    joined = next(u.message for u in updates if u.message)
    assert [m.id for m in joined.new_chat_members] == [sandbox.bot_id]
    await bot.send_message(-500, "Hello families")
    assert await bot.leave_chat(-500) is True
    with pytest.raises(Forbidden, match="not a member of the group chat"):
        await bot.send_message(-500, "still there?")
    with pytest.raises(BadRequest, match="(?i)private chats"):
        await bot.leave_chat(1001)


async def test_block_and_unblock_reach_the_bot_as_my_chat_member(
    sandbox: Sandbox, bot: Bot
) -> None:
    user = sandbox.user(1001)
    user.block()
    user.unblock()
    updates = await bot.get_updates()
    statuses = [type(u.my_chat_member.new_chat_member) for u in updates]
    assert statuses == [ChatMemberBanned, ChatMemberMember]


async def test_unknown_chat_is_chat_not_found(sandbox: Sandbox, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "anyone?")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_chat_action(424242, "typing")
    assert sandbox.counters.bad_requests == 2
    assert sandbox.sent() == []


async def test_wait_until_times_out_with_an_explanation(sandbox: Sandbox) -> None:
    sandbox.user(1001).send_text("/start")
    with pytest.raises(TimeoutError, match="1 update\\(s\\) not yet fetched"):
        await sandbox.wait_until(lambda: bool(sandbox.sent()), timeout=0.1)


async def test_a_thread_driving_users_wakes_the_long_poll(sandbox: Sandbox, bot: Bot) -> None:
    user = sandbox.user(1001)
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    driver = threading.Thread(target=user.send_text, args=("from the demo thread",))
    driver.start()
    updates = await asyncio.wait_for(poll, 1.0)
    driver.join()
    assert [u.message.text for u in updates] == ["from the demo thread"]


async def test_a_newer_poll_ends_the_older_one_with_409(sandbox: Sandbox, make_bot) -> None:
    first, second = make_bot(read_timeout=5), make_bot(read_timeout=5)
    older = asyncio.create_task(first.get_updates(timeout=3))
    await asyncio.sleep(0.2)
    newer = asyncio.create_task(second.get_updates(timeout=3))
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(older, 1.0)
    sandbox.user(1001).send_text("hi")
    assert [u.message.text for u in await asyncio.wait_for(newer, 1.0)] == ["hi"]
