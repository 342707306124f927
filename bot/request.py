"""python-telegram-bot's HTTP layer on aiohttp instead of httpx.

Why: every Bot API call goes through this class, and with PTB's own ``HTTPXRequest``
the client alone cost about 1.6 ms of CPU per call on this project's machine (an
aiohttp session to the same server about 0.2 ms). At Telegram's 30 msg/s that does
not matter; for the weekly fan-out on the paid broadcast tier (1 000 msg/s) and for
bursts of parents' replies it is most of the bot's CPU (tests/bench, README
"Performance"). PTB supports swapping the client through ``BaseRequest``; the
maintained aiohttp version lives in ptbcontrib, which is not published on PyPI, so
this is our own, kept to what the bot uses.

Behaviour kept from ``HTTPXRequest``: the same four timeouts (aiohttp merges the
pool and connect waits, see ``_timeout``), ``TimedOut`` for timeouts and
``NetworkError`` for every other transport failure (PTB turns both into retries or
error handler calls), and a ``TimedOut`` caused by :class:`NotSentTimeout` when the
request never left (no free connection, or no connection), so the dispatcher knows
the message cannot have been delivered (scheduler/dispatch.py).

The URL of every call holds the bot token (``/bot<token>/sendMessage``) and aiohttp
names the URL in some errors ("Connection timeout to host http://.../bot123:AA.../getMe").
PTB logs errors with their whole chain, so no exception raised here, nor any it is
chained to, carries the token: texts are redacted and an aiohttp error whose text still
names it is replaced by a stand-in of the same kind (``_scrubbed``).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.request import getproxies, proxy_bypass

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

from bot.config import redact_token

_NOT_SENT = (
    "Pool or connect timeout: the request was not sent to Telegram. "
    "Consider a larger connection pool or a longer pool timeout."
)
_JSON = {"Content-Type": "application/json"}


class NotSentTimeout(TimeoutError):
    """The request timed out before any byte of it reached Telegram."""


class RedactedTimeout(TimeoutError):
    """Stands in for a timeout whose own text named the bot token."""


class RedactedConnectionError(aiohttp.ClientConnectionError):
    """Stands in for a connection error whose own text named the bot token."""


class RedactedClientError(aiohttp.ClientError):
    """Stands in for any other aiohttp error whose own text named the bot token."""


def _leaks(exc: BaseException | None) -> bool:
    """Whether ``exc`` or anything chained to it prints a token (str, repr, args)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        for text in (str(exc), repr(exc), *(str(a) for a in exc.args)):
            if redact_token(text) != text:
                return True
        exc = exc.__cause__ or exc.__context__
    return False


def _scrubbed(exc: BaseException) -> BaseException:
    """``exc`` itself to chain to, or, if its text names the token, a stand-in that
    keeps its kind (what PTB and the dispatcher look at) and a redacted message."""
    if not _leaks(exc):
        return exc
    text = f"{type(exc).__name__}: {redact_token(str(exc))}"
    if isinstance(exc, TimeoutError):
        return RedactedTimeout(text)
    if isinstance(exc, aiohttp.ClientConnectionError):
        return RedactedConnectionError(text)
    if isinstance(exc, aiohttp.ClientError):
        return RedactedClientError(text)
    return RuntimeError(text)


