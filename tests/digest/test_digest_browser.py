"""The printable digest as a browser shows it: headless Chromium renders it to a PNG."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image  # matplotlib depends on Pillow

from bot.digest.html import render_html

CHROMIUM = (
    shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
)


@pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed here (.ci/run installs Debian's chromium)"
)
def test_digest_html_renders_to_a_non_blank_page(tmp_path: Path, digest, t) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "digest.html"
    page.write_text(render_html(digest, t, "Sunflower Nursery"), encoding="utf-8")
    shot = tmp_path / "digest.png"
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=900,1400",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=90,
    )
    image = Image.open(shot).convert("RGB")
    assert image.size == (900, 1400)
    # A blank page is one colour; a rendered digest has text, a chart and tables.
    colours = image.getcolors(maxcolors=900 * 1400) or []
    ink = sum(count for count, rgb in colours if sum(rgb) < 384)
    assert len(colours) > 20, "the page rendered as (almost) one colour"
    assert ink > 0.01 * 900 * 1400, f"hardly any text or chart on the page ({ink} dark pixels)"
