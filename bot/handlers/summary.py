"""What a parent sees when enrolment finishes and in /settings."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.messages import child_label
from bot.planning import promised_due
from bot.services import Services
from bot.store import Family
from bot.timing import local_date


def commands_help(t: Translator) -> str:
    _ = t.gettext
    lines = [
        ("/settings", _("change language, day and time, how often, children, photo sharing")),
        ("/addchild", _("add another child")),
        ("/pause", _("take a break for 1, 2 or 4 weeks")),
        ("/resume", _("start again after a break")),
        ("/stop", _("stop all messages (or just type STOP)")),
        ("/mydata", _("see everything we keep about you")),
        ("/delete", _("delete everything about you")),
        ("/help", _("this list")),
    ]
    return "\n".join(f"{cmd} – {escape(text)}" for cmd, text in lines)


async def summary_text(s: Services, family: Family, now: datetime | None = None) -> str:
    """What the family signed up for; the first idea's day and time is what the outbox holds.

    ``now`` is the moment the step that planned the family used, so the promise and the
    plan are computed at one instant.
    """
    t = s.catalogs.for_locale(family.locale)
    _ = t.gettext
    setting = await s.store.get_setting(family.setting_id)
    children = await s.store.children_of(family.id)
    names = escape(t.join([child_label(t, c.first_name) for c in children]) or _("your child"))
    parts = ["🎉 <b>" + escape(_("You're all set!")) + "</b>"]
    parts.append(escape(_("Play ideas for: {children}")).replace("{children}", names))
    if family.weekday is not None and family.slot is not None and setting is not None:
        due = await promised_due(
            s.store, family.id, family.weekday, family.slot, setting.timezone, now or s.clock.now()
        )
        day = t.date(local_date(due, setting.timezone), "full")
        when = t.time(due.astimezone(ZoneInfo(setting.timezone)).time(), "short")
        parts.append(
            escape(_("Your first play idea comes on {date} at {time}."))
            .replace("{date}", escape(day))
            .replace("{time}", escape(when))
        )
    if family.cadence == 3:
        parts.append(
            escape(_("Each week: the activity, then why it matters, then how to take it further."))
        )
    elif family.cadence == 1:
        parts.append(escape(_("Each week: one message with the activity and why it matters.")))
    parts.append(escape(_("You can reply any time with a photo, a few words or a voice note.")))
    parts.append(escape(_("You can type these at any time:")) + "\n" + commands_help(t))
    return "\n\n".join(parts)
