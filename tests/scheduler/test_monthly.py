"""The monthly note: on the 1st, parents hear what they played last month, plural forms right.

Families play through November on the real bot (activities from the outbox, taps on
"We did it", photos); on 1 December the job runs and each parent reads their own
note in their own language. Polish has three plural forms (1 gra, 2-4 gry, 5+ gier):
the test gives the catalog Polish entries so the forms are the catalog's, not English.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from bot.i18n import Catalogs, locales_dir
from bot.planning import plan_weeks
from bot.sandbox import SandboxUser
from scheduler.jobs import Ticker
from tests.conftest import BotEnv
from tests.factories import active_family

NOVEMBER_MONDAYS = [datetime(2026, 11, d, 10, 0, tzinfo=UTC) for d in (2, 9, 16)]
FIRST_OF_DECEMBER = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)

POLISH = {
    "Last month you played {n} game with {child}.": (
        "W zeszłym miesiącu zagraliście w {n} grę z {child}.",
        "W zeszłym miesiącu zagraliście w {n} gry z {child}.",
        "W zeszłym miesiącu zagraliście w {n} gier z {child}.",
    ),
    "You shared {m} photo with us.": (
        "Udostępniliście nam {m} zdjęcie.",
        "Udostępniliście nam {m} zdjęcia.",
        "Udostępniliście nam {m} zdjęć.",
    ),
}


def polish_catalogs(tmp: Path) -> Catalogs:
    """The shipped catalogs, with this test's Polish plural entries in pl/bot.po."""
    root = tmp / "locales"
    shutil.copytree(locales_dir(), root)
    po = root / "pl" / "LC_MESSAGES" / "bot.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale="pl")
    for singular, forms in POLISH.items():
        plural = singular.replace("game", "games").replace("photo", "photos")
        if singular in catalog:
            catalog[singular].string = forms  # the translator's entry, maybe not yet done
        else:
            catalog.add((singular, plural), forms)
    with po.open("wb") as f:
        write_po(f, catalog)
    return Catalogs(root)


def notes(user: SandboxUser) -> list[str]:
    return [m.plain for m in user.messages() if m.plain.startswith("🌟")]


async def play_november(env: BotEnv, parents: dict[SandboxUser, int], photos: int) -> None:
    """Three November weeks: each parent taps "We did it" on that many of their activities
    (per week), and the first parent sends ``photos`` photos in the last week."""
    for monday in NOVEMBER_MONDAYS:
        env.clock.set(monday)
        await plan_weeks(env.store, env.services.library, env.clock.now())
        env.clock.set(monday + timedelta(days=2, minutes=-29))  # Wednesday 09:31
        seen = {p: len(p.messages()) for p in parents}
        await Ticker().tick(env.bot, env.services, everything=True)
        for parent, taps in parents.items():
            label = env.t(parent.language_code or "en").gettext("We did it 🎉")
            new = [m for m in (await parent.wait_for_messages(seen[parent] + 1))[seen[parent] :]]
            for message in [m for m in new if label in m.buttons][:taps]:
                before = len(parent.messages())
                parent.press(label, message_id=message.message_id)
                await parent.wait_for_messages(before + 1)
    first = next(iter(parents))
    for _ in range(photos):
        before = len(first.messages())
        first.send_photo(caption="look")
        await first.wait_for_messages(before + 1)


async def test_monthly_note_in_english_and_polish_with_plural_forms(
    env: BotEnv, tmp_path: Path
) -> None:
    env.services.catalogs = polish_catalogs(tmp_path)
    env.clock.set(NOVEMBER_MONDAYS[0] - timedelta(days=1))
    amara = env.sandbox.user(9101, language_code="en")
    ola = env.sandbox.user(9102, language_code="pl")
    quiet = env.sandbox.user(9103, language_code="en")
    await active_family(env.store, env.setting.id, amara.id, children=(("Amara", "2023-05"),))
    await active_family(
        env.store,
        env.setting.id,
        ola.id,
        locale="pl",
        children=(("Ola", "2023-01"), ("Jan", "2024-02")),
    )
    await active_family(env.store, env.setting.id, quiet.id, children=(("Sam", "2023-05"),))
    resting = env.sandbox.user(9104, language_code="en")
    family, _ = await active_family(env.store, env.setting.id, resting.id)
    await play_november(env, {amara: 1, ola: 2, quiet: 0, resting: 1}, photos=2)
    await env.store.set_status(family.id, "paused")
    seen = {p: len(p.messages()) for p in (amara, ola, quiet)}

    env.clock.set(FIRST_OF_DECEMBER)
    ticker = Ticker()
    await ticker.tick(env.bot, env.services, everything=True)
    [note] = (await amara.wait_for_messages(seen[amara] + 1))[seen[amara] :]
    assert note.plain.startswith(
        "🌟 Last month you played 3 games with Amara. You shared 2 photos with us."
    )
    [note] = (await ola.wait_for_messages(seen[ola] + 1))[seen[ola] :]
    assert "zagraliście w 6 gier z Ola i Jan." in note.plain
    assert "zdjęci" not in note.plain  # Ola's family shared no photo: no photo sentence
    assert notes(quiet) == []  # (a quiet family may get a check-in, never a monthly note)
    assert notes(resting) == []  # played, but has paused since

    # Later ticks that day (and a restart's fresh ticker) send nobody a second note.
    env.clock.advance(timedelta(hours=2))
    await Ticker().tick(env.bot, env.services, everything=True)
    assert len(notes(amara)) == 1 and len(notes(ola)) == 1


def test_polish_plural_forms_of_the_note(tmp_path: Path) -> None:
    from bot.monthly import monthly_text

    t = polish_catalogs(tmp_path).for_locale("pl")
    assert "w 1 grę z Ola." in monthly_text(t, 1, ["Ola"], 1)
    assert "1 zdjęcie." in monthly_text(t, 1, ["Ola"], 1)
    assert "w 3 gry" in monthly_text(t, 3, ["Ola"], 4) and "4 zdjęcia." in monthly_text(
        t, 3, ["Ola"], 4
    )
    assert "w 5 gier" in monthly_text(t, 5, ["Ola"], 5) and "5 zdjęć." in monthly_text(
        t, 5, ["Ola"], 5
    )
