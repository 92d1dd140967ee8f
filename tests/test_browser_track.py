"""The player by ear, in Debian's Chromium: with "Play as one audio track" the session
follows the <audio> element's clock (a locked phone's page catches up to the sound),
the sound's pause is the session's, the lock screen names the stretch, a pain stop
silences the track at once, and the stored events are the core player's.

The page's timers run on Playwright's fake clock; the sound plays on its own clock,
moved by the test (currentTime) rather than waited for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from browser import phase_line, run_axe
from easeback.audio.sounds import cue_sounds
from easeback.content.library import load_library, load_routine
from easeback.core.timeline import build_timeline
from easeback.wording import messages
from test_browser import reference_positions, session_id, settle, stored_events

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
AUDIO = "document.getElementById('track-audio')"


def begin_with_track(page: Any, path: str) -> None:
    page.goto(path)
    page.get_by_label("Play as one audio track (screen can be off)").check()
    page.get_by_role("button", name="Begin").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name=messages.WEB_PAIN_KEY).wait_for()
    page.wait_for_function(f"() => {AUDIO}.currentTime > 0 && !{AUDIO}.paused", polling=20)


def seek(page: Any, seconds: float) -> None:
    """Move the sound to ``seconds``, as a phone's sound goes on while its page sleeps,
    and let the page see it (the element's events; the page's timers are frozen)."""
    page.evaluate(
        f"""(s) => new Promise(done => {{
            {AUDIO}.addEventListener('seeked', () => done(), {{ once: true }});
            {AUDIO}.currentTime = s;
        }})""",
        seconds,
    )
    page.clock.run_for(10)


def test_the_track_option_plays_the_sessions_track_and_names_it_on_the_lock_screen(
    page: Any,
) -> None:
    begin_with_track(page, "/play?routine=default")

    src = page.evaluate(f"{AUDIO}.currentSrc")
    assert "/api/sessions/" in src and src.endswith("/track.opus")
    metadata = page.evaluate(
        "(({title, artist, album}) => ({title, artist, album}))(navigator.mediaSession.metadata)"
    )
    assert metadata["title"] == "Knee press · get ready · left side"
    assert metadata["artist"] == "easeback"
    assert metadata["album"] == load_routine("default").display_title

    seek(page, 79.2)  # the second stretch's get ready
    title = page.evaluate("navigator.mediaSession.metadata.title")
    assert title.startswith("Lower-back rotation · get ready")


def test_the_page_follows_the_sounds_clock_and_its_pause(page: Any, db_path: Path) -> None:
    begin_with_track(page, "/play?routine=default")
    assert phase_line(page) == "Get ready · left"

    # The phone locks: the page's timers stand still while the sound plays on to 40 s.
    seek(page, 40.0)
    assert phase_line(page) == "Hold · right"
    assert page.locator("#countdown").inner_text() in ("5", "4")  # the hold ends at 45 s

    page.evaluate(f"{AUDIO}.pause()")  # the lock screen's pause
    page.get_by_role("button", name="Carry on").wait_for()
    at = page.evaluate(
        "window.easeback.state.player.positionMs(window.easeback.state.player.pausedAt)"
    )
    page.clock.run_for(5_000)  # paused: the page's time passing changes nothing
    assert phase_line(page) == "Hold · right"
    assert abs(at - 40_000) < 1_000

    page.evaluate(f"{AUDIO}.play()")  # and its play
    page.get_by_role("button", name="Pause").wait_for()

    page.get_by_role("button", name="Pause").click()  # the page's own pause pauses the sound
    assert page.evaluate(f"{AUDIO}.paused")
    page.get_by_role("button", name="Carry on").click()
    page.wait_for_function(f"() => !{AUDIO}.paused", polling=20)

    settle(page)
    kinds = [r["kind"] for r in stored_events(db_path, session_id(page))]
    assert kinds.count("paused") == 2 and kinds.count("resumed") == 2


def test_offsets_count_a_pause_on_the_track_as_on_the_pages_clock(page: Any, db_path: Path) -> None:
    begin_with_track(page, "/play?routine=default")
    seek(page, 12.0)
    page.get_by_role("button", name="Pause").click()
    page.clock.run_for(30_000)  # half a minute paused: the sound stands still, time does not
    page.get_by_role("button", name="Carry on").click()
    page.wait_for_function(f"() => !{AUDIO}.paused", polling=20)
    settle(page)

    rows = {r["kind"]: r for r in stored_events(db_path, session_id(page))}
    paused, resumed = rows["paused"], rows["resumed"]
    assert resumed["position_ms"] - paused["position_ms"] < 1_000  # the session stood still
    # ms since the session started, the pause included, as the API's schema says
    assert resumed["offset_ms"] - paused["offset_ms"] >= 30_000


def test_with_the_words_off_at_begin_the_track_comes_without_them(
    page: Any,
) -> None:
    page.goto("/play?routine=default")
    page.evaluate("localStorage.setItem('easeback-speak', 'off')")
    begin_with_track(page, "/play?routine=default")
    assert page.evaluate(f"{AUDIO}.currentSrc").endswith("/track.opus?words=0")

    # While the track plays the checkbox says what it can do: count for the next session.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    note = page.locator("#speak-note")
    assert note.is_visible()
    assert (note.text_content() or "").startswith("The audio track keeps the words it began with")
    page.locator("#stretch-name").focus()
    page.keyboard.press("m")
    assert page.get_by_label("Speak the words of each step").is_checked()
    assert page.locator("#live").text_content() == note.text_content()
    assert page.evaluate(f"{AUDIO}.currentSrc").endswith("/track.opus?words=0")
    assert page.evaluate("localStorage.getItem('easeback-speak')") == "on"
    assert run_axe(page) == []


def test_skip_moves_the_sound_to_the_next_phase(page: Any) -> None:
    begin_with_track(page, "/play?routine=default")
    page.keyboard.press("n")
    assert phase_line(page) == "Hold · left"
    assert 10.0 <= page.evaluate(f"{AUDIO}.currentTime") < 11.0  # the hold's start, 10 s


def test_a_pain_stop_silences_the_track_at_once(page: Any, db_path: Path) -> None:
    begin_with_track(page, "/play?routine=default")
    page.keyboard.press("p")

    assert page.get_by_role("heading", name="Session over").is_visible()
    assert page.evaluate(f"{AUDIO}.paused && !{AUDIO}.hasAttribute('src')")
    assert page.evaluate("navigator.mediaSession.metadata === null")  # off the lock screen
    settle(page)
    assert stored_events(db_path, session_id(page))[-1]["kind"] == "pain_stop"


def test_a_session_played_by_the_track_stores_the_core_players_events(
    page: Any, db_path: Path
) -> None:
    begin_with_track(page, "/play?routine=office")
    total_s = build_timeline(load_routine("office"), load_library()).total_ms / 1000

    seek(page, total_s - 0.3)  # the screen was off; the sound comes to its end
    page.get_by_role("heading", name="Session over").wait_for()
    settle(page)

    rows = stored_events(db_path, session_id(page))
    stored = [(r["kind"], r["phase_index"], r["position_ms"]) for r in rows]
    assert stored == reference_positions("office")
    assert "Routine done: 0:57" in page.locator("#outcome").inner_text()


def test_the_track_option_is_not_offered_in_a_rehearsal_and_axe_finds_nothing(
    page: Any,
) -> None:
    page.goto("/play?routine=bed&speed=10")
    assert page.get_by_label("Play as one audio track (screen can be off)").count() == 0
    page.goto("/play?routine=bed")
    assert run_axe(page) == []
    begin_with_track(page, "/play?routine=bed")
    assert run_axe(page) == []


def test_without_the_track_the_page_ticks_in_a_holds_last_three_seconds_too(page: Any) -> None:
    page.goto("/play?routine=default")
    page.get_by_role("button", name="Begin").focus()
    page.evaluate(
        """() => {
            window.tones = [];
            const cues = window.easeback.cues;
            const tone = cues.tone.bind(cues);
            cues.tone = (hz, when, peak, seconds) => {
                window.tones.push([hz, Math.round(performance.now())]);
                return tone(hz, when, peak, seconds);
            };
        }"""
    )
    page.keyboard.press("Enter")
    page.get_by_role("button", name=messages.WEB_PAIN_KEY).wait_for()
    begun = page.evaluate("window.easeback.state.player.startedAt * 1000")

    page.clock.run_for(26_000)  # get ready (10 s), the first hold (15 s), into the switch

    tones = [(hz, round((at - begun) / 1000)) for hz, at in page.evaluate("window.tones")]
    sounds = cue_sounds()  # the same pitches as the track's
    pitch, tick = sounds.pitch_hz, sounds.tick_hz
    assert tones == [
        (pitch["prepare"], 0),
        (pitch["hold"], 10),
        (tick, 22),
        (tick, 23),
        (tick, 24),
        (pitch["switch"], 25),
    ]


def test_a_track_that_cannot_load_leaves_the_session_to_the_pages_clock_and_sounds(
    page: Any,
) -> None:
    page.route("**/api/sessions/*/track.*", lambda route: route.abort())
    page.goto("/play?routine=default")
    page.get_by_label("Play as one audio track (screen can be off)").check()
    page.get_by_role("button", name="Begin").click()
    page.get_by_text("The audio track could not play here").wait_for()

    page.clock.run_for(11_000)  # the page's own clock carries the session on
    assert phase_line(page) == "Hold · left"
    assert page.evaluate("window.easeback.state.player.state") == "playing"
