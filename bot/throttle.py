"""Slows down guessing of parent links and join codes.

Kept in memory on purpose: a parent who mistypes a link has not consented to
anything, so nothing about them goes into the database. One process serves a
borough (see DESIGN.md), so one in-memory window is the whole truth; a restart
forgets it, which only ever favours the honest user.
"""

from __future__ import annotations

import contextlib
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

    def try_guess(self, kind: str, user_id: int, now: datetime) -> bool:
        """Count a guess before it is checked, or refuse it: False once the user has
        used up the window. Checking first and recording a miss after the lookup (as
        this class used to) left a gap across the ``await``: twenty guesses sent at
        once all found the window empty and all were looked up. Here checking and
        counting are one step with no ``await`` between, so at most ``allowed``
        guesses get through; a guess that turns out right is given back with
        ``forgive``."""
        recent = self._recent(kind, user_id, now)
        if len(recent) >= self.allowed:
            return False
        recent.append(now)
        return True

    def forgive(self, kind: str, user_id: int, now: datetime) -> None:
        """Give back the guess ``try_guess`` counted at ``now``: it was right. Only
        that one: earlier wrong guesses still count, or one right code (a parent link
        is printed on posters) would wipe out every wrong guess before it."""
        recent = self._misses.get((kind, user_id))
        if recent is not None:
            with contextlib.suppress(ValueError):
                recent.remove(now)
