"""Telegram's HTML parse mode, rule for rule.

This follows the parser Telegram itself runs (tdlib's ``parse_html``) closely enough
that a message the sandbox accepts is one Telegram accepts, with the same error text
for the ones it rejects: only Telegram's tags, ``&lt; &gt; &amp; &quot;`` and numeric
entities are decoded (any other ``&`` stays literal), a ``<`` must start a supported
tag, and every tag must be closed in order.  Besides the plain text and the entities
that Telegram would return, it produces a re-serialised, escaped HTML rendering for
the web UI, so the browser never sees the bot's markup verbatim.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.errors import ApiError, bad_request

_SPACES = frozenset(" \t\r\n\v\f\0")
_ENTITY_TYPES = {
    **dict.fromkeys(("b", "strong"), "bold"),
    **dict.fromkeys(("i", "em"), "italic"),
    **dict.fromkeys(("s", "strike", "del"), "strikethrough"),
    **dict.fromkeys(("u", "ins"), "underline"),
    **dict.fromkeys(("tg-spoiler", "span"), "spoiler"),
    **{tag: tag for tag in ("code", "pre", "blockquote")},
}
_ALLOWED_TAGS = frozenset(_ENTITY_TYPES) | {"a", "tg-emoji"}
_SAFE_TAGS = {"bold": "b", "italic": "i", "strikethrough": "s", "underline": "u"}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SAFE_SCHEMES = ("http://", "https://", "tg://", "mailto:")


@dataclass
class ParsedText:
    """Text as Telegram stores it: without markup, plus entities and a safe rendering."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)
    html: str = ""


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int
    text_start: int
    expandable: bool = False


