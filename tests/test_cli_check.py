"""`easeback check`, `questions` and `clear`: the safety questions, asked and recorded,
and `start` refusing with the reason and the next step while they are due or blocking."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from easeback.core.player import Player
from easeback.core.screening import GROUPS, QUESTION_IDS, QUESTIONS, assess
from easeback.store.consents import record_consent
from easeback.store.safety import current_gate, record_screening
from easeback.store.sessions import SessionLog
from easeback.wording import messages
from easeback.wording.days import date_words
from helpers import ROTATION, ROTATION_TIMELINE, answers_json

FIRST_OF = {group: next(q.id for q in QUESTIONS if q.group == group) for group in GROUPS}
NO_ANSWERS = "easeback: no answers: run 'easeback check' in a terminal, or give --answers FILE\n"


# --- helpers -------------------------------------------------------------------------


def rows(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows straight from the SQLite file, as a person's data sits on disk."""
    connection = sqlite3.connect(db_path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def count(db_path: Path, table: str) -> int:
    return int(rows(db_path, f"SELECT count(*) FROM {table}")[0][0])  # noqa: S608


def screenings(db_path: Path) -> list[tuple[str, str | None, str]]:
    """(reason, result, yes) of every stored screening, oldest first."""
    return rows(db_path, "SELECT reason, result, yes FROM screenings ORDER BY id")  # type: ignore[return-value]


def screen(cli, *yes: str) -> None:  # type: ignore[no-untyped-def]
    """Consent (when first) and one screening with ``yes`` answered yes."""
    result = cli("check", "--answers", "-", input=answers_json(*yes))
    assert result.exit_code == (1 if yes else 0), result.output


def record_pain_stop(engine: Engine) -> None:
    """A session stopped for pain, stamped now: after any screening already stored."""
    now = datetime.now(UTC)
    log = SessionLog(
        engine,
        ROTATION_TIMELINE,
        title="Just the rotation",
        speed=1,
        started=now,
        zone="UTC",
        player="terminal",
    )
    player = Player(ROTATION_TIMELINE)
    for event in player.start(0.0) + player.pain_stop(4.0):
        log.append(event, wall=now, offset_ms=round(event.at * 1000))


def gate_now(engine: Engine):  # type: ignore[no-untyped-def]
    return current_gate(engine, datetime.now(UTC))


def utc_today() -> str:
    return datetime.now(UTC).date().isoformat()


def in_words(iso: str) -> str:
    """A day as the go-ahead's message says it ('Sunday 29 November')."""
    return date_words(date.fromisoformat(iso), datetime.now(UTC).date())


# --- check: answers from a file or standard input -------------------------------------


def test_first_check_all_no_records_consent_and_a_first_use_screening(cli, db_path) -> None:
    result = cli("check", "--answers", "-", input=answers_json())

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{messages.NOT_ADVICE}\n{messages.CONSENT_TEXT}\n")
    assert messages.CONSENT_NOTED.split("{")[0] in result.stdout
    assert result.stdout.endswith(f"{messages.ADVICE['none']}\n")
    assert messages.ADVICE_NOTE not in result.stdout
    assert result.stderr == ""
    assert rows(db_path, "SELECT kind FROM consents") == [("clinician_check",)]
    assert screenings(db_path) == [("first-use", None, "")]


def test_check_stores_every_answer_given(cli, db_path) -> None:
    result = cli("check", "--answers", "-", input=answers_json("fever", "cancer"))

    assert result.exit_code == 1
    [(stored,)] = rows(db_path, "SELECT answers FROM screenings")
    assert json.loads(stored) == {q: q in ("fever", "cancer") for q in QUESTION_IDS}


def test_check_reads_answers_from_a_file(cli, db_path, tmp_path) -> None:
    answer_file = tmp_path / "answers.json"
    answer_file.write_text(answers_json(), "utf-8")

    result = cli("check", "--answers", str(answer_file))

    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(f"{messages.ADVICE['none']}\n")
    assert count(db_path, "consents") == 1
    assert screenings(db_path) == [("first-use", None, "")]


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.id)
def test_any_single_yes_exits_1_with_its_groups_advice_and_is_stored(
    cli, db_path, question
) -> None:
    result = cli("check", "--answers", "-", input=answers_json(question.id))

    assert result.exit_code == 1
    assert result.stdout.endswith(f"{messages.ADVICE[question.group]}\n{messages.ADVICE_NOTE}\n")
    assert screenings(db_path) == [("first-use", question.group, question.id)]


