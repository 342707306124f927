"""Codes people type or scan: parent links and practitioner join codes."""

from __future__ import annotations

import secrets
from datetime import timedelta

# No 0/O, 1/I/L: codes are read off a screen and typed on a phone.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_TTL = timedelta(days=7)


def new_parent_code() -> str:
    """The deep-link payload on a setting's poster (Telegram allows A-Z a-z 0-9 _ -, up to 64)."""
    return secrets.token_urlsafe(12)


def new_join_code() -> str:
    """Ten characters from 31 symbols: ~49 bits, single use, seven days, throttled guesses."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def parent_link(bot_username: str, parent_code: str) -> str:
    return f"https://t.me/{bot_username}?start={parent_code}"
