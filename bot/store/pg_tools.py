"""Operator tools for PostgreSQL: a backup with pg_dump."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bot.store.migrations_list import StoreError
from bot.store.pg import without_password
from bot.store.sqlite_files import create_private


def pg_program(name: str) -> str:
    """A PostgreSQL client program: on PATH, or where Debian's packages put it."""
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True):
        return candidate
    raise StoreError(f"{name} was not found; install PostgreSQL's client programs")


def _split_password(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and the environment that passes it instead (a
    password on a command line can be read by every account on the machine)."""
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password is None:
        return url, env
    env["PGPASSWORD"] = parts.password
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=f"{user}{host}")), env


async def pg_dump(url: str, target: Path) -> None:
    """pg_dump's custom format into a new file only its owner can read."""
    if not create_private(target):
        raise StoreError(f"{target} already exists; choose a new file name")
    dbname, env = _split_password(url)
    process = await asyncio.create_subprocess_exec(
        pg_program("pg_dump"),
        "--format=custom",
        "--no-owner",
        f"--file={target}",
        f"--dbname={dbname}",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    if process.returncode != 0:
        target.unlink(missing_ok=True)  # noqa: ASYNC240 (one small unlink on failure)
        detail = err.decode(errors="replace").strip().splitlines()
        raise StoreError(
            f"pg_dump of {without_password(url)} failed: {detail[-1] if detail else 'no reason'}"
        )
