"""Safeguarding alerts: recorded, then queued at the head of the outbox for a person.

An alert goes to the setting's designated safeguarding leads who can be reached; if
there is none (none named, or all have blocked the bot), to the setting's leads. It
is retried until it reaches someone (scheduler/dispatch.py never gives up on one),
and a person who joins later receives the alerts nobody could be given.
"""

from __future__ import annotations

import logging
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.messages import child_label
from bot.outbox import Payload
from bot.safeguarding import locate
from bot.services import Services
from bot.staff_replies import family_reply_button
from bot.store import Child, NewStaffMessage, Practitioner
from bot.vocab import Kind, Role

log = logging.getLogger(__name__)

ALERT_PRIORITY = 100
TELEGRAM_LIMIT = 4096  # a message, in UTF-16 units (counted on the HTML: an upper bound)
CONTEXT = 200  # characters of the family's words shown either side of the match
BOLD_MAX = 200  # the matched words themselves, should odd spacing make them long
SNAP = 30  # a cut moves back to a space at most this far, so words stay whole
_GAP = "…\n\n…"  # between the start of a long message and the words in context


def group_key(alert_id: int, practitioner_id: int) -> str:
    return f"alert:{alert_id}:{practitioner_id}"


async def recipients(s: Services, setting_id: int, exclude: set[int]) -> list[Practitioner]:
    """Reachable safeguarding leads, else reachable leads."""
    for role in (Role.SAFEGUARDING, Role.LEAD):
        staff = [
            p
            for p in await s.store.setting_staff(setting_id, role)
            if p.blocked_at is None and p.id not in exclude
        ]
        if staff:
            return staff
    return []


def _units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units): an emoji counts twice."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _fit(text: str, room: int) -> int:
    """How many leading characters of ``text`` fit in ``room`` units once escaped."""
    used = 0
    for index, ch in enumerate(text):
        used += _units(escape(ch))
        if used > room:
            return index
    return len(text)


def _cut_end(text: str, n: int) -> int:
    """``n`` moved back to a space close before it, so a cut ``text[:n]`` ends on a word."""
    if n >= len(text):
        return n
    space = max(text.rfind(" ", 0, n + 1), text.rfind("\n", 0, n + 1))
    return space if space >= 0 and space > n - SNAP else n


def _bold(words: str) -> str:
    """The matched words in bold, one line, never longer than BOLD_MAX characters."""
    words = " ".join(words.split())
    if len(words) > BOLD_MAX:
        words = words[: BOLD_MAX // 2] + "…" + words[-BOLD_MAX // 2 :]
    return "<b>" + escape(words) + "</b>"


def quote_html(text: str, span: tuple[int, int] | None, room: int) -> str:
    """The family's words as escaped HTML of at most ``room`` units, matched words bold.

    Short messages are shown whole. A long one shows CONTEXT characters either side
    of the match (fewer if escaping makes them long), with … where it is cut, and
    before that as much of the start of the message as still fits: the lead sees
    the words that matched wherever they are, and how the message began.
    """
    if span is None:
        n = _cut_end(text, _fit(text, room - 1))
        return escape(text[:n]) + ("…" if n < len(text) else "")
    start, end = span
    bold = _bold(text[start:end])
    whole = escape(text[:start]) + bold + escape(text[end:])
    if _units(whole) <= room:
        return whole
    side = max(0, (room - _units(bold) - 2) // 2)  # 2: the … either side
    before = text[:start][::-1]
    first = start - _cut_end(before, _fit(before[:CONTEXT], side))
    after = text[end:]
    last = end + _cut_end(after, _fit(after[:CONTEXT], side))
    excerpt = escape(text[first:start]) + bold + escape(text[end:last])
    excerpt += "…" if last < len(text) else ""
    fits = _fit(text[:first], room - _units(excerpt) - len(_GAP))
    if fits >= first:  # the message from its start: the room left goes to what follows
        shown = escape(text[:start]) + bold
        last = end + _cut_end(after, _fit(after, room - _units(shown) - 1))
        return shown + escape(text[end:last]) + ("…" if last < len(text) else "")
    head = _cut_end(text, fits)
    if head < SNAP:  # too little room for a useful start: just the words in context
        return "…" + excerpt
    return escape(text[:head]) + _GAP + excerpt


def alert_body(
    t: Translator,
    *,
    family_id: int,
    locale: str,
    children: list[Child],
    when: datetime,
    text: str,
    matched: str,
) -> str:
    """The alert a lead reads, under Telegram's limit whatever the message's length."""
    names = t.join(escape(child_label(t, c.first_name)) for c in children) or "–"
    head = "\n".join(
        [
            "⚠️ <b>" + escape(t.gettext("Safeguarding alert")) + "</b>",
            escape(t.gettext("Family")) + f" #{family_id} · {names} · {locale}",
            escape(t.gettext("Time")) + f": {escape(t.date(when.date(), 'medium'))} "
            f"{escape(t.time(when))}",
            escape(t.gettext("Words that matched")) + f": <b>{escape(matched)}</b>",
            escape(t.gettext("Message")) + ":\n<blockquote>",
        ]
    )
    tail = "</blockquote>\n" + escape(
        t.gettext("Please follow your setting's safeguarding procedure.")
    )
    room = TELEGRAM_LIMIT - _units(head) - _units(tail)
    return head + quote_html(text, locate(text, matched), max(room, 0)) + tail


async def queue_alert(s: Services, alert_id: int, exclude: set[int] | None = None) -> int:
    """Queue one alert to everyone who should get it; returns how many rows were queued."""
    record = await s.store.alert_record(alert_id)
    if record is None:
        return 0  # erased (/delete) before it could be sent
    family_id, setting_id, text, matched, raised = record
    family = await s.store.get_family(family_id)
    setting = await s.store.get_setting(setting_id)
    if family is None or setting is None:
        return 0
    staff = await recipients(s, setting_id, exclude or set())
    if not staff:
        log.error(
            "safeguarding alert %s for setting %s has nobody reachable to go to; it waits"
            " for the next lead or safeguarding lead to join",
            alert_id,
            setting_id,
        )
        return 0
    children = await s.store.children_of(family_id)
    when = raised.astimezone(ZoneInfo(setting.timezone))
    messages = []
    for person in staff:
        t = s.catalogs.for_locale(person.locale)
        body = alert_body(
            t,
            family_id=family_id,
            locale=family.locale,
            children=children,
            when=when,
            text=text,
            matched=matched,
        )
        messages.append(
            NewStaffMessage(
                kind=Kind.ALERT,
                practitioner_id=person.id,
                family_id=family_id,
                payload=Payload(
                    "text",
                    text=body,
                    alert_id=alert_id,
                    buttons=((family_reply_button(t, s.signer, person.user_id, family_id),),),
                ).dump(),
                due_at=s.clock.now(),
                priority=ALERT_PRIORITY,
                group_key=group_key(alert_id, person.id),
            )
        )
    queued = await s.store.enqueue_staff(messages)
    s.wake_dispatch()
    return queued


async def raise_alert(s: Services, family_id: int, setting_id: int, text: str, matched: str) -> int:
    alert_id = await s.store.add_safeguarding_alert(family_id, setting_id, text, matched)
    log.warning("safeguarding alert raised for family %s", family_id)
    await queue_alert(s, alert_id)
    return alert_id


async def queue_waiting_alerts(s: Services, setting_id: int) -> int:
    """Someone who can receive alerts joined: give them what nobody could be given."""
    queued = 0
    for alert_id in await s.store.undelivered_alerts(setting_id):
        queued += await queue_alert(s, alert_id)
    return queued
