"""Whatever people send, the real handlers cope: hypothesis-made updates for an unknown
user, families at every step of the journey and enrolled families.

For every example: the bot's error handler is never reached (no ERROR record from
'bot.app'), every new message gets a friendly reply (never the "something went wrong"
apology), and what is stored about the family changes only when the input was a valid
answer, and then exactly as that answer should. One running bot serves all examples of
a test; hypothesis runs in a worker thread and hands each example to the bot's loop.
"""

from __future__ import annotations

import asyncio
import logging
import string
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from bot.clock import Clock
from bot.handlers.account import is_stop_word
from bot.handlers.steps import clean_name
from bot.sandbox import Sandbox, SandboxUser
from bot.sandbox.validation import bot_command_entities
from tests.reliability.population import People, make_people, restore, snapshot
from tests.reliability.support import Bot, captured_logs, start_app

EXAMPLES = 45
RTL_EMOJI = "مرحبا بالعالم שלום עולם \u200f\u200e\u202e\u2066 🎉👶🏽👨‍👩‍👧🧸❤️ "
MARKUP = "<b>x</b> <a href='http://e.com'>l</a> <script>alert(1)</script> *b* _i_ `c` [l](u) &amp; &lt; {} | \\ # @ = "
ODD = [
    "<b>bold</b> & <i>",
    "</blockquote><b>",
    "*bold* _it_ `code` ```pre``` [link](http://example.com) ~strike~ ||spoiler||",
    "\x00\x01\x02\x1b[31mred\x7f",
    "line\r\nbreak\u2028sep\u2029para",
    "STOP",
    "  stop!  ",
    "Stop.",
    "‮evil‬ name",
    "Zoë-Ann",
    "A" * 41,
    "ء",
    "🙂" * 2048,
    "x" * 4096,
]


def _texts() -> st.SearchStrategy[str]:
    anything = st.characters(exclude_categories=("Cs",))
    long = st.builds(
        lambda chunk: (chunk * 4096)[:4096],
        st.text(anything, min_size=1, max_size=30),
    )
    return st.one_of(
        st.text(anything, min_size=1, max_size=300),
        st.text(
            st.sampled_from(RTL_EMOJI + MARKUP + string.ascii_letters), min_size=1, max_size=80
        ),
        st.sampled_from(ODD),
        long,
    ).filter(lambda t: t.strip() != "")


