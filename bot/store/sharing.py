"""What several dispatching processes share through the database: who holds which
claimed row (a lease per dispatcher), and Telegram's overall rate (a count per slot).

One process alone uses the same tables, so the single-machine and the several-machine
deployments run one code path.
"""

from __future__ import annotations

from datetime import timedelta

from bot.clock import to_db
from bot.store.db import StoreBase

_TAKE = (
    "INSERT INTO send_budget (second, used) VALUES (?, 1)"
    " ON CONFLICT (second) DO UPDATE SET used = send_budget.used + 1"
    " WHERE send_budget.used < ? RETURNING used"
)


class SharingQueries(StoreBase):
    # -- leases ---------------------------------------------------------------
    async def renew_lease(self, name: str, lease: timedelta) -> None:
        """This dispatcher is alive for ``lease`` more; its claimed rows are its own."""
        now = self.clock.now()
        async with self.write() as db:
            cursor = await db.execute(
                "UPDATE dispatchers SET expires_at = ? WHERE name = ?",
                (to_db(now + lease), name),
            )
            if cursor.rowcount == 0:
                await db.execute(
                    "INSERT INTO dispatchers (name, started_at, expires_at) VALUES (?, ?, ?)",
                    (name, to_db(now), to_db(now + lease)),
                )

    async def recover_in_flight(self, alive: str | None = None) -> int:
        """Rows left 'sending' by a dispatcher that is gone are sent again.

        Gone means: its lease ran out (it was killed, its machine lost), or it left
        no lease at all (a process from before leases). ``alive`` is the caller, whose
        own claims are in flight and stay as they are.
        """
        now = to_db(self.clock.now())
        async with self.write() as db:
            cursor = await db.execute(
                "UPDATE deliveries SET state = 'pending', next_attempt_at = NULL,"
                " claimed_by = NULL WHERE state = 'sending' AND (claimed_by IS NULL"
                "  OR (claimed_by != ? AND claimed_by NOT IN"
                "   (SELECT name FROM dispatchers WHERE expires_at > ?)))",
                (alive or "", now),
            )
            await db.execute("DELETE FROM dispatchers WHERE expires_at <= ?", (now,))
            return int(cursor.rowcount)

    async def release_lease(self, name: str) -> int:
        """A clean stop: whatever this dispatcher still held goes back to the queue."""
        async with self.write() as db:
            cursor = await db.execute(
                "UPDATE deliveries SET state = 'pending', next_attempt_at = NULL,"
                " claimed_by = NULL WHERE state = 'sending' AND claimed_by = ?",
                (name,),
            )
            await db.execute("DELETE FROM dispatchers WHERE name = ?", (name,))
            return int(cursor.rowcount)

    async def live_dispatchers(self) -> list[str]:
        rows = await self.fetchall(
            "SELECT name FROM dispatchers WHERE expires_at > ? ORDER BY started_at",
            (to_db(self.clock.now()),),
        )
        return [str(r[0]) for r in rows]

    # -- Telegram's overall rate ----------------------------------------------
    async def take_send_slot(self, slot: int, cap: int) -> bool:
        """One send in time slot ``slot`` if fewer than ``cap`` were taken in it."""
        async with self._lock:
            rows = await self._patiently(lambda: self._db.execute_fetchall(_TAKE, (slot, cap)))
        return bool(list(rows))

    async def forget_send_slots(self, before: int) -> None:
        await self.write_one("DELETE FROM send_budget WHERE second < ?", (before,))
