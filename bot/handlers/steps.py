"""The questions after consent: photos, children, day, time and how often.

Each family row carries its current step, so a restart or a parent coming back
days later picks up at the same question (ask_step re-asks it).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from html import escape

from telegram import Update

from bot.handlers.common import send, tidy_buttons, user_id
from bot.handlers.summary import summary_text
from bot.i18n import Translator
from bot.keyboards import ButtonSpec, signed_rows
from bot.messages import N_
from bot.planning import plan_family, replan_family
from bot.services import Ctx
from bot.store import Family
from bot.timing import SLOTS

MAX_NAME = 40
MAX_AGE_MONTHS = 72
_MARKUP = re.compile(r"[<>\[\]{}*_`|\\/@#=]")
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
SLOT_LABELS = {
    "morning": N_("Morning (9:30)"),
    "lunchtime": N_("Lunchtime (12:30)"),
    "afternoon": N_("After nursery (16:00)"),
    "evening": N_("Early evening (18:00)"),
}


def clean_name(text: str) -> str | None:
    """A usable first name, or None when it must be asked again."""
    name = " ".join(text.split())
    if not name or len(name) > MAX_NAME or name.startswith("/"):
        return None
    if any(unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS for ch in text):
        return None
    if _MARKUP.search(name) or not any(ch.isalpha() for ch in name):
        return None
    return name


def _step_child(step: str) -> int | None:
    """Editing an existing child keeps its id in the step ("child_year#12")."""
    return int(step.split("#", 1)[1]) if "#" in step else None


async def ask_step(update: Update, context: Ctx, family: Family, t: Translator) -> None:
    s = context.bot_data.services
    _ = t.gettext
    uid = user_id(update)
    step = family.step.split("#", 1)[0]
    rows: list[list[ButtonSpec]]
    if step == "photos":
        text = escape(
            _(
                "If you send us photos or voice notes of your child playing, may the "
                "staff at your nursery see and hear them? You can change this later in /settings."
            )
        )
        rows = [[(_("Yes, they may"), ("P", "y")), (_("No, keep them private"), ("P", "n"))]]
    elif step == "child_name":
        text = escape(_("What is your child's first name? Type it below, or tap Skip."))
        rows = [[(_("Skip"), ("N",))]]
    elif step == "child_year":
        year = s.clock.now().year
        text = escape(_("Which year was {child} born?")).replace("{child}", _child(family, t))
        years = list(range(year - 6, year + 1))
        rows = [[(str(y), ("Y", y)) for y in years[i : i + 4]] for i in range(0, len(years), 4)]
    elif step == "child_month":
        now = s.clock.now()
        last = now.month if family.draft_year == now.year else 12
        names = t.locale.months["format"]["abbreviated"]
        text = escape(_("And which month?"))
        months = list(range(1, last + 1))
        rows = [
            [(str(names[m]), ("M", m)) for m in months[i : i + 4]] for i in range(0, len(months), 4)
        ]
    elif step == "more":
        text = escape(_("Would you like to add another child?"))
        rows = [[(_("Add another child"), ("A", "y")), (_("No, that's all"), ("A", "n"))]]
    elif step == "weekday":
        text = escape(_("Which day of the week suits you for a new play idea?"))
        days: list[ButtonSpec] = [(t.weekday(d), ("D", d)) for d in range(7)]
        rows = [days[0:3], days[3:5], days[5:7]]
    elif step == "slot":
        text = escape(_("And what time of day?"))
        rows = [[(_(SLOT_LABELS[k]), ("S", k))] for k in SLOTS]
    elif step == "cadence":
        text = escape(
            _(
                "How often would you like a message? Three short messages a week works "
                "best for most families: the activity, why it matters, and how to take "
                "it further."
            )
        )
        rows = [
            [(_("Three short messages a week"), ("K", 3))],
            [(_("One message a week"), ("K", 1))],
        ]
    else:
        return
    await send(update, context, text, signed_rows(s.signer, uid, rows))


def _child(family: Family, t: Translator) -> str:
    return escape(family.draft_name or t.gettext("your child"))


async def _go(
    update: Update, context: Ctx, family: Family, t: Translator, **changes: object
) -> None:
    s = context.bot_data.services
    await s.store.update_family(family.id, **changes)
    fresh = await s.store.get_family(family.id)
    assert fresh is not None
    await ask_step(update, context, fresh, t)


async def name_text(update: Update, context: Ctx, family: Family, t: Translator, text: str) -> None:
    name = clean_name(text)
    if name is None:
        await send(
            update,
            context,
            escape(
                t.gettext(
                    "Sorry, I couldn't use that as a name. Please type just your child's "
                    "first name (up to 40 letters), or tap Skip."
                )
            ),
            signed_rows(
                context.bot_data.services.signer, user_id(update), [[(t.gettext("Skip"), ("N",))]]
            ),
        )
        return
    step = family.step.replace("child_name", "child_year")
    await _go(update, context, family, t, draft_name=name, step=step)


async def on_step_button(update: Update, context: Ctx, family: Family, parts: list[str]) -> None:
    """A press on one of the journey's buttons (also used from /settings once enrolled)."""
    s = context.bot_data.services
    t = s.catalogs.for_locale(family.locale)
    _ = t.gettext
    kind = parts[0]
    step = family.step.split("#", 1)[0]
    enrolled = family.status != "onboarding"
    if kind == "P":
        share = parts[1] == "y"
        await tidy_buttons(update, _("Yes, they may") if share else _("No, keep them private"))
        if enrolled:
            await s.store.update_family(family.id, share_photos=share)
            await send(update, context, escape(_("Saved. Thank you!")))
            return
        await _go(update, context, family, t, share_photos=share, step="child_name")
    elif kind == "N" and step == "child_name":
        await tidy_buttons(update, _("Skip"))
        await _go(
            update,
            context,
            family,
            t,
            draft_name=None,
            step=family.step.replace("child_name", "child_year"),
        )
    elif kind == "Y" and step == "child_year":
        year = int(parts[1])
        now = s.clock.now()
        if not now.year - 6 <= year <= now.year:
            return
        await tidy_buttons(update, str(year))
        await _go(
            update,
            context,
            family,
            t,
            draft_year=year,
            step=family.step.replace("child_year", "child_month"),
        )
    elif kind == "M" and step == "child_month" and family.draft_year:
        await _child_month(update, context, family, t, int(parts[1]))
    elif kind == "A" and step == "more":
        await tidy_buttons(
            update, _("Add another child") if parts[1] == "y" else _("No, that's all")
        )
        if parts[1] == "y":
            await _go(
                update, context, family, t, step="child_name", draft_name=None, draft_year=None
            )
        elif family.weekday is None:
            await _go(update, context, family, t, step="weekday")
        else:
            # /addchild finished: the new child's first idea is planned now, not in an hour.
            await s.store.update_family(family.id, step="done")
            await plan_family(s.store, s.library, family.id, s.clock.now())
            await send(update, context, escape(_("Saved. Thank you!")))
    elif kind == "D":
        await tidy_buttons(update, t.weekday(int(parts[1]) % 7))
        await _go(update, context, family, t, weekday=int(parts[1]) % 7, step="slot")
    elif kind == "S" and parts[1] in SLOTS:
        await tidy_buttons(update, _(SLOT_LABELS[parts[1]]))
        if enrolled:
            await s.store.update_family(family.id, slot=parts[1], step="done")
            await _plan_and_summarise(update, context, family.id, replan=True)
            return
        await _go(update, context, family, t, slot=parts[1], step="cadence")
    elif kind == "K" and parts[1] in ("1", "3"):
        await tidy_buttons(
            update, _("Three short messages a week") if parts[1] == "3" else _("One message a week")
        )
        await s.store.update_family(family.id, cadence=int(parts[1]), step="done")
        if not enrolled:
            await s.store.set_status(family.id, "active")
        await _plan_and_summarise(update, context, family.id, replan=enrolled)


