"""Privacy on PostgreSQL: /delete and retention leave nothing of the family in any
table, nor in a dump of the database taken afterwards.

What PostgreSQL keeps on its own disk after a row is deleted (dead row versions until
VACUUM reuses their space, the server's WAL until it is recycled) is the server's to
manage, and not something a client can erase; see the README's Deploying section.
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.clock import Clock
from bot.config import load_config
from bot.sandbox import Sandbox
from bot.store.pg_tools import pg_program
from scheduler.retention import purge
from tests.pgserver import PgServer
from tests.reliability.support import start_app
from tests.reliability.test_privacy import (
    _a_family_with_everything,
    _env,
    _in_rows,
    _lead,
    _needles,
    _rows,
)
from tests.storeview import events_of_family


@pytest.fixture
async def pg_db(pg_server: PgServer) -> AsyncIterator[str]:
    url = await pg_server.fresh_database()
    yield url
    await pg_server.drop(url)


def _in_dump(url: str, needles: dict[str, bytes]) -> set[str]:
    dump = subprocess.run(
        [pg_program("pg_dump"), "--format=plain", f"--dbname={url}"],
        capture_output=True,
        check=True,
    ).stdout
    return {name for name, n in needles.items() if n in dump and "SQLite" not in name}


async def test_delete_leaves_nothing_of_the_family_in_postgres(
    sandbox: Sandbox, pg_db: str, clock: Clock
) -> None:
    async with start_app(sandbox, pg_db, clock) as bot:
        await _lead(bot)
        user, files = await _a_family_with_everything(bot)
        needles = _needles(files)
        before = _in_rows(await _rows(bot), needles)
        assert {"chat id in families", "child name in children", "words in events"} <= before
        assert {"child name", "words", "worry"} <= _in_dump(pg_db, needles)

        await _env(bot).say(user, "/delete")
        [goodbye] = await _env(bot).press(user, "Yes, delete everything")
        assert "has been deleted" in goodbye.plain
        assert _in_rows(await _rows(bot), needles) == set()
        assert _in_dump(pg_db, needles) == set()


async def test_retention_purges_replies_in_postgres(
    sandbox: Sandbox, pg_db: str, clock: Clock
) -> None:
    config = load_config({})
    async with start_app(sandbox, pg_db, clock) as bot:
        await _lead(bot)
        user, files = await _a_family_with_everything(bot)
        replied = bot.clock.now()
        family = await bot.store.family_by_chat(user.id)
        assert family is not None
        needles = _needles(files)
        media = {k: v for k, v in needles.items() if k.endswith("file id")}
        words = {k: v for k, v in needles.items() if k in ("words", "long reply", "worry")}
        assert _in_dump(pg_db, media) == set(media)

        bot.clock.set(replied + timedelta(days=184))
        await purge(bot.store, bot.clock.now(), 12, config.photo_retention_months)
        half_year = await events_of_family(bot.store, family.id)
        assert half_year and all(e.file_id is None for e in half_year)
        assert _in_dump(pg_db, media) == set()
        assert _in_dump(pg_db, words) == set(words)

        bot.clock.set(replied + timedelta(days=366))
        await purge(bot.store, bot.clock.now(), 12, config.photo_retention_months)
        assert await events_of_family(bot.store, family.id) == []
        assert _in_dump(pg_db, words) == set()
        assert await bot.store.get_family(family.id) is not None
