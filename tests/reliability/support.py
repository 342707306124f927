"""Helpers the reliability tests share: the real bot with its Application, quiescence,
log capture, and Telegram faults that hit only some chats."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.app import Options, build_application, running
from bot.clock import Clock
from bot.i18n import LOCALES
from bot.sandbox import Faults, Sandbox, SandboxUser, SentMessage
from bot.sandbox import server as sandbox_server
from bot.services import Services
from bot.store import Setting, Store
from tests.conftest import TEST_OPTIONS, make_config

SORRY = "Sorry, something went wrong on our side. Please try again in a moment."


@dataclass
class Bot:
    """The real application polling the sandbox, and what tests act through."""

    sandbox: Sandbox
    app: Application  # type: ignore[type-arg]
    services: Services
    clock: Clock
    setting: Setting

    @property
    def store(self) -> Store:
        return self.services.store

    def is_apology(self, text: str) -> bool:
        """The error handler's "something went wrong", in any language."""
        catalogs = self.services.catalogs
        return any(catalogs.for_locale(c).gettext(SORRY) in text for c in LOCALES)

    async def settle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until every queued update was fetched and fully handled."""
        await self.sandbox.wait_until(lambda: self.sandbox.pending_updates == 0, timeout)
        await asyncio.wait_for(self.app.update_queue.join(), timeout)

    async def say(self, user: SandboxUser, text: str) -> list[SentMessage]:
        """Send text, wait until the bot is done with it, return what it sent to that chat."""
        before = len(user.messages())
        user.send_text(text)
        await user.wait_for_messages(before + 1)
        await self.settle()
        return user.messages()[before:]


@asynccontextmanager
async def start_app(
    sandbox: Sandbox,
    db: Path | str,
    clock: Clock,
    options: Options = TEST_OPTIONS,
    *,
    setting_name: str = "Sunflower Nursery",
    parent_code: str = "sunflower-code",
) -> AsyncIterator[Bot]:
    app = build_application(make_config(sandbox, db), clock, options)
    async with running(app) as services:
        setting = await services.store.get_setting(1)
        if setting is None:
            setting = await services.store.add_setting(setting_name, "Europe/London", parent_code)
        yield Bot(sandbox, app, services, clock, setting)


class Records(logging.Handler):
    """Every record that reaches the loggers it is attached to."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def at_least(self, level: int, prefix: str = "") -> list[logging.LogRecord]:
        return [r for r in self.records if r.levelno >= level and r.name.startswith(prefix)]

    def texts(self) -> list[str]:
        """Each record as an operator would read it, traceback included."""
        out = []
        for record in self.records:
            text = f"{record.name} {record.levelname} {record.getMessage()}"
            if record.exc_info:
                text += "\n" + logging.Formatter().formatException(record.exc_info)
            out.append(text)
        return out


@contextmanager
def captured_logs(level: int = logging.INFO, logger: str = "") -> Iterator[Records]:
    """Attach a collector to ``logger`` (root by default) at ``level``, like production's
    logging setup (httpx and apscheduler are kept at WARNING there: URLs hold the token)."""
    handler = Records()
    target = logging.getLogger(logger)
    quiet = [logging.getLogger("httpx"), logging.getLogger("apscheduler")]
    saved = (target.level, [q.level for q in quiet])
    target.addHandler(handler)
    target.setLevel(level)
    for q in quiet:
        q.setLevel(logging.WARNING)
    try:
        yield handler
    finally:
        target.removeHandler(handler)
        target.setLevel(saved[0])
        for q, old in zip(quiet, saved[1], strict=True):
            q.setLevel(old)


# -- faults for some chats only -------------------------------------------------------

_CHAT: contextvars.ContextVar[int | None] = contextvars.ContextVar("sandbox_chat", default=None)


@dataclass
class ChatFaults(Faults):
    """The sandbox's faults, applied only to calls addressed to ``chats``.

    Telegram rarely fails for everyone at once; this lets a test show the bot keeps
    serving other people while deliveries to these chats fail.
    """

    chats: set[int] = field(default_factory=set)

    def applies_to(self, method: str) -> bool:
        return super().applies_to(method) and _CHAT.get() in self.chats


def watch_chats(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[str, int]]:
    """Count Bot API calls by (method, chat id) and let ChatFaults see the chat of a call."""
    calls: Counter[tuple[str, int]] = Counter()
    original = sandbox_server.read_params

    async def read_params(request: Any) -> Any:
        params = await original(request)
        try:
            chat = int(params.raw("chat_id"))
        except (TypeError, ValueError):
            chat = None
        _CHAT.set(chat)
        if chat is not None:
            calls[(request.match_info["method"], chat)] += 1
        return params

    monkeypatch.setattr(sandbox_server, "read_params", read_params)
    return calls
