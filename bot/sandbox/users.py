"""Sandbox users: the people on the other side of the bot's private chats.

Each action queues the update a real Telegram client would cause, shaped as Telegram
shapes it (``bot_command`` entities, ``reply_to_message``, callback queries carrying
the message they came from), so handlers run unchanged against the sandbox.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bot.sandbox.files import tiny_png
from bot.sandbox.sent import SentMessage
from bot.sandbox.state import CallbackRecord, Chat, SandboxState
from bot.sandbox.updates import my_chat_member
from bot.sandbox.validation import bot_command_entities

_FAKE_OGG = b"OggS\x00\x02" + bytes(20) + b"OpusHead\x01\x01" + bytes(64)
_FAKE_PDF = b"%PDF-1.4\n% playtalk sandbox document\n%%EOF\n"


class SandboxUser:
    """A Telegram user in a private chat with the bot (chat id == user id)."""

    def __init__(
        self,
        state: SandboxState,
        user_id: int,
        *,
        first_name: str,
        language_code: str | None,
        username: str | None,
    ) -> None:
        self._st = state
        self.id = user_id
        self.chat_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.username = username
        self._media_count = 0
        state.add_chat(Chat(id=user_id, type="private", user=self.as_dict()))

    def __repr__(self) -> str:
        return f"SandboxUser(id={self.id}, first_name={self.first_name!r})"

    def as_dict(self) -> dict[str, Any]:
        """The Telegram ``User`` object for this person."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    @property
    def chat(self) -> Chat:
        chat = self._st.chat(self.chat_id)
        assert chat is not None
        return chat

    @property
    def answers(self) -> list[dict[str, Any]]:
        """answerCallbackQuery calls for this user's presses, oldest first."""
        return self._st.answers.setdefault(self.id, [])

    # -- sending ---------------------------------------------------------------
    def _send(self, fields: dict[str, Any], reply_to: int | None) -> dict[str, Any]:
        chat = self.chat
        if chat.blocked:
            raise RuntimeError(f"user {self.id} has blocked the bot; call unblock() first")
        if reply_to is not None:
            target = chat.messages.get(reply_to)
            if target is None:
                raise KeyError(f"no message {reply_to} in chat {self.chat_id} to reply to")
            fields["reply_to_message"] = {
                k: v for k, v in target.items() if k != "reply_to_message"
            }
        message = self._st.new_message(chat, self.as_dict(), fields)
        self._st.enqueue({"message": message})
        return message

    def _label(self) -> str:
        self._media_count += 1
        return f"user-{self.id}-{self._media_count}"

    def send_text(self, text: str, *, reply_to: int | None = None) -> int:
        fields: dict[str, Any] = {"text": text}
        entities = bot_command_entities(text)
        if entities:
            fields["entities"] = entities
        return int(self._send(fields, reply_to)["message_id"])

    def send_photo(self, *, caption: str | None = None, reply_to: int | None = None) -> str:
        sizes = self._st.files.add_photo(tiny_png(self._label()))
        fields: dict[str, Any] = {"photo": sizes}
        if caption:
            fields["caption"] = caption
        self._send(fields, reply_to)
        return str(sizes[-1]["file_id"])

    def send_voice(self, *, duration: int = 5, reply_to: int | None = None) -> str:
        stored = self._st.files.add(
            "voice", _FAKE_OGG + self._label().encode(), mime_type="audio/ogg"
        )
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(stored.data),
        }
        self._send({"voice": voice}, reply_to)
        return stored.file_id

    def send_sticker(self) -> int:
        stored = self._st.files.add(
            "sticker", b"RIFF\x00\x00\x00\x00WEBPVP8 " + self._label().encode()
        )
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "\N{THUMBS UP SIGN}",
            "file_size": len(stored.data),
        }
        return int(self._send({"sticker": sticker}, None)["message_id"])

    def send_location(self) -> int:
        location = {"latitude": 51.4613, "longitude": -0.1156}
        return int(self._send({"location": location}, None)["message_id"])

    def send_contact(self) -> int:
        contact = {
            "phone_number": "+447700900123",
            "first_name": self.first_name,
            "user_id": self.id,
        }
        return int(self._send({"contact": contact}, None)["message_id"])

    def send_document(self) -> int:
        stored = self._st.files.add(
            "document", _FAKE_PDF, file_name="notes.pdf", mime_type="application/pdf"
        )
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": "notes.pdf",
            "mime_type": "application/pdf",
            "file_size": len(stored.data),
        }
        return int(self._send({"document": document}, None)["message_id"])

    def edit_text(self, message_id: int, text: str) -> None:
        message = self.chat.messages.get(message_id)
        if message is None or message["from"]["id"] != self.id or "text" not in message:
            raise KeyError(f"user {self.id} has no text message {message_id} to edit")
        message["text"] = text
        message.pop("entities", None)
        entities = bot_command_entities(text)
        if entities:
            message["entities"] = entities
        message["edit_date"] = int(time.time())
        self._st.enqueue({"edited_message": dict(message)})

    # -- inline buttons --------------------------------------------------------
    def press(self, button_text: str, *, message_id: int | None = None) -> str:
        """Press an inline button by its visible text, newest message first."""
        candidates = [m for m in reversed(self.messages()) if not m.deleted and m.button_rows]
        if message_id is not None:
            candidates = [m for m in candidates if message_id in (m.message_ids or [m.message_id])]
        for sent in candidates:
            for button in (b for row in sent.button_rows for b in row):
                if button.get("text") != button_text:
                    continue
                if "callback_data" not in button:
                    raise ValueError(
                        f"button {button_text!r} in message {sent.message_id} does not send a "
                        f"callback (it is {sorted(k for k in button if k != 'text')})"
                    )
                return self._callback(sent.message_id, str(button["callback_data"]))
        shown = "; ".join(f"message {m.message_id}: {m.buttons}" for m in candidates[:5])
        where = f"message {message_id}" if message_id is not None else f"chat {self.chat_id}"
        raise LookupError(
            f"no inline button {button_text!r} in {where}; "
            f"buttons available: {shown or 'none (the bot sent no inline keyboard here)'}"
        )

    def press_data(self, data: str, *, message_id: int) -> str:
        """Send arbitrary callback data from a message, as a forged client would."""
        return self._callback(message_id, data)

    def _callback(self, message_id: int, data: str) -> str:
        message = self.chat.messages.get(message_id)
        if message is None:
            raise KeyError(
                f"no message {message_id} in chat {self.chat_id} (deleted or never sent)"
            )
        query_id = str(4_000_000_000_000 + len(self._st.callbacks) + 1)
        self._st.callbacks[query_id] = CallbackRecord(self.id, self.chat_id)
        query = {
            "id": query_id,
            "from": self.as_dict(),
            "message": dict(message),
            "chat_instance": str((self.chat_id * 2654435761) % 10**19),
            "data": data,
        }
        self._st.enqueue({"callback_query": query})
        return query_id

    # -- blocking ----------------------------------------------------------------
    def block(self) -> None:
        if not self.chat.blocked:
            self.chat.blocked = True
            my_chat_member(self._st, self.chat, self.as_dict(), "member", "kicked")

    def unblock(self) -> None:
        if self.chat.blocked:
            self.chat.blocked = False
            my_chat_member(self._st, self.chat, self.as_dict(), "kicked", "member")

    # -- what the bot sent ---------------------------------------------------------
    def messages(self) -> list[SentMessage]:
        return self._st.sent(self.chat_id)

    def received(self, since: int = 0) -> list[tuple[str, str | None]]:
        """(kind, file name) of everything the bot delivered here, albums unpacked.

        ``since`` skips the first messages (``len(user.messages())`` taken earlier), so
        a test can say "the lead got the text, 1 photo, the HTML and the CSV" in one
        comparison. Messages the bot deleted later still count: they were delivered.
        """
        return [item for sent in self.messages()[since:] for item in sent.items]

    def last(self) -> SentMessage:
        sent = self.messages()
        if not sent:
            raise LookupError(f"the bot has sent nothing to user {self.id} yet")
        return sent[-1]

    async def wait_for_messages(self, count: int, timeout: float = 5.0) -> list[SentMessage]:  # noqa: ASYNC109
        """Wait until the bot has sent at least ``count`` messages to this chat."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.messages()) < count:
            if loop.time() >= deadline:
                got = [f"#{m.message_id} {m.method}: {m.plain[:60]!r}" for m in self.messages()]
                raise TimeoutError(
                    f"user {self.id} expected {count} message(s) from the bot within "
                    f"{timeout:.1f}s, got {len(got)}: {got}; "
                    f"{self._st.pending_updates} update(s) not yet fetched by the bot"
                )
            await asyncio.sleep(0.01)
        return self.messages()
