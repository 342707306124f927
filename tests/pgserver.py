"""A throw-away PostgreSQL server for the tests: Debian's binaries, a cluster in a temp
dir, run as an unprivileged user, on a free loopback port; one fresh database per test.

PLAYTALK_TEST_POSTGRES=postgresql://… uses a server someone already runs instead (its
role must be allowed to CREATE DATABASE). PLAYTALK_REQUIRE_POSTGRES=1 (set by .ci/run)
turns "no PostgreSQL here" from a skip into a failure.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from bot.store import open_store
from bot.store.pg_tools import pg_program

TEMPLATE = "playtalk_template"


class NoPostgres(Exception):
    """No server could be found or started; the message says why."""


def _in_own_loop(make: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a coroutine to the end on a thread of its own: the session fixture that
    starts the server may be asked for from inside the test's running loop."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, make()).result()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_user() -> tuple[list[str], str | None]:
    """PostgreSQL refuses to run as root: the prefix that runs it as another account."""
    if os.geteuid() != 0:
        return [], None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        runuser = shutil.which("runuser")
        if runuser:
            return [runuser, "-u", name, "--"], name
    raise NoPostgres("running as root, with no 'postgres' account and runuser to start a server")


@dataclass
class PgServer:
    base_url: str  # up to the database name, e.g. postgresql://playtalk@127.0.0.1:5432
    data_dir: Path | None = None
    _prefix: list[str] = field(default_factory=list)
    _names: itertools.count[int] = field(default_factory=itertools.count)

    def url(self, database: str) -> str:
        return f"{self.base_url}/{database}"

    @classmethod
    def start(cls) -> PgServer:
        try:
            initdb, pg_ctl = pg_program("initdb"), pg_program("pg_ctl")
        except Exception as exc:
            raise NoPostgres(str(exc)) from None
        prefix, user = _as_user()
        data_dir = Path(tempfile.mkdtemp(prefix="playtalk-pg-"))
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(data_dir, entry.pw_uid, entry.pw_gid)
        port = _free_port()
        cluster = data_dir / "cluster"
        run = [*prefix, initdb, "-D", str(cluster), "-U", "playtalk", "--auth=trust"]
        run += ["--locale=C", "-E", "UTF8", "--no-sync"]
        subprocess.run(run, check=True, capture_output=True)
        options = (
            f"-p {port} -k {data_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        start = [*prefix, pg_ctl, "-D", str(cluster), "-l", str(data_dir / "log"), "-w"]
        done = subprocess.run([*start, "-o", options, "start"], capture_output=True, text=True)
        if done.returncode != 0:
            log = (data_dir / "log").read_text() if (data_dir / "log").exists() else ""
            raise NoPostgres(f"pg_ctl start failed: {done.stderr.strip()} {log[-500:]}")
        server = cls(f"postgresql://playtalk@127.0.0.1:{port}", data_dir, prefix)
        _in_own_loop(server._make_template)
        return server

    @classmethod
    def existing(cls, url: str) -> PgServer:
        base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
        server = cls(base)
        _in_own_loop(server._make_template)
        return server

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.url("postgres"))

    async def _make_template(self) -> None:
        admin = await self._admin()
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
            await admin.execute(f"CREATE DATABASE {TEMPLATE}")
        finally:
            await admin.close()
        store = await open_store(self.url(TEMPLATE))  # migrated once; copied per test
        await store.close()

    async def fresh_database(self) -> str:
        name = f"t{os.getpid()}_{next(self._names)}"
        admin = await self._admin()
        try:
            await admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        finally:
            await admin.close()
        return self.url(name)

    async def drop(self, url: str) -> None:
        admin = await self._admin()
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")
        finally:
            await admin.close()

    def stop(self) -> None:
        if self.data_dir is None:
            return
        pg_ctl = pg_program("pg_ctl")
        cluster = str(self.data_dir / "cluster")
        subprocess.run(
            [*self._prefix, pg_ctl, "-D", cluster, "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(self.data_dir, ignore_errors=True)


def start_server() -> PgServer:
    url = os.environ.get("PLAYTALK_TEST_POSTGRES")
    return PgServer.existing(url) if url else PgServer.start()
