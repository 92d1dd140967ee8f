"""The clinician's prescription from the command line, as a clinician and as the person:
`clinician init`, `prescribe`, `prescription import|show|history|remove`, and the
flare-up through the days, on a fixed clock."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

import easeback.usecases.clock
from easeback.cli import app as cli_app
from easeback.content.library import load_library
from easeback.content.prescription import Clinician
from easeback.core.player import Player
from easeback.core.timeline import build_timeline
from easeback.store import open_store
from easeback.store.sessions import SessionLog
from helpers import answers_json

LONDON = ZoneInfo("Europe/London")
DAY = "2026-03-04"  # a Wednesday
SetNow = Callable[[str], datetime]

PRESCRIPTION = """\
version = {version}
start = {start}
{end}
note = "Little and often. Stop at once if anything hurts."

[[stretches]]
id = "knee-press"
hold_s = 20
reps = 1
ceiling = {{ hold_s = 22, reps = 1 }}

[[stretches]]
id = "lower-back-rotation"
hold_s = 15
slots = ["morning", "daytime", "evening"]
progression = false

[flare_up]
days = 3
advice = "Walk a little each hour. Only the knee press, gently."
contact = "Ring the clinic if it is not easing after 3 days."

[[flare_up.stretches]]
id = "knee-press"
hold_s = 15
"""


@pytest.fixture(autouse=True)
def machine_in_london(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/London")


@pytest.fixture
def set_now(monkeypatch: pytest.MonkeyPatch) -> SetNow:
    def set_(moment: str) -> datetime:
        now = datetime.fromisoformat(moment.replace(" ", "T")).replace(tzinfo=LONDON)
        monkeypatch.setattr(easeback.usecases.clock, "wall_now", lambda: now)
        return now

    return set_


@pytest.fixture
def clinic(tmp_path: Path) -> Callable[..., Any]:
    """Run easeback as the clinician, with the clinician's own data folder."""
    runner = CliRunner()
    db = tmp_path / "clinic" / "easeback.db"
    db.parent.mkdir()

    def invoke(*args: str) -> Any:
        return runner.invoke(cli_app, ["--db", str(db), *args])

    invoke.folder = db.parent / "clinician"  # type: ignore[attr-defined]
    return invoke


