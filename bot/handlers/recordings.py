"""/record and /recordings: staff read activities aloud in a family's home language.

/record (any practitioner) asks for a language, then sends the coming week's ideas
for that setting's families of that language, rendered as those families will read
them, each with "Record this". A press records on the membership that the next voice
note is that activity in that language (``awaiting`` {"do": "record"}); the voice
note becomes the current recording, replacing an older one. /recordings (leads only)
lists the current ones with a button to withdraw each.
"""

from __future__ import annotations

import json
import logging
import warnings
from datetime import timedelta
from html import escape
from typing import Any

from telegram import Update
from telegram.warnings import PTBDeprecationWarning

from bot.content import Activity
from bot.handlers.common import send, tidy_buttons, user_id
from bot.handlers.membership import staff
from bot.handlers.staff_input import step
from bot.i18n import LOCALES, Translator, language_name
from bot.keyboards import ButtonSpec, signed_rows
from bot.messages import render_activity
from bot.recordings import LANGUAGE, RECORD, WITHDRAW, activity_title, recordings_changed
from bot.services import Ctx, Services
from bot.staff_replies import CANCEL
from bot.store import Practitioner
from bot.vocab import FamilyStatus, Role

log = logging.getLogger(__name__)

OFFERED = 5  # ideas offered for recording at once
MAX_LISTED = 40  # recordings listed with a Withdraw button


async def record_command(update: Update, context: Ctx) -> None:
    found = await staff(update, context)
    if found is None:
        return
    _me, t = found
    s = context.bot_data.services
    buttons: list[ButtonSpec] = [(language_name(code), (LANGUAGE, code)) for code in LOCALES]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    text = t.gettext("Which language will you record in?")
    await send(update, context, escape(text), signed_rows(s.signer, user_id(update), rows))


async def on_button(update: Update, context: Ctx, t: Translator, parts: list[str]) -> None:
    """A press on /record's or /recordings' buttons, checked against the presser's role."""
    kind = parts[0]
    found = await staff(update, context, *((Role.LEAD,) if kind == WITHDRAW else ()))
    if found is None:
        return
    me, t = found
    if kind == LANGUAGE and parts[1] in LOCALES:
        await tidy_buttons(update, escape(language_name(parts[1])))
        await _offer(update, context, me, t, parts[1])
    elif kind == RECORD and parts[2] in LOCALES:
        await _ask_voice(update, context, me, t, parts[1], parts[2])
    elif kind == WITHDRAW:
        await _withdraw(update, context, me, t, int(parts[1]))
    else:
        raise ValueError("unknown recording step")


async def _coming(s: Services, me: Practitioner, code: str) -> list[Activity] | None:
    """The ideas the setting's families of that language get next; None: no such family."""
    families = [
        f
        for f in await s.store.families_of_setting(me.setting_id)
        if f.locale == code and f.status == FamilyStatus.ACTIVE
    ]
    if not families:
        return None
    now = s.clock.now()
    ids = await s.store.coming_activities(me.setting_id, code, now + timedelta(days=7), OFFERED)
    chosen = [a for a in (s.library.get(i) for i in ids) if a is not None]
    if chosen:
        return chosen
    # Nothing planned yet this week: the ideas that fit these children's ages.
    for family in families:
        for child in await s.store.children_of(family.id):
            for activity in s.library.fitting(child.age_months(now.date()))[:2]:
                if activity not in chosen:
                    chosen.append(activity)
    return chosen[:OFFERED]


async def _offer(update: Update, context: Ctx, me: Practitioner, t: Translator, code: str) -> None:
    s = context.bot_data.services
    language = escape(language_name(code))
    activities = await _coming(s, me, code)
    if not activities:
        text = escape(t.gettext("No family in your setting has chosen {language} yet."))
        await send(update, context, text.replace("{language}", language))
        return
    head = escape(
        t.gettext(
            "The coming ideas in {language}, as families will read them. Press Record this "
            "under one, then send a voice note reading it aloud."
        )
    )
    await send(update, context, head.replace("{language}", language))
    family_t = s.catalogs.for_locale(code)
    label = t.gettext("Record this")
    for activity in activities:
        rows = signed_rows(s.signer, user_id(update), [[(label, (RECORD, activity.id, code))]])
        await send(update, context, render_activity(family_t, activity, None, "activity"), rows)


