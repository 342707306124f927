"""Weekly planning: one activity per active child per ISO week, into the outbox.

Idempotent (the outbox's unique key), so it runs hourly and, for one family, the
moment it signs up or changes its plan (plan_family, replan_family): the first
idea the summary promises is in the outbox before the summary is sent, due at
exactly the promised time. A restart loses nothing because the plan is rows, not
timers.

The plan also keeps what the replies buttons promise: "Too hard" / "Too easy"
move the child's ideas six months younger or older (adjust_level), and a second
"Not this week" in a row may lead to one message a week (lighter_cadence_due).
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.content import AREAS, MAX_AGE_MONTHS, Activity, Library, in_season
from bot.store import Delivery, NewDelivery, PlanCandidate, Store
from bot.timing import (
    TOUCH_OFFSETS,
    activity_day,
    first_delivery,
    iso_week,
    local_date,
    local_due,
    week_monday,
)
from bot.vocab import Tap

log = logging.getLogger(__name__)

PAGE = 2000
# One "Too hard" / "Too easy" moves a child's ideas this many months; two taps at most.
LEVEL_STEP = 6
LEVEL_BOUND = 12


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


def _clamp_age(months: int) -> int:
    return min(max(months, 0), MAX_AGE_MONTHS)


def leans(activity: Activity, age: int, level_offset: int) -> bool:
    """Whether an activity sits on the side of the child's age the parent asked for.

    Easier (offset < 0): its range ends below where the last step would have ended,
    so it is one the child is growing out of rather than one that merely also fits.
    More challenging (offset > 0): its range starts above that point, one the child
    is growing into. Matching the idea to the child's level is the point: texts
    matched to a child's level made children 63% more likely to read at a higher
    level (Doss et al., Journal of Human Resources).
    """
    if level_offset < 0:
        return activity.max_months < age + level_offset + LEVEL_STEP
    if level_offset > 0:
        return activity.min_months > age + level_offset - LEVEL_STEP
    return True


def choose_activity(
    library: Library,
    child_id: int,
    age_months: int,
    history: list[str],
    on: date,
    focus: str | None = None,
    level_offset: int = 0,
) -> Activity:
    """Fits the age (moved by the parent's "Too hard"/"Too easy"); no repeat until every
    fitting one was used; rotates areas; likes the season."""
    age = _clamp_age(age_months)
    target = _clamp_age(age + level_offset)
    fitting = library.fitting(target)
    if not fitting:
        raise LookupError(f"no activity fits {target} months")
    used = set(history)
    fresh = [a for a in fitting if a.id not in used]
    if not fresh:
        # Everything fitting was used: start again, least recently used first.
        last_seen = {activity_id: i for i, activity_id in enumerate(history)}
        oldest = min(last_seen.get(a.id, -1) for a in fitting)
        fresh = [a for a in fitting if last_seen.get(a.id, -1) <= oldest + len(fitting) // 2]
    # The parent's answer comes before the area rotation: they asked for a different level.
    fresh = [a for a in fresh if leans(a, age, level_offset)] or fresh
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
    seen = added = 0
    after = 0
    while True:
        page = await store.plan_candidates(after, PAGE)
        if not page:
            break
        after = page[-1].child.id
        seen += len(page)
        added += await _plan(store, library, page, now)
    if added:
        log.info("planned %d deliveries for %d children", added, seen)
    return PlanReport(_weeks(now), seen, added)


async def plan_family(store: Store, library: Library, family_id: int, now: datetime) -> int:
    """Plan one family's children now, so a slot minutes away is not missed before the
    hourly plan comes round. Returns the rows added."""
    return await _plan(store, library, await store.plan_candidates_of_family(family_id), now)


async def replan_family(
    store: Store, library: Library, family_id: int, now: datetime, child_id: int | None = None
) -> int:
    """Plan again what the family has not been sent yet (a new day, time, cadence or level)."""
    await store.unplan_unstarted(family_id, child_id)
    return await plan_family(store, library, family_id, now)


async def promised_due(
    store: Store, family_id: int, weekday: int, slot: str, timezone: str, now: datetime
) -> datetime:
    """When the family's next idea arrives: its planned row, else when the plan will put it.

    The summary says this, so what it promises is what the outbox holds.
    """
    today = local_date(now, timezone)
    for planned in await store.pending_activities(family_id):
        if local_date(planned.due_at, timezone) >= today:
            return planned.due_at
    return first_delivery(weekday, slot, timezone, now)


async def adjust_level(
    store: Store, library: Library, delivery: Delivery, tap: str, now: datetime
) -> int:
    """Answer "Too hard" / "Too easy": move the child's level, re-plan the weeks not sent.

    Returns the child's new offset in months.
    """
    months = -LEVEL_STEP if tap == Tap.TOO_HARD else LEVEL_STEP
    offset = await store.shift_level(delivery.child_id, months, LEVEL_BOUND)
    # Only weeks already planned and not begun need choosing again; with none, the
    # next plan chooses at the new level anyway (and a tap stays cheap: ingest).
    if await store.unplan_unstarted(delivery.family_id, delivery.child_id):
        await plan_family(store, library, delivery.family_id, now)
    return offset


def _previous_week(week: str) -> str:
    return iso_week(week_monday(week) - timedelta(days=7))


def lighter_cadence_due(tapped_before: set[str], week: str, cadence: int | None) -> bool:
    """Offer one message a week: "Not this week" on two weeks in a row, on three messages.

    ``tapped_before`` holds the weeks the family said "Not this week" to before this
    tap. Offered once per streak: when this week is new and makes the run exactly two
    weeks long (a third week in a row, or a sibling's tap the same week, asks nothing).
    """
    if cadence != 3 or week in tapped_before:
        return False
    weeks = tapped_before | {week}
    run, earlier = 1, _previous_week(week)
    while earlier in weeks:
        run, earlier = run + 1, _previous_week(earlier)
    later = iso_week(week_monday(week) + timedelta(days=7))
    while later in weeks:
        run, later = run + 1, iso_week(week_monday(later) + timedelta(days=7))
    return run == 2


def _weeks(now: datetime) -> tuple[str, str]:
    return iso_week(now.date()), iso_week(now.date() + timedelta(days=7))


async def _plan(store: Store, library: Library, page: list[PlanCandidate], now: datetime) -> int:
    """Plan this week and next for these children; a week whose slot has gone is skipped.

    A week's slot counts as gone exactly when it is before first_delivery(), the
    function the summary's promise comes from.
    """
    if not page:
        return 0
    ids = [c.child.id for c in page]
    history = await store.activity_history(ids)
    firsts: dict[tuple[int, str, str], datetime] = {}
    new: list[NewDelivery] = []
    for week in _weeks(now):
        planned = await store.planned_children(week, ids)
        for candidate in page:
            if candidate.child.id in planned:
                continue
            key = (candidate.weekday, candidate.slot, candidate.timezone)
            if key not in firsts:
                firsts[key] = first_delivery(*key, now)
            day = activity_day(week, candidate.weekday)
            due = local_due(day, candidate.slot, candidate.timezone)
            if due < firsts[key]:
                continue  # this week's slot has gone: the family starts next week
            focus = candidate.focus_area
            if candidate.focus_until is None or candidate.focus_until < day:
                focus = None
            local_day = local_date(due, candidate.timezone)
            chosen = choose_activity(
                library,
                candidate.child.id,
                candidate.child.age_months(local_day),
                history[candidate.child.id],
                local_day,
                focus,
                candidate.child.level_offset,
            )
            history[candidate.child.id].append(chosen.id)
            new.extend(deliveries_for(candidate, week, chosen))
    return await store.insert_deliveries(new)
