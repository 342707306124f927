"""The store: migrations, reopening, concurrent writers, typed round trips."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite
import pytest

from bot.clock import Clock
from bot.store import TABLES, Store, StoreError, latest_version, open_store
from bot.store.db import migrations
from tests.factories import active_family
from tests.storeview import count_events, events_of_family, schema_version, table_counts


async def test_migrates_from_empty_and_reopens(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "fresh.db"
    store = await open_store(path, clock)
    assert await schema_version(store) == latest_version()
    await store.add_setting("Oak", "Europe/London", "oak")
    await store.close()
    again = await open_store(path, clock)
    assert [s.name for s in await again.list_settings()] == ["Oak"]
    assert set(await table_counts(again, TABLES)) == set(TABLES)
    mode = await again.fetchone("PRAGMA journal_mode")
    assert mode is not None and mode[0] == "wal"
    await again.close()


@pytest.mark.parametrize("version", range(latest_version()))
async def test_migrates_from_each_earlier_version(
    tmp_path: Path, clock: Clock, version: int
) -> None:
    path = tmp_path / f"v{version}.db"
    async with aiosqlite.connect(path) as db:
        for number, sql in migrations()[:version]:
            await db.executescript(sql)
            await db.execute(f"PRAGMA user_version = {number}")
        await db.commit()
    store = await open_store(path, clock)
    assert await schema_version(store) == latest_version()
    setting = await store.add_setting("Oak", "Europe/London", "oak")
    family, _ = await active_family(store, setting.id, 1)
    assert (await store.get_family(family.id)) == family
    await store.close()


async def test_refuses_a_newer_database(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "future.db"
    async with aiosqlite.connect(path) as db:
        await db.execute(f"PRAGMA user_version = {latest_version() + 1}")
        await db.commit()
    with pytest.raises(StoreError, match="newer than this playtalk understands"):
        await open_store(path, clock)


async def test_fifty_concurrent_writers_leave_consistent_rows(store: Store) -> None:
    setting = await store.add_setting("Oak", "Europe/London", "oak")
    families = [await active_family(store, setting.id, 100 + i) for i in range(50)]

    async def writer(i: int) -> None:
        family, [child] = families[i]
        for n in range(10):
            await store.add_event(family.id, "text", child_id=child.id, text=f"reply {i}-{n}")
            await store.update_family(family.id, step="done", draft_name=f"n{i}")

    await asyncio.gather(*(writer(i) for i in range(50)))
    assert await count_events(store) == 500
    for i, (family, _) in enumerate(families):
        events = await events_of_family(store, family.id)
        assert sorted(e.text for e in events) == sorted(f"reply {i}-{n}" for n in range(10))
        fresh = await store.get_family(family.id)
        assert fresh is not None and fresh.draft_name == f"n{i}" and fresh.last_reply_at is not None


async def test_a_failed_transaction_leaves_nothing_behind(store: Store) -> None:
    setting = await store.add_setting("Oak", "Europe/London", "oak")
    with pytest.raises(RuntimeError):
        async with store.write() as db:
            await db.execute("UPDATE settings SET name = 'changed' WHERE id = ?", (setting.id,))
            raise RuntimeError("boom")
    assert (await store.get_setting(setting.id)).name == "Oak"  # type: ignore[union-attr]


async def test_join_codes_are_single_use_hashed_and_expire(
    store: Store, clock: Clock, tmp_path: Path
) -> None:
    from datetime import timedelta

    setting = await store.add_setting("Oak", "Europe/London", "oak")
    await store.add_join_code(setting.id, "ABCDE-FGHJK", "lead", timedelta(days=7))
    await store.add_join_code(setting.id, "ZZZZZ-YYYYY", "practitioner", timedelta(days=7))
    rows = await store.fetchall("SELECT code_hash FROM join_codes")
    assert all("ABCDE" not in r[0] for r in rows)
    me = await store.redeem_join_code("abcde fghjk", 7, 7, "en")
    assert me is not None and me.role == "lead" and me.setting_id == setting.id
    assert await store.redeem_join_code("ABCDE-FGHJK", 8, 8, "en") is None
    clock.advance(timedelta(days=7, seconds=1))
    assert await store.redeem_join_code("ZZZZZ-YYYYY", 9, 9, "en") is None


@pytest.mark.sqlite_only
async def test_backup_is_a_consistent_copy(store: Store, tmp_path: Path) -> None:
    setting = await store.add_setting("Oak", "Europe/London", "oak")
    await active_family(store, setting.id, 1)
    target = tmp_path / "copy.db"
    await store.backup(target)
    async with aiosqlite.connect(target) as db:
        async with db.execute("PRAGMA integrity_check") as cursor:
            assert (await cursor.fetchone())[0] == "ok"  # type: ignore[index]
        async with db.execute("SELECT COUNT(*) FROM families") as cursor:
            assert (await cursor.fetchone())[0] == 1  # type: ignore[index]


async def test_erase_family_leaves_no_row(store: Store) -> None:
    setting = await store.add_setting("Oak", "Europe/London", "oak")
    keep, _ = await active_family(store, setting.id, 1)
    gone, [child] = await active_family(store, setting.id, 2, children=(("Zed", "2024-01"),))
    await store.add_event(gone.id, "text", child_id=child.id, text="hello")
    await store.add_safeguarding_alert(gone.id, setting.id, "words", "words")
    await store.erase_family(gone.id)
    assert all(rows == [] for rows in (await store.export_family(gone.id)).values())
    assert (await table_counts(store, ["children", "events", "safeguarding_alerts"])) == {
        "children": 1,
        "events": 0,
        "safeguarding_alerts": 0,
    }
    assert await store.get_family(gone.id) is None
    assert await store.children_of(gone.id) == []
    assert await events_of_family(store, gone.id) == []
    assert await store.get_family(keep.id) is not None
