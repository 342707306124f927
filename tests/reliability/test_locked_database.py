"""A reply that arrives while another process holds the database's write lock for
longer than SQLite's busy timeout is kept, not lost with a "sorry".

Another process here is an operator's ``sqlite3`` shell in a write transaction, a
migration run by hand, a VACUUM: rare, but a parent who wrote about their child's day
should not be asked to write it again because of it.
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

WORDS = "We counted the stairs together, all fourteen of them"
# Longer than SQLite's busy timeout (5 s): SQLite's own waiting is not enough.
LOCK_HOLDS = 6.5


async def test_reply_while_the_database_is_locked_is_kept_and_thanked(
    sandbox: Sandbox, tmp_path: Path, clock: Clock
) -> None:
    db = tmp_path / "locked.db"
    async with start_app(sandbox, db, clock) as bot:
        env = BotEnv(bot.sandbox, bot.services, bot.clock, bot.setting, bot.app.bot)
        user = sandbox.user(5301)
        await enrol(env, user)
        [usual_thanks] = await env.say(user, "The first reply, with nobody in the way")
        family = await bot.store.family_by_chat(user.id)
        assert family is not None

        locker = sqlite3.connect(db, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")  # in WAL mode: no other writer, readers go on
        loop = asyncio.get_running_loop()
        release = loop.call_later(LOCK_HOLDS, locker.execute, "COMMIT")
        try:
            started = loop.time()
            before = len(user.messages())
            user.send_text(WORDS)
            [answer] = (await user.wait_for_messages(before + 1, timeout=30))[before:]
            waited = loop.time() - started
        finally:
            release.cancel()
            if locker.in_transaction:
                locker.execute("COMMIT")
            locker.close()
        await bot.settle()
        assert not bot.is_apology(answer.plain), answer.plain
        assert answer.plain == usual_thanks.plain
        assert waited >= LOCK_HOLDS - 0.5  # it really did wait for the lock
        texts = [e.text for e in await events_of_family(bot.store, family.id)]
        assert texts.count(WORDS) == 1
        # And the bot carries on as usual once the lock is gone.
        [next_thanks] = await env.say(user, "And another one")
        assert next_thanks.plain == usual_thanks.plain
