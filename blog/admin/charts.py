"""The geometry of the dashboard's bar charts, drawn as inline SVG by templates/macros/charts.html.

Computing positions here keeps the template to drawing, and lets the numbers
be checked without parsing SVG.

A chart scales with the page, and its text with it: on a phone a chart is
drawn at about half its width, so static/css/site.css sets its text larger
there (the sizes below, in the chart's own units), shows only every
``MAJOR_EVERY``-th month, and the margins here leave room for that text.
"""
import math
from dataclasses import dataclass, field

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
               "Dec")
# The largest text each kind of chart is drawn with (static/css/site.css), and the
# width of an average letter as a share of it.
COLUMN_TEXT = 21
ROW_TEXT = 15
LETTER_WIDTH = 0.58
# Months labelled on a phone; every ``label_every``-th elsewhere.
MAJOR_EVERY = 6


@dataclass
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass
class Tick:
    position: float
    label: str
    # The whole label, when ``label`` had to be shortened; shown on hover.
    full: str = ""
    # Shown at every width; the others only where the chart is drawn large.
    major: bool = True


@dataclass
class Chart:
    title: str
    width: int
    height: int
    horizontal: bool
    # The plotting area inside the axes' labels.
    left: float
    top: float
    right: float
    bottom: float
    bars: list = field(default_factory=list)
    value_ticks: list = field(default_factory=list)
    category_labels: list = field(default_factory=list)

    @property
    def is_empty(self):
        return not any(bar.value for bar in self.bars)


def month_label(year, month):
    return f"{MONTH_NAMES[month - 1]} {year % 100:02d}"


def axis_ticks(maximum, wanted=4):
    """Whole-number tick values from 0 to a round top at or above ``maximum``."""
    if maximum <= 0:
        return [0, 1]
    rough = maximum / wanted
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(factor * magnitude for factor in (1, 2, 5, 10) if factor * magnitude >= rough)
    step = max(1, int(step))
    top = math.ceil(maximum / step) * step
    return list(range(0, top + 1, step))


def column_chart(title, labels, values, width=640, height=250, label_every=3):
    """Vertical bars, one per label (a time series); every ``label_every``-th label shown."""
    left, top, right, bottom = 60, 20, width - 10, height - 34
    ticks = axis_ticks(max(values, default=0))
    scale = (bottom - top) / ticks[-1]
    slot = (right - left) / max(1, len(values))
    chart = Chart(title, width, height, False, left, top, right, bottom)
    for index, (label, value) in enumerate(zip(labels, values)):
        x = left + index * slot + slot * 0.15
        chart.bars.append(Bar(label, value, round(x, 1), round(bottom - value * scale, 1),
                              round(slot * 0.7, 1), round(value * scale, 1)))
        if index % label_every == 0:
            chart.category_labels.append(Tick(round(x + slot * 0.35, 1), label,
                                              major=index % MAJOR_EVERY == 0))
    chart.value_ticks = [Tick(round(bottom - tick * scale, 1), str(tick)) for tick in ticks]
    return chart


def bar_chart(title, labels, values, width=460, row_height=28):
    """Horizontal bars, one row per label (categories with long names), the labels
    given as much room as the longest needs, up to half the chart; a longer one is
    shortened, whole on hover."""
    letter = LETTER_WIDTH * ROW_TEXT
    longest = max((len(label) for label in labels), default=0)
    label_width = min(width / 2, longest * letter + 12)
    fits = longest if label_width < width / 2 else int((label_width - 12) / letter)
    left, top, right = label_width, 8, width - 46
    bottom = top + row_height * max(1, len(values))
    height = bottom + 26
    ticks = axis_ticks(max(values, default=0))
    scale = (right - left) / ticks[-1]
    chart = Chart(title, width, height, True, left, top, right, bottom)
    for index, (label, value) in enumerate(zip(labels, values)):
        y = top + index * row_height + row_height * 0.15
        chart.bars.append(Bar(label, value, left, round(y, 1), round(value * scale, 1),
                              round(row_height * 0.7, 1)))
        shown = label if len(label) <= fits else label[:fits - 1].rstrip() + "…"
        chart.category_labels.append(Tick(round(y + row_height * 0.35, 1), shown,
                                          full=label if shown != label else ""))
    chart.value_ticks = [Tick(round(left + tick * scale, 1), str(tick)) for tick in ticks]
    return chart
