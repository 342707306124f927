"""The join poster a setting prints for its entrance: a big QR code and one line per language.

The page is self-contained (inline SVG and CSS) so it prints the same from a
phone, a laptop or an offline office PC. Each language's line carries its own
``lang`` and ``dir`` so Arabic reads right to left beside the others.
"""

from __future__ import annotations

import io
from functools import lru_cache

import segno
from jinja2 import Environment, Template
from markupsafe import Markup

from bot.i18n import Catalogs

_POSTER = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ name }}</title>
<style>
  body { font-family: system-ui, "Segoe UI", "Noto Sans", "Noto Sans Arabic", sans-serif;
         text-align: center; color: #111; margin: 0; padding: 12mm; }
  h1 { font-size: 30pt; margin: 0 0 6mm; }
  .qr svg { width: 120mm; height: 120mm; }
  .link { font: 14pt ui-monospace, monospace; word-break: break-all; margin: 4mm 0 8mm; }
  ul { list-style: none; padding: 0; margin: 0; columns: 2; column-gap: 10mm; }
  li { font-size: 15pt; margin: 0 0 3mm; break-inside: avoid; }
  @page { size: A4; margin: 10mm; }
  @media print { body { padding: 0; } }
</style>
</head>
<body>
  <h1 dir="auto">{{ name }}</h1>
  <div class="qr">{{ qr }}</div>
  <p class="link">{{ link }}</p>
  <ul>
  {% for code, line, rtl in texts %}
    <li lang="{{ code }}" dir="{{ 'rtl' if rtl else 'ltr' }}">{{ line }}</li>
  {% endfor %}
  </ul>
</body>
</html>
"""


@lru_cache(maxsize=1)
def _template() -> Template:
    return Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string(_POSTER)


def render_poster(setting_name: str, link: str, texts: list[tuple[str, str, bool]]) -> str:
    """``texts``: (locale code, "Scan for weekly play ideas" translated, right-to-left?)."""
    # The SVG holds only drawn modules, never the link's text, so it is safe to mark safe.
    # A viewBox (omitsize) lets the CSS size it for print instead of fixed pixels.
    svg = segno.make(link, error="m").svg_inline(scale=10, border=2, omitsize=True)
    return _template().render(name=setting_name, link=link, qr=Markup(svg), texts=texts)  # noqa: S704


def qr_png(link: str) -> bytes:
    """The same code as a PNG, to send as a photo in Telegram."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=10, border=2)
    return buffer.getvalue()


def poster_lines(catalogs: Catalogs) -> list[tuple[str, str, bool]]:
    lines: list[tuple[str, str, bool]] = []
    for code in catalogs.codes:
        t = catalogs.for_locale(code)
        lines.append((code, t.gettext("Scan for weekly play ideas"), t.rtl))
    return lines
