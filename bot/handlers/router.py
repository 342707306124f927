"""One entry point for every button press: verify, then hand to the right handler.

Every callback payload is signed for the user it was sent to (bot/buttons.py);
anything else, forged or stale, gets "this button has expired" and changes nothing.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import Update
from telegram.error import BadRequest

from bot.handlers import (
    account,
    notices,
    onboarding,
    practitioner,
    recordings,
    replies,
    staff_replies,
    steps,
)
from bot.handlers.common import family_and_t, send, user_id
from bot.notices import NOTICE_KIND
from bot.recordings import RECORD_KINDS
from bot.services import Ctx
from bot.staff_replies import CANCEL, REPLY_EVENT, REPLY_FAMILY

log = logging.getLogger(__name__)

_PRE_CONSENT = {"L", "C"}
_STEPS = {"P", "N", "Y", "M", "A", "D", "S", "K"}


async def on_callback(update: Update, context: Ctx) -> None:
    query = update.callback_query
    if query is None:
        return
    s = context.bot_data.services
    family, t = await family_and_t(update, context)
    parts = s.signer.verify(user_id(update), query.data)
    if not parts:
        await replies.expired(update, context, t)
        return
    kind = parts[0]
    try:
        if kind == "W":  # staff choosing a setting: no family involved
            await query.answer()
            await practitioner.on_setting_choice(update, context, t, parts)
            return
        if kind == NOTICE_KIND:  # staff: checked against their role
            await query.answer()
            await notices.on_button(update, context, t, parts)
            return
        if kind in RECORD_KINDS:  # staff: checked against their role
            await query.answer()
            await recordings.on_button(update, context, t, parts)
            return
        if kind in (REPLY_EVENT, REPLY_FAMILY, CANCEL):  # staff: checked against their setting
            await query.answer()
            if kind == CANCEL:
                await staff_replies.cancel(update, context)
            else:
                await staff_replies.on_reply_button(update, context, t, parts)
            return
        if kind in _PRE_CONSENT:
            await query.answer()
            if family is not None:
                await onboarding.start(update, context)
            elif kind == "L" and len(parts) == 3:
                await onboarding.on_language(update, context, parts)
            elif kind == "C" and len(parts) == 4:
                await onboarding.on_consent(update, context, parts)
            return
        if family is None:
            await replies.expired(update, context, t)
            return
        if kind == "R":
            await replies.on_tap(update, context, family, parts)
            return
        await query.answer()
        if kind in _STEPS:
            await steps.on_step_button(update, context, family, parts)
        elif kind == "G":
            await account.on_settings_button(update, context, family, parts)
        elif kind == "L2":
            await account.on_language_change(update, context, family, parts[1])
        elif kind in ("E", "X"):
            await account.on_child_button(update, context, family, parts)
        elif kind == "Z":
            await account.on_pause(update, context, family, int(parts[1]))
        elif kind == "DEL":
            await account.on_delete(update, context, family, parts[1])
        elif kind == "Q":
            await replies.on_checkin(update, context, family, parts[1])
        elif kind == "NT":
            await steps.on_lighter_offer(update, context, family, parts[1])
    except (ValueError, IndexError):
        # A signed payload from an older version of a keyboard: harmless, say so.
        log.info("malformed button payload of kind %s", kind)
        try:
            await replies.expired(update, context, t)
        except BadRequest:
            # The press was already answered before its payload turned out malformed
            # (Telegram refuses a second answer), so say it in the chat instead.
            await send(update, context, escape(t.gettext("Sorry, this button has expired.")))
