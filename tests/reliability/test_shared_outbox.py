"""Several `playtalk run` processes on one PostgreSQL database share one outbox.

Three processes send 600 activities together; one is killed with SIGKILL in the
middle. The two left take over what it had claimed once its lease runs out. Nothing
is lost, nothing is sent twice but what the killed process had in flight, and all
three really shared the work. The same database also survives the single-process
crash trial of test_crash.py.
"""

from __future__ import annotations

import asyncio
import random
import signal
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.sandbox import Sandbox
from tests.pgserver import PgServer
from tests.reliability.crash_harness import (
    START_TIMEOUT,
    BotProcess,
    DbView,
    _wait,
    prepare_database,
    run_trial,
)

FAMILIES = 600


@pytest.fixture
async def prepared(pg_server: PgServer) -> AsyncIterator[tuple[str, list[int]]]:
    url = await pg_server.fresh_database()
    chats = await prepare_database(url, FAMILIES)
    yield url, chats
    await pg_server.drop(url)


async def _copy(pg_server: PgServer, template: str, name: str) -> str:
    admin = await asyncpg.connect(pg_server.url("postgres"))
    try:
        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {template.rsplit('/', 1)[1]}")
    finally:
        await admin.close()
    return pg_server.url(name)


async def test_killing_one_of_three_processes_loses_nothing(
    prepared: tuple[str, list[int]], tmp_path: Path
) -> None:
    db, chats = prepared
    view = DbView(db)
    async with Sandbox() as sb:
        for chat in chats:
            sb.user(chat)
        # 300 msg/s shared by the three through the database: about two seconds of
        # fan-out, time to kill one of them in the middle.
        bots = [BotProcess(sb, db, tmp_path, PLAYTALK_MAX_RATE="300") for _ in range(3)]
        for bot in bots:
            await bot.start()
        victim = bots[1]
        await _wait(lambda: sb.counters.messages_sent >= 150, START_TIMEOUT, "sends", victim)
        assert victim.proc is not None
        in_flight = await view.sending_by(victim.proc.pid)
        victim.proc.send_signal(signal.SIGKILL)
        await victim.proc.wait()
        sent_at_kill = sb.counters.messages_sent
        in_flight = sorted(set(in_flight) | set(await view.sending_by(victim.proc.pid)))

        def served() -> int:
            return len({m.chat_id for m in sb.sent()})

        survivors = [bots[0], bots[2]]
        await _wait(lambda: served() == len(chats), START_TIMEOUT, "every family", survivors[0])

        async def settled() -> bool:
            states, _ = await view.states()
            rows = (await view.sent_rows()).values()
            return not states.get("sending") and all(r[0] == "sent" for r in rows)

        await _wait(settled, START_TIMEOUT, "the outbox to settle", survivors[0])
        for bot in survivors:
            assert await bot.stop() in (0, -signal.SIGTERM), bot.stderr_tail()

        counts = Counter(m.chat_id for m in sb.sent())
        lost = [c for c in chats if counts[c] == 0]
        repeated = {c: n - 1 for c, n in counts.items() if n > 1}
        rows = await view.sent_rows()
        by_process = Counter(by.split(":")[1] for _, _, by in rows.values() if by)
    context = f"{len(in_flight)} in flight at the kill (after {sent_at_kill} sends): {by_process}"
    assert lost == [], context
    assert sum(repeated.values()) <= len(in_flight), context
    assert set(repeated) <= set(in_flight), context
    assert all(state == "sent" for state, _, _ in rows.values()), context
    # All three sent a share, the killed one included (its sends before the kill).
    assert len(by_process) == 3 and min(by_process.values()) > 0, context


async def test_a_single_process_killed_twice_on_postgres_loses_nothing(
    pg_server: PgServer, prepared: tuple[str, list[int]], tmp_path: Path
) -> None:
    template, chats = prepared
    db = await _copy(pg_server, template, "crash_trial")
    try:
        result = await run_trial(template, chats, tmp_path, random.Random(15), kills=2, db=db)
    finally:
        await pg_server.drop(db)
    assert result.kills == 2 and result.in_flight_at_kills > 0, result
    assert result.lost == 0 and result.not_sent_in_db == 0, result
    assert result.unexplained_duplicates == 0, result
    assert result.duplicates <= result.in_flight_at_kills, result
    await asyncio.sleep(0)
