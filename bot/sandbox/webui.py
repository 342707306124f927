"""A page for trying the bot by hand, and the small JSON API behind it.

The operator opens ``http://127.0.0.1:PORT/``, picks a user id and a language, and
chats with the bot as a parent would.  Bot messages are shown with their formatting,
using the escaped re-rendering of the HTML parser rather than the bot's raw markup.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.page import PAGE
from bot.sandbox.sent import SentMessage
from bot.sandbox.server import json_response
from bot.sandbox.validation import safe_html

if TYPE_CHECKING:
    from bot.sandbox.sandbox import Sandbox

_USER_KINDS = {
    "sticker": "[sticker]",
    "location": "[location]",
    "contact": "[contact]",
    "voice": "[voice note]",
    "document": "[document]",
    "photo": "",
    "new_chat_members": "[bot added to the group]",
}


def _bot_entry(sent: SentMessage | None, message: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"from": "bot"}
    if sent is None:
        return {**entry, "html": html.escape(message.get("text") or message.get("caption") or "")}
    index = (sent.message_ids or [sent.message_id]).index(message["message_id"])
    if sent.text is not None:
        entry["html"] = safe_html(sent.text, sent.parse_mode)
    else:
        item = sent.media[index] if index < len(sent.media) else {}
        caption = item.get("caption") if sent.method == "sendMediaGroup" else sent.caption
        mode = item.get("parse_mode") if sent.method == "sendMediaGroup" else sent.parse_mode
        entry["html"] = safe_html(caption or "", mode)
    entry["buttons"] = sent.button_rows
    entry["edited"] = sent.edits > 0
    return entry


def _media(message: dict[str, Any]) -> dict[str, Any]:
    if "photo" in message:
        return {"kind": "photo", "file_id": message["photo"][-1]["file_id"]}
    for kind in ("document", "voice", "audio", "video"):
        if kind in message:
            return {
                "kind": kind,
                "file_id": message[kind]["file_id"],
                "file_name": message[kind].get("file_name") or kind,
            }
    return {"kind": "text"}


def chat_transcript(sandbox: Sandbox, chat_id: int) -> dict[str, Any]:
    chat = sandbox.chat(chat_id)
    if chat is None:
        return {"chat_id": chat_id, "known": False, "messages": [], "answers": []}
    entries = []
    keyboard: list[list[str]] | None = None
    for message in chat.messages.values():
        if message["from"]["id"] == sandbox.bot_id:
            sent = sandbox.find_sent(chat_id, message["message_id"])
            entry = _bot_entry(sent, message)
            markup = (sent.reply_markup if sent else None) or {}
            if "keyboard" in markup:
                keyboard = [[str(b.get("text", b)) for b in row] for row in markup["keyboard"]]
            elif "remove_keyboard" in markup:
                keyboard = None
        else:
            text = message.get("text") or message.get("caption") or ""
            label = next((v for k, v in _USER_KINDS.items() if k in message), "")
            entry = {"from": "user", "html": html.escape(" ".join(filter(None, [label, text])))}
        entry.update(_media(message), id=message["message_id"], date=message["date"])
        reply = message.get("reply_to_message")
        entry["reply_to"] = reply["message_id"] if reply else None
        entries.append(entry)
    user = sandbox.user(chat_id) if chat.type == "private" else None
    return {
        "chat_id": chat_id,
        "known": True,
        "blocked": chat.blocked,
        "messages": entries,
        "keyboard": keyboard,
        "answers": user.answers if user else [],
        "pending_updates": sandbox.pending_updates,
    }


def setup(app: web.Application, sandbox: Sandbox) -> None:
    """Add the page and the ``/_sandbox/`` control API to the sandbox server."""

    def user_of(request: web.Request, body: dict[str, Any]) -> Any:
        user = sandbox.user(
            int(request.match_info["user_id"]),
            first_name=str(body.get("first_name") or "Sam"),
            language_code=body.get("language_code") or "en",
        )
        if body.get("language_code"):
            user.language_code = str(body["language_code"])
        return user

    async def body_of(request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        data = await request.json()
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(text="expected a JSON object")
        return data

    async def page(request: web.Request) -> web.StreamResponse:
        return web.Response(text=PAGE, content_type="text/html")

    async def info(request: web.Request) -> web.StreamResponse:
        languages = sandbox.command_languages()
        return json_response(
            {
                "bot_username": sandbox.bot_username,
                "pending_updates": sandbox.pending_updates,
                "users": [{"id": u.id, "language_code": u.language_code} for u in sandbox.users()],
                "commands": {lang or "default": sandbox.commands(lang) for lang in languages},
            }
        )

    async def act(request: web.Request) -> web.StreamResponse:
        body = await body_of(request)
        user = user_of(request, body)
        action = request.match_info["action"]
        try:
            if action == "text":
                return json_response({"message_id": user.send_text(str(body.get("text", "")))})
            if action == "press":
                message_id = int(body["message_id"])
                if "button_text" in body:
                    return json_response(
                        {
                            "callback_query_id": user.press(
                                body["button_text"], message_id=message_id
                            )
                        }
                    )
                data = str(body["data"])
                return json_response(
                    {"callback_query_id": user.press_data(data, message_id=message_id)}
                )
            if action == "photo":
                return json_response({"file_id": user.send_photo(caption=body.get("caption"))})
            if action == "voice":
                return json_response({"file_id": user.send_voice()})
            if action == "block":
                user.block() if body.get("blocked", True) else user.unblock()
                return json_response({"blocked": user.chat.blocked})
        except (LookupError, ValueError, RuntimeError) as exc:
            return json_response({"error": str(exc)}, 400)
        raise web.HTTPNotFound(text=f"unknown action {action!r}")

    async def chat(request: web.Request) -> web.StreamResponse:
        return json_response(chat_transcript(sandbox, int(request.match_info["chat_id"])))

    async def file(request: web.Request) -> web.StreamResponse:
        stored = sandbox.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        return web.Response(body=stored.data, content_type=stored.mime_type or "image/png")

    app.router.add_get("/", page)
    app.router.add_get("/_sandbox/info", info)
    app.router.add_post("/_sandbox/users/{user_id:-?\\d+}/{action}", act)
    app.router.add_get("/_sandbox/chats/{chat_id:-?\\d+}", chat)
    app.router.add_get("/_sandbox/files/{file_id}", file)
