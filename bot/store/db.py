"""Connection, migrations and the single write lane every query module shares."""

from __future__ import annotations

import asyncio
import logging
import secrets
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite
import asyncpg

from bot.clock import Clock
from bot.store.migrations_list import Dialect, StoreError, latest_version, migrations
from bot.store.pg import PgConnection, is_postgres_url, migrate_pg, without_password
from bot.store.sqlite_files import (
    create_private,
    is_busy,
    keep_private,
    migrate_sqlite,
    wal_empty,
)

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
# Another process (an operator's sqlite3 shell, a backup, a VACUUM) may hold the write
# lock or an old read snapshot for longer than the busy timeout: writes and the
# post-erase checkpoint keep trying this long before giving up.
LOCKED_PATIENCE_SECONDS = 60.0
_T = TypeVar("_T")
__all__ = ["StoreBase", "StoreError", "latest_version", "migrations"]


class StoreBase:
    """Owns the connection: aiosqlite's, or PgConnection, which answers the same calls.

    aiosqlite runs every statement on one thread, but an ``await`` inside a
    transaction lets another coroutine's statements slip into it; the write lock
    makes each write transaction whole. On PostgreSQL the lock does the same for this
    process; other processes are kept apart by the server (row locks, SKIP LOCKED).
    The query modules see one type, ``aiosqlite.Connection``: PgConnection provides
    the part of it they use (execute, executemany, execute_fetchall, total_changes).
    """

    def __init__(
        self,
        db: aiosqlite.Connection | PgConnection,
        clock: Clock,
        path: str,
        dialect: Dialect = "sqlite",
    ) -> None:
        self._db = cast(aiosqlite.Connection, db)
        self.dialect: Dialect = dialect
        self._lock = asyncio.Lock()
        self.clock = clock
        self.path = path
        self.locked_patience = LOCKED_PATIENCE_SECONDS
        self.busy_timeout_ms = BUSY_TIMEOUT_MS

    @property
    def on_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @property
    def described(self) -> str:
        """Where the data is, as a log line or an error message may show it."""
        return without_password(self.path) if self.on_postgres else self.path

    @classmethod
    async def open(
        cls, path: str | Path, clock: Clock | None = None, busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> Any:
        if is_postgres_url(path):
            return await cls._open_postgres(str(path), clock)
        on_disk = str(path) not in ("", ":memory:") and not str(path).startswith("file:")
        created = on_disk and create_private(Path(path))
        db = await aiosqlite.connect(str(path), isolation_level=None)
        db.row_factory = aiosqlite.Row
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA foreign_keys=ON")
            await db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA secure_delete=ON")
            await migrate_sqlite(db)
            if on_disk:
                keep_private(Path(path), created)
        except BaseException:
            await db.close()
            raise
        store = cls(db, clock or Clock(), str(path))
        store.busy_timeout_ms = int(busy_timeout_ms)
        return store

    @classmethod
    async def _open_postgres(cls, url: str, clock: Clock | None) -> Any:
        try:
            conn = await PgConnection.connect(url)
        except (OSError, asyncpg.PostgresError) as exc:
            raise StoreError(f"cannot connect to {without_password(url)}: {exc}") from None
        try:
            await migrate_pg(conn)
        except BaseException:
            await conn.close()
            raise
        return cls(conn, clock or Clock(), url, "postgresql")

    async def _patiently(self, attempt: Callable[[], Awaitable[_T]]) -> _T:
        """``attempt()``, tried again while another connection holds the database locked.

        SQLite itself waits ``busy_timeout`` before saying "database is locked"; a
        parent's reply must not be lost (with a "sorry") because an operator's tool
        held the lock a little longer, so this backs off and retries for up to
        ``locked_patience`` seconds. Only statements that take the lock are retried:
        failing to take it means nothing was written.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.locked_patience
        delay = 0.05
        while True:
            try:
                return await attempt()
            except sqlite3.OperationalError as exc:
                if not is_busy(exc) or loop.time() + delay > deadline:
                    raise
            if delay == 0.05:  # once per write, not once per try
                log.warning("the database is locked by another connection; retrying a write")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def close(self) -> None:
        await self._db.close()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock, self._transaction() as db:
            yield db

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error; the caller holds the lock."""
        begin = "BEGIN" if self.on_postgres else "BEGIN IMMEDIATE"
        await self._patiently(lambda: self._db.execute(begin))
        try:
            yield self._db
            # A COMMIT that finds the database busy leaves the transaction open: retry it.
            await self._patiently(lambda: self._db.execute("COMMIT"))
        except BaseException:
            if self._db.in_transaction:
                await self._db.execute("ROLLBACK")
            raise

    async def write_one(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write statement on its own; returns the number of rows it changed.

        SQLite runs a lone statement as its own transaction, all or nothing, so this
        needs one trip to the database thread where BEGIN/statement/COMMIT takes three.
        The write lock still keeps it out of another coroutine's open transaction.
        """
        async with self._lock:
            cursor = await self._patiently(lambda: self._db.execute(sql, params))
            return int(cursor.rowcount)

    async def insert_ignoring(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """An INSERT OR IGNORE over many rows in one transaction; how many were new.

        The outbox's unique keys make queueing the same thing twice a no-op, so callers
        learn from this what was really added.
        """
        if not rows:
            return 0
        if self.on_postgres:
            async with self.write() as db:
                return len(await cast(PgConnection, db).insert_counting(sql, rows))
        async with self.write() as db:
            before = db.total_changes
            await db.executemany(sql, rows)
            return db.total_changes - before

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        # One trip to the database thread (execute, fetch and close there together).
        return list(await self._db.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        """The first row; for queries that yield one row or a few (by key, LIMIT 1, COUNT)."""
        rows = await self._db.execute_fetchall(sql, params)
        for row in rows:
            return row
        return None

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

    async def checkpoint(self) -> bool:
        """Move every page from the -wal into the database and empty the -wal, so old
        versions of erased rows are left nowhere (secure_delete zeroes them in the file).

        ``wal_checkpoint(TRUNCATE)`` cannot finish while another connection reads an
        older snapshot; each attempt here gives up at once instead of stalling every
        query of the bot for the busy timeout, and is retried with a backoff for up to
        ``locked_patience`` seconds. Returns whether the -wal is empty.

        PostgreSQL keeps no file of ours to empty; its own WAL and dead row versions
        are the server's to recycle (see erase_family_traces).
        """
        if self.on_postgres:
            return True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.locked_patience
        delay = 0.02
        while True:
            async with self._lock:
                # One call on the database thread: no other query runs with a zero timeout.
                restore = f"PRAGMA busy_timeout={self.busy_timeout_ms};"
                try:
                    await self._db.executescript(
                        f"PRAGMA busy_timeout=0; PRAGMA wal_checkpoint(TRUNCATE); {restore}"
                    )
                except sqlite3.OperationalError as exc:
                    await self._db.execute(restore)
                    if not is_busy(exc):
                        raise
                if wal_empty(self.path):
                    return True
            if loop.time() + delay > deadline:
                log.warning("the -wal could not be emptied: another connection keeps reading")
                return False
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def backup(self, target: str | Path) -> None:
        """SQLite's online backup: a consistent copy even while the bot writes.

        The copy holds everything the database does, so it is made readable by its
        owner only, like the database. On PostgreSQL it is pg_dump's custom format,
        which pg_restore reads."""
        if self.on_postgres:
            from bot.store.pg_tools import pg_dump

            await pg_dump(self.path, Path(target))
            return
        if not create_private(Path(target)):
            raise StoreError(f"{target} already exists; choose a new file name")
        async with self._lock:
            dest = await aiosqlite.connect(str(target))
            try:
                await self._db.backup(dest)
            finally:
                await dest.close()