@pytest.mark.parametrize(
    ("yes", "shown"),
    [
        (("fever", "chest-pain"), "emergency"),
        (("cancer", "night-pain"), "urgent"),
        (("age", "injury"), "emergency"),
        (("bladder-bowel", "lump", "bones-steroids"), "emergency"),
        (("cancer", "age", "no-improvement"), "clinician"),
    ],
)
def test_several_yes_answers_take_the_most_urgent_group(cli, db_path, yes, shown) -> None:
    result = cli("check", "--answers", "-", input=answers_json(*yes))

    assert result.exit_code == 1
    assert result.stdout.endswith(f"{messages.ADVICE[shown]}\n{messages.ADVICE_NOTE}\n")
    for group in GROUPS:
        if group != shown:
            assert messages.ADVICE[group] not in result.stdout
    [(_reason, result_group, stored_yes)] = screenings(db_path)
    assert result_group == shown
    assert set(stored_yes.split(",")) == set(yes)


def test_a_later_check_prints_only_the_advice(cli, db_path) -> None:
    screen(cli)

    result = cli("check", "--answers", "-", input=answers_json("fever"))

    assert result.exit_code == 1
    assert result.stdout == f"{messages.ADVICE['urgent']}\n{messages.ADVICE_NOTE}\n"
    assert count(db_path, "consents") == 1


def test_a_check_nobody_asked_for_is_kept_as_new_symptoms_beside_the_first(cli, db_path) -> None:
    screen(cli)
    screen(cli, "cancer")

    assert screenings(db_path) == [("first-use", None, ""), ("symptoms", "clinician", "cancer")]


def test_after_consent_alone_the_first_check_needs_no_clinician_checked(cli, db_path) -> None:
    cli("consent", "--yes")

    result = cli("check", "--answers", "-", input=answers_json(clinician_checked=None))

    assert result.exit_code == 0, result.output
    assert result.stdout == f"{messages.ADVICE['none']}\n"
    assert count(db_path, "consents") == 1
    assert screenings(db_path) == [("first-use", None, "")]


def test_after_30_days_the_check_is_stored_as_the_30_day_one(cli, db_path, engine) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=31)
    record_consent(engine, wording="1", given=long_ago, zone="UTC")
    no = {q: False for q in QUESTION_IDS}
    record_screening(
        engine, answers=no, result=assess(no), reason="first-use", at=long_ago, zone="UTC"
    )

    result = cli("check", "--answers", "-", input=answers_json(clinician_checked=None))

    assert result.exit_code == 0, result.output
    assert [s[0] for s in screenings(db_path)] == ["first-use", "30-days"]
    assert gate_now(engine).allows


def test_a_clean_check_lifts_an_emergency_block(cli, engine) -> None:
    screen(cli, "chest-pain")
    assert gate_now(engine).reason == "emergency"

    screen(cli)

    assert gate_now(engine).allows


# --- check: a malformed answer file changes nothing ------------------------------------

ALL_NO = {q: False for q in QUESTION_IDS}


def doc(**data: object) -> str:
    return json.dumps(data)


