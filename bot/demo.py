"""`playtalk demo`: the whole loop, offline, in under a minute.

The real bot polls the local sandbox over HTTP; the scheduler's own functions
plan, dispatch, nudge and send the digest while a simulated clock walks through
four weeks. Two dozen fictional families join through the real journey and
behave as families do: some send photos, some only tap, some go quiet.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from telegram import Bot

from bot import eventloop
from bot.app import Options, build_application, running
from bot.clock import Clock
from bot.codes import JOIN_CODE_TTL, new_join_code
from bot.config import Config
from bot.demo_recording import recorded_activity_for_somali_families
from bot.demo_reply import staff_reply_to_somali_family
from bot.i18n import LOCALES, language_name
from bot.sandbox import Sandbox, SandboxUser, SentMessage
from bot.services import Services
from scheduler.jobs import Ticker

OUT = Path("demo-out")
# Sunday night before the first demo week (all fictional).
START = datetime(2026, 10, 25, 21, 0, tzinfo=UTC)
WEEKS = 4
NAMES = [
    "Amara",
    "Tiago",
    "Lucía",
    "Hodan",
    "Tunde",
    "Chloé",
    "Kwame",
    "Zofia",
    "Yusuf",
    "Maya",
    "Bruno",
    "Sofía",
    "Ayaan",
    "Bisi",
    "Léa",
    "Ama",
    "Kuba",
    "Layla",
    "Noah",
    "Inês",
    "Diego",
    "Sagal",
    "Femi",
    "Jules",
]
HABITS = ["photos", "taps", "words", "voice", "taps", "quiet"]
# What fictional parents type back, in their own language.
WORDS = {
    "en": "She loved it, we did it twice!",
    "pt": "Ela adorou, fizemos duas vezes!",
    "es": "¡Le encantó, lo hicimos dos veces!",
    "so": "Aad bay u jeclaatay, laba jeer ayaan samaynay!",
    "yo": "Ó fẹ́ràn rẹ̀ gan-an, a ṣe é lẹ́ẹ̀mejì!",
    "fr": "Elle a adoré, on l'a fait deux fois !",
    "tw": "Ɔpɛɛ no paa, yɛyɛɛ no mprenu!",
    "pl": "Bardzo jej się podobało, zrobiłyśmy to dwa razy!",
    "ar": "أحبتها كثيرا، فعلناها مرتين!",
}
WORRY = "Sorry to say this but my partner hits me and I am scared at home"


@dataclass
class Family:
    user: SandboxUser
    lang: str
    habit: str
    name: str
    seen: int = 0


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def _enrol(s: Services, sandbox: Sandbox, family: Family, code: str) -> None:
    t = s.catalogs.for_locale(family.lang)
    user = family.user

    async def step(action: object, count: int = 1) -> None:
        before = len(user.messages())
        if isinstance(action, str):
            user.send_text(action)
        await user.wait_for_messages(before + count, timeout=10)

    async def press(label: str) -> None:
        before = len(user.messages())
        user.press(label)
        await user.wait_for_messages(before + 1, timeout=10)

    await step(f"/start {code}")
    await press(language_name(family.lang))
    await press(t.gettext("Yes, I agree"))
    await press(
        t.gettext("Yes, they may") if family.habit != "taps" else t.gettext("No, keep them private")
    )
    await step(family.name)
    await press("2023" if len(family.name) % 2 else "2024")
    await press(str(t.locale.months["format"]["abbreviated"][1 + len(family.name) % 10]))
    await press(t.gettext("No, that's all"))
    await press(t.weekday(len(family.name) % 5))
    await press(
        t.gettext("Morning (9:30)") if len(family.name) % 2 else t.gettext("After nursery (16:00)")
    )
    await press(t.gettext("Three short messages a week"))


async def _respond(s: Services, family: Family, new: list[SentMessage]) -> bool:
    """Answer a new activity the way this family does; True if the bot will reply."""
    t = s.catalogs.for_locale(family.lang)
    activity = next((m for m in new if t.gettext("We did it 🎉") in m.buttons), None)
    if activity is None or family.habit == "quiet" or family.user.chat.blocked:
        return False
    if family.habit == "taps":
        family.user.press(t.gettext("We did it 🎉"), message_id=activity.message_id)
    elif family.habit == "photos":
        family.user.send_photo(caption=WORDS[family.lang], reply_to=activity.message_id)
    elif family.habit == "voice":
        family.user.send_voice(duration=12, reply_to=activity.message_id)
    else:
        family.user.send_text(WORDS[family.lang])
    return True


async def _simulate(
    s: Services,
    bot: Bot,
    sandbox: Sandbox,
    clock: Clock,
    families: list[Family],
    ticker: Ticker,
) -> None:
    stopper, blocker, worried = families[5], families[11], families[3]
    for hour in range(WEEKS * 7 * 24):
        clock.set(START + timedelta(hours=hour))
        week = hour // (7 * 24) + 1
        if hour % 24 == 0:
            day = (hour // 24) % 7
            _say(
                f"  week {week}/{WEEKS}, day {day + 1}: {sandbox.counters.messages_sent} messages so far"
            )
        if hour == 7 * 24 + 12:
            before = len(stopper.user.messages())
            stopper.user.send_text(s.catalogs.for_locale(stopper.lang).gettext("STOP"))
            await stopper.user.wait_for_messages(before + 1)
            stopper.seen = before + 1
        if hour == 14 * 24:
            blocker.user.block()
        if hour == 21 * 24 + 14:
            before = len(worried.user.messages())
            worried.user.send_text(WORRY)
            await worried.user.wait_for_messages(before + 1)
            worried.seen = before + 1
        # Every job once a simulated day (as the hourly ones would find work), dispatch hourly.
        report = await ticker.tick(bot, s, everything=hour % 24 == 0)
        if report.sent == 0:
            continue
        answering: list[tuple[Family, int]] = []
        for family in families:
            messages = family.user.messages()
            if len(messages) > family.seen:
                new = messages[family.seen :]
                family.seen = len(messages)
                if await _respond(s, family, new):
                    answering.append((family, family.seen + 1))
        # Each reply is answered with a thank-you; wait for those before the clock moves on.
        for family, expected in answering:
            await family.user.wait_for_messages(expected, timeout=10)
            family.seen = len(family.user.messages())


async def _somali_reply(s: Services, bot: Bot, lead: SandboxUser, families: list[Family]) -> str:
    """Issue 14: the lead answers a Somali family's share; what that parent saw."""
    somali = [(f.name, f.user) for f in families if f.lang == "so"]
    return await staff_reply_to_somali_family(s, bot, lead, somali)


