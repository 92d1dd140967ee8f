"""The web app in Debian's Chromium: first run, whole sessions by keyboard and by
tap, pause, pain stop, a server that goes away mid-session, and axe-core on every
page in light and dark. The page's clock is Playwright's fake clock, so a session's
minutes pass in milliseconds and nothing here waits on real time."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from browser import Server, check_own_origin, open_page, phase_line, run_axe, running
from easeback.content.library import load_library, load_routine
from easeback.core.player import Player
from easeback.core.timeline import build_timeline
from easeback.wording import messages
from helpers import HeldLock

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture
def server(db_path: Path) -> Iterator[Server]:
    with running(db_path) as live:
        yield live


def stored_events(db: Path, session_id: str) -> list[dict[str, Any]]:
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    try:
        rows = connection.execute(
            "SELECT seq, kind, phase_index, position_ms, offset_ms, client_id FROM events "
            "WHERE session_id = ? ORDER BY seq",
            (session_id,),
        ).fetchall()
    finally:
        connection.close()
    return [dict(r) for r in rows]


def session_id(page: Any) -> str:
    value: str = page.evaluate("window.easeback.state.session.id")
    return value


def pending(page: Any) -> int:
    count: int = page.evaluate("window.easeback.outbox.pending()")
    return count


def settle(page: Any, *, limit_s: float = 30) -> None:
    """Let every event reach the server: wait (real time) while a request is in
    flight, and move the page's clock on only while the outbox waits to retry."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        waiting, busy = page.evaluate(
            "[window.easeback.outbox.pending(), window.easeback.outbox.sending !== null]"
        )
        if not waiting and not busy:
            return
        if not busy:
            page.clock.run_for(250)  # a retry is due on the page's clock
        page.wait_for_timeout(20)  # real time for the request in flight to come back
    raise AssertionError(f"{pending(page)} events never reached the server")


def reference_events(routine: str) -> list[tuple[str, int]]:
    """What the core player records for a session played to the end, untouched."""
    player = Player(build_timeline(load_routine(routine), load_library()))
    events = player.start(0.0) + player.tick(10_000.0)
    return [(e.kind, e.phase) for e in events]


def reference_positions(routine: str) -> list[tuple[str, int, int]]:
    """The same, with where in the session each event falls (ms)."""
    player = Player(build_timeline(load_routine(routine), load_library()))
    events = player.start(0.0) + player.tick(10_000.0)
    return [(e.kind, e.phase, e.position_ms) for e in events]


def begin(page: Any, path: str) -> None:
    page.goto(path)
    page.get_by_role("button", name="Begin").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name=messages.WEB_PAIN_KEY).wait_for()


# --- first run -----------------------------------------------------------------------


def test_first_run_by_keyboard_only_records_consent_and_answers(
    chromium: Any, server: Server, db_path: Path
) -> None:
    page = open_page(chromium, server)
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text() == "Before your first session"

    # Tab into each yes/no group: Space picks "Yes", the right arrow picks "No".
    page.get_by_role("group", name=messages.CONSENT_QUESTION).get_by_label("Yes").focus()
    page.keyboard.press("Space")
    questions = page.locator("fieldset.question").count() - 1
    for _ in range(questions):
        page.keyboard.press("Tab")
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Save my answers"
    page.keyboard.press("Enter")

    page.get_by_text(messages.ADVICE["none"]).wait_for()
    page.get_by_role("link", name="See today's stretches").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Today")
    connection = sqlite3.connect(db_path)
    try:
        assert connection.execute("SELECT count(*) FROM consents").fetchone()[0] == 1
        answers = connection.execute("SELECT answers, result FROM screenings").fetchall()
    finally:
        connection.close()
    assert len(answers) == 1 and answers[0][1] is None
    assert set(json.loads(answers[0][0]).values()) == {False}
    check_own_origin(page, server)
    page.context.close()


# --- whole sessions --------------------------------------------------------------------