MALFORMED = [
    pytest.param(
        "{not json",
        "standard input: not valid JSON: Expecting property name enclosed in double quotes "
        "(line 1, column 2)",
        id="not-json",
    ),
    pytest.param(
        "",
        "standard input: not valid JSON: Expecting value (line 1, column 1)",
        id="empty",
    ),
    pytest.param(
        json.dumps([ALL_NO]),
        'standard input: must be a JSON object such as {"answers": {...}}',
        id="a-list",
    ),
    pytest.param(
        doc(answers=ALL_NO, clinician_checked=True, notes="x"),
        "standard input: unknown keys: notes; allowed: answers, clinician_checked, pain_settled",
        id="unknown-key",
    ),
    pytest.param(
        doc(clinician_checked=True),
        "standard input: answers: missing; give question id -> true or false for every "
        "question (see: easeback questions --json)",
        id="answers-missing",
    ),
    pytest.param(
        doc(answers=[False] * 16, clinician_checked=True),
        "standard input: answers: must be an object, not a list; give question id -> true "
        "or false for every question (see: easeback questions --json)",
        id="answers-not-an-object",
    ),
    pytest.param(
        doc(answers={q: False for q in QUESTION_IDS if q != "chest-pain"}, clinician_checked=True),
        "standard input: answers: no answer for: chest-pain",
        id="question-missing",
    ),
    pytest.param(
        doc(answers={**ALL_NO, "back-ache": False}, clinician_checked=True),
        "standard input: answers: unknown question ids: back-ache",
        id="unknown-question",
    ),
    pytest.param(
        doc(answers={**ALL_NO, "fever": "yes"}, clinician_checked=True),
        'standard input: answers: fever must be true or false (got "yes")',
        id="answer-is-a-string",
    ),
    pytest.param(
        doc(answers={**ALL_NO, "fever": 1, "lump": None}, clinician_checked=True),
        "standard input: answers: fever must be true or false (got 1); "
        "lump must be true or false (got null)",
        id="answer-is-a-number-or-null",
    ),
    pytest.param(
        doc(answers={**ALL_NO, "back-ache": True, "fever": "no"}, clinician_checked=True),
        "standard input: answers: unknown question ids: back-ache; "
        'fever must be true or false (got "no")',
        id="several-problems-at-once",
    ),
    pytest.param(
        doc(answers=ALL_NO, clinician_checked="yes"),
        'standard input: clinician_checked: must be true or false (got "yes")',
        id="clinician-checked-not-boolean",
    ),
    pytest.param(
        doc(answers=ALL_NO, clinician_checked=True, pain_settled=0),
        "standard input: pain_settled: must be true or false (got 0)",
        id="pain-settled-not-boolean",
    ),
    pytest.param(
        doc(answers=ALL_NO),
        'the answer file needs "clinician_checked": true or false (has a clinician '
        "checked that these stretches suit you?), since this is the first check",
        id="first-use-without-clinician-checked",
    ),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED)
def test_a_malformed_answer_file_exits_2_with_one_message_and_stores_nothing(
    cli, db_path, engine, text, message
) -> None:
    result = cli("check", "--answers", "-", input=text)

    assert result.exit_code == 2
    assert result.stderr == f"easeback: {message}\n"
    assert result.stdout == ""
    assert count(db_path, "consents") == 0
    assert count(db_path, "screenings") == 0


def test_a_malformed_file_names_the_file(cli, db_path, engine, tmp_path) -> None:
    answer_file = tmp_path / "answers.json"
    answer_file.write_text("[]", "utf-8")

    result = cli("check", "--answers", str(answer_file))

    assert result.exit_code == 2
    assert result.stderr == (
        f'easeback: {answer_file}: must be a JSON object such as {{"answers": {{...}}}}\n'
    )
    assert count(db_path, "screenings") == 0


def test_a_missing_answer_file_exits_2_and_stores_nothing(cli, db_path, engine, tmp_path) -> None:
    missing = tmp_path / "nowhere.json"

    result = cli("check", "--answers", str(missing))

    assert result.exit_code == 2
    assert result.stderr == (
        f"easeback: {missing}: cannot read the answers: there is no such file\n"
    )
    assert count(db_path, "consents") == 0
    assert count(db_path, "screenings") == 0


def test_an_answer_file_that_is_not_utf8_exits_2(cli, db_path, engine, tmp_path) -> None:
    answer_file = tmp_path / "answers.json"
    answer_file.write_bytes(b"\xff\xfe{}")

    result = cli("check", "--answers", str(answer_file))

    assert result.exit_code == 2
    assert result.stderr == (
        f"easeback: {answer_file}: cannot read the answers: it is not UTF-8 text\n"
    )
    assert count(db_path, "screenings") == 0


