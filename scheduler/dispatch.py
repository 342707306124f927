"""Send what is due from the outbox, and record exactly what happened.

Every message the bot starts itself is an outbox row: activities and check-ins to
families, safeguarding alerts and digest parts to staff. One dispatcher sends them
all through the bot's rate limiter, one chat at a time at Telegram's per-chat pace,
alerts first. Rows are claimed ('sending') before the send and settled after it; a
crash in between leaves them 'sending' and recover_in_flight() (at the next start, or
in another process once the dead one's lease runs out) sends them again, so at most
the messages in flight at the crash can repeat and none is lost. A send
whose outcome could not be written (a full disk) is kept in memory and written as
soon as the database takes it again, or at shutdown, so it is not sent twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot.alerts import queue_alert
from bot.outbox import Payload, send_family, send_payload
from bot.recordings import queue_recording
from bot.request import NotSentTimeout
from bot.services import Services
from bot.store import Outgoing
from bot.timing import in_quiet_hours, local_date, next_morning
from bot.vocab import FamilyStatus, Kind, State

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
ALERT_MAX_BACKOFF = 300.0  # an alert is never given up on; it is tried at least every 5 min
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


@dataclass(frozen=True, slots=True)
class Unrecorded:
    """A send Telegram accepted whose 'sent' could not be written yet."""

    item: Outgoing
    message_id: int


def missed_reason(item: Outgoing, now: datetime) -> str | None:
    """A family message found late (downtime) goes out the same day before 20:00, else is skipped."""
    tz = item.timezone
    if local_date(now, tz) != local_date(item.due_at, tz):
        return f"missed: not sent on its day ({local_date(item.due_at, tz).isoformat()})"
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


class _Postponed(Exception):
    """Telegram said wait (429): the chat's other claimed rows wait with it."""

    def __init__(self, until: datetime, note: str) -> None:
        super().__init__(note)
        self.until = until
        self.note = note


async def _after_sent(s: Services, item: Outgoing, message_id: int) -> None:
    await s.store.mark_sent(item.id, message_id)
    await queue_recording(s, item, message_id)  # an activity read aloud in their language
    if item.payload is None:
        return
    p = Payload.load(item.payload)
    if p.alert_id is not None:
        await s.store.alert_delivered(p.alert_id)
    if p.last and p.setting_id is not None and p.week is not None:
        await s.store.digest_received(p.setting_id, p.week)


async def _send_one(bot: Bot, s: Services, item: Outgoing, report: DispatchReport) -> None:
    store = s.store
    now = s.clock.now()
    if item.delivery is not None:
        late = missed_reason(item, now)
        if late is not None:
            await store.mark_final(item.id, State.SKIPPED, late)
            report.skipped += 1
            report.note(late.split(":")[0])
            return
    elif not item.to_staff and in_quiet_hours(now, item.timezone):
        # A staff reply or notice written in the evening waits for the morning.
        morning = next_morning(now, item.timezone)
        await store.postpone(item.id, morning, "quiet hours: waits for 08:00")
        report.postponed += 1
        report.note("quiet hours")
        return
    if s.send_rate is not None:
        await s.send_rate.take()
    try:
        if item.delivery is not None:
            message_id = await send_family(bot, s, item)
        else:
            assert item.payload is not None, "rows without a plan carry a payload"
            message_id = await send_payload(bot, item.chat_id, Payload.load(item.payload))
    except LookupError as exc:
        await store.mark_final(item.id, State.FAILED, str(exc))
        report.failed += 1
        report.note("content")
    except RetryAfter as exc:
        wait = retry_seconds(exc)
        note = f"429: retry after {wait:g}s"
        await store.postpone(item.id, now + timedelta(seconds=wait), note)
        report.postponed += 1
        report.note("429")
        raise _Postponed(now + timedelta(seconds=wait), note) from exc
    except Forbidden as exc:
        await _recipient_gone(s, item, f"blocked: {exc.message}", report)
    except BadRequest as exc:
        if "chat not found" in exc.message.lower():
            await _recipient_gone(s, item, "chat not found", report)
        else:
            await store.mark_final(item.id, State.FAILED, f"rejected by Telegram: {exc.message}")
            report.failed += 1
            report.note("400")
            if item.kind == Kind.ALERT:
                log.error("safeguarding alert row %s was refused by Telegram", item.id)
    except (TimeoutError, TelegramError, OSError) as exc:
        await _retry_or_fail(s, item, exc, report, now)
    else:
        try:
            await _after_sent(s, item, message_id)
        except Exception:
            # Telegram has it; only the record is missing. Keep it and write it later.
            log.exception("could not record delivery %s as sent; will retry the write", item.id)
            s.unrecorded.append(Unrecorded(item, message_id))
        report.sent += 1


