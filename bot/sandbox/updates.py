"""Service updates Telegram sends about membership: blocked, unblocked, added, left.

Bots learn that a parent blocked them, or that they were added to a group, only from
``my_chat_member`` updates; the sandbox queues the same updates at the same moments.
"""

from __future__ import annotations

import time
from typing import Any

from bot.sandbox.state import Chat, SandboxState


def _member(user: dict[str, Any], status: str) -> dict[str, Any]:
    member: dict[str, Any] = {"user": user, "status": status}
    if status == "kicked":
        member["until_date"] = 0
    return member


def my_chat_member(
    st: SandboxState, chat: Chat, actor: dict[str, Any], old_status: str, new_status: str
) -> int:
    return st.enqueue(
        {
            "my_chat_member": {
                "chat": chat.api_dict(),
                "from": actor,
                "date": int(time.time()),
                "old_chat_member": _member(st.bot_user(), old_status),
                "new_chat_member": _member(st.bot_user(), new_status),
            }
        }
    )
