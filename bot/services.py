"""What handlers and jobs share, built once by bot/app.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext, ExtBot

from bot.buttons import ButtonSigner
from bot.clock import Clock
from bot.config import Config
from bot.content import Library
from bot.i18n import Catalogs
from bot.sendrate import SharedRate
from bot.store import Store
from bot.throttle import GuessThrottle

if TYPE_CHECKING:
    from bot.safeguarding import Safeguarding

NOTICE_VERSION = "2026-11"


@dataclass
class Services:
    config: Config
    store: Store
    catalogs: Catalogs
    library: Library
    clock: Clock
    signer: ButtonSigner
    safeguarding: Safeguarding
    bot_username: str = ""
    throttle: GuessThrottle = field(default_factory=GuessThrottle)
    # Dispatcher tuning: the demo and tests shorten the back-off.
    retry_base_seconds: float = 30.0
    # Telegram allows about one message a second into one chat; a digest is several.
    per_chat_seconds: float = 1.05
    # When each chat was last sent to (time.monotonic), shared by every dispatch pass.
    chat_last_sent: dict[int, float] = field(default_factory=dict)
    # Set by the composition root: run a dispatch pass now (an alert was queued).
    wake_dispatch: Callable[[], None] = field(default=lambda: None)
    # Sends Telegram accepted whose outcome the database has not taken yet (a full disk).
    unrecorded: list[Any] = field(default_factory=list)
    # This process's name on the rows it claims, and its lease on them (bot/store/sharing.py).
    dispatcher: str = ""
    # Telegram's overall rate shared with the other processes; None sends uncapped.
    send_rate: SharedRate | None = None
    # Rows claimed per pass: a process holds no more than it can send soon, so the
    # others share the queue (and a killed one leaves little in flight).
    claim_batch: int = 500


class AppData:
    """PTB's ``bot_data``, typed: what the composition root hands every handler and job.

    ``services`` is set in post_init, before the first update or job runs.
    """

    services: Services
    config: Config
    clock: Clock
    options: Any
    ticker: Any  # scheduler.jobs.Ticker (bot/ does not import scheduler/)
    watchdog: Any = None  # the task that keeps the tick going if the wall clock jumps
    lease: Any = None  # the task that renews this dispatcher's lease (bot/lease.py)


Ctx = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], AppData]
