"""The computed digest: numbers and short texts, no markup and no translations.

Renderers own wording and markup, so one Digest serves Telegram, the printable
page and the CSV alike, and the numbers can be checked without any of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

# Who a reply is about: the child it named, else the family's children (listed by each
# reader's language when rendered), else nobody named.
Who = str | tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Rate:
    """``part`` of ``whole`` families; kept as counts so a renderer can say "3 of 5"."""

    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.part / self.whole if self.whole else None


@dataclass(frozen=True, slots=True)
class Headline:
    enrolled: int  # active or paused
    active: int
    new: int
    paused: int
    stopped: int
    blocked: int
    activities_sent: int
    families_sent: int
    families_replied: int
    response: Rate  # families that replied, of those sent an activity
    previous: Rate  # the same for the week before
    change_points: float | None  # response rate change in percentage points


@dataclass(frozen=True, slots=True)
class Photo:
    file_id: str
    child: Who
    activity: str | None
    at: datetime  # local time of the setting
    event_id: int = 0  # what a Reply button under it answers
    family_id: int = 0


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    child: Who
    activity: str | None
    locale: str
    at: datetime
    event_id: int = 0
    family_id: int = 0


@dataclass(frozen=True, slots=True)
class Voice:
    file_id: str
    duration: int | None  # seconds
    child: Who
    activity: str | None
    at: datetime
    event_id: int = 0
    family_id: int = 0


@dataclass(frozen=True, slots=True)
class Highlights:
    photos: tuple[Photo, ...]
    quotes: tuple[Quote, ...]
    voices: tuple[Voice, ...]
    shared_photos: int  # all shared photos this week, of which ``photos`` are the latest


@dataclass(frozen=True, slots=True)
class QuietFamily:
    family_id: int
    children: tuple[str, ...]
    locale: str
    days_quiet: int
    never_replied: bool


@dataclass(frozen=True, slots=True)
class EquityRow:
    key: str  # a locale code or an activity area
    rate: Rate


@dataclass(frozen=True, slots=True)
class Equity:
    by_language: tuple[EquityRow, ...]  # lowest response first
    by_area: tuple[EquityRow, ...]  # in the library's area order


@dataclass(frozen=True, slots=True)
class Evidence:
    """Figures behind the three standards for working with families."""

    enrolled: int  # establish relationships with parents
    active: int
    new: int
    replies: int  # two-way information sharing
    families_replied: int
    photos: int
    texts: int
    voices: int
    taps: int
    quiet: int  # reach the families least likely to engage
    lowest_language: EquityRow | None
    staff_replies: int = 0  # two-way contacts: staff answers sent to families this week
    parent_answers: int = 0  # and parents' answers back to them


@dataclass(frozen=True, slots=True)
class TrendPoint:
    week_start: date
    iso_week: str
    sent: int
    replied: int
    rate: Rate


@dataclass(frozen=True, slots=True)
class EventLine:
    """One reply as the CSV export lists it."""

    at: datetime  # local time of the setting
    family_ref: str
    child: Who
    locale: str
    kind: str
    activity: str | None
    text: str | None  # the words, or the tap's code for a tap
    file_id: str | None


@dataclass(frozen=True, slots=True)
class Digest:
    setting_id: int
    timezone: str
    week_start: datetime  # UTC, inclusive
    week_end: datetime  # UTC, exclusive
    first_day: date  # local
    last_day: date  # local, inclusive
    headline: Headline
    highlights: Highlights
    reach_out: tuple[QuietFamily, ...]  # longest quiet first
    equity: Equity
    evidence: Evidence
    trend: tuple[TrendPoint, ...]  # oldest first, this week last
    events: tuple[EventLine, ...]  # the week's replies, oldest first
