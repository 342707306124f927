"""Queries for what staff give back to families: the monthly note and recorded activities.

Recordings are migration 006's table: at most one current (not withdrawn) recording
per setting, activity and language, so recording again replaces the old one and a
lead's withdrawal leaves the row (who recorded what, when) without its voice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.clock import from_db, to_db
from bot.store.db import StoreBase
from bot.vocab import FamilyStatus, Kind, Tap

# Taps that mean the family played the activity (too hard / too easy: they tried it).
PLAYED_TAPS = (Tap.DONE, Tap.TOO_HARD, Tap.TOO_EASY)


@dataclass
class MonthActivity:
    """What one family did in a month: games played per child, photos shared."""

    family_id: int
    locale: str
    games: dict[int, int] = field(default_factory=dict)  # child id -> weeks played
    photos: int = 0


@dataclass(frozen=True, slots=True)
class Recording:
    id: int
    setting_id: int
    activity_id: str
    locale: str
    file_id: str
    duration: int | None
    practitioner_id: int | None
    created_at: datetime


class PartnershipQueries(StoreBase):
    # -- the monthly note ------------------------------------------------------
    async def month_activity(
        self, setting_id: int, start: datetime, end: datetime
    ) -> list[MonthActivity]:
        """Active families of the setting who played or shared a photo in [start, end).

        A game played is one week's activity for one child that the family tapped
        done (or too hard / too easy) or answered with words, a photo or a voice note;
        its several touches and replies count once.
        """
        span = (setting_id, FamilyStatus.ACTIVE, to_db(start), to_db(end))
        played = await self.fetchall(
            "SELECT e.family_id, f.locale, d.child_id, COUNT(DISTINCT d.iso_week)"
            " FROM events e JOIN families f ON f.id = e.family_id"
            " JOIN deliveries d ON d.id = e.delivery_id"
            " WHERE f.setting_id = ? AND f.status = ? AND e.created_at >= ? AND e.created_at < ?"
            " AND d.child_id IS NOT NULL AND d.iso_week IS NOT NULL"
            " AND (e.kind != 'tap' OR e.tap IN (?, ?, ?))"
            " GROUP BY e.family_id, f.locale, d.child_id",
            (*span, *PLAYED_TAPS),  # the three placeholders above
        )
        photos = await self.fetchall(
            "SELECT e.family_id, f.locale, COUNT(*) FROM events e"
            " JOIN families f ON f.id = e.family_id"
            " WHERE f.setting_id = ? AND f.status = ? AND e.created_at >= ? AND e.created_at < ?"
            " AND e.kind = 'photo' GROUP BY e.family_id, f.locale",
            span,
        )
        found: dict[int, MonthActivity] = {}
        for family_id, locale, child_id, weeks in played:
            entry = found.setdefault(family_id, MonthActivity(family_id, locale))
            entry.games[int(child_id)] = int(weeks)
        for family_id, locale, count in photos:
            found.setdefault(family_id, MonthActivity(family_id, locale)).photos = int(count)
        return [found[k] for k in sorted(found)]

    # -- recordings --------------------------------------------------------------
    async def save_recording(
        self,
        setting_id: int,
        activity_id: str,
        locale: str,
        file_id: str,
        duration: int | None,
        practitioner_id: int | None,
    ) -> int:
        """Make this the current recording of the activity in that language."""
        now = to_db(self.clock.now())
        async with self.write() as db:
            await db.execute(
                "UPDATE recordings SET withdrawn_at = ? WHERE setting_id = ? AND activity_id = ?"
                " AND locale = ? AND withdrawn_at IS NULL",
                (now, setting_id, activity_id, locale),
            )
            cursor = await db.execute(
                "INSERT INTO recordings (setting_id, activity_id, locale, file_id, duration,"
                " practitioner_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (setting_id, activity_id, locale, file_id, duration, practitioner_id, now),
            )
            return int(cursor.lastrowid or 0)

    async def recordings_of_setting(self, setting_id: int) -> list[Recording]:
        rows = await self.fetchall(
            "SELECT * FROM recordings WHERE setting_id = ? AND withdrawn_at IS NULL"
            " ORDER BY locale, activity_id",
            (setting_id,),
        )
        return [_recording(r) for r in rows]

    async def withdraw_recording(self, recording_id: int, setting_id: int) -> bool:
        """Withdraw a current recording of this setting; False if there is none."""
        async with self.write() as db:
            async with db.execute(
                "SELECT file_id FROM recordings WHERE id = ? AND setting_id = ?"
                " AND withdrawn_at IS NULL",
                (recording_id, setting_id),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return False
            await db.execute(
                "UPDATE recordings SET withdrawn_at = ?, file_id = '' WHERE id = ?",
                (to_db(self.clock.now()), recording_id),
            )
            # Already queued with an activity but not sent yet: it does not go either.
            await db.execute(
                "UPDATE deliveries SET state = 'cancelled', last_error = 'recording withdrawn',"
                " payload = NULL WHERE kind = ? AND state = 'pending' AND instr(payload, ?) > 0",
                (Kind.RECORDING, str(row[0])),
            )
        return True

    async def recording_for_family(
        self, family_id: int, activity_id: str, locale: str
    ) -> tuple[str, str] | None:
        """(voice file id, setting name) of the current recording this family should hear."""
        row = await self.fetchone(
            "SELECT r.file_id, s.name FROM families f"
            " JOIN recordings r ON r.setting_id = f.setting_id"
            " JOIN settings s ON s.id = f.setting_id"
            " WHERE f.id = ? AND r.activity_id = ? AND r.locale = ? AND r.withdrawn_at IS NULL",
            (family_id, activity_id, locale),
        )
        return None if row is None else (str(row[0]), str(row[1]))

    async def coming_activities(
        self, setting_id: int, locale: str, until: datetime, limit: int
    ) -> list[str]:
        """Activity ids planned (not yet sent) for the setting's active families of this
        language, due before ``until``; soonest first."""
        rows = await self.fetchall(
            "SELECT d.activity_id FROM deliveries d JOIN families f ON f.id = d.family_id"
            " WHERE f.setting_id = ? AND f.locale = ? AND f.status = ?"
            " AND d.kind IN (?, ?) AND d.state = 'pending' AND d.due_at < ?"
            " GROUP BY d.activity_id ORDER BY MIN(d.due_at), d.activity_id LIMIT ?",
            (
                setting_id,
                locale,
                FamilyStatus.ACTIVE,
                Kind.ACTIVITY,
                Kind.SINGLE,
                to_db(until),
                limit,
            ),
        )
        return [str(r[0]) for r in rows]

    async def recording_counts(self) -> dict[str, int]:
        """Locale -> activities with a current recording in some setting."""
        rows = await self.fetchall(
            "SELECT locale, COUNT(DISTINCT activity_id) FROM recordings"
            " WHERE withdrawn_at IS NULL GROUP BY locale"
        )
        return {str(r[0]): int(r[1]) for r in rows}


def _recording(r: Any) -> Recording:
    return Recording(
        id=r["id"],
        setting_id=r["setting_id"],
        activity_id=r["activity_id"],
        locale=r["locale"],
        file_id=r["file_id"],
        duration=r["duration"],
        practitioner_id=r["practitioner_id"],
        created_at=from_db(r["created_at"]),
    )
