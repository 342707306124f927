"""Kill the real bot (a `playtalk run` subprocess) with SIGKILL while it sends, restart it.

Shared by tests/reliability/test_crash.py (a few trials) and tests/bench/crash_soak.py
(many). The database is prepared through the store API; the sandbox runs in the
caller's event loop, so what Telegram received is known exactly.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import random
import shutil
import signal
import sqlite3
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from bot.clock import Clock, to_db
from bot.codes import new_parent_code
from bot.content import load_library
from bot.sandbox import Sandbox
from bot.store import NewDelivery, open_store
from bot.timing import iso_week
from tests.factories import active_family

FIRST_CHAT = 810_000_000
START_TIMEOUT = 20.0


def local_midday_zone(now: datetime) -> str:
    """An ``Etc/GMT±N`` zone where it is about midday now (quiet hours are 20:00-08:00)."""
    offset = 12 - now.hour
    if offset < -12:
        offset += 24
    if offset > 14:
        offset -= 24
    # POSIX signs: Etc/GMT-9 is nine hours *ahead* of UTC.
    zone = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"
    assert 11 <= now.astimezone(ZoneInfo(zone)).hour <= 14, zone
    return zone


async def prepare_database(path: Path | str, families: int) -> list[int]:
    """A setting where it is midday, ``families`` active families, one delivery each due a minute ago."""
    now = datetime.now(UTC)
    zone = local_midday_zone(now)
    store = await open_store(path, Clock())
    try:
        setting = await store.add_setting("Crash Test Nursery", zone, new_parent_code())
        activity = load_library().fitting(30)[0]
        # Their own weekday is three days away, so the planner adds nothing due today.
        weekday = (now.astimezone(ZoneInfo(zone)).weekday() + 3) % 7
        chats = [FIRST_CHAT + i for i in range(families)]
        rows = []
        for chat in chats:
            family, [child] = await active_family(
                store, setting.id, chat, weekday=weekday, cadence=1, children=(("Kit", "2024-03"),)
            )
            rows.append(
                NewDelivery(
                    child_id=child.id,
                    family_id=family.id,
                    iso_week=iso_week(now.date()),
                    activity_id=activity.id,
                    touch=1,
                    kind="single",
                    due_at=now - timedelta(minutes=1),
                )
            )
        assert await store.insert_deliveries(rows) == families
    finally:
        await store.close()
    return chats


def playtalk_command() -> list[str]:
    script = Path(sys.executable).with_name("playtalk")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]


def bot_environment(sb: Sandbox, db: Path | str, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLAYTALK_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=sb.token,
        TELEGRAM_API_BASE_URL=sb.root,
        PLAYTALK_DB=str(db),
        PLAYTALK_DISPATCH_SECONDS="0.2",
        PLAYTALK_LOG_LEVEL="WARNING",
        # Crash safety, not Telegram's 30 msg/s, is under test: let it send quickly.
        PLAYTALK_MAX_RATE="5000",
        # A restarted or surviving dispatcher resends a killed one's claims this soon.
        PLAYTALK_LEASE_SECONDS="1.5",
        PLAYTALK_CONFIG=str(workdir / "no-such-playtalk.toml"),
    )
    return env


_STATES = "SELECT state, COUNT(*) FROM deliveries GROUP BY state"
_SENDING = (
    "SELECT f.chat_id, d.claimed_by FROM deliveries d JOIN families f ON f.id = d.family_id"
    " WHERE d.state = 'sending'"
)
_DUE_ROWS = (
    "SELECT f.chat_id, d.state, d.message_id, d.claimed_by, d.due_at FROM deliveries d"
    " JOIN families f ON f.id = d.family_id WHERE d.kind = 'single' AND d.touch = 1"
)


class DbView:
    """The outbox as the operator's tools see it from outside the bot (read-only)."""

    def __init__(self, db: Path | str) -> None:
        self.db = db

    async def _rows(self, sql: str) -> list[tuple[Any, ...]]:
        if isinstance(self.db, str):
            conn = await asyncpg.connect(self.db)
            try:
                return [tuple(r) for r in await conn.fetch(sql)]
            finally:
                await conn.close()
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10) as conn:
            rows = conn.execute(sql).fetchall()
        conn.close()
        return rows

    async def states(self) -> tuple[Counter[str], list[int]]:
        """Row counts per state, and the chat of every row in state 'sending'."""
        states = Counter({s: int(n) for s, n in await self._rows(_STATES)})
        return states, [int(chat) for chat, _ in await self._rows(_SENDING)]

    async def sending_by(self, dispatcher_pid: int) -> list[int]:
        """Chats whose row the dispatcher with this pid holds in flight."""
        return [
            int(chat)
            for chat, owner in await self._rows(_SENDING)
            if owner and owner.split(":")[1] == str(dispatcher_pid)
        ]

    async def sent_rows(self) -> dict[int, tuple[str, int | None, str | None]]:
        """chat id -> (state, message id, dispatcher) of the deliveries due at the start."""
        now = to_db(datetime.now(UTC))
        rows = await self._rows(_DUE_ROWS)
        return {int(c): (st, m, by) for c, st, m, by, due in rows if due <= now}


