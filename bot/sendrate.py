"""Telegram's overall rate, shared by every process that sends, through the database.

Each process paces its own requests with PTB's AIORateLimiter; that alone would let
three processes send three times the cap. So before each outbox send a process also
takes one place in the current 100 ms slot from the database (bot/store/sharing.py).
Slot k holds floor((k+1)·r·T) - floor(k·r·T) places, so the slots add up to r a
second with at most a few sends in any one of them, and any number of processes,
on any number of machines, together send no more than r a second.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Protocol

SLOT_SECONDS = 0.1
_PRUNE_EVERY = 600  # slots (a minute): old counts are dropped this often


class SlotStore(Protocol):
    async def take_send_slot(self, slot: int, cap: int) -> bool: ...
    async def forget_send_slots(self, before: int) -> None: ...


class SharedRate:
    def __init__(self, store: SlotStore, per_second: float, slot_seconds: float = SLOT_SECONDS):
        self._store = store
        self._per_slot = per_second * slot_seconds
        self._slot_seconds = slot_seconds
        # One taker at a time in this process: a full slot costs one query, not one
        # per waiting send.
        self._turn = asyncio.Lock()
        self._last_pruned = 0
        self.waits = 0  # how often a send waited for a later slot (for the benchmarks)

    def places(self, slot: int) -> int:
        return math.floor((slot + 1) * self._per_slot) - math.floor(slot * self._per_slot)

    async def take(self) -> None:
        """Wait for a place in Telegram's overall rate, shared with every other process."""
        async with self._turn:
            while True:
                now = time.time()
                slot = int(now / self._slot_seconds)
                places = self.places(slot)
                if places > 0 and await self._store.take_send_slot(slot, places):
                    break
                self.waits += 1
                await asyncio.sleep(max(0.0, (slot + 1) * self._slot_seconds - time.time()))
            if slot - self._last_pruned >= _PRUNE_EVERY:
                self._last_pruned = slot
                await self._store.forget_send_slots(slot - _PRUNE_EVERY)
