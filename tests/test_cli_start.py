"""`easeback start`: the terminal player end to end, in a real pseudo-terminal."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from easeback.core.screening import QUESTIONS
from easeback.wording import messages
from helpers import EASEBACK, TIMEOUT, Terminal, clean_env, screened

# 3 + 10 + 2 + 10 + 2 = 27 s of timeline: 1.35 s at --speed 20.
SHORT = """
name = "short-rotation"
title = "Short rotation"
prepare_s = 3
release_s = 2
switch_s = 2
rest_s = 0

[[stretches]]
id = "lower-back-rotation"
hold_s = 10
"""
# The same with a 60 s get-ready (3 s at --speed 20): time to press keys in phase 0.
SLOW_START = SHORT.replace("prepare_s = 3", "prepare_s = 60")


@pytest.fixture
def short_routine(tmp_path: Path) -> Path:
    path = tmp_path / "short.toml"
    path.write_text(SHORT, "utf-8")
    return path


@pytest.fixture
def slow_start_routine(tmp_path: Path) -> Path:
    path = tmp_path / "slow-start.toml"
    path.write_text(SLOW_START, "utf-8")
    return path


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    started: list[Terminal] = []
    yield started
    for terminal in started:
        if terminal.child.isalive():
            terminal.child.terminate(force=True)


def events(db_path: Path) -> list[tuple[str, int]]:
    connection = sqlite3.connect(db_path, timeout=5)
    try:
        return connection.execute("SELECT kind, phase_index FROM events ORDER BY seq").fetchall()
    finally:
        connection.close()


def wait_for_event(db_path: Path, kind: str) -> None:
    """Wait until the session has committed an event of ``kind`` (keys are then handled
    one read at a time, as a person pressing them would be)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if any(k == kind for k, _ in events(db_path)):
            return
        time.sleep(0.01)
    raise AssertionError(f"no {kind!r} event after {TIMEOUT} s: {events(db_path)}")


def answer_first_run(term: Terminal, *, consent: str = "y", yes: tuple[str, ...] = ()) -> None:
    """Answer the first-run questions at the keyboard: the clinician check, then every
    safety question ('no' unless its id is in ``yes``)."""
    term.expect(messages.CONSENT_QUESTION)
    term.child.sendline(consent)
    if consent != "y":
        return
    for question in QUESTIONS:
        term.expect(messages.QUESTION_TEXT[question.id])
        term.child.sendline("y" if question.id in yes else "n")


def skip_pain_rating(term: Terminal, question: str) -> None:
    term.expect(question)
    term.child.sendline("")


def test_first_session_asks_about_the_clinician_then_plays_and_pain_stops(
    db_path: Path, slow_start_routine: Path, terminals: list[Terminal]
) -> None:
    term = Terminal(db_path, "start", str(slow_start_routine), "--speed", "20")
    terminals.append(term)

    answer_first_run(term)
    skip_pain_rating(term, messages.PAIN_BEFORE_QUESTION)
    term.expect("PAIN: STOP NOW")
    term.expect("Lower-back rotation")
    term.child.send(" ")
    term.expect("Paused")
    wait_for_event(db_path, "paused")
    term.child.send(" ")
    wait_for_event(db_path, "resumed")
    term.child.send("n")
    wait_for_event(db_path, "skipped")
    term.child.send("p")
    term.expect("Stopped because it hurt. That was the right thing to do.")
    skip_pain_rating(term, messages.PAIN_AFTER_QUESTION)

    assert term.finish() == 0
    stored = events(db_path)
    assert [e for e in stored if e[0] not in ("started", "phase")] == [
        ("paused", 0),
        ("resumed", 0),
        ("skipped", 0),
        ("pain_stop", 1),
    ]
    assert stored[-1] == ("pain_stop", 1)
    assert "Traceback" not in term.output


