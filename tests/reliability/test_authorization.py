"""Who may see what: parents never reach staff commands; one setting's practitioners
never see another setting's families; join codes are throttled, hashed, single use
and expire after seven days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import Clock
from bot.codes import JOIN_CODE_TTL, new_join_code
from bot.planning import plan_weeks
from bot.sandbox import Sandbox, SandboxUser, SentMessage
from bot.store import TABLES, Setting, hash_code
from scheduler.dispatch import dispatch_due
from tests.factories import active_family
from tests.reliability.support import Bot, start_app
from tests.storeview import deliveries_of_family, events_of_family, table_counts

STAFF_ONLY = "Sorry, that command is for nursery staff."
STAFF_COMMANDS = ("/digest", "/families", "/invite", "/focus cll 4", "/newcode lead", "/focus off")
OURS = ("Amelia", "Arlo")
THEIRS = ("Bartholomew", "Beatrix")
THEIR_WORDS = "Bartholomew banged the saucepan drum"
WEDNESDAY_0931 = datetime(2026, 11, 25, 9, 31, tzinfo=UTC)


def _everything(sandbox: Sandbox, messages: list[SentMessage]) -> str:
    """All a person can read in these messages: texts, captions, buttons and files."""
    parts = []
    for m in messages:
        parts += [m.plain, *m.buttons, str(m.reply_markup or ""), m.file_id or "", str(m.media)]
        if m.file_id and m.method in ("sendDocument",):
            parts.append(sandbox.file_bytes(m.file_id).decode("utf-8", errors="replace"))
    return "\n".join(parts)


async def _join(bot: Bot, user: SandboxUser, setting: Setting, role: str = "lead") -> None:
    code = new_join_code()
    await bot.store.add_join_code(setting.id, code, role, JOIN_CODE_TTL)
    [welcome, *_] = await bot.say(user, f"/join {code}")
    assert "You have joined" in welcome.plain and setting.name in welcome.plain


@dataclass
class TwoSettings:
    bot: Bot
    ours: Setting
    theirs: Setting
    our_lead: SandboxUser
    their_lead: SandboxUser
    our_parent: SandboxUser
    their_parent: SandboxUser
    their_photo: str  # a file id, shared with their setting


async def _two_settings(bot: Bot) -> TwoSettings:
    sb, store = bot.sandbox, bot.store
    theirs = await store.add_setting("Oak Tree Centre", "Europe/London", "oak-code")
    our_lead, their_lead = sb.user(8001), sb.user(8002)
    await _join(bot, our_lead, bot.setting)
    await _join(bot, their_lead, theirs)
    our_parent, their_parent = sb.user(8011), sb.user(8012)
    await active_family(store, bot.setting.id, our_parent.id, children=((OURS[0], "2024-02"),))
    await active_family(store, theirs.id, their_parent.id, children=((THEIRS[0], "2023-08"),))
    await active_family(store, bot.setting.id, 8013, children=((OURS[1], "2023-01"),))
    await active_family(store, theirs.id, 8014, children=((THEIRS[1], "2022-11"),))
    # This week's activity reaches both parents; they reply, one with a photo.
    await plan_weeks(store, bot.services.library, bot.clock.now())
    bot.clock.set(WEDNESDAY_0931)
    sb.user(8013)
    sb.user(8014)
    await dispatch_due(bot.app.bot, bot.services)
    await bot.say(our_parent, "Amelia loved the cups")
    await bot.say(their_parent, THEIR_WORDS)
    photo = their_parent.send_photo(caption="Beatrix with the pans")
    await bot.settle()
    bot.clock.advance(timedelta(minutes=1))
    return TwoSettings(
        bot, bot.setting, theirs, our_lead, their_lead, our_parent, their_parent, photo
    )


async def test_parents_cannot_reach_staff_commands(
    sandbox: Sandbox, tmp_path: Path, clock: Clock
) -> None:
    async with start_app(sandbox, tmp_path / "auth.db", clock) as bot:
        world = await _two_settings(bot)
        newcomer = sandbox.user(8020)
        counts = await table_counts(bot.store, TABLES)
        for parent in (world.our_parent, world.their_parent, newcomer):
            for command in STAFF_COMMANDS:
                replies = await bot.say(parent, command)
                assert [m.plain for m in replies] == [STAFF_ONLY], (command, replies)
                assert [m.method for m in replies] == ["sendMessage"]
        assert await table_counts(bot.store, TABLES) == counts
        for setting in (world.ours, world.theirs):
            fresh = await bot.store.get_setting(setting.id)
            assert fresh is not None and fresh.focus_area is None


async def test_practitioners_see_only_their_own_setting(
    sandbox: Sandbox, tmp_path: Path, clock: Clock
) -> None:
    async with start_app(sandbox, tmp_path / "auth.db", clock) as bot:
        world = await _two_settings(bot)
        lead = world.our_lead
        # Commands, also with a guessed setting or family id tacked on.
        for command in ("/families", "/families 2", "/digest", "/digest 2", "/invite", "/invite 2"):
            before = len(lead.messages())
            lead.send_text(command)
            await lead.wait_for_messages(before + 1)
            if command.startswith("/digest"):  # in parts through the outbox, the CSV last
                await sandbox.wait_until(
                    lambda b=before: any(
                        (m.file_name or "").endswith(".csv") for m in lead.messages()[b:]
                    ),
                    timeout=15,
                )
            await bot.settle()
            seen = _everything(sandbox, lead.messages()[before:])
            for name in THEIRS:
                assert name not in seen, (command, seen)
            assert THEIR_WORDS not in seen and world.theirs.parent_code not in seen
            assert "Beatrix with the pans" not in seen and world.their_photo not in seen
            if command.startswith("/families"):
                assert all(name in seen for name in OURS) and "(2)" in seen
            if command.startswith("/digest"):
                assert "Amelia loved the cups" in seen  # the digest does show our own replies
            if command.startswith("/invite"):
                assert world.ours.parent_code in seen
        # Their own lead does see all of it: what was looked for above is really there.
        before = len(world.their_lead.messages())
        world.their_lead.send_text("/digest")
        # The digest comes through the outbox in parts; the CSV is the last one.
        await sandbox.wait_until(
            lambda: any(
                (m.file_name or "").endswith(".csv") for m in world.their_lead.messages()[before:]
            ),
            timeout=15,
        )
        await bot.settle()
        theirs = _everything(sandbox, world.their_lead.messages()[before:])
        assert THEIR_WORDS in theirs and world.their_photo in theirs and THEIRS[0] in theirs
        # /focus takes no setting id: with one tacked on it changes nothing at all, and
        # without it only the lead's own setting.
        for command, expected in (("/focus maths 3 2", None), ("/focus maths 3", "maths")):
            await bot.say(lead, command)
            ours = await bot.store.get_setting(world.ours.id)
            theirs = await bot.store.get_setting(world.theirs.id)
            assert ours is not None and ours.focus_area == expected
            assert theirs is not None and theirs.focus_area is None


async def test_forged_and_replayed_buttons_reach_nothing(
    sandbox: Sandbox, tmp_path: Path, clock: Clock
) -> None:
    async with start_app(sandbox, tmp_path / "auth.db", clock) as bot:
        world = await _two_settings(bot)
        store = bot.store
        theirs = await store.family_by_chat(world.their_parent.id)
        assert theirs is not None
        events = len(await events_of_family(store, theirs.id))
        [activity] = [m for m in world.their_parent.messages() if m.buttons][:1]
        replayed = [b["callback_data"] for row in activity.button_rows for b in row]
        [delivery] = [
            d
            for d in await deliveries_of_family(store, theirs.id)
            if d.message_id == activity.message_id
        ]
        signer = bot.services.signer
        forged = [
            f"R:{delivery.id}:done~AAAAAAAA",
            f"R:{delivery.id}:done",
            signer.sign(world.their_parent.id, "DEL", "y"),  # their parent's own delete button
            signer.sign(world.their_parent.id, "Z", 4),
            signer.sign(world.their_parent.id, "E", 2),
            signer.sign(world.their_lead.id, "T", world.theirs.id),
        ]
        for presser in (world.our_lead, world.our_parent):
            target = presser.messages()[-1].message_id
            for data in [*replayed, *forged]:
                answers = len(presser.answers)
                presser.press_data(data, message_id=target)
                await bot.settle()
                assert "expired" in (presser.answers[answers]["text"] or ""), data
        fresh = await store.get_family(theirs.id)
        assert fresh is not None and fresh.status == "active"
        assert len(await events_of_family(store, theirs.id)) == events
        assert [c.first_name for c in await store.children_of(theirs.id)] == [THEIRS[0]]


async def test_safeguarding_alerts_go_to_the_familys_own_setting_only(
    sandbox: Sandbox, tmp_path: Path, clock: Clock
) -> None:
    async with start_app(sandbox, tmp_path / "auth.db", clock) as bot:
        world = await _two_settings(bot)
        ours_before = len(world.our_lead.messages())
        await bot.say(world.their_parent, "my partner hits my child when he is angry")
        await sandbox.wait_until(
            lambda: any("Safeguarding alert" in m.plain for m in world.their_lead.messages()),
            timeout=10,
        )
        [alert] = [m for m in world.their_lead.messages() if "Safeguarding alert" in m.plain]
        assert "hits my child" in alert.plain
        assert len(world.our_lead.messages()) == ours_before


_CODE = re.compile(r"/join ([A-Z2-9]{5}-[A-Z2-9]{5})")


async def test_join_codes_throttled_hashed_single_use_and_expiring(
    sandbox: Sandbox, tmp_path: Path, clock: Clock
) -> None:
    db = tmp_path / "codes.db"
    async with start_app(sandbox, db, clock) as bot:
        store = bot.store
        lead = sandbox.user(8101)
        await _join(bot, lead, bot.setting)
        # A lead makes codes through the bot: that is where the plaintext exists.
        codes = []
        for _ in range(3):
            [reply] = await bot.say(lead, "/newcode")
            match = _CODE.search(reply.plain)
            assert match, reply.plain
            codes.append(match.group(1))

        # Five wrong guesses an hour; then even the right code is refused until it passes.
        guesser = sandbox.user(8102)
        for n in range(5):
            [reply] = await bot.say(guesser, f"/join WRONG-CODE{n}")
            assert "doesn't work" in reply.plain
        [slowed] = await bot.say(guesser, f"/join {codes[0]}")
        assert "Too many wrong codes" in slowed.plain
        assert await store.practitioners_of(guesser.id) == []
        clock.advance(timedelta(hours=1, minutes=1))
        [welcome, *_] = await bot.say(guesser, f"/join {codes[0].lower()}")
        assert "You have joined" in welcome.plain

        # Single use: the same code does nothing for the next person.
        other = sandbox.user(8103)
        [refused] = await bot.say(other, f"/join {codes[0]}")
        assert "doesn't work" in refused.plain and await store.practitioners_of(other.id) == []

        # Seven days: a day short of that the code works, a minute past it is refused.
        made = clock.now()
        clock.set(made + JOIN_CODE_TTL - timedelta(days=1))
        [ok, *_] = await bot.say(sandbox.user(8104), f"/join {codes[1]}")
        assert "You have joined" in ok.plain
        clock.set(made + JOIN_CODE_TTL + timedelta(minutes=1))
        [late] = await bot.say(sandbox.user(8105), f"/join {codes[2]}")
        assert "doesn't work" in late.plain

        # Only hashes are kept: no form of any code is in any row, the file or its WAL.
        rows = []
        for table in TABLES:
            rows += [tuple(r) for r in await store.fetchall(f"SELECT * FROM {table}")]  # noqa: S608
        hashes = {r[0] for r in await store.fetchall("SELECT code_hash FROM join_codes")}
        assert {hash_code(c) for c in codes} <= hashes
        raw = b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())
        for code in codes:
            for form in (code, code.replace("-", ""), code.lower(), code.replace("-", "").lower()):
                assert not any(form in str(value) for row in rows for value in row), form
                assert form.encode() not in raw, form
                assert form.encode("utf-16-le") not in raw, form
