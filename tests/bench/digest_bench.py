"""Benchmark: the weekly digest of a 1 000-family setting with a year of history.

Run: ``.venv/bin/python tests/bench/digest_bench.py``. Prints one JSON line on
stdout (a breakdown per stage goes to stderr). ``seconds_median`` times, per run,
reading the rows, ``compute`` and every renderer (Telegram messages and album,
chart, HTML file, CSV); it is the median of 5 runs after one warm-up run.
``baseline_seconds`` is a deliberately naive per-family query loop that works out
only the headline figures, measured the same way in the same process.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.clock import to_db  # noqa: E402
from bot.digest.chart import render_chart  # noqa: E402
from bot.digest.compute import compute  # noqa: E402
from bot.digest.csv import render_csv  # noqa: E402
from bot.digest.html import render_html  # noqa: E402
from bot.digest.model import Digest, Rate  # noqa: E402
from bot.digest.telegram import render_album, render_messages  # noqa: E402
from bot.i18n import LOCALES, Catalogs, Translator  # noqa: E402
from bot.store.reports import ACTIVITY_KINDS, ReportQueries  # noqa: E402
from bot.vocab import Area  # noqa: E402

FAMILIES = 1000
WEEKS = 52
RUNS = 5
GOAL = 0.3
FIRST_MONDAY = datetime(2025, 1, 6, tzinfo=UTC)  # Europe/London is UTC in January
START = FIRST_MONDAY + timedelta(weeks=WEEKS - 1)
AREAS = tuple(Area)
ACTIVITIES = [f"{AREAS[i % 3]}-activity-{i}" for i in range(30)]
WORDS = ["we", "played", "sang", "counted", "stairs", "=1+1", "شكرا", "dziękuję", "<b>", "&"]
_HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'


class BenchStore(ReportQueries):
    pass


def _window() -> tuple[datetime, datetime]:
    # The last week of the history, as local (Europe/London) midnights in UTC.
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    day = (FIRST_MONDAY + timedelta(weeks=WEEKS - 1)).date()
    start = datetime(day.year, day.month, day.day, tzinfo=london).astimezone(UTC)
    nxt = day + timedelta(days=7)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=london).astimezone(UTC)
    return start, end


async def populate(store: BenchStore, rng: random.Random) -> None:
    families: list[tuple[Any, ...]] = []
    children: list[tuple[Any, ...]] = []
    deliveries: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    child_id = delivery_id = 0
    for fid in range(1, FAMILIES + 1):
        joined_week = rng.randrange(0, WEEKS - 2) if rng.random() < 0.5 else 0
        created = FIRST_MONDAY + timedelta(weeks=joined_week, hours=rng.randrange(0, 150))
        status = rng.choices(
            ["active", "paused", "stopped", "blocked", "onboarding"], [85, 5, 5, 3, 2]
        )[0]
        changed = (
            created if status == "active" else START + timedelta(hours=rng.randrange(-500, 160))
        )
        engaged = rng.random()  # some families reply most weeks, some never
        kids = []
        for _ in range(1 if rng.random() < 0.7 else 2):
            child_id += 1
            kids.append(child_id)
            name = rng.choice(["Amira", "Ben", "Yusuf", "Zofia", "Kwame", "Ana", None])
            children.append((child_id, fid, name, to_db(created)))
        last_reply: datetime | None = None
        # Families that left stopped receiving activities when they left.
        last_week = (
            WEEKS if status == "active" else max(joined_week, (changed - FIRST_MONDAY).days // 7)
        )
        if status == "onboarding":
            last_week = joined_week
        for week in range(joined_week, last_week):
            monday = FIRST_MONDAY + timedelta(weeks=week)
            sent = monday + timedelta(hours=rng.randrange(8, 100))
            first_delivery = delivery_id + 1
            for kid in kids:
                activity = rng.choice(ACTIVITIES)
                for touch, kind in ((1, "activity"), (2, "why"), (3, "grow")):
                    delivery_id += 1
                    at = to_db(sent + timedelta(days=touch - 1))
                    deliveries.append(
                        (delivery_id, kid, fid, f"W{week}", activity, touch, kind, at, at)
                    )
            if rng.random() < engaged * 0.8:
                for _ in range(rng.randrange(1, 4)):
                    at = sent + timedelta(hours=rng.randrange(1, 60))
                    kind = rng.choice(["tap", "text", "photo", "voice"])
                    text = " ".join(rng.choices(WORDS, k=rng.randrange(3, 60)))
                    events.append((
                        fid, rng.choice(kids), rng.randrange(first_delivery, delivery_id + 1),
                        kind, "done" if kind == "tap" else None, text if kind == "text" else None,
                        f"file-{len(events)}" if kind in ("photo", "voice") else None,
                        rng.randrange(5, 120) if kind == "voice" else None,
                        int(rng.random() < 0.6), to_db(at),
                    ))  # fmt: skip
                    last_reply = max(last_reply or at, at)
        families.append(
            (fid, rng.choice(LOCALES), status, to_db(changed), to_db(created),
             to_db(last_reply) if last_reply else None, int(rng.random() < 0.7))
        )  # fmt: skip
    async with store.write() as db:
        await db.execute(
            "INSERT INTO settings (id, name, timezone, parent_code, created_at)"
            " VALUES (1, 'Bench Nursery', 'Europe/London', 'BENCH', '2025-01-01T00:00:00Z')"
        )
        await db.executemany(
            "INSERT INTO families (id, setting_id, chat_id, locale, status, status_changed_at,"
            " created_at, last_reply_at, share_photos, consent_at, notice_version, step)"
            " VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, 'v1', 'done')",
            [(f[0], f[0], *f[1:], f[4]) for f in families],
        )
        await db.executemany(
            "INSERT INTO children (id, family_id, first_name, birth_month, created_at)"
            " VALUES (?, ?, ?, '2022-05', ?)",
            children,
        )
    async with store.write() as db:
        await db.executemany(
            "INSERT INTO deliveries (id, child_id, family_id, iso_week, activity_id, touch, kind,"
            " state, due_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'sent', ?, ?)",
            deliveries,
        )
    async with store.write() as db:
        await db.executemany(
            "INSERT INTO events (family_id, child_id, delivery_id, kind, tap, text, file_id,"
            " duration, shared, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            events,
        )
    await store.fetchall("ANALYZE")


async def optimised(store: BenchStore, t: Translator, parts: dict[str, list[float]]) -> Digest:
    start, end = _window()
    marks = [time.perf_counter()]

    def lap(name: str) -> None:
        marks.append(time.perf_counter())
        parts.setdefault(name, []).append(marks[-1] - marks[-2])

    data = await store.digest_data(1, start, end)
    lap("query")
    digest = compute(data, start, end, lambda a: a.split("-")[0], lambda a: a.replace("-", " "))
    lap("compute")
    render_messages(digest, t, "Bench Nursery")
    render_album(digest, t)
    lap("telegram")
    png = render_chart(digest, t)
    lap("chart")
    render_html(digest, t, "Bench Nursery", png)
    lap("html")
    render_csv(digest, t)
    lap("csv")
    return digest


async def naive(store: BenchStore) -> dict[str, Any]:
    """One family at a time, several queries each: what the digest must not do."""
    start, end = _window()
    prev = start - timedelta(weeks=1)
    kinds = ACTIVITY_KINDS
    figures = dict.fromkeys(("enrolled", "new", "paused", "stopped", "blocked", "activities"), 0)
    sent_now = replied_now = responded_now = sent_prev = responded_prev = 0
    ids = await store.fetchall("SELECT id FROM families WHERE setting_id = ?", (1,))
    for (fid,) in ids:
        fam = await store.fetchone("SELECT * FROM families WHERE id = ?", (fid,))
        assert fam is not None
        figures["enrolled"] += fam["status"] in ("active", "paused")
        created, changed = fam["created_at"], fam["status_changed_at"]
        figures["new"] += fam["status"] != "onboarding" and to_db(start) <= created < to_db(end)
        for status in ("paused", "stopped", "blocked"):
            figures[status] += fam["status"] == status and to_db(start) <= changed < to_db(end)
        counts = []
        for a, b in ((start, end), (prev, start)):
            sent = await store.fetchall(
                "SELECT * FROM deliveries WHERE family_id = ? AND state = 'sent'"
                " AND sent_at >= ? AND sent_at < ?",
                (fid, to_db(a), to_db(b)),
            )
            replies = await store.fetchall(
                "SELECT * FROM events WHERE family_id = ? AND created_at >= ? AND created_at < ?",
                (fid, to_db(a), to_db(b)),
            )
            counts.append((sum(1 for d in sent if d["kind"] in kinds), len(replies)))
        (n_sent, n_replies), (p_sent, p_replies) = counts
        figures["activities"] += n_sent
        sent_now += n_sent > 0
        replied_now += n_replies > 0
        responded_now += n_sent > 0 and n_replies > 0
        sent_prev += p_sent > 0
        responded_prev += p_sent > 0 and p_replies > 0
    figures.update(
        families_sent=sent_now,
        families_replied=replied_now,
        response=Rate(responded_now, sent_now),
        previous=Rate(responded_prev, sent_prev),
    )
    return figures


async def timed(run: Callable[[], Awaitable[Any]]) -> tuple[float, float, Any]:
    """Median wall-clock and CPU seconds (CPU includes the SQLite thread)."""
    await run()  # warm-up: imports, font cache, SQLite page cache, chart template
    wall, cpu, result = [], [], None
    for _ in range(RUNS):
        began, began_cpu = time.perf_counter(), time.process_time()
        result = await run()
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return statistics.median(wall), statistics.median(cpu), result


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for domain in ("bot", "content"):
            po = root / "locales" / "en" / "LC_MESSAGES" / f"{domain}.po"
            po.parent.mkdir(parents=True, exist_ok=True)
            po.write_text(_HEADER, encoding="utf-8")
        t = Catalogs(root=root / "locales", locales=("en",)).for_locale("en")
        store: BenchStore = await BenchStore.open(root / "bench.db")
        try:
            await populate(store, random.Random(20250106))
            parts: dict[str, list[float]] = {}
            seconds, cpu, digest = await timed(lambda: optimised(store, t, parts))
            baseline, baseline_cpu, figures = await timed(lambda: naive(store))
        finally:
            await store.close()
    h = digest.headline
    assert (h.enrolled, h.new, h.paused, h.stopped, h.blocked, h.activities_sent) == (
        figures["enrolled"], figures["new"], figures["paused"], figures["stopped"],
        figures["blocked"], figures["activities"],
    )  # fmt: skip
    assert (h.families_sent, h.families_replied) == (
        figures["families_sent"],
        figures["families_replied"],
    )
    assert (h.response, h.previous) == (figures["response"], figures["previous"])
    breakdown = {name: round(statistics.median(v), 4) for name, v in parts.items()}
    detail = {
        "parts_median": breakdown,
        "cpu_seconds_median": round(cpu, 4),
        "baseline_cpu_seconds": round(baseline_cpu, 4),
        "events_in_week": len(digest.events),
    }
    print(json.dumps(detail), file=sys.stderr)
    print(
        json.dumps(
            {
                "bench": "digest",
                "families": FAMILIES,
                "weeks": WEEKS,
                "seconds_median": round(seconds, 4),
                "goal_seconds": GOAL,
                "baseline_seconds": round(baseline, 4),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