def init_clinician(clinic: Any, name: str = "Ada Okafor") -> str:
    result = clinic(
        "clinician", "init", "--name", name, "--role", "Physiotherapist",
        "--organisation", "Riverside Physio", "--contact", "ada@riverside.example",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    card = json.loads((clinic.folder / "card.json").read_text())
    fingerprint: str = card["fingerprint"]
    return fingerprint


def prescribe(
    clinic: Any,
    tmp_path: Path,
    *,
    version: int = 1,
    start: str = DAY,
    end: str | None = None,
    name: str = "rx.json",
) -> Path:
    source = tmp_path / f"v{version}.toml"
    source.write_text(
        PRESCRIPTION.format(version=version, start=start, end=f"end = {end}" if end else "")
    )
    out = tmp_path / name
    result = clinic("prescribe", str(source), "--for", "Sam Jones", "--output", str(out))
    assert result.exit_code == 0, result.output
    return out


def today(cli: Any) -> dict[str, Any]:
    result = cli("today", "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def doses(view: dict[str, Any]) -> dict[str, list[tuple[str, int, int]]]:
    return {
        s["id"]: [(x["id"], x["hold_s"], x["reps"]) for x in s["stretches"]] for s in view["slots"]
    }


# --- the clinician's side ------------------------------------------------------------


def test_clinician_init_keeps_the_private_key_to_its_owner_and_makes_a_card(
    clinic: Any,
) -> None:
    fingerprint = init_clinician(clinic)

    key = clinic.folder / "key.json"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(clinic.folder).st_mode) == 0o700
    card = json.loads((clinic.folder / "card.json").read_text())
    assert card["name"] == "Ada Okafor" and "d" not in card["key"]
    assert len(fingerprint) == 43


def test_a_second_clinician_init_keeps_the_first_key(clinic: Any) -> None:
    init_clinician(clinic)
    before = (clinic.folder / "key.json").read_bytes()

    result = clinic(
        "clinician", "init", "--name", "B", "--role", "R", "--organisation", "O", "--contact", "c"
    )

    assert result.exit_code == 2
    assert "already exists" in result.stderr
    assert (clinic.folder / "key.json").read_bytes() == before


def test_prescribe_lists_every_problem_and_writes_nothing(clinic: Any, tmp_path: Path) -> None:
    init_clinician(clinic)
    source = tmp_path / "bad.toml"
    source.write_text(
        'version = 1\nstart = 2026-03-04\n\n[[stretches]]\nid = "knee-press"\nhold_s = 90\n\n'
        '[[stretches]]\nid = "neck-roll"\nhold_s = 10\n'
    )
    out = tmp_path / "rx.json"

    result = clinic("prescribe", str(source), "--for", "Sam", "--output", str(out))

    assert result.exit_code == 2
    assert (
        "bad.toml:6: stretches[0].hold_s: hold 90 s is above the clinical bounds" in result.stderr
    )
    assert "bad.toml:9: stretches[1].id: unknown stretch 'neck-roll'" in result.stderr
    assert not out.exists()


def test_prescribe_without_a_key_says_how_to_make_one(clinic: Any, tmp_path: Path) -> None:
    source = tmp_path / "rx.toml"
    source.write_text(PRESCRIPTION.format(version=1, start=DAY, end=""))

    result = clinic("prescribe", str(source), "--for", "Sam", "--output", str(tmp_path / "o.json"))

    assert result.exit_code == 2
    assert "easeback clinician init" in result.stderr


# --- the person's side ---------------------------------------------------------------


def test_an_unknown_clinician_is_not_followed_without_the_persons_word(
    cli: Any, clinic: Any, tmp_path: Path, set_now: SetNow
) -> None:
    set_now(f"{DAY} 08:00")
    fingerprint = init_clinician(clinic)
    rx = prescribe(clinic, tmp_path)

    result = cli("prescription", "import", str(rx))

    assert result.exit_code == 1
    assert fingerprint in result.output + result.stderr
    assert f"--trust {fingerprint}" in result.stderr
    assert today(cli)["plan"] == {"source": "article"}


def test_with_the_fingerprint_the_prescription_replaces_the_plan(
    cli: Any, clinic: Any, tmp_path: Path, set_now: SetNow
) -> None:
    set_now(f"{DAY} 08:00")
    fingerprint = init_clinician(clinic)
    rx = prescribe(clinic, tmp_path)

    result = cli("prescription", "import", str(rx), "--trust", fingerprint)

    assert result.exit_code == 0, result.stderr
    assert "Signed by Ada Okafor (Physiotherapist, Riverside Physio)" in result.stdout
    view = today(cli)
    assert view["plan"]["text"] == (
        f"Prescribed by Ada Okafor (Physiotherapist, Riverside Physio) on {DAY}, version 1"
    )
    assert doses(view) == {
        "morning": [("knee-press", 20, 1), ("lower-back-rotation", 15, 1)],
        "daytime": [("lower-back-rotation", 15, 1)],
        "evening": [("knee-press", 20, 1), ("lower-back-rotation", 15, 1)],
    }
    shown = json.loads(cli("prescription", "show", "--json").stdout)
    assert shown["note"] == "Little and often. Stop at once if anything hurts."
    assert shown["fingerprint"] == fingerprint


def test_a_clinician_card_trusts_the_clinician(
    cli: Any, clinic: Any, tmp_path: Path, set_now: SetNow
) -> None:
    set_now(f"{DAY} 08:00")
    init_clinician(clinic)
    rx = prescribe(clinic, tmp_path)

    result = cli("prescription", "import", str(rx), "--card", str(clinic.folder / "card.json"))

    assert result.exit_code == 0, result.stderr
    # Trusted once, the next version needs no confirmation.
    rx2 = prescribe(clinic, tmp_path, version=2, name="rx2.json")
    assert cli("prescription", "import", str(rx2)).exit_code == 0
    assert today(cli)["plan"]["version"] == 2


def test_a_file_from_another_key_than_the_one_named_is_refused(
    cli: Any, clinic: Any, tmp_path: Path, set_now: SetNow
) -> None:
    set_now(f"{DAY} 08:00")
    init_clinician(clinic)
    rx = prescribe(clinic, tmp_path)

    result = cli("prescription", "import", str(rx), "--trust", "A" * 43)

    assert result.exit_code == 1
    assert today(cli)["plan"] == {"source": "article"}


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda raw: raw.replace(b'"valueInteger":20', b'"valueInteger":30', 1), "changed"),
        (lambda raw: raw[:-1] + b"!", "not JSON"),
        (lambda raw: b"hello", "not JSON"),
        (lambda raw: b"[1, 2]", "not a FHIR Bundle"),
    ],
    ids=["a dose raised in the file", "a byte changed", "not JSON", "JSON, not a Bundle"],
)
def test_a_spoilt_file_is_refused_and_the_plan_stays(
    cli: Any,
    clinic: Any,
    tmp_path: Path,
    set_now: SetNow,
    spoil: Callable[[bytes], bytes],
    message: str,
) -> None:
    set_now(f"{DAY} 08:00")
    fingerprint = init_clinician(clinic)
    rx = prescribe(clinic, tmp_path)
    before = today(cli)
    spoilt = tmp_path / "spoilt.json"
    spoilt.write_bytes(spoil(rx.read_bytes()))

    result = cli("prescription", "import", str(spoilt), "--trust", fingerprint)

    assert result.exit_code == 2
    assert message in result.stderr
    assert today(cli) == before


