"""A parent joins: setting link, language, consent, photo sharing.

Until the parent agrees, the journey's state lives only in signed button data
(setting and language), so nothing about them is stored before consent and a
restart mid-way loses nothing. From consent on, the family row holds the step.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import Update

from bot.handlers.common import chat_id, family_and_t, send, tidy_buttons, user_id
from bot.handlers.steps import ask_step
from bot.i18n import LOCALES, Translator, language_name, negotiate
from bot.keyboards import signed_rows
from bot.services import NOTICE_VERSION, Ctx
from bot.store import Family

log = logging.getLogger(__name__)

THROTTLE_KIND = "parent-link"


async def start(update: Update, context: Ctx) -> None:
    s = context.bot_data.services
    family, t = await family_and_t(update, context)
    _ = t.gettext
    if family is not None:
        await _welcome_back(update, context)
        return
    code = context.args[0] if context.args else ""
    if not code and await s.store.practitioners_of(user_id(update)):
        # Staff who are also parents can still join with their setting's link.
        await send(
            update,
            context,
            escape(_("You are signed in as staff. Type /help to see your commands.")),
        )
        return
    if not code:
        await send(
            update,
            context,
            escape(
                _(
                    "Hello! playtalk sends a short play idea for your child each week, "
                    "from your nursery or children's centre.\n\n"
                    "To join, scan the QR code on your nursery's poster or open the link "
                    "the staff gave you."
                )
            ),
        )
        return
    now = s.clock.now()
    if not s.throttle.try_guess(THROTTLE_KIND, user_id(update), now):
        await send(
            update,
            context,
            escape(
                _(
                    "Too many tries with a wrong link. Please wait an hour, or ask your nursery for the link."
                )
            ),
        )
        return
    setting = await s.store.setting_by_parent_code(code)
    if setting is None:
        await send(
            update,
            context,
            escape(
                _(
                    "Sorry, I don't recognise that link. It may be old. Please scan the QR "
                    "code on your nursery's poster again, or ask the staff for the link."
                )
            ),
        )
        return
    s.throttle.forgive(THROTTLE_KIND, user_id(update), now)
    user = update.effective_user
    first = negotiate(user.language_code if user else None)
    order = [first, *[c for c in LOCALES if c != first]]
    rows = [
        [(language_name(a), ("L", setting.id, a)) for a in order[i : i + 2]]
        for i in range(0, len(order), 2)
    ]
    text = _("Hello! {setting} uses playtalk to send you one play idea a week.").replace(
        "{setting}", f"<b>{escape(setting.name)}</b>"
    )
    text += "\n\n" + escape(_("Which language would you like?"))
    await send(update, context, text, signed_rows(s.signer, user_id(update), rows))


def signed_up(family: Family) -> bool:
    """Whether the family finished signing up: how often is the journey's last answer.

    A family that sent /stop half-way is 'stopped' like any other; this tells the two
    apart, also for rows stopped before anyone kept a note of it.
    """
    return family.cadence is not None


async def carry_on_signing_up(update: Update, context: Ctx, family: Family, t: Translator) -> None:
    """Back after /stop during sign-up: sign-up again, at the question they had reached."""
    s = context.bot_data.services
    if family.status != "onboarding":
        await s.store.set_status(family.id, "onboarding")
    await send(
        update, context, escape(t.gettext("Welcome back! Let's carry on where we left off."))
    )
    await ask_step(update, context, family, t)


async def _welcome_back(update: Update, context: Ctx) -> None:
    s = context.bot_data.services
    family, t = await family_and_t(update, context)
    assert family is not None
    _ = t.gettext
    if family.status == "onboarding" or not signed_up(family):
        await carry_on_signing_up(update, context, family, t)
        return
    if family.status in ("stopped", "blocked"):
        await s.store.set_status(family.id, "active")
        await send(
            update,
            context,
            escape(
                _(
                    "Welcome back! Your weekly play ideas will start again. Type /help to see what you can do."
                )
            ),
        )
        return
    await send(
        update,
        context,
        escape(_("Welcome back! You are already signed up. Type /help to see what you can do.")),
    )


def retention_notice(t: Translator, months: int, photo_months: int) -> str:
    """The consent notice's promise about deletion, from the configured retention.

    One plural msgid per sentence, so a translator can inflect "after N months" as their
    language needs. Photos are never kept longer than the replies they belong to, so
    when both periods are equal the photo sentence is left out.
    """
    photo_months = min(photo_months, months)
    parts = [
        t.ngettext(
            "How long: replies are deleted after {n} month.",
            "How long: replies are deleted after {n} months.",
            months,
        ).replace("{n}", str(months))
    ]
    if photo_months < months:
        parts.append(
            t.ngettext(
                "Photos and voice notes are deleted after {n} month.",
                "Photos and voice notes are deleted after {n} months.",
                photo_months,
            ).replace("{n}", str(photo_months))
        )
    parts.append(
        t.gettext(
            "You can see everything we hold with /mydata and delete it all at any time "
            "with /delete."
        )
    )
    return escape(" ".join(parts))


async def on_language(update: Update, context: Ctx, parts: list[str]) -> None:
    s = context.bot_data.services
    setting_id, code = int(parts[1]), parts[2]
    setting = await s.store.get_setting(setting_id)
    if setting is None or code not in LOCALES:
        return
    await tidy_buttons(update, language_name(code))
    t = s.catalogs.for_locale(code)
    _ = t.gettext
    text = "\n\n".join(
        [
            "<b>" + escape(_("Before we start")) + "</b>",
            escape(
                _(
                    "What we keep: your Telegram chat, your language, your child's first name "
                    "(if you give it) and birth month, the day and time you choose, and your "
                    "replies (taps, words, photos, voice notes)."
                )
            ),
            escape(
                _(
                    "Why: to send you play ideas that fit your child's age, and to let "
                    "{setting} see how families are getting on."
                )
            ).replace("{setting}", escape(setting.name)),
            escape(
                _(
                    "Who sees it: only the staff of {setting}, and your photos and voice "
                    "notes only if you say yes. We never share it with anyone else."
                )
            ).replace("{setting}", escape(setting.name)),
            retention_notice(t, s.config.retention_months, s.config.photo_retention_months),
            escape(_("Is that OK?")),
        ]
    )
    rows = [
        [
            (_("Yes, I agree"), ("C", setting_id, code, "y")),
            (_("No thanks"), ("C", setting_id, code, "n")),
        ]
    ]
    await send(update, context, text, signed_rows(s.signer, user_id(update), rows))


async def on_consent(update: Update, context: Ctx, parts: list[str]) -> None:
    s = context.bot_data.services
    setting_id, code, answer = int(parts[1]), parts[2], parts[3]
    t = s.catalogs.for_locale(code)
    _ = t.gettext
    if answer != "y":
        await tidy_buttons(update, _("No thanks"))
        await send(
            update,
            context,
            escape(
                _(
                    "That's fine. Nothing about you has been saved. If you change your mind, "
                    "scan the poster again. Goodbye!"
                )
            ),
        )
        return
    if await s.store.get_setting(setting_id) is None:
        return
    await tidy_buttons(update, _("Yes, I agree"))
    family = await s.store.create_family(setting_id, chat_id(update), code, NOTICE_VERSION)
    log.info("family %s joined setting %s", family.id, setting_id)
    await ask_step(update, context, family, s.catalogs.for_locale(family.locale))