def test_a_whole_session_by_keyboard_stores_what_was_played(page: Any, db_path: Path) -> None:
    page.goto("/play?routine=bed&speed=10")
    page.get_by_role("radio", name="3").first.focus()  # focus lands on the scale...
    page.keyboard.press("Space")  # ...and Space picks 3
    page.get_by_role("button", name="Begin").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name=messages.WEB_PAIN_KEY).wait_for()
    assert phase_line(page) == "Get ready · left"

    page.clock.run_for(30_000)  # the 4:08 routine at 10x lasts 24.8 s
    page.get_by_role("heading", name="Session over").wait_for()
    assert "Routine done" in page.locator("#outcome").inner_text()
    page.get_by_role("radio", name="2").last.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save").focus()
    page.keyboard.press("Enter")
    settle(page)

    rows = stored_events(db_path, session_id(page))
    assert [(r["kind"], r["phase_index"]) for r in rows] == reference_events("bed")
    assert [r["seq"] for r in rows] == list(range(len(rows)))
    summary = page.request.get("/api/sessions").json()[0]
    assert (summary["outcome"], summary["pain_before"], summary["pain_after"]) == (
        "completed",
        3,
        2,
    )
    assert summary["rehearsal"] is True


def test_phase_changes_are_announced_politely_and_the_countdown_is_big(page: Any) -> None:
    begin(page, "/play?routine=default&speed=1")

    live = page.locator("[aria-live=polite]")
    assert live.inner_text() == "Knee press. Get ready · left side. 10 seconds"
    page.clock.run_for(10_000)  # getting ready lasts 10 s
    assert live.inner_text() == "Knee press. Hold · left side. 15 seconds"
    assert page.locator("#countdown").inner_text() == "15"
    page.clock.run_for(1_000)
    assert page.locator("#countdown").inner_text() == "14"
    assert live.inner_text() == "Knee press. Hold · left side. 15 seconds"  # not every second
    size = page.locator("#countdown").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 64
    figure = page.get_by_role("img", name="Lying on the back, both hands drawing the left knee")
    assert figure.is_visible()


def test_space_pauses_and_carries_on_without_losing_time(page: Any, db_path: Path) -> None:
    begin(page, "/play?routine=default&speed=1")
    page.clock.run_for(13_000)  # 3 s into the first hold
    assert page.locator("#countdown").inner_text() == "12"

    page.keyboard.press("Space")
    page.clock.run_for(60_000)
    assert page.locator("#countdown").inner_text() == "12"
    assert page.get_by_text("Paused.").is_visible()
    assert page.get_by_role("button", name="Carry on").get_attribute("aria-pressed") == "true"
    page.keyboard.press("Space")
    page.clock.run_for(12_000)

    assert phase_line(page) == "Change sides · right"
    settle(page)
    kinds = [r["kind"] for r in stored_events(db_path, session_id(page))]
    assert kinds[:5] == ["started", "phase", "phase", "paused", "resumed"]


def test_n_skips_to_the_next_phase(page: Any, db_path: Path) -> None:
    begin(page, "/play?routine=default&speed=1")

    page.keyboard.press("N")

    assert phase_line(page) == "Hold · left"
    assert page.locator("#countdown").inner_text() == "15"
    settle(page)
    kinds = [r["kind"] for r in stored_events(db_path, session_id(page))]
    assert kinds == ["started", "phase", "skipped", "phase"]


@pytest.mark.parametrize("how", ["P", "Escape", "tap"])
def test_pain_stops_the_session_at_once_by_key_or_tap(page: Any, db_path: Path, how: str) -> None:
    begin(page, "/play?routine=default&speed=1")
    page.clock.run_for(12_000)  # 2 s into the first hold

    if how == "tap":
        page.get_by_role("button", name=messages.WEB_PAIN_KEY).tap()
    else:
        page.keyboard.press(how)

    assert page.get_by_role("heading", name="Session over").is_visible()
    outcome = page.locator("#outcome").inner_text()
    assert "Stopped because it hurt." in outcome
    settle(page)
    rows = stored_events(db_path, session_id(page))
    assert rows[-1]["kind"] == "pain_stop"
    assert rows[-1]["phase_index"] == 1  # during the first hold
    page.goto("/play?routine=default")
    assert page.get_by_role("heading", level=1).inner_text() == "Not now"


