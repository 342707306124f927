"""Privacy: /delete leaves no trace of the family, retention purges old replies on time,
and the logs never hold what parents wrote or anybody's name."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import Clock
from bot.config import load_config
from bot.planning import plan_weeks
from bot.sandbox import Sandbox, SandboxUser
from bot.store import TABLES
from scheduler.dispatch import dispatch_due
from scheduler.retention import purge
from tests.conftest import BotEnv
from tests.journey import enrol
from tests.reliability.support import Bot, captured_logs, start_app
from tests.storeview import count_alerts, events_of_family

# Six bytes as a SQLite integer, so its on-disk form is distinctive.
CHAT = 0x3A5C7E9B2D4F
PARENT = "Quillonette"
CHILD = "Thaddea"
WORDS = "Thaddea built a wobbly tower of spoons"
LONG = ("Marigold-long-reply " * 220)[:4096]  # overflow pages in the file
CAPTION = "Thaddea's saucepan castle"
WORRY = "my partner hits my child Thaddea at night"
WEDNESDAY_0931 = datetime(2026, 11, 25, 9, 31, tzinfo=UTC)


def _env(bot: Bot) -> BotEnv:
    return BotEnv(bot.sandbox, bot.services, bot.clock, bot.setting, bot.app.bot)


async def _lead(bot: Bot) -> SandboxUser:
    lead = bot.sandbox.user(9001)
    code = "LEADX-CODE2"
    from bot.codes import JOIN_CODE_TTL

    await bot.store.add_join_code(bot.setting.id, code, "lead", JOIN_CODE_TTL)
    await bot.say(lead, f"/join {code}")
    return lead


async def _a_family_with_everything(bot: Bot) -> tuple[SandboxUser, dict[str, Any]]:
    """A parent who joins, gets an activity and replies in every way, incl. a worry."""
    env = _env(bot)
    user = bot.sandbox.user(CHAT, first_name=PARENT)
    await enrol(env, user, names=(CHILD,))
    await plan_weeks(bot.store, bot.services.library, bot.clock.now())
    bot.clock.set(WEDNESDAY_0931)
    await dispatch_due(bot.app.bot, bot.services)
    await user.wait_for_messages(len(user.messages()))
    assert CHILD in user.last().plain  # the activity, addressed to the child
    await env.press(user, "We did it 🎉")
    await bot.say(user, WORDS)
    await bot.say(user, LONG)
    before = len(user.messages())
    photo = user.send_photo(caption=CAPTION)
    voice = user.send_voice(duration=4)
    await user.wait_for_messages(before + 2)
    await bot.say(user, WORRY)
    await bot.settle()
    return user, {"photo": photo, "voice": voice}


def _needles(files: dict[str, Any]) -> dict[str, bytes]:
    texts = {
        "chat id": str(CHAT),
        "parent name": PARENT,
        "child name": CHILD,
        "words": WORDS,
        "long reply": LONG[:40],
        "caption": CAPTION,
        "worry": WORRY,
        **{f"{k} file id": v for k, v in files.items()},
    }
    found = {k: v.encode() for k, v in texts.items()}
    found["chat id as a SQLite integer"] = CHAT.to_bytes(6, "big")
    found["chat id as a 64-bit integer"] = CHAT.to_bytes(8, "big")
    return found


async def _rows(bot: Bot) -> list[tuple[str, Any]]:
    out = []
    for table in TABLES:
        for row in await bot.store.fetchall(f"SELECT * FROM {table}"):  # noqa: S608
            out += [(table, value) for value in tuple(row)]
    return out


def _in_rows(rows: list[tuple[str, Any]], needles: dict[str, bytes]) -> set[str]:
    hits = set()
    for table, value in rows:
        if value == CHAT:
            hits.add(f"chat id in {table}")
        if isinstance(value, str):
            hits |= {
                f"{name} in {table}"
                for name, n in needles.items()
                if n.decode(errors="ignore") and n in value.encode()
            }
    return hits


def _in_files(db: Path, needles: dict[str, bytes]) -> set[str]:
    hits = set()
    for path in (db, Path(f"{db}-wal")):
        if path.exists():
            raw = path.read_bytes()
            hits |= {f"{name} in {path.name}" for name, n in needles.items() if n in raw}
    return hits


async def _delete_and_scan(
    bot: Bot, user: SandboxUser, db: Path, needles: dict[str, bytes]
) -> None:
    # Before: the family really is there, in every form looked for below.
    before = _in_rows(await _rows(bot), needles)
    for name in ("chat id in families", "child name in children", "words in events",
                 "caption in events", "photo file id in events", "worry in safeguarding_alerts"):  # fmt: skip
        assert name in before, before
    seen = {hit.split(" in ")[0] for hit in _in_files(db, needles)}
    assert {"chat id as a SQLite integer", "child name", "words", "long reply"} <= seen, seen

    await _env(bot).say(user, "/delete")
    [goodbye] = await _env(bot).press(user, "Yes, delete everything")
    assert "has been deleted" in goodbye.plain

    assert _in_rows(await _rows(bot), needles) == set()
    assert _in_files(db, needles) == set()


async def test_delete_leaves_nothing_of_the_family(
    sandbox: Sandbox, tmp_path: Path, clock: Clock
) -> None:
    """Written moments ago: the family's pages are still in the -wal file."""
    db = tmp_path / "privacy.db"
    async with start_app(sandbox, db, clock) as bot:
        await _lead(bot)
        user, files = await _a_family_with_everything(bot)
        assert all(h.endswith("-wal") for h in _in_files(db, _needles(files)))
        await _delete_and_scan(bot, user, db, _needles(files))
    # And once the bot has stopped and the database is closed.
    assert _in_files(db, _needles(files)) == set()


