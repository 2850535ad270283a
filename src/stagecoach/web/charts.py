"""Bar charts drawn by the app itself as inline SVG, server-side: no library, no CDN.

Each chart is accessible on its own (role="img", <title>, <desc>, an aria-label per bar) and
prints its value beside every bar, so it reads without colour or hover; the page also shows the
same numbers in a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

ROW = 30
LABEL_W = 190
BAR_W = 360
VALUE_W = 120
PAD = 12
COLOURS = ("#2f6fde", "#0f9d8a", "#c4570b", "#7b4fd1", "#b8326b", "#4f7a13")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as people read it, printed after the bar
    href: str | None = None  # where clicking the bar leads (the records behind it)


def bars(chart_id: str, title: str, desc: str, items: Sequence[Bar], colour: int = 0,
         scale: float | None = None) -> str:
    """A horizontal bar chart; bars scale to the largest value, or to `scale` so that small
    multiples share one axis (an empty chart says so)."""
    height = PAD * 2 + 24 + max(1, len(items)) * ROW
    width = LABEL_W + BAR_W + VALUE_W + PAD * 2
    top = scale or max((b.value for b in items), default=0) or 1
    fill = COLOURS[colour % len(COLOURS)]
    # Screen readers read the img's description, so it carries every value too.
    desc = desc + " " + "; ".join(f"{b.label}: {b.text}" for b in items)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" class="chart" '
           f'role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
           'font-family="system-ui, sans-serif" font-size="13">',
           f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
           f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<text x="{PAD}" y="{PAD + 14}" font-weight="600" fill="#1d2533">'
           f'{escape(title)}</text>']
    if not items:
        out.append(f'<text x="{PAD}" y="{PAD + 24 + ROW - 10}" fill="#5b6575">No data</text>')
    for i, b in enumerate(items):
        y = PAD + 24 + i * ROW
        w = 0.0 if b.value <= 0 else max(2.0, BAR_W * b.value / top)
        label = escape(b.label)
        bar = (f'<g aria-label="{label}: {escape(b.text)}">'
               f'<text x="{PAD + LABEL_W - 8}" y="{y + 19}" text-anchor="end" '
               f'fill="#1d2533">{label}</text>'
               f'<rect x="{PAD + LABEL_W}" y="{y + 5}" width="{w:.1f}" height="{ROW - 10}" '
               f'rx="3" fill="{fill}"/>'
               f'<text x="{PAD + LABEL_W + w + 6:.1f}" y="{y + 19}" fill="#1d2533">'
               f'{escape(b.text)}</text></g>')
        if b.href:
            bar = f'<a href="{escape(b.href)}" aria-label="{label}: records">{bar}</a>'
        out.append(bar)
    out.append("</svg>")
    return "".join(out)
