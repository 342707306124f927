"""The small typed records the store hands out; nothing outside bot/store sees a row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

ROLES = ("practitioner", "lead", "safeguarding")
FAMILY_STATUSES = ("onboarding", "active", "paused", "stopped", "blocked")
DELIVERY_STATES = ("pending", "sending", "sent", "failed", "skipped", "cancelled")
TERMINAL_STATES = ("sent", "failed", "skipped", "cancelled")
TAPS = ("done", "not_this_week", "too_hard", "too_easy")


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
class OutgoingDelivery:
    """A claimed delivery with what the dispatcher needs to send it, read in one query."""

    delivery: Delivery
    chat_id: int
    locale: str
    child_name: str | None
    timezone: str
    share_photos: bool


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
