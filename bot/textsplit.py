"""Split Telegram HTML on line boundaries so no message passes the 4096 limit."""

from __future__ import annotations

TELEGRAM_LIMIT = 4096


def split_html(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Chunks of whole lines, each at most ``limit`` characters.

    Callers keep every tag within one line, so a cut between lines never
    breaks markup; a single over-long line is cut hard (plain text only).
    """
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks
