"""Telegram's limits on what a bot may send.

The point of the sandbox is that a message it accepts would also be accepted by
Telegram, so lengths are measured the way Telegram measures them (after HTML parsing
and trimming) and each rejection carries Telegram's own description.
"""

from __future__ import annotations

import html
import re
from typing import Any

from bot.sandbox.errors import bad_request
from bot.sandbox.html_parser import ParsedText, parse_html

MAX_TEXT = 4096
MAX_CAPTION = 1024
MIN_ALBUM = 2
MAX_ALBUM = 10
_ALBUM_KINDS = ("photo", "video", "document", "audio")
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
_TRIM = " \t\r\n"
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_RE = re.compile(r"[a-z]{2}")
_URL_SCHEMES = ("http://", "https://", "tg://")
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def parse_text(raw: str, parse_mode: str | None) -> ParsedText:
    """Apply ``parse_mode`` the way Telegram does before it stores a text."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(raw)
    if mode in ("", "markdown", "markdownv2"):
        # Markdown is not validated here; the bot in this project only uses HTML.
        return ParsedText(raw, [], html.escape(raw, quote=False))
    raise bad_request("unsupported parse_mode")


def _trimmed(parsed: ParsedText) -> ParsedText:
    """Telegram drops leading and trailing whitespace; entities move with the text."""
    stripped = parsed.text.strip(_TRIM)
    if stripped == parsed.text:
        return parsed
    lead = len(parsed.text) - len(parsed.text.lstrip(_TRIM))
    end = len(stripped)
    entities = []
    for entity in parsed.entities:
        start = max(entity["offset"] - lead, 0)
        stop = min(entity["offset"] + entity["length"] - lead, end)
        if stop > start:
            entities.append({**entity, "offset": start, "length": stop - start})
    return ParsedText(stripped, entities, parsed.html)


def message_text(raw: str | None, parse_mode: str | None, entities: Any = None) -> ParsedText:
    """Validate a message text: 1..4096 characters after parsing."""
    parsed = _trimmed(_with_entities(raw or "", parse_mode, entities))
    if not parsed.text:
        raise bad_request("message text is empty")
    if len(parsed.text) > MAX_TEXT:
        raise bad_request("message is too long")
    return parsed


def caption_text(raw: str | None, parse_mode: str | None, entities: Any = None) -> ParsedText:
    """Validate a caption: at most 1024 characters after parsing, may be empty."""
    parsed = _trimmed(_with_entities(raw or "", parse_mode, entities))
    if len(parsed.text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return parsed


def check_album(items: Any) -> list[dict[str, Any]]:
    """Refuse a sendMediaGroup ``media`` array Telegram refuses, or its docs forbid.

    Empty, over 10 items and mixing documents or audio with other kinds get Telegram's
    own texts. A single item is the exception: Telegram's server sends it as an ordinary
    message, but the Bot API documents 2-10 items, so the sandbox holds the bot to the
    documented contract (a bot should not lean on leniency Telegram may drop); that text
    is the sandbox's, there being no Telegram one to copy.
    """
    if not isinstance(items, list) or not items:
        raise bad_request("there are no messages to send")
    if len(items) > MAX_ALBUM:
        raise bad_request("too many messages to send as an album")
    if len(items) < MIN_ALBUM:
        raise bad_request(f"media must include {MIN_ALBUM}-{MAX_ALBUM} items")
    kinds = {item.get("type") if isinstance(item, dict) else None for item in items}
    for lonely in ("document", "audio"):
        if lonely in kinds and len(kinds) > 1:
            raise bad_request(f"{lonely} can't be mixed with other media types")
    for item in items:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in _ALBUM_KINDS:
            raise bad_request(f'can\'t parse InputMedia: type "{kind}" is unsupported')
    return items


def _with_entities(raw: str, parse_mode: str | None, entities: Any) -> ParsedText:
    """Explicit entities replace parse_mode, as in the Bot API."""
    if isinstance(entities, list) and entities:
        return ParsedText(raw, [e for e in entities if isinstance(e, dict)], html.escape(raw))
    return parse_text(raw, parse_mode)


def plain_text(raw: str, parse_mode: str | None) -> str:
    """What a person reads: markup removed, entities decoded."""
    try:
        return parse_text(raw, parse_mode).text
    except Exception:  # tests may build SentMessage by hand with sloppy markup
        return html.unescape(re.sub(r"<[^>]*>", "", raw))


def safe_html(raw: str, parse_mode: str | None) -> str:
    try:
        return parse_text(raw, parse_mode).html
    except Exception:
        return html.escape(raw)


def check_reply_markup(markup: Any) -> dict[str, Any] | None:
    """Reject keyboards Telegram rejects; return the markup to echo back."""
    if markup is None:
        return None
    invalid = bad_request("can't parse reply keyboard markup JSON object")
    if not isinstance(markup, dict):
        raise invalid
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array'
            )
        for row in rows:
            for button in row:
                _check_inline_button(button)
        return markup
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array')
        return markup
    if "remove_keyboard" in markup or "force_reply" in markup:
        return markup
    raise invalid


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Text must be a String")
    actions = [key for key in _BUTTON_ACTIONS if key in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(_URL_SCHEMES):
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def check_commands(commands: Any) -> list[dict[str, str]]:
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    checked = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand")
        command = item.get("command")
        description = item.get("description")
        if not isinstance(command, str) or not _COMMAND_RE.fullmatch(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append({"command": command, "description": description})
    return checked


def check_language_code(language_code: str | None) -> str:
    code = language_code or ""
    if code and not _LANGUAGE_RE.fullmatch(code):
        raise bad_request("invalid language code specified")
    return code


def bot_command_entities(text: str) -> list[dict[str, Any]]:
    """The ``bot_command`` entities Telegram attaches to a user's text."""
    entities = []
    for match in re.finditer(r"(?:^|(?<=\s))/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?", text):
        offset = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text[: match.start()])
        entities.append({"type": "bot_command", "offset": offset, "length": len(match.group())})
    return entities