def test_a_50_mb_file_is_refused_by_its_size(cli: Any, tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as out:
        out.truncate(50 * 1024 * 1024)

    result = cli("prescription", "import", str(big))

    assert result.exit_code == 2
    assert "more than" in result.stderr


def test_an_expired_or_future_prescription_is_refused(
    cli: Any, clinic: Any, tmp_path: Path, set_now: SetNow
) -> None:
    set_now(f"{DAY} 08:00")
    fingerprint = init_clinician(clinic)
    old = prescribe(clinic, tmp_path, start="2026-01-01", end="2026-02-01", name="old.json")
    later = prescribe(clinic, tmp_path, start="2026-04-01", name="later.json")

    expired = cli("prescription", "import", str(old), "--trust", fingerprint)
    future = cli("prescription", "import", str(later), "--trust", fingerprint)

    assert expired.exit_code == 2 and "ended on Sunday 1 February;" in expired.stderr
    assert future.exit_code == 2 and "starts on Wednesday 1 April;" in future.stderr
    assert today(cli)["plan"] == {"source": "article"}


def test_an_older_version_from_the_same_clinician_is_refused(
    cli: Any, clinic: Any, tmp_path: Path, set_now: SetNow
) -> None:
    set_now(f"{DAY} 08:00")
    fingerprint = init_clinician(clinic)
    v1 = prescribe(clinic, tmp_path, version=1, name="v1.json")
    v2 = prescribe(clinic, tmp_path, version=2, name="v2.json")
    assert cli("prescription", "import", str(v2), "--trust", fingerprint).exit_code == 0

    result = cli("prescription", "import", str(v1))

    assert result.exit_code == 2
    assert "older than version 2" in result.stderr


def test_a_prescription_that_ends_falls_back_to_the_article_with_a_notice(
    cli: Any, clinic: Any, tmp_path: Path, set_now: SetNow
) -> None:
    set_now(f"{DAY} 08:00")
    fingerprint = init_clinician(clinic)
    rx = prescribe(clinic, tmp_path, end="2026-03-05")
    assert cli("prescription", "import", str(rx), "--trust", fingerprint).exit_code == 0

    set_now("2026-03-06 08:00")
    view = today(cli)

    assert view["plan"]["source"] == "article"
    assert "ended on 2026-03-05" in view["plan"]["notice"]
    assert doses(view)["morning"][0] == ("knee-press", 15, 1)


def test_remove_goes_back_to_the_article_and_history_keeps_every_version(
    cli: Any, clinic: Any, tmp_path: Path, set_now: SetNow
) -> None:
    set_now(f"{DAY} 08:00")
    fingerprint = init_clinician(clinic)
    for version in (1, 2):
        rx = prescribe(clinic, tmp_path, version=version, name=f"v{version}.json")
        assert cli("prescription", "import", str(rx), "--trust", fingerprint).exit_code == 0

    assert cli("prescription", "remove").exit_code == 0

    assert today(cli)["plan"] == {"source": "article"}
    rows = json.loads(cli("prescription", "history", "--json").stdout)
    assert [(r["action"], r["version"]) for r in rows] == [
        ("import", 1),
        ("import", 2),
        ("remove", None),
    ]


# --- the flare-up, day by day ----------------------------------------------------------


def played_clean(
    engine: Engine, at: datetime, stretches: dict[str, tuple[int, int]], *, pain: bool = False
) -> None:
    """A session of these stretches (id -> hold, reps) completed at ``at``, or stopped
    for pain 5 s into its first hold."""
    from easeback.content.models import Routine

    library = load_library()
    routine = Routine.model_validate(
        {
            "name": "test",
            "stretches": [{"id": s, "hold_s": h, "reps": r} for s, (h, r) in stretches.items()],
        }
    )
    timeline = build_timeline(routine, library)
    log = SessionLog(
        engine, timeline, title="t", speed=1.0, started=at, zone="Europe/London",
        player="terminal", slot=None, plan_date=None,
    )  # fmt: skip
    player = Player(timeline, speed=1.0)
    first_hold = next(p for p in timeline.phases if p.kind == "hold").start_ms / 1000
    if pain:
        events = player.start(0.0) + player.tick(first_hold + 5) + player.pain_stop(first_hold + 5)
    else:
        events = player.start(0.0) + player.tick(timeline.total_ms / 1000 + 1)
    for event in events:
        log.append(event, wall=at + timedelta(seconds=event.at), offset_ms=round(event.at * 1000))


def test_a_flare_up_eases_the_plan_asks_each_morning_and_holds_progression(
    cli: Any, clinic: Any, tmp_path: Path, set_now: SetNow, db_path: Path
) -> None:
    from easeback.usecases.aftercare import catch_up_progress

    set_now(f"{DAY} 08:00")
    fingerprint = init_clinician(clinic)
    rx = prescribe(clinic, tmp_path)
    assert cli("prescription", "import", str(rx), "--trust", fingerprint).exit_code == 0
    engine = open_store(str(db_path))

    # Day 1: the flare-up begins; only the flare-up plan's knee press, at 15 s.
    started = cli("flare-up", "--json")
    assert started.exit_code == 0, started.stderr
    assert json.loads(started.stdout)["days"] == 3
    assert doses(today(cli)) == {
        "morning": [("knee-press", 15, 1)],
        "evening": [("knee-press", 15, 1)],
    }
    # Three clean sessions during the flare-up raise nothing.
    for hour in (9, 12, 15):
        now = set_now(f"{DAY} {hour:02d}:00")
        played_clean(engine, now, {"knee-press": (20, 1)})
        catch_up_progress(engine)

    # Day 2: the morning question is due, and answered.
    set_now("2026-03-05 07:30")
    assert today(cli)["plan"]["flare_up"]["check_due"] is True
    assert cli("flare-up", "--check", "same").exit_code == 0
    assert today(cli)["plan"]["flare_up"]["check_due"] is False

    # Day 4: it is over; the prescribed doses are back, unchanged by the flare-up days.
    set_now("2026-03-07 08:00")
    view = today(cli)
    assert view["plan"]["flare_up"]["active"] is False
    assert doses(view)["morning"][0] == ("knee-press", 20, 1)

    # Progression resumes: three clean sessions now take the knee press up a step.
    for hour in (9, 12, 15):
        now = set_now(f"2026-03-07 {hour:02d}:00")
        played_clean(engine, now, {"knee-press": (20, 1)})
        catch_up_progress(engine)
    assert doses(today(cli))["morning"][0] == ("knee-press", 21, 1)


def test_worse_two_mornings_running_calls_for_the_safety_questions(
    cli: Any, set_now: SetNow
) -> None:
    set_now(f"{DAY} 08:00")
    assert cli("check", "--answers", "-", input=answers_json()).exit_code == 0
    assert cli("flare-up").exit_code == 0

    set_now("2026-03-05 07:30")
    first = cli("flare-up", "--check", "worse")
    set_now("2026-03-06 07:30")
    second = cli("flare-up", "--check", "worse")

    assert first.exit_code == 0
    assert second.exit_code == 1
    assert "easeback check" in second.stdout
    started = cli("start", "--plain", input="")
    assert started.exit_code != 0
    assert "flare-up" in started.output + started.stderr


def test_a_new_symptom_calls_for_the_safety_questions_at_once(cli: Any, set_now: SetNow) -> None:
    set_now(f"{DAY} 08:00")
    cli("flare-up")
    set_now("2026-03-05 07:30")

    result = cli("flare-up", "--check", "better", "--new-symptom")

    assert result.exit_code == 1
    assert "safety questions" in result.stdout


def test_a_wrong_morning_answer_is_refused_and_nothing_is_stored(cli: Any, set_now: SetNow) -> None:
    set_now(f"{DAY} 08:00")
    cli("flare-up")
    set_now("2026-03-05 07:30")

    result = cli("flare-up", "--check", "awful")

    assert result.exit_code == 2
    assert "better, same or worse" in result.stderr
    assert today(cli)["plan"]["flare_up"]["check_due"] is True


def test_without_a_prescription_a_flare_up_keeps_the_gentlest_doses(
    cli: Any, set_now: SetNow
) -> None:
    set_now(f"{DAY} 08:00")

    view = json.loads(cli("flare-up", "--json").stdout)

    assert view["from_clinician"] is False and view["days"] == 3
    assert doses(today(cli))["morning"] == [
        ("knee-press", 15, 1),
        ("lower-back-rotation", 10, 1),
        ("pelvic-tilt", 7, 5),
    ]


def test_the_clinician_record_is_what_the_card_says(clinic: Any) -> None:
    init_clinician(clinic)
    card = json.loads((clinic.folder / "card.json").read_text())
    assert Clinician.model_validate({k: card[k] for k in Clinician.model_fields}).name == (
        "Ada Okafor"
    )


def test_start_puts_the_morning_question_first(cli: Any, set_now: SetNow) -> None:
    from easeback.wording import messages

    set_now(f"{DAY} 08:00")
    assert cli("check", "--answers", "-", input=answers_json()).exit_code == 0
    cli("flare-up")
    set_now("2026-03-05 07:30")

    result = cli("start", "--plain", input="")

    assert messages.FLARE_QUESTION in result.stdout
    assert messages.FLARE_ANSWER_HOW in result.stdout


def test_the_slot_plays_the_prescribed_doses_beyond_the_articles_range(
    cli: Any, clinic: Any, tmp_path: Path, set_now: SetNow, db_path: Path
) -> None:
    from easeback.usecases.today import slot_routine

    set_now(f"{DAY} 07:10")
    fingerprint = init_clinician(clinic)
    source = tmp_path / "long.toml"
    source.write_text(
        f'version = 1\nstart = {DAY}\n\n[[stretches]]\nid = "knee-press"\nhold_s = 45\nreps = 3\n'
    )
    out = tmp_path / "long.json"
    assert clinic("prescribe", str(source), "--for", "Sam", "--output", str(out)).exit_code == 0
    assert cli("prescription", "import", str(out), "--trust", fingerprint).exit_code == 0

    found = slot_routine(str(db_path), None)

    assert found is not None
    routine, slot, _ = found
    assert slot == "morning"
    assert [(d.id, d.hold_s, d.reps) for d in routine.stretches] == [("knee-press", 45, 3)]
    played = json.loads(cli("timeline", "--json").stdout)  # the article's routine is untouched
    assert played["routine"] == "default"


def test_the_quick_read_of_today_sees_the_prescription_and_flare_up_as_the_store_does(
    cli: Any, clinic: Any, tmp_path: Path, set_now: SetNow, db_path: Path
) -> None:
    from easeback.store.plan import plan_inputs
    from easeback.store.quick import read_plan_inputs

    set_now(f"{DAY} 08:00")
    fingerprint = init_clinician(clinic)
    rx = prescribe(clinic, tmp_path)
    assert cli("prescription", "import", str(rx), "--trust", fingerprint).exit_code == 0
    cli("flare-up")
    set_now("2026-03-05 07:30")
    cli("flare-up", "--check", "worse")

    quick = read_plan_inputs(db_path, "2026-03-05")
    full = plan_inputs(open_store(str(db_path)), "2026-03-05")

    assert quick is not None
    assert quick == full
    assert quick.followed is not None and quick.followed.version == 1
    assert quick.flare is not None and quick.flare.answers[-1][1] == "worse"


@pytest.mark.parametrize(
    ("column", "value"),
    [("end", "2099-12-31"), ("version", 99), ("clinician", '{"name": "Dr Mallory"}')],
)
def test_an_export_edited_to_stretch_a_prescription_is_not_imported(
    cli: Any,
    clinic: Any,
    tmp_path: Path,
    set_now: SetNow,
    column: str,
    value: object,
) -> None:
    set_now(f"{DAY} 08:00")
    fingerprint = init_clinician(clinic)
    rx = prescribe(clinic, tmp_path, end="2026-04-01")
    assert cli("prescription", "import", str(rx), "--trust", fingerprint).exit_code == 0
    exported = tmp_path / "export.json"
    assert cli("export", "--format", "json", "--output", str(exported)).exit_code == 0
    data = json.loads(exported.read_text())
    data["tables"]["prescriptions"][0][column] = value
    exported.write_text(json.dumps(data))
    other = tmp_path / "other.db"

    result = CliRunner().invoke(cli_app, ["--db", str(other), "import", str(exported)])

    assert result.exit_code == 2
    assert "differs from its signed file" in result.stderr
    assert column in result.stderr


def test_an_export_with_a_prescription_imports_whole(
    cli: Any, clinic: Any, tmp_path: Path, set_now: SetNow
) -> None:
    set_now(f"{DAY} 08:00")
    fingerprint = init_clinician(clinic)
    rx = prescribe(clinic, tmp_path)
    assert cli("prescription", "import", str(rx), "--trust", fingerprint).exit_code == 0
    cli("flare-up")
    exported = tmp_path / "export.json"
    assert cli("export", "--format", "json", "--output", str(exported)).exit_code == 0
    other = tmp_path / "other.db"
    runner = CliRunner()

    result = runner.invoke(cli_app, ["--db", str(other), "import", str(exported)])

    assert result.exit_code == 0, result.stderr
    again = json.loads(runner.invoke(cli_app, ["--db", str(other), "today", "--json"]).stdout)
    assert again["plan"]["version"] == 1
    assert again["plan"]["flare_up"]["active"] is True


def test_a_deeply_nested_file_is_refused_plainly(cli: Any, tmp_path: Path) -> None:
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000 + "]" * 100_000)

    result = cli("prescription", "import", str(nested))

    assert result.exit_code == 2
    assert "nests too deeply" in result.stderr


