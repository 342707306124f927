"""What the practitioners' weekly digest reads: one setting, one week, a short history.

Every query here is set-based (a handful of statements per digest, however many
families a setting has): a borough-sized setting must be digested in well under a
second. The safeguarding_alerts table is never read here; flagged messages are
kept out of events, so nothing flagged can reach a digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import to_db
from bot.store.db import StoreBase

HISTORY_WEEKS = 12
# The touches that carry a new activity; 'why'/'grow' follow one up, 'checkin' is a nudge.
ACTIVITY_KINDS = ("activity", "single")


def _at(text: str) -> datetime:
    """Parse a stored instant; fromisoformat is ~20x faster than clock.from_db's strptime,
    which matters when a digest reads tens of thousands of rows."""
    return datetime.fromisoformat(text)


def _maybe_at(text: str | None) -> datetime | None:
    return _at(text) if text else None


@dataclass(frozen=True, slots=True)
class FamilyRow:
    id: int
    locale: str
    status: str
    status_changed_at: datetime
    created_at: datetime
    last_reply_at: datetime | None
    share_photos: bool
    children: tuple[str, ...]  # first names given, in enrolment order


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    family_id: int
    child_id: int
    activity_id: str
    kind: str
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class EventRow:
    """A reply; ``file_id`` of a photo is already None unless the parent agreed to share it."""

    id: int
    family_id: int
    child_name: str | None
    kind: str
    tap: str | None
    text: str | None
    file_id: str | None
    duration: int | None
    shared: bool
    created_at: datetime
    activity_id: str | None


@dataclass(frozen=True, slots=True)
class WeekCount:
    week_start: date  # the setting's local Monday (or whatever day the window starts)
    iso_week: str
    families_sent: int  # families sent at least one activity that week
    families_replied: int  # families that replied at all that week
    families_responded: int  # of the families sent an activity, those that replied


@dataclass(frozen=True, slots=True)
class DigestData:
    setting_id: int
    setting_name: str
    timezone: str
    start: datetime
    end: datetime
    families: tuple[FamilyRow, ...]
    deliveries: tuple[DeliveryRow, ...]  # activity touches sent in [start, end)
    events: tuple[EventRow, ...]  # replies in [start, end)
    weeks: tuple[WeekCount, ...]  # oldest first; the last one is [start, end)
    staff_replies: int = 0  # staff answers to this setting's families in [start, end)
    parent_answers: int = 0  # parents' answers to staff replies in [start, end)


def week_bounds(start: datetime, timezone: str, weeks: int) -> list[tuple[datetime, datetime]]:
    """[start, end) of each history week, oldest first, stepped in local wall time.

    Stepping in the setting's own time keeps every week starting at local midnight
    across a clock change, as the current window does.
    """
    tz = ZoneInfo(timezone)
    local = start.astimezone(tz).replace(tzinfo=None)
    edges = [
        (local - timedelta(days=7 * k)).replace(tzinfo=tz).astimezone(UTC)
        for k in range(weeks - 1, -2, -1)
    ]
    return list(pairwise(edges))


_FAMILIES = (
    "SELECT id, locale, status, status_changed_at, created_at, last_reply_at, share_photos"
    " FROM families WHERE setting_id = ? ORDER BY id"
)
_CHILDREN = (
    "SELECT c.family_id, c.first_name FROM children c JOIN families f ON f.id = c.family_id"
    " WHERE f.setting_id = ? AND c.first_name IS NOT NULL AND c.first_name != ''"
    " ORDER BY c.family_id, c.id"
)
# Only the touches that bring a new activity: the follow-ups ('why', 'grow') and
# check-ins are two thirds of the rows and no figure in the digest counts them.
_DELIVERIES = (
    "SELECT d.family_id, d.child_id, d.activity_id, d.kind, d.sent_at"  # noqa: S608 - constants
    " FROM families f JOIN deliveries d ON d.family_id = f.id"
    " WHERE f.setting_id = ? AND d.state = 'sent' AND d.sent_at >= ? AND d.sent_at < ?"
    f" AND d.kind IN ({', '.join(repr(k) for k in ACTIVITY_KINDS)})"
    " ORDER BY d.sent_at, d.id"
)
# A photo's or voice note's file id leaves the store only when the parent shared it
# and has not since withdrawn sharing (the one sharing choice covers both, as the
# parent is told); the reply itself still counts as a reply.
_EVENTS = (
    "SELECT e.id, e.family_id, c.first_name AS child_name, e.kind, e.tap, e.text,"
    " CASE WHEN e.kind IN ('photo', 'voice') AND NOT (e.shared = 1 AND f.share_photos = 1)"
    " THEN NULL ELSE e.file_id END AS file_id,"
    " e.duration, (e.shared = 1 AND f.share_photos = 1) AS shared, e.created_at,"
    " d.activity_id"
    " FROM families f JOIN events e ON e.family_id = f.id"
    " LEFT JOIN children c ON c.id = e.child_id"
    " LEFT JOIN deliveries d ON d.id = e.delivery_id"
    " WHERE f.setting_id = ? AND e.created_at >= ? AND e.created_at < ?"
    " ORDER BY e.created_at, e.id"
)

# The setting, with its two-way contacts of the window: staff replies sent to its
# families, and parents' answers to them.
_SETTING = (
    "SELECT name, timezone,"
    " (SELECT COUNT(*) FROM staff_replies r JOIN families f ON f.id = r.family_id"
    "  WHERE f.setting_id = ? AND r.created_at >= ? AND r.created_at < ?),"
    " (SELECT COUNT(*) FROM events e JOIN families f ON f.id = e.family_id"
    "  WHERE f.setting_id = ? AND e.created_at >= ? AND e.created_at < ?"
    "  AND e.staff_reply_id IS NOT NULL)"
    " FROM settings WHERE id = ?"
)


def _weekly_sql(weeks: int) -> str:
    """Per family, a bitmask of the weeks it was sent an activity and of those it replied.

    Parameters ?1..?weeks are the weeks' ends; then the setting and the span.
    Rows are bucketed by a CASE over the week ends and folded into one integer per
    family (SUM of DISTINCT powers of two is a bitwise OR), so a year of history is
    read once through the (family_id, time) indexes, with no per-week query and
    no sort of tens of thousands of (week, family) pairs.
    """

    def mask(column: str) -> str:
        whens = " ".join(f"WHEN {column} < ?{n + 1} THEN {1 << n}" for n in range(weeks))
        return f"CAST(SUM(DISTINCT CASE {whens} END) AS BIGINT)"  # numeric, on PostgreSQL

    kinds = ", ".join(f"'{k}'" for k in ACTIVITY_KINDS)
    setting, first, last = weeks + 1, weeks + 2, weeks + 3
    return (
        f"SELECT (SELECT {mask('d.sent_at')} FROM deliveries d"  # noqa: S608 - placeholders, constants
        f" WHERE d.family_id = f.id AND d.sent_at >= ?{first} AND d.sent_at < ?{last}"
        f" AND d.state = 'sent' AND d.kind IN ({kinds})),"
        f" (SELECT {mask('e.created_at')} FROM events e"
        f" WHERE e.family_id = f.id AND e.created_at >= ?{first} AND e.created_at < ?{last})"
        f" FROM families f WHERE f.setting_id = ?{setting}"
    )


class ReportQueries(StoreBase):
    async def digest_data(
        self, setting_id: int, start: datetime, end: datetime, weeks: int = HISTORY_WEEKS
    ) -> DigestData:
        """Everything one digest needs, read in six statements."""
        window = (setting_id, to_db(start), to_db(end))
        setting = await self.fetchone(_SETTING, (*window, *window, setting_id))
        if setting is None:
            raise LookupError(f"no setting {setting_id}")
        names: dict[int, list[str]] = {}
        for row in await self.fetchall(_CHILDREN, (setting_id,)):
            names.setdefault(row[0], []).append(row[1])
        families = tuple(
            FamilyRow(
                id=r[0],
                locale=r[1],
                status=r[2],
                status_changed_at=_at(r[3]),
                created_at=_at(r[4]),
                last_reply_at=_maybe_at(r[5]),
                share_photos=bool(r[6]),
                children=tuple(names.get(r[0], ())),
            )
            for r in await self.fetchall(_FAMILIES, (setting_id,))
        )
        deliveries = tuple(
            DeliveryRow(r[0], r[1], r[2], r[3], _at(r[4]))
            for r in await self.fetchall(_DELIVERIES, window)
        )
        events = tuple(_event(r) for r in await self.fetchall(_EVENTS, window))
        history = await self.weekly_counts(setting_id, start, end, setting[1], weeks)
        return DigestData(
            setting_id=setting_id,
            setting_name=setting[0],
            timezone=setting[1],
            start=start,
            end=end,
            families=families,
            deliveries=deliveries,
            events=events,
            weeks=history,
            staff_replies=int(setting[2]),
            parent_answers=int(setting[3]),
        )

    async def weekly_counts(
        self, setting_id: int, start: datetime, end: datetime, timezone: str, weeks: int
    ) -> tuple[WeekCount, ...]:
        """Families sent and replying per week; the last week is exactly [start, end)."""
        if not 0 < weeks <= 62:
            raise ValueError("weeks must be between 1 and 62 (one bit each in SQLite's integer)")
        bounds = week_bounds(start, timezone, weeks)
        bounds[-1] = (bounds[-1][0], end)
        params: list[Any] = [to_db(we) for _, we in bounds]
        params += [setting_id, to_db(bounds[0][0]), to_db(end)]
        sent, replied, both = [0] * weeks, [0] * weeks, [0] * weeks
        for sent_mask, replied_mask in await self.fetchall(_weekly_sql(weeks), params):
            s, r = sent_mask or 0, replied_mask or 0
            for n in range(weeks):
                bit = 1 << n
                sent[n] += bool(s & bit)
                replied[n] += bool(r & bit)
                both[n] += bool(s & r & bit)
        tz = ZoneInfo(timezone)
        out: list[WeekCount] = []
        for n, (ws, _) in enumerate(bounds):
            local = ws.astimezone(tz).date()
            year, week, _ = local.isocalendar()
            out.append(WeekCount(local, f"{year}-W{week:02d}", sent[n], replied[n], both[n]))
        return tuple(out)


def _event(r: Any) -> EventRow:
    return EventRow(
        id=r[0],
        family_id=r[1],
        child_name=r[2] or None,
        kind=r[3],
        tap=r[4],
        text=r[5],
        file_id=r[6],
        duration=r[7],
        shared=bool(r[8]),
        created_at=_at(r[9]),
        activity_id=r[10],
    )
