"""How `playtalk run` receives updates: polling (the default) or a webhook behind a proxy.

Polling suits one process: Telegram hands each update to whichever poll asks, and a
second poller ends the first with 409 Conflict. Several processes (on several machines)
behind a load balancer need a webhook instead: Telegram POSTs each update to one URL,
the proxy passes it to any process, and each runs PTB's own webhook server (tornado)
on its ``--listen`` address.

Decisions, for an operator running several processes:

- **Every process calls setWebhook at start, with the same URL and secret.** The call
  is idempotent, so no process is special, any may restart alone, and nothing has to
  be coordinated. No process deletes the webhook when it stops: that would cut off the
  others. (Telegram keeps refused or undelivered updates and retries them, for up to a
  day, so a restart loses nothing.)
- **The secret is required and comes from ``PLAYTALK_WEBHOOK_SECRET``**, not generated:
  every process must check the same one, and one generated per process would make each
  start lock the others out. Telegram sends it in ``X-Telegram-Bot-Api-Secret-Token``;
  PTB's server answers 403 to a request without it or with another, so nobody who only
  knows the URL can post updates as if they came from parents.
- **https is required** when the Bot API is Telegram's (it sends webhooks over HTTPS,
  and only to ports 443, 80, 88 and 8443); a self-hosted Bot API server or the sandbox
  may use http and any port.
- **``--no-dispatch``** makes a receive-only process: it answers the updates it gets but
  runs no tick (no planning, digests or retention) and sends nothing from the outbox,
  which another process does. The rate limiter and the recovery of in-flight sends at
  start are per process, so with several processes exactly one should dispatch.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from telegram.constants import SUPPORTED_WEBHOOK_PORTS
from telegram.error import BadRequest
from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_ENV = "PLAYTALK_WEBHOOK_SECRET"  # noqa: S105 - a variable name
MAKE_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"  # noqa: S105 - how to make one
DEFAULT_LISTEN = "127.0.0.1:8080"
# The updates the handlers in bot/app.py are registered for; polling and webhook alike.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")
TELEGRAM_HOST = "api.telegram.org"

_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # Telegram's rule for secret_token
_MIN_SECRET = 16
_LISTEN = re.compile(r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[A-Za-z0-9.-]+)):(?P<port>\d{1,5})")
_PATH = re.compile(r"[A-Za-z0-9/_~.-]*")  # PTB matches the path as a regular expression


class WebhookError(Exception):
    """A bad webhook setting; one line for the operator (bot/cli.py exits 2 with it)."""


@dataclass(frozen=True)
class Webhook:
    """Where Telegram posts (``url``) and where this process listens (``host``, ``port``)."""

    url: str
    path: str
    host: str
    port: int
    secret: str = field(repr=False)


def add_run_arguments(run: argparse.ArgumentParser) -> None:
    """The `playtalk run` options (kept here so bot/cli.py stays short)."""
    run.add_argument(
        "--webhook",
        metavar="URL",
        help="receive updates by webhook at this public https URL instead of polling"
        f" (needs {SECRET_ENV}, the same on every process)",
    )
    run.add_argument(
        "--listen",
        metavar="HOST:PORT",
        help=f"where this process's webhook server listens, behind the proxy (default {DEFAULT_LISTEN})",
    )
    run.add_argument(
        "--no-dispatch",
        action="store_true",
        help="receive updates only: another process sends the outbox and runs the weekly jobs",
    )


def from_args(
    args: argparse.Namespace, api_root: str, env: Mapping[str, str] | None = None
) -> Webhook | None:
    """The webhook asked for on the command line, checked; None for polling."""
    if args.webhook is None:
        if args.listen is not None:
            raise WebhookError("--listen needs --webhook URL (without it the bot polls)")
        if args.no_dispatch:
            raise WebhookError(
                "--no-dispatch is for webhook processes behind a load balancer; a polling"
                " process is the only one and must dispatch"
            )
        return None
    official = urlsplit(api_root).hostname == TELEGRAM_HOST
    url, path = parse_url(args.webhook, official)
    host, port = parse_listen(args.listen or DEFAULT_LISTEN)
    return Webhook(url, path, host, port, read_secret(os.environ if env is None else env))


def parse_url(raw: str, official: bool) -> tuple[str, str]:
    """(the URL to give setWebhook, the path to serve it on)."""
    raw = raw.strip()
    parts = urlsplit(raw)
    if official and parts.scheme != "https":
        raise WebhookError(
            f"--webhook must be an https:// URL (Telegram sends updates only over HTTPS),"
            f" e.g. https://bot.example.org/telegram; got {raw!r}"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError(
            f"--webhook must be a URL like https://bot.example.org/telegram; got {raw!r}"
        )
    if parts.username is not None or parts.password is not None:
        raise WebhookError("--webhook must not hold a user name or password")
    if parts.query or parts.fragment or raw.endswith(("?", "#")):
        raise WebhookError(
            f"--webhook must not have a query (?...) or fragment (#...); got {raw!r}"
        )
    try:
        port = parts.port
    except ValueError:
        raise WebhookError(f"--webhook has a bad port number: {raw!r}") from None
    if official and port is not None and port not in SUPPORTED_WEBHOOK_PORTS:
        allowed = ", ".join(str(p) for p in SUPPORTED_WEBHOOK_PORTS)
        raise WebhookError(
            f"--webhook port {port} is not one Telegram sends to ({allowed});"
            " the proxy listens on one of those, --listen may use any"
        )
    path = parts.path or "/"
    if not _PATH.fullmatch(path):
        raise WebhookError("--webhook path may hold only letters, digits and / _ - . ~")
    return raw, path


def parse_listen(raw: str) -> tuple[str, int]:
    """HOST:PORT, IPv6 in brackets ([::1]:8080)."""
    found = _LISTEN.fullmatch(raw.strip())
    if found is None:
        raise WebhookError(
            f"--listen must be HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080; got {raw!r}"
        )
    host = found["v6"] or found["host"]
    if found["v6"]:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise WebhookError(f"--listen: {host!r} is not an IPv6 address") from None
    port = int(found["port"])
    if not 1 <= port <= 65535:
        raise WebhookError(f"--listen port must be 1 to 65535; got {port}")
    return host, port


def read_secret(env: Mapping[str, str]) -> str:
    secret = env.get(SECRET_ENV, "").strip()
    if not secret:
        raise WebhookError(
            f"{SECRET_ENV} is not set: a webhook needs a secret, the same on every process;"
            f" make one with {MAKE_SECRET}"
        )
    if not _SECRET.fullmatch(secret):
        raise WebhookError(
            f"{SECRET_ENV} may hold only letters, digits, _ and - (at most 256, Telegram's rule);"
            f" make one with {MAKE_SECRET}"
        )
    if len(secret) < _MIN_SECRET:
        raise WebhookError(
            f"{SECRET_ENV} is too short to be a secret ({len(secret)} characters, at least"
            f" {_MIN_SECRET}); make one with {MAKE_SECRET}"
        )
    return secret


def check_can_listen(host: str, port: int) -> None:
    """Fail with one line before setWebhook, not with a traceback after it: PTB binds
    its server only once Telegram has been told to send there."""
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise WebhookError(f"--listen {where}: no such host or address") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as tornado binds
        try:
            probe.bind(address)
        except OSError as exc:
            raise WebhookError(f"cannot listen on {where}: {exc.strerror or exc}") from None


class WithholdUpdateBodies(logging.Filter):
    """PTB's webhook handler logs each update's JSON at DEBUG, and a malformed one at
    CRITICAL: both hold parents' words and names, which playtalk never logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = str(record.msg)
        if text.startswith("Webhook received data"):
            return False
        if "Received data was" in text:
            record.msg, record.args = text.split("Received data was", 1)[0] + "(not logged)", None
        return True