def test_a_malformed_file_after_a_screening_keeps_the_record_as_it_was(cli, db_path) -> None:
    screen(cli, "cancer")

    result = cli("check", "--answers", "-", input=doc(answers={"fever": True}))

    assert result.exit_code == 2
    assert screenings(db_path) == [("first-use", "clinician", "cancer")]


def test_clinician_not_checked_on_first_use_exits_1_and_stores_nothing(
    cli, db_path, engine
) -> None:
    result = cli("check", "--answers", "-", input=answers_json(clinician_checked=False))

    assert result.exit_code == 1
    assert result.stdout == f"{messages.CONSENT_DECLINED}\n"
    assert count(db_path, "consents") == 0
    assert count(db_path, "screenings") == 0


def test_check_without_answers_and_without_a_terminal_exits_2(cli, db_path, engine) -> None:
    result = cli("check")

    assert result.exit_code == 2
    assert result.stderr == NO_ANSWERS
    assert count(db_path, "consents") == 0
    assert count(db_path, "screenings") == 0


# --- check after a pain stop ----------------------------------------------------------


def test_after_a_pain_stop_the_answer_file_must_say_whether_the_pain_settled(
    cli, db_path, engine
) -> None:
    screen(cli)
    record_pain_stop(engine)

    result = cli("check", "--answers", "-", input=answers_json())

    assert result.exit_code == 2
    assert result.stderr == (
        'easeback: the answer file needs "pain_settled": true or false (has the pain '
        "settled?), since a session was stopped by pain or pain rose after one\n"
    )
    assert count(db_path, "followups") == 0
    assert count(db_path, "screenings") == 1


def test_pain_not_settled_is_recorded_and_asks_for_rest_without_a_new_screening(
    cli, db_path, engine
) -> None:
    screen(cli)
    record_pain_stop(engine)

    result = cli("check", "--answers", "-", input=answers_json(pain_settled=False))

    assert result.exit_code == 1
    assert result.stdout == f"{messages.PAIN_NOT_SETTLED}\n"
    assert rows(db_path, "SELECT kind, settled, session_id FROM followups") == [
        ("settled", 0, None)
    ]
    assert count(db_path, "screenings") == 1
    assert gate_now(engine).reason == "pain"


def test_pain_settled_is_recorded_with_a_new_screening_for_the_pain_stop(
    cli, db_path, engine
) -> None:
    screen(cli)
    record_pain_stop(engine)

    result = cli("check", "--answers", "-", input=answers_json(pain_settled=True))

    assert result.exit_code == 0, result.output
    assert result.stdout == f"{messages.ADVICE['none']}\n"
    assert rows(db_path, "SELECT kind, settled FROM followups") == [("settled", 1)]
    assert screenings(db_path) == [("first-use", None, ""), ("pain", None, "")]
    assert gate_now(engine).allows


def test_pain_settled_but_a_warning_sign_still_blocks(cli, db_path, engine) -> None:
    screen(cli)
    record_pain_stop(engine)

    result = cli("check", "--answers", "-", input=answers_json("night-pain", pain_settled=True))

    assert result.exit_code == 1
    assert result.stdout == f"{messages.ADVICE['urgent']}\n{messages.ADVICE_NOTE}\n"
    assert screenings(db_path)[-1] == ("pain", "urgent", "night-pain")
    assert gate_now(engine).reason == "urgent"


# --- questions ------------------------------------------------------------------------


def test_questions_json_lists_the_16_questions_with_their_wording(cli) -> None:
    result = cli("questions", "--json")

    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    assert len(listed) == 16
    assert [q["id"] for q in listed] == list(QUESTION_IDS)
    assert len({q["id"] for q in listed}) == 16
    assert {q["group"] for q in listed} == set(GROUPS)
    for q in listed:
        assert set(q) == {"id", "group", "text"}
        assert q["text"] == messages.QUESTION_TEXT[q["id"]]


def test_questions_json_ids_make_a_valid_answer_file(cli, db_path) -> None:
    listed = json.loads(cli("questions", "--json").stdout)
    answers = {q["id"]: False for q in listed}

    result = cli(
        "check", "--answers", "-", input=json.dumps({"answers": answers, "clinician_checked": True})
    )

    assert result.exit_code == 0, result.output