@dataclass
class TrialResult:
    families: int
    kills: int = 0
    lost: int = 0
    duplicates: int = 0
    in_flight_at_kills: int = 0
    # Repeats a chat got beyond the times its delivery was in flight at a kill: must be 0.
    unexplained_duplicates: int = 0
    not_sent_in_db: int = 0
    # Messages that are not the activity with its four reply buttons: must be 0.
    not_the_activity: int = 0
    kill_points: list[int] = field(default_factory=list)


class BotProcess:
    def __init__(self, sb: Sandbox, db: Path | str, workdir: Path, **env: str) -> None:
        self.env = {**bot_environment(sb, db, workdir), **env}
        self.workdir = workdir
        self.log = workdir / "bot-stderr.log"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as err:
            self.proc = await asyncio.create_subprocess_exec(
                *playtalk_command(),
                "run",
                env=self.env,
                cwd=self.workdir,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=err,
            )

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def kill(self) -> None:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self, timeout: float = 15.0) -> int:  # noqa: ASYNC109
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                await self.kill()
        return int(self.proc.returncode or 0)

    def stderr_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return ""


async def _wait(predicate, timeout: float, what: str, bot: BotProcess) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout

    async def holds() -> bool:
        answer = predicate()
        return bool(await answer) if inspect.isawaitable(answer) else bool(answer)

    while not await holds():
        if not bot.running:
            raise AssertionError(f"the bot exited while waiting for {what}: {bot.stderr_tail()}")
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {bot.stderr_tail()}")
        await asyncio.sleep(0.005)


async def run_trial(
    template: Path | str,
    chats: list[int],
    workdir: Path,
    rng: random.Random,
    kills: int,
    db: Path | str | None = None,
) -> TrialResult:
    """Copy the prepared database, kill the bot ``kills`` times while it sends, then let it finish.

    ``db``: a copy of ``template`` made by the caller (a PostgreSQL database); by
    default the SQLite file is copied into ``workdir``.
    """
    workdir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once per trial
    if db is None:
        db = workdir / "playtalk.db"
        shutil.copyfile(template, db)
    view = DbView(db)
    result = TrialResult(families=len(chats))
    in_flight: Counter[int] = Counter()
    title = load_library().fitting(30)[0].title
    async with Sandbox() as sb:
        for chat in chats:
            sb.user(chat)
        bot = BotProcess(sb, db, workdir)

        def served() -> int:
            return len({m.chat_id for m in sb.sent()})

        for left in range(kills, 0, -1):
            remaining = len(chats) - served()
            if remaining <= 1:
                break
            target = sb.counters.messages_sent + rng.randint(1, max(1, remaining // (left + 1)))
            await bot.start()
            await _wait(
                lambda t=target: sb.counters.messages_sent >= t, START_TIMEOUT, "sends", bot
            )
            await asyncio.sleep(rng.uniform(0, 0.01))
            await bot.kill()
            _, sending = await view.states()
            in_flight.update(sending)
            result.kills += 1
            result.in_flight_at_kills += len(sending)
            result.kill_points.append(sb.counters.messages_sent)

        await bot.start()
        await _wait(lambda: served() == len(chats), START_TIMEOUT, "every family", bot)

        async def settled() -> bool:
            states, _ = await view.states()
            return not states.get("sending") and all(
                row[0] == "sent" for row in (await view.sent_rows()).values()
            )

        await _wait(settled, START_TIMEOUT, "the outbox to settle", bot)
        code = await bot.stop()
        assert code in (0, -signal.SIGTERM), f"exit {code}: {bot.stderr_tail()}"

        received: dict[int, set[int]] = {chat: set() for chat in chats}
        counts: Counter[int] = Counter()
        for message in sb.sent():
            counts[message.chat_id] += 1
            result.not_the_activity += len(message.buttons) != 4 or title not in message.plain
            received[message.chat_id].add(message.message_id)
        rows = await view.sent_rows()
        for chat in chats:
            got = counts[chat]
            result.lost += got == 0
            result.duplicates += max(0, got - 1)
            result.unexplained_duplicates += max(0, got - 1 - in_flight[chat])
            state, message_id, _ = rows[chat]
            result.not_sent_in_db += state != "sent" or message_id not in received[chat]
    return result
