"""The alert a safeguarding lead reads: the matched words, in context, within Telegram's limit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.alerts import TELEGRAM_LIMIT, alert_body
from bot.i18n import Catalogs, Translator
from bot.sandbox.validation import message_text
from bot.store import Child

WHEN = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
PLAY = 'We played with the pots & pans <again> and she "sang" to the teddy. '


@pytest.fixture(scope="module")
def t() -> Translator:
    return Catalogs().for_locale("en")


def _body(t: Translator, text: str, matched: str) -> str:
    return alert_body(
        t,
        family_id=7,
        locale="en",
        children=[Child(1, 7, "Amy <3", "2024-03")],
        when=WHEN,
        text=text,
        matched=matched,
    )


def _shown(body: str) -> tuple[str, list[str]]:
    """What the lead sees (the sandbox parses it as Telegram would) and its bold parts."""
    parsed = message_text(body, "HTML")  # raises as Telegram would: too long, bad markup
    units = parsed.text.encode("utf-16-le")  # entity offsets count UTF-16 units
    bold = [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in parsed.entities
        if e["type"] == "bold"
    ]
    return parsed.text, bold


def test_a_short_message_is_shown_whole_with_the_words_in_bold(t: Translator) -> None:
    text = "Thank you. My partner hits me when he drinks <sometimes> & I'm scared."
    shown, bold = _shown(_body(t, text, "partner hits me"))
    assert text in shown
    assert "partner hits me" in bold
    assert "Amy <3" in shown


@pytest.mark.parametrize("at", [0, 2_000, 3_900, 10_000])
def test_the_match_is_visible_wherever_it_is(t: Translator, at: int) -> None:
    text = (PLAY * 200)[:at] + "Also my partner HITS me when he drinks. " + PLAY * 20
    body = _body(t, text, "partner hits me")
    shown, bold = _shown(body)
    assert "partner HITS me" in bold
    assert "Also my partner HITS me when he drinks." in shown  # its context, unbroken
    assert len(body.encode("utf-16-le")) // 2 <= TELEGRAM_LIMIT
    if at > 3_000:  # the message is cut: the start is still there, and the cut is marked
        assert shown.split("Message:\n", 1)[1].startswith(PLAY[:40])
        assert "…\n\n…" in shown


def test_context_is_about_200_characters_either_side(t: Translator) -> None:
    words = " ".join(f"w{i:04d}" for i in range(3_000))  # 15 000 characters
    text = words[:9_000] + " he threatened to kill me " + words[9_000:]
    shown, _bold = _shown(_body(t, text, "threatened to kill"))
    middle = shown.split("…\n\n…", 1)[1]
    before, after = middle.split("\n")[0].split("threatened to kill", 1)
    assert 170 <= len(before) <= 205 and 170 <= len(after) <= 210
    assert after.endswith("…")


def test_escaping_never_pushes_the_alert_over_the_limit(t: Translator) -> None:
    """Every & < > " grows five-fold when escaped; emoji count twice for Telegram."""
    text = '&<>"😢' * 3_000 + " partner\"hits'me " + '&<>"😢' * 3_000
    body = _body(t, text, "partner hits me")
    shown, bold = _shown(body)
    assert "partner\"hits'me" in bold
    assert len(body.encode("utf-16-le")) // 2 <= TELEGRAM_LIMIT


def test_the_words_are_found_in_an_arabic_message(t: Translator) -> None:
    text = "لعبنا مع بعض. " * 400 + "زَوْجِي وَيَضْرِبُنِي كُلَّ يَوْمٍ"
    shown, bold = _shown(_body(t, text, "يضربني"))
    assert bold[-1] == "وَيَضْرِبُنِي"


def test_a_phrase_no_longer_in_the_text_still_gives_a_valid_alert(t: Translator) -> None:
    """The list changed since the alert was raised: show the start and say what matched."""
    shown, bold = _shown(_body(t, PLAY * 100, "partner hits me"))
    assert "partner hits me" in bold  # "Words that matched"
    assert shown.split("Message:\n", 1)[1].startswith(PLAY)
