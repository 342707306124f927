"""Families (the consent record) and their children."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.clock import from_db, to_db
from bot.store.db import StoreBase
from bot.store.models import Child, Family

log = logging.getLogger(__name__)

# Columns a handler may change through update_family; anything else is a bug.
_EDITABLE = frozenset(
    {
        "locale",
        "share_photos",
        "step",
        "draft_name",
        "draft_year",
        "weekday",
        "slot",
        "cadence",
        "last_reply_at",
        "checkin_sent_at",
    }
)


def _dt(value: str | None) -> datetime | None:
    return from_db(value) if value else None


def family_from_row(row: Any) -> Family:
    return Family(
        id=row["id"],
        setting_id=row["setting_id"],
        chat_id=row["chat_id"],
        locale=row["locale"],
        status=row["status"],
        status_reason=row["status_reason"],
        paused_until=_dt(row["paused_until"]),
        consent_at=from_db(row["consent_at"]),
        notice_version=row["notice_version"],
        share_photos=None if row["share_photos"] is None else bool(row["share_photos"]),
        step=row["step"],
        draft_name=row["draft_name"],
        draft_year=row["draft_year"],
        weekday=row["weekday"],
        slot=row["slot"],
        cadence=row["cadence"],
        last_reply_at=_dt(row["last_reply_at"]),
        checkin_sent_at=_dt(row["checkin_sent_at"]),
        created_at=from_db(row["created_at"]),
    )


def child_from_row(row: Any) -> Child:
    return Child(
        id=row["id"],
        family_id=row["family_id"],
        first_name=row["first_name"],
        birth_month=row["birth_month"],
        level_offset=row["level_offset"],
    )


class FamilyQueries(StoreBase):
    async def create_family(
        self, setting_id: int, chat_id: int, locale: str, notice_version: str
    ) -> Family:
        """Called only when the parent presses Agree: this row is the consent record."""
        now = to_db(self.clock.now())
        async with self.write() as db:
            await db.execute(
                "INSERT INTO families (setting_id, chat_id, locale, status_changed_at,"
                " consent_at, notice_version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (chat_id) DO NOTHING",
                (setting_id, chat_id, locale, now, now, notice_version, now),
            )
        family = await self.family_by_chat(chat_id)
        assert family is not None
        return family

    async def family_by_chat(self, chat_id: int) -> Family | None:
        row = await self.fetchone("SELECT * FROM families WHERE chat_id = ?", (chat_id,))
        return family_from_row(row) if row else None

    async def get_family(self, family_id: int) -> Family | None:
        row = await self.fetchone("SELECT * FROM families WHERE id = ?", (family_id,))
        return family_from_row(row) if row else None

    async def update_family(self, family_id: int, **changes: Any) -> None:
        unknown = set(changes) - _EDITABLE
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        values = [to_db(v) if isinstance(v, datetime) else v for v in changes.values()]
        assignments = ", ".join(f"{name} = ?" for name in changes)
        async with self.write() as db:
            await db.execute(
                f"UPDATE families SET {assignments} WHERE id = ?",  # noqa: S608 - whitelisted
                (*values, family_id),
            )

    async def set_status(
        self,
        family_id: int,
        status: str,
        reason: str | None = None,
        paused_until: datetime | None = None,
    ) -> None:
        """Change status; leaving 'active' cancels what was still waiting in the outbox."""
        now = to_db(self.clock.now())
        async with self.write() as db:
            await db.execute(
                "UPDATE families SET status = ?, status_reason = ?, status_changed_at = ?,"
                " paused_until = ? WHERE id = ?",
                (status, reason, now, to_db(paused_until) if paused_until else None, family_id),
            )
            if status in ("paused", "stopped", "blocked"):
                await db.execute(
                    "UPDATE deliveries SET state = 'cancelled', last_error = ?"
                    " WHERE family_id = ? AND practitioner_id IS NULL"
                    " AND state IN ('pending', 'sending')",
                    (f"family {status}" + (f": {reason}" if reason else ""), family_id),
                )

    async def resume_paused_families(self) -> int:
        now = to_db(self.clock.now())
        async with self.write() as db:
            cursor = await db.execute(
                "UPDATE families SET status = 'active', status_reason = NULL, paused_until = NULL,"
                " status_changed_at = ? WHERE status = 'paused' AND paused_until <= ?",
                (now, now),
            )
            return cursor.rowcount

    async def families_of_setting(self, setting_id: int) -> list[Family]:
        rows = await self.fetchall(
            "SELECT * FROM families WHERE setting_id = ? ORDER BY id", (setting_id,)
        )
        return [family_from_row(r) for r in rows]

    async def add_child(self, family_id: int, first_name: str | None, birth_month: str) -> Child:
        async with self.write() as db:
            cursor = await db.execute(
                "INSERT INTO children (family_id, first_name, birth_month, created_at)"
                " VALUES (?, ?, ?, ?)",
                (family_id, first_name, birth_month, to_db(self.clock.now())),
            )
            child_id = int(cursor.lastrowid or 0)
        return Child(child_id, family_id, first_name, birth_month)

    async def children_of(self, family_id: int) -> list[Child]:
        rows = await self.fetchall(
            "SELECT * FROM children WHERE family_id = ? ORDER BY id", (family_id,)
        )
        return [child_from_row(r) for r in rows]

    async def get_child(self, child_id: int) -> Child | None:
        row = await self.fetchone("SELECT * FROM children WHERE id = ?", (child_id,))
        return child_from_row(row) if row else None

    async def update_child(self, child_id: int, first_name: str | None, birth_month: str) -> None:
        async with self.write() as db:
            await db.execute(
                "UPDATE children SET first_name = ?, birth_month = ? WHERE id = ?",
                (first_name, birth_month, child_id),
            )

    async def shift_level(self, child_id: int, months: int, bound: int) -> int:
        """Move a child's level offset by ``months``, kept within +-``bound``; the new offset."""
        async with self.write() as db:
            await db.execute(
                "UPDATE children SET level_offset = MAX(?, MIN(?, level_offset + ?)) WHERE id = ?",
                (-bound, bound, months, child_id),
            )
            cursor = await db.execute("SELECT level_offset FROM children WHERE id = ?", (child_id,))
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def remove_child(self, child_id: int) -> None:
        async with self.write() as db:
            await db.execute("DELETE FROM children WHERE id = ?", (child_id,))

    # -- the family's own data ----------------------------------------------
    async def export_family(self, family_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every row held about a family, for /mydata."""
        queries = {
            "family": "SELECT * FROM families WHERE id = ?",
            "children": "SELECT * FROM children WHERE family_id = ?",
            "deliveries": "SELECT * FROM deliveries WHERE family_id = ? AND practitioner_id IS NULL",
            "replies": "SELECT * FROM events WHERE family_id = ?",
            "safeguarding_alerts": "SELECT * FROM safeguarding_alerts WHERE family_id = ?",
        }
        out: dict[str, list[dict[str, Any]]] = {}
        for name, sql in queries.items():
            out[name] = [dict(r) for r in await self.fetchall(sql, (family_id,))]
        return out

    async def erase_family(self, family_id: int) -> None:
        """/delete: every row about the family goes, in one transaction.

        secure_delete is on, so freed pages are zeroed; the WAL is checkpointed
        and truncated so no copy of the old pages lingers beside the database. If
        another connection (a backup, an operator's sqlite3) still reads an older
        snapshot, the checkpoint waits for it (``checkpoint``), so this returns, and
        the parent is told it is done, only once the family is gone from every file.
        """
        async with self.write() as db:
            for sql in (
                "DELETE FROM events WHERE family_id = ?",
                "DELETE FROM safeguarding_alerts WHERE family_id = ?",
                "DELETE FROM deliveries WHERE family_id = ?",
                "DELETE FROM children WHERE family_id = ?",
                "DELETE FROM families WHERE id = ?",
            ):
                await db.execute(sql, (family_id,))
        if not await self.checkpoint():
            log.warning("family %s erased, but older copies remain in the -wal for now", family_id)