async def _ask_voice(
    update: Update, context: Ctx, me: Practitioner, t: Translator, activity_id: str, code: str
) -> None:
    s = context.bot_data.services
    activity = s.library.get(activity_id)
    if activity is None:
        await send(update, context, escape(t.gettext("Sorry, this button has expired.")))
        return
    awaited = {"do": "record", "activity": activity_id, "locale": code}
    await s.store.set_awaiting(me.id, json.dumps(awaited))
    text = escape(t.gettext("Send a voice note now, reading “{title}” in {language}."))
    text = text.replace("{title}", escape(activity_title(t, activity)))
    text = text.replace("{language}", escape(language_name(code)))
    rows = signed_rows(s.signer, user_id(update), [[(t.gettext("Cancel"), (CANCEL,))]])
    await send(update, context, text, rows)


@step("record")
async def on_voice(update: Update, context: Ctx, me: Practitioner, awaited: dict[str, Any]) -> None:
    """The voice note that becomes the activity's recording in that language."""
    message = update.message
    if message is None:
        return
    s = context.bot_data.services
    t = s.catalogs.for_locale(me.locale)
    if message.voice is None:
        text = t.gettext("Please send a voice note, or type /cancel.")
        await send(update, context, escape(text))
        return
    activity_id, code = str(awaited.get("activity")), str(awaited.get("locale"))
    if s.library.get(activity_id) is None or code not in LOCALES:
        await s.store.set_awaiting(me.id, None)
        await send(update, context, escape(t.gettext("Sorry, this button has expired.")))
        return
    with warnings.catch_warnings():  # PTB 22: int or timedelta, and a warning about it
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        length = message.voice.duration
    seconds = int(length.total_seconds()) if isinstance(length, timedelta) else int(length)
    await s.store.save_recording(
        me.setting_id, activity_id, code, message.voice.file_id, seconds, me.id
    )
    await s.store.set_awaiting(me.id, None)
    recordings_changed(s)
    log.info("recording saved by practitioner %s (%s)", me.id, code)
    text = escape(
        t.gettext(
            "Saved. Families who chose {language} get your recording with this idea from now on."
        )
    )
    await send(update, context, text.replace("{language}", escape(language_name(code))))


async def recordings_command(update: Update, context: Ctx) -> None:
    found = await staff(update, context, Role.LEAD)
    if found is None:
        return
    me, t = found
    s = context.bot_data.services
    current = await s.store.recordings_of_setting(me.setting_id)
    if not current:
        text = t.gettext("There are no recordings yet. Staff can add one with /record.")
        await send(update, context, escape(text))
        return
    rows: list[list[ButtonSpec]] = []
    for rec in current[:MAX_LISTED]:
        activity = s.library.get(rec.activity_id)
        title = activity_title(t, activity) if activity else rec.activity_id
        rows.append([(f"✖ {language_name(rec.locale)}: {title}"[:60], (WITHDRAW, rec.id))])
    text = t.gettext("Recordings families get now. Press one to withdraw it:")
    await send(update, context, escape(text), signed_rows(s.signer, user_id(update), rows))


async def _withdraw(
    update: Update, context: Ctx, me: Practitioner, t: Translator, recording_id: int
) -> None:
    s = context.bot_data.services
    if not await s.store.withdraw_recording(recording_id, me.setting_id):
        await send(update, context, escape(t.gettext("Sorry, this button has expired.")))
        return
    log.info("recording %s withdrawn by practitioner %s", recording_id, me.id)
    await send(update, context, escape(t.gettext("Withdrawn. Families will not get it any more.")))
