"""The join poster: a scannable code and the invitation in every language."""

from __future__ import annotations

from bot.i18n import Catalogs
from bot.poster import poster_lines, qr_png, render_poster
from tests.digest.sample import ARABIC_LINE

LINK = "https://t.me/playtalk_bot?start=SUN"


def test_poster_lines_come_from_every_catalog(catalogs: Catalogs) -> None:
    assert poster_lines(catalogs) == [
        ("en", "Scan for weekly play ideas", False),
        ("ar", ARABIC_LINE, True),
    ]


def test_poster_has_the_code_the_link_and_every_line(catalogs: Catalogs) -> None:
    page = render_poster("Sunflower <Nursery>", LINK, poster_lines(catalogs))
    assert "<svg" in page and "viewBox" in page
    assert f'<li lang="ar" dir="rtl">{ARABIC_LINE}</li>' in page
    assert '<li lang="en" dir="ltr">Scan for weekly play ideas</li>' in page
    assert "https://t.me/playtalk_bot?start=SUN" in page
    assert "Sunflower &lt;Nursery&gt;" in page
    assert "<Nursery>" not in page


def test_poster_escapes_translations() -> None:
    page = render_poster("S", LINK, [("xx", "<img src=x onerror=alert(1)>", False)])
    assert "<img" not in page


def test_qr_png() -> None:
    png = qr_png(LINK)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
