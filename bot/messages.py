"""Messages built from the activity library, in a parent's language."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from bot.content import PLACEHOLDER, Activity
from bot.i18n import Translator

N_: Callable[[str], str] = lambda s: s  # noqa: E731 - marks strings for extraction only


def child_label(t: Translator, name: str | None) -> str:
    return name if name else t.gettext("your child")


def _fill(t: Translator, text: str, child: str) -> str:
    """Translate, escape, then put the (escaped, isolated) child's name in its place."""
    return escape(t.content(text)).replace(escape(PLACEHOLDER), _name(t, child))


def _name(t: Translator, child: str) -> str:
    """A name from the parent: escaped, and isolated when its direction differs."""
    return escape(t.isolate(child))


def render_activity(t: Translator, activity: Activity, child_name: str | None, kind: str) -> str:
    """The Telegram HTML text for one touch of an activity.

    kind: 'activity' (what to do and say), 'why' (why it matters),
    'grow' (take it further), 'single' (activity and why, for one message a week).
    """
    child = child_label(t, child_name)
    parts: list[str] = []
    if kind in ("activity", "single"):
        parts.append(f"🧸 <b>{_fill(t, activity.title, child)}</b>")
        parts.append(
            escape(t.gettext("A play idea for {child} this week")).replace(
                "{child}", _name(t, child)
            )
        )
        needs = t.join(_fill(t, r, child) for r in activity.resources)
        you_need = escape(t.gettext("You need"))
        parts.append(f"🧺 <b>{you_need}:</b> {needs}")
        parts.append(f"👐 {_fill(t, activity.do, child)}")
        says = "\n".join(f"• <i>{_fill(t, s, child)}</i>" for s in activity.say)
        to_say = escape(t.gettext("Things to say"))
        parts.append(f"💬 <b>{to_say}:</b>\n{says}")
        if kind == "single":
            parts.append(f"🌱 {_fill(t, activity.why, child)}")
        parts.append(
            escape(t.gettext("Tell us how it went: a photo, a few words or a voice note."))
        )
    elif kind == "why":
        parts.append(
            "🌱 <b>"
            + escape(t.gettext("Why it matters"))
            + f"</b> · {_fill(t, activity.title, child)}"
        )
        parts.append(_fill(t, activity.why, child))
    elif kind == "grow":
        parts.append(
            "🚀 <b>"
            + escape(t.gettext("Take it further"))
            + f"</b> · {_fill(t, activity.title, child)}"
        )
        parts.append(_fill(t, activity.grow, child))
        parts.append(
            escape(t.gettext("Send us a photo of {child} playing!")).replace(
                "{child}", _name(t, child)
            )
        )
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return "\n\n".join(parts)
