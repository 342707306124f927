"""The activity library: load and validate content/activities/**.yaml once at start-up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

AREAS: tuple[str, ...] = ("psed", "cll", "maths")
MAX_AGE_MONTHS = 60
PLACEHOLDER = "{child}"
_BRACES = re.compile(r"\{[^}]*\}")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
REQUIRED = ("id", "area", "ages_months", "resources", "title", "do", "say", "why", "grow")
OPTIONAL = ("season", "home_language")

# Islamic festivals move about 11 days a year; the table covers the years
# playtalk will plausibly run before someone extends it (dates: UK observance).
_RAMADAN_EID = {
    2025: ((date(2025, 2, 28), date(2025, 4, 2)), (date(2025, 6, 4), date(2025, 6, 8))),
    2026: ((date(2026, 2, 17), date(2026, 3, 22)), (date(2026, 5, 25), date(2026, 5, 29))),
    2027: ((date(2027, 2, 7), date(2027, 3, 12)), (date(2027, 5, 14), date(2027, 5, 18))),
    2028: ((date(2028, 1, 27), date(2028, 3, 1)), (date(2028, 5, 3), date(2028, 5, 7))),
    2029: ((date(2029, 1, 15), date(2029, 2, 18)), (date(2029, 4, 22), date(2029, 4, 26))),
    2030: ((date(2030, 1, 5), date(2030, 2, 7)), (date(2030, 4, 11), date(2030, 4, 15))),
}
_SEASON_MONTHS = {
    "winter": {12, 1, 2},
    "spring": {3, 4, 5},
    "summer": {6, 7, 8},
    "autumn": {9, 10, 11},
    "rain": {10, 11, 12, 1, 2, 3, 4},
    "snow": {12, 1, 2},
    "christmas": {12},
    "new-year": {12, 1},
    "lunar-new-year": {1, 2},
    "diwali": {10, 11},
    "back-to-nursery": {9, 1},
}
SEASONS: tuple[str, ...] = (*_SEASON_MONTHS, "ramadan-eid")


def in_season(tag: str, on: date) -> bool:
    if tag == "ramadan-eid":
        spans = _RAMADAN_EID.get(on.year, ())
        return any(start <= on <= end for start, end in spans)
    return on.month in _SEASON_MONTHS.get(tag, set())


@dataclass(frozen=True, slots=True)
class Activity:
    id: str
    area: str
    min_months: int
    max_months: int
    resources: tuple[str, ...]
    title: str
    do: str
    say: tuple[str, ...]
    why: str
    grow: str
    season: tuple[str, ...] = ()
    home_language: bool = False

    def fits(self, age_months: int) -> bool:
        return self.min_months <= age_months <= self.max_months

    def texts(self) -> list[str]:
        """Every translatable string, in a stable order (used by the extractor)."""
        return [self.title, *self.resources, self.do, *self.say, self.why, self.grow]


class ContentError(Exception):
    """The library has problems; ``problems`` lists each with its file."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def shipped_dir(name: str) -> Path:
    """``content/`` or ``locales/``, wherever this install keeps them.

    A wheel carries both inside the package as ``bot/_data/<name>`` (pyproject.toml
    maps the top-level folders there), because nothing beside an installed package is
    ours. An editable install or a plain checkout has no ``_data``: the folders are at
    the top of the source tree. The packaged copy wins, so a stray ``content/`` or
    ``locales/`` left in site-packages by some other project is never read.
    """
    here = Path(__file__).resolve().parent
    packaged = here / "_data" / name
    return packaged if packaged.is_dir() else here.parent / name


def content_dir() -> Path:
    return shipped_dir("content")


def _clean(text: Any) -> str:
    return " ".join(str(text).split())