def test_consent_given_at_the_first_start_is_recorded(
    db_path: Path, short_routine: Path, terminals: list[Terminal]
) -> None:
    term = Terminal(db_path, "start", str(short_routine), "--speed", "20")
    terminals.append(term)
    answer_first_run(term)
    skip_pain_rating(term, messages.PAIN_BEFORE_QUESTION)
    term.expect("Routine done")
    skip_pain_rating(term, messages.PAIN_AFTER_QUESTION)
    assert term.finish() == 0

    connection = sqlite3.connect(db_path)
    try:
        assert connection.execute("SELECT kind FROM consents").fetchall() == [("clinician_check",)]
    finally:
        connection.close()


def test_declining_at_the_first_start_plays_nothing(
    db_path: Path, short_routine: Path, terminals: list[Terminal]
) -> None:
    term = Terminal(db_path, "start", str(short_routine), "--speed", "20")
    terminals.append(term)

    term.expect(messages.CONSENT_QUESTION)
    term.child.sendline("n")
    term.expect("No session until you have checked with a clinician.")

    assert term.finish() == 1
    connection = sqlite3.connect(db_path)
    try:
        assert connection.execute("SELECT count(*) FROM sessions").fetchone() == (0,)
        assert connection.execute("SELECT count(*) FROM consents").fetchone() == (0,)
    finally:
        connection.close()


def test_short_routine_plays_to_completion(
    db_path: Path, short_routine: Path, terminals: list[Terminal]
) -> None:
    screened(db_path)
    term = Terminal(db_path, "start", str(short_routine), "--speed", "20")
    terminals.append(term)

    skip_pain_rating(term, messages.PAIN_BEFORE_QUESTION)
    term.expect("Short rotation")
    term.expect("Routine done: 0:27 of stretching. Well done.")
    skip_pain_rating(term, messages.PAIN_AFTER_QUESTION)

    assert term.finish() == 0
    stored = events(db_path)
    assert stored[0] == ("started", 0)
    assert [i for kind, i in stored if kind == "phase"] == [0, 1, 2, 3, 4, 5]
    assert stored[-1] == ("completed", 5)


def test_ctrl_c_ends_the_session_as_quit_without_a_traceback(
    db_path: Path, slow_start_routine: Path, terminals: list[Terminal]
) -> None:
    screened(db_path)
    term = Terminal(db_path, "start", str(slow_start_routine), "--speed", "20")
    terminals.append(term)
    skip_pain_rating(term, messages.PAIN_BEFORE_QUESTION)
    term.expect("PAIN: STOP NOW")

    term.child.sendintr()
    term.expect("Session ended early")
    skip_pain_rating(term, messages.PAIN_AFTER_QUESTION)

    assert term.finish() == 0
    assert events(db_path)[-1][0] == "quit"
    assert "Traceback" not in term.output


def test_pain_key_pressed_right_after_another_key_still_stops(
    db_path: Path, slow_start_routine: Path, terminals: list[Terminal]
) -> None:
    screened(db_path)
    term = Terminal(db_path, "start", str(slow_start_routine), "--speed", "20")
    terminals.append(term)
    skip_pain_rating(term, messages.PAIN_BEFORE_QUESTION)
    term.expect("PAIN: STOP NOW")

    term.child.send("np")  # two quick presses reach the program in one read
    term.expect("Stopped because it hurt")
    skip_pain_rating(term, messages.PAIN_AFTER_QUESTION)

    assert term.finish() == 0
    assert events(db_path)[-1][0] == "pain_stop"


def test_ctrl_s_cannot_freeze_the_pain_key(
    db_path: Path, slow_start_routine: Path, terminals: list[Terminal]
) -> None:
    screened(db_path)
    term = Terminal(db_path, "start", str(slow_start_routine), "--speed", "20")
    terminals.append(term)
    skip_pain_rating(term, messages.PAIN_BEFORE_QUESTION)
    term.expect("PAIN: STOP NOW")

    term.child.send("\x13")  # Ctrl-S: would stop all output under flow control
    term.child.send("p")
    term.expect("Stopped because it hurt")
    skip_pain_rating(term, messages.PAIN_AFTER_QUESTION)

    assert term.finish() == 0
    assert events(db_path)[-1][0] == "pain_stop"


