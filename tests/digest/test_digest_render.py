"""The renderers: Telegram's limits, escaping, formula injection, the chart."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.digest import compute
from bot.digest.chart import render_chart
from bot.digest.csv import neutralise, render_csv
from bot.digest.html import render_html
from bot.digest.model import Digest, EventLine, Quote, Rate
from bot.digest.telegram import LIMIT, pack, render_album, render_messages
from bot.i18n import Translator
from bot.store.reports import DigestData, WeekCount
from tests.digest.sample import SCRIPT_TEXT

PNG = b"\x89PNG\r\n\x1a\n"
_TAG = re.compile(r"<(/?)([a-z-]+)[^>]*>")
_ALLOWED = {"b", "i", "u", "a", "code", "pre", "blockquote"}


def assert_well_formed(chunk: str) -> None:
    assert 0 < len(chunk) <= LIMIT
    stack: list[str] = []
    for closing, name in _TAG.findall(chunk):
        assert name in _ALLOWED, name
        if closing:
            assert stack and stack.pop() == name, chunk
        else:
            stack.append(name)
    assert not stack
    try:
        from bot.sandbox.html_parser import parse_html
    except ImportError:  # the sandbox is optional for this check
        return
    parse_html(chunk)  # raises as Telegram would on a malformed message


def test_telegram_digest(digest: Digest, t: Translator) -> None:
    messages = render_messages(digest, t, "Sunflower <Nursery> & Co")
    for chunk in messages:
        assert_well_formed(chunk)
    text = "\n".join(messages)
    assert "Sunflower &lt;Nursery&gt; &amp; Co" in text
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "PH2" not in text
    assert "Jan · Polski · quiet for 27 days, no reply since joining" in text
    assert "Response rate: 67% (4 of 6), +16.7 points on last week" in text


def test_telegram_chunks_with_a_huge_number_of_quotes(digest: Digest, t: Translator) -> None:
    nasty = '<b>&amp;</b> "quoted" \' = ' + "مرحبا " * 20
    quotes = tuple(
        Quote(f"{i} {nasty}"[:200], f"Child<{i}>", "Talk & play", "ar", datetime.now(UTC))
        for i in range(1500)
    )
    big = replace(digest, highlights=replace(digest.highlights, quotes=quotes))
    messages = render_messages(big, t, "Sunflower")
    assert len(messages) > 10
    for chunk in messages:
        assert_well_formed(chunk)
    joined = "\n".join(messages)
    assert joined.count("<blockquote>") == 1500  # every quote whole, none dropped
    assert "<b>&amp;</b>" not in joined
    assert "Child&lt;1499&gt;" in joined


def test_pack_cuts_an_oversized_unit_as_plain_text() -> None:
    units = ["<b>title</b>", "<i>" + "x<&>" * 3000 + "</i>", "tail"]
    chunks = pack(units)
    for chunk in chunks:
        assert len(chunk) <= LIMIT
        assert_well_formed(chunk)
    assert chunks[0].startswith("<b>title</b>")
    assert chunks[-1].endswith("tail")


def test_album_has_only_shared_photos(digest: Digest, t: Translator) -> None:
    assert render_album(digest, t) == [("PH1", "Amira · <i>Talk together</i>")]


def test_html_escapes_parents_words(digest: Digest, t: Translator) -> None:
    page = render_html(digest, t, "Sunflower <b>Nursery</b>", chart_png=PNG)
    assert SCRIPT_TEXT not in page
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Sunflower &lt;b&gt;Nursery&lt;/b&gt;" in page
    assert '<blockquote dir="auto" lang="ar">' in page
    assert 'src="data:image/png;base64,iVBORw0KGgo' in page
    assert "PH2" not in page
    assert "http://" not in page and "https://" not in page  # nothing fetched


def test_html_draws_its_own_chart(digest: Digest, t: Translator) -> None:
    assert "data:image/png;base64," in render_html(digest, t, "Sunflower")


def test_chart_is_a_png(digest: Digest, t: Translator) -> None:
    png = render_chart(digest, t)
    assert png.startswith(PNG)
    assert len(png) > 1000


def test_csv_lists_the_week(digest: Digest, t: Translator) -> None:
    raw = render_csv(digest, t)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Time (local)", "Family ref", "Child", "Language", "Kind", "Activity",
                       "Text", "File id"]  # fmt: skip
    assert rows[1] == ["2025-03-04 18:00", "F1", "Amira", "English", "Words", "Talk together",
                       "We sang it twice!", ""]  # fmt: skip
    assert rows[2][4:7] == ["Button", "Talk together", "Too hard"]
    assert [r[7] for r in rows[1:]] == ["", "", "PH1", "", "", "VO1", ""]
    assert len(rows) == 8


@pytest.mark.parametrize("text", ['=HYPERLINK("x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_neutralises_formulas(digest: Digest, t: Translator, text: str) -> None:
    line = EventLine(datetime(2025, 3, 4, tzinfo=UTC), "F1", text, "en", "text", None, text, None)
    raw = render_csv(replace(digest, events=(line,)), t).decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(raw)))[1]
    assert row[2] == "'" + text
    assert row[6] == "'" + text
    assert neutralise("  =1") == "'  =1"
    assert neutralise("fine = ok") == "fine = ok"


def test_arabic_practitioner_gets_a_right_to_left_page(digest: Digest, catalogs: Any) -> None:
    page = render_html(digest, catalogs.for_locale("ar"), "Sunflower", chart_png=PNG)
    assert '<html lang="ar" dir="rtl">' in page


def test_a_setting_with_nothing_yet_still_renders(t: Translator) -> None:
    start, end = datetime(2025, 3, 3, tzinfo=UTC), datetime(2025, 3, 10, tzinfo=UTC)
    weeks = tuple(WeekCount(date(2025, 3, 3), "2025-W10", 0, 0, 0) for _ in range(12))
    data = DigestData(1, "New", "Europe/London", start, end, (), (), (), weeks)
    empty = compute(data, start, end, lambda a: None, lambda a: a)
    assert empty.headline.response == Rate(0, 0)
    assert empty.headline.change_points is None
    messages = render_messages(empty, t, "New")
    for chunk in messages:
        assert_well_formed(chunk)
    assert "Response rate: no activities sent" in messages[0]
    assert render_chart(empty, t).startswith(PNG)
    assert "<html" in render_html(empty, t, "New")
    assert render_csv(empty, t).decode("utf-8-sig").count("\r\n") == 1
