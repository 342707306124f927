"""The digest's two-way contacts line: plural forms come from the catalog, per count."""

from __future__ import annotations

from dataclasses import replace

from bot.digest.model import Evidence
from bot.digest.text import evidence_sections
from bot.i18n import Catalogs

EVIDENCE = Evidence(
    enrolled=3,
    active=3,
    new=0,
    replies=4,
    families_replied=2,
    photos=1,
    texts=2,
    voices=1,
    taps=0,
    quiet=0,
    lowest_language=None,
)


def _sharing(e: Evidence) -> list[str]:
    t = Catalogs().for_locale("en")
    return dict(evidence_sections(t, e))["Two-way information sharing"]


def test_two_way_contacts_are_counted_with_the_right_plural() -> None:
    assert not any("Staff replied" in line for line in _sharing(EVIDENCE))
    one = _sharing(replace(EVIDENCE, staff_replies=1, parent_answers=0))
    assert "Staff replied to families 1 time. Parents answered back 0 times." in one
    many = _sharing(replace(EVIDENCE, staff_replies=3, parent_answers=1))
    assert "Staff replied to families 3 times. Parents answered back 1 time." in many
