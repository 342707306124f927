"""Staff answer what a family shared; the family can answer back.

Pressing Reply (on a digest, /families or a safeguarding alert) records on the staff
member's membership that their next text or voice note is a reply to that family
(``awaiting`` {"do": "reply"}), after asking once for the name families should see.
The reply is queued in the outbox as a STAFF_REPLY, so the dispatcher's rate limits
and quiet hours apply to it. A parent's answer, sent as a Telegram reply to it, is
queued back to the one staff member who wrote it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from html import escape
from typing import Any

from telegram import Update

from bot.handlers.common import chat_id, send, user_id
from bot.handlers.staff_input import step
from bot.handlers.steps import clean_name
from bot.i18n import Translator
from bot.keyboards import signed_rows
from bot.outbox import Payload
from bot.services import Ctx, Services
from bot.staff_replies import (
    CANCEL,
    MAX_REPLY_CHARS,
    REPLY_EVENT,
    answer_header,
    family_header,
    reply_button,
)
from bot.store import Family, NewStaffMessage, Practitioner
from bot.timing import in_quiet_hours
from bot.vocab import FamilyStatus, Kind

log = logging.getLogger(__name__)

UNREACHABLE = (FamilyStatus.STOPPED, FamilyStatus.BLOCKED, FamilyStatus.ONBOARDING)


async def _expired(update: Update, context: Ctx, t: Translator) -> None:
    await send(update, context, escape(t.gettext("Sorry, this button has expired.")))


async def on_reply_button(update: Update, context: Ctx, t: Translator, parts: list[str]) -> None:
    """A press on Reply: checked against the presser's own setting, then the first question."""
    s = context.bot_data.services
    event_id: int | None = None
    if parts[0] == REPLY_EVENT:
        target = await s.store.reply_target(int(parts[1]))
        if target is None or target.kind == "tap":
            await _expired(update, context, t)
            return
        if target.kind in ("photo", "voice") and not target.shared:
            await _expired(update, context, t)  # the parent has since stopped sharing
            return
        family_id, event_id = target.family_id, target.event_id
    else:
        family_id = int(parts[1])
    family = await s.store.get_family(family_id)
    mine = await s.store.practitioners_of(user_id(update))
    me = next((m for m in mine if family and m.setting_id == family.setting_id), None)
    if family is None or me is None:
        await _expired(update, context, t)
        return
    t = s.catalogs.for_locale(me.locale)
    if family.status in UNREACHABLE:
        text = t.gettext("This family has stopped messages, so a reply cannot reach them.")
        await send(update, context, escape(text))
        return
    await ask(update, context, me, {"do": "reply", "family": family.id, "event": event_id})


async def ask(update: Update, context: Ctx, me: Practitioner, awaited: dict[str, Any]) -> None:
    """Ask for the name families will see (once), else for the reply itself."""
    s = context.bot_data.services
    t = s.catalogs.for_locale(me.locale)
    if not me.display_name:
        awaited = {**awaited, "name": True}
        text = t.gettext("What name should families see, e.g. Ms Ada?")
    else:
        awaited = {k: v for k, v in awaited.items() if k != "name"}
        text = t.gettext("Write your reply, or record a voice note.")
    await s.store.set_awaiting(me.id, json.dumps(awaited))
    rows = signed_rows(s.signer, user_id(update), [[(t.gettext("Cancel"), (CANCEL,))]])
    await send(update, context, escape(text), rows)


