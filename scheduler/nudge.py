"""Families who have gone quiet get one gentle check-in; paused families come back."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.store import Store
from bot.timing import in_quiet_hours, iso_week, local_date, local_due

log = logging.getLogger(__name__)

QUIET_AFTER = timedelta(weeks=3)


def checkin_time(now: datetime, timezone: str) -> datetime:
    """Now, unless it is quiet hours: then the next morning slot."""
    if not in_quiet_hours(now, timezone):
        return now
    day = local_date(now, timezone)
    due = local_due(day, "morning", timezone)
    return due if due > now else local_due(day + timedelta(days=1), "morning", timezone)


async def nudge_quiet_families(store: Store, now: datetime) -> int:
    """Returns how many families were moved to one message a week and asked."""
    count = 0
    for family_id in await store.quiet_families(now - QUIET_AFTER):
        family = await store.get_family(family_id)
        children = await store.children_of(family_id)
        setting = await store.get_setting(family.setting_id) if family else None
        if family is None or not children or setting is None:
            continue
        due = checkin_time(now, setting.timezone)
        await store.mark_checked_in(family_id)
        await store.add_checkin(family_id, children[0].id, iso_week(due.date()), due)
        count += 1
    if count:
        log.info("checked in with %d quiet families", count)
    return count


async def resume_paused(store: Store) -> int:
    return await store.resume_paused_families()
