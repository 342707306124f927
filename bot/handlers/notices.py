"""/notice: a lead tells every active family something, each in the family's language.

The lead picks a template, then a day and a time from buttons, or types the item to
bring or a notice of their own; their choices wait in ``awaiting`` ({"do": "notice"})
so a restart in between loses nothing. A preview in the lead's language comes before
"Send to N families"; sending queues one outbox row per active family (paused,
stopped, blocked and joining families get none), so rate limits and quiet hours apply.
Each row's group key names the notice and the family: a second press cannot send twice.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import date, time, timedelta
from html import escape
from typing import Any

from telegram import Update

from bot.handlers.common import send, tidy_buttons, user_id
from bot.handlers.membership import staff
from bot.handlers.staff_input import step
from bot.i18n import Translator
from bot.keyboards import ButtonSpec, signed_rows
from bot.notices import (
    DAYS_OFFERED,
    MAX_NOTICE_CHARS,
    NOTICE_KIND,
    TEMPLATES,
    TIMES_OFFERED,
    Template,
    render_notice,
    template_label,
)
from bot.outbox import Payload
from bot.services import Ctx, Services
from bot.staff_replies import CANCEL
from bot.store import Family, NewFamilyMessage, Practitioner
from bot.timing import local_date
from bot.vocab import FamilyStatus, Kind, Role

log = logging.getLogger(__name__)


async def notice_command(update: Update, context: Ctx) -> None:
    found = await staff(update, context, Role.LEAD)
    if found is None:
        return
    me, t = found
    s = context.bot_data.services
    awaited = {"do": "notice", "id": secrets.token_hex(4)}
    await s.store.set_awaiting(me.id, json.dumps(awaited))
    rows: list[list[ButtonSpec]] = [
        [(template_label(t, tpl), (NOTICE_KIND, "t", tpl.key))] for tpl in TEMPLATES.values()
    ]
    text = t.gettext("Which notice? Each family gets it in their own language.")
    await _ask(update, context, t, text, rows)


async def _ask(
    update: Update, context: Ctx, t: Translator, text: str, rows: list[list[ButtonSpec]]
) -> None:
    s = context.bot_data.services
    rows = [*rows, [(t.gettext("Cancel"), (CANCEL,))]]
    await send(update, context, escape(text), signed_rows(s.signer, user_id(update), rows))


async def _awaited(s: Services, me: Practitioner) -> dict[str, Any] | None:
    try:
        awaited = dict(json.loads(me.awaiting or "{}"))
    except (ValueError, TypeError):
        return None
    return awaited if awaited.get("do") == "notice" else None


async def on_button(update: Update, context: Ctx, t: Translator, parts: list[str]) -> None:
    """A press on one of /notice's buttons: checked against the presser's lead role."""
    found = await staff(update, context, Role.LEAD)
    if found is None:
        return
    me, t = found
    s = context.bot_data.services
    awaited = await _awaited(s, me)
    if awaited is None:
        await send(update, context, escape(t.gettext("Sorry, this button has expired.")))
        return
    action, value = parts[1], parts[2] if len(parts) > 2 else ""
    if action == "t" and value in TEMPLATES:
        awaited = {"do": "notice", "id": awaited["id"], "tpl": value}
        await tidy_buttons(update, escape(template_label(t, TEMPLATES[value])))
    elif action == "d":
        day = date(int(value[:4]), int(value[4:6]), int(value[6:]))
        awaited["date"] = day.isoformat()
        await tidy_buttons(update, escape(t.date(day, "full")))
    elif action == "h":
        at = time(int(value[:2]), int(value[2:]))
        awaited["time"] = at.isoformat("minutes")
        await tidy_buttons(update, escape(t.time(at)))
    elif action == "go" and "tpl" in awaited:
        await tidy_buttons(update)
        await _send_notice(update, context, me, t, awaited)
        return
    else:
        raise ValueError("unknown notice step")
    await s.store.set_awaiting(me.id, json.dumps(awaited))
    await _next(update, context, me, t, awaited)


async def _next(
    update: Update, context: Ctx, me: Practitioner, t: Translator, awaited: dict[str, Any]
) -> None:
    """Ask for whatever the chosen template still lacks, else show the preview."""
    s = context.bot_data.services
    tpl = TEMPLATES[awaited["tpl"]]
    buttons: list[ButtonSpec]
    if tpl.needs_date and "date" not in awaited:
        setting = await s.store.get_setting(me.setting_id)
        today = local_date(s.clock.now(), setting.timezone if setting else "Europe/London")
        days = [today + timedelta(days=n) for n in range(DAYS_OFFERED)]
        buttons = [(t.date(d, "EEE d MMM"), (NOTICE_KIND, "d", f"{d:%Y%m%d}")) for d in days]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        await _ask(update, context, t, t.gettext("Which day?"), rows)
    elif tpl.needs_time and "time" not in awaited:
        buttons = [(t.time(at), (NOTICE_KIND, "h", f"{at:%H%M}")) for at in TIMES_OFFERED]
        rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
        await _ask(update, context, t, t.gettext("What time?"), rows)
    elif tpl.typed and not awaited.get("text"):
        if tpl.key == "bring":
            ask = t.gettext("What should families bring? Type it, e.g. a sun hat.")
        else:
            ask = t.gettext(
                "Type your notice. Families get it as you wrote it, with a line saying "
                "which language it is in."
            )
        await _ask(update, context, t, ask, [])
    else:
        await _preview(update, context, me, t, awaited)


def _render(t: Translator, setting: str, awaited: dict[str, Any], staff_locale: str) -> str:
    raw_date, raw_time = awaited.get("date"), awaited.get("time")
    return render_notice(
        t,
        setting,
        TEMPLATES[awaited["tpl"]],
        day=date.fromisoformat(raw_date) if raw_date else None,
        at=time.fromisoformat(raw_time) if raw_time else None,
        typed=str(awaited.get("text") or ""),
        staff_locale=staff_locale,
    )


async def _recipients(s: Services, setting_id: int) -> list[Family]:
    """Families who are taking part: not joining, paused, stopped or blocked."""
    return [
        f for f in await s.store.families_of_setting(setting_id) if f.status == FamilyStatus.ACTIVE
    ]


async def _preview(
    update: Update, context: Ctx, me: Practitioner, t: Translator, awaited: dict[str, Any]
) -> None:
    s = context.bot_data.services
    setting = await s.store.get_setting(me.setting_id)
    n = len(await _recipients(s, me.setting_id))
    if n == 0:
        await s.store.set_awaiting(me.id, None)
        text = t.gettext("No family is taking part at the moment, so there is no one to send to.")
        await send(update, context, escape(text))
        return
    head = escape(t.gettext("Families will see this, each in their own language:"))
    body = _render(t, setting.name if setting else "", awaited, me.locale)
    label = t.ngettext("Send to {n} family", "Send to {n} families", n).replace("{n}", str(n))
    rows = signed_rows(
        s.signer,
        user_id(update),
        [[(label, (NOTICE_KIND, "go"))], [(t.gettext("Cancel"), (CANCEL,))]],
    )
    await send(update, context, f"{head}\n\n{body}", rows)


async def _send_notice(
    update: Update, context: Ctx, me: Practitioner, t: Translator, awaited: dict[str, Any]
) -> None:
    s = context.bot_data.services
    await s.store.set_awaiting(me.id, None)
    setting = await s.store.get_setting(me.setting_id)
    name = setting.name if setting else ""
    now = s.clock.now()
    families = await _recipients(s, me.setting_id)
    messages = [
        NewFamilyMessage(
            kind=Kind.NOTICE,
            family_id=f.id,
            payload=Payload(
                "text", text=_render(s.catalogs.for_locale(f.locale), name, awaited, me.locale)
            ).dump(),
            due_at=now,
            group_key=f"notice:{awaited['id']}:{f.id}",
        )
        for f in families
    ]
    queued = await s.store.enqueue_family(messages)
    s.wake_dispatch()
    log.info("notice from practitioner %s queued for %d families", me.id, queued)
    text = t.ngettext(
        "Queued for {n} family. Families in quiet hours get it at 08:00.",
        "Queued for {n} families. Families in quiet hours get it at 08:00.",
        len(families),
    ).replace("{n}", str(len(families)))
    await send(update, context, escape(text))


@step("notice")
async def on_notice_text(
    update: Update, context: Ctx, me: Practitioner, awaited: dict[str, Any]
) -> None:
    """What the lead typed while writing a notice: the item to bring, or the notice."""
    message = update.message
    if message is None:
        return
    s = context.bot_data.services
    t = s.catalogs.for_locale(me.locale)
    tpl: Template | None = TEMPLATES.get(str(awaited.get("tpl")))
    if tpl is None or not tpl.typed or awaited.get("text"):
        text = t.gettext("Please choose with the buttons above, or type /cancel.")
        await send(update, context, escape(text))
        return
    words = (message.text or "").strip()
    if not words:
        await send(update, context, escape(t.gettext("Please type it as a message.")))
        return
    if len(words) > MAX_NOTICE_CHARS:
        text = t.gettext("Sorry, that is too long for one message. Please make it shorter.")
        await send(update, context, escape(text))
        return
    awaited = {**awaited, "text": words}
    await s.store.set_awaiting(me.id, json.dumps(awaited))
    await _preview(update, context, me, t, awaited)
