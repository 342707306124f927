"""What an outbox row becomes on Telegram: composition for families, payloads for staff.

The dispatcher (scheduler/dispatch.py) claims rows and handles every outcome; this
module only turns one row into one Bot API call. Staff rows carry a JSON payload
written when they were queued (bot/alerts.py, bot/digest/delivery.py), so a retry
sends exactly what was meant the first time.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from telegram import Bot, InputFile

from bot import rawapi
from bot.keyboards import Row, checkin_rows, reply_buttons
from bot.messages import render_activity
from bot.services import Services
from bot.store import Outgoing
from bot.vocab import Kind

ALBUM_MAX = 10  # sendMediaGroup takes 2-10 items
HTML = "HTML"


@dataclass(frozen=True, slots=True)
class Payload:
    """One Bot API call to a practitioner, with the bookkeeping that follows it."""

    send: str  # text | photo | album | voice | upload_photo | document
    text: str = ""  # HTML text or caption
    file_id: str = ""
    items: tuple[tuple[str, str], ...] = ()  # album: (file id, HTML caption)
    data: bytes = b""  # an upload (chart, HTML file, CSV)
    filename: str = ""
    # digest: the last part of one person's digest, and which week it is (None: /digest)
    last: bool = False
    setting_id: int | None = None
    week: str | None = None
    alert_id: int | None = None
    # Sent as a reply to this message of the recipient's chat (when it still exists).
    reply_to: int | None = None
    # Staff replies: who wrote it, so the family's answer finds its way back.
    staff_reply_id: int | None = None
    # Inline buttons under a text, photo or voice part: rows of (label, signed data).
    buttons: tuple[tuple[tuple[str, str], ...], ...] = ()

    def dump(self) -> str:
        out: dict[str, Any] = {"send": self.send}
        for name in (
            "text",
            "file_id",
            "filename",
            "last",
            "setting_id",
            "week",
            "alert_id",
            "reply_to",
            "staff_reply_id",
        ):
            value = getattr(self, name)
            if value:
                out[name] = value
        if self.items:
            out["items"] = [list(item) for item in self.items]
        if self.buttons:
            out["buttons"] = [[list(b) for b in row] for row in self.buttons]
        if self.data:
            out["data"] = base64.b64encode(self.data).decode("ascii")
        return json.dumps(out, ensure_ascii=False)

    @classmethod
    def load(cls, raw: str) -> Payload:
        d = json.loads(raw)
        return cls(
            send=d["send"],
            text=d.get("text", ""),
            file_id=d.get("file_id", ""),
            items=tuple((str(a), str(b)) for a, b in d.get("items", ())),
            data=base64.b64decode(d["data"]) if "data" in d else b"",
            filename=d.get("filename", ""),
            last=bool(d.get("last", False)),
            setting_id=d.get("setting_id"),
            week=d.get("week"),
            alert_id=d.get("alert_id"),
            reply_to=d.get("reply_to"),
            staff_reply_id=d.get("staff_reply_id"),
            buttons=tuple(
                tuple((str(label), str(data)) for label, data in row)
                for row in d.get("buttons", ())
            ),
        )


def photo_parts(items: list[tuple[str, str]]) -> list[Payload]:
    """Photos as Telegram takes them: one alone by sendPhoto, 2-10 as an album, more
    in albums of at most ten split so that no album is left with a single photo."""
    if not items:
        return []
    if len(items) == 1:
        file_id, caption = items[0]
        return [Payload("photo", text=caption, file_id=file_id)]
    albums = -(-len(items) // ALBUM_MAX)
    size = -(-len(items) // albums)  # even split: 11 -> 6 + 5, never 10 + 1
    return [Payload("album", items=tuple(items[i : i + size])) for i in range(0, len(items), size)]


def _markup(rows: Sequence[Row]) -> dict[str, Any]:
    """Inline buttons as the Bot API's JSON: rows of (label, signed callback data)."""
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": data} for label, data in row] for row in rows
        ]
    }


def compose_family(s: Services, item: Outgoing) -> tuple[str, list[list[tuple[str, str]]] | None]:
    """The text and button rows of an activity touch or a check-in, in the family's language."""
    t = s.catalogs.for_locale(item.locale)
    d = item.delivery
    assert d is not None, "family rows carry their delivery"
    if d.kind == Kind.CHECKIN:
        text = t.gettext(
            "Hello! We haven't heard from you for a few weeks, and that's fine. "
            "Are the play ideas still useful?"
        )
        return escape(text), checkin_rows(t, s.signer, item.chat_id)
    activity = s.library.get(d.activity_id)
    if activity is None:
        raise LookupError(f"activity {d.activity_id} is no longer in the library")
    text = render_activity(t, activity, item.child_name, d.kind)
    rows = None
    if d.kind in (Kind.ACTIVITY, Kind.SINGLE):
        rows = reply_buttons(t, s.signer, item.chat_id, d.id)
    return text, rows


async def send_family(bot: Bot, s: Services, item: Outgoing) -> int:
    """An activity touch or a check-in: the weekly fan-out, so by the raw call."""
    text, rows = compose_family(s, item)
    params: dict[str, Any] = {"chat_id": item.chat_id, "text": text, "parse_mode": HTML}
    if rows:
        params["reply_markup"] = _markup(rows)
    return (await rawapi.send(bot, "sendMessage", params))[0]


async def send_payload(bot: Bot, chat_id: int, p: Payload) -> int:
    """One call for one part; returns the (first) message id.

    Text, photos and voice notes Telegram already holds (by file id) and albums of them
    go by the raw call (bot/rawapi.py): a JSON body, no ``telegram.Message`` made of
    the answer. Uploads (a chart, an HTML file, a CSV) go through PTB, which builds
    the multipart body; they are a few a week per practitioner.
    """
    # A reply to a message the parent has since deleted still goes, just not as a reply.
    reply = {"message_id": p.reply_to, "allow_sending_without_reply": True} if p.reply_to else None
    markup = _markup(p.buttons) if p.buttons else None
    if p.send == "text":
        params: dict[str, Any] = {
            "chat_id": chat_id,
            "text": p.text,
            "parse_mode": HTML,
            "link_preview_options": {"is_disabled": True},
            "reply_parameters": reply,
            "reply_markup": markup,
        }
        return (await rawapi.send(bot, "sendMessage", params))[0]
    if p.send in ("photo", "voice"):
        # A file Telegram already holds, with an HTML caption, buttons and a reply target.
        params = {
            "chat_id": chat_id,
            p.send: p.file_id,
            "caption": p.text or None,
            "parse_mode": HTML,
            "reply_parameters": reply,
            "reply_markup": markup,
        }
        method = "sendPhoto" if p.send == "photo" else "sendVoice"
        return (await rawapi.send(bot, method, params))[0]
    if p.send == "album":
        media = [
            {"type": "photo", "media": f, "caption": c, "parse_mode": HTML}
            if c
            else {"type": "photo", "media": f}
            for f, c in p.items
        ]
        params = {"chat_id": chat_id, "media": media, "reply_parameters": reply}
        return (await rawapi.send(bot, "sendMediaGroup", params))[0]
    if p.send == "upload_photo":
        m = await bot.send_photo(chat_id, InputFile(io.BytesIO(p.data), filename=p.filename))
    elif p.send == "document":
        m = await bot.send_document(
            chat_id,
            InputFile(io.BytesIO(p.data), filename=p.filename),
            caption=p.text or None,
            parse_mode=HTML,
        )
    else:
        raise LookupError(f"unknown payload {p.send!r}")
    return m.message_id
