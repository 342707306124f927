"""The jobs, and the one ``Ticker.tick()`` that runs them for the app, the demo and the tests.

The app's JobQueue (APScheduler) calls ``tick_job`` every few seconds; each job runs
when its own interval has passed, measured on the monotonic clock, so a wall-clock
jump neither runs a job twice nor holds one back. Due times (an activity's slot,
the digest hour) are wall-clock moments and come from the services' clock.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram import Bot
from telegram.ext import JobQueue

from bot.digest.delivery import queue_due_digests
from bot.monthly import queue_monthly_notes
from bot.planning import plan_weeks
from bot.services import Ctx, Services
from scheduler.dispatch import DispatchReport, dispatch_due
from scheduler.nudge import nudge_quiet_families, resume_paused
from scheduler.retention import purge

log = logging.getLogger(__name__)


@dataclass
class Intervals:
    """Seconds between runs of each job; dispatch runs on every tick."""

    plan: float = 3600.0
    nudge: float = 3600.0
    digest: float = 600.0
    retention: float = 86400.0
    monthly: float = 3600.0  # hourly: the note goes on the 1st in local daytime, once


@dataclass
class Ticker:
    intervals: Intervals = field(default_factory=Intervals)
    last_tick: float = field(default_factory=time.monotonic)
    _last: dict[str, float] = field(default_factory=dict)

    def _due(self, name: str, every: float, now: float, everything: bool) -> bool:
        last = self._last.get(name)
        if everything or last is None or now - last >= every:
            self._last[name] = now
            return True
        return False

    async def tick(self, bot: Bot, s: Services, *, everything: bool = False) -> DispatchReport:
        """Run what is due, then send what the outbox holds.

        ``everything`` runs every job regardless of its interval: the demo and tests
        move a simulated clock and tick once per step.
        """
        now, iv = time.monotonic(), self.intervals
        self.last_tick = now
        if self._due("plan", iv.plan, now, everything):
            await resume_paused(s.store)
            await plan_weeks(s.store, s.library, s.clock.now())
        if self._due("nudge", iv.nudge, now, everything):
            await nudge_quiet_families(s.store, s.clock.now())
        if self._due("digest", iv.digest, now, everything):
            await queue_due_digests(s)
        if self._due("monthly", iv.monthly, now, everything):
            await queue_monthly_notes(s)
        if self._due("retention", iv.retention, now, everything):
            await purge(
                s.store, s.clock.now(), s.config.retention_months, s.config.photo_retention_months
            )
        report = await dispatch_due(bot, s)
        if report.sent or report.failed or report.skipped:
            log.info(
                "dispatch: %d sent, %d retried, %d postponed, %d failed, %d skipped",
                report.sent,
                report.retried,
                report.postponed,
                report.failed,
                report.skipped,
            )
        return report


async def tick_job(context: Ctx) -> None:
    ticker: Ticker = context.bot_data.ticker
    await ticker.tick(context.bot, context.bot_data.services)


async def dispatch_now(bot: Bot, s: Services) -> None:
    """An alert was queued: a pass of its own, beside any tick already running."""
    try:
        await dispatch_due(bot, s)
    except Exception:
        log.exception("dispatch pass for an urgent message failed; the next tick retries")


async def watchdog(ticker: Ticker, queue: JobQueue[Any] | None, every: float) -> None:
    """APScheduler times its jobs by the wall clock: set back by an hour, it would hold
    the tick back for that hour. Checked on the monotonic clock, a tick overdue by
    three intervals is brought forward to now."""
    while True:
        await asyncio.sleep(every)
        if queue is None or time.monotonic() - ticker.last_tick < 3 * every:
            continue
        for job in queue.get_jobs_by_name("tick"):
            log.warning("the tick is overdue (was the clock set back?); running it now")
            job.job.modify(next_run_time=datetime.now(UTC))
        ticker.last_tick = time.monotonic()
