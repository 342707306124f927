"""Shared fixtures: a fresh store in tmp_path, a sandbox on a free loopback port, the real bot."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Bot

from bot.app import Options, build_application, running
from bot.clock import Clock
from bot.config import Config
from bot.i18n import Translator
from bot.sandbox import Sandbox, SandboxUser, SentMessage
from bot.services import Services
from bot.store import Setting, Store, open_store
from tests.pgserver import NoPostgres, PgServer, start_server

# A Monday morning in late November (GMT).
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: the test is about SQLite's own files (not run on PostgreSQL)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test marked sqlite_only keeps only its SQLite run."""
    items[:] = [
        item
        for item in items
        if not (
            item.get_closest_marker("sqlite_only")
            and "postgresql" in getattr(item, "callspec", None).params.values()  # type: ignore[union-attr]
            if hasattr(item, "callspec")
            else False
        )
    ]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    try:
        server = start_server()
    except NoPostgres as exc:
        if os.environ.get("PLAYTALK_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required here: {exc}")
        pytest.skip(f"no PostgreSQL server: {exc}")
    yield server
    server.stop()


@pytest.fixture
def backend() -> str:
    """Which database the store fixtures use; folders whose tests run on both
    (tests/store, tests/scheduler, tests/reliability) parametrize it in their conftest."""
    return "sqlite"


@pytest.fixture
async def db_location(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Path | str]:
    """A fresh, empty database: a file in tmp_path, or a new database on the test server."""
    if backend == "sqlite":
        yield tmp_path / "bot.db"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    url = await server.fresh_database()
    yield url
    await server.drop(url)


@pytest.fixture
async def store(db_location: Path | str, clock: Clock) -> AsyncIterator[Store]:
    opened = await open_store(db_location, clock)
    yield opened
    await opened.close()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    sb = Sandbox()
    await sb.start()
    yield sb
    await sb.stop()


def make_config(sandbox: Sandbox, db: Path | str) -> Config:
    return Config(
        token=sandbox.token,
        db_path=db,
        timezone="Europe/London",
        api_root=sandbox.root,
        log_level="INFO",
        retention_months=12,
        photo_retention_months=6,
    )


TEST_OPTIONS = Options(
    schedule_jobs=False, retry_base_seconds=0.01, read_timeout=3.0, max_rate=0, per_chat_seconds=0.0
)


@dataclass
class BotEnv:
    """The real bot polling the sandbox, plus handles tests act through."""

    sandbox: Sandbox
    services: Services
    clock: Clock
    setting: Setting
    bot: Bot

    @property
    def store(self) -> Store:
        return self.services.store

    def t(self, code: str) -> Translator:
        return self.services.catalogs.for_locale(code)

    async def say(self, user: SandboxUser, text: str, replies: int = 1) -> list[SentMessage]:
        """Send text and wait for the bot's next ``replies`` messages in that chat."""
        before = len(user.messages())
        user.send_text(text)
        return (await user.wait_for_messages(before + replies))[before:]

    async def press(self, user: SandboxUser, label: str, replies: int = 1) -> list[SentMessage]:
        before = len(user.messages())
        user.press(label)
        if replies == 0:
            await self.sandbox.wait_until(lambda: self.sandbox.pending_updates == 0)
            return []
        return (await user.wait_for_messages(before + replies))[before:]


@asynccontextmanager
async def start_bot(
    sandbox: Sandbox, db: Path | str, clock: Clock, options: Options = TEST_OPTIONS
) -> AsyncIterator[tuple[Bot, Services]]:
    """The real application, polling the sandbox, with the scheduler's jobs left to the test."""
    app = build_application(make_config(sandbox, db), clock, options)
    async with running(app) as services:
        yield app.bot, services


@pytest.fixture
async def env(sandbox: Sandbox, db_location: Path | str, clock: Clock) -> AsyncIterator[BotEnv]:
    async with start_bot(sandbox, db_location, clock) as (bot, services):
        setting = await services.store.add_setting(
            "Sunflower Nursery", "Europe/London", "sunflower-code"
        )
        yield BotEnv(sandbox, services, clock, setting, bot)
