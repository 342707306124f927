"""Activities read aloud in a home language: what the dispatcher and the handlers share.

A practitioner who speaks a family's language records an activity once (/record); from
then on every family of that language in that setting gets the voice note as a reply
to the activity's message, so a parent who reads little in their home language can
listen. The voice travels as its own outbox row (kind RECORDING), queued the moment
the activity has been sent: rate limits and quiet hours apply as to any message, and
its group key (one per activity delivery) means a repeated hook queues nothing new.
"""

from __future__ import annotations

import time
import weakref
from html import escape

from bot.content import PLACEHOLDER, Activity
from bot.i18n import Translator
from bot.messages import child_label
from bot.outbox import Payload
from bot.services import Services
from bot.store import NewFamilyMessage, Outgoing, Store
from bot.vocab import Kind

LANGUAGE = "RL"  # callback: the language a practitioner will record in
RECORD = "RC"  # callback: record this activity (activity id, locale)
WITHDRAW = "RW"  # callback: a lead withdraws a recording (recording id)
RECORD_KINDS = frozenset({LANGUAGE, RECORD, WITHDRAW})
SPOKEN_KINDS = (Kind.ACTIVITY, Kind.SINGLE)  # the touches a recording goes with


def activity_title(t: Translator, activity: Activity) -> str:
    """The activity's title in ``t``'s language, as plain text (no child named)."""
    return t.content(activity.title).replace(PLACEHOLDER, child_label(t, None))


# Whether a store holds any current recording, and when that was last asked (monotonic).
# The dispatcher calls the hook for every activity it sends, hundreds a second in a
# fan-out; while no setting has recorded anything, one question every half minute
# stands in for a query per message. Saving a recording in this process forgets it.
_ANY: weakref.WeakKeyDictionary[Store, tuple[float, bool]] = weakref.WeakKeyDictionary()
RECHECK_SECONDS = 30.0


def recordings_changed(s: Services) -> None:
    _ANY.pop(s.store, None)


async def _any_recording(s: Services) -> bool:
    now = time.monotonic()
    known = _ANY.get(s.store)
    if known is None or now - known[0] > RECHECK_SECONDS:
        known = (now, bool(await s.store.recording_counts()))
        _ANY[s.store] = known
    return known[1]


async def queue_recording(s: Services, item: Outgoing, message_id: int) -> None:
    """After an activity reached a family: queue its recording in their language, if any."""
    d = item.delivery
    if d is None or d.kind not in SPOKEN_KINDS or item.family_id is None:
        return
    if not await _any_recording(s):
        return
    found = await s.store.recording_for_family(item.family_id, d.activity_id, item.locale)
    if found is None:
        return
    file_id, setting = found
    t = s.catalogs.for_locale(item.locale)
    caption = escape(t.gettext("🎧 Listen to this idea, read aloud by {setting}.")).replace(
        "{setting}", escape(t.isolate(setting))
    )
    payload = Payload("voice", text=caption, file_id=file_id, reply_to=message_id)
    await s.store.enqueue_family(
        [
            NewFamilyMessage(
                kind=Kind.RECORDING,
                family_id=item.family_id,
                payload=payload.dump(),
                due_at=s.clock.now(),
                group_key=f"recording:{d.id}",
            )
        ]
    )
