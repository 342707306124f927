"""`playtalk content check`: the library and its translations, checked and measured."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.config import ConfigError, load_config
from bot.content import AREAS, MAX_AGE_MONTHS, Library, read_library
from bot.i18n import DOMAINS, LOCALES, SOURCE_LOCALE, Catalogs, locales_dir
from bot.messages import render_activity
from bot.store import StoreError, open_store

MIN_FITTING = 52
LONGEST_NAME = "Maximiliana-Josephine Oluwaseun-Adebayo"[:40]
ENGLISH_LIMIT = 700
TELEGRAM_LIMIT = 4096
_TAG = re.compile(r"<[^>]+>")
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def plain_length(html: str) -> int:
    return len(unescape(_TAG.sub("", html)))


@dataclass
class Coverage:
    translated: int = 0
    drafted: int = 0
    missing: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)


def catalog_coverage(catalog: Catalog, template: Catalog) -> Coverage:
    cov = Coverage()
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id)
        strings = (
            ()
            if found is None
            else found.string
            if isinstance(found.string, tuple)
            else (found.string,)
        )
        if found is None or found.fuzzy or not strings or not all(strings):
            cov.missing.append(str(message.id if isinstance(message.id, str) else message.id[0]))
            continue
        cov.translated += 1
        if any("machine-drafted" in c for c in found.auto_comments + found.user_comments):
            cov.drafted += 1
        source = str(message.id if isinstance(message.id, str) else message.id[0])
        wanted = set(_PLACEHOLDER.findall(source))
        if any(set(_PLACEHOLDER.findall(str(s))) != wanted for s in strings):
            cov.broken.append(source)
    return cov


def age_table(library: Library) -> tuple[list[str], list[str]]:
    lines = ["age (months)  " + "  ".join(f"{a:>5}" for a in AREAS) + "  total"]
    problems: list[str] = []
    for month in range(MAX_AGE_MONTHS + 1):
        per_area = [len(library.fitting(month, area)) for area in AREAS]
        total = sum(per_area)
        lines.append(f"{month:>12}  " + "  ".join(f"{n:>5}" for n in per_area) + f"  {total:>5}")
        if total < MIN_FITTING:
            problems.append(
                f"age {month} months: only {total} fitting activities (need {MIN_FITTING})"
            )
    return lines, problems


def length_problems(library: Library, catalogs: Catalogs) -> tuple[dict[str, int], list[str]]:
    longest: dict[str, int] = {}
    problems: list[str] = []
    for code in catalogs.codes:
        t = catalogs.for_locale(code)
        for activity in library.activities:
            for kind in ("activity", "why", "grow", "single"):
                html = render_activity(t, activity, LONGEST_NAME, kind)
                size = plain_length(html)
                longest[code] = max(longest.get(code, 0), size)
                if size > TELEGRAM_LIMIT or len(html) > TELEGRAM_LIMIT:
                    problems.append(
                        f"{activity.id} ({code}, {kind}): {size} characters, over Telegram's limit"
                    )
                if code == SOURCE_LOCALE and kind == "activity" and size > ENGLISH_LIMIT:
                    problems.append(
                        f"{activity.id}: {size} characters in English, over {ENGLISH_LIMIT}"
                    )
    return longest, problems


def print_recordings(library: Library) -> None:
    """Per locale, how many activities a setting has recorded in it (from the configured
    database, when there is one; the content check never fails on it)."""
    try:
        db = load_config().db_path
    except ConfigError as exc:
        print(f"\nRecordings: not counted ({exc})")
        return
    if isinstance(db, Path) and not db.is_file():
        print(f"\nRecordings: no database at {db}, so none counted")
        return
    try:
        counts = asyncio.run(_recording_counts(db))
    except StoreError as exc:
        print(f"\nRecordings: not counted ({exc})")
        return
    total = len(library.activities)
    print("\nActivities with a recording (any setting), per locale:")
    print("  " + "  ".join(f"{code} {counts.get(code, 0)}/{total}" for code in LOCALES))


async def _recording_counts(db: Path | str) -> dict[str, int]:
    store = await open_store(db)
    try:
        return await store.recording_counts()
    finally:
        await store.close()


def run_check(root: Path | None = None) -> int:
    library, problems = read_library()
    print(
        f"Activities: {len(library.activities)} "
        f"({', '.join(f'{a} {sum(1 for x in library.activities if x.area == a)}' for a in AREAS)})"
    )
    lines, coverage_problems = age_table(library)
    print("\nFitting activities per age month and area:")
    print("\n".join(lines))
    problems += coverage_problems

    folder = root or locales_dir()
    print("\nTranslations (translated / machine-drafted / missing):")
    for domain in DOMAINS:
        template_path = folder / f"{domain}.pot"
        if not template_path.is_file():
            problems.append(f"{template_path} is missing")
            continue
        with template_path.open("rb") as fh:
            template = read_po(fh)
        total = sum(1 for m in template if m.id)
        for code in LOCALES:
            if code == SOURCE_LOCALE:
                continue
            po = folder / code / "LC_MESSAGES" / f"{domain}.po"
            if not po.is_file():
                problems.append(f"{po} is missing")
                continue
            with po.open("rb") as fh:
                cov = catalog_coverage(read_po(fh), template)
            print(
                f"  {domain:<8} {code:<3} {cov.translated:>5} / {cov.drafted:>5} / {len(cov.missing):>4}  of {total}"
            )
            for msgid in cov.missing[:5]:
                problems.append(f"{domain} {code}: not translated: {msgid[:70]!r}")
            if len(cov.missing) > 5:
                problems.append(
                    f"{domain} {code}: ... and {len(cov.missing) - 5} more not translated"
                )
            for msgid in cov.broken:
                problems.append(f"{domain} {code}: placeholders differ in: {msgid[:70]!r}")
    try:
        catalogs = Catalogs(folder)
    except Exception as exc:
        problems.append(f"catalogs do not load: {exc}")
    else:
        longest, size_problems = length_problems(library, catalogs)
        problems += size_problems
        print("\nLongest rendered message (characters, with a 40-letter name):")
        print("  " + "  ".join(f"{code} {n}" for code, n in longest.items()))
    print_recordings(library)
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("\nContent check passed.")
    return 0
