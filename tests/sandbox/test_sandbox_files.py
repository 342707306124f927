"""Uploads, downloads and albums, through PTB's own file handling."""

from __future__ import annotations

import pytest
from telegram import (
    Bot,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
)
from telegram.error import BadRequest

from bot.sandbox import Sandbox
from bot.sandbox.files import tiny_png


@pytest.fixture
def parent(sandbox: Sandbox):
    return sandbox.user(1001)


async def test_document_upload_round_trip(sandbox: Sandbox, bot: Bot, parent) -> None:
    content = b"week,families\n1,12\n" * 200
    message = await bot.send_document(parent.id, content, filename="digest.csv", caption="CSV")
    assert message.document.file_name == "digest.csv"
    assert message.document.file_size == len(content)
    assert message.caption == "CSV"
    assert sandbox.file_bytes(message.document.file_id) == content
    stored = parent.last()
    assert (stored.method, stored.file_name, stored.file_id) == (
        "sendDocument",
        "digest.csv",
        message.document.file_id,
    )
    telegram_file = await bot.get_file(message.document.file_id)
    assert telegram_file.file_path.startswith(f"{sandbox.root}/file/bot{sandbox.token}/")
    assert bytes(await telegram_file.download_as_bytearray()) == content


async def test_user_photo_can_be_fetched_and_downloaded(sandbox: Sandbox, bot: Bot, parent) -> None:
    file_id = parent.send_photo(caption="We built a tower")
    update = (await bot.get_updates())[0]
    assert update.message.caption == "We built a tower"
    assert update.message.photo[-1].file_id == file_id
    data = bytes(await (await update.message.photo[-1].get_file()).download_as_bytearray())
    assert data.startswith(b"\x89PNG")
    assert data == sandbox.file_bytes(file_id)


async def test_user_voice_downloads(sandbox: Sandbox, bot: Bot, parent) -> None:
    file_id = parent.send_voice(duration=12)
    message = (await bot.get_updates())[0].message
    assert message.voice.to_dict()["duration"] == 12
    data = await (await bot.get_file(file_id)).download_as_bytearray()
    assert bytes(data) == sandbox.file_bytes(file_id)


async def test_unknown_file_id_is_refused(bot: Bot, parent) -> None:
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("no-such-file")
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_photo(parent.id, "no-such-file")


async def test_photo_upload_must_be_an_image(sandbox: Sandbox, bot: Bot, parent) -> None:
    with pytest.raises(BadRequest, match="(?i)image_process_failed"):
        await bot.send_photo(parent.id, b"definitely not an image")
    message = await bot.send_photo(parent.id, tiny_png("chart", 1600, 900))
    sizes = [(p.width, p.height) for p in message.photo]
    assert sizes[-1] == (1600, 900)
    assert sizes[0][0] == 90, "Telegram also returns small thumbnails"
    assert parent.last().file_id == message.photo[-1].file_id


async def test_user_photo_can_be_resent_by_file_id(bot: Bot, parent, sandbox: Sandbox) -> None:
    file_id = parent.send_photo()
    message = await bot.send_photo(parent.id, file_id, caption="Shared with the nursery")
    assert message.photo[-1].file_id == file_id
    with pytest.raises(BadRequest, match="(?i)can't use file of type voice as photo"):
        await bot.send_photo(parent.id, parent.send_voice())


async def test_media_group_mixes_uploads_and_file_ids(sandbox: Sandbox, bot: Bot, parent) -> None:
    from_parent = parent.send_photo()
    media = [
        InputMediaPhoto(from_parent),
        InputMediaPhoto(tiny_png("uploaded")),
        InputMediaPhoto(tiny_png("third"), caption="<b>This week</b>", parse_mode="HTML"),
    ]
    messages = await bot.send_media_group(parent.id, media)
    assert len(messages) == 3
    assert len({m.media_group_id for m in messages}) == 1
    assert messages[2].caption == "This week"
    assert [m.message_id for m in messages] == sorted(m.message_id for m in messages)
    album = parent.last()
    assert album.method == "sendMediaGroup"
    assert album.message_ids == [m.message_id for m in messages]
    assert [item["type"] for item in album.media] == ["photo"] * 3
    assert album.media[0]["file_id"] == from_parent
    assert album.plain == "This week"
    assert sandbox.file_bytes(album.media[1]["file_id"]) == tiny_png("uploaded")


