"""Telegram's validation, as PTB sees it: the same 400s for the same mistakes."""

from __future__ import annotations

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    MessageEntity,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.sandbox import Sandbox
from bot.sandbox.files import tiny_png

HTML = ParseMode.HTML


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d)] for t, d in pairs])


@pytest.fixture
def parent(sandbox: Sandbox):
    return sandbox.user(1001)


async def test_text_length_is_counted_after_html_parsing(
    sandbox: Sandbox, bot: Bot, parent
) -> None:
    await bot.send_message(parent.id, "x" * 4096)
    await bot.send_message(parent.id, "<b>" + "x" * 4096 + "</b>", parse_mode=HTML)
    long_raw = await bot.send_message(parent.id, "&amp;" * 4096, parse_mode=HTML)
    assert long_raw.text == "&" * 4096
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(parent.id, "x" * 4097)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(parent.id, "<i>" + "é" * 4097 + "</i>", parse_mode=HTML)
    assert len(sandbox.sent()) == 3


@pytest.mark.parametrize("text", ["", "   \n ", "<b></b>"])
async def test_empty_text_is_refused(bot: Bot, parent, text: str) -> None:
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(parent.id, text, parse_mode=HTML)


async def test_caption_limit_is_1024(sandbox: Sandbox, bot: Bot, parent) -> None:
    await bot.send_photo(parent.id, tiny_png("ok"), caption="c" * 1024)
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(parent.id, tiny_png("long"), caption="c" * 1025)
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_document(
            parent.id, b"doc", filename="a.txt", caption="<b>x</b>" * 1025, parse_mode=HTML
        )
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_voice(parent.id, b"OggS", caption="c" * 1025)
    await bot.send_voice(parent.id, b"OggS", caption="c" * 1024)
    assert [m.method for m in sandbox.sent()] == ["sendPhoto", "sendVoice"]


async def test_album_item_captions_are_limited_to_1024(sandbox: Sandbox, bot: Bot, parent) -> None:
    def album(caption: str) -> list[InputMediaPhoto]:
        last = InputMediaPhoto(tiny_png("b"), caption=caption, parse_mode=HTML)
        return [InputMediaPhoto(tiny_png("a")), last]

    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_media_group(parent.id, album("c" * 1025))
    await bot.send_media_group(parent.id, album("<i>" + "c" * 1024 + "</i>"))
    assert [m.method for m in sandbox.sent()] == ["sendMediaGroup"]


async def test_callback_data_over_64_bytes_is_button_data_invalid(
    sandbox: Sandbox, bot: Bot, parent
) -> None:
    await bot.send_message(parent.id, "ok", reply_markup=keyboard(("a", "d" * 64)))
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await bot.send_message(parent.id, "too long", reply_markup=keyboard(("a", "d" * 65)))
    # 33 characters, 66 bytes: Telegram counts bytes.
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await bot.send_message(parent.id, "multibyte", reply_markup=keyboard(("a", "é" * 33)))
    assert [m.plain for m in sandbox.sent()] == ["ok"]