def test_the_pain_button_is_large_and_always_on_screen(page: Any) -> None:
    page.set_viewport_size({"width": 360, "height": 640})
    begin(page, "/play?routine=default&speed=1")
    button = page.get_by_role("button", name=messages.WEB_PAIN_KEY)

    for _ in range(3):
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 300
        assert box["y"] >= 0 and box["y"] + box["height"] <= 640  # in view
        page.mouse.wheel(0, 2000)
        page.clock.run_for(20_000)


def test_the_pain_button_never_covers_the_other_controls(page: Any) -> None:
    page.set_viewport_size({"width": 360, "height": 640})
    begin(page, "/play?routine=default&speed=1")

    for name in ("Pause", "Skip", "End the session"):
        control = page.get_by_role("button", name=name)
        control.scroll_into_view_if_needed()
        box = control.bounding_box()
        pain = page.get_by_role("button", name=messages.WEB_PAIN_KEY).bounding_box()
        assert box["y"] + box["height"] <= pain["y"], name  # fully above the pain button


def test_pressing_enter_twice_on_begin_does_not_stop_the_session(page: Any) -> None:
    page.goto("/play?routine=default&speed=1")
    page.get_by_role("button", name="Begin").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name=messages.WEB_PAIN_KEY).wait_for()

    page.keyboard.press("Enter")

    assert page.get_by_role("button", name=messages.WEB_PAIN_KEY).is_visible()
    assert not page.get_by_role("heading", name="Session over").is_visible()
    page.keyboard.press("p")
    assert page.get_by_role("heading", name="Session over").is_visible()


def test_space_on_a_focused_control_does_what_the_control_says(page: Any) -> None:
    begin(page, "/play?routine=default&speed=1")

    page.get_by_role("button", name="Skip").focus()
    page.keyboard.press("Space")

    assert phase_line(page) == "Hold · left"
    assert page.get_by_role("button", name="Pause").get_attribute("aria-pressed") == "false"


def test_single_letter_keys_can_be_turned_off(page: Any) -> None:
    begin(page, "/play?routine=default&speed=1")
    page.get_by_text("Sound and keys").click()  # the settings wait in a small panel
    page.get_by_label("Single-letter keys (N, M, P)").uncheck()
    page.locator("#stretch-name").focus()

    page.keyboard.press("n")
    page.keyboard.press("p")

    assert phase_line(page) == "Get ready · left"
    page.keyboard.press("Escape")  # not a letter: always there
    assert page.get_by_role("heading", name="Session over").is_visible()


def test_the_sound_and_keys_panel_opens_and_closes_by_keyboard_without_stopping(
    page: Any,
) -> None:
    begin(page, "/play?routine=default&speed=1")
    summary = page.locator("#settings summary")
    speak = page.get_by_label("Speak the words of each step")

    page.keyboard.press("Tab")  # from the stretch's name to the panel's summary
    assert summary.evaluate("s => s === document.activeElement")
    page.keyboard.press("Space")  # opens the panel, as Space on a summary does
    assert speak.is_visible()
    assert page.get_by_role("button", name="Pause").get_attribute("aria-pressed") == "false"
    page.keyboard.press("Enter")  # and Enter closes it again
    assert not speak.is_visible()
    page.keyboard.press("Enter")
    assert speak.is_visible()

    page.keyboard.press("Tab")  # into the panel
    assert speak.evaluate("b => b === document.activeElement")
    page.keyboard.press("Escape")  # closes the panel, back on its summary: no pain stop
    assert not speak.is_visible()
    assert summary.evaluate("s => s === document.activeElement")
    assert not page.get_by_role("heading", name="Session over").is_visible()
    assert page.evaluate("window.easeback.state.player.state") == "playing"

    page.keyboard.press("Escape")  # with the panel closed, Escape is the pain stop
    assert page.get_by_role("heading", name="Session over").is_visible()
    assert page.evaluate("window.easeback.state.player.outcome") == "pain_stop"


