"""Bot-level methods: identity, the update queue, commands, files, leaving chats.

Webhooks (setWebhook and the push of updates) are in ``bot/sandbox/webhook.py``.

``getUpdates`` carries the semantics polling depends on: an offset confirms (drops)
everything below it, a call returns at once when updates wait and otherwise holds the
connection up to ``timeout`` seconds, and a newer call ends an older one with 409.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.sandbox.errors import bad_request, forbidden
from bot.sandbox.files import MAX_DOWNLOAD
from bot.sandbox.params import Params
from bot.sandbox.state import SandboxState, conflict
from bot.sandbox.updates import my_chat_member
from bot.sandbox.validation import check_commands, check_language_code
from bot.sandbox.webhook import webhook_active


async def get_me(st: SandboxState, p: Params) -> Any:
    return {
        **st.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(st: SandboxState, p: Params) -> Any:
    if st.webhook is not None:
        raise webhook_active()
    offset = p.integer("offset")
    limit = p.integer("limit")
    limit = 100 if limit is None or limit <= 0 else min(limit, 100)
    timeout = max(p.number("timeout") or 0.0, 0.0)
    allowed = p.decoded("allowed_updates", "allowed updates")
    if isinstance(allowed, list):
        st.allowed_updates = [str(kind) for kind in allowed]
    st.poll_generation += 1
    generation = st.poll_generation
    st.notify()  # an older long poll still waiting now ends with 409 Conflict
    st.confirm(offset)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if generation != st.poll_generation:
            raise conflict()
        if st.webhook is not None:  # set while this poll waited
            raise webhook_active()
        updates = st.deliverable(limit)
        remaining = deadline - loop.time()
        if updates or st.closing or remaining <= 0:
            return updates
        await st.wait_for_update(remaining)


def _scope(p: Params) -> Any:
    scope = p.decoded("scope", "BotCommandScope")
    SandboxState.scope_key(scope)  # raises Telegram's complaint on a malformed scope
    return scope


async def set_my_commands(st: SandboxState, p: Params) -> Any:
    if p.raw("commands") is None:
        raise bad_request('parameter "commands" is required')
    commands = check_commands(p.decoded("commands", "commands"))
    language_code = check_language_code(p.string("language_code"))
    st.set_commands(_scope(p), language_code, commands)
    return True


async def get_my_commands(st: SandboxState, p: Params) -> Any:
    language_code = check_language_code(p.string("language_code"))
    return st.commands(language_code, scope=_scope(p) or "default")


async def delete_my_commands(st: SandboxState, p: Params) -> Any:
    language_code = check_language_code(p.string("language_code"))
    st.set_commands(_scope(p), language_code, [])
    return True


async def get_file(st: SandboxState, p: Params) -> Any:
    file_id = p.string("file_id")
    if not file_id:
        raise bad_request('parameter "file_id" is required')
    stored = st.files.get(file_id)
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.data) > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return stored.api_dict()


async def leave_chat(st: SandboxState, p: Params) -> Any:
    chat = st.require_chat(p.raw("chat_id"))
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    if not chat.member:
        kind = "supergroup" if chat.type == "supergroup" else "group"
        raise forbidden(f"bot is not a member of the {kind} chat")
    chat.member = False
    my_chat_member(st, chat, st.bot_user(), "member", "left")
    return True
