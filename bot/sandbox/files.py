"""Files known to the sandbox: uploads by the bot and media sent by sandbox users.

Telegram hands out opaque ``file_id`` strings and serves the bytes behind
``getFile`` + ``/file/bot<token>/<file_path>``; the bot keeps only ids (the design
stores photos as file ids), so ids must stay valid for re-sending and downloading.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass
from typing import Any

from bot.sandbox.errors import bad_request

_ID_PREFIX = {
    "photo": "AgACAgIAAxkBAAI",
    "document": "BQACAgIAAxkBAAI",
    "voice": "AwACAgIAAxkBAAI",
    "sticker": "CAACAgIAAxkBAAI",
    "video": "BAACAgIAAxkBAAI",
    "audio": "CQACAgIAAxkBAAI",
}
_FOLDER = {
    "photo": ("photos", ".jpg"),
    "document": ("documents", ""),
    "voice": ("voice", ".oga"),
    "sticker": ("stickers", ".webp"),
    "video": ("videos", ".mp4"),
    "audio": ("music", ".mp3"),
}
_PHOTO_SIDES = (90, 320, 800, 1280)
MAX_DOWNLOAD = 20 * 1024 * 1024


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None

    def api_dict(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


class FileStore:
    def __init__(self) -> None:
        self._files: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._photo_sizes: dict[str, list[dict[str, Any]]] = {}
        self._count = 0

    def add(
        self,
        kind: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        self._count += 1
        digest = hashlib.sha256(f"{kind}:{self._count}".encode()).hexdigest()
        file_id = f"{_ID_PREFIX[kind]}{self._count:05d}{digest[:24]}"
        folder, suffix = _FOLDER[kind]
        if kind == "document" and file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=f"AQAD{digest[24:40]}",
            kind=kind,
            data=data,
            file_path=f"{folder}/file_{self._count}{suffix}",
            file_name=file_name,
            mime_type=mime_type,
        )
        self._files[file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def add_photo(self, data: bytes) -> list[dict[str, Any]]:
        """Register an image the way Telegram does: several sizes, largest last."""
        width, height = image_size(data) or (800, 600)
        sizes: list[dict[str, Any]] = []
        longest = max(width, height)
        targets = [side for side in _PHOTO_SIDES if side < longest] + [min(longest, 2560)]
        for side in targets:
            scale = side / longest
            stored = self.add("photo", data)
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                    "file_size": max(1, round(len(data) * scale * scale)),
                }
            )
        for size in sizes:
            self._photo_sizes[size["file_id"]] = sizes
        return sizes

    def get(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def photo_sizes(self, file_id: str) -> list[dict[str, Any]] | None:
        return self._photo_sizes.get(file_id)

    def reuse(self, file_id: str, kind: str) -> StoredFile:
        """Look up a file sent again by id, with Telegram's complaints on mismatch."""
        stored = self._files.get(file_id)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request(
                f"can't use file of type {stored.kind.capitalize()} as {kind.capitalize()}"
            )
        return stored


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG, enough to fake realistic photo sizes."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        pos = 2
        while pos + 9 < len(data):
            if data[pos] != 0xFF:
                return None
            marker = data[pos + 1]
            length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
                return int(width), int(height)
            pos += 2 + int(length)
    return None


def looks_like_image(data: bytes) -> bool:
    """Telegram refuses photo uploads it cannot decode (IMAGE_PROCESS_FAILED)."""
    return (
        data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8", b"BM"))
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
    ) and len(data) > 16


def tiny_png(label: str, width: int = 64, height: int = 48) -> bytes:
    """A real, decodable PNG whose bytes differ per label, for photos users send."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    shade = hashlib.sha256(label.encode()).digest()[:3]
    row = b"\x00" + shade * width
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
            chunk(b"tEXt", b"Comment\x00" + label.encode()),
            chunk(b"IDAT", zlib.compress(row * height)),
            chunk(b"IEND", b""),
        )
    )
