"""What the terminal shows: pure functions from player state to Rich renderables.

Format apart from print: ``format_screen`` is tested; the session loop only hands it
to ``rich.live.Live``.
"""

from __future__ import annotations

from rich.align import Align
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from easeback.content.models import Library
from easeback.core.player import Player
from easeback.wording import messages
from easeback.wording.labels import (
    clock_text,
    next_label,
    phase_label,
    stretch_name,
    stretch_position,
)

_DIGITS = {
    "0": ("███", "█ █", "█ █", "█ █", "███"),
    "1": (" ██", "  █", "  █", "  █", "  █"),
    "2": ("███", "  █", "███", "█  ", "███"),
    "3": ("███", "  █", "███", "  █", "███"),
    "4": ("█ █", "█ █", "███", "  █", "  █"),
    "5": ("███", "█  ", "███", "  █", "███"),
    "6": ("███", "█  ", "███", "█ █", "███"),
    "7": ("███", "  █", "  █", "  █", "  █"),
    "8": ("███", "█ █", "███", "█ █", "███"),
    "9": ("███", "█ █", "███", "  █", "███"),
}


def big_number(value: int) -> str:
    """A number drawn five lines tall, readable from a mat a metre away."""
    rows = ["  ".join(_DIGITS[d][row] for d in str(value)) for row in range(5)]
    return "\n".join(rows)


def format_screen(
    player: Player, now: float, library: Library, title: str, saving: str | None = None
) -> RenderableType:
    """The whole live screen for the player's state at ``now``; ``saving`` is a notice
    that saving is delayed, shown above the keys while it lasts."""
    timeline = player.timeline
    phase = player.phase
    position = player.position_ms(now)
    n, m = stretch_position(timeline, player.index)

    head = Table.grid(expand=True)
    head.add_column(ratio=1)
    head.add_column(justify="right")
    name = stretch_name(phase, library) or ("Rest" if phase.kind == "rest" else "Finished")
    head.add_row(Text(name, style="bold"), Text(f"stretch {n} of {m}" if n else ""))
    stretch = library.get(phase.stretch) if phase.stretch else None
    summary = Text(stretch.summary if stretch else "", style="dim")

    state = Text(
        phase_label(phase).upper(), style="bold reverse" if phase.kind == "hold" else "bold"
    )
    count = Text(big_number(player.countdown(now)), style="bold")
    say = Text(phase.say, style="italic")
    if player.state == "paused":
        say = Text(messages.PAUSED, style="bold yellow")

    bar = Table.grid(expand=True)
    bar.add_column(ratio=1)
    bar.add_column(justify="right")
    bar.add_row(
        ProgressBar(total=timeline.total_ms, completed=position),
        Text(f" {clock_text(position)} of {clock_text(timeline.total_ms)}"),
    )
    nxt = Text(f"Next: {next_label(timeline, player.index, library)}")
    keys = Table.grid(expand=True)
    keys.add_column(ratio=1)
    keys.add_column(justify="right")
    keys.add_row(
        Text(messages.KEYS_HELP), Text(f" {messages.PAIN_KEY} ", style="bold white on red")
    )

    body = Group(
        head,
        summary,
        Text(""),
        Align.center(state),
        Align.center(count),
        Text(""),
        say,
        Text(""),
        bar,
        nxt,
        *([Text(saving, style="bold yellow")] if saving else []),
        keys,
    )
    subtitle = f"rehearsal x{player.speed:g}" if player.speed != 1 else None
    return Panel(body, title=f"easeback · {title}", subtitle=subtitle, padding=(0, 1))


def format_line(player: Player, library: Library) -> str:
    """One plain line per phase, for screen readers, logs and non-terminal output."""
    phase = player.phase
    name = stretch_name(phase, library)
    parts = [f"[{clock_text(phase.start_ms)}]", phase_label(phase)]
    if name and phase.kind != "done":
        parts.insert(1, name)
    if phase.duration_ms:
        parts.append(f"{phase.duration_ms // 1000} s")
    return " · ".join(parts) + f": {phase.say}"