class RedactSecret(logging.Filter):
    """At DEBUG, PTB logs setWebhook's parameters, the secret among them; on the handlers
    (as bot/cli.py's RedactToken) so every record is cleaned, whoever logged it."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: logging reports that itself
            return True
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "<webhook secret>"), None
        if record.exc_text and self.secret in record.exc_text:
            record.exc_text = record.exc_text.replace(self.secret, "<webhook secret>")
        return True


class LeaveRefusalToUs(logging.Filter):
    """PTB logs a refused setWebhook with its traceback before raising it; ``run_until_stopped`` turns
    the refusal into one line for the operator, so the traceback is only noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info is None or not isinstance(record.exc_info[1], BadRequest):
            return True
        try:
            return "Bootstrap Set Webhook" not in record.getMessage()
        except Exception:  # a broken format string: logging reports that itself
            return True


def run_until_stopped(
    app: Application[Any, Any, Any, Any, Any, Any], webhook: Webhook | None
) -> None:
    """Run until SIGTERM/SIGINT: poll, or serve the webhook."""
    if webhook is None:
        app.run_polling(allowed_updates=ALLOWED_UPDATES)
        return
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecret(webhook.secret))
    logging.getLogger("telegram.ext.Updater").addFilter(WithholdUpdateBodies())
    logging.getLogger("telegram.ext").addFilter(LeaveRefusalToUs())  # PTB's network retry loop
    check_can_listen(webhook.host, webhook.port)
    log.info(
        "receiving updates by webhook at %s; listening on %s:%d%s",
        webhook.url,
        webhook.host,
        webhook.port,
        webhook.path,
    )
    try:
        app.run_webhook(
            listen=webhook.host,
            port=webhook.port,
            url_path=webhook.path,
            webhook_url=webhook.url,
            secret_token=webhook.secret,
            allowed_updates=ALLOWED_UPDATES,
        )
    except BadRequest as exc:
        if "webhook" not in exc.message.lower():
            raise
        raise WebhookError(f"Telegram refused the webhook {webhook.url}: {exc.message}") from None