def test_a_real_session_with_no_keyboard_at_all_is_refused(db_path: Path) -> None:
    screened(db_path)

    result = subprocess.run(
        [EASEBACK, "--db", str(db_path), "start", "office"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=TIMEOUT,
        start_new_session=True,
    )

    assert result.returncode == 1
    assert result.stderr == f"easeback: {messages.NO_KEYBOARD}\n"
    assert sqlite3.connect(db_path).execute("SELECT count(*) FROM sessions").fetchone() == (0,)


def test_start_without_consent_and_without_a_terminal_is_refused(cli) -> None:
    result = cli("start", "--speed", "20")

    assert result.exit_code == 1
    reason, next_step = messages.GATE["consent"]
    assert result.stderr == f"easeback: {reason} {next_step}\n"
    assert "Run: easeback check" in result.stderr


@pytest.mark.parametrize(
    ("yes", "group"),
    [("fever", "urgent"), ("bladder-bowel", "emergency"), ("cancer", "clinician")],
)
def test_a_yes_at_the_first_run_refuses_the_session_with_the_right_advice(
    db_path: Path, short_routine: Path, terminals: list[Terminal], yes: str, group: str
) -> None:
    term = Terminal(db_path, "start", str(short_routine), "--speed", "20")
    terminals.append(term)

    answer_first_run(term, yes=(yes,))
    term.expect(messages.ADVICE[group])
    term.expect(messages.ADVICE_NOTE)

    assert term.finish() == 1
    assert "PAIN: STOP NOW" not in term.output
    connection = sqlite3.connect(db_path)
    try:
        assert connection.execute("SELECT count(*) FROM sessions").fetchone() == (0,)
        assert connection.execute("SELECT result FROM screenings").fetchall() == [(group,)]
    finally:
        connection.close()


def stop_a_session_for_pain(db_path: Path, routine: Path, terminals: list[Terminal]) -> None:
    """A screened person starts a session and presses p in the first phase."""
    screened(db_path)
    first = Terminal(db_path, "start", str(routine), "--speed", "20")
    terminals.append(first)
    skip_pain_rating(first, messages.PAIN_BEFORE_QUESTION)
    first.expect("PAIN: STOP NOW")
    first.child.send("p")
    skip_pain_rating(first, messages.PAIN_AFTER_QUESTION)
    assert first.finish() == 0


def test_after_a_pain_stop_the_next_start_asks_if_it_settled_and_asks_again(
    db_path: Path, slow_start_routine: Path, terminals: list[Terminal]
) -> None:
    stop_a_session_for_pain(db_path, slow_start_routine, terminals)

    second = Terminal(db_path, "start", str(slow_start_routine), "--speed", "20")
    terminals.append(second)
    second.expect(messages.PAIN_SETTLED_QUESTION)
    second.child.sendline("y")
    for question in QUESTIONS:
        second.expect(messages.QUESTION_TEXT[question.id])
        second.child.sendline("n")
    skip_pain_rating(second, messages.PAIN_BEFORE_QUESTION)
    second.expect("PAIN: STOP NOW")
    second.child.send("q")
    skip_pain_rating(second, messages.PAIN_AFTER_QUESTION)

    assert second.finish() == 0
    connection = sqlite3.connect(db_path)
    try:
        reasons = connection.execute("SELECT reason FROM screenings ORDER BY id").fetchall()
        followups = connection.execute("SELECT kind, settled FROM followups ORDER BY id").fetchall()
    finally:
        connection.close()
    assert reasons == [("first-use",), ("pain",)]
    assert followups == [("pain_stop", None), ("settled", 1)]


def test_pain_that_has_not_settled_means_no_session_today(
    db_path: Path, slow_start_routine: Path, terminals: list[Terminal]
) -> None:
    stop_a_session_for_pain(db_path, slow_start_routine, terminals)

    second = Terminal(db_path, "start", str(slow_start_routine), "--speed", "20")
    terminals.append(second)
    second.expect(messages.PAIN_SETTLED_QUESTION)
    second.child.sendline("n")
    second.expect(messages.PAIN_NOT_SETTLED)

    assert second.finish() == 1
    assert "PAIN: STOP NOW" not in second.output


def test_plain_prints_one_line_per_phase(db_path: Path, short_routine: Path) -> None:
    screened(db_path)

    result = subprocess.run(
        [EASEBACK, "--db", str(db_path), "start", str(short_routine), "--speed", "100", "--plain"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=TIMEOUT,
        check=True,
        start_new_session=True,  # no controlling terminal: no keyboard at all
    )

    assert result.stdout.splitlines() == [
        "easeback · Short rotation",
        "[0:00] · Lower-back rotation · Get ready · left side · 3 s: Lower-back rotation. "
        "Lie on your back, knees bent and together, feet flat, shoulders down. "
        "Left side first.",
        "[0:03] · Lower-back rotation · Hold · left side · 10 s: "
        "Knees together, roll them over to the left. Shoulders stay down.",
        "[0:13] · Lower-back rotation · Change sides · right side · 2 s: "
        "Bring your knees back to the middle. Next: the right side.",
        "[0:15] · Lower-back rotation · Hold · right side · 10 s: "
        "Now roll them over to the right. Shoulders stay down.",
        "[0:25] · Lower-back rotation · Relax · 2 s: Bring your knees back to the middle.",
        "[0:27] · Done: That is the whole routine. Well done; take a moment before you get up.",
        "Routine done: 0:27 of stretching. Well done.",
    ]


def test_ctrl_c_at_the_after_question_keeps_the_pain_stop_and_the_before_rating(
    db_path: Path, slow_start_routine: Path, terminals: list[Terminal]
) -> None:
    screened(db_path)
    term = Terminal(db_path, "start", str(slow_start_routine), "--speed", "20")
    terminals.append(term)
    term.expect(messages.PAIN_BEFORE_QUESTION)
    term.child.sendline("3")
    term.expect("PAIN: STOP NOW")
    term.child.send("p")
    term.expect(messages.PAIN_AFTER_QUESTION)

    term.child.sendintr()

    assert term.finish() == 1
    assert "Traceback" not in term.output
    connection = sqlite3.connect(db_path)
    try:
        followups = connection.execute("SELECT kind, step_back FROM followups").fetchall()
        ratings = connection.execute("SELECT moment, value FROM pain_ratings").fetchall()
    finally:
        connection.close()
    assert followups == [("pain_stop", 0)]
    assert ratings == [("before", 3)]


def test_a_rise_of_two_points_after_a_session_is_followed_up(
    db_path: Path, short_routine: Path, terminals: list[Terminal]
) -> None:
    screened(db_path)
    term = Terminal(db_path, "start", str(short_routine), "--speed", "20")
    terminals.append(term)
    term.expect(messages.PAIN_BEFORE_QUESTION)
    term.child.sendline("3")
    term.expect("Routine done")
    term.expect(messages.PAIN_AFTER_QUESTION)
    term.child.sendline("5")
    term.expect("Your pain is 2 points higher than before the session.")

    assert term.finish() == 0
    connection = sqlite3.connect(db_path)
    try:
        assert connection.execute("SELECT kind FROM followups").fetchall() == [("worsening",)]
    finally:
        connection.close()
    refused = subprocess.run(
        [EASEBACK, "--db", str(db_path), "start", str(short_routine), "--speed", "20"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=TIMEOUT,
        start_new_session=True,
    )
    reason, next_step = messages.GATE["pain"]
    assert (refused.returncode, refused.stderr) == (1, f"easeback: {reason} {next_step}\n")