def test_the_morning_question_is_answered_once_a_morning_from_the_second_day(
    cli: Any, set_now: SetNow
) -> None:
    set_now(f"{DAY} 08:00")
    cli("flare-up")

    first_day = cli("flare-up", "--check", "worse")
    set_now("2026-03-05 07:30")
    answered = cli("flare-up", "--check", "worse")
    again = cli("flare-up", "--check", "worse")

    assert first_day.exit_code == 2 and "begins tomorrow" in first_day.stderr
    assert answered.exit_code == 0  # one worse morning: no alert yet
    assert again.exit_code == 2 and "already answered" in again.stderr


def test_answering_the_safety_questions_settles_the_flare_up_warning(
    cli: Any, set_now: SetNow
) -> None:
    set_now(f"{DAY} 08:00")
    assert cli("check", "--answers", "-", input=answers_json()).exit_code == 0
    cli("flare-up")
    for day in ("2026-03-05", "2026-03-06"):
        set_now(f"{day} 07:30")
        cli("flare-up", "--check", "worse")
    assert today(cli)["plan"]["flare_up"]["needs_safety"] is True

    set_now("2026-03-06 08:00")
    assert cli("check", "--answers", "-", input=answers_json()).exit_code == 0

    assert today(cli)["plan"]["flare_up"]["needs_safety"] is False
    shown = cli("flare-up", "--json")
    assert shown.exit_code == 0
    assert json.loads(shown.stdout)["needs_safety"] is False


