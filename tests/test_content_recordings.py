"""`playtalk content check` counts, per locale, the activities recorded in a home language.

print_recordings runs its own event loop (the CLI is synchronous), so the tests call it
from a thread.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.content import load_library
from bot.content_check import print_recordings
from bot.store import open_store


async def test_recordings_are_counted_per_locale_from_the_configured_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    library = load_library()
    db = tmp_path / "bot.db"
    store = await open_store(db)
    setting = await store.add_setting("Sunflower Nursery", "Europe/London", "code")
    first, second = library.activities[0].id, library.activities[1].id
    for activity, locale in ((first, "so"), (second, "so"), (first, "pl")):
        await store.save_recording(setting.id, activity, locale, f"voice-{activity}", 30, None)
    await store.save_recording(setting.id, first, "so", "a newer voice", 30, None)  # replaces
    await store.close()
    monkeypatch.setenv("PLAYTALK_DB", str(db))
    monkeypatch.chdir(tmp_path)
    await asyncio.to_thread(print_recordings, library)
    out = capsys.readouterr().out
    total = len(library.activities)
    assert f"so 2/{total}" in out and f"pl 1/{total}" in out and f"ar 0/{total}" in out


async def test_without_a_database_it_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PLAYTALK_DB", str(tmp_path / "none.db"))
    monkeypatch.chdir(tmp_path)
    await asyncio.to_thread(print_recordings, load_library())
    assert "no database at" in capsys.readouterr().out
    assert not (tmp_path / "none.db").exists()  # and none was made
