"""Terminal text for ``easeback progress``: a sparkline of scores and a share bar.

Plain strings, no Rich markup, so the same text reads in a pipe, a log or a test.
Pure: values in, text out.
"""

from __future__ import annotations

import math

BLOCKS = "▁▂▃▄▅▆▇█"
FULL = "█"
EMPTY = "░"


def _half_up(value: float) -> int:
    """Round halves up (0.5 -> 1, 3.5 -> 4), not to the even neighbour as round() does."""
    return math.floor(value + 0.5)


def percent(share: float) -> str:
    """'71%' for 0.714: the share of 0-1 as a whole percent, halves rounded up."""
    return f"{_half_up(min(max(share, 0.0), 1.0) * 100)}%"


def sparkline(values: list[float | None], lo: float = 0, hi: float = 10) -> str:
    """One block character per value, from ▁ at ``lo`` to █ at ``hi``.

    Values outside [lo, hi] are clamped; a missing value (None or NaN) is a space, so
    gaps stay where they were. ``sparkline([0, 5, 10, None])`` is '▁▅█ '.
    """
    if hi <= lo:
        raise ValueError(f"hi ({hi}) must be above lo ({lo})")
    top = len(BLOCKS) - 1
    chars = []
    for value in values:
        if value is None or math.isnan(value):
            chars.append(" ")
            continue
        level = (min(max(value, lo), hi) - lo) / (hi - lo)
        chars.append(BLOCKS[min(top, _half_up(level * top))])
    return "".join(chars)


def bar(share: float, width: int = 20) -> str:
    """A share of 0-1 as a bar and a percentage: '██████████░░░░░░░░░░ 50%'.

    Shares outside 0-1 are clamped; the filled part and the percentage round the same
    way (halves up), so a bar never looks fuller or emptier than its number.
    """
    if width < 1:
        raise ValueError(f"width must be at least 1, not {width}")
    share = min(max(share, 0.0), 1.0)
    filled = min(width, _half_up(share * width))
    return FULL * filled + EMPTY * (width - filled) + " " + percent(share)