def test_questions_lists_every_id_with_its_group_and_question(cli) -> None:
    result = cli("questions")

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 16
    for line, question in zip(lines, QUESTIONS, strict=True):
        assert line.split()[:2] == [question.id, question.group]
        assert line.endswith(messages.QUESTION_TEXT[question.id])


# --- clear ----------------------------------------------------------------------------


def test_clear_with_nothing_to_clear_says_so_and_stores_nothing(cli, db_path) -> None:
    result = cli("clear")

    assert result.exit_code == 0
    assert result.stdout == f"{messages.CLEAR_NOT_NEEDED}\n"
    assert count(db_path, "clearances") == 0


def test_clear_after_clean_answers_is_not_needed(cli, db_path) -> None:
    screen(cli)

    result = cli("clear", "--by", "Dr Okafor")

    assert result.exit_code == 0
    assert result.stdout == f"{messages.CLEAR_NOT_NEEDED}\n"
    assert count(db_path, "clearances") == 0


def test_clear_lifts_a_see_a_clinician_first_answer(cli, db_path, engine, tmp_path) -> None:
    screen(cli, "cancer")
    assert gate_now(engine).reason == "clinician"
    on = (datetime.now(UTC).date() - timedelta(days=3)).isoformat()

    result = cli("clear", "--on", on, "--by", "Dr Okafor")

    assert result.exit_code == 0, result.output
    assert result.stdout == messages.CLEARED.format(on=in_words(on), by=" (Dr Okafor)") + "\n"
    assert rows(db_path, "SELECT cleared_on, cleared_by FROM clearances") == [(on, "Dr Okafor")]
    assert gate_now(engine).allows
    routine = tmp_path / "rotation.toml"
    routine.write_text(ROTATION, "utf-8")
    started = cli("start", str(routine), "--speed", "500", "--plain")
    assert started.exit_code == 0, started.output
    assert count(db_path, "sessions") == 1


def test_clear_defaults_to_today_and_no_name(cli, db_path, engine) -> None:
    screen(cli, "age")
    before = utc_today()

    result = cli("clear")

    after = utc_today()
    assert result.exit_code == 0, result.output
    [(cleared_on, cleared_by)] = rows(db_path, "SELECT cleared_on, cleared_by FROM clearances")
    assert cleared_on in (before, after)
    assert cleared_by is None
    assert result.stdout == messages.CLEARED.format(on=in_words(cleared_on), by="") + "\n"
    assert gate_now(engine).allows


def test_clear_trims_the_name(cli, db_path) -> None:
    screen(cli, "age")

    result = cli("clear", "--by", "  Dr Okafor ")

    assert result.exit_code == 0
    assert rows(db_path, "SELECT cleared_by FROM clearances") == [("Dr Okafor",)]
    assert "(Dr Okafor)" in result.stdout


@pytest.mark.parametrize("group", ["emergency", "urgent"])
def test_clear_cannot_lift_an_emergency_or_same_day_answer(cli, db_path, engine, group) -> None:
    screen(cli, FIRST_OF[group])

    result = cli("clear", "--by", "Dr Okafor")

    assert result.exit_code == 1
    assert result.stdout == messages.CLEAR_CANNOT.format(advice=messages.ADVICE[group]) + "\n"
    assert count(db_path, "clearances") == 0
    assert gate_now(engine).reason == group


def test_clear_on_must_be_a_date(cli, db_path) -> None:
    screen(cli, "cancer")
    today = utc_today()

    result = cli("clear", "--on", "20 Nov")

    assert result.exit_code == 2
    assert result.stderr == (
        f"easeback: --on: '20 Nov' is not a date; write it as YYYY-MM-DD, e.g. {today}\n"
    )
    assert count(db_path, "clearances") == 0


