"""The outbox's state machine: claiming due rows of every kind and settling them.

Every message the bot starts itself is a row here (bot/store/deliveries.py plans the
family rows, ``enqueue_staff`` adds alerts and digest parts). A row is claimed
('sending') before its send and settled after it; what was in flight at a crash is
the only thing that can repeat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

import aiosqlite

from bot.clock import from_db, to_db
from bot.store.db import StoreBase
from bot.store.deliveries import delivery_from_row
from bot.store.groupcommit import GroupCommit
from bot.store.models import Outgoing
from bot.vocab import PLAN_KINDS


@dataclass(frozen=True, slots=True)
class NewStaffMessage:
    """One message to a practitioner; parts sharing ``group_key`` go out in ``seq`` order."""

    kind: str
    practitioner_id: int
    payload: str
    due_at: datetime
    priority: int = 0
    group_key: str | None = None
    seq: int = 0
    family_id: int | None = None  # the family an alert is about: /delete erases it too


@dataclass(frozen=True, slots=True)
class NewFamilyMessage:
    """A message to a family written when queued (a staff reply, a notice, a monthly note)."""

    kind: str
    family_id: int
    payload: str
    due_at: datetime
    group_key: str | None = None
    seq: int = 0


# A staff row's payload (the rendered digest, an alert's words) is cleared once the
# row is final: the outbox is not an archive of what families said.
_MARK_SENT = (
    "UPDATE deliveries SET state = 'sent', message_id = ?, sent_at = ?, last_error = NULL,"
    " payload = NULL WHERE id = ?"
)
_CLAIM = (
    "SELECT d.*, COALESCE(p.chat_id, f.chat_id) AS to_chat,"
    " COALESCE(p.locale, f.locale) AS to_locale, f.share_photos, c.first_name,"
    " COALESCE(s.timezone, 'Europe/London') AS tz"
    " FROM deliveries d LEFT JOIN practitioners p ON p.id = d.practitioner_id"
    " LEFT JOIN families f ON f.id = d.family_id LEFT JOIN children c ON c.id = d.child_id"
    " LEFT JOIN settings s ON s.id = COALESCE(p.setting_id, f.setting_id)"
    " WHERE d.state = 'pending' AND d.due_at <= ?"
    " AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= ?)"
    " AND (d.group_key IS NULL OR NOT EXISTS (SELECT 1 FROM deliveries e"
    "  WHERE e.group_key = d.group_key AND e.seq < d.seq AND e.state IN ('pending', 'sending')))"
    " ORDER BY d.priority DESC, d.due_at, d.id LIMIT ?"
)


async def _mark_sent(db: aiosqlite.Connection, rows: list[tuple[int, str, int]]) -> list[None]:
    await db.executemany(_MARK_SENT, rows)
    return [None] * len(rows)


def _outgoing(r: Any) -> Outgoing:
    plan_row = r["kind"] in PLAN_KINDS
    return Outgoing(
        id=r["id"],
        kind=r["kind"],
        chat_id=r["to_chat"],
        locale=r["to_locale"],
        timezone=r["tz"],
        due_at=from_db(r["due_at"]),
        # claim_due counted this try in the row; the item reports the ones before it.
        attempts=r["attempts"],
        last_error=r["last_error"],
        priority=r["priority"],
        group_key=r["group_key"],
        seq=r["seq"],
        payload=r["payload"],
        family_id=r["family_id"],
        practitioner_id=r["practitioner_id"],
        delivery=delivery_from_row(r) if plan_row else None,
        child_name=r["first_name"],
        share_photos=bool(r["share_photos"]),
    )


class OutboxQueries(StoreBase):
    async def enqueue_staff(self, messages: Sequence[NewStaffMessage]) -> int:
        """Queue staff messages; a group part already queued (same key and seq) is kept."""
        params = [
            (
                m.kind,
                m.practitioner_id,
                m.family_id,
                m.payload,
                m.priority,
                m.group_key,
                m.seq,
                to_db(m.due_at),
            )
            for m in messages
        ]
        return await self.insert_ignoring(
            "INSERT OR IGNORE INTO deliveries (kind, practitioner_id, family_id, payload,"
            " priority, group_key, seq, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            params,
        )

    async def enqueue_family(self, messages: Sequence[NewFamilyMessage]) -> int:
        """Queue messages to families; a group part already queued is kept."""
        params = [
            (m.kind, m.family_id, m.payload, m.group_key, m.seq, to_db(m.due_at)) for m in messages
        ]
        return await self.insert_ignoring(
            "INSERT OR IGNORE INTO deliveries (kind, family_id, payload, group_key, seq, due_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            params,
        )

    async def claim_due(self, now: datetime, limit: int, owner: str = "") -> list[Outgoing]:
        """Move due rows to 'sending' (alerts first) and return them with what sending needs.

        A part of a group is due only once every earlier part is settled, so a digest
        arrives in order even when one of its parts has to be retried. On PostgreSQL
        the rows are locked as they are read and rows another process is claiming are
        passed over (SKIP LOCKED), so several dispatchers never claim the same row;
        SQLite's write lock does the same for the processes sharing its file.
        """
        stamp = to_db(now)
        claim = _CLAIM + (" FOR UPDATE OF d SKIP LOCKED" if self.on_postgres else "")
        async with self.write() as db:
            async with db.execute(claim, (stamp, stamp, limit)) as cursor:
                rows = list(await cursor.fetchall())
            if rows:
                await db.executemany(
                    "UPDATE deliveries SET state = 'sending', attempts = attempts + 1,"
                    " claimed_by = ? WHERE id = ?",
                    [(owner or None, r["id"]) for r in rows],
                )
        return [_outgoing(r) for r in rows]

    async def mark_sent(self, delivery_id: int, message_id: int) -> None:
        """Sends finishing together share one commit (the fan-out finishes hundreds a
        second); each call still returns only once its own row is committed."""
        await self._sent_writes.submit((message_id, to_db(self.clock.now()), delivery_id))

    @cached_property
    def _sent_writes(self) -> GroupCommit[tuple[int, str, int], None]:
        return GroupCommit(self, _mark_sent)

    async def mark_retry(self, delivery_id: int, error: str, next_attempt: datetime) -> None:
        await self.write_one(
            "UPDATE deliveries SET state = 'pending', last_error = ?, next_attempt_at = ?"
            " WHERE id = ?",
            (error, to_db(next_attempt), delivery_id),
        )

    async def mark_final(self, delivery_id: int, state: str, reason: str) -> None:
        assert state in ("failed", "skipped", "cancelled")
        await self.write_one(
            "UPDATE deliveries SET state = ?, last_error = ?, payload = NULL WHERE id = ?",
            (state, reason, delivery_id),
        )

    async def postpone(self, delivery_id: int, until: datetime, note: str) -> None:
        """Telegram asked us to wait (429): not the delivery's fault, so no attempt is used."""
        await self.write_one(
            "UPDATE deliveries SET state = 'pending', attempts = MAX(attempts - 1, 0),"
            " next_attempt_at = ?, last_error = ? WHERE id = ?",
            (to_db(until), note, delivery_id),
        )

    # -- staff who cannot be reached -----------------------------------------
    async def block_practitioner(self, practitioner_id: int, reason: str) -> None:
        """403 from a practitioner's chat: reported to the operator, their queue cancelled."""
        async with self.write() as db:
            await db.execute(
                "UPDATE practitioners SET blocked_at = ?, blocked_reason = ? WHERE id = ?",
                (to_db(self.clock.now()), reason, practitioner_id),
            )
            await db.execute(
                "UPDATE deliveries SET state = 'cancelled', last_error = ?, payload = NULL"
                " WHERE practitioner_id = ? AND state IN ('pending', 'sending')"
                " AND kind != 'alert'",
                (f"practitioner unreachable: {reason}", practitioner_id),
            )

    async def unblock_practitioner(self, practitioner_id: int) -> None:
        await self.write_one(
            "UPDATE practitioners SET blocked_at = NULL, blocked_reason = NULL WHERE id = ?",
            (practitioner_id,),
        )

    # -- groups (digests) ----------------------------------------------------
