"""`playtalk i18n extract|update`: Babel's extraction and merge, keeping review markers.

Babel rebuilds extracted (``#.``) comments from the template on update, which
would silently drop our ``#. machine-drafted`` markers; this keeps them, so a
reviewer can still find every entry no fluent speaker has checked.

Both commands rewrite the catalogs in the source tree (``locales/`` beside ``bot/``)
from the sources, so they work only from a checkout; an install from a wheel carries
a read-only copy of the catalogs and no sources to extract from.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from bot.i18n import LOCALES, babel_locale

DRAFT = "machine-drafted"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SOURCE_LOCALES = PROJECT_ROOT / "locales"
MAPPINGS = {"bot": "babel.cfg", "content": "babel-content.cfg"}


def extract(domain: str, root: Path = PROJECT_ROOT) -> Catalog:
    """A fresh template of every translatable string in the sources for ``domain``."""
    with (root / MAPPINGS[domain]).open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)  # type: ignore[no-untyped-call]
    catalog = Catalog(project="playtalk", version="0.1.0", domain=domain, fuzzy=False)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    for _filename, _lineno, message, comments, context in extract_from_dir(
        root, method_map, options_map, keywords=keywords
    ):
        catalog.add(message, None, [], auto_comments=comments, context=context)
    return catalog


def write_catalog(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=0, sort_output=False, omit_header=False)


def update(domain: str, template: Catalog, folder: Path | None = None) -> dict[str, int]:
    """Merge the template into every locale's catalog; returns untranslated counts."""
    folder = folder or SOURCE_LOCALES
    untranslated: dict[str, int] = {}
    for code in LOCALES:
        path = folder / code / "LC_MESSAGES" / f"{domain}.po"
        if path.is_file():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=str(babel_locale(code)))
        else:
            catalog = Catalog(locale=str(babel_locale(code)), domain=domain, project="playtalk")
        drafted = {m.id for m in catalog if m.id and DRAFT in m.auto_comments}
        catalog.update(template, no_fuzzy_matching=True)
        for message in catalog:
            if message.id in drafted and DRAFT not in message.auto_comments:
                message.auto_comments.append(DRAFT)
        catalog.obsolete.clear()
        write_catalog(catalog, path)
        untranslated[code] = sum(
            1
            for m in catalog
            if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
        )
    return untranslated


def from_checkout(root: Path = PROJECT_ROOT) -> bool:
    """True when ``root`` is a source tree: the Babel mappings and locales/ are there."""
    return all((root / cfg).is_file() for cfg in MAPPINGS.values()) and (root / "locales").is_dir()


def run(action: str) -> int:
    if not from_checkout():
        print(
            f"playtalk: error: 'playtalk i18n {action}' rewrites the catalogs in a source "
            "checkout, and this playtalk was installed from a wheel. Run it in a clone "
            "of the project (pip install -e .).",
            file=sys.stderr,
        )
        return 2
    for domain in MAPPINGS:
        template = extract(domain)
        write_catalog(template, SOURCE_LOCALES / f"{domain}.pot")
        print(f"{domain}.pot: {sum(1 for m in template if m.id)} messages")
        if action == "update":
            missing = update(domain, template)
            print(
                "  untranslated: " + ", ".join(f"{c} {n}" for c, n in missing.items() if c != "en")
            )
    return 0