def test_clear_on_cannot_be_in_the_future(cli, db_path) -> None:
    screen(cli, "cancer")
    later = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()

    result = cli("clear", "--on", later)

    assert result.exit_code == 2
    assert result.stderr == (
        f"easeback: --on: {later} is in the future; give the day it happened\n"
    )
    assert count(db_path, "clearances") == 0


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_clear_by_needs_a_name_of_1_to_120_characters(cli, db_path, name) -> None:
    screen(cli, "cancer")

    result = cli("clear", "--by", name)

    assert result.exit_code == 2
    assert result.stderr == "easeback: --by: give a name of 1 to 120 characters, or leave it out\n"
    assert count(db_path, "clearances") == 0


def test_a_clearance_only_lifts_the_screening_it_follows(cli, db_path, engine) -> None:
    screen(cli, "cancer")
    cli("clear", "--by", "Dr Okafor")
    assert gate_now(engine).allows

    screen(cli, "bones-steroids")

    assert gate_now(engine).reason == "clinician"
    result = cli("start", "office", "--speed", "500", "--plain")
    assert result.exit_code == 1
    reason, next_step = messages.GATE["clinician"]
    assert result.stderr == f"easeback: {reason} {next_step}\n"


# --- start refuses while the questions are due or blocking ----------------------------


def nothing(cli, engine) -> None:  # type: ignore[no-untyped-def]
    """A first run: no consent, no answers."""


def consent_only(cli, engine) -> None:  # type: ignore[no-untyped-def]
    cli("consent", "--yes")


def answered(*yes: str):  # type: ignore[no-untyped-def]
    def setup(cli, engine) -> None:  # type: ignore[no-untyped-def]
        screen(cli, *yes)

    return setup


def stopped_for_pain(cli, engine) -> None:  # type: ignore[no-untyped-def]
    screen(cli)
    record_pain_stop(engine)


def screened_31_days_ago(cli, engine) -> None:  # type: ignore[no-untyped-def]
    long_ago = datetime.now(UTC) - timedelta(days=31)
    record_consent(engine, wording="1", given=long_ago, zone="UTC")
    no = {q: False for q in QUESTION_IDS}
    record_screening(
        engine, answers=no, result=assess(no), reason="first-use", at=long_ago, zone="UTC"
    )


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (nothing, "consent"),
        (consent_only, "first"),
        (answered("cancer"), "clinician"),
        (answered("fever"), "urgent"),
        (answered("saddle-numbness", "fever"), "emergency"),
        (stopped_for_pain, "pain"),
        (screened_31_days_ago, "30-days"),
    ],
    ids=["consent", "first", "clinician", "urgent", "emergency", "pain", "30-days"],
)
def test_start_without_a_terminal_refuses_with_the_reason_and_next_step(
    cli, db_path, engine, setup, reason
) -> None:
    setup(cli, engine)
    assert gate_now(engine).reason == reason
    sessions_before = count(db_path, "sessions")

    result = cli("start", "office", "--speed", "500", "--plain")

    assert result.exit_code == 1
    why, next_step = messages.GATE[reason]
    assert result.stderr == f"easeback: {why} {next_step}\n"
    assert count(db_path, "sessions") == sessions_before


def test_a_go_ahead_from_more_than_30_days_before_the_answers_is_refused(
    cli, db_path, engine
) -> None:
    screen(cli, "cancer")
    today = datetime.now(UTC).date()
    old = (today - timedelta(days=31)).isoformat()

    result = cli("clear", "--on", old)

    assert result.exit_code == 2
    assert result.stderr == (
        f"easeback: --on: {old} is more than 30 days before your answers of "
        f"{today.isoformat()}; please ask your clinician again\n"
    )
    assert count(db_path, "clearances") == 0
    assert gate_now(engine).reason == "clinician"


@pytest.mark.parametrize("on", ["20260101", "2026-W01-1", "", "1/2/2026"])
def test_clear_on_takes_only_yyyy_mm_dd(cli, db_path, on: str) -> None:
    screen(cli, "cancer")

    result = cli("clear", "--on", on)

    assert result.exit_code == 2
    assert "is not a date; write it as YYYY-MM-DD" in result.stderr
    assert count(db_path, "clearances") == 0


