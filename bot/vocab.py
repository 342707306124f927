"""The words the database, the handlers, the dispatcher and the digest share.

One StrEnum each, so a misspelt state is a NameError instead of a silent miss;
the values are what the schema's CHECK constraints hold.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PRACTITIONER = "practitioner"
    LEAD = "lead"
    SAFEGUARDING = "safeguarding"


class FamilyStatus(StrEnum):
    ONBOARDING = "onboarding"
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"
    BLOCKED = "blocked"


class State(StrEnum):
    """A row of the outbox."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


TERMINAL_STATES: tuple[State, ...] = (State.SENT, State.FAILED, State.SKIPPED, State.CANCELLED)


class Kind(StrEnum):
    """What an outbox row sends."""

    # The weekly plan, to a family about one child (composed at send time).
    ACTIVITY = "activity"
    WHY = "why"
    GROW = "grow"
    SINGLE = "single"
    CHECKIN = "checkin"
    # To a family, written when queued (a JSON payload).
    STAFF_REPLY = "staff_reply"
    NOTICE = "notice"
    MONTHLY = "monthly"
    RECORDING = "recording"  # a practitioner's voice reading an activity in a home language
    # To a practitioner (a JSON payload).
    ALERT = "alert"
    DIGEST = "digest"
    PARENT_REPLY = "parent_reply"


PLAN_KINDS: tuple[Kind, ...] = (Kind.ACTIVITY, Kind.WHY, Kind.GROW, Kind.SINGLE, Kind.CHECKIN)
FAMILY_MESSAGE_KINDS: tuple[Kind, ...] = (
    Kind.STAFF_REPLY,
    Kind.NOTICE,
    Kind.MONTHLY,
    Kind.RECORDING,
)
STAFF_KINDS: tuple[Kind, ...] = (Kind.ALERT, Kind.DIGEST, Kind.PARENT_REPLY)


class Tap(StrEnum):
    DONE = "done"
    NOT_THIS_WEEK = "not_this_week"
    TOO_HARD = "too_hard"
    TOO_EASY = "too_easy"


class EventKind(StrEnum):
    TAP = "tap"
    TEXT = "text"
    PHOTO = "photo"
    VOICE = "voice"


class Area(StrEnum):
    PSED = "psed"
    CLL = "cll"
    MATHS = "maths"
