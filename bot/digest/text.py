"""The digest's sentences in the practitioner's language, as plain unescaped text.

Both the Telegram and the printable renderer say the same things; keeping the
wording here means translators see each sentence once and each renderer only adds
markup (and escapes, since names and numbers end up inside these strings).

Names that could reorder a sentence (an Arabic child or language name in English)
come back in Unicode isolates (FSI…PDI, see ``Translator.isolate``): Telegram shows
them as they are, the printable page turns each into <bdi>, the CSV takes names raw.
"""

from __future__ import annotations

from functools import lru_cache

from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from bot.digest.model import Digest, Evidence, Headline, QuietFamily, Rate, Who
from bot.i18n import Translator, language_name


def fill(template: str, **values: object) -> str:
    """Put values into a translated template; a translator's stray brace cannot crash it."""
    for name, value in values.items():
        template = template.replace("{" + name + "}", str(value))
    return template


@lru_cache(maxsize=64)
def language(code: str) -> str:
    if not code:
        return "?"
    try:
        return language_name(code)
    except ValueError:  # an unknown code in old data still gets a label
        return code


def percent(t: Translator, rate: Rate) -> str:
    return "—" if rate.whole == 0 else format_percent(rate.part / rate.whole, locale=t.locale)


def rate_text(t: Translator, rate: Rate) -> str:
    if rate.whole == 0:
        return t.gettext("no activities sent")
    return fill(
        t.gettext("{percent} ({part} of {whole})"),
        percent=percent(t, rate),
        part=rate.part,
        whole=rate.whole,
    )


def change_text(t: Translator, points: float | None) -> str:
    if points is None:
        return ""
    if points == 0:
        return t.gettext("no change on last week")
    signed = format_decimal(points, format="+#,##0.#;-#,##0.#", locale=t.locale)
    return fill(t.gettext("{points} points on last week"), points=signed)


def language_in(t: Translator, code: str) -> str:
    """A language's name for use inside a sentence in ``t``'s language."""
    return t.isolate(language(code))


def child_or(t: Translator, name: Who) -> str:
    if isinstance(name, tuple):
        return t.join(name) if name else t.gettext("a child")
    return t.isolate(name) if name else t.gettext("a child")


def who_plain(t: Translator, name: Who) -> str:
    """The same without isolating marks, for CSV cells and button labels; "" for nobody."""
    if isinstance(name, tuple):
        return format_list(list(name), style="standard", locale=t.locale)
    return name or ""


def children_or(t: Translator, names: tuple[str, ...]) -> str:
    return t.join(names) if names else t.gettext("a child")


def duration(seconds: int | None) -> str:
    if seconds is None:
        return "?"
    return f"{seconds // 60}:{seconds % 60:02d}"


def period(t: Translator, digest: Digest) -> str:
    return fill(
        t.gettext("{first} to {last}"),
        first=t.date(digest.first_day, "medium"),
        last=t.date(digest.last_day, "medium"),
    )


def area_name(t: Translator, area: str) -> str:
    names = {
        "psed": t.gettext("Personal, social and emotional development"),
        "cll": t.gettext("Communication and language"),
        "maths": t.gettext("Early maths"),
    }
    return names.get(area, area)


def kind_label(t: Translator, kind: str) -> str:
    labels = {
        "tap": t.gettext("Button"),
        "text": t.gettext("Words"),
        "photo": t.gettext("Photo"),
        "voice": t.gettext("Voice note"),
    }
    return labels.get(kind, kind)


def tap_label(t: Translator, tap: str | None) -> str:
    labels = {
        "done": t.gettext("We did it"),
        "not_this_week": t.gettext("Not this week"),
        "too_hard": t.gettext("Too hard"),
        "too_easy": t.gettext("Too easy"),
    }
    return labels.get(tap or "", tap or "")


def headline_lines(t: Translator, h: Headline) -> list[str]:
    enrolled = fill(t.gettext("Families enrolled: {n}"), n=h.enrolled)
    moves = fill(
        t.gettext("new {new}, paused {paused}, stopped {stopped}, blocked the bot {blocked}"),
        new=h.new,
        paused=h.paused,
        stopped=h.stopped,
        blocked=h.blocked,
    )
    sent = fill(
        t.ngettext(
            "Activities sent: {n} to {families} family",
            "Activities sent: {n} to {families} families",
            h.families_sent,
        ),
        n=h.activities_sent,
        families=h.families_sent,
    )
    replied = fill(t.gettext("Families who replied: {n}"), n=h.families_replied)
    rate = fill(t.gettext("Response rate: {rate}"), rate=rate_text(t, h.response))
    change = change_text(t, h.change_points)
    return [
        f"{enrolled} ({moves})",
        sent,
        replied,
        f"{rate}, {change}" if change else rate,
    ]


def quiet_line(t: Translator, q: QuietFamily) -> str:
    days = fill(t.ngettext("quiet for {n} day", "quiet for {n} days", q.days_quiet), n=q.days_quiet)
    if q.never_replied:
        days = fill(t.gettext("{days}, no reply since joining"), days=days)
    return f"{children_or(t, q.children)} · {language_in(t, q.locale)} · {days}"


def two_way_line(t: Translator, e: Evidence) -> str:
    """Staff answers to families and parents' answers back (two-way contacts)."""
    sent = fill(
        t.ngettext(
            "Staff replied to families {n} time.",
            "Staff replied to families {n} times.",
            e.staff_replies,
        ),
        n=e.staff_replies,
    )
    answers = fill(
        t.ngettext(
            "Parents answered back {n} time.", "Parents answered back {n} times.", e.parent_answers
        ),
        n=e.parent_answers,
    )
    return f"{sent} {answers}"


def evidence_sections(t: Translator, e: Evidence) -> list[tuple[str, list[str]]]:
    """One (standard, evidence lines) pair per standard for working with families."""
    relationships = [
        fill(
            t.gettext("Families enrolled: {enrolled}. Active: {active}. Joined this week: {new}."),
            enrolled=e.enrolled,
            active=e.active,
            new=e.new,
        )
    ]
    sharing = [
        fill(
            t.gettext("Replies received this week: {n}. Families who replied: {families}."),
            n=e.replies,
            families=e.families_replied,
        ),
        fill(
            t.gettext(
                "Photos: {photos}. Their own words: {texts}. Voice notes: {voices}. "
                "Button taps: {taps}."
            ),
            photos=e.photos,
            texts=e.texts,
            voices=e.voices,
            taps=e.taps,
        ),
    ]
    if e.staff_replies or e.parent_answers:
        sharing.append(two_way_line(t, e))
    reach = [
        fill(
            t.ngettext(
                "{n} family quiet for three weeks or more, listed for a personal word.",
                "{n} families quiet for three weeks or more, listed for a personal word.",
                e.quiet,
            ),
            n=e.quiet,
        )
    ]
    if e.lowest_language is not None:
        reach.append(
            fill(
                t.gettext("Lowest response by language: {language}, {rate}."),
                language=language_in(t, e.lowest_language.key),
                rate=rate_text(t, e.lowest_language.rate),
            )
        )
    return [
        (t.gettext("Establishing relationships with parents"), relationships),
        (t.gettext("Two-way information sharing"), sharing),
        (t.gettext("Reaching the families least likely to engage"), reach),
    ]
