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
from bot.services import Services
from bot.store import Child, NewStaffMessage, Practitioner
from bot.vocab import Kind, Role

log = logging.getLogger(__name__)

ALERT_PRIORITY = 100
MESSAGE_LIMIT = 3000  # of the family's words, inside Telegram's 4096


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
    names = t.join(escape(child_label(t, c.first_name)) for c in children) or "–"
    return "\n".join(
        [
            "⚠️ <b>" + escape(t.gettext("Safeguarding alert")) + "</b>",
            escape(t.gettext("Family")) + f" #{family_id} · {names} · {locale}",
            escape(t.gettext("Time")) + f": {escape(t.date(when.date(), 'medium'))} "
            f"{escape(t.time(when))}",
            escape(t.gettext("Message"))
            + f":\n<blockquote>{escape(text[:MESSAGE_LIMIT])}</blockquote>",
            escape(t.gettext("Please follow your setting's safeguarding procedure.")),
        ]
    )


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
                payload=Payload("text", text=body, alert_id=alert_id).dump(),
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
