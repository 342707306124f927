"""Setting notices: the templates a lead chooses from, and a notice as one family reads it.

A notice is written once by a lead and read in every family's own language: the
template is translated, its date and time are formatted by Babel for the family's
locale, and only what the lead typed (the item to bring, or a free-text notice) stays
in the lead's language, escaped, with a line naming that language so a parent knows
why it reads differently. The handler (bot/handlers/notices.py) keeps the lead's
choices in their ``awaiting`` JSON until they press Send.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from html import escape

from babel import Locale

from bot.i18n import Translator
from bot.messages import N_

NOTICE_KIND = "NO"  # callback: a step of /notice (template, day, time, send)
DAYS_OFFERED = 14
TIMES_OFFERED: tuple[time, ...] = (time(9, 0), time(10, 0), time(13, 30), time(15, 30), time(17, 0))
MAX_NOTICE_CHARS = 3000  # leaves room for the header and the language line


@dataclass(frozen=True, slots=True)
class Template:
    key: str
    msgid: str  # extracted by N_; placeholders {date}, {time}, {item}
    needs_date: bool = False
    needs_time: bool = False
    typed: bool = False  # the lead types part of it (the item) or all of it (free text)


TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in (
        Template("closed", N_("We are closed on {date}."), needs_date=True),
        Template(
            "stay", N_("Stay and play on {date} at {time}."), needs_date=True, needs_time=True
        ),
        Template("bring", N_("Please bring {item}."), typed=True),
        Template(
            "evening", N_("Parents' evening on {date} at {time}."), needs_date=True, needs_time=True
        ),
        Template("free", "{item}", typed=True),
    )
}


def template_label(t: Translator, template: Template) -> str:
    """What the lead's button reads: the template with "…" where their choices go."""
    if template.key == "free":
        return t.gettext("Write my own notice")
    text = t.gettext(template.msgid)
    for name in ("{date}", "{time}", "{item}"):
        text = text.replace(name, "…")
    return text


def language_in(code: str, t: Translator) -> str:
    """The name of language ``code`` in ``t``'s language (Babel's display name)."""
    base = "ak" if code == "tw" else code
    return t.isolate(Locale.parse(base).get_display_name(t.locale) or code)


def render_notice(
    t: Translator,
    setting_name: str,
    template: Template,
    *,
    day: date | None,
    at: time | None,
    typed: str,
    staff_locale: str,
) -> str:
    """The notice as HTML in ``t``'s language, headed with the setting's name."""
    body = escape(t.gettext(template.msgid)) if template.key != "free" else "{item}"
    if day is not None:
        body = body.replace("{date}", escape(t.date(day, "full")))
    if at is not None:
        body = body.replace("{time}", escape(t.time(at)))
    body = body.replace("{item}", escape(t.isolate(typed)))
    parts = [f"📢 <b>{escape(t.isolate(setting_name))}</b>", body]
    if template.typed and t.code != staff_locale:
        line = escape(t.gettext("Staff wrote this in {language}."))
        parts.append(
            "<i>" + line.replace("{language}", escape(language_in(staff_locale, t))) + "</i>"
        )
    return "\n\n".join(parts)