async def test_delete_after_a_restart_leaves_nothing_in_the_file(
    sandbox: Sandbox, tmp_path: Path, clock: Clock
) -> None:
    """Written long ago: a restart checkpointed the family into the main file."""
    db = tmp_path / "privacy.db"
    async with start_app(sandbox, db, clock) as bot:
        await _lead(bot)
        user, files = await _a_family_with_everything(bot)
    async with start_app(sandbox, db, clock) as bot:
        assert all(h.endswith(".db") for h in _in_files(db, _needles(files)))
        await _delete_and_scan(bot, user, db, _needles(files))
    assert _in_files(db, _needles(files)) == set()


async def test_retention_purges_replies_after_12_months_and_file_ids_after_6(
    sandbox: Sandbox, tmp_path: Path, clock: Clock
) -> None:
    config = load_config({})
    assert (config.retention_months, config.photo_retention_months) == (12, 6)
    db = tmp_path / "retention.db"
    async with start_app(sandbox, db, clock) as bot:
        await _lead(bot)
        user, files = await _a_family_with_everything(bot)
        replied = bot.clock.now()
    needles = _needles(files)
    media = {k: v for k, v in needles.items() if k.endswith("file id")}
    words = {k: v for k, v in needles.items() if k in ("words", "long reply", "caption", "worry")}
    # Months later (the bot restarted meanwhile, so the replies sit in the main file).
    async with start_app(sandbox, db, clock) as bot:
        family = await bot.store.family_by_chat(user.id)
        assert family is not None

        async def at(days: int) -> list[Any]:
            bot.clock.set(replied + timedelta(days=days))
            await purge(
                bot.store, bot.clock.now(), config.retention_months, config.photo_retention_months
            )
            return await events_of_family(bot.store, family.id)

        everything = await events_of_family(bot.store, family.id)
        assert {e.kind for e in everything} == {"tap", "text", "photo", "voice"}
        assert await at(182) == everything
        assert _in_files(db, media)  # still there, and findable
        half_year = await at(184)
        assert [(e.id, e.kind, e.text, e.tap) for e in half_year] == [
            (e.id, e.kind, e.text, e.tap) for e in everything
        ]
        assert all(e.file_id is None for e in half_year)
        assert _in_files(db, media) == set()  # not in the file either, nor in its WAL
        assert await count_alerts(bot.store, bot.setting.id) == 1
        assert await at(364) == half_year
        assert await at(366) == []
        assert await count_alerts(bot.store, bot.setting.id) == 0
        assert _in_files(db, words) == set()
        # The family itself stays: retention is about replies, not membership.
        assert await bot.store.get_family(family.id) is not None
        # What the parent can see of their data agrees.
        before = len(user.messages())
        user.send_text("/mydata")
        [export] = (await user.wait_for_messages(before + 1))[before:]
        data = json.loads(sandbox.file_bytes(export.file_id or ""))
        assert data["replies"] == [] and data["safeguarding_alerts"] == []
    assert _in_files(db, {**media, **words}) == set()


async def test_logs_hold_no_words_and_no_names(
    sandbox: Sandbox, tmp_path: Path, clock: Clock
) -> None:
    with captured_logs(logging.INFO) as logs:
        async with start_app(sandbox, tmp_path / "logs.db", clock) as bot:
            await _lead(bot)
            user, files = await _a_family_with_everything(bot)
            env = _env(bot)
            for command in ("/settings", "/mydata", "/pause", "/help", "/nonsense"):
                await bot.say(user, command)
            user.press_data("R:1:done~forged!", message_id=user.last().message_id)
            await bot.settle()
            await env.say(user, "/delete")
            await env.press(user, "Yes, delete everything")
    ours = [r for r in logs.records if not r.name.startswith(("bot.sandbox", "aiohttp"))]
    assert any("joined setting" in r.getMessage() for r in ours)  # INFO really was captured
    assert any(r.levelno == logging.WARNING for r in ours)  # the safeguarding alert
    text = "\n".join(t for t in logs.texts() if not t.startswith(("bot.sandbox", "aiohttp")))
    for secret in (
        PARENT,
        CHILD,
        WORDS,
        LONG[:40],
        CAPTION,
        WORRY,
        "hits my child",
        *files.values(),
    ):
        assert secret not in text, secret
