"""What handlers and jobs share, built once by bot/app.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from bot.buttons import ButtonSigner
from bot.clock import Clock
from bot.config import Config
from bot.content import Library
from bot.i18n import Catalogs
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


def services(context: Any) -> Services:
    """The Services object PTB keeps in bot_data for every handler and job."""
    return cast(Services, context.application.bot_data["services"])
