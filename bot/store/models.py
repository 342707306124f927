"""The small typed records the store hands out; nothing outside bot/store sees a row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Setting:
    id: int
    name: str
    timezone: str
    parent_code: str
    digest_weekday: int
    digest_hour: int
    focus_area: str | None
    focus_until: date | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Practitioner:
    id: int
    setting_id: int
    user_id: int
    chat_id: int
    role: str
    locale: str
    blocked_at: datetime | None = None
    blocked_reason: str | None = None
    display_name: str | None = None  # what families see under a staff reply
    awaiting: str | None = None  # JSON: what this person is in the middle of writing


@dataclass(frozen=True, slots=True)
class Family:
    id: int
    setting_id: int
    chat_id: int
    locale: str
    status: str
    status_reason: str | None
    paused_until: datetime | None
    consent_at: datetime
    notice_version: str
    share_photos: bool | None
    step: str
    draft_name: str | None
    draft_year: int | None
    weekday: int | None
    slot: str | None
    cadence: int | None
    last_reply_at: datetime | None
    checkin_sent_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Child:
    id: int
    family_id: int
    first_name: str | None
    birth_month: str  # "YYYY-MM"
    # Months added to the age when choosing ideas: "Too hard" lowers it, "Too easy" raises it.
    level_offset: int = 0

    def age_months(self, on: date) -> int:
        year, month = (int(part) for part in self.birth_month.split("-"))
        return (on.year - year) * 12 + (on.month - month)


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    child_id: int
    family_id: int
    iso_week: str
    activity_id: str
    touch: int
    kind: str
    due_at: datetime
    state: str
    attempts: int
    last_error: str | None
    message_id: int | None
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A claimed outbox row with what sending it needs, read in one query.

    Family rows (activities, check-ins) carry their ``delivery``; staff rows (alerts,
    digest parts) carry a JSON ``payload`` and the ``practitioner_id`` they go to.
    ``attempts`` counts the tries before this one.
    """

    id: int
    kind: str
    chat_id: int
    locale: str
    timezone: str
    due_at: datetime
    attempts: int
    last_error: str | None
    priority: int
    group_key: str | None
    seq: int
    payload: str | None
    family_id: int | None
    practitioner_id: int | None
    delivery: Delivery | None
    child_name: str | None
    share_photos: bool

    @property
    def to_staff(self) -> bool:
        return self.practitioner_id is not None


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    family_id: int
    child_id: int | None
    delivery_id: int | None
    kind: str
    tap: str | None
    text: str | None
    file_id: str | None
    duration: int | None
    shared: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PlanCandidate:
    """An active child the weekly planner has to give an activity to."""

    child: Child
    family_id: int
    setting_id: int
    locale: str
    weekday: int
    slot: str
    cadence: int
    timezone: str
    focus_area: str | None
    focus_until: date | None
