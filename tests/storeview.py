"""Read-only views of the store that only tests and benchmarks need.

The bot never asks these questions, so they live here rather than in bot/store;
they go through the store's own connection, so they see what the bot wrote.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.store import Delivery, Event, Store
from bot.store.deliveries import delivery_from_row
from bot.store.events import event_from_row


async def all_deliveries(store: Store) -> list[Delivery]:
    """Every planned family row (activities and check-ins), oldest first."""
    rows = await store.fetchall(
        "SELECT * FROM deliveries WHERE practitioner_id IS NULL AND child_id IS NOT NULL"
        " ORDER BY id"
    )
    return [delivery_from_row(r) for r in rows]


async def deliveries_of_family(store: Store, family_id: int) -> list[Delivery]:
    rows = await store.fetchall(
        "SELECT * FROM deliveries WHERE family_id = ? AND practitioner_id IS NULL"
        " AND child_id IS NOT NULL ORDER BY due_at, id",
        (family_id,),
    )
    return [delivery_from_row(r) for r in rows]


async def delivery_states(store: Store) -> dict[str, int]:
    rows = await store.fetchall("SELECT state, COUNT(*) FROM deliveries GROUP BY state")
    return {r[0]: int(r[1]) for r in rows}


async def table_counts(store: Store, tables: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in tables:
        row = await store.fetchone(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - our names
        counts[table] = int(row[0]) if row else 0
    return counts


async def schema_version(store: Store) -> int:
    row = await store.fetchone("PRAGMA user_version")
    return int(row[0]) if row else 0


async def events_of_family(store: Store, family_id: int) -> list[Event]:
    rows = await store.fetchall(
        "SELECT * FROM events WHERE family_id = ? ORDER BY id", (family_id,)
    )
    return [event_from_row(r) for r in rows]


async def count_events(store: Store) -> int:
    row = await store.fetchone("SELECT COUNT(*) FROM events")
    return int(row[0]) if row else 0


async def count_alerts(store: Store, setting_id: int) -> int:
    row = await store.fetchone(
        "SELECT COUNT(*) FROM safeguarding_alerts WHERE setting_id = ?", (setting_id,)
    )
    return int(row[0]) if row else 0


async def digest_recipients(store: Store, setting_id: int, week: str) -> int | None:
    """How many people received every part of a week's digest (None: not queued)."""
    row = await store.fetchone(
        "SELECT recipients FROM digests_sent WHERE setting_id = ? AND week = ?", (setting_id, week)
    )
    return int(row[0]) if row else None


async def staff_messages(store: Store, practitioner_id: int) -> list[tuple[str, str, str | None]]:
    """(kind, state, last error) of every outbox row to one practitioner, oldest first."""
    rows = await store.fetchall(
        "SELECT kind, state, last_error FROM deliveries WHERE practitioner_id = ? ORDER BY id",
        (practitioner_id,),
    )
    return [(r[0], r[1], r[2]) for r in rows]
