"""This process as one of several dispatchers: its name on the rows it claims, a lease
it renews while it runs, and taking over what a dead dispatcher left in flight.

A process killed mid-send leaves its claimed rows 'sending'. Alone, it finds them at
its next start; beside others, whichever renews its lease next after the dead one's
lease ran out sends them again. A clean stop gives its rows back at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from datetime import timedelta

from bot.sendrate import SharedRate
from bot.services import Services

log = logging.getLogger(__name__)


def dispatcher_name() -> str:
    """Unique per process start; the host and pid tell an operator which one it is."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


async def become_dispatcher(
    services: Services, rate: float, lease_seconds: float
) -> asyncio.Task[None]:
    """Name this process, share the overall rate ``rate`` (0: uncapped), take over
    what dead dispatchers left, and keep the lease renewed (the returned task)."""
    services.dispatcher = dispatcher_name()
    if rate > 0:
        services.send_rate = SharedRate(services.store, rate)
        # About half a second of sends per claim (at least one per concurrent sender):
        # the other processes find the rest of the queue still there to claim.
        services.claim_batch = min(500, max(16, int(rate / 2)))
    period = timedelta(seconds=lease_seconds)
    await take_over(services, period)
    return asyncio.get_running_loop().create_task(
        keep_lease(services, period), name="dispatcher-lease"
    )


async def take_over(services: Services, lease: timedelta) -> int:
    """Renew this process's lease and send again what dead dispatchers left."""
    store = services.store
    await store.renew_lease(services.dispatcher, lease)
    recovered = await store.recover_in_flight(alive=services.dispatcher)
    if recovered:
        log.info(
            "%d deliveries left in flight by a stopped dispatcher will be sent again", recovered
        )
        services.wake_dispatch()
    return recovered


async def keep_lease(services: Services, lease: timedelta) -> None:
    """Renew the lease three times per lease period, until cancelled at shutdown."""
    pause = lease.total_seconds() / 3
    while True:
        await asyncio.sleep(pause)
        try:
            await take_over(services, lease)
        except Exception:
            # A database that is briefly away: the next renewal tries again. Should
            # the lease lapse meanwhile, another dispatcher may repeat this one's
            # in-flight sends, as after a crash; none is lost.
            log.exception("could not renew the dispatcher lease")


async def give_back(services: Services) -> None:
    if services.dispatcher:
        returned = await services.store.release_lease(services.dispatcher)
        if returned:
            log.info("%d claimed deliveries returned to the queue at shutdown", returned)