async def _recorded_activity(
    s: Services, bot: Bot, clock: Clock, staff: SandboxUser, families: list[Family]
) -> str:
    """Issue 14: the lead records the coming Somali ideas; what Somali parents then got."""
    somali = [(f.name, f.user) for f in families if f.lang == "so" and not f.user.chat.blocked]
    return await recorded_activity_for_somali_families(s, bot, clock, staff, somali)


def _transcript(family: Family, limit: int = 6) -> str:
    lines = [f"--- {family.name} ({language_name(family.lang)}) ---"]
    for message in family.user.messages()[-limit:]:
        body = message.plain.strip() or f"[{message.method}]"
        buttons = f"\n  [{'] ['.join(message.buttons)}]" if message.buttons else ""
        lines.append(body + buttons + "\n")
    return "\n".join(lines)


def _alert(s: Services, staff: SandboxUser) -> str:
    """The safeguarding alert as this person received it.

    The safeguarding lead also gets the digest (text, chart, HTML, CSV), so their last
    message is not the alert: pick the text that opens with the alert's heading.
    """
    heading = "⚠️ " + s.catalogs.for_locale("en").gettext("Safeguarding alert")
    alerts = [m.plain for m in staff.messages() if m.kind == "text" and m.plain.startswith(heading)]
    return alerts[-1] if alerts else "(none: the alert did not arrive)"


