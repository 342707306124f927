"""The Bot API methods that put new messages into a chat.

Everything is validated before a message id is allocated, so a refused call leaves no
trace, exactly like Telegram.  Answers are the Message objects Telegram returns: text
without markup plus entities, the bot as ``from``, inline keyboards echoed back.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import bad_request
from bot.sandbox.files import StoredFile, looks_like_image, tiny_png
from bot.sandbox.html_parser import ParsedText
from bot.sandbox.params import Params, Upload
from bot.sandbox.sent import SentMessage
from bot.sandbox.state import Chat, SandboxState
from bot.sandbox.validation import (
    caption_text,
    check_album,
    check_reply_markup,
    message_text,
)

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


def _text_fields(parsed: ParsedText, key: str) -> dict[str, Any]:
    if not parsed.text:
        return {}
    fields: dict[str, Any] = {key: parsed.text}
    if parsed.entities:
        fields["entities" if key == "text" else "caption_entities"] = parsed.entities
    return fields


def _reply_parameters(p: Params) -> Any:
    reply = p.decoded("reply_parameters", "reply parameters")
    if reply is None and p.integer("reply_to_message_id") is not None:
        reply = {
            "message_id": p.integer("reply_to_message_id"),
            "allow_sending_without_reply": p.flag("allow_sending_without_reply"),
        }
    return reply


def _deliver(
    st: SandboxState, chat: Chat, p: Params, fields: dict[str, Any], sent: SentMessage
) -> dict[str, Any]:
    """Validate markup and reply target, then store the message and remember it."""
    markup = check_reply_markup(p.reply_markup())
    reply = st.reply_target(chat, _reply_parameters(p))
    if markup and "inline_keyboard" in markup:
        fields["reply_markup"] = markup
    if reply:
        fields["reply_to_message"] = reply
    if p.flag("protect_content"):
        fields["has_protected_content"] = True
    message = st.new_message(chat, st.bot_user(), fields)
    sent.message_id = message["message_id"]
    sent.message_ids = [sent.message_id]
    sent.chat_id = chat.id
    sent.date = message["date"]
    sent.reply_markup = markup
    sent.reply_to = reply["message_id"] if reply else None
    st.record_sent(sent)
    return message


def _source(p: Params, name: str, value: Any) -> Upload | str:
    """An upload (direct or ``attach://``), or a file id / URL string."""
    if isinstance(value, str) and value.startswith("attach://"):
        upload = p.upload(value[len("attach://") :])
        if upload is None:
            raise bad_request(f"can't parse InputMedia: media not found ({value})")
        return upload
    if value is None or value == "":
        upload = p.upload(name)
        if upload is None:
            raise bad_request(f"there is no {name} in the request")
        return upload
    if not isinstance(value, str):
        raise bad_request(f"wrong type of the {name} field")
    return value


def _check_upload(upload: Upload, kind: str, st: SandboxState) -> None:
    if not upload.data:
        raise bad_request("file must be non-empty")
    if kind == "photo" and st.check_images and not looks_like_image(upload.data):
        raise bad_request("IMAGE_PROCESS_FAILED")


def _photo(st: SandboxState, source: Upload | str) -> list[dict[str, Any]]:
    if isinstance(source, Upload):
        _check_upload(source, "photo", st)
        return st.files.add_photo(source.data)
    if source.startswith(("http://", "https://")):
        return st.files.add_photo(tiny_png(source))
    sizes = st.files.photo_sizes(source)
    if sizes is None:
        st.files.reuse(source, "photo")  # raises Telegram's complaint
        raise bad_request("wrong file identifier/HTTP URL specified")
    return sizes


def _file(st: SandboxState, source: Upload | str, kind: str) -> StoredFile:
    if isinstance(source, Upload):
        _check_upload(source, kind, st)
        mime = source.content_type or "application/octet-stream"
        if kind == "voice":
            mime = "audio/ogg"
        return st.files.add(kind, source.data, file_name=source.filename, mime_type=mime)
    if source.startswith(("http://", "https://")):
        name = source.rstrip("/").rsplit("/", 1)[-1] or "file"
        return st.files.add(kind, source.encode(), file_name=name, mime_type="text/plain")
    return st.files.reuse(source, kind)


def _file_object(stored: StoredFile, kind: str, duration: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if kind in ("document", "audio", "video") and stored.file_name:
        body["file_name"] = stored.file_name
    if stored.mime_type:
        body["mime_type"] = stored.mime_type
    if kind in ("voice", "audio", "video"):
        body["duration"] = duration if duration is not None else 1
    if kind == "video":
        body.update(width=640, height=360)
    return body


async def send_message(st: SandboxState, p: Params) -> Any:
    chat = st.writable_chat(p.raw("chat_id"))
    raw, mode = p.string("text"), p.string("parse_mode")
    parsed = message_text(raw, mode, p.decoded("entities"))
    fields = _text_fields(parsed, "text")
    if p.decoded("link_preview_options") is not None:
        fields["link_preview_options"] = p.decoded("link_preview_options")
    sent = SentMessage(0, chat.id, "sendMessage", text=raw, parse_mode=mode)
    return _deliver(st, chat, p, fields, sent)


async def send_photo(st: SandboxState, p: Params) -> Any:
    chat = st.writable_chat(p.raw("chat_id"))
    raw, mode = p.string("caption"), p.string("parse_mode")
    parsed = caption_text(raw, mode, p.decoded("caption_entities"))
    check_reply_markup(p.reply_markup())
    sizes = _photo(st, _source(p, "photo", p.raw("photo")))
    fields = {"photo": sizes, **_text_fields(parsed, "caption")}
    if p.flag("has_spoiler"):
        fields["has_media_spoiler"] = True
    file_id = sizes[-1]["file_id"]
    sent = SentMessage(
        0,
        chat.id,
        "sendPhoto",
        caption=raw,
        parse_mode=mode,
        file_id=file_id,
        media=[{"type": "photo", "file_id": file_id, "caption": raw, "parse_mode": mode}],
    )
    return _deliver(st, chat, p, fields, sent)


async def _send_file(st: SandboxState, p: Params, kind: str, method: str) -> Any:
    chat = st.writable_chat(p.raw("chat_id"))
    raw, mode = p.string("caption"), p.string("parse_mode")
    parsed = caption_text(raw, mode, p.decoded("caption_entities"))
    check_reply_markup(p.reply_markup())
    stored = _file(st, _source(p, kind, p.raw(kind)), kind)
    fields = {
        kind: _file_object(stored, kind, p.integer("duration")),
        **_text_fields(parsed, "caption"),
    }
    item = {
        "type": kind,
        "file_id": stored.file_id,
        "file_name": stored.file_name,
        "caption": raw,
        "parse_mode": mode,
    }
    sent = SentMessage(
        0,
        chat.id,
        method,
        caption=raw,
        parse_mode=mode,
        file_id=stored.file_id,
        file_name=stored.file_name,
        media=[item],
    )
    return _deliver(st, chat, p, fields, sent)


async def send_document(st: SandboxState, p: Params) -> Any:
    return await _send_file(st, p, "document", "sendDocument")


async def send_voice(st: SandboxState, p: Params) -> Any:
    return await _send_file(st, p, "voice", "sendVoice")


async def send_media_group(st: SandboxState, p: Params) -> Any:
    chat = st.writable_chat(p.raw("chat_id"))
    items = p.decoded("media", "media")
    if items is None:
        raise bad_request('parameter "media" is required')
    prepared: list[tuple[dict[str, Any], ParsedText, dict[str, Any], str, str | None]] = []
    for item in check_album(items):
        kind = item["type"]
        parsed = caption_text(
            item.get("caption"), item.get("parse_mode"), item.get("caption_entities")
        )
        source = _source(p, "media", item.get("media"))
        if kind == "photo":
            sizes = _photo(st, source)
            prepared.append((item, parsed, {"photo": sizes}, sizes[-1]["file_id"], None))
        else:
            stored = _file(st, source, kind)
            body = _file_object(stored, kind, item.get("duration"))
            prepared.append((item, parsed, {kind: body}, stored.file_id, stored.file_name))
    reply = st.reply_target(chat, _reply_parameters(p))
    group_id = f"{chat.id & 0xFFFFFFFF}{chat.next_message_id:06d}"
    messages, media = [], []
    for item, parsed, fields, file_id, file_name in prepared:
        fields.update(_text_fields(parsed, "caption"), media_group_id=group_id)
        if reply:
            fields["reply_to_message"] = reply
        messages.append(st.new_message(chat, st.bot_user(), fields))
        media.append(
            {
                "type": item["type"],
                "file_id": file_id,
                "file_name": file_name,
                "caption": item.get("caption"),
                "parse_mode": item.get("parse_mode"),
            }
        )
    captioned = next((m for m in media if m["caption"]), None)
    st.record_sent(
        SentMessage(
            messages[0]["message_id"],
            chat.id,
            "sendMediaGroup",
            caption=captioned["caption"] if captioned else None,
            parse_mode=captioned["parse_mode"] if captioned else None,
            media=media,
            file_id=media[0]["file_id"],
            date=messages[0]["date"],
            message_ids=[m["message_id"] for m in messages],
            reply_to=reply["message_id"] if reply else None,
        )
    )
    return messages


async def send_chat_action(st: SandboxState, p: Params) -> Any:
    st.writable_chat(p.raw("chat_id"))
    if p.string("action") not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True
