"""The bot token never reaches a log or an error message.

Whoever reads it can act as the bot: read every family's messages, write to them. It
is in the path of every Bot API URL, and aiohttp names the URL when a connection to
Telegram times out, so an unreachable Telegram is where it used to leak.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.cli import RedactToken, _setup_logging
from bot.request import AiohttpRequest, NotSentTimeout
from scheduler.dispatch import _maybe_delivered

TOKEN = "4242424242:AAF-secret_TokenPart-0123456789abcdefXYZ"
SECRET = TOKEN.split(":")[1]


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A loopback port that listens but never accepts, its one queue slot already
    taken: connecting there hangs until the connect timeout, as with a Telegram that
    a firewall silently drops."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    queued = []
    for _ in range(2):
        client = socket.socket()
        client.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            client.connect(("127.0.0.1", port))
        queued.append(client)
    yield port
    for client in queued:
        client.close()
    server.close()


@pytest.fixture
def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def _everything_printed(exc: BaseException) -> str:
    """What any log handler or crash report could show of ``exc``: its text, repr,
    arguments and the whole chain (causes and contexts), walked by hand as well."""
    parts = ["".join(traceback.format_exception(exc))]
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        parts += [str(link), repr(link), *map(str, link.args)]
        link = link.__cause__ or link.__context__
    return "\n".join(parts)


async def _call(port: int) -> BaseException:
    request = AiohttpRequest(connection_pool_size=1, connect_timeout=0.3, pool_timeout=0.1)
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request)
    await request.initialize()
    try:
        await bot.get_me()
    except NetworkError as exc:
        return exc
    finally:
        await request.shutdown()
    raise AssertionError("get_me reached a server that is not there")


async def test_unreachable_telegram_errors_do_not_carry_the_token(
    black_hole: int, closed_port: int
) -> None:
    timed_out = await _call(black_hole)
    assert isinstance(timed_out, TimedOut)
    # Still says what the dispatcher needs: the request never left.
    assert isinstance(timed_out.__cause__, NotSentTimeout)
    assert not _maybe_delivered(timed_out)
    assert "Connection timeout to host" in str(timed_out.__cause__)  # the reason stays
    refused = await _call(closed_port)
    assert isinstance(refused, NetworkError) and not isinstance(refused, TimedOut)
    for error in (timed_out, refused):
        printed = _everything_printed(error)
        assert TOKEN not in printed and SECRET not in printed, printed


def test_playtalk_run_against_an_unreachable_telegram_prints_no_token(
    tmp_path: Path, black_hole: int
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "PLAYTALK_"))}
    env |= {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{black_hole}",
        "PLAYTALK_DB": str(tmp_path / "run.db"),
        "PLAYTALK_LOG_LEVEL": "DEBUG",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=90,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "TimedOut" in output or "timed out" in output.lower()  # it did try, and said so
    assert SECRET not in output, output[-3000:]


def test_log_records_lose_the_token_in_message_arguments_and_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The second line of defence: whatever a library logs on its own."""
    caplog.set_level(logging.DEBUG)
    _setup_logging("DEBUG", TOKEN)
    installed = [
        f for h in logging.getLogger().handlers for f in h.filters if isinstance(f, RedactToken)
    ]
    try:
        assert installed and caplog.handler.filters
        log = logging.getLogger("some.library")
        url = f"https://api.telegram.org/bot{TOKEN}/getUpdates"
        log.warning("calling %s", url)
        log.info("token is %s", TOKEN)
        log.debug(f"file at https://api.telegram.org/file/bot{TOKEN}/photos/1.jpg")
        try:
            raise OSError(f"Connection timeout to host {url}")
        except OSError:
            log.exception("request failed")
        assert len(caplog.records) == 4
        assert "calling https://api.telegram.org/bot<token>/getUpdates" in caplog.text
        assert "Connection timeout to host" in caplog.text  # the traceback is still there
        assert SECRET not in caplog.text, caplog.text
    finally:
        for handler in logging.getLogger().handlers:
            for found in [f for f in handler.filters if isinstance(f, RedactToken)]:
                handler.removeFilter(found)