class AiohttpRequest(BaseRequest):
    """One aiohttp session per instance; the Application uses one for the Bot API
    methods and a second, single-connection one for getUpdates, as PTB does."""

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_targets",
        "_timeouts",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 1,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        # A session belongs to the event loop it was made in: made in initialize().
        self._session: aiohttp.ClientSession | None = None
        self._targets: dict[str, tuple[URL, str | None]] = {}
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                timeout=aiohttp.ClientTimeout(total=None),
                # The Bot API answers JSON; PTB parses it, so no cookie jar here.
                cookie_jar=aiohttp.DummyCookieJar(),
                # Not trust_env: aiohttp would then re-read the proxy variables and
                # ~/.netrc on every request (0.6 ms of CPU each here). The proxy is
                # looked up once per URL instead (_target).
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def _target(self, url: str) -> tuple[URL, str | None]:
        """The parsed URL and the proxy the environment names for it (HTTP_PROXY,
        HTTPS_PROXY, NO_PROXY, as PTB's httpx client honours them). The Bot API has a
        few dozen URLs, so both are worked out once per URL, not on every call."""
        found = self._targets.get(url)
        if found is None:
            parsed = URL(url)
            proxy = None
            if not (parsed.host and proxy_bypass(parsed.host)):
                proxy = getproxies().get(parsed.scheme)
            found = self._targets[url] = (parsed, proxy)
        return found

    def _timeout(
        self,
        read: Any,
        write: Any,
        connect: Any,
        pool: Any,
        has_files: bool,
    ) -> aiohttp.ClientTimeout:
        read_s: float | None = self._read_timeout if read is BaseRequest.DEFAULT_NONE else read
        connect_s: float | None = (
            self._connect_timeout if connect is BaseRequest.DEFAULT_NONE else connect
        )
        pool_s: float | None = self._pool_timeout if pool is BaseRequest.DEFAULT_NONE else pool
        write_s: float | None = (
            (self._media_write_timeout if has_files else self._write_timeout)
            if write is BaseRequest.DEFAULT_NONE
            else write
        )
        # aiohttp's ``connect`` covers waiting for a pooled connection and opening one
        # together, so the pool wait may last up to pool + connect timeout (httpx: pool
        # alone); ``sock_connect`` still bounds opening the socket. ``sock_read`` is the
        # gap allowed between bytes of the answer. aiohttp has no write timeout of its
        # own: an upload's is folded into the read allowance.
        waiting = None if pool_s is None else pool_s + (connect_s or 0.0)
        sock_read = read_s
        if has_files and read_s is not None and write_s is not None:
            sock_read = read_s + write_s
        key = (waiting, connect_s, sock_read)
        timeout = self._timeouts.get(key)
        if timeout is None:
            timeout = self._timeouts[key] = aiohttp.ClientTimeout(
                total=None, connect=waiting, sock_connect=connect_s, sock_read=sock_read
            )
        return timeout

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        has_files = bool(request_data and request_data.contains_files)
        timeout = self._timeout(
            read_timeout, write_timeout, connect_timeout, pool_timeout, has_files
        )
        body: Any = None
        headers: dict[str, str] | None = None
        if request_data is not None and has_files:
            # quote_fields=False: aiohttp would otherwise percent-encode file names
            # ("März.csv" -> "M%C3%A4rz.csv"), and Telegram shows them as sent.
            form = aiohttp.FormData(request_data.json_parameters, quote_fields=False)
            for name, (filename, content, mime_type) in request_data.multipart_data.items():
                form.add_field(name, content, filename=filename, content_type=mime_type)
            body = form
        elif request_data is not None:
            # Telegram takes a JSON body for every method that uploads nothing: one
            # encoding of the parameters instead of PTB's JSON-inside-a-form.
            body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
            headers = _JSON
        target, proxy = self._target(url)
        error: NetworkError
        cause: BaseException
        try:
            async with session.request(
                method, target, data=body, headers=headers, timeout=timeout, proxy=proxy
            ) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as exc:
            error, cause = TimedOut(_NOT_SENT), NotSentTimeout(redact_token(str(exc)))
        except TimeoutError as exc:
            error, cause = TimedOut(), _scrubbed(exc)
        except aiohttp.ClientError as exc:
            error = NetworkError(f"aiohttp.{type(exc).__name__}: {redact_token(str(exc))}")
            cause = _scrubbed(exc)
        except Exception as exc:
            # PTB would wrap it as NetworkError(repr(exc)), the URL and token included.
            error = NetworkError(f"{type(exc).__name__}: {redact_token(str(exc))}")
            cause = _scrubbed(exc)
        # Raised here, not inside the except clauses: there the original error would
        # also ride along as __context__, its text intact.
        raise error from cause