def test_p_stops_for_pain_at_once_even_inside_the_open_panel(page: Any) -> None:
    begin(page, "/play?routine=default&speed=1")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("p")
    assert page.get_by_role("heading", name="Session over").is_visible()
    assert page.evaluate("window.easeback.state.player.outcome") == "pain_stop"


# --- leaving mid-session -------------------------------------------------------------


def leave_dialog(page: Any) -> Any:
    return page.get_by_role("dialog", name=messages.WEB_LEAVE_QUESTION)


def test_end_asks_first_and_keep_going_carries_on_where_it_was(page: Any, db_path: Path) -> None:
    begin(page, "/play?routine=default&speed=1")
    page.clock.run_for(12_000)
    end = page.get_by_role("button", name="End the session")

    end.focus()
    page.keyboard.press("Enter")

    assert leave_dialog(page).is_visible()
    assert page.evaluate("document.activeElement.textContent") == messages.WEB_LEAVE_NO
    page.clock.run_for(1_000)  # the session plays on while the person decides
    assert page.locator("#countdown").inner_text() == "12"
    page.keyboard.press("Enter")  # no, keep going
    assert not leave_dialog(page).is_visible()
    assert page.evaluate("document.activeElement.textContent") == "End the session"
    assert not page.get_by_role("heading", name="Session over").is_visible()

    end.click()
    page.get_by_role("button", name=messages.WEB_LEAVE_YES).click()

    assert page.get_by_role("heading", name="Session over").is_visible()
    assert page.locator("#outcome").inner_text().startswith("Session ended early after 0:13.")
    settle(page)
    assert stored_events(db_path, session_id(page))[-1]["kind"] == "quit"


def test_escape_in_the_end_question_keeps_going_and_records_no_pain(
    page: Any, db_path: Path
) -> None:
    begin(page, "/play?routine=default&speed=1")
    page.clock.run_for(12_000)
    page.get_by_role("button", name="End the session").click()
    assert leave_dialog(page).is_visible()

    page.keyboard.press("Escape")  # as one closes any question: no, keep going

    assert not leave_dialog(page).is_visible()
    assert page.evaluate("document.activeElement.textContent") == "End the session"
    assert not page.get_by_role("heading", name="Session over").is_visible()
    page.keyboard.press("Escape")  # outside the question Escape still stops for pain
    assert page.get_by_role("heading", name="Session over").is_visible()
    settle(page)
    kinds = [e["kind"] for e in stored_events(db_path, session_id(page))]
    assert kinds.count("pain_stop") == 1 and kinds[-1] == "pain_stop"


def test_the_menu_steps_aside_and_a_link_asks_first_and_leaving_records_it_ended_early(
    page: Any, db_path: Path
) -> None:
    begin(page, "/play?routine=default&speed=1")
    page.clock.run_for(5_000)
    assert not page.get_by_role("navigation", name="Main").is_visible()

    page.get_by_role("link", name="easeback").click()  # the app's name stays, as a way out

    assert leave_dialog(page).is_visible()
    assert urlsplit(page.url).path == "/play"
    page.get_by_role("button", name=messages.WEB_LEAVE_YES).click()
    page.wait_for_url("**/today")
    page.goto("/history")
    page.clock.run_for(2_000)  # this page sends what the player page left waiting
    page.reload()
    row = page.locator("tbody tr:not(.day)").first.inner_text()  # under its day's heading
    assert messages.OUTCOME_WORDS["quit"] in row


def test_the_pain_button_never_asks_even_while_the_question_is_open(page: Any) -> None:
    begin(page, "/play?routine=default&speed=1")
    page.get_by_role("button", name="End the session").click()

    page.get_by_role("button", name=messages.WEB_PAIN_KEY).click()

    assert not leave_dialog(page).is_visible()
    assert "Stopped because it hurt." in page.locator("#outcome").inner_text()


