"""The digest as one printable, self-contained HTML file.

Autoescaping is on, so every name and word from a parent is escaped by Jinja2;
nothing here marks text as safe except the chart's data: URI, which is base64, and
sentences that ``_bidi`` escaped itself before turning their isolates into <bdi>.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from jinja2 import Environment, Template
from markupsafe import Markup, escape

from bot.digest import text as tx
from bot.digest.chart import render_chart
from bot.digest.model import Digest, Who
from bot.digest.templates import DIGEST
from bot.i18n import FSI, ISOLATE_OPENERS, PDI, Translator


@lru_cache(maxsize=1)
def _template() -> Template:
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    return env.from_string(DIGEST)


def render_html(
    digest: Digest, t: Translator, setting_name: str, chart_png: bytes | None = None
) -> str:
    """``chart_png`` saves drawing the chart twice when it is also sent as a photo."""
    png = chart_png if chart_png is not None else render_chart(digest, t) if digest.trend else b""
    hl = digest.highlights
    title = tx.fill(t.gettext("Weekly digest · {setting}"), setting=t.isolate(setting_name))
    return _template().render(
        lang=t.code,
        direction="rtl" if t.rtl else "ltr",
        title=title,  # <title> holds text only: the isolate stays a character there
        heading=_bidi(title),
        period=tx.period(t, digest),
        label=_labels(t),
        headline=tx.headline_lines(t, digest.headline),
        photos=[_bidi(_about(t, p.child, p.activity)) for p in hl.photos],
        quotes=[
            {"text": q.text, "lang": q.locale, "about": _bidi(_about(t, q.child, q.activity))}
            for q in hl.quotes
        ],
        voices=[
            {"about": _bidi(_about(t, v.child, v.activity)), "duration": tx.duration(v.duration)}
            for v in hl.voices
        ],
        reach_out=[
            {
                "children": _bidi(tx.children_or(t, q.children)),
                "language": tx.language(q.locale),
                "days": q.days_quiet,
                "never": q.never_replied,
                "ref": f"F{q.family_id}",
            }
            for q in digest.reach_out
        ],
        by_language=[
            (tx.language(r.key), tx.rate_text(t, r.rate)) for r in digest.equity.by_language
        ],
        by_area=[(tx.area_name(t, r.key), tx.rate_text(t, r.rate)) for r in digest.equity.by_area],
        evidence=[
            (standard, [_bidi(line) for line in lines])
            for standard, lines in tx.evidence_sections(t, digest.evidence)
        ],
        chart="data:image/png;base64," + base64.b64encode(png).decode("ascii") if png else "",
        trend=[
            (p.iso_week, p.sent, p.replied, tx.percent(t, p.rate)) for p in reversed(digest.trend)
        ],
    )


def _about(t: Translator, child: Who, activity: str | None) -> str:
    who = tx.child_or(t, child)
    return f"{who} · {activity}" if activity else who


def _bidi(text: str) -> Markup:
    """Escape a sentence and make each of its FSI…PDI isolates a <bdi> element.

    HTML's own isolate is what browsers, screen readers and print all honour; the
    other isolate marks (LRI, RLI from a parent's text) stay characters, as do
    closing marks that close nothing.
    """
    open_bdi, close_bdi = Markup("<bdi>"), Markup("</bdi>")
    out: list[Markup] = []
    stack: list[str] = []
    for ch in text:
        if ch in ISOLATE_OPENERS:
            stack.append(ch)
            out.append(open_bdi if ch == FSI else escape(ch))
        elif ch == PDI and stack:
            out.append(close_bdi if stack.pop() == FSI else escape(ch))
        else:
            out.append(escape(ch))
    out += [close_bdi if opener == FSI else escape(PDI) for opener in reversed(stack)]
    return Markup("").join(out)


def _labels(t: Translator) -> dict[str, str]:
    return {
        "this_week": t.gettext("This week"),
        "highlights": t.gettext("Highlights"),
        "no_highlights": t.gettext("No photos, words or voice notes this week."),
        "photos": t.gettext("Shared photos"),
        "photos_note": t.gettext("Shared with the setting by the parents; open them in Telegram."),
        "quotes": t.gettext("In their own words"),
        "voices": t.gettext("Voice notes"),
        "reach_out": t.gettext("Families to reach out to"),
        "children": t.gettext("Children"),
        "language": t.gettext("Language"),
        "days_quiet": t.gettext("Days quiet"),
        "ref": t.gettext("Family ref"),
        "never_replied": t.gettext("No reply since joining."),
        "nobody_quiet": t.gettext("No family has been quiet for three weeks or more."),
        "equity": t.gettext("Equity"),
        "by_language": t.gettext("By language"),
        "by_area": t.gettext("By area of learning"),
        "evidence": t.gettext("Partnership evidence"),
        "trend": t.gettext("Last 12 weeks"),
        "chart_alt": t.gettext("Families sent an activity and families who replied, by week"),
        "week": t.gettext("Week"),
        "sent": t.gettext("Sent"),
        "replied": t.gettext("Replied"),
        "rate": t.gettext("Rate"),
        "confidential": t.gettext(
            "Contains families' personal information: keep it within the setting and "
            "delete it when no longer needed."
        ),
    }
