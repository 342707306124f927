"""/delete leaves no trace in the database, its -wal or its -shm, while the bot runs,
even when another connection is reading at that moment.

An operator's ``sqlite3`` shell left in a transaction, or a long ``playtalk db
backup``, holds a snapshot from before the erase; until it lets go, SQLite cannot
checkpoint the -wal, and the family's rows stay in it (and in the database file's old
pages). The parent is told "deleted" only once they are gone from every file.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from bot.clock import Clock
from bot.sandbox import Sandbox
from tests.conftest import BotEnv
from tests.journey import enrol
from tests.reliability.support import start_app
from tests.storeview import events_of_family

# Above 2**47, so SQLite stores it in all 8 bytes; still within Telegram's 52 bits.
CHAT = 0xA5C7E9B2D4F1B
CHILD = "Zephyrinella"
WORDS = "Zephyrinella stacked nine marmalade lids into a lighthouse"
# Longer than SQLite's busy timeout (5 s): SQLite's own waiting is not enough.
READER_HOLDS = 6.5


def _needles() -> dict[str, bytes]:
    return {
        "chat id as text": str(CHAT).encode(),
        "chat id as an 8-byte integer": CHAT.to_bytes(8, "big"),
        "child name": CHILD.encode(),
        "words": WORDS.encode(),
    }


def _traces(db: Path) -> set[str]:
    found = set()
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        if path.exists():
            raw = path.read_bytes()
            found |= {f"{name} in {path.name}" for name, n in _needles().items() if n in raw}
    return found


async def test_delete_while_another_connection_reads_leaves_no_trace(
    sandbox: Sandbox, tmp_path: Path, clock: Clock
) -> None:
    db = tmp_path / "p.db"
    async with start_app(sandbox, db, clock) as bot:
        env = BotEnv(bot.sandbox, bot.services, bot.clock, bot.setting, bot.app.bot)
        user = sandbox.user(CHAT, first_name="Ottoline")
        await enrol(env, user, names=(CHILD,))
        await env.say(user, WORDS)
        await bot.settle()
        family = await bot.store.family_by_chat(CHAT)
        assert family is not None
        assert {e.text for e in await events_of_family(bot.store, family.id)} >= {WORDS}
        seen = {hit.split(" in ")[0] for hit in _traces(db)}
        # The family really is on disk beforehand (the id as an integer; its text form
        # is looked for afterwards too, should any column ever keep it as text).
        assert set(_needles()) - {"chat id as text"} <= seen, seen

        reader = sqlite3.connect(db, isolation_level=None)
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM events").fetchone()[0] >= 1
        loop = asyncio.get_running_loop()
        release = loop.call_later(READER_HOLDS, reader.execute, "COMMIT")
        try:
            await env.say(user, "/delete")
            before = len(user.messages())
            user.press("Yes, delete everything")
            [goodbye] = (await user.wait_for_messages(before + 1, timeout=30))[before:]
            assert "has been deleted" in goodbye.plain
            # Still running, the reader gone or not: nothing of the family anywhere.
            assert _traces(db) == set()
            assert await bot.store.family_by_chat(CHAT) is None
        finally:
            release.cancel()
            if reader.in_transaction:
                reader.execute("COMMIT")
            reader.close()
    assert _traces(db) == set()
