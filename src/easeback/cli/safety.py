"""Commands about safety: consent, check (consent, pain follow-up, red-flag questions),
clear, questions. The rules are in core/screening.py; this only asks, records and says."""

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from easeback.cli.app import app, db_option, fail, print_json, user_errors
from easeback.wording import messages

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from easeback.core.screening import Gate


def ask_consent(engine: "Engine", *, yes: bool, then: str = messages.CONSENT_RECORDED) -> None:
    """Show the clinician-check text, ask (unless ``yes``), and record the answer;
    ``then`` is what is said next (with the local date).

    Leaves with exit 1 when the person says no, and 2 when nobody can answer.
    """
    from datetime import UTC

    from easeback.store.consents import record_consent
    from easeback.usecases.clock import local_time, wall_now
    from easeback.usecases.today import person_zone
    from easeback.wording.days import date_words

    typer.echo(messages.NOT_ADVICE)
    typer.echo(messages.CONSENT_TEXT)
    if not yes:
        if not sys.stdin.isatty():
            fail("no answer: run 'easeback consent' in a terminal, or add --yes", 2)
        if not typer.confirm(messages.CONSENT_QUESTION, default=False):
            typer.echo(messages.CONSENT_DECLINED)
            raise typer.Exit(1)
    now, zone = wall_now(), person_zone(engine)
    record_consent(engine, wording=messages.CONSENT_WORDING_VERSION, given=now, zone=zone)
    today = local_time(now.astimezone(UTC).replace(tzinfo=None), zone).date()
    shown = date_words(today, today)
    typer.echo(then.format(when=shown))


@app.command()
def consent(
    ctx: typer.Context,
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm without asking (for scripts).")
    ] = False,
) -> None:
    """Confirm you have checked with a clinician before your first session.

    Example: easeback consent
    """
    from easeback.store import open_store

    with user_errors():
        ask_consent(open_store(db_option(ctx)), yes=yes)


ANSWER_KEYS = ("answers", "clinician_checked", "pain_settled")
ANSWERS_LIMIT = 64 * 1024  # sixteen yes/no answers take under 1 KB


@dataclass(frozen=True)
class AnswerFile:
    """Answers given as JSON by a script instead of at the keyboard."""

    answers: dict[str, bool]
    clinician_checked: bool | None
    pain_settled: bool | None