def parse_activity(data: Any, source: str) -> tuple[Activity | None, list[str]]:
    """Turn one YAML document into an Activity, or say what is wrong with it."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return None, [f"{source}: not a mapping"]
    for key in REQUIRED:
        if key not in data:
            problems.append(f"{source}: missing '{key}'")
    for key in data:
        if key not in REQUIRED and key not in OPTIONAL:
            problems.append(f"{source}: unknown key '{key}'")
    if problems:
        return None, problems
    area = str(data["area"])
    if area not in AREAS:
        problems.append(f"{source}: area '{area}' is not one of {', '.join(AREAS)}")
    ident = str(data["id"])
    if not re.fullmatch(r"[a-z]+-[a-z0-9-]+", ident) or not ident.startswith(f"{area}-"):
        problems.append(f"{source}: id '{ident}' must look like '{area}-short-name'")
    if Path(source).stem != ident:
        problems.append(f"{source}: id '{ident}' differs from the file name")
    ages = data["ages_months"]
    if (
        not isinstance(ages, list)
        or len(ages) != 2
        or not all(isinstance(a, int) for a in ages)
        or not 0 <= ages[0] <= ages[1] <= MAX_AGE_MONTHS
    ):
        problems.append(f"{source}: ages_months must be [min, max] within 0-{MAX_AGE_MONTHS}")
        ages = [0, 0]
    resources = data["resources"]
    if not isinstance(resources, list) or not 1 <= len(resources) <= 4:
        problems.append(f"{source}: resources must list 1 to 4 everyday things")
        resources = []
    say = data["say"]
    if not isinstance(say, list) or not 2 <= len(say) <= 3:
        problems.append(f"{source}: say must hold 2 or 3 lines")
        say = []
    title = _clean(data["title"])
    if not title or len(title) > 60:
        problems.append(f"{source}: title must be 1-60 characters")
    do = _clean(data["do"])
    sentences = len(_SENTENCE_END.findall(do))
    if not 2 <= sentences <= 4:
        problems.append(f"{source}: do has {sentences} sentences; write 2 to 4")
    season = data.get("season") or []
    if not isinstance(season, list) or any(tag not in SEASONS for tag in season):
        problems.append(f"{source}: season tags must come from: {', '.join(SEASONS)}")
        season = []
    activity = Activity(
        id=ident,
        area=area,
        min_months=ages[0],
        max_months=ages[1],
        resources=tuple(_clean(r) for r in resources),
        title=title,
        do=do,
        say=tuple(_clean(s) for s in say),
        why=_clean(data["why"]),
        grow=_clean(data["grow"]),
        season=tuple(str(s) for s in season),
        home_language=bool(data.get("home_language", False)),
    )
    for text in activity.texts():
        if not text:
            problems.append(f"{source}: an empty text")
        for brace in _BRACES.findall(text):
            if brace != PLACEHOLDER:
                problems.append(f"{source}: unknown placeholder {brace} (only {PLACEHOLDER})")
    return (None if problems else activity), problems


@dataclass(frozen=True)
class Library:
    activities: tuple[Activity, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {a.id: a for a in self.activities})

    def get(self, activity_id: str) -> Activity | None:
        found: dict[str, Activity] = getattr(self, "_by_id")  # noqa: B009 - set in __post_init__
        return found.get(activity_id)

    def fitting(self, age_months: int, area: str | None = None) -> list[Activity]:
        return [
            a for a in self.activities if a.fits(age_months) and (area is None or a.area == area)
        ]


def read_library(root: Path | None = None) -> tuple[Library, list[str]]:
    """Every activity that parses, and every problem found (files, duplicates)."""
    folder = (root or content_dir()) / "activities"
    problems: list[str] = []
    activities: list[Activity] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*/*.yaml")):
        source = str(path.relative_to(folder.parent))
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            problems.append(f"{source}: not valid YAML ({exc})")
            continue
        activity, found = parse_activity(data, source)
        problems.extend(found)
        if activity is None:
            continue
        if path.parent.name != activity.area:
            problems.append(
                f"{source}: lives under {path.parent.name}/ but area is {activity.area}"
            )
        if activity.id in seen:
            problems.append(f"{source}: id '{activity.id}' already used by {seen[activity.id]}")
            continue
        seen[activity.id] = source
        activities.append(activity)
    if not activities:
        problems.append(f"{folder}: no activities found")
    return Library(tuple(activities)), problems


def load_library(root: Path | None = None) -> Library:
    """Start-up load: any problem stops the bot with the list of what to fix."""
    library, problems = read_library(root)
    if problems:
        raise ContentError(problems)
    return library