async def _plan_and_summarise(
    update: Update, context: Ctx, family_id: int, *, replan: bool
) -> None:
    """Plan the family, then say when its first idea comes, both at one instant.

    The hourly plan skips a slot already past, so a family joining at 09:20 for
    09:30 would otherwise get nothing that day although the summary promised it.
    A changed day, time or cadence replaces the weeks not yet sent (``replan``).
    """
    s = context.bot_data.services
    now = s.clock.now()
    if replan:
        await replan_family(s.store, s.library, family_id, now)
    else:
        await plan_family(s.store, s.library, family_id, now)
    await send_summary(update, context, family_id, now)


async def _child_month(
    update: Update, context: Ctx, family: Family, t: Translator, month: int
) -> None:
    s = context.bot_data.services
    _ = t.gettext
    now = s.clock.now()
    year = family.draft_year or now.year
    age = (now.year - year) * 12 + (now.month - month)
    if not 1 <= month <= 12 or age < 0:
        await send(update, context, escape(_("That month is still to come. Please choose again.")))
        await ask_step(update, context, family, t)
        return
    if age > MAX_AGE_MONTHS:
        await send(
            update,
            context,
            escape(
                _(
                    "playtalk's ideas are for children up to 6 years old. Please check the year and month."
                )
            ),
        )
        await _go(update, context, family, t, step=family.step.replace("child_month", "child_year"))
        return
    await tidy_buttons(update, f"{t.locale.months['format']['wide'][month]} {year}")
    birth = f"{year:04d}-{month:02d}"
    editing = _step_child(family.step)
    if editing is not None:
        await s.store.update_child(editing, family.draft_name, birth)
        await replan_family(s.store, s.library, family.id, now, editing)  # a new age
        await _go(update, context, family, t, step="done", draft_name=None, draft_year=None)
        await send(update, context, escape(_("Saved. Thank you!")))
        return
    await s.store.add_child(family.id, family.draft_name, birth)
    await _go(update, context, family, t, step="more", draft_name=None, draft_year=None)


async def send_summary(
    update: Update, context: Ctx, family_id: int, now: datetime | None = None
) -> None:
    s = context.bot_data.services
    family = await s.store.get_family(family_id)
    assert family is not None
    await send(update, context, await summary_text(s, family, now))


def lighter_offer_rows(t: Translator) -> list[list[ButtonSpec]]:
    """Asked after "Not this week" on two weeks in a row (see bot.planning.lighter_cadence_due)."""
    _ = t.gettext
    return [[(_("One message a week instead"), ("NT", 1))], [(_("Keep as it is"), ("NT", 3))]]


async def on_lighter_offer(update: Update, context: Ctx, family: Family, choice: str) -> None:
    """The answer to that offer: one message a week from the next week not yet sent."""
    s = context.bot_data.services
    t = s.catalogs.for_locale(family.locale)
    _ = t.gettext
    if choice == "1":
        await tidy_buttons(update, _("One message a week instead"))
        await s.store.update_family(family.id, cadence=1)
        await replan_family(s.store, s.library, family.id, s.clock.now())
        text = _("Done: from now on, one message a week. You can change this in /settings.")
        await send(update, context, escape(text))
    elif choice == "3":
        await tidy_buttons(update, _("Keep as it is"))
        await send(update, context, escape(_("Lovely! We'll keep the ideas coming.")))
