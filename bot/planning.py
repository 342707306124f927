"""Weekly planning: one activity per active child per ISO week, into the outbox.

Idempotent (the outbox's unique key), so it runs hourly and after every
enrolment; a restart loses nothing because the plan is rows, not timers.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.content import AREAS, Activity, Library, in_season
from bot.store import NewDelivery, PlanCandidate, Store
from bot.timing import TOUCH_OFFSETS, activity_day, iso_week, local_date, local_due

log = logging.getLogger(__name__)

PAGE = 2000


@dataclass(frozen=True)
class PlanReport:
    weeks: tuple[str, ...]
    children_seen: int
    deliveries_added: int


def next_area(history: list[str], library: Library, child_id: int = 0) -> str:
    """personal/social/emotional -> communication and language -> maths -> ...

    A new child starts at an area given by its id, so a setting's families are
    spread over all three areas each week rather than moving in lockstep.
    """
    for activity_id in reversed(history):
        last = library.get(activity_id)
        if last is not None:
            return AREAS[(AREAS.index(last.area) + 1) % len(AREAS)]
    return AREAS[child_id % len(AREAS)]


def choose_activity(
    library: Library,
    child_id: int,
    age_months: int,
    history: list[str],
    on: date,
    focus: str | None = None,
) -> Activity:
    """Fits the age; no repeat until every fitting one was used; rotates areas; likes the season."""
    age = min(max(age_months, 0), 60)
    fitting = library.fitting(age)
    if not fitting:
        raise LookupError(f"no activity fits {age} months")
    used = set(history)
    fresh = [a for a in fitting if a.id not in used]
    if not fresh:
        # Everything fitting was used: start again, least recently used first.
        last_seen = {activity_id: i for i, activity_id in enumerate(history)}
        oldest = min(last_seen.get(a.id, -1) for a in fitting)
        fresh = [a for a in fitting if last_seen.get(a.id, -1) <= oldest + len(fitting) // 2]
    area = focus or next_area(history, library, child_id)
    pool = [a for a in fresh if a.area == area] or fresh
    # A stable spread so siblings and neighbours do not all get the same idea.
    spread = zlib.crc32(f"{child_id}:{on.isoformat()}".encode())
    seasonal = [a for a in pool if any(in_season(tag, on) for tag in a.season)]
    timeless = [a for a in pool if not a.season]
    # Half the children get a seasonal idea when there is one; nobody gets one out of season.
    pool = seasonal if seasonal and (spread % 2 == 0 or not timeless) else timeless or pool
    return sorted(pool, key=lambda a: a.id)[(spread // 2) % len(pool)]


def deliveries_for(candidate: PlanCandidate, week: str, activity: Activity) -> list[NewDelivery]:
    day = activity_day(week, candidate.weekday)
    touches = (
        [(1, "activity"), (2, "why"), (3, "grow")] if candidate.cadence == 3 else [(1, "single")]
    )
    return [
        NewDelivery(
            child_id=candidate.child.id,
            family_id=candidate.family_id,
            iso_week=week,
            activity_id=activity.id,
            touch=touch,
            kind=kind,
            due_at=local_due(
                day + timedelta(days=TOUCH_OFFSETS[touch]), candidate.slot, candidate.timezone
            ),
        )
        for touch, kind in touches
    ]


async def plan_weeks(store: Store, library: Library, now: datetime) -> PlanReport:
    """Plan this ISO week (where the family's slot is still ahead) and next week."""
    this_week = iso_week(now.date())
    next_week = iso_week(now.date() + timedelta(days=7))
    seen = added = 0
    after = 0
    while True:
        page = await store.plan_candidates(after, PAGE)
        if not page:
            break
        after = page[-1].child.id
        seen += len(page)
        ids = [c.child.id for c in page]
        history = await store.activity_history(ids)
        new: list[NewDelivery] = []
        for week in (this_week, next_week):
            planned = await store.planned_children(week, ids)
            for candidate in page:
                if candidate.child.id in planned:
                    continue
                day = activity_day(week, candidate.weekday)
                if local_due(day, candidate.slot, candidate.timezone) <= now:
                    continue  # this week's slot has gone: the family starts next week
                focus = candidate.focus_area
                if candidate.focus_until is None or candidate.focus_until < day:
                    focus = None
                local_day = local_date(
                    local_due(day, candidate.slot, candidate.timezone), candidate.timezone
                )
                chosen = choose_activity(
                    library,
                    candidate.child.id,
                    candidate.child.age_months(local_day),
                    history[candidate.child.id],
                    local_day,
                    focus,
                )
                history[candidate.child.id].append(chosen.id)
                new.extend(deliveries_for(candidate, week, chosen))
        added += await store.insert_deliveries(new)
    if added:
        log.info("planned %d deliveries for %d children", added, seen)
    return PlanReport((this_week, next_week), seen, added)