def test_closing_or_reloading_the_page_mid_session_gets_the_browsers_question(page: Any) -> None:
    begin(page, "/play?routine=default&speed=1")

    with page.expect_event("dialog") as asked:
        page.close(run_before_unload=True)

    assert asked.value.type == "beforeunload"
    asked.value.dismiss()
    assert not page.is_closed()
    page.keyboard.press("p")  # once it is over, leaving is free
    assert not page.evaluate(
        "() => { const e = new Event('beforeunload', {cancelable: true});"
        " window.dispatchEvent(e); return e.defaultPrevented; }"
    )


def test_a_page_closed_mid_session_leaves_it_ended_early_not_cut_off(
    chromium: Any, ready_server: Server, db_path: Path
) -> None:
    player = open_page(chromium, ready_server)
    player.clock.install()
    begin(player, "/play?routine=default&speed=1")
    played = session_id(player)

    player.close()  # the tab closed without asking (the browser quit, say)
    other = player.context.new_page()
    other.goto(f"{ready_server.base}/today")  # any page sends what was left waiting

    for _ in range(100):
        kinds = [r["kind"] for r in stored_events(db_path, played)]
        if kinds and kinds[-1] == "quit":
            break
        other.wait_for_timeout(50)
    assert kinds[-1] == "quit"
    other.context.close()


def test_saving_the_rating_after_without_a_number_asks_for_one(page: Any) -> None:
    begin(page, "/play?routine=default&speed=1")
    page.keyboard.press("Escape")

    page.get_by_role("button", name="Save").click()

    assert page.get_by_text("Pick a number from 0 to 10, or choose Skip.").is_visible()
    assert not page.get_by_text("Saved.").is_visible()


# --- a server that goes away ---------------------------------------------------------


def test_events_wait_while_the_server_is_down_and_arrive_once_each(
    page: Any, ready_server: Server, db_path: Path
) -> None:
    begin(page, "/play?routine=bed&speed=10")
    page.clock.run_for(2_000)
    settle(page)
    ready_server.stop()

    page.clock.run_for(10_000)  # several phases pass with nobody to send them to
    page.wait_for_timeout(50)
    page.clock.run_for(2_000)
    waiting = pending(page)
    assert waiting > 0
    assert "not answering" in page.locator("#sync").inner_text()

    ready_server.start()
    page.clock.run_for(20_000)  # the rest of the session
    settle(page)

    rows = stored_events(db_path, session_id(page))
    made = page.evaluate("window.easeback.state.seq")
    assert [r["seq"] for r in rows] == list(range(made))
    assert len({r["client_id"] for r in rows}) == made
    assert [(r["kind"], r["phase_index"]) for r in rows] == reference_events("bed")
    assert page.locator("#sync").inner_text() == messages.WEB_SAVED_AGAIN


def records(count: int) -> str:
    return f"{count} {'record' if count == 1 else 'records'}"


def test_while_another_program_holds_the_store_the_player_acts_at_once_and_catches_up(
    page: Any, db_path: Path
) -> None:
    from playwright.sync_api import expect

    begin(page, "/play?routine=default&speed=1")
    page.clock.run_for(12_000)  # 2 s into the first hold
    settle(page)
    lock = HeldLock(db_path)  # a backup, say, takes the file
    try:
        page.keyboard.press("Space")
        assert page.get_by_role("button", name="Carry on").is_visible()  # paused at once
        page.keyboard.press("Space")
        page.keyboard.press("p")
        assert page.get_by_role("heading", name="Session over").is_visible()  # at once
        assert "Stopped because it hurt." in page.locator("#outcome").inner_text()
        delayed = messages.WEB_SAVING_DELAYED.format(
            cause=messages.WEB_STORE_CAUSES["locked"], count=records(3)
        )
        expect(page.get_by_role("status").filter(has_text="Saving")).to_have_text(delayed)
        assert pending(page) == 3  # the pause, the carry-on and the pain stop wait here
        page.clock.run_for(10_000)  # the page keeps trying, and keeps them
        assert pending(page) == 3
    finally:
        lock.release()

    settle(page)

    assert page.locator("#sync").inner_text() == messages.WEB_SAVED_AGAIN
    rows = stored_events(db_path, session_id(page))
    made = page.evaluate("window.easeback.state.seq")
    assert [r["seq"] for r in rows] == list(range(made))
    assert len({r["client_id"] for r in rows}) == made
    assert [r["kind"] for r in rows][-3:] == ["paused", "resumed", "pain_stop"]
    connection = sqlite3.connect(db_path)
    try:
        followed = connection.execute(
            "SELECT kind FROM followups WHERE session_id = ?", (session_id(page),)
        ).fetchall()
    finally:
        connection.close()
    assert followed == [("pain_stop",)]
    page.goto("/play?routine=default")
    assert page.get_by_role("heading", level=1).inner_text() == "Not now"


