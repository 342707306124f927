"""The weekly plan in the outbox: one row per child, ISO week and touch, and lookups."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.clock import from_db, to_db
from bot.store.db import StoreBase
from bot.store.families import child_from_row
from bot.store.models import Delivery, PlanCandidate


@dataclass(frozen=True, slots=True)
class NewDelivery:
    child_id: int
    family_id: int
    iso_week: str
    activity_id: str
    touch: int
    kind: str
    due_at: datetime


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


def _candidate(r: Any) -> PlanCandidate:
    return PlanCandidate(
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
        return [_candidate(r) for r in rows]

    async def plan_candidates_of_family(self, family_id: int) -> list[PlanCandidate]:
        """The same, for one family: planned the moment it signs up or changes its plan."""
        rows = await self.fetchall(
            "SELECT c.*, f.setting_id, f.locale, f.weekday, f.slot, f.cadence,"
            " s.timezone, s.focus_area, s.focus_until"
            " FROM children c JOIN families f ON f.id = c.family_id"
            " JOIN settings s ON s.id = f.setting_id"
            " WHERE f.id = ? AND f.status = 'active' AND f.weekday IS NOT NULL"
            " AND f.slot IS NOT NULL AND f.cadence IS NOT NULL"
            " ORDER BY c.id",
            (family_id,),
        )
        return [_candidate(r) for r in rows]

    async def unplan_unstarted(self, family_id: int, child_id: int | None = None) -> int:
        """Delete planned weeks nothing of which has gone out yet, so they can be planned again.

        A week whose activity was sent (or is being sent) keeps its rows: only what
        the family has not seen is replaced. Returns the number of rows deleted.
        """
        async with self.write() as db:
            cursor = await db.execute(
                "DELETE FROM deliveries WHERE family_id = ? AND practitioner_id IS NULL"
                " AND kind IN ('activity', 'why', 'grow', 'single') AND state = 'pending'"
                " AND (? IS NULL OR child_id = ?)"
                " AND NOT EXISTS (SELECT 1 FROM deliveries o WHERE o.child_id = deliveries.child_id"
                "  AND o.iso_week = deliveries.iso_week AND o.kind != 'checkin'"
                "  AND o.state != 'pending')",
                (family_id, child_id, child_id),
            )
            return int(cursor.rowcount)

    async def pending_activities(self, family_id: int) -> list[Delivery]:
        """A family's planned activity messages not yet sent, soonest first."""
        rows = await self.fetchall(
            "SELECT * FROM deliveries WHERE family_id = ? AND practitioner_id IS NULL"
            " AND touch = 1 AND kind IN ('activity', 'single') AND state IN ('pending', 'sending')"
            " ORDER BY due_at, id",
            (family_id,),
        )
        return [delivery_from_row(r) for r in rows]

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
        return await self.insert_ignoring(
            "INSERT OR IGNORE INTO deliveries"
            " (child_id, family_id, iso_week, activity_id, touch, kind, due_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            params,
        )

    # -- lookups ------------------------------------------------------------
    async def get_delivery(self, delivery_id: int) -> Delivery | None:
        row = await self.fetchone("SELECT * FROM deliveries WHERE id = ?", (delivery_id,))
        return delivery_from_row(row) if row else None

    async def delivery_by_message(self, family_id: int, message_id: int) -> Delivery | None:
        row = await self.fetchone(
            "SELECT * FROM deliveries WHERE family_id = ? AND message_id = ?"
            " AND practitioner_id IS NULL",
            (family_id, message_id),
        )
        return delivery_from_row(row) if row else None

    async def latest_sent_activity(self, family_id: int, since: datetime) -> Delivery | None:
        row = await self.fetchone(
            "SELECT * FROM deliveries WHERE family_id = ? AND state = 'sent'"
            " AND kind IN ('activity', 'why', 'grow', 'single') AND sent_at >= ? ORDER BY sent_at DESC, id DESC LIMIT 1",
            (family_id, to_db(since)),
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
