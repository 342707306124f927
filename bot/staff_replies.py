"""Staff replies to families, and families' answers: the parts handlers and the digest share.

A Reply button is signed for the one staff member it is shown to and names what it
answers: a family's reply (an event) or, under a safeguarding alert, the family.
The router (bot/handlers/router.py) refuses it unless that family is in the presser's
setting and, for a photo or voice note, the parent lets staff see it. What a family
sees is headed with the setting and the name the staff member chose, never their
Telegram name, username or number.
"""

from __future__ import annotations

from html import escape

from bot.buttons import ButtonSigner
from bot.i18n import Translator
from bot.messages import N_, child_label

REPLY_EVENT = "SR"  # callback: reply to one of a family's replies (event id)
REPLY_FAMILY = "SA"  # callback: reply to a family (from a safeguarding alert)
CANCEL = "SX"  # callback: stop writing a reply
REPLY_LABEL = N_("Reply")
ICONS = {"photo": "📷", "voice": "🎤", "text": "💬"}
MAX_REPLY_BUTTONS = 12  # one message's worth of Reply buttons (digest, /families)
MAX_REPLY_CHARS = 3500  # leaves room for the header under Telegram's 4096


def reply_button(t: Translator, signer: ButtonSigner, uid: int, event_id: int) -> tuple[str, str]:
    return t.gettext(REPLY_LABEL), signer.sign(uid, REPLY_EVENT, event_id)


def item_button(
    signer: ButtonSigner, uid: int, event_id: int, kind: str, who: str
) -> tuple[str, str]:
    """A button naming what it answers ("📷 Amy"): a list of them is one digest part."""
    return f"{ICONS.get(kind, '💬')} {who}"[:60], signer.sign(uid, REPLY_EVENT, event_id)


def family_reply_button(
    t: Translator, signer: ButtonSigner, uid: int, family_id: int
) -> tuple[str, str]:
    return t.gettext("Reply to this family"), signer.sign(uid, REPLY_FAMILY, family_id)


def family_header(t: Translator, setting: str, name: str) -> str:
    """ "Sunflower Nursery · Ms Ada:" in the family's language, as HTML."""
    return (
        "<b>"
        + escape(t.gettext("{setting} · {name}:"))
        .replace("{setting}", escape(t.isolate(setting)))
        .replace("{name}", escape(t.isolate(name)))
        + "</b>"
    )


def family_ref(t: Translator, family_id: int, children: list[str | None]) -> str:
    """The family as staff know it: its number and children's names, as HTML."""
    names = t.join(escape(child_label(t, name)) for name in children)
    return f"#{family_id}" + (f" ({names})" if names else "")


def answer_header(t: Translator, family_id: int, children: list[str | None]) -> str:
    """The line above a parent's answer, in the staff member's language, as HTML."""
    return (
        "<b>"
        + escape(t.gettext("Family {family} answered your reply:")).replace(
            "{family}", family_ref(t, family_id, children)
        )
        + "</b>"
    )
