"""Small charts drawn on the server as inline SVG: no script, nothing fetched from elsewhere.

Every label goes through format_html, so a category or brand name cannot inject markup.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

LABEL_WIDTH = 190
BAR_AREA = 300
ROW = 26
COLOURS = ("#417690", "#79aec8", "#c4533a", "#e0a93b", "#5b8c5a")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    shown: str  # the value as printed beside the bar
    colour: str = COLOURS[0]


@dataclass(frozen=True)
class Marker:
    """A vertical line across a bar chart, such as a promised number of hours."""

    label: str
    value: float


def bar_chart(
    title: str,
    bars: Sequence[Bar],
    *,
    max_value: float | None = None,
    markers: Sequence[Marker] = (),
) -> SafeString:
    """Horizontal bars, one per row, scaled to `max_value` (default: the largest value)."""
    values = [bar.value or 0 for bar in bars] + [marker.value for marker in markers]
    top = max_value or max(values, default=0) or 1
    height = ROW * len(bars) + 30
    width = LABEL_WIDTH + BAR_AREA + 80
    rows = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>'
        '<text x="{}" y="{}" class="chart-value">{}</text>',
        (
            (
                LABEL_WIDTH - 6,
                ROW * i + 17,
                bar.label,
                LABEL_WIDTH,
                ROW * i + 4,
                round(BAR_AREA * min(bar.value or 0, top) / top, 1),
                ROW - 8,
                bar.colour,
                bar.label,
                bar.shown,
                LABEL_WIDTH + round(BAR_AREA * min(bar.value or 0, top) / top, 1) + 6,
                ROW * i + 17,
                bar.shown,
            )
            for i, bar in enumerate(bars)
        ),
    )
    lines = format_html_join(
        "",
        '<line x1="{x}" x2="{x}" y1="0" y2="{h}" class="chart-marker"/>'
        '<text x="{x}" y="{ty}" text-anchor="middle" class="chart-marker-label">{label}</text>',
        (
            {
                "x": LABEL_WIDTH + round(BAR_AREA * marker.value / top, 1),
                "h": ROW * len(bars),
                "ty": ROW * len(bars) + 16,
                "label": marker.label,
            }
            for marker in markers
        ),
    )
    return format_html(
        '<figure class="chart"><figcaption>{}</figcaption>'
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" width="{}" '
        'height="{}" viewBox="0 0 {} {}">{}{}</svg></figure>',
        title,
        title,
        width,
        height,
        width,
        height,
        rows,
        lines,
    )


def daily_chart(title: str, days: Sequence[dict]) -> SafeString:
    """Tickets opened and resolved per day, as pairs of columns."""
    top = max([day["opened"] for day in days] + [day["resolved"] for day in days] + [1])
    plot_height = 140
    step = max(6, min(28, 640 // max(len(days), 1)))
    width = step * len(days) + 60
    columns = []
    for i, day in enumerate(days):
        x = 40 + i * step
        for offset, key, colour in ((0, "opened", COLOURS[0]), (step / 2, "resolved", COLOURS[4])):
            h = round(plot_height * day[key] / top, 1)
            columns.append(
                (
                    x + offset,
                    plot_height - h + 10,
                    max(step / 2 - 1, 1),
                    h,
                    colour,
                    day["date"],
                    key,
                    day[key],
                )
            )
    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{} {}: {}</title></rect>',
        columns,
    )
    first, last = (days[0]["date"], days[-1]["date"]) if days else ("", "")
    return format_html(
        '<figure class="chart"><figcaption>{} <span class="chart-key opened">opened</span> '
        '<span class="chart-key resolved">resolved</span></figcaption>'
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" width="{}" '
        'height="{}" viewBox="0 0 {} {}">'
        '<text x="36" y="16" text-anchor="end" class="chart-label">{}</text>'
        '<line x1="38" x2="{}" y1="{}" y2="{}" class="chart-axis"/>{}'
        '<text x="40" y="{}" class="chart-label">{}</text>'
        '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text></svg></figure>',
        title,
        title,
        width,
        plot_height + 34,
        width,
        plot_height + 34,
        top,
        width,
        plot_height + 10,
        plot_height + 10,
        bars,
        plot_height + 28,
        first,
        width,
        plot_height + 28,
        last,
    )
