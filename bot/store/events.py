"""Parents' replies, safeguarding alerts, digest bookkeeping and retention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

import aiosqlite

from bot.clock import from_db, to_db
from bot.store.db import StoreBase
from bot.store.groupcommit import GroupCommit
from bot.store.models import Event
from bot.store.pg import PgConnection

_INSERT_EVENT = (
    "INSERT INTO events (family_id, child_id, delivery_id, kind, tap, text, file_id,"
    " duration, shared, created_at, message_id, staff_reply_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_ENGAGED = "UPDATE families SET last_reply_at = ?, checkin_sent_at = NULL WHERE id = ?"


@dataclass(frozen=True, slots=True)
class _NewEvent:
    family_id: int
    child_id: int | None
    delivery_id: int | None
    kind: str
    tap: str | None
    text: str | None
    file_id: str | None
    duration: int | None
    shared: int
    created_at: str
    message_id: int | None = None  # the parent's Telegram message (a staff reply answers it)
    staff_reply_id: int | None = None  # the staff reply this message answers

    def row(self) -> tuple[Any, ...]:
        return (
            self.family_id,
            self.child_id,
            self.delivery_id,
            self.kind,
            self.tap,
            self.text,
            self.file_id,
            self.duration,
            self.shared,
            self.created_at,
            self.message_id,
            self.staff_reply_id,
        )


async def _insert_events(db: aiosqlite.Connection, events: list[_NewEvent]) -> list[int]:
    """Record replies and note their families as engaged (inside one open transaction)."""
    if len(events) == 1:
        [event] = events
        cursor = await db.execute(_INSERT_EVENT, event.row())
        await db.execute(_ENGAGED, (event.created_at, event.family_id))
        return [int(cursor.lastrowid or 0)]
    if isinstance(db, PgConnection):
        ids = await db.insert_counting(_INSERT_EVENT, [e.row() for e in events])
        await db.executemany(_ENGAGED, [(e.created_at, e.family_id) for e in events])
        return ids
    await db.executemany(_INSERT_EVENT, [e.row() for e in events])
    [(last,)] = await db.execute_fetchall("SELECT last_insert_rowid()")
    await db.executemany(_ENGAGED, [(e.created_at, e.family_id) for e in events])
    # One statement inserted them in order while this transaction held the write
    # lock: their rowids are the consecutive ones ending at the last.
    first = int(last) - len(events) + 1
    return list(range(first, int(last) + 1))


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
        message_id: int | None = None,
        staff_reply_id: int | None = None,
    ) -> int:
        """Record a reply and note the family as engaged, in one transaction.

        Replies that come in together share that transaction (see GroupCommit); each
        call returns once its own row is committed.
        """
        event = _NewEvent(
            family_id,
            child_id,
            delivery_id,
            kind,
            tap,
            text,
            file_id,
            duration,
            int(shared),
            to_db(self.clock.now()),
            message_id,
            staff_reply_id,
        )
        return await self._event_writes.submit(event)

    @cached_property
    def _event_writes(self) -> GroupCommit[_NewEvent, int]:
        return GroupCommit(self, _insert_events)

    async def tap_recorded(self, delivery_id: int, tap: str) -> bool:
        """Whether this answer to this delivery is already recorded (index events_delivery)."""
        row = await self.fetchone(
            "SELECT 1 FROM events WHERE delivery_id = ? AND kind = 'tap' AND tap = ? LIMIT 1",
            (delivery_id, tap),
        )
        return row is not None

    async def tapped_weeks(self, family_id: int, tap: str) -> set[str]:
        """The ISO weeks whose activity this family answered with ``tap`` (any child)."""
        rows = await self.fetchall(
            "SELECT DISTINCT d.iso_week FROM events e JOIN deliveries d ON d.id = e.delivery_id"
            " WHERE e.family_id = ? AND e.kind = 'tap' AND e.tap = ? AND d.iso_week IS NOT NULL",
            (family_id, tap),
        )
        return {str(r[0]) for r in rows}

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

    async def alert_delivered(self, alert_id: int) -> None:
        await self.write_one(
            "UPDATE safeguarding_alerts SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL",
            (to_db(self.clock.now()), alert_id),
        )

    async def undelivered_alerts(self, setting_id: int) -> list[int]:
        """Alerts no person has received yet (nobody reachable when they were raised)."""
        rows = await self.fetchall(
            "SELECT a.id FROM safeguarding_alerts a WHERE a.setting_id = ?"
            " AND a.delivered_at IS NULL AND NOT EXISTS (SELECT 1 FROM deliveries d"
            "  WHERE d.kind = 'alert' AND d.group_key LIKE 'alert:' || a.id || ':%'"
            "  AND d.state IN ('pending', 'sending'))"
            " ORDER BY a.id",
            (setting_id,),
        )
        return [int(r[0]) for r in rows]

    async def alert_record(self, alert_id: int) -> tuple[int, int, str, str, datetime] | None:
        """(family id, setting id, text, matched phrase, raised at) of one alert."""
        row = await self.fetchone(
            "SELECT family_id, setting_id, text, matched, created_at FROM safeguarding_alerts"
            " WHERE id = ?",
            (alert_id,),
        )
        if row is None:
            return None
        return (row[0], row[1], row[2], row[3], from_db(row[4]))

    # -- digests ------------------------------------------------------------
    async def digest_already_sent(self, setting_id: int, week: str) -> bool:
        row = await self.fetchone(
            "SELECT 1 FROM digests_sent WHERE setting_id = ? AND week = ?", (setting_id, week)
        )
        return row is not None

    async def record_digest(self, setting_id: int, week: str) -> bool:
        """The week's digest is queued (once); ``recipients`` grows as people receive it."""
        changed = await self.write_one(
            "INSERT OR IGNORE INTO digests_sent (setting_id, week, sent_at, recipients)"
            " VALUES (?, ?, ?, 0)",
            (setting_id, week, to_db(self.clock.now())),
        )
        return changed > 0

    async def digest_received(self, setting_id: int, week: str) -> None:
        await self.write_one(
            "UPDATE digests_sent SET recipients = recipients + 1 WHERE setting_id = ? AND week = ?",
            (setting_id, week),
        )

    # -- retention ----------------------------------------------------------
    async def purge_replies(
        self, older_than: datetime, files_older_than: datetime
    ) -> tuple[int, int]:
        """Drop replies past retention and forget photo/voice file ids sooner.

        Returns (replies deleted, file ids cleared). As for /delete, the WAL is then
        checkpointed: until it is, the main file still holds the old pages.
        """
        async with self.write() as db:
            deleted = await db.execute(
                "DELETE FROM events WHERE created_at < ?", (to_db(older_than),)
            )
            cleared = await db.execute(
                "UPDATE events SET file_id = NULL WHERE file_id IS NOT NULL AND created_at < ?",
                (to_db(files_older_than),),
            )
            alerts = await db.execute(
                "DELETE FROM safeguarding_alerts WHERE created_at < ?", (to_db(older_than),)
            )
            # Who answered which family when: kept no longer than the replies themselves.
            staff = await db.execute(
                "DELETE FROM staff_replies WHERE created_at < ?", (to_db(older_than),)
            )
            counts = deleted.rowcount, cleared.rowcount
            purged = sum(counts) + alerts.rowcount + staff.rowcount
        if purged and not self.on_postgres:
            async with self._lock:
                await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return counts
