"""Turn the store's rows into the digest's figures: pure, so every number is testable."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.content import AREAS
from bot.digest.model import (
    Digest,
    Equity,
    EquityRow,
    EventLine,
    Evidence,
    Headline,
    Highlights,
    Photo,
    QuietFamily,
    Quote,
    Rate,
    TrendPoint,
    Voice,
    Who,
)
from bot.store.reports import ACTIVITY_KINDS, DeliveryRow, DigestData, EventRow, FamilyRow

QUIET_DAYS = 21
MAX_PHOTOS = 30  # three albums of ten (bot/outbox.py photo_parts splits them)
MAX_QUOTES = 5
QUOTE_CHARS = 200
ENROLLED = ("active", "paused")


def compute(
    data: DigestData,
    week_start: datetime,
    week_end: datetime,
    activity_area: Callable[[str], str | None],
    activity_title: Callable[[str], str],
) -> Digest:
    """The digest for [week_start, week_end) from rows already limited to that window.

    The response rate counts families, not messages: of the families sent at least
    one activity this week, how many replied this week (any reply counts).
    """
    tz = ZoneInfo(data.timezone)
    titles: dict[str, str] = {}

    def title(activity_id: str | None) -> str | None:
        if activity_id is None:
            return None
        if activity_id not in titles:
            titles[activity_id] = activity_title(activity_id)
        return titles[activity_id]

    families = {f.id: f for f in data.families}
    in_week = [e for e in data.events if week_start <= e.created_at < week_end]
    activities = [
        d
        for d in data.deliveries
        if d.kind in ACTIVITY_KINDS and week_start <= d.sent_at < week_end
    ]
    sent = {d.family_id for d in activities}
    replied = {e.family_id for e in in_week}
    response = Rate(len(sent & replied), len(sent))
    previous = _previous(data)
    now_pct, prev_pct = response.percent, previous.percent
    change = None if now_pct is None or prev_pct is None else round(now_pct - prev_pct, 1)

    def changed(status: str) -> int:
        return sum(
            1
            for f in data.families
            if f.status == status and week_start <= f.status_changed_at < week_end
        )

    active = sum(1 for f in data.families if f.status == "active")
    enrolled = sum(1 for f in data.families if f.status in ENROLLED)
    new = sum(
        1
        for f in data.families
        if f.status != "onboarding" and week_start <= f.created_at < week_end
    )
    headline = Headline(
        enrolled=enrolled,
        active=active,
        new=new,
        paused=changed("paused"),
        stopped=changed("stopped"),
        blocked=changed("blocked"),
        activities_sent=len(activities),
        families_sent=len(sent),
        families_replied=len(replied),
        response=response,
        previous=previous,
        change_points=change,
    )
    newest_first = sorted(in_week, key=lambda e: (e.created_at, e.id), reverse=True)
    highlights = _highlights(newest_first, families, tz, title)
    reach_out = _quiet(data.families, week_end)
    by_language = _by_language(families, sent, replied)
    equity = Equity(by_language, _by_area(activities, in_week, activity_area))
    kinds = [e.kind for e in in_week]
    evidence = Evidence(
        enrolled=enrolled,
        active=active,
        new=new,
        replies=len(in_week),
        families_replied=len(replied),
        photos=kinds.count("photo"),
        texts=kinds.count("text"),
        voices=kinds.count("voice"),
        taps=kinds.count("tap"),
        quiet=len(reach_out),
        lowest_language=by_language[0] if by_language else None,
        staff_replies=data.staff_replies,
        parent_answers=data.parent_answers,
    )
    trend = tuple(
        TrendPoint(
            w.week_start,
            w.iso_week,
            w.families_sent,
            w.families_replied,
            Rate(w.families_responded, w.families_sent),
        )
        for w in data.weeks
    )
    events = tuple(
        EventLine(
            at=e.created_at.astimezone(tz),
            family_ref=f"F{e.family_id}",
            child=_child(e, families),
            locale=families[e.family_id].locale if e.family_id in families else "",
            kind=e.kind,
            activity=title(e.activity_id),
            text=e.text if e.kind != "tap" else e.tap,
            file_id=e.file_id if e.kind != "photo" or e.shared else None,
        )
        for e in in_week
    )
    return Digest(
        setting_id=data.setting_id,
        timezone=data.timezone,
        week_start=week_start,
        week_end=week_end,
        first_day=week_start.astimezone(tz).date(),
        last_day=(week_end - timedelta(seconds=1)).astimezone(tz).date(),
        headline=headline,
        highlights=highlights,
        reach_out=reach_out,
        equity=equity,
        evidence=evidence,
        trend=trend,
        events=events,
    )


def _previous(data: DigestData) -> Rate:
    if len(data.weeks) < 2:
        return Rate(0, 0)
    week = data.weeks[-2]
    return Rate(week.families_responded, week.families_sent)


def _child(event: EventRow, families: dict[int, FamilyRow]) -> Who:
    """The reply's child, or the family's children when the reply named none (the
    renderers list them as the reader's language does)."""
    if event.child_name:
        return event.child_name
    family = families.get(event.family_id)
    if not family or not family.children:
        return None
    return family.children[0] if len(family.children) == 1 else tuple(family.children)


def trim(text: str, limit: int = QUOTE_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _highlights(
    newest_first: list[EventRow],
    families: dict[int, FamilyRow],
    tz: ZoneInfo,
    title: Callable[[str | None], str | None],
) -> Highlights:
    # Belt and braces: the store already withholds unshared photos' file ids.
    shared = [e for e in newest_first if e.kind == "photo" and e.shared and e.file_id]
    photos = tuple(
        Photo(
            e.file_id or "",
            _child(e, families),
            title(e.activity_id),
            e.created_at.astimezone(tz),
            e.id,
            e.family_id,
        )
        for e in shared[:MAX_PHOTOS]
    )
    quotes: list[Quote] = []
    for e in newest_first:
        if len(quotes) == MAX_QUOTES:
            break
        if e.kind == "text" and e.text and e.text.strip():
            locale = families[e.family_id].locale if e.family_id in families else ""
            quotes.append(
                Quote(
                    trim(e.text),
                    _child(e, families),
                    title(e.activity_id),
                    locale,
                    e.created_at.astimezone(tz),
                    e.id,
                    e.family_id,
                )
            )
    voices = tuple(
        Voice(
            e.file_id,
            e.duration,
            _child(e, families),
            title(e.activity_id),
            e.created_at.astimezone(tz),
            e.id,
            e.family_id,
        )
        for e in newest_first
        if e.kind == "voice" and e.file_id
    )
    return Highlights(photos, tuple(quotes), voices, len(shared))


def _quiet(families: Iterable[FamilyRow], now: datetime) -> tuple[QuietFamily, ...]:
    """Active families silent for three weeks or more, counted from enrolment if never heard."""
    quiet: list[QuietFamily] = []
    for f in families:
        if f.status != "active":
            continue
        since = f.last_reply_at or f.created_at
        days = (now - since).days
        if days >= QUIET_DAYS:
            quiet.append(QuietFamily(f.id, f.children, f.locale, days, f.last_reply_at is None))
    quiet.sort(key=lambda q: (-q.days_quiet, q.family_id))
    return tuple(quiet)


def _by_language(
    families: dict[int, FamilyRow], sent: set[int], replied: set[int]
) -> tuple[EquityRow, ...]:
    totals: dict[str, list[int]] = {}
    for family_id in sent:
        counts = totals.setdefault(
            families[family_id].locale if family_id in families else "", [0, 0]
        )
        counts[1] += 1
        counts[0] += family_id in replied
    rows = [EquityRow(code, Rate(part, whole)) for code, (part, whole) in totals.items()]
    rows.sort(key=lambda r: (r.rate.percent or 0.0, -r.rate.whole, r.key))
    return tuple(rows)


def _by_area(
    activities: Iterable[DeliveryRow],
    in_week: list[EventRow],
    activity_area: Callable[[str], str | None],
) -> tuple[EquityRow, ...]:
    """Families sent an activity of an area, and of those the ones that answered one.

    A reply tied to an activity counts for that activity's area; a reply tied to
    none (a photo sent out of the blue) counts for every area the family was sent.
    """
    areas: dict[str, str | None] = {}

    def area(activity_id: str) -> str | None:
        if activity_id not in areas:
            areas[activity_id] = activity_area(activity_id)
        return areas[activity_id]

    sent: dict[str, set[int]] = {}
    for d in activities:
        a = area(d.activity_id)
        if a is not None:
            sent.setdefault(a, set()).add(d.family_id)
    answered: dict[str, set[int]] = {}
    loose: set[int] = set()
    for e in in_week:
        if e.activity_id is None:
            loose.add(e.family_id)
            continue
        a = area(e.activity_id)
        if a is not None:
            answered.setdefault(a, set()).add(e.family_id)
    order = [*AREAS, *sorted(set(sent) - set(AREAS))]
    return tuple(
        EquityRow(
            a,
            Rate(
                len(sent.get(a, set()) & (answered.get(a, set()) | loose)), len(sent.get(a, set()))
            ),
        )
        for a in order
    )
