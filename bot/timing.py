"""When things reach a family: slots, ISO weeks, clock changes, quiet hours.

Pure functions, so the October and March clock changes can be tested directly.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The four times a parent can choose; all inside 08:00-20:00 local.
SLOTS: dict[str, time] = {
    "morning": time(9, 30),
    "lunchtime": time(12, 30),
    "afternoon": time(16, 0),
    "evening": time(18, 0),
}
QUIET_START = time(20, 0)
QUIET_END = time(8, 0)
# Touch 2 ("why it matters") and 3 ("take it further") follow the activity by these many days.
TOUCH_OFFSETS = {1: 0, 2: 2, 3: 4}


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def local_due(day: date, slot: str, timezone: str) -> datetime:
    """The UTC instant of ``slot`` on ``day`` in the setting's zone (DST-correct).

    Slot times are never inside a clock-change gap (01:00-02:00 in the UK), so
    zoneinfo's fold handling never has to guess.
    """
    local = datetime.combine(day, SLOTS[slot], tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC)


def in_quiet_hours(when: datetime, timezone: str) -> bool:
    local = when.astimezone(ZoneInfo(timezone)).time()
    return local >= QUIET_START or local < QUIET_END


def local_date(when: datetime, timezone: str) -> date:
    return when.astimezone(ZoneInfo(timezone)).date()


def activity_day(week: str, weekday: int) -> date:
    return week_monday(week) + timedelta(days=weekday)


def first_delivery(weekday: int, slot: str, timezone: str, now: datetime) -> datetime:
    """The next time this family's chosen day and slot comes round, after now."""
    today = local_date(now, timezone)
    for offset in range(8):
        day = today + timedelta(days=offset)
        if day.weekday() == weekday:
            due = local_due(day, slot, timezone)
            if due > now:
                return due
    raise AssertionError("a weekday always recurs within 8 days")


def next_morning(now: datetime, timezone: str) -> datetime:
    """The end of the quiet hours that ``now`` falls in: 08:00 local, today or tomorrow."""
    day = local_date(now, timezone)
    morning = datetime.combine(day, QUIET_END, tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    return (
        morning
        if morning > now
        else (
            datetime.combine(
                day + timedelta(days=1), QUIET_END, tzinfo=ZoneInfo(timezone)
            ).astimezone(UTC)
        )
    )
