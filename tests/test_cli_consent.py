"""`easeback consent`: confirming the clinician check the seed asks for."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import pexpect

from easeback.wording import messages
from helpers import answers_json

EASEBACK = str(Path(sys.executable).parent / "easeback")


def stored_consents(db_path: Path) -> list[tuple[str, str]]:
    if not db_path.exists():
        return []
    connection = sqlite3.connect(db_path)
    try:
        return connection.execute("SELECT kind, wording FROM consents ORDER BY id").fetchall()
    finally:
        connection.close()


def answer_in_a_terminal(db_path: Path, answer: str) -> tuple[int, str]:
    """Run `easeback consent` in a pseudo-terminal and type ``answer`` and Enter."""
    env = {k: v for k, v in os.environ.items() if k != "EASEBACK_DB"}
    child = pexpect.spawn(
        EASEBACK, ["--db", str(db_path), "consent"], env=env, encoding="utf-8", timeout=30
    )
    try:
        child.expect_exact(messages.CONSENT_QUESTION)
        child.sendline(answer)
        child.expect(pexpect.EOF)
        output = child.before
    finally:
        child.close(force=True)
    assert child.exitstatus is not None
    return child.exitstatus, output


def test_consent_yes_records_the_clinician_check(cli, db_path: Path) -> None:
    result = cli("consent", "--yes")

    assert result.exit_code == 0
    assert "please check with your doctor" in result.stdout
    assert "Thank you. Noted on " in result.stdout
    assert stored_consents(db_path) == [("clinician_check", "1")]


def test_consent_again_is_kept_alongside_the_first(cli, db_path: Path) -> None:
    cli("consent", "--yes")
    cli("consent", "--yes")

    assert len(stored_consents(db_path)) == 2


def test_consent_alone_is_not_enough_the_safety_questions_come_next(
    cli, db_path: Path, tmp_path: Path
) -> None:
    cli("consent", "--yes")

    result = cli("start", "office", "--speed", "500", "--plain")

    assert result.exit_code == 1
    reason, next_step = messages.GATE["first"]
    assert result.stderr == f"easeback: {reason} {next_step}\n"


def test_consent_and_clean_answers_let_start_go_ahead_without_asking(
    cli, db_path: Path, tmp_path: Path
) -> None:
    routine = tmp_path / "tiny.toml"
    routine.write_text(
        'name = "tiny"\nprepare_s = 3\nrelease_s = 2\nswitch_s = 2\n\n'
        '[[stretches]]\nid = "lower-back-rotation"\nhold_s = 10\n',
        "utf-8",
    )
    cli("check", "--answers", "-", input=answers_json())

    result = cli("start", str(routine), "--speed", "500", "--plain")

    assert result.exit_code == 0, result.output
    assert messages.CONSENT_QUESTION not in result.stdout
    assert "Routine done" in result.stdout


def test_consent_without_yes_and_without_a_terminal_exits_2(cli, db_path: Path) -> None:
    result = cli("consent")

    assert result.exit_code == 2
    assert result.stderr == (
        "easeback: no answer: run 'easeback consent' in a terminal, or add --yes\n"
    )
    assert stored_consents(db_path) == []


def test_answering_yes_in_a_terminal_records_consent(db_path: Path) -> None:
    code, output = answer_in_a_terminal(db_path, "y")

    assert code == 0
    assert "Thank you. Noted on " in output
    assert stored_consents(db_path) == [("clinician_check", "1")]


def test_declining_exits_1_and_records_nothing(db_path: Path) -> None:
    code, output = answer_in_a_terminal(db_path, "n")

    assert code == 1
    assert messages.CONSENT_DECLINED in output
    assert stored_consents(db_path) == []


def test_just_pressing_enter_declines(db_path: Path) -> None:
    code, output = answer_in_a_terminal(db_path, "")

    assert code == 1
    assert messages.CONSENT_DECLINED in output
    assert stored_consents(db_path) == []
