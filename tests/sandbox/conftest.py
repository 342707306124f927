"""Fixtures: a running sandbox per test and real PTB Bots pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.sandbox import Sandbox

BotFactory = Callable[..., Bot]


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    sb = Sandbox()
    await sb.start()
    try:
        yield sb
    finally:
        await sb.stop()


@pytest.fixture
async def make_bot(sandbox: Sandbox) -> AsyncIterator[BotFactory]:
    """Build initialised-on-demand Bots (custom token or timeouts); shut down afterwards."""
    bots: list[Bot] = []

    def factory(
        *, token: str | None = None, read_timeout: float = 5.0, sb: Sandbox | None = None
    ) -> Bot:
        target = sb or sandbox
        new = Bot(
            token or target.token,
            base_url=target.base_url,
            base_file_url=target.base_file_url,
            request=HTTPXRequest(read_timeout=read_timeout, connection_pool_size=8),
        )
        bots.append(new)
        return new

    yield factory
    for made in bots:
        await made.shutdown()


@pytest.fixture
async def bot(make_bot: BotFactory) -> AsyncIterator[Bot]:
    made = make_bot()
    await made.initialize()
    yield made
