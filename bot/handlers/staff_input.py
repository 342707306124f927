"""A staff member's own words and voice notes: what they are for is what they started.

A practitioner who pressed "Reply" under a family's photo, or asked to record an
activity, or is writing a notice, has that recorded as ``awaiting`` (JSON with a
"do" key) on their membership. Their next text or voice note goes to the handler
registered for it here; with nothing awaited they get a pointer to /help.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from telegram import Update

from bot.handlers.common import send, user_id
from bot.services import Ctx
from bot.store import Practitioner

log = logging.getLogger(__name__)

# (update, context, membership, what was awaited) -> None
StaffStep = Callable[[Update, Ctx, Practitioner, dict[str, Any]], Awaitable[None]]
STEPS: dict[str, StaffStep] = {}


def step(name: str) -> Callable[[StaffStep], StaffStep]:
    """Register the handler for ``awaiting["do"] == name``."""

    def register(fn: StaffStep) -> StaffStep:
        STEPS[name] = fn
        return fn

    return register


async def awaiting_of(
    context: Ctx, memberships: list[Practitioner]
) -> tuple[Practitioner, dict[str, Any]] | None:
    """The newest membership with something awaited, if any (unreadable JSON is cleared)."""
    s = context.bot_data.services
    for me in reversed(memberships):
        if me.awaiting:
            try:
                return me, dict(json.loads(me.awaiting))
            except (ValueError, TypeError):
                await s.store.set_awaiting(me.id, None)
    return None


async def on_staff_message(update: Update, context: Ctx) -> bool:
    """True when the sender is staff (and the message was handled)."""
    s = context.bot_data.services
    memberships = await s.store.practitioners_of(user_id(update))
    if not memberships:
        return False
    found = await awaiting_of(context, memberships)
    if found is not None:
        me, awaited = found
        handler = STEPS.get(str(awaited.get("do")))
        if handler is not None:
            await handler(update, context, me, awaited)
            return True
        await s.store.set_awaiting(me.id, None)
    t = s.catalogs.for_locale(memberships[-1].locale)
    text = t.gettext("You are signed in as staff. Type /help to see your commands.")
    await send(update, context, escape(text))
    return True
