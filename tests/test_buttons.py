"""Signed button data: bound to one user, refuses forgeries of any shape."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.buttons import MAX_CALLBACK_BYTES, ButtonSigner

SIGNER = ButtonSigner(b"k" * 32)


def test_round_trip_and_binding_to_the_user() -> None:
    data = SIGNER.sign(42, "R", 17, "done")
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    assert SIGNER.verify(42, data) == ["R", "17", "done"]
    assert SIGNER.verify(43, data) is None
    assert SIGNER.verify(42, data.replace("17", "18")) is None
    assert ButtonSigner(b"x" * 32).verify(42, data) is None


@given(st.text())
def test_any_text_is_refused_without_raising(data: str) -> None:
    assert SIGNER.verify(42, data) is None
