"""Parents' replies, safeguarding alerts, digest bookkeeping and retention."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.clock import from_db, to_db
from bot.store.db import StoreBase
from bot.store.models import Event


def event_from_row(row: Any) -> Event:
    return Event(
        id=row["id"],
        family_id=row["family_id"],
        child_id=row["child_id"],
        delivery_id=row["delivery_id"],
        kind=row["kind"],
        tap=row["tap"],
        text=row["text"],
        file_id=row["file_id"],
        duration=row["duration"],
        shared=bool(row["shared"]),
        created_at=from_db(row["created_at"]),
    )


class EventQueries(StoreBase):
    async def add_event(
        self,
        family_id: int,
        kind: str,
        *,
        child_id: int | None = None,
        delivery_id: int | None = None,
        tap: str | None = None,
        text: str | None = None,
        file_id: str | None = None,
        duration: int | None = None,
        shared: bool = False,
    ) -> int:
        """Record a reply and note the family as engaged, in one transaction."""
        now = to_db(self.clock.now())
        async with self.write() as db:
            cursor = await db.execute(
                "INSERT INTO events (family_id, child_id, delivery_id, kind, tap, text, file_id,"
                " duration, shared, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    family_id,
                    child_id,
                    delivery_id,
                    kind,
                    tap,
                    text,
                    file_id,
                    duration,
                    int(shared),
                    now,
                ),
            )
            await db.execute(
                "UPDATE families SET last_reply_at = ?, checkin_sent_at = NULL WHERE id = ?",
                (now, family_id),
            )
            return int(cursor.lastrowid or 0)

    async def tap_recorded(self, delivery_id: int, tap: str) -> bool:
        row = await self.fetchone(
            "SELECT 1 FROM events WHERE delivery_id = ? AND kind = 'tap' AND tap = ?",
            (delivery_id, tap),
        )
        return row is not None

    async def events_of_family(self, family_id: int) -> list[Event]:
        rows = await self.fetchall(
            "SELECT * FROM events WHERE family_id = ? ORDER BY id", (family_id,)
        )
        return [event_from_row(r) for r in rows]

    async def count_events(self) -> int:
        row = await self.fetchone("SELECT COUNT(*) FROM events")
        return int(row[0]) if row else 0

    # -- quiet families -----------------------------------------------------
    async def quiet_families(self, silent_since: datetime) -> list[int]:
        """Active families enrolled before the cut-off with no reply since it and no open check-in."""
        cutoff = to_db(silent_since)
        rows = await self.fetchall(
            "SELECT id FROM families WHERE status = 'active' AND created_at < ?"
            " AND (last_reply_at IS NULL OR last_reply_at < ?)"
            " AND checkin_sent_at IS NULL",
            (cutoff, cutoff),
        )
        return [int(r[0]) for r in rows]

    async def mark_checked_in(self, family_id: int) -> None:
        async with self.write() as db:
            await db.execute(
                "UPDATE families SET checkin_sent_at = ?, cadence = 1 WHERE id = ?",
                (to_db(self.clock.now()), family_id),
            )

    # -- safeguarding -------------------------------------------------------
    async def add_safeguarding_alert(
        self, family_id: int, setting_id: int, text: str, matched: str
    ) -> int:
        async with self.write() as db:
            cursor = await db.execute(
                "INSERT INTO safeguarding_alerts (family_id, setting_id, text, matched, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (family_id, setting_id, text, matched, to_db(self.clock.now())),
            )
            return int(cursor.lastrowid or 0)

    async def count_alerts(self, setting_id: int) -> int:
        row = await self.fetchone(
            "SELECT COUNT(*) FROM safeguarding_alerts WHERE setting_id = ?", (setting_id,)
        )
        return int(row[0]) if row else 0

    # -- digests ------------------------------------------------------------
    async def digest_already_sent(self, setting_id: int, week: str) -> bool:
        row = await self.fetchone(
            "SELECT 1 FROM digests_sent WHERE setting_id = ? AND week = ?", (setting_id, week)
        )
        return row is not None

    async def record_digest(self, setting_id: int, week: str, recipients: int) -> None:
        async with self.write() as db:
            await db.execute(
                "INSERT OR IGNORE INTO digests_sent (setting_id, week, sent_at, recipients)"
                " VALUES (?, ?, ?, ?)",
                (setting_id, week, to_db(self.clock.now()), recipients),
            )

    # -- retention ----------------------------------------------------------
    async def purge_replies(
        self, older_than: datetime, files_older_than: datetime
    ) -> tuple[int, int]:
        """Drop replies past retention and forget photo/voice file ids sooner.

        Returns (replies deleted, file ids cleared).
        """
        async with self.write() as db:
            deleted = await db.execute(
                "DELETE FROM events WHERE created_at < ?", (to_db(older_than),)
            )
            cleared = await db.execute(
                "UPDATE events SET file_id = NULL WHERE file_id IS NOT NULL AND created_at < ?",
                (to_db(files_older_than),),
            )
            await db.execute(
                "DELETE FROM safeguarding_alerts WHERE created_at < ?", (to_db(older_than),)
            )
            return deleted.rowcount, cleared.rowcount