def test_a_pain_stop_during_a_flare_up_still_takes_a_step_back(
    cli: Any, clinic: Any, tmp_path: Path, set_now: SetNow, db_path: Path
) -> None:
    from easeback.usecases.aftercare import catch_up_progress

    set_now(f"{DAY} 08:00")
    fingerprint = init_clinician(clinic)
    rx = prescribe(clinic, tmp_path)
    assert cli("prescription", "import", str(rx), "--trust", fingerprint).exit_code == 0
    engine = open_store(str(db_path))
    for hour in (9, 12, 15):
        played_clean(engine, set_now(f"{DAY} {hour:02d}:00"), {"knee-press": (20, 1)})
        catch_up_progress(engine)
    set_now("2026-03-05 08:00")
    cli("flare-up")

    played_clean(engine, set_now("2026-03-05 09:00"), {"knee-press": (15, 1)}, pain=True)
    catch_up_progress(engine)

    set_now("2026-03-09 08:00")  # after the flare-up: one step back from 21 s
    assert doses(today(cli))["morning"][0] == ("knee-press", 20, 1)


def test_a_new_version_during_a_flare_up_brings_its_own_flare_up_plan(
    cli: Any, clinic: Any, tmp_path: Path, set_now: SetNow
) -> None:
    set_now(f"{DAY} 08:00")
    fingerprint = init_clinician(clinic)
    v1 = prescribe(clinic, tmp_path, version=1, name="v1.json")
    assert cli("prescription", "import", str(v1), "--trust", fingerprint).exit_code == 0
    cli("flare-up")
    source = tmp_path / "v2.toml"
    source.write_text(
        PRESCRIPTION.format(version=2, start=DAY, end="").replace(
            '[[flare_up.stretches]]\nid = "knee-press"\nhold_s = 15',
            '[[flare_up.stretches]]\nid = "knee-press"\nhold_s = 12',
        )
    )
    v2 = tmp_path / "v2.json"
    assert clinic("prescribe", str(source), "--for", "Sam", "--output", str(v2)).exit_code == 0

    assert cli("prescription", "import", str(v2)).exit_code == 0

    assert doses(today(cli))["morning"] == [("knee-press", 12, 1)]


