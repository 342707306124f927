"""`playtalk run --webhook`: the real command in subprocesses, the sandbox pushing updates.

Each bot here is what an operator starts: ``python -m bot.cli run --webhook URL --listen
HOST:PORT`` with the token, the database and the secret in its environment, PTB's own
webhook server (tornado) receiving what the sandbox POSTs, the replies going back over
the Bot API. A small round-robin proxy in the test stands in for nginx in front of two
processes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.cli import main
from bot.clock import Clock
from bot.outbox import Payload
from bot.sandbox import Sandbox
from bot.store import open_store
from bot.store.outbox import NewStaffMessage
from bot.vocab import Kind

SECRET = "webhook-test-secret_0123456789abcdef"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
JOIN_TEXT = "To join, scan the QR code"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def operator_env(sandbox: Sandbox | None, db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "PLAYTALK_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=sandbox.token if sandbox else "123456:TEST-TOKEN",
        PLAYTALK_DB=str(db),
        PLAYTALK_WEBHOOK_SECRET=SECRET,
        PLAYTALK_DISPATCH_SECONDS="0.2",
    )
    if sandbox is not None:
        env["TELEGRAM_API_BASE_URL"] = sandbox.root
    env.update(extra)
    return env


@dataclass
class BotProcess:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@asynccontextmanager
async def bot_process(
    sandbox: Sandbox,
    tmp_path: Path,
    name: str,
    url: str,
    *extra: str,
    port: int = 0,
    log_level: str = "INFO",
) -> AsyncIterator[BotProcess]:
    """`playtalk run --webhook url --listen 127.0.0.1:port`, until it serves; SIGTERM after."""
    port = port or free_port()
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: ASYNC220 - returns at once; the waits below are async
            [sys.executable, "-m", "bot.cli", "run", "--webhook", url]
            + ["--listen", f"127.0.0.1:{port}", *extra],
            env=operator_env(sandbox, tmp_path / "bot.db", PLAYTALK_LOG_LEVEL=log_level),
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    bot = BotProcess(proc, port, log)
    try:
        deadline = time.monotonic() + 60
        while True:  # serving: PTB binds its server after setWebhook
            if proc.poll() is not None:
                raise AssertionError(f"{name} exited {proc.returncode}:\n{bot.output()}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                assert time.monotonic() < deadline, f"{name} never listened:\n{bot.output()}"
                await asyncio.sleep(0.05)
                continue
            writer.close()
            break
        yield bot
    finally:
        proc.terminate()
        try:
            await asyncio.to_thread(proc.wait, 20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AssertionError(f"{name} did not stop on SIGTERM:\n{bot.output()}") from None
    assert proc.returncode == 0, f"{name} exited {proc.returncode}:\n{bot.output()}"


def start_update(user_id: int) -> dict[str, Any]:
    """A /start from user_id as Telegram would post it."""
    who = {"id": user_id, "is_bot": False, "first_name": "Mallory"}
    return {
        "update_id": 900_000 + user_id,
        "message": {
            "message_id": 1,
            "from": who,
            "chat": {"id": user_id, "type": "private", "first_name": "Mallory"},
            "date": int(time.time()),
            "text": "/start",
            "entities": [{"offset": 0, "length": 6, "type": "bot_command"}],
        },
    }


async def test_start_by_webhook_gets_the_reply_and_logs_no_secrets(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"  # no proxy: the sandbox posts straight to it
    async with bot_process(sandbox, tmp_path, "bot", url, port=port):
        assert sandbox.webhook is not None
        assert (sandbox.webhook.url, sandbox.webhook.secret_token) == (url, SECRET)
        parent = sandbox.user(1001)
        parent.send_text("/start")
        [reply] = await parent.wait_for_messages(1, timeout=15)
        assert JOIN_TEXT in reply.plain
        parent.send_text("my Amelia loves puddles")
        await parent.wait_for_messages(2, timeout=15)
        assert sandbox.webhook.delivered == 2 and sandbox.pending_updates == 0
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{sandbox.base_url}{sandbox.token}/getUpdates") as res,
        ):
            assert res.status == 409, "with a webhook set, nobody can poll the bot's updates"
    log = (tmp_path / "bot.log").read_text()
    assert "receiving updates by webhook at " + url in log
    for secret in (sandbox.token, SECRET, "Amelia"):
        assert secret not in log


async def test_a_post_without_the_right_secret_is_refused_and_not_handled(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    async with (
        # DEBUG: PTB then logs setWebhook's parameters, and every update it processes.
        bot_process(sandbox, tmp_path, "bot", url, port=port, log_level="DEBUG") as bot,
        aiohttp.ClientSession() as http,
    ):
        forged = sandbox.user(2001)
        for headers in ({}, {SECRET_HEADER: "guessed-" + SECRET[8:]}):
            async with http.post(url, json=start_update(2001), headers=headers) as res:
                assert res.status == 403, headers
        await asyncio.sleep(1.0)
        assert forged.messages() == [], "a forged update was handled"
        # The same update with the secret is answered: the refusal above was the secret's.
        async with http.post(url, json=start_update(2001), headers={SECRET_HEADER: SECRET}) as res:
            assert res.status == 200
        [reply] = await forged.wait_for_messages(1, timeout=15)
        assert JOIN_TEXT in reply.plain
        # With the secret but not an update PTB can read: refused, and its words not logged.
        garbled = {"update_id": 1, "message": {"text": "Amelia", "chat": "?"}}
        async with http.post(url, json=garbled, headers={SECRET_HEADER: SECRET}) as res:
            assert res.status == 400
    log = bot.output()
    assert "Webhook Server started" in log, "the log is at DEBUG"
    assert SECRET not in log and "<webhook secret>" in log
    assert "Amelia" not in log


class RoundRobin:
    """nginx's upstream, in small: each POST goes to the next process, in turn."""

    def __init__(self) -> None:
        self.backends: list[int] = []
        self.served: list[int] = []  # the port of each process that answered 200
        self._turn = 0
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    async def start(self, port: int) -> None:
        app = web.Application()
        app.router.add_post("/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self._http = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        port = self.backends[self._turn % len(self.backends)]
        self._turn += 1
        headers = {
            k: request.headers[k] for k in ("Content-Type", SECRET_HEADER) if k in request.headers
        }
        try:
            async with self._http.post(
                f"http://127.0.0.1:{port}{request.path}", data=await request.read(), headers=headers
            ) as res:
                await res.read()
        except aiohttp.ClientError:
            return web.Response(status=502)
        if res.status == 200:
            self.served.append(port)
        return web.Response(status=res.status)


def states(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT state FROM deliveries ORDER BY id")]


async def test_two_processes_behind_one_url_one_of_them_receive_only(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    db = tmp_path / "bot.db"
    store = await open_store(db, Clock())
    setting = await store.add_setting("Sunflower Nursery", "Europe/London", "sunflower-code")
    await store.add_join_code(setting.id, "LEADS-CODE1", "lead", timedelta(days=1))
    lead = sandbox.user(4001)
    person = await store.redeem_join_code("LEADS-CODE1", lead.id, lead.chat_id, "en")
    assert person is not None

    def digest_part(text: str) -> NewStaffMessage:
        payload = Payload("text", text=text).dump()
        return NewStaffMessage(Kind.DIGEST, person.id, payload, Clock().now())

    # One row a process had in flight when it stopped, and one waiting to go.
    await store.enqueue_staff([digest_part("Was in flight")])
    assert len(await store.claim_due(Clock().now(), 10)) == 1
    await store.enqueue_staff([digest_part("Waiting in the outbox")])
    await store.close()
    assert states(db) == ["sending", "pending"]

    proxy = RoundRobin()
    proxy_port = free_port()
    await proxy.start(proxy_port)
    url = f"http://127.0.0.1:{proxy_port}/telegram"
    try:
        async with bot_process(sandbox, tmp_path, "receiver", url, "--no-dispatch") as receiver:
            proxy.backends.append(receiver.port)
            parent = sandbox.user(1001)
            parent.send_text("/start sunflower-code")
            [languages] = await parent.wait_for_messages(1, timeout=15)
            assert "English" in languages.buttons
            await asyncio.sleep(1.5)  # seven of the ticks a dispatching process would run
            assert lead.messages() == [], "a receive-only process sent from the outbox"
            assert states(db) == ["sending", "pending"], "it must not take others' rows back"

            async with bot_process(sandbox, tmp_path, "dispatcher", url) as dispatcher:
                proxy.backends.append(dispatcher.port)
                sent = await lead.wait_for_messages(2, timeout=15)
                assert {m.plain for m in sent} == {"Was in flight", "Waiting in the outbox"}
                served_before = len(proxy.served)
                # The journey goes on, its steps alternating between the two processes,
                # which share the database and so the signed buttons.
                parent.press("English")
                [consent] = (await parent.wait_for_messages(2, timeout=15))[1:]
                assert "Yes, I agree" in consent.buttons
                parent.press("Yes, I agree")
                [photos] = (await parent.wait_for_messages(3, timeout=15))[2:]
                assert "Yes, they may" in photos.buttons
                assert set(proxy.served[served_before:]) == {receiver.port, dispatcher.port}
    finally:
        await proxy.stop()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT locale FROM families WHERE chat_id = 1001").fetchone() == (
            "en",
        )
    assert states(db) == ["sent", "sent"]


@pytest.fixture
def cli_in_process() -> Iterator[None]:
    """main() installs its log filters on the root handlers; take them off again."""
    handlers = logging.getLogger().handlers
    before = {id(h): list(h.filters) for h in handlers}
    yield
    for handler in logging.getLogger().handlers:
        handler.filters[:] = before.get(id(handler), [])


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["run", *args])
    return code, capsys.readouterr().err


URL = "https://bot.example.org/telegram"


@pytest.mark.parametrize(
    ("args", "secret", "message"),
    [
        (("--webhook", "http://bot.example.org/telegram"), SECRET, "must be an https:// URL"),
        (("--webhook", "https://bot.example.org:8080/t"), SECRET, "port 8080 is not one Telegram"),
        (("--webhook", URL + "?key=1"), SECRET, "must not have a query"),
        (("--webhook", "https://"), SECRET, "must be a URL like"),
        (("--webhook", URL, "--listen", "8080"), SECRET, "--listen must be HOST:PORT"),
        (("--webhook", URL, "--listen", "localhost:"), SECRET, "--listen must be HOST:PORT"),
        (("--webhook", URL, "--listen", "127.0.0.1:70000"), SECRET, "port must be 1 to 65535"),
        (("--webhook", URL, "--listen", "[1::2::3]:8080"), SECRET, "not an IPv6 address"),
        (("--listen", "127.0.0.1:8080"), SECRET, "--listen needs --webhook"),
        (("--no-dispatch",), SECRET, "--no-dispatch is for webhook processes"),
        (("--webhook", URL), "short", "too short to be a secret"),
        (("--webhook", URL), "a secret with spaces in it", "may hold only letters"),
    ],
)
def test_bad_webhook_settings_are_one_line_exit_2(
    cli_in_process: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: tuple[str, ...],
    secret: str,
    message: str,
) -> None:
    for name, value in operator_env(
        None, tmp_path / "x.db", PLAYTALK_WEBHOOK_SECRET=secret
    ).items():
        monkeypatch.setenv(name, value)
    code, err = run_cli(capsys, *args)
    assert code == 2
    assert err.startswith("playtalk: error: ") and err.count("\n") == 1, err
    assert message in err
    assert not (tmp_path / "x.db").exists(), "checked before anything else"


def test_run_help_names_the_webhook_options(
    cli_in_process: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    for option in ("--webhook URL", "--listen HOST:PORT", "--no-dispatch"):
        assert option in out


def operator_runs(
    tmp_path: Path, env: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )


async def test_no_secret_busy_port_and_a_refused_url_are_one_line(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    env = operator_env(sandbox, tmp_path / "bot.db")
    del env["PLAYTALK_WEBHOOK_SECRET"]
    result = await asyncio.to_thread(operator_runs, tmp_path, env, "--webhook", URL)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "PLAYTALK_WEBHOOK_SECRET is not set" in result.stderr
    assert "secrets.token_urlsafe(32)" in result.stderr, "says how to make one"

    env = operator_env(sandbox, tmp_path / "bot.db")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        args = ("--webhook", "http://127.0.0.1/hook", "--listen", f"127.0.0.1:{taken}")
        result = await asyncio.to_thread(operator_runs, tmp_path, env, *args)
    assert result.returncode == 2, result.stderr
    assert f"cannot listen on 127.0.0.1:{taken}" in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.stderr
    assert sandbox.webhook is None, "refused before Telegram was told to send there"

    args = ("--webhook", "https://bot.example.invalid/hook", "--listen", f"127.0.0.1:{free_port()}")
    result = await asyncio.to_thread(operator_runs, tmp_path, env, *args)
    assert result.returncode == 2, result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith("playtalk: error: Telegram refused the webhook"), result.stderr
    assert "resolve host" in last and "Traceback" not in result.stderr
