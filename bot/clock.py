"""A clock the whole bot reads, so tests, the demo and benchmarks can move time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Wall-clock time in UTC plus an adjustable offset.

    Jobs and handlers never call ``datetime.now`` themselves: the demo compresses
    a week into seconds and the retention tests jump months ahead by moving this.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = timedelta(0)
        if start is not None:
            self.set(start)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("Clock.set needs an aware datetime")
        self._offset = when - datetime.now(UTC)

    def advance(self, delta: timedelta) -> None:
        self._offset += delta


def to_db(when: datetime) -> str:
    """One text form for every stored instant, so SQL can compare them as strings."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_db(text: str) -> datetime:
    # fromisoformat reads the stored form (with its "Z") about ten times faster than
    # strptime; the outbox parses several stamps per message it sends.
    parsed = datetime.fromisoformat(text)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
