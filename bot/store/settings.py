"""Settings, practitioners, join codes and the guess throttle."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from bot.clock import from_db, to_db
from bot.store.db import StoreBase
from bot.store.models import Practitioner, Setting


def hash_code(code: str) -> str:
    """Join codes are stored only as hashes: a copied database yields no usable code."""
    normalised = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def _setting(row: Any) -> Setting:
    return Setting(
        id=row["id"],
        name=row["name"],
        timezone=row["timezone"],
        parent_code=row["parent_code"],
        digest_weekday=row["digest_weekday"],
        digest_hour=row["digest_hour"],
        focus_area=row["focus_area"],
        focus_until=date.fromisoformat(row["focus_until"]) if row["focus_until"] else None,
        created_at=from_db(row["created_at"]),
    )


def _practitioner(row: Any) -> Practitioner:
    return Practitioner(
        id=row["id"],
        setting_id=row["setting_id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        role=row["role"],
        locale=row["locale"],
        blocked_at=from_db(row["blocked_at"]) if row["blocked_at"] else None,
        blocked_reason=row["blocked_reason"],
        display_name=row["display_name"],
        awaiting=row["awaiting"],
    )


class SettingQueries(StoreBase):
    async def add_setting(self, name: str, timezone: str, parent_code: str) -> Setting:
        async with self.write() as db:
            cursor = await db.execute(
                "INSERT INTO settings (name, timezone, parent_code, created_at) VALUES (?, ?, ?, ?)",
                (name, timezone, parent_code, to_db(self.clock.now())),
            )
            setting_id = cursor.lastrowid
        setting = await self.get_setting(int(setting_id or 0))
        assert setting is not None
        return setting

    async def get_setting(self, setting_id: int) -> Setting | None:
        row = await self.fetchone("SELECT * FROM settings WHERE id = ?", (setting_id,))
        return _setting(row) if row else None

    async def setting_by_name(self, name: str) -> Setting | None:
        row = await self.fetchone(
            "SELECT * FROM settings WHERE name = ? COLLATE NOCASE ORDER BY id LIMIT 1", (name,)
        )
        return _setting(row) if row else None

    async def setting_by_parent_code(self, code: str) -> Setting | None:
        row = await self.fetchone("SELECT * FROM settings WHERE parent_code = ?", (code,))
        return _setting(row) if row else None

    async def list_settings(self) -> list[Setting]:
        return [_setting(r) for r in await self.fetchall("SELECT * FROM settings ORDER BY id")]

    async def set_focus(self, setting_id: int, area: str | None, until: date | None) -> None:
        async with self.write() as db:
            await db.execute(
                "UPDATE settings SET focus_area = ?, focus_until = ? WHERE id = ?",
                (area, until.isoformat() if until else None, setting_id),
            )

    # -- join codes ---------------------------------------------------------
    async def add_join_code(self, setting_id: int, code: str, role: str, ttl: timedelta) -> None:
        now = self.clock.now()
        async with self.write() as db:
            await db.execute(
                "INSERT INTO join_codes (setting_id, code_hash, role, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (setting_id, hash_code(code), role, to_db(now), to_db(now + ttl)),
            )

    async def redeem_join_code(
        self, code: str, user_id: int, chat_id: int, locale: str
    ) -> Practitioner | None:
        """Use a code once: the check and the marking happen in one transaction.

        A code changes the role in its own setting only; the person's other
        memberships keep theirs. Joining forgets which setting they had chosen, so a
        person of several settings is asked again rather than acting on one unawares.
        """
        now = to_db(self.clock.now())
        async with self.write() as db:
            async with db.execute(
                "SELECT id, setting_id, role FROM join_codes"
                " WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?",
                (hash_code(code), now),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            await db.execute(
                "UPDATE join_codes SET used_at = ?, used_by = ? WHERE id = ?",
                (now, user_id, row["id"]),
            )
            await db.execute(
                "INSERT INTO practitioners (setting_id, user_id, chat_id, role, locale, joined_at)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (setting_id, user_id) DO UPDATE SET role = excluded.role,"
                " chat_id = excluded.chat_id",
                (row["setting_id"], user_id, chat_id, row["role"], locale, now),
            )
            await db.execute("UPDATE practitioners SET chosen = 0 WHERE user_id = ?", (user_id,))
        found = await self.fetchone(
            "SELECT * FROM practitioners WHERE setting_id = ? AND user_id = ?",
            (row["setting_id"], user_id),
        )
        return _practitioner(found) if found else None

    async def practitioners_of(self, user_id: int) -> list[Practitioner]:
        rows = await self.fetchall(
            "SELECT * FROM practitioners WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return [_practitioner(r) for r in rows]

    async def chosen_setting(self, user_id: int) -> int | None:
        """The setting this person last chose to act on, if any."""
        row = await self.fetchone(
            "SELECT setting_id FROM practitioners WHERE user_id = ? AND chosen = 1"
            " ORDER BY id LIMIT 1",
            (user_id,),
        )
        return int(row["setting_id"]) if row else None

    async def choose_setting(self, user_id: int, setting_id: int) -> bool:
        """Remember the setting this person's commands act on; False if not a member."""
        async with self.write() as db:
            async with db.execute(
                "SELECT 1 FROM practitioners WHERE user_id = ? AND setting_id = ?",
                (user_id, setting_id),
            ) as cursor:
                if await cursor.fetchone() is None:
                    return False
            await db.execute(
                "UPDATE practitioners SET chosen = CASE WHEN setting_id = ? THEN 1 ELSE 0 END WHERE user_id = ?",
                (setting_id, user_id),
            )
        return True

    async def setting_staff(self, setting_id: int, role: str | None = None) -> list[Practitioner]:
        if role is None:
            rows = await self.fetchall(
                "SELECT * FROM practitioners WHERE setting_id = ? ORDER BY id", (setting_id,)
            )
        else:
            rows = await self.fetchall(
                "SELECT * FROM practitioners WHERE setting_id = ? AND role = ? ORDER BY id",
                (setting_id, role),
            )
        return [_practitioner(r) for r in rows]
