"""The hand-testing page and its JSON control API."""

from __future__ import annotations

import re

import aiohttp
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.sandbox import Sandbox


async def test_page_is_self_contained(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{sandbox.root}/") as res:
        assert res.status == 200
        assert res.content_type == "text/html"
        page = await res.text()
    assert "<script>" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "no external assets"


async def test_control_api_drives_a_conversation(sandbox: Sandbox, bot: Bot) -> None:
    base = f"{sandbox.root}/_sandbox"
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{base}/users/4242/text", json={"text": "/start", "language_code": "ro"}
        ) as res:
            assert res.status == 200
            first_id = (await res.json())["message_id"]
        update = (await bot.get_updates())[0]
        assert update.message.text == "/start"
        assert update.message.from_user.language_code == "ro"

        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="y")]])
        sent = await bot.send_message(
            4242,
            '<b>Bun venit</b> &lt;script&gt; <a href="https://example.org">link</a>',
            parse_mode="HTML",
            reply_markup=keyboard,
        )
        async with http.get(f"{base}/chats/4242") as res:
            chat = await res.json()
        user_entry, bot_entry = chat["messages"]
        assert (user_entry["from"], user_entry["id"]) == ("user", first_id)
        assert bot_entry["from"] == "bot"
        assert bot_entry["html"].startswith("<b>Bun venit</b> &lt;script&gt; <a href=")
        assert "<script>" not in bot_entry["html"]
        assert bot_entry["buttons"] == [[{"text": "Yes", "callback_data": "y"}]]

        async with http.post(
            f"{base}/users/4242/press", json={"message_id": sent.message_id, "data": "y"}
        ) as res:
            assert res.status == 200
        query = (await bot.get_updates(offset=update.update_id + 1))[0].callback_query
        assert (query.data, query.message.message_id) == ("y", sent.message_id)

        async with http.post(
            f"{base}/users/4242/press", json={"message_id": sent.message_id, "button_text": "No"}
        ) as res:
            assert res.status == 400
            assert "Yes" in (await res.json())["error"]
