"""Webhooks in the sandbox: set, pushed with the secret header, retried, 409 for getUpdates."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Conflict

from bot.sandbox import Sandbox

Received = list[tuple[str | None, dict[str, Any]]]


@asynccontextmanager
async def receiver(
    statuses: Callable[[int], int] = lambda n: 200,
) -> AsyncIterator[tuple[str, Received]]:
    """A webhook endpoint on loopback: records (secret header, update); answers statuses(n)."""
    received: Received = []

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        assert request.content_type == "application/json"
        return web.Response(status=statuses(len(received)))

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/hook", received
    finally:
        await runner.cleanup()


async def test_updates_are_pushed_with_the_secret_and_get_updates_is_409(
    sandbox: Sandbox, bot: Bot
) -> None:
    user = sandbox.user(1001)
    async with receiver() as (url, received):
        assert await bot.set_webhook(url, secret_token="s3cret_-Token")
        user.send_text("/start")
        await sandbox.wait_until(lambda: len(received) == 1)
        secret, update = received[0]
        assert secret == "s3cret_-Token"
        assert update["message"]["text"] == "/start"
        assert update["message"]["from"]["id"] == 1001 and "update_id" in update
        await sandbox.wait_until(lambda: sandbox.pending_updates == 0)
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        info = await bot.get_webhook_info()
        assert info.url == url and info.pending_update_count == 0
        assert info.last_error_message is None
        assert sandbox.webhook is not None and sandbox.webhook.delivered == 1

        assert await bot.delete_webhook()
        user.send_text("after the webhook")
        await asyncio.sleep(0.3)
        assert len(received) == 1, "no webhook: nothing pushed"
    updates = await bot.get_updates()
    assert [u.message.text for u in updates] == ["after the webhook"]
    assert (await bot.get_webhook_info()).url == ""


async def test_a_refused_push_is_retried_and_reported(sandbox: Sandbox, bot: Bot) -> None:
    sandbox.webhook_retry_seconds = 0.05
    user = sandbox.user(1001)
    # The first two pushes get 403 (as from a bot holding another secret), then 200.
    async with receiver(lambda n: 403 if n <= 2 else 200) as (url, received):
        await bot.set_webhook(url, secret_token="one")
        user.send_text("hello")
        await sandbox.wait_until(lambda: len(received) == 3 and sandbox.pending_updates == 0)
    assert [u["message"]["text"] for _, u in received] == ["hello"] * 3, "the same update again"
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 403 Forbidden"
    assert info.last_error_date is not None


async def test_unreachable_webhook_keeps_updates_queued(sandbox: Sandbox, bot: Bot) -> None:
    async with receiver() as (url, _):
        pass  # closed again: its port now refuses connections
    await bot.set_webhook(url)
    sandbox.user(1001).send_text("anyone there?")
    await sandbox.wait_until(
        lambda: sandbox.webhook is not None and sandbox.webhook.last_error_message
    )
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1
    assert info.last_error_message == "Connection refused"


async def test_set_webhook_again_and_allowed_updates(sandbox: Sandbox, bot: Bot) -> None:
    user = sandbox.user(1001)
    async with receiver() as (url, received):
        for _ in range(2):  # idempotent: several processes may set the same webhook
            assert await bot.set_webhook(url, secret_token="same", allowed_updates=["message"])
        user.block()  # a my_chat_member update: not asked for, so dropped
        user.unblock()
        user.send_text("only this")
        await sandbox.wait_until(lambda: len(received) == 1 and sandbox.pending_updates == 0)
        await asyncio.sleep(0.2)
        assert [json.dumps(u)[:12] for _, u in received] == ['{"message": ']
        assert (await bot.get_webhook_info()).allowed_updates == ("message",)


async def test_a_waiting_long_poll_ends_with_409_when_a_webhook_is_set(
    sandbox: Sandbox, make_bot
) -> None:
    poller, setter = make_bot(read_timeout=5), make_bot()
    poll = asyncio.create_task(poller.get_updates(timeout=4))
    await asyncio.sleep(0.2)
    await setter.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(Conflict, match="webhook is active"):
        await asyncio.wait_for(poll, 2.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"url": "ftp://example.org/hook"}, "HTTPS URL must be provided"),
        ({"url": "https://bot.example.invalid/hook"}, "Failed to resolve host"),
        ({"url": "https://example.org/hook", "secret_token": "no spaces"}, "unallowed characters"),
        ({"url": "https://example.org/hook", "max_connections": 101}, "max_connections"),
    ],
)
async def test_set_webhook_refuses_what_telegram_refuses(
    sandbox: Sandbox, bot: Bot, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(BadRequest, match=f"(?i){message}"):
        await bot.set_webhook(**kwargs)
    assert sandbox.webhook is None
