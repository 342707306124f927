"""Read-only views of the store that only tests and benchmarks need.

The bot never asks these questions, so they live here rather than in bot/store;
they go through the store's own connection, so they see what the bot wrote.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.store import Delivery, Store
from bot.store.deliveries import delivery_from_row


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
