"""Parents' replies to the weekly activity: taps, words, photos and voice notes."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from html import escape

from telegram import Message, Update
from telegram.constants import ChatType

from bot.alerts import raise_alert
from bot.handlers.account import is_stop_word, stop_command
from bot.handlers.common import family_and_t, send, tidy_buttons, user_id
from bot.handlers.staff_input import on_staff_message
from bot.handlers.staff_replies import parent_answer
from bot.handlers.steps import ask_step, lighter_offer_rows, name_text
from bot.i18n import Translator
from bot.keyboards import TAP_LABELS, signed_rows
from bot.messages import N_
from bot.planning import adjust_level, lighter_cadence_due
from bot.services import Ctx
from bot.store import Delivery, Family
from bot.vocab import Tap

log = logging.getLogger(__name__)

REPLY_WINDOW = timedelta(days=7)
BUTTON_LIFETIME = timedelta(days=21)
# Each promise here is kept by the planner: bot.planning.adjust_level moves the child's
# next ideas, and a second "Not this week" in a row offers one message a week.
TAP_THANKS: dict[str, str] = {
    Tap.DONE: N_("Wonderful! Thank you for playing together."),
    Tap.NOT_THIS_WEEK: N_("That's fine. Busy weeks happen. There will be a new idea next week."),
    Tap.TOO_HARD: N_("Thank you for telling us. We'll choose something a little easier."),
    Tap.TOO_EASY: N_("Thank you for telling us. We'll choose something a little more challenging."),
}

# No family row: not consented, so nothing is kept and no lead can be told (see safeguarding_first).
NOT_JOINED_REPLY = N_(
    "Thank you for telling us. You have not joined playtalk yet, so this message has not "
    "been passed on to anyone and we have not kept it. Please talk to someone you trust at "
    "your nursery.\n\n"
    "If you or your child are in danger now, call 999.\n"
    "NSPCC helpline (free, for any worry about a child): 0808 800 5000."
)


async def expired(update: Update, context: Ctx, t: Translator) -> None:
    query = update.callback_query
    if query is not None:
        await query.answer(t.gettext("Sorry, this button has expired."), show_alert=True)


async def on_tap(update: Update, context: Ctx, family: Family, parts: list[str]) -> None:
    s = context.bot_data.services
    t = s.catalogs.for_locale(family.locale)
    tap = parts[2] if len(parts) > 2 else ""
    delivery = await s.store.get_delivery(int(parts[1])) if parts[1].isdigit() else None
    too_old = delivery is not None and (
        delivery.sent_at is None or s.clock.now() - delivery.sent_at > BUTTON_LIFETIME
    )
    if delivery is None or delivery.family_id != family.id or tap not in TAP_LABELS or too_old:
        await expired(update, context, t)
        return
    query = update.callback_query
    if query is not None:
        await query.answer()
    if await s.store.tap_recorded(delivery.id, tap):
        return
    offer = False
    if tap == Tap.NOT_THIS_WEEK:
        before = await s.store.tapped_weeks(family.id, tap)
        offer = lighter_cadence_due(before, delivery.iso_week, family.cadence)
    await s.store.add_event(
        family.id, "tap", child_id=delivery.child_id, delivery_id=delivery.id, tap=tap
    )
    if tap in (Tap.TOO_HARD, Tap.TOO_EASY):
        # Re-planned before the thanks goes, so "we'll choose" is already true when read.
        await adjust_level(s.store, s.library, delivery, tap, s.clock.now())
    text = escape(t.gettext(TAP_THANKS[tap]))
    rows = None
    if offer:
        ask = t.gettext(
            "Would one message a week suit you better for now? It has the activity and why it "
            "matters."
        )
        text += "\n\n" + escape(ask)
        rows = signed_rows(s.signer, user_id(update), lighter_offer_rows(t))
    # Two independent calls: marking the choice on the activity and the thank-you go
    # out together, so the thanks arrives one round trip sooner.
    await asyncio.gather(
        tidy_buttons(update, t.gettext(TAP_LABELS[tap])),
        send(update, context, text, rows),
    )


async def _answering(family: Family, message: Message, context: Ctx) -> Delivery | None:
    """The activity a reply belongs to: the message it answers, else the latest in 7 days."""
    s = context.bot_data.services
    if message.reply_to_message is not None:
        found = await s.store.delivery_by_message(family.id, message.reply_to_message.message_id)
        if found is not None:
            return found
    return await s.store.latest_sent_activity(family.id, s.clock.now() - REPLY_WINDOW)


async def safeguarding_first(
    update: Update, context: Ctx, family: Family | None, t: Translator, text: str
) -> bool:
    """Check words first, in every state; on a match answer kindly and stop here.

    A family row in any status (signing up, active, paused, stopped, blocked): the leads
    are alerted and the parent told so, then a step they were in is asked again so
    nothing is lost. No family row means no consent: nothing may be stored and the
    setting is not known (it lives only in signed buttons until consent), so nobody can
    be alerted; the person is told that honestly and given 999 and the NSPCC line.
    Staff without a family row are not parents writing about their home: not checked.
    """
    s = context.bot_data.services
    matched = s.safeguarding.match(text)
    if matched is None:
        return False
    if family is None:
        if await s.store.practitioners_of(user_id(update)):
            return False
        log.warning("safeguarding words from someone not signed up: helplines given, nothing kept")
        await send(update, context, escape(t.gettext(NOT_JOINED_REPLY)))
        return True
    await raise_alert(s, family.id, family.setting_id, text, matched)
    await send(
        update,
        context,
        escape(
            t.gettext(
                "Thank you for telling us. We have let the safeguarding lead at your nursery know, "
                "and they will get in touch with you.\n\n"
                "If you or your child are in danger now, call 999.\n"
                "NSPCC helpline (free, for any worry about a child): 0808 800 5000."
            )
        ),
    )
    if family.step != "done" and family.status not in ("stopped", "blocked"):
        await ask_step(update, context, family, t)
    return True


def _thanks(t: Translator, family: Family, media: bool) -> str:
    _ = t.gettext
    text = _("Thank you! We love hearing how it went.")
    if media:
        text += " " + (
            _("The staff at your nursery will see this too.")
            if family.share_photos
            else _("This stays private: the staff won't see it. You can change this in /settings.")
        )
    return escape(text)


async def on_text(update: Update, context: Ctx) -> None:
    message = update.message
    if message is None or message.text is None:
        return
    s = context.bot_data.services
    family, t = await family_and_t(update, context)
    if await safeguarding_first(update, context, family, t, message.text):
        return
    if family is None:
        if not await on_staff_message(update, context):
            await not_enrolled_yet(update, context, None, t)
        return
    if is_stop_word(message.text, t):
        await stop_command(update, context)
        return
    if family.step.startswith("child_name"):
        await name_text(update, context, family, t, message.text)
        return
    if family.status == "onboarding":
        await send(update, context, escape(t.gettext("Please choose one of the buttons below.")))
        await ask_step(update, context, family, t)
        return
    if await parent_answer(update, context, family, t, "text", text=message.text[:4096]):
        return
    delivery = await _answering(family, message, context)
    await s.store.add_event(
        family.id,
        "text",
        child_id=delivery.child_id if delivery else None,
        delivery_id=delivery.id if delivery else None,
        text=message.text[:4096],
        message_id=message.message_id,
    )
    await send(update, context, _thanks(t, family, media=False))


async def on_media(update: Update, context: Ctx) -> None:
    message = update.message
    if message is None:
        return
    s = context.bot_data.services
    family, t = await family_and_t(update, context)
    caption = message.caption or None
    if caption and await safeguarding_first(update, context, family, t, caption):
        return
    if family is None and await on_staff_message(update, context):
        return
    if family is None or family.status == "onboarding":
        await not_enrolled_yet(update, context, family, t)
        return
    kind, file_id, duration = "photo", "", None
    if message.photo:
        file_id = message.photo[-1].file_id
    elif message.voice:
        kind, file_id, duration = "voice", message.voice.file_id, _seconds(message.voice.duration)
        if await parent_answer(
            update, context, family, t, kind, text=caption, file_id=file_id, duration=duration
        ):
            return
    delivery = await _answering(family, message, context)
    await s.store.add_event(
        family.id,
        kind,
        child_id=delivery.child_id if delivery else None,
        delivery_id=delivery.id if delivery else None,
        text=caption,
        file_id=file_id,
        duration=duration,
        shared=bool(family.share_photos),
        message_id=message.message_id,
    )
    await send(update, context, _thanks(t, family, media=True))


async def not_enrolled_yet(
    update: Update, context: Ctx, family: Family | None, t: Translator
) -> None:
    """Words or media before enrolment is finished: say how to join, or re-ask the step."""
    if family is None:
        await send(
            update,
            context,
            escape(
                t.gettext(
                    "Hello! To join playtalk, scan the QR code on your nursery's poster "
                    "or open the link the staff gave you."
                )
            ),
        )
    else:
        await send(update, context, escape(t.gettext("Please choose one of the buttons below.")))
        await ask_step(update, context, family, t)


async def on_unsupported(update: Update, context: Ctx) -> None:
    _family, t = await family_and_t(update, context)
    await send(
        update, context, escape(t.gettext("Sorry, I can only read words, photos and voice notes."))
    )


async def on_group(update: Update, context: Ctx) -> None:
    """playtalk talks to one family at a time; in a group it says so and leaves."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    try:
        if chat.type != ChatType.CHANNEL:
            await context.bot.send_message(
                chat.id,
                "playtalk works in a private chat only. Please message me directly. Goodbye!",
            )
        await context.bot.leave_chat(chat.id)
    except Exception:
        log.info("could not leave chat %s", chat.id)