def test_a_prescription_can_leave_out_a_side_and_the_session_plays_only_the_rest(
    cli: Any, clinic: Any, tmp_path: Path, set_now: SetNow, db_path: Path
) -> None:
    from easeback.usecases.today import slot_routine

    set_now(f"{DAY} 07:10")
    fingerprint = init_clinician(clinic)
    source = tmp_path / "sides.toml"
    source.write_text(
        f'version = 1\nstart = {DAY}\n\n[[stretches]]\nid = "knee-press"\nhold_s = 20\n'
        'sides = ["right", "left"]\n'
    )
    out = tmp_path / "sides.json"
    assert clinic("prescribe", str(source), "--for", "Sam", "--output", str(out)).exit_code == 0
    assert cli("prescription", "import", str(out), "--trust", fingerprint).exit_code == 0

    morning = today(cli)["slots"][0]["stretches"]
    found = slot_routine(str(db_path), None)

    assert morning == [{"id": "knee-press", "hold_s": 20, "reps": 1, "sides": ["left", "right"]}]
    assert found is not None
    timeline = build_timeline(found[0], load_library())
    held = [p.side for p in timeline.phases if p.kind == "hold"]
    assert held == ["left", "right"]


def test_a_side_the_stretch_does_not_have_is_refused(clinic: Any, tmp_path: Path) -> None:
    init_clinician(clinic)
    source = tmp_path / "bad.toml"
    source.write_text(
        f'version = 1\nstart = {DAY}\n\n[[stretches]]\nid = "pelvic-tilt"\nhold_s = 7\n'
        'sides = ["left"]\n'
    )

    result = clinic("prescribe", str(source), "--for", "Sam", "--output", str(tmp_path / "o.json"))

    assert result.exit_code == 2
    assert "bad.toml:7: stretches[0].sides: sides of pelvic-tilt are feet, head" in result.stderr


