"""The activity library: validation, coverage, extraction round trip, rendering."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from bot.catalog_tools import extract
from bot.content import AREAS, load_library, parse_activity, read_library
from bot.content_check import LONGEST_NAME, age_table, plain_length
from bot.i18n import Catalogs
from bot.messages import render_activity

LIBRARY = load_library()

GOOD = {
    "id": "cll-test-hello",
    "area": "cll",
    "ages_months": [6, 30],
    "resources": ["a sock"],
    "title": "Sock hello",
    "do": "Put a sock on your hand. Say hello to {child}.",
    "say": ["Hello!", "What's your name?"],
    "why": "Puppets make talking feel safe.",
    "grow": "Let {child} wear the sock.",
}


def test_library_size_and_coverage() -> None:
    assert len(LIBRARY.activities) >= 150
    per_area = {a: sum(1 for x in LIBRARY.activities if x.area == a) for a in AREAS}
    assert all(45 <= n <= 60 for n in per_area.values()), per_area
    _lines, problems = age_table(LIBRARY)
    assert problems == []
    assert min(len(LIBRARY.fitting(m)) for m in range(61)) >= 52


def test_validation_names_each_problem() -> None:
    ok, problems = parse_activity(GOOD, "cll/cll-test-hello.yaml")
    assert ok is not None and problems == []
    bad = {
        **GOOD,
        "area": "art",
        "ages_months": [30, 6],
        "say": ["one"],
        "do": "One sentence only.",
        "grow": "Hi {name}",
    }
    activity, problems = parse_activity(bad, "cll/cll-test-hello.yaml")
    assert activity is None
    text = "\n".join(problems)
    for expected in (
        "area 'art'",
        "ages_months",
        "say must hold 2 or 3",
        "do has 1 sentences",
        "unknown placeholder {name}",
    ):
        assert expected in text


def test_duplicate_ids_and_bad_yaml_are_reported(tmp_path: Path) -> None:
    folder = tmp_path / "activities" / "cll"
    folder.mkdir(parents=True)
    (folder / "cll-test-hello.yaml").write_text(yaml.safe_dump(GOOD))
    (folder / "cll-broken.yaml").write_text("id: [unclosed")
    library, problems = read_library(tmp_path)
    assert [a.id for a in library.activities] == ["cll-test-hello"]
    assert any("not valid YAML" in p for p in problems)


def test_templates_are_up_to_date_with_the_sources() -> None:
    """A string added to code or content without `playtalk i18n update` fails here."""
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent / "locales"
    for domain in ("bot", "content"):
        with (root / f"{domain}.pot").open("rb") as fh:
            stored = {m.id for m in read_po(fh) if m.id}
        fresh = {m.id for m in extract(domain) if m.id}
        assert fresh == stored, (
            f"run `playtalk i18n update`: {sorted(map(str, fresh ^ stored))[:5]}"
        )


def test_yaml_to_pot_to_po_to_message_round_trip(tmp_path: Path) -> None:
    """The extractor feeds translators; their PO file comes back as the parent's message."""
    content = tmp_path / "content" / "activities" / "cll"
    content.mkdir(parents=True)
    (content / "cll-test-hello.yaml").write_text(yaml.safe_dump(GOOD))
    (tmp_path / "babel-content.cfg").write_text("[playtalk_yaml: content/activities/**.yaml]\n")
    (tmp_path / "babel.cfg").write_text("[python: nothing/**.py]\n")
    template = extract("content", tmp_path)
    ids = [m.id for m in template if m.id]
    assert "Put a sock on your hand. Say hello to {child}." in ids and "Hello!" in ids
    assert any("cll-test-hello do" in c for m in template for c in m.auto_comments)
    somali = {
        "Sock hello": "Salaan sharaabaad",
        "Put a sock on your hand. Say hello to {child}.": "Sharaabad gacanta geli. {child} salaan.",
        "Hello!": "Salaan!",
    }
    arabic = {"Sock hello": "مرحبا يا جورب", "Hello!": "مرحبا!"}
    for code, strings in (("so", somali), ("ar", arabic), ("en", {})):
        for domain in ("bot", "content"):
            catalog = Catalog(locale={"tw": "ak"}.get(code, code), domain=domain)
            if domain == "content":
                for msgid, msgstr in strings.items():
                    catalog.add(msgid, msgstr)
            path = tmp_path / "locales" / code / "LC_MESSAGES" / f"{domain}.po"
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as fh:
                write_po(fh, catalog)
    catalogs = Catalogs(tmp_path / "locales", locales=("en", "so", "ar"))
    activity, _ = parse_activity(GOOD, "cll-test-hello.yaml")
    assert activity is not None
    so_text = render_activity(catalogs.for_locale("so"), activity, "Hodan", "activity")
    assert "Salaan sharaabaad" in so_text and "Sharaabad gacanta geli. Hodan salaan." in so_text
    ar = catalogs.for_locale("ar")
    ar_text = render_activity(ar, activity, "Amir", "activity")
    assert "مرحبا يا جورب" in ar_text and ar.rtl
    # Untranslated lines fall back to English and are reported.
    assert "What's your name?" in unescape(ar_text)
    assert ("content", "What's your name?") in ar.missing


def test_every_rendered_message_fits_telegram_and_escapes_the_name() -> None:
    catalogs = Catalogs()
    for code in catalogs.codes:
        t = catalogs.for_locale(code)
        for activity in LIBRARY.activities[:: max(1, len(LIBRARY.activities) // 20)]:
            html = render_activity(t, activity, LONGEST_NAME, "activity")
            assert plain_length(html) < 4096
    risky = render_activity(catalogs.for_locale("en"), LIBRARY.activities[0], "<b>&Amy", "activity")
    assert "<b>&Amy" not in risky and "&lt;b&gt;&amp;Amy" in risky
