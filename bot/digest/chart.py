"""The 12-week trend as a small PNG: families sent, families replied, response rate.

Drawn with matplotlib's Agg canvas directly rather than through pyplot: no GUI
backend is ever chosen and there is no global figure registry to leak into.

The chart dominates the digest's time budget, and building the axes costs about
as much as drawing them, so the figure is built once per (size, legend wording)
and only its data is replaced on later calls. A lock keeps two threads from
drawing on the same figure; the cache is small, so memory stays bounded.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.digest.model import Digest
from bot.i18n import Translator

_SENT = "#9ecae1"
_REPLIED = "#08519c"  # dark enough to tell from "sent" on a greyscale print
_RATE = "#e6550d"
_WIDTH = 0.4
_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class _Template:
    figure: Any
    counts: Any  # the axes of families sent / replied
    sent: Sequence[Any]  # bar rectangles
    replied: Sequence[Any]
    rate: Any  # the response-rate line


@lru_cache(maxsize=4)
def _template(points: int, legend: tuple[str, str, str]) -> _Template:
    fig = Figure(figsize=(6.4, 3.0), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.08, 0.2, 0.82, 0.68))
    xs = range(points)
    zeros = [0] * points
    sent = ax.bar([x - _WIDTH / 2 for x in xs], zeros, _WIDTH, color=_SENT, label=legend[0])
    replied = ax.bar([x + _WIDTH / 2 for x in xs], zeros, _WIDTH, color=_REPLIED, label=legend[1])
    ax.set_xlim(-0.6, points - 0.4)
    ax.tick_params(axis="both", labelsize=7)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.spines[["top"]].set_visible(False)
    rate_ax = ax.twinx()
    (line,) = rate_ax.plot([], [], color=_RATE, marker="o", markersize=3, linewidth=1.5)
    line.set_label(legend[2])
    rate_ax.set_ylim(0, 100)
    rate_ax.set_yticks([0, 25, 50, 75, 100])
    rate_ax.tick_params(axis="y", labelsize=7, colors=_RATE)
    rate_ax.spines[["top"]].set_visible(False)
    fig.legend(
        handles=[sent, replied, line],
        loc="upper center",
        ncols=3,
        fontsize=7,
        frameon=False,
        bbox_to_anchor=(0.5, 1.0),
    )
    return _Template(fig, ax, list(sent), list(replied), line)


def render_chart(digest: Digest, t: Translator) -> bytes:
    points = digest.trend
    legend = (
        t.gettext("Families sent an activity"),
        t.gettext("Families who replied"),
        t.gettext("Response rate (%)"),
    )
    rates = [(x, p.rate.percent) for x, p in enumerate(points) if p.rate.percent is not None]
    top = max([1, *(max(p.sent, p.replied) for p in points)])
    buffer = io.BytesIO()
    with _LOCK:
        chart = _template(len(points), legend)
        for bar, point in zip(chart.sent, points, strict=True):
            bar.set_height(point.sent)
        for bar, point in zip(chart.replied, points, strict=True):
            bar.set_height(point.replied)
        chart.rate.set_data([x for x, _ in rates], [r for _, r in rates])
        chart.counts.set_ylim(0, top * 1.08)
        chart.counts.set_xticks(range(len(points)), [p.iso_week[-3:] for p in points])
        # zlib level 1: a fifth of the encoding time for a file about a third larger.
        chart.figure.savefig(
            buffer,
            format="png",
            dpi=100,
            metadata={"Software": None},
            pil_kwargs={"compress_level": 1},
        )
    return buffer.getvalue()
