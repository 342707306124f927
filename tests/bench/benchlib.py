"""Shared bits of the benchmarks: paths, logging to stderr, one JSON line on stdout.

Not a benchmark itself; ``fanout.py``, ``ingest.py`` and ``memory.py`` import it.
"""

from __future__ import annotations

import json
import logging
import math
import os
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def log(message: str) -> None:
    """Progress goes to stderr; stdout carries only the final JSON line."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def quiet_logging() -> None:
    """Keep the bot's own INFO logging (one line per family marked inactive…) off the run."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    for name in ("httpx", "telegram", "apscheduler", "aiohttp.access"):
        logging.getLogger(name).setLevel(logging.WARNING)


def speed_probe_ms() -> float:
    """Milliseconds for a fixed pure-Python loop (best of five).

    The benchmark machine is a VM whose speed moves: the same fan-out sent 1 148 and
    585-640 msg/s half an hour apart. This number, taken at the end of every run, says
    how fast Python itself ran then. It cannot see slowness in the kernel's networking
    or scheduling, so compare a rate with the baseline of its own run first.
    """
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def cpu_seconds() -> float:
    """CPU seconds this process has used so far (user + system, all threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine() -> dict[str, Any]:
    """What ran the benchmark; the load average shows other work sharing the CPUs."""
    return {
        "cpus": os.cpu_count(),
        "speed_probe_ms": speed_probe_ms(),
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
    return ordered[rank - 1]


def emit(figures: dict[str, Any]) -> None:
    print(json.dumps(figures, ensure_ascii=False, sort_keys=False), flush=True)
