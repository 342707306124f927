"""The demo's staff reply: the lead answers a Somali-speaking family from /families.

Kept apart from bot/demo.py so the demo's story stays readable: everything here goes
through the real bot (the Reply button, the name question, the outbox and dispatch),
and what is returned is exactly what the Somali parent's chat shows.
"""

from __future__ import annotations

import asyncio

from telegram import Bot

from bot.sandbox import SandboxUser, SentMessage
from bot.services import Services
from scheduler.dispatch import dispatch_due

OFFER = "Reply to a family who shared something in the last 7 days:"
STAFF_NAME = "Ms Grace"
WORDS = "Thank you for sharing this! We loved it. Can you show us at nursery tomorrow?"


async def _next_matching(user: SandboxUser, start: int, prefix: str) -> SentMessage | None:
    """The first message from ``start`` on whose text begins with ``prefix`` (waits a little)."""
    for _ in range(50):
        found = next((m for m in user.messages()[start:] if m.plain.startswith(prefix)), None)
        if found is not None:
            return found
        await asyncio.sleep(0.1)
    return None


async def staff_reply_to_somali_family(
    s: Services, bot: Bot, lead: SandboxUser, somali: list[tuple[str, SandboxUser]]
) -> str:
    """The lead presses Reply for a Somali family, writes, and the outbox delivers it.

    Returns what that parent saw (the staff reply as it reached their chat), or why not.
    """
    before = len(lead.messages())
    lead.send_text("/families")
    offer = await _next_matching(lead, before, OFFER)
    if offer is None:
        return "(no family shared anything in the last 7 days)"
    chosen = next(
        ((label, user) for name, user in somali for label in offer.buttons if label.endswith(name)),
        None,
    )
    if chosen is None:
        return "(no Somali-speaking family shared anything in the last 7 days)"
    label, parent = chosen
    seen = len(parent.messages())
    count = len(lead.messages())
    lead.press(label, message_id=offer.message_id)  # asks the name families will see
    await lead.wait_for_messages(count + 1, timeout=10)
    for text in (STAFF_NAME, WORDS):  # then the reply itself, then "Sent."
        count = len(lead.messages())
        lead.send_text(text)
        await lead.wait_for_messages(count + 1, timeout=10)
    await dispatch_due(bot, s)
    got = (await parent.wait_for_messages(seen + 1, timeout=10))[seen]
    quoted = parent.chat.messages.get(got.reply_to or 0, {})
    what = "voice note" if "voice" in quoted else "photo" if "photo" in quoted else "message"
    return f"{got.plain}\n  (shown as a reply to the parent's own {what}; label pressed: {label})"
