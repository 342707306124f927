"""Practitioners: joining a setting, the digest on demand, families, invites, focus.

Every command resolves the caller's own setting from their membership; nothing
takes a setting id from the user, so one setting's staff never reach another's.
A person of several settings chooses which one their commands act on
(bot/handlers/membership.py), and holds there the role they were given there.
"""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from html import escape

from telegram import InputFile, Update
from telegram.constants import ParseMode

from bot.alerts import queue_waiting_alerts
from bot.codes import JOIN_CODE_TTL, new_join_code, parent_link
from bot.content import AREAS
from bot.digest.delivery import queue_digest
from bot.handlers.common import chat_id, send, tidy_buttons, user_id
from bot.handlers.membership import membership, setting_rows, staff, working_in
from bot.i18n import Translator, negotiate
from bot.messages import N_, child_label
from bot.services import Ctx
from bot.staff_replies import MAX_REPLY_BUTTONS, item_button
from bot.store import Family
from bot.textsplit import split_html
from bot.vocab import Role

log = logging.getLogger(__name__)

THROTTLE_KIND = "join-code"
AREA_NAMES = {
    "psed": N_("personal, social and emotional development"),
    "cll": N_("communication and language"),
    "maths": N_("maths"),
}
STATUS_NAMES = {
    "onboarding": N_("joining"),
    "active": N_("active"),
    "paused": N_("paused"),
    "stopped": N_("stopped"),
    "blocked": N_("blocked the bot"),
}


async def on_setting_choice(update: Update, context: Ctx, t: Translator, parts: list[str]) -> None:
    """A press on a setting button: remember it, then show what can be done there."""
    s = context.bot_data.services
    setting_id = int(parts[1])
    if not await s.store.choose_setting(user_id(update), setting_id):
        await send(update, context, escape(t.gettext("Sorry, this button has expired.")))
        return
    setting = await s.store.get_setting(setting_id)
    await tidy_buttons(update, escape(setting.name) if setting else None)
    await staff_help(update, context)


async def staff_help(update: Update, context: Ctx) -> None:
    found = await membership(update, context)
    if found is None:
        return
    me, t, memberships = found
    s = context.bot_data.services
    _ = t.gettext
    lines = [
        ("/digest", _("this week's digest so far")),
        ("/families", _("families, their status and last reply")),
        ("/invite", _("the parent link and a QR poster to print")),
        ("/record", _("read an activity aloud in a family's home language")),
        ("/cancel", _("stop writing a reply to a family")),
    ]
    if me.role == "lead":
        lines += [
            ("/newcode", _("a join code for a colleague (add: lead or safeguarding)")),
            ("/focus", _("favour an area for some weeks, e.g. /focus cll 4")),
            ("/notice", _("a notice to every family, in their own language")),
            ("/recordings", _("the recordings families get, to withdraw one")),
        ]
    text = "\n".join(f"{c} – {escape(d)}" for c, d in lines)
    if len(memberships) == 1:
        await send(update, context, text)
        return
    others = [m for m in memberships if m.setting_id != me.setting_id]
    switch = escape(_("To work in another setting, choose it below."))
    text = f"{await working_in(s, t, me)}\n\n{text}\n\n{switch}"
    await send(update, context, text, await setting_rows(s, user_id(update), others))


async def join_command(update: Update, context: Ctx) -> None:
    s = context.bot_data.services
    user = update.effective_user
    locale = negotiate(user.language_code if user else None)
    t = s.catalogs.for_locale(locale)
    _ = t.gettext
    code = context.args[0] if context.args else ""
    now = s.clock.now()
    if not code:
        await send(
            update, context, escape(_("Please type /join followed by the code from your lead."))
        )
        return
    if not s.throttle.try_guess(THROTTLE_KIND, user_id(update), now):
        await send(
            update, context, escape(_("Too many wrong codes. Please wait an hour and try again."))
        )
        return
    me = await s.store.redeem_join_code(code, user_id(update), chat_id(update), locale)
    if me is None:
        await send(
            update,
            context,
            escape(
                _(
                    "That code doesn't work: it may be mistyped, used already or more than 7 days old. "
                    "Please ask your lead for a new one."
                )
            ),
        )
        return
    s.throttle.forgive(THROTTLE_KIND, user_id(update), now)
    setting = await s.store.get_setting(me.setting_id)
    log.info("practitioner %s joined setting %s as %s", me.id, me.setting_id, me.role)
    name = escape(t.isolate(setting.name if setting else ""))
    await send(
        update,
        context,
        escape(_("Welcome! You have joined {setting}.")).replace("{setting}", f"<b>{name}</b>"),
    )
    await staff_help(update, context)
    if me.role in (Role.LEAD, Role.SAFEGUARDING):
        await queue_waiting_alerts(s, me.setting_id)


