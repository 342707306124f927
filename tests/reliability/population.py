"""People at every stage, made through the store: an unknown user, a family at each
step of the journey, enrolled families (active and paused) and a lead practitioner."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.clock import from_db
from bot.codes import JOIN_CODE_TTL, new_join_code
from bot.sandbox import SandboxUser
from bot.services import NOTICE_VERSION
from tests.factories import active_family
from tests.reliability.support import Bot

STEPS = ("photos", "child_name", "child_year", "child_month", "more", "weekday", "slot", "cadence")


@dataclass
class People:
    unknown: SandboxUser
    journey: dict[str, SandboxUser]
    enrolled: SandboxUser
    paused: SandboxUser
    lead: SandboxUser
    everyone: list[SandboxUser] = field(default_factory=list)

    def parents(self) -> list[SandboxUser]:
        return [self.unknown, *self.journey.values(), self.enrolled, self.paused]


async def make_people(bot: Bot, first_id: int) -> People:
    sb, store = bot.sandbox, bot.store
    ids = iter(range(first_id, first_id + 100))
    unknown = sb.user(next(ids), language_code="ar")
    journey = {}
    for step in STEPS:
        user = sb.user(next(ids))
        family = await store.create_family(bot.setting.id, user.id, "en", NOTICE_VERSION)
        changes: dict[str, Any] = {"step": step, "share_photos": True}
        if step == "child_month":
            changes["draft_year"] = bot.clock.now().year - 2
        if STEPS.index(step) >= STEPS.index("more"):
            await store.add_child(family.id, "Ada", "2024-03")
        if STEPS.index(step) > STEPS.index("weekday"):
            changes["weekday"] = 2
        if step == "cadence":
            changes["slot"] = "morning"
        await store.update_family(family.id, **changes)
        journey[step] = user
    enrolled = sb.user(next(ids), language_code="pt")
    await active_family(store, bot.setting.id, enrolled.id, children=(("Zara", "2023-05"),))
    paused = sb.user(next(ids))
    family, _ = await active_family(store, bot.setting.id, paused.id)
    await store.set_status(
        family.id, "paused", reason="2 weeks", paused_until=bot.clock.now() + timedelta(weeks=2)
    )
    lead = sb.user(next(ids))
    code = new_join_code()
    await store.add_join_code(bot.setting.id, code, "lead", JOIN_CODE_TTL)
    assert await store.redeem_join_code(code, lead.id, lead.id, "en") is not None
    people = People(unknown, journey, enrolled, paused, lead)
    people.everyone = [*people.parents(), lead]
    # Everyone has a message from the bot in their chat, to press forged buttons on.
    for user in people.parents():
        await bot.say(user, "/help")
    return people


async def snapshot(bot: Bot, chat_id: int) -> dict[str, Any]:
    """Everything stored about the family in this chat (empty if there is none)."""
    store = bot.store
    rows = await store.fetchall("SELECT * FROM families WHERE chat_id = ?", (chat_id,))
    if not rows:
        return {}
    family = dict(rows[0])
    fid = family["id"]

    async def table(sql: str) -> list[dict[str, Any]]:
        return [dict(r) for r in await store.fetchall(sql, (fid,))]

    return {
        "family": family,
        "children": await table("SELECT * FROM children WHERE family_id = ? ORDER BY id"),
        "deliveries": await table("SELECT * FROM deliveries WHERE family_id = ? ORDER BY id"),
        "events": await table("SELECT * FROM events WHERE family_id = ? ORDER BY id"),
        "alerts": await table("SELECT * FROM safeguarding_alerts WHERE family_id = ? ORDER BY id"),
    }


async def restore(bot: Bot, before: dict[str, Any]) -> None:
    """Put a family's own answers back after a valid one, so the next example starts alike."""
    old = before["family"]
    await bot.store.update_family(
        old["id"],
        step=old["step"],
        draft_name=old["draft_name"],
        draft_year=old["draft_year"],
        last_reply_at=old["last_reply_at"],
        checkin_sent_at=old["checkin_sent_at"],
    )
    now = await snapshot(bot, old["chat_id"])
    if now["family"]["status"] != old["status"]:
        until = from_db(old["paused_until"]) if old["paused_until"] else None
        await bot.store.set_status(old["id"], old["status"], old["status_reason"], until)
