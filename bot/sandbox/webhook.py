"""Webhooks: setWebhook, deleteWebhook, getWebhookInfo, and pushing updates to the bot.

A bot behind a load balancer receives updates by webhook instead of polling; the
sandbox does what Telegram does so that path runs against it too. Once a webhook is
set, each queued update is POSTed to its URL as JSON, with the secret token (if one
was set) in ``X-Telegram-Bot-Api-Secret-Token``; an update leaves the queue only when
the bot answered 2xx, otherwise it is tried again later and ``getWebhookInfo`` reports
the last error, as Telegram's does. While a webhook is set, ``getUpdates`` answers
409 Conflict. Updates are pushed one at a time, in order (Telegram's
``max_connections`` is stored and reported, not used): enough for the tests and the
demo, and it keeps "confirmed" meaning "a prefix of the queue" as with getUpdates.

Unlike Telegram, the sandbox accepts ``http://`` URLs and any port, as a self-hosted
Bot API server does: it runs on loopback, with no certificate to offer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.params import Params
from bot.sandbox.state import SandboxState

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass
class WebhookTarget:
    """The webhook the bot set, and what happened when the sandbox last used it."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    delivered: int = 0
    last_error_date: int | None = None
    last_error_message: str | None = None


def webhook_active() -> ApiError:
    return ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first",
    )


async def set_webhook(st: SandboxState, p: Params) -> Any:
    url = (p.string("url") or "").strip()
    if not url:  # Telegram: an empty URL removes the webhook
        return await delete_webhook(st, p)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if parts.hostname.endswith(".invalid"):  # RFC 2606: never resolves, on any network
        raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
    secret = p.string("secret_token")
    if secret is not None and not _SECRET.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = p.integer("max_connections") or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = p.decoded("allowed_updates", "allowed updates")
    if isinstance(allowed, list):
        st.allowed_updates = [str(kind) for kind in allowed]
    if p.flag("drop_pending_updates"):
        st.drop_updates()
    current = st.webhook
    if current is not None and (current.url, current.secret_token) == (url, secret):
        current.max_connections = max_connections  # the same webhook again: keep its history
    else:
        st.webhook = WebhookTarget(url, secret, max_connections)
    st.notify()  # a waiting long poll ends with 409, the pusher starts
    return True


async def delete_webhook(st: SandboxState, p: Params) -> Any:
    st.webhook = None
    if p.flag("drop_pending_updates"):
        st.drop_updates()
    st.notify()
    return True


async def get_webhook_info(st: SandboxState, p: Params) -> Any:
    target = st.webhook
    info: dict[str, Any] = {
        "url": target.url if target else "",
        "has_custom_certificate": False,
        "pending_update_count": st.pending_updates,
    }
    if target is not None:
        info["max_connections"] = target.max_connections
        if target.last_error_date is not None:
            info["last_error_date"] = target.last_error_date
            info["last_error_message"] = target.last_error_message
    if st.allowed_updates:
        info["allowed_updates"] = list(st.allowed_updates)
    return info


class WebhookPusher:
    """Sends queued updates to the webhook while one is set; started with the sandbox."""

    def __init__(self, st: SandboxState, timeout: float = 10.0) -> None:
        self._st = st
        self._timeout = timeout
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="sandbox-webhook")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def _run(self) -> None:
        st = self._st
        timeout = aiohttp.ClientTimeout(total=self._timeout)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while not st.closing:
                target = st.webhook
                updates = st.deliverable(1) if target is not None else []
                if target is None or not updates:
                    await st.wait_for_update(1.0)
                    continue
                update = updates[0]
                error = await self._post(http, target, update)
                if error is None:
                    target.delivered += 1
                    st.confirm(int(update["update_id"]) + 1)
                    continue
                target.last_error_date = int(time.time())
                target.last_error_message = error
                await asyncio.sleep(st.webhook_retry_seconds)

    @staticmethod
    async def _post(
        http: aiohttp.ClientSession, target: WebhookTarget, update: dict[str, Any]
    ) -> str | None:
        """None when the bot took the update, else Telegram's words for what went wrong."""
        headers = {"Content-Type": "application/json"}
        if target.secret_token:
            headers[SECRET_HEADER] = target.secret_token
        body = json.dumps(update, ensure_ascii=False).encode()
        try:
            async with http.post(target.url, data=body, headers=headers) as res:
                await res.read()
                if 200 <= res.status < 300:
                    return None
                return f"Wrong response from the webhook: {res.status} {res.reason or ''}".strip()
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientError as exc:
            return f"Connection failed: {type(exc).__name__}"
