"""Replies are kept for a limited time: words and taps 12 months, photo/voice file ids 6."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.store import Store

log = logging.getLogger(__name__)

DAYS_PER_MONTH = 30.44


def cutoff(now: datetime, months: int) -> datetime:
    return now - timedelta(days=round(months * DAYS_PER_MONTH))


async def purge(store: Store, now: datetime, months: int, photo_months: int) -> tuple[int, int]:
    deleted, cleared = await store.purge_replies(cutoff(now, months), cutoff(now, photo_months))
    if deleted or cleared:
        log.info("retention: %d old replies deleted, %d file ids forgotten", deleted, cleared)
    return deleted, cleared
