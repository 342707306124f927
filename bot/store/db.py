"""Connection, migrations and the single write lane every query module shares."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.clock import Clock

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class StoreError(Exception):
    """A problem an operator has to act on (the message says what)."""


def migrations() -> list[tuple[int, str]]:
    """The numbered SQL files shipped with the package, in order."""
    found: list[tuple[int, str]] = []
    for entry in resources.files("bot.store").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    found.sort()
    for expected, (number, _) in enumerate(found, start=1):
        if number != expected:
            raise StoreError(f"migration {expected:03d} is missing")
    return found


def latest_version() -> int:
    return len(migrations())


class StoreBase:
    """Owns the aiosqlite connection.

    aiosqlite runs every statement on one thread, but an ``await`` inside a
    transaction lets another coroutine's statements slip into it; the write lock
    makes each write transaction whole.
    """

    def __init__(self, db: aiosqlite.Connection, clock: Clock, path: str) -> None:
        self._db = db
        self._lock = asyncio.Lock()
        self.clock = clock
        self.path = path

    @classmethod
    async def open(cls, path: str | Path, clock: Clock | None = None) -> Any:
        db = await aiosqlite.connect(str(path), isolation_level=None)
        db.row_factory = aiosqlite.Row
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA foreign_keys=ON")
            await db.execute("PRAGMA busy_timeout=5000")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA secure_delete=ON")
            await _migrate(db)
        except BaseException:
            await db.close()
            raise
        return cls(db, clock or Clock(), str(path))

    async def close(self) -> None:
        await self._db.close()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self._db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self._db.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def secret(self) -> bytes:
        """A per-database key for signing button data; made once, never leaves the file."""
        row = await self.fetchone("SELECT value FROM meta WHERE key = 'button_key'")
        if row is not None:
            return bytes.fromhex(row[0])
        key = secrets.token_bytes(32)
        async with self.write() as db:
            await db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('button_key', ?)", (key.hex(),)
            )
        row = await self.fetchone("SELECT value FROM meta WHERE key = 'button_key'")
        assert row is not None
        return bytes.fromhex(row[0])

    async def backup(self, target: str | Path) -> None:
        """SQLite's online backup: a consistent copy even while the bot writes."""
        async with self._lock:
            dest = await aiosqlite.connect(str(target))
            try:
                await self._db.backup(dest)
            finally:
                await dest.close()

    async def table_counts(self, tables: Iterable[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for table in tables:
            row = await self.fetchone(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - names are ours
            counts[table] = int(row[0]) if row else 0
        return counts


async def _migrate(db: aiosqlite.Connection) -> None:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    steps = migrations()
    if current > len(steps):
        raise StoreError(
            f"the database is at schema version {current}, newer than this playtalk "
            f"understands ({len(steps)}); upgrade playtalk or restore a backup"
        )
    for number, sql in steps[current:]:
        log.info("applying migration %03d", number)
        await db.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
