"""A small setting whose digest is counted by hand (see the expected figures in the tests).

Week: Monday 3 March 2025 to Sunday 9 March 2025, Europe/London (= UTC before the
clock change on 30 March).

| fam | lang | status (changed)       | children      | this week                                   |
|-----|------|------------------------|---------------|---------------------------------------------|
| 1   | en   | active                 | Amira         | sent cll; text + shared photo; why touch    |
| 2   | en   | active, photos not ok  | Ben           | sent maths; 2 photos, neither may be shown  |
| 3   | ar   | active                 | Yusuf, Layla  | sent psed + cll; voice (cll) + loose text   |
| 4   | ar   | active                 | Omar          | sent maths + checkin; silent 21 days; alert |
| 5   | pl   | paused (5 Mar)         | Zofia         | nothing sent (pending/failed only)          |
| 6   | pl   | active, joined 10 Feb  | Jan           | sent psed; never replied                    |
| 7   | en   | stopped (6 Mar), new   | Mia           | sent cll; tapped "too hard"                 |
| 8   | en   | onboarding, 8 Mar      | -             | -                                           |
| 9   | en   | another setting        | Other         | sent + replied: must not count              |

Week before: families 1-4 sent an activity, 1 and 3 replied.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.i18n import Catalogs
from bot.store.deliveries import DeliveryQueries
from bot.store.events import EventQueries
from bot.store.families import FamilyQueries
from bot.store.reports import ReportQueries
from bot.store.settings import SettingQueries

START = datetime(2025, 3, 3, tzinfo=UTC)
END = datetime(2025, 3, 10, tzinfo=UTC)
TITLES = {
    "cll-talk": "Talk together",
    "maths-count": "Count the stairs",
    "psed-feelings": "Feelings faces",
}
SCRIPT_TEXT = "<script>alert(1)</script> شكرا جزيلا"
_HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
ARABIC_LINE = "امسح للحصول على أفكار لعب أسبوعية"


class ReportStore(ReportQueries, FamilyQueries, SettingQueries, DeliveryQueries, EventQueries):
    """The mixins the digest needs, as bot.store.Store will combine them."""


def area(activity_id: str) -> str | None:
    return activity_id.split("-")[0] if activity_id in TITLES else None


def title(activity_id: str) -> str:
    return TITLES[activity_id]


def write_catalogs(root: Path) -> Catalogs:
    for code in ("en", "ar"):
        folder = root / code / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "content.po").write_text(_HEADER, encoding="utf-8")
        bot = _HEADER
        if code == "ar":
            bot += f'msgid "Scan for weekly play ideas"\nmsgstr "{ARABIC_LINE}"\n'
        (folder / "bot.po").write_text(bot, encoding="utf-8")
    return Catalogs(root=root, locales=("en", "ar"))


FAMILIES = [
    # id, setting, locale, status, changed, created, last_reply, share_photos
    (1, 1, "en", "active", "2025-01-06T09:00:00Z", "2025-01-06T09:00:00Z",
     "2025-03-05T12:00:00Z", 1),
    (2, 1, "en", "active", "2025-01-06T09:00:00Z", "2025-01-06T09:00:00Z",
     "2025-03-05T13:05:00Z", 0),
    (3, 1, "ar", "active", "2025-01-06T09:00:00Z", "2025-01-06T09:00:00Z",
     "2025-03-07T08:00:00Z", 1),
    (4, 1, "ar", "active", "2025-01-06T09:00:00Z", "2025-01-06T09:00:00Z",
     "2025-02-17T00:00:00Z", 1),
    (5, 1, "pl", "paused", "2025-03-05T10:00:00Z", "2025-01-06T09:00:00Z",
     "2025-02-20T10:00:00Z", 1),
    (6, 1, "pl", "active", "2025-02-10T12:00:00Z", "2025-02-10T12:00:00Z", None, None),
    (7, 1, "en", "stopped", "2025-03-06T10:00:00Z", "2025-03-03T08:00:00Z",
     "2025-03-05T09:00:00Z", 1),
    (8, 1, "en", "onboarding", "2025-03-08T10:00:00Z", "2025-03-08T10:00:00Z", None, None),
    (9, 2, "en", "active", "2025-01-06T09:00:00Z", "2025-01-06T09:00:00Z",
     "2025-03-04T10:00:00Z", 1),
]  # fmt: skip
CHILDREN = [(1, 1, "Amira"), (2, 2, "Ben"), (3, 3, "Yusuf"), (4, 3, "Layla"), (5, 4, "Omar"),
            (6, 5, "Zofia"), (7, 6, "Jan"), (8, 7, "Mia"), (9, 9, "Other"), (10, 6, None)]  # fmt: skip
DELIVERIES = [
    # id, child, family, week, activity, touch, kind, state, sent_at
    (1, 1, 1, "2025-W10", "cll-talk", 1, "activity", "sent", "2025-03-03T09:00:00Z"),
    (2, 1, 1, "2025-W10", "cll-talk", 2, "why", "sent", "2025-03-05T09:00:00Z"),
    (3, 2, 2, "2025-W10", "maths-count", 1, "activity", "sent", "2025-03-03T10:00:00Z"),
    (4, 3, 3, "2025-W10", "psed-feelings", 1, "activity", "sent", "2025-03-04T09:00:00Z"),
    (5, 4, 3, "2025-W10", "cll-talk", 1, "activity", "sent", "2025-03-04T09:00:00Z"),
    (6, 5, 4, "2025-W10", "maths-count", 1, "single", "sent", "2025-03-03T09:00:00Z"),
    (7, 5, 4, "2025-W10", "maths-count", 9, "checkin", "sent", "2025-03-08T09:00:00Z"),
    (8, 7, 6, "2025-W10", "psed-feelings", 1, "activity", "sent", "2025-03-03T11:00:00Z"),
    (9, 8, 7, "2025-W10", "cll-talk", 1, "activity", "sent", "2025-03-04T09:00:00Z"),
    (10, 6, 5, "2025-W10", "cll-talk", 1, "activity", "pending", None),
    (11, 6, 5, "2025-W10", "cll-talk", 2, "why", "failed", None),
    (12, 9, 9, "2025-W10", "cll-talk", 1, "activity", "sent", "2025-03-03T09:00:00Z"),
    # the week before
    (20, 1, 1, "2025-W09", "maths-count", 1, "activity", "sent", "2025-02-24T09:00:00Z"),
    (21, 2, 2, "2025-W09", "cll-talk", 1, "activity", "sent", "2025-02-24T09:00:00Z"),
    (22, 3, 3, "2025-W09", "cll-talk", 1, "activity", "sent", "2025-02-25T09:00:00Z"),
    (23, 5, 4, "2025-W09", "cll-talk", 1, "activity", "sent", "2025-02-25T09:00:00Z"),
]
EVENTS = [
    # id, family, child, delivery, kind, tap, text, file_id, duration, shared, created_at
    (1, 1, 1, 1, "text", None, "We sang it twice!", None, None, 0, "2025-03-04T18:00:00Z"),
    (2, 1, 1, 1, "photo", None, None, "PH1", None, 1, "2025-03-05T12:00:00Z"),
    (3, 2, 2, 3, "photo", None, None, "PH2-private", None, 0, "2025-03-05T13:00:00Z"),
    (4, 2, 2, 3, "photo", None, None, "PH2-withdrawn", None, 1, "2025-03-05T13:05:00Z"),
    (5, 3, 4, 5, "voice", None, None, "VO1", 42, 1, "2025-03-06T19:00:00Z"),
    (6, 3, None, None, "text", None, SCRIPT_TEXT, None, None, 0, "2025-03-07T08:00:00Z"),
    (7, 7, 8, 9, "tap", "too_hard", None, None, None, 0, "2025-03-05T09:00:00Z"),
    (8, 9, 9, 12, "photo", None, None, "PH-OTHER", None, 1, "2025-03-04T09:00:00Z"),
    (20, 1, 1, 20, "tap", "done", None, None, None, 0, "2025-02-26T09:00:00Z"),
    (21, 3, 3, 22, "text", None, "Lovely", None, None, 0, "2025-02-27T09:00:00Z"),
]


async def fill_store(store: Any) -> None:
    async with store.write() as db:
        await db.executemany(
            "INSERT INTO settings (id, name, timezone, parent_code, created_at)"
            " VALUES (?, ?, 'Europe/London', ?, '2025-01-01T00:00:00Z')",
            [(1, "Sunflower Nursery", "SUN"), (2, "Other Centre", "OTH")],
        )
        await db.executemany(
            "INSERT INTO families (id, setting_id, chat_id, locale, status, status_changed_at,"
            " created_at, last_reply_at, share_photos, consent_at, notice_version, step)"
            " VALUES (?, ?, 1000 + ?, ?, ?, ?, ?, ?, ?, '2025-01-06T09:00:00Z', 'v1', 'done')",
            [(f[0], f[1], f[0], *f[2:]) for f in FAMILIES],
        )
        await db.executemany(
            "INSERT INTO children (id, family_id, first_name, birth_month, created_at)"
            " VALUES (?, ?, ?, '2022-05', '2025-01-06T09:00:00Z')",
            CHILDREN,
        )
        await db.executemany(
            "INSERT INTO deliveries (id, child_id, family_id, iso_week, activity_id, touch, kind,"
            " state, sent_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '2025-03-03T09:00:00Z')",
            DELIVERIES,
        )
        await db.executemany(
            "INSERT INTO events (id, family_id, child_id, delivery_id, kind, tap, text, file_id,"
            " duration, shared, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            EVENTS,
        )
        await db.execute(
            "INSERT INTO safeguarding_alerts (family_id, setting_id, text, matched, created_at)"
            " VALUES (4, 1, 'flagged words', 'x', '2025-03-05T10:00:00Z')"
        )
