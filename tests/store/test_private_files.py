"""The database, its -wal and -shm, and every backup are readable by their owner only.

They hold children's names and what parents wrote; on a shared server any other
account could otherwise copy them. The usual umask (022) is set explicitly, since
that is the one under which files used to come out world-readable.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.clock import Clock
from bot.store import open_store


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def size(path: Path) -> int:
    return path.stat().st_size


async def test_new_database_and_its_wal_and_shm_are_private(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "new.db"
    store = await open_store(path, clock)
    try:
        await store.add_setting("Oak", "Europe/London", "oak")  # the -wal now holds a row
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        assert size(wal) > 0 and size(shm) > 0
        assert {p.name: oct(mode(p)) for p in (path, wal, shm)} == {
            p.name: "0o600" for p in (path, wal, shm)
        }
    finally:
        await store.close()
    assert mode(path) == 0o600
    # Reopened later, the -wal and -shm SQLite makes again are private too.
    again = await open_store(path, clock)
    try:
        await again.add_setting("Elm", "Europe/London", "elm")
        assert mode(Path(f"{path}-wal")) == 0o600 and mode(Path(f"{path}-shm")) == 0o600
    finally:
        await again.close()


async def test_backup_is_private_and_refuses_to_overwrite(tmp_path: Path, clock: Clock) -> None:
    store = await open_store(tmp_path / "live.db", clock)
    try:
        await store.add_setting("Oak", "Europe/London", "oak")
        copy = tmp_path / "copy.db"
        await store.backup(copy)
        assert mode(copy) == 0o600
        before = copy.read_bytes()
        with pytest.raises(Exception, match="already exists"):
            await store.backup(copy)
        assert copy.read_bytes() == before
    finally:
        await store.close()
    copied = await open_store(copy, clock)
    try:
        assert [s.name for s in await copied.list_settings()] == ["Oak"]
    finally:
        await copied.close()


def test_playtalk_db_backup_writes_a_private_file(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "PLAYTALK_"))}
    env["PLAYTALK_DB"] = str(tmp_path / "cli.db")

    def playtalk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
            umask=0o022,
        )

    assert playtalk("setting", "add", "Oak", "--bot-username", "b").returncode == 0
    result = playtalk("db", "backup", str(tmp_path / "backup.db"))
    assert result.returncode == 0, result.stderr
    assert oct(mode(tmp_path / "cli.db")) == "0o600"
    assert oct(mode(tmp_path / "backup.db")) == "0o600"


def test_a_database_in_a_missing_folder_is_one_clear_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "PLAYTALK_"))}
    env["PLAYTALK_DB"] = str(tmp_path / "no-such-folder" / "p.db")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "setting", "list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert "cannot create" in result.stderr and "no-such-folder" in result.stderr
    assert "Traceback" not in result.stderr