def test_begin_while_another_program_holds_the_store_says_why_and_can_be_pressed_again(
    page: Any, db_path: Path
) -> None:
    from playwright.sync_api import expect

    page.goto("/play?routine=bed&speed=10")
    lock = HeldLock(db_path)
    try:
        page.get_by_role("button", name="Begin").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#begin-error")).to_have_text(
            messages.WEB_BEGIN_DELAYED.format(cause=messages.WEB_STORE_CAUSES["locked"])
        )
        begin_button = page.get_by_role("button", name="Begin")
        assert begin_button.is_enabled()
        assert page.evaluate("document.activeElement.id") == "begin"
    finally:
        lock.release()

    page.keyboard.press("Enter")  # again, now the store is free

    page.get_by_role("button", name=messages.WEB_PAIN_KEY).wait_for()
    assert page.locator("#begin-error").inner_text() == ""


def test_a_hidden_page_catches_up_without_skipping_or_repeating_phases(
    page: Any, db_path: Path
) -> None:
    begin(page, "/play?routine=default&speed=1")

    # The phone locks: the browser holds the page's timers back (here: the player's
    # timer is cleared) while the clock moves on 40 s; then the page shows again.
    page.evaluate("clearTimeout(window.easeback.state.timer)")
    page.clock.fast_forward(40_000)
    assert phase_line(page) == "Get ready · left"  # stale
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    assert phase_line(page) == "Hold · right"  # 40 s in

    position = page.evaluate("window.easeback.state.player.positionMs(performance.now() / 1000)")
    assert 40_000 <= position < 41_000
    settle(page)
    phases = [
        r["phase_index"] for r in stored_events(db_path, session_id(page)) if r["kind"] == "phase"
    ]
    assert phases == list(range(len(phases)))  # every phase once, in order
    timeline = build_timeline(load_routine("default"), load_library())
    assert timeline.phases[phases[-1]].start_ms <= 40_000 < timeline.phases[phases[-1]].end_ms


# --- the browser plays by the core's rules -------------------------------------------


SCRIPTS = [
    [(0.0, "start"), (3.0, "tick"), (21.0, "tick"), (400.0, "tick")],
    [
        (0.0, "start"),
        (2.0, "pause"),
        (50.0, "resume"),
        (53.5, "skip"),
        (54.0, "skip"),
        (60.0, "tick"),
    ],
    [
        (0.0, "start"),
        (7.25, "pause"),
        (8.0, "skip"),
        (9.0, "skip"),
        (30.0, "resume"),
        (31.0, "pain"),
    ],
    [(10.0, "start"), (10.0, "tick"), (1000.0, "quit")],
    [(0.0, "start"), (5.0, "tick"), (5.0, "skip"), (100.0, "tick"), (101.0, "quit")],
]


