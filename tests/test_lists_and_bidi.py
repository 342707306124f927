"""Lists of names read the way each language lists them; other-direction names are isolated."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

import pytest

from bot import i18n
from bot.alerts import alert_body
from bot.content import Library, load_library
from bot.i18n import Catalogs
from bot.messages import render_activity
from bot.store import Child
from tests.conftest import BotEnv
from tests.journey import enrol

FSI, PDI = "\u2068", "\u2069"  # first-strong isolate ... pop directional isolate


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs()


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


def _children(*names: str | None) -> list[Child]:
    return [Child(i, 1, name, "2024-01") for i, name in enumerate(names, start=1)]


def test_join_lists_names_as_each_language_does(catalogs: Catalogs) -> None:
    names = ["Amy", "Ben", "Cal"]
    assert catalogs.for_locale("en").join(names) == "Amy, Ben and Cal"
    assert catalogs.for_locale("pl").join(names) == "Amy, Ben i Cal"
    assert catalogs.for_locale("pl").join(names[:2]) == "Amy i Ben"
    assert catalogs.for_locale("ar").join(["يوسف", "ليلى", "عمر"]) == "يوسف وليلى وعمر"
    assert catalogs.for_locale("en").join([]) == ""


def test_names_in_the_other_direction_are_isolated(catalogs: Catalogs) -> None:
    # Without the isolates an English reader sees "ليلى ,يوسف": the list backwards.
    en, ar = catalogs.for_locale("en"), catalogs.for_locale("ar")
    assert en.join(["يوسف", "Amy"]) == f"{FSI}يوسف{PDI} and Amy"
    assert ar.join(["Amy", "يوسف"]) == f"{FSI}Amy{PDI} ويوسف"
    # A stray closing mark cannot end the isolate early; an override stays inside it.
    assert i18n.isolate("a\u2069b") == f"{FSI}ab{PDI}"
    assert i18n.isolate("\u202eevil") == f"{FSI}\u202eevil{PDI}"
    assert i18n.isolate(f"{FSI}x") == f"{FSI}{FSI}x{PDI}{PDI}"


def test_an_activity_lists_what_you_need_in_polish_and_arabic(
    catalogs: Catalogs, library: Library
) -> None:
    activity = next(a for a in library.activities if a.id == "cll-helper-jobs")
    assert len(activity.resources) == 3
    pl, ar = catalogs.for_locale("pl"), catalogs.for_locale("ar")
    one, two, three = (escape(pl.content(r)) for r in activity.resources)
    assert f":</b> {one}, {two} i {three}\n" in render_activity(pl, activity, "Ola", "activity")
    one, two, three = (escape(ar.content(r)) for r in activity.resources)
    assert f":</b> {one} و{two} و{three}\n" in render_activity(ar, activity, "ليلى", "activity")


def test_an_arabic_name_for_an_english_parent_is_isolated(
    catalogs: Catalogs, library: Library
) -> None:
    activity = library.activities[0]
    text = render_activity(catalogs.for_locale("en"), activity, "ليلى", "activity")
    assert f"A play idea for {FSI}ليلى{PDI} this week" in text


def test_a_safeguarding_alert_lists_the_children_in_the_leads_language(
    catalogs: Catalogs,
) -> None:
    when = datetime(2026, 11, 23, 10, tzinfo=UTC)

    def names_line(code: str, children: list[Child]) -> str:
        body = alert_body(
            catalogs.for_locale(code),
            family_id=7,
            locale="ar",
            children=children,
            when=when,
            text="words",
            matched="words",
        )
        return body.split("\n")[1]

    assert names_line("pl", _children("Ala", "Ola")).endswith(" · Ala i Ola · ar")
    assert names_line("en", _children("يوسف", "ليلى", "<b>")).endswith(
        f" · {FSI}يوسف{PDI}, {FSI}ليلى{PDI} and &lt;b&gt; · ar"
    )
    assert names_line("ar", _children("يوسف", "ليلى")).endswith(" · يوسف وليلى · ar")


async def test_the_summary_after_sign_up_lists_the_children_as_polish_does(env: BotEnv) -> None:
    parent = env.sandbox.user(7601, language_code="pl")
    await enrol(env, parent, "pl", names=("Ola", "Jan"))
    summary = parent.messages()[-1].plain
    assert "Ola i Jan" in summary and "Ola, Jan" not in summary