async def _demo(out: Path) -> int:
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="playtalk-demo-"))
    clock = Clock(START - timedelta(days=7))
    sandbox = Sandbox()
    await sandbox.start()
    config = Config(
        token=sandbox.token,
        db_path=work / "demo.db",
        timezone="Europe/London",
        api_root=sandbox.root,
        log_level="WARNING",
        retention_months=12,
        photo_retention_months=6,
    )
    app = build_application(
        config, clock, Options(schedule_jobs=False, retry_base_seconds=1, per_chat_seconds=0.05)
    )
    try:
        async with running(app, poll_timeout=0.5) as s:
            _say("playtalk demo: sandbox Bot API on " + sandbox.root)
            setting = await s.store.add_setting(
                "Sunflower Nursery (demo)", "Europe/London", "sunflower-demo"
            )
            code = new_join_code()
            await s.store.add_join_code(setting.id, code, "lead", JOIN_CODE_TTL)
            lead = sandbox.user(900001, first_name="Grace", language_code="en")
            lead.send_text(f"/join {code}")
            await lead.wait_for_messages(2)
            await s.store.add_join_code(
                setting.id, code2 := new_join_code(), "safeguarding", JOIN_CODE_TTL
            )
            dsl = sandbox.user(900002, first_name="Ruth", language_code="en")
            dsl.send_text(f"/join {code2}")
            await dsl.wait_for_messages(2)
            families = [
                Family(
                    sandbox.user(700000 + i, first_name="Parent", language_code=LOCALES[i % 9]),
                    LOCALES[i % 9],
                    HABITS[i % len(HABITS)],
                    NAMES[i],
                )
                for i in range(24)
            ]
            _say(
                f"enrolling {len(families)} families in {len(LOCALES)} languages through the real journey…"
            )
            await asyncio.gather(*(_enrol(s, sandbox, f, setting.parent_code) for f in families))
            for f in families:
                f.seen = len(f.user.messages())
            _say(f"running {WEEKS} weeks on a simulated clock…")
            ticker = Ticker()
            await _simulate(s, app.bot, sandbox, clock, families, ticker)
            # Monday 08:05 London: the digest is due.
            clock.set(START + timedelta(days=WEEKS * 7, hours=11, minutes=5))
            before = len(lead.messages())
            await ticker.tick(app.bot, s, everything=True)
            digest = lead.messages()[before:]
            lead.send_text("/invite")
            invite = await lead.wait_for_messages(len(lead.messages()) + 2)
            written = _save_files(sandbox, digest, invite[-2:], out)
            english = next(f for f in families if f.lang == "en" and f.habit == "photos")
            arabic = next(f for f in families if f.lang == "ar")
            somali = next(f for f in families if f.lang == "so" and f.habit != "quiet")
            print("\n=== What two parents saw (their last messages) ===\n")
            print(_transcript(english))
            print(_transcript(arabic))
            print(_transcript(somali, limit=3))
            print("=== A staff reply reaching a Somali-speaking family ===\n")
            print(await _somali_reply(s, app.bot, lead, families) + "\n")
            print("=== An activity recorded in Somali reaching Somali families ===\n")
            print(await _recorded_activity(s, app.bot, clock, lead, families) + "\n")
            print("=== The safeguarding lead's alert ===\n")
            print(_alert(s, dsl))
            print("\n=== The practitioner's weekly digest ===\n")
            print("\n\n".join(m.plain for m in digest if m.method == "sendMessage"))
            print("\n=== Written to ./" + str(out) + "/ ===")
            for name in sorted(written):
                print(f"  {out / name}  ({written[name]:,} bytes)")
            print(
                f"\n{sandbox.counters.messages_sent} messages through the sandbox in "
                f"{time.monotonic() - started:.1f} s (real HTTP, python-telegram-bot, SQLite)."
            )
    finally:
        await sandbox.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _save_files(
    sandbox: Sandbox, digest: list[SentMessage], invite: list[SentMessage], out: Path
) -> dict[str, int]:
    """Keep what the practitioner received as files (Telegram keeps no names for photos)."""
    written: dict[str, int] = {}
    for message, photo_name in [
        *((m, "trend.png") for m in digest),
        *((m, "qr.png") for m in invite),
    ]:
        if message.file_id is None:
            continue
        if message.method == "sendPhoto":
            target = photo_name
        elif message.method == "sendDocument" and message.file_name:
            name = message.file_name
            target = (
                "poster.html"
                if "poster" in name
                else "digest.csv"
                if name.endswith(".csv")
                else "digest.html"
            )
        else:
            continue
        data = sandbox.file_bytes(message.file_id)
        (out / target).write_bytes(data)
        written[target] = len(data)
    return written


def run_demo() -> int:
    # The demo prints its own story; the bot's routine INFO lines would drown it.
    logging.getLogger().setLevel(logging.WARNING)
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    return eventloop.run(_demo(OUT))
