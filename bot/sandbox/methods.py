"""The Bot API methods the sandbox answers, by their case-insensitive names.

Telegram matches method names case-insensitively; anything not listed here gets the
same 404 "Not Found" Telegram gives for an unknown method.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.sandbox import methods_bot, methods_edit, methods_send, webhook
from bot.sandbox.params import Params
from bot.sandbox.state import SandboxState

Handler = Callable[[SandboxState, Params], Awaitable[Any]]

_HANDLERS: dict[str, Handler] = {
    "getMe": methods_bot.get_me,
    "setWebhook": webhook.set_webhook,
    "deleteWebhook": webhook.delete_webhook,
    "getWebhookInfo": webhook.get_webhook_info,
    "getUpdates": methods_bot.get_updates,
    "setMyCommands": methods_bot.set_my_commands,
    "getMyCommands": methods_bot.get_my_commands,
    "deleteMyCommands": methods_bot.delete_my_commands,
    "getFile": methods_bot.get_file,
    "leaveChat": methods_bot.leave_chat,
    "sendMessage": methods_send.send_message,
    "sendPhoto": methods_send.send_photo,
    "sendDocument": methods_send.send_document,
    "sendVoice": methods_send.send_voice,
    "sendMediaGroup": methods_send.send_media_group,
    "sendChatAction": methods_send.send_chat_action,
    "editMessageText": methods_edit.edit_message_text,
    "editMessageCaption": methods_edit.edit_message_caption,
    "editMessageReplyMarkup": methods_edit.edit_message_reply_markup,
    "deleteMessage": methods_edit.delete_message,
    "answerCallbackQuery": methods_edit.answer_callback_query,
}
_BY_LOWER = {name.lower(): name for name in _HANDLERS}


def lookup(method: str) -> tuple[str, Handler | None]:
    """Canonical method name (for counters) and its handler, if the sandbox has one."""
    canonical = _BY_LOWER.get(method.lower())
    if canonical is None:
        return method, None
    return canonical, _HANDLERS[canonical]
