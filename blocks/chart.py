"""The native chart block (`data_visualization`) and its text twin, for clients that render no charts. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from blocks.kit import Block
from blocks.text import one_line

CHART_TITLE_MAX = 50
CATEGORY_MAX = 20
AXIS_LABEL_MAX = 50
SERIES_NAME_MAX = 50
BARS_MAX = 31
"""More points than this are summed into wider bars: a chart of 90 thin bars reads as noise."""


def bar_chart(title: str, points: Sequence[tuple[str, float]], *, series: str, y_label: str) -> Block:
    """A one-series bar chart; `points` are (category, value), categories unique and in order."""
    categories = [one_line(label, CATEGORY_MAX) for label, _ in points]
    return {
        "type": "data_visualization",
        "title": one_line(title, CHART_TITLE_MAX),
        "chart": {
            "type": "bar",
            "series": [
                {
                    "name": one_line(series, SERIES_NAME_MAX),
                    "data": [{"label": c, "value": v} for c, (_, v) in zip(categories, points, strict=True)],
                }
            ],
            "axis_config": {"categories": categories, "y_label": one_line(y_label, AXIS_LABEL_MAX)},
        },
    }


def bucketed(points: Sequence[tuple[str, float]], limit: int = BARS_MAX) -> list[tuple[str, float]]:
    """At most `limit` points: consecutive points summed in equal runs, each labelled by its first point."""
    if len(points) <= limit:
        return list(points)
    width = -(-len(points) // limit)
    return [
        (f"from {points[i][0]}", round(sum(v for _, v in points[i : i + width]), 2))
        for i in range(0, len(points), width)
    ]
