"""Operations: a backup taken while the bot writes is whole; databases from every earlier
schema version migrate; a database from a newer playtalk is refused clearly."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import pytest

from bot.clock import Clock
from bot.sandbox import Sandbox
from bot.store import TABLES, StoreError, latest_version, open_store
from tests.factories import active_family
from tests.reliability.crash_harness import playtalk_command
from tests.reliability.support import start_app
from tests.storeview import count_events, schema_version, table_counts

MIGRATIONS = sorted((Path(__file__).parents[2] / "bot" / "store" / "migrations").glob("*.sql"))


async def _playtalk(*args: str, db: Path, cwd: Path, **extra: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLAYTALK_", "TELEGRAM_"))}
    env.update(
        PLAYTALK_DB=str(db),
        PLAYTALK_LOG_LEVEL="WARNING",
        PLAYTALK_CONFIG=str(cwd / "no-such.toml"),
        **extra,
    )
    proc = await asyncio.create_subprocess_exec(
        *playtalk_command(),
        *args,
        env=env,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return int(proc.returncode or 0), out.decode(), err.decode()


def _schema(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
    conn.close()
    return [(t, n, " ".join((s or "").split())) for t, n, s in rows]


async def test_backup_while_the_bot_writes_is_complete_and_sound(
    sandbox: Sandbox, tmp_path: Path, clock: Clock
) -> None:
    db, copy = tmp_path / "live.db", tmp_path / "backup.db"
    async with start_app(sandbox, db, clock) as bot:
        users = [sandbox.user(9300 + i) for i in range(20)]
        for user in users:
            await active_family(bot.store, bot.setting.id, user.id)
        stop = asyncio.Event()

        async def replies_flowing() -> int:
            n = 0
            while not stop.is_set():
                await bot.say(users[n % len(users)], f"reply number {n}")
                n += 1
            return n

        writer = asyncio.create_task(replies_flowing())
        await asyncio.sleep(0.3)
        code, out, err = await _playtalk("db", "backup", str(copy), db=db, cwd=tmp_path)
        stop.set()
        written = await writer
        assert code == 0 and "Backed up" in out, (code, out, err)
        live_events = await count_events(bot.store)
        assert written == live_events and written > 5

        # A second backup to the same name is refused, and the copy is left alone.
        size = copy.stat().st_size
        code, out, err = await _playtalk("db", "backup", str(copy), db=db, cwd=tmp_path)
        assert code == 2 and err.strip().count("\n") == 0 and "already exists" in err
        assert copy.stat().st_size == size

    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA user_version").fetchone() == (latest_version(),)
        assert conn.execute("SELECT name FROM settings").fetchall() == [("Sunflower Nursery",)]
        assert conn.execute("SELECT COUNT(*) FROM families").fetchone() == (20,)
        [(events,)] = conn.execute("SELECT COUNT(*) FROM events").fetchall()
    conn.close()
    assert 0 < events <= live_events
    store = await open_store(copy)
    try:
        assert len(await store.families_of_setting(1)) == 20
    finally:
        await store.close()


@pytest.mark.parametrize("version", range(latest_version() + 1), ids=lambda v: f"from v{v}")
async def test_every_earlier_schema_version_migrates(version: int, tmp_path: Path) -> None:
    assert len(MIGRATIONS) == latest_version()
    old, fresh = tmp_path / f"v{version}.db", tmp_path / "fresh.db"
    with sqlite3.connect(old) as conn:
        for migration in MIGRATIONS[:version]:
            conn.executescript(migration.read_text(encoding="utf-8"))
        conn.execute(f"PRAGMA user_version = {version}")
        if version >= 1:
            conn.execute(
                "INSERT INTO settings (name, timezone, parent_code, created_at)"
                " VALUES ('Old Oak', 'Europe/London', 'old-oak', '2025-01-06T09:00:00Z')"
            )
    conn.close()

    store = await open_store(old, Clock())
    try:
        assert await schema_version(store) == latest_version()
        if version >= 1:
            kept = await store.setting_by_parent_code("old-oak")
            assert kept is not None and kept.name == "Old Oak"
        # The migrated database works like a new one.
        setting = await store.add_setting("New Elm", "Europe/London", "new-elm")
        family, [child] = await active_family(store, setting.id, 4242)
        assert (await store.children_of(family.id))[0].id == child.id
        assert set(await table_counts(store, TABLES)) == set(TABLES)
    finally:
        await store.close()
    await (await open_store(fresh)).close()
    assert _schema(old) == _schema(fresh)


async def test_a_database_from_a_newer_playtalk_is_refused(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    db = tmp_path / "newer.db"
    store = await open_store(db)
    await store.add_setting("Sunflower Nursery", "Europe/London", "sunflower-code")
    await store.close()
    newer = latest_version() + 1
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {newer}")
    conn.close()

    with pytest.raises(StoreError, match=f"schema version {newer}, newer than"):
        await open_store(db)

    code, out, err = await _playtalk(
        "run",
        db=db,
        cwd=tmp_path,
        TELEGRAM_BOT_TOKEN=sandbox.token,
        TELEGRAM_API_BASE_URL=sandbox.root,
    )
    lines = [line for line in err.splitlines() if line.strip()]
    assert code != 0, (code, out, err)
    assert len(lines) == 1, err
    assert lines[0].startswith("playtalk: error:") and f"schema version {newer}" in lines[0]
    assert "upgrade playtalk or restore a backup" in lines[0]
    # Refused, not touched: the version and the data are as they were.
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (newer,)
        assert conn.execute("SELECT name FROM settings").fetchall() == [("Sunflower Nursery",)]
    conn.close()


async def test_a_newer_database_is_refused_before_telegram_is_contacted(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    db = tmp_path / "newer.db"
    await (await open_store(db)).close()
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    conn.close()
    code, _, err = await _playtalk(
        "run",
        db=db,
        cwd=tmp_path,
        TELEGRAM_BOT_TOKEN=sandbox.token,
        TELEGRAM_API_BASE_URL=sandbox.root,
    )
    assert code == 2 and "newer than this playtalk" in err
    assert sum(sandbox.counters.calls.values()) == 0, dict(sandbox.counters.calls)
