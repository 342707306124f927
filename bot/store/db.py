"""Connection, migrations and the single write lane every query module shares."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar

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
        async with self._lock, self._transaction() as db:
            yield db

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error; the caller holds the lock."""
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            await self._db.execute("ROLLBACK")
            raise
        await self._db.execute("COMMIT")

    async def write_one(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write statement on its own; returns the number of rows it changed.

        SQLite runs a lone statement as its own transaction, all or nothing, so this
        needs one trip to the database thread where BEGIN/statement/COMMIT takes three.
        The write lock still keeps it out of another coroutine's open transaction.
        """
        async with self._lock:
            cursor = await self._db.execute(sql, params)
            return int(cursor.rowcount)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        # One trip to the database thread (execute, fetch and close there together).
        return list(await self._db.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        """The first row; for queries that yield one row or a few (by key, LIMIT 1, COUNT)."""
        rows = await self._db.execute_fetchall(sql, params)
        for row in rows:
            return row
        return None

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


Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    """Writes of one kind that arrive while the store is busy share one transaction.

    Each caller still returns only once its own row is committed, with its own result
    or its own error, as with one transaction per call: only the number of commits
    (and of trips to the database thread) drops under load. ``apply`` writes a batch
    inside an open transaction and returns one result per item, in order. A batch
    that fails is tried again item by item, so a bad row fails only its own caller.
    """

    def __init__(
        self,
        store: StoreBase,
        apply: Callable[[aiosqlite.Connection, list[Item]], Awaitable[list[Result]]],
    ) -> None:
        self._store = store
        self._apply = apply
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._flushes: set[asyncio.Task[None]] = set()

    async def submit(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if len(self._waiting) == 1:
            # The first to wait starts the next transaction; whoever comes before it
            # holds the write lock rides along.
            flush = asyncio.create_task(self._flush())
            self._flushes.add(flush)
            flush.add_done_callback(self._flushes.discard)
        return await future

    async def _flush(self) -> None:
        async with self._store._lock:
            batch, self._waiting = self._waiting, []
            batch = [(item, future) for item, future in batch if not future.done()]
            if not batch:
                return
            try:
                async with self._store._transaction() as db:
                    results = await self._apply(db, [item for item, _ in batch])
            except Exception as exc:
                if len(batch) == 1:
                    _settle(batch[0][1], error=exc)
                    return
                for item, future in batch:
                    await self._one(item, future)
                return
            except BaseException:
                for _, future in batch:
                    future.cancel()
                raise
            for (_, future), result in zip(batch, results, strict=True):
                _settle(future, result)

    async def _one(self, item: Item, future: asyncio.Future[Result]) -> None:
        try:
            async with self._store._transaction() as db:
                [result] = await self._apply(db, [item])
        except Exception as exc:
            _settle(future, error=exc)
        except BaseException:
            future.cancel()
            raise
        else:
            _settle(future, result)


def _settle(
    future: asyncio.Future[Result], result: Result | None = None, error: Exception | None = None
) -> None:
    if future.done():  # the caller was cancelled meanwhile
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]


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
    if current == len(steps):
        return
    # A migration may rebuild a table (SQLite cannot change a CHECK in place); with
    # foreign keys on, dropping the old table would cascade into the rows that point
    # at it. They are switched off around the migrations and checked afterwards.
    await db.execute("PRAGMA foreign_keys=OFF")
    try:
        for number, sql in steps[current:]:
            log.info("applying migration %03d", number)
            await db.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;"
            )
        broken = await db.execute_fetchall("PRAGMA foreign_key_check")
        if list(broken):
            raise StoreError("a migration left rows pointing at nothing; restore the backup")
    finally:
        await db.execute("PRAGMA foreign_keys=ON")
