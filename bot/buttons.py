"""Signed callback data: a button only works for the user it was sent to.

Telegram returns callback data as the client sent it, so anyone can forge a
press with arbitrary bytes. Each payload carries an HMAC over the pressing
user's id, so forged or replayed-to-someone-else data is refused. This also
lets the pre-consent steps keep their state in the buttons themselves rather
than in the database (nothing personal is stored before consent).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_SIG_BYTES = 6  # 8 base64 characters: plenty against guessing, short enough for 64 bytes
MAX_CALLBACK_BYTES = 64


class ButtonSigner:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _sig(self, user_id: int, payload: str) -> str:
        digest = hmac.new(self._key, f"{user_id}|{payload}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:_SIG_BYTES]).decode()

    def sign(self, user_id: int, *parts: object) -> str:
        payload = ":".join(str(p) for p in parts)
        data = f"{payload}~{self._sig(user_id, payload)}"
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError("callback data too long")
        return data

    def verify(self, user_id: int, data: str | None) -> list[str] | None:
        """The payload's parts if the signature matches this user, else None."""
        if not data or "~" not in data:
            return None
        payload, _, sig = data.rpartition("~")
        # Bytes, not str: compare_digest refuses non-ASCII text, and forged data may be anything.
        if not hmac.compare_digest(sig.encode(), self._sig(user_id, payload).encode()):
            return None
        return payload.split(":")
