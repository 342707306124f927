"""The practitioners' digest: when it is due, what covers which week, queued as outbox parts.

Each person's digest is a group of outbox rows (text, photos, voice notes, chart,
printable HTML, CSV) sent in order by the dispatcher with its retries and per-chat
pacing. The weekly digest counts as received by a person only when its last part
reached them (digests_sent.recipients).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from bot.digest import Digest, compute
from bot.digest import text as tx
from bot.digest.chart import render_chart
from bot.digest.csv import render_csv
from bot.digest.html import render_html
from bot.digest.telegram import render_album, render_messages
from bot.outbox import Payload, photo_parts
from bot.services import Services
from bot.staff_replies import MAX_REPLY_BUTTONS, item_button, reply_button
from bot.store import NewStaffMessage, Practitioner
from bot.timing import iso_week
from bot.vocab import Kind

log = logging.getLogger(__name__)

MAX_VOICES = 5


def week_start(when: datetime, timezone: str) -> datetime:
    """Local midnight on the Monday of ``when``'s week, as an aware datetime."""
    local = when.astimezone(ZoneInfo(timezone))
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, datetime.min.time(), tzinfo=ZoneInfo(timezone))


def due_moment(now: datetime, timezone: str, weekday: int, hour: int) -> datetime:
    """This week's digest time (default Monday 08:00 local)."""
    start = week_start(now, timezone)
    return (start.replace(tzinfo=None) + timedelta(days=weekday, hours=hour)).replace(
        tzinfo=ZoneInfo(timezone)
    )


def previous_week(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    end = week_start(now, timezone)
    start = (end.replace(tzinfo=None) - timedelta(days=7)).replace(tzinfo=ZoneInfo(timezone))
    return start, end


async def build_digest(s: Services, setting_id: int, start: datetime, end: datetime) -> Digest:
    data = await s.store.digest_data(setting_id, start, end)

    def area(activity_id: str) -> str | None:
        found = s.library.get(activity_id)
        return found.area if found else None

    def title(activity_id: str) -> str:
        found = s.library.get(activity_id)
        return found.title if found else activity_id

    return compute(data, start, end, area, title)


def digest_parts(
    s: Services, digest: Digest, person: Practitioner, setting_name: str, start: datetime
) -> list[Payload]:
    """One person's digest, in their language, as the calls that will carry it."""
    t = s.catalogs.for_locale(person.locale)
    parts = [Payload("text", text=chunk) for chunk in render_messages(digest, t, setting_name)]
    parts += photo_parts(render_album(digest, t))
    parts += [
        Payload(
            "voice",
            file_id=v.file_id,
            text=escape(tx.who_plain(t, v.child)),
            buttons=((reply_button(t, s.signer, person.user_id, v.event_id),),)
            if v.event_id
            else (),
        )
        for v in digest.highlights.voices[:MAX_VOICES]
    ]
    parts += reply_part(s, digest, person)
    chart = render_chart(digest, t) if digest.trend else None
    if chart:
        parts.append(Payload("upload_photo", data=chart, filename="playtalk-trend.png"))
    stamp = start.date().isoformat()
    html = render_html(digest, t, setting_name, chart_png=chart)
    parts.append(
        Payload(
            "document",
            data=html.encode(),
            filename=f"playtalk-digest-{stamp}.html",
            text=t.gettext("Printable digest"),
        )
    )
    parts.append(
        Payload(
            "document",
            data=render_csv(digest, t),
            filename=f"playtalk-replies-{stamp}.csv",
            text=t.gettext("This week's replies (CSV)"),
        )
    )
    return parts


def reply_part(s: Services, digest: Digest, person: Practitioner) -> list[Payload]:
    """ "Reply to a family": one button per photo, voice note and own words of the week.

    An album cannot carry buttons, so the week's shared items are listed here, newest
    first, each button signed for this person and naming the reply it answers.
    """
    h = digest.highlights
    t = s.catalogs.for_locale(person.locale)
    items = [(p.at, p.event_id, "photo", p.child, p.family_id) for p in h.photos]
    items += [(q.at, q.event_id, "text", q.child, q.family_id) for q in h.quotes]
    items += [(v.at, v.event_id, "voice", v.child, v.family_id) for v in h.voices]
    items.sort(key=lambda item: (item[0], item[1]), reverse=True)
    rows = tuple(
        (item_button(s.signer, person.user_id, event_id, kind, who or f"#{family}"),)
        for _at, event_id, kind, child, family in items[:MAX_REPLY_BUTTONS]
        for who in [tx.who_plain(t, child)]
        if event_id
    )
    if not rows:
        return []
    text = (
        "<b>"
        + escape(t.gettext("Reply to a family"))
        + "</b>\n"
        + escape(t.gettext("Answer what a family shared this week: they see it in their own chat."))
    )
    return [Payload("text", text=text, buttons=rows)]


async def queue_digest(
    s: Services,
    setting_id: int,
    staff: list[Practitioner],
    *,
    week: str | None = None,
) -> int:
    """Queue the digest for each person; ``week`` None is /digest (this week so far).

    Returns how many people it was queued for (blocked staff are skipped).
    """
    setting = await s.store.get_setting(setting_id)
    people = [p for p in staff if p.blocked_at is None]
    if setting is None or not people:
        return 0
    now = s.clock.now()
    if week is None:
        start, end = week_start(now, setting.timezone), now
    else:
        start, end = previous_week(now, setting.timezone)
    digest = await build_digest(s, setting_id, start, end)
    messages: list[NewStaffMessage] = []
    for person in people:
        parts = digest_parts(s, digest, person, setting.name, start)
        key = (
            f"digest:{setting_id}:{week}:{person.id}"
            if week is not None
            else f"digest-now:{setting_id}:{person.id}:{now.timestamp():.6f}"
        )
        for seq, part in enumerate(parts):
            last = seq == len(parts) - 1
            if last and week is not None:
                part = replace(part, last=True, setting_id=setting_id, week=week)
            messages.append(
                NewStaffMessage(
                    kind=Kind.DIGEST,
                    practitioner_id=person.id,
                    payload=part.dump(),
                    due_at=now,
                    group_key=key,
                    seq=seq,
                )
            )
    await s.store.enqueue_staff(messages)
    return len(people)


async def queue_due_digests(s: Services) -> int:
    """Each setting once per week, at its digest time, covering the week before."""
    now = s.clock.now()
    queued = 0
    for setting in await s.store.list_settings():
        moment = due_moment(now, setting.timezone, setting.digest_weekday, setting.digest_hour)
        if now < moment:
            continue
        start, end = previous_week(now, setting.timezone)
        if setting.created_at >= end:
            continue  # the setting did not exist during that week
        week = iso_week(start.date())
        if await s.store.digest_already_sent(setting.id, week):
            continue
        staff = await s.store.setting_staff(setting.id)
        if not [p for p in staff if p.blocked_at is None]:
            continue
        await s.store.record_digest(setting.id, week)
        people = await queue_digest(s, setting.id, staff, week=week)
        queued += 1
        log.info("digest for setting %s (%s) queued for %d staff", setting.id, week, people)
    return queued