def test_show_gives_the_prescribed_dose_and_says_what_differs_today(
    cli: Any, clinic: Any, tmp_path: Path, set_now: SetNow
) -> None:
    set_now(f"{DAY} 08:00")
    fingerprint = init_clinician(clinic)
    rx = prescribe(clinic, tmp_path)
    assert cli("prescription", "import", str(rx), "--trust", fingerprint).exit_code == 0
    cli("flare-up")

    shown = json.loads(cli("prescription", "show", "--json").stdout)

    knee, rotation = shown["stretches"]
    assert (knee["hold_s"], knee["reps"]) == (20, 1)
    assert knee["now_text"] == "During the flare-up: hold 15 s, 1 time."
    assert rotation["now_text"] == "Not due during the flare-up."


@pytest.mark.parametrize(("answer", "code"), [("y", 0), ("n", 1)])
def test_at_a_terminal_the_person_confirms_a_new_clinician_by_their_fingerprint(
    cli: Any, clinic: Any, tmp_path: Path, db_path: Path, answer: str, code: int
) -> None:
    """In a real terminal, with the real clock: a prescription starting today."""
    from datetime import date

    from helpers import Terminal

    fingerprint = init_clinician(clinic)
    rx = prescribe(clinic, tmp_path, start=date.today().isoformat())

    terminal = Terminal(db_path, "prescription", "import", str(rx))
    terminal.expect(fingerprint)
    terminal.expect("does the fingerprint match?")
    terminal.child.sendline(answer)

    assert terminal.finish() == code
    followed = today(cli)["plan"]["source"]
    assert followed == ("prescription" if code == 0 else "article")


