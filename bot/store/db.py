"""Connection, migrations and the single write lane every query module shares."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.clock import Clock

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 5000
# Another process (an operator's sqlite3 shell, a backup, a VACUUM) may hold the write
# lock or an old read snapshot for longer than the busy timeout: writes and the
# post-erase checkpoint keep trying this long before giving up.
LOCKED_PATIENCE_SECONDS = 60.0
_T = TypeVar("_T")


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


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "database is locked" in str(exc) or "database is busy" in str(exc)


def create_private(path: Path) -> bool:
    """Make ``path`` an empty file only its owner can read (SQLite takes an empty file
    as an empty database, and gives its -wal and -shm the database's mode). Families'
    names and words must not be readable by every account on the machine."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return False
    except OSError as exc:  # no such folder, no permission: one line for the operator
        raise StoreError(f"cannot create {path}: {exc.strerror}") from None
    return True


def _wal_empty(path: str) -> bool:
    wal = Path(f"{path}-wal")
    return not wal.exists() or wal.stat().st_size == 0


def _keep_private(path: Path, created: bool) -> None:
    """The -wal and -shm no more readable than the database; warn about an old, open one."""
    mode = path.stat().st_mode & 0o777
    if mode & 0o077 == 0:
        for suffix in ("-wal", "-shm"):
            companion = Path(f"{path}{suffix}")
            if companion.exists():
                companion.chmod(0o600)
    elif not created:
        log.warning("%s can be read by other users (mode %o); chmod 600 it", path, mode)


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
        self.locked_patience = LOCKED_PATIENCE_SECONDS
        self.busy_timeout_ms = BUSY_TIMEOUT_MS

    @classmethod
    async def open(
        cls, path: str | Path, clock: Clock | None = None, busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> Any:
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
            await _migrate(db)
            if on_disk:
                _keep_private(Path(path), created)
        except BaseException:
            await db.close()
            raise
        store = cls(db, clock or Clock(), str(path))
        store.busy_timeout_ms = int(busy_timeout_ms)
        return store

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
                if not _is_busy(exc) or loop.time() + delay > deadline:
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
        await self._patiently(lambda: self._db.execute("BEGIN IMMEDIATE"))
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
        """
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
                    if not _is_busy(exc):
                        raise
                if _wal_empty(self.path):
                    return True
            if loop.time() + delay > deadline:
                log.warning("the -wal could not be emptied: another connection keeps reading")
                return False
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def backup(self, target: str | Path) -> None:
        """SQLite's online backup: a consistent copy even while the bot writes.

        The copy holds everything the database does, so it is made readable by its
        owner only, like the database."""
        if not create_private(Path(target)):
            raise StoreError(f"{target} already exists; choose a new file name")
        async with self._lock:
            dest = await aiosqlite.connect(str(target))
            try:
                await self._db.backup(dest)
            finally:
                await dest.close()


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
