"""Guessing parent links and join codes is slowed even when the guesses come at once.

The bot handles up to 64 updates concurrently, so a script that sends twenty wrong
codes in one burst must meet the same limit (five an hour) as a person typing them
one after another: at most five are looked up, the rest are told to wait.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox import SandboxUser
from tests.conftest import BotEnv

BURST = 20
ALLOWED = 5


def _count_calls(monkeypatch: pytest.MonkeyPatch, env: BotEnv, method: str) -> list[Any]:
    calls: list[Any] = []
    real = getattr(env.store, method)

    async def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return await real(*args, **kwargs)

    monkeypatch.setattr(env.store, method, counted)
    return calls


async def _burst(user: SandboxUser, texts: list[str]) -> list[str]:
    before = len(user.messages())
    for text in texts:
        user.send_text(text)
    answers = (await user.wait_for_messages(before + len(texts), timeout=15))[before:]
    return [m.plain for m in answers]


async def test_a_burst_of_wrong_parent_links_gets_five_lookups(
    env: BotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups = _count_calls(monkeypatch, env, "setting_by_parent_code")
    user = env.sandbox.user(7101)
    answers = await _burst(user, [f"/start wrong-link-{n}" for n in range(BURST)])
    unknown = [a for a in answers if "don't recognise that link" in a]
    slowed = [a for a in answers if "Too many tries" in a]
    assert (len(unknown), len(slowed)) == (ALLOWED, BURST - ALLOWED), answers
    assert len(lookups) == ALLOWED
    # The window is used up: even the right link now waits.
    [refused] = await env.say(user, f"/start {env.setting.parent_code}")
    assert "Too many tries" in refused.plain
    # Somebody else is not affected.
    [other] = await env.say(env.sandbox.user(7102), f"/start {env.setting.parent_code}")
    assert "Which language" in other.plain


async def test_a_burst_of_wrong_join_codes_gets_five_lookups(
    env: BotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups = _count_calls(monkeypatch, env, "redeem_join_code")
    user = env.sandbox.user(7201)
    answers = await _burst(user, [f"/join WRONG-CODE{n:02d}" for n in range(BURST)])
    unknown = [a for a in answers if "doesn't work" in a]
    slowed = [a for a in answers if "Too many wrong codes" in a]
    assert (len(unknown), len(slowed)) == (ALLOWED, BURST - ALLOWED), answers
    assert len(lookups) == ALLOWED


async def test_the_printed_link_does_not_reset_the_count_of_wrong_guesses(env: BotEnv) -> None:
    """The parent link is on every poster; using it between guesses must not buy a
    fresh five."""
    user = env.sandbox.user(7301)
    for n in range(ALLOWED - 1):
        [reply] = await env.say(user, f"/start wrong-link-{n}")
        assert "don't recognise that link" in reply.plain
    [welcome] = await env.say(user, f"/start {env.setting.parent_code}")
    assert "Which language" in welcome.plain
    [fifth] = await env.say(user, "/start wrong-link-again")
    assert "don't recognise that link" in fifth.plain
    [sixth] = await env.say(user, "/start and-again")
    assert "Too many tries" in sixth.plain
