"""Kill the real bot (a `playtalk run` subprocess) with SIGKILL while it sends, restart it.

Shared by tests/reliability/test_crash.py (a few trials) and tests/bench/crash_soak.py
(many). The database is prepared through the store API; the sandbox runs in the
caller's event loop, so what Telegram received is known exactly.
"""

from __future__ import annotations

import asyncio
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
from zoneinfo import ZoneInfo

from bot.clock import Clock
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


async def prepare_database(path: Path, families: int) -> list[int]:
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


def bot_environment(sb: Sandbox, db: Path, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLAYTALK_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=sb.token,
        TELEGRAM_API_BASE_URL=sb.root,
        PLAYTALK_DB=str(db),
        PLAYTALK_DISPATCH_SECONDS="0.2",
        PLAYTALK_LOG_LEVEL="WARNING",
        # Crash safety, not Telegram's 30 msg/s, is under test: let it send quickly.
        PLAYTALK_MAX_RATE="5000",
        PLAYTALK_CONFIG=str(workdir / "no-such-playtalk.toml"),
    )
    return env


def delivery_states(db: Path) -> tuple[Counter[str], list[int]]:
    """Row counts per state, and the chat of every row in state 'sending'."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
        states = Counter(
            {s: n for s, n in conn.execute("SELECT state, COUNT(*) FROM deliveries GROUP BY state")}
        )
        sending = [
            int(chat)
            for (chat,) in conn.execute(
                "SELECT f.chat_id FROM deliveries d JOIN families f ON f.id = d.family_id"
                " WHERE d.state = 'sending'"
            )
        ]
    conn.close()
    return states, sending


def sent_rows(db: Path) -> dict[int, tuple[str, int | None]]:
    """chat id -> (state, message id) of the deliveries that were due at the start."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
        rows = conn.execute(
            "SELECT f.chat_id, d.state, d.message_id FROM deliveries d"
            " JOIN families f ON f.id = d.family_id WHERE d.kind = 'single' AND d.touch = 1"
            " AND d.due_at <= strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
        ).fetchall()
    conn.close()
    return {int(chat): (state, message_id) for chat, state, message_id in rows}


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
    def __init__(self, sb: Sandbox, db: Path, workdir: Path) -> None:
        self.env = bot_environment(sb, db, workdir)
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
    while not predicate():
        if not bot.running:
            raise AssertionError(f"the bot exited while waiting for {what}: {bot.stderr_tail()}")
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {bot.stderr_tail()}")
        await asyncio.sleep(0.005)


async def run_trial(
    template: Path, chats: list[int], workdir: Path, rng: random.Random, kills: int
) -> TrialResult:
    """Copy the prepared database, kill the bot ``kills`` times while it sends, then let it finish."""
    workdir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once per trial
    db = workdir / "playtalk.db"
    shutil.copyfile(template, db)
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
            _, sending = delivery_states(db)
            in_flight.update(sending)
            result.kills += 1
            result.in_flight_at_kills += len(sending)
            result.kill_points.append(sb.counters.messages_sent)

        await bot.start()
        await _wait(lambda: served() == len(chats), START_TIMEOUT, "every family", bot)

        def settled() -> bool:
            states, _ = delivery_states(db)
            return not states.get("sending") and all(
                state == "sent" for state, _ in sent_rows(db).values()
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
        rows = sent_rows(db)
        for chat in chats:
            got = counts[chat]
            result.lost += got == 0
            result.duplicates += max(0, got - 1)
            result.unexplained_duplicates += max(0, got - 1 - in_flight[chat])
            state, message_id = rows[chat]
            result.not_sent_in_db += state != "sent" or message_id not in received[chat]
    return result
