"""The outbox: planned deliveries, their claiming and their outcomes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any

import aiosqlite

from bot.clock import from_db, to_db
from bot.store.db import GroupCommit, StoreBase
from bot.store.families import child_from_row
from bot.store.models import Delivery, OutgoingDelivery, PlanCandidate


@dataclass(frozen=True, slots=True)
class NewDelivery:
    child_id: int
    family_id: int
    iso_week: str
    activity_id: str
    touch: int
    kind: str
    due_at: datetime


_MARK_SENT = (
    "UPDATE deliveries SET state = 'sent', message_id = ?, sent_at = ?,"
    " last_error = NULL WHERE id = ?"
)


async def _mark_sent(db: aiosqlite.Connection, rows: list[tuple[int, str, int]]) -> list[None]:
    await db.executemany(_MARK_SENT, rows)
    return [None] * len(rows)


def delivery_from_row(row: Any) -> Delivery:
    return Delivery(
        id=row["id"],
        child_id=row["child_id"],
        family_id=row["family_id"],
        iso_week=row["iso_week"],
        activity_id=row["activity_id"],
        touch=row["touch"],
        kind=row["kind"],
        due_at=from_db(row["due_at"]),
        state=row["state"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        message_id=row["message_id"],
        sent_at=from_db(row["sent_at"]) if row["sent_at"] else None,
    )


class DeliveryQueries(StoreBase):
    # -- planning -----------------------------------------------------------
    async def plan_candidates(self, after_child_id: int, limit: int) -> list[PlanCandidate]:
        """Active, fully enrolled children in pages, so a borough never sits in memory at once."""
        rows = await self.fetchall(
            "SELECT c.*, f.setting_id, f.locale, f.weekday, f.slot, f.cadence,"
            " s.timezone, s.focus_area, s.focus_until"
            " FROM children c JOIN families f ON f.id = c.family_id"
            " JOIN settings s ON s.id = f.setting_id"
            " WHERE c.id > ? AND f.status = 'active' AND f.weekday IS NOT NULL"
            " AND f.slot IS NOT NULL AND f.cadence IS NOT NULL"
            " ORDER BY c.id LIMIT ?",
            (after_child_id, limit),
        )
        return [
            PlanCandidate(
                child=child_from_row(r),
                family_id=r["family_id"],
                setting_id=r["setting_id"],
                locale=r["locale"],
                weekday=r["weekday"],
                slot=r["slot"],
                cadence=r["cadence"],
                timezone=r["timezone"],
                focus_area=r["focus_area"],
                focus_until=date.fromisoformat(r["focus_until"]) if r["focus_until"] else None,
            )
            for r in rows
        ]

    async def activity_history(self, child_ids: Sequence[int]) -> dict[int, list[str]]:
        """Activities each child already had (oldest first), ignoring check-ins."""
        history: dict[int, list[str]] = {cid: [] for cid in child_ids}
        if not child_ids:
            return history
        marks = ",".join("?" * len(child_ids))
        rows = await self.fetchall(
            f"SELECT child_id, activity_id, iso_week FROM deliveries"  # noqa: S608
            f" WHERE child_id IN ({marks}) AND touch = 1 AND kind != 'checkin'"
            f" ORDER BY iso_week",
            tuple(child_ids),
        )
        for r in rows:
            history[r["child_id"]].append(r["activity_id"])
        return history

    async def planned_children(self, iso_week: str, child_ids: Sequence[int]) -> set[int]:
        if not child_ids:
            return set()
        marks = ",".join("?" * len(child_ids))
        rows = await self.fetchall(
            f"SELECT DISTINCT child_id FROM deliveries"  # noqa: S608
            f" WHERE iso_week = ? AND child_id IN ({marks}) AND kind != 'checkin'",
            (iso_week, *child_ids),
        )
        return {int(r[0]) for r in rows}

    async def insert_deliveries(self, items: Iterable[NewDelivery]) -> int:
        """Insert planned rows; the unique key makes re-planning a no-op."""
        params = [
            (d.child_id, d.family_id, d.iso_week, d.activity_id, d.touch, d.kind, to_db(d.due_at))
            for d in items
        ]
        if not params:
            return 0
        async with self.write() as db:
            before = db.total_changes
            await db.executemany(
                "INSERT OR IGNORE INTO deliveries"
                " (child_id, family_id, iso_week, activity_id, touch, kind, due_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                params,
            )
            return db.total_changes - before

    # -- dispatch -----------------------------------------------------------
    async def recover_in_flight(self) -> int:
        """After a crash the outcome of a 'sending' row is unknown: send it again."""
        async with self.write() as db:
            cursor = await db.execute(
                "UPDATE deliveries SET state = 'pending', next_attempt_at = NULL"
                " WHERE state = 'sending'"
            )
            return cursor.rowcount

    async def claim_due(self, now: datetime, limit: int) -> list[OutgoingDelivery]:
        """Move due rows to 'sending' and return them with what sending needs."""
        stamp = to_db(now)
        async with self.write() as db:
            async with db.execute(
                "SELECT d.*, f.chat_id, f.locale, f.share_photos, c.first_name, s.timezone"
                " FROM deliveries d JOIN families f ON f.id = d.family_id"
                " JOIN children c ON c.id = d.child_id JOIN settings s ON s.id = f.setting_id"
                " WHERE d.state = 'pending' AND d.due_at <= ?"
                " AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= ?)"
                " ORDER BY d.due_at, d.id LIMIT ?",
                (stamp, stamp, limit),
            ) as cursor:
                rows = list(await cursor.fetchall())
            if rows:
                await db.executemany(
                    "UPDATE deliveries SET state = 'sending', attempts = attempts + 1 WHERE id = ?",
                    [(r["id"],) for r in rows],
                )
        return [
            OutgoingDelivery(
                delivery=delivery_from_row(r),
                chat_id=r["chat_id"],
                locale=r["locale"],
                child_name=r["first_name"],
                timezone=r["timezone"],
                share_photos=bool(r["share_photos"]),
            )
            for r in rows
        ]

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
            "UPDATE deliveries SET state = ?, last_error = ? WHERE id = ?",
            (state, reason, delivery_id),
        )

    async def give_back(self, delivery_id: int) -> None:
        """Return a claimed row untouched (e.g. shutting down before it was sent)."""
        await self.write_one(
            "UPDATE deliveries SET state = 'pending', attempts = MAX(attempts - 1, 0)"
            " WHERE id = ? AND state = 'sending'",
            (delivery_id,),
        )

    # -- lookups ------------------------------------------------------------
    async def get_delivery(self, delivery_id: int) -> Delivery | None:
        row = await self.fetchone("SELECT * FROM deliveries WHERE id = ?", (delivery_id,))
        return delivery_from_row(row) if row else None

    async def delivery_by_message(self, family_id: int, message_id: int) -> Delivery | None:
        row = await self.fetchone(
            "SELECT * FROM deliveries WHERE family_id = ? AND message_id = ?",
            (family_id, message_id),
        )
        return delivery_from_row(row) if row else None

    async def latest_sent_activity(self, family_id: int, since: datetime) -> Delivery | None:
        row = await self.fetchone(
            "SELECT * FROM deliveries WHERE family_id = ? AND state = 'sent'"
            " AND kind != 'checkin' AND sent_at >= ? ORDER BY sent_at DESC, id DESC LIMIT 1",
            (family_id, to_db(since)),
        )
        return delivery_from_row(row) if row else None

    async def deliveries_of_family(self, family_id: int) -> list[Delivery]:
        rows = await self.fetchall(
            "SELECT * FROM deliveries WHERE family_id = ? ORDER BY due_at, id", (family_id,)
        )
        return [delivery_from_row(r) for r in rows]

    async def delivery_states(self) -> dict[str, int]:
        rows = await self.fetchall("SELECT state, COUNT(*) FROM deliveries GROUP BY state")
        return {r[0]: int(r[1]) for r in rows}

    async def all_deliveries(self) -> list[Delivery]:
        rows = await self.fetchall("SELECT * FROM deliveries ORDER BY id")
        return [delivery_from_row(r) for r in rows]

    async def next_due(self, family_id: int) -> Delivery | None:
        row = await self.fetchone(
            "SELECT * FROM deliveries WHERE family_id = ? AND state = 'pending'"
            " ORDER BY due_at LIMIT 1",
            (family_id,),
        )
        return delivery_from_row(row) if row else None

    async def add_checkin(
        self, family_id: int, child_id: int, iso_week: str, due: datetime
    ) -> None:
        await self.write_one(
            "INSERT OR IGNORE INTO deliveries"
            " (child_id, family_id, iso_week, activity_id, touch, kind, due_at)"
            " VALUES (?, ?, ?, 'checkin', 9, 'checkin', ?)",
            (child_id, family_id, iso_week, to_db(due)),
        )

    async def postpone(self, delivery_id: int, until: datetime, note: str) -> None:
        """Telegram asked us to wait (429): not the delivery's fault, so no attempt is used."""
        await self.write_one(
            "UPDATE deliveries SET state = 'pending', attempts = MAX(attempts - 1, 0),"
            " next_attempt_at = ?, last_error = ? WHERE id = ?",
            (to_db(until), note, delivery_id),
        )
