"""The bot's side of a benchmark, in a process of its own.

In production the Bot API is Telegram's servers, which never take the bot's CPU. The
benchmarks' stand-in for them (``bot/sandbox``) parses every message's HTML and keeps
every chat in memory, so it runs in the benchmark's main process and the bot in this
one: on a 2-core machine each gets a core, as the bot would have its own machine's
cores to itself. The bot here is the production one: ``build_application`` with its
request class, handlers and store, the benchmark choosing only ``Options``.

The parent talks to the child over a ``multiprocessing`` pipe: the child sends dicts
of figures; ``"stop"`` from the parent ends a bot that serves updates.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import benchlib
from benchlib import cpu_seconds, log
from telegram import Bot, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import eventloop
from bot.app import Options, build_application, running
from bot.clock import Clock
from bot.config import Config
from bot.request import AiohttpRequest
from scheduler.dispatch import dispatch_due
from tests.storeview import delivery_states


@dataclass(frozen=True)
class BotSpec:
    token: str
    api_root: str
    db: str
    start: str  # the simulated clock's start, ISO 8601
    max_rate: float = 0.0
    # The naive baseline's sends: chats first_chat .. first_chat + count - 1.
    first_chat: int = 0
    count: int = 0
    pause: float = 0.0
    text: str = ""


def _config(spec: BotSpec) -> Config:
    return Config(
        token=spec.token,
        db_path=Path(spec.db),
        timezone="Europe/London",
        api_root=spec.api_root,
        log_level="WARNING",
        retention_months=12,
        photo_retention_months=6,
    )


async def _answer_until_stop(conn: Connection) -> None:
    """Tell the parent this process's CPU time when asked, until it says stop."""
    while True:
        message = await asyncio.to_thread(conn.recv)
        if message == "cpu":
            conn.send({"cpu_s": cpu_seconds()})
        elif message == "stop":
            return


async def _fanout(spec: BotSpec, conn: Connection) -> None:
    """Dispatch until every delivery is terminal; send the figures."""
    options = Options(schedule_jobs=False, read_timeout=10.0, max_rate=spec.max_rate)
    app = build_application(_config(spec), Clock(datetime.fromisoformat(spec.start)), options)
    async with running(app) as services:
        rounds = postponed = retried = 0
        cpu_before = cpu_seconds()
        started = time.monotonic()
        last_log = started
        while True:
            rounds += 1
            report = await dispatch_due(app.bot, services)
            postponed += report.postponed
            retried += report.retried
            states = await delivery_states(services.store)
            if not any(states.get(s) for s in ("pending", "sending")):
                break
            now = time.monotonic()
            if now - last_log > 10:
                last_log = now
                log(f"  {states.get('sent', 0)} sent after {now - started:.0f}s")
            await asyncio.sleep(0.02)
        wall = time.monotonic() - started
        cpu = cpu_seconds() - cpu_before
        conn.send(
            {
                "wall_s": wall,
                "bot_cpu_s": cpu,
                "dispatch_rounds": rounds,
                "postponed": postponed,
                "retried": retried,
                "states": await delivery_states(services.store),
            }
        )


async def _serve(spec: BotSpec, conn: Connection) -> None:
    """Send what is due (each family's activity), then take updates until told to stop."""
    options = Options(schedule_jobs=False, max_rate=spec.max_rate)
    app = build_application(_config(spec), Clock(datetime.fromisoformat(spec.start)), options)
    async with running(app) as services:
        report = await dispatch_due(app.bot, services)
        conn.send({"sent": report.sent, "cpu_s": cpu_seconds()})
        await _answer_until_stop(conn)
    conn.send({"stopped": True, "cpu_s": cpu_seconds()})


async def _floor(spec: BotSpec, conn: Connection) -> None:
    """The BASELINE for ingest: python-telegram-bot with the same request class and event
    loop, whose only handlers answer each reply with a fixed thank-you (a tap: answer
    the button, then the message). No store, no signature check, no language: what PTB
    itself costs per update on this machine, the ceiling any bot built on it has here."""
    config = _config(spec)
    app = (
        ApplicationBuilder()
        .token(spec.token)
        .base_url(config.base_url)
        .base_file_url(config.base_file_url)
        .request(AiohttpRequest(connection_pool_size=256))
        .get_updates_request(AiohttpRequest())
        .concurrent_updates(Options().concurrent_updates)
        .build()
    )

    async def thank(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await update.callback_query.answer()
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, "Thank you!")

    app.add_handler(CallbackQueryHandler(thank))
    app.add_handler(MessageHandler(filters.ALL, thank))
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=timedelta(seconds=1))
    await app.start()
    conn.send({"ready": True, "cpu_s": cpu_seconds()})
    await _answer_until_stop(conn)
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    conn.send({"stopped": True, "cpu_s": cpu_seconds()})


async def _naive(spec: BotSpec, conn: Connection) -> None:
    """The BASELINE for fan-out: one send after the other, then a fixed pause; a plain
    ``telegram.Bot`` as PTB comes (its httpx client), no outbox, no retry."""
    errors = 0
    config = _config(spec)
    async with Bot(spec.token, base_url=config.base_url, base_file_url=config.base_file_url) as bot:
        started = time.monotonic()
        for i in range(spec.count):
            try:
                await bot.send_message(spec.first_chat + i, spec.text, parse_mode=ParseMode.HTML)
            except TelegramError:
                errors += 1
            if spec.pause:
                await asyncio.sleep(spec.pause)
            if (i + 1) % 1000 == 0:
                log(f"  baseline: {i + 1} attempted")
        wall = time.monotonic() - started
    conn.send({"wall_s": wall, "errors": errors})


_KINDS = {"fanout": _fanout, "serve": _serve, "floor": _floor, "naive": _naive}


def _child(kind: str, spec: dict[str, Any], conn: Connection) -> None:
    benchlib.quiet_logging()
    run = _KINDS[kind]
    eventloop.run(run(BotSpec(**spec), conn))
    conn.close()


class BotProcess:
    """The bot running in a child process; ``receive`` waits without blocking the loop."""

    def __init__(self, kind: str, spec: BotSpec) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child_conn = ctx.Pipe()
        self._process = ctx.Process(
            target=_child, args=(kind, asdict(spec), child_conn), name=f"bot-{kind}", daemon=True
        )
        self._process.start()
        child_conn.close()

    async def receive(self, timeout: float) -> dict[str, Any]:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while not self._conn.poll():
            if not self._process.is_alive():
                raise RuntimeError(f"the bot process ended (exit code {self._process.exitcode})")
            if time.monotonic() > deadline:
                raise TimeoutError("no word from the bot process")
            await asyncio.sleep(0.01)
        message: dict[str, Any] = self._conn.recv()
        return message

    def send(self, message: str) -> None:
        self._conn.send(message)

    def join(self, timeout: float = 30.0) -> None:
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