def test_an_answer_given_twice_in_a_file_is_refused(cli, db_path) -> None:
    text = answers_json().replace('"fever": false', '"fever": true, "fever": false')

    result = cli("check", "--answers", "-", input=text)

    assert result.exit_code == 2
    assert result.stderr == (
        "easeback: standard input: the key 'fever' is written twice; give each answer once\n"
    )
    assert not db_path.exists()  # refused before the store was even opened


def test_a_deeply_nested_file_is_refused_clearly(cli) -> None:
    result = cli("check", "--answers", "-", input="[" * 30_000 + "]" * 30_000)

    assert result.exit_code == 2
    assert result.stderr == ("easeback: standard input: not an answer file (nested too deeply)\n")


def test_pain_not_settled_in_a_file_is_acted_on_even_when_nothing_is_due(cli, db_path) -> None:
    screen(cli)

    result = cli(
        "check", "--answers", "-", input=answers_json(clinician_checked=None, pain_settled=False)
    )

    assert result.exit_code == 1
    assert messages.PAIN_NOT_SETTLED in result.stdout
    assert count(db_path, "screenings") == 1


# --- pain twice within 7 days: one message, one rule ----------------------------------


def pain_twice_then_clean_answers(cli, engine: Engine):  # type: ignore[no-untyped-def]
    """Two pain stops (each answered: pain settled), then clean answers."""
    screen(cli)
    record_pain_stop(engine)
    first = cli("check", "--answers", "-", input=answers_json(pain_settled=True))
    assert first.exit_code == 0, first.output
    record_pain_stop(engine)
    return cli("check", "--answers", "-", input=answers_json(pain_settled=True))


def test_clean_answers_after_pain_twice_in_7_days_say_one_thing_wait_for_a_clinician(
    cli, engine
) -> None:
    result = pain_twice_then_clean_answers(cli, engine)

    assert result.exit_code == 1
    assert result.stdout.endswith(f"{messages.REPEATED_PAIN_WAIT}\n")
    assert messages.ADVICE["none"] not in result.stdout
    assert gate_now(engine).reason == "repeated-pain"


def test_start_after_pain_twice_in_7_days_waits_for_the_go_ahead(cli, engine) -> None:
    pain_twice_then_clean_answers(cli, engine)

    result = cli("start", "office", "--speed", "500", "--plain")

    assert result.exit_code == 1
    reason, next_step = messages.GATE["repeated-pain"]
    assert result.stderr == f"easeback: {reason} {next_step}\n"
    assert count_sessions(engine) == 2


def test_a_go_ahead_after_pain_twice_lets_the_routine_go_on(cli, engine) -> None:
    pain_twice_then_clean_answers(cli, engine)

    cleared = cli("clear", "--by", "Dr Okafor")

    assert cleared.exit_code == 0, cleared.output
    assert (
        cleared.stdout
        == f"Noted: a clinician cleared you on {in_words(utc_today())} (Dr Okafor).\n"
    )
    assert gate_now(engine).allows


def test_a_go_ahead_dated_before_the_second_pain_is_refused(cli, engine) -> None:
    pain_twice_then_clean_answers(cli, engine)
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()

    result = cli("clear", "--on", yesterday)

    assert result.exit_code == 2
    assert result.stderr == (
        f"easeback: --on: {yesterday} is before the pain of {utc_today()}; give the day your "
        "clinician said it was fine after it\n"
    )
    assert gate_now(engine).reason == "repeated-pain"


def count_sessions(engine: Engine) -> int:
    from easeback.store.sessions import list_sessions

    return len(list_sessions(engine, now=datetime.now(UTC)))


def test_a_go_ahead_given_right_after_the_second_pain_stop_is_recorded(cli, engine) -> None:
    screen(cli)
    record_pain_stop(engine)
    record_pain_stop(engine)  # the session's words say: record your clinician's go-ahead

    cleared = cli("clear", "--by", "Dr X")
    answered = cli("check", "--answers", "-", input=answers_json(pain_settled=True))

    assert cleared.stdout == f"Noted: a clinician cleared you on {in_words(utc_today())} (Dr X).\n"
    assert answered.exit_code == 0, answered.output
    assert answered.stdout.endswith(f"{messages.ADVICE['none']}\n")
    assert gate_now(engine).allows