def read_answer_file(source: str) -> AnswerFile:
    """Parse and check an answer file ('-' is standard input); nothing is stored here."""
    import json

    from easeback.content.files import FileProblem, read_stdin_text, read_text, shown
    from easeback.core.screening import AnswersError, assess

    name = "standard input" if source == "-" else shown(source)
    try:
        if source == "-":
            text = read_stdin_text(limit=ANSWERS_LIMIT)
        else:
            text = read_text(Path(source).expanduser(), limit=ANSWERS_LIMIT)
    except FileProblem as exc:
        fail(f"{name}: cannot read the answers: {exc}")
    try:
        data: Any = json.loads(text, object_pairs_hook=_refuse_repeats)
    except json.JSONDecodeError as exc:
        fail(f"{name}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
    except _RepeatedKey as exc:
        fail(f"{name}: the key {exc.key!r} is written twice; give each answer once")
    except RecursionError:
        fail(f"{name}: not an answer file (nested too deeply)")
    if not isinstance(data, dict):
        fail(f'{name}: must be a JSON object such as {{"answers": {{...}}}}')
    unknown = sorted(set(data) - set(ANSWER_KEYS))
    if unknown:
        fail(f"{name}: unknown keys: {', '.join(unknown)}; allowed: {', '.join(ANSWER_KEYS)}")
    answers = data.get("answers")
    if not isinstance(answers, dict):
        kinds = {list: "a list", str: "text", bool: "true/false", int: "a number"}
        problem = (
            "missing"
            if "answers" not in data
            else f"must be an object, not {kinds.get(type(answers), 'that')}"
        )
        fail(
            f"{name}: answers: {problem}; give question id -> true or false for every "
            "question (see: easeback questions --json)"
        )
    try:
        assess(answers)
    except AnswersError as exc:
        fail(f"{name}: answers: {exc}")
    for key in ("clinician_checked", "pain_settled"):
        if key in data and not isinstance(data[key], bool):
            fail(f"{name}: {key}: must be true or false (got {json.dumps(data[key])})")
    return AnswerFile(answers, data.get("clinician_checked"), data.get("pain_settled"))


class _RepeatedKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A key given twice could hide a 'yes' behind a later 'no': refuse it."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _RepeatedKey(key)
        out[key] = value
    return out


def run_check(engine: "Engine", scripted: AnswerFile | None) -> "Gate":
    """Ask what is due (consent, "has the pain settled?", the questions), record each
    answer, say what to do, and return the gate as it now stands.

    With ``scripted`` answers, everything needed is checked before anything is stored.
    """
    from easeback.core.screening import QUESTIONS
    from easeback.store.safety import current_gate
    from easeback.usecases.checkup import advice_after_check, record_answers, record_settled
    from easeback.usecases.clock import wall_now
    from easeback.usecases.today import person_zone

    now, zone = wall_now(), person_zone(engine)
    before = current_gate(engine, now)
    if scripted is not None:
        if before.reason == "consent" and scripted.clinician_checked is None:
            fail(
                'the answer file needs "clinician_checked": true or false (has a clinician '
                "checked that these stretches suit you?), since this is the first check",
                2,
            )
        if before.reason == "pain" and scripted.pain_settled is None:
            fail(
                'the answer file needs "pain_settled": true or false (has the pain settled?), '
                "since a session was stopped by pain or pain rose after one",
                2,
            )

    if scripted is not None and scripted.clinician_checked is False:
        typer.echo(messages.CONSENT_DECLINED)
        raise typer.Exit(1)
    if before.reason == "consent":
        ask_consent(engine, yes=scripted is not None, then=messages.CONSENT_NOTED)

    pain_asked = before.reason == "pain" or (
        scripted is not None and scripted.pain_settled is False
    )
    if pain_asked:
        settled = (
            scripted.pain_settled
            if scripted is not None
            else typer.confirm(messages.PAIN_SETTLED_QUESTION, default=None)
        )
        record_settled(engine, bool(settled), at=now, zone=zone)
        if not settled:
            typer.echo(messages.PAIN_NOT_SETTLED)
            raise typer.Exit(1)

    if scripted is not None:
        answers = scripted.answers
    else:
        typer.echo(messages.SCREENING_INTRO)
        answers = {
            q.id: typer.confirm(messages.QUESTION_TEXT[q.id], default=None) for q in QUESTIONS
        }
    result = record_answers(engine, answers, before, at=wall_now(), zone=zone)
    after = current_gate(engine, wall_now())
    for line in advice_after_check(result, after):
        typer.echo(line)
    return after


@app.command()
def check(
    ctx: typer.Context,
    answers: Annotated[
        str | None,
        typer.Option(
            "--answers",
            metavar="FILE|-",
            help="Take the answers from a JSON file ('-' for standard input) instead of "
            "asking; see 'easeback questions --json' for the ids.",
        ),
    ] = None,
) -> None:
    """Answer the safety questions; run it whenever your symptoms are new or change.

    Asked on first use (with the clinician check), every 30 days, and after a pain
    stop. Exit code 1 when the answers mean the routine should wait.

    Example: easeback check
    """
    from easeback.store import open_store

    scripted = read_answer_file(answers) if answers is not None else None
    if scripted is None and not sys.stdin.isatty():
        fail("no answers: run 'easeback check' in a terminal, or give --answers FILE", 2)
    with user_errors():
        result = run_check(open_store(db_option(ctx)), scripted)
    if not result.allows:
        raise typer.Exit(1)


@app.command()
def questions(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """List the safety questions with their ids and how urgent a 'yes' is.

    Example: easeback questions --json
    """
    from easeback.core.screening import QUESTIONS

    rows = [{"id": q.id, "group": q.group, "text": messages.QUESTION_TEXT[q.id]} for q in QUESTIONS]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['id']:<18} {row['group']:<10} {row['text']}")


@app.command()
def clear(
    ctx: typer.Context,
    on: Annotated[
        str | None,
        typer.Option(help="The date the clinician cleared you, YYYY-MM-DD (default today)."),
    ] = None,
    by: Annotated[
        str | None, typer.Option(help="Who cleared you, e.g. 'Dr Okafor' (optional).")
    ] = None,
) -> None:
    """Record that a clinician has said the routine is fine for you.

    Lifts a "check with a clinician first" answer, and the wait after pain stopped or
    rose after two sessions within 7 days; never an emergency or same-day answer.

    Example: easeback clear --on 2026-11-20 --by "Dr Okafor"
    """
    from easeback.store import open_store
    from easeback.usecases.checkup import ClearanceProblem, record_go_ahead
    from easeback.usecases.clock import wall_now
    from easeback.usecases.today import person_zone

    with user_errors():
        engine = open_store(db_option(ctx))
        try:
            done = record_go_ahead(engine, on=on, by=by, now=wall_now(), zone=person_zone(engine))
        except ClearanceProblem as exc:
            fail(f"--{exc.field}: {exc}")
    if done.effect == "nothing":
        typer.echo(messages.CLEAR_NOT_NEEDED)
        return
    if done.effect == "cannot":
        typer.echo(messages.CLEAR_CANNOT.format(advice=done.advice))
        raise typer.Exit(1)
    typer.echo(messages.CLEARED.format(on=done.on_words, by=f" ({done.by})" if done.by else ""))
