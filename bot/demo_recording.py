"""The demo's recorded activity: a practitioner reads the coming ideas aloud in Somali.

Kept apart from bot/demo.py so the demo's story stays readable. Everything goes
through the real bot: /record, the language button, "Record this" under each idea,
a voice note; then the simulated clock moves to the Somali families' activity time,
the outbox sends the activity, and the recording follows it as a reply. What is
returned is what those parents' chats show.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from telegram import Bot

from bot.clock import Clock
from bot.i18n import language_name
from bot.sandbox import SandboxUser, SentMessage
from bot.services import Services
from scheduler.dispatch import dispatch_due

RECORD_THIS = "Record this"


async def recorded_activity_for_somali_families(
    s: Services, bot: Bot, clock: Clock, staff: SandboxUser, somali: list[tuple[str, SandboxUser]]
) -> str:
    """Record the coming Somali ideas, then deliver the next ones; what the parents saw."""
    before = len(staff.messages())
    staff.send_text("/record")
    await staff.wait_for_messages(before + 1, timeout=10)
    count = len(staff.messages())
    staff.press(language_name("so"))
    await staff.wait_for_messages(count + 2, timeout=10)
    await _settled(staff)
    ideas = [m for m in staff.messages()[count:] if RECORD_THIS in m.buttons]
    for idea in ideas:
        count = len(staff.messages())
        staff.press(RECORD_THIS, message_id=idea.message_id)
        await staff.wait_for_messages(count + 1, timeout=10)
        staff.send_voice(duration=45)
        await staff.wait_for_messages(count + 2, timeout=10)
    if not ideas:
        return "(no Somali idea was offered for recording)"
    seen = {name: len(user.messages()) for name, user in somali}
    # Walk the clock through the coming week until every Somali family has its activity.
    start = clock.now()
    for hour in range(7 * 24):
        clock.set(start + timedelta(hours=hour))
        await dispatch_due(bot, s)
        if all(_voice_after(user, seen[name]) for name, user in somali):
            break
    lines = [f"{len(ideas)} idea(s) recorded in {language_name('so')} by {staff.first_name}."]
    for name, user in somali:
        new = user.messages()[seen[name] :]
        voice = _voice_after(user, seen[name])
        activity = next((m for m in new if voice and m.message_id == voice.reply_to), None)
        if voice is None or activity is None:
            lines.append(f"  {name}'s family: activity without a recording (another idea)")
            continue
        title = activity.plain.splitlines()[0]
        lines.append(
            f"  {name}'s family: {title}\n    ↳ voice note ({voice.plain.strip()}) as a reply to it"
        )
    return "\n".join(lines)


async def _settled(user: SandboxUser) -> None:
    """Wait until the bot has stopped sending to this chat (the ideas come one by one)."""
    size = -1
    while size != len(user.messages()):
        size = len(user.messages())
        await asyncio.sleep(0.3)


def _voice_after(user: SandboxUser, start: int) -> SentMessage | None:
    return next((m for m in user.messages()[start:] if m.kind == "voice"), None)
