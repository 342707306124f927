"""Fan-out on PostgreSQL by 1, 2 and 3 `playtalk run` processes sharing one outbox.

Each round prepares a fresh PostgreSQL database (tests/pgserver.py: a throw-away
cluster) with N families, one activity each due now, at local midday; starts k real
`playtalk run` processes on it, the sandbox in this process answering them all; and
waits until every family has its activity. Two settings:

* capped: the sandbox enforces Telegram's 30 msg/s overall and 1 msg/s per chat
  (429 + retry_after) and the processes run with PLAYTALK_MAX_RATE=30. The figure to
  read is the overall rate against the cap: shared through the database, it must stay
  under 30 msg/s with 0 × 429 for every k, not become k × 30.
* uncapped: no flood control, PLAYTALK_MAX_RATE=5000: how the work spreads over k
  processes, against k = 1 of the same run (on a 2-core machine the processes, the
  PostgreSQL server and the sandbox share the two cores, so little scaling is
  possible here; the figure shows the cost of sharing, not a machine's capacity).

Prints one JSON line. Usage: .venv/bin/python tests/bench/shared_fanout.py [--families N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

import benchlib  # noqa: E402

from bot.sandbox import Sandbox  # noqa: E402
from tests.pgserver import PgServer  # noqa: E402
from tests.reliability.crash_harness import BotProcess, DbView, prepare_database  # noqa: E402


async def one_round(
    server: PgServer, families: int, processes: int, capped: bool, workdir: Path
) -> dict[str, object]:
    db = await server.fresh_database()
    try:
        chats = await prepare_database(db, families)
        async with Sandbox() as sb:
            if capped:
                sb.faults.rate_limit = True
                sb.faults.rate_limit_per_second = 30
                sb.faults.per_chat_limit = True
                sb.faults.per_chat_per_second = 1
            for chat in chats:
                sb.user(chat)
            arrivals: list[float] = []
            sb.on_sent = lambda _sent, at: arrivals.append(at)
            rate = "30" if capped else "5000"
            bots = [
                BotProcess(sb, db, workdir, PLAYTALK_MAX_RATE=rate, PLAYTALK_DISPATCH_SECONDS="0.5")
                for _ in range(processes)
            ]
            for bot in bots:
                await bot.start()
            deadline = time.monotonic() + 600
            while len({m.chat_id for m in sb.sent()}) < families:
                if time.monotonic() > deadline or not all(b.running for b in bots):
                    raise RuntimeError(bots[0].stderr_tail())
                await asyncio.sleep(0.05)
            rows = await DbView(db).sent_rows()
            for bot in bots:
                await bot.stop()
            sent = sb.sent()
            counts = Counter(m.chat_id for m in sent)
            span = max(arrivals[-1] - arrivals[0], 1e-9)
            share = Counter(by.split(":")[1] for _, _, by in rows.values() if by)
            return {
                "processes": processes,
                "msg_per_s": round((len(sent) - 1) / span, 1),
                "rate_limited_429": sb.counters.rate_limited,
                "lost": sum(1 for c in chats if counts[c] == 0),
                "duplicated": sum(1 for c in chats if counts[c] > 1),
                "per_process": sorted(share.values(), reverse=True),
                "wall_s": round(span, 1),
            }
    finally:
        await server.drop(db)


async def main_async(args: argparse.Namespace) -> dict[str, object]:
    benchlib.quiet_logging()
    server = await asyncio.to_thread(PgServer.start)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out: dict[str, object] = {"families": args.families}
            for capped in (True, False):
                key = "capped_30" if capped else "uncapped"
                n = args.families if not capped else min(args.families, args.capped_families)
                rounds = []
                for k in (1, 2, 3):
                    benchlib.log(f"{key}: {k} process(es), {n} families")
                    rounds.append(await one_round(server, n, k, capped, Path(tmp)))
                    benchlib.log(f"  {rounds[-1]}")
                base = float(rounds[0]["msg_per_s"])  # type: ignore[arg-type]
                for r in rounds:
                    r["vs_one_process"] = round(float(r["msg_per_s"]) / base, 2)  # type: ignore[arg-type]
                out[key] = rounds
            out["machine"] = benchlib.machine()
            return out
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", type=int, default=6000)
    parser.add_argument("--capped-families", type=int, default=900)
    print(json.dumps(asyncio.run(main_async(parser.parse_args()))))


if __name__ == "__main__":
    main()
