"""A local stand-in for the Telegram Bot API, served over real HTTP.

python-telegram-bot pointed at ``base_url=f"{root}/bot"`` and
``base_file_url=f"{root}/file/bot"`` cannot tell it from Telegram for the methods the
bot uses, so tests, the demo and the benchmarks exercise the real client code,
including Telegram's validation errors and its failure modes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.sandbox.faults import Counters, Faults
from bot.sandbox.sandbox import DEFAULT_TOKEN, Sandbox
from bot.sandbox.sent import SentMessage
from bot.sandbox.users import SandboxUser

__all__ = [
    "DEFAULT_TOKEN",
    "Counters",
    "Faults",
    "Sandbox",
    "SandboxUser",
    "SentMessage",
    "serve_forever",
]

_LOG = logging.getLogger(__name__)


async def serve_forever(
    host: str = "127.0.0.1",
    port: int = 8081,
    token: str = DEFAULT_TOKEN,
    bot_username: str = "playtalk_sandbox_bot",
    *,
    on_started: Callable[[Sandbox], Awaitable[None]] | None = None,
) -> None:
    """Serve the sandbox and its web UI until cancelled (``playtalk sandbox``).

    ``on_started`` runs once the server listens, e.g. to start the bot against it in
    the same event loop.
    """
    sandbox = Sandbox(token, bot_username=bot_username)
    await sandbox.start(host, port)
    _LOG.info("Telegram sandbox at %s (web UI at %s/)", sandbox.root, sandbox.root)
    try:
        if on_started is not None:
            await on_started(sandbox)
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()
