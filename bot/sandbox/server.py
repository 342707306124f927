"""The HTTP face of the sandbox: ``/bot<token>/<method>`` and file downloads.

Faults are applied here, around the method, because that is where Telegram's own
failures happen: a refused token or unknown method first, then the counted failures of
``fail_next``, injected resets, 5xx answers and delays, then flood control, and only
then the method itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import struct
from http import HTTPStatus
from typing import Any

from aiohttp import web

from bot.sandbox.errors import ApiError, not_found, too_many_requests, unauthorized
from bot.sandbox.faults import Action
from bot.sandbox.methods import lookup
from bot.sandbox.params import read_params
from bot.sandbox.state import SandboxState

STATE_KEY = web.AppKey("sandbox_state", SandboxState)
SLEEPERS_KEY: web.AppKey[set[asyncio.Task[Any]]] = web.AppKey("sandbox_sleepers")
MAX_UPLOAD = 60 * 1024 * 1024
_LOG = logging.getLogger(__name__)

_NGINX_PAGE = (
    "<html>\r\n<head><title>{0}</title></head>\r\n<body>\r\n"
    "<center><h1>{0}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )


def _error(st: SandboxState, err: ApiError) -> web.Response:
    st.counters.count_error(err.code)
    return json_response(err.payload(), err.code)


def _server_error(st: SandboxState, status: int) -> web.Response:
    """Telegram answers its own 500 in JSON; the 502/503/504 come from nginx in front."""
    if status == 500:
        return _error(st, ApiError(500, "Internal Server Error"))
    st.counters.server_errors += 1
    title = f"{status} {HTTPStatus(status).phrase}"
    return web.Response(status=status, text=_NGINX_PAGE.format(title), content_type="text/html")


def _chat_key(raw: Any) -> int | str | None:
    if raw is None:
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        return str(raw)


def _dropped(request: web.Request) -> web.StreamResponse:
    """Drop the connection with a TCP reset instead of answering."""
    transport = request.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    return web.Response(status=499)  # never reaches the client


async def _sleep(request: web.Request, seconds: float) -> None:
    """Delay an answer; stop() cancels sleepers so shutdown stays quick."""
    task = asyncio.current_task()
    sleepers: set[asyncio.Task[Any]] = request.app[SLEEPERS_KEY]
    if task is not None:
        sleepers.add(task)
    try:
        await asyncio.sleep(seconds)
    finally:
        if task is not None:
            sleepers.discard(task)


async def _api(request: web.Request) -> web.StreamResponse:
    st = request.app[STATE_KEY]
    method, handler = lookup(request.match_info["method"])
    st.counters.calls[method] += 1
    if request.match_info["token"] != st.token:
        return _error(st, unauthorized())
    if handler is None:
        return _error(st, not_found())
    reset_after = False
    try:
        params = await read_params(request)
        faults = st.faults
        failure = faults.take_failure(method)
        if failure is not None:
            return _server_error(st, failure)
        if faults.applies_to(method):
            action = st.dice.roll(faults)
            if action is Action.RESET:
                st.counters.resets += 1
                if not faults.reset_after_processing:
                    return _dropped(request)
                reset_after = True
            if action is Action.ERROR_500:
                return _server_error(st, 500)
            if action is Action.ERROR_502:
                return _server_error(st, 502)
            if action is Action.SLOW:
                st.counters.delayed += 1
                await _sleep(request, faults.slow_seconds)
        loop = asyncio.get_running_loop()
        limited = faults.rate_limits(method)
        chat_key = _chat_key(params.raw("chat_id"))
        if limited:
            retry_after = st.limiter.check(faults, chat_key, loop.time())
            if retry_after is not None:
                raise too_many_requests(retry_after)
        result = await handler(st, params)
        if limited:
            st.limiter.record(chat_key, loop.time())
        answer = json_response({"ok": True, "result": result})
    except ApiError as err:
        answer = _error(st, err)
    except Exception:
        # A sandbox bug must be loud, not look like one of Telegram's own 5xx answers.
        _LOG.exception("sandbox failed while answering %s", method)
        answer = _error(st, ApiError(500, f"Internal Server Error: sandbox bug in {method}"))
    return _dropped(request) if reset_after else answer


async def _download(request: web.Request) -> web.StreamResponse:
    st = request.app[STATE_KEY]
    if request.match_info["token"] != st.token:
        return _error(st, unauthorized())
    stored = st.files.by_path(request.match_info["path"])
    if stored is None:
        return _error(st, not_found())
    return web.Response(
        body=stored.data, content_type=stored.mime_type or "application/octet-stream"
    )


def build_app(st: SandboxState) -> web.Application:
    app = web.Application(client_max_size=MAX_UPLOAD)
    app[STATE_KEY] = st
    app[SLEEPERS_KEY] = set()
    app.router.add_route("*", "/bot{token}/{method}", _api)
    app.router.add_get("/file/bot{token}/{path:.+}", _download)
    return app
