"""What the sandbox remembers: chats, messages, the update queue, commands, files.

Kept apart from the HTTP layer so the Bot API methods, the sandbox users and the web
UI all work on one plain object, and tests can read it synchronously.
"""

from __future__ import annotations

import asyncio
import json
import time
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.sandbox.errors import ApiError, bad_request, forbidden
from bot.sandbox.faults import Counters, FaultDice, Faults, RateLimiter
from bot.sandbox.files import FileStore
from bot.sandbox.sent import SentMessage

if TYPE_CHECKING:
    from bot.sandbox.webhook import WebhookTarget

#: Update kinds Telegram leaves out unless a bot asks for them in allowed_updates.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    user: dict[str, Any] | None = None
    blocked: bool = False
    member: bool = True
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_message_id: int = 1

    def api_dict(self) -> dict[str, Any]:
        if self.type == "private" and self.user is not None:
            chat: dict[str, Any] = {"id": self.id, "type": "private"}
            for key in ("first_name", "last_name", "username"):
                if self.user.get(key):
                    chat[key] = self.user[key]
            return chat
        return {"id": self.id, "type": self.type, "title": self.title or ""}


@dataclass
class CallbackRecord:
    user_id: int
    chat_id: int
    answered: bool = False


class SandboxState:
    """The data behind the sandbox; :class:`bot.sandbox.Sandbox` adds the server."""

    def __init__(self, token: str, bot_username: str, seed: int) -> None:
        prefix = token.split(":", 1)[0]
        if ":" not in token or not prefix.isdigit():
            raise ValueError(f"token must look like '123456:SECRET', got {token!r}")
        self.token = token
        self.bot_username = bot_username
        self.bot_id = int(prefix)
        self.faults = Faults()
        self.counters = Counters()
        self.dice = FaultDice(seed)
        self.limiter = RateLimiter()
        self.files = FileStore()
        #: Refuse photo uploads that are not images, as Telegram does.
        self.check_images = True
        self.allowed_updates: list[str] | None = None
        self.callbacks: dict[str, CallbackRecord] = {}
        self.answers: dict[int, list[dict[str, Any]]] = {}
        self.closing = False
        self.poll_generation = 0
        #: Set by setWebhook: updates are then pushed to it (bot/sandbox/webhook.py).
        self.webhook: WebhookTarget | None = None
        #: Telegram retries a refused webhook delivery later; the sandbox soon.
        self.webhook_retry_seconds = 0.2
        #: The loop serving HTTP, so threads driving users can wake long polls.
        self.loop: asyncio.AbstractEventLoop | None = None
        self._chats: dict[int, Chat] = {}
        self._sent: list[SentMessage] = []
        self._sent_index: dict[tuple[int, int], SentMessage] = {}
        self._updates: list[dict[str, Any]] = []
        #: ``_updates[:_filtered]`` were already checked against ``_filtered_for``.
        self._filtered = 0
        self._filtered_for: frozenset[str] | None = None
        self._next_update_id = 1
        #: Timing hooks for benchmarks: called with the stored update (or the recorded
        #: message) and ``time.monotonic()`` when an update is queued, when the bot
        #: confirms it (a getUpdates offset past it), and when a sent message is recorded.
        self.on_enqueue: Callable[[dict[str, Any], float], None] | None = None
        self.on_confirm: Callable[[dict[str, Any], float], None] | None = None
        self.on_sent: Callable[[SentMessage, float], None] | None = None
        self._wakeup = asyncio.Event()
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}

    # -- the bot ---------------------------------------------------------------
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Playtalk Sandbox",
            "username": self.bot_username,
        }

    # -- chats -----------------------------------------------------------------
    def chat(self, chat_id: int) -> Chat | None:
        return self._chats.get(chat_id)

    def chats(self) -> list[Chat]:
        return list(self._chats.values())

    def add_chat(self, chat: Chat) -> Chat:
        return self._chats.setdefault(chat.id, chat)

    def require_chat(self, raw: Any) -> Chat:
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        chat = self._chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def writable_chat(self, raw: Any) -> Chat:
        """The chat a send/edit targets, refused like Telegram when the bot can't write."""
        chat = self.require_chat(raw)
        if (chat.type == "private" and chat.blocked) or chat.id in self.faults.blocked_chats:
            raise forbidden("bot was blocked by the user")
        if chat.type != "private" and not chat.member:
            kind = "supergroup" if chat.type == "supergroup" else "group"
            raise forbidden(f"bot is not a member of the {kind} chat")
        return chat

    def new_message(
        self, chat: Chat, sender: dict[str, Any], fields: dict[str, Any]
    ) -> dict[str, Any]:
        """Allocate the next message id in ``chat`` and store the Bot API message."""
        message_id = chat.next_message_id
        chat.next_message_id += 1
        message = {
            "message_id": message_id,
            "from": sender,
            "chat": chat.api_dict(),
            "date": int(time.time()),
            **fields,
        }
        chat.messages[message_id] = message
        return message

    def reply_target(self, chat: Chat, reply: Any) -> dict[str, Any] | None:
        """Resolve ``reply_parameters``; Telegram refuses replies to unknown messages."""
        if not isinstance(reply, dict) or reply.get("message_id") is None:
            return None
        try:
            target = chat.messages.get(int(reply["message_id"]))
        except (TypeError, ValueError):
            target = None
        if target is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return {k: v for k, v in target.items() if k != "reply_to_message"}

    # -- what the bot sent -----------------------------------------------------
    def record_sent(self, sent: SentMessage) -> None:
        self._sent.append(sent)
        for message_id in sent.message_ids or [sent.message_id]:
            self._sent_index[(sent.chat_id, message_id)] = sent
        self.counters.messages_sent += 1
        if self.on_sent is not None:
            self.on_sent(sent, time.monotonic())

    def find_sent(self, chat_id: int, message_id: int) -> SentMessage | None:
        return self._sent_index.get((chat_id, message_id))

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        return [m for m in self._sent if chat_id is None or m.chat_id == chat_id]

    # -- updates ---------------------------------------------------------------
    def enqueue(self, update: dict[str, Any]) -> int:
        """Queue a raw update (its update_id is assigned here) and wake long polls."""
        update_id = self._next_update_id
        self._next_update_id += 1
        # A snapshot: later edits of the stored message must not rewrite history.  Updates
        # are JSON by nature (they are served as JSON), and a JSON round trip copies them
        # several times faster than copy.deepcopy.
        stored = json.loads(json.dumps(update))
        stored["update_id"] = update_id
        self._updates.append(stored)
        if self.on_enqueue is not None:
            self.on_enqueue(stored, time.monotonic())
        self.notify()
        return update_id

    def notify(self) -> None:
        """Wake long polls; safe to call from a thread other than the server's loop."""
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if self.loop is not None and current is not self.loop and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._wake)
        else:
            self._wake()

    def _wake(self) -> None:
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    def confirm(self, offset: int | None) -> None:
        """Forget updates below ``offset``; a negative offset keeps only the last ones."""
        if offset is None:
            return
        if offset < 0:
            cut = max(len(self._updates) + offset, 0)
        else:
            # update_ids only grow along the queue, so the confirmed ones are a prefix.
            cut = bisect_left(self._updates, offset, key=lambda u: int(u["update_id"]))
        if cut <= 0:
            return
        if self.on_confirm is not None:
            now = time.monotonic()
            for update in self._updates[:cut]:
                self.on_confirm(update, now)
        del self._updates[:cut]
        self._filtered = max(self._filtered - cut, 0)

    def drop_updates(self) -> None:
        self._updates.clear()
        self._filtered = 0

    def deliverable(self, limit: int) -> list[dict[str, Any]]:
        """The first ``limit`` updates of kinds the bot asked for (the stored snapshots).

        Telegram never delivers updates of kinds the bot did not ask for: those are
        dropped. Only updates not yet checked against the current ``allowed_updates``
        are looked at, so a long queue costs nothing per poll.
        """
        allowed = frozenset(self.allowed_updates or [])
        if allowed != self._filtered_for:
            self._filtered_for, self._filtered = allowed, 0
        if self._filtered < len(self._updates):
            fresh = self._updates[self._filtered :]
            kept = [u for u in fresh if _wanted(u, allowed)]
            if len(kept) != len(fresh):
                self._updates[self._filtered :] = kept
            self._filtered = len(self._updates)
        return self._updates[:limit]

    async def wait_for_update(self, seconds: float) -> None:
        event = self._wakeup
        try:
            async with asyncio.timeout(seconds):
                await event.wait()
        except TimeoutError:
            pass

    # -- commands --------------------------------------------------------------
    @staticmethod
    def scope_key(scope: Any) -> str:
        if scope is None or scope == "default":
            scope = {"type": "default"}
        elif isinstance(scope, str):
            scope = {"type": scope}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        return json.dumps(scope, sort_keys=True)

    def set_commands(self, scope: Any, language_code: str, commands: list[dict[str, str]]) -> None:
        key = (self.scope_key(scope), language_code)
        if commands:
            self._commands[key] = commands
        else:
            self._commands.pop(key, None)

    def commands(
        self, language_code: str = "", *, scope: dict[str, Any] | str = "default"
    ) -> list[dict[str, str]]:
        """Commands the bot set for exactly this scope and language ("" = all languages)."""
        return list(self._commands.get((self.scope_key(scope), language_code), []))

    def command_languages(self, scope: dict[str, Any] | str = "default") -> list[str]:
        key = self.scope_key(scope)
        return sorted(lang for scope_key, lang in self._commands if scope_key == key)


def _wanted(update: dict[str, Any], allowed: frozenset[str]) -> bool:
    kind = next((key for key in update if key != "update_id"), "")
    return kind in allowed if allowed else kind not in _OPT_IN_UPDATES


def conflict() -> ApiError:
    return ApiError(
        409,
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running",
    )
