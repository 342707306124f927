"""The digest as Telegram HTML messages, plus the album of shared photos.

Telegram rejects a message over 4096 characters or with an unclosed tag, so the
text is built from units that each close every tag they open, and messages are
cut only between units.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape, unescape

from bot.digest import text as tx
from bot.digest.model import Digest, Who
from bot.i18n import Translator

LIMIT = 4096
CAPTION_LIMIT = 1024
MAX_QUIET_LINES = 30  # the printable digest has the full list
MAX_VOICE_LINES = 20
_TAG = re.compile(r"<(/?)([a-z]+)[^>]*>")


def render_messages(digest: Digest, t: Translator, setting_name: str) -> list[str]:
    return pack(_units(digest, t, setting_name))


def render_album(digest: Digest, t: Translator) -> list[tuple[str, str]]:
    """(file id, HTML caption) for each highlighted photo: one sendMediaGroup call."""
    album: list[tuple[str, str]] = []
    for photo in digest.highlights.photos:
        caption = escape(tx.child_or(t, photo.child))
        if photo.activity:
            caption += f" · <i>{escape(photo.activity)}</i>"
        if len(caption) > CAPTION_LIMIT:
            caption = escape(tx.child_or(t, photo.child))[:CAPTION_LIMIT]
        album.append((photo.file_id, caption))
    return album


def _units(d: Digest, t: Translator, setting_name: str) -> list[str]:
    e = escape
    h, hl = d.headline, d.highlights
    u: list[str] = [
        "📋 "
        + _b(tx.fill(t.gettext("Weekly digest · {setting}"), setting=t.isolate(setting_name))),
        _i(tx.period(t, d)),
        "",
        _b(t.gettext("This week")),
        *(f"• {e(line)}" for line in tx.headline_lines(t, h)),
        "",
        _b(t.gettext("Highlights")),
    ]
    if not (hl.photos or hl.quotes or hl.voices):
        u.append(e(t.gettext("No photos, words or voice notes this week.")))
    if hl.photos:
        u.append("📷 " + e(tx.fill(t.gettext("Shared photos: {n}"), n=hl.shared_photos)))
        u += [f"• {e(_about(t, p.child, p.activity))}" for p in hl.photos]
    for q in hl.quotes:
        u.append(
            f"<blockquote>{e(q.text)}</blockquote>— <i>{e(_about(t, q.child, q.activity))}</i>"
        )
    if hl.voices:
        u.append("🎙 " + e(tx.fill(t.gettext("Voice notes: {n}"), n=len(hl.voices))))
        u += [
            f"• {e(_about(t, v.child, v.activity))} · {tx.duration(v.duration)}"
            for v in hl.voices[:MAX_VOICE_LINES]
        ]
        u += _more(t, len(hl.voices) - MAX_VOICE_LINES)
    u += ["", _b(t.gettext("Families to reach out to"))]
    if not d.reach_out:
        u.append(e(t.gettext("No family has been quiet for three weeks or more.")))
    u += [f"• {e(tx.quiet_line(t, q))}" for q in d.reach_out[:MAX_QUIET_LINES]]
    u += _more(t, len(d.reach_out) - MAX_QUIET_LINES)
    u += ["", _b(t.gettext("Equity")), _i(t.gettext("By language"))]
    u += [
        f"• {e(tx.language_in(t, r.key))}: {e(tx.rate_text(t, r.rate))}"
        for r in d.equity.by_language
    ]
    u.append(_i(t.gettext("By area of learning")))
    u += [f"• {e(tx.area_name(t, r.key))}: {e(tx.rate_text(t, r.rate))}" for r in d.equity.by_area]
    u += ["", _b(t.gettext("Partnership evidence"))]
    for standard, lines in tx.evidence_sections(t, d.evidence):
        u.append(f"<u>{e(standard)}</u>")
        u += [e(line) for line in lines]
    if d.trend:
        u += ["", _b(t.gettext("Last 12 weeks")), _trend(d, t)]
    return u


def _b(text: str) -> str:
    return f"<b>{escape(text)}</b>"


def _i(text: str) -> str:
    return f"<i>{escape(text)}</i>"


def _about(t: Translator, child: Who, activity: str | None) -> str:
    who = tx.child_or(t, child)
    return f"{who} · {activity}" if activity else who


def _more(t: Translator, hidden: int) -> list[str]:
    if hidden <= 0:
        return []
    note = t.gettext("…and {n} more in the printable digest.")
    return [escape(tx.fill(note, n=hidden))]


def _trend(d: Digest, t: Translator) -> str:
    """A monospaced table: readable on a phone without an image."""
    week, sent, replied, rate = (
        t.gettext("Week"),
        t.gettext("Sent"),
        t.gettext("Replied"),
        t.gettext("Rate"),
    )
    head = f"{week:<6}{sent:>6}{replied:>9}{rate:>7}"
    rows = [
        f"{p.iso_week[-3:]:<6}{p.sent:>6}{p.replied:>9}{tx.percent(t, p.rate):>7}" for p in d.trend
    ]
    return "<pre>" + escape("\n".join([head, *rows])) + "</pre>"


def pack(units: Iterable[str], limit: int = LIMIT) -> list[str]:
    """Join units with newlines into as few messages as fit, never cutting inside one."""
    chunks: list[list[str]] = [[]]
    size = 0
    for unit in units:
        for piece in [unit] if len(unit) <= limit else _split(unit, limit):
            extra = len(piece) + (1 if chunks[-1] else 0)
            if chunks[-1] and size + extra > limit:
                chunks.append([])
                size, extra = 0, len(piece)
            chunks[-1].append(piece)
            size += extra
    out = ["\n".join(chunk).strip("\n") for chunk in chunks]
    return [chunk for chunk in out if chunk.strip()]


def _balanced(line: str) -> bool:
    stack: list[str] = []
    for closing, name in _TAG.findall(line):
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


def _split(unit: str, limit: int) -> list[str]:
    """An oversized unit: by its lines if each stands alone, else as escaped plain text."""
    lines = unit.split("\n")
    if len(lines) > 1 and all(len(x) <= limit and _balanced(x) for x in lines):
        return lines
    plain = unescape(_TAG.sub("", unit))
    pieces: list[str] = []
    current = ""
    for char in plain:
        escaped = escape(char)
        if len(current) + len(escaped) > limit:
            pieces.append(current)
            current = ""
        current += escaped
    if current:
        pieces.append(current)
    return pieces
