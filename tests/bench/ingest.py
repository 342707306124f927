"""Benchmark: parents' replies coming in (taps, words, photos, voice notes).

Run: ``.venv/bin/python tests/bench/ingest.py [--replies N] [--rate R]``.
Prints one JSON line on stdout; progress goes to stderr.

Setup: enrolled families (store API) each receive a real activity message from the bot
(``dispatch_due`` through the sandbox), so taps carry valid signed callback data from
those messages. The bot polls the sandbox as in production (``running``), with no
rate limiter (``Options(max_rate=0)``; the sandbox has no flood control either):
this measures how fast the bot takes replies in, not Telegram's 30 msg/s.

The mix: 40 % taps (callback queries: each of the four answers once per family),
30 % text, 20 % photos, 10 % voice notes. Every reply is answered by one thank-you
message and recorded as one row in ``events``.

1. backlog: N replies (default 20 000) are queued in the sandbox at once; the figure is
   updates recorded in the store (``events`` rows) per second until the last one.
2. paced: replies arrive at R per second (default 1 000, the goal) for 5 seconds;
   latency per update runs from the moment it became available in the sandbox
   (``enqueue``) to the moment the bot's answer (the thank-you) reached the sandbox.
3. half: the same at half the throughput measured in 1, for 4 seconds.
4. light: the same at 20 per second for 2 seconds: the latency floor.

Goal: >= 1 000 updates/s and p99 < 50 ms (paced). The bot runs in a child process
(``botproc.py``) and the sandbox in this one, as Telegram's servers never share the
bot's CPU; on 2 cores each side gets one.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import math
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402
from benchlib import cpu_seconds, emit, log, machine, percentile  # noqa: E402
from botproc import BotProcess, BotSpec  # noqa: E402

from bot import eventloop  # noqa: E402
from bot.clock import Clock  # noqa: E402
from bot.content import load_library  # noqa: E402
from bot.sandbox import Sandbox, SandboxUser, SentMessage  # noqa: E402
from bot.services import NOTICE_VERSION  # noqa: E402
from bot.store import NewDelivery, Store, open_store  # noqa: E402
from bot.timing import iso_week  # noqa: E402
from bot.vocab import Tap  # noqa: E402
from tests.storeview import count_events  # noqa: E402

GOAL_RATE = 1000.0
GOAL_P99_MS = 50.0
FIRST_CHAT = 8_000_000
START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday morning (London = UTC)
TAPS = tuple(Tap)
TEXTS = (
    "We played with the pan and she loved it!",
    "He counted five spoons on his own",
    "Lots of giggles with the sock puppet tonight",
    "Nana joined in and sang in Yoruba",
)
# Out of every ten replies: four taps, three texts, two photos, one voice note.
MIX = ("tap", "text", "tap", "photo", "text", "tap", "voice", "text", "tap", "photo")
PACED_SECONDS = 5.0
HALF_SECONDS = 4.0
LIGHT_RATE, LIGHT_SECONDS = 20.0, 2.0


@dataclass
class Family:
    user: SandboxUser
    activity_id: int  # message id of the activity in the chat
    taps: list[str] = field(default_factory=list)  # signed callback data still unused
    any_tap: str = ""  # one button of the activity, for the baseline (it reads no data)


@dataclass
class Timing:
    """Fed by the sandbox's hooks: when updates were queued and answers arrived, per chat."""

    queued: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    answered: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    tracking: bool = False

    def on_enqueue(self, update: dict[str, Any], at: float) -> None:
        if not self.tracking:
            return
        body = update.get("message") or update.get("callback_query") or {}
        chat = (body.get("chat") or (body.get("message") or {}).get("chat") or {}).get("id")
        if chat is not None:
            self.queued[int(chat)].append(at)

    def on_sent(self, sent: SentMessage, at: float) -> None:
        if self.tracking:
            self.answered[sent.chat_id].append(at)

    def reset(self) -> None:
        self.queued.clear()
        self.answered.clear()

    def latencies_ms(self) -> tuple[list[float], int]:
        """Per update (k-th answer in a chat answers its k-th update), and unanswered ones."""
        found: list[float] = []
        missing = 0
        for chat, queued in self.queued.items():
            answers = self.answered.get(chat, [])
            for k, at in enumerate(queued):
                if k < len(answers):
                    found.append((answers[k] - at) * 1000)
                else:
                    missing += 1
        return found, missing


