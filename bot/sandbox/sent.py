"""What the bot sent, as tests and the web UI read it.

Kept as the bot wrote it (raw text with its markup and parse mode), because that is
what a test about wording wants to compare; ``plain`` gives what a person would read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.validation import plain_text

#: What each method puts in the chat; albums are unpacked by ``SentMessage.items``.
_KINDS = {
    "sendMessage": "text",
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendVoice": "voice",
    "sendMediaGroup": "album",
}


@dataclass
class SentMessage:
    """One message as the bot sent it (raw text with markup), updated by edits.

    An album (sendMediaGroup) is one SentMessage whose ``media`` lists the items and
    whose ``message_ids`` lists the Telegram messages it became.
    """

    message_id: int
    chat_id: int
    method: str
    text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    media: list[dict[str, Any]] = field(default_factory=list)
    file_id: str | None = None
    file_name: str | None = None
    date: int = 0
    edits: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)
    reply_to: int | None = None
    deleted: bool = False

    @property
    def button_rows(self) -> list[list[dict[str, Any]]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[dict(button) for button in row] for row in rows]

    @property
    def buttons(self) -> list[str]:
        return [str(button.get("text", "")) for row in self.button_rows for button in row]

    @property
    def kind(self) -> str:
        """What the method put in the chat: text, photo, document, voice or album."""
        return _KINDS.get(self.method, self.method.removeprefix("send").lower())

    @property
    def items(self) -> list[tuple[str, str | None]]:
        """(kind, file name) of each thing the chat shows, an album's items one by one.

        A test of what a chat received then reads the same whether the bot sent two
        photos as an album or one by one; file names tell a digest's HTML from its CSV.
        """
        if self.kind == "text":
            return [("text", None)]
        media = self.media or [{"type": self.kind, "file_name": self.file_name}]
        return [(str(m["type"]), _shown_name(m["type"], m.get("file_name"))) for m in media]

    @property
    def plain(self) -> str:
        raw = self.text if self.text is not None else self.caption
        return plain_text(raw or "", self.parse_mode)

    def snapshot(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "caption": self.caption,
            "parse_mode": self.parse_mode,
            "reply_markup": self.reply_markup,
        }


def _shown_name(kind: str, file_name: str | None) -> str | None:
    """Telegram keeps a file name only where a chat shows one (no photo or voice has)."""
    return file_name if kind in ("document", "audio", "video") else None
