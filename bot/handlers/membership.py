"""Which membership a practitioner's command acts on, and the role held there.

Roles belong to a membership (setting, person), never to the person: a lead of one
setting can be a practitioner of another. A person of several settings chooses the
one their commands act on with a signed button (callback kind "W"); the store keeps
the choice, so it survives a restart and applies to every later command. Until they
choose, commands ask rather than guess.
"""

from __future__ import annotations

from html import escape

from telegram import Update

from bot.handlers.common import chat_id, send, user_id
from bot.i18n import Translator
from bot.keyboards import signed_rows
from bot.messages import N_
from bot.services import Ctx, Services
from bot.store import Practitioner
from bot.vocab import Role

ROLE_NAMES: dict[str, str] = {
    Role.PRACTITIONER: N_("practitioner"),
    Role.LEAD: N_("lead"),
    Role.SAFEGUARDING: N_("safeguarding lead"),
}
CHOOSE_KIND = "W"  # callback: the setting a person of several settings acts on


async def membership(
    update: Update, context: Ctx, *roles: str
) -> tuple[Practitioner, Translator, list[Practitioner]] | None:
    """The caller's membership in the setting they act on, or a polite refusal.

    With several memberships and none chosen, asks which setting instead: a lead of
    one setting who is a practitioner of another must never act on the wrong one.
    """
    s = context.bot_data.services
    uid = user_id(update)
    memberships = await s.store.practitioners_of(uid)
    if not memberships:
        family = await s.store.family_by_chat(chat_id(update))
        t = s.catalogs.for_locale(family.locale if family else "en")
        await send(update, context, escape(t.gettext("Sorry, that command is for nursery staff.")))
        return None
    for m in memberships:
        if m.blocked_at is not None:  # they wrote to us: reachable again, in every setting
            await s.store.unblock_practitioner(m.id)
    chosen = (
        memberships[0].setting_id if len(memberships) == 1 else await s.store.chosen_setting(uid)
    )
    me = next((m for m in memberships if m.setting_id == chosen), None)
    if me is None:
        t = s.catalogs.for_locale(memberships[-1].locale)
        text = t.gettext(
            "You work in more than one setting. Which one should your commands act on?"
        )
        await send(update, context, escape(text), await setting_rows(s, uid, memberships))
        return None
    t = s.catalogs.for_locale(me.locale)
    if roles and me.role not in roles:
        text = escape(t.gettext("Sorry, only a lead can do that."))
        if len(memberships) > 1:
            switch = escape(t.gettext("Type /help to work in another setting."))
            text += "\n\n" + await working_in(s, t, me) + " " + switch
        await send(update, context, text)
        return None
    return me, t, memberships


async def staff(
    update: Update, context: Ctx, *roles: str
) -> tuple[Practitioner, Translator] | None:
    found = await membership(update, context, *roles)
    return None if found is None else found[:2]


async def setting_rows(
    s: Services, uid: int, memberships: list[Practitioner]
) -> list[list[tuple[str, str]]]:
    """One button per setting, signed for this person (the router refuses any other)."""
    rows = []
    for m in memberships:
        setting = await s.store.get_setting(m.setting_id)
        if setting is not None:
            rows.append([(setting.name, (CHOOSE_KIND, m.setting_id))])
    return signed_rows(s.signer, uid, rows)


async def working_in(s: Services, t: Translator, me: Practitioner) -> str:
    setting = await s.store.get_setting(me.setting_id)
    name = f"<b>{escape(t.isolate(setting.name if setting else ''))}</b>"
    role = escape(t.gettext(ROLE_NAMES.get(me.role, me.role)))
    text = escape(t.gettext("You are working in {setting} as {role}."))
    return text.replace("{setting}", name).replace("{role}", role)
