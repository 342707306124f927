"""Slows down guessing of parent links and join codes.

Kept in memory on purpose: a parent who mistypes a link has not consented to
anything, so nothing about them goes into the database. One process serves a
borough (see DESIGN.md), so one in-memory window is the whole truth; a restart
forgets it, which only ever favours the honest user.
"""

from __future__ import annotations

from collections import defaultdict, deque
from datetime import datetime, timedelta


class GuessThrottle:
    def __init__(self, allowed: int = 5, window: timedelta = timedelta(hours=1)) -> None:
        self.allowed = allowed
        self.window = window
        self._misses: dict[tuple[str, int], deque[datetime]] = defaultdict(deque)

    def _recent(self, kind: str, user_id: int, now: datetime) -> deque[datetime]:
        misses = self._misses[(kind, user_id)]
        while misses and misses[0] <= now - self.window:
            misses.popleft()
        return misses

    def blocked(self, kind: str, user_id: int, now: datetime) -> bool:
        """True once a user has used up the allowed wrong guesses in the window."""
        return len(self._recent(kind, user_id, now)) >= self.allowed

    def miss(self, kind: str, user_id: int, now: datetime) -> None:
        self._recent(kind, user_id, now).append(now)

    def forget(self, kind: str, user_id: int) -> None:
        self._misses.pop((kind, user_id), None)