def test_at_a_terminal_start_asks_the_morning_question_and_keeps_the_answer(
    cli: Any, db_path: Path
) -> None:
    """In a real terminal, with the real clock: a flare-up that began yesterday."""
    from datetime import UTC, date

    from easeback.store.prescriptions import start_flare
    from helpers import Terminal

    engine = open_store(str(db_path))
    yesterday = date.today() - timedelta(days=1)
    start_flare(engine, day=yesterday, days=3, prescription_id=None, at=datetime.now(UTC))
    assert today(cli)["plan"]["flare_up"]["check_due"] is True

    terminal = Terminal(db_path, "start", "--plain")
    terminal.expect("compared with usual? (better/same/worse)")
    terminal.child.sendline("awful")  # asked again until it is one of the three
    terminal.expect("compared with usual? (better/same/worse)")
    terminal.child.sendline("same")
    terminal.expect("Any new or changed symptom")
    terminal.child.sendline("n")
    terminal.expect("clinician")  # then the consent the first session needs: answered
    terminal.child.terminate(force=True)

    assert today(cli)["plan"]["flare_up"]["check_due"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trust", "junk"], "is not a key fingerprint"),
        (["--trust", ""], "is not a key fingerprint"),
        (["--trust", "A" * 43, "--card", "card.json"], "not both"),
    ],
)
def test_a_wrong_trust_option_is_refused_before_the_file_is_read(
    cli: Any, tmp_path: Path, args: list[str], message: str
) -> None:
    result = cli("prescription", "import", str(tmp_path / "none.json"), *args)

    assert result.exit_code == 2
    assert message in result.stderr


def test_a_different_file_with_a_kept_prescriptions_identifier_is_refused(
    cli: Any, clinic: Any, tmp_path: Path, set_now: SetNow, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uuid

    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID("5f0c8a52-2b1e-4c7d-9a36-0d4e8b1f2a73"))
    set_now(f"{DAY} 08:00")
    fingerprint = init_clinician(clinic)
    rx = prescribe(clinic, tmp_path)
    assert cli("prescription", "import", str(rx), "--trust", fingerprint).exit_code == 0
    assert cli("prescription", "remove").exit_code == 0
    same_id = prescribe(clinic, tmp_path, version=2, name="same-id.json")  # validly signed

    result = cli("prescription", "import", str(same_id), "--trust", fingerprint)

    assert result.exit_code == 2
    assert "identifier of another prescription" in result.stderr
    assert today(cli)["plan"] == {"source": "article"}


def test_flare_up_end_speaks_json_when_asked(cli: Any, set_now: SetNow) -> None:
    set_now(f"{DAY} 08:00")
    cli("flare-up")

    ended = cli("flare-up", "--end", "--json")
    again = cli("flare-up", "--end", "--json")

    assert json.loads(ended.stdout) == {"ended": True}
    assert json.loads(again.stdout) == {"ended": False}


def test_prescribe_can_write_the_file_to_standard_output(clinic: Any, tmp_path: Path) -> None:
    from easeback.prescribing.signed import open_file

    init_clinician(clinic)
    source = tmp_path / "rx.toml"
    source.write_text(PRESCRIPTION.format(version=1, start=DAY, end=""))

    result = clinic("prescribe", str(source), "--for", "Sam", "--output", "-")

    assert result.exit_code == 0
    assert open_file(result.stdout_bytes, load_library()).patient == "Sam"
    assert not (Path.cwd() / "-").exists()