async def on_checkin(update: Update, context: Ctx, family: Family, answer: str) -> None:
    s = context.bot_data.services
    t = s.catalogs.for_locale(family.locale)
    _ = t.gettext
    labels = {"yes": _("Yes, keep them coming"), "less": _("Less often"), "stop": _("Stop")}
    if answer not in labels:
        return
    await tidy_buttons(update, labels[answer])
    await s.store.add_event(family.id, "tap", tap=f"checkin_{answer}")
    if answer == "stop":
        await stop_command(update, context)
    elif answer == "less":
        await s.store.set_status(
            family.id,
            "paused",
            reason="asked for fewer messages",
            paused_until=s.clock.now() + timedelta(weeks=2),
        )
        await send(
            update,
            context,
            escape(_("Thank you. We'll take a two-week break, then send one message a week.")),
        )
    else:
        await send(update, context, escape(_("Lovely! We'll keep the ideas coming.")))


async def on_unknown_command(update: Update, context: Ctx) -> None:
    _family, t = await family_and_t(update, context)
    await send(
        update,
        context,
        escape(t.gettext("Sorry, I don't know that command. Type /help to see what I can do.")),
    )


def _seconds(value: object) -> int:
    """PTB reports durations as int or timedelta depending on its settings."""
    return int(value.total_seconds()) if isinstance(value, timedelta) else int(str(value))
