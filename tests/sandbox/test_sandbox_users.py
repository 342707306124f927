"""Sandbox users: the updates they cause parse in PTB, and a polling Application works."""

from __future__ import annotations

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.sandbox import Sandbox


def menu() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("We tried it", callback_data="done:7")],
            [InlineKeyboardButton("Not this week", callback_data="skip:7")],
            [InlineKeyboardButton("About", url="https://example.org/about")],
        ]
    )


async def test_press_enqueues_a_callback_query_ptb_parses(sandbox: Sandbox, bot: Bot) -> None:
    parent = sandbox.user(1001, first_name="Amina", language_code="so")
    sent = await bot.send_message(
        parent.id, "<b>Stacking cups</b>", parse_mode="HTML", reply_markup=menu()
    )
    query_id = parent.press("Not this week")
    query = (await bot.get_updates())[0].callback_query
    assert query.id == query_id
    assert query.data == "skip:7"
    assert query.from_user.id == parent.id
    assert query.from_user.language_code == "so"
    assert query.message.message_id == sent.message_id
    assert query.message.text == "Stacking cups"
    assert await bot.answer_callback_query(query.id, text="See you next week") is True
    assert parent.answers[-1]["text"] == "See you next week"
    assert parent.answers[-1]["show_alert"] is False
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(query.id, text="twice")


async def test_press_explains_what_buttons_exist(sandbox: Sandbox, bot: Bot) -> None:
    parent = sandbox.user(1001)
    sent = await bot.send_message(parent.id, "Pick one", reply_markup=menu())
    with pytest.raises(LookupError, match="'We tried it', 'Not this week', 'About'"):
        parent.press("Maybe")
    with pytest.raises(ValueError, match="does not send a callback"):
        parent.press("About")
    with pytest.raises(LookupError, match="no inline button"):
        parent.press("We tried it", message_id=sent.message_id + 5)
    assert sandbox.pending_updates == 0


async def test_press_uses_the_newest_message_and_its_edited_state(
    sandbox: Sandbox, bot: Bot
) -> None:
    parent = sandbox.user(1001)
    old = await bot.send_message(parent.id, "Week 6", reply_markup=menu())
    new = await bot.send_message(parent.id, "Week 7", reply_markup=menu())
    await bot.edit_message_text(
        "Week 7 (updated)", chat_id=parent.id, message_id=new.message_id, reply_markup=menu()
    )
    parent.press("We tried it")
    parent.press("We tried it", message_id=old.message_id)
    first, second = [u.callback_query for u in await bot.get_updates()]
    assert first.message.message_id == new.message_id
    assert first.message.text == "Week 7 (updated)"
    assert first.message.edit_date is not None
    assert second.message.message_id == old.message_id


async def test_press_data_forges_callback_data(sandbox: Sandbox, bot: Bot) -> None:
    parent = sandbox.user(1001)
    sent = await bot.send_message(parent.id, "Pick", reply_markup=menu())
    parent.press_data("done:999", message_id=sent.message_id)
    query = (await bot.get_updates())[0].callback_query
    assert query.data == "done:999"


async def test_user_messages_look_like_telegrams(sandbox: Sandbox, bot: Bot) -> None:
    parent = sandbox.user(1001, username="amina_k")
    start = parent.send_text("/start JOIN-ABC123")
    photo = parent.send_photo(caption="our tower", reply_to=start)
    parent.send_sticker()
    parent.send_location()
    parent.send_contact()
    parent.send_document()
    parent.edit_text(start, "/start JOIN-XYZ")
    updates = await bot.get_updates()
    first = updates[0].message
    assert first.text == "/start JOIN-ABC123"
    assert first.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 6),)
    assert first.from_user.username == "amina_k"
    assert first.chat.type == "private"
    assert first.chat.id == parent.id
    assert updates[1].message.reply_to_message.message_id == start
    assert updates[1].message.photo[-1].file_id == photo
    assert updates[2].message.sticker is not None
    assert updates[3].message.location.latitude == pytest.approx(51.4613)
    assert updates[4].message.contact.user_id == parent.id
    assert updates[5].message.document.file_name == "notes.pdf"
    assert updates[6].edited_message.text == "/start JOIN-XYZ"
    assert len({u.update_id for u in updates}) == len(updates) == 7


async def test_sent_message_helpers(sandbox: Sandbox, bot: Bot) -> None:
    parent = sandbox.user(1001)
    await bot.send_message(
        parent.id, "<b>Hello</b> &amp; <i>welcome</i>", parse_mode="HTML", reply_markup=menu()
    )
    message = parent.last()
    assert message.plain == "Hello & welcome"
    assert message.buttons == ["We tried it", "Not this week", "About"]
    assert message.button_rows[0][0]["callback_data"] == "done:7"
    assert (await parent.wait_for_messages(1))[0] is message
    with pytest.raises(TimeoutError, match="expected 2 message"):
        await parent.wait_for_messages(2, timeout=0.1)


async def test_application_polls_and_replies_to_start_payload(sandbox: Sandbox) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"Welcome! Code: {' '.join(context.args or [])}")

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("Thanks!")
        await update.callback_query.edit_message_text("Marked as done")

    app = (
        ApplicationBuilder()
        .token(sandbox.token)
        .base_url(sandbox.base_url)
        .base_file_url(sandbox.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    parent = sandbox.user(3001, language_code="pl")
    parent.send_text("/start CODE42")
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            [welcome] = await parent.wait_for_messages(1)
            await app.bot.send_message(parent.id, "Activity", reply_markup=menu())
            parent.press("We tried it")
            await sandbox.wait_until(lambda: bool(parent.answers) and parent.last().edits == 1)
        finally:
            await app.updater.stop()
            await app.stop()
    assert welcome.text == "Welcome! Code: CODE42"
    assert welcome.chat_id == parent.id
    assert parent.answers[-1]["text"] == "Thanks!"
    assert parent.last().text == "Marked as done"
    assert parent.last().buttons == []
    assert sandbox.pending_updates == 0, "the updater confirmed what it processed"