@pytest.mark.parametrize(
    ("markup", "reason"),
    [
        ("<b>unclosed", "can't find end tag corresponding to start tag b"),
        ("<b><i>x</b></i>", 'unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("<div>x</div>", 'unsupported start tag "div" at byte offset 0'),
        ("3 < 4", 'unsupported start tag "" at byte offset 2'),
        ("<span>x</span>", 'tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("text</b>", "unexpected end tag at byte offset 4"),
        ("<br/>line", 'unsupported start tag "br/" at byte offset 0'),
        ("Zdj\u0119cie <p>", 'unsupported start tag "p" at byte offset 9'),
    ],
)
async def test_malformed_html_is_refused(bot: Bot, parent, markup: str, reason: str) -> None:
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(parent.id, markup, parse_mode=HTML)
    assert str(caught.value).lower() == f"can't parse entities: {reason}".lower()


async def test_wellformed_html_is_accepted_and_parsed(bot: Bot, parent) -> None:
    markup = (
        "<b>Bold</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>n</ins> <s>s</s> "
        '<strike>k</strike> <del>d</del> <span class="tg-spoiler">p</span> <tg-spoiler>q</tg-spoiler> '
        '<a href="https://example.org/?a=1&amp;b=2">link</a> <code>c</code> '
        '<pre><code class="language-python">x = 1</code></pre> <blockquote>quote</blockquote> '
        "<blockquote expandable>more</blockquote> &lt;3 &gt; &quot;q&quot; &#128512; &#x1F600; "
        "&nbsp; a > b & c"
    )
    message = await bot.send_message(parent.id, markup, parse_mode=HTML)
    assert message.text.endswith('<3 > "q" \U0001f600 \U0001f600 &nbsp; a > b & c')
    kinds = {e.type for e in message.entities}
    assert {MessageEntity.BOLD, MessageEntity.SPOILER, MessageEntity.TEXT_LINK} <= kinds
    assert MessageEntity.EXPANDABLE_BLOCKQUOTE in kinds
    pre = next(e for e in message.entities if e.type == MessageEntity.PRE)
    assert pre.language == "python"
    link = next(e for e in message.entities if e.type == MessageEntity.TEXT_LINK)
    assert link.url == "https://example.org/?a=1&b=2"
    assert message.parse_entity(link) == "link"


async def test_entity_offsets_count_utf16_units(bot: Bot, parent) -> None:
    message = await bot.send_message(parent.id, "\U0001f600 <b>ok</b>", parse_mode=HTML)
    assert message.entities[0].offset == 3
    assert message.parse_entity(message.entities[0]) == "ok"


async def test_edit_errors_and_history(sandbox: Sandbox, bot: Bot, parent) -> None:
    sent = await bot.send_message(
        parent.id, "<b>Week 1</b>", parse_mode=HTML, reply_markup=keyboard(("Done", "done:1"))
    )
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=parent.id, message_id=999)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<strong>Week 1</strong>",
            chat_id=parent.id,
            message_id=sent.message_id,
            parse_mode=HTML,
            reply_markup=keyboard(("Done", "done:1")),
        )
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(
            parent.id, sent.message_id, reply_markup=keyboard(("Done", "done:1"))
        )
    edited = await bot.edit_message_text("Thanks!", chat_id=parent.id, message_id=sent.message_id)
    assert edited.text == "Thanks!"
    assert edited.reply_markup is None, "editMessageText without a keyboard removes it"
    stored = parent.last()
    assert (stored.text, stored.edits, stored.buttons) == ("Thanks!", 1, [])
    assert stored.history[0]["text"] == "<b>Week 1</b>"
    user_message = parent.send_text("hi")
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("hacked", chat_id=parent.id, message_id=user_message)
    photo = await bot.send_photo(parent.id, tiny_png("p"))
    with pytest.raises(BadRequest, match="There is no text in the message to edit"):
        await bot.edit_message_text("x", chat_id=parent.id, message_id=photo.message_id)


async def test_edit_reply_markup_updates_the_buttons(bot: Bot, parent) -> None:
    sent = await bot.send_message(parent.id, "Pick", reply_markup=keyboard(("A", "a")))
    await bot.edit_message_reply_markup(
        parent.id, sent.message_id, reply_markup=keyboard(("A", "a"), ("B", "b"))
    )
    assert parent.last().buttons == ["A", "B"]
    assert parent.last().text == "Pick"


async def test_reply_to_unknown_message_is_refused(bot: Bot, parent) -> None:
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(parent.id, "re", reply_to_message_id=77)
    mine = parent.send_text("question")
    answer = await bot.send_message(parent.id, "answer", reply_to_message_id=mine)
    assert answer.reply_to_message.text == "question"
    assert parent.last().reply_to == mine