def test_the_browser_player_makes_the_same_events_as_the_core_player(page: Any) -> None:
    page.goto("/stretches")
    timeline = build_timeline(load_routine("bed"), load_library())
    methods = {
        "start": "start",
        "tick": "tick",
        "pause": "pause",
        "resume": "resume",
        "skip": "skip",
        "pain": "painStop",
        "quit": "quit",
    }
    for speed in (1.0, 3.0, 10.0):
        for script in SCRIPTS:
            core = Player(timeline, speed=speed)
            expected = []
            for now, action in script:
                method = {"pain": "pain_stop"}.get(action, action)
                expected += [
                    (e.kind, e.phase, round(e.due, 9), round(e.at, 9), e.position_ms)
                    for e in getattr(core, method)(now)
                ]
            browser = page.evaluate(
                """async ([timeline, speed, script, methods]) => {
                    const { Player } = await import('/static/js/player.js');
                    const player = new Player(timeline, speed);
                    const out = [];
                    for (const [now, action] of script) {
                        for (const e of player[methods[action]](now)) out.push(e);
                    }
                    return out.map(e => [e.kind, e.phase, e.due, e.at, e.position_ms]);
                }""",
                [timeline.to_json(), speed, script, methods],
            )
            got = [(k, p, round(d, 9), round(a, 9), pos) for k, p, d, a, pos in browser]
            assert got == expected, (speed, script)


# --- accessibility -------------------------------------------------------------------

PAGES = [
    "/today",
    "/diary",
    "/progress",
    "/stretches",
    "/stretches/knee-press",
    "/stretches/lower-back-rotation",
    "/stretches/pelvic-tilt",
    "/stretches/chair-twist",
    "/history",
    "/settings",
    "/check",
    "/clear",
    "/play?routine=default",
    "/play?slot=evening",
    "/no-such-page",
]


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_axe_finds_nothing_on_any_page(chromium: Any, ready_server: Server, dark: bool) -> None:
    page = open_page(chromium, ready_server, dark=dark)
    found = {}
    for path in PAGES:
        page.goto(path)
        found[path] = run_axe(page)
    # The player mid-session and after it, and a form with its errors shown.
    page.clock.install()
    begin(page, "/play?routine=bed&speed=10")
    page.clock.run_for(6_000)
    found["player, playing"] = run_axe(page)
    page.keyboard.press("Space")
    found["player, paused"] = run_axe(page)
    page.get_by_role("button", name="End the session").click()
    found["player, asking before it ends"] = run_axe(page)
    page.get_by_role("button", name=messages.WEB_LEAVE_NO).click()
    page.keyboard.press("p")
    found["player, after a pain stop"] = run_axe(page)
    page.goto("/settings")
    page.get_by_label("When you usually get up").fill("6.30")
    page.get_by_role("button", name="Save my day").click()
    found["settings with an error"] = run_axe(page)
    page.goto("/check")
    page.get_by_role("button", name="Save my answers").click()
    found["check with errors"] = run_axe(page)
    page.goto("/diary")
    page.get_by_role("button", name="Save my ratings").click()
    found["diary with errors"] = run_axe(page)
    page.goto("/clear")
    page.get_by_label("The day they said so").fill("soon")
    page.get_by_role("button", name="Record the go-ahead").click()
    found["go-ahead with an error"] = run_axe(page)
    page.goto("/diary")
    page.get_by_role("radio", name="4").check()
    page.get_by_role("button", name="Save in my diary").click()
    page.goto("/progress")
    found["progress with a chart"] = run_axe(page)

    assert {where: v for where, v in found.items() if v} == {}
    check_own_origin(page, ready_server)
    page.context.close()


def test_first_run_page_passes_axe_in_both_schemes(chromium: Any, server: Server) -> None:
    for dark in (False, True):
        page = open_page(chromium, server, dark=dark)
        page.goto("/")
        assert run_axe(page) == []
        page.context.close()


@pytest.mark.parametrize(
    ("path", "button", "heading"),
    [
        ("/diary", "Save in my diary", "Please check 1 answer"),
        ("/diary", "Save my ratings", "Please check 1 answer"),
        ("/check", "Save my answers", "Please answer 16 more questions"),
        ("/progress?start=soon", None, "Please check the day"),
    ],
)
def test_after_a_form_error_the_focus_is_on_the_error_summary(
    page: Any, path: str, button: str | None, heading: str
) -> None:
    from playwright.sync_api import expect

    page.goto(path)
    if button:
        page.get_by_role("button", name=button).click()

    summary = page.get_by_role("alert").filter(has=page.get_by_role("heading", name=heading))
    expect(summary).to_be_focused()


