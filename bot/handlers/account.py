"""A parent's own account: help, settings, children, pause, stop, their data, deletion."""

from __future__ import annotations

import io
import json
import logging
import unicodedata
from dataclasses import replace
from datetime import timedelta
from html import escape

from telegram import InputFile, Update

from bot.handlers.common import chat_id, family_and_t, send, tidy_buttons, user_id
from bot.handlers.onboarding import carry_on_signing_up, signed_up
from bot.handlers.practitioner import staff_help
from bot.handlers.steps import ask_step
from bot.handlers.summary import commands_help, summary_text
from bot.i18n import LOCALES, Translator, language_name
from bot.keyboards import ButtonSpec, signed_rows
from bot.messages import child_label
from bot.services import Ctx
from bot.store import Family

log = logging.getLogger(__name__)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip(" .!")


def is_stop_word(text: str, t: Translator) -> bool:
    """STOP in English or the parent's language, however it is capitalised or accented."""
    return _fold(text) in {_fold("STOP"), _fold(t.gettext("STOP"))}


async def _enrolled(update: Update, context: Ctx) -> tuple[Family, Translator] | None:
    family, t = await family_and_t(update, context)
    if family is None:
        await send(
            update,
            context,
            escape(
                t.gettext(
                    "You haven't joined yet. Scan the QR code on your nursery's poster to join."
                )
            ),
        )
        return None
    return family, t


async def help_command(update: Update, context: Ctx) -> None:
    s = context.bot_data.services
    is_staff = bool(await s.store.practitioners_of(user_id(update)))
    if is_staff and await s.store.family_by_chat(chat_id(update)) is None:
        await staff_help(update, context)
        return
    found = await _enrolled(update, context)
    if found is None:
        return
    _family, t = found
    text = "<b>" + escape(t.gettext("What you can do")) + "</b>\n\n" + commands_help(t)
    await send(update, context, text)


async def settings_command(update: Update, context: Ctx) -> None:
    found = await _enrolled(update, context)
    if found is None:
        return
    family, t = found
    _ = t.gettext
    rows = [
        [(_("Language"), ("G", "lang")), (_("Day and time"), ("G", "time"))],
        [(_("How often"), ("G", "cad")), (_("Children"), ("G", "kids"))],
        [(_("Photo sharing"), ("G", "photo"))],
    ]
    text = await summary_text(context.bot_data.services, family)
    await send(
        update,
        context,
        text + "\n\n" + escape(_("What would you like to change?")),
        signed_rows(context.bot_data.services.signer, user_id(update), rows),
    )


async def on_settings_button(
    update: Update, context: Ctx, family: Family, parts: list[str]
) -> None:
    s = context.bot_data.services
    t = s.catalogs.for_locale(family.locale)
    _ = t.gettext
    uid = user_id(update)
    what = parts[1]
    await tidy_buttons(update)
    rows: list[list[ButtonSpec]]
    if what == "lang":
        rows = [
            [(language_name(c), ("L2", c)) for c in LOCALES[i : i + 2]]
            for i in range(0, len(LOCALES), 2)
        ]
        await send(
            update,
            context,
            escape(_("Which language would you like?")),
            signed_rows(s.signer, uid, rows),
        )
    elif what == "time":
        await ask_step(update, context, replace(family, step="weekday"), t)
    elif what == "cad":
        await ask_step(update, context, replace(family, step="cadence"), t)
    elif what == "photo":
        await ask_step(update, context, replace(family, step="photos"), t)
    elif what == "kids":
        children = await s.store.children_of(family.id)
        rows = []
        for child in children:
            name = child_label(t, child.first_name)
            rows.append(
                [
                    (_("Change {name}").replace("{name}", name), ("E", child.id)),
                    (_("Remove {name}").replace("{name}", name), ("X", child.id)),
                ]
            )
        rows.append([(_("Add another child"), ("A", "y"))])
        await send(update, context, escape(_("Your children:")), signed_rows(s.signer, uid, rows))


async def on_language_change(update: Update, context: Ctx, family: Family, code: str) -> None:
    s = context.bot_data.services
    if code not in LOCALES:
        return
    await s.store.update_family(family.id, locale=code)
    await tidy_buttons(update, language_name(code))
    await send(update, context, escape(s.catalogs.for_locale(code).gettext("Saved. Thank you!")))


