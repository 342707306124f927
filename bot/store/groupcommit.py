"""Writes of one kind that arrive together share one transaction (see GroupCommit)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import aiosqlite

from bot.store.db import StoreBase

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    """Writes of one kind that arrive while the store is busy share one transaction.

    Each caller still returns only once its own row is committed, with its own result
    or its own error, as with one transaction per call: only the number of commits
    (and of trips to the database thread) drops under load. ``apply`` writes a batch
    inside an open transaction and returns one result per item, in order. A batch
    that fails is tried again item by item, so a bad row fails only its own caller.
    """

    def __init__(
        self,
        store: StoreBase,
        apply: Callable[[aiosqlite.Connection, list[Item]], Awaitable[list[Result]]],
    ) -> None:
        self._store = store
        self._apply = apply
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._flushes: set[asyncio.Task[None]] = set()

    async def submit(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if len(self._waiting) == 1:
            # The first to wait starts the next transaction; whoever comes before it
            # holds the write lock rides along.
            flush = asyncio.create_task(self._flush())
            self._flushes.add(flush)
            flush.add_done_callback(self._flushes.discard)
        return await future

    async def _flush(self) -> None:
        async with self._store._lock:
            batch, self._waiting = self._waiting, []
            batch = [(item, future) for item, future in batch if not future.done()]
            if not batch:
                return
            try:
                async with self._store._transaction() as db:
                    results = await self._apply(db, [item for item, _ in batch])
            except Exception as exc:
                if len(batch) == 1:
                    _settle(batch[0][1], error=exc)
                    return
                for item, future in batch:
                    await self._one(item, future)
                return
            except BaseException:
                for _, future in batch:
                    future.cancel()
                raise
            for (_, future), result in zip(batch, results, strict=True):
                _settle(future, result)

    async def _one(self, item: Item, future: asyncio.Future[Result]) -> None:
        try:
            async with self._store._transaction() as db:
                [result] = await self._apply(db, [item])
        except Exception as exc:
            _settle(future, error=exc)
        except BaseException:
            future.cancel()
            raise
        else:
            _settle(future, result)


def _settle(
    future: asyncio.Future[Result], result: Result | None = None, error: Exception | None = None
) -> None:
    if future.done():  # the caller was cancelled meanwhile
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]
