"""PostgreSQL behind the same query modules: one asyncpg connection that answers the
small part of aiosqlite's interface bot/store uses, and a translator for the few
places SQLite's dialect differs.

The query modules are written once, in SQL both databases take, with ``?``
placeholders. Where SQLite's spelling has no common form (``INSERT OR IGNORE``,
two-argument ``MAX``/``MIN``, ``lastrowid``) it is rewritten here, once per distinct
statement, so the rest of the store never asks which database it is on.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Generator, Iterable, Sequence
from functools import lru_cache
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

_QUOTED = re.compile(r"('(?:[^']|'')*')")
_INSERT_OR_IGNORE = re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
_SCALAR_MINMAX = re.compile(r"\b(MAX|MIN)\(([^()]*?,[^()]*)\)", re.IGNORECASE)
_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_ROWS_BACK = re.compile(r"^\s*(SELECT|WITH|VALUES)\b", re.IGNORECASE)
# Tables whose key is not an ``id`` column: an INSERT into them has no lastrowid.
_NO_ID = frozenset({"meta", "schema_version", "send_budget", "dispatchers"})


def is_postgres_url(location: object) -> bool:
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def without_password(url: str) -> str:
    """The URL as it may appear in a log line or an error message."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


@lru_cache(maxsize=512)
def translate(sql: str) -> tuple[str, bool]:
    """(PostgreSQL's spelling of ``sql``, whether it returns rows)."""
    ignore = bool(_INSERT_OR_IGNORE.search(sql))
    number = 0

    def placeholder(match: re.Match[str]) -> str:
        nonlocal number
        if match.group(1):  # ?N: SQLite's numbered parameter
            return f"${match.group(1)}"
        number += 1
        return f"${number}"

    pieces: list[str] = []
    for index, piece in enumerate(_QUOTED.split(sql)):
        if index % 2:  # a string literal: left as written
            pieces.append(piece)
            continue
        piece = _INSERT_OR_IGNORE.sub("INSERT INTO", piece)
        piece = _SCALAR_MINMAX.sub(
            lambda m: f"{'GREATEST' if m.group(1).upper() == 'MAX' else 'LEAST'}({m.group(2)})",
            piece,
        )
        pieces.append(re.sub(r"\?(\d*)", placeholder, piece))
    out = "".join(pieces).rstrip().rstrip(";")
    returning = _RETURNING.search(out)
    if ignore:
        conflict = " ON CONFLICT DO NOTHING"
        out = (
            f"{out[: returning.start()]}{conflict.strip()} {out[returning.start() :]}"
            if returning
            else out + conflict
        )
    insert = _INSERT_INTO.match(out)
    if insert and not returning and insert.group(1).lower() not in _NO_ID:
        out += " RETURNING id"
        returning = _RETURNING.search(out)
    return out, bool(returning or _ROWS_BACK.match(out))


class PgCursor:
    """What a finished statement left: its rows, how many it changed, the new id."""

    def __init__(self, rows: list[asyncpg.Record], rowcount: int, lastrowid: int | None) -> None:
        self._rows = rows
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    async def fetchall(self) -> list[asyncpg.Record]:
        return self._rows

    async def fetchone(self) -> asyncpg.Record | None:
        return self._rows[0] if self._rows else None

    async def __aenter__(self) -> PgCursor:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


class _Statement:
    """``await db.execute(...)`` and ``async with db.execute(...)`` both work, as in aiosqlite."""

    def __init__(self, run: Awaitable[PgCursor]) -> None:
        self._run = run
        self._cursor: PgCursor | None = None

    def __await__(self) -> Generator[Any, None, PgCursor]:
        return self._run.__await__()

    async def __aenter__(self) -> PgCursor:
        self._cursor = await self._run
        return self._cursor

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


def _changed(status: str) -> int:
    """'UPDATE 3' / 'INSERT 0 1' / 'DELETE 0' → the number of rows."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PgConnection:
    """One server connection; statements take turns, as they do on aiosqlite's thread.

    asyncpg refuses a second statement while one is in flight on a connection, and the
    store's transactions are written for one connection whose statements run one after
    another, so every call waits for the one before it.
    """

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self._turn = asyncio.Lock()
        self.total_changes = 0

    @classmethod
    async def connect(cls, url: str) -> PgConnection:
        conn = await asyncpg.connect(url)
        return cls(conn)

    @property
    def in_transaction(self) -> bool:
        return bool(self.conn.is_in_transaction())

    async def _run(self, sql: str, params: Sequence[Any]) -> PgCursor:
        text, rows_back = translate(sql)
        async with self._turn:
            if rows_back:
                rows = await self.conn.fetch(text, *params)
                changed = len(rows) if _INSERT_INTO.match(text) or "UPDATE" in text[:7] else 0
                lastrowid = None
                if rows and _INSERT_INTO.match(text) and text.endswith("RETURNING id"):
                    lastrowid = int(rows[-1][0])
            else:
                status = await self.conn.execute(text, *params)
                rows, changed, lastrowid = [], _changed(status), None
        self.total_changes += changed
        return PgCursor(rows, changed, lastrowid)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Statement:
        return _Statement(self._run(sql, params))

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[asyncpg.Record]:
        cursor = await self._run(sql, params)
        return cursor._rows

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Many rows, pipelined in one round trip; the count of changes is not known."""
        text, rows_back = translate(sql)
        if rows_back and _INSERT_INTO.match(text):  # the RETURNING added for lastrowid
            text = text[: _RETURNING.search(text).start()].rstrip()  # type: ignore[union-attr]
        batch = [tuple(r) for r in rows]
        if not batch:
            return
        async with self._turn:
            await self.conn.executemany(text, batch)

    async def insert_counting(self, sql: str, rows: Iterable[Sequence[Any]]) -> list[int]:
        """Each row's new id, in order, leaving out rows a unique key turned away."""
        text, _ = translate(sql)
        ids: list[int] = []
        async with self._turn:
            statement = await self.conn.prepare(text)
            for row in rows:
                found = await statement.fetchrow(*row)
                if found is not None:
                    ids.append(int(found[0]))
        self.total_changes += len(ids)
        return ids

    async def executescript(self, script: str) -> None:
        async with self._turn:
            await self.conn.execute(script)

    async def close(self) -> None:
        await self.conn.close()


# Held while one process migrates: several processes starting at once on a new
# database must not each create the tables.
_MIGRATION_LOCK = 7_261_750


async def migrate_pg(db: PgConnection) -> None:
    from bot.store.migrations_list import StoreError, migrations

    conn = db.conn
    await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
    try:
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
        current = int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version"))
        steps = migrations("postgresql")
        if current > steps[-1][0]:
            raise StoreError(
                f"the database is at schema version {current}, newer than this playtalk "
                f"understands ({steps[-1][0]}); upgrade playtalk or restore a backup"
            )
        for number, sql in steps:
            if number <= current:
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", number)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)


async def schema_version(db: PgConnection) -> int:
    return int(await db.conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version"))
