"""Partnership both ways: staff display names, what a staff member is writing, replies.

Issue 14 (staff replies, recorded activities, notices) builds on these; the schema is
migration 006.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.clock import to_db
from bot.store.db import StoreBase
from bot.store.models import Practitioner
from bot.store.settings import _practitioner
from bot.vocab import Kind


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

    async def get_practitioner(self, practitioner_id: int) -> Practitioner | None:
        row = await self.fetchone("SELECT * FROM practitioners WHERE id = ?", (practitioner_id,))
        return _practitioner(row) if row else None

    # -- staff replies --------------------------------------------------------
    async def reply_target(self, event_id: int) -> ReplyTarget | None:
        """What a Reply button on a family's reply needs: whose it is and where it goes."""
        row = await self.fetchone(
            "SELECT e.id, e.family_id, e.kind, (e.shared = 1 AND f.share_photos = 1),"
            " e.message_id, f.setting_id FROM events e JOIN families f ON f.id = e.family_id"
            " WHERE e.id = ?",
            (event_id,),
        )
        if row is None:
            return None
        return ReplyTarget(row[0], row[1], row[2], bool(row[3]), row[4], row[5])

    async def queue_staff_reply(
        self,
        *,
        family_id: int,
        practitioner_id: int,
        event_id: int | None,
        kind: str,
        payload: Callable[[int], str],
        due_at: datetime,
    ) -> int:
        """Record a staff reply and queue its outbox row, in one transaction.

        ``payload`` is given the new reply's id, so the row carries it and the parent's
        answer to the message can find its way back to the person who wrote it.
        """
        async with self.write() as db:
            cursor = await db.execute(
                "INSERT INTO staff_replies (family_id, practitioner_id, event_id, kind,"
                " created_at) VALUES (?, ?, ?, ?, ?)",
                (family_id, practitioner_id, event_id, kind, to_db(self.clock.now())),
            )
            reply_id = int(cursor.lastrowid or 0)
            cursor = await db.execute(
                "INSERT INTO deliveries (kind, family_id, payload, group_key, seq, due_at)"
                " VALUES (?, ?, ?, ?, 0, ?)",
                (
                    Kind.STAFF_REPLY,
                    family_id,
                    payload(reply_id),
                    f"staff-reply:{reply_id}",
                    to_db(due_at),
                ),
            )
            await db.execute(
                "UPDATE staff_replies SET delivery_id = ? WHERE id = ?",
                (int(cursor.lastrowid or 0), reply_id),
            )
        return reply_id

    async def staff_reply_answered(self, family_id: int, message_id: int) -> tuple[int, int] | None:
        """(staff reply id, practitioner id) of the staff reply that is this message
        of the family's chat, if it is one."""
        row = await self.fetchone(
            "SELECT r.id, r.practitioner_id FROM deliveries d"
            " JOIN staff_replies r ON r.delivery_id = d.id"
            " WHERE d.family_id = ? AND d.message_id = ? AND d.kind = ?",
            (family_id, message_id, Kind.STAFF_REPLY),
        )
        return None if row is None else (int(row[0]), int(row[1]))

    async def recent_shared(self, setting_id: int, since: datetime) -> list[tuple[int, int, str]]:
        """(family id, latest event id, its kind) for families of the setting who shared
        words, or a photo or voice note staff may see, since ``since``; newest first."""
        rows = await self.fetchall(
            "SELECT family_id, id, kind FROM events WHERE id IN (SELECT MAX(e.id) FROM events e"
            " JOIN families f ON f.id = e.family_id WHERE f.setting_id = ? AND e.created_at >= ?"
            " AND ((e.kind = 'text' AND e.text IS NOT NULL AND e.text != '')"
            "  OR (e.kind IN ('photo', 'voice') AND e.shared = 1 AND f.share_photos = 1))"
            " GROUP BY e.family_id) ORDER BY id DESC",
            (setting_id, to_db(since)),
        )
        return [(int(r[0]), int(r[1]), str(r[2])) for r in rows]


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """A family's reply that staff can answer."""

    event_id: int
    family_id: int
    kind: str
    shared: bool  # a photo or voice note the parent lets staff see
    message_id: int | None  # the parent's own message, which the staff reply answers
    setting_id: int