async def newcode_command(update: Update, context: Ctx) -> None:
    found = await staff(update, context, "lead")
    if found is None:
        return
    me, t = found
    role = context.args[0].lower() if context.args else "practitioner"
    if role not in ("practitioner", "lead", "safeguarding"):
        await send(
            update, context, escape(t.gettext("Please choose practitioner, lead or safeguarding."))
        )
        return
    code = new_join_code()
    await context.bot_data.services.store.add_join_code(me.setting_id, code, role, JOIN_CODE_TTL)
    text = escape(t.gettext("A one-off code for a colleague ({role}), valid for 7 days:")).replace(
        "{role}", role
    )
    await send(update, context, f"{text}\n\n<code>/join {code}</code>")


async def families_command(update: Update, context: Ctx) -> None:
    found = await staff(update, context)
    if found is None:
        return
    me, t = found
    s = context.bot_data.services
    _ = t.gettext
    families = await s.store.families_of_setting(me.setting_id)
    if not families:
        await send(
            update,
            context,
            escape(_("No families have joined yet. Use /invite to get the poster.")),
        )
        return
    lines = ["<b>" + escape(_("Families")) + f"</b> ({len(families)})"]
    for family in families:
        children = await s.store.children_of(family.id)
        names = t.join(escape(child_label(t, c.first_name)) for c in children) or "–"
        last = (
            t.date(family.last_reply_at.date(), "medium")
            if family.last_reply_at
            else _("no reply yet")
        )
        lines.append(
            f"• {names} · {family.locale} · {escape(_(STATUS_NAMES[family.status]))} · {escape(last)}"
        )
    for chunk in split_html("\n".join(lines)):
        await send(update, context, chunk)
    await _reply_offer(update, context, t, me.setting_id, {f.id: f for f in families})


async def _reply_offer(
    update: Update, context: Ctx, t: Translator, setting_id: int, families: dict[int, Family]
) -> None:
    """One Reply button per family who shared words, a photo or a voice note this week."""
    s = context.bot_data.services
    shared = await s.store.recent_shared(setting_id, s.clock.now() - timedelta(days=7))
    rows = []
    for family_id, event_id, kind in shared[:MAX_REPLY_BUTTONS]:
        if family_id not in families:
            continue
        names = [c.first_name for c in await s.store.children_of(family_id) if c.first_name]
        who = ", ".join(names) or f"#{family_id}"
        rows.append([item_button(s.signer, user_id(update), event_id, kind, who)])
    if rows:
        text = t.gettext("Reply to a family who shared something in the last 7 days:")
        await send(update, context, escape(text), rows)


async def invite_command(update: Update, context: Ctx) -> None:
    found = await staff(update, context)
    if found is None:
        return
    me, t = found
    s = context.bot_data.services
    setting = await s.store.get_setting(me.setting_id)
    if setting is None:
        return
    from bot.poster import poster_lines, qr_png, render_poster

    link = parent_link(context.bot.username, setting.parent_code)
    await context.bot.send_photo(
        chat_id=chat_id(update),
        photo=InputFile(io.BytesIO(qr_png(link)), filename="playtalk-qr.png"),
        caption=escape(t.gettext("Parents join here:")) + f"\n{escape(link)}",
        parse_mode=ParseMode.HTML,
    )
    html = render_poster(setting.name, link, poster_lines(s.catalogs))
    await context.bot.send_document(
        chat_id=chat_id(update),
        document=InputFile(io.BytesIO(html.encode()), filename="playtalk-poster.html"),
        caption=t.gettext("A poster to print and put up at the door."),
    )


async def focus_command(update: Update, context: Ctx) -> None:
    found = await staff(update, context, "lead")
    if found is None:
        return
    me, t = found
    s = context.bot_data.services
    _ = t.gettext
    args = [a.lower() for a in (context.args or [])]
    if args[:1] == ["off"]:
        await s.store.set_focus(me.setting_id, None, None)
        await send(
            update, context, escape(_("Focus cleared: activities rotate through all areas again."))
        )
        return
    if (
        len(args) != 2
        or args[0] not in AREAS
        or not args[1].isdigit()
        or not 1 <= int(args[1]) <= 12
    ):
        await send(
            update,
            context,
            escape(
                _(
                    "Type /focus AREA WEEKS, e.g. /focus cll 4. Areas: psed, cll, maths. Weeks: 1 to 12. "
                    "/focus off clears it."
                )
            ),
        )
        return
    until = s.clock.now().date() + timedelta(weeks=int(args[1]))
    await s.store.set_focus(me.setting_id, args[0], until)
    await send(
        update,
        context,
        escape(_("Focus set: {area} until {date}."))
        .replace("{area}", escape(_(AREA_NAMES[args[0]])))
        .replace("{date}", escape(t.date(until, "long"))),
    )


async def digest_command(update: Update, context: Ctx) -> None:
    found = await staff(update, context)
    if found is None:
        return
    me, _t = found
    s = context.bot_data.services
    await queue_digest(s, me.setting_id, [me])
    s.wake_dispatch()
