"""Six stores (six connections, as six processes have) claim one outbox at once on
PostgreSQL: every row is claimed exactly once (FOR UPDATE ... SKIP LOCKED)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.clock import Clock
from bot.store import NewDelivery, Store, open_store
from tests.factories import active_family
from tests.pgserver import PgServer

ROWS = 300


@pytest.fixture
async def outbox(pg_server: PgServer, clock: Clock) -> AsyncIterator[str]:
    url = await pg_server.fresh_database()
    store = await open_store(url, clock)
    setting = await store.add_setting("Oak", "Europe/London", "oak")
    rows = []
    for n in range(ROWS):
        family, [child] = await active_family(store, setting.id, 5000 + n)
        rows.append(NewDelivery(child.id, family.id, "2026-W48", "a1", 1, "single", clock.now()))
    await store.insert_deliveries(rows)
    await store.close()
    yield url
    await pg_server.drop(url)


async def _claim_all(store: Store, clock: Clock, owner: str) -> list[int]:
    claimed: list[int] = []
    while batch := await store.claim_due(clock.now() + timedelta(minutes=1), 5, owner):
        claimed += [item.id for item in batch]
    return claimed


async def test_six_claimers_at_once_claim_every_row_exactly_once(outbox: str, clock: Clock) -> None:
    stores = [await open_store(outbox, clock) for _ in range(6)]
    try:
        shares = await asyncio.gather(
            *(_claim_all(s, clock, f"test:{n}:x") for n, s in enumerate(stores))
        )
    finally:
        for store in stores:
            await store.close()
    counts = Counter(row for share in shares for row in share)
    assert len(counts) == ROWS
    assert max(counts.values()) == 1, [r for r, n in counts.items() if n > 1][:10]
    assert sum(1 for share in shares if share) >= 2  # they really claimed side by side
