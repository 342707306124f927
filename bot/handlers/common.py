"""Small helpers every handler module uses."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Message, Update
from telegram.constants import ParseMode

from bot.i18n import Translator, negotiate
from bot.keyboards import Row, keyboard
from bot.services import Ctx
from bot.store import Family


def user_id(update: Update) -> int:
    user = update.effective_user
    return user.id if user else 0


def chat_id(update: Update) -> int:
    chat = update.effective_chat
    return chat.id if chat else 0


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
    s = context.bot_data.services
    family = await s.store.family_by_chat(chat_id(update))
    if family is not None:
        return family, s.catalogs.for_locale(family.locale)
    user = update.effective_user
    return None, s.catalogs.for_locale(negotiate(user.language_code if user else None))
