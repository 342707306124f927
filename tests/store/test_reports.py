"""ReportQueries: what the digest may read, and that it reads it in a few statements."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.clock import Clock
from bot.store.reports import WeekCount, week_bounds
from tests.digest.sample import END, START, ReportStore, fill_store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[ReportStore]:
    opened: ReportStore = await ReportStore.open(
        tmp_path / "t.db", Clock(datetime(2025, 3, 10, 8, tzinfo=UTC))
    )
    await fill_store(opened)
    yield opened
    await opened.close()


async def test_families_of_the_setting_only(store: ReportStore) -> None:
    data = await store.digest_data(1, START, END)
    assert data.setting_name == "Sunflower Nursery"
    assert data.timezone == "Europe/London"
    assert [f.id for f in data.families] == [1, 2, 3, 4, 5, 6, 7, 8]
    by_id = {f.id: f for f in data.families}
    assert by_id[3].children == ("Yusuf", "Layla")
    assert by_id[6].children == ("Jan",)  # a child with no name given is left out
    assert by_id[8].children == ()
    assert by_id[2].share_photos is False
    assert by_id[6].last_reply_at is None
    assert by_id[5].status_changed_at == datetime(2025, 3, 5, 10, tzinfo=UTC)


async def test_activities_sent_in_the_window(store: ReportStore) -> None:
    data = await store.digest_data(1, START, END)
    rows = [(d.family_id, d.activity_id, d.kind) for d in data.deliveries]
    assert rows == [
        (1, "cll-talk", "activity"),
        (4, "maths-count", "single"),
        (2, "maths-count", "activity"),
        (6, "psed-feelings", "activity"),
        (3, "psed-feelings", "activity"),
        (3, "cll-talk", "activity"),
        (7, "cll-talk", "activity"),
    ]  # not the 'why' touch, the check-in, pending or failed ones, nor another setting's


async def test_events_hide_unshared_photos(store: ReportStore) -> None:
    data = await store.digest_data(1, START, END)
    rows = {e.id: e for e in data.events}
    assert sorted(rows) == [1, 2, 3, 4, 5, 6, 7]  # not last week's, not another setting's
    assert (rows[2].file_id, rows[2].shared) == ("PH1", True)
    assert (rows[3].file_id, rows[3].shared) == (None, False)  # never shared
    assert (rows[4].file_id, rows[4].shared) == (None, False)  # sharing since withdrawn
    assert (rows[5].file_id, rows[5].duration) == ("VO1", 42)  # a shared voice note is kept
    assert (rows[5].child_name, rows[5].activity_id) == ("Layla", "cll-talk")
    assert (rows[6].child_name, rows[6].activity_id) == (None, None)
    assert rows[7].tap == "too_hard"


async def test_unshared_voice_notes_are_withheld_too(store: ReportStore) -> None:
    async with store.write() as db:
        await db.execute("UPDATE events SET shared = 0 WHERE id = 5")
    data = await store.digest_data(1, START, END)
    voice = next(e for e in data.events if e.id == 5)
    assert (voice.kind, voice.file_id, voice.duration) == ("voice", None, 42)


async def test_safeguarding_alerts_are_never_read(store: ReportStore) -> None:
    data = await store.digest_data(1, START, END)
    assert "flagged words" not in repr(data)
    assert all(e.family_id != 4 for e in data.events)


async def test_weekly_counts(store: ReportStore) -> None:
    weeks = await store.weekly_counts(1, START, END, "Europe/London", 12)
    assert len(weeks) == 12
    assert weeks[-2:] == (
        WeekCount(datetime(2025, 2, 24).date(), "2025-W09", 4, 2, 2),
        WeekCount(datetime(2025, 3, 3).date(), "2025-W10", 6, 4, 4),
    )
    assert weeks[0].iso_week == "2024-W51"


async def test_a_few_statements_whatever_the_size(store: ReportStore, monkeypatch: Any) -> None:
    calls: list[str] = []
    fetchall, fetchone = store.fetchall, store.fetchone

    async def counting_all(sql: str, params: Any = ()) -> Any:
        calls.append(sql)
        return await fetchall(sql, params)

    async def counting_one(sql: str, params: Any = ()) -> Any:
        calls.append(sql)
        return await fetchone(sql, params)

    monkeypatch.setattr(store, "fetchall", counting_all)
    monkeypatch.setattr(store, "fetchone", counting_one)
    await store.digest_data(1, START, END)
    assert len(calls) == 6
    assert not any("safeguarding" in sql for sql in calls)


async def test_unknown_setting(store: ReportStore) -> None:
    with pytest.raises(LookupError):
        await store.digest_data(99, START, END)


def test_week_bounds_follow_local_midnight_across_the_clock_change() -> None:
    start = datetime(2025, 4, 6, 23, tzinfo=UTC)  # Monday 7 April, 00:00 BST
    bounds = week_bounds(start, "Europe/London", 3)
    assert bounds == [
        (datetime(2025, 3, 24, 0, tzinfo=UTC), datetime(2025, 3, 30, 23, tzinfo=UTC)),
        (datetime(2025, 3, 30, 23, tzinfo=UTC), datetime(2025, 4, 6, 23, tzinfo=UTC)),
        (datetime(2025, 4, 6, 23, tzinfo=UTC), datetime(2025, 4, 13, 23, tzinfo=UTC)),
    ]
