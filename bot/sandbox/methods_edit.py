"""Changing what is already in a chat: edits, deletions and callback answers.

Telegram refuses an edit that changes nothing ("message is not modified"), drops the
inline keyboard when ``editMessageText`` comes without one, and only lets the bot edit
its own messages; bots that update menus in place depend on each of these rules.
"""

from __future__ import annotations

import time
from typing import Any

from bot.sandbox.errors import bad_request
from bot.sandbox.params import Params
from bot.sandbox.sent import SentMessage
from bot.sandbox.state import Chat, SandboxState
from bot.sandbox.validation import (
    MAX_CALLBACK_ANSWER,
    caption_text,
    check_reply_markup,
    message_text,
)

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_MEDIA_KEYS = ("photo", "document", "voice", "audio", "video", "animation")


def _editable(st: SandboxState, p: Params) -> tuple[Chat, SentMessage, dict[str, Any]]:
    if p.string("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = st.writable_chat(p.raw("chat_id"))
    message_id = p.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = chat.messages.get(message_id)
    if message is None:
        raise bad_request("message to edit not found")
    sent = st.find_sent(chat.id, message_id)
    if sent is None or message["from"]["id"] != st.bot_id:
        raise bad_request("message can't be edited")
    return chat, sent, message


def _inline_markup(p: Params) -> dict[str, Any] | None:
    markup = check_reply_markup(p.reply_markup())
    if markup is None:
        return None
    if "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    return markup if markup["inline_keyboard"] else None


def _apply(
    sent: SentMessage,
    message: dict[str, Any],
    new_fields: dict[str, Any],
    raw: dict[str, Any],
) -> dict[str, Any]:
    """Store an edit, refusing it like Telegram when nothing visible changes."""
    if all(message.get(key) == value for key, value in new_fields.items()):
        raise bad_request(_NOT_MODIFIED)
    sent.history.append(sent.snapshot())
    sent.edits += 1
    for key, value in raw.items():
        setattr(sent, key, value)
    for key, value in new_fields.items():
        if value:
            message[key] = value
        else:
            message.pop(key, None)
    message["edit_date"] = int(time.time())
    return dict(message)


def _kept_reply_keyboard(sent: SentMessage, markup: dict[str, Any] | None) -> Any:
    """A reply keyboard is not part of the message; an edit does not remove it."""
    if markup is None and sent.reply_markup and "inline_keyboard" not in sent.reply_markup:
        return sent.reply_markup
    return markup


async def edit_message_text(st: SandboxState, p: Params) -> Any:
    _, sent, message = _editable(st, p)
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    raw, mode = p.string("text"), p.string("parse_mode")
    parsed = message_text(raw, mode, p.decoded("entities"))
    markup = _inline_markup(p)
    new_fields = {"text": parsed.text, "entities": parsed.entities or None, "reply_markup": markup}
    changes = {"text": raw, "parse_mode": mode, "reply_markup": _kept_reply_keyboard(sent, markup)}
    return _apply(sent, message, new_fields, changes)


async def edit_message_caption(st: SandboxState, p: Params) -> Any:
    _, sent, message = _editable(st, p)
    if not any(key in message for key in _MEDIA_KEYS):
        raise bad_request("there is no caption in the message to edit")
    raw, mode = p.string("caption"), p.string("parse_mode")
    parsed = caption_text(raw, mode, p.decoded("caption_entities"))
    markup = _inline_markup(p)
    new_fields = {
        "caption": parsed.text or None,
        "caption_entities": parsed.entities or None,
        "reply_markup": markup,
    }
    changes: dict[str, Any] = {"caption": raw, "parse_mode": mode, "reply_markup": markup}
    if sent.method == "sendMediaGroup":
        index = sent.message_ids.index(message["message_id"])
        media = [dict(item) for item in sent.media]
        media[index].update(caption=raw, parse_mode=mode)
        changes["media"] = media
        changes.pop("reply_markup")
    return _apply(sent, message, new_fields, changes)


async def edit_message_reply_markup(st: SandboxState, p: Params) -> Any:
    _, sent, message = _editable(st, p)
    markup = _inline_markup(p)
    return _apply(sent, message, {"reply_markup": markup}, {"reply_markup": markup})


async def delete_message(st: SandboxState, p: Params) -> Any:
    chat = st.require_chat(p.raw("chat_id"))
    message_id = p.integer("message_id")
    if message_id is None or message_id not in chat.messages:
        raise bad_request("message to delete not found")
    del chat.messages[message_id]
    sent = st.find_sent(chat.id, message_id)
    if sent is not None:
        sent.deleted = True
    return True


async def answer_callback_query(st: SandboxState, p: Params) -> Any:
    query_id = p.string("callback_query_id")
    record = st.callbacks.get(query_id or "")
    if record is None or record.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = p.string("text")
    if text and len(text) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answered = True
    st.answers.setdefault(record.user_id, []).append(
        {
            "callback_query_id": query_id,
            "text": text,
            "show_alert": p.flag("show_alert"),
            "url": p.string("url"),
            "cache_time": p.integer("cache_time"),
        }
    )
    return True
