"""JobQueue callbacks: thin wrappers that find the services and call the real work."""

from __future__ import annotations

import logging

from telegram.ext import ContextTypes

from bot.services import services
from scheduler.digest import send_due_digests
from scheduler.dispatch import dispatch_due
from scheduler.nudge import nudge_quiet_families, resume_paused
from scheduler.plan import plan_weeks
from scheduler.retention import purge

log = logging.getLogger(__name__)


async def plan_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    s = services(context)
    await resume_paused(s.store)
    await plan_weeks(s.store, s.library, s.clock.now())


async def dispatch_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    s = services(context)
    report = await dispatch_due(context.bot, s)
    if report.sent or report.failed or report.skipped:
        log.info(
            "dispatch: %d sent, %d retried, %d postponed, %d failed, %d skipped",
            report.sent,
            report.retried,
            report.postponed,
            report.failed,
            report.skipped,
        )


async def nudge_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    s = services(context)
    await nudge_quiet_families(s.store, s.clock.now())


async def digest_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    s = services(context)
    await send_due_digests(context.bot, s)


async def retention_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    s = services(context)
    await purge(s.store, s.clock.now(), s.config.retention_months, s.config.photo_retention_months)
