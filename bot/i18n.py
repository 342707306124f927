"""Translations for UI strings and activity texts, one translator per locale.

Catalogs are the PO files in locales/; they are compiled in memory at start-up
(no separate compile step an operator could forget). Jobs send to many
languages at once, so a locale is always passed explicitly: ``for_locale(code)``.
"""

from __future__ import annotations

import functools
import gettext
import io
import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.content import shipped_dir

log = logging.getLogger(__name__)

SOURCE_LOCALE = "en"
# Lambeth's commonest home languages, plus English; the order is the menu order.
LOCALES: tuple[str, ...] = ("en", "pt", "es", "so", "yo", "fr", "tw", "pl", "ar")
DOMAINS = ("bot", "content")
# Telegram codes (and Babel's) that mean one of ours.
_ALIASES = {"ak": "tw", "twi": "tw", "nb": "en"}
_BABEL_LOCALE = {"tw": "ak", "en": "en_GB"}
# Babel's CLDR name for Twi is "Akan"; families know the language as Twi.
_OWN_NAMES = {"tw": "Twi (Akan)", "en": "English"}
# Unicode's first-strong isolate and its closing mark (UAX #9).
FSI, PDI = "\u2068", "\u2069"
ISOLATE_OPENERS = frozenset({"\u2066", "\u2067", FSI})  # LRI, RLI, FSI
_RTL_CLASSES = frozenset({"R", "AL"})
_CONTROL_CLASSES = frozenset({"LRE", "LRO", "RLE", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})


def locales_dir() -> Path:
    """The catalogs this install reads: packaged in a wheel, the checkout's otherwise."""
    return shipped_dir("locales")


class CatalogError(Exception):
    """A declared locale has no catalog: start-up must stop and say which."""


def negotiate(language_code: str | None) -> str:
    """Nearest supported locale for Telegram's ``language_code`` ("pt-br" -> "pt")."""
    if not language_code:
        return SOURCE_LOCALE
    base = language_code.replace("_", "-").split("-")[0].lower()
    base = _ALIASES.get(base, base)
    return base if base in LOCALES else SOURCE_LOCALE


@functools.cache
def babel_locale(code: str) -> Locale:
    """Babel's Locale for one of ours, parsed once: Locale.parse is not cached, and
    every isolated name in every activity message asks for the locale's direction
    (about 40 us of the 100 us an activity message took to render)."""
    return Locale.parse(_BABEL_LOCALE.get(code, code))


def language_name(code: str) -> str:
    """The language's name in its own script, as a parent would recognise it."""
    if code in _OWN_NAMES:
        return _OWN_NAMES[code]
    name = babel_locale(code).display_name or code
    return name[:1].upper() + name[1:]


def isolate(text: str, rtl: bool = False) -> str:
    """``text`` in FSI…PDI when it could reorder the sentence around it.

    A name in the other direction from the sentence (an Arabic name or language name
    in English, a Latin one in Arabic) takes neighbouring commas and numbers with it:
    "العربية, 50%" shows as "50 ,العربية%". An isolate keeps it to itself. Names that
    cannot reorder anything stay as they are, so copied and searched text has no
    invisible marks. Direction controls inside are contained: embeddings and overrides
    end at the PDI, and isolates are balanced first (a stray PDI would end ours early).
    """
    opposite = {"L"} if rtl else _RTL_CLASSES
    if not any(unicodedata.bidirectional(ch) in opposite | _CONTROL_CLASSES for ch in text):
        return text
    return FSI + balance_isolates(text) + PDI


def balance_isolates(text: str) -> str:
    """Drop closing marks that close nothing and close what is left open."""
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch in ISOLATE_OPENERS:
            depth += 1
        elif ch == PDI:
            if depth == 0:
                continue
            depth -= 1
        out.append(ch)
    return "".join(out) + PDI * depth


@dataclass
class Translator:
    """gettext, plural forms and locale-aware dates for one locale."""

    code: str
    _bot: gettext.GNUTranslations | gettext.NullTranslations
    _content: gettext.GNUTranslations | gettext.NullTranslations
    _known: dict[str, frozenset[str]]
    missing: set[tuple[str, str]] = field(default_factory=set)

    def _note_missing(self, domain: str, msgid: str) -> None:
        key = (domain, msgid)
        if (
            self.code != SOURCE_LOCALE
            and msgid not in self._known[domain]
            and key not in self.missing
        ):
            self.missing.add(key)
            log.debug("no %s translation in %s for a message; English used", domain, self.code)

    def gettext(self, message: str) -> str:
        self._note_missing("bot", message)
        return self._bot.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        self._note_missing("bot", singular)
        return self._bot.ngettext(singular, plural, n)

    def content(self, message: str) -> str:
        """An activity text in this locale (English when not yet translated)."""
        if not message:
            return message
        self._note_missing("content", message)
        return self._content.gettext(message)

    @property
    def locale(self) -> Locale:
        return babel_locale(self.code)

    @property
    def rtl(self) -> bool:
        return self.locale.character_order == "right-to-left"

    def date(self, when: date, fmt: str = "full") -> str:
        return format_date(when, format=fmt, locale=self.locale)

    def time(self, when: time | datetime, fmt: str = "short") -> str:
        return format_time(when, format=fmt, locale=self.locale)

    def isolate(self, text: str) -> str:
        """A name or language name, kept from reordering this locale's sentence."""
        return isolate(text, self.rtl)

    def join(self, items: Iterable[str]) -> str:
        """Items as this locale lists them ("A, B and C", "A وB وC", "A, B i C").

        Each item is isolated: the separators are neutral characters, so between two
        right-to-left names in an English sentence they would be pulled into the names'
        run and the list would read backwards. Empty gives "".
        """
        listed = [self.isolate(item) for item in items]
        return format_list(listed, style="standard", locale=self.locale) if listed else ""

    def weekday(self, index: int) -> str:
        """Monday is 0, as in ``date.weekday()``."""
        name = str(self.locale.days["format"]["wide"][index])
        return name[:1].upper() + name[1:]


def _compile(po_path: Path, code: str) -> tuple[gettext.GNUTranslations, frozenset[str]]:
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=_BABEL_LOCALE.get(code, code))
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    translated = frozenset(
        str(m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalog
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    )
    return gettext.GNUTranslations(buffer), translated


class Catalogs:
    """Every catalog, loaded once; hands out translators."""

    def __init__(self, root: Path | None = None, locales: tuple[str, ...] = LOCALES) -> None:
        self.root = root or locales_dir()
        self._translators: dict[str, Translator] = {}
        for code in locales:
            compiled: dict[str, tuple[gettext.GNUTranslations, frozenset[str]]] = {}
            for domain in DOMAINS:
                po = self.root / code / "LC_MESSAGES" / f"{domain}.po"
                if not po.is_file():
                    raise CatalogError(f"locale {code!r} is declared but {po} is missing")
                compiled[domain] = _compile(po, code)
            self._translators[code] = Translator(
                code=code,
                _bot=compiled["bot"][0],
                _content=compiled["content"][0],
                _known={d: compiled[d][1] for d in DOMAINS},
            )

    def for_locale(self, code: str) -> Translator:
        return self._translators.get(code) or self._translators[SOURCE_LOCALE]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self._translators)
