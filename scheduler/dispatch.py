"""Send what is due from the outbox, and record exactly what happened.

Rows are claimed ('sending') before the send and settled after it. A crash in
between leaves them 'sending'; recover_in_flight() turns those back to pending
at start-up, so at most the messages in flight at the crash can repeat and
none is lost.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot.handlers.common import keyboard
from bot.handlers.replies import checkin_rows, reply_buttons
from bot.messages import render_activity
from bot.request import NotSentTimeout
from bot.services import Services
from bot.store import OutgoingDelivery
from scheduler.timing import in_quiet_hours, local_date

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
NO_ANSWER = "no answer from Telegram"
BATCH = 500


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    postponed: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def note(self, reason: str) -> None:
        self.reasons[reason] = self.reasons.get(reason, 0) + 1


def missed_reason(item: OutgoingDelivery, now: datetime) -> str | None:
    """A delivery found late (downtime) goes out the same day before 20:00, else is skipped."""
    tz = item.timezone
    if local_date(now, tz) != local_date(item.delivery.due_at, tz):
        return f"missed: not sent on its day ({local_date(item.delivery.due_at, tz).isoformat()})"
    if in_quiet_hours(now, tz):
        return "missed: it was past 20:00 local time on its day"
    return None


def _maybe_delivered(exc: BaseException) -> bool:
    """A read/write timeout means the request reached Telegram and the answer did not
    come back: the message may have been delivered. A connect or pool timeout (the bot's
    request class raises those from NotSentTimeout), a 5xx or a reset before sending
    mean it was not."""
    return isinstance(exc, TimedOut) and not isinstance(exc.__cause__, NotSentTimeout)


def retry_seconds(exc: RetryAfter) -> float:
    """PTB 22 reports retry_after as int or timedelta (and warns about the change)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def compose(s: Services, item: OutgoingDelivery) -> tuple[str, InlineKeyboardMarkup | None]:
    t = s.catalogs.for_locale(item.locale)
    d = item.delivery
    if d.kind == "checkin":
        text = t.gettext(
            "Hello! We haven't heard from you for a few weeks, and that's fine. "
            "Are the play ideas still useful?"
        )
        return escape(text), keyboard(checkin_rows(t, s, item.chat_id))
    activity = s.library.get(d.activity_id)
    if activity is None:
        raise LookupError(f"activity {d.activity_id} is no longer in the library")
    text = render_activity(t, activity, item.child_name, d.kind)
    markup = None
    if d.kind in ("activity", "single"):
        markup = keyboard(reply_buttons(t, s.signer, item.chat_id, d.id))
    return text, markup


async def _send_one(bot: Bot, s: Services, item: OutgoingDelivery, report: DispatchReport) -> None:
    store = s.store
    d = item.delivery
    now = s.clock.now()
    late = missed_reason(item, now)
    if late is not None:
        await store.mark_final(d.id, "skipped", late)
        report.skipped += 1
        report.note(late.split(":")[0])
        return
    try:
        text, markup = compose(s, item)
    except LookupError as exc:
        await store.mark_final(d.id, "failed", str(exc))
        report.failed += 1
        report.note("content")
        return
    try:
        message = await bot.send_message(
            chat_id=item.chat_id, text=text, parse_mode=ParseMode.HTML, reply_markup=markup
        )
    except RetryAfter as exc:
        wait = retry_seconds(exc)
        await store.postpone(d.id, now + timedelta(seconds=wait), f"429: retry after {wait:g}s")
        report.postponed += 1
        report.note("429")
    except Forbidden as exc:
        await _family_gone(s, item, f"blocked: {exc.message}", report)
    except BadRequest as exc:
        if "chat not found" in exc.message.lower():
            await _family_gone(s, item, "chat not found", report)
        else:
            await store.mark_final(d.id, "failed", f"rejected by Telegram: {exc.message}")
            report.failed += 1
            report.note("400")
    except (TimeoutError, TelegramError, OSError) as exc:
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        attempt = d.attempts + 1  # claim_due counted this one in the row, not in ``d``
        unanswered = _maybe_delivered(exc)
        if unanswered and (d.last_error or "").startswith(NO_ANSWER):
            # Twice sent, twice no answer: Telegram may well have delivered both, so a
            # third copy is not risked (like a crash, a timeout repeats a message once).
            await store.mark_final(
                d.id, "failed", f"{NO_ANSWER} twice; it may have been delivered: {reason}"
            )
            report.failed += 1
            report.note("timeout")
        elif attempt >= MAX_ATTEMPTS:
            await store.mark_final(d.id, "failed", f"gave up after {attempt} attempts: {reason}")
            report.failed += 1
            report.note("network")
        else:
            backoff = s.retry_base_seconds * (2 ** (attempt - 1))
            note = f"{NO_ANSWER}: {reason}" if unanswered else reason
            await store.mark_retry(d.id, note, now + timedelta(seconds=backoff))
            report.retried += 1
    else:
        await store.mark_sent(d.id, message.message_id)
        report.sent += 1


async def _family_gone(
    s: Services, item: OutgoingDelivery, reason: str, report: DispatchReport
) -> None:
    """403 or chat not found: stop writing to this family; its other deliveries are cancelled."""
    await s.store.mark_final(item.delivery.id, "failed", reason)
    await s.store.set_status(item.delivery.family_id, "blocked", reason=reason)
    report.failed += 1
    report.note("blocked")
    log.info("family %s marked inactive: %s", item.delivery.family_id, reason.split(":")[0])


async def dispatch_due(bot: Bot, s: Services, *, concurrency: int = 16) -> DispatchReport:
    """Claim and send everything due now; returns what happened.

    ``concurrency`` sends are in flight at once: at Telegram's 30 msg/s that covers
    half a second of round trip each, while PTB's HTTP pool (it scans every open
    connection per request) stays small; more only adds waiting and CPU.
    """
    report = DispatchReport()
    gate = asyncio.Semaphore(concurrency)

    async def guarded(item: OutgoingDelivery) -> None:
        async with gate:
            try:
                await _send_one(bot, s, item, report)
            except Exception:
                log.exception("unexpected error sending delivery %s", item.delivery.id)
                await s.store.mark_retry(
                    item.delivery.id, "unexpected error", s.clock.now() + timedelta(seconds=60)
                )

    while True:
        batch = await s.store.claim_due(s.clock.now(), BATCH)
        if not batch:
            break
        await asyncio.gather(*(guarded(item) for item in batch))
    return report
