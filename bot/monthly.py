"""The monthly note: a parent hears what they did with their child last month.

On the first day of each month, in the setting's daytime, every active family that
played or shared a photo last month gets one short message in its own language
("Last month you played 3 games with Amara. You shared 2 photos with us.").

What counts as a game played: one week's activity for one child that the family
tapped "We did it", "Too hard" or "Too easy" on, or answered with words, a photo
or a voice note (bot/store/partnership.py ``month_activity``). "Not this week"
does not count. Families with nothing to report get nothing: the note thanks, it
never reproaches. The outbox row's group key names the family and the month, so
the hourly job can run as often as it likes and each family gets one note a month.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
from html import escape
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.messages import child_label
from bot.outbox import Payload
from bot.services import Services
from bot.store import NewFamilyMessage
from bot.vocab import Kind

log = logging.getLogger(__name__)

SEND_FROM, SEND_UNTIL = time(9, 0), time(18, 0)  # local daytime on the 1st


def last_month(today: date, timezone: str) -> tuple[str, datetime, datetime]:
    """("YYYY-MM", start, end) of the calendar month before ``today``, local time, in UTC."""
    first = today.replace(day=1)
    start_day = (
        date(first.year - 1, 12, 1) if first.month == 1 else first.replace(month=first.month - 1)
    )
    zone = ZoneInfo(timezone)
    start = datetime.combine(start_day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    return f"{start_day:%Y-%m}", start, end


def monthly_text(t: Translator, games: int, children: list[str | None], photos: int) -> str:
    """The note as HTML in ``t``'s language; plural forms from the catalog."""
    parts: list[str] = []
    if games:
        names = t.join(dict.fromkeys(escape(child_label(t, n)) for n in children))
        played = t.ngettext(
            "Last month you played {n} game with {child}.",
            "Last month you played {n} games with {child}.",
            games,
        )
        parts.append(escape(played).replace("{n}", str(games)).replace("{child}", names))
        if photos:
            shared = t.ngettext(
                "You shared {m} photo with us.", "You shared {m} photos with us.", photos
            )
            parts.append(escape(shared).replace("{m}", str(photos)))
    else:
        shared = t.ngettext(
            "Last month you shared {m} photo with us.",
            "Last month you shared {m} photos with us.",
            photos,
        )
        parts.append(escape(shared).replace("{m}", str(photos)))
    parts.append(escape(t.gettext("Thank you for playing and talking together!")))
    return "🌟 " + " ".join(parts)


async def queue_monthly_notes(s: Services) -> int:
    """Queue last month's note for each setting where it is now the 1st, in daytime."""
    queued = 0
    now = s.clock.now()
    for setting in await s.store.list_settings():
        local = now.astimezone(ZoneInfo(setting.timezone))
        if local.day != 1 or not SEND_FROM <= local.time() < SEND_UNTIL:
            continue
        month, start, end = last_month(local.date(), setting.timezone)
        messages = []
        for entry in await s.store.month_activity(setting.id, start, end):
            t = s.catalogs.for_locale(entry.locale)
            kids = {c.id: c.first_name for c in await s.store.children_of(entry.family_id)}
            played = [kids[c] for c in entry.games if c in kids]
            games = sum(n for c, n in entry.games.items() if c in kids)
            if not games and not entry.photos:
                continue
            text = monthly_text(t, games, played, entry.photos)
            messages.append(
                NewFamilyMessage(
                    kind=Kind.MONTHLY,
                    family_id=entry.family_id,
                    payload=Payload("text", text=text).dump(),
                    due_at=now,
                    group_key=f"monthly:{entry.family_id}:{month}",
                )
            )
        added = await s.store.enqueue_family(messages)
        if added:
            log.info("monthly notes for %s: %d queued", month, added)
        queued += added
    return queued
