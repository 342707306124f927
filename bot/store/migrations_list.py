"""The numbered schema steps shipped with the package, for either database.

SQLite runs every file in bot/store/migrations in order. PostgreSQL support began at
version 6: a new PostgreSQL database runs ``migrations/pg/006_baseline.sql`` (the
schema as SQLite has it after 001-006) and then each later step, taken from
``migrations/pg/`` where that step's SQL must differ and from the shared file where
it need not.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Literal

Dialect = Literal["sqlite", "postgresql"]
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class StoreError(Exception):
    """A problem an operator has to act on (the message says what)."""


def _numbered(folder: str) -> dict[int, str]:
    found: dict[int, str] = {}
    for entry in resources.files("bot.store").joinpath(folder).iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found[int(match.group(1))] = entry.read_text(encoding="utf-8")
    return found


def migrations(dialect: Dialect = "sqlite") -> list[tuple[int, str]]:
    """(version, SQL) for every step, in order; on PostgreSQL the first is the baseline."""
    shared = _numbered("migrations")
    for expected, number in enumerate(sorted(shared), start=1):
        if number != expected:
            raise StoreError(f"migration {expected:03d} is missing")
    if dialect == "sqlite":
        return sorted(shared.items())
    own = _numbered("migrations/pg")
    baseline = min(own)
    steps = [(baseline, own[baseline])]
    steps += [(n, own.get(n, shared[n])) for n in sorted(shared) if n > baseline]
    return steps


def latest_version() -> int:
    return len(_numbered("migrations"))