async def test_media_group_rules(bot: Bot, parent) -> None:
    with pytest.raises(BadRequest, match="(?i)document can't be mixed"):
        await bot.send_media_group(
            parent.id,
            [InputMediaPhoto(tiny_png("a")), InputMediaDocument(b"doc", filename="a.txt")],
        )
    with pytest.raises(BadRequest, match="(?i)audio can't be mixed"):
        await bot.send_media_group(
            parent.id,
            [InputMediaAudio(b"ID3a", filename="a.mp3"), InputMediaPhoto(tiny_png("b"))],
        )
    assert parent.messages() == []


def photos(count: int) -> list[InputMediaPhoto]:
    return [InputMediaPhoto(tiny_png(f"album-{n}")) for n in range(count)]


async def test_media_group_of_one_is_refused(bot: Bot, parent) -> None:
    with pytest.raises(BadRequest) as caught:
        await bot.send_media_group(parent.id, photos(1))
    assert caught.value.message == "Media must include 2-10 items"
    assert parent.messages() == []


@pytest.mark.parametrize("count", [2, 10])
async def test_media_group_of_two_to_ten_is_accepted(bot: Bot, parent, count: int) -> None:
    messages = await bot.send_media_group(parent.id, photos(count))
    assert len(messages) == count
    assert parent.received() == [("photo", None)] * count
    assert len(parent.messages()) == 1, "an album is one sendMediaGroup"


async def test_media_group_of_eleven_is_refused(bot: Bot, parent) -> None:
    with pytest.raises(BadRequest) as caught:
        await bot.send_media_group(parent.id, photos(11))
    assert caught.value.message == "Too many messages to send as an album"
    assert parent.messages() == []


async def test_documents_and_audio_group_only_with_their_kind(bot: Bot, parent) -> None:
    docs = [InputMediaDocument(f"{n}".encode(), filename=f"{n}.csv") for n in range(2)]
    await bot.send_media_group(parent.id, docs)
    tracks = [InputMediaAudio(f"ID3{n}".encode(), filename=f"{n}.mp3") for n in range(2)]
    await bot.send_media_group(parent.id, tracks)
    video = InputMediaVideo(b"\x00\x00\x00\x18ftypmp42", filename="v.mp4")
    await bot.send_media_group(parent.id, [*photos(1), video])
    assert parent.received() == [
        ("document", "0.csv"),
        ("document", "1.csv"),
        ("audio", "0.mp3"),
        ("audio", "1.mp3"),
        ("photo", None),
        ("video", "v.mp4"),
    ]


async def test_received_lists_each_delivery_with_its_kind(
    sandbox: Sandbox, bot: Bot, parent
) -> None:
    await bot.send_message(parent.id, "Weekly digest")
    before = len(parent.messages())
    await bot.send_message(parent.id, "<b>Week 48</b>", parse_mode="HTML")
    await bot.send_photo(parent.id, tiny_png("highlight"), caption="Tower")
    await bot.send_document(parent.id, b"<html></html>", filename="digest.html")
    await bot.send_document(parent.id, b"a,b\n", filename="digest.csv")
    await bot.send_voice(parent.id, b"OggS voice", duration=3)
    await bot.send_media_group(parent.id, photos(2))
    assert parent.received(since=before) == [
        ("text", None),
        ("photo", None),
        ("document", "digest.html"),
        ("document", "digest.csv"),
        ("voice", None),
        ("photo", None),
        ("photo", None),
    ]
    assert [m.kind for m in parent.messages()[before:]] == [
        "text",
        "photo",
        "document",
        "document",
        "voice",
        "album",
    ]
    assert len(parent.received()) == 8
