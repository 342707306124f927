"""Failure modes Telegram shows in production, switchable while the sandbox runs.

The outbox, the rate limiter and the retry logic of the bot only earn trust if they
are exercised against the failures Telegram really produces: flood control (429 with
``retry_after``), 5xx answers, answers that come too late, and connections that die.
Random faults draw from a seeded :class:`random.Random`, so a failing run repeats.
"""

from __future__ import annotations

import enum
import math
import random
from collections import Counter, deque
from dataclasses import dataclass, field

#: Chat actions are not messages; flood control in the sandbox ignores them.
_NOT_RATE_LIMITED = frozenset({"sendChatAction"})


@dataclass
class Faults:
    """Switches for injected failures; replace or mutate ``sandbox.faults`` at any time.

    ``methods`` holds case-insensitive prefixes of the Bot API methods that faults
    apply to; the default covers every ``send*`` and ``edit*`` method.
    A reset drops the connection before the method runs, or, with
    ``reset_after_processing``, after it ran: the message is then delivered although
    the client saw only a network error, as when an answer is lost on the way.
    ``blocked_chats`` answers 403 for those chats without the ``my_chat_member`` update
    that ``SandboxUser.block()`` queues, for load tests that only need the refusals.

    ``fail_next`` is the deterministic fault, for tests that need "the first two
    attempts fail" rather than a rate: the next ``fail_next`` faultable calls answer
    ``fail_next_status`` (500 as Telegram's JSON error, any other 5xx as nginx's HTML
    page) and the counter counts down to 0. ``fail_next_methods`` narrows which calls
    count (prefixes, like ``methods``), so a chat action the bot sends first does not
    use up a failure meant for its sendDocument. It is checked before the random
    faults and flood control, and a call it fails draws no random fault.
    """

    methods: tuple[str, ...] = ("send", "edit")
    rate_limit: bool = False
    rate_limit_per_second: int = 30
    per_chat_limit: bool = False
    per_chat_per_second: int = 1
    retry_after: int = 1
    error_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 5.0
    reset_rate: float = 0.0
    reset_after_processing: bool = False
    blocked_chats: set[int] = field(default_factory=set)
    fail_next: int = 0
    fail_next_status: int = 500
    fail_next_methods: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 500 <= self.fail_next_status <= 599:
            raise ValueError(f"fail_next_status must be a 5xx code, not {self.fail_next_status}")

    def applies_to(self, method: str) -> bool:
        return _matches(method, self.methods)

    def take_failure(self, method: str) -> int | None:
        """Use up one ``fail_next`` on this call: the status to answer, or ``None``."""
        if self.fail_next <= 0 or not self.applies_to(method):
            return None
        if self.fail_next_methods and not _matches(method, self.fail_next_methods):
            return None
        self.fail_next -= 1
        return self.fail_next_status

    def rate_limits(self, method: str) -> bool:
        return self.applies_to(method) and method not in _NOT_RATE_LIMITED


def _matches(method: str, prefixes: tuple[str, ...]) -> bool:
    lowered = method.lower()
    return any(lowered.startswith(prefix.lower()) for prefix in prefixes)


@dataclass
class Counters:
    """What the sandbox answered, for tests and benchmarks to read."""

    messages_sent: int = 0
    rate_limited: int = 0
    forbidden: int = 0
    server_errors: int = 0
    bad_requests: int = 0
    resets: int = 0
    delayed: int = 0
    calls: Counter[str] = field(default_factory=Counter)

    def count_error(self, code: int) -> None:
        if code == 400:
            self.bad_requests += 1
        elif code == 403:
            self.forbidden += 1
        elif code == 429:
            self.rate_limited += 1
        elif code >= 500:
            self.server_errors += 1


class Action(enum.Enum):
    PROCEED = "proceed"
    RESET = "reset"
    ERROR_500 = "500"
    ERROR_502 = "502"
    SLOW = "slow"


class FaultDice:
    """One seeded draw per faultable call keeps a run's sequence of faults repeatable."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def roll(self, faults: Faults) -> Action:
        draw = self._rng.random()
        if draw < faults.reset_rate:
            return Action.RESET
        draw -= faults.reset_rate
        if draw < faults.error_rate:
            return Action.ERROR_500 if self._rng.random() < 0.5 else Action.ERROR_502
        draw -= faults.error_rate
        if draw < faults.slow_rate:
            return Action.SLOW
        return Action.PROCEED


class RateLimiter:
    """Sliding one-second windows: all sends of the bot, and sends per chat."""

    def __init__(self) -> None:
        self._overall: deque[float] = deque()
        self._per_chat: dict[int | str, deque[float]] = {}

    @staticmethod
    def _wait(window: deque[float], limit: int, now: float) -> float | None:
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) < max(limit, 1):
            return None
        return window[0] + 1.0 - now

    def check(self, faults: Faults, chat_id: int | str | None, now: float) -> int | None:
        """Return ``retry_after`` when the call has to be refused, else ``None``."""
        waits = []
        if faults.rate_limit:
            waits.append(self._wait(self._overall, faults.rate_limit_per_second, now))
        if faults.per_chat_limit and chat_id is not None:
            window = self._per_chat.setdefault(chat_id, deque())
            waits.append(self._wait(window, faults.per_chat_per_second, now))
        limited = [wait for wait in waits if wait is not None]
        if not limited:
            return None
        return max(faults.retry_after, math.ceil(max(limited)), 1)

    def record(self, chat_id: int | str | None, now: float) -> None:
        windows = [self._overall]
        if chat_id is not None:
            windows.append(self._per_chat.setdefault(chat_id, deque()))
        for window in windows:
            window.append(now)
            while window[0] <= now - 1.0:
                window.popleft()
