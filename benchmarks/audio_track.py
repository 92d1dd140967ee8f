"""The player by ear: how late the page turns each phase against the audio track's
clock, and how long the track of the default routine takes to make, in each format.

The built-in "office" routine (57 s) is played in Debian's Chromium at speed 1 with
"Play as one audio track": a real track from a real server, played by the <audio>
element, which the page follows. Lateness is, for every phase change, the track's
time when the page switched minus the phase's start (``window.easeback.timing``,
whose clock is then the track's currentTime).
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from figures import Figure, median, percentile
from web import CHROMIUM, CHROMIUM_ARGS, INSTALL_CHROMIUM, serve, stored_seqs, what_the_page_played

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROUTINE = "office"
MADE_ROUTINE = "default"
P99_TARGET_MS = 20.0
AFTER_S = 30.0
NOT_MEASURED = math.nan


@dataclass
class TrackResult:
    planned_s: float = 0.0
    lateness_ms: list[float] = field(default_factory=list)
    events_made: int = 0
    events_stored: int = 0
    spoken: bool = False
    made_s: dict[str, float] = field(default_factory=dict)
    made_bytes: dict[str, int] = field(default_factory=dict)
    page_errors: list[str] = field(default_factory=list)
    missing: str = ""

    def figures(self) -> list[Figure]:
        group = f"audio-track player, {ROUTINE} at speed 1 ({self.planned_s:.1f} s)"
        target = f"< {P99_TARGET_MS:g} ms"
        made = f"audio track of {MADE_ROUTINE}, {'spoken' if self.spoken else 'tones only'}"
        figures = [
            Figure(made, f"made in ({name})", seconds, "s") for name, seconds in self.made_s.items()
        ] + [
            Figure(made, f"size ({name})", size / 1024, "KB")
            for name, size in self.made_bytes.items()
        ]
        if self.missing:
            name = f"phase-change lateness p99 ({self.missing})"
            return [*figures, Figure(group, name, NOT_MEASURED, "ms", target, False)]
        p99 = percentile(self.lateness_ms, 99)
        return [
            *figures,
            Figure(group, "phase changes", len(self.lateness_ms), ""),
            Figure(group, "lateness on the track's clock p50", median(self.lateness_ms), "ms"),
            Figure(
                group, "lateness on the track's clock p99", p99, "ms", target, p99 < P99_TARGET_MS
            ),
            Figure(group, "lateness on the track's clock max", max(self.lateness_ms), "ms"),
            Figure(
                group,
                "events stored by the server",
                self.events_stored,
                "",
                f"= {self.events_made} made by the page",
                self.events_stored == self.events_made,
            ),
        ]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def make_default(result: TrackResult) -> None:
    """Make the default routine's track in each format, uncached, and time it."""
    from easeback.audio import track as tracks
    from easeback.content.library import load_library, load_routine
    from easeback.core.timeline import build_timeline

    library = load_library()
    timeline = build_timeline(load_routine(MADE_ROUTINE), library)
    for name in ("opus", "mp3"):
        tracks._cache.clear()
        begin = time.perf_counter()
        made = tracks.make_track(timeline, library, name)
        result.made_s[name] = time.perf_counter() - begin
        result.made_bytes[name] = len(made.data)
        result.spoken = made.spoken


@contextmanager
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    args = [*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            yield browser
        finally:
            browser.close()


def play(browser: Browser, base: str, port: int, result: TrackResult) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: result.page_errors.append(str(error)))
        page.goto(f"{base}/play?routine={ROUTINE}", wait_until="load")
        page.locator("#track").check()
        page.get_by_role("button", name="Begin").click()
        page.locator("#after").wait_for(state="visible", timeout=(60 + AFTER_S) * 1000)
        played = what_the_page_played(page)
    finally:
        context.close()
    if played["outcome"] != "completed":
        raise SystemExit(f"the audio-track session did not complete ({played['outcome']})")
    result.planned_s = played["total"] / 1000
    result.lateness_ms = [float(t["late_ms"]) for t in played["timing"] if t["phase"] > 0]
    result.events_made = int(played["made"])
    result.events_stored = len(stored_seqs(port, played["id"]))


def measure() -> TrackResult:
    result = TrackResult()
    make_default(result)
    if not Path(CHROMIUM).exists():
        result.missing = INSTALL_CHROMIUM
        return result
    with (
        tempfile.TemporaryDirectory(prefix="easeback-audio-") as name,
        serve(Path(name)) as server,
        chromium() as browser,
    ):
        play(browser, server.base, server.port, result)
    if result.page_errors:
        print(f"  the page reported errors: {result.page_errors}", flush=True)
    return result


if __name__ == "__main__":
    from figures import format_table

    print(format_table(measure().figures()))