@step("reply")
async def on_reply_step(
    update: Update, context: Ctx, me: Practitioner, awaited: dict[str, Any]
) -> None:
    message = update.message
    if message is None:
        return
    s = context.bot_data.services
    t = s.catalogs.for_locale(me.locale)
    if awaited.get("name"):
        name = clean_name(message.text) if message.text else None
        if name is None:
            text = t.gettext("Sorry, I couldn't use that as a name. Please type a short name.")
            await send(update, context, escape(text))
            return
        await s.store.set_display_name(me.id, name)
        await ask(update, context, replace(me, display_name=name), awaited)
        return
    words = message.text
    if message.voice is None and not words:
        await send(update, context, escape(t.gettext("Write your reply, or record a voice note.")))
        return
    if words and len(words) > MAX_REPLY_CHARS:
        text = t.gettext("Sorry, that is too long for one message. Please make it shorter.")
        await send(update, context, escape(text))
        return
    family = await s.store.get_family(int(awaited.get("family") or 0))
    await s.store.set_awaiting(me.id, None)
    if family is None or family.setting_id != me.setting_id or family.status in UNREACHABLE:
        text = t.gettext("This family has stopped messages, so a reply cannot reach them.")
        await send(update, context, escape(text))
        return
    event_id = awaited.get("event")
    target = await s.store.reply_target(int(event_id)) if event_id else None
    if target is not None and target.family_id != family.id:
        target = None
    setting = await s.store.get_setting(family.setting_id)
    ft = s.catalogs.for_locale(family.locale)
    header = family_header(ft, setting.name if setting else "", me.display_name or "")
    if message.voice is not None:
        kind, base = "voice", Payload("voice", text=header, file_id=message.voice.file_id)
    else:
        kind, base = "text", Payload("text", text=f"{header}\n{escape(words or '')}")
    reply_to = target.message_id if target else None
    now = s.clock.now()
    await s.store.queue_staff_reply(
        family_id=family.id,
        practitioner_id=me.id,
        event_id=target.event_id if target else None,
        kind=kind,
        payload=lambda rid: replace(base, reply_to=reply_to, staff_reply_id=rid).dump(),
        due_at=now,
    )
    s.wake_dispatch()
    log.info("staff reply (%s) from practitioner %s to family %s queued", kind, me.id, family.id)
    text = t.gettext("Sent. The family will see it in their chat.")
    if setting is not None and in_quiet_hours(now, setting.timezone):
        text = t.gettext(
            "It is evening or night for the family, so your reply waits and reaches them at 08:00."
        )
    await send(update, context, escape(text))


async def cancel(update: Update, context: Ctx) -> None:
    """/cancel or the Cancel button: whatever the staff member was writing is dropped."""
    s = context.bot_data.services
    memberships = await s.store.practitioners_of(user_id(update))
    for me in memberships:
        if me.awaiting:
            await s.store.set_awaiting(me.id, None)
    locale = memberships[-1].locale if memberships else None
    if locale is None:
        family = await s.store.family_by_chat(chat_id(update))
        locale = family.locale if family else "en"
    t = s.catalogs.for_locale(locale)
    await send(update, context, escape(t.gettext("Cancelled.")))


async def parent_answer(
    update: Update,
    context: Ctx,
    family: Family,
    t: Translator,
    kind: str,
    *,
    text: str | None = None,
    file_id: str | None = None,
    duration: int | None = None,
) -> bool:
    """A parent's text or voice note sent as a reply to a staff reply: it goes back to
    the staff member who wrote it. False when the message answers no staff reply."""
    message = update.message
    if message is None or message.reply_to_message is None:
        return False
    s = context.bot_data.services
    found = await s.store.staff_reply_answered(family.id, message.reply_to_message.message_id)
    if found is None:
        return False
    reply_id, practitioner_id = found
    event_id = await s.store.add_event(
        family.id,
        kind,
        text=text,
        file_id=file_id,
        duration=duration,
        shared=bool(family.share_photos),
        message_id=message.message_id,
        staff_reply_id=reply_id,
    )
    person = await s.store.get_practitioner(practitioner_id)
    name = ""
    if person is not None:
        await _queue_answer(s, person, family, event_id, kind, text, file_id)
        name = person.display_name or ""
    thanks = t.gettext("Thank you! We have passed this on to {name}.")
    await send(update, context, escape(thanks).replace("{name}", escape(t.isolate(name))))
    return True


async def _queue_answer(
    s: Services,
    person: Practitioner,
    family: Family,
    event_id: int,
    kind: str,
    text: str | None,
    file_id: str | None,
) -> None:
    st = s.catalogs.for_locale(person.locale)
    children = [c.first_name for c in await s.store.children_of(family.id)]
    header = answer_header(st, family.id, children)
    buttons = ((reply_button(st, s.signer, person.user_id, event_id),),)
    if kind == "voice":
        caption = header + (f"\n{escape(text[:800])}" if text else "")
        payload = Payload("voice", text=caption, file_id=file_id or "", buttons=buttons)
    else:
        body = f"{header}\n<blockquote>{escape(text or '')}</blockquote>"
        payload = Payload("text", text=body, buttons=buttons)
    message = NewStaffMessage(
        kind=Kind.PARENT_REPLY,
        practitioner_id=person.id,
        payload=payload.dump(),
        due_at=s.clock.now(),
        family_id=family.id,
        group_key=f"parent-reply:{event_id}:{person.id}",
    )
    await s.store.enqueue_staff([message])
    s.wake_dispatch()
