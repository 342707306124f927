"""The practitioners' weekly digest: when it is due, and sending it with its attachments."""

from __future__ import annotations

import io
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Bot, InputFile, InputMediaPhoto
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.digest import Digest, compute
from bot.digest.chart import render_chart
from bot.digest.csv import render_csv
from bot.digest.html import render_html
from bot.digest.telegram import render_album, render_messages
from bot.services import Services
from bot.store import Practitioner
from scheduler.timing import iso_week

log = logging.getLogger(__name__)


def week_start(when: datetime, timezone: str) -> datetime:
    """Local midnight on the Monday of ``when``'s week, as an aware datetime."""
    local = when.astimezone(ZoneInfo(timezone))
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, datetime.min.time(), tzinfo=ZoneInfo(timezone))


def due_moment(now: datetime, timezone: str, weekday: int, hour: int) -> datetime:
    """This week's digest time (default Monday 08:00 local)."""
    start = week_start(now, timezone)
    local = (start.replace(tzinfo=None) + timedelta(days=weekday, hours=hour)).replace(
        tzinfo=ZoneInfo(timezone)
    )
    return local


def previous_week(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    end = week_start(now, timezone)
    start = (end.replace(tzinfo=None) - timedelta(days=7)).replace(tzinfo=ZoneInfo(timezone))
    return start, end


async def build_digest(s: Services, setting_id: int, start: datetime, end: datetime) -> Digest:
    data = await s.store.digest_data(setting_id, start, end)

    def area(activity_id: str) -> str | None:
        found = s.library.get(activity_id)
        return found.area if found else None

    def title(activity_id: str) -> str:
        found = s.library.get(activity_id)
        return found.title if found else activity_id

    return compute(data, start, end, area, title)


async def send_digest_to(
    bot: Bot, s: Services, setting_id: int, staff: list[Practitioner], *, on_demand: bool = False
) -> int:
    """Send the digest to each person; returns how many received it."""
    setting = await s.store.get_setting(setting_id)
    if setting is None or not staff:
        return 0
    now = s.clock.now()
    if on_demand:
        start, end = week_start(now, setting.timezone), now
    else:
        start, end = previous_week(now, setting.timezone)
    digest = await build_digest(s, setting_id, start, end)
    delivered = 0
    for person in staff:
        t = s.catalogs.for_locale(person.locale)
        try:
            for chunk in render_messages(digest, t, setting.name):
                await bot.send_message(person.chat_id, chunk, parse_mode=ParseMode.HTML)
            album = render_album(digest, t)
            if album:
                media = [
                    InputMediaPhoto(file_id, caption=caption, parse_mode=ParseMode.HTML)
                    for file_id, caption in album
                ]
                await bot.send_media_group(person.chat_id, media)
            for voice in digest.highlights.voices[:5]:
                await bot.send_voice(person.chat_id, voice.file_id, caption=voice.child or None)
            chart = render_chart(digest, t) if digest.trend else None
            if chart:
                await bot.send_photo(
                    person.chat_id,
                    InputFile(io.BytesIO(chart), filename="playtalk-trend.png"),
                )
            stamp = start.date().isoformat()
            html = render_html(digest, t, setting.name, chart_png=chart)
            await bot.send_document(
                person.chat_id,
                InputFile(io.BytesIO(html.encode()), filename=f"playtalk-digest-{stamp}.html"),
                caption=t.gettext("Printable digest"),
            )
            await bot.send_document(
                person.chat_id,
                InputFile(
                    io.BytesIO(render_csv(digest, t)), filename=f"playtalk-replies-{stamp}.csv"
                ),
                caption=t.gettext("This week's replies (CSV)"),
            )
            delivered += 1
        except TelegramError as exc:
            log.warning("digest to practitioner %s failed: %s", person.id, type(exc).__name__)
    return delivered


async def send_due_digests(bot: Bot, s: Services) -> int:
    """Each setting once per week, at its digest time, covering the week before."""
    now = s.clock.now()
    sent = 0
    for setting in await s.store.list_settings():
        moment = due_moment(now, setting.timezone, setting.digest_weekday, setting.digest_hour)
        if now < moment:
            continue
        start, end = previous_week(now, setting.timezone)
        if setting.created_at >= end:
            continue  # the setting did not exist during that week
        week = iso_week(start.date())
        if await s.store.digest_already_sent(setting.id, week):
            continue
        staff = await s.store.setting_staff(setting.id)
        if not staff:
            continue
        received = await send_digest_to(bot, s, setting.id, staff)
        await s.store.record_digest(setting.id, week, received)
        sent += 1
        log.info("digest for setting %s (%s) sent to %d staff", setting.id, week, received)
    return sent
