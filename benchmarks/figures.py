"""A benchmark figure with its target, and the small statistics the benchmarks share."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One measured number; ``passed`` is None for figures reported without a target."""

    group: str
    name: str
    value: float
    unit: str
    target: str = ""
    passed: bool | None = None

    @property
    def result(self) -> str:
        return {True: "PASS", False: "FAIL", None: "-"}[self.passed]

    @property
    def measured(self) -> bool:
        """False for a figure that could not be measured (its value is NaN)."""
        return not math.isnan(self.value)

    def value_text(self) -> str:
        if not self.measured:
            return "not measured"
        if self.unit == "x":
            return f"{self.value:.2f} x"
        if self.unit == "":
            return f"{self.value:g}"
        return f"{self.value:.2f} {self.unit}"

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "name": self.name,
            "value": self.value if self.measured else None,
            "unit": self.unit,
            "target": self.target or None,
            "result": self.result,
        }


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def format_table(figures: Sequence[Figure]) -> str:
    """A plain-text table: figures under their group's heading, each with target and result."""
    header = ("figure", "value", "target", "result")
    rows = [(f"  {f.name}", f.value_text(), f.target, f.result) for f in figures]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        name, value, target, result = cells
        text = f"{name:<{widths[0]}}  {value:>{widths[1]}}  {target:<{widths[2]}}  {result}"
        return text.rstrip()

    lines = [line(header), "  ".join("-" * w for w in widths)]
    group = None
    for figure, row in zip(figures, rows, strict=True):
        if figure.group != group:
            group = figure.group
            lines.append(group)
        lines.append(line(row))
    return "\n".join(lines)