@pytest.fixture(autouse=True, scope="module")
def _hypothesis_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Hypothesis caches go to a temporary folder, not a .hypothesis/ in the repository."""
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)


def _is_command(text: str) -> bool:
    entities = bot_command_entities(text)
    return bool(entities) and entities[0]["offset"] == 0


def _run(
    loop: asyncio.AbstractEventLoop, strategy: Any, body: Callable[[Any], Awaitable[None]]
) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def check(example: Any) -> None:
        asyncio.run_coroutine_threadsafe(body(example), loop).result(timeout=60)

    check()


async def _examples(strategy: Any, body: Callable[[Any], Awaitable[None]]) -> None:
    await asyncio.to_thread(_run, asyncio.get_running_loop(), strategy, body)


class Checker:
    def __init__(self, bot: Bot, people: People, errors: Any) -> None:
        self.bot, self.people, self.errors = bot, people, errors

    def translator(self, before: dict[str, Any]) -> Any:
        locale = before["family"]["locale"] if before else "en"
        return self.bot.services.catalogs.for_locale(locale)

    async def replies(self, user: SandboxUser, act: Callable[[], object]) -> list[Any]:
        """Do ``act``, let the bot finish, and check it stayed well."""
        before = len(user.messages())
        answers = len(user.answers)
        self.errors.records.clear()
        act()
        await self.bot.settle()
        new = user.messages()[before:]
        assert not any(self.bot.is_apology(m.plain) for m in new), [m.plain for m in new]
        assert not self.errors.at_least(logging.ERROR, "bot"), self.errors.texts()
        self.new_answers = user.answers[answers:]
        return new


def _only_changed(before: dict[str, Any], after: dict[str, Any], allowed: set[str]) -> None:
    old, new = before["family"], after["family"]
    changed = {k for k in old if old[k] != new[k]}
    assert changed <= allowed, (changed, old, new)
    for table in ("children", "deliveries", "alerts"):
        assert after[table] == before[table], table


async def test_any_text_from_anyone(sandbox: Sandbox, tmp_path: Path, clock: Clock) -> None:
    async with start_app(sandbox, tmp_path / "bad.db", clock) as bot:
        people = await make_people(bot, 7000)
        with captured_logs(logging.ERROR) as errors:
            check = Checker(bot, people, errors)
            guard = bot.services.safeguarding

            async def body(example: tuple[SandboxUser, str]) -> None:
                user, text = example
                before = await snapshot(bot, user.id)
                new = await check.replies(user, lambda: user.send_text(text))
                assert new, f"no reply to {text[:80]!r}"
                after = await snapshot(bot, user.id)
                if not before:
                    assert after == {} and "playtalk" in new[0].plain  # how to join, in Arabic
                    return
                family = before["family"]
                if is_stop_word(text, check.translator(before)):
                    _only_changed(
                        before,
                        after,
                        {"status", "status_reason", "status_changed_at", "paused_until"},
                    )
                    assert after["family"]["status"] == "stopped"
                elif family["step"].startswith("child_name"):
                    name = clean_name(text)
                    if name is None:
                        _only_changed(before, after, set())
                    else:
                        _only_changed(before, after, {"draft_name", "step"})
                        assert after["family"]["draft_name"] == name
                        assert after["family"]["step"] == "child_year"
                elif family["status"] == "onboarding":
                    _only_changed(before, after, set())
                    assert after["events"] == before["events"]
                elif guard.match(text):
                    assert len(after["alerts"]) == len(before["alerts"]) + 1
                    assert after["alerts"][-1]["text"] == text
                    assert after["events"] == before["events"]  # flagged words stay out
                else:
                    _only_changed(before, after, {"last_reply_at", "checkin_sent_at"})
                    assert len(after["events"]) == len(before["events"]) + 1
                    event = after["events"][-1]
                    assert (event["kind"], event["text"]) == ("text", text[:4096])
                if family["status"] == "onboarding" or after["family"] != family:
                    await restore(bot, before)

            users = st.sampled_from(people.parents())
            texts = _texts().filter(lambda t: not _is_command(t))
            await _examples(st.tuples(users, texts), body)


COMMANDS = (
    "start", "help", "settings", "mydata", "pause", "delete", "join",
    "digest", "families", "invite", "focus", "newcode", "nosuch", "HELP", "Start",
)  # fmt: skip


async def test_commands_with_junk_arguments(sandbox: Sandbox, tmp_path: Path, clock: Clock) -> None:
    async with start_app(sandbox, tmp_path / "bad.db", clock) as bot:
        people = await make_people(bot, 7100)
        with captured_logs(logging.ERROR) as errors:
            check = Checker(bot, people, errors)

            async def body(example: tuple[SandboxUser, str, str, str]) -> None:
                user, command, suffix, junk = example
                text = f"/{command}{suffix} {junk}"
                before = await snapshot(bot, user.id)
                new = await check.replies(user, lambda: user.send_text(text))
                assert new, f"no reply to {text[:80]!r}"
                assert await snapshot(bot, user.id) == before
                if (
                    command in ("digest", "families", "invite", "focus", "newcode")
                    and suffix != "@other_bot"
                ):
                    assert [m.plain for m in new] == ["Sorry, that command is for nursery staff."]

            suffixes = st.sampled_from(["", "@playtalk_sandbox_bot", "@other_bot"])
            example = st.tuples(
                st.sampled_from(people.parents()), st.sampled_from(COMMANDS), suffixes, _texts()
            )
            await _examples(example, body)


MEDIA = ("photo", "voice", "sticker", "location", "contact", "document", "edit")


async def test_media_and_edited_messages(sandbox: Sandbox, tmp_path: Path, clock: Clock) -> None:
    async with start_app(sandbox, tmp_path / "bad.db", clock) as bot:
        people = await make_people(bot, 7200)
        with captured_logs(logging.ERROR) as errors:
            check = Checker(bot, people, errors)
            guard = bot.services.safeguarding

            async def body(example: tuple[SandboxUser, str, str | None]) -> None:
                user, kind, caption = example
                if kind == "edit":
                    await check.replies(user, lambda: user.send_text("before the edit"))
                    mine = max(
                        i for i, m in user.chat.messages.items() if m["from"]["id"] == user.id
                    )
                    before = await snapshot(bot, user.id)
                    await check.replies(user, lambda: user.edit_text(mine, caption or "edited"))
                    assert await snapshot(bot, user.id) == before
                    if before:
                        await restore(bot, before)
                    return
                before = await snapshot(bot, user.id)
                sent: dict[str, str] = {}

                def act() -> None:
                    if kind == "photo":
                        sent["file"] = user.send_photo(caption=caption)
                    elif kind == "voice":
                        sent["file"] = user.send_voice(duration=3)
                    else:
                        getattr(user, f"send_{kind}")()

                new = await check.replies(user, act)
                assert new, f"no reply to a {kind}"
                after = await snapshot(bot, user.id)
                if not before:
                    assert after == {}
                    return
                media = kind in ("photo", "voice")
                enrolled = before["family"]["status"] != "onboarding"
                if not (media and enrolled):
                    assert after == before
                    return
                if kind == "photo" and caption and guard.match(caption):
                    assert len(after["alerts"]) == len(before["alerts"]) + 1
                    return
                _only_changed(before, after, {"last_reply_at", "checkin_sent_at"})
                event = after["events"][-1]
                assert len(after["events"]) == len(before["events"]) + 1
                assert (event["kind"], event["file_id"]) == (kind, sent["file"])
                if kind == "photo":
                    assert event["text"] == (caption or None)
                await restore(bot, before)

            captions = st.none() | _texts().map(lambda t: t[:1024])
            example = st.tuples(st.sampled_from(people.parents()), st.sampled_from(MEDIA), captions)
            await _examples(example, body)


# Button kinds whose handlers read numbers or fixed words from the payload. P, N and A
# are left out: any press of those is a valid answer (e.g. "A:<anything>" means "no more").
KINDS = ("R", "L", "C", "Z", "E", "X", "Y", "M", "D", "S", "K", "G", "L2", "Q", "DEL", "T1", "W")
JUNK = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters=":~"), min_size=1, max_size=6
).filter(lambda s: not s.strip().isdigit() and s not in ("y", "n", "1", "3"))


async def test_button_data_of_any_bytes(sandbox: Sandbox, tmp_path: Path, clock: Clock) -> None:
    async with start_app(sandbox, tmp_path / "bad.db", clock) as bot:
        people = await make_people(bot, 7300)
        signer = bot.services.signer
        with captured_logs(logging.ERROR) as errors:
            check = Checker(bot, people, errors)

            def stale(uid: int, kind: str, parts: list[str]) -> str | None:
                try:
                    return signer.sign(uid, kind, *parts)
                except ValueError:  # longer than Telegram's 64 bytes
                    return None

            async def body(example: tuple[SandboxUser, str, Any]) -> None:
                user, how, raw = example
                if how == "bytes":
                    data = raw.decode("utf-8", errors="replace")
                elif how == "latin-1":
                    data = raw.decode("latin-1")
                elif how == "someone else's":
                    other = people.enrolled if user is not people.enrolled else people.unknown
                    data = signer.sign(other.id, *raw)
                elif how == "old keyboard":
                    data = stale(user.id, raw[0], raw[1]) or "W~AAAAAAAA"
                else:
                    data = raw
                before = await snapshot(bot, user.id)
                target = user.messages()[-1].message_id
                new = await check.replies(user, lambda: user.press_data(data, message_id=target))
                assert check.new_answers, f"the press on {data!r} was never answered"
                assert await snapshot(bot, user.id) == before
                assert all(m.method == "sendMessage" for m in new)

            real_buttons = st.sampled_from(
                [
                    ("DEL", "y"),
                    ("C", 1, "en", "y"),
                    ("L", 1, "en"),
                    ("K", 3),
                    ("Z", 1),
                    ("Q", "stop"),
                    ("P", "y"),
                ]
            )
            payloads = st.one_of(
                st.tuples(st.just("bytes"), st.binary(max_size=64)),
                st.tuples(st.just("latin-1"), st.binary(min_size=1, max_size=64)),
                st.tuples(
                    st.just("text"), st.text(st.characters(exclude_categories=("Cs",)), max_size=64)
                ),
                st.tuples(
                    st.just("forged"),
                    st.builds(
                        lambda k, j, s: f"{k}:{j}~{s}",
                        st.sampled_from(KINDS),
                        JUNK,
                        st.text(string.ascii_letters, min_size=8, max_size=8),
                    ),
                ),
                st.tuples(st.just("someone else's"), real_buttons),
                st.tuples(
                    st.just("old keyboard"),
                    st.tuples(st.sampled_from(KINDS), st.lists(JUNK, min_size=0, max_size=3)),
                ),
            )
            example = st.tuples(st.sampled_from(people.parents()), payloads).map(
                lambda e: (e[0], *e[1])
            )
            await _examples(example, body)
