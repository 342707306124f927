"""Partnership both ways: staff display names, what a staff member is writing, replies.

Issue 14 (staff replies, recorded activities, notices) builds on these; the schema is
migration 006.
"""

from __future__ import annotations

from bot.store.db import StoreBase


class StaffQueries(StoreBase):
    async def set_display_name(self, practitioner_id: int, name: str) -> None:
        await self.write_one(
            "UPDATE practitioners SET display_name = ? WHERE id = ?", (name, practitioner_id)
        )

    async def set_awaiting(self, practitioner_id: int, awaiting: str | None) -> None:
        """What the person's next text or voice note is for (JSON), or None when done."""
        await self.write_one(
            "UPDATE practitioners SET awaiting = ? WHERE id = ?", (awaiting, practitioner_id)
        )
