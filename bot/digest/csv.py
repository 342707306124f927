"""The week's replies as a CSV file a practitioner can open in a spreadsheet.

Parents' words go into cells, and a spreadsheet runs a cell starting with "=" (or
"+", "-", "@", tab, carriage return) as a formula; such cells get a leading
apostrophe, which spreadsheets show as plain text.
"""

from __future__ import annotations

import csv
import io

from bot.digest import text as tx
from bot.digest.model import Digest
from bot.i18n import Translator

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    # Some spreadsheets skip leading spaces before deciding a cell is a formula.
    return "'" + cell if cell.lstrip(" ").startswith(_FORMULA_START) else cell


def render_csv(digest: Digest, t: Translator) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows Arabic and accents correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            t.gettext("Time (local)"),
            t.gettext("Family ref"),
            t.gettext("Child"),
            t.gettext("Language"),
            t.gettext("Kind"),
            t.gettext("Activity"),
            t.gettext("Text"),
            t.gettext("File id"),
        ]
    )
    for e in digest.events:
        text = tx.tap_label(t, e.text) if e.kind == "tap" else (e.text or "")
        row = [
            e.at.strftime("%Y-%m-%d %H:%M"),
            e.family_ref,
            tx.who_plain(t, e.child),
            tx.language(e.locale),
            tx.kind_label(t, e.kind),
            e.activity or "",
            text,
            e.file_id or "",
        ]
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")