def utf16_len(text: str) -> int:
    """Entity offsets count UTF-16 code units, as the Bot API documents."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _next_markup(src: str, start: int) -> int:
    """Index of the next ``<`` or ``&`` at or after ``start`` (``len(src)`` if none)."""
    lt = src.find("<", start)
    amp = src.find("&", start)
    found = [i for i in (lt, amp) if i >= 0]
    return min(found) if found else len(src)


def _parse_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


def _decode_entity(src: str, pos: int) -> tuple[str | None, int]:
    """Decode the entity at ``src[pos] == '&'``; unknown entities are not an error."""
    end = pos + 1
    if src.startswith("#", end):
        end += 1
        hexadecimal = src.startswith("x", end)
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        end += 1 if hexadecimal else 0
        start = end
        while end < len(src) and src[end] in digits:
            end += 1
        raw = src[start:end]
        value = int(raw, 16 if hexadecimal else 10) if raw else 0
        if value == 0 or value >= 0x10FFFF or end - pos >= 10:
            return None, pos
        decoded = chr(value)
    else:
        while end < len(src) and src[end].isascii() and src[end].isalpha():
            end += 1
        name = src[pos + 1 : end]
        if name not in _NAMED_ENTITIES:
            return None, pos
        decoded = _NAMED_ENTITIES[name]
    if src.startswith(";", end):
        end += 1
    return decoded, end


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.pos = 0
        self.text: list[str] = []
        self.safe: list[str] = []
        self.entities: list[dict[str, Any]] = []
        self.stack: list[_Open] = []
        self.utf16 = 0

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8", "surrogatepass"))

    def at(self, index: int) -> str:
        return self.src[index] if index < len(self.src) else "\0"

    def emit(self, chunk: str) -> None:
        self.text.append(chunk)
        self.safe.append(html.escape(chunk, quote=False))
        self.utf16 += utf16_len(chunk)

    def run(self) -> ParsedText:
        src = self.src
        while self.pos < len(src):
            char = src[self.pos]
            if char == "&":
                decoded, after = _decode_entity(src, self.pos)
                if decoded is not None:
                    self.emit(decoded)
                    self.pos = after
                    continue
            if char != "<":
                # Plain text up to the next tag or entity goes out in one piece.
                end = _next_markup(src, self.pos + 1)
                self.emit(src[self.pos : end])
                self.pos = end
                continue
            if self.at(self.pos + 1) == "/":
                self.end_tag()
            else:
                self.start_tag()
        if self.stack:
            raise _parse_error(
                f"Can't find end tag corresponding to start tag {self.stack[-1].tag}"
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return ParsedText("".join(self.text), self.entities, "".join(self.safe))

    def skip_spaces(self) -> None:
        while self.pos < len(self.src) and self.src[self.pos] in _SPACES:
            self.pos += 1

    def start_tag(self) -> None:
        begin = self.pos
        self.pos += 1
        while self.at(self.pos) not in _SPACES and self.at(self.pos) != ">":
            self.pos += 1
        if self.pos >= len(self.src):
            raise _parse_error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        tag = self.src[begin + 1 : self.pos].lower()
        if tag not in _ALLOWED_TAGS:
            raise _parse_error(
                f'Unsupported start tag "{tag}" at byte offset {self.byte_offset(begin)}'
            )
        argument, expandable = self.attributes(tag, begin)
        if tag == "span" and argument != "spoiler":
            raise _parse_error(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}'
            )
        self.pos += 1  # the closing '>'
        self.stack.append(_Open(tag, argument, self.utf16, len(self.text), expandable))
        self.safe.append(_safe_open(tag, argument))

    def attributes(self, tag: str, begin: int) -> tuple[str, bool]:
        argument = ""
        expandable = False
        unclosed = f"Unclosed start tag at byte offset {self.byte_offset(begin)}"
        while self.at(self.pos) != ">":
            self.skip_spaces()
            if self.pos >= len(self.src):
                raise _parse_error(unclosed)
            if self.src[self.pos] == ">":
                break
            name_start = self.pos
            while self.at(self.pos) not in _SPACES and self.at(self.pos) not in "=>":
                self.pos += 1
            name = self.src[name_start : self.pos]
            if not name:
                raise _parse_error(
                    f'Empty attribute name in the tag "{tag}" at byte offset '
                    f"{self.byte_offset(begin)}"
                )
            self.skip_spaces()
            if self.pos >= len(self.src):
                raise _parse_error(unclosed)
            if self.src[self.pos] != "=":
                if tag == "blockquote" and name.lower() == "expandable":
                    expandable = True
                    continue
                raise _parse_error(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {self.byte_offset(begin)}'
                )
            self.pos += 1
            self.skip_spaces()
            if self.pos >= len(self.src):
                raise _parse_error(
                    f'Unclosed start tag "{tag}" at byte offset {self.byte_offset(begin)}'
                )
            value = self.attribute_value()
            if self.pos >= len(self.src):
                raise _parse_error(unclosed)
            if tag == "a" and name == "href":
                argument = value
            elif tag == "code" and name == "class" and value.startswith("language-"):
                argument = value[len("language-") :]
            elif tag == "span" and name == "class" and value.startswith("tg-"):
                argument = value[len("tg-") :]
            elif tag == "tg-emoji" and name == "emoji-id":
                argument = value
        return argument, expandable

    def attribute_value(self) -> str:
        src = self.src
        quote = src[self.pos]
        if quote not in "'\"":
            start = self.pos
            while self.pos < len(src) and (
                (src[self.pos].isascii() and src[self.pos].isalnum()) or src[self.pos] in ".-"
            ):
                self.pos += 1
            if self.at(self.pos) not in _SPACES and self.at(self.pos) != ">":
                raise _parse_error(
                    f"Unexpected end of name token at byte offset {self.byte_offset(start)}"
                )
            return src[start : self.pos].lower()
        self.pos += 1
        chars: list[str] = []
        while self.pos < len(src) and src[self.pos] != quote:
            if src[self.pos] == "&":
                decoded, after = _decode_entity(src, self.pos)
                if decoded is not None:
                    chars.append(decoded)
                    self.pos = after
                    continue
            chars.append(src[self.pos])
            self.pos += 1
        if self.pos < len(src):
            self.pos += 1
        return "".join(chars)

    def end_tag(self) -> None:
        begin = self.pos
        if not self.stack:
            raise _parse_error(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        self.pos += 2
        while self.at(self.pos) not in _SPACES and self.at(self.pos) != ">":
            self.pos += 1
        name = self.src[begin + 2 : self.pos].lower()
        self.skip_spaces()
        if self.at(self.pos) != ">":
            raise _parse_error(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        self.pos += 1
        top = self.stack[-1]
        if name and name != top.tag:
            raise _parse_error(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{top.tag}>", found "</{name}>"'
            )
        self.stack.pop()
        self.safe.append(_safe_close(top.tag))
        if self.utf16 > top.offset:
            self.add_entity(top)

    def add_entity(self, top: _Open) -> None:
        offset, length = top.offset, self.utf16 - top.offset
        entity: dict[str, Any] = {"offset": offset, "length": length}
        last = self.entities[-1] if self.entities else None
        same_span = last is not None and (last["offset"], last["length"]) == (offset, length)
        if top.tag == "a":
            url = top.argument or "".join(self.text[top.text_start :])
            if not url.startswith(_SAFE_SCHEMES):
                return
            entity.update(type="text_link", url=url)
        elif top.tag == "tg-emoji":
            if not top.argument.isdigit() or int(top.argument) == 0:
                raise bad_request("Invalid custom emoji identifier specified")
            entity.update(type="custom_emoji", custom_emoji_id=top.argument)
        elif top.tag == "pre" and last and same_span and last["type"] == "code":
            if last.get("language"):
                last["type"] = "pre"
                return
            entity["type"] = "pre"
        elif top.tag == "code" and last and same_span and last["type"] == "pre" and top.argument:
            last["language"] = top.argument
            return
        elif top.tag == "blockquote" and top.expandable:
            entity["type"] = "expandable_blockquote"
        else:
            entity["type"] = _ENTITY_TYPES[top.tag]
            if top.tag == "code" and top.argument:
                entity["language"] = top.argument
        self.entities.append(entity)


def _safe_open(tag: str, argument: str) -> str:
    if tag == "a":
        if argument.startswith(_SAFE_SCHEMES):
            href = html.escape(argument, quote=True)
            return f'<a href="{href}" target="_blank" rel="noopener noreferrer">'
        return "<a>"
    if tag in ("tg-spoiler", "span"):
        return '<span class="spoiler">'
    if tag == "tg-emoji":
        return "<span>"
    kind = _ENTITY_TYPES[tag]
    return f"<{_SAFE_TAGS.get(kind, kind)}>"


def _safe_close(tag: str) -> str:
    if tag == "a":
        return "</a>"
    if tag in ("tg-spoiler", "span", "tg-emoji"):
        return "</span>"
    kind = _ENTITY_TYPES[tag]
    return f"</{_SAFE_TAGS.get(kind, kind)}>"


def parse_html(src: str) -> ParsedText:
    """Parse ``src`` like Telegram does, raising the 400 Telegram would answer."""
    parsed = _Parser(src).run()
    for entity in parsed.entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    return parsed
