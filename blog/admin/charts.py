"""The geometry of the dashboard's bar charts, drawn as inline SVG by templates/macros/charts.html.

Computing positions here keeps the template to drawing, and lets the numbers
be checked without parsing SVG.
"""
import math
from dataclasses import dataclass, field

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
               "Dec")


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


def column_chart(title, labels, values, width=640, height=240, label_every=3):
    """Vertical bars, one per label (a time series); every ``label_every``-th label shown."""
    left, top, right, bottom = 44, 12, width - 10, height - 28
    ticks = axis_ticks(max(values, default=0))
    scale = (bottom - top) / ticks[-1]
    slot = (right - left) / max(1, len(values))
    chart = Chart(title, width, height, False, left, top, right, bottom)
    for index, (label, value) in enumerate(zip(labels, values)):
        x = left + index * slot + slot * 0.15
        chart.bars.append(Bar(label, value, round(x, 1), round(bottom - value * scale, 1),
                              round(slot * 0.7, 1), round(value * scale, 1)))
        if index % label_every == 0:
            chart.category_labels.append(Tick(round(x + slot * 0.35, 1), label))
    chart.value_ticks = [Tick(round(bottom - tick * scale, 1), str(tick)) for tick in ticks]
    return chart


def bar_chart(title, labels, values, width=420, row_height=26, label_width=120):
    """Horizontal bars, one row per label (categories with long names)."""
    left, top, right = label_width, 8, width - 36
    bottom = top + row_height * max(1, len(values))
    height = bottom + 24
    ticks = axis_ticks(max(values, default=0))
    scale = (right - left) / ticks[-1]
    chart = Chart(title, width, height, True, left, top, right, bottom)
    for index, (label, value) in enumerate(zip(labels, values)):
        y = top + index * row_height + row_height * 0.15
        chart.bars.append(Bar(label, value, left, round(y, 1), round(value * scale, 1),
                              round(row_height * 0.7, 1)))
        chart.category_labels.append(Tick(round(y + row_height * 0.35, 1), label))
    chart.value_ticks = [Tick(round(left + tick * scale, 1), str(tick)) for tick in ticks]
    return chart