def test_the_begin_form_is_in_place_before_the_script_runs_so_nothing_moves(
    chromium: Any, ready_server: Server
) -> None:
    from playwright.sync_api import expect

    page = open_page(chromium, ready_server)
    page.route("**/js/play.js", lambda route: route.abort())  # as it is before it arrives
    page.goto("/play?routine=default")
    waiting = page.get_by_role("button", name="Begin")
    assert waiting.is_disabled()
    before = waiting.bounding_box()
    page.unroute("**/js/play.js")

    page.goto("/play?routine=default")
    ready = page.get_by_role("button", name="Begin")
    expect(ready).to_be_enabled()

    assert ready.bounding_box() == before
    shifts = page.evaluate(
        """() => {
            const seen = new PerformanceObserver(() => {});
            seen.observe({type: 'layout-shift', buffered: true});
            return seen.takeRecords().map(e => e.value);
        }"""
    )
    assert sum(shifts) == 0
    page.context.close()


def test_without_scripts_the_player_says_so_and_shows_no_dead_begin_button(
    chromium: Any, ready_server: Server
) -> None:
    context = chromium.new_context(base_url=ready_server.base, java_script_enabled=False)
    page = context.new_page()

    page.goto("/play?routine=default")

    said = page.locator("noscript .advice")  # text search skips <noscript> on principle
    assert said.is_visible() and said.inner_text() == messages.WEB_NO_SCRIPT
    assert not page.get_by_role("button", name="Begin").is_visible()
    context.close()


def test_every_page_works_by_keyboard_with_a_visible_focus(page: Any) -> None:
    page.goto("/today")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_reduced_motion_turns_off_the_flash_animation(chromium: Any, ready_server: Server) -> None:
    page = open_page(chromium, ready_server)
    page.emulate_media(reduced_motion="reduce")
    page.goto("/play?routine=default")
    duration = page.locator("#flash").evaluate("e => getComputedStyle(e).transitionDuration")
    assert duration in ("0s", "")
    page.emulate_media(reduced_motion="no-preference")
    assert page.locator("#flash").evaluate("e => getComputedStyle(e).transitionDuration") != "0s"
    page.context.close()


def test_targets_are_at_least_44_pixels(page: Any) -> None:
    for path in ("/today", "/settings", "/check", "/play?routine=default", "/stretches"):
        page.goto(path)
        small = page.evaluate(
            """() => [...document.querySelectorAll(
                    'button, .button, .top a, .check label, .pain-scale label, '
                    + 'input[type=time], input[type=text]')]
                .filter(e => e.offsetParent !== null)
                .map(e => [e.outerHTML.slice(0, 60), e.getBoundingClientRect()])
                .filter(([, r]) => r.height < 44 || r.width < 44)
                .map(([html, r]) => `${html} ${Math.round(r.width)}x${Math.round(r.height)}`)"""
        )
        assert small == [], path


def test_the_checks_themselves_catch_problems(page: Any, ready_server: Server) -> None:
    """axe and the own-origin check fail when there is something to find."""
    page.goto("/stretches")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', "
        "'<button></button><img src=\"/static/icon.svg\">')"
    )
    assert {v["id"] for v in run_axe(page)} >= {"button-name", "image-alt"}
    blocked = page.evaluate(
        "fetch('http://example.invalid/x').then(() => 'sent', e => 'blocked: ' + e.name)"
    )
    assert blocked == "blocked: TypeError"
    assert not [u for u in page.requests_seen if "example.invalid" in u]  # CSP: never sent
    with pytest.raises(Exception, match="ERR_"):
        page.goto("http://example.invalid/")  # a request the checker must see
    with pytest.raises(AssertionError):
        check_own_origin(page, ready_server)
    page.requests_seen.clear()  # so the fixture's own checks pass
    page.errors.clear()
    page.requests_seen.append(ready_server.base + "/")