class Replies:
    """Hands out the next reply of the mix, spreading them over the families."""

    def __init__(self, families: list[Family], *, baseline: bool = False) -> None:
        self._families = families
        self._baseline = baseline
        self._cycle = itertools.cycle(range(len(families)))
        self._mix = itertools.cycle(MIX)
        self._text = itertools.cycle(TEXTS)

    def send_one(self) -> None:
        kind = next(self._mix)
        while True:
            family = self._families[next(self._cycle)]
            if kind != "tap" or family.taps or self._baseline:
                break
        user = family.user
        if kind == "tap":
            data = family.any_tap if self._baseline else family.taps.pop()
            user.press_data(data, message_id=family.activity_id)
        elif kind == "text":
            user.send_text(next(self._text))
        elif kind == "photo":
            user.send_photo(caption="our tower" if family.activity_id % 2 else None)
        else:
            user.send_voice(duration=4)


async def seed(store: Store, sb: Sandbox, n: int, clock: Clock) -> None:
    library = load_library()
    activity = library.fitting(30)[0]
    setting = await store.add_setting("Bench Nursery", "Europe/London", "bench-code")
    due = clock.now() - timedelta(minutes=1)
    planned = []
    for i in range(n):
        chat_id = FIRST_CHAT + i
        sb.user(chat_id, first_name=f"Parent{i}")
        family = await store.create_family(setting.id, chat_id, "en", NOTICE_VERSION)
        await store.update_family(
            family.id, share_photos=i % 2 == 0, weekday=2, slot="morning", cadence=3, step="done"
        )
        child = await store.add_child(family.id, "Amy", "2024-03")
        await store.set_status(family.id, "active")
        planned.append(
            NewDelivery(child.id, family.id, iso_week(due.date()), activity.id, 1, "activity", due)
        )
    await store.insert_deliveries(planned)


async def bot_cpu(bot: BotProcess) -> float:
    """CPU seconds the bot process has used so far."""
    bot.send("cpu")
    return float((await bot.receive(timeout=30))["cpu_s"])


async def backlog_answered(
    sb: Sandbox, bot: BotProcess, replies: Replies, n: int
) -> dict[str, Any]:
    """Queue ``n`` replies at once; time until the bot has sent ``n`` answers."""
    before = sb.counters.calls["sendMessage"]
    cpu_before = await bot_cpu(bot)
    started = time.monotonic()
    for _ in range(n):
        replies.send_one()
    await sb.wait_until(lambda: sb.counters.calls["sendMessage"] - before >= n, timeout=600)
    wall = time.monotonic() - started
    await sb.wait_until(lambda: sb.pending_updates == 0, timeout=60)
    cpu = await bot_cpu(bot) - cpu_before
    return {
        "updates": n,
        "wall_s": round(wall, 2),
        "updates_per_s": round(n / wall, 1),
        "bot_cpu_ms_per_update": round(cpu * 1000 / n, 3),
    }


async def wait_for_events(store: Store, target: int, timeout: float) -> float:  # noqa: ASYNC109
    """Poll the store until ``target`` events are recorded; returns when that was seen."""
    deadline = time.monotonic() + timeout
    last_log = time.monotonic()
    while True:
        count = await count_events(store)
        now = time.monotonic()
        if count >= target:
            return now
        if now > deadline:
            raise TimeoutError(f"only {count} of {target} events recorded")
        if now - last_log > 5:
            last_log = now
            log(f"  {count} of {target} events recorded")
        await asyncio.sleep(0.02)


