"""What only the embedded database needs: its file's permissions, its own migration
runner (PRAGMA user_version) and the lock errors another process's connection causes."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import aiosqlite

from bot.store.migrations_list import StoreError, migrations

log = logging.getLogger(__name__)


def is_busy(exc: sqlite3.OperationalError) -> bool:
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


def wal_empty(path: str) -> bool:
    wal = Path(f"{path}-wal")
    return not wal.exists() or wal.stat().st_size == 0


def keep_private(path: Path, created: bool) -> None:
    """The -wal and -shm no more readable than the database; warn about an old, open one."""
    mode = path.stat().st_mode & 0o777
    if mode & 0o077 == 0:
        for suffix in ("-wal", "-shm"):
            companion = Path(f"{path}{suffix}")
            if companion.exists():
                companion.chmod(0o600)
    elif not created:
        log.warning("%s can be read by other users (mode %o); chmod 600 it", path, mode)


async def migrate_sqlite(db: aiosqlite.Connection) -> None:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    steps = migrations("sqlite")
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
