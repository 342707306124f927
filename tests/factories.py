"""Families made directly in the store, for tests about what happens after enrolment."""

from __future__ import annotations

from bot.services import NOTICE_VERSION
from bot.store import Child, Family, Store


async def active_family(
    store: Store,
    setting_id: int,
    chat_id: int,
    *,
    locale: str = "en",
    weekday: int = 2,
    slot: str = "morning",
    cadence: int = 3,
    children: tuple[tuple[str | None, str], ...] = (("Amy", "2024-03"),),
    share_photos: bool = True,
) -> tuple[Family, list[Child]]:
    family = await store.create_family(setting_id, chat_id, locale, NOTICE_VERSION)
    await store.update_family(
        family.id,
        share_photos=share_photos,
        weekday=weekday,
        slot=slot,
        cadence=cadence,
        step="done",
    )
    made = [await store.add_child(family.id, name, birth) for name, birth in children]
    await store.set_status(family.id, "active")
    fresh = await store.get_family(family.id)
    assert fresh is not None
    return fresh, made
