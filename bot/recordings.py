"""Activities read aloud in a home language: what the dispatcher and the handlers share.

A practitioner who speaks a family's language records an activity once (/record); from
then on every family of that language in that setting gets the voice note as a reply
to the activity's message, so a parent who reads little in their home language can
listen. The voice travels as its own outbox row (kind RECORDING), queued the moment
the activity has been sent: rate limits and quiet hours apply as to any message, and
its group key (one per activity delivery) means a repeated hook queues nothing new.
"""

from __future__ import annotations

from html import escape

from bot.content import PLACEHOLDER, Activity
from bot.i18n import Translator
from bot.messages import child_label
from bot.outbox import Payload
from bot.services import Services
from bot.store import NewFamilyMessage, Outgoing
from bot.vocab import Kind

LANGUAGE = "RL"  # callback: the language a practitioner will record in
RECORD = "RC"  # callback: record this activity (activity id, locale)
WITHDRAW = "RW"  # callback: a lead withdraws a recording (recording id)
RECORD_KINDS = frozenset({LANGUAGE, RECORD, WITHDRAW})
SPOKEN_KINDS = (Kind.ACTIVITY, Kind.SINGLE)  # the touches a recording goes with


def activity_title(t: Translator, activity: Activity) -> str:
    """The activity's title in ``t``'s language, as plain text (no child named)."""
    return t.content(activity.title).replace(PLACEHOLDER, child_label(t, None))


async def queue_recording(s: Services, item: Outgoing, message_id: int) -> None:
    """After an activity reached a family: queue its recording in their language, if any."""
    d = item.delivery
    if d is None or d.kind not in SPOKEN_KINDS or item.family_id is None:
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
