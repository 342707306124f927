"""Inline keyboards: built here so handlers and the outbox dispatcher share one shape.

Every button's callback data is signed for the one user it is sent to
(bot/buttons.py); the router refuses anything else.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import ButtonSigner
from bot.i18n import Translator
from bot.messages import N_
from bot.vocab import Tap

Row = Sequence[tuple[str, str]]
ButtonSpec = tuple[str, tuple[object, ...]]

TAP_LABELS: dict[str, str] = {
    Tap.DONE: N_("We did it 🎉"),
    Tap.NOT_THIS_WEEK: N_("Not this week"),
    Tap.TOO_HARD: N_("Too hard"),
    Tap.TOO_EASY: N_("Too easy"),
}


def keyboard(rows: Sequence[Row]) -> InlineKeyboardMarkup:
    """Rows of (label, callback data); data already signed by the caller."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def signed_rows(
    signer: ButtonSigner, uid: int, rows: Sequence[Sequence[ButtonSpec]]
) -> list[list[tuple[str, str]]]:
    return [[(label, signer.sign(uid, *parts)) for label, parts in row] for row in rows]


def reply_buttons(
    t: Translator, signer: ButtonSigner, uid: int, delivery_id: int
) -> list[list[tuple[str, str]]]:
    """The buttons under every activity message (the signature binds them to this parent)."""

    def button(tap: str) -> tuple[str, str]:
        return t.gettext(TAP_LABELS[tap]), signer.sign(uid, "R", delivery_id, tap)

    return [
        [button(Tap.DONE)],
        [button(Tap.NOT_THIS_WEEK)],
        [button(Tap.TOO_HARD), button(Tap.TOO_EASY)],
    ]


def checkin_rows(t: Translator, signer: ButtonSigner, uid: int) -> list[list[tuple[str, str]]]:
    _ = t.gettext
    return signed_rows(
        signer,
        uid,
        [
            [(_("Yes, keep them coming"), ("Q", "yes"))],
            [(_("Less often"), ("Q", "less")), (_("Stop"), ("Q", "stop"))],
        ],
    )
