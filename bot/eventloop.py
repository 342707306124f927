"""The event loop the bot runs on: uvloop where it is installed, else asyncio's own.

Why: in the benchmarks (tests/bench) about a sixth of the bot's CPU went to the event
loop and its socket transports; uvloop, the maintained libuv-based drop-in, cut the
bot's CPU per reply by about 15 %. It does not exist for Windows, where the standard
loop is used and everything behaves the same, only slower.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

try:
    import uvloop
except ImportError:  # Windows, or installed without it
    uvloop = None  # type: ignore[assignment]


def new_event_loop() -> asyncio.AbstractEventLoop:
    if uvloop is not None:
        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on :func:`new_event_loop`."""
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(main)


def install() -> asyncio.AbstractEventLoop:
    """Make a new loop the main thread's current one, for code (PTB's ``run_polling``)
    that takes the current loop rather than starting its own."""
    loop = new_event_loop()
    asyncio.set_event_loop(loop)
    return loop
