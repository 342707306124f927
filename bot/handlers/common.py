"""Small helpers every handler module uses."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.i18n import Translator, negotiate
from bot.services import Services, services
from bot.store import Family

Ctx = ContextTypes.DEFAULT_TYPE
Row = Sequence[tuple[str, str]]


def svc(context: Ctx) -> Services:
    return services(context)


def user_id(update: Update) -> int:
    user = update.effective_user
    return user.id if user else 0


def chat_id(update: Update) -> int:
    chat = update.effective_chat
    return chat.id if chat else 0


def keyboard(rows: Sequence[Row]) -> InlineKeyboardMarkup:
    """Rows of (label, callback data); data already signed by the caller."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


ButtonSpec = tuple[str, tuple[object, ...]]


def signed_rows(
    services_: Services, uid: int, rows: Sequence[Sequence[ButtonSpec]]
) -> list[list[tuple[str, str]]]:
    return [[(label, services_.signer.sign(uid, *parts)) for label, parts in row] for row in rows]


async def send(
    update: Update,
    context: Ctx,
    text: str,
    rows: Sequence[Row] | None = None,
) -> Message:
    """Send HTML to the chat the update came from."""
    return await context.bot.send_message(
        chat_id=chat_id(update),
        text=text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(rows) if rows else None,
        disable_web_page_preview=True,
    )


async def tidy_buttons(update: Update, note: str | None = None) -> None:
    """After a press, drop the keyboard (and say what was chosen) so it cannot be pressed twice."""
    query = update.callback_query
    if query is None or query.message is None or not isinstance(query.message, Message):
        return
    try:
        if note is not None and query.message.text:
            await query.edit_message_text(
                text=f"{query.message.text_html}\n\n✅ {note}",
                parse_mode=ParseMode.HTML,
                reply_markup=None,
            )
        else:
            await query.edit_message_reply_markup(reply_markup=None)
    except Exception:
        return


async def family_and_t(update: Update, context: Ctx) -> tuple[Family | None, Translator]:
    s = svc(context)
    family = await s.store.family_by_chat(chat_id(update))
    if family is not None:
        return family, s.catalogs.for_locale(family.locale)
    user = update.effective_user
    return None, s.catalogs.for_locale(negotiate(user.language_code if user else None))
