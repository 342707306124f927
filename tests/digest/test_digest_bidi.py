"""Right-to-left names in the digest keep the sentence around them in order; lists per locale."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

from bot.digest.csv import render_csv
from bot.digest.html import render_html
from bot.digest.model import Digest, EquityRow, QuietFamily, Rate
from bot.digest.telegram import render_messages
from bot.i18n import Catalogs, Translator

FSI, PDI = "\u2068", "\u2069"  # first-strong isolate ... pop directional isolate
ARABIC = "العربية"


def _lines(digest: Digest, t: Translator, setting: str = "Sunflower") -> list[str]:
    return "\n".join(render_messages(digest, t, setting)).split("\n")


def _lowest_arabic(digest: Digest) -> Digest:
    return replace(
        digest, evidence=replace(digest.evidence, lowest_language=EquityRow("ar", Rate(1, 2)))
    )


def test_the_arabic_language_line_keeps_its_figures_in_order(digest: Digest, t: Translator) -> None:
    # Unisolated, "العربية: 50% (1 of 2)" shows as "50 :العربية% (1 of 2)".
    lines = _lines(_lowest_arabic(digest), t)
    assert f"• {FSI}{ARABIC}{PDI}: 50% (1 of 2)" in lines
    assert f"Lowest response by language: {FSI}{ARABIC}{PDI}, 50% (1 of 2)." in lines
    assert f"• Omar · {FSI}{ARABIC}{PDI} · quiet for 21 days" in lines
    assert "• Polski: 0% (0 of 1)" in lines  # same direction as the sentence: left alone


def test_arabic_children_and_setting_names_are_isolated(digest: Digest, t: Translator) -> None:
    quiet = QuietFamily(3, ("يوسف", "ليلى"), "ar", 30, False)
    lines = _lines(replace(digest, reach_out=(quiet,)), t, "روضة <النخيل>")
    assert f"📋 <b>Weekly digest · {FSI}روضة &lt;النخيل&gt;{PDI}</b>" in lines
    assert f"• {FSI}يوسف{PDI} and {FSI}ليلى{PDI} · {FSI}{ARABIC}{PDI} · quiet for 30 days" in lines


def test_an_arabic_practitioner_reads_latin_names_isolated_and_joined_with_waw(
    digest: Digest, catalogs: Catalogs
) -> None:
    quiet = QuietFamily(3, ("Amy", "Ben"), "en", 30, False)
    lines = _lines(replace(digest, reach_out=(quiet,)), catalogs.for_locale("ar"))
    assert f"• {FSI}Amy{PDI} و{FSI}Ben{PDI} · {FSI}English{PDI} · quiet for 30 days" in lines


def test_polish_digest_lists_children_with_i(digest: Digest) -> None:
    pl = Catalogs(locales=("en", "pl")).for_locale("pl")
    quiet = QuietFamily(3, ("Ala", "Ola", "Jan"), "pl", 30, False)
    text = "\n".join(render_messages(replace(digest, reach_out=(quiet,)), pl, "Sunflower"))
    assert "• Ala, Ola i Jan · Polski · " in text


def test_the_printable_digest_isolates_names_with_bdi(digest: Digest, t: Translator) -> None:
    quiet = QuietFamily(3, ("يوسف", "ليلى"), "ar", 30, False)
    page = render_html(
        replace(_lowest_arabic(digest), reach_out=(quiet,)), t, "روضة <b>", chart_png=b""
    )
    assert f"<li>Lowest response by language: <bdi>{ARABIC}</bdi>, 50% (1 of 2).</li>" in page
    assert "<h1>Weekly digest · <bdi>روضة &lt;b&gt;</bdi></h1>" in page
    assert "<td><bdi><bdi>يوسف</bdi> and <bdi>ليلى</bdi></bdi></td>" in page
    assert FSI not in page.split("<body>")[1] and PDI not in page.split("<body>")[1]
    # The spreadsheet takes names as they are: no invisible marks to trip a filter.
    rows = list(csv.reader(io.StringIO(render_csv(digest, t).decode("utf-8-sig"))))
    assert ARABIC in {row[3] for row in rows} and not any(FSI in c for r in rows for c in r)


def test_a_reply_naming_no_child_lists_the_familys_children_in_the_readers_language(
    digest: Digest,
) -> None:
    from datetime import UTC, datetime

    from bot.digest.compute import _child
    from bot.digest.model import Quote
    from bot.store.reports import EventRow, FamilyRow

    at = datetime(2026, 11, 25, 10, tzinfo=UTC)
    family = FamilyRow(7, "pl", "active", at, at, None, True, ("Ola", "Jan"))
    event = EventRow(1, 7, None, "text", None, "super", None, None, False, at, None)
    who = _child(event, {7: family})
    assert who == ("Ola", "Jan")
    quote = Quote("super", who, None, "pl", at, 1, 7)
    shown = replace(digest, highlights=replace(digest.highlights, quotes=(quote,)))
    pl = Catalogs(locales=("en", "pl")).for_locale("pl")
    en = Catalogs(locales=("en", "pl")).for_locale("en")
    assert "Ola i Jan" in "\n".join(render_messages(shown, pl, "Sunflower"))
    assert "Ola and Jan" in "\n".join(render_messages(shown, en, "Sunflower"))
    assert "Yusuf and Layla" in render_csv(digest, en).decode()  # the sample's own such reply