async def paced(
    sb: Sandbox, replies: Replies, timing: Timing, store: Store, rate: float, seconds: float
) -> dict[str, Any]:
    before = await count_events(store)
    count = int(rate * seconds)
    timing.reset()
    timing.tracking = True
    started = time.monotonic()
    for i in range(count):
        due = started + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        replies.send_one()
    offered = time.monotonic() - started
    done = await wait_for_events(store, before + count, timeout=120 + count / 50)
    await sb.wait_until(lambda: sum(map(len, timing.answered.values())) >= count, timeout=30)
    timing.tracking = False
    latencies, missing = timing.latencies_ms()
    return {
        "rate_offered": round(count / offered, 1),
        "updates": count,
        "updates_per_s": round(count / (done - started), 1),
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 1),
            "p90": round(percentile(latencies, 90), 1),
            "p99": round(percentile(latencies, 99), 1),
            "max": round(max(latencies), 1),
        },
        "unanswered": missing,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replies", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=GOAL_RATE, help="paced phase, per second")
    args = parser.parse_args()
    benchlib.quiet_logging()
    total = args.replies + int(args.rate * (PACED_SECONDS + HALF_SECONDS / 2))
    total += int(LIGHT_RATE * LIGHT_SECONDS)
    taps_needed = math.ceil(total * MIX.count("tap") / len(MIX))
    n_families = max(taps_needed // len(TAPS) + 50, 100)
    clock = Clock(START)
    sb = Sandbox()
    await sb.start()
    timing = Timing()
    sb.on_enqueue = timing.on_enqueue
    sb.on_sent = timing.on_sent
    bot: BotProcess | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="playtalk-ingest-") as tmp:
            db = Path(tmp) / "ingest.db"
            store = await open_store(db, clock)
            try:
                log(f"seeding {n_families} families, each with an activity due")
                await seed(store, sb, n_families, clock)
                # Production's options, less the jobs and the limiter (no flood control
                # in the sandbox either): the bot process sends each family its activity.
                spec = BotSpec(sb.token, sb.root, str(db), START.isoformat())
                bot = BotProcess("serve", spec)
                ready = await bot.receive(timeout=600)
                assert ready["sent"] == n_families, ready
                families = []
                for i in range(n_families):
                    user = sb.user(FIRST_CHAT + i)
                    [activity] = user.messages()
                    taps = [b["callback_data"] for row in activity.button_rows for b in row]
                    assert len(taps) == len(TAPS)
                    families.append(Family(user, activity.message_id, taps, taps[0]))
                replies = Replies(families)
                # The sandbox keeps every chat and message: leave that heap out of the
                # collector's full passes, whose pauses would otherwise show as latency.
                gc.freeze()

                log(f"backlog: {args.replies} replies queued at once")
                cpu_before = await bot_cpu(bot)
                own_before = cpu_seconds()
                sends_before = sb.counters.calls["sendMessage"]
                started = time.monotonic()
                for _ in range(args.replies):
                    replies.send_one()
                queued_s = time.monotonic() - started
                done = await wait_for_events(store, args.replies, timeout=600)
                backlog_s = done - started
                await sb.wait_until(
                    lambda: sb.counters.calls["sendMessage"] - sends_before >= args.replies,
                    timeout=120,
                )
                answered_s = time.monotonic() - started
                await sb.wait_until(lambda: sb.pending_updates == 0, timeout=60)
                cpu = await bot_cpu(bot) - cpu_before
                own = cpu_seconds() - own_before
                backlog = {
                    "updates": args.replies,
                    "queueing_s": round(queued_s, 2),
                    "wall_s": round(backlog_s, 2),
                    "updates_per_s": round(args.replies / backlog_s, 1),
                    "answered_per_s": round(args.replies / answered_s, 1),
                    "bot_cpu_ms_per_update": round(cpu * 1000 / args.replies, 3),
                    "sandbox_cpu_ms_per_update": round(own * 1000 / args.replies, 3),
                }
                log(f"backlog: {backlog}")

                log(f"paced: {args.rate:.0f} replies/s for {PACED_SECONDS:.0f}s")
                paced_figures = await paced(sb, replies, timing, store, args.rate, PACED_SECONDS)
                log(f"paced: {paced_figures}")
                half_rate = min(max(backlog["updates_per_s"] / 2, 1.0), args.rate / 2)
                log(f"half: {half_rate:.0f} replies/s for {HALF_SECONDS:.0f}s")
                half = await paced(sb, replies, timing, store, half_rate, HALF_SECONDS)
                log(f"half: {half}")
                log(f"light: {LIGHT_RATE:.0f} replies/s for {LIGHT_SECONDS:.0f}s")
                light = await paced(sb, replies, timing, store, LIGHT_RATE, LIGHT_SECONDS)
                log(f"light: {light}")
                events = await count_events(store)
                bot.send("stop")
                await bot.receive(timeout=60)
                bot.join()
                bot = None

                log(f"baseline: PTB's floor, {args.replies} replies queued at once")
                bot = BotProcess("floor", spec)
                await bot.receive(timeout=120)
                baseline = await backlog_answered(
                    sb, bot, Replies(families, baseline=True), args.replies
                )
                log(f"baseline: {baseline}")
                bot.send("stop")
                await bot.receive(timeout=60)
            finally:
                await store.close()
    finally:
        if bot is not None:
            bot.join()
        await sb.stop()
    goal_met = (
        backlog["updates_per_s"] >= GOAL_RATE
        and paced_figures["latency_ms"]["p99"] < GOAL_P99_MS
        and paced_figures["unanswered"] == 0
    )
    emit(
        {
            "benchmark": "ingest",
            "replies": args.replies,
            "families": n_families,
            "mix": {k: MIX.count(k) / len(MIX) for k in ("tap", "text", "photo", "voice")},
            "updates_per_s": backlog["updates_per_s"],
            "latency_ms_p50": paced_figures["latency_ms"]["p50"],
            "latency_ms_p99": paced_figures["latency_ms"]["p99"],
            "backlog": backlog,
            "baseline_ptb_floor": baseline,
            "of_floor": round(backlog["answered_per_s"] / baseline["updates_per_s"], 3),
            "paced": paced_figures,
            "half": half,
            "light": light,
            "events_recorded": events,
            "goal": {"updates_per_s": GOAL_RATE, "latency_ms_p99": GOAL_P99_MS},
            "goal_met": goal_met,
            "machine": {
                **machine(),
                "note": "the bot in one process, the sandbox (Telegram's stand-in) in another",
            },
        }
    )


if __name__ == "__main__":
    eventloop.run(main())