async def on_child_button(update: Update, context: Ctx, family: Family, parts: list[str]) -> None:
    s = context.bot_data.services
    t = s.catalogs.for_locale(family.locale)
    child = await s.store.get_child(int(parts[1]))
    if child is None or child.family_id != family.id:
        return
    await tidy_buttons(update)
    if parts[0] == "E":
        await s.store.update_family(
            family.id, step=f"child_name#{child.id}", draft_name=None, draft_year=None
        )
        fresh = await s.store.get_family(family.id)
        assert fresh is not None
        await ask_step(update, context, fresh, t)
        return
    if len(await s.store.children_of(family.id)) == 1:
        await send(
            update,
            context,
            escape(
                t.gettext(
                    "This is your only child in playtalk. To stop all messages, use /stop; to delete everything, /delete."
                )
            ),
        )
        return
    await s.store.remove_child(child.id)
    await send(update, context, escape(t.gettext("Removed. Thank you!")))


async def addchild_command(update: Update, context: Ctx) -> None:
    found = await _enrolled(update, context)
    if found is None:
        return
    family, t = found
    s = context.bot_data.services
    await s.store.update_family(family.id, step="child_name", draft_name=None, draft_year=None)
    fresh = await s.store.get_family(family.id)
    assert fresh is not None
    await ask_step(update, context, fresh, t)


async def pause_command(update: Update, context: Ctx) -> None:
    found = await _enrolled(update, context)
    if found is None:
        return
    _family, t = found
    _ = t.gettext
    weeks = [
        (t.ngettext("{n} week", "{n} weeks", n).replace("{n}", str(n)), ("Z", n)) for n in (1, 2, 4)
    ]
    await send(
        update,
        context,
        escape(_("How long would you like a break for?")),
        signed_rows(context.bot_data.services.signer, user_id(update), [weeks]),
    )


async def on_pause(update: Update, context: Ctx, family: Family, weeks: int) -> None:
    s = context.bot_data.services
    t = s.catalogs.for_locale(family.locale)
    if weeks not in (1, 2, 4):
        return
    until = s.clock.now() + timedelta(weeks=weeks)
    await s.store.set_status(family.id, "paused", reason=f"{weeks} weeks", paused_until=until)
    await tidy_buttons(
        update, t.ngettext("{n} week", "{n} weeks", weeks).replace("{n}", str(weeks))
    )
    text = escape(
        t.gettext(
            "Enjoy your break! Play ideas start again on {date}. Type /resume to start sooner."
        )
    )
    await send(update, context, text.replace("{date}", escape(t.date(until.date(), "long"))))


async def resume_command(update: Update, context: Ctx) -> None:
    found = await _enrolled(update, context)
    if found is None:
        return
    family, t = found
    s = context.bot_data.services
    if not signed_up(family):  # stopped half-way through signing up: finish that first
        await carry_on_signing_up(update, context, family, t)
        return
    if family.status in ("paused", "stopped", "blocked"):
        await s.store.set_status(family.id, "active")
    await send(
        update, context, escape(t.gettext("Welcome back! Your weekly play ideas will start again."))
    )


async def stop_command(update: Update, context: Ctx) -> None:
    found = await _enrolled(update, context)
    if found is None:
        return
    family, t = found
    await context.bot_data.services.store.set_status(family.id, "stopped", reason="parent asked")
    await send(
        update,
        context,
        escape(
            t.gettext(
                "Done: you won't get any more messages. Thank you for playing with us! "
                "To start again, type /start. To delete everything we keep, type /delete."
            )
        ),
    )


async def mydata_command(update: Update, context: Ctx) -> None:
    found = await _enrolled(update, context)
    if found is None:
        return
    family, t = found
    data = await context.bot_data.services.store.export_family(family.id)
    payload = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    await context.bot.send_document(
        chat_id=family.chat_id,
        document=InputFile(io.BytesIO(payload), filename="playtalk-my-data.json"),
        caption=t.gettext("Everything playtalk keeps about your family."),
    )


async def delete_command(update: Update, context: Ctx) -> None:
    found = await _enrolled(update, context)
    if found is None:
        return
    _family, t = found
    _ = t.gettext
    rows = [[(_("Yes, delete everything"), ("DEL", "y")), (_("No, keep it"), ("DEL", "n"))]]
    await send(
        update,
        context,
        escape(
            _(
                "This deletes everything about your family: your children's details, your replies "
                "and photos. It cannot be undone. Are you sure?"
            )
        ),
        signed_rows(context.bot_data.services.signer, user_id(update), rows),
    )


async def on_delete(update: Update, context: Ctx, family: Family, answer: str) -> None:
    s = context.bot_data.services
    t = s.catalogs.for_locale(family.locale)
    if answer != "y":
        await tidy_buttons(update, t.gettext("No, keep it"))
        return
    await tidy_buttons(update, t.gettext("Yes, delete everything"))
    await s.store.erase_family(family.id)
    log.info("family %s erased at their request", family.id)
    await send(
        update,
        context,
        escape(
            t.gettext(
                "Everything about your family has been deleted. Thank you for playing with us. "
                "Goodbye!"
            )
        ),
    )