async def _retry_or_fail(
    s: Services, item: Outgoing, exc: BaseException, report: DispatchReport, now: datetime
) -> None:
    reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
    attempt = item.attempts + 1  # this try
    unanswered = _maybe_delivered(exc)
    note = f"{NO_ANSWER}: {reason}" if unanswered else reason
    if item.kind == Kind.ALERT:
        # A person must get it: no last attempt, only a longer wait.
        backoff = min(s.retry_base_seconds * (2 ** (attempt - 1)), ALERT_MAX_BACKOFF)
        await s.store.mark_retry(item.id, note, now + timedelta(seconds=backoff))
        report.retried += 1
        return
    if unanswered and (item.last_error or "").startswith(NO_ANSWER):
        # Twice sent, twice no answer: Telegram may well have delivered both, so a
        # third copy is not risked (like a crash, a timeout repeats a message once).
        await s.store.mark_final(
            item.id, State.FAILED, f"{NO_ANSWER} twice; it may have been delivered: {reason}"
        )
        report.failed += 1
        report.note("timeout")
    elif attempt >= MAX_ATTEMPTS:
        await s.store.mark_final(
            item.id, State.FAILED, f"gave up after {attempt} attempts: {reason}"
        )
        report.failed += 1
        report.note("network")
    else:
        backoff = s.retry_base_seconds * (2 ** (attempt - 1))
        await s.store.mark_retry(item.id, note, now + timedelta(seconds=backoff))
        report.retried += 1


async def _recipient_gone(s: Services, item: Outgoing, reason: str, report: DispatchReport) -> None:
    """403 or chat not found: stop writing to that chat."""
    await s.store.mark_final(item.id, State.FAILED, reason)
    report.failed += 1
    report.note("blocked")
    if item.practitioner_id is not None:
        await s.store.block_practitioner(item.practitioner_id, reason)
        log.warning("practitioner %s cannot be reached: %s", item.practitioner_id, reason[:40])
        if item.kind == Kind.ALERT and item.payload is not None:
            alert_id = Payload.load(item.payload).alert_id
            if alert_id is not None:
                await queue_alert(s, alert_id, exclude={item.practitioner_id})
        return
    assert item.family_id is not None
    await s.store.set_status(item.family_id, FamilyStatus.BLOCKED, reason=reason)
    log.info("family %s marked inactive: %s", item.family_id, reason.split(":")[0])


async def flush_unrecorded(s: Services) -> bool:
    """Write the outcomes a full disk held back; True when none is left."""
    waiting, s.unrecorded = s.unrecorded, []
    for entry in waiting:
        try:
            await _after_sent(s, entry.item, entry.message_id)
        except Exception:
            s.unrecorded.append(entry)
    if waiting and not s.unrecorded:
        log.info("recorded %d sends that had been held back", len(waiting))
    return not s.unrecorded


async def dispatch_due(bot: Bot, s: Services, *, concurrency: int = 16) -> DispatchReport:
    """Claim and send everything due now; returns what happened.

    ``concurrency`` sends are in flight at once: at Telegram's 30 msg/s that covers
    half a second of round trip each, while the HTTP pool stays small. Rows to one
    chat go one after another, ``s.per_chat_seconds`` apart.
    """
    report = DispatchReport()
    gate = asyncio.Semaphore(concurrency)
    horizon = time.monotonic() - s.per_chat_seconds
    for chat in [c for c, at in s.chat_last_sent.items() if at < horizon]:
        del s.chat_last_sent[chat]

    async def guarded(item: Outgoing) -> None:
        async with gate:
            try:
                await _send_one(bot, s, item, report)
            except _Postponed:
                raise
            except Exception:
                log.exception("unexpected error sending delivery %s", item.id)
                await s.store.mark_retry(
                    item.id, "unexpected error", s.clock.now() + timedelta(seconds=60)
                )
            finally:
                s.chat_last_sent[item.chat_id] = time.monotonic()

    async def lane(items: list[Outgoing]) -> None:
        for n, item in enumerate(items):
            wait = s.chat_last_sent.get(item.chat_id, -1e9) + s.per_chat_seconds - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                await guarded(item)
            except _Postponed as stop:
                for rest in items[n + 1 :]:
                    await s.store.postpone(rest.id, stop.until, stop.note)
                return

    while await flush_unrecorded(s):
        batch = await s.store.claim_due(s.clock.now(), s.claim_batch, s.dispatcher)
        if not batch:
            break
        lanes: dict[int, list[Outgoing]] = {}
        for item in batch:
            lanes.setdefault(item.chat_id, []).append(item)
        await asyncio.gather(*(lane(items) for items in lanes.values()))
    return report
