"""The digest's figures against the hand count in conftest.py."""

from __future__ import annotations

from datetime import date

from bot.digest.compute import trim
from bot.digest.model import Digest, EquityRow, Rate
from bot.store.reports import DigestData
from tests.digest.sample import SCRIPT_TEXT


def test_headline(digest: Digest) -> None:
    h = digest.headline
    assert h.enrolled == 6  # families 1-6 (5 is paused; 7 stopped; 8 onboarding)
    assert h.active == 5  # 1, 2, 3, 4, 6
    assert h.new == 1  # family 7; family 8 has not finished joining
    assert (h.paused, h.stopped, h.blocked) == (1, 1, 0)
    assert h.activities_sent == 7  # 'why' and 'checkin' touches are not activities
    assert h.families_sent == 6  # 1, 2, 3, 4, 6, 7
    assert h.families_replied == 4  # 1, 2, 3, 7 (4's flagged message is not a reply)
    assert h.response == Rate(4, 6)
    assert h.previous == Rate(2, 4)
    assert h.change_points == 16.7  # 66.7% - 50%


def test_dates(digest: Digest) -> None:
    assert digest.first_day == date(2025, 3, 3)
    assert digest.last_day == date(2025, 3, 9)


def test_highlights(digest: Digest) -> None:
    hl = digest.highlights
    assert [(p.file_id, p.child, p.activity) for p in hl.photos] == [
        ("PH1", "Amira", "Talk together")
    ]
    assert hl.shared_photos == 1
    # newest first; a reply naming no child is shown with the family's children
    assert [(q.text, q.child, q.activity, q.locale) for q in hl.quotes] == [
        (SCRIPT_TEXT, ("Yusuf", "Layla"), None, "ar"),
        ("We sang it twice!", "Amira", "Talk together", "en"),
    ]
    assert [(v.file_id, v.duration, v.child, v.activity) for v in hl.voices] == [
        ("VO1", 42, "Layla", "Talk together")
    ]


def test_unshared_photos_never_appear(data: DigestData, digest: Digest) -> None:
    private = {"PH2-private", "PH2-withdrawn"}
    assert not private & {e.file_id for e in data.events}
    assert not private & {p.file_id for p in digest.highlights.photos}
    assert not private & {e.file_id for e in digest.events}
    assert "PH-OTHER" not in repr(digest)  # another setting's photo


def test_reach_out(digest: Digest) -> None:
    quiet = [(q.family_id, q.children, q.locale, q.days_quiet, q.never_replied)
             for q in digest.reach_out]  # fmt: skip
    assert quiet == [
        (6, ("Jan",), "pl", 27, True),  # joined 10 Feb 12:00, never replied
        (4, ("Omar",), "ar", 21, False),  # exactly three weeks since 17 Feb
    ]


def test_equity(digest: Digest) -> None:
    assert digest.equity.by_language == (
        EquityRow("pl", Rate(0, 1)),
        EquityRow("ar", Rate(1, 2)),
        EquityRow("en", Rate(3, 3)),
    )
    assert digest.equity.by_area == (
        EquityRow("psed", Rate(1, 2)),  # 3 (loose text counts) of 3 and 6
        EquityRow("cll", Rate(3, 3)),  # 1, 3, 7
        EquityRow("maths", Rate(1, 2)),  # 2 of 2 and 4
    )


def test_evidence(digest: Digest) -> None:
    e = digest.evidence
    assert (e.enrolled, e.active, e.new) == (6, 5, 1)
    assert (e.replies, e.families_replied) == (7, 4)
    assert (e.photos, e.texts, e.voices, e.taps) == (3, 2, 1, 1)
    assert e.quiet == 2
    assert e.lowest_language == EquityRow("pl", Rate(0, 1))


def test_trend(digest: Digest) -> None:
    assert len(digest.trend) == 12
    assert digest.trend[-1].iso_week == "2025-W10"
    assert digest.trend[-1].week_start == date(2025, 3, 3)
    assert digest.trend[0].week_start == date(2024, 12, 16)
    assert [(p.sent, p.replied, p.rate) for p in digest.trend[-2:]] == [
        (4, 2, Rate(2, 4)),
        (6, 4, Rate(4, 6)),
    ]
    assert all(p.sent == p.replied == 0 for p in digest.trend[:-2])


def test_event_lines(digest: Digest) -> None:
    lines = [(e.family_ref, e.kind, e.text, e.file_id) for e in digest.events]
    assert lines == [
        ("F1", "text", "We sang it twice!", None),
        ("F7", "tap", "too_hard", None),
        ("F1", "photo", None, "PH1"),
        ("F2", "photo", None, None),
        ("F2", "photo", None, None),
        ("F3", "voice", None, "VO1"),
        ("F3", "text", SCRIPT_TEXT, None),
    ]
    assert digest.events[0].at.utcoffset() is not None


def test_quotes_are_capped_and_trimmed() -> None:
    assert trim("a  b\n c") == "a b c"
    long = trim("word " * 100)
    assert len(long) == 200
    assert long.endswith("…")
