"""Safeguarding for the words no other handler reads: edits, and text after a command.

Runs in its own handler group ahead of the rest (bot/app.py), so a parent who edits a
message to add a worry, or writes one after a command ("/help my partner hits me"),
is heard as surely as one who writes it plainly. The command itself still runs.
"""

from __future__ import annotations

from telegram import Update

from bot.handlers.common import family_and_t
from bot.handlers.replies import safeguarding_first
from bot.services import Ctx


def _words(update: Update) -> str:
    message = update.edited_message or update.message
    if message is None:
        return ""
    if update.edited_message is not None:
        return message.text or message.caption or ""
    text = message.text or ""
    if text.startswith("/"):
        _command, _space, rest = text.partition(" ")
        return rest
    return ""


async def check_edits_and_command_words(update: Update, context: Ctx) -> None:
    words = _words(update)
    if not words.strip():
        return
    family, t = await family_and_t(update, context)
    await safeguarding_first(update, context, family, t, words)
