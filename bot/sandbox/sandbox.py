"""The sandbox as tests, the demo and the benchmarks use it.

One object is both the fake Telegram (an aiohttp server a real PTB ``Bot`` talks to)
and the handle to drive it: create users, let them write and press buttons, read what
the bot sent, switch faults on and off.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web

from bot.sandbox import webui
from bot.sandbox.server import SLEEPERS_KEY, build_app
from bot.sandbox.state import Chat, SandboxState
from bot.sandbox.updates import my_chat_member
from bot.sandbox.users import SandboxUser
from bot.sandbox.webhook import WebhookPusher

DEFAULT_TOKEN = "123456:SANDBOX-TOKEN"  # noqa: S105 - a fake token for a fake server


class Sandbox(SandboxState):
    """A local stand-in for the Telegram Bot API over real HTTP."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "playtalk_sandbox_bot",
        seed: int = 0,
    ) -> None:
        super().__init__(token, bot_username, seed)
        self.root = ""
        self.port = 0
        self._users: dict[int, SandboxUser] = {}
        self._runner: web.AppRunner | None = None
        self._app: web.Application | None = None
        self._pusher: WebhookPusher | None = None

    # -- lifecycle ---------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on ``host:port``; port 0 picks a free port (see ``root``)."""
        app = build_app(self)
        webui.setup(app, self)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        self._runner, self._app = runner, app
        self.loop = asyncio.get_running_loop()
        self.closing = False
        self.port = int(runner.addresses[0][1])
        shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host  # noqa: S104
        shown = f"[{shown}]" if ":" in shown else shown
        self.root = f"http://{shown}:{self.port}"
        self._pusher = WebhookPusher(self)
        self._pusher.start()

    async def stop(self) -> None:
        """Stop serving; long polls return empty and delayed answers are dropped."""
        self.closing = True
        self.notify()
        if self._pusher is not None:
            await self._pusher.stop()
            self._pusher = None
        if self._app is not None:
            sleepers = self._app[SLEEPERS_KEY]
            for task in list(sleepers):
                task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = self._app = None
        self.loop = None

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """What to pass as PTB's ``base_url``."""
        return f"{self.root}/bot"

    @property
    def base_file_url(self) -> str:
        """What to pass as PTB's ``base_file_url``."""
        return f"{self.root}/file/bot"

    # -- people and chats --------------------------------------------------------
    def user(
        self,
        user_id: int,
        *,
        first_name: str = "Sam",
        language_code: str | None = "en",
        username: str | None = None,
    ) -> SandboxUser:
        """The user with this id, created on first use (their private chat too)."""
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        created = SandboxUser(
            self, user_id, first_name=first_name, language_code=language_code, username=username
        )
        self._users[user_id] = created
        return created

    def users(self) -> list[SandboxUser]:
        return list(self._users.values())

    def add_to_group(
        self,
        chat_id: int,
        by_user: SandboxUser,
        *,
        title: str = "Family group",
        kind: str = "group",
    ) -> None:
        """Add the bot to a group, queueing the two updates Telegram sends for it."""
        if kind not in ("group", "supergroup"):
            raise ValueError(f"kind must be 'group' or 'supergroup', not {kind!r}")
        chat = self.add_chat(Chat(id=chat_id, type=kind, title=title))
        chat.member = True
        my_chat_member(self, chat, by_user.as_dict(), "left", "member")
        message = self.new_message(chat, by_user.as_dict(), {"new_chat_members": [self.bot_user()]})
        self.enqueue({"message": message})

    # -- reading results ---------------------------------------------------------
    def file_bytes(self, file_id: str) -> bytes:
        """The bytes behind a file id (an upload of the bot or a user's media)."""
        stored = self.files.get(file_id)
        if stored is None:
            raise KeyError(f"the sandbox knows no file with id {file_id!r}")
        return stored.data

    def describe(self) -> str:
        recent = [
            f"chat {m.chat_id} #{m.message_id} {m.method}: {m.plain[:50]!r}"
            for m in self.sent()[-5:]
        ]
        return (
            f"{self.pending_updates} update(s) not yet fetched by the bot; "
            f"{len(self.sent())} message(s) sent, last ones: {recent or 'none'}; "
            f"calls: {dict(self.counters.calls)}"
        )

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Poll ``predicate`` until it holds; a TimeoutError says what the bot did instead."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() >= deadline:
                name = getattr(predicate, "__qualname__", repr(predicate))
                raise TimeoutError(
                    f"sandbox: condition {name} still false after {timeout:.1f}s; "
                    + self.describe()
                )
            await asyncio.sleep(0.01)
